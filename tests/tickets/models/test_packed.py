"""Predictions' per-signal scores as float32 bytes: the same dict comes back, in a third of the bytes."""
from __future__ import annotations

import json

import pytest

from tests.factories import ClassifiedTicketFactory, PredictionFactory
from tickets.models import Prediction
from tickets.models.packed import pack_score_table, unpack_score_table

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
