"""Serializers of the operators' desk features (issue 12): SLA fields, notes, assignment, ratings."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Message, TicketRating
from ..selectors import ticket_notes
from ..services.notes import NOTE_MAX_CHARS
from ..sla import SlaState, ticket_sla


class SlaFieldsMixin(serializers.Serializer):
    """The ticket's clocks and its SLA state (tickets.sla), computed once per ticket."""

    waiting_since = serializers.DateTimeField(read_only=True, allow_null=True, help_text="the desk's turn since (new or open)")
    first_response_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="a person's first reply")
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    first_response_due = serializers.SerializerMethodField(help_text="null when the queue has no first-response target")
    resolution_due = serializers.SerializerMethodField(help_text="null when the queue has no resolution target")
    sla_breached = serializers.SerializerMethodField(help_text="a target of the ticket's queue was missed")

    SLA_FIELDS = ["waiting_since", "first_response_at", "resolved_at", "first_response_due", "resolution_due", "sla_breached"]

    def _sla(self, ticket) -> SlaState:
        state = getattr(ticket, "_sla_state", None)
        if state is None:
            state = ticket._sla_state = ticket_sla(ticket)
        return state

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_first_response_due(self, ticket):
        due = self._sla(ticket).first_response_due
        return serializers.DateTimeField().to_representation(due) if due else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_resolution_due(self, ticket):
        due = self._sla(ticket).resolution_due
        return serializers.DateTimeField().to_representation(due) if due else None

    def get_sla_breached(self, ticket) -> bool:
        return self._sla(ticket).breached


class NoteSerializer(serializers.ModelSerializer):
    author_username = serializers.CharField(source="author.username", default=None)

    class Meta:
        model = Message
        fields = ["id", "author_username", "body", "created_at"]


class RatingSerializer(serializers.ModelSerializer):
    operator = serializers.CharField(source="operator.username", default=None)

    class Meta:
        model = TicketRating
        fields = ["score", "comment", "requested_at", "rated_at", "operator"]


class NotesMixin(serializers.Serializer):
    notes = serializers.SerializerMethodField(help_text="operators' internal notes (never shown to the student)")
    rating = serializers.SerializerMethodField(help_text="the student's satisfaction rating, once asked")

    @extend_schema_field(NoteSerializer(many=True))
    def get_notes(self, ticket):
        return NoteSerializer(ticket_notes(ticket), many=True).data

    @extend_schema_field(RatingSerializer(allow_null=True))
    def get_rating(self, ticket):
        rating = getattr(ticket, "rating", None)
        return RatingSerializer(rating).data if rating is not None else None


class AssignInputSerializer(serializers.Serializer):
    assignee = serializers.CharField(allow_null=True, allow_blank=True, max_length=150, help_text="an operator's username; null to unassign")


class NoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=NOTE_MAX_CHARS, help_text="@username mentions notify that colleague")


class RatingInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=TicketRating.SCORE_MIN, max_value=TicketRating.SCORE_MAX)
    comment = serializers.CharField(max_length=TicketRating.COMMENT_MAX_CHARS, required=False, allow_blank=True, default="")


class PublicRatingSerializer(serializers.Serializer):
    """What the student's API answer says about the rating: may they rate now, and what they gave."""

    can_rate = serializers.BooleanField()
    score = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)
