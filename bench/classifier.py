#!/usr/bin/env python
"""Screenshot classification speed, side by side in one run on the same images, with accuracy next to it.

    OMP_THREAD_LIMIT=1 OMP_NUM_THREADS=1 python bench/classifier.py                 # dev + val, everything
    python bench/classifier.py --limit 20 --configs today,api-x1 --no-clip          # a quick look
    python bench/classifier.py --clip-only                                          # the CLIP part alone

Offline part (the dev and val screenshots of ``../shared/dataset/*/images.csv``, every image once per row,
configurations interleaved image by image so a change in the machine's load hits all of them alike):

* ``tesseract-alone``: ``tesseract FILE stdout -l rus+eng --oem 1 --psm 3`` on the whole image file, one
  thread: the floor of a design that reads every screenshot whole;
* ``ours:<config>``: the whole offline pipeline (``TicketPipeline.predict``: load, prepare, OCR, sentence
  encoder, fusion) with an OCR configuration (``CONFIGS``); ``today`` is the configuration of main before
  issue 13. Accuracy is ``classifier.fitting.metrics.image_metrics`` of the predictions, the figures
  ``python -m classifier evaluate`` prints, with the folder's school as ``evaluate_dataset`` deploys it
  (``deployment_labels``: its identity and the vocabulary of its ``faq.yaml``).
  The OCR result cache is off here (each image is new); ``duplicate`` is the same image sent again.

Wall seconds are what a student waits; CPU seconds (this process + its Tesseract children) are what a
core pays, so they are the capacity figure on a shared machine. ``uptime`` is printed before and after.

CLIP part: a CLIP model with ViT-B/32 dimensions and random weights (the cost of the real
``openai/clip-vit-base-patch32`` without its download), image tower in torch and in ONNX Runtime (fp32 and
dynamic int8, with the int8/fp32 agreement), unbatched and in a batch of ``--batch``; cold start of a fresh
worker process (label prompts from the disk cache, and without it); peak RSS of worker processes.
"""
from __future__ import annotations

import argparse
import json
import os
import resource  # noqa: F401  (children's CPU time)
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATASETS = [str(ROOT.parent / "shared" / "dataset" / name) for name in ("dev", "val")]

# OCR configurations of the offline pipeline: TesseractOcr keyword arguments.
CONFIGS = {
    "today": dict(engine="cli", workers=1, max_scale=2.0, photo_side=None),  # main before issue 13: one process per image, x2 phones
    "api-x2": dict(engine="api", workers=1, max_scale=2.0),  # models loaded once per worker
    "api-x1.5": dict(engine="api", workers=1, max_scale=1.5),
    "api-x1": dict(engine="api", workers=1, max_scale=1.0),  # no upscaling
    "api-x1.5-2cores": dict(engine="api", workers=2, max_scale=1.5),  # one job, both cores
    "api-x1.5-rus": dict(engine="api", workers=1, max_scale=1.5, lang="rus"),  # a school whose screens are all Russian
}
DEFAULT_CONFIGS = "today,api-x2,api-x1.5,api-x1,api-x1.5-2cores"


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "uptime unavailable: load %s" % (os.getloadavg(),)


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_now() -> float:
    return time.process_time() + children_cpu()


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(values), "mean": statistics.fmean(values), "p50": statistics.median(values), "p95": p95,
            "per_s": len(values) / sum(values) if sum(values) else 0.0}


