"""`faq-fit DIR DIR ...`: the pooled fit scores each school against its own FAQ and self-calibration."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from classifier.__main__ import build_parser
from classifier.faq.calibration import FaqCalibration, calibrate_faq
from classifier.faq.documents import FaqDocument, dump_faq_yaml
from classifier.fitting import faq_fit, faq_pool
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES

# A second made-up school (retraining courses): other entries, other words.
OTHER = [
    FaqDocument("diploma", "course", "Какой документ я получу после курса?",
                ("Будет ли диплом?", "Выдаёте сертификат?"), "После итоговой работы выдаём диплом о переподготовке."),
    FaqDocument("tax_refund", "payment", "Можно ли получить налоговый вычет?",
                ("Вычет за обучение", "Справка для налоговой"), "Да: справку для вычета выдаём по заявлению за 5 дней."),
    FaqDocument("deadline", "course", "Что будет, если я не сдам домашку вовремя?",
                ("Пропустил дедлайн", "Можно сдать задание позже?"), "Задание можно сдать позже, но без проверки ментора."),
    FaqDocument("mentor", "course", "Как связаться с ментором?",
                ("Где написать наставнику?", "Нет ответа от ментора"), "Ментор отвечает в чате курса в течение суток."),
]

NEEDY = ["Я оплатил курс неделю назад, а доступа до сих пор нет!!! Верните деньги",
         "Второй раз пишу, деньги списали дважды, разберитесь уже",
         "Хочу подать жалобу на преподавателя, он сорвал три урока подряд",
         "Мне отказали в возврате, буду обращаться в суд",
         "У меня списали оплату, но заказ не создан, номер договора 12345",
         "Уже месяц жду ответа по моему заявлению, никто не отвечает"]


def _school(root: Path, entries, extra: list[str]) -> Path:
    root.mkdir()
    dump_faq_yaml(entries, root / "faq.yaml")
    with open(root / "texts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "topic", "needs_human", "lang", "faq_id"])
        for e in entries:
            for q in e.questions:
                w.writerow([q.rstrip("?") + ", подскажите", e.topic, 0, "ru", e.id])
                w.writerow(["Скажите: " + q.lower(), e.topic, 0, "ru", e.id])
        for t in NEEDY + extra:
            w.writerow([t, "payment", 1, "ru", ""])
    return root


@pytest.fixture()
def schools(tmp_path, monkeypatch):
    monkeypatch.setattr("classifier.faq.rerank.shared_e5_encoder", lambda: TokenHashEncoder())
    a = _school(tmp_path / "a", ENTRIES, [])
    b = _school(tmp_path / "b", OTHER, ["Не могу получить диплом уже полгода, ваш ментор меня игнорирует!"])
    enc = TokenHashEncoder()
    return [faq_fit.Prepared(d, encoder=enc, use_topics=False) for d in (a, b)], (a, b)


def test_pooled_rows_keep_their_own_schools_faq(schools):
    (A, B), _ = schools
    P = faq_pool.Pooled([A, B])
    assert len(P.rows) == len(A.rows) + len(B.rows) and P.names == ["a", "b"]
    assert P.school.tolist() == [0] * len(A.rows) + [1] * len(B.rows)
    w = {"w_dq": 1.0, "w_da": 0.3, "w_bm": 0.2, "w_cg": 0.1}
    S = P.scores(w)
    assert S.shape == (len(P.rows), len(ENTRIES))  # padded to the larger FAQ
    own = {e.id for e in OTHER}
    for i in range(len(A.rows), len(P.rows)):
        assert {h.entry_id for h in P.hits(i, S)} <= own  # a row of b never gets a's entries
        assert int(np.argmax(S[i])) < len(OTHER)  # the padded columns never come first
    np.testing.assert_array_equal(S[: len(A.rows)], A.scores(w))
    np.testing.assert_array_equal(P.gold[len(A.rows):], B.gold)  # gold indexes its own school's entries


def test_the_shift_is_the_schools_calibration_against_the_first(schools):
    """`Pooled.nh_quantile` is `calibrate_faq`'s nh_quantile_score under the deployed numbers, and the threshold
    a row gets is `FaqCalibration.needs_human_threshold` of its school against the first school's reference."""
    (A, B), _ = schools
    P = faq_pool.Pooled([A, B])
    params = faq_fit.fit_all(P, np.arange(len(P.rows)), 1.0)
    full = faq_pool.deployed_params([A, B], params)
    enc = A.encoder
    cal_a = calibrate_faq(A.entries, enc, full)
    cal_b = calibrate_faq(B.entries, enc, full)
    assert P.nh_quantile(0, params["retrieval"], params["needs_human"]) == cal_a.nh_quantile_score
    assert P.nh_quantile(1, params["retrieval"], params["needs_human"]) == cal_b.nh_quantile_score
    assert full["calibration_reference"]["nh_quantile_score"] == cal_a.nh_quantile_score
    t = params["needs_human"]["threshold"]
    moved = P.nh_shift(params["retrieval"])(params["needs_human"], np.arange(len(P.rows)))(t)
    assert np.all(moved[P.school == 0] == t)  # the first school is the reference
    assert moved[P.school == 1][0] == pytest.approx(round(cal_b.needs_human_threshold(full), 4), abs=1e-9)
    # one school alone is its own reference: no shift at all (the fit of old)
    assert A.nh_shift(params["retrieval"]) is None


def test_moved_threshold_is_the_calibrations_clipped_move():
    cal = FaqCalibration("v", 0.9, 0.5, 0.5, 0.3, 10, 10, 1.0, 1.0, 1.0)
    params = {"needs_human": {"threshold": 0.4}, "calibration_reference": {"nh_quantile_score": 0.2}}
    assert faq_pool.moved_threshold(0.4, np.array([0.7]))[0] == round(cal.needs_human_threshold(params), 4) == 0.7
    assert faq_pool.moved_threshold(0.4, np.array([-0.05]))[0] == pytest.approx(0.35)


def test_pooled_cross_validation_reports_each_school(schools):
    (A, B), _ = schools
    cv = faq_pool.cross_validate_schools(faq_pool.Pooled([A, B]), 2, [0], 1.0)
    assert set(cv["per_school"]) == {"a", "b"}
    for s in cv["per_school"].values():
        assert set(s["faq"]) >= {"top1", "auto_answer_precision", "auto_answer_coverage", "auto_answered_needs_human"}


def test_leave_one_school_out_measures_the_left_out_school_with_evaluate(schools):
    parts, dirs = schools
    out = faq_pool.leave_one_school_out(parts, list(dirs), 1.0)
    assert out["a"]["fitted_on"] == ["b"] and out["b"]["fitted_on"] == ["a"]
    assert out["a"]["faq"]["n"] == sum(1 for r in parts[0].rows if r["faq_id"])
    assert "calibration" in out["a"]["faq"]  # evaluate_faq's own calibration of the left-out school


def test_the_command_takes_several_folders():
    args = build_parser().parse_args(["faq-fit", "dev", "school3", "school4", "--loso"])
    assert args.dir == ["dev", "school3", "school4"] and args.loso
    assert build_parser().parse_args(["faq-fit", "dev"]).dir == ["dev"]
