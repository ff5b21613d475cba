"""CLIP's image tower on ONNX Runtime (fp32, or dynamic int8), without torch at run time.

``export_image_tower(model_id, cache_dir)`` exports the image tower of a transformers CLIP checkpoint once
(torch's ONNX exporter, a dynamic batch axis) to ``<cache_dir>/onnx/<checkpoint key>/image.onnx``, quantizes
its weights to int8 (``onnxruntime.quantization.quantize_dynamic``) into ``image.int8.onnx`` and writes
``meta.json`` (logit scale, preprocessing). ``OnnxClip`` then needs only onnxruntime, numpy and Pillow: a
worker that finds the prompt embeddings in the disk cache (``ClipClassifier``) never imports torch. Text
embeddings missing from that cache are encoded by the transformers text tower, loaded on first need.

Preprocessing is CLIP's own (``preprocessor_config.json``): shortest edge resized (bicubic), centre crop,
scaled to 0..1 and normalised with the checkpoint's mean and std; ``bench/classifier.py`` reports the cosine
between these embeddings and torch's.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from typing import Sequence

import numpy as np
from PIL import Image

from ...errors import ModelUnavailableError
from .base import l2_normalise
from .transformers_backend import TransformersClip, checkpoint_available, checkpoint_key

FP32_FILE = "image.onnx"
INT8_FILE = "image.int8.onnx"
META_FILE = "meta.json"
_export_lock = threading.Lock()


def export_dir(model_id: str, cache_dir: str) -> str:
    digest = hashlib.sha256(checkpoint_key(model_id).encode()).hexdigest()[:24]
    return os.path.join(cache_dir, "onnx", digest)


def _field(value, key: str):
    """``value[key]`` of a dict or of transformers' ``SizeDict`` (attributes), else None."""
    if isinstance(value, dict):
        return value.get(key)
    return getattr(value, key, None)


def _preprocessing(processor) -> dict:
    ip = processor.image_processor
    size = _field(ip.size, "shortest_edge") or min(_field(ip.size, "height") or 224, _field(ip.size, "width") or 224)
    crop = ip.crop_size
    height = _field(crop, "height") or (crop if isinstance(crop, int) else size)
    width = _field(crop, "width") or (crop if isinstance(crop, int) else size)
    return {"shortest_edge": int(size), "crop_height": int(height), "crop_width": int(width),
            "mean": [float(x) for x in ip.image_mean], "std": [float(x) for x in ip.image_std],
            "rescale": float(getattr(ip, "rescale_factor", 1 / 255) or 1 / 255)}


def export_image_tower(model_id: str, cache_dir: str, *, allow_download: bool = False) -> str:
    """Export fp32 and int8 ONNX image towers of ``model_id`` (once; later calls return the folder)."""
    out = export_dir(model_id, cache_dir)
    if all(os.path.exists(os.path.join(out, f)) for f in (FP32_FILE, INT8_FILE, META_FILE)):
        return out
    with _export_lock:
        if all(os.path.exists(os.path.join(out, f)) for f in (FP32_FILE, INT8_FILE, META_FILE)):
            return out
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic

        towers = TransformersClip(model_id, allow_download=allow_download).load()
        model = towers.model

        class ImageTower(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.vision, self.projection = model.vision_model, model.visual_projection

            def forward(self, pixel_values):
                return self.projection(self.vision(pixel_values=pixel_values).pooler_output)

        os.makedirs(out, exist_ok=True)
        meta = _preprocessing(towers.processor)
        meta["logit_scale"] = towers.logit_scale()
        meta["model_id"] = model_id
        dummy = torch.zeros(1, 3, meta["crop_height"], meta["crop_width"])
        tmp = os.path.join(out, f"tmp-{os.getpid()}")
        os.makedirs(tmp, exist_ok=True)
        fp32, int8 = os.path.join(tmp, FP32_FILE), os.path.join(tmp, INT8_FILE)
        with torch.inference_mode():
            torch.onnx.export(ImageTower().eval(), (dummy,), fp32, input_names=["pixel_values"],
                              output_names=["image_embeds"], dynamic_axes={"pixel_values": {0: "batch"},
                                                                            "image_embeds": {0: "batch"}},
                              opset_version=17, dynamo=False)
        quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8)
        with open(os.path.join(tmp, META_FILE), "w") as fh:
            json.dump(meta, fh)
        for name in (FP32_FILE, INT8_FILE, META_FILE):  # meta.json last: its presence means "complete"
            os.replace(os.path.join(tmp, name), os.path.join(out, name))
        for leftover in os.listdir(tmp):
            os.remove(os.path.join(tmp, leftover))
        os.rmdir(tmp)
    return out


