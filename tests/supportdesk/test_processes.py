"""The one helper that stops a process group (scripts/burst.py, bench/telegram_burst.py, the tests' servers)."""
import os
import subprocess
import time

from supportdesk.processes import stop_process_group


def _group_is_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not _group_is_gone(pid):
        time.sleep(0.05)
    return _group_is_gone(pid)


def test_the_leader_and_its_children_are_stopped():
    process = subprocess.Popen(["sh", "-c", "sleep 60 & sleep 60 & wait"], start_new_session=True)
    stop_process_group(process, grace=5)
    assert process.poll() is not None and _wait_gone(process.pid)


def test_a_group_that_ignores_sigterm_is_killed_after_the_grace():
    process = subprocess.Popen(["sh", "-c", "trap '' TERM; sleep 60 & wait"], start_new_session=True)
    time.sleep(0.3)  # the trap is set
    started = time.monotonic()
    stop_process_group(process, grace=0.5)
    assert process.poll() is not None and _wait_gone(process.pid)
    assert time.monotonic() - started < 5


def test_an_orphaned_worker_of_an_exited_leader_is_killed():
    process = subprocess.Popen(["sh", "-c", "sleep 60 & exit 0"], start_new_session=True)
    process.wait(timeout=5)
    assert not _group_is_gone(process.pid)  # the orphan still runs in the group
    stop_process_group(process)
    assert _wait_gone(process.pid)


def test_an_already_stopped_group_is_fine():
    process = subprocess.Popen(["true"], start_new_session=True)
    process.wait(timeout=5)
    stop_process_group(process, grace=0.1)
    assert process.returncode == 0
