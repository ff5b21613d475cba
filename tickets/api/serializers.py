"""DRF serializers: input validation and output shape only. Screenshot checks are shared with the web form."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import vocabulary
from ..links import ticket_status_path
from ..models import Attachment, Delivery, Message, Ticket
from ..selectors import latest_prediction, rating_open, ticket_conversation, ticket_delivery_problems, ticket_rating
from ..uploads import clean_screenshots
from .desk_serializers import NotesMixin, PublicRatingSerializer, SlaFieldsMixin


class ScreenshotListField(serializers.ListField):
    """Repeatable multipart field ``screenshots``; validated and re-encoded into CleanImage objects."""

    # Empty files get through to clean_screenshots, whose message names the file ("x.png: The file is empty.").
    child = serializers.FileField(allow_empty_file=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_empty", True)
        kwargs.setdefault("max_length", settings.SUPPORTDESK_MAX_SCREENSHOTS)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            files = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # ListField reports a child's error under its index ({"0": [...]}); keep a flat list of
            # messages under "screenshots" like every other screenshot error.
            if isinstance(exc.detail, dict):
                raise serializers.ValidationError(
                    [str(m) for messages in exc.detail.values() for m in (messages if isinstance(messages, list) else [messages])]
                ) from None
            raise
        try:
            return clean_screenshots(files)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class TicketCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    screenshots = ScreenshotListField()

    def validate(self, attrs):
        if not attrs.get("description", "").strip() and not attrs.get("screenshots"):
            raise serializers.ValidationError({"description": ["Describe the problem or attach a screenshot."]})
        return attrs


class TicketCreateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    token = serializers.CharField(source="public_token")
    status_url = serializers.SerializerMethodField()
    status = serializers.CharField()
    classification_state = serializers.CharField()
    public_api_url = serializers.SerializerMethodField()

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else settings.SUPPORTDESK_PUBLIC_BASE_URL.rstrip("/") + path

    @extend_schema_field(serializers.URLField())
    def get_status_url(self, ticket) -> str:
        return self._absolute(ticket_status_path(ticket))

    @extend_schema_field(serializers.URLField())
    def get_public_api_url(self, ticket) -> str:
        return self._absolute(reverse("api:public-ticket", kwargs={"token": ticket.public_token}))


class PublicAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "url", "width", "height", "content_type"]

    @extend_schema_field(serializers.URLField())
    def get_url(self, attachment) -> str:
        path = reverse("student:attachment", kwargs={"token": attachment.ticket.public_token, "attachment_id": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class PublicMessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_kind")
    automatic = serializers.BooleanField(source="is_automatic", read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "author", "automatic", "body", "created_at", "attachments"]

    @extend_schema_field(PublicAttachmentSerializer(many=True))
    def get_attachments(self, message):
        return PublicAttachmentSerializer(message.attachments.all(), many=True, context=self.context).data


class PublicTicketSerializer(serializers.ModelSerializer):
    queue = serializers.CharField(source="queue.slug")
    queue_name = serializers.SerializerMethodField(help_text="What the student reads: the team handling it, in the request's language.")
    status_display = serializers.CharField(source="get_status_display")
    messages = PublicMessageSerializer(many=True)
    rating = serializers.SerializerMethodField(help_text="may the student rate the help now, and the rating given")

    class Meta:
        model = Ticket
        fields = [
            "id", "status", "status_display", "queue", "queue_name", "classification_state", "auto_answer_state",
            "created_at", "updated_at", "messages", "rating", "merged_into",
        ]

    def get_queue_name(self, ticket) -> str:
        return vocabulary.student_queue_name(ticket.queue)

    @extend_schema_field(PublicRatingSerializer)
    def get_rating(self, ticket):
        rating = ticket_rating(ticket)
        return {
            "can_rate": rating_open(ticket, rating), "score": rating.score if rating else None,
            "comment": rating.comment if rating else "",
        }


class AutoAnswerFeedbackInputSerializer(serializers.Serializer):
    solved = serializers.BooleanField(help_text="true: the automatic answer solved it; false: I still need help")


class StudentMessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    screenshots = ScreenshotListField()


class TicketListSerializer(SlaFieldsMixin, serializers.ModelSerializer):
    queue = serializers.CharField(source="queue.slug")
    assignee = serializers.CharField(source="assignee.username", default=None)
    attachment_count = serializers.IntegerField(read_only=True)
    # The contact is the student's identity; ``email`` stays for API clients ("" when the student has none).
    email = serializers.CharField(source="student.email", read_only=True)
    student = serializers.IntegerField(source="student_id", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id", "name", "email", "student", "status", "queue", "label", "confidence", "classification_state",
            "label_overridden", "assignee", "source", "attachment_count", "topic", "auto_answer_state", "created_at", "updated_at",
            *SlaFieldsMixin.SLA_FIELDS,
        ]


class PredictionSerializer(serializers.Serializer):
    label = serializers.CharField(allow_blank=True)
    confidence = serializers.FloatField()
    scores = serializers.DictField(child=serializers.FloatField())
    ocr_text = serializers.CharField(allow_blank=True)
    model_version = serializers.CharField(allow_blank=True)
    timings = serializers.DictField(child=serializers.FloatField())
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    actor = serializers.CharField(source="actor.username", default=None)
    old_value = serializers.CharField()
    new_value = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True)
    model_version = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class OperatorAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    sha256 = serializers.CharField(read_only=True)  # hex; stored as bytes (models.packed.HexDigestField)

    class Meta:
        model = Attachment
        fields = ["id", "url", "width", "height", "content_type", "original_name", "sha256"]

    @extend_schema_field(serializers.URLField())
    def get_url(self, attachment) -> str:
        path = reverse("operator:attachment", kwargs={"attachment_id": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class OperatorMessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_kind")
    author_username = serializers.CharField(source="author.username", default=None)

    class Meta:
        model = Message
        fields = ["id", "author", "author_username", "body", "created_at"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "message", "kind", "channel", "status", "attempts", "last_error", "next_attempt_at", "sent_at"]


class TicketDetailSerializer(NotesMixin, TicketListSerializer):
    description = serializers.CharField()
    prediction = serializers.SerializerMethodField()
    attachments = OperatorAttachmentSerializer(many=True)
    messages = serializers.SerializerMethodField(help_text="the conversation with the student (notes are under notes)")
    events = EventSerializer(many=True)
    delivery_problems = serializers.SerializerMethodField(help_text="messages to the student that failed or wait for a retry")

    class Meta(TicketListSerializer.Meta):
        fields = [f for f in TicketListSerializer.Meta.fields if f != "attachment_count"] + [
            "description", "prediction", "attachments", "messages", "notes", "events", "delivery_problems", "rating", "merged_into",
        ]

    @extend_schema_field(OperatorMessageSerializer(many=True))
    def get_messages(self, ticket):
        # Notes stay out of "messages": a client forwarding the conversation to the student cannot leak them.
        return OperatorMessageSerializer(ticket_conversation(ticket), many=True).data

    @extend_schema_field(PredictionSerializer(allow_null=True))
    def get_prediction(self, ticket):
        prediction = latest_prediction(ticket)
        return PredictionSerializer(prediction).data if prediction else None

    @extend_schema_field(DeliverySerializer(many=True))
    def get_delivery_problems(self, ticket):
        return DeliverySerializer(ticket_delivery_problems(ticket), many=True).data


class OverrideInputSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=64)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReplyInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)
    faq_entry_id = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                            help_text="the suggested FAQ entry this reply was inserted from")


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices)


class QueueCountSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    open_count = serializers.IntegerField()
    new_count = serializers.IntegerField()
