"""What corrections buy, measured: ``python -m classifier replay DIR [--json]``.

The school's screenshots (``images.csv`` order) and messages (``texts.csv`` order) are streamed. Each item is
classified first; when the outcome is wrong (a wrong queue, "unsure" on an in-scope item, any queue for
``other``; for messages a wrong topic) the true label is remembered exactly as the desk's override remembers it
(``runtime.memory.correction_text`` of the item, with the school's recurring lines counted over the items seen
so far, added to the ``CorrectionMemory`` the desk's label set builds from ``LabelExample`` rows), and the
stream goes on. Figures are split into the first and the second half of each stream.

Only the memory signal changes along a stream, so every other signal of an item is computed once and the
memory's scores are recomputed per item (the desk rebuilds its scorer on a new correction; the numbers are the
same). ``fit_memory`` chooses the memory's weight and floor by replaying the development school in 20
orders (``python -m classifier calibrate DIR --memory``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..runtime.fusion import fused_logits, softmax
from ..runtime.memory import DEFAULT_FLOOR, CorrectionMemory, correction_text, recurring_lines
from ..runtime.messages import MessageClassifier
from ..runtime.pipeline import TicketPipeline
from .datasets import OcrCache, read_csv, school_faq, screenshots
from .faq_replay import FAQ_KEYS, faq_replay
from .fusion_fit import route
from .metrics import routing_metrics

MEMORY_GRID = {"w_mem": (0.0, 2.0, 4.0, 8.0, 16.0), "mem_floor": (0.4, 0.5, 0.6, 0.7)}
# The file's order and 19 shuffles: a memory's effect on a 150-message second half is one or two items in some
# orders (dev, the messages memory shipped until mem2: worse than none in 7 of 20 orders, better in none), so 3
# orders left the choice to the file order's luck. Cost: 17 replays per order (weight 0 once, 4 weights × 4
# floors), 340 in all: `calibrate --texts-only --memory` 35 → 56 s on dev, `--images-only --memory` 16 → 20 s.
ORDERS = 20


@dataclass
class Stream:
    """One school's items ready to replay: their texts, true label indices and memory-free features."""

    texts: list[str]
    y: np.ndarray
    features: list[dict]
    names: list[str]
    fallback: np.ndarray
    in_scope: np.ndarray | None  # None for messages (every topic is an answer)
    encoder: object

    def subset(self, order: Sequence[int]) -> "Stream":
        order = list(order)
        return Stream([self.texts[i] for i in order], self.y[order], [self.features[i] for i in order], self.names,
                      self.fallback, self.in_scope, self.encoder)


def image_stream(root: str, pipeline: TicketPipeline, ocr_cache: OcrCache | None = None) -> Stream:
    shots = screenshots(root, pipeline, ocr_cache or OcrCache(None))
    return Stream([text for _, text, _ in shots], np.array([pipeline.names.index(row["label"]) for row, _, _ in shots]),
                  [pipeline.features(text, "", clip) for _, text, clip in shots], pipeline.names, pipeline.out_of_scope,
                  pipeline.out_of_scope == 0, pipeline.encoder)


def text_stream(root: str, classifier: MessageClassifier) -> Stream:
    rows = read_csv(os.path.join(root, "texts.csv"))
    texts = [r["text"] for r in rows]
    return Stream(texts, np.array([classifier.names.index(r["topic"]) for r in rows]),
                  [classifier.features(t) for t in texts], classifier.names, classifier.fallback, None,
                  classifier.encoder)


def replay(stream: Stream, settings: Mapping[str, float], *, screenshots: bool) -> tuple[np.ndarray, int]:
    """Predicted index per item (-1 unsure) with corrections along the way, and the number of corrections."""
    memory = CorrectionMemory(stream.names, {}, stream.encoder,
                              floor=float(settings.get("mem_floor", DEFAULT_FLOOR)))
    predictions, corrections = [], 0
    for i, (text, truth, base) in enumerate(zip(stream.texts, stream.y, stream.features)):
        f = dict(base)
        f["mem"] = memory.scores(f"\n{text}" if screenshots else text)  # as TextScorer.memory(ocr, user)
        probs = softmax(fused_logits(f, settings, stream.fallback), float(settings["temperature"]))
        if stream.in_scope is not None:
            pred = int(route(probs[None, :], stream.in_scope, float(settings["threshold"]))[0])
            right = pred == truth if stream.in_scope[truth] else pred == -1
        else:
            pred = int(np.argmax(probs))
            right = pred == truth
        predictions.append(pred)
        if not right:
            recurring = recurring_lines(stream.texts[:i]) if screenshots else frozenset()
            remembered = correction_text(text, "", recurring) if screenshots else correction_text("", text)
            corrections += memory.add(stream.names[truth], remembered)
    return np.array(predictions), corrections


