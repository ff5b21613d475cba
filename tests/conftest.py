import os

import pytest
from rest_framework.test import APIClient

from tests.factories import AdminFactory, operator


@pytest.fixture
def fresh_classifier_cache():
    """Each test starts without a cached classifier (the cache is per process)."""
    from tickets.classification import reset_classifier_cache

    reset_classifier_cache()
    yield
    reset_classifier_cache()


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def operator_user(db):
    return operator("olga")


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="boss")


@pytest.fixture
def operator_client(client, operator_user):
    client.force_login(operator_user)
    return client


@pytest.fixture
def api_client():
    return APIClient()


def write_tiny_clip(directory: str) -> str:
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
    return write_tiny_clip(str(tmp_path_factory.mktemp("tiny-clip")))
