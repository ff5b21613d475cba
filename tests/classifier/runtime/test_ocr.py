"""OCR on images rendered by the test (DejaVu/Liberation fonts), plus the image preparation steps."""
from __future__ import annotations

import numpy as np
import pytest

from classifier.runtime.ocr import TesseractOcr, clean_ocr_text, ocr_image, prepare_for_ocr
from tests.classifier.markers import needs_tesseract


def test_prepare_upscales_small_phone_shots(render):
    im = render(["Оплата не прошла"], size=(390, 100), font_size=16)
    out = prepare_for_ocr(im)
    assert out.mode == "L"
    assert out.size[0] >= im.size[0] * 2  # small phone shots are upscaled (x2)


def test_prepare_downscales_huge_images(render):
    im = render(["x"], size=(4000, 300))
    assert max(prepare_for_ocr(im).size) <= 2600


def test_prepare_inverts_dark_themes(render):
    dark = render(["Ошибка"], dark=True)
    out = np.asarray(prepare_for_ocr(dark))
    assert out.mean() > 128  # light background after inversion
    light = np.asarray(prepare_for_ocr(render(["Ошибка"])))
    assert light.mean() > 128


def test_clean_drops_noise_lines():
    assert clean_ocr_text("  Ошибка   оплаты \n\n ~~ | @ 1 \n a") == "Ошибка оплаты"


@needs_tesseract
def test_ocr_reads_russian_and_english(render):
    im = render(["Платёж отклонён банком", "Payment declined"], size=(700, 100))
    text = ocr_image(im).lower().replace("ё", "е")
    assert "платеж" in text and "отклонен" in text
    assert "payment" in text


@needs_tesseract
def test_ocr_reads_dark_theme(render):
    text = ocr_image(render(["Неверный пароль"], dark=True, size=(600, 90))).lower()
    assert "пароль" in text


@needs_tesseract
def test_ocr_of_blank_image_is_empty(render):
    assert ocr_image(render([], size=(300, 200))) == ""


def test_a_missing_tesseract_is_a_clear_error(render):
    from classifier.errors import ModelUnavailableError

    with pytest.raises(ModelUnavailableError, match="Tesseract"):
        TesseractOcr("/no/such/tesseract")(render(["Ошибка"]))


@needs_tesseract
def test_tesseract_command_is_the_callers_choice(render, tmp_path):
    import shutil

    wrapper = tmp_path / "my-tesseract"
    calls = tmp_path / "calls"
    wrapper.write_text(f'#!/bin/sh\necho called >> {calls}\nexec {shutil.which("tesseract")} "$@"\n')
    wrapper.chmod(0o755)
    text = TesseractOcr(str(wrapper))(render(["Неверный пароль"], size=(600, 90))).lower()
    assert "пароль" in text and calls.read_text() == "called\n"


# --- issue 13: in-process engine, pieces for two cores, result cache ------------------------------------------

def _tall_two_blocks(render):
    """Two text blocks with a wide blank band between them (a chat with a gap), 600 px tall."""
    from PIL import Image

    top = render(["Оплата не прошла"], size=(700, 90))
    bottom = render(["Payment declined"], size=(700, 90))
    im = Image.new("RGB", (700, 600), "white")
    im.paste(top, (0, 0))
    im.paste(bottom, (0, 500))
    return im


def test_split_rows_cuts_at_a_blank_band_and_never_through_text(render):
    from classifier.runtime.ocr import split_rows

    gray = prepare_for_ocr(_tall_two_blocks(render), upscale=False)
    pieces = split_rows(gray, 2)
    assert len(pieces) == 2 and all(p.size[0] == gray.size[0] for p in pieces)
    assert sum(p.size[1] for p in pieces) <= gray.size[1]
    for piece in pieces:  # each piece begins and ends on blank rows
        arr = np.asarray(piece)
        assert arr[0].min() > 200 and arr[-1].min() > 200
    short = prepare_for_ocr(render(["Оплата"], size=(700, 90)), upscale=False)
    assert len(split_rows(short, 2)) == 1  # too short to be worth two readers
    assert split_rows(prepare_for_ocr(render([], size=(300, 200))), 2) == []  # nothing to read


def test_the_same_pixels_are_read_once(render, tmp_path):
    ocr = TesseractOcr(engine="cli", cache_size=8, cache_dir=str(tmp_path))
    reads = []
    ocr._read = lambda im: reads.append(im.size) or "Оплата не прошла"
    image = render(["Оплата не прошла"])
    assert ocr(image) == "Оплата не прошла"
    assert ocr(image.copy()) == "Оплата не прошла"  # the same screenshot attached again
    assert len(reads) == 1 and ocr.cache.hits == 1
    other_worker = TesseractOcr(engine="cli", cache_size=8, cache_dir=str(tmp_path))
    other_worker._read = lambda im: pytest.fail("the disk cache should have answered")
    assert other_worker(image) == "Оплата не прошла"
    ocr(render(["Неверный пароль"]))
    assert len(reads) == 2  # other pixels: read