def halves(stream: Stream, predictions: np.ndarray, corrections: int) -> dict:
    n = len(stream.y)
    mid = n // 2
    out: dict[str, float] = {"n": n, "corrections": corrections}
    for name, part in (("first_half", slice(0, mid)), ("second_half", slice(mid, n))):
        y, pred = stream.y[part], predictions[part]
        if stream.in_scope is not None:
            acc, mis, cov = routing_metrics(pred, y, stream.in_scope)
            out[f"{name}_accuracy"] = round(acc, 4)
            out[f"{name}_misroute_rate"] = round(mis, 4)
            out[f"{name}_coverage"] = round(cov, 4)
        else:
            out[f"{name}_accuracy"] = round(float((pred == y).mean()), 4) if len(y) else 0.0
    return out


IMAGE_KEYS = ("n", "corrections", "first_half_accuracy", "second_half_accuracy", "second_half_misroute_rate",
              "second_half_coverage")
TEXT_KEYS = ("n", "corrections", "first_half_accuracy", "second_half_accuracy")


def replay_dataset(root: str, pipeline: TicketPipeline, classifier: MessageClassifier | None = None, *,
                   ocr_cache: OcrCache | None = None, full: bool = False, faq: bool = True) -> dict:
    """``{"images": {...}, "texts": {...}, "faq": {...}}`` with the issue's keys (``full``: also first-half
    misroute and coverage, and the same streams without memory / learning for comparison). ``faq``: the FAQ
    part (``faq_replay``: operators' answered questions become alternative questions) when the folder has a
    ``faq.yaml`` and ``classifier`` is given."""
    report: dict[str, dict] = {}
    parts = []
    if os.path.exists(os.path.join(root, "images.csv")):
        parts.append(("images", image_stream(root, pipeline, ocr_cache), pipeline.settings, True, IMAGE_KEYS))
    if classifier is not None and os.path.exists(os.path.join(root, "texts.csv")):
        parts.append(("texts", text_stream(root, classifier), classifier.settings, False, TEXT_KEYS))
    for name, stream, settings, screenshots_, keys in parts:
        result = halves(stream, *replay(stream, settings, screenshots=screenshots_))
        report[name] = result if full else {k: result[k] for k in keys}
        if full:
            off = {**settings, "w_mem": 0.0, "w_mem_fallback": 0.0}
            report[f"{name}_without_memory"] = halves(stream, *replay(stream, off, screenshots=screenshots_))
    entries = school_faq(root) if faq and classifier is not None and os.path.exists(os.path.join(root, "texts.csv")) \
        else []
    if entries:
        result = faq_replay(root, entries, topic_fn=classifier.classify, encoder=classifier.encoder)
        report["faq"] = result if full else {k: result[k] for k in FAQ_KEYS}
        if full:
            report["faq_without_learning"] = faq_replay(root, entries, topic_fn=classifier.classify,
                                                        encoder=classifier.encoder, learn=False)
    return report


def _objective(stream: Stream, settings: Mapping[str, float], *, screenshots: bool) -> float:
    """Second-half accuracy − 3 × misroute (screenshots) or accuracy (messages) of one replay."""
    result = halves(stream, *replay(stream, settings, screenshots=screenshots))
    return result["second_half_accuracy"] - 3.0 * result.get("second_half_misroute_rate", 0.0)


def fit_memory(stream: Stream, settings: Mapping[str, float], *, screenshots: bool, orders: int = ORDERS,
               seed: int = 0) -> dict[str, float]:
    """The memory weight and floor with the best mean second-half objective over ``orders`` replays of ``stream``
    (accuracy − 3 × misroute for screenshots, accuracy for messages; ties: the smaller weight).

    A memory is switched on only if it beats no memory in more than half of the orders: a mean lifted by one
    item in one lucky order is noise (one item of a 40-item second half is 0.025 in that order, 0.00125 over 20)."""
    rng = np.random.RandomState(seed)
    permutations = [np.arange(len(stream.y))] + [rng.permutation(len(stream.y)) for _ in range(orders - 1)]
    subsets = [stream.subset(order) for order in permutations]
    off = {**settings, "w_mem": 0.0, "w_mem_fallback": 0.0}
    without = np.array([_objective(sub, off, screenshots=screenshots) for sub in subsets])  # the floor is moot
    best = ((round(float(without.mean()), 6), 0.0),
            {"w_mem": 0.0, "w_mem_fallback": 0.0, "mem_floor": MEMORY_GRID["mem_floor"][0]})
    for floor in MEMORY_GRID["mem_floor"]:
        for weight in MEMORY_GRID["w_mem"]:
            if weight == 0.0:
                continue
            s = {**settings, "w_mem": weight, "w_mem_fallback": weight, "mem_floor": floor}
            objective = np.array([_objective(sub, s, screenshots=screenshots) for sub in subsets])
            if 2 * int((objective > without).sum()) <= len(subsets):
                continue
            key = (round(float(objective.mean()), 6), -weight)
            if key > best[0]:
                best = (key, {"w_mem": weight, "w_mem_fallback": weight, "mem_floor": floor})
    return best[1]


__all__ = ["replay_dataset", "replay", "fit_memory", "image_stream", "text_stream", "halves", "Stream",
           "IMAGE_KEYS", "TEXT_KEYS"]
