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


def load_data(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")) or {}


__all__ = ["DATA_DIR", "THRESHOLDS_FILE", "OFFTOPIC", "load_params", "load_data"]
