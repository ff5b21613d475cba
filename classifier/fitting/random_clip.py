"""A CLIP checkpoint with random weights, saved like a real one (weights, config, a character tokenizer, the image
processor), so the real loading code runs without a download: tiny for the tests, ViT-B/32's dimensions for the
benchmarks (bench/classifier.py). Needs torch and transformers (imported on call).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

# One token per character, with and without the end-of-word mark, and no merges: any lower-case text tokenizes.
CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789.,-'"
START, END = "<|startoftext|>", "<|endoftext|>"


@dataclass(frozen=True)
class ClipSizes:
    text_hidden: int
    text_intermediate: int
    text_layers: int
    text_heads: int
    vision_hidden: int
    vision_intermediate: int
    vision_layers: int
    vision_heads: int
    image_size: int
    patch_size: int
    projection_dim: int
    vocab_size: int | None = None  # the token embedding's rows; None: as many as the character vocabulary has


# Seconds to write and ~100 KB on disk: the tests' checkpoint.
TINY = ClipSizes(32, 37, 2, 2, 32, 37, 2, 2, image_size=32, patch_size=8, projection_dim=16)
# ViT-B/32 (vision 768x12, patch 32, 224 px; text 512x12; projection 512; 49,408-token embedding): ~600 MB.
VIT_B32 = ClipSizes(512, 2048, 12, 8, 768, 3072, 12, 12, image_size=224, patch_size=32, projection_dim=512, vocab_size=49408)


def character_vocabulary() -> dict[str, int]:
    vocab: dict[str, int] = {}
    for character in CHARACTERS:
        vocab[character] = len(vocab)
    for character in CHARACTERS:
        vocab[character + "</w>"] = len(vocab)
    for special in (START, END):
        vocab[special] = len(vocab)
    return vocab


def write_random_clip(directory: str, sizes: ClipSizes = TINY, *, seed: int = 0) -> str:
    """Save a random ``CLIPModel`` of ``sizes`` and its ``CLIPProcessor`` into ``directory``; returns it."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    vocab = character_vocabulary()
    vocab_path, merges_path = os.path.join(directory, "vocab.json"), os.path.join(directory, "merges.txt")
    with open(vocab_path, "w") as fh:
        json.dump(vocab, fh)
    with open(merges_path, "w") as fh:
        fh.write("#version: 0.2\n")
    tokenizer = CLIPTokenizer(vocab_path, merges_path)
    config = CLIPConfig(
        text_config=dict(
            vocab_size=sizes.vocab_size or len(vocab), hidden_size=sizes.text_hidden,
            intermediate_size=sizes.text_intermediate, num_hidden_layers=sizes.text_layers,
            num_attention_heads=sizes.text_heads, max_position_embeddings=77,
            bos_token_id=vocab[START], eos_token_id=vocab[END], pad_token_id=vocab[END],
        ),
        vision_config=dict(
            hidden_size=sizes.vision_hidden, intermediate_size=sizes.vision_intermediate,
            num_hidden_layers=sizes.vision_layers, num_attention_heads=sizes.vision_heads,
            image_size=sizes.image_size, patch_size=sizes.patch_size,
        ),
        projection_dim=sizes.projection_dim,
    )
    torch.manual_seed(seed)
    CLIPModel(config).save_pretrained(directory)
    image_processor = CLIPImageProcessor(
        size={"shortest_edge": sizes.image_size}, crop_size={"height": sizes.image_size, "width": sizes.image_size},
    )
    CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(directory)
    return directory
