"""A tiny FAQ of a made-up language school (never the dev set's), shared by the FAQ and knowledge tests."""
from __future__ import annotations

from classifier.faq.documents import FaqDocument
from classifier.faq.params import load_params

ENTRIES = [
    FaqDocument("pay_ways", "payment", "Какие способы оплаты вы принимаете?",
                ("Можно заплатить картой?", "Принимаете PayPal?"),
                "Оплатить занятия можно банковской картой или переводом по счёту. PayPal не принимаем."),
    FaqDocument("money_back", "payment", "Как вернуть деньги за занятия?",
                ("Условия возврата",), "Деньги за непройденные занятия возвращаем в течение 10 рабочих дней."),
    FaqDocument("teacher_change", "course", "Можно ли сменить преподавателя?",
                ("Хочу другого учителя",), "Напишите куратору группы, он подберёт другого преподавателя."),
    FaqDocument("forgot_pass", "profile", "Как восстановить пароль?",
                ("Забыл пароль", "Не приходит письмо для сброса пароля"),
                "Нажмите «Забыли пароль?» на странице входа и следуйте письму."),
    FaqDocument("schedule", "general", "Когда проходят уроки?",
                ("Какое расписание занятий?",), "Уроки идут по будням с 18:00 до 21:00 по Москве."),
]


def rule_params(min_score, min_margin, min_votes=0, max_nh=1.0) -> dict:
    """The shipped retrieval and needs-human numbers with an auto-answer rule chosen by the test."""
    shipped = load_params()
    return {"retrieval": shipped["retrieval"], "needs_human": shipped["needs_human"],
            "offtopic_fallback": shipped.get("offtopic_fallback"),
            "auto_answer": {"min_score": min_score, "min_margin": min_margin, "min_votes": min_votes,
                            "max_needs_human_score": max_nh}}
