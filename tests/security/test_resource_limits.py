"""What a tiny upload can cost the server at the largest size the desk accepts (40 MP by default).

Each measurement runs in its own subprocess (peak RSS is per process). Slow-marked: a run needs ~1 GB of RAM
for a few seconds.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

MEASURE = """
import io, resource, sys, time
from tests.security.corpus import raw_png
side = 6300  # 39.7 MP, just under the default SUPPORTDESK_MAX_IMAGE_PIXELS
data = raw_png(side, side, bit_depth=16, color_type=0) if sys.argv[1] == "gray16" else raw_png(side, side)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from classifier.images import load_image
started = time.monotonic()
image = load_image(io.BytesIO(data), max_bytes=10 * 1024 * 1024, max_pixels=40_000_000)
assert image.size == (side, side) and image.mode == "RGB"
print(len(data), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base, time.monotonic() - started)
"""


def _measure(kind: str) -> tuple[int, float, float]:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, kind], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    size, rss_kb, seconds = result.stdout.split()
    return int(size), int(rss_kb) / 1024, float(seconds)


def test_16bit_image_costs_no_more_than_an_8bit_rgb_image_of_the_same_size():
    size16, rss16, sec16 = _measure("gray16")
    size8, rss8, sec8 = _measure("rgb8")
    assert size16 < 200_000 and size8 < 200_000  # tiny uploads either way
    assert rss16 <= 1.5 * rss8, f"16-bit: {rss16:.0f} MB in {sec16:.1f}s; 8-bit RGB: {rss8:.0f} MB in {sec8:.1f}s"
