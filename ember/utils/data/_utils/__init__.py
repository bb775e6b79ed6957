"""Internals of ember.utils.data: collate, fetch, worker and signal handling."""
from . import collate, fetch, signal_handling, worker  # noqa: F401
from .worker import MP_STATUS_CHECK_INTERVAL  # noqa: F401
