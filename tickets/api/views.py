"""REST API views: parse input, call a service or selector, serialize output. Nothing else."""
from __future__ import annotations

import math

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import IdempotencyKey, Ticket
from ..permissions import is_operator
from ..ratelimit import StudentReplyThrottle, TicketCreateThrottle, client_ip, ticket_create_count
from . import serializers as s
from .parsers import BoundedFormParser, BoundedJSONParser, ScreenshotMultiPartParser


class ServiceUnavailableApi(APIException):
    """503 + Retry-After (DRF's exception handler turns ``wait`` into the header)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("Service temporarily unavailable, please try again in a minute.")
    default_code = "service_unavailable"
    wait = services.ServiceUnavailable.retry_after


class RateLimited(Throttled):
    """429 in the request's language, the wait in Retry-After only.

    DRF's Throttled appends "Expected available in N seconds." formatted *before* ngettext, so that tail is
    never translated ("Запрос был проигнорирован. Expected available in 2380 seconds.", issue 8).
    """

    def __init__(self, wait: float | None):
        super().__init__(detail=_("Too many requests from your connection. Please wait a while and try again."))
        self.wait = math.ceil(wait) if wait is not None else None


IDEMPOTENCY_HEADER = "Idempotency-Key"


def _idempotency_key(request) -> str | None:
    """The request's Idempotency-Key (None without one); a malformed one is a 400 before anything is read."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= services.IDEMPOTENCY_KEY_MAX_LENGTH or not all(" " <= char <= "~" for char in key):
        raise ValidationError({IDEMPOTENCY_HEADER: [_("Use 1 to 255 printable ASCII characters.")]})
    return key


class IsOperator(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_operator(request.user)


def _django_to_drf(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})


# Answers the selectors' and services' exceptions: TicketNotFound → 404, Django's ValidationError → 400,
# ServiceUnavailable → 503 with Retry-After. (Comments, not docstrings, on these base classes: drf-spectacular
# would copy an inherited docstring into every endpoint's description in the OpenAPI schema.)
class ServiceApiView(APIView):
    def throttled(self, request, wait):
        raise RateLimited(wait)

    def handle_exception(self, exc):
        if isinstance(exc, selectors.TicketNotFound):
            exc = Http404("Not found.")
        elif isinstance(exc, DjangoValidationError):
            exc = _django_to_drf(exc)
        elif isinstance(exc, services.ServiceUnavailable):
            exc = ServiceUnavailableApi()
        return super().handle_exception(exc)


class OperatorApiView(ServiceApiView):
    permission_classes = [IsOperator]


