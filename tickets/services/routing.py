"""Classification and routing: queueing the classifier, recording what it said, moving the ticket to its queue.

The classifier itself is behind tickets.classification (one instance per worker process); this module
decides what its answer does to a ticket. Every prediction, failed or not, leaves a Prediction row and a
"predicted" audit event; a confident label moves the ticket to its intent's queue, anything else to triage.
"""
from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.exceptions import TimeoutException

from ..classification import cached_ticket_classifier
from ..models import TRIAGE_QUEUE_SLUG, Intent, Prediction, Queue, Ticket, TicketEvent
from .assignment import ticket_arrived
from .enqueue import task_enqueue
from .errors import outage_errors
from .leases import classification_lease, lease_heartbeat, lease_is_held, leases_expired_take_back
from .search_index import ticket_search_refresh

logger = logging.getLogger(__name__)

CLASSIFY_TASK = "tickets.tasks.classify_ticket_task"
# Tickets still pending this long after creation are re-queued by classify_pending_sweep.
# The "classify-pending" sweep (every minute, on the main cluster) re-queues a ticket pending this long after its
# creation that no worker holds: its task was lost (broker down at submit, a killed cluster's prefetched tasks).
PENDING_SWEEP_AGE_SECONDS = 60
# The classification cluster's own sweep (tickets.lease_watch) re-queues a lost task's ticket this long after its
# creation, so a prefetched task of a killed cluster is back in the queue within a minute of the kill (≤ 30 s + one
# watch period). Cost of the short age: a live cluster's own prefetched tasks (taken from the broker, not counted by
# its queue size, at most ``queue_limit`` = 2 per worker) may be older and get queued twice; the duplicate finds the
# ticket claimed or done (one row lock, "skipped"), and the next sweep counts it in the queue size, so at most one
# duplicate per prefetched task.
PENDING_WATCH_AGE_SECONDS = 30


def classification_enqueue_now(ticket_id: int) -> bool:
    """Hand the ticket to the broker. A broker outage is logged, not raised: the ticket stays pending
    and classify_pending_sweep (a django-q2 schedule) queues it again later."""
    return task_enqueue(
        CLASSIFY_TASK, ticket_id, task_name=f"classify-ticket-{ticket_id}", cluster=settings.SUPPORTDESK_Q_CLASSIFY_CLUSTER,
    )


def _classify_queue_size() -> int:
    """Tasks waiting in the classification cluster's queue (0 when the broker cannot say)."""
    try:
        from django_q.brokers import get_broker

        return int(get_broker(settings.SUPPORTDESK_Q_CLASSIFY_CLUSTER).queue_size() or 0)
    except Exception:  # the broker is down: re-queueing will fail and be logged anyway
        return 0


def ticket_enqueue_classification(ticket: Ticket) -> None:
    """Queue the background classification once the ticket is committed (the worker must see the row)."""
    ticket_id = ticket.pk
    transaction.on_commit(lambda: classification_enqueue_now(ticket_id))


def classify_pending_sweep(*, older_than: int = PENDING_SWEEP_AGE_SECONDS, now: bool = False) -> int:
    """Re-queue (or, with ``now``, classify here) tickets still pending ``older_than`` seconds after creation.

    Recovers tickets whose task was lost (broker down at submit time, a killed cluster's running and prefetched
    tasks). Never double work: a ticket a worker holds (its lease, ``services.leases``) is left to it, and
    the task itself claims the lease under a row lock (``_classification_attempt_start``), so a duplicate in the
    queue finds the ticket taken or done. A backlog is not re-queued again and again: the queue is FIFO, so of
    the waiting tickets the newest ``queue size`` are still in it; only the older ones were lost. Run every minute
    by the django-q2 schedule "classify-pending" on the main cluster (never behind the classification backlog),
    by ``manage.py classify_pending`` and, with a shorter age, by the classification cluster itself
    (``classify_lost_sweep``). A worker that died mid-classification is noticed sooner, by the classification
    cluster too (``classify_expired_leases``).
    """
    current = timezone.now()
    cutoff = current - timedelta(seconds=older_than)
    unclaimed = Q(classification_started_at__isnull=True) | Q(classification_started_at__lt=current - classification_lease())
    ids = list(
        Ticket.objects.filter(unclaimed, classification_state=Ticket.ClassificationState.PENDING, created_at__lte=cutoff)
        .order_by("created_at").values_list("pk", flat=True)
    )
    if not now:
        ids = ids[:max(0, len(ids) - _classify_queue_size())]
    for ticket_id in ids:
        if now:
            ticket_classify(ticket_id=ticket_id)
        else:
            classification_enqueue_now(ticket_id)
    return len(ids)


