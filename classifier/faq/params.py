"""The FAQ layer's shipped data: fitted numbers (``thresholds.yaml``), cue words and lexicon (``data/``)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).with_name("data")
THRESHOLDS_FILE = DATA_DIR / "thresholds.yaml"
# The message topic (data/topics.yaml) of chit-chat: never answered, never needs a human.
OFFTOPIC = "offtopic"


@lru_cache(maxsize=1)
def load_params() -> dict[str, Any]:
    """Retrieval weights, the needs-human model and the auto-answer rule (refitted by ``faq-fit --write``)."""
    return yaml.safe_load(THRESHOLDS_FILE.read_text(encoding="utf-8"))


def fused_score(retrieval: dict[str, Any], dq, da, bm, cg):
    """The retrieval's fused score (weights ``w_dq``, ``w_da``, ``w_bm``, ``w_cg`` of ``retrieval``) of the dense
    question and answer similarities, BM25 and char n-grams: numbers or arrays alike. One definition for the index,
    the re-ranking's e5 twin (the same fusion on e5's dense similarities) and the fit."""
    return retrieval["w_dq"] * dq + retrieval["w_da"] * da + retrieval["w_bm"] * bm + retrieval["w_cg"] * cg


def load_data(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")) or {}


__all__ = ["DATA_DIR", "THRESHOLDS_FILE", "OFFTOPIC", "load_params", "load_data", "fused_score"]
