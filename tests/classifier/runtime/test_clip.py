"""The real CLIP code path with a tiny random CLIP saved to a temp dir (no downloads), and the backend seam."""
from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from classifier.config import RuntimeConfig
from classifier.runtime import clip as clip_module
from classifier.runtime.clip import BACKENDS, ClipClassifier, load_clip
from classifier.runtime.labels import LabelSet


@pytest.fixture(scope="module")
def clip(tiny_clip_dir, tmp_path_factory):
    return load_clip(RuntimeConfig(clip_model=tiny_clip_dir, clip_cache_dir=str(tmp_path_factory.mktemp("clip-cache"))))


def test_tiny_checkpoint_loads_and_classifies(clip):
    labels = LabelSet.default_images()
    probs = clip.classify_labels(Image.new("RGB", (120, 80), "white"), labels)
    assert probs.shape == (len(labels.all_names),)
    assert np.isclose(probs.sum(), 1.0) and (probs > 0).all()


def test_label_embeddings_are_ensembled_and_cached(clip, monkeypatch):
    labels = LabelSet.default_images()
    first = clip.label_embeddings(labels)
    assert first.shape[0] == len(labels.all_names)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    calls = []
    monkeypatch.setattr(clip.towers, "encode_texts", lambda texts: calls.append(texts))
    second = clip.label_embeddings(labels)
    assert calls == [] and np.allclose(first, second)


def test_seed_clip_model_uses_clip(tiny_clip_dir):
    from classifier.runtime.seed import ClipModel, ImageClassifier

    model = ClipModel(tiny_clip_dir)
    assert model.backend == "clip"
    image = Image.new("RGB", (64, 64), (10, 120, 200))
    probs = model.classify(image, ["payment-problem", "course-problem", "profile-problem"])
    assert len(probs) == 3 and abs(sum(probs) - 1.0) < 1e-6
    free = model.classify(image, ["a cat", "a dog"])
    assert len(free) == 2 and abs(sum(free) - 1.0) < 1e-6
    assert ImageClassifier(model).intents == ["payment-problem", "course-problem", "profile-problem"]


def test_pipeline_fuses_clip_as_a_signal(clip, hash_encoder, render, tmp_path):
    from classifier.runtime.pipeline import TicketPipeline

    path = tmp_path / "shot.png"
    render(["Оплата не прошла"]).save(path)
    pipe = TicketPipeline(encoder=hash_encoder, clip=clip, ocr=lambda im: "Оплата не прошла")
    pred = pipe.predict([str(path)])
    assert pipe.model_version.startswith("clip:")
    assert set(pred.signals["clip"]) == set(pipe.names)
    assert abs(sum(pred.signals["clip"].values()) - 1) < 1e-4
    assert "clip" in pred.timings


def test_missing_checkpoint_logs_once_and_falls_back(tmp_path, caplog):
    missing = str(tmp_path / "no-such-clip")
    with caplog.at_level(logging.WARNING, logger="classifier.runtime.clip"):
        assert load_clip(RuntimeConfig(clip_model=missing)) is None
        assert load_clip(RuntimeConfig(clip_model=missing)) is None
    msgs = [r.getMessage() for r in caplog.records if "CLIP is unavailable" in r.getMessage()]
    assert len(msgs) == 1 and missing in msgs[0]