class TicketListCreateApi(OperatorApiView):
    """POST: a student submits a ticket (no login). GET: operators list tickets."""

    parser_classes = [ScreenshotMultiPartParser, BoundedFormParser, BoundedJSONParser]

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        # Per client IP, sharing its budget with the web form (settings.SUPPORTDESK_RATE_LIMITS).
        return [TicketCreateThrottle()] if self.request.method == "POST" else []

    def get_authenticators(self):
        # Students post without an account; skipping SessionAuthentication also skips its CSRF check.
        if getattr(self, "request", None) is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(
        request={"multipart/form-data": s.TicketCreateInputSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER, str, location=OpenApiParameter.HEADER, required=False,
                description=(
                    "Any unique string of 1-255 printable ASCII characters (e.g. a UUID), chosen by the client per "
                    "submission. A retry with the same key from the same client within 24 hours creates nothing and "
                    "answers with the first ticket (response header Idempotent-Replayed: true); concurrent requests "
                    "with one key create one ticket. The same key with a different submission is a 422."
                ),
            ),
        ],
        responses={
            201: s.TicketCreateOutputSerializer,
            400: OpenApiResponse(description="invalid fields, screenshots or Idempotency-Key"),
            413: OpenApiResponse(description="body over the upload limit (JSON detail)"),
            422: OpenApiResponse(description="Idempotency-Key already used for a different submission"),
            429: OpenApiResponse(description="too many new tickets from this client (Retry-After)"),
        },
        auth=[],
        summary="Submit a ticket (students, no login)",
    )
    def post(self, request):
        key = _idempotency_key(request)
        serializer = s.TicketCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = None
        if key is not None:
            claim = services.idempotency_claim(
                scope=IdempotencyKey.Scope.API, client_identity=client_ip(request), key=key,
                fingerprint=services.submission_fingerprint(**serializer.validated_data),
            )
        try:
            ticket, created = services.ticket_create_once(
                claim=claim, **serializer.validated_data, source=Ticket.Source.API, language=request.LANGUAGE_CODE,
            )
        except services.IdempotencyKeyReused:
            return Response(
                {"detail": _("This Idempotency-Key was already used for a different submission.")},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if created:
            ticket_create_count(request)
        response = Response(s.TicketCreateOutputSerializer(ticket, context={"request": request}).data, status=status.HTTP_201_CREATED)
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("queue", str, description="queue slug (GET /api/queues/ lists the queues you may see)"),
            OpenApiParameter("status", str, description="new, open, waiting, resolved, closed, or 'active' for new + open + waiting"),
            OpenApiParameter("q", str, description="search in every queue you may see: a ticket number, an e-mail, or words in any "
                             "of their Russian forms in the text, messages, internal notes, names and the screenshots' OCR text"),
            OpenApiParameter("search", str, description="the same as q"),
            OpenApiParameter("label", str, description="an intent's name (the classifier's label)"),
            OpenApiParameter("topic", str, description="a topic of the FAQ layer (the admin's Topics), e.g. offtopic"),
            OpenApiParameter("assignee", str, description="'me', 'none' (unassigned) or an operator's username"),
            OpenApiParameter("order", str, enum=["newest", "oldest", "urgent", "relevance"],
                             description="urgent: the desk's turn and the nearest SLA target first; relevance: the best match of q first"),
        ],
        responses={200: s.TicketListSerializer(many=True)},
        summary="List tickets (operators); an unknown queue, status, label, topic or assignee is a 400",
    )
    def get(self, request):
        tickets = selectors.ticket_list_filtered(request.user, request.query_params)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(tickets, request, view=self)
        return paginator.get_paginated_response(s.TicketListSerializer(page, many=True).data)


class TicketDetailApi(OperatorApiView):
    @extend_schema(responses={200: s.TicketDetailSerializer}, summary="One ticket with prediction and history (operators)")
    def get(self, request, ticket_id: int):
        ticket = selectors.ticket_detail_for_operator(request.user, ticket_id)
        return Response(s.TicketDetailSerializer(ticket, context={"request": request}).data)


# An operator's action on one ticket: read its row (404 outside the operator's queues), validate the body with
# ``input_serializer`` (none: no body), call one service in ``perform``, answer with the ticket's detail.
# Each endpoint keeps its own ``post`` only to carry its ``extend_schema``.
class TicketActionApi(OperatorApiView):
    input_serializer: type[serializers.Serializer] | None = None
    success_status = status.HTTP_200_OK

    def perform(self, ticket: Ticket, data: dict, user) -> int | None:
        # Calls the service; returns the id of the ticket to answer with (None: this one, e.g. not after a merge).
        raise NotImplementedError

    def act(self, request, ticket_id: int) -> Response:
        ticket = selectors.ticket_row_for_operator(request.user, ticket_id)
        data = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        answer_id = self.perform(ticket, data, request.user)
        return self._detail(request, ticket_id if answer_id is None else answer_id, self.success_status)

    def _detail(self, request, ticket_id, code: int = status.HTTP_200_OK):
        # After an override the ticket may be in a queue this operator cannot see: answer from the bare row then.
        try:
            ticket = selectors.ticket_detail_for_operator(request.user, ticket_id)
        except selectors.TicketNotFound:
            ticket = selectors.ticket_after_action(ticket_id)
        return Response(s.TicketDetailSerializer(ticket, context={"request": request}).data, status=code)


