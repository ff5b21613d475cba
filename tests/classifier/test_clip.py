"""The real CLIP code path with a tiny random CLIP saved to a temp dir (no downloads)."""
from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from classifier.labels import LabelSet


@pytest.fixture(scope="module")
def backend(tiny_clip_dir):
    from classifier.clip import ClipBackend

    return ClipBackend(tiny_clip_dir, threads=1).load()


def test_tiny_checkpoint_loads_and_classifies(backend):
    labels = LabelSet.default_images()
    probs = backend.classify_labels(Image.new("RGB", (120, 80), "white"), labels)
    assert probs.shape == (len(labels.all_names),)
    assert np.isclose(probs.sum(), 1.0) and (probs > 0).all()


def test_label_embeddings_are_ensembled_and_cached(backend, monkeypatch):
    labels = LabelSet.default_images()
    first = backend.label_embeddings(labels)
    assert first.shape[0] == len(labels.all_names)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    calls = []
    monkeypatch.setattr(backend, "_encode_texts", lambda texts: calls.append(texts))
    second = backend.label_embeddings(labels)
    assert calls == [] and np.allclose(first, second)


def test_seed_clip_model_uses_clip(tiny_clip_dir):
    from classifier.seed import ClipModel, ImageClassifier

    model = ClipModel(tiny_clip_dir)
    assert model.backend == "clip"
    image = Image.new("RGB", (64, 64), (10, 120, 200))
    probs = model.classify(image, ["payment-problem", "course-problem", "profile-problem"])
    assert len(probs) == 3 and abs(sum(probs) - 1.0) < 1e-6
    free = model.classify(image, ["a cat", "a dog"])
    assert len(free) == 2 and abs(sum(free) - 1.0) < 1e-6
    assert ImageClassifier(model).intents == ["payment-problem", "course-problem", "profile-problem"]


def test_pipeline_fuses_clip_as_a_signal(tiny_clip_dir, hash_encoder, render, tmp_path):
    from classifier.pipeline import TicketPipeline

    path = tmp_path / "shot.png"
    render(["Оплата не прошла"]).save(path)
    pipe = TicketPipeline(encoder=hash_encoder, clip=tiny_clip_dir, ocr=lambda im: "Оплата не прошла")
    pred = pipe.predict([str(path)])
    assert pipe.model_version.startswith("clip:")
    assert set(pred.signals["clip"]) == set(pipe.names)
    assert abs(sum(pred.signals["clip"].values()) - 1) < 1e-4
    assert "clip" in pred.timings


def test_missing_checkpoint_logs_once_and_falls_back(tmp_path, caplog):
    from classifier.clip import get_clip_backend

    missing = str(tmp_path / "no-such-clip")
    with caplog.at_level(logging.WARNING, logger="classifier.clip"):
        assert get_clip_backend(missing) is None
        assert get_clip_backend(missing) is None
    msgs = [r.getMessage() for r in caplog.records if "CLIP is unavailable" in r.getMessage()]
    assert len(msgs) == 1 and missing in msgs[0]


def test_broken_checkpoint_is_unavailable_not_a_crash(tmp_path):
    from classifier.clip import get_clip_backend

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    assert get_clip_backend(str(broken)) is None


def test_import_does_not_load_torch():
    code = (
        "import sys, classifier; from classifier import TicketPipeline, classify_message, LabelSet; "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"
