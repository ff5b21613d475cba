"""Who works on which ticket: assigning (to any operator of its queue, or nobody), operators' availability, and
automatic assignment (round-robin among the queue's operators on duty, least loaded first).

Every change of assignee leaves an ``assign`` TicketEvent (who, old, new; automatic ones have no actor and the
reason "automatic assignment"); the new assignee is notified unless they took the ticket themselves.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import OperatorProfile, Queue, Ticket, TicketEvent
from ..selectors.operators import available_by_load, may_work_in
from .lifecycle import status_change
from .operator_notify import Kind, operator_notify, ticket_new_notify

User = get_user_model()

AUTO_REASON = "automatic assignment"  # translated when shown (tickets.vocabulary.SYSTEM_REASONS)


def ticket_assign(*, ticket: Ticket, assignee, actor, reason: str = "") -> Ticket:
    """Assign (or, with assignee=None, release) a ticket. Only an operator who may work in its queue can be
    assigned. A person taking or handing out a new ticket also opens it; an automatic assignment (actor None)
    leaves it new until someone looks."""
    with transaction.atomic():
        # No select_related here: PostgreSQL cannot lock the nullable side of an outer join.
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if assignee is not None and not may_work_in(assignee, ticket.queue_id):
            raise ValidationError({"assignee": _("%(user)s is not an operator of this ticket's queue.") % {"user": assignee.get_username()}})
        old = ticket.assignee.get_username() if ticket.assignee_id else ""
        new = assignee.get_username() if assignee else ""
        if old != new:
            event = TicketEvent.objects.create(
                ticket=ticket, actor=actor, kind=TicketEvent.Kind.ASSIGN, old_value=old, new_value=new, reason=reason,
            )
            ticket.assignee = assignee
            ticket.save(update_fields=["assignee", "updated_at"])
            if assignee is not None:
                operator_notify(kind=Kind.ASSIGNED, ticket=ticket, recipients=[assignee], event_key=f"assigned:{event.pk}", actor=actor)
        if assignee is not None and actor is not None and ticket.status == Ticket.Status.NEW:
            status_change(ticket, Ticket.Status.OPEN, actor=actor)
    return ticket


def ticket_assign_to(*, ticket: Ticket, username: str | None, actor) -> Ticket:
    """The API's and the ticket page's form: an operator's username, or None/"" to unassign."""
    assignee = None
    if username:
        assignee = User.objects.filter(username=username, is_active=True).first()
        if assignee is None:
            raise ValidationError({"assignee": _("No active operator is called %(user)s.") % {"user": username}})
    return ticket_assign(ticket=ticket, assignee=assignee, actor=actor)


def ticket_assigned_by_person(ticket: Ticket) -> bool:
    """The ticket's assignee was chosen by a person (not by automatic assignment): an operator is involved."""
    if not ticket.assignee_id:
        return False
    last = ticket.events.filter(kind=TicketEvent.Kind.ASSIGN).order_by("-created_at", "-id").values_list("actor_id", flat=True).first()
    return last is not None


def operator_set_available(user, *, available: bool) -> OperatorProfile | None:
    """An operator goes on or off duty (the desk's header; logging out switches it off). On duty, they get
    automatic assignments and notifications of new tickets; going on duty picks up the waiting backlog."""
    with transaction.atomic():
        if not available and not OperatorProfile.objects.filter(user=user).exists():
            return None  # off duty already: no profile is created for it
        profile, _created = OperatorProfile.objects.get_or_create(user=user)
        if profile.available != available:
            profile.available = available
            profile.save(update_fields=["available"])
        if available:
            transaction.on_commit(auto_assign_backlog)
    return profile


def _auto_assignable(ticket: Ticket) -> bool:
    return (
        ticket.assignee_id is None and ticket.status in (Ticket.Status.NEW, Ticket.Status.OPEN)
        and ticket.auto_answer_state != Ticket.AutoAnswerState.PENDING_FEEDBACK
        and ticket.classification_state != Ticket.ClassificationState.PENDING
    )


def ticket_auto_assign(ticket: Ticket):
    """Give a locked, unassigned open ticket of an auto-assigning queue to the queue's least loaded operator on
    duty (round-robin among equals) who carries fewer than SUPPORTDESK_AUTO_ASSIGN_CAPACITY open tickets; the
    chosen user, or None (nobody on duty with room, or nothing to do)."""
    if not ticket.queue.auto_assign or not _auto_assignable(ticket):
        return None
    chosen = available_by_load(ticket.queue_id, capacity=settings.SUPPORTDESK_AUTO_ASSIGN_CAPACITY).first()
    if chosen is None:
        return None
    OperatorProfile.objects.filter(user=chosen).update(last_assigned_at=timezone.now())
    ticket_assign(ticket=ticket, assignee=chosen, actor=None, reason=AUTO_REASON)
    ticket.assignee = chosen
    return chosen


def ticket_arrived(ticket: Ticket, *, actor=None, moved_from: str = "") -> None:
    """A locked ticket got its queue: classified (``ticket_route``) or moved by a person (``label_override``).

    The queue may assign it automatically (the assignee is told of the assignment); a ticket still unassigned is
    news for the queue's members on duty. A ticket somebody has, one the desk already finished (closed as
    off-topic) or one waiting for the student's feedback on an automatic answer is nobody's news.
    """
    if ticket.assignee_id or not ticket.is_open or ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK:
        return
    if ticket_auto_assign(ticket) is None:
        ticket_new_notify(ticket, actor=actor, moved_from=moved_from)


def auto_assign_backlog() -> int:
    """Assign the unassigned open tickets of auto-assigning queues, oldest first, while an operator on duty has
    room (schedule "operators-sweep", and whenever someone goes on duty). Idempotent: assigned tickets are skipped."""
    done = 0
    for queue in Queue.objects.filter(auto_assign=True).order_by("position", "slug"):
        ids = list(
            Ticket.objects.filter(queue=queue, assignee__isnull=True, status__in=[Ticket.Status.NEW, Ticket.Status.OPEN])
            .exclude(auto_answer_state=Ticket.AutoAnswerState.PENDING_FEEDBACK)
            .exclude(classification_state=Ticket.ClassificationState.PENDING)
            .order_by("created_at", "id").values_list("pk", flat=True)
        )
        for ticket_id in ids:
            with transaction.atomic():
                ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
                if ticket.queue_id != queue.pk:
                    continue
                ticket.queue = queue
                if ticket_auto_assign(ticket) is None and ticket.assignee_id is None:
                    break  # nobody on duty has room in this queue
                done += 1
    return done