class TicketOverrideApi(TicketActionApi):
    input_serializer = s.OverrideInputSerializer

    def perform(self, ticket, data, user):
        services.label_override(ticket=ticket, actor=user, **data)

    @extend_schema(request=s.OverrideInputSerializer, responses={200: s.TicketDetailSerializer}, summary="Correct the label; the ticket moves to its queue")
    def post(self, request, ticket_id: int):
        return self.act(request, ticket_id)


class TicketReplyApi(TicketActionApi):
    input_serializer = s.ReplyInputSerializer

    def perform(self, ticket, data, user):
        services.ticket_reply(ticket=ticket, body=data["body"], actor=user, faq_entry=data.get("faq_entry_id"))

    @extend_schema(request=s.ReplyInputSerializer, responses={200: s.TicketDetailSerializer}, summary="Reply to the student (e-mails them)")
    def post(self, request, ticket_id: int):
        return self.act(request, ticket_id)


class TicketStatusApi(TicketActionApi):
    input_serializer = s.StatusInputSerializer

    def perform(self, ticket, data, user):
        services.ticket_set_status(ticket=ticket, status=data["status"], actor=user)

    @extend_schema(request=s.StatusInputSerializer, responses={200: s.TicketDetailSerializer}, summary="Change the status")
    def post(self, request, ticket_id: int):
        return self.act(request, ticket_id)


class TicketTakeApi(TicketActionApi):
    def perform(self, ticket, data, user):
        services.ticket_assign(ticket=ticket, assignee=user, actor=user)

    @extend_schema(request=None, responses={200: s.TicketDetailSerializer}, summary="Assign the ticket to me")
    def post(self, request, ticket_id: int):
        return self.act(request, ticket_id)


class QueueCountsApi(OperatorApiView):
    @extend_schema(responses={200: s.QueueCountSerializer(many=True)}, summary="Open tickets per queue")
    def get(self, request):
        return Response(s.QueueCountSerializer(selectors.queue_counts(request.user), many=True).data)


class PublicTicketApi(ServiceApiView):
    """The student's view of their ticket; the token in the URL is the only credential."""

    permission_classes = [permissions.AllowAny]
    # No authentication at all, so no session and no CSRF to check: the token is the credential.
    authentication_classes = []
    parser_classes = [ScreenshotMultiPartParser, BoundedFormParser, BoundedJSONParser]

    def get_throttles(self):
        # Replies per token + client IP, shared with the status page's form.
        return [StudentReplyThrottle()] if self.request.method == "POST" else []

    def _answer(self, request, token: str, code: int = status.HTTP_200_OK) -> Response:
        ticket = selectors.ticket_for_student(token)
        return Response(s.PublicTicketSerializer(ticket, context={"request": request}).data, status=code)

    @extend_schema(responses={200: s.PublicTicketSerializer}, auth=[], summary="The student's ticket (by its secret token)")
    def get(self, request, token: str):
        return self._answer(request, token)

    @extend_schema(
        request={"multipart/form-data": s.StudentMessageInputSerializer},
        responses={201: s.PublicTicketSerializer}, auth=[], summary="The student replies (reopens a resolved ticket)",
    )
    def post(self, request, token: str):
        ticket = selectors.ticket_for_student(token)
        data = s.StudentMessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_student_reply(ticket=ticket, **data.validated_data)
        # Read again: the answer shows the ticket after the reply.
        return self._answer(request, token, status.HTTP_201_CREATED)


class PublicTicketFeedbackApi(PublicTicketApi):
    """The student's answer to an automatic answer: solved → resolved; still need help → an operator."""

    parser_classes = [BoundedJSONParser, BoundedFormParser, MultiPartParser]
    http_method_names = ["post", "options"]

    def get_throttles(self):
        return [StudentReplyThrottle()]

    @extend_schema(
        request=s.AutoAnswerFeedbackInputSerializer, responses={200: s.PublicTicketSerializer}, auth=[],
        summary="The student's feedback on an automatic answer",
    )
    def post(self, request, token: str):
        ticket = selectors.ticket_for_student(token)
        data = s.AutoAnswerFeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.auto_answer_feedback(ticket=ticket, solved=data.validated_data["solved"])
        return self._answer(request, token)