def test_broken_checkpoint_is_unavailable_not_a_crash(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    assert load_clip(RuntimeConfig(clip_model=str(broken))) is None


def test_off_means_no_clip_and_no_checkpoint_lookup(monkeypatch):
    monkeypatch.setitem(BACKENDS, "transformers", lambda *a, **k: pytest.fail("no backend may be built"))
    assert load_clip(RuntimeConfig(clip_model="off")) is None
    assert load_clip(RuntimeConfig(clip_model="OFF")) is None


class FakeTowers:
    """Another runtime behind the protocol: what an ONNX Runtime backend would provide."""

    def __init__(self, model_id, *, threads, allow_download):
        self.name, self.threads, self.allow_download = f"fake:{model_id}", threads, allow_download

    def load(self):
        return self

    def encode_image(self, image):
        v = np.asarray(image.convert("RGB").resize((1, 1))).reshape(-1).astype(np.float32) + 1.0
        return v / np.linalg.norm(v)

    def encode_texts(self, texts):
        out = np.array([[len(t) % 7 + 1.0, len(t) % 5 + 1.0, 1.0] for t in texts], np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def logit_scale(self):
        return 10.0


def test_a_new_backend_plugs_in_without_touching_the_pipeline(monkeypatch, hash_encoder, render, tmp_path):
    from classifier.runtime.pipeline import TicketPipeline

    monkeypatch.setitem(BACKENDS, "fake", FakeTowers)
    monkeypatch.setattr(clip_module, "_loaded", {})
    config = RuntimeConfig(clip_model="some/model", clip_backend="fake", threads=2)
    clip = load_clip(config)
    assert isinstance(clip, ClipClassifier) and clip.name == "fake:some/model" and clip.towers.threads == 2
    path = tmp_path / "shot.png"
    render(["Оплата не прошла"]).save(path)
    pred = TicketPipeline(encoder=hash_encoder, clip=clip, ocr=lambda im: "Оплата не прошла").predict([str(path)])
    assert pred.model_version.startswith("clip:fake:some/model+") and "clip" in pred.signals
    with pytest.raises(ValueError, match="Unknown CLIP backend"):
        load_clip(RuntimeConfig(clip_model="x", clip_backend="nope"))


def test_import_does_not_load_heavy_libraries():
    code = (
        "import sys, classifier; from classifier import TicketPipeline, classify_message, LabelSet, FaqIndex; "
        "print('torch' in sys.modules, 'transformers' in sys.modules, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False False"


def test_a_permitted_download_blocked_by_offline_mode_says_so(monkeypatch):
    from huggingface_hub import constants

    from classifier.errors import ModelUnavailableError
    from classifier.runtime.clip.transformers_backend import TransformersClip

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # and so no network is tried
    with pytest.raises(ModelUnavailableError, match="HF_HUB_OFFLINE=1"):
        TransformersClip("no-such-org/no-such-clip", allow_download=True).load()
    with pytest.raises(ModelUnavailableError, match="not available offline"):
        TransformersClip("no-such-org/no-such-clip").load()


# --- issue 13: prompt embeddings on disk, ONNX Runtime, batches ---------------------------------------------

class CountingTowers(FakeTowers):
    """FakeTowers that count text and image encodings (and run images as one batch)."""

    def __init__(self, model_id="m", *, threads=1, allow_download=False):
        super().__init__(model_id, threads=threads, allow_download=allow_download)
        self.text_calls = 0
        self.batches: list[int] = []

    def encode_texts(self, texts):
        self.text_calls += 1
        return super().encode_texts(texts)

    def encode_images(self, images):
        self.batches.append(len(images))
        return np.stack([self.encode_image(im) for im in images])


def test_prompt_embeddings_come_from_the_disk_cache_at_the_next_start(tmp_path):
    labels = LabelSet.default_images()
    first = ClipClassifier(CountingTowers(), cache_dir=str(tmp_path))
    encoded = first.label_embeddings(labels)
    assert first.towers.text_calls == len(labels.intents)
    restarted = ClipClassifier(CountingTowers(), cache_dir=str(tmp_path))  # a new worker process
    assert np.allclose(restarted.label_embeddings(labels), encoded)
    assert restarted.towers.text_calls == 0
    other_prompts = labels.with_intents(labels.intents[:2])  # another label-set version: encoded, not reused
    restarted.label_embeddings(other_prompts)
    assert restarted.towers.text_calls == 2
    other_model = ClipClassifier(CountingTowers("another/model"), cache_dir=str(tmp_path))
    other_model.label_embeddings(labels)
    assert other_model.towers.text_calls == len(labels.intents)


def test_a_damaged_cache_file_is_encoded_again(tmp_path):
    labels = LabelSet.default_images()
    ClipClassifier(CountingTowers(), cache_dir=str(tmp_path)).label_embeddings(labels)
    for path in (tmp_path / "prompts").iterdir():
        path.write_bytes(b"half a file")
    again = ClipClassifier(CountingTowers(), cache_dir=str(tmp_path))
    assert again.label_embeddings(labels).shape[0] == len(labels.intents)
    assert again.towers.text_calls == len(labels.intents)


def test_a_resaved_checkpoint_under_the_same_path_is_a_new_cache_key(tmp_path):
    from classifier.runtime.clip.transformers_backend import checkpoint_key

    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    (ckpt / "config.json").write_text("{}")
    (ckpt / "model.safetensors").write_bytes(b"weights-1")
    before = checkpoint_key(str(ckpt))
    (ckpt / "model.safetensors").write_bytes(b"weights-22")
    assert checkpoint_key(str(ckpt)) != before and before.startswith(str(ckpt))


def test_load_clip_caches_prompts_in_the_configured_folder(tiny_clip_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(clip_module, "_loaded", {})
    config = RuntimeConfig(clip_model=tiny_clip_dir, clip_cache_dir=str(tmp_path / "cache"))
    load_clip(config).label_embeddings(LabelSet.default_images())
    assert len(list((tmp_path / "cache" / "prompts").glob("*.npy"))) == 1
    monkeypatch.setattr(clip_module, "_loaded", {})
    off = load_clip(RuntimeConfig(clip_model=tiny_clip_dir, clip_cache_dir="off"))
    assert off.cache_dir is None


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_onnx_image_tower_agrees_with_torch(tiny_clip_dir, tmp_path, monkeypatch, backend):
    pytest.importorskip("onnxruntime")
    from classifier.runtime.clip.onnx_backend import OnnxClip
    from classifier.runtime.clip.transformers_backend import TransformersClip

    monkeypatch.setattr(clip_module, "_loaded", {})
    clip = load_clip(RuntimeConfig(clip_model=tiny_clip_dir, clip_backend=backend, clip_cache_dir=str(tmp_path)))
    assert isinstance(clip.towers, OnnxClip) and clip.towers.quantized == (backend == "onnx-int8")
    assert clip.name.endswith("int8" if backend == "onnx-int8" else "fp32")
    images = [Image.new("RGB", (120, 80), (200, 30, 30)), Image.linear_gradient("L").convert("RGB").resize((90, 160))]
    ours = clip.towers.encode_images(images)
    torch_embeddings = TransformersClip(tiny_clip_dir).load().encode_images(images)
    cosine = np.sum(ours * torch_embeddings, axis=1)
    assert cosine.min() > (0.99 if backend == "onnx-int8" else 0.9999)
    probs = clip.classify_labels(images[0], LabelSet.default_images())
    assert np.isclose(probs.sum(), 1.0)
    assert list((tmp_path / "onnx").iterdir())  # the export is kept for the next worker


def test_onnx_backend_without_a_checkpoint_is_unavailable(tmp_path, monkeypatch):
    monkeypatch.setattr(clip_module, "_loaded", {})
    config = RuntimeConfig(clip_model=str(tmp_path / "nothing"), clip_backend="onnx", clip_cache_dir=str(tmp_path))
    assert load_clip(config) is None


def test_a_tickets_screenshots_go_through_clip_in_one_batch(hash_encoder, render, tmp_path):
    from classifier.runtime.pipeline import TicketPipeline

    towers = CountingTowers()
    paths = []
    for i, line in enumerate(["Оплата не прошла", "Курс не открывается", "Пароль"]):
        paths.append(str(tmp_path / f"shot{i}.png"))
        render([line]).save(paths[-1])
    pipe = TicketPipeline(encoder=hash_encoder, clip=ClipClassifier(towers), ocr=lambda im: "Оплата не прошла")
    pred = pipe.predict(paths)
    assert towers.batches == [3]
    assert "clip" in pred.signals and abs(sum(pred.signals["clip"].values()) - 1) < 1e-4
    batch = pipe.clip.classify_labels_batch([Image.open(p) for p in paths], pipe.labels)
    assert batch.shape == (3, len(pipe.names)) and np.allclose(batch.sum(axis=1), 1.0)