def preprocess(images: Sequence[Image.Image], meta: dict) -> np.ndarray:
    """(N, 3, H, W) float32 pixel values as CLIP's image processor makes them."""
    short, ch, cw = meta["shortest_edge"], meta["crop_height"], meta["crop_width"]
    mean = np.asarray(meta["mean"], np.float32).reshape(3, 1, 1)
    std = np.asarray(meta["std"], np.float32).reshape(3, 1, 1)
    batch = np.empty((len(images), 3, ch, cw), np.float32)
    for i, image in enumerate(images):
        im = image.convert("RGB")
        w, h = im.size
        scale = short / min(w, h)
        nw, nh = (short, max(short, int(h * scale))) if w <= h else (max(short, int(w * scale)), short)
        im = im.resize((nw, nh), Image.BICUBIC)
        left, top = (nw - cw) // 2, (nh - ch) // 2
        im = im.crop((left, top, left + cw, top + ch))
        arr = np.asarray(im, np.float32).transpose(2, 0, 1) * meta["rescale"]
        batch[i] = (arr - mean) / std
    return batch


class OnnxClip:
    """``ClipTowers`` with the image tower on ONNX Runtime (``quantized``: the dynamic int8 export).

    ``cache_dir``: where the export lives (made on first load when missing, which needs torch once).
    """

    def __init__(self, model: str, *, threads: int = 1, allow_download: bool = False,
                 cache_dir: str | None = None, quantized: bool = False) -> None:
        self.model_id = str(model)
        self.threads, self.allow_download, self.quantized = threads, allow_download, quantized
        self.cache_dir = cache_dir
        self._session = None
        self._meta: dict | None = None
        self._text: TransformersClip | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        base = os.path.basename(self.model_id.rstrip("/")) or self.model_id
        return f"{base}@onnx-{'int8' if self.quantized else 'fp32'}"

    def cache_key(self) -> str:
        # the prompts are encoded by the transformers text tower whatever runs the images: shared cache entries
        return checkpoint_key(self.model_id)

    def load(self) -> "OnnxClip":
        if self._session is not None:
            return self
        with self._lock:
            if self._session is not None:
                return self
            if not self.cache_dir:
                raise ModelUnavailableError("The ONNX CLIP backend needs a cache folder for its exported model.")
            if not self.allow_download and not checkpoint_available(self.model_id):
                raise ModelUnavailableError(
                    f"The CLIP model '{self.model_id}' is not available offline "
                    "(no such local directory and not in the Hugging Face cache)."
                )
            try:
                import onnxruntime as ort

                folder = export_dir(self.model_id, self.cache_dir)
                if not os.path.exists(os.path.join(folder, META_FILE)):
                    folder = export_image_tower(self.model_id, self.cache_dir, allow_download=self.allow_download)
                with open(os.path.join(folder, META_FILE)) as fh:
                    meta = json.load(fh)
                options = ort.SessionOptions()
                options.intra_op_num_threads = max(1, int(self.threads))
                options.inter_op_num_threads = 1
                session = ort.InferenceSession(os.path.join(folder, INT8_FILE if self.quantized else FP32_FILE),
                                               options, providers=["CPUExecutionProvider"])
            except ModelUnavailableError:
                raise
            except Exception as exc:  # ImportError, ONNX errors, a broken checkpoint...
                raise ModelUnavailableError(
                    f"The CLIP model '{self.model_id}' could not be loaded for ONNX Runtime ({type(exc).__name__})."
                ) from exc
            self._meta = meta
            self._session = session
        return self

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        self.load()
        (feats,) = self._session.run(["image_embeds"], {"pixel_values": preprocess(images, self._meta)})
        return l2_normalise(feats)

    def encode_image(self, image: Image.Image) -> np.ndarray:
        return self.encode_images([image])[0]

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        """Only for prompts not in the disk cache: the transformers text tower, loaded on first need."""
        with self._lock:
            if self._text is None:
                self._text = TransformersClip(self.model_id, threads=self.threads, allow_download=self.allow_download)
        return self._text.encode_texts(texts)

    def logit_scale(self) -> float:
        self.load()
        return float(self._meta["logit_scale"])


def OnnxClipInt8(model: str, *, threads: int = 1, allow_download: bool = False,  # noqa: N802 (a BACKENDS factory)
                 cache_dir: str | None = None) -> OnnxClip:
    return OnnxClip(model, threads=threads, allow_download=allow_download, cache_dir=cache_dir, quantized=True)


__all__ = ["OnnxClip", "OnnxClipInt8", "export_image_tower", "export_dir", "preprocess"]
