"""REST API of the desk's tools (issue 12, second half): merging duplicates, bulk actions, canned answers. Thin."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from .. import selectors, services
from . import serializers as s
from .views import TicketActionApi


class MergeInputSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, help_text="the ticket to merge this one into (same student, a queue you may see)")


class TicketMergeApi(TicketActionApi):
    @extend_schema(
        request=MergeInputSerializer, responses={200: s.TicketDetailSerializer},
        summary="Merge this ticket into another of the same student (moves messages and screenshots, closes this one, tells the student once)",
    )
    def post(self, request, ticket_id: int):
        source = selectors.ticket_row_for_operator(request.user, ticket_id)
        data = MergeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        into = data.validated_data["into"]
        try:
            target = selectors.ticket_row_for_operator(request.user, into)
        except selectors.TicketNotFound:
            # The same answer for "no such ticket" and "not one of your queues": nothing is revealed.
            raise ValidationError({"into": _("There is no ticket #%(id)s in your queues.") % {"id": into}})
        services.ticket_merge(source=source, target=target, actor=request.user)
        return self._detail(request, into)
