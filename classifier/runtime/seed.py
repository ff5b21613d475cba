"""The seed API, kept exactly: ``ImageProcessor``, ``ClipModel``, ``ImageClassifier``.

* ``ImageProcessor(image_path)`` raises ``ValueError`` for an empty path or a missing file;
  ``prepare_image()`` returns the RGB ``PIL.Image`` (EXIF orientation applied, validated by
  :func:`classifier.images.load_image`, so bad files raise ``ImageError`` subclasses of ``ValueError``);
  ``to_base64()`` returns the encoded bytes as ``str`` for transport.
* ``ClipModel(model_path=None, config=None)``: ``classify(image, intents) -> list[float]`` (sums to 1).
  With a CLIP checkpoint (``model_path``, or the ``RuntimeConfig``'s; by default the standard hub id when it
  is on disk) the probabilities come from CLIP's image-text similarity (prompt-ensembled); without one,
  from the offline OCR + sentence-encoder scorer. ``.backend`` says which ran: ``"clip"`` or ``"offline-ocr"``.
* ``ImageClassifier().classify_intent(image_path)`` -> one of the three in-scope labels (argmax; the
  richer ``TicketPipeline.predict`` is the call that can answer "unsure").
"""
from __future__ import annotations

import base64
import dataclasses
import os
from typing import List

import numpy as np
from PIL import Image

from ..config import RuntimeConfig
from .clip import load_clip
from .images import load_image
from .labels import IntentSpec, LabelSet
from .pipeline import TicketPipeline

SEED_INTENTS = ["payment-problem", "course-problem", "profile-problem"]


class ImageProcessor:
    """Prepares a screenshot for classification."""

    def __init__(self, image_path: str):
        if not image_path:
            raise ValueError("Image path is empty.")
        if not os.path.exists(image_path):
            raise ValueError("Image file does not exist at the provided path.")
        self.image_path = image_path
        self._image: Image.Image | None = None

    def prepare_image(self) -> Image.Image:
        """The RGB image (EXIF orientation applied). Raises ImageError (a ValueError) for bad files."""
        if self._image is None:
            self._image = load_image(self.image_path)
        return self._image

    def to_base64(self) -> str:
        """The file's bytes, base64-encoded, as ``str`` (validated as an image first)."""
        self.prepare_image()
        with open(self.image_path, "rb") as fh:
            return base64.b64encode(fh.read()).decode("ascii")


def _labels_for(intents: List[str]) -> LabelSet:
    """A label set for free-form intent strings: shipped intents reused by name, others get a description."""
    shipped = LabelSet.default_images()
    chosen = []
    for name in intents:
        if name in shipped and shipped[name].in_scope:
            chosen.append(shipped[name])
        else:
            phrase = name.replace("-", " ").replace("_", " ")
            chosen.append(IntentSpec(name=name, descriptions=[phrase], prompts=[phrase], keywords=[]))
    return shipped.with_intents(chosen)


class ClipModel:
    """Seed-compatible classifier of an image against text intents."""

    def __init__(self, model_path: str | None = None, config: RuntimeConfig | None = None):
        config = config or RuntimeConfig()
        if model_path:
            config = dataclasses.replace(config, clip_model=model_path)
        self.model_path = model_path
        self.config = config
        self.clip = load_clip(config)
        self.backend = "clip" if self.clip is not None else "offline-ocr"
        self._pipelines: dict[tuple, TicketPipeline] = {}

    def _pipeline(self, intents: List[str]) -> TicketPipeline:
        key = tuple(intents)
        if key not in self._pipelines:
            # the probability is spread over the given intents only (the pipeline's "other" is left out below)
            self._pipelines[key] = TicketPipeline.from_config(dataclasses.replace(self.config, clip_model="off"),
                                                              _labels_for(list(intents)))
        return self._pipelines[key]

    def classify(self, image: Image.Image, intents: list) -> list:
        """Probabilities, one per intent, summing to 1."""
        intents = [str(i) for i in intents]
        if not intents:
            return []
        if self.clip is not None:
            if all(i in LabelSet.default_images() for i in intents):
                labels = _labels_for(intents)
                probs = self.clip.classify_labels(image, labels)
            else:
                probs = self.clip.classify_texts(image, intents)
        else:
            pipe = self._pipeline(intents)
            res = pipe.analyse_image(image.convert("RGB"))
            logits, _ = pipe.fuse(res.ocr_text)
            idx = [pipe.names.index(i) for i in intents]
            z = logits[idx] / float(pipe.settings["temperature"])
            z = z - z.max()
            probs = np.exp(z) / np.exp(z).sum()
        probs = np.asarray(probs, dtype=np.float64)
        probs = probs / probs.sum()
        return [float(p) for p in probs]


class ImageClassifier:
    """Seed-compatible: always answers one of the three in-scope intents."""

    def __init__(self, clip_model: ClipModel | None = None):
        self.clip_model = clip_model or ClipModel()
        self.intents = list(SEED_INTENTS)

    def classify_intent(self, image_path: str) -> str:
        image = ImageProcessor(image_path).prepare_image()
        probs = self.clip_model.classify(image, self.intents)
        return self.intents[int(np.argmax(probs))]


__all__ = ["ImageProcessor", "ClipModel", "ImageClassifier", "SEED_INTENTS"]
