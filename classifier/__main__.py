"""Command line: ``python -m classifier {classify,evaluate,calibrate,message} ...``."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys


def _cmd_classify(args) -> int:
    from .pipeline import TicketPipeline

    pipe = TicketPipeline(clip=args.clip or "auto", threshold=args.threshold)
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
    from .evaluate import load_faq_examples
    from .pipeline import classify_message

    extra = load_faq_examples(args.faq) if args.faq else None
    for text in args.texts:
        pred = classify_message(text, extra_examples=extra)
        print(f"{pred.topic or 'unsure'}\t{pred.confidence:.2f}\t{text}")
    return 0


def _cmd_evaluate(args) -> int:
    from .evaluate import evaluate_dataset, format_report
    from .pipeline import TicketPipeline

    pipe = TicketPipeline(clip=args.clip or "auto")
    report = evaluate_dataset(args.dir, progress=not args.json and not args.no_progress, pipeline=pipe,
                              limit=args.limit)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"model: {pipe.model_version}")
        print(format_report(report))
    return 0


def _cmd_calibrate(args) -> int:
    from .calibrate import calibrate

    out = calibrate(args.dir, write=args.write, progress=not args.no_progress, ocr_cache=args.ocr_cache,
                    images=not args.texts_only, texts=not args.images_only, cv=not args.no_cv)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    if args.write:
        print("settings written to classifier/labels.yaml and classifier/topics.yaml", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m classifier", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("classify", help="classify screenshots: label, confidence and top scores per image")
    c.add_argument("paths", nargs="+")
    c.add_argument("--text", default="", help="the student's message, used as one more signal")
    c.add_argument("--top", type=int, default=3)
    c.add_argument("--threshold", type=float, default=None)
    c.add_argument("--clip", default=None, help="CLIP hub id or local dir (default: SUPPORTDESK_CLIP_MODEL)")
    c.add_argument("--json", action="store_true")
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
    e.add_argument("--clip", default=None)
    e.set_defaults(func=_cmd_evaluate)

    k = sub.add_parser("calibrate", help="fit weights, temperature and abstain threshold on a labelled folder")
    k.add_argument("dir")
    k.add_argument("--write", action="store_true", help="store the fitted settings in the shipped YAML files")
    k.add_argument("--ocr-cache", default=None, help="JSON file to cache OCR text between runs")
    k.add_argument("--images-only", action="store_true")
    k.add_argument("--texts-only", action="store_true")
    k.add_argument("--no-cv", action="store_true")
    k.add_argument("--no-progress", action="store_true")
    k.set_defaults(func=_cmd_calibrate)
    return p


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
