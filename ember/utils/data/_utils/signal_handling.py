"""Signal set-up for DataLoader worker processes.

PyTorch installs C-level handlers so that a worker killed by a signal is
noticed at once through SIGCHLD.  Here the main process instead polls worker
liveness every MP_STATUS_CHECK_INTERVAL while it waits for data (see NOTE
[ Data Loader Shutdown ] in dataloader.py), so these stay small.
"""
import signal
import threading

_SIGCHLD_handler_set = False


def _set_worker_signal_handlers(*args):
    """In a worker: default SIGTERM (so terminate() works) and a visible crash on SIGSEGV/SIGBUS."""
    import faulthandler
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    faulthandler.enable()


def _set_worker_pids(loader_id, pids):
    pass


def _remove_worker_pids(loader_id):
    pass


def _error_if_any_worker_fails():
    pass


def _set_SIGCHLD_handler():
    global _SIGCHLD_handler_set
    if threading.current_thread() is threading.main_thread():
        _SIGCHLD_handler_set = True
