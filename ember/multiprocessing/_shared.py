"""Shared-memory segments: files in /dev/shm mapped with MAP_SHARED.

A segment is an `mmap` of a file in /dev/shm.  NumPy arrays are made with
`np.frombuffer` on that map, so `is_shared(array)` only has to look at the
buffer at the bottom of the array's chain of views.  Two ways to hand a segment
to another process (the sharing strategies of torch.multiprocessing):

* 'file_descriptor': the file is unlinked as soon as it is created and the
  segment keeps an open descriptor; the descriptor travels to the other process
  (multiprocessing's DupFd), so nothing is ever left behind in /dev/shm.
* 'file_system': the file keeps its name, which is what travels; the process
  that created it unlinks it when the segment is garbage collected or at exit.

A copy made only to be sent (a tensor that was not shared) is instead written
to a new named file with `write_file`, and the receiver unlinks it as soon as
it has mapped it. (DataLoader batches use reusable blocks instead: see
ember/utils/data/_utils/blocks.py.)
"""
import atexit
import itertools
import mmap
import os
import secrets
import weakref

import numpy as np

SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else None
_counter = itertools.count()
_owned = set()  # file_system segments this process must unlink


class Segment(mmap.mmap):
    """An mmap that remembers how to reach its memory from another process."""

    path = None  # name in /dev/shm while the file is still linked
    fd = -1  # open descriptor (file_descriptor strategy)


def _new_path(prefix):
    base = SHM_DIR or "/tmp"
    return os.path.join(base, f"{prefix}_{os.getpid()}_{next(_counter)}_{secrets.token_hex(4)}")


def _map(fd, nbytes, path=None, keep_fd=False):
    seg = Segment(fd, max(nbytes, 1))
    seg.path = path
    if keep_fd:
        seg.fd = fd
        weakref.finalize(seg, os.close, fd)
    else:
        os.close(fd)
    return seg


def create(nbytes, strategy="file_descriptor", prefix="ember"):
    """A new zero-filled segment of `nbytes` bytes."""
    path = _new_path(prefix)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, max(nbytes, 1))
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    if strategy == "file_descriptor":
        os.unlink(path)
        return _map(fd, nbytes, keep_fd=True)
    seg = _map(fd, nbytes, path)
    if strategy == "file_system":
        _owned.add(path)
        weakref.finalize(seg, _unlink_owned, path)
    return seg


def open_path(path, nbytes, unlink=False):
    """Map the segment named `path`; with `unlink`, remove its name once mapped."""
    fd = os.open(path, os.O_RDWR)
    try:
        seg = _map(fd, nbytes, None if unlink else path)
    finally:
        if unlink:
            os.unlink(path)
    return seg


def open_fd(fd, nbytes):
    return _map(fd, nbytes, keep_fd=True)


def _unlink_owned(path):
    if path in _owned:
        _owned.discard(path)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


_pending = []  # files handed to a receiver that unlinks them; removed at exit if nobody did


def pending(path):
    """Remember a file written for a receiver, to unlink at exit should it never be received."""
    if len(_pending) > 4096:
        del _pending[: len(_pending) - 4096]
    _pending.append(path)


@atexit.register
def _cleanup():
    for path in list(_owned):
        _unlink_owned(path)
    for path in _pending:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def array_in(seg, dtype, shape, strides, offset=0):
    """An array of `dtype`, `shape` and byte `strides` starting `offset` bytes into `seg`."""
    return _strided(np.frombuffer(seg, dtype=np.uint8), np.dtype(dtype), tuple(shape), tuple(strides), offset)


def _strided(flat, dtype, shape, strides, offset):
    usable = (flat.size // dtype.itemsize) * dtype.itemsize
    typed = flat[:usable].view(dtype)  # tensor offsets are multiples of the itemsize
    start = typed[offset // dtype.itemsize:]
    return np.lib.stride_tricks.as_strided(start, shape=shape, strides=strides, writeable=True)


def segment_of(array):
    """The Segment under a NumPy array, or None."""
    from .._storage import root_array
    if not isinstance(array, np.ndarray):
        return None
    base = root_array(array).base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, Segment) else None


def is_shared(array):
    """Whether `array`'s memory lives in a shared-memory segment."""
    return segment_of(array) is not None


def share_array(array, strategy="file_descriptor", prefix="ember"):
    """A copy of `array` (same shape and strides, from the start of its storage) in a new segment.

    Returns (new_array, segment, byte_offset)."""
    from .._storage import _byte_bounds, root_array, storage_bytes
    raw = storage_bytes(array)
    seg = create(raw.nbytes, strategy, prefix)
    dst = np.frombuffer(seg, np.uint8)
    dst[: raw.nbytes] = raw
    offset = array.__array_interface__["data"][0] - _byte_bounds(root_array(array))[0] if array.size else 0
    new = _strided(dst, array.dtype, array.shape, array.strides, offset)
    return new, seg, offset


def copy_to_segment(array, strategy="file_descriptor", prefix="ember"):
    """A C-contiguous copy of `array` in a new segment: (new_array, segment)."""
    seg = create(array.nbytes, strategy, prefix)
    dst = np.frombuffer(seg, np.uint8)[: array.nbytes].view(array.dtype).reshape(array.shape)
    dst[...] = array
    return dst, seg


def c_strides(dtype, shape):
    """Byte strides of a C-contiguous array."""
    strides, step = [], np.dtype(dtype).itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def write_file(arrays, prefix="ember", align=64):
    """Write the arrays' bytes (C order, each starting at a multiple of `align`) to a new file in /dev/shm.

    Cheaper than creating and mapping a segment when this process does not need
    the memory itself: the kernel copies straight into the file's pages, with no
    page faults on our side.  Whoever maps the file must unlink it.  Returns its path.
    """
    path = _new_path(prefix)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        offset = 0
        for arr in arrays:
            view = memoryview(np.ascontiguousarray(arr).reshape(-1).view(np.uint8))
            pos = offset
            while view.nbytes:
                n = os.pwrite(fd, view, pos)
                view, pos = view[n:], pos + n
            offset += -(-arr.nbytes // align) * align
        os.ftruncate(fd, max(offset, 1))  # mmap cannot map an empty file
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)
    return path
