"""Tensor construction: tensor/as_tensor/from_numpy and the basic factories (zeros, ones, full, empty, arange).

Random factories live in _random.py; the other factories (linspace, eye, ...) in ops/creation.py.
"""
import functools
import math
import operator
import warnings

import numpy as np

from . import _dtype
from ._device import _typename, canonical
from ._tensor import Tensor, _wrap

_number = (int, float, bool, complex)


def size_arg(size, fn_name=None):
    """Factories take sizes as varargs or one sequence: zeros(2, 3) == zeros((2, 3)) == zeros([2, 3])."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = size[0]
        if isinstance(size, Tensor):
            size = size.tolist()
    try:
        if isinstance(size, (str, bytes)):
            raise TypeError
        size = list(size)
    except TypeError:
        raise TypeError(f"argument 'size' must be tuple of ints, not {type(size).__name__}") from None
    out = []
    for i, s in enumerate(size):
        try:
            out.append(operator.index(s))
        except TypeError:
            prefix = f"{fn_name}(): " if fn_name else ""
            raise TypeError(f"{prefix}argument 'size' failed to unpack the object at pos {i + 1} with error \"type "
                            f"must be tuple of ints,but got {typename(s)}\"") from None
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def typename(obj):
    """A type's name as PyTorch's argument errors print it: 'float', 'numpy.ndarray', 'Tensor'."""
    return "Tensor" if isinstance(obj, Tensor) else _typename(obj)


def dtype_arg(dtype, fn_name, default=None):
    """A factory's `dtype=`: an ember dtype or a Python type (float, int, bool, complex), as PyTorch accepts."""
    if dtype is None:
        return default
    if dtype.__class__ is _dtype.dtype:
        return dtype
    if dtype is float or dtype is int or dtype is bool or dtype is complex:  # not ==: np.dtype('f8') == float
        return _dtype.to_dtype(dtype)
    raise TypeError(f"{fn_name}(): argument 'dtype' must be torch.dtype, not {typename(dtype)}")


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
    """(NumPy array, whether the leaves carry dtypes) for `data` (used by the legacy constructors)."""
    arr, _, typed = _infer_data(data)
    return arr, typed


def _infer_data(data):
    """(NumPy array, the dtype PyTorch infers, whether the leaves carry dtypes) for tensor()'s `data`."""
    if isinstance(data, Tensor):
        return data._host(), data.dtype, True
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data), _dtype.from_numpy_dtype(data.dtype), True
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{typename(data)}'")
    if isinstance(data, _number):
        d = _scalar_type(data)
        if d is _dtype.int64 and not -(1 << 63) <= data < (1 << 63):
            raise ValueError("Overflow when unpacking long long")
        return np.asarray(data), d, False
    if not _is_sequence(data):
        raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
    seq = _flatten_tensors(data)
    try:
        arr = np.array(seq)
    except (ValueError, TypeError, OverflowError):
        arr = None
    if arr is None or arr.dtype.kind in "OUSV" or (arr.dtype.kind == "u" and not _typed_leaves(data)):
        # NumPy could not build it (ragged, strings, huge ints): find PyTorch's error, else build in the wide type
        d = _check_nested(data)
        arr = np.array(seq, dtype=np.complex128 if d.is_complex else np.float64)
        return arr, d, False
    return arr, _scalar_type(data), _typed_leaves(data)


def _is_sequence(x):
    """Python's sequence protocol as PyTorch reads it (tensors inside data count too, unlike PyTorch)."""
    if isinstance(x, (list, tuple, range, np.ndarray)):
        return True
    if isinstance(x, (str, bytes, dict, set, frozenset, np.generic)):
        return False
    if isinstance(x, Tensor):
        return x.ndim > 0
    return hasattr(type(x), "__getitem__") and hasattr(type(x), "__len__")


_PY_SCALARS = frozenset((bool, int, float, complex))


def _scalar_type(x):
    """PyTorch's infer_scalar_type: the dtype of one object; a sequence's is the promotion of its items'."""
    if x.__class__ is list or x.__class__ is tuple:
        kinds = frozenset(map(type, x))
        if x and kinds.issubset(_PY_SCALARS):  # plain numbers (the common case): one of each type will do
            return _py_scalars_type(kinds, _dtype._default[0])
    if isinstance(x, (np.ndarray, np.generic)):
        return _dtype.from_numpy_dtype(x.dtype)
    if isinstance(x, bool):
        return _dtype.bool
    if isinstance(x, int):
        return _dtype.int64
    if isinstance(x, float):
        return _dtype._default[0]
    if isinstance(x, complex):
        return _dtype.default_complex()
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{typename(x)}'")
    if not _is_sequence(x):
        raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")
    if len(x) == 0:
        return _dtype._default[0]
    d = None
    for item in x:
        item_type = _scalar_type(item)
        d = item_type if d is None or d is item_type else _dtype.promote_types(d, item_type)
        if d is _dtype.complex128:
            break
    return d


