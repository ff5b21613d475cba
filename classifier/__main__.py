"""Command line: ``python -m classifier {classify,message,evaluate,calibrate,replay,faq-fit} ...``.

The one place of the package that reads environment variables: each runtime flag defaults to the desk's
variable of the same meaning (``--clip``: SUPPORTDESK_CLIP_MODEL, ``--threads``: SUPPORTDESK_MODEL_THREADS,
``--allow-download``: SUPPORTDESK_ALLOW_DOWNLOAD=1, ``--tesseract``: SUPPORTDESK_TESSERACT_CMD), so the
command line classifies like a desk configured the same way.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .config import RuntimeConfig


def _runtime_config(args) -> RuntimeConfig:
    return RuntimeConfig(clip_model=args.clip, threads=args.threads, allow_download=args.allow_download,
                         tesseract_cmd=args.tesseract)


def _cmd_classify(args) -> int:
    from .runtime.pipeline import TicketPipeline

    pipe = TicketPipeline.from_config(_runtime_config(args), threshold=args.threshold)
    results = []
    for path in args.paths:
        pred = pipe.predict([path], text=args.text or "")
        top = sorted(pred.scores.items(), key=lambda kv: -kv[1])[: args.top]
        results.append({"path": path, "label": pred.label, "confidence": pred.confidence,
                        "top": dict(top), "warnings": pred.warnings, "seconds": pred.timings.get("total")})
        if not args.json:
            label = pred.label or "unsure"
            tops = "  ".join(f"{k}={v:.2f}" for k, v in top)
            warn = f"  [{'; '.join(pred.warnings)}]" if pred.warnings else ""
            print(f"{path}\t{label}\t{pred.confidence:.2f}\t{tops}{warn}")
    if args.json:
        print(json.dumps({"model_version": pipe.model_version, "results": results}, ensure_ascii=False))
    return 0


def _cmd_message(args) -> int:
    from .faq.documents import load_faq_yaml
    from .fitting.evaluate import school_topic_classifier

    classifier = school_topic_classifier(load_faq_yaml(args.faq) if args.faq else [])
    for text in args.texts:
        pred = classifier.classify(text)
        print(f"{pred.topic or 'unsure'}\t{pred.confidence:.2f}\t{text}")
    return 0


def _cmd_evaluate(args) -> int:
    from .fitting.datasets import OcrCache
    from .fitting.evaluate import evaluate_dataset, format_report
    from .runtime.pipeline import TicketPipeline

    pipe = TicketPipeline.from_config(_runtime_config(args))
    report = evaluate_dataset(args.dir, pipe, show_progress=not args.json and not args.no_progress, limit=args.limit,
                              ocr_cache=OcrCache(args.ocr_cache) if args.ocr_cache else None)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"model: {pipe.model_version}")
        print(format_report(report))
    return 0


def _cmd_calibrate(args) -> int:
    from .fitting.calibrate import calibrate
    from .fitting.datasets import OcrCache

    if len(args.dir) > 1 and (not args.texts_only or args.memory):
        print("calibrate: several folders fit the topic fusion only: add --texts-only (and no --memory)",
              file=sys.stderr)
        return 2
    root = args.dir[0] if len(args.dir) == 1 else args.dir
    out = calibrate(root, _runtime_config(args), write=args.write, show_progress=not args.no_progress,
                    ocr_cache=OcrCache(args.ocr_cache), images=not args.texts_only, texts=not args.images_only,
                    cv=not args.no_cv, memory=args.memory)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    if args.write:
        print("settings written to classifier/data/labels.yaml and classifier/data/topics.yaml", file=sys.stderr)
    return 0


def _cmd_replay(args) -> int:
    from .fitting.datasets import OcrCache, deployment_labels, school_faq
    from .fitting.evaluate import school_topic_classifier
    from .fitting.replay import replay_dataset
    from .runtime.labels import LabelSet
    from .runtime.pipeline import TicketPipeline

    pipe = TicketPipeline.from_config(_runtime_config(args), deployment_labels(args.dir, LabelSet.default_images()))
    report = replay_dataset(args.dir, pipe, school_topic_classifier(school_faq(args.dir)),
                            ocr_cache=OcrCache(args.ocr_cache), full=not args.json)
    print(json.dumps(report, ensure_ascii=False) if args.json else json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _cmd_faq_fit(args) -> int:
    from .fitting.faq_fit import faq_fit, write_reference

    if args.write_reference:
        print(json.dumps(write_reference(Path(args.dir[0])), ensure_ascii=False, indent=2))
        return 0

    encoders = None
    if args.encoders:
        encoders = {name: float(share) for name, share in (part.split("=") for part in args.encoders.split(","))}
    segments = None
    if args.segments:
        share, _, clauses = args.segments.partition(",")
        segments = {"segment_share": float(share), "segment_clauses": clauses == "clauses"}
    options = dict(folds=args.folds, seeds=args.seeds, l2=args.l2, use_topics=not args.no_topic, write=args.write,
                   encoders=encoders, segments=segments)
    if args.needs_human_also:  # only the needs-human model pooled (classifier/fitting/faq_pool.py)
        from .fitting.faq_pool import faq_fit_nh_also

        if len(args.dir) > 1 or args.loso:
            raise SystemExit("--needs-human-also takes one folder (the school fitted) and no --loso")
        report = faq_fit_nh_also(Path(args.dir[0]), [Path(d) for d in args.needs_human_also], **options)
    elif len(args.dir) > 1 or args.loso:  # several schools: the pooled fit (classifier/fitting/faq_pool.py)
        from .fitting.faq_pool import faq_fit_schools

        if len(args.dir) < 2:
            raise SystemExit("--loso needs two folders or more")
        report = faq_fit_schools([Path(d) for d in args.dir], loso=args.loso, **options)
    else:
        report = faq_fit(Path(args.dir[0]), **options)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _runtime_flags(p: argparse.ArgumentParser) -> None:
    env = os.environ
    g = p.add_argument_group("runtime (defaults from the desk's environment variables)")
    g.add_argument("--clip", default=env.get("SUPPORTDESK_CLIP_MODEL", ""),
                   help="CLIP hub id or local checkpoint dir; 'off' = never; '' = the default id if on disk")
    g.add_argument("--threads", type=int, default=int(env.get("SUPPORTDESK_MODEL_THREADS") or 1))
    g.add_argument("--allow-download", action="store_true", default=env.get("SUPPORTDESK_ALLOW_DOWNLOAD") == "1",
                   help="let CLIP fetch a checkpoint that is not on disk")
    g.add_argument("--tesseract", default=env.get("SUPPORTDESK_TESSERACT_CMD") or "tesseract",
                   help="the Tesseract executable")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m classifier", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("classify", help="classify screenshots: label, confidence and top scores per image")
    c.add_argument("paths", nargs="+")
    c.add_argument("--text", default="", help="the student's message, used as one more signal")
    c.add_argument("--top", type=int, default=3)
    c.add_argument("--threshold", type=float, default=None)
    c.add_argument("--json", action="store_true")
    _runtime_flags(c)
    c.set_defaults(func=_cmd_classify)

    m = sub.add_parser("message", help="topic of chat messages")
    m.add_argument("texts", nargs="+")
    m.add_argument("--faq", default=None, help="a school's faq.yaml used as labelled examples")
    m.set_defaults(func=_cmd_message)

    e = sub.add_parser("evaluate", help="evaluate on a folder shaped like the dev set")
    e.add_argument("dir")
    e.add_argument("--json", action="store_true", help="print one JSON object and nothing else on stdout")
    e.add_argument("--no-progress", action="store_true")
    e.add_argument("--limit", type=int, default=None)
    e.add_argument("--ocr-cache", default=None,
                   help="JSON file to cache OCR text between runs (seconds_per_image is then the fusion's only)")
    _runtime_flags(e)
    e.set_defaults(func=_cmd_evaluate)

    k = sub.add_parser("calibrate", help="fit weights, temperature and abstain threshold on a labelled folder")
    k.add_argument("dir", nargs="+", help="a labelled folder; several (with --texts-only): the topic fusion fitted "
                   "on their pooled messages, each with its own FAQ, reported per school and left-one-school-out")
    k.add_argument("--write", action="store_true", help="store the fitted settings in the shipped YAML files")
    k.add_argument("--ocr-cache", default=None, help="JSON file to cache OCR text between runs")
    k.add_argument("--images-only", action="store_true")
    k.add_argument("--texts-only", action="store_true")
    k.add_argument("--no-cv", action="store_true")
    k.add_argument("--memory", action="store_true",
                   help="also fit the corrections memory's weight and floor by replaying the folder (3 orders)")
    k.add_argument("--no-progress", action="store_true")
    _runtime_flags(k)
    k.set_defaults(func=_cmd_calibrate)

    r = sub.add_parser("replay", help="stream a labelled folder, correcting mistakes as an operator would; "
                                      "first- and second-half figures")
    r.add_argument("dir")
    r.add_argument("--json", action="store_true", help="print exactly one JSON object with the issue's keys")
    r.add_argument("--ocr-cache", default=None, help="JSON file to cache OCR text between runs")
    _runtime_flags(r)
    r.set_defaults(func=_cmd_replay)

    f = sub.add_parser("faq-fit", help="fit FAQ retrieval weights, the needs-human model and auto-answer thresholds")
    f.add_argument("dir", nargs="+", help="one labelled folder, or several schools for a pooled fit (the first is "
                   "the calibration reference)")
    f.add_argument("--folds", type=int, default=5)
    f.add_argument("--seeds", type=int, default=3)
    f.add_argument("--l2", type=float, default=1.0)
    f.add_argument("--no-topic", action="store_true", help="fit without the topic classifier")
    f.add_argument("--encoders", default="", help="sentence-encoder blend of the dense signals, e.g. use=0.5,e5=0.5 "
                   "(default: the shipped thresholds.yaml's retrieval.encoders)")
    f.add_argument("--segments", default="", help="segment scoring of the auto-answer confidence: SHARE[,clauses], "
                   "0 = off (default: the shipped thresholds.yaml's retrieval.segment_share)")
    f.add_argument("--write", action="store_true", help="store the all-data fit in classifier/faq/data/thresholds.yaml")
    f.add_argument("--loso", action="store_true", help="leave one school out: fit on all folders but one, measure the "
                   "left-out one with evaluate's FAQ figures (only this report)")
    f.add_argument("--needs-human-also", nargs="+", default=[], metavar="DIR",
                   help="also fit the needs-human model (only it) on these schools' rows, each scored against its own "
                   "FAQ and self-calibration; retrieval, re-ranking and the auto-answer rule stay fitted on DIR")
    f.add_argument("--write-reference", action="store_true",
                   help="only store DIR's own FAQ calibration under the shipped numbers (calibration_reference)")
    f.set_defaults(func=_cmd_faq_fit)
    return p


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if not getattr(args, "allow_download", False):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network by accident
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
