"""The e-mail sink: an operator's own address, for the kinds they chose (OperatorProfile.email_kinds)."""
from __future__ import annotations

from django.conf import settings
from django.utils import translation

from ..channels.email import mail_send
from ..models import OperatorDelivery, OperatorNotification
from ..models.desk import default_email_kinds
from ..notices import notification_email


class OperatorEmailSink:
    name = "email"

    def address_for(self, notification: OperatorNotification) -> str:
        user = notification.recipient
        if not user.is_active or not user.email:
            return ""
        profile = getattr(user, "operator_profile", None)
        kinds = profile.email_kinds if profile is not None else default_email_kinds()
        return user.email if notification.kind in (kinds or []) else ""

    def send(self, delivery: OperatorDelivery) -> None:
        notification = (
            OperatorNotification.objects.select_related("ticket__queue", "actor", "message").get(pk=delivery.notification_id)
        )
        # The desk's language: operators have no language of their own yet.
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = notification_email(notification)
        mail_send(subject, body, delivery.address, message_key=f"operator-delivery-{delivery.pk}")