def tesseract_alone(path: str) -> tuple[float, float]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    c, t = children_cpu(), time.perf_counter()
    subprocess.run(["tesseract", path, "stdout", "-l", "rus+eng", "--oem", "1", "--psm", "3"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - t, children_cpu() - c


def offline(args) -> dict:
    from classifier.fitting.datasets import deployment_labels, read_csv
    from classifier.fitting.metrics import image_metrics
    from classifier.runtime.encoders import CachedEncoder, shared_sentence_encoder
    from classifier.runtime.ocr import TesseractOcr
    from classifier.runtime.pipeline import TicketPipeline

    names = [c for c in args.configs.split(",") if c]
    inner = shared_sentence_encoder(1).inner
    report: dict = {}
    for root in args.datasets:
        ds = os.path.basename(root.rstrip("/"))
        rows = read_csv(os.path.join(root, "images.csv"))[: args.limit]
        pipes = {}
        for name in names:
            # a fresh per-text cache per configuration: no configuration reuses another's sentence embeddings;
            # the folder's school as ``evaluate_dataset`` deploys it (identity + vocabulary from its faq.yaml)
            base = TicketPipeline(None, encoder=CachedEncoder(inner), clip=None,
                                  ocr=TesseractOcr(cache_size=0, **CONFIGS[name]))
            pipes[name] = base.with_labels(deployment_labels(root, base.labels))
            pipes[name].scorer  # label embeddings built before timing, as in evaluate_images
            pipes[name].ocr(_blank())  # the in-process engine loads its models here (a worker's start)
        wall = {n: [] for n in ["tesseract-alone", *names]}
        cpu = {n: [] for n in wall}
        preds = {n: [] for n in names}
        truth = []
        for i, row in enumerate(rows):
            path = os.path.join(root, row["file"])
            truth.append(row["label"])
            w, c = tesseract_alone(path)
            wall["tesseract-alone"].append(w)
            cpu["tesseract-alone"].append(c)
            for name in names:
                c0, t0 = cpu_now(), time.perf_counter()
                pred = pipes[name].predict([path])
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(cpu_now() - c0)
                preds[name].append(pred.label)
            if not args.quiet:
                print(f"  {ds} {i + 1}/{len(rows)}", file=sys.stderr, end="\r")
        # a duplicate screenshot (chat flood): the same images again through a pipeline with the result cache
        dup_name = names[-1]
        cached = TicketPipeline(None, encoder=CachedEncoder(inner), clip=None,
                                ocr=TesseractOcr(cache_size=1024, **CONFIGS[dup_name]))
        cached = cached.with_labels(deployment_labels(root, cached.labels))
        cached.scorer
        dup_wall = []
        for row in rows[: min(10, len(rows))]:
            path = os.path.join(root, row["file"])
            cached.predict([path])
            t0 = time.perf_counter()
            cached.predict([path])
            dup_wall.append(time.perf_counter() - t0)
        report[ds] = {
            "n": len(rows),
            "wall": {n: summary(v) for n, v in wall.items()},
            "cpu": {n: summary(v) for n, v in cpu.items()},
            "accuracy": {n: {k: v for k, v in image_metrics(truth, preds[n]).items() if k != "confusion"}
                         for n in names},
            "duplicate": {"config": dup_name, **summary(dup_wall)},
        }
    return report


def _blank():
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (300, 60), "white")
    ImageDraw.Draw(im).text((10, 20), "warm up", fill="black")
    return im


def print_offline(report: dict) -> None:
    for ds, r in report.items():
        floor_wall = r["wall"]["tesseract-alone"]["mean"]
        floor_cpu = r["cpu"]["tesseract-alone"]["mean"]
        print(f"\n[{ds}] {r['n']} screenshots; ratio = mean / tesseract-alone mean in this run")
        print(f"  {'configuration':<24}{'img/s':>7}{'wall p50':>10}{'p95':>7}{'mean':>7}{'ratio':>7}"
              f"{'cpu mean':>10}{'ratio':>7}{'accuracy':>10}{'misroute':>10}{'coverage':>10}")
        for name, w in r["wall"].items():
            c = r["cpu"][name]
            acc = r["accuracy"].get(name)
            tail = (f"{acc['accuracy']:>10.3f}{acc['misroute_rate']:>10.3f}{acc['coverage']:>10.3f}"
                    if acc else f"{'-':>10}{'-':>10}{'-':>10}")
            print(f"  {name:<24}{w['per_s']:>7.2f}{w['p50']:>10.3f}{w['p95']:>7.3f}{w['mean']:>7.3f}"
                  f"{w['mean'] / floor_wall:>7.2f}{c['mean']:>10.3f}{c['mean'] / floor_cpu:>7.2f}{tail}")
        d = r["duplicate"]
        print(f"  duplicate screenshot ({d['config']} + result cache): wall p50 {d['p50']:.3f} s, "
              f"ratio {d['mean'] / floor_wall:.3f}")


# --- CLIP -------------------------------------------------------------------------------------------

# peak RSS of this process: VmHWM (ru_maxrss survives exec on Linux, so a child would report its parent's peak)
PEAK_RSS = r"""
def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
"""

COLD = PEAK_RSS + r"""
import json, sys, time
t0 = time.perf_counter()
from PIL import Image
from classifier.config import RuntimeConfig
from classifier.runtime.clip import load_clip
from classifier.runtime.labels import LabelSet
config = RuntimeConfig(clip_model=sys.argv[1], clip_backend=sys.argv[2], clip_cache_dir=sys.argv[3])
clip = load_clip(config)
labels = LabelSet.default_images()
probs = clip.classify_labels(Image.open(sys.argv[4]).convert("RGB"), labels)
print(json.dumps({"cold_start_s": time.perf_counter() - t0, "cpu_s": time.process_time(), "rss_mb": peak_rss_mb(),
                  "torch_imported": "torch" in sys.modules}))
"""

OFFLINE_RSS = PEAK_RSS + r"""
import json, sys
from classifier.config import RuntimeConfig
from classifier.runtime.pipeline import TicketPipeline
pipe = TicketPipeline.from_config(RuntimeConfig(clip_model="off"))
for path in sys.argv[1:]:
    pipe.predict([path])
print(json.dumps({"rss_mb": peak_rss_mb()}))
"""


def run_child(code: str, *argv: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OMP_THREAD_LIMIT": "1"}
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, cwd=str(ROOT))
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - t
    return result


def clip_part(args, images: list[str]) -> dict:
    import numpy as np
    from PIL import Image

    from classifier.fitting.random_clip import VIT_B32, write_random_clip
    from classifier.runtime.clip.base import ClipClassifier
    from classifier.runtime.clip.onnx_backend import OnnxClip, export_image_tower
    from classifier.runtime.clip.transformers_backend import TransformersClip, configure_torch_threads
    from classifier.runtime.labels import LabelSet

    configure_torch_threads(1)
    work = tempfile.mkdtemp(prefix="bench-clip-")
    model_dir = os.path.join(work, "clip-vit-b32-random")
    os.makedirs(model_dir)
    write_random_clip(model_dir, VIT_B32)
    cache = os.path.join(work, "cache")
    t = time.perf_counter()
    export_image_tower(model_dir, cache)
    export_s = time.perf_counter() - t
    pics = [Image.open(p).convert("RGB") for p in images]
    towers = {
        "torch": TransformersClip(model_dir).load(),
        "onnx-fp32": OnnxClip(model_dir, cache_dir=cache).load(),
        "onnx-int8": OnnxClip(model_dir, cache_dir=cache, quantized=True).load(),
    }
    out: dict = {"export_s": export_s, "n_images": len(pics), "batch": args.batch, "towers": {}}
    # the floor on these same images in this run, so the CLIP ratios stand on their own
    floor = [tesseract_alone(p) for p in images]
    out["tesseract_alone"] = {"wall": summary([w for w, _ in floor]), "cpu": summary([c for _, c in floor])}
    embeddings = {}
    for name, tw in towers.items():
        tw.encode_images(pics[:2])  # warm-up
        single, single_cpu = [], []
        embs = []
        for im in pics:
            t, c = time.perf_counter(), time.process_time()
            embs.append(tw.encode_images([im])[0])
            single.append(time.perf_counter() - t)
            single_cpu.append(time.process_time() - c)
        batched, batched_cpu = [], []
        for i in range(0, len(pics), args.batch):
            chunk = pics[i: i + args.batch]
            t, c = time.perf_counter(), time.process_time()
            tw.encode_images(chunk)
            batched.append((time.perf_counter() - t) / len(chunk))
            batched_cpu.append((time.process_time() - c) / len(chunk))
        embeddings[name] = np.stack(embs)
        out["towers"][name] = {"unbatched": summary(single), "batched_per_image": summary(batched),
                               "unbatched_cpu": summary(single_cpu), "batched_cpu": summary(batched_cpu)}
    # int8 vs fp32: cosine of the image embeddings and agreement of the top label over the shipped prompts
    labels = LabelSet.default_images()
    text = ClipClassifier(towers["torch"]).label_embeddings(labels)
    top = {n: np.argmax(e @ text.T, axis=1) for n, e in embeddings.items()}
    cos = np.sum(embeddings["onnx-int8"] * embeddings["onnx-fp32"], axis=1)
    cos_torch = np.sum(embeddings["onnx-fp32"] * embeddings["torch"], axis=1)
    out["agreement"] = {
        "int8_vs_fp32_cosine_mean": float(cos.mean()), "int8_vs_fp32_cosine_min": float(cos.min()),
        "int8_vs_fp32_top1": float(np.mean(top["onnx-int8"] == top["onnx-fp32"])),
        "onnx_fp32_vs_torch_cosine_min": float(cos_torch.min()),
        "onnx_fp32_vs_torch_top1": float(np.mean(top["onnx-fp32"] == top["torch"])),
    }
    del towers
    # cold starts: fresh processes (prompt embeddings cache empty, then filled by the first)
    cold = {}
    # Without the cache every backend encodes the same prompts with the same text tower: measured once (torch).
    # (The bench's character tokenizer makes prompts ~4x longer than CLIP's BPE: that figure is pessimistic.)
    shared = cache  # where the export already is: a cold start reads it, it does not export again
    cold["transformers"] = {"no_cache": run_child(COLD, model_dir, "transformers", shared, images[0])}
    for backend in ("transformers", "onnx", "onnx-int8"):
        runs = [run_child(COLD, model_dir, backend, shared, images[0]) for _ in range(3)]
        cold.setdefault(backend, {})["cached"] = runs
    out["cold_start"] = cold
    out["offline_worker_rss_mb"] = run_child(OFFLINE_RSS, *images[:5])["rss_mb"]
    import shutil

    shutil.rmtree(work, ignore_errors=True)  # ~1.8 GB of random checkpoint and exports
    return out


def print_clip(r: dict, floor_wall: float | None) -> None:
    print(f"\n[CLIP ViT-B/32 shape, random weights] {r['n_images']} screenshots; batch {r['batch']}; "
          f"ONNX export (fp32 + int8) {r['export_s']:.1f} s once per checkpoint")
    t = r["tesseract_alone"]
    print(f"  tesseract-alone on the same images: {t['wall']['per_s']:.2f} img/s, wall p50 {t['wall']['p50']:.3f} "
          f"p95 {t['wall']['p95']:.3f}, CPU mean {t['cpu']['mean']:.3f} s (ratio = wall mean / its wall mean)")
    head = (f"  {'image tower':<12}{'img/s':>8}{'p50':>8}{'p95':>8}{'batched img/s':>15}{'p50/img':>9}"
            f"{'CPU/img':>9}{'bat. CPU':>9}")
    if floor_wall:
        head += f"{'ratio unb.':>11}{'ratio bat.':>11}"
    print(head)
    for name, t in r["towers"].items():
        u, b = t["unbatched"], t["batched_per_image"]
        line = (f"  {name:<12}{u['per_s']:>8.2f}{u['p50']:>8.3f}{u['p95']:>8.3f}{b['per_s']:>15.2f}{b['p50']:>9.3f}"
                f"{t['unbatched_cpu']['mean']:>9.3f}{t['batched_cpu']['mean']:>9.3f}")
        if floor_wall:
            line += f"{u['mean'] / floor_wall:>11.2f}{b['mean'] / floor_wall:>11.2f}"
        print(line)
    a = r["agreement"]
    print(f"  int8 vs fp32: cosine mean {a['int8_vs_fp32_cosine_mean']:.4f} min {a['int8_vs_fp32_cosine_min']:.4f}, "
          f"same top label {a['int8_vs_fp32_top1']:.3f}; ONNX fp32 vs torch: cosine min "
          f"{a['onnx_fp32_vs_torch_cosine_min']:.4f}, same top label {a['onnx_fp32_vs_torch_top1']:.3f}")
    print("  cold start of a worker (process start -> first screenshot's CLIP probabilities), wall / CPU seconds:")
    nc = r["cold_start"]["transformers"]["no_cache"]
    print(f"    prompts encoded at start (torch text tower): {nc['cold_start_s']:.2f} s / {nc['cpu_s']:.2f} s CPU")
    for backend, c in r["cold_start"].items():
        runs = c["cached"]
        walls = sorted(x["cold_start_s"] for x in runs)
        cpus = sorted(x["cpu_s"] for x in runs)
        print(f"    {backend:<13} prompts from disk cache: median of {len(runs)} {statistics.median(walls):.2f} s wall "
              f"({', '.join(f'{w:.2f}' for w in walls)}), {statistics.median(cpus):.2f} s CPU; "
              f"torch imported: {runs[0]['torch_imported']}; peak RSS {max(x['rss_mb'] for x in runs):.0f} MB")
    print(f"  offline worker (OCR + sentence encoder, 5 screenshots) peak RSS {r['offline_worker_rss_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", nargs="+", default=DATASETS)
    p.add_argument("--limit", type=int, default=None, help="first N screenshots of each folder")
    p.add_argument("--configs", default=DEFAULT_CONFIGS, help=f"comma-separated, of {', '.join(CONFIGS)}")
    p.add_argument("--no-clip", action="store_true")
    p.add_argument("--clip-only", action="store_true")
    p.add_argument("--clip-images", type=int, default=24, help="screenshots for the CLIP timings")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--json", default=None, help="also write every figure to this file")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    print(f"load before: {uptime()}")
    print(f"cores: {os.cpu_count()}; command: python bench/classifier.py {' '.join(argv or sys.argv[1:])}")
    report: dict = {"uptime_before": uptime()}
    if not args.clip_only:
        report["offline"] = offline(args)
        print_offline(report["offline"])
    if not args.no_clip:
        from classifier.fitting.datasets import read_csv

        images = []
        for root in args.datasets:
            images += [os.path.join(root, r["file"]) for r in read_csv(os.path.join(root, "images.csv"))]
        images = images[:: max(1, len(images) // args.clip_images)][: args.clip_images]
        report["clip"] = clip_part(args, images)
        print_clip(report["clip"], report["clip"]["tesseract_alone"]["wall"]["mean"])
    report["uptime_after"] = uptime()
    print(f"\nload after: {report['uptime_after']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
