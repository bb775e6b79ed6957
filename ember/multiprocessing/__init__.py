"""ember.multiprocessing: Python's multiprocessing whose queues and pipes pass tensors by shared memory.

As torch.multiprocessing, this is a drop-in replacement for `multiprocessing`
(every name is re-exported); importing it registers reducers with
multiprocessing's ForkingPickler (see reductions.py), so a tensor put on a
Queue or passed as a Process argument travels as a handle to a shared-memory
segment instead of a copy of its bytes.  `Tensor.share_memory_()` moves a
tensor's data into such a segment in place.
"""
import multiprocessing
from multiprocessing import *  # a drop-in replacement, as torch.multiprocessing

from . import _shared, reductions
from .reductions import init_reductions
from .spawn import (  # noqa: F401
    ProcessContext,
    ProcessExitedException,
    ProcessRaisedException,
    SpawnContext,
    spawn,
    start_processes,
)

__all__ = ["get_all_sharing_strategies", "get_sharing_strategy", "set_sharing_strategy"]
__all__ += multiprocessing.__all__

_all_sharing_strategies = {"file_descriptor", "file_system"}


def set_sharing_strategy(new_strategy):
    """Set how tensors travel between processes: 'file_descriptor' (default) or 'file_system'."""
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}")
    reductions._strategy[0] = new_strategy


def get_sharing_strategy():
    return reductions._strategy[0]


def get_all_sharing_strategies():
    return set(_all_sharing_strategies)


def _share_memory_(self):
    """Move this tensor's storage into shared memory, in place (a no-op if it already is there).

    Differs from PyTorch: other tensors viewing the same storage keep the old,
    private memory; only `self` moves.
    """
    data = self._data
    if self.device.type != "cpu" or _shared.is_shared(data):
        return self
    self._data = _shared.share_array(data, reductions._strategy[0])[0]
    return self


from .._tensor import register_methods

register_methods({"share_memory_": _share_memory_})
init_reductions()
