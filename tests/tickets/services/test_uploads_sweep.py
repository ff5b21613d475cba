"""Screenshot files a killed process left without a row are deleted after the grace period (issue 8)."""
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_q.models import Schedule

from tests.factories import upload
from tickets import services
from tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db


def _age(name: str, hours: float) -> None:
    path = Path(default_storage.path(name))
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def _ticket_with_screenshot() -> Attachment:
    from tickets.uploads import clean_screenshots

    ticket = services.ticket_create(name="Ann", email="ann@example.org", description="x", screenshots=clean_screenshots([upload("a.png")]))
    return ticket.attachments.get()


def test_old_files_without_a_row_are_deleted_and_the_rest_kept(settings):
    kept = _ticket_with_screenshot()
    orphan = default_storage.save("attachments/ab/killed-mid-upload.png", ContentFile(b"png"))
    fresh_orphan = default_storage.save("attachments/cd/still-being-saved.png", ContentFile(b"png"))
    for name in (kept.file.name, kept.thumbnail.name, orphan):
        _age(name, hours=3)

    assert services.orphaned_uploads_sweep() == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh_orphan)  # within the grace period: its transaction may still commit
    assert default_storage.exists(kept.file.name) and default_storage.exists(kept.thumbnail.name)
    assert services.orphaned_uploads_sweep(grace=timedelta(0)) == 1
    assert not default_storage.exists(fresh_orphan)
    assert Ticket.objects.count() == 1 and default_storage.exists(kept.file.name)


def test_a_process_killed_between_writing_files_and_commit(monkeypatch):
    """Files written, then the process dies before its transaction commits: the row never exists."""
    from tickets.services import intake
    from tickets.uploads import clean_screenshots

    written = []
    real = intake._attachments_create

    def die_after_writing(*args):
        result = real(*args)
        written.extend(a.file.name for a in result)
        raise SystemExit("killed")  # not an Exception: the service's own clean-up does not run, as after SIGKILL

    monkeypatch.setattr(intake, "_attachments_create", die_after_writing)
    with pytest.raises(SystemExit):
        services.ticket_create(name="Ann", email="ann@example.org", description="x", screenshots=clean_screenshots([upload("a.png")]))
    assert Ticket.objects.count() == 0 and written and default_storage.exists(written[0])
    for directory in default_storage.listdir("attachments")[0]:
        for name in default_storage.listdir(f"attachments/{directory}")[1]:
            _age(f"attachments/{directory}/{name}", hours=2)
    assert services.orphaned_uploads_sweep() == 2  # the screenshot and its thumbnail
    assert not default_storage.exists(written[0])


def test_no_uploads_yet_is_fine():
    assert services.orphaned_uploads_sweep() == 0


def test_the_task_also_purges_expired_idempotency_keys():
    from tickets.tasks import uploads_sweep_task

    assert uploads_sweep_task() == "orphaned files: 0, expired keys: 0"


def test_a_migration_schedules_the_sweep():
    schedule = Schedule.objects.get(name="uploads-sweep")
    assert schedule.func == "tickets.tasks.uploads_sweep_task" and schedule.minutes == 60 and schedule.repeats == -1
