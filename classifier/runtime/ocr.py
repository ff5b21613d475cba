"""Tesseract OCR (rus+eng) with screenshot-oriented image preparation.

Tesseract runs in this process through tesserocr (``TesseractApi``: the rus+eng models loaded once per worker
thread instead of once per screenshot, 0.07-0.10 s of CPU saved on each) or, for a caller's own executable
(``RuntimeConfig.tesseract_cmd``) or without tesserocr, as a subprocess with ``OMP_THREAD_LIMIT=1``. Both run
one thread per call and stop at a deadline, so a pathological image can never hang a worker.
``TesseractOcr`` adds a result cache by image content (a chat flood re-sends the same screenshot) and can cut
a screenshot at a blank band into two pieces read at the same time (both cores for one job).
Figures: ``bench/classifier.py`` and ``docs/experiments/perfclf.md``.

Preparation (measured on the 80 dev screenshots; see ``prepare_for_ocr``):
grayscale, upscaling of small/downscaled phone shots, inverting dark themes, and downscaling very
large images (keeps time bounded).
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np
from PIL import Image, ImageChops, ImageOps, ImageStat

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
MAX_SCALE = 2.0  # ... but at most x2 (phone 390 px -> 780 px) when prepare_for_ocr is called alone
# What TesseractOcr uses (issue 13; bench/classifier.py, 80 dev + 80 val screenshots, load 7-11, CPU s/image, in-process
# engine): x2 0.342 dev / accuracy 0.938; x1.5 0.328 / 0.938; x1 (no upscaling) 0.306 / 0.900. Chosen on dev: x1.5.
OCR_MAX_SCALE = 1.5
MAX_SIDE = 2600  # larger images are downscaled (time grows with pixels)
# Photo-like images (no flat background: the 4 most common grey levels hold < PHOTO_PEAK_SHARE of the pixels; on dev
# every screenshot with a label holds >= 0.50, the 6 below 0.20 are all "other": photos, a home screen, a game) of more
# than PHOTO_PIXELS are read at PHOTO_SIDE. Tesseract's layout pass on a photo's texture is what costs: a 1080x2340
# phone photo took 1.46 s of CPU (dev img_014, 8 times a screenshot's reading) and 0.015 s at 1280 px, same (empty) text.
PHOTO_PEAK_SHARE = 0.25
PHOTO_PIXELS = 2_000_000
PHOTO_SIDE = 1280
DARK_MEAN = 110  # mean luminance below which the image is treated as a dark theme and inverted


def to_gray(image: Image.Image, dark: bool) -> Image.Image:
    """Colour-aware grayscale: coloured text (red errors, blue links) keeps its contrast.

    On a light background the darkest channel is used (red text stays dark); on a dark background the
    brightest channel (red text stays bright). Plain luminance turns red-on-dark into mid-grey on
    dark grey, which Tesseract often drops. Pillow's channel min/max (``ImageChops``) gives the same pixels
    as numpy's ``min(axis=2)`` in ~1/5 of the time (no RGB copy, no strided reduction).
    """
    red, green, blue = (image if image.mode == "RGB" else image.convert("RGB")).split()
    pick = ImageChops.lighter if dark else ImageChops.darker
    return pick(pick(red, green), blue)


def is_dark(image: Image.Image) -> bool:
    """Mean luminance below DARK_MEAN (from the histogram: no numpy copy of the pixels)."""
    return ImageStat.Stat(image.convert("L")).mean[0] < DARK_MEAN


def photo_like(gray: Image.Image) -> bool:
    """No flat background: the 4 most common grey levels hold less than PHOTO_PEAK_SHARE of the pixels."""
    counts = sorted(gray.histogram(), reverse=True)
    return sum(counts[:4]) < PHOTO_PEAK_SHARE * max(1, gray.width * gray.height)


def prepare_for_ocr(image: Image.Image, *, grayscale: bool = True, upscale: bool = True, invert_dark: bool = True,
                    color_aware: bool = True, max_scale: float = MAX_SCALE, photo_side: int | None = None) -> Image.Image:
    """Return the image Tesseract should see.

    Grayscale (colour-aware), upscaling of small phone shots, downscaling of huge images and inverting
    dark themes; see the measurements above the constants. Every step is kept because it helped or
    cost nothing. ``photo_side``: large photo-like images are read at this longest side (None: as screenshots).
    """
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    dark = is_dark(rgb)
    # grayscale first (at the original size): resizing one channel is 3x cheaper than RGB
    if not grayscale:
        im = rgb
    elif color_aware:
        im = to_gray(rgb, dark)
    else:
        im = rgb.convert("L")
    w, h = im.size
    scale = min(max_scale, UPSCALE_TO / max(w, 1))
    if photo_side and grayscale and w * h > PHOTO_PIXELS and max(w, h) > photo_side and photo_like(im):
        scale = photo_side / max(w, h)
        im = im.resize((max(1, int(w * scale)), max(1, int(h * scale))), Image.BILINEAR)
    elif upscale and w < TARGET_MIN_WIDTH and scale > 1.0:
        im = im.resize((int(w * scale), int(h * scale)), Image.BICUBIC)
    elif max(w, h) > MAX_SIDE:
        scale = MAX_SIDE / max(w, h)
        im = im.resize((max(1, int(w * scale)), max(1, int(h * scale))), Image.BILINEAR)
    if invert_dark and dark:
        im = ImageOps.invert(im)
    return im


DEFAULT_TESSERACT_CMD = "tesseract"
ENGINES = ("auto", "api", "cli")


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


def tessdata_dir(cmd: str = DEFAULT_TESSERACT_CMD) -> str | None:
    """The folder of the traineddata the ``cmd`` executable reads (``tesseract --list-langs`` says it), or None."""
    if shutil.which(cmd) is None:
        return None
    try:
        out = subprocess.run([cmd, "--list-langs"], capture_output=True, timeout=DEFAULT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'"([^"]+)"', (out.stdout + out.stderr).decode("utf-8", "replace"))
    return found.group(1) if found and os.path.isdir(found.group(1)) else None


class TesseractApi:
    """Tesseract in this process through tesserocr: the models are loaded once per thread, not once per image.

    The command line loads rus+eng for every screenshot: 0.07-0.10 s of CPU of a ~0.45 s reading (measured on
    this machine, ``time tesseract blank.png stdout -l rus+eng``), and needs the image encoded to PPM and piped.
    tesserocr's wheel bundles its own libtesseract (5.5, no OpenMP: one thread per call, like
    ``OMP_THREAD_LIMIT=1``) and reads the system's traineddata, found through ``cmd --list-langs``.
    One ``PyTessBaseAPI`` per thread (the API object is not thread-safe; calls release the GIL, so two threads
    use two cores).
    """

    def __init__(self, cmd: str = DEFAULT_TESSERACT_CMD, lang: str = DEFAULT_LANG, psm: int = 3,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.cmd, self.lang, self.psm, self.timeout = cmd, lang, psm, timeout
        self._local = threading.local()
        self._path: str | None = None

    @staticmethod
    def importable() -> bool:
        try:
            import tesserocr  # noqa: F401
        except ImportError:
            return False
        return True

    def _api(self):
        api = getattr(self._local, "api", None)
        if api is None:
            import tesserocr

            if self._path is None:
                self._path = tessdata_dir(self.cmd)
                if self._path is None:
                    raise ModelUnavailableError("Tesseract OCR is not installed; screenshots cannot be read.")
            try:
                api = tesserocr.PyTessBaseAPI(path=self._path, lang=self.lang, psm=self.psm,
                                              oem=tesserocr.OEM.LSTM_ONLY)
            except RuntimeError as exc:
                raise ModelUnavailableError(f"Tesseract could not load its {self.lang} models ({exc}).") from None
            self._local.api = api
        return api

    def __call__(self, image: Image.Image) -> str:
        api = self._api()
        api.SetImage(image)
        try:
            # Tesseract's own deadline (its progress monitor), as the command line has a subprocess timeout
            finished = api.Recognize(int(self.timeout * 1000))
            text = api.GetUTF8Text() if finished else None
        except RuntimeError as exc:
            raise ClassifierError(f"OCR failed: {exc}") from None
        finally:
            api.Clear()
        if text is None:
            raise ClassifierError(f"OCR took longer than {self.timeout:.0f} seconds and was stopped.")
        return text


INK_DELTA = 40  # grey levels from the background that count as ink (anti-aliased text edges are ~60-200 away)
MIN_GAP_ROWS = 6  # a cut needs this many blank rows (a text line's own leading is 2-5 px at screenshot sizes)
MIN_SPLIT_HEIGHT = 500  # shorter images are read in one piece (two processes cost more than they save)


def ink_rows(gray: Image.Image) -> np.ndarray:
    """Row profile: True where a row of the (prepared, light-background) image has any ink."""
    arr = np.asarray(gray, dtype=np.uint8)
    background = int(np.median(arr[:, :: max(1, arr.shape[1] // 64)]))
    # |pixel - background| > INK_DELTA without an int16 copy of the image: two uint8 comparisons
    ink = arr > background + INK_DELTA if background + INK_DELTA < 255 else np.zeros(arr.shape, bool)
    if background - INK_DELTA > 0:
        ink |= arr < background - INK_DELTA
    return ink.any(axis=1)


def split_rows(gray: Image.Image, parts: int = 2) -> list[Image.Image]:
    """Cut the image into ``parts`` horizontal bands at blank rows nearest the even cut points (projection profile).

    A cut is made only through ``MIN_GAP_ROWS`` blank rows, so no text line is cut; an image with no such gap
    near the middle (a dense page, a photo) stays whole. Blank bands at the top and bottom are dropped.
    """
    w, h = gray.size
    ink = ink_rows(gray)
    rows = np.flatnonzero(ink)
    if rows.size == 0:
        return []
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    if parts < 2 or bottom - top < MIN_SPLIT_HEIGHT:
        return [gray.crop((0, max(0, top - 4), w, min(h, bottom + 4)))]
    blank = ~ink
    # centre of every run of >= MIN_GAP_ROWS blank rows between top and bottom
    runs, start = [], None
    for y in range(top, bottom + 1):
        if y < bottom and blank[y]:
            start = y if start is None else start
        elif start is not None:
            if y - start >= MIN_GAP_ROWS:
                runs.append((start + y) // 2)
            start = None
    cuts, span = [], bottom - top
    for k in range(1, parts):
        target = top + span * k / parts
        near = [c for c in runs if abs(c - target) <= span / (2 * parts) and (not cuts or c > cuts[-1])]
        if near:
            cuts.append(min(near, key=lambda c: abs(c - target)))
    edges = [max(0, top - 4), *cuts, min(h, bottom + 4)]
    return [gray.crop((0, a, w, b)) for a, b in zip(edges, edges[1:]) if b > a]


def image_key(image: Image.Image) -> str:
    """Content hash of the decoded pixels (the same screenshot re-sent, re-encoded by a messenger with the same
    pixels, or attached twice gives the same key). blake2b of a 1920x1080 RGB image: ~6 ms."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{image.mode}:{image.size}".encode())
    h.update(image.tobytes())
    return h.hexdigest()