@functools.lru_cache(maxsize=64)
def _py_scalars_type(kinds, default):
    return functools.reduce(_dtype.promote_types, [_scalar_type(k()) for k in kinds])


def _check_nested(data):
    """Raise PyTorch's error for nested data NumPy cannot read: sizes are taken from the first items, then the
    dtype is inferred, then every item is checked against the sizes. Returns the dtype if nothing is wrong."""
    sizes, x = [], data
    while _is_sequence(x) or isinstance(x, str):
        if isinstance(x, str):
            raise ValueError("too many dimensions 'str'")  # noqa: TRY004  (PyTorch's type)
        sizes.append(len(x))
        if not len(x):
            break
        x = x[0]
    d = _scalar_type(data)

    def store(x, dim):
        if dim == len(sizes):
            if _is_sequence(x):
                if isinstance(x, np.ndarray):
                    raise TypeError("only 0-dimensional arrays can be converted to Python scalars")
                raise TypeError(f"'{typename(x)}' object cannot be interpreted as an integer" if d._category < 2
                                else f"must be real number, not {typename(x)}")
            if d._category == 1 and isinstance(x, int) and not -(1 << 63) <= x < (1 << 63):
                raise ValueError("Overflow when unpacking long long")
            return
        if not _is_sequence(x):
            raise TypeError("not a sequence")
        if len(x) != sizes[dim]:
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(x)})")
        for item in x:
            store(item, dim + 1)

    store(data, 0)
    return d


def _flatten_tensors(data):
    """`data` with the tensors inside replaced by NumPy arrays (lists of plain numbers are returned as they are)."""
    if data.__class__ is list or data.__class__ is tuple:
        return data if _PY_SCALARS.issuperset(map(type, data)) else [_flatten_tensors(x) for x in data]
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
    """True when the data's leaves carry dtypes (tensors/NumPy): no overflow check on conversion."""
    leaf = _first_leaf(data)
    return isinstance(leaf, (Tensor, np.ndarray, np.generic))


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Construct a tensor by copying `data` (numbers, nested sequences, NumPy arrays, tensors)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() or "
                      "sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    dtype = dtype_arg(dtype, "tensor")
    arr, inferred, typed = _infer_data(data)
    d = dtype if dtype is not None else inferred
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
            raise RuntimeError(f"value cannot be converted to type {_C_TYPE.get(d.name, d.name + '_t')} without "
                               "overflow")


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
    return _wrap(_own_storage(ndarray))


class _Window:
    """The bytes [lo, lo + n) of an array's memory, as a NumPy buffer that keeps the array alive."""

    def __init__(self, owner, lo, n):
        self._owner = owner
        self.__array_interface__ = {"shape": (n,), "typestr": "|u1", "data": (lo, not owner.flags.writeable),
                                    "version": 3}


def _own_storage(arr):
    """`arr`, or a view of the same memory whose chain of bases starts at arr's first element: PyTorch's
    from_numpy storage begins there, so a slice of a bigger array has storage_offset() == 0."""
    from ._storage import _byte_bounds, root_array
    root = root_array(arr)
    if root is arr or not arr.size:
        return arr
    lo, hi = _byte_bounds(arr)
    if _byte_bounds(root)[0] == lo:
        return arr
    window = np.asarray(_Window(arr, lo, hi - lo)).view(arr.dtype)
    return np.lib.stride_tricks.as_strided(window, arr.shape, arr.strides, writeable=arr.flags.writeable)


def _factory(fill):
    def factory(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
                pin_memory=False, memory_format=None, names=None):
        if size is not None:
            if args:
                raise TypeError(f"{factory.__name__}() got multiple values for argument 'size'")
            args = (size,)
        elif not args:
            raise TypeError(f'{factory.__name__}() missing 1 required positional arguments: "size"')
        shape = size_arg(args, factory.__name__)
        d = dtype_arg(dtype, factory.__name__, _dtype._default[0])
        dev = canonical(device)
        return _finalize(fill(dev.xp, shape, d.np), dev, requires_grad, out)
    return factory


