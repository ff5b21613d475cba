#!/usr/bin/env python
"""What decoding the largest accepted screenshot costs, by pixel format, measured side by side.

    python bench/image_memory.py            # 39.7 MP (just under SUPPORTDESK_MAX_IMAGE_PIXELS' default)
    python bench/image_memory.py --side 3000

Each PNG is built here and decoded by ``classifier.images.load_image`` in a fresh subprocess, so the
peak RSS (ru_maxrss) is that of the decode alone. A 16-bit grayscale PNG of a few dozen KB once cost
~750 MB through float64 arrays; the ratio column shows what it costs now next to an 8-bit RGB image.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.security.corpus import raw_png  # noqa: E402  (a PNG writer that needs no pixel library)

DECODE = """
import io, resource, sys, time
import numpy, PIL.Image
from classifier import load_image
data = open(sys.argv[1], "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
image = load_image(io.BytesIO(data), max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)
assert image.mode == "RGB"
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base, time.monotonic() - started)
"""

KINDS = {
    "rgb8": lambda side: raw_png(side, side),
    "gray16": lambda side: raw_png(side, side, bit_depth=16, color_type=0),
    "gray8": lambda side: raw_png(side, side, bit_depth=8, color_type=0),
}


def decode_cost(png: Path) -> tuple[float, float]:
    result = subprocess.run(
        [sys.executable, "-c", DECODE, str(png)], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}, check=True,
    )
    rss_kb, seconds = result.stdout.split()
    return int(rss_kb) / 1024, float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=6300)
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, make in KINDS.items():
            png = Path(tmp) / f"{kind}.png"
            png.write_bytes(make(args.side))
            rows[kind] = (png.stat().st_size, *decode_cost(png))
    base_mb = rows["rgb8"][1]
    print(f"{args.side}x{args.side} ({args.side * args.side / 1e6:.1f} MP)")
    print(f"{'format':8} {'file KB':>8} {'peak MB':>8} {'seconds':>8} {'MB vs rgb8':>10}")
    for kind, (size, mb, seconds) in rows.items():
        print(f"{kind:8} {size / 1024:8.0f} {mb:8.0f} {seconds:8.2f} {mb / base_mb:10.2f}")


if __name__ == "__main__":
    main()
