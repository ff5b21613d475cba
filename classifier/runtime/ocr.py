"""Tesseract OCR (rus+eng) with screenshot-oriented image preparation.

Tesseract is run as a subprocess with ``OMP_THREAD_LIMIT=1`` (one core per call) and a timeout,
so a pathological image can never hang a worker. Which executable runs is the caller's choice
(``RuntimeConfig.tesseract_cmd``; ``TesseractOcr`` binds it).

Preparation (measured on the 80 dev screenshots; see ``prepare_for_ocr``):
grayscale, upscaling of small/downscaled phone shots, inverting dark themes, and downscaling very
large images (keeps time bounded).
"""
from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess

import numpy as np
from PIL import Image, ImageOps

from ..errors import ClassifierError, ModelUnavailableError
from .textnorm import words

log = logging.getLogger(__name__)

DEFAULT_LANG = "rus+eng"
# (tessedit_do_invert=0 was tried: no CPU saving in an interleaved A/B on 40 dev shots, 0.60 vs 0.61 s.)
DEFAULT_CONFIG = ("--oem", "1", "--psm", "3")
DEFAULT_TIMEOUT = 20.0

# Preparation parameters. Measured on the 80 dev screenshots (OCR seconds/image are wall times on
# the shared 2-core machine, so only roughly comparable; accuracy = routing accuracy with the fusion
# weights, temperature and threshold re-fitted for each variant, 5-fold cross-validated):
#   raw RGB, no preparation ............ 0.54 s   CV accuracy 0.933  misroute 0.050
#   grayscale (luminance) .............. 0.56 s   CV accuracy 0.921  misroute 0.038
#   + upscale phone shots x3 ........... 0.67 s   CV accuracy 0.975  misroute 0.017
#   + invert dark themes ............... 0.59 s   CV accuracy 0.971  misroute 0.021  (24/80 dev images are dark;
#                                                  Tesseract 5 copes with most of them either way)
#   colour-aware gray (min/max channel) + upscale x2 + invert (current; later keyword set and the
#   CV-based weight selection of calibrate.py): tesseract CPU 0.50 s/image (x3: 0.55 s), nested-CV
#   accuracy 0.956 misroute 0.025; x2 and x3 gave the same accuracy, so x2 for speed.
#   Colour-aware gray matters for red/blue error text on dark themes: with plain luminance, red on
#   dark grey becomes mid-grey on dark grey and Tesseract dropped the error line in 4 of 32 of our
#   synthetic screenshots of another school; with the min/max channel it read all of them.
TARGET_MIN_WIDTH = 1000  # images narrower than this are upscaled ...
UPSCALE_TO = 1400  # ... towards this width,
MAX_SCALE = 2.0  # ... but at most x2 (phone 390 px -> 780 px)
MAX_SIDE = 2600  # larger images are downscaled (time grows with pixels)
DARK_MEAN = 110  # mean luminance below which the image is treated as a dark theme and inverted


def to_gray(image: Image.Image, dark: bool) -> Image.Image:
    """Colour-aware grayscale: coloured text (red errors, blue links) keeps its contrast.

    On a light background the darkest channel is used (red text stays dark); on a dark background the
    brightest channel (red text stays bright). Plain luminance turns red-on-dark into mid-grey on
    dark grey, which Tesseract often drops.
    """
    arr = np.asarray(image.convert("RGB"))
    channel = arr.max(axis=2) if dark else arr.min(axis=2)
    return Image.fromarray(channel.astype(np.uint8), "L")


def prepare_for_ocr(image: Image.Image, *, grayscale: bool = True, upscale: bool = True, invert_dark: bool = True,
                    color_aware: bool = True) -> Image.Image:
    """Return the image Tesseract should see.

    Grayscale (colour-aware), upscaling of small phone shots, downscaling of huge images and inverting
    dark themes; see the measurements above the constants. Every step is kept because it helped or
    cost nothing.
    """
    rgb = image.convert("RGB")
    luminance = rgb.convert("L")
    dark = float(np.asarray(luminance, dtype=np.uint8).mean()) < DARK_MEAN
    # grayscale first (at the original size): resizing one channel is 3x cheaper than RGB
    if not grayscale:
        im = rgb
    elif color_aware:
        im = to_gray(rgb, dark)
    else:
        im = luminance
    w, h = im.size
    if upscale and w < TARGET_MIN_WIDTH:
        scale = min(MAX_SCALE, UPSCALE_TO / max(w, 1))
        im = im.resize((int(w * scale), int(h * scale)), Image.BICUBIC)
    elif max(w, h) > MAX_SIDE:
        scale = MAX_SIDE / max(w, h)
        im = im.resize((max(1, int(w * scale)), max(1, int(h * scale))), Image.BILINEAR)
    if invert_dark and dark:
        im = ImageOps.invert(im)
    return im


DEFAULT_TESSERACT_CMD = "tesseract"


def run_tesseract(image: Image.Image, *, cmd: str = DEFAULT_TESSERACT_CMD, lang: str = DEFAULT_LANG,
                  config: tuple[str, ...] = DEFAULT_CONFIG, timeout: float = DEFAULT_TIMEOUT) -> str:
    """OCR one (already prepared) image; one thread; raises ModelUnavailableError if tesseract is missing."""
    if shutil.which(cmd) is None:
        raise ModelUnavailableError("Tesseract OCR is not installed; screenshots cannot be read.")
    buf = io.BytesIO()
    # uncompressed PGM/PPM: nothing to compress or decompress (PNG cost ~40 ms per screenshot)
    image.save(buf, format="PPM")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # the child's environment: ours (PATH, TESSDATA_PREFIX) + 1 thread
    try:
        proc = subprocess.run(
            [cmd, "stdin", "stdout", "-l", lang, *config],
            input=buf.getvalue(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise ClassifierError(f"OCR took longer than {timeout:.0f} seconds and was stopped.") from None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ClassifierError(f"OCR failed: {err[-1] if err else 'tesseract exited with code %d' % proc.returncode}")
    return proc.stdout.decode("utf-8", "replace")


def clean_ocr_text(text: str) -> str:
    """Drop empty lines and lines that are mostly OCR noise (no 2+ letter word)."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line and words(line))


def ocr_image(image: Image.Image, *, cmd: str = DEFAULT_TESSERACT_CMD, **prepare) -> str:
    """Prepare and OCR a screenshot; returns cleaned text (possibly empty). ``prepare``: see prepare_for_ocr."""
    return clean_ocr_text(run_tesseract(prepare_for_ocr(image, **prepare), cmd=cmd))


class TesseractOcr:
    """``ocr(image) -> text`` with a chosen Tesseract executable (what ``TicketPipeline`` calls)."""

    def __init__(self, cmd: str = DEFAULT_TESSERACT_CMD) -> None:
        self.cmd = cmd

    def __call__(self, image: Image.Image) -> str:
        return ocr_image(image, cmd=self.cmd)


__all__ = ["prepare_for_ocr", "run_tesseract", "ocr_image", "clean_ocr_text", "TesseractOcr", "DEFAULT_TESSERACT_CMD"]
