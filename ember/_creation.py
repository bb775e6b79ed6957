"""Tensor construction: tensor/as_tensor/from_numpy and the basic factories (zeros, ones, full, empty, arange).

Random factories live in _random.py; the other factories (linspace, eye, ...) in ops/creation.py.
"""
import math
import warnings

import numpy as np

from . import _dtype
from ._device import canonical
from ._tensor import Tensor, _wrap

_number = (int, float, bool, complex)


def size_arg(size):
    """Factories take sizes as varargs or one sequence: zeros(2, 3) == zeros((2, 3)) == zeros([2, 3])."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = size[0]
        if isinstance(size, Tensor):
            size = size.tolist()
    try:
        if isinstance(size, (str, bytes)):
            raise TypeError
        out = tuple(int(s) for s in size)
    except (TypeError, ValueError):
        raise TypeError(f"argument 'size' must be tuple of ints, not {type(size).__name__}") from None
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(out)}")
    return out


def _finalize(arr, device, requires_grad, out=None):
    t = _wrap(arr, device)
    if requires_grad:
        if t.dtype._category < 2:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    if out is not None:
        from .ops.core import copy_out
        return copy_out(t, out)
    return t


def _host_to(arr, device):
    """Move a freshly made NumPy array to `device`."""
    if device.type == "cpu":
        return arr
    if device.type == "meta":
        return device.xp.empty(arr.shape, dtype=arr.dtype)
    return device.xp.asarray(arr)


def _infer(data):
    """NumPy array for Python/NumPy data, with PyTorch's dtype inference for Python numbers."""
    if isinstance(data, Tensor):
        return data._host(), True
    if isinstance(data, np.ndarray):
        return data, True
    if isinstance(data, np.generic):
        return np.asarray(data), True
    if isinstance(data, _number):
        arr = np.asarray(data)
        return arr, False
    if isinstance(data, str):
        raise ValueError("too many dimensions 'str'")  # noqa: TRY004  (PyTorch's type)
    if isinstance(data, (list, tuple)) or hasattr(data, "__len__"):
        seq = _flatten_tensors(data)
        try:
            arr = np.array(seq)
        except ValueError as e:
            raise ValueError(f"expected sequence of equal-length sequences: {e}") from None
        if arr.dtype == object:
            raise RuntimeError(f"Could not infer dtype of {type(_first_leaf(data)).__name__}")
        if arr.dtype.kind in "US":
            raise ValueError("too many dimensions 'str'")  # noqa: TRY004  (PyTorch's type)
        return arr, _typed_leaves(data)
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _flatten_tensors(data):
    if isinstance(data, Tensor):
        return data._host() if data.dtype not in (_dtype.bfloat16,) else data._host().astype(np.float32)
    if isinstance(data, (list, tuple)):
        return [_flatten_tensors(x) for x in data]
    return data


def _first_leaf(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def _typed_leaves(data):
    """True when the data's leaves carry dtypes (tensors/NumPy), so NumPy's inferred dtype stands."""
    leaf = _first_leaf(data)
    return isinstance(leaf, (Tensor, np.ndarray, np.generic))


def _default_for(arr, typed):
    if typed:
        return _dtype.from_numpy_dtype(arr.dtype)
    kind = arr.dtype.kind
    if kind == "f":
        return _dtype._default[0]
    if kind == "c":
        return _dtype.default_complex()
    if kind == "b":
        return _dtype.bool
    if arr.size == 0 and kind == "f":
        return _dtype._default[0]
    return _dtype.int64


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Construct a tensor by copying `data` (numbers, nested sequences, NumPy arrays, tensors)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() or "
                      "sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr, typed = _infer(data)
    if isinstance(data, (list, tuple)) and arr.size == 0 and arr.dtype.kind == "f":
        typed = False
    d = _dtype.to_dtype(dtype) if dtype is not None else _default_for(arr, typed)
    if not typed and d._category == 1 and arr.dtype.kind in "iuf":
        _check_int_overflow(arr, d)
    arr = np.array(arr, dtype=d.np, copy=True)
    dev = canonical(device if device is not None or not isinstance(data, Tensor) else data.device)
    return _finalize(_host_to(arr, dev), dev, requires_grad)


def _check_int_overflow(arr, d):
    """PyTorch's checked conversion of Python numbers: ints may wrap into unsigned types, floats may not."""
    if arr.size == 0:
        return
    info = np.iinfo(d.np)
    low = -int(info.max) if arr.dtype.kind in "iu" and info.min == 0 else int(info.min)
    with np.errstate(invalid="ignore"):
        bad = np.isnan(arr).any() if arr.dtype.kind == "f" else False
        if bad or arr.min() < low or arr.max() > info.max:
            raise RuntimeError(f"value cannot be converted to type {d.name} without overflow")


def as_tensor(data, dtype=None, device=None):
    """Like tensor() but shares memory with `data` when dtype and device allow."""
    dev = canonical(device) if device is not None else None
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=dev) if (dtype or dev) else data
    if isinstance(data, np.ndarray) and (dev is None or dev.type == "cpu"):
        t = from_numpy(data)
        return t if dtype is None else t.to(_dtype.to_dtype(dtype))
    return tensor(data, dtype=dtype, device=dev)


