"""Internals of ember.utils.data: collate, fetch, the worker process and the shared-memory blocks batches travel in."""
MP_STATUS_CHECK_INTERVAL = 0.5  # seconds an idle worker waits between checks that its parent still runs

from . import blocks, collate, fetch, worker  # noqa: F401
