"""DataLoader: batches from a dataset, loaded in the main process or by worker processes.

NOTE [ Data Loader Shutdown ]
With num_workers > 0 an iterator starts that many processes (daemonic, with
the loader's multiprocessing context).  Each has a task pipe and a result pipe
of its own, and all share a stop Event.  Batches come back in shared-memory
blocks (ember/utils/data/_utils/blocks.py) whose names start with the
iterator's prefix `ember_dl_<main pid>_<iterator number>_<random>`.  Whatever
way iteration ends, no worker and no block may outlive the iterator:

* Ending normally, failing, being garbage collected, or the interpreter exiting
  all run the same finalizer (`_stop_workers`, held by weakref.finalize so it
  runs exactly once and does not need the iterator itself): set the stop Event
  (workers skip the tasks still queued), send None down every task pipe (the
  exit message), give the workers a few seconds to exit, then terminate and if
  need be kill the rest, close the pipes, and unlink every block with the
  prefix.  Tensors the user still holds keep working: an unlinked file's pages
  live until the last mapping goes.  Persistent workers are stopped only when
  the iterator (owned by the loader) goes, not at the end of each epoch.
* A worker that dies (killed, crashed, os._exit) is seen at once: the main
  process waits on the workers' process sentinels together with their result
  pipes, so it raises RuntimeError naming the pid(s) instead of hanging.
* A main process that dies without cleaning up (SIGKILL) is seen by its idle
  workers within MP_STATUS_CHECK_INTERVAL (their parent pid changes); they
  unlink the iterator's blocks and exit.
* Ctrl-C sends SIGINT to the whole process group: workers exit quietly and the
  KeyboardInterrupt unwinding the main process runs the finalizer.
"""
import collections
import contextlib
import gc
import itertools
import math
import multiprocessing
import os
import secrets
import select
import time
import warnings
import weakref
from typing import Generic, TypeVar

from ._utils.blocks import block_of, decode, remove_blocks
from ._utils.collate import default_collate, default_convert
from ._utils.fetch import _DatasetKind, make_fetch
from ._utils.worker import NEW_EPOCH, WorkerSetup, _RemoteError, get_worker_info, worker_main
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

_T_co = TypeVar("_T_co", covariant=True)


class _NoneForever(Sampler[None]):
    """The sampler of an IterableDataset: the dataset itself decides when to stop."""

    def __iter__(self):
        return itertools.repeat(None)


class DataLoader(Generic[_T_co]):
    """Combines a dataset and a sampler into an iterable over batches, with optional worker processes.

    Differs from PyTorch: `pin_memory` and `pin_memory_device` are accepted and
    do nothing (there is no accelerator memory to pin for on CPU).

    >>> loader = DataLoader(TensorDataset(ember.arange(10.)), batch_size=4, shuffle=True)
    >>> [b[0].shape for b in loader]
    [torch.Size([4]), torch.Size([4]), torch.Size([2])]
    """

    _frozen = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
    _ready = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        prefetch_factor = _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self.generator = generator
        self.persistent_workers = persistent_workers

        iterable = isinstance(dataset, IterableDataset)
        self._dataset_kind = _DatasetKind.Iterable if iterable else _DatasetKind.Map
        if iterable:  # it has no keys for a sampler to choose
            if shuffle not in {False, None}:
                raise _not_for_iterable("shuffle", shuffle)
            if sampler is not None:
                raise _not_for_iterable("sampler", sampler)
            if batch_sampler is not None:
                raise _not_for_iterable("batch_sampler", batch_sampler)
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            if iterable:
                sampler = _NoneForever()
            else:
                sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self._IterableDataset_len_called = None  # len(loader) of an IterableDataset, to warn when it was wrong
        self._iterator = None  # the persistent workers' iterator
        self._ready = True
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self):
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError("multiprocessing_context option should specify a valid start method in "
                                     f"{methods!r}, but got multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got multiprocessing_context={context}")
        self._mp_context = context

    def __setattr__(self, name, value):
        if self._ready and name in self._frozen:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    def __iter__(self):
        if self.num_workers == 0:
            return _SameProcessIter(self)
        if not self.persistent_workers:
            return _WorkerPoolIter(self)
        # persistent workers: one iterator for the loader's lifetime, restarted each epoch
        if self._iterator is None or self._iterator.closed:
            self._iterator = _WorkerPoolIter(self)
        else:
            self._iterator._start_epoch(self)
        return self._iterator

    def __len__(self):
        if self._dataset_kind == _DatasetKind.Iterable:
            n = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def check_worker_number_rationality(self):
        """Warn when asked for more workers than this process may run on CPUs at once."""
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if cpus is not None and self.num_workers > cpus:
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. Our suggested "
                          f"max number of worker in current system is {cpus}, which is smaller than what this "
                          "DataLoader is going to create. Please be aware that excessive worker creation might get "
                          "DataLoader running slow or even freeze, lower the worker number to avoid potential "
                          "slowness/freeze if necessary.", stacklevel=2)