asarray_ = as_tensor


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    if copy:
        t = tensor(obj, dtype=dtype, device=device) if not isinstance(obj, Tensor) else obj.clone()
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
    return t.requires_grad_(requires_grad) if requires_grad else t


def from_numpy(ndarray):
    """A tensor sharing memory with `ndarray` (writes through either are seen by both)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative strides "
                         "are not currently supported. (You can probably work around this by making a copy of your "
                         "array  with array.copy().) ")
    if any(s % ndarray.dtype.itemsize for s in ndarray.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. Copy the numpy array "
                         "to reallocate the memory.")
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. Conversion between "
                         "byte orders is currently not supported.")
    _dtype.from_numpy_dtype(ndarray.dtype)  # raises for unsupported dtypes
    return _wrap(ndarray)


def _factory(fill):
    def factory(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
                pin_memory=False, memory_format=None, names=None):
        if size is not None:
            if args:
                raise TypeError(f"{factory.__name__}() got multiple values for argument 'size'")
            args = (size,)
        shape = size_arg(args)
        d = _dtype.to_dtype(dtype) if dtype is not None else _dtype._default[0]
        dev = canonical(device)
        return _finalize(fill(dev.xp, shape, d.np), dev, requires_grad, out)
    return factory


zeros = _factory(lambda xp, shape, d: xp.zeros(shape, dtype=d))
ones = _factory(lambda xp, shape, d: xp.ones(shape, dtype=d))
empty = _factory(lambda xp, shape, d: xp.empty(shape, dtype=d))
zeros.__name__, ones.__name__, empty.__name__ = "zeros", "ones", "empty"


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    shape = size_arg((size,))
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    d = _dtype.to_dtype(dtype) if dtype is not None else _dtype.scalar_dtype(fill_value)
    dev = canonical(device)
    return _finalize(dev.xp.full(shape, fill_value, dtype=d.np), dev, requires_grad, out)


def _like(factory_fn):
    def like(input, *args, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, **kw):
        d = dtype if dtype is not None else input.dtype
        dev = device if device is not None else input.device
        return factory_fn(input.shape, *args, dtype=d, device=dev, requires_grad=requires_grad, **kw)
    like.__name__ = factory_fn.__name__ + "_like"
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
full_like = _like(full)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    size, stride = tuple(size), tuple(stride)
    n = 1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
    base = empty(n, dtype=dtype, device=device)
    return base.as_strided(size, stride).detach().requires_grad_(requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return full((), s, dtype=dtype or _dtype._default[0], device=device, requires_grad=requires_grad)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        d = _dtype._default[0] if any(isinstance(v, float) for v in vals) else _dtype.int64
    else:
        d = _dtype.to_dtype(dtype)
    if not all(math.isfinite(float(v)) for v in vals):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (step > 0 and start > end) or (step < 0 and start < end):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    n = max(int(math.ceil((end - start) / step)), 0)
    if d._category < 2:
        # PyTorch casts the bounds and step to the integer type (int64: before sizing too, so a step of 0.1 fails)
        if d is _dtype.int64:
            start, end, step = int(start), int(end), int(step)
            if step == 0:
                raise ValueError("step must be nonzero")
            n = max(-((start - end) // step), 0)
        arr = (int(start) + np.arange(n, dtype=np.int64) * int(step)).astype(d.np)
    else:
        arr = (start + np.arange(n, dtype=np.float64) * step).astype(d.np)
    dev = canonical(device)
    return _finalize(_host_to(arr, dev), dev, requires_grad, out)


def range_(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.range (deprecated in PyTorch): includes `end`."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    d = _dtype.to_dtype(dtype) if dtype is not None else _dtype._default[0]
    n = int(math.floor((end - start) / step)) + 1
    arr = (start + np.arange(n, dtype=np.float64) * step).astype(d.np)
    dev = canonical(device)
    return _finalize(_host_to(arr, dev), dev, requires_grad, out)


def legacy_tensor_new(cls, *args, device=None, dtype=None):
    """torch.Tensor(...) — the legacy constructor: sizes give an uninitialised (zeroed) default-dtype tensor."""
    d = _dtype._default[0] if dtype is None else _dtype.to_dtype(dtype)
    if not args:
        t = zeros(0, dtype=d, device=device)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        t = args[0]
        if cls is Tensor:
            return t
    elif all(isinstance(a, (int, np.integer)) for a in args) or (len(args) == 1 and type(args[0]).__name__ == "Size"):
        t = zeros(size_arg(args), dtype=d, device=device)
    elif len(args) == 1:
        arr, _ = _infer(args[0])
        t = _finalize(_host_to(np.array(arr, dtype=d.np), canonical(device)), canonical(device), False)
    else:
        raise TypeError(f"new(): invalid arguments {args!r}")
    if cls is not Tensor:
        sub = object.__new__(cls)
        sub._data, sub._device = t._data, t._device
        return sub
    return t
