"""Reading a labelled folder: its CSV files, its FAQ, and an OCR cache so refits do not re-read screenshots."""
from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Iterable

from ..errors import ImageError
from ..faq.documents import FaqDocument, load_faq_document, load_faq_yaml, school_texts
from ..runtime.images import load_image
from ..runtime.school import SchoolProfile


def read_csv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def school_faq(root: str | os.PathLike[str]) -> list[FaqDocument]:
    """The folder's ``faq.yaml`` entries (none when it has no FAQ)."""
    path = Path(root) / "faq.yaml"
    return load_faq_yaml(path) if path.exists() else []


def school_profile(root: str | os.PathLike[str]) -> SchoolProfile:
    """The school of the folder, from its ``faq.yaml`` header (``school``, ``site``, optional ``aliases`` and
    ``domains``): the deployment's own configuration, read the way the desk reads it on ``faq_import``."""
    path = Path(root) / "faq.yaml"
    return SchoolProfile.from_mapping(load_faq_document(path)[0]) if path.exists() else SchoolProfile()


def deployment_labels(root: str | os.PathLike[str], labels):
    """``labels`` as the folder's school deploys them: with its identity (``school_profile``) and its own
    vocabulary learnt from its ``faq.yaml`` (``LabelSet.with_school_faq``), unless ``labels`` already has them."""
    if not labels.school:
        labels = labels.with_school(school_profile(root))
    if not labels.school_terms:
        labels = labels.with_school_faq(school_texts(school_faq(root)))
    return labels


def progress(iterable: Iterable, total: int, desc: str, enabled: bool):
    """A tqdm progress bar on stderr when ``enabled`` (stdout stays clean for --json)."""
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)


class OcrCache:
    """OCR text per screenshot kept in a JSON file between runs (key: file name and byte size).

    ``OcrCache(None)`` keeps nothing. OCR is ~0.5 s of one core per screenshot; a refit of the fusion
    weights needs the text, not a new reading.
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = path
        self._texts: dict[str, str] = {}
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                self._texts = json.load(fh)

    @staticmethod
    def key(relative_name: str, path: str | os.PathLike[str]) -> str:
        return f"{relative_name}:{os.path.getsize(path)}"

    def get(self, key: str) -> str | None:
        return self._texts.get(key)

    def put(self, key: str, text: str) -> None:
        self._texts[key] = text

    def save(self) -> None:
        if self.path:
            with open(self.path, "w", encoding="utf-8") as fh:
                json.dump(self._texts, fh, ensure_ascii=False)


def screenshots(root: str | os.PathLike[str], pipeline, cache: "OcrCache", *, show_progress: bool = False):
    """``(row, OCR text, CLIP probabilities)`` per row of ``images.csv``: the text from ``cache`` (read with the
    pipeline's OCR and stored when missing), CLIP only when the pipeline has it. The cache is saved at the end."""
    rows = read_csv(os.path.join(root, "images.csv"))
    out = []
    for row in progress(rows, len(rows), "screenshots", show_progress):
        path = os.path.join(root, row["file"])
        key = cache.key(row["file"], path)
        text = cache.get(key)
        clip_probs = []
        if text is None or pipeline.clip is not None:
            try:
                image = load_image(path)
            except ImageError:
                image = None
            if image is not None:
                analysis = pipeline.analyse_image(image, path)
                if text is None:
                    text = analysis.ocr_text
                    cache.put(key, text)
                if analysis.clip_probs is not None:
                    clip_probs.append(analysis.clip_probs)
        out.append((row, text or "", clip_probs))
    cache.save()
    return out


__all__ = ["read_csv", "school_faq", "school_profile", "deployment_labels", "screenshots", "progress", "OcrCache"]
