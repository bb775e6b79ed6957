"""torch.ops.profiler: open and close a named profiler range without a `with` block.

`_record_function_enter(name)` returns a handle tensor; `_record_function_exit(handle)` closes
that range. The `_new` forms return and take a handle object instead, as PyTorch's do.
"""
import itertools

from ..autograd._profiler_events import range_begin, range_end

_open_ranges = {}
_next_id = itertools.count(1)


class _RecordFunction:
    """The handle of an open range (PyTorch's `torch.classes.profiler._RecordFunction`)."""
    __slots__ = ("range",)

    def __init__(self, r):
        self.range = r


def _record_function_enter_new(name, args=None):
    return _RecordFunction(range_begin(name))  # args are metadata, not part of the label


def _record_function_enter(name, args=None):
    from .. import int64, tensor
    key = next(_next_id)
    _open_ranges[key] = _record_function_enter_new(name, args)
    return tensor(key, dtype=int64)


def _record_function_exit(handle):
    if not isinstance(handle, _RecordFunction):
        handle = _open_ranges.pop(int(handle), None)
        if handle is None:
            raise RuntimeError("_record_function_exit: the handle does not belong to an open record_function range")
    range_end(handle.range)


_record_function_exit._RecordFunction = _record_function_exit  # PyTorch's overload name for the `_new` handles
