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
