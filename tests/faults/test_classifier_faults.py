"""The classifier misbehaves inside the task: the ticket ends classified exactly once, or in triage with the
failure recorded; never left pending, never duplicated. (In-process; the real-cluster variants are in
test_qcluster_kill.py.)"""
from __future__ import annotations

import pytest

from tests.factories import TicketFactory
from tickets import services
from tickets.services import routing
from tickets.models import Prediction, Ticket, TicketEvent
from tickets.tasks import classify_ticket_task

pytestmark = pytest.mark.django_db

F = "tests.faults.classifiers."


@pytest.fixture(autouse=True)
def _fresh(fresh_classifier_cache, media_root):
    yield


def assert_failed_in_triage(ticket: Ticket, *, error_contains: str) -> None:
    ticket.refresh_from_db()
    assert ticket.classification_state == Ticket.ClassificationState.FAILED
    assert ticket.queue.slug == "triage" and ticket.label == "" and ticket.confidence is None
    prediction = ticket.predictions.get()  # exactly one
    assert error_contains in prediction.error, prediction.error
    event = ticket.events.get(kind=TicketEvent.Kind.PREDICTED)  # exactly one
    assert event.new_value == "failed" and error_contains in event.reason


def test_classifier_raises(db):
    ticket = TicketFactory(description="boom: the fake model explodes on this text")
    assert classify_ticket_task(ticket.pk) == "failed"
    assert_failed_in_triage(ticket, error_contains="exploded")
    assert classify_ticket_task(ticket.pk) == "skipped"  # a retry of the same task changes nothing
    assert Prediction.objects.filter(ticket=ticket).count() == 1


def test_classifier_cannot_be_built(settings):
    settings.SUPPORTDESK_TICKET_CLASSIFIER = F + "broken_factory"
    ticket = TicketFactory(description="оплата")
    assert classify_ticket_task(ticket.pk) == "failed"
    assert_failed_in_triage(ticket, error_contains="CLIP checkpoint missing")


def test_classifier_runs_out_of_memory(settings):
    settings.SUPPORTDESK_TICKET_CLASSIFIER = F + "memory_error_factory"
    ticket = TicketFactory(description="оплата")
    assert classify_ticket_task(ticket.pk) == "failed"
    assert_failed_in_triage(ticket, error_contains="MemoryError")


def test_classifier_returns_none(settings):
    settings.SUPPORTDESK_TICKET_CLASSIFIER = F + "none_factory"
    ticket = TicketFactory(description="оплата")
    classify_ticket_task(ticket.pk)
    ticket.refresh_from_db()
    assert ticket.classification_state != "pending" and ticket.queue.slug == "triage"
    assert ticket.predictions.count() == 1


def test_classifier_returns_unknown_label_goes_to_triage(settings):
    settings.SUPPORTDESK_TICKET_CLASSIFIER = F + "unknown_label_factory"
    ticket = TicketFactory(description="оплата")
    classify_ticket_task(ticket.pk)
    ticket.refresh_from_db()
    assert ticket.queue.slug == "triage" and ticket.classification_state == "done"
    assert ticket.predictions.count() == 1


def test_classifier_returns_oversized_label(settings):
    settings.SUPPORTDESK_TICKET_CLASSIFIER = F + "huge_label_factory"
    ticket = TicketFactory(description="оплата")
    classify_ticket_task(ticket.pk)
    ticket.refresh_from_db()
    assert ticket.classification_state != "pending" and ticket.queue.slug == "triage"
    prediction = ticket.predictions.get()
    assert len(prediction.label) <= 64 and len(prediction.model_version) <= 120


def test_classifier_returns_nan(settings):
    settings.SUPPORTDESK_TICKET_CLASSIFIER = F + "nan_factory"
    ticket = TicketFactory(description="оплата")
    try:
        classify_ticket_task(ticket.pk)
    finally:
        ticket.refresh_from_db()
    assert ticket.classification_state != "pending"
    assert ticket.queue.slug == "triage" and ticket.predictions.count() == 1


def test_classifier_timeout_is_recorded(settings):
    settings.SUPPORTDESK_TICKET_CLASSIFIER = F + "timeout_factory"
    ticket = TicketFactory(description="оплата")
    try:
        classify_ticket_task(ticket.pk)
    except BaseException:
        pass
    assert_failed_in_triage(ticket, error_contains="timeout")


def test_task_twice_gives_one_prediction():
    ticket = TicketFactory(description="не могу оплатить картой")
    assert classify_ticket_task(ticket.pk) == "payment-problem"
    assert classify_ticket_task(ticket.pk) == "skipped"
    ticket.refresh_from_db()
    assert (ticket.classification_state, ticket.queue.slug) == ("done", "payment")
    assert ticket.predictions.count() == 1
    assert ticket.events.filter(kind="predicted").count() == 1 and ticket.events.filter(kind="routed").count() == 1


def test_a_second_delivery_while_the_first_runs_does_nothing(settings, monkeypatch):
    """Two deliveries of the same task overlap (a re-queued duplicate, a broker retry): the second finds the first
    worker's lease and leaves the ticket to it, so the classifier runs once (issue 8: no double work)."""
    from tests.fakes import FakeTicketClassifier

    ticket = TicketFactory(description="урок не открывается")
    inner_results = []
    runs = []

    class Counting(FakeTicketClassifier):
        def predict(self, image_paths, text=""):
            runs.append(text)
            return super().predict(image_paths, text)

    class Racing(Counting):
        def predict(self, image_paths, text=""):
            if not inner_results:  # while the first run is "thinking", a second delivery arrives
                inner_results.append(services.ticket_classify(ticket_id=ticket.pk, classifier=Counting()))
            return super().predict(image_paths, text)

    assert services.ticket_classify(ticket_id=ticket.pk, classifier=Racing()) is not None
    assert inner_results == [None] and len(runs) == 1
    ticket.refresh_from_db()
    assert ticket.predictions.count() == 1 and ticket.events.filter(kind="predicted").count() == 1
    assert ticket.queue.slug == "course"


