"""Evaluation on a folder shaped like the dev set: ``python -m classifier evaluate DIR [--json]``.

``report = {"images": {...}, "texts": {...}, "faq": {...}}`` (metrics in :mod:`classifier.fitting.metrics`);
``seconds_per_image`` is the mean wall time of one ``predict`` (load + OCR + fusion), models already loaded.
The school's ``faq.yaml`` is used as it would be at deployment: its questions are labelled examples of
their topics, its entries are what the FAQ layer retrieves.
"""
from __future__ import annotations

import os
import time
from typing import Callable, Mapping, Sequence

import numpy as np

from ..faq.calibration import calibrate_faq
from ..faq.decision import answer_decision
from ..faq.documents import FaqDocument, topic_examples
from ..faq.index import FaqIndex
from ..runtime.encoders import SentenceEncoder
from ..runtime.messages import MessageClassifier
from ..runtime.pipeline import TicketPipeline
from ..types import TopicResult
from .datasets import OcrCache, deployment_labels, progress, read_csv, school_faq, screenshots
from .metrics import OTHER, UNSURE, faq_metrics, image_metrics, topic_metrics

TopicFn = Callable[[str], "TopicResult | str | None"]


def evaluate_images(root: str, pipeline: TicketPipeline, *, show_progress: bool = False,
                    limit: int | None = None, ocr_cache: OcrCache | None = None) -> dict:
    """Screenshot figures; with ``ocr_cache`` the OCR text comes from (and goes to) the cache, and
    ``seconds_per_image`` is then the fusion's time only."""
    rows = read_csv(os.path.join(root, "images.csv"))[:limit]
    pipeline.scorer  # build label embeddings before timing
    if ocr_cache is not None:
        shots = screenshots(root, pipeline, ocr_cache, show_progress=show_progress)[:limit]
        y_true, y_pred, seconds = [], [], []
        for row, text, clip_probs in shots:
            t = time.perf_counter()
            label = pipeline.decide(pipeline.fuse(text, "", clip_probs)[0])[0]
            seconds.append(time.perf_counter() - t)
            y_true.append(row["label"])
            y_pred.append(label)
        return image_metrics(y_true, y_pred, seconds)
    y_true, y_pred, seconds = [], [], []
    for row in progress(rows, len(rows), "images", show_progress):
        path = os.path.join(root, row["file"])
        t = time.perf_counter()
        pred = pipeline.predict([path])
        seconds.append(time.perf_counter() - t)
        y_true.append(row["label"])
        y_pred.append(pred.label)
    return image_metrics(y_true, y_pred, seconds)


def evaluate_texts(root: str, classifier: MessageClassifier, *, show_progress: bool = False,
                   limit: int | None = None) -> dict:
    rows = read_csv(os.path.join(root, "texts.csv"))[:limit]
    y_true = [row["topic"] for row in rows]
    y_pred = [classifier.classify(row["text"]).topic for row in progress(rows, len(rows), "texts", show_progress)]
    return topic_metrics(y_true, y_pred)


def evaluate_faq(root: str, entries: Sequence[FaqDocument], *, encoder: SentenceEncoder | None = None,
                 topic_fn: TopicFn | None = None, params: dict | None = None, limit: int | None = None,
                 calibrate: bool = True) -> dict:
    """FAQ figures on ``DIR/texts.csv`` with ``entries`` as that school's FAQ; ``topic_fn`` (optional) maps a
    message to its topic. ``calibrate``: first fit the school's calibration on ``entries`` alone
    (``classifier.faq.calibration``), as a desk does when the FAQ is imported; its version is in the report."""
    rows = read_csv(os.path.join(root, "texts.csv"))[:limit]
    index = FaqIndex(entries, encoder=encoder, params=params)
    calibration = calibrate_faq(entries, index.encoder, index.params) if calibrate and entries else None
    if calibration is not None:
        params = calibration.apply(index.params)
    texts = [r["text"] for r in rows]
    embs = index.encoder.encode(texts) if texts else np.zeros((0, 512))
    decisions = [answer_decision(t, index, topic_fn(t) if topic_fn else None, params=params, query_emb=e)
                 for t, e in zip(texts, embs)]
    report = faq_metrics(rows, decisions)
    if calibration is not None:
        report["faq"]["calibration"] = calibration.version
        report["faq"]["needs_human_threshold"] = params["needs_human"]["threshold"]
    return report


