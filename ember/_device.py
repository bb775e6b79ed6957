"""Devices. A device is an interned object that carries its array module `xp`.

'cpu' is NumPy; 'meta' is ember.backends.meta (shapes and dtypes only);
'cuda' is CuPy, imported in exactly one guarded place (ember.backends.cuda).
"""
import numpy as np

_CACHE = {}
_KNOWN = ("cpu", "cuda", "meta", "mps", "xpu", "xla", "hpu", "mtia", "ipu", "privateuseone")


class device:
    """torch.device: `device('cpu')`, `device('cuda', 0)`, `device('cuda:1')`."""

    __slots__ = ("type", "index", "xp", "_prev")

    def __new__(cls, type=None, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): argument 'type' (position 1) must be str, not torch.device")
            return type
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = _default_accelerator(), type
        if isinstance(type, bytes):
            type = type.decode()
        if not isinstance(type, str):
            got = "" if type is None else f"{_typename(type)}" + (", int" if index is not None else "")
            raise TypeError(f"device() received an invalid combination of arguments - got ({got}), but expected one "
                            "of:\n * (torch.device device)\n * (str type, int index = -1)\n")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"device(): argument 'index' (position 2) must be int, not {_typename(index)}")
            index = int(index)
        key = (type, index)
        dev = _CACHE.get(key)
        if dev is not None:
            return dev
        dtype_str = type
        if ":" in dtype_str:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {dtype_str}")
            dtype_str, _, idx = dtype_str.partition(":")
            if not (idx.isdigit() and idx.isascii()) or (len(idx) > 1 and idx[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if not dtype_str:
            raise RuntimeError("Device string must not be empty")
        if dtype_str not in _KNOWN:
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, "
                f"lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: {dtype_str}")
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        dev = object.__new__(cls)
        object.__setattr__(dev, "type", dtype_str)
        object.__setattr__(dev, "index", index)
        if dtype_str == "cpu":
            object.__setattr__(dev, "xp", np)  # read on every op: a plain slot, not a property
        _CACHE[key] = dev
        return dev

    def __setattr__(self, name, value):
        raise AttributeError("device objects are immutable")

    def __getattr__(self, name):
        # `xp` of non-CPU devices is loaded on first use (CuPy only when asked for)
        if name != "xp":
            raise AttributeError(name)
        xp = _array_module(self)
        object.__setattr__(self, "xp", xp)
        return xp

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # PyTorch 2.13 compares devices only with devices: device('cpu') == 'cpu' is False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        from . import _factory_defaults
        object.__setattr__(self, "_prev", _factory_defaults.get_default_device())
        _factory_defaults.set_default_device(self)

    def __exit__(self, *exc):
        from . import _factory_defaults
        _factory_defaults.set_default_device(self._prev)


def _typename(x):
    """A type's name as PyTorch's argument errors print it: 'float', 'numpy.ndarray'."""
    t = x.__class__
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"


def _default_accelerator():
    return "cuda"


def _array_module(dev):
    if dev.type == "cpu":
        return np
    if dev.type == "meta":
        from .backends import meta
        return meta
    if dev.type == "cuda":
        from .backends import cuda
        return cuda.xp()
    raise RuntimeError(f"ember has no backend for device type '{dev.type}'")


CPU = device("cpu")
META = device("meta")


def canonical(dev):
    """Map a user device argument (None, str, int, device) to the interned device tensors store.

    'cuda' without an index means the current CUDA device, as in PyTorch."""
    if dev is None:
        from . import _factory_defaults
        return _factory_defaults.get_default_device()
    if dev is CPU or dev is META:
        return dev
    dev = device(dev)
    if dev.type == "cpu":
        return CPU  # CPU tensors always report device(type='cpu'), whatever index was asked for
    if dev.type == "meta":
        return META
    if dev.type == "cuda":
        from .backends import cuda
        cuda.check_available()
        if dev.index is None:
            return device("cuda", cuda.current_device())
    if dev.type not in ("cpu", "cuda", "meta"):
        raise RuntimeError(f"ember has no backend for device type '{dev.type}'")
    return dev
