"""Inside a DataLoader worker process: get_worker_info, seeding, errors sent home, and the task loop.

A worker talks to the main process through two pipes of its own.  It reads

  (seq, keys, returned)  fetch the batch for `keys`; `returned` lists blocks the
                         main process no longer uses (see blocks.py)
  NEW_EPOCH              start the dataset over (persistent workers)
  None                   exit

and answers every task with exactly one (seq, message) on its result pipe:
`message` is a blocks.py encoding of the batch or of a _RemoteError, or None
when its IterableDataset has no more samples.  Once the main process sets the
shared stop Event, queued tasks are skipped unanswered.  See NOTE [ Data Loader
Shutdown ] in dataloader.py for how workers end.
"""
import os
import random
import select
import signal
import sys
import time
import traceback

import numpy as np

from . import MP_STATUS_CHECK_INTERVAL
from .blocks import BlockWriter, remove_blocks
from .fetch import _DatasetKind, make_fetch

NEW_EPOCH = "new epoch"

_current = None  # this process's WorkerInfo


class WorkerInfo:
    """What a worker process knows about itself: id, num_workers, seed and dataset (its own copy).

    Read-only, as in PyTorch.
    """

    def __init__(self, **fields):
        object.__setattr__(self, "_fields", tuple(fields))
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={getattr(self, k)}' for k in self._fields)})"


def get_worker_info():
    """The WorkerInfo of the current DataLoader worker process, or None in the main process.

    An IterableDataset's `__iter__` or a `worker_init_fn` uses it to give each
    worker its own share of the data.
    """
    return _current


class _RemoteError:
    """An exception raised in a worker, carried to the main process with its formatted traceback."""

    def __init__(self, worker_id):
        exc_type, exc, tb = sys.exc_info()
        self.type = exc_type
        self.text = "".join(traceback.format_exception(exc_type, exc, tb))
        self.worker_id = worker_id

    def reraise(self):
        msg = f"Caught {self.type.__name__} in DataLoader worker process {self.worker_id}.\nOriginal {self.text}"
        if self.type is KeyError:
            msg = _Verbatim(msg)  # str(KeyError) would show the repr of its message
        elif getattr(self.type, "message", None):
            raise self.type(message=msg)  # exception types built with a `message=` keyword
        try:
            exc = self.type(msg)
        except Exception:  # noqa: BLE001 (a constructor that wants other arguments)
            raise RuntimeError(msg) from None
        raise exc


class _Verbatim(str):
    def __repr__(self):
        return str(self)


def numpy_seed(base_seed, worker_id):
    """The four 32-bit words a worker seeds NumPy's global generator with, as PyTorch does."""
    words = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(words).generate_state(4)


class WorkerSetup:
    """What every worker of one iterator gets from the loader."""

    def __init__(self, loader, kind, base_seed, prefix, stop):
        self.kind = kind
        self.dataset = loader.dataset
        self.auto_collation = loader.batch_sampler is not None
        self.collate_fn = loader.collate_fn
        self.drop_last = loader.drop_last
        self.worker_init_fn = loader.worker_init_fn
        self.num_workers = loader.num_workers
        self.keep_blocks = loader.prefetch_factor + 2
        self.base_seed = base_seed
        self.prefix = prefix
        self.stop = stop  # an Event the main process sets when it shuts the workers down

    def fetcher(self):
        return make_fetch(self.kind, self.dataset, self.auto_collation, self.collate_fn, self.drop_last)


def worker_main(setup, worker_id, tasks, results):
    """The body of worker process `worker_id`."""
    global _current
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # whatever the parent installed: terminate() must work
    import faulthandler
    faulthandler.enable()  # a crash in native code prints a traceback before the main process reports it
    parent = os.getppid()
    try:
        import ember
        seed = setup.base_seed + worker_id
        random.seed(seed)
        ember.manual_seed(seed)
        np.random.seed(numpy_seed(setup.base_seed, worker_id))
        _current = WorkerInfo(id=worker_id, num_workers=setup.num_workers, seed=seed, dataset=setup.dataset)
        try:
            if setup.worker_init_fn is not None:
                setup.worker_init_fn(worker_id)
            fetch, broken = setup.fetcher(), None
        except Exception:  # noqa: BLE001 (every task reports it)
            fetch, broken = None, _RemoteError(worker_id)
        told_to_exit = _serve(setup, worker_id, tasks, results, fetch, broken, parent)
    except KeyboardInterrupt:
        return  # Ctrl-C reaches the whole process group; the main process does the cleanup
    except (BrokenPipeError, EOFError):
        told_to_exit = False  # a pipe's other end is closed: the main process may be gone
    if not told_to_exit and _parent_gone(parent):
        remove_blocks(setup.prefix)  # the main process died without cleaning up: nobody else will


def _parent_gone(parent, grace=1.0):
    # a dying process closes its files a moment before its children are re-parented
    deadline = time.monotonic() + grace
    while os.getppid() == parent:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _serve(setup, worker_id, tasks, results, fetch, broken, parent):
    """Answer tasks until told to exit (returns True) or the parent process is gone (returns False)."""
    blocks = BlockWriter(f"{setup.prefix}_{worker_id}", setup.keep_blocks)
    exhausted = False
    incoming = select.poll()  # cheaper than tasks.poll(), which builds a selector each time
    incoming.register(tasks.fileno(), select.POLLIN)
    while True:
        while not incoming.poll(MP_STATUS_CHECK_INTERVAL * 1000):
            if os.getppid() != parent:
                return False
        task = tasks.recv()
        if task is None:
            return True
        if task == NEW_EPOCH:
            exhausted = False
            if broken is None:
                fetch = setup.fetcher()
            continue
        seq, keys, returned = task
        blocks.give_back(returned)
        if setup.stop.is_set():
            continue  # shutting down: nobody will read what we would make
        if broken is not None:
            result = broken
        elif exhausted:
            result = None
        else:
            try:
                result = fetch(keys)
            except StopIteration:
                if setup.kind == _DatasetKind.Iterable:
                    result, exhausted = None, True
                else:
                    result = _RemoteError(worker_id)
            except Exception:  # noqa: BLE001 (raised again in the main process)
                result = _RemoteError(worker_id)
        if result is not None:
            try:
                result = blocks.encode(result)
            except Exception:  # noqa: BLE001 (an unpicklable batch is reported like any error)
                result = blocks.encode(_RemoteError(worker_id))
        results.send((seq, result))
