"""The FAQ part of the replay: operators' answered questions become learned phrasings of the entry."""
from __future__ import annotations

import csv

import pytest

from classifier.faq.documents import dump_faq_yaml
from classifier.fitting.faq_replay import FAQ_KEYS, faq_replay
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES, rule_params

NEW_WORDING = "вылетает логин, войти в кабинет не выходит"  # how students say it; no FAQ phrasing is close


def _school(tmp_path, stream):
    root = tmp_path / "school"
    root.mkdir()
    dump_faq_yaml(ENTRIES, root / "faq.yaml", school="Лингва", site="lingva.example")
    with open(root / "texts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "topic", "needs_human", "lang", "faq_id"])
        for text, needs_human, faq_id in stream:
            w.writerow([text, "profile", needs_human, "ru", faq_id])
    return str(root)


@pytest.fixture
def params():
    return rule_params(min_score=0.9, min_margin=0.1)


def test_a_learned_wording_is_answered_the_next_time(tmp_path, params):
    root = _school(tmp_path, [(NEW_WORDING, 0, "forgot_pass"), ("Когда проходят уроки?", 0, "schedule"),
                              (NEW_WORDING, 0, "forgot_pass"), (NEW_WORDING, 0, "forgot_pass")])
    learned = faq_replay(root, ENTRIES, encoder=TokenHashEncoder(), params=params)
    without = faq_replay(root, ENTRIES, encoder=TokenHashEncoder(), params=params, learn=False)
    assert learned["learned"] == 1 and without["learned"] == 0
    assert without["second_half_coverage"] == 0.0
    assert learned["second_half_coverage"] == 1.0 and learned["second_half_precision"] == 1.0


def test_a_needs_human_message_is_never_learned(tmp_path, params):
    root = _school(tmp_path, [(NEW_WORDING, 1, "forgot_pass"), (NEW_WORDING, 1, "forgot_pass")])
    result = faq_replay(root, ENTRIES, encoder=TokenHashEncoder(), params=params)
    assert result["learned"] == 0
    assert tuple(k for k in FAQ_KEYS if k in result) == FAQ_KEYS
