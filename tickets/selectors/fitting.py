"""What the desk's operators confirmed, as the classifier's fit needs it (``manage.py classifier_fit``)."""
from __future__ import annotations

from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When

from ..models import Intent, Prediction, Ticket

# The out-of-scope intent the shipped labels.yaml and every seeded desk have; another one is used only without it.
OUT_OF_SCOPE_DEFAULT = "other"


def confirmed_labels() -> list[tuple[dict, str]]:
    """(stored signals of the ticket's latest successful prediction, the label its operators confirmed) per ticket.

    Confirmed: a label an operator set (an override, to any intent, "other" included: that is a triage
    decision), or a predicted label of a routed ticket its operators resolved or closed without changing it.
    Tickets still open, unsure tickets nobody labelled, and tickets whose classification failed say nothing.

    Decision (issue 9, docs/experiments/deskfit2.md): an unsure ticket resolved or closed without a label is *not*
    read as "other". Nothing on the triage page ties a status to a scope: operators answer school questions right
    there (reply, then resolve; the label form is separate and starts empty), a merged duplicate is closed
    (services.merge), a FAQ answer the student accepted resolves it without a person (services.auto_answer), bulk
    actions close whole lists. So out-of-scope tickets rightly held as unsure are missing here unless an operator
    corrects them to "other" — on the ticket page in one click: "Not a support request — close"
    (``services.ticket_close_out_of_scope``); the refit (``classifier.desk_refit``) refuses to run without enough of
    them, and says so.
    """
    latest = Prediction.objects.filter(ticket=OuterRef("pk"), error="").order_by("-created_at", "-id")
    rows = (
        Ticket.objects.exclude(label="")
        .filter(Q(label_overridden=True) | Q(status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED]))
        .annotate(prediction_id=Subquery(latest.values("pk")[:1]))
        .exclude(prediction_id=None)
        .values_list("label", "prediction_id")
    )
    labels = dict((pk, label) for label, pk in rows)
    signals = dict(Prediction.objects.filter(pk__in=list(labels)).values_list("pk", "signals"))
    return [(signals[pk], label) for pk, label in labels.items() if signals.get(pk)]


def unlabelled_finished_count() -> int:
    """Tickets resolved or closed without any label (held as unsure, nobody labelled them): what the refit cannot
    see. Reported next to the confirmed out-of-scope labels so a team lead can tell when the triage queue's
    "not ours" tickets are being closed without "Not a support request — close" (docs/experiments/deskfit2.md)."""
    return Ticket.objects.filter(label="", status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED]).count()


def out_of_scope_intent() -> Intent | None:
    """The intent an operator's "not a support request" confirms: the active out-of-scope intent ("other"; another
    active out-of-scope one, by name, when an admin switched "other" off), or None when there is none."""
    return (
        Intent.objects.filter(is_active=True, in_scope=False)
        .order_by(Case(When(name=OUT_OF_SCOPE_DEFAULT, then=Value(0)), default=Value(1), output_field=IntegerField()), "name")
        .first()
    )


def out_of_scope_labels() -> dict[str, bool]:
    """Every out-of-scope intent's name → whether it is active (switched-off ones too: a ticket labelled with one
    stays labelled out-of-scope). One query; the desk has one or two such intents."""
    return dict(Intent.objects.filter(in_scope=False).values_list("name", "is_active"))


def out_of_scope_close_offered(ticket: Ticket) -> bool:
    """The ticket page offers "Not a support request — close": the ticket is not closed, not labelled with an
    out-of-scope intent already, and the desk has an active out-of-scope intent to label it with."""
    if ticket.status == Ticket.Status.CLOSED:
        return False
    out_of_scope = out_of_scope_labels()
    return any(out_of_scope.values()) and ticket.label not in out_of_scope
