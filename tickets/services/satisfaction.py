"""Students' satisfaction: asking for a rating when a person resolved a ticket, and taking the answer once.

The request goes out through services.notify (``Delivery.Kind.RATING_REQUEST``: the e-mail links to the status
page, where the student rates; a Telegram channel renders buttons and calls ``ticket_rate``).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Delivery, Message, Ticket, TicketEvent, TicketRating
from ..selectors.desk import rating_open
from .notify import student_notify


def rating_request(ticket: Ticket, *, actor) -> TicketRating | None:
    """A person resolved the locked ``ticket``: ask the student to rate the help, once per ticket.

    Only a ticket a person answered is rated (an automatic answer that solved it, or a ticket closed without a
    reply, has no help of ours to judge). The request rides on the last operator reply (its delivery kind must
    carry an operator's message: services.notify). None when nothing was asked.
    """
    reply = ticket.messages.filter(author_kind=Message.Author.OPERATOR).order_by("-created_at", "-id").first()
    if reply is None or TicketRating.objects.filter(ticket=ticket).exists():
        return None
    rating = TicketRating.objects.create(ticket=ticket, requested_by=actor, operator_id=ticket.assignee_id or actor.pk)
    student_notify(ticket=ticket, message=reply, kind=Delivery.Kind.RATING_REQUEST)
    return rating


def ticket_rate(*, ticket: Ticket, score, comment: str = "") -> TicketRating:
    """The student's rating, 1 to 5 with an optional comment; once per ticket, after a person resolved it."""
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not TicketRating.SCORE_MIN <= score <= TicketRating.SCORE_MAX:
        raise ValidationError({"score": _("Choose a score from 1 to 5.")})
    comment = (comment or "").strip()
    if len(comment) > TicketRating.COMMENT_MAX_CHARS:
        raise ValidationError({"comment": _("The comment has at most %(n)s characters.") % {"n": TicketRating.COMMENT_MAX_CHARS}})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        rating = TicketRating.objects.filter(ticket=ticket).first()
        if rating is not None and rating.is_rated:
            raise ValidationError(_("You have already rated this request. Thank you!"))
        if not rating_open(ticket, rating):
            raise ValidationError(_("This request cannot be rated now: we ask for a rating once it is resolved."))
        rating.score, rating.comment, rating.rated_at = score, comment, timezone.now()
        rating.save(update_fields=["score", "comment", "rated_at"])
        TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.RATED, new_value=str(score))
    return rating
