"""Predictions' scores and timings as float32 bytes and digests as their bytes: the same values come back, in fewer bytes."""
from __future__ import annotations

import hashlib
import json
import struct

import pytest

from tests.factories import ClassifiedTicketFactory, PredictionFactory
from tickets.models import Attachment, Prediction, Ticket, public_token_digest
from tickets.models.packed import FloatMapField, pack_score_table, unpack_score_table

TABLE = {
    "ocr_text": {"payment-problem": 0.8123, "course-problem": 0.1, "other": 0.0},
    "memory": {"payment-problem": 0.4},  # a signal without a score for every label
    "school": {"profile-problem": -1.25, "other": 12.5},
}


def test_round_trip_keeps_names_order_and_missing_scores():
    packed = pack_score_table(TABLE)
    assert unpack_score_table(packed) == TABLE
    assert list(unpack_score_table(packed)) == list(TABLE)
    assert unpack_score_table(pack_score_table({})) == {} and pack_score_table({}) == b""


def test_packed_is_much_smaller_than_json():
    table = {signal: {label: 0.1234 for label in ("payment-problem", "course-problem", "profile-problem", "other")}
             for signal in ("ocr_text", "student_text", "lexical", "memory", "school")}
    assert unpack_score_table(pack_score_table(table)) == table
    assert len(pack_score_table(table)) < len(json.dumps(table)) / 2


@pytest.mark.django_db
def test_the_field_stores_and_reads_the_dict():
    prediction = PredictionFactory(ticket=ClassifiedTicketFactory(), signals=TABLE)
    assert Prediction.objects.get(pk=prediction.pk).signals == TABLE
    assert dict(Prediction.objects.values_list("pk", "signals"))[prediction.pk] == TABLE  # selectors.fitting reads it so
    empty = PredictionFactory(ticket=ClassifiedTicketFactory(), signals={})
    assert Prediction.objects.get(pk=empty.pk).signals == {}


def test_known_names_take_a_byte_and_unknown_ones_are_spelled_out():
    table = {"ocr_semantic": {"payment-problem": 0.5, "other": 0.25}, "новый сигнал": {"new-intent": 1.0}}
    packed = pack_score_table(table)
    assert packed[0] == 2 and unpack_score_table(packed) == table
    known = pack_score_table({"ocr_semantic": {"payment-problem": 0.5}})
    assert len(known) == 3 + 2 + 4  # header, two name bytes, one float32


def test_format_1_rows_written_before_0021_still_read():
    header = json.dumps([["ocr_text"], ["payment-problem", "other"]]).encode()
    old = struct.pack("<BH", 1, len(header)) + header + struct.pack("<2f", 0.5, float("nan"))
    assert unpack_score_table(old) == {"ocr_text": {"payment-problem": 0.5}}


def test_flat_maps_round_trip_and_drop_none():
    timings = {"ocr": 1.25, "fusion": 0.07, "total_task": 1.3}
    assert FloatMapField.unpack(FloatMapField.pack(timings)) == timings
    assert FloatMapField.unpack(FloatMapField.pack({"total": None, "ocr": 2.0})) == {"ocr": 2.0}
    assert FloatMapField.pack({}) == b"" and FloatMapField.unpack(b"") == {}
    assert len(FloatMapField.pack(timings)) < len(json.dumps(timings)) / 2


@pytest.mark.django_db
def test_scores_and_timings_store_and_read_the_dict():
    scores, timings = {"payment-problem": 0.9826, "other": 0.1066}, {"ocr": 0.5, "total_task": 0.6}
    prediction = PredictionFactory(ticket=ClassifiedTicketFactory(), scores=scores, timings=timings)
    stored = Prediction.objects.get(pk=prediction.pk)
    assert (stored.scores, stored.timings) == (scores, timings)
    assert list(stored.scores) == list(scores)


@pytest.mark.django_db
def test_digests_are_hex_in_python_and_found_by_hex():
    ticket = ClassifiedTicketFactory()
    digest = hashlib.sha256(b"screenshot").hexdigest()
    attachment = Attachment.objects.create(ticket=ticket, file="a.png", content_type="image/png", width=1, height=1, sha256=digest)
    assert Attachment.objects.get(sha256=digest).pk == attachment.pk
    assert Attachment.objects.values_list("sha256", flat=True).get(pk=attachment.pk) == digest
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.public_token_digest == public_token_digest(ticket.public_token)
    assert Ticket.objects.get(public_token_digest=public_token_digest(ticket.public_token)).pk == ticket.pk
