"""A table of scores (``{signal: {label: score}}``) stored as float32 bytes, read back as the same dict.

A prediction's per-signal scores were JSONB: every row repeated each signal's and each label's name for every
number and kept each number as a JSON numeric — 681 bytes a row at 100k generated tickets (5 signals × 4
labels), 58 % of the prediction table, for a column only the desk's refit (selectors.fitting) reads. Packed:
the names once (a small JSON header), then one little-endian float32 per (signal, label), NaN where a signal
had no score for a label — ~190 bytes for the same row (README, "Operator pages at a million tickets").

float32 keeps ~7 significant digits, more than a score carries (loadgen rounds to 4, the classifier's
fusion is fitted on 2-3); values are read back through their shortest 7-digit form, so 0.4 stays 0.4.
"""
from __future__ import annotations

import json
import math
import struct

from django.db import models

FORMAT_VERSION = 1
HEAD = struct.Struct("<BH")  # format version, header length


def pack_score_table(table: dict | None) -> bytes:
    """``{signal: {label: score}}`` → bytes (empty for an empty table)."""
    if not table:
        return b""
    signals = [str(name) for name in table]
    labels = list(dict.fromkeys(str(label) for scores in table.values() for label in (scores or {})))
    header = json.dumps([signals, labels], ensure_ascii=False, separators=(",", ":")).encode()
    values = [float((table[name] or {}).get(label, math.nan)) for name in table for label in labels]
    return HEAD.pack(FORMAT_VERSION, len(header)) + header + struct.pack(f"<{len(values)}f", *values)


def unpack_score_table(data: bytes | memoryview | None) -> dict:
    """The inverse of pack_score_table (a missing score stays missing)."""
    if not data:
        return {}
    data = bytes(data)
    version, size = HEAD.unpack_from(data)
    if version != FORMAT_VERSION:
        raise ValueError(f"unknown score table format {version}")
    signals, labels = json.loads(data[HEAD.size:HEAD.size + size])
    values = struct.unpack_from(f"<{len(signals) * len(labels)}f", data, HEAD.size + size)
    table = {}
    for row, name in enumerate(signals):
        scores = values[row * len(labels):(row + 1) * len(labels)]
        table[name] = {label: float(f"{value:.7g}") for label, value in zip(labels, scores) if not math.isnan(value)}
    return table


class ScoreTableField(models.BinaryField):
    """``{signal: {label: score}}`` in Python, float32 bytes in the database (pack_score_table)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", dict)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") is dict:
            del kwargs["default"]
        if kwargs.get("blank") is True:
            del kwargs["blank"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return unpack_score_table(value)

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        return unpack_score_table(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, dict) or value is None:
            value = pack_score_table(value)
        return super().get_db_prep_value(value, connection, prepared)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))
