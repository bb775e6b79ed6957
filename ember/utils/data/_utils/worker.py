"""The DataLoader worker process: its loop, seeding, get_worker_info, and how batches travel back.

A worker pickles each batch with its tensors' bytes moved to one fresh
/dev/shm file named with the loader's prefix; the pickle itself only carries
offsets, shapes and dtypes.  The main process maps the file and unlinks it at
once (see NOTE [ Data Loader Shutdown ] in dataloader.py for what happens to
files nobody mapped).
"""
import io
import os
import pickle
import queue
import random
import sys
import traceback

import numpy as np

MP_STATUS_CHECK_INTERVAL = 0.5  # seconds between liveness checks (PyTorch uses 5.0)

_worker_info = None


class WorkerInfo:
    """id, num_workers, seed and dataset (this worker's copy) of the current DataLoader worker."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = [f"{k}={getattr(self, k)}" for k in self.__keys]
        return f"{self.__class__.__name__}({', '.join(items)})"


def get_worker_info():
    """The WorkerInfo of the current worker process, or None in the main process.

    Use it in an IterableDataset's `__iter__` or in `worker_init_fn` to give each
    worker its own share of the data.
    """
    return _worker_info


class ExceptionWrapper:
    """An exception and its formatted traceback, to re-raise in another process."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)  # KeyError would repr() the message and mangle newlines
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # noqa: BLE001
            raise RuntimeError(msg) from None  # the type needs other constructor arguments
        raise exception


class _KeyErrorMessage(str):
    def __repr__(self):
        return self


