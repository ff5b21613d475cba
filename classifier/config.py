"""How the classifier runs on this machine: set by its caller, never read from the environment.

The desk builds one from its Django settings (``tickets.classification.classifier_runtime_config``), the
command line from its flags (``classifier/__main__.py``); library users pass their own or take the
defaults. Nothing in the classifier package looks at environment variables.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_CLIP_MODEL = "openai/clip-vit-base-patch32"
CLIP_OFF = "off"
# where CLIP's prompt embeddings and ONNX exports are kept between worker starts ("" in RuntimeConfig)
DEFAULT_CLIP_CACHE_DIR = os.path.join("~", ".cache", "supportdesk", "clip")


@dataclass(frozen=True)
class RuntimeConfig:
    """Knobs of the runtime (models, threads, external programs), not of the classification itself.

    ``clip_model``: a Hugging Face hub id or a local checkpoint directory. ``""`` means the default hub id
    (``openai/clip-vit-base-patch32``) *if it is already on disk* (local directory or Hugging Face cache);
    ``"off"`` never uses CLIP. A checkpoint that cannot be loaded is logged once and the screenshots are
    classified without CLIP.
    ``clip_backend``: which implementation runs CLIP: ``"transformers"`` (torch), ``"onnx"`` (image tower on ONNX
    Runtime, fp32) or ``"onnx-int8"`` (dynamic int8); see ``runtime/clip/__init__.py``.
    ``clip_cache_dir``: the folder of CLIP's prompt-embedding cache and ONNX exports (``""``: ``~/.cache/
    supportdesk/clip``; ``"off"``: none, every worker encodes the prompts at start).
    ``threads``: threads per model (torch, the sentence encoder's BLAS). One worker process per core, one
    thread each, is the fastest use of a small machine.
    ``allow_download``: let CLIP fetch a checkpoint that is not on disk. Offline otherwise
    (``local_files_only``), whatever ``HF_HUB_OFFLINE`` says.
    ``tesseract_cmd``: the Tesseract executable (a name on ``PATH`` or a path).
    ``ocr_workers``: Tesseract readers per screenshot (2 = both cores of a box busy with one job; see
    ``runtime/ocr.py``). ``ocr_cache_dir``: a folder of OCR text by image content shared by the workers of a box
    (``""``: the in-process cache only). ``ocr_lang``: Tesseract's languages; ``"rus"`` alone only for a school
    whose screens are all Russian (~25 % less Tesseract CPU; English text then comes out as Cyrillic nonsense).
    """

    clip_model: str = ""
    clip_backend: str = "transformers"
    clip_cache_dir: str = ""
    ocr_workers: int = 1
    ocr_cache_dir: str = ""
    ocr_lang: str = "rus+eng"
    threads: int = 1
    allow_download: bool = False
    tesseract_cmd: str = "tesseract"

    def __post_init__(self) -> None:
        if int(self.threads) < 1:
            raise ValueError("threads must be at least 1.")
        object.__setattr__(self, "threads", int(self.threads))
        if int(self.ocr_workers) < 1:
            raise ValueError("ocr_workers must be at least 1.")
        object.__setattr__(self, "ocr_workers", int(self.ocr_workers))
        object.__setattr__(self, "ocr_lang", str(self.ocr_lang or "").strip() or "rus+eng")
        object.__setattr__(self, "clip_model", str(self.clip_model or "").strip())

    @property
    def clip_enabled(self) -> bool:
        return self.clip_model.lower() != CLIP_OFF

    @property
    def clip_cache_path(self) -> str | None:
        """The CLIP cache folder, or None when it is off."""
        if self.clip_cache_dir.strip().lower() == CLIP_OFF:
            return None
        return os.path.expanduser(self.clip_cache_dir.strip() or DEFAULT_CLIP_CACHE_DIR)

    @property
    def clip_model_id(self) -> str:
        """The checkpoint to try: the configured one, or the default hub id."""
        return self.clip_model or DEFAULT_CLIP_MODEL


__all__ = ["RuntimeConfig", "DEFAULT_CLIP_MODEL", "DEFAULT_CLIP_CACHE_DIR", "CLIP_OFF"]
