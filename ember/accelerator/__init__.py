"""ember.accelerator: torch.accelerator, the device-agnostic view of the current accelerator.

ember's only accelerator is CUDA through CuPy.  On a CPU-only machine it
answers as PyTorch 2.13 does there: current_accelerator() is None,
is_available() False, device_count() 0, and anything that needs a device
raises ``RuntimeError: Cannot access accelerator device when none is available.``
"""
import warnings

from .._device import device as _device
from ..backends import cuda as _backend

__all__ = [
    "current_accelerator", "current_device_idx", "current_device_index", "current_stream", "device_count",
    "device_index", "empty_cache", "get_device_capability", "get_memory_info", "is_available",
    "max_memory_allocated", "max_memory_reserved", "memory_allocated", "memory_reserved", "memory_stats",
    "reset_accumulated_memory_stats", "reset_peak_memory_stats", "set_device_idx", "set_device_index",
    "set_stream", "synchronize",
]

_NONE = "Cannot access accelerator device when none is available."


def is_available():
    """Whether an accelerator (a CUDA GPU through CuPy) is usable."""
    return _backend.is_available()


def current_accelerator(check_available=False):
    """``device(type='cuda')`` when CUDA is usable, else None (a CPU is not an accelerator)."""
    return _device("cuda") if _backend.is_available() else None


def device_count():
    return _backend.device_count()


def _cuda():
    if not _backend.is_available():
        raise RuntimeError(_NONE)
    from .. import cuda
    return cuda


def _index(device):
    """An int, 'cuda:1' or device as an index; other device types are refused like PyTorch."""
    if isinstance(device, (str, _device)):
        dev = _device(device)
        if dev.type != "cuda":
            raise RuntimeError("Accelerator expected")
        return dev.index if dev.index is not None else _cuda().current_device()
    return int(device)


def current_device_index():
    """The index of the current accelerator device."""
    return _cuda().current_device()


def set_device_index(device):
    """Select the current accelerator device."""
    index = _index(device)  # a non-accelerator device is refused first, as in PyTorch
    _cuda().set_device(index)


def current_device_idx():
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_idx(device):
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    set_device_index(device)


def synchronize(device=None):
    """Wait for all work on the accelerator device to finish."""
    index = None if device is None else _index(device)
    _cuda().synchronize(index)


def current_stream(device=None):
    return _cuda().current_stream(device)


def set_stream(stream):
    _cuda()
    stream._stream.use()


def empty_cache():
    _cuda().empty_cache()


def memory_allocated(device_index=None):
    return _cuda().memory_allocated(device_index)


def max_memory_allocated(device_index=None):
    return _cuda().max_memory_allocated(device_index)


def memory_reserved(device_index=None):
    return _cuda().memory_reserved(device_index)


def max_memory_reserved(device_index=None):
    return _cuda().max_memory_reserved(device_index)


def memory_stats(device_index=None):
    return _cuda().memory_stats(device_index)


def reset_peak_memory_stats(device_index=None):
    _cuda().reset_peak_memory_stats(device_index)


def reset_accumulated_memory_stats(device_index=None):
    _cuda()


def get_memory_info(device_index=None):
    return _cuda().mem_get_info(device_index)


def get_device_capability(device=None):
    """{'supported_dtypes': set of dtypes tensors on the device can hold}."""
    _cuda()
    from .. import _dtype
    return {"supported_dtypes": set(_dtype.ALL)}


class device_index:
    """Context manager that makes `device` the current accelerator device (None: no change)."""

    def __init__(self, device):
        self.idx = device
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is not None:
            self.prev_idx = current_device_index()
            if self.prev_idx != self.idx:
                set_device_index(self.idx)
        return self

    def __exit__(self, *exc):
        if self.idx is not None and self.prev_idx != self.idx:
            set_device_index(self.prev_idx)
        return False
