"""The fusion fit: penalised conditional logit, out-of-fold temperature and threshold, row weights."""
from __future__ import annotations

import numpy as np
import pytest

from classifier.fitting.fusion_fit import (
    Problem, fit_fusion, fit_temperature, fit_threshold, fit_weights, route, routing_objective,
)
from classifier.fitting.metrics import routing_metrics
from classifier.runtime.fusion import DEFAULT_SETTINGS, WEIGHT_KEYS, softmax, weight_vector

IN_SCOPE = np.array([True, True, False])


def _problem(n=90, seed=0, noise=0.15):
    """Intent 0/1 in scope, 2 = other; w_ocr_sem's column carries the truth, w_ocr_kw's is noise."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 3
    X = np.zeros((n, 3, len(WEIGHT_KEYS)))
    sem, kw = WEIGHT_KEYS.index("w_ocr_sem"), WEIGHT_KEYS.index("w_ocr_kw")
    sem_fb = WEIGHT_KEYS.index("w_ocr_sem_fallback")
    for i, c in enumerate(y):
        X[i, :, sem] = rng.normal(0.3, noise, 3)
        X[i, c, sem] += 0.5
        X[i, :, kw] = rng.normal(0.5, 0.3, 3)
    X[:, 2, sem_fb], X[:, 2, sem] = X[:, 2, sem], 0.0  # "other" uses its own (fallback) weight
    return Problem(X, y, IN_SCOPE)


def test_fit_threshold_holds_back_what_would_be_misrouted():
    probs = np.array([[0.95, 0.03, 0.02], [0.9, 0.05, 0.05], [0.55, 0.4, 0.05], [0.6, 0.1, 0.3]])
    y = np.array([0, 0, 1, 2])
    thr, obj = fit_threshold(probs, y, IN_SCOPE)
    assert 0.6 < thr <= 0.9  # routes the two confident items, holds back the two doubtful ones
    acc, mis, cov = routing_metrics(route(probs, IN_SCOPE, thr), y, IN_SCOPE)
    assert (acc, mis) == (0.75, 0.0) and cov == pytest.approx(2 / 3) and obj == routing_objective(acc, mis)


def test_row_weights_decide_what_a_threshold_gives_up():
    probs = np.array([[0.7, 0.2, 0.1], [0.7, 0.2, 0.1]])
    y = np.array([0, 2])  # one right if routed, one "other" misrouted if routed
    assert fit_threshold(probs, y, IN_SCOPE, np.array([1.0, 0.1]))[0] <= 0.7  # the other one counts little: route
    assert fit_threshold(probs, y, IN_SCOPE, np.array([1.0, 1.0]))[0] > 0.7  # a misroute costs 4 unsure: hold


def test_fit_temperature_sharpens_underconfident_logits():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, 200)
    logits = rng.normal(0, 0.3, (200, 3))
    logits[np.arange(200), y] += 1.0
    assert fit_temperature(logits, y) < 1.0


def test_weights_follow_the_informative_signal_and_stay_non_negative():
    problem = _problem()
    theta = fit_weights(problem, 0.01, weight_vector(DEFAULT_SETTINGS))
    w = dict(zip(WEIGHT_KEYS, theta))
    assert w["w_ocr_sem"] > 5 * max(w["w_ocr_kw"], 1e-3) and w["w_ocr_kw"] >= 0.0
    assert w["w_clip"] == DEFAULT_SETTINGS["w_clip"]  # a column of zeros is not fitted


def test_fit_fusion_returns_only_what_the_data_could_fit_and_routes_well_held_out():
    fitted = fit_fusion(_problem(seed=1), DEFAULT_SETTINGS, abstain=True)
    assert {"temperature", "threshold", "w_ocr_sem", "w_ocr_sem_fallback"} <= set(fitted)
    assert not {"w_clip", "w_user_sem", "other_bias"} & set(fitted)  # their columns are zero here
    test = _problem(seed=2)
    s = {**DEFAULT_SETTINGS, **fitted}
    probs = softmax(test.X @ weight_vector(s), s["temperature"])
    acc, mis, _ = routing_metrics(route(probs, IN_SCOPE, s["threshold"]), test.y, IN_SCOPE)
    assert acc > 0.9 and mis < 0.05


def test_unfitted_weights_take_their_twins():
    v = dict(zip(WEIGHT_KEYS, weight_vector({"w_ocr_sem": 2.0, "w_ocr_kw": 0.5, "w_ocr_kw_fallback": 3.0})))
    assert v["w_user_sem"] == 2.0 and v["w_ocr_sem_fallback"] == 2.0 and v["w_user_sem_fallback"] == 2.0
    assert v["w_ocr_kw_fallback"] == 3.0 and v["w_user_kw_fallback"] == 0.5
