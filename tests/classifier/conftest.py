"""Shared fixtures for the classifier tests: rendered screenshots, a fake encoder, a tiny CLIP."""
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


def _write_tiny_clip(directory: str) -> str:
    """A random, tiny CLIPModel + CLIPProcessor saved like a real checkpoint (no downloads)."""
    import json

    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    chars = list("abcdefghijklmnopqrstuvwxyz0123456789.,-'")
    vocab: dict[str, int] = {}
    for c in chars:
        vocab[c] = len(vocab)
    for c in chars:
        vocab[c + "</w>"] = len(vocab)
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    with open(os.path.join(directory, "vocab.json"), "w") as fh:
        json.dump(vocab, fh)
    with open(os.path.join(directory, "merges.txt"), "w") as fh:
        fh.write("#version: 0.2\n")
    tokenizer = CLIPTokenizer(os.path.join(directory, "vocab.json"), os.path.join(directory, "merges.txt"))
    config = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=77,
                         bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"],
                         pad_token_id=vocab["<|endoftext|>"]),
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=2,
                           image_size=32, patch_size=8),
        projection_dim=16,
    )
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(directory)
    image_processor = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    return _write_tiny_clip(str(tmp_path_factory.mktemp("tiny-clip")))
