"""A table of scores (``{signal: {label: score}}``) stored as float32 bytes, read back as the same dict.

A prediction's per-signal scores were JSONB: every row repeated each signal's and each label's name for every
number and kept each number as a JSON numeric — 681 bytes a row at 100k generated tickets (5 signals × 4
labels), 58 % of the prediction table, for a column only the desk's refit (selectors.fitting) reads. Packed:
the names once (format 1: a small JSON header; format 2: a byte per known name, below), then one little-endian
float32 per (signal, label), NaN where a signal had no score for a label — ~190 bytes for the same row in
format 1 (README, "Operator pages at a million tickets"), ~110 in format 2.

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

# Format 2 (migration 0021): the names the classifier and the desk write on every row are a byte each, an index
# into NAMES; any other name is 0xFF, its length and its UTF-8. The JSON header of format 1 was ~110 of a
# prediction's ~205 bytes of per-signal scores (and ~60 of its label scores): ~16 MB at 100k tickets.
# APPEND ONLY: a stored row's byte means the name at that position forever.
NAMES = (
    # labels (classifier/data/labels.yaml)
    "payment-problem", "course-problem", "profile-problem", "other",
    # per-signal scores (classifier.runtime.pipeline.fuse; loadgen's)
    "ocr_semantic", "ocr_keywords", "ocr_ngrams", "focus_semantic", "focus_keywords", "focus_ngrams",
    "text_semantic", "text_keywords", "text_ngrams", "clip", "memory", "text_amount", "words",
    "school", "foreign", "edu", "faq", "ocr_text", "student_text", "lexical",
    # stage timings (classifier.runtime.pipeline, services.routing)
    "ocr", "fusion", "total_task", "load", "fuse", "total",
)
NAME_INDEX = {name: index for index, name in enumerate(NAMES)}
OTHER_NAME = 0xFF
HEAD_V2 = struct.Struct("<BBB")  # format version, signals, labels


def _names_v2(names: list[str]) -> bytes | None:
    out = bytearray()
    for name in names:
        if name in NAME_INDEX:
            out.append(NAME_INDEX[name])
            continue
        encoded = name.encode()
        if len(encoded) > 255:
            return None
        out += bytes((OTHER_NAME, len(encoded))) + encoded
    return bytes(out)


def _read_names_v2(data: bytes, offset: int, count: int) -> tuple[list[str], int]:
    names = []
    for _ in range(count):
        code = data[offset]
        offset += 1
        if code == OTHER_NAME:
            size = data[offset]
            names.append(data[offset + 1:offset + 1 + size].decode())
            offset += 1 + size
        else:
            names.append(NAMES[code])
    return names, offset


def pack_score_table(table: dict | None, *, version: int = 2) -> bytes:
    """``{signal: {label: score}}`` → bytes (empty for an empty table); ``version=1`` for code before 0021."""
    if not table:
        return b""
    signals = [str(name) for name in table]
    labels = list(dict.fromkeys(str(label) for scores in table.values() for label in (scores or {})))
    values = [float((table[name] or {}).get(label, math.nan)) for name in table for label in labels]
    floats = struct.pack(f"<{len(values)}f", *values)
    names = _names_v2(signals + labels) if version == 2 and len(signals) < 256 and len(labels) < 256 else None
    if names is not None:
        return HEAD_V2.pack(2, len(signals), len(labels)) + names + floats
    header = json.dumps([signals, labels], ensure_ascii=False, separators=(",", ":")).encode()
    return HEAD.pack(FORMAT_VERSION, len(header)) + header + floats


def unpack_score_table(data: bytes | memoryview | None) -> dict:
    """The inverse of pack_score_table (a missing score stays missing); reads both formats."""
    if not data:
        return {}
    data = bytes(data)
    if data[0] == 2:
        _version, signal_count, label_count = HEAD_V2.unpack_from(data)
        signals, offset = _read_names_v2(data, HEAD_V2.size, signal_count)
        labels, offset = _read_names_v2(data, offset, label_count)
    else:
        version, size = HEAD.unpack_from(data)
        if version != FORMAT_VERSION:
            raise ValueError(f"unknown score table format {version}")
        signals, labels = json.loads(data[HEAD.size:HEAD.size + size])
        offset = HEAD.size + size
    values = struct.unpack_from(f"<{len(signals) * len(labels)}f", data, offset)
    table = {}
    for row, name in enumerate(signals):
        scores = values[row * len(labels):(row + 1) * len(labels)]
        table[name] = {label: float(f"{value:.7g}") for label, value in zip(labels, scores) if not math.isnan(value)}
    return table


class _PackedDictField(models.BinaryField):
    """A dict in Python, bytes in the database; empty by default, so a form may leave it blank."""

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


class ScoreTableField(_PackedDictField):
    """``{signal: {label: score}}`` in Python, float32 bytes in the database (pack_score_table)."""

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


class FloatMapField(_PackedDictField):
    """A flat ``{name: number}`` (a prediction's label scores, its stage timings) as one row of a packed score
    table: the names once, then float32s. JSONB repeated every name and kept each number as a numeric: 120 and 73
    bytes a row at 100k generated tickets against ~80 and ~45 packed (migration 0021). None values are dropped."""

    ROW = ""

    @classmethod
    def pack(cls, value: dict | None) -> bytes:
        return pack_score_table({cls.ROW: {key: number for key, number in value.items() if number is not None}} if value else None)

    @classmethod
    def unpack(cls, data) -> dict:
        return unpack_score_table(data).get(cls.ROW, {})

    def from_db_value(self, value, expression, connection):
        return self.unpack(value)

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        return self.unpack(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, dict) or value is None:
            value = self.pack(value)
        return super().get_db_prep_value(value, connection, prepared)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))


class HexDigestField(models.BinaryField):
    """A SHA-256 digest: a hex string in Python (as ``hashlib.hexdigest()`` gives it), its 32 bytes in the database.

    As ``varchar(64)`` hex it took 65 bytes a row and as much again in each index entry; bytes take 33 (the token
    digest's unique index 12 → ~6 MB, the screenshots' checksum index 10 → ~5 MB at 100k tickets; migration 0021).
    Lookups (``field=hexdigest``) are converted the same way, so callers keep passing hex strings."""

    @staticmethod
    def to_hex(value) -> str:
        if value is None or isinstance(value, str):
            return value
        return bytes(value).hex()

    def from_db_value(self, value, expression, connection):
        return self.to_hex(value)

    def to_python(self, value):
        return self.to_hex(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, str):
            value = bytes.fromhex(value)
        return super().get_db_prep_value(value, connection, prepared)

    def value_to_string(self, obj):
        return self.value_from_object(obj)