class OcrResultCache:
    """OCR text by image content: an in-process LRU plus, optionally, a folder of small text files shared by
    the workers of one box (a chat flood sends the same screenshot again and again)."""

    def __init__(self, size: int = 256, folder: str | None = None) -> None:
        self.size, self.folder = size, folder
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def _file(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], f"{key}.txt")

    def get(self, key: str) -> str | None:
        with self._lock:
            text = self._items.get(key)
            if text is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return text
        if self.folder:
            try:
                with open(self._file(key), encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                text = None
            if text is not None:
                self._remember(key, text)
                self.hits += 1
                return text
        self.misses += 1
        return None

    def _remember(self, key: str, text: str) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = text
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def put(self, key: str, text: str) -> None:
        self._remember(key, text)
        if self.folder:
            path = self._file(key)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)  # atomic: a reader never sees half a file


def clean_ocr_text(text: str) -> str:
    """Drop empty lines and lines that are mostly OCR noise (no 2+ letter word)."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line and words(line))


def ocr_image(image: Image.Image, *, cmd: str = DEFAULT_TESSERACT_CMD, **prepare) -> str:
    """Prepare and OCR a screenshot with the command line; returns cleaned text. ``prepare``: see prepare_for_ocr."""
    return clean_ocr_text(run_tesseract(prepare_for_ocr(image, **prepare), cmd=cmd))


class TesseractOcr:
    """``ocr(image) -> text`` (what ``TicketPipeline`` calls): prepare, cut, read, remember.

    ``cmd``: the Tesseract executable. ``engine``: ``"api"`` (in-process tesserocr), ``"cli"`` (one ``cmd``
    process per piece) or ``"auto"`` (the API when tesserocr is installed and ``cmd`` is the default, so a
    caller's own executable is always honoured). ``workers``: pieces of one screenshot read at the same time
    (2 = both cores of a worker box busy with one job; the image is cut at a blank band near the middle).
    ``cache_size``/``cache_dir``: the result cache (0 = none). ``max_scale``: upscaling of narrow phone shots.
    ``photo_side``: large photo-like images are read at this longest side (None: read as they come).
    ``lang``: Tesseract's languages (``"rus"`` alone: a deployment whose screens are all Russian).
    """

    def __init__(self, cmd: str = DEFAULT_TESSERACT_CMD, *, engine: str = "auto", workers: int = 1,
                 cache_size: int = 256, cache_dir: str | None = None, max_scale: float = OCR_MAX_SCALE,
                 photo_side: int | None = PHOTO_SIDE, lang: str = DEFAULT_LANG) -> None:
        if engine not in ENGINES:
            raise ValueError(f"Unknown OCR engine {engine!r}; one of {', '.join(ENGINES)}.")
        if engine == "auto":
            engine = "api" if cmd == DEFAULT_TESSERACT_CMD and TesseractApi.importable() else "cli"
        self.cmd, self.engine, self.workers, self.max_scale = cmd, engine, max(1, int(workers)), float(max_scale)
        self.photo_side, self.lang = photo_side, lang
        # the cache folder may be shared by workers of another language setting: the language is part of the key
        self.cache = OcrResultCache(cache_size, cache_dir) if cache_size > 0 or cache_dir else None
        self._read: Callable[[Image.Image], str] = (
            TesseractApi(cmd, lang=lang) if engine == "api" else (lambda im: run_tesseract(im, cmd=self.cmd, lang=lang))
        )
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ocr")
            return self._pool

    def read(self, image: Image.Image) -> str:
        """OCR without the cache."""
        prepared = prepare_for_ocr(image, upscale=self.max_scale > 1.0, max_scale=self.max_scale,
                                   photo_side=self.photo_side)
        pieces = split_rows(prepared, self.workers)
        if not pieces:
            return ""
        if len(pieces) == 1:
            return clean_ocr_text(self._read(pieces[0]))
        return clean_ocr_text("\n".join(self._executor().map(self._read, pieces)))

    def __call__(self, image: Image.Image) -> str:
        if self.cache is None:
            return self.read(image)
        key = image_key(image) if self.lang == DEFAULT_LANG else f"{self.lang}-{image_key(image)}"
        text = self.cache.get(key)
        if text is None:
            text = self.read(image)
            self.cache.put(key, text)
        return text


__all__ = ["prepare_for_ocr", "run_tesseract", "ocr_image", "clean_ocr_text", "TesseractOcr", "TesseractApi",
           "OcrResultCache", "split_rows", "image_key", "tessdata_dir", "DEFAULT_TESSERACT_CMD", "ENGINES"]
