"""REST API of the operators' desk features (issue 12): assign, notes, and the student's rating. Thin, as views.py."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status

from .. import selectors, services
from ..ratelimit import StudentReplyThrottle
from . import serializers as s
from .desk_serializers import AssignInputSerializer, NoteInputSerializer, RatingInputSerializer
from .parsers import BoundedFormParser, BoundedJSONParser
from .views import PublicTicketApi, TicketActionApi


class TicketAssignApi(TicketActionApi):
    input_serializer = AssignInputSerializer

    def perform(self, ticket, data, user):
        services.ticket_assign_to(ticket=ticket, username=data.get("assignee") or None, actor=user)

    @extend_schema(
        request=AssignInputSerializer, responses={200: s.TicketDetailSerializer},
        summary="Assign to an operator of the ticket's queue (null: unassign)",
    )
    def post(self, request, ticket_id: int):
        return self.act(request, ticket_id)


class TicketNotesApi(TicketActionApi):
    input_serializer = NoteInputSerializer
    success_status = status.HTTP_201_CREATED

    def perform(self, ticket, data, user):
        services.ticket_note(ticket=ticket, body=data["body"], actor=user)

    @extend_schema(
        request=NoteInputSerializer, responses={201: s.TicketDetailSerializer},
        summary="Add an internal note (never shown to the student); @username notifies a colleague",
    )
    def post(self, request, ticket_id: int):
        return self.act(request, ticket_id)


class PublicTicketRatingApi(PublicTicketApi):
    """The student rates the help once, after a person resolved the request."""

    parser_classes = [BoundedJSONParser, BoundedFormParser]
    http_method_names = ["post", "options"]

    def get_throttles(self):
        return [StudentReplyThrottle()]

    @extend_schema(
        request=RatingInputSerializer, responses={201: s.PublicTicketSerializer}, auth=[],
        summary="The student's satisfaction rating, 1–5 with a comment (once per ticket)",
    )
    def post(self, request, token: str):
        ticket = selectors.ticket_for_student(token)
        data = RatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_rate(ticket=ticket, **data.validated_data)
        return self._answer(request, token, status.HTTP_201_CREATED)