class _IterableDatasetStopIteration:
    """Sent by a worker whose IterableDataset iterator is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class _ResumeIteration:
    """Sent to persistent workers at the start of each new epoch."""

    def __init__(self, epoch):
        self.epoch = epoch


def _generate_state(base_seed, worker_id):
    """NumPy's seed for a worker: the same 4 x 32-bit words PyTorch derives (SeedSequence-style hashing)."""
    INIT_A, MULT_A, INIT_B, MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
    MIX_MULT_L, MIX_MULT_R, XSHIFT, MASK32 = 0xCA01F9DD, 0x4973F715, 16, 0xFFFFFFFF
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    hash_const_a = INIT_A

    def hash_(value):
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & MASK32
        hash_const_a = (hash_const_a * MULT_A) & MASK32
        value = (value * hash_const_a) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x, y):
        result = (((MIX_MULT_L * x) & MASK32) - ((MIX_MULT_R * y) & MASK32)) & MASK32
        return (result ^ (result >> XSHIFT)) & MASK32

    pool = [hash_(e) for e in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_const_b = INIT_B
    state = []
    for value in pool:
        value = (value ^ hash_const_b) & MASK32
        hash_const_b = (hash_const_b * MULT_B) & MASK32
        value = (value * hash_const_b) & MASK32
        state.append((value ^ (value >> XSHIFT)) & MASK32)
    return state


_ALIGN = 64  # byte alignment of each tensor in a batch file


class _BatchPickler(pickle.Pickler):
    """Pickles a batch with its CPU tensors left out: their arrays are gathered in `arrays`, each
    referenced by its byte offset in the batch's shared-memory file."""

    def __init__(self, file):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        from ...._tensor import Tensor
        self._tensor_cls = Tensor
        self.arrays, self.nbytes, self._seen = [], 0, {}

    def persistent_id(self, obj):
        if not isinstance(obj, self._tensor_cls) or obj.device.type != "cpu":
            return None
        pid = self._seen.get(id(obj))
        if pid is None:
            if obj._grad_fn is not None:
                from ....multiprocessing.reductions import reduce_tensor
                reduce_tensor(obj)  # raises PyTorch's error for a non-leaf tensor
            arr = np.ascontiguousarray(obj._data)
            pid = (self.nbytes, arr.dtype, arr.shape, obj._requires_grad, type(obj))
            self._seen[id(obj)] = pid
            self.arrays.append((obj, arr))  # keeps obj alive, so its id() stays unique while pickling
            self.nbytes += -(-arr.nbytes // _ALIGN) * _ALIGN
        return pid


def _dumps_batch(data, prefix):
    """Pickle `data`, the bytes of all its tensors going to one new shared-memory file named `prefix_*`.

    Returns the message (path or None, file size, pickle); see NOTE [ Data Loader Shutdown ].
    """
    from ....multiprocessing import _shared
    buf = io.BytesIO()
    pickler = _BatchPickler(buf)
    pickler.dump(data)
    if not pickler.arrays:
        return None, 0, buf.getvalue()
    path = _shared.write_file([arr for _, arr in pickler.arrays], prefix, align=_ALIGN)
    return path, max(pickler.nbytes, 1), buf.getvalue()


def _loads_batch(message):
    """The batch of a `_dumps_batch` message: maps its file once and unlinks it; tensors are views of it."""
    path, nbytes, payload = message
    if path is None:
        return pickle.loads(payload)
    from ....multiprocessing import _shared
    return _BatchUnpickler(io.BytesIO(payload), _shared.open_path(path, nbytes, unlink=True)).load()


class _BatchUnpickler(pickle.Unpickler):
    def __init__(self, file, segment):
        super().__init__(file)
        self._flat = np.frombuffer(segment, np.uint8)

    def persistent_load(self, pid):
        from ....multiprocessing.reductions import _rebuild_tensor
        offset, dtype, shape, requires_grad, cls = pid
        n = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        arr = self._flat[offset: offset + n].view(dtype).reshape(shape)
        return _rebuild_tensor(arr, requires_grad, cls)


def _unlink_files(prefix):
    """Remove every shared-memory file named `prefix_*` (all of one iterator's batches in flight)."""
    import glob

    from ....multiprocessing._shared import SHM_DIR
    for path in glob.glob(os.path.join(SHM_DIR or "/tmp", prefix + "_*")):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _seed_worker(base_seed, worker_id):
    import ember
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, persistent_workers, shm_prefix):
    from . import signal_handling
    from .fetch import _DatasetKind, create_fetcher
    global _worker_info
    interrupted = False
    try:
        signal_handling._set_worker_signal_handlers()
        parent = os.getppid()  # our parent exits with the main process (forkserver's too)
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)

        def make_fetcher():
            return create_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last)

        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher()
        except Exception:  # noqa: BLE001 (re-raised in the main process)
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        iteration_end = False
        while os.getppid() == parent:
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if r is None:
                break  # the shutdown message
            if isinstance(r, _ResumeIteration):
                iteration_end = False  # results carry their task's epoch; stale ones are dropped
                if init_exception is None:
                    fetcher = make_fetcher()
                continue
            if done_event.is_set() or iteration_end:
                continue  # nothing more to produce; wait for a resume or shutdown
            task_epoch, idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if dataset_kind != _DatasetKind.Iterable:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                    else:
                        data, iteration_end = _IterableDatasetStopIteration(worker_id), True
                except Exception:  # noqa: BLE001 (re-raised in the main process)
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            try:
                payload = _dumps_batch(data, shm_prefix)
            except Exception:  # noqa: BLE001 (an unpicklable batch is reported like any error)
                payload = _dumps_batch(ExceptionWrapper(where=f"in DataLoader worker process {worker_id}"),
                                       shm_prefix)
            del data
            data_queue.put((task_epoch, idx, payload))
        else:
            # the main process died without shutting us down: nobody will map the files in flight
            _unlink_files(shm_prefix)
    except KeyboardInterrupt:
        interrupted = True  # Ctrl-C reaches the whole process group: the main process shuts down too
    if interrupted or done_event.is_set():
        # do not wait to flush results nobody will read (see NOTE [ Data Loader Shutdown ])
        data_queue.cancel_join_thread()
        data_queue.close()