def _not_for_iterable(name, value):
    return ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but got {name}={value}")


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers):
    """Validate the multiprocessing options (PyTorch's checks and messages); returns the prefetch factor."""
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0:
        if prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if persistent_workers:
            raise ValueError("persistent_workers option needs num_workers > 0")
        return None
    if prefetch_factor is None:
        return 2
    if prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    return prefetch_factor


class _LoaderIter:
    """What both iterators share: the sampler, the base seed, and the IterableDataset length warning."""

    def __init__(self, loader):
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn("pin_memory_device is deprecated, the current accelerator will be used as the device,"
                          f"ignore pin_memory_device='{loader.pin_memory_device}'.", stacklevel=3)
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=3)
        import ember
        # drawn before the sampler's first permutation, so shuffling gives the same order with or without workers
        self._base_seed = int(ember.empty((), dtype=ember.int64).random_(generator=loader.generator).item())
        self._dataset = loader.dataset
        self._keys_source = loader.batch_sampler if loader.batch_sampler is not None else loader.sampler
        self._start_keys(loader)

    def _start_keys(self, loader):
        self._keys = iter(self._keys_source)
        self._yielded = 0
        self._reported_len = loader._IterableDataset_len_called

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._keys_source)

    def __next__(self):
        batch = self._next_batch()
        self._yielded += 1
        if self._reported_len is not None and self._yielded > self._reported_len:
            warnings.warn(f"Length of IterableDataset {self._dataset} was reported to be {self._reported_len} "
                          f"(when accessing len(dataloader)), but {self._yielded} samples have been fetched. ",
                          stacklevel=2)
        return batch

    def __getstate__(self):
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SameProcessIter(_LoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._fetch = make_fetch(loader._dataset_kind, loader.dataset, loader.batch_sampler is not None,
                                 loader.collate_fn, loader.drop_last)

    def _next_batch(self):
        return self._fetch(next(self._keys))  # either may raise StopIteration: the end


_iterator_numbers = itertools.count()


class _WorkerPoolIter(_LoaderIter):
    """Batches made by worker processes (see NOTE [ Data Loader Shutdown ]).

    Tasks are numbered by `seq`, which keeps growing across epochs; they go to
    the workers in turn, with at most prefetch_factor * num_workers of them
    sent and not yet handed to the user.
    """

    def __init__(self, loader):
        super().__init__(loader)
        if loader.prefetch_factor == 0:
            raise AssertionError("prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter")
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        n = loader.num_workers
        self._in_order = loader.in_order
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._window = loader.prefetch_factor * n
        prefix = f"ember_dl_{os.getpid()}_{next(_iterator_numbers)}_{secrets.token_hex(3)}"
        stop = ctx.Event()
        setup = WorkerSetup(loader, loader._dataset_kind, self._base_seed, prefix, stop)
        self._tasks, self._results, self._workers = [], [], []
        self._returned = [collections.deque() for _ in range(n)]  # blocks to hand back to each worker
        self._finalizer = weakref.finalize(self, _stop_workers, self._workers, self._tasks, self._results, stop,
                                           prefix)
        with _gc_frozen():
            for i in range(n):
                self._start_worker(ctx, setup, i)
        self._told_to_exit = [False] * n
        self._next_seq = 0
        self._owner = {}  # seq -> worker, for tasks sent and not answered yet (any epoch)
        self._epoch_start = 0  # answers to tasks numbered below this belong to an earlier epoch
        self._begin()

    def _start_worker(self, ctx, setup, i):
        results_in, results_out = ctx.Pipe(duplex=False)
        tasks_in, tasks_out = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=worker_main, args=(setup, i, tasks_in, results_out), daemon=True)
        try:
            proc.start()  # fails for instance on a dataset that 'spawn' cannot pickle
        except BaseException:
            tasks_out.close()
            results_in.close()
            raise
        finally:
            tasks_in.close()  # the worker's ends: holding them would hide its exit from our reads
            results_out.close()
        self._tasks.append(tasks_out)
        self._results.append(results_in)
        self._workers.append(proc)

    @property
    def closed(self):
        return not self._finalizer.alive

    def _start_epoch(self, loader):
        """The next epoch with the same (persistent) workers."""
        self._start_keys(loader)
        for worker, message in self._arrived.values():
            self._drop(worker, message)
        self._epoch_start = self._next_seq
        for i in range(len(self._workers)):
            if not self._told_to_exit[i]:
                self._send(i, NEW_EPOCH)
        self._begin()

    def _begin(self):
        self._pending = collections.deque()  # this epoch's seqs not yet handed over, in order sent
        self._arrived = {}  # seq -> (worker, message) received and not yet handed over
        self._active = [not gone for gone in self._told_to_exit]  # workers whose dataset is not exhausted
        self._turns = itertools.cycle(range(len(self._workers)))
        self._send_tasks()

    def _send_tasks(self):
        while len(self._owner) + len(self._arrived) < self._window and any(self._active):
            try:
                keys = next(self._keys)
            except StopIteration:
                return
            worker = next(w for w in self._turns if self._active[w])
            seq, self._next_seq = self._next_seq, self._next_seq + 1
            returned = self._returned[worker]
            self._send(worker, (seq, keys, [returned.popleft() for _ in range(len(returned))]))
            self._owner[seq] = worker
            self._pending.append(seq)

    def _send(self, worker, message):
        try:
            self._tasks[worker].send(message)
        except OSError:  # BrokenPipeError: it died
            self._raise_if_workers_died(wait_for=1.0)
            raise

    def _next_batch(self):
        if self.closed:  # ended, failed, or shut down: its workers are gone
            raise StopIteration
        while True:
            self._send_tasks()
            if not self._pending:
                if not self._persistent:
                    self._finalizer()
                raise StopIteration
            if self._in_order:
                seq = self._pending[0]
                if seq not in self._arrived:
                    self._receive(self._owner[seq])
                    continue
            elif self._arrived:
                seq = next(iter(self._arrived))
            else:
                self._receive()
                continue
            self._pending.remove(seq)
            worker, message = self._arrived.pop(seq)
            self._send_tasks()  # refill before the user gets to work on this batch
            batch = decode(message, self._returned[worker].append)
            if isinstance(batch, _RemoteError):
                batch.reraise()
            return batch

    def _receive(self, only=None):
        """Wait for one answer (from worker `only` if given) and file it.

        Waiting in order on the one worker whose batch is next, rather than on
        all, saves waking up for batches that would only be put aside.
        """
        watched = {}  # fd of a result pipe -> worker; fd of the sentinel of a worker that should run -> None
        for i in range(len(self._workers)):
            if not self._told_to_exit[i]:
                watched[self._workers[i].sentinel] = None
            if only in (None, i) and i in self._owner.values():
                watched[self._results[i].fileno()] = i  # a crash shows here too, as end of file
        ready = _readable(watched, self._timeout or None)
        if not ready:  # the iterator stays usable, as in PyTorch: next() waits again
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        answering = [watched[fd] for fd in ready if watched[fd] is not None]
        if not answering:  # only a process ended: answers it sent before are read first, above
            self._raise_if_workers_died(wait_for=1.0)
            return
        worker = answering[0]
        try:
            seq, message = self._results[worker].recv()
        except (EOFError, OSError):
            self._raise_if_workers_died(wait_for=1.0)
            raise
        del self._owner[seq]
        if seq < self._epoch_start:
            self._drop(worker, message)  # left over from an epoch the user did not finish
        elif message is None:  # the worker's IterableDataset is exhausted
            self._pending.remove(seq)
            self._active[worker] = False
            if not self._persistent and not self._told_to_exit[worker]:
                self._told_to_exit[worker] = True
                self._send(worker, None)
        else:
            self._arrived[seq] = (worker, message)

    def _drop(self, worker, message):
        if message is not None and block_of(message) is not None:
            self._returned[worker].append(block_of(message))

    def _failed(self):
        """Workers that ended without being told to, or failed before answering all their tasks."""
        owing = set(self._owner.values())
        return [p for i, p in enumerate(self._workers)
                if p.exitcode is not None and (not self._told_to_exit[i] or (i in owing and p.exitcode != 0))]

    def _raise_if_workers_died(self, wait_for):
        # a process whose sentinel is ready may take a moment to become reapable (exitcode set)
        deadline = time.monotonic() + wait_for
        while True:
            dead = self._failed()
            if dead or time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        if dead:
            self._finalizer()
            raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(str(p.pid) for p in dead)}) exited "
                               "unexpectedly")


def _readable(fds, timeout):
    """The fds among `fds` that can be read (or have hung up) within `timeout` seconds (None: no limit).

    A bare poll(2): multiprocessing.connection.wait builds a selector on every call.
    """
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return [fd for fd, _ in poller.poll(None if timeout is None else math.ceil(timeout * 1000))]


@contextlib.contextmanager
def _gc_frozen():
    """Keep the garbage collector of forked workers off the parent's objects (Python's gc.freeze advice).

    A collection in the child writes to every object it scans, copying the
    page under each one; frozen objects are never scanned.  Left alone if the
    program froze objects itself, since unfreezing would undo that.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _stop_workers(workers, tasks, results, stop, prefix):
    """Stop one iterator's workers and remove its blocks (see NOTE [ Data Loader Shutdown ])."""
    try:
        stop.set()
        for conn in tasks:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass  # that worker is gone already
        deadline = time.monotonic() + 5.0
        for proc in workers:
            proc.join(max(0.0, deadline - time.monotonic()))
    finally:
        for proc in workers:
            if proc.is_alive():
                proc.terminate()
                proc.join(5.0)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for conn in (*tasks, *results):
            conn.close()
        remove_blocks(prefix)
