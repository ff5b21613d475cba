"""Calibration on a labelled folder: writing the fitted settings back, and the synthetic hard negatives."""
from __future__ import annotations

import numpy as np

from classifier.fitting.calibrate import _kept, cross_validate_groups, synthetic_hard_negatives, write_settings
from classifier.fitting.fusion_fit import Problem
from classifier.runtime.labels import DEFAULT_IMAGE_LABELS, LabelSet


def test_write_settings_keeps_comments(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text("# comment\nsettings: {}\nintents:\n  - name: a\n", encoding="utf-8")
    write_settings(str(path), {"threshold": 0.7, "temperature": 0.5})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# comment\n")
    assert LabelSet.from_yaml(path).settings == {"threshold": 0.7, "temperature": 0.5}


def test_written_settings_drop_the_old_weights_and_report_only_numbers():
    labels = LabelSet(intents=LabelSet.default_images().intents,
                      settings={"w_sem": 10, "w_kw": 2, "fallback_label": "x", "threshold": 0.2})
    kept = _kept(labels, {"w_ocr_sem": 1.5, "threshold": 0.7, "l2": 0.1})
    assert kept == {"fallback_label": "x", "w_ocr_sem": 1.5, "threshold": 0.7}


def test_synthetic_hard_negatives_are_not_examples_of_the_shipped_labels():
    screens = synthetic_hard_negatives()
    assert len(screens) >= 40 and all(len(s.split()) >= 5 for s in screens)
    shipped = LabelSet.from_yaml(DEFAULT_IMAGE_LABELS).with_scope_knowledge()
    texts = {t for intent in shipped for t in intent.texts}
    # (a short error line may be the same as a school's: that is what makes them hard negatives)
    assert not any(s.strip() in texts or any(line.strip() in texts for line in s.splitlines() if len(line.split()) >= 5)
                   for s in screens)


def test_cross_validation_reports_each_group_apart():
    rng = np.random.RandomState(0)
    n = 60
    y = np.array([0, 1, 2] * (n // 3))
    from classifier.runtime.fusion import WEIGHT_KEYS

    X = np.zeros((n, 3, len(WEIGHT_KEYS)))
    X[np.arange(n), y, 0] = 1.0 + rng.normal(0, 0.1, n)  # w_ocr_sem column, in-scope part
    groups = np.array([0] * 45 + [1] * 15)
    problem = Problem(X, y, np.array([True, True, False]))
    from classifier.runtime.fusion import DEFAULT_SETTINGS

    out = cross_validate_groups(problem, groups, dict(DEFAULT_SETTINGS), abstain=True, folds=3, seeds=(0,))
    assert set(out) == {0, 1}
    assert all(set(m) == {"accuracy", "misroute_rate", "coverage"} for m in out.values())


def test_a_fit_without_memory_keeps_the_files_memory_weight_and_drops_stale_weights():
    from classifier.fitting.calibrate import _kept
    from classifier.runtime.labels import LabelSet

    labels = LabelSet.default_images().with_settings({"w_mem": 4.0, "w_mem_fallback": 4.0, "mem_floor": 0.4,
                                                       "w_ocr_sem": 9.0, "w_clip": 3.0})
    written = _kept(labels, {"w_ocr_sem": 1.5, "threshold": 0.6, "l2": 0.01})
    assert written["w_mem"] == 4.0 and written["w_mem_fallback"] == 4.0 and written["mem_floor"] == 0.4
    assert written["w_ocr_sem"] == 1.5 and written["threshold"] == 0.6
    assert "w_clip" not in written and "l2" not in written  # an unfitted fusion weight falls back to its default