zeros = _factory(lambda xp, shape, d: xp.zeros(shape, dtype=d))
ones = _factory(lambda xp, shape, d: xp.ones(shape, dtype=d))
empty = _factory(lambda xp, shape, d: xp.empty(shape, dtype=d))
zeros.__name__, ones.__name__, empty.__name__ = "zeros", "ones", "empty"

_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
           "complex32": "c10::complex<c10::Half>", "complex64": "c10::complex<float>",
           "complex128": "c10::complex<double>", "int32": "int"}


def check_scalar_fits(value, d):
    """PyTorch's checked conversion of a Python number to dtype `d` (full, fill_, linspace bounds, ...).

    Integers may wrap into unsigned types (-1 -> 255) but not overflow; floats may not overflow an integer type
    and NaN fits none; finite floats may not overflow a floating type (inf and nan may); a complex number needs a
    zero imaginary part unless `d` is complex; anything converts to bool."""
    if d is _dtype.bool:
        return
    if isinstance(value, int) and not isinstance(value, bool) and not -(1 << 63) <= value < (1 << 64):
        raise OverflowError("int too big to convert" if value > 0 else "can't convert negative int to unsigned")
    parts = [value]
    if isinstance(value, complex):
        if d.is_complex:
            parts = [value.real, value.imag]
        elif value.imag != 0:
            parts = None
        else:
            parts = [value.real]
    if parts is not None:
        if d._category == 1:
            info = np.iinfo(d.np)
            low = -int(info.max) if info.min == 0 and isinstance(value, int) else int(info.min)
            ok = all(not (isinstance(v, float) and math.isnan(v)) and low <= v <= int(info.max) for v in parts)
        else:
            big = float(_dtype.finfo(d.to_real()).max)
            ok = all(not math.isfinite(v) or -big <= v <= big for v in map(float, parts))
        if ok:
            return
    name = _C_TYPE.get(d.name, f"{d.name}_t")
    raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    shape = size_arg((size,))
    if isinstance(fill_value, Tensor) and fill_value.ndim == 0:
        fill_value = fill_value.item()
    if not isinstance(fill_value, (_number, np.number, np.bool_)):
        raise TypeError(f"full(): argument 'fill_value' (position 2) must be Number, not {typename(fill_value)}")
    fill_value = fill_value.item() if isinstance(fill_value, np.generic) else fill_value
    d = dtype_arg(dtype, "full") or _dtype.scalar_dtype(fill_value)
    check_scalar_fits(fill_value, d)
    dev = canonical(device)
    with np.errstate(invalid="ignore"):  # complex -> real drops a zero imaginary part; -1 wraps into uint8
        arr = _fill_array(dev.xp, shape, fill_value, d.np)
    return _finalize(arr, dev, requires_grad, out)


def _fill_array(xp, shape, value, np_dtype):
    if isinstance(value, complex) and np.dtype(np_dtype).kind != "c":
        value = value.real if np_dtype is not np.bool_ else bool(value)
    if isinstance(value, int) and np.dtype(np_dtype).kind in "iu":
        value = np.array(value).astype(np_dtype) if value < 0 or value >= 1 << 63 else value
    return xp.full(shape, value, dtype=np_dtype)


def check_tensor_arg(obj, fn_name, arg="input", position=1):
    """PyTorch's argument parser refusing a non-tensor where a Tensor is required."""
    if not isinstance(obj, Tensor):
        where = f" (position {position})" if position else ""
        raise TypeError(f"{fn_name}(): argument '{arg}'{where} must be Tensor, not {typename(obj)}")


def _dense_strides(shape, order):
    """Dense strides laying out dims in `order` (innermost first); size-0/1 dims count as 1, as PyTorch."""
    strides, acc = [0] * len(shape), 1
    for d in order:
        strides[d] = acc
        acc *= max(shape[d], 1)
    return tuple(strides)


def _is_non_overlapping_and_dense(shape, strides):
    acc = 1
    for d in sorted((d for d in range(len(shape)) if shape[d] >= 2), key=lambda d: strides[d]):
        if strides[d] != acc:
            return False
        acc *= shape[d]
    return True


def _infer_dense_strides(shape, strides):
    """PyTorch's infer_dense_strides: dense strides in the input's dimension order (stable insertion sort by
    stride, ties by size; zero strides keep their place)."""
    perm = list(range(len(shape)))[::-1]

    def should_swap(a, b):
        if strides[a] == 0 or strides[b] == 0:
            return 0
        if strides[a] != strides[b]:
            return 1 if strides[a] > strides[b] else -1
        return 1 if shape[a] > shape[b] else 0

    for i in range(1, len(perm)):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return _dense_strides(shape, perm)


