"""Serializers of the reports API (issue 12): the query's ``days`` and the figures (selectors.reports defines them)."""
from __future__ import annotations

from rest_framework import serializers

from ..selectors.reports import DAYS_DEFAULT, DAYS_MAX, DAYS_MIN
from ..vocabulary import queue_name


class ReportQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=DAYS_MIN, max_value=DAYS_MAX, default=DAYS_DEFAULT)


class FiguresSerializer(serializers.Serializer):
    tickets = serializers.IntegerField(help_text="tickets created in the window")
    auto_answered = serializers.IntegerField(help_text="solved by the automatic answer (the student said so), no person replied")
    deflection_rate = serializers.FloatField(help_text="auto_answered / tickets (0.0 without tickets)")
    auto_answer_pending = serializers.IntegerField(help_text="automatic answers still waiting for the student's feedback")
    escalations = serializers.IntegerField(help_text="automatic answers handed to a person (still need help, or no reply in time)")
    offtopic_closed = serializers.IntegerField(help_text="off-topic messages closed with the fixed reply")
    first_response_count = serializers.IntegerField(help_text="tickets a person answered")
    first_response_p50_s = serializers.IntegerField(allow_null=True, help_text="median seconds from creation to a person's first reply")
    first_response_p90_s = serializers.IntegerField(allow_null=True)
    resolution_count = serializers.IntegerField(help_text="tickets resolved or closed after a person's reply")
    resolution_p50_s = serializers.IntegerField(allow_null=True, help_text="median seconds from creation to resolution")
    resolution_p90_s = serializers.IntegerField(allow_null=True)
    sla_breaches = serializers.IntegerField(help_text="tickets that missed a first-response or resolution target")
    csat_avg = serializers.FloatField(allow_null=True, help_text="average rating 1–5")
    csat_count = serializers.IntegerField()
    label_corrections = serializers.IntegerField(help_text="tickets whose label an operator really changed")


class QueueFiguresSerializer(FiguresSerializer):
    queue = serializers.SlugField(source="queue.slug")
    queue_name = serializers.SerializerMethodField()

    def get_queue_name(self, row) -> str:
        return queue_name(row["queue"])


class DayFiguresSerializer(FiguresSerializer):
    date = serializers.DateField(help_text="a local day (time_zone)")


class DayQueueFiguresSerializer(QueueFiguresSerializer):
    date = serializers.DateField()


class ReportSummarySerializer(FiguresSerializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField(help_text="local midnight days - 1 days ago")
    until = serializers.DateTimeField()
    time_zone = serializers.CharField()
    per_queue = QueueFiguresSerializer(many=True)
    per_day = DayFiguresSerializer(many=True, help_text="every day of the window, oldest first")
    per_day_queue = DayQueueFiguresSerializer(many=True, help_text="each day and queue with tickets")
