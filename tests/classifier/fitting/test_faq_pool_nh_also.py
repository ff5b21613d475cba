"""`faq-fit DIR --needs-human-also DIR ...`: only the needs-human model is pooled; the rest is the first school's fit."""
from __future__ import annotations

import shutil

import numpy as np
import yaml

from classifier.__main__ import build_parser
from classifier.faq import params as faq_params
from classifier.fitting import faq_fit, faq_pool
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.fitting.test_faq_pool import schools  # noqa: F401 (fixture)


def test_only_the_needs_human_model_sees_the_other_schools(schools):  # noqa: F811
    (A, B), _ = schools
    T = faq_pool.Pooled([A, B])
    idx = np.arange(len(A.rows))
    both = faq_pool.fit_nh_also(T, idx, 1.0)
    alone = faq_fit.fit_all(A, idx, 1.0)
    # retrieval weights and re-ranking: the first school's own fit
    assert both["retrieval"] == alone["retrieval"]
    # the needs-human model: fitted on A's rows and all of B's, B's threshold moved by its calibration
    w = alone["retrieval"]
    X, _, _ = T.nh_features(w)
    pool = np.arange(len(T.rows))
    assert both["needs_human"] == faq_fit.fit_needs_human(X[pool], T.nh[pool], 1.0, T.nh_shift(w), pool)
    assert both["needs_human"]["weights"] != alone["needs_human"]["weights"]
    # the rule: fitted on A's rows only, with the pooled out-of-fold needs-human scores
    flag, prob = faq_fit.oof_needs_human(T, pool, X, 1.0, shift=T.nh_shift(w))
    X0, S0, _ = A.nh_features(w)
    n0 = len(A.rows)
    assert both["auto_answer"] == faq_fit.fit_auto_answer(A, idx, S0, X0, flag[:n0], prob[:n0])


def test_cross_validation_folds_are_the_first_schools_plus_every_other_row(schools, monkeypatch):  # noqa: F811
    (A, B), _ = schools
    T = faq_pool.Pooled([A, B])
    seen, folds_alone = [], []
    real = faq_pool.fit_nh_also
    monkeypatch.setattr(faq_pool, "fit_nh_also", lambda T_, train, l2: seen.append(train.copy()) or real(T_, train, l2))
    decisions = faq_pool.cv_decisions_nh_also(T, 2, 0, 1.0)
    faq_fit.cv_decisions(A, 2, 0, 1.0, fit=lambda P, train, l2: folds_alone.append(train.copy()) or faq_fit.fit_all(P, train, l2))
    assert len(decisions) == len(A.rows) and all(d is not None for d in decisions)
    assert [t.tolist() for t in seen] == [t.tolist() for t in folds_alone]  # the same folds as the one-school fit
    assert all(t.max() < len(A.rows) for t in seen)  # the extra rows are added inside fit_nh_also, never tested


def test_write_names_the_command(schools, tmp_path, monkeypatch):  # noqa: F811
    _, (a, b) = schools
    thresholds = tmp_path / "thresholds.yaml"
    shutil.copy(faq_params.THRESHOLDS_FILE, thresholds)
    monkeypatch.setattr(faq_params, "THRESHOLDS_FILE", thresholds)
    monkeypatch.setattr(faq_fit, "THRESHOLDS_FILE", thresholds)
    faq_params.load_params.cache_clear()
    try:
        out = faq_pool.faq_fit_nh_also(a, [b], folds=2, seeds=1, use_topics=False, write=True,
                                       encoder=TokenHashEncoder())
        text = thresholds.read_text(encoding="utf-8")
        assert text.startswith("# Fitted by `python -m classifier faq-fit a --needs-human-also b --write`")
        assert "the needs-human model on a's rows plus all rows of b" in text
        written = yaml.safe_load(text)
        assert written["needs_human"] == out["params"]["needs_human"]
        assert written["auto_answer"] == out["params"]["auto_answer"]
        assert out["needs_human_also"] == ["b"] and "cv_2fold" in out and "in_sample" in out
    finally:
        faq_params.load_params.cache_clear()


def test_the_command_takes_the_extra_schools():
    args = build_parser().parse_args(["faq-fit", "dev", "--needs-human-also", "school3", "school4", "--write"])
    assert args.dir == ["dev"] and args.needs_human_also == ["school3", "school4"] and args.write
    assert build_parser().parse_args(["faq-fit", "dev"]).needs_human_also == []
