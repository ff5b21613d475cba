"""Stopping a server or a qcluster started in a process group of its own (``start_new_session=True``): the scripts
(scripts/burst.py), the benchmarks (bench/telegram_burst.py) and the tests start them so, and stop them here.

Free of Django: the scripts import it before (or without) setting Django up.
"""
from __future__ import annotations

import os
import signal
import subprocess


def stop_process_group(process: subprocess.Popen, *, grace: float = 20) -> None:
    """SIGTERM to the process's whole group (the server or cluster and its workers); after ``grace`` seconds SIGKILL
    to whatever is left of the group, orphaned workers included (they may outlive a leader that already exited);
    then the leader is reaped (at most 5 s more)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
