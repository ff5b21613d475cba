"""CLIP towers run by Hugging Face transformers (``CLIPModel`` / ``CLIPProcessor``) on torch, CPU.

The checkpoint is a hub id or a local directory (``RuntimeConfig.clip_model``). Loading is offline
(``local_files_only=True``) unless the caller allows downloads; a hub id is then fetched once into the
Hugging Face cache (the environment must not set ``HF_HUB_OFFLINE=1`` for that one run). torch and
transformers are imported only when a model is loaded.
"""
from __future__ import annotations

import os
import threading

import numpy as np
from PIL import Image

from ...errors import ModelUnavailableError
from .base import l2_normalise

_threads_set = False
_threads_lock = threading.Lock()


def configure_torch_threads(n: int = 1) -> None:
    """Cap torch to ``n`` intra-op threads and one inter-op thread, once per process (torch's are global)."""
    global _threads_set
    with _threads_lock:
        if _threads_set:
            return
        import torch

        torch.set_num_threads(max(1, int(n)))
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


def checkpoint_files(model_id: str) -> list[str]:
    """The checkpoint's config and weight files on disk (local directory or Hugging Face cache)."""
    names = ("config.json", "model.safetensors", "pytorch_model.bin", "preprocessor_config.json")
    if os.path.isdir(model_id):
        return [os.path.join(model_id, n) for n in names if os.path.isfile(os.path.join(model_id, n))]
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return []
    found = []
    for n in names:
        try:
            path = try_to_load_from_cache(model_id, n)
        except Exception:  # malformed id
            return []
        if isinstance(path, str) and os.path.isfile(path):
            found.append(path)
    return found


def checkpoint_key(model_id: str) -> str:
    """Model id + size and modification time of its files: a re-saved checkpoint under the same name is a new key."""
    parts = [model_id]
    for path in checkpoint_files(model_id):
        st = os.stat(path)
        parts.append(f"{os.path.basename(path)}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def _offline_hint(towers: "TransformersClip") -> str:
    """Why a permitted download may still not happen: the Hugging Face libraries' own offline switch."""
    if not towers.allow_download:
        return ""
    try:
        from huggingface_hub import constants
    except ImportError:
        return ""
    return "; downloads are allowed, but Hugging Face offline mode (HF_HUB_OFFLINE=1) is on" if constants.HF_HUB_OFFLINE else ""


def _as_tensor(feats):
    import torch

    return feats if isinstance(feats, torch.Tensor) else feats.pooler_output


class TransformersClip:
    """``ClipTowers`` for a transformers CLIP checkpoint."""

    def __init__(self, model: str, *, threads: int = 1, allow_download: bool = False):
        self.model_id = str(model)
        self.threads = threads
        self.allow_download = allow_download
        self._model = None
        self._processor = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return os.path.basename(self.model_id.rstrip("/")) or self.model_id

    def load(self) -> "TransformersClip":
        """Load model and processor (raises ModelUnavailableError)."""
        if self._model is not None:
            return self
        with self._lock:
            if self._model is not None:
                return self
            if not self.allow_download and not checkpoint_available(self.model_id):
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
                    f"The CLIP model '{self.model_id}' could not be loaded ({type(exc).__name__}){_offline_hint(self)}."
                ) from exc
            model.eval()
            self._processor = processor
            self._model = model
        return self

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        import torch

        self.load()
        tok = self._processor.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        with torch.inference_mode():
            feats = _as_tensor(self._model.get_text_features(**tok))
        return l2_normalise(feats.float().numpy())

    def encode_image(self, image: Image.Image) -> np.ndarray:
        return self.encode_images([image])[0]

    def encode_images(self, images) -> np.ndarray:
        """(N, D) embeddings of N images in one forward pass."""
        import torch

        self.load()
        inputs = self._processor.image_processor(images=[im.convert("RGB") for im in images], return_tensors="pt")
        with torch.inference_mode():
            feats = _as_tensor(self._model.get_image_features(pixel_values=inputs["pixel_values"]))
        return l2_normalise(feats.float().numpy())

    def cache_key(self) -> str:
        return checkpoint_key(self.model_id)

    @property
    def model(self):
        """The loaded ``CLIPModel`` (for the ONNX export)."""
        return self.load()._model

    @property
    def processor(self):
        return self.load()._processor

    def logit_scale(self) -> float:
        self.load()
        return float(self._model.logit_scale.exp().item())


__all__ = ["TransformersClip", "checkpoint_available", "checkpoint_files", "checkpoint_key", "configure_torch_threads"]
