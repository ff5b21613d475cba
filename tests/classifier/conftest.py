"""Shared fixtures for the classifier tests: rendered screenshots, a fake encoder (the tiny CLIP: tests/conftest.py)."""
from __future__ import annotations

import os

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.classifier.fake_encoders import PrefixHashEncoder

FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
]


def font_path() -> str:
    for path in FONT_CANDIDATES:
        if os.path.exists(path):
            return path
    pytest.skip("no DejaVu/Liberation font installed (see fc-list)")


def render_screenshot(lines: list[str], *, size=(900, 120), dark: bool = False, font_size: int = 28) -> Image.Image:
    """A plain 'screenshot': text lines on a light (or dark) background."""
    width = size[0]
    height = max(size[1], 30 + len(lines) * (font_size + 16))
    bg, fg = ((30, 30, 34), (235, 235, 235)) if dark else ((255, 255, 255), (20, 20, 20))
    im = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(im)
    font = ImageFont.truetype(font_path(), font_size)
    y = 15
    for line in lines:
        draw.text((20, y), line, fill=fg, font=font)
        y += font_size + 16
    return im


@pytest.fixture
def render():
    return render_screenshot


@pytest.fixture
def hash_encoder():
    return PrefixHashEncoder()


@pytest.fixture(scope="session")
def use_encoder():
    """The real shared encoder (multilingual USE, numpy, ~1 s to load)."""
    from classifier import shared_sentence_encoder

    return shared_sentence_encoder()