def classify_lost_sweep() -> int:
    """The classification cluster's quick sweep (every few seconds, ``tickets.lease_watch``): tickets lost before
    their task started, pending ``PENDING_WATCH_AGE_SECONDS`` after creation, queued again. It runs beside the
    workers' tasks, never behind the backlog it rescues; the main cluster's minute sweep stays the backstop."""
    queued = classify_pending_sweep(older_than=PENDING_WATCH_AGE_SECONDS)
    if queued:
        logger.warning("%s pending ticket(s) lost before their task started were queued again", queued)
    return queued


def classify_expired_leases() -> int:
    """Queue again, at once, every ticket whose worker stopped renewing its lease (killed mid-classification, or
    stuck past its task's timeout). Run every few seconds inside the classification cluster (``tickets.lease_watch``):
    a schedule runs at most once a minute, and this one must not wait for that. Only the watcher that released a
    lease queues its ticket; the task claims it again under the row lock, so it is classified once.
    """
    released = leases_expired_take_back()
    for ticket_id in released:
        logger.warning("Ticket #%s: its worker stopped renewing the classification lease; queued again", ticket_id)
        classification_enqueue_now(ticket_id)
    return len(released)


def queue_for_label(label: str | None) -> Queue:
    """The routing rule: a confident label goes to its intent's queue; unsure, unknown or inactive → triage."""
    if label:
        intent = Intent.objects.select_related("queue").filter(name=label, is_active=True).first()
        if intent is not None:
            return intent.queue
    return Queue.objects.get(slug=TRIAGE_QUEUE_SLUG)


def prediction_record(*, ticket: Ticket, prediction=None, error: str = "", elapsed: float | None = None) -> Prediction:
    """Store what the classifier said (or that it failed) and audit it."""
    if prediction is not None:
        timings = dict(prediction.timings or {})
        if elapsed is not None:
            timings.setdefault("total_task", round(elapsed, 4))
        row = Prediction.objects.create(
            ticket=ticket,
            label=prediction.label or "",
            confidence=float(prediction.confidence or 0.0),
            scores={k: float(v) for k, v in (prediction.scores or {}).items()},
            signals={k: {kk: float(vv) for kk, vv in v.items()} for k, v in (prediction.signals or {}).items()},
            ocr_text=prediction.ocr_text or "",
            model_version=prediction.model_version or "",
            timings=timings,
        )
    else:
        row = Prediction.objects.create(ticket=ticket, error=error[:5000] or "unknown error", timings={"total_task": elapsed or 0.0})
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.PREDICTED,
        old_value=ticket.label,
        new_value=row.label if not row.error else "failed",
        confidence=row.confidence if not row.error else None,
        model_version=row.model_version,
        reason=row.error[:500],
    )
    if row.ocr_text:  # the screenshots' text becomes searchable (on the ticket it was merged into too)
        for ticket_id in {ticket.pk, ticket.merged_into_id} - {None}:
            ticket_search_refresh(ticket_id)
    return row


