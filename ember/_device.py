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

    def __new__(cls, type_or_str, index=None):
        if isinstance(type_or_str, device):
            if index is not None:
                raise ValueError("device(): cannot give an index together with a device object")
            return type_or_str
        if isinstance(type_or_str, int) and not isinstance(type_or_str, bool):
            type_or_str, index = _default_accelerator(), type_or_str
        if not isinstance(type_or_str, str):
            raise TypeError(f"device() received an invalid combination of arguments: got ({type(type_or_str).__name__})")
        key = (type_or_str, index)
        dev = _CACHE.get(key)
        if dev is not None:
            return dev
        dtype_str = type_or_str
        if ":" in dtype_str:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {dtype_str}")
            dtype_str, _, idx = dtype_str.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type_or_str}'")
            index = int(idx)
        if dtype_str not in _KNOWN:
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, "
                f"lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: {dtype_str}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative")
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
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
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
    if dev.__class__ is device and dev.type != "cuda":
        return dev
    dev = device(dev)
    if dev.type == "cpu":
        return CPU
    if dev.type == "cuda":
        from .backends import cuda
        cuda.check_available()
        if dev.index is None:
            return device("cuda", cuda.current_device())
    if dev.type not in ("cpu", "cuda", "meta"):
        raise RuntimeError(f"ember has no backend for device type '{dev.type}'")
    return dev
