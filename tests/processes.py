"""Stopping the server processes a test started: the one helper the scripts and benchmarks use too."""
from supportdesk.processes import stop_process_group

__all__ = ["stop_process_group"]