def test_the_lru_keeps_only_the_newest(render):
    from classifier.runtime.ocr import OcrResultCache

    cache = OcrResultCache(size=2)
    for key in "abc":
        cache.put(key, key.upper())
    assert cache.get("a") is None and cache.get("c") == "C"


def test_two_workers_read_the_pieces_in_order(render):
    ocr = TesseractOcr(engine="cli", workers=2, cache_size=0)
    seen = []

    def read(im):
        seen.append(im.size)
        return f"piece {len(seen)} of the screenshot\n"

    ocr._read = read
    text = ocr(_tall_two_blocks(render))
    assert len(seen) == 2
    assert text.splitlines() == sorted(text.splitlines())  # top piece first


def test_engine_auto_honours_a_callers_executable():
    assert TesseractOcr("/opt/my-tesseract").engine == "cli"
    with pytest.raises(ValueError, match="Unknown OCR engine"):
        TesseractOcr(engine="gpu")


needs_tesserocr = pytest.mark.skipif(not __import__("classifier.runtime.ocr", fromlist=["x"]).TesseractApi.importable(),
                                     reason="tesserocr is not installed")


@needs_tesseract
@needs_tesserocr
@pytest.mark.parametrize("workers", [1, 2])
def test_in_process_engine_reads_russian_and_english(render, workers):
    ocr = TesseractOcr(engine="api", workers=workers, cache_size=0)
    assert ocr.engine == "api"
    text = ocr(_tall_two_blocks(render)).lower()
    assert "оплата" in text and "payment" in text
    assert text.index("оплата") < text.index("payment")
    assert ocr(render(["Неверный пароль"], dark=True, size=(600, 90))).lower().count("пароль") == 1


@needs_tesseract
@needs_tesserocr
def test_in_process_engine_stops_at_its_deadline(render):
    from classifier.errors import ClassifierError
    from classifier.runtime.ocr import TesseractApi

    api = TesseractApi(timeout=0.001)
    with pytest.raises(ClassifierError, match="longer than"):
        api(prepare_for_ocr(render(["Оплата не прошла"] * 30, size=(2400, 1200), font_size=40)))


def test_colour_aware_gray_is_the_darkest_channel_on_light_and_the_brightest_on_dark():
    from PIL import Image

    from classifier.runtime.ocr import to_gray

    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
    image = Image.fromarray(arr, "RGB")
    assert np.array_equal(np.asarray(to_gray(image, dark=False)), arr.min(axis=2))
    assert np.array_equal(np.asarray(to_gray(image, dark=True)), arr.max(axis=2))


def test_ink_rows_marks_rows_far_from_the_background_either_way():
    from PIL import Image

    from classifier.runtime.ocr import INK_DELTA, ink_rows

    arr = np.full((6, 80), 128, dtype=np.uint8)
    arr[1, 5] = 128 + INK_DELTA + 1  # lighter ink
    arr[3, 7] = 128 - INK_DELTA - 1  # darker ink
    arr[4, 9] = 128 + INK_DELTA  # within the delta: not ink
    assert ink_rows(Image.fromarray(arr, "L")).tolist() == [False, True, False, True, False, False]


def test_large_photos_are_read_smaller_and_screenshots_are_not(render):
    from PIL import Image

    from classifier.runtime.ocr import PHOTO_SIDE, photo_like

    rng = np.random.default_rng(1)
    photo = Image.fromarray(rng.integers(0, 256, size=(2340, 1080, 3), dtype=np.uint8), "RGB")
    assert photo_like(photo.convert("L"))
    assert max(prepare_for_ocr(photo, photo_side=PHOTO_SIDE).size) == PHOTO_SIDE
    assert prepare_for_ocr(photo).size == (1080, 2340)  # not asked: read as it comes
    shot = render(["Оплата не прошла"] * 20, size=(1920, 1200), font_size=20)
    assert not photo_like(prepare_for_ocr(shot))
    assert prepare_for_ocr(shot, photo_side=PHOTO_SIDE).size == (1920, 1200)


@needs_tesseract
def test_a_russian_only_deployment_reads_russian_and_keeps_its_own_cache_entries(render):
    from classifier.config import RuntimeConfig
    from classifier.runtime.pipeline import TicketPipeline

    image = render(["Оплата не прошла"], size=(700, 90), font_size=28)
    both = TesseractOcr(workers=1)
    rus = TicketPipeline.from_config(RuntimeConfig(clip_model="off", ocr_lang="rus")).ocr
    assert rus.lang == "rus" and both.lang == "rus+eng"
    assert "Оплата" in rus(image)
    shared = both.cache
    rus.cache = shared  # one cache for both settings: each language setting keeps its own text
    both(image)
    rus(image)
    assert shared.misses == 2