def test_past_the_lease_a_second_run_wins_and_the_slow_one_records_nothing(settings, monkeypatch):
    """The first worker looked dead (its lease ran out), a second run classified it: the late one records nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.fakes import FakeTicketClassifier
    from tickets.models import Ticket

    ticket = TicketFactory(description="урок не открывается")
    inner_results = []

    class Racing(FakeTicketClassifier):
        def predict(self, image_paths, text=""):
            if not inner_results:
                Ticket.objects.filter(pk=ticket.pk).update(classification_started_at=timezone.now() - timedelta(hours=1))
                inner_results.append(services.ticket_classify(ticket_id=ticket.pk, classifier=FakeTicketClassifier()))
            return super().predict(image_paths, text)

    assert services.ticket_classify(ticket_id=ticket.pk, classifier=Racing()) is None
    assert inner_results[0] is not None
    ticket.refresh_from_db()
    assert ticket.predictions.count() == 1 and ticket.events.filter(kind="predicted").count() == 1
    assert ticket.queue.slug == "course"


def test_operator_override_before_late_prediction_is_kept():
    from tests.factories import operator

    ticket = TicketFactory(description="не могу оплатить")
    user = operator("fast-operator")
    services.label_override(ticket=ticket, label="profile-problem", actor=user)
    classify_ticket_task(ticket.pk)
    ticket.refresh_from_db()
    assert (ticket.label, ticket.queue.slug, ticket.label_overridden) == ("profile-problem", "profile", True)
    assert ticket.predictions.count() == 1


def test_failure_while_saving_files_leaves_no_ticket_and_no_files(settings, monkeypatch, media_root):
    """A crash in the middle of ticket_create (after the screenshots were written) rolls back everything."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.security.corpus import png_small
    from tickets.uploads import clean_screenshots

    images = clean_screenshots([SimpleUploadedFile("a.png", png_small(), "image/png")] * 2)
    original = TicketEvent.objects.create

    def crash(**kwargs):
        if kwargs.get("kind") == TicketEvent.Kind.CREATED:
            raise RuntimeError("database went away")
        return original(**kwargs)

    monkeypatch.setattr(TicketEvent.objects, "create", crash)
    with pytest.raises(RuntimeError):
        services.ticket_create(name="A", email="a@example.org", description="text", screenshots=images)
    assert Ticket.objects.count() == 0
    leftovers = [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []
    assert leftovers == []


def test_database_refusing_the_prediction_is_recorded_as_a_failure(monkeypatch):
    """An IntegrityError/DataError while storing a (valid-looking) prediction: a failure row in a fresh transaction."""
    from django.db import IntegrityError

    ticket = TicketFactory(description="не могу оплатить картой")
    original = services.prediction_record

    def refuse(*, ticket, prediction=None, error="", elapsed=None):
        if prediction is not None:
            Prediction.objects.create(ticket=ticket, label="payment-problem")
            raise IntegrityError("CHECK constraint failed: JSON_VALID(scores)")
        return original(ticket=ticket, prediction=prediction, error=error, elapsed=elapsed)

    monkeypatch.setattr(routing, "prediction_record", refuse)
    assert classify_ticket_task(ticket.pk) == "failed"
    assert_failed_in_triage(ticket, error_contains="could not store the prediction")


def test_database_outage_while_storing_is_raised_and_the_ticket_stays_pending(monkeypatch):
    """An OperationalError is an outage, not a bad result: nothing is recorded, the sweep retries later."""
    from django.db import OperationalError

    ticket = TicketFactory(description="не могу оплатить картой")

    def down(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(routing, "prediction_record", down)
    with pytest.raises(OperationalError):
        classify_ticket_task(ticket.pk)
    ticket.refresh_from_db()
    assert ticket.classification_state == "pending" and ticket.predictions.count() == 0


def test_attempts_are_counted_and_the_ticket_is_given_up_without_calling_the_classifier(settings, monkeypatch):
    from tests.fakes import FakeTicketClassifier

    settings.SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS = 3
    ticket = TicketFactory(description="не могу оплатить картой")
    Ticket.objects.filter(pk=ticket.pk).update(classification_attempts=3)  # three deliveries died mid-way

    class MustNotRun(FakeTicketClassifier):
        def predict(self, image_paths, text=""):
            raise AssertionError("the classifier must not run again")

    row = services.ticket_classify(ticket_id=ticket.pk, classifier=MustNotRun())
    assert row is not None and "gave up after 3 attempts" in row.error
    assert_failed_in_triage(ticket, error_contains="gave up after 3 attempts")
    assert services.classify_pending_sweep(older_than=0) == 0  # a failed ticket is not re-queued

    services.ticket_reclassify(ticket=ticket)
    ticket.refresh_from_db()
    assert (ticket.classification_state, ticket.classification_attempts) == ("pending", 0)


def test_a_successful_attempt_is_counted_once():
    ticket = TicketFactory(description="не могу оплатить картой")
    assert classify_ticket_task(ticket.pk) == "payment-problem"
    assert classify_ticket_task(ticket.pk) == "skipped"
    ticket.refresh_from_db()
    assert ticket.classification_attempts == 1
