"""Misbehaving classifiers for fault tests. Importable by a real ``manage.py qcluster`` subprocess through
``SUPPORTDESK_TICKET_CLASSIFIER=tests.faults.classifiers.faulty_ticket_classifier``.

The subprocess variant is steered by environment variables:
  FAULTS_STATE_DIR  folder where every call is logged (calls.log: "start <pid> <n>" / "end <pid> <n>")
  FAULTS_MODE       slow_first (the first call sleeps FAULTS_SLEEP s, later calls are quick) |
                    hang (every call sleeps FAULTS_SLEEP s) |
                    hang_uninterruptible (every call sleeps with SIGALRM blocked, like a stuck C extension) |
                    raise (every call raises) | ok
  FAULTS_SLEEP      seconds (default 60)
"""
from __future__ import annotations

import math
import os
import signal
import time
from pathlib import Path
from typing import Sequence

from classifier import ClassificationResult
from tests.fakes import FakeTicketClassifier


def _log(line: str) -> None:
    state = os.environ.get("FAULTS_STATE_DIR")
    if not state:
        return
    with open(Path(state) / "calls.log", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _call_number() -> int:
    state = os.environ.get("FAULTS_STATE_DIR")
    if not state:
        return 1
    path = Path(state) / "calls.log"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return 1 + sum(1 for line in lines if line.startswith("start "))


class FaultyClassifier(FakeTicketClassifier):
    model_version = "faulty-1"

    def predict(self, image_paths: Sequence[str], text: str = "") -> ClassificationResult:
        mode = os.environ.get("FAULTS_MODE", "ok")
        sleep = float(os.environ.get("FAULTS_SLEEP", "60"))
        number = _call_number()
        _log(f"start {os.getpid()} {number}")
        if mode == "hang" or (mode == "slow_first" and number == 1):
            time.sleep(sleep)
        elif mode == "hang_uninterruptible":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            try:
                time.sleep(sleep)
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGALRM})
        elif mode == "raise":
            _log(f"raise {os.getpid()} {number}")
            raise RuntimeError("faulty classifier: the model crashed")
        result = super().predict(image_paths, text)
        _log(f"end {os.getpid()} {number}")
        return result


def faulty_ticket_classifier(label_set=None) -> FaultyClassifier:
    return FaultyClassifier(label_set=label_set)


# --- in-process variants (selected with the settings fixture) ------------------------------------------


class _Scripted(FakeTicketClassifier):
    """predict() runs ``behaviour(self, image_paths, text)``."""

    behaviour = None

    def predict(self, image_paths, text=""):
        return type(self).behaviour(self, image_paths, text)


def broken_factory(label_set=None):
    from classifier.errors import ModelUnavailableError

    raise ModelUnavailableError("CLIP checkpoint missing")


def _raise_memory(self, paths, text):
    raise MemoryError("out of memory while decoding")


def _timeout(self, paths, text):
    from django_q.exceptions import TimeoutException

    raise TimeoutException("Task exceeded maximum timeout value (120 seconds)")


def _nan(self, paths, text):
    return ClassificationResult(label="payment-problem", confidence=math.nan, scores={"payment-problem": math.nan}, model_version="nan-1")


def _none(self, paths, text):
    return None


def _unknown_label(self, paths, text):
    return ClassificationResult(label="drop-table-tickets", confidence=0.99, scores={"drop-table-tickets": 0.99}, model_version="weird-1")


def _huge_label(self, paths, text):
    label = "x" * 500
    return ClassificationResult(label=label, confidence=0.99, scores={label: 0.99}, model_version="v" * 500)


def make(behaviour):
    cls = type(f"Scripted_{behaviour.__name__}", (_Scripted,), {"behaviour": behaviour})

    def factory(label_set=None):
        return cls(label_set=label_set)

    return factory


memory_error_factory = make(_raise_memory)
timeout_factory = make(_timeout)
nan_factory = make(_nan)
none_factory = make(_none)
unknown_label_factory = make(_unknown_label)
huge_label_factory = make(_huge_label)
