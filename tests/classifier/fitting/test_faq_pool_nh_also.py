"""`faq-fit DIR --needs-human-also DIR ...`: the first school's fit, plus a needs-human FLAG model fitted on the pooled rows."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml

from classifier.__main__ import build_parser
from classifier.faq import params as faq_params
from classifier.fitting import faq_fit, faq_pool
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.fitting.test_faq_pool import schools  # noqa: F401 (fixture)


def test_only_the_flag_model_sees_the_other_schools(schools):  # noqa: F811
    (A, B), _ = schools
    T = faq_pool.Pooled([A, B])
    idx = np.arange(len(A.rows))
    both = faq_pool.fit_nh_also(T, idx, 1.0)
    alone = faq_fit.fit_all(A, idx, 1.0)
    # retrieval, re-ranking, the rule and the needs-human model it reads: the first school's own fit, exactly
    assert {k: v for k, v in both.items() if k != "needs_human_flag"} == alone
    # the flag model: fitted on A's rows and all of B's, B's threshold moved by its calibration
    w = alone["retrieval"]
    X, _, _ = T.nh_features(w)
    pool = np.arange(len(T.rows))
    assert both["needs_human_flag"] == faq_fit.fit_needs_human(X[pool], T.nh[pool], 1.0, T.nh_shift(w), pool)
    assert both["needs_human_flag"]["weights"] != alone["needs_human"]["weights"]


def test_the_flag_twin_keeps_the_rules_answers(schools):  # noqa: F811
    (A, B), _ = schools
    T = faq_pool.Pooled([A, B])
    idx = np.arange(len(A.rows))
    params = faq_pool.fit_nh_also(T, idx, 1.0)
    rule = faq_fit.predict(A, {k: v for k, v in params.items() if k != "needs_human_flag"}, idx)
    flagged = faq_pool.predict_flagged(A, params, idx)
    assert [(d.auto_answer, d.entry_id) for d in flagged] == [(d.auto_answer, d.entry_id) for d in rule]
    X, _, _ = A.nh_features(params["retrieval"])
    flag, _ = faq_fit.nh_predict(X, params["needs_human_flag"])
    assert all(d.needs_human for d, r in zip(flagged, rule) if r.needs_human)  # the flag model never removes one
    flag = flag | faq_fit.nh_predict(X, params["needs_human"])[0]  # nhor.md: the flag = either model's
    assert [d.needs_human for d in flagged] == [bool(f and not d.auto_answer and not A.offtopic(X)[i]
                                                     and not (A.topics[i] == "offtopic" and not r.needs_human))
                                                for i, (f, d, r) in enumerate(zip(flag, flagged, rule))]
    assert faq_pool.predict_flagged(A, {k: v for k, v in params.items() if k != "needs_human_flag"}, idx) == rule


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


def test_write_adds_the_flag_block_to_the_one_folder_fit(schools, tmp_path, monkeypatch):  # noqa: F811
    (A, _), (a, b) = schools
    thresholds = tmp_path / "thresholds.yaml"
    shutil.copy(faq_params.THRESHOLDS_FILE, thresholds)
    monkeypatch.setattr(faq_params, "THRESHOLDS_FILE", thresholds)
    monkeypatch.setattr(faq_fit, "THRESHOLDS_FILE", thresholds)
    monkeypatch.setattr(faq_pool, "THRESHOLDS_FILE", thresholds)
    faq_params.load_params.cache_clear()
    try:
        with pytest.raises(SystemExit, match="faq-fit a --write"):  # not a's own fit: no flag model added to it
            faq_pool.faq_fit_nh_also(a, [b], folds=2, seeds=1, use_topics=False, write=True, encoder=TokenHashEncoder())
        faq_fit.write_params(faq_fit.fit_all(A, np.arange(len(A.rows)), 1.0), a, {})
        before = thresholds.read_text(encoding="utf-8")
        out = faq_pool.faq_fit_nh_also(a, [b], folds=2, seeds=1, use_topics=False, write=True,
                                       encoder=TokenHashEncoder())
        text = thresholds.read_text(encoding="utf-8")
        assert text.startswith(before)  # every block and line of the one-folder fit kept, byte for byte
        assert "# needs_human_flag -- by `python -m classifier faq-fit a --needs-human-also b --write`" in text
        written = yaml.safe_load(text)
        assert written["needs_human_flag"] == out["params"]["needs_human_flag"]
        assert written["needs_human_flag"]["reference_quantile_score"] is not None
        assert out["needs_human_also"] == ["b"] and "cv_2fold" in out and "in_sample" in out
        faq_pool.faq_fit_nh_also(a, [b], folds=2, seeds=1, use_topics=False, write=True, encoder=TokenHashEncoder())
        assert thresholds.read_text(encoding="utf-8") == text  # written again: replaced, not added twice
    finally:
        faq_params.load_params.cache_clear()


def test_the_command_takes_the_extra_schools():
    args = build_parser().parse_args(["faq-fit", "dev", "--needs-human-also", "school3", "school4", "--write"])
    assert args.dir == ["dev"] and args.needs_human_also == ["school3", "school4"] and args.write
    assert build_parser().parse_args(["faq-fit", "dev"]).needs_human_also == []
