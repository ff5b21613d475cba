"""Handing work to the django-q2 broker without ever failing the write that asked for it."""
from __future__ import annotations

import logging

from django_q import tasks as q_tasks

logger = logging.getLogger(__name__)


def task_enqueue(task: str, object_id: int, *, task_name: str, cluster: str | None = None) -> bool:
    """Queue ``task(object_id)`` now, on ``cluster``'s queue (None: the main cluster). A broker outage is logged,
    not raised (False): every task the desk queues has a schedule that sweeps up what was never queued."""
    try:
        q_tasks.async_task(task, object_id, task_name=task_name, cluster=cluster)
    except Exception:
        logger.exception("Could not queue %s; its sweep will queue it again", task_name)
        return False
    return True
