"""needs_human: cue categories, the logistic judgement, and "a needs-human message is never auto-answered"."""
from __future__ import annotations

import pytest

from classifier.faq.decision import answer_decision
from classifier.faq.index import FaqIndex
from classifier.faq.needs_human import FEATURES, cue_config, feature_vector, judge_needs_human
from classifier.faq.params import load_params
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES

# Written for these tests (a made-up language school), not taken from any evaluation set.
NEEDS_HUMAN = [
    ("Если не вернёте деньги до понедельника, подаю в суд и жалобу в Роспотребнадзор", "legal_threat"),
    ("Верните деньги, я требую возврат! Заказ LG-90412", "refund_dispute"),
    ("С меня списали дважды за один урок, верните второй платёж", "refund_dispute"),
    ("Удалите все мои персональные данные по 152-ФЗ", "personal_data"),
    ("Мой аккаунт заблокировали, разблокируйте срочно", "account_lookup"),
    ("Оплатил абонемент ещё 5 дней назад, а уроки так и не появились в кабинете", "account_lookup"),
    ("Это безобразие!!! Преподаватель третий раз не пришёл на урок", "angry_complaint"),
    ("На платформе баг: после обновления кнопка отправки задания выдаёт internal error", "bug_report"),
    ("Не согласен с оценкой за экзамен, хочу подать апелляцию", "appeal"),
    ("I will sue you, this is fraud", "legal_threat"),
    ("You charged me twice, refund the duplicate asap", "refund_dispute"),
]
PLAIN_QUESTIONS = [
    "Как восстановить пароль?",
    "Какие способы оплаты вы принимаете?",
    "Когда проходят уроки?",
]


@pytest.fixture(scope="module")
def hash_index():
    return FaqIndex(ENTRIES, encoder=TokenHashEncoder())


def test_cue_file_is_generic_and_complete():
    cfg = cue_config()
    for name in ("legal_threat", "refund_dispute", "angry_complaint", "personal_data", "account_lookup",
                 "documents_request", "bug_report"):
        assert cfg["categories"][name]["patterns"] and cfg["categories"][name]["prototypes"]
    assert cfg["offtopic"]
    # the shipped weights cover exactly the named features
    assert set(load_params()["needs_human"]["weights"]) == set(FEATURES)


@pytest.mark.parametrize("text, category", NEEDS_HUMAN)
def test_regex_cues_fire(text, category):
    f, fired = feature_vector(text)
    assert f[f"re_{category}"] == 1.0, fired
    assert category in fired


def test_plain_question_fires_no_cue():
    for t in PLAIN_QUESTIONS:
        f, fired = feature_vector(t)
        assert not [c for c in fired if not c.endswith("~")], (t, fired)
        assert f["question_form"] == 1.0


def test_ongoing_case_cues():
    f, _ = feature_vector("Жду ответа уже 12 дней, до сих пор ничего")
    assert f["case_elapsed"] == 1.0
    assert feature_vector("Сколько длится курс?")[0]["case_elapsed"] == 0.0


@pytest.mark.parametrize("text, category", NEEDS_HUMAN)
def test_needs_human_never_auto_answered_even_with_a_lax_rule(hash_index, text, category):
    """With the shipped needs-human model, even a rule that would answer anything does not answer these."""
    params = {**load_params(), "auto_answer": {"min_score": 0.0, "min_margin": 0.0}}
    d = answer_decision(text, hash_index, "payment", params=params)
    assert d.needs_human, (d.needs_human_score, d.needs_human_reasons)
    assert not d.auto_answer
    assert d.suggestions  # the operator still gets the relevant policy suggested


def test_offtopic_chat_never_needs_human(hash_index):
    r = judge_needs_human("кто смотрел вчера футбол?!!", topic="offtopic", encoder=hash_index.encoder)
    assert not r.needs_human and r.reasons == ["offtopic"] and r.offtopic


def test_strong_cues_override_an_offtopic_topic(hash_index):
    """A legal threat / refund demand is never closed as chit-chat, even if the topic classifier says so."""
    r = judge_needs_human("Верните деньги!!! Иначе подам в суд", topic="offtopic", encoder=hash_index.encoder)
    assert not r.offtopic and r.needs_human
    d = answer_decision("Верните деньги!!! Иначе подам в суд", hash_index, "offtopic")
    assert d.needs_human and not d.auto_answer and d.reason != "offtopic"


def test_result_of_a_refund_demand():
    r = judge_needs_human("Верните деньги, требую возврат!!!", encoder=TokenHashEncoder())
    assert r.needs_human is True and 0.5 <= r.score <= 1.0 and "refund_dispute" in r.reasons


@pytest.mark.slow
@pytest.mark.parametrize("text, category", NEEDS_HUMAN)
def test_real_encoder_needs_human_and_not_auto_answered(real_index, text, category):
    d = answer_decision(text, real_index, "payment")
    assert d.needs_human, (d.needs_human_score, d.needs_human_reasons)
    assert not d.auto_answer


@pytest.mark.slow
@pytest.mark.parametrize("text", PLAIN_QUESTIONS)
def test_real_encoder_plain_questions_do_not_need_a_human(real_index, text):
    d = answer_decision(text, real_index, "general")
    assert not d.needs_human, (d.needs_human_score, d.needs_human_reasons)