def school_topic_classifier(entries: Sequence[FaqDocument]) -> MessageClassifier:
    """The message-topic classifier a school gets: shipped topics + its FAQ questions as examples, and its FAQ
    index for the ``faqtop`` signal (as the desk passes ``knowledge``'s cached index)."""
    from ..faq.index import FaqIndex

    clf = MessageClassifier(extra_examples=topic_examples(entries) or None)
    if entries:
        clf.faq_index = FaqIndex(list(entries))
    return clf


def evaluate_dataset(root: str, pipeline: TicketPipeline, *, show_progress: bool = False,
                     limit: int | None = None, ocr_cache: OcrCache | None = None) -> dict:
    """Every figure of the folder. ``pipeline`` is given the folder's school (``faq.yaml``'s school and site, and
    the school's own vocabulary learnt from its FAQ), as a desk gets its own on ``faq_import``, unless its label
    set already has them."""
    report: dict[str, dict] = {}
    if os.path.exists(os.path.join(root, "images.csv")):
        labels = deployment_labels(root, pipeline.labels)
        if labels is not pipeline.labels:
            pipeline = pipeline.with_labels(labels)
        report["images"] = evaluate_images(root, pipeline, show_progress=show_progress, limit=limit,
                                           ocr_cache=ocr_cache)
    if os.path.exists(os.path.join(root, "texts.csv")):
        entries = school_faq(root)
        topics = school_topic_classifier(entries)
        report["texts"] = evaluate_texts(root, topics, show_progress=show_progress, limit=limit)
        if entries:
            faq_report = evaluate_faq(root, entries, topic_fn=topics.classify, limit=limit)
            report["texts"]["needs_human_f1"] = faq_report["needs_human_f1"]
            report["faq"] = faq_report["faq"]
    return report


def format_report(report: Mapping[str, dict]) -> str:
    """Human-readable table + confusion matrix."""
    lines = []
    img = report.get("images")
    if img:
        lines.append(f"Images (n={img['n']})")
        for key in ("accuracy", "in_scope_accuracy", "misroute_rate", "coverage", "seconds_per_image"):
            lines.append(f"  {key:<20} {img[key]:.3f}")
        conf = img.get("confusion") or {}
        cols = sorted({c for row in conf.values() for c in row} | set(conf) - {OTHER})
        cols = [c for c in cols if c not in (OTHER, UNSURE)] + [UNSURE]
        width = max([len(c) for c in cols + list(conf)] + [10]) + 2
        lines.append("  Confusion (rows = truth, columns = prediction)")
        lines.append("  " + "".ljust(width) + "".join(c.rjust(width) for c in cols))
        for truth in sorted(conf):
            lines.append("  " + truth.ljust(width) + "".join(str(conf[truth].get(c, 0)).rjust(width) for c in cols))
    txt = report.get("texts")
    if txt:
        lines.append(f"Texts (n={txt['n']})")
        lines.append(f"  {'topic_accuracy':<20} {txt['topic_accuracy']:.3f}")
    for name, section in report.items():
        if name in ("images", "texts"):
            continue
        lines.append(f"{name}: " + ", ".join(f"{k}={v}" for k, v in section.items() if not isinstance(v, dict)))
    return "\n".join(lines)


__all__ = ["evaluate_dataset", "evaluate_images", "evaluate_texts", "evaluate_faq", "school_topic_classifier",
           "format_report"]
