"""Stopping the server processes a test started (in a session of their own: ``start_new_session=True``)."""
from __future__ import annotations

import os
import signal
import subprocess


def stop_process_group(process: subprocess.Popen, *, grace: float = 20) -> None:
    """SIGTERM to the process's whole group (the server and its workers), SIGKILL after ``grace`` seconds."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
