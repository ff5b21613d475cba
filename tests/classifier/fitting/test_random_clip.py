"""The random CLIP checkpoint writer the tests (tiny) and the benchmarks (ViT-B/32's sizes) share."""
import dataclasses
import os

import pytest

from classifier.fitting.random_clip import TINY, VIT_B32, character_vocabulary, write_random_clip

pytest.importorskip("torch")
pytest.importorskip("transformers")


def test_the_tiny_checkpoint_loads_like_a_real_one(tiny_clip_dir):
    from transformers import CLIPModel, CLIPProcessor

    assert {"vocab.json", "merges.txt", "config.json"} <= set(os.listdir(tiny_clip_dir))
    model = CLIPModel.from_pretrained(tiny_clip_dir)
    processor = CLIPProcessor.from_pretrained(tiny_clip_dir)
    assert model.config.projection_dim == TINY.projection_dim and model.config.vision_config.image_size == TINY.image_size
    assert model.config.text_config.vocab_size == len(character_vocabulary())
    tokens = processor.tokenizer(["a payment error"])["input_ids"][0]
    assert tokens[0] == character_vocabulary()["<|startoftext|>"] and len(tokens) > 3


def test_sizes_are_parameters(tmp_path):
    from transformers import CLIPConfig

    sizes = dataclasses.replace(TINY, text_hidden=16, projection_dim=8, vocab_size=300)
    write_random_clip(str(tmp_path), sizes)
    config = CLIPConfig.from_pretrained(str(tmp_path))
    assert (config.text_config.hidden_size, config.projection_dim, config.text_config.vocab_size) == (16, 8, 300)


def test_the_benchmarks_sizes_are_vit_b32s():
    assert (VIT_B32.vision_hidden, VIT_B32.vision_layers, VIT_B32.patch_size, VIT_B32.image_size) == (768, 12, 32, 224)
    assert (VIT_B32.text_hidden, VIT_B32.projection_dim, VIT_B32.vocab_size) == (512, 512, 49408)
