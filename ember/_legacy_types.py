"""The legacy typed-tensor classes: torch.FloatTensor, torch.LongTensor, ... and set_default_tensor_type.

They are not Tensor subclasses (as in PyTorch): calling one builds a tensor of
its dtype, and `isinstance(t, FloatTensor)` is true for every float32 CPU
tensor, through the metaclass.

    >>> LongTensor([1, 2]).dtype
    torch.int64
"""
import warnings

import numpy as np

from . import _dtype
from ._device import canonical
from ._tensor import Tensor

__all__ = ["BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor",
           "IntTensor", "LongTensor", "ShortTensor", "set_default_tensor_type"]

_NAMES = {"FloatTensor": _dtype.float32, "DoubleTensor": _dtype.float64, "HalfTensor": _dtype.float16,
          "BFloat16Tensor": _dtype.bfloat16, "LongTensor": _dtype.int64, "IntTensor": _dtype.int32,
          "ShortTensor": _dtype.int16, "CharTensor": _dtype.int8, "ByteTensor": _dtype.uint8,
          "BoolTensor": _dtype.bool}

# names Tensor.type() prints and accepts, with no legacy class behind them (as in PyTorch)
_TYPE_NAME_ONLY = {"ComplexFloatTensor": _dtype.complex64, "ComplexDoubleTensor": _dtype.complex128}


class _LegacyTensorType(type):
    """Metaclass of the legacy classes: construction and the isinstance check by dtype and device type."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls._ember_dtype and obj.device.type == cls._device_type

    def __call__(cls, *args, device=None):
        return legacy_new(cls._ember_dtype, cls._device_type if device is None else device, args)

    @property
    def dtype(cls):
        return cls._ember_dtype

    @property
    def is_cuda(cls):
        return cls._device_type == "cuda"

    is_sparse = False


def legacy_new(d, device, args):
    """Legacy constructor rules: sizes give a zero-filled tensor, one sequence gives data, a tensor passes through."""
    from ._creation import _infer, legacy_new_typed
    if len(args) == 1 and isinstance(args[0], Tensor):
        t = args[0]
        if t.dtype is not d:
            raise TypeError(f"expected {_dtype_label(d)} (got {_dtype_label(t.dtype)})")
        return t
    if len(args) == 1 and isinstance(args[0], (float, complex, bool)):
        raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)) and type(args[0]).__name__ != "Size":
        arr, _ = _infer(args[0])  # data: convert like a C cast (LongTensor([1.5]) truncates)
        if d is _dtype.bool:
            arr = arr != 0
        from ._creation import tensor
        return tensor(np.asarray(arr).astype(d.np), device=canonical(device))
    return legacy_new_typed(Tensor, args, canonical(device), d)


def _dtype_label(d):
    from .ops.registry import _pt_name
    return _pt_name(d)


def _make_type(name, d, device_type):
    module = "ember" if device_type == "cpu" else "ember.cuda"
    return _LegacyTensorType(name, (), {"_ember_dtype": d, "_device_type": device_type, "__module__": module,
                                        "__doc__": f"Legacy constructor for {d} tensors on {device_type}."})


FloatTensor = _make_type("FloatTensor", _dtype.float32, "cpu")
DoubleTensor = _make_type("DoubleTensor", _dtype.float64, "cpu")
HalfTensor = _make_type("HalfTensor", _dtype.float16, "cpu")
BFloat16Tensor = _make_type("BFloat16Tensor", _dtype.bfloat16, "cpu")
LongTensor = _make_type("LongTensor", _dtype.int64, "cpu")
IntTensor = _make_type("IntTensor", _dtype.int32, "cpu")
ShortTensor = _make_type("ShortTensor", _dtype.int16, "cpu")
CharTensor = _make_type("CharTensor", _dtype.int8, "cpu")
ByteTensor = _make_type("ByteTensor", _dtype.uint8, "cpu")
BoolTensor = _make_type("BoolTensor", _dtype.bool, "cpu")
CUDA = {name: _make_type(name, d, "cuda") for name, d in _NAMES.items()}  # for ember.cuda.FloatTensor etc.


def dtype_of_type_name(name):
    """'torch.FloatTensor' / 'torch.cuda.LongTensor' -> the dtype (Tensor.type(str))."""
    short = name.rsplit(".", 1)[-1]
    prefix = name[:-len(short)]
    d = _NAMES.get(short) or _TYPE_NAME_ONLY.get(short)
    if d is None or prefix not in ("torch.", "torch.cuda.", "ember.", "ember.cuda.", ""):
        raise ValueError(f"invalid type: '{name}'")
    return d


def set_default_tensor_type(t):
    """Deprecated in PyTorch: sets the default dtype (and device, for cuda types)."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    if isinstance(t, str):
        d = dtype_of_type_name(t)
        device_type = "cuda" if ".cuda." in t else "cpu"
    elif isinstance(t, _LegacyTensorType):
        d, device_type = t._ember_dtype, t._device_type
    else:
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(d)
    from ._factory_defaults import set_default_device
    set_default_device(None if device_type == "cpu" else "cuda")
