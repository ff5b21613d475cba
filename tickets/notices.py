"""What operators read about a notification (models.OperatorNotification): one line for the desk, a subject and a
body for e-mail, in the active language. The SLA lines say how much time is left when they are read."""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import Truncator
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from . import vocabulary
from .models import OperatorNotification

EXCERPT_CHARS = 300


def ticket_desk_url(ticket_id: int) -> str:
    """Absolute link to the operator's ticket page, for messages read outside the desk (SUPPORTDESK_PUBLIC_BASE_URL)."""
    return settings.SUPPORTDESK_PUBLIC_BASE_URL.rstrip("/") + reverse("operator:ticket", kwargs={"ticket_id": ticket_id})


def _who(user) -> str:
    return user.get_username() if user is not None else _("the system")


def _sla_line(notification: OperatorNotification, values: dict, now: datetime) -> str:
    due = parse_datetime(str(notification.data.get("due", ""))) or now
    first = notification.data.get("target") == "first_response"
    if due > now:
        values["left"] = timeuntil(due, now, depth=1)
        return (_("#%(id)s: the first response is due in %(left)s") if first else _("#%(id)s: resolution is due in %(left)s")) % values
    values["late"] = timesince(due, now, depth=1)
    return (_("#%(id)s: the first response is %(late)s overdue") if first else _("#%(id)s: resolution is %(late)s overdue")) % values


def notification_line(notification: OperatorNotification, now: datetime | None = None) -> str:
    """One line: what happened to which ticket (``ticket``, ``actor`` and the ticket's queue should be joined)."""
    ticket = notification.ticket
    values = {"id": ticket.pk, "name": ticket.name, "user": _who(notification.actor), "queue": vocabulary.queue_name(ticket.queue)}
    K = OperatorNotification.Kind
    kind = notification.kind
    if kind == K.NEW_TICKET:
        if notification.data.get("moved_from"):
            return _("#%(id)s (%(name)s) was moved to %(queue)s") % values
        return _("New ticket #%(id)s in %(queue)s from %(name)s") % values
    if kind == K.STUDENT_REPLY:
        return _("%(name)s replied on #%(id)s") % values
    if kind == K.MENTION:
        return _("%(user)s mentioned you on #%(id)s") % values
    if kind == K.ASSIGNED:
        if notification.actor is None:
            return _("#%(id)s was assigned to you automatically") % values
        return _("%(user)s assigned #%(id)s to you") % values
    if kind == K.ESCALATED:
        if notification.data.get("reason") == "no feedback in time":
            return _("#%(id)s: %(name)s did not answer the automatic answer; an operator is needed") % values
        return _("#%(id)s: %(name)s still needs help after the automatic answer") % values
    if kind == K.SLA_WARNING:
        return _sla_line(notification, values, now or timezone.now())
    return f"#{ticket.pk}: {notification.get_kind_display()}"


def notification_excerpt(notification: OperatorNotification) -> str:
    """The words the notification is about: the note or the reply, else the ticket's description."""
    text = notification.message.body if notification.message_id and notification.message else notification.ticket.description
    return Truncator(" ".join((text or "").split())).chars(EXCERPT_CHARS)


def notification_email(notification: OperatorNotification) -> tuple[str, str]:
    """Subject and body of the e-mail to the operator."""
    line = notification_line(notification)
    parts = [line]
    excerpt = notification_excerpt(notification)
    if excerpt:
        parts.append(excerpt)
    parts.append(_("Open the ticket: %(url)s") % {"url": ticket_desk_url(notification.ticket_id)})
    parts.append(_("You get these e-mails because of your notification settings in the desk."))
    return line, "\n\n".join(parts)
