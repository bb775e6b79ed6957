"""Pickling tensors through multiprocessing by shared memory (torch.multiprocessing.reductions).

`init_reductions()` registers `reduce_tensor` with multiprocessing's
ForkingPickler, which every context's Queue, Pipe and Process arguments use.  A
tensor whose memory is already shared passes a handle to its segment (so both
processes see the same memory, as Hogwild training needs); any other tensor is
first copied into a new segment.  The handle depends on the sharing strategy:
a descriptor (DupFd) for 'file_descriptor', a /dev/shm name for 'file_system'.
"""
from multiprocessing import reduction

import numpy as np

from . import _shared

_strategy = ["file_descriptor"]


def _rebuild_tensor(arr, requires_grad, cls):
    from .._tensor import Tensor, _wrap
    t = _wrap(arr)
    if cls is not Tensor and hasattr(cls, "_make_subclass"):
        return cls._make_subclass(cls, t, requires_grad)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_from_fd(dupfd, nbytes, dtype, shape, strides, offset, requires_grad, cls):
    seg = _shared.open_fd(dupfd.detach(), nbytes)
    return _rebuild_tensor(_shared.array_in(seg, dtype, shape, strides, offset), requires_grad, cls)


def rebuild_from_path(path, nbytes, dtype, shape, strides, offset, requires_grad, cls, unlink=False):
    seg = _shared.open_path(path, nbytes, unlink=unlink)
    return _rebuild_tensor(_shared.array_in(seg, dtype, shape, strides, offset), requires_grad, cls)


def _keep_alive_while_spawning(seg):
    # Starting a child with 'spawn'/'forkserver' passes descriptors by number when the child is
    # launched, after pickling: the new segment (and its descriptor) must live until then.  Outside
    # a launch DupFd duplicates the descriptor at once, so nothing needs to be kept.
    from multiprocessing import context
    popen = context.get_spawning_popen()
    if popen is not None:
        popen.__dict__.setdefault("_ember_segments", []).append(seg)


def _base_ptr(seg):
    return np.frombuffer(seg, np.uint8).__array_interface__["data"][0]


def reduce_tensor(t):
    """ForkingPickler's reducer for Tensor (see the module docstring)."""
    if t._grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does not "
            "support crossing process boundaries.  If you just want to transfer the data, call detach() on "
            "the tensor before serializing (e.g., putting it on the queue).")
    if t.device.type != "cpu":
        from .._storage import reduce_tensor as plain
        return plain(t)
    strategy = _strategy[0]
    arr = t._data
    seg = _shared.segment_of(arr)
    if seg is not None and (seg.fd >= 0 if strategy == "file_descriptor" else seg.path is not None):
        # already shared: a handle to the same memory
        offset = arr.__array_interface__["data"][0] - _base_ptr(seg) if arr.size else 0
        meta = (len(seg), arr.dtype, arr.shape, arr.strides, offset, t._requires_grad, type(t))
        if strategy == "file_descriptor":
            return rebuild_from_fd, (reduction.DupFd(seg.fd),) + meta
        return rebuild_from_path, (seg.path,) + meta
    if strategy == "file_descriptor":
        arr, seg = _shared.copy_to_segment(arr, strategy)
        _keep_alive_while_spawning(seg)
        return rebuild_from_fd, (reduction.DupFd(seg.fd), len(seg), arr.dtype, arr.shape, arr.strides, 0,
                                 t._requires_grad, type(t))
    # file_system: a private copy that the receiver unlinks once mapped (we drop ours right away)
    return reduce_tensor_moving(t, "ember")


def reduce_tensor_moving(t, prefix="ember"):
    """A reducer whose copy of `t` goes to a new /dev/shm file that the receiver unlinks once mapped."""
    if t.device.type != "cpu":
        from .._storage import reduce_tensor as plain
        return plain(t)
    arr = t._data
    path = _shared.write_file([arr], prefix)
    _shared.pending(path)
    return rebuild_from_path, (path, max(arr.nbytes, 1), arr.dtype, arr.shape, _shared.c_strides(arr.dtype, arr.shape),
                               0, t._requires_grad, type(t), True)


def _reducer_override(self, obj):
    # Tensor subclasses (nn.Parameter, ...) are not keys of the dispatch table, which matches exact types
    if isinstance(obj, _Tensor[0]) and obj.device.type == "cpu":
        return reduce_tensor(obj)
    return NotImplemented


_Tensor = [None]


def init_reductions():
    """Make multiprocessing pass tensors (and Tensor subclasses) through shared memory."""
    from .._tensor import Tensor
    _Tensor[0] = Tensor
    reduction.ForkingPickler.register(Tensor, reduce_tensor)
    reduction.ForkingPickler.reducer_override = _reducer_override
