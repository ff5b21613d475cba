"""REST API of the desk's tools (issue 12, second half): merging duplicates, bulk actions, canned answers. Thin."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from .. import selectors, services
from . import serializers as s
from ..services.bulk import ACTIONS, BULK_MAX_TICKETS
from .views import OperatorApiView, TicketActionApi


class MergeInputSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, help_text="the ticket to merge this one into (a queue you may see)")
    same_person = serializers.BooleanField(
        required=False, default=False,
        help_text="true: the two tickets come from different students' contacts and you confirm it is one person "
                  "(without it a merge across students is refused)",
    )


class TicketMergeApi(TicketActionApi):
    input_serializer = MergeInputSerializer

    def perform(self, ticket, data, user):
        into = data["into"]
        try:
            target = selectors.ticket_row_for_operator(user, into)
        except selectors.TicketNotFound:
            # The same answer for "no such ticket" and "not one of your queues": nothing is revealed.
            raise ValidationError({"into": _("There is no ticket #%(id)s in your queues.") % {"id": into}})
        services.ticket_merge(source=ticket, target=target, actor=user, same_person=data["same_person"])
        return into  # the answer is the ticket this one now lives in

    @extend_schema(
        request=MergeInputSerializer, responses={200: s.TicketDetailSerializer},
        summary="Merge this ticket into another of the same student, or of another contact with same_person (moves messages and screenshots, closes this one, tells the student once)",
    )
    def post(self, request, ticket_id: int):
        return self.act(request, ticket_id)


class BulkInputSerializer(serializers.Serializer):
    tickets = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=BULK_MAX_TICKETS)
    action = serializers.ChoiceField(choices=ACTIONS)
    assignee = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=150,
                                     help_text="assign: a username; null or empty unassigns")
    status = serializers.CharField(required=False, allow_blank=True, max_length=16, help_text="status: new, open, waiting, resolved, closed")
    label = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="label: an intent's name; the ticket moves to its queue")
    into = serializers.IntegerField(required=False, min_value=1, help_text="merge: the ticket the others are merged into")


class BulkRefusalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    error = serializers.CharField()


class BulkOutputSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField())
    refused = BulkRefusalSerializer(many=True)


class TicketBulkApi(OperatorApiView):
    @extend_schema(
        request=BulkInputSerializer, responses={200: BulkOutputSerializer},
        summary="One action on many tickets: assign, status, label, merge or not_support (close and label out-of-scope); each checked and audited on its own",
    )
    def post(self, request):
        data = BulkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = services.tickets_bulk(
            actor=request.user, ticket_ids=values["tickets"], action=values["action"], assignee=values.get("assignee") or None,
            status=values.get("status") or "", label=values.get("label") or "", into=values.get("into"),
        )
        refused = [{"id": ticket_id, "error": error} for ticket_id, error in result.refused.items()]
        return Response(BulkOutputSerializer({"done": result.done, "refused": refused}).data)
