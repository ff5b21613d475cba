"""The background task: thin, idempotent, classifier loaded once per process, failures go to triage."""
import pytest
from django.conf import settings

from tests import fakes
from tests.factories import TicketFactory, upload
from tickets import services
from tickets.classification import build_label_set, cached_ticket_classifier
from tickets.models import Intent, Prediction, Ticket, TicketEvent
from tickets.tasks import classify_ticket_task
from tickets.uploads import clean_screenshots

pytestmark = pytest.mark.django_db


def test_task_classifies_records_prediction_and_routes():
    ticket = services.ticket_create(
        name="A", email="a@example.org", description="не открывается урок", screenshots=clean_screenshots([upload()])
    )  # on_commit does not fire inside the test transaction, so the ticket is still pending
    assert Ticket.objects.get(pk=ticket.pk).classification_state == "pending"

    assert classify_ticket_task(ticket.pk) == "course-problem"

    ticket.refresh_from_db()
    prediction = ticket.predictions.get()
    assert (ticket.queue.slug, ticket.label, ticket.confidence) == ("course", "course-problem", pytest.approx(0.91))
    assert prediction.model_version == "fake-1" and prediction.ocr_text == "1 screenshot(s)"
    assert set(prediction.scores) >= {"payment-problem", "course-problem", "profile-problem"}
    assert "total_task" in prediction.timings
    event = ticket.events.get(kind=TicketEvent.Kind.PREDICTED)
    assert (event.new_value, event.model_version, event.actor) == ("course-problem", "fake-1", None)
    assert event.confidence == pytest.approx(0.91)


def test_task_passes_image_paths_and_description_to_classifier():
    ticket = services.ticket_create(name="A", email="a@example.org", description="оплата", screenshots=clean_screenshots([upload(), upload()]))
    classify_ticket_task(ticket.pk)
    paths, text = fakes.built[-1].calls[-1]
    assert text == "оплата" and len(paths) == 2
    assert all(path.startswith(str(settings.MEDIA_ROOT)) for path in paths)


def test_task_is_idempotent():
    ticket = TicketFactory(description="оплата")
    assert classify_ticket_task(ticket.pk) == "payment-problem"
    assert classify_ticket_task(ticket.pk) == "skipped"
    assert Prediction.objects.filter(ticket=ticket).count() == 1
    assert ticket.events.filter(kind="predicted").count() == 1


def test_task_for_missing_ticket_is_skipped():
    assert classify_ticket_task(999999) == "skipped"


def test_unsure_prediction_goes_to_triage():
    ticket = TicketFactory(description="привет")
    assert classify_ticket_task(ticket.pk) == "unsure"
    ticket.refresh_from_db()
    assert ticket.queue.slug == "triage" and ticket.classification_state == "done" and ticket.label == ""


def test_classifier_failure_is_recorded_and_goes_to_triage():
    ticket = TicketFactory(description="boom")
    assert classify_ticket_task(ticket.pk) == "failed"
    ticket.refresh_from_db()
    assert ticket.classification_state == "failed" and ticket.queue.slug == "triage"
    assert "exploded" in ticket.predictions.get().error


def test_classifier_is_loaded_once_per_process_and_rebuilt_when_intents_change():
    before = len(fakes.built)
    first = cached_ticket_classifier()
    assert cached_ticket_classifier() is first
    assert len(fakes.built) == before + 1

    intent = Intent.objects.get(name="payment-problem")
    intent.examples = intent.examples + ["новый пример"]
    intent.save()
    rebuilt = cached_ticket_classifier()
    assert rebuilt is not first and "новый пример" in rebuilt.label_set["payment-problem"].examples


def test_label_set_is_built_from_active_intents():
    Intent.objects.filter(name="course-problem").update(is_active=False)
    label_set = build_label_set()
    assert "course-problem" not in label_set.all_names
    assert "payment-problem" in label_set.names and "other" in label_set.out_of_scope_names


def test_create_enqueues_task_on_commit_and_sync_cluster_runs_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = services.ticket_create(name="A", email="a@example.org", description="забыл пароль")
    assert Ticket.objects.get(pk=ticket.pk).classification_state == "pending"  # nothing ran before commit
    for callback in callbacks:
        callback()
    ticket.refresh_from_db()
    assert ticket.queue.slug == "profile"


def test_q_cluster_timeout_and_the_classification_lease_end_before_the_retry():
    q = settings.Q_CLUSTER
    assert q["timeout"] + settings.SUPPORTDESK_CLASSIFY_LEASE_SECONDS < q["retry"] and q["max_attempts"] == 3


@pytest.mark.parametrize("timeout, lease, retry", [("120", "60", "180"), ("120", "30", "140"), ("10", "0", "60")])
def test_settings_refuse_a_lease_that_could_outlive_the_retry(timeout, lease, retry):
    """A stuck worker's lease must be gone when the ORM broker hands its task out again (tickets.services.leases)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test", "SUPPORTDESK_Q_TIMEOUT": timeout,
           "SUPPORTDESK_CLASSIFY_LEASE_SECONDS": lease, "SUPPORTDESK_Q_RETRY": retry}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.Q_CLUSTER"], env=env, capture_output=True,
        text=True, timeout=60,
    )
    assert result.returncode != 0 and "must stay below SUPPORTDESK_Q_RETRY" in result.stderr
