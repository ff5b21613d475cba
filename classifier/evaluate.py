"""Evaluation on a folder shaped like the dev set (images.csv + images/, texts.csv, faq.yaml).

``report = {"images": {...}, "texts": {...}}`` is built by :func:`evaluate_dataset` from separate
sections so other modules can add theirs (e.g. a "faq" section) without touching the rest.

Image metrics (label ``other`` in images.csv means the right outcome is "unsure"):

* ``accuracy`` — right label for in-scope images, "unsure" for ``other`` images;
* ``in_scope_accuracy`` — accuracy on in-scope images only (unsure counts as wrong);
* ``misroute_rate`` — share of ALL images put in a wrong queue (incl. ``other`` images put in any queue);
* ``coverage`` — share of in-scope images put in a queue (right or wrong);
* ``seconds_per_image`` — mean wall time of one ``predict`` (load + OCR + fusion), models already loaded.
"""
from __future__ import annotations

import csv
import os
import sys
import time
from typing import Callable, Iterable, Mapping, Sequence

UNSURE = "unsure"
OTHER = "other"


# --- data -------------------------------------------------------------------------------------------

def read_csv(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_faq_examples(path: str) -> dict[str, list[str]]:
    """Labelled examples per topic from a school's faq.yaml (question + alt_questions of each entry)."""
    import yaml

    if not path or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    out: dict[str, list[str]] = {}
    for entry in data.get("entries") or []:
        topic = str(entry.get("topic") or "").strip()
        if not topic:
            continue
        texts = [entry.get("question")] + list(entry.get("alt_questions") or [])
        out.setdefault(topic, []).extend(str(t).strip() for t in texts if t and str(t).strip())
    return out


# --- metrics (pure arithmetic, unit-tested) ---------------------------------------------------------

def image_metrics(y_true: Sequence[str], y_pred: Sequence[str | None], seconds: Sequence[float] = ()) -> dict:
    """Metrics of screenshot routing. ``y_true`` uses "other" for out-of-scope, ``y_pred`` None for unsure."""
    n = len(y_true)
    if n != len(y_pred):
        raise ValueError("y_true and y_pred differ in length.")
    correct = misrouted = in_scope = in_scope_correct = in_scope_routed = 0
    confusion: dict[str, dict[str, int]] = {}
    for truth, pred in zip(y_true, y_pred):
        shown = pred if pred is not None else UNSURE
        confusion.setdefault(truth, {})
        confusion[truth][shown] = confusion[truth].get(shown, 0) + 1
        if truth == OTHER:
            if pred is None:
                correct += 1
            else:
                misrouted += 1
        else:
            in_scope += 1
            if pred is not None:
                in_scope_routed += 1
                if pred == truth:
                    correct += 1
                    in_scope_correct += 1
                else:
                    misrouted += 1
    return {
        "n": n,
        "accuracy": round(correct / n, 4) if n else 0.0,
        "in_scope_accuracy": round(in_scope_correct / in_scope, 4) if in_scope else 0.0,
        "misroute_rate": round(misrouted / n, 4) if n else 0.0,
        "coverage": round(in_scope_routed / in_scope, 4) if in_scope else 0.0,
        "seconds_per_image": round(sum(seconds) / len(seconds), 3) if seconds else 0.0,
        "confusion": confusion,
    }


def topic_metrics(y_true: Sequence[str], y_pred: Sequence[str | None]) -> dict:
    n = len(y_true)
    right = sum(1 for t, p in zip(y_true, y_pred) if p == t)
    return {"n": n, "topic_accuracy": round(right / n, 4) if n else 0.0}


# --- runners ----------------------------------------------------------------------------------------

def _progress(iterable: Iterable, total: int, desc: str, enabled: bool):
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)
    except ImportError:
        return iterable


def evaluate_images(root: str, pipeline=None, *, progress: bool = False, limit: int | None = None,
                    details: list | None = None) -> dict:
    from .pipeline import TicketPipeline

    rows = read_csv(os.path.join(root, "images.csv"))[:limit]
    pipeline = pipeline or TicketPipeline(clip="auto")
    pipeline.scorer  # build label embeddings before timing
    y_true, y_pred, seconds = [], [], []
    for row in _progress(rows, len(rows), "images", progress):
        path = os.path.join(root, row["file"])
        t = time.perf_counter()
        pred = pipeline.predict([path])
        seconds.append(time.perf_counter() - t)
        y_true.append(row["label"])
        y_pred.append(pred.label)
        if details is not None:
            details.append({"file": row["file"], "label": row["label"], "pred": pred.label,
                            "confidence": pred.confidence, "scores": pred.scores})
    return image_metrics(y_true, y_pred, seconds)


def evaluate_texts(root: str, classifier=None, *, progress: bool = False, limit: int | None = None,
                   details: list | None = None) -> dict:
    from .pipeline import MessageClassifier

    rows = read_csv(os.path.join(root, "texts.csv"))[:limit]
    if classifier is None:
        classifier = MessageClassifier(extra_examples=load_faq_examples(os.path.join(root, "faq.yaml")))
    y_true, y_pred = [], []
    for row in _progress(rows, len(rows), "texts", progress):
        pred = classifier.classify(row["text"])
        y_true.append(row["topic"])
        y_pred.append(pred.topic)
        if details is not None:
            details.append({"text": row["text"], "topic": row["topic"], "pred": pred.topic, "confidence": pred.confidence})
    return topic_metrics(y_true, y_pred)


# Sections of the report: name -> function(root, progress) -> dict. Other modules may register more.
SECTIONS: dict[str, Callable[..., dict]] = {}


def evaluate_dataset(root: str, *, progress: bool = False, pipeline=None, message_classifier=None,
                     limit: int | None = None, sections: Mapping[str, Callable[..., dict]] | None = None) -> dict:
    report: dict[str, dict] = {}
    if os.path.exists(os.path.join(root, "images.csv")):
        report["images"] = evaluate_images(root, pipeline, progress=progress, limit=limit)
    if os.path.exists(os.path.join(root, "texts.csv")):
        report["texts"] = evaluate_texts(root, message_classifier, progress=progress, limit=limit)
        if os.path.exists(os.path.join(root, "faq.yaml")):  # issue 4: FAQ answers + needs-human (classifier/faq.py)
            from .faq import evaluate_faq

            faq_report = evaluate_faq(root, limit=limit)
            report["texts"]["needs_human_f1"] = faq_report["needs_human_f1"]
            report["faq"] = faq_report["faq"]
    for name, fn in {**SECTIONS, **(sections or {})}.items():
        report[name] = fn(root, progress=progress)
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


__all__ = ["evaluate_dataset", "evaluate_images", "evaluate_texts", "image_metrics", "topic_metrics",
           "load_faq_examples", "format_report", "SECTIONS"]
