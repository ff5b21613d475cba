"""Calibration: temperature, the global abstain threshold, and writing the fitted settings back."""
from __future__ import annotations

import numpy as np
import pytest

from classifier.fitting.calibrate import fit_temperature, fit_threshold, write_settings
from classifier.fitting.metrics import routing_metrics
from classifier.runtime.fusion import softmax
from classifier.runtime.labels import LabelSet


def test_fit_threshold_separates_confident_right_from_unsure_wrong():
    # 4 items, classes: 0,1 in scope; 2 out of scope
    probs = np.array([[0.95, 0.03, 0.02], [0.9, 0.05, 0.05], [0.55, 0.4, 0.05], [0.6, 0.1, 0.3]])
    y = np.array([0, 0, 1, 2])
    in_scope = np.array([True, True, False])
    thr, obj = fit_threshold(probs, y, in_scope)
    assert 0.6 < thr <= 0.9  # routes the two confident items, holds back the two doubtful ones
    pred = np.where(probs.max(1) >= thr, probs.argmax(1), -1)
    acc, mis, cov = routing_metrics(pred, y, in_scope)
    assert (acc, mis) == (0.75, 0.0) and cov == pytest.approx(2 / 3)


def test_fit_temperature_sharpens_underconfident_logits():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, 200)
    logits = rng.normal(0, 0.3, (200, 3))
    logits[np.arange(200), y] += 1.0  # right most of the time but soft
    t, nll = fit_temperature(logits, y)
    assert t < 1.0
    assert nll < -np.log(softmax(logits)[np.arange(200), y]).mean()


def test_write_settings_keeps_comments(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text("# comment\nsettings: {}\nintents:\n  - name: a\n", encoding="utf-8")
    write_settings(str(path), {"threshold": 0.7, "temperature": 0.5})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# comment\n")
    assert LabelSet.from_yaml(path).settings == {"threshold": 0.7, "temperature": 0.5}