def like_strides(input, memory_format):
    """Element strides of a `*_like(input)` result, or None for C-contiguous.

    preserve_format (the default) keeps a dense input's strides and gives other inputs dense strides in the
    input's dimension order; channels_last(_3d) asks for that layout."""
    shape = tuple(input._data.shape)
    name = "preserve_format" if memory_format is None else memory_format.name
    if name == "contiguous_format":
        return None
    if name in ("channels_last", "channels_last_3d"):
        rank = 4 if name == "channels_last" else 5
        if len(shape) != rank:
            raise RuntimeError(f"required rank {rank} tensor to use {name} format")
        return _dense_strides(shape, [1] + list(range(rank - 1, 1, -1)) + [0])
    strides = input.stride()
    if _is_non_overlapping_and_dense(shape, strides):
        return strides
    return _infer_dense_strides(shape, strides)


def relayout_like(t, input, memory_format):
    """Give the fresh (contiguous) result `t` of a `*_like(input)` factory the layout PyTorch gives it."""
    data = t._data
    if memory_format is None and data.strides == input._data.strides:
        return t  # the common case: a contiguous input
    strides = like_strides(input, memory_format)
    if strides is None or data.__class__ is not np.ndarray or strides == t.stride():
        return t  # other devices: contiguous results
    shape = data.shape
    n = 1 + sum((s - 1) * st for s, st in zip(shape, strides)) if data.size else 0
    out = np.lib.stride_tricks.as_strided(np.empty(n, data.dtype), shape, tuple(s * data.itemsize for s in strides))
    out[...] = data
    t._data = out
    return t


def _like(factory_fn):
    name = factory_fn.__name__ + "_like"

    def like(input, *args, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, **kw):
        check_tensor_arg(input, name)
        d = dtype_arg(dtype, name, input.dtype)
        dev = device if device is not None else input.device
        t = factory_fn(input.shape, *args, dtype=d, device=dev, requires_grad=requires_grad, **kw)
        return relayout_like(t, input, memory_format)
    like.__name__ = name
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
        d = dtype_arg(dtype, "arange")
    if d is _dtype.bool or d.is_complex:
        from .ops.registry import _pt_name
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{_pt_name(d)}'")
    if not all(math.isfinite(float(v)) for v in vals):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (step > 0 and start > end) or (step < 0 and start < end):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
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
        arr = _float_range(start, step, n, d.np)
    dev = canonical(device)
    return _finalize(_host_to(arr, dev), dev, requires_grad, out)


def _fma(a, b, c, acc):
    """a + b * c rounded once to `acc` (the compiler fuses PyTorch's kernel into an FMA)."""
    wide = np.longdouble if acc is np.float64 else np.float64
    return (np.asarray(a, wide) + np.asarray(b, wide) * np.asarray(c, wide)).astype(acc)


def _float_range(start, step, n, np_dtype):
    """Float arange bit-exactly as PyTorch's CPU kernel: in blocks of two SIMD vectors (AVX2 widths), each vector
    starts at base = start + step * k rounded to the dtype and holds base + step * j; the tail is start + step * i.
    The accumulation type is double (float32, float64) or float (half types)."""
    itemsize = np.dtype(np_dtype).itemsize
    acc, width = (np.float64, 32 // itemsize) if itemsize >= 4 else (np.float32, 16)
    s, st = acc(start), acc(step)
    blocked = n // (2 * width) * 2 * width
    base = _fma(s, st, np.arange(0, blocked, width, dtype=acc), acc).astype(np_dtype).astype(acc)
    head = _fma(base[:, None], st, np.arange(width, dtype=acc), acc).astype(np_dtype).reshape(-1)
    tail = _fma(s, st, np.arange(blocked, n, dtype=acc), acc).astype(np_dtype)
    return np.concatenate([head, tail])


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


def legacy_tensor_new(cls, *args, device=None):
    """torch.Tensor(...) — the legacy constructor: sizes give an uninitialised (zeroed) default-dtype tensor.
    It takes no dtype, as PyTorch's: the typed constructors (torch.LongTensor...) go to legacy_new_typed."""
    return legacy_new_typed(cls, args, device, _dtype._default[0])


def legacy_new_typed(cls, args, device, d):
    """The legacy constructor's rules for sizes or data, in dtype `d` (torch.Tensor, torch.LongTensor, ...)."""
    if len(args) == 1 and isinstance(args[0], (float, complex, bool, np.floating, np.complexfloating, np.bool_)):
        raise TypeError(f"new(): data must be a sequence (got {typename(args[0])})")
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