def ticket_route(*, ticket: Ticket, prediction: Prediction) -> Ticket:
    """Apply a stored prediction: set label/confidence/state and move the ticket to its queue.

    A label an operator already corrected wins over a late prediction: the ticket then stays put.
    """
    failed = bool(prediction.error)
    ticket.classification_state = Ticket.ClassificationState.FAILED if failed else Ticket.ClassificationState.DONE
    fields = ["classification_state", "updated_at"]
    if not ticket.label_overridden:
        ticket.label = "" if failed else prediction.label
        ticket.confidence = None if failed else prediction.confidence
        fields += ["label", "confidence"]
        new_queue = queue_for_label(None if failed else prediction.label)
        if new_queue.pk != ticket.queue_id:
            old_queue_slug = ticket.queue.slug
            ticket.queue = new_queue
            fields.append("queue")
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEvent.Kind.ROUTED,
                old_value=old_queue_slug,
                new_value=new_queue.slug,
                confidence=ticket.confidence,
                model_version=prediction.model_version,
            )
    ticket.save(update_fields=fields)
    ticket_arrived(ticket)  # the queue's operators hear of it; the queue may assign it automatically
    return ticket


def ticket_image_paths(ticket: Ticket) -> list[str]:
    return [attachment.file.path for attachment in ticket.attachments.order_by("created_at", "id")]


