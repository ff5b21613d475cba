"""CLIP (transformers ``CLIPModel``/``CLIPProcessor``) as one optional signal.

The checkpoint is a hub id or a local directory (``SUPPORTDESK_CLIP_MODEL``). Loading is offline
(``local_files_only=True``, ``HF_HUB_OFFLINE=1`` by default) unless ``SUPPORTDESK_ALLOW_DOWNLOAD=1``.
torch/transformers are imported only when a model is loaded. When no checkpoint can be loaded the
failure is logged once and callers classify without CLIP.

Label prompts are ensembled over the label set's English templates ("a screenshot of {}."): every
prompt x template is encoded, L2-normalised, averaged per intent and re-normalised. These text
embeddings are computed once per label set and cached.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Sequence

import numpy as np
from PIL import Image

from .errors import ModelUnavailableError
from .labels import DEFAULT_CLIP_TEMPLATES, LabelSet

log = logging.getLogger(__name__)

DEFAULT_CLIP_MODEL = "openai/clip-vit-base-patch32"

_threads_set = False
_threads_lock = threading.Lock()


def configure_torch_threads(n: int | None = None) -> None:
    """Cap torch to ``n`` threads (SUPPORTDESK_CLASSIFIER_THREADS, default 1), once per process."""
    global _threads_set
    with _threads_lock:
        if _threads_set:
            return
        import torch

        n = int(n or os.environ.get("SUPPORTDESK_CLASSIFIER_THREADS", "1") or 1)
        torch.set_num_threads(max(1, n))
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already started; harmless
            pass
        _threads_set = True


def checkpoint_available(model_id: str) -> bool:
    """True if ``model_id`` is a local checkpoint directory or a hub id present in the local HF cache."""
    if os.path.isdir(model_id):
        return os.path.isfile(os.path.join(model_id, "config.json"))
    if os.path.exists(model_id) or model_id.startswith((".", "/", "~")):
        return False
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(model_id, "config.json")
        return isinstance(found, str) and os.path.isfile(found)
    except Exception:  # malformed id, hub library missing...
        return False


def intent_phrase(name: str) -> str:
    """'payment-problem' -> 'a payment problem' (used when an intent has no prompts)."""
    words = name.replace("-", " ").replace("_", " ").strip()
    return words if words.lower().startswith(("a ", "an ", "the ")) else f"a {words}"


class ClipBackend:
    """A loaded CLIP checkpoint with cached, prompt-ensembled label embeddings."""

    def __init__(self, model: str, *, threads: int | None = None, allow_download: bool | None = None):
        self.model_id = str(model)
        self.threads = threads
        if allow_download is None:
            allow_download = os.environ.get("SUPPORTDESK_ALLOW_DOWNLOAD", "") == "1"
        self.allow_download = allow_download
        self._model = None
        self._processor = None
        self._lock = threading.Lock()
        self._text_cache: dict[tuple, np.ndarray] = {}

    @property
    def name(self) -> str:
        return os.path.basename(self.model_id.rstrip("/")) or self.model_id

    def load(self) -> "ClipBackend":
        """Load model and processor (raises ModelUnavailableError)."""
        if self._model is not None:
            return self
        with self._lock:
            if self._model is not None:
                return self
            if not self.allow_download:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                if not checkpoint_available(self.model_id):
                    # cheap check first: do not import torch just to find nothing
                    raise ModelUnavailableError(
                        f"The CLIP model '{self.model_id}' is not available offline "
                        "(no such local directory and not in the Hugging Face cache)."
                    )
            try:
                configure_torch_threads(self.threads)
                from transformers import CLIPModel, CLIPProcessor

                kwargs = {"local_files_only": not self.allow_download}
                model = CLIPModel.from_pretrained(self.model_id, **kwargs)
                processor = CLIPProcessor.from_pretrained(self.model_id, **kwargs)
            except Exception as exc:  # OSError, ValueError, ImportError, HF errors...
                raise ModelUnavailableError(
                    f"The CLIP model '{self.model_id}' could not be loaded ({type(exc).__name__})."
                ) from exc
            model.eval()
            self._processor = processor
            self._model = model
        return self

    # --- embeddings --------------------------------------------------------------------------
    def _encode_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        tok = self._processor.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        with torch.inference_mode():
            feats = self._model.get_text_features(**tok)
        feats = feats if isinstance(feats, torch.Tensor) else feats.pooler_output
        arr = feats.float().numpy()
        return arr / np.maximum(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12)

    def image_embedding(self, image: Image.Image) -> np.ndarray:
        import torch

        self.load()
        inputs = self._processor.image_processor(images=image.convert("RGB"), return_tensors="pt")
        with torch.inference_mode():
            feats = self._model.get_image_features(pixel_values=inputs["pixel_values"])
        feats = feats if isinstance(feats, torch.Tensor) else feats.pooler_output
        arr = feats.float().numpy()[0]
        return arr / max(float(np.linalg.norm(arr)), 1e-12)

    def prompt_embeddings(self, prompts_per_label: Sequence[Sequence[str]], templates: Sequence[str]) -> np.ndarray:
        """(L, D) ensembled text embeddings; cached by the prompts and templates."""
        key = (tuple(tuple(p) for p in prompts_per_label), tuple(templates))
        cached = self._text_cache.get(key)
        if cached is not None:
            return cached
        self.load()
        rows = []
        for prompts in prompts_per_label:
            texts = [t.format(p) if "{}" in t else f"{t} {p}" for p in prompts for t in templates]
            emb = self._encode_texts(texts).mean(axis=0)
            rows.append(emb / max(float(np.linalg.norm(emb)), 1e-12))
        mat = np.stack(rows)
        with self._lock:
            self._text_cache[key] = mat
        return mat

    def label_embeddings(self, labels: LabelSet) -> np.ndarray:
        prompts = [i.prompts or [intent_phrase(i.name)] for i in labels.intents]
        return self.prompt_embeddings(prompts, labels.clip_templates or DEFAULT_CLIP_TEMPLATES)

    def logit_scale(self) -> float:
        self.load()
        return float(self._model.logit_scale.exp().item())

    def probabilities(self, image: Image.Image, text_embeddings: np.ndarray) -> np.ndarray:
        sims = text_embeddings @ self.image_embedding(image)
        z = self.logit_scale() * sims
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()

    def classify_labels(self, image: Image.Image, labels: LabelSet) -> np.ndarray:
        """Probability per intent of ``labels`` (all intents, order = labels.all_names)."""
        return self.probabilities(image, self.label_embeddings(labels))

    def classify_texts(self, image: Image.Image, intents: Sequence[str], templates: Sequence[str] | None = None) -> np.ndarray:
        """Seed-style: probabilities over free-form intent strings (names get a phrase + templates)."""
        prompts = [[intent_phrase(t) if "-" in t or "_" in t else t] for t in intents]
        return self.probabilities(image, self.prompt_embeddings(prompts, templates or DEFAULT_CLIP_TEMPLATES))


_backends: dict[str, ClipBackend | None] = {}
_backends_lock = threading.Lock()
_logged: set[str] = set()


def resolve_model_id(model: str | None = None) -> str:
    if model:
        return model
    return os.environ.get("SUPPORTDESK_CLIP_MODEL", "").strip() or DEFAULT_CLIP_MODEL


def get_clip_backend(model: str | None = None, *, threads: int | None = None) -> ClipBackend | None:
    """The loaded CLIP backend for ``model`` (env/default when None), or None if it cannot be loaded.

    The failure is logged once per model id (WARNING), never raised.
    """
    model_id = resolve_model_id(model)
    with _backends_lock:
        if model_id in _backends:
            return _backends[model_id]
    backend: ClipBackend | None = ClipBackend(model_id, threads=threads)
    try:
        backend.load()
    except ModelUnavailableError as exc:
        if model_id not in _logged:
            _logged.add(model_id)
            log.warning(
                "CLIP is unavailable: %s Classifying screenshots without CLIP (OCR + sentence encoder). "
                "Set SUPPORTDESK_CLIP_MODEL to a local checkpoint directory to enable it.",
                exc,
            )
        backend = None
    with _backends_lock:
        _backends.setdefault(model_id, backend)
        return _backends[model_id]


__all__ = ["ClipBackend", "get_clip_backend", "configure_torch_threads", "DEFAULT_CLIP_MODEL", "resolve_model_id"]
