"""A real ``manage.py qcluster`` (ORM broker, SQLite file) whose worker is killed with SIGKILL mid-task, or whose
classifier hangs past the task timeout. The ticket must end classified exactly once after the retry, or in
triage with the failure recorded; never lost, never duplicated.

The subprocesses are set up by tests.faults.qcluster. Each test is bounded (< 90 s) and always kills the process
groups it started.
"""
from __future__ import annotations

import os
import signal
import time

import pytest

from .qcluster import Cluster, classifier_calls, cluster_env, create_ticket, first_call_pid, ticket_state, wait_for

pytestmark = pytest.mark.slow

TEST_BUDGET = 90.0


def test_worker_killed_mid_task_is_retried_and_classified_once(sandbox):
    """kill -9 of the worker process while it classifies: the sentinel respawns a worker, whose lease watcher queues
    the ticket again once the dead worker's lease ran out (or the ORM broker hands the un-acknowledged task out again
    after `retry` seconds, whichever comes first); the ticket is classified exactly once."""
    folder, db, clusters = sandbox
    started = time.monotonic()
    deadline = started + TEST_BUDGET - 5
    env = cluster_env(folder, db, mode="slow_first", timeout=10, retry=14)
    ticket_id = create_ticket(env)
    assert ticket_state(db, ticket_id)["state"] == "pending"

    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    worker_pid = first_call_pid(folder, deadline)
    os.kill(worker_pid, signal.SIGKILL)

    final = wait_for(lambda: (s := ticket_state(db, ticket_id))["state"] != "pending" and s, deadline, interval=0.5)
    calls = classifier_calls(folder)
    assert final, (ticket_state(db, ticket_id), calls, cluster.output())
    assert final["state"] == "done" and final["queue"] == "payment" and final["label"] == "payment-problem", final
    assert len(final["predictions"]) == 1 and len(final["events"]) == 1, final
    assert final["tickets"] == 1
    starts = [l for l in calls if l.startswith("start ")]
    ends = [l for l in calls if l.startswith("end ")]
    assert len(starts) == 2 and len(ends) == 1 and starts[0].split()[1] == str(worker_pid), calls
    assert time.monotonic() - started < TEST_BUDGET


def test_whole_cluster_killed_mid_task_then_restarted(sandbox):
    """kill -9 of the whole qcluster process group mid-task (power loss); a new cluster finishes the job once."""
    folder, db, clusters = sandbox
    started = time.monotonic()
    deadline = started + TEST_BUDGET - 5
    env = cluster_env(folder, db, mode="slow_first", timeout=10, retry=14)
    ticket_id = create_ticket(env)

    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    first = cluster.start()
    first_call_pid(folder, deadline)
    cluster.kill9(first)
    assert ticket_state(db, ticket_id)["state"] == "pending"

    cluster.start()
    final = wait_for(lambda: (s := ticket_state(db, ticket_id))["state"] != "pending" and s, deadline, interval=0.5)
    calls = classifier_calls(folder)
    assert final, (ticket_state(db, ticket_id), calls, cluster.output())
    assert final["state"] == "done" and final["queue"] == "payment", final
    assert len(final["predictions"]) == 1 and len(final["events"]) == 1, final
    assert len([l for l in calls if l.startswith("end ")]) == 1, calls
    assert time.monotonic() - started < TEST_BUDGET


def test_classifier_raising_in_real_worker_goes_to_triage_with_failure(sandbox):
    folder, db, clusters = sandbox
    deadline = time.monotonic() + 60
    env = cluster_env(folder, db, mode="raise")
    ticket_id = create_ticket(env)
    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    final = wait_for(lambda: (s := ticket_state(db, ticket_id))["state"] != "pending" and s, deadline, interval=0.5)
    assert final, (ticket_state(db, ticket_id), classifier_calls(folder), cluster.output())
    assert final["state"] == "failed" and final["queue"] == "triage", final
    assert len(final["predictions"]) == 1 and "model crashed" in final["predictions"][0][1]
    assert len(final["events"]) == 1
    assert len([l for l in classifier_calls(folder) if l.startswith("start ")]) == 1  # a recorded failure is not retried


def test_classifier_hanging_past_timeout_is_recorded_as_failed(sandbox):
    folder, db, clusters = sandbox
    started = time.monotonic()
    env = cluster_env(folder, db, mode="hang", timeout=3, retry=6, sleep=60)
    ticket_id = create_ticket(env)
    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    first_call_pid(folder, started + 40)
    # Wait until django-q has given up on the task (a Task row exists) or the ticket left 'pending'.
    wait_for(lambda: (s := ticket_state(db, ticket_id))["state"] != "pending" or s["tasks"], started + 45, interval=0.5)
    time.sleep(8)  # past another retry period: would a redelivery fix it?
    final = ticket_state(db, ticket_id)
    assert final["tickets"] == 1 and final["queue"] == "triage"  # never lost
    assert final["state"] == "failed", (
        f"state={final['state']} predictions={final['predictions']} queued={final['queued']} "
        f"django_q tasks={final['tasks']} calls={classifier_calls(folder)}"
    )
    assert len(final["predictions"]) == 1 and "imeout" in final["predictions"][0][1]


def test_classifier_stuck_in_native_code_is_given_up_after_max_attempts(sandbox):
    folder, db, clusters = sandbox
    started = time.monotonic()
    env = cluster_env(folder, db, mode="hang_uninterruptible", timeout=2, retry=4, sleep=120)
    ticket_id = create_ticket(env)
    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    first_call_pid(folder, started + 30)
    # max_attempts is 3: give the cluster time for 4+ deliveries (each ~ timeout + 3 s guard buffer).
    wait_for(lambda: ticket_state(db, ticket_id)["state"] != "pending", started + 55, interval=1.0)
    final = ticket_state(db, ticket_id)
    starts = [l for l in classifier_calls(folder) if l.startswith("start ")]
    assert final["tickets"] == 1 and final["queue"] == "triage"  # never lost
    assert final["state"] == "failed" and len(starts) <= 3, (
        f"state={final['state']} classifier calls={len(starts)} queued={final['queued']} tasks={final['tasks']}"
    )


def test_worker_killed_on_every_attempt_gives_up_after_max_attempts(sandbox):
    folder, db, clusters = sandbox
    started = time.monotonic()
    env = cluster_env(folder, db, mode="hang", timeout=5, retry=7, sleep=120)
    ticket_id = create_ticket(env)
    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    killed: set[int] = set()
    while time.monotonic() < started + 60 and ticket_state(db, ticket_id)["state"] == "pending":
        for line in classifier_calls(folder):  # play the OOM-killer: SIGKILL every worker that starts this ticket
            if line.startswith("start "):
                pid = int(line.split()[1])
                if pid not in killed:
                    killed.add(pid)
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        time.sleep(0.3)
    final = ticket_state(db, ticket_id)
    assert final["tickets"] == 1 and final["queue"] == "triage"  # never lost
    assert final["state"] == "failed" and len(killed) <= 3, (
        f"state={final['state']} workers killed={len(killed)} queued={final['queued']} predictions={final['predictions']}"
    )