def _is_finite_number(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        return False


def prediction_problem(prediction) -> str:
    """Why the classifier's result cannot be stored as a prediction ("" when it can).

    Checked before any write: a NaN/infinite number or an over-long label/model version would otherwise
    fail (or be stored untruncated) inside ticket_classify's transaction. The lengths come from the model
    fields the values are written to.
    """
    if prediction is None:
        return "the classifier returned no prediction"
    label_max = min(Prediction._meta.get_field("label").max_length, Ticket._meta.get_field("label").max_length)
    version_max = min(
        Prediction._meta.get_field("model_version").max_length, TicketEvent._meta.get_field("model_version").max_length
    )
    label = getattr(prediction, "label", None) or ""
    version = getattr(prediction, "model_version", None) or ""
    if not isinstance(label, str) or len(label) > label_max:
        return f"the classifier returned an invalid label (longer than {label_max} characters or not text)"
    if not isinstance(version, str) or len(version) > version_max:
        return f"the classifier returned an invalid model version (longer than {version_max} characters or not text)"
    confidence = getattr(prediction, "confidence", None)
    if confidence is not None and not _is_finite_number(confidence):
        return f"the classifier returned a non-finite confidence ({confidence!r})"
    numbers = {
        "scores": list((getattr(prediction, "scores", None) or {}).values()),
        "timings": list((getattr(prediction, "timings", None) or {}).values()),
        "signals": [vv for v in (getattr(prediction, "signals", None) or {}).values() for vv in (v or {}).values()],
    }
    for name, values in numbers.items():
        if not all(_is_finite_number(v) for v in values):
            return f"the classifier returned non-finite or non-numeric {name}"
    return ""


def _classification_apply(ticket_id: int, *, result, error: str, elapsed: float) -> Prediction | None:
    """Store the outcome and route the ticket under its row lock, unless somebody finished it meanwhile."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("queue").get(pk=ticket_id)
        if ticket.classification_state != Ticket.ClassificationState.PENDING:
            return None
        row = prediction_record(ticket=ticket, prediction=None if error else result, error=error, elapsed=elapsed)
        ticket_route(ticket=ticket, prediction=row)
    return row


def _classification_attempt_start(ticket_id: int) -> tuple[int, datetime] | None:
    """Claim the ticket's lease and count one classification attempt in its own committed transaction, before the
    classifier runs.

    django-q2 never counts a delivery whose worker was SIGKILLed (OOM killer) or killed by its guard
    (stuck in native code): no result is saved, so the broker hands the task out again forever. This
    counter survives such deaths. Returns the attempts made *before* this one and the lease's value (what the
    heartbeat renews), or None when the ticket is gone, no longer pending or held by another worker (nothing is
    counted then).
    """
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None or ticket.classification_state != Ticket.ClassificationState.PENDING:
            return None
        if lease_is_held(ticket.classification_started_at):
            # Another worker holds it (this is a re-queued duplicate): leave it to that worker.
            return None
        previous = ticket.classification_attempts
        ticket.classification_started_at = timezone.now()
        if previous < settings.SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS:
            ticket.classification_attempts = previous + 1
        ticket.save(update_fields=["classification_attempts", "classification_started_at"])
    return previous, ticket.classification_started_at


def ticket_classify(*, ticket_id: int, classifier=None) -> Prediction | None:
    """Classify one ticket and route it. Idempotent: a ticket already classified is left alone.

    The classifier runs outside any transaction (seconds of CPU must not hold a write lock); the
    result is applied under a row lock after re-checking that nobody finished it meanwhile.

    Never leaves a ticket pending because of the classifier: an exception, a django-q2 timeout, an
    unusable result (NaN, over-long label) or a result the database refuses is recorded as a failed
    prediction and the ticket goes to triage. Each attempt is counted before the classifier runs; after
    ``SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS`` attempts that never finished (worker killed, hung in native code)
    the ticket is failed without calling the classifier again.
    """
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.classification_state != Ticket.ClassificationState.PENDING:
        logger.info("Ticket #%s: nothing to classify", ticket_id)
        return None

    claim = _classification_attempt_start(ticket_id)
    if claim is None:
        logger.info("Ticket #%s: nothing to classify", ticket_id)
        return None
    previous_attempts, held_at = claim
    max_attempts = settings.SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS
    if previous_attempts >= max_attempts:
        logger.error("Ticket #%s: classification gave up after %s attempts", ticket_id, previous_attempts)
        return _classification_apply(
            ticket_id,
            result=None,
            error=f"gave up after {previous_attempts} attempts (each one was killed or never finished)",
            elapsed=0.0,
        )

    started = time.monotonic()
    result, error, timed_out = None, "", None
    try:
        # The lease is renewed while the models load and run (a cold worker loads them first), never past the timeout.
        with lease_heartbeat(ticket_id, held_at):
            if classifier is None:
                classifier = cached_ticket_classifier()
            # The student's own words are a signal as strong as the screenshots.
            result = classifier.predict(ticket_image_paths(ticket), text=ticket.description)
        error = prediction_problem(result)
        if error:
            logger.error("Ticket #%s: unusable classifier result: %s", ticket_id, error)
    except TimeoutException as exc:  # django-q2's timeout past Q_CLUSTER["timeout"] (a SystemExit): record it, then re-raise
        logger.error("Ticket #%s: classification timed out: %s", ticket_id, exc)
        error, timed_out = f"timeout: {exc}", exc
        if not connection.in_atomic_block:
            # The alarm may have interrupted a query mid-way; start the failure write on a fresh connection.
            connection.close()
    except Exception as exc:  # any failure sends the ticket to a human, never leaves it pending
        logger.exception("Ticket #%s: classification failed", ticket_id)
        error = f"{type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started

    try:
        row = _classification_apply(ticket_id, result=result, error=error, elapsed=elapsed)
    except outage_errors():
        raise  # the database is unreachable: the task fails, the pending sweep tries again later
    except DatabaseError as exc:
        # IntegrityError/DataError: the database refused what we wrote (the transaction rolled back).
        # Retrying would fail the same way, so record the failure in a fresh transaction instead.
        logger.exception("Ticket #%s: could not store the classification", ticket_id)
        row = _classification_apply(
            ticket_id, result=None, error=f"could not store the prediction: {type(exc).__name__}: {exc}", elapsed=elapsed
        )
    if timed_out is not None:
        # The failure is recorded; let django-q2 see its timeout so it replaces this worker (the
        # interrupted classifier may be left half-way) and lists the task as failed. It is acked
        # (ack_failures), and a redelivery would find the ticket no longer pending anyway.
        raise timed_out
    return row


def ticket_reclassify(*, ticket: Ticket, actor=None) -> None:
    """Ask for a fresh classification (e.g. after the model or the intents changed)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        ticket.classification_state = Ticket.ClassificationState.PENDING
        ticket.classification_attempts = 0
        ticket.classification_started_at = None
        ticket.save(update_fields=["classification_state", "classification_attempts", "classification_started_at", "updated_at"])
        ticket_enqueue_classification(ticket)
