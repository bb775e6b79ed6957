"""How a worker hands a batch to the main process: one reusable shared-memory block per batch.

A batch is pickled with its CPU tensors left out.  Their bytes go, one after
the other, into a *block*: a file in /dev/shm made by the worker.  Only the
small pickle (structure, dtypes, shapes, byte offsets) and the block's name
travel through the worker's pipe.  The main process maps the block (one mmap
per batch) and the batch's tensors are views of that mapping.

When the last of those tensors is garbage collected, the block's name goes
back to its worker together with the next task, and the worker writes a later
batch into the same pages.  In the steady state a batch therefore costs one
copy of its bytes and a handful of syscalls, with no page allocation, zeroing
or freeing on either side.  A block is never written while anything in the
main process still views it, so tensors from a batch stay valid for as long as
the user keeps them.

All blocks of one iterator share a name prefix, so cleaning up (the main
process at shutdown, or a worker that finds its parent gone) is one glob.
"""
import glob
import io
import math
import os
import pickle
import weakref
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ....multiprocessing._shared import SHM_DIR, Segment

ALIGN = 64  # each tensor starts at a multiple of this many bytes


def _aligned(nbytes):
    return -(-nbytes // ALIGN) * ALIGN


class _TensorsAside(ForkingPickler):
    """Pickles an object with each CPU tensor replaced by where its bytes will be in the block.

    ForkingPickler keeps multiprocessing's own reductions for anything else in the batch.
    """

    def __init__(self, file):
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        from ...._tensor import Tensor
        self._tensor_type = Tensor
        self.pieces = []  # (offset in the block, contiguous array, its tensor: holding it keeps its id() unique)
        self.nbytes = 0
        self._placed = {}  # id(tensor) -> its persistent id, so a tensor repeated in a batch is stored once

    def persistent_id(self, obj):
        if not isinstance(obj, self._tensor_type) or obj.device.type != "cpu":
            return None
        key = id(obj)
        if key not in self._placed:
            if obj._grad_fn is not None:
                from ....multiprocessing.reductions import reduce_tensor
                reduce_tensor(obj)  # raises PyTorch's error for a non-leaf tensor
            arr = np.ascontiguousarray(obj._data)
            self._placed[key] = (self.nbytes, arr.dtype, arr.shape, obj._requires_grad, type(obj))
            self.pieces.append((self.nbytes, arr, obj))
            self.nbytes += _aligned(max(arr.nbytes, 1))  # an empty tensor too gets an offset of its own
        return self._placed[key]


class _TensorsBack(pickle.Unpickler):
    def __init__(self, payload, segment):
        super().__init__(io.BytesIO(payload))
        self._bytes = np.frombuffer(segment, np.uint8)
        self._tensors = {}  # offset -> tensor: pickle does not memoize persistent ids, identity must survive

    def persistent_load(self, pid):
        from ....multiprocessing.reductions import _rebuild_tensor
        offset, dtype, shape, requires_grad, cls = pid
        if offset not in self._tensors:
            arr = self._bytes[offset: offset + math.prod(shape) * dtype.itemsize].view(dtype).reshape(shape)
            self._tensors[offset] = _rebuild_tensor(arr, requires_grad, cls)
        return self._tensors[offset]


class BlockWriter:
    """The worker's side: encodes results, reusing blocks the main process has given back."""

    def __init__(self, prefix, keep):
        self._prefix = prefix
        self._keep = keep  # free blocks kept for reuse; more are removed
        self._made = 0
        self._size = {}  # path -> current file size of every block this worker still has
        self._free = []

    def encode(self, obj):
        """The message for `obj`: (block path or None, bytes used, pickle)."""
        buf = io.BytesIO()
        pickler = _TensorsAside(buf)
        pickler.dump(obj)
        if not pickler.pieces:
            return None, 0, buf.getvalue()
        nbytes = pickler.nbytes
        path = self._free.pop() if self._free else self._new_path()
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if self._size.get(path, 0) < nbytes:
                os.ftruncate(fd, nbytes)
                self._size[path] = nbytes
            for offset, arr, _ in pickler.pieces:
                _write_all(fd, arr, offset)
        finally:
            os.close(fd)
        return path, nbytes, buf.getvalue()

    def give_back(self, paths):
        """Blocks the main process no longer views."""
        for path in paths:
            if len(self._free) < self._keep:
                self._free.append(path)
            else:
                self._size.pop(path, None)
                _unlink(path)

    def _new_path(self):
        self._made += 1
        return os.path.join(SHM_DIR or "/tmp", f"{self._prefix}_{os.getpid()}_{self._made}")


def _write_all(fd, arr, offset):
    view = memoryview(arr.reshape(-1).view(np.uint8))
    while view.nbytes:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


def decode(message, give_back):
    """The object of an `encode` message; its tensors view the block, which goes to `give_back(path)`
    once none of them is alive."""
    path, nbytes, payload = message
    if path is None:
        return pickle.loads(payload)
    fd = os.open(path, os.O_RDWR)
    try:
        segment = Segment(fd, nbytes)  # mmap keeps its own duplicate of the descriptor
    finally:
        os.close(fd)
    weakref.finalize(segment, give_back, path).atexit = False
    return _TensorsBack(payload, segment).load()


def block_of(message):
    """The block path of a message, or None (for messages dropped without decoding)."""
    return message[0]


def remove_blocks(prefix):
    """Unlink every block of the iterator whose blocks are named `prefix*`."""
    for path in glob.glob(os.path.join(SHM_DIR or "/tmp", glob.escape(prefix) + "_*")):
        _unlink(path)


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
