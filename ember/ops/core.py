"""Core primitives the engine and the Tensor class stand on, and the promotion helpers all ops use.

arithmetic (add, sub, mul, div, neg), casts and copies (to_copy, clone, copy_,
fill_), sum (the engine's unbroadcast), and the view primitives view/expand/
as_strided with as_strided_scatter (the view rebase of in-place ops).
"""
import numpy as np

from .. import _dtype, _layout
from .._dtype import FROM_NP
from .._tensor import Tensor, _contiguous_strides, _wrap, register_methods
from ..autograd import grad_mode
from .registry import apply, apply_inplace, defop

_number = (int, float, bool, complex)
_operand = (Tensor, int, float, bool, complex)


# ---------------------------------------------------------------------------
# promotion (NOTE [ Type promotion ] in _dtype.py)

_BINARY_CACHE = {}


def result_dtype(a, b):
    """The ember dtype of a binary op between tensors and/or Python numbers (PyTorch rules), cached."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype is b._data.dtype:
        return FROM_NP[a._data.dtype]
    if isinstance(a, Tensor):
        ka = (a._data.dtype, a._data.ndim == 0)
    else:
        ka = type(a)
    if isinstance(b, Tensor):
        kb = (b._data.dtype, b._data.ndim == 0)
    else:
        kb = type(b)
    key = (ka, kb, _dtype._default[0])
    d = _BINARY_CACHE.get(key)
    if d is None:
        d = _BINARY_CACHE[key] = _dtype.result_type(a, b)
    return d


def as_tensor_arg(x, like):
    """Turn a Python number into a 0-dim tensor on `like`'s device (for ops that need two tensors)."""
    if isinstance(x, Tensor):
        return x
    from .._creation import tensor
    return tensor(x, device=like.device)


def _check_number(x, name):
    if not isinstance(x, (Tensor,) + _number) and not isinstance(x, np.generic):
        raise TypeError(f"{name}(): argument 'other' must be Tensor or Number, not {type(x).__name__}")


def float_dtype(t):
    """The dtype a float-valued op (exp, sqrt, ...) returns for tensor `t`: ints become the default dtype."""
    d = t.dtype
    return d if d._category >= 2 else _dtype._default[0]


# ---------------------------------------------------------------------------
# arithmetic primitives
# fmt: off
_add = defop("add", lambda xp, x, y, dtype: _arith(xp.add, x, y, dtype),          lambda g, out, x, y, dtype: (g, g), inputs=False)
_sub = defop("sub", lambda xp, x, y, dtype: _arith(xp.subtract, x, y, dtype),     lambda g, out, x, y, dtype: (g, -g), inputs=False)
_mul = defop("mul", lambda xp, x, y, dtype: _arith(xp.multiply, x, y, dtype),     lambda g, out, x, y, dtype: (_mul_grad(g, y, 0), _mul_grad(g, x, 1)))
_div = defop("div", lambda xp, x, y, dtype: _arith(xp.true_divide, x, y, dtype),  lambda g, out, x, y, dtype: (_div_grad_x(g, y), _div_grad_y(g, x, y)))
_neg = defop("neg", lambda xp, x: xp.negative(x),                               lambda g, out, x: -g, inputs=False)
# fmt: on


def _arith(ufunc, x, y, dtype):
    """ufunc(x, y) computed in `dtype` (the promoted dtype; NumPy's own promotion is not used)."""
    if dtype.kind == "V" or getattr(x, "dtype", dtype).kind == "V" or getattr(y, "dtype", dtype).kind == "V":
        # ml_dtypes' bfloat16 loops take only bfloat16 operands: cast first
        return ufunc(_as(x, dtype), _as(y, dtype))
    return ufunc(x, y, dtype=dtype, casting="unsafe")


def _as(a, dtype):
    dt = getattr(a, "dtype", None)
    if dt is None:
        return np.array(a).astype(dtype)
    return a if dt == dtype else a.astype(dtype)


def _mul_grad(g, other, i):
    from .registry import needs_input_grad
    if not needs_input_grad(i):
        return None
    if isinstance(other, Tensor):
        return g * (other.conj() if other.dtype.is_complex else other)
    return g * (other.conjugate() if isinstance(other, complex) else other)


def _div_grad_x(g, y):
    from .registry import needs_input_grad
    return g / y if needs_input_grad(0) else None


def _div_grad_y(g, x, y):
    from .registry import needs_input_grad
    return -g * x / (y * y) if needs_input_grad(1) else None


def add(input, other, *, alpha=1, out=None):
    _check_number(other, "add")
    if alpha != 1:
        other = other * alpha
    return _binary(_add, input, other, out)


def sub(input, other, *, alpha=1, out=None):
    _check_number(other, "sub")
    _check_sub_bool(input, other)
    if alpha != 1:
        other = other * alpha
    return _binary(_sub, input, other, out)


def _check_sub_bool(a, b):
    if any(x.dtype is _dtype.bool if isinstance(x, Tensor) else isinstance(x, bool) for x in (a, b)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


def mul(input, other, *, out=None):
    _check_number(other, "mul")
    return _binary(_mul, input, other, out)


def div(input, other, *, rounding_mode=None, out=None):
    _check_number(other, "div")
    if rounding_mode is not None:
        from . import pointwise  # floor/trunc division lives with the other rounding ops
        return pointwise._div_rounding(input, other, rounding_mode, out)
    d = result_dtype(input, other)
    if d._category < 2:
        d = _dtype._default[0]
    return _finish(apply(_div, input, other, dtype=d.np), out)


def neg(input, *, out=None):
    if input.dtype is _dtype.bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    return _finish(apply(_neg, input), out)


def _binary(op, a, b, out=None):
    d = result_dtype(a, b)
    if not isinstance(a, Tensor):
        a, b = b, a  # only reached for reflected scalar ops; callers keep order via rsub/rdiv
        return _finish(apply(op, b, a, dtype=d.np), out)
    return _finish(apply(op, a, b, dtype=d.np), out)


def _finish(result, out):
    """Write `result` into `out=` when given (PyTorch's out= semantics: resize if empty, cast-check)."""
    if out is None:
        return result
    return copy_out(result, out)


def copy_out(result, out):
    if isinstance(out, (tuple, list)):
        for r, o in zip(result, out):
            copy_out(r, o)
        return out
    if grad_mode._state.enabled and (out._requires_grad or result._requires_grad):
        raise RuntimeError(f"{getattr(result.grad_fn, 'name', lambda: 'op')()}(): functions with out=... arguments "
                           "don't support automatic differentiation, but one of the arguments requires grad.")
    from .registry import check_inplace_dtype, write_into
    check_inplace_dtype(out.dtype, result.dtype)
    if out._data.shape != result._data.shape:
        if out._data.size != 0:
            import warnings
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(out.shape)}, "
                          f"which does not match the required output shape {list(result.shape)}. This behavior is "
                          "deprecated, and in a future PyTorch release outputs will not be resized unless they have "
                          "zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
                          "elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._data = result._data.astype(out._data.dtype, copy=True)
        out._version_counter.value += 1
        return out
    write_into(out, result._data)
    return out


def _rsub(self, other):
    _check_sub_bool(self, other)
    return sub(as_tensor_arg(other, self), self) if not isinstance(other, _number) else _binary_rev(_sub, other, self)


def _binary_rev(op, scalar, t):
    d = result_dtype(t, scalar)
    return apply(op, _scalar_tensor(scalar, d, t), t, dtype=d.np)


def _scalar_tensor(x, d, like):
    return _wrap(like._device.xp.asarray(x, dtype=d.np), like._device)


def _rdiv(self, other):
    d = result_dtype(self, other)
    if d._category < 2:
        d = _dtype._default[0]
    return apply(_div, _scalar_tensor(other, d, self), self, dtype=d.np)


# in-place arithmetic

def _inplace_binary(op, self, other, alpha=1):
    if alpha != 1:
        other = other * alpha
    d = result_dtype(self, other)
    from .registry import check_inplace_dtype
    check_inplace_dtype(self.dtype, d)
    return apply_inplace(op, self, other, dtype=d.np)


def add_(self, other, *, alpha=1):
    return _inplace_binary(_add, self, other, alpha)


def sub_(self, other, *, alpha=1):
    _check_sub_bool(self, other)
    return _inplace_binary(_sub, self, other, alpha)


def mul_(self, other):
    return _inplace_binary(_mul, self, other)


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is not None:
        return self.copy_(div(self, other, rounding_mode=rounding_mode))
    d = result_dtype(self, other)
    if d._category < 2:
        d = _dtype._default[0]
    from .registry import check_inplace_dtype
    check_inplace_dtype(self.dtype, d)
    return apply_inplace(_div, self, other, dtype=d.np)


def neg_(self):
    return apply_inplace(_neg, self)


# ---------------------------------------------------------------------------
# casts, copies, fills
# fmt: off
_to_copy = defop("to_copy", lambda xp, x, dtype, device, src_device: _transfer(x, dtype, device),
                 lambda g, out, x, dtype, device, src_device: g.to(src_device), inputs=False, node="ToCopyBackward0",
                 moves_device=True)
_clone = defop("clone", lambda xp, x: x.copy(order="K"),                              lambda g, out, x: g, inputs=False)
_contiguous = defop("contiguous", lambda xp, x: xp.array(x, copy=True, order="C"),      lambda g, out, x: g, inputs=False,
                    node="CloneBackward0")
_copy_from = defop("copy_", lambda xp, x, src, dtype: xp.broadcast_to(xp.asarray(src).astype(dtype, copy=False), x.shape),
                   lambda g, out, x, src, dtype: (None, g), inputs=False, node="CopyBackwards")
_fill = defop("fill", lambda xp, x, value: xp.full(x.shape, value, dtype=x.dtype),
              lambda g, out, x, value: (None, g.sum() if isinstance(value, Tensor) else None), inputs=False)
# fmt: on


def _transfer(x, dtype, device):
    """Copy array `x` to `device` (an ember device) with NumPy dtype `dtype`."""
    src = _array_device(x)
    if device is None or device.type == src:
        if isinstance(x, np.ndarray):
            return x.astype(dtype, copy=True)
        return x.astype(dtype)
    xp = device.xp
    if device.type == "meta":
        return xp.empty(x.shape, dtype=dtype)
    if src == "meta":
        raise NotImplementedError("Cannot copy out of meta tensor; no data! Please use torch.nn.Module.to_empty() "
                                  "instead of torch.nn.Module.to() when moving module from meta to a different device.")
    if device.type == "cpu":
        return x.get().astype(dtype, copy=False)
    return xp.asarray(x).astype(dtype, copy=False)


def _array_device(x):
    if hasattr(x, "_ember_sparse"):
        return "cpu"  # sparse arrays (ops/sparse.py) hold NumPy arrays
    if type(x).__module__.startswith("ember"):
        return "meta"  # MetaArray is an ndarray subclass: test it first
    return "cpu" if isinstance(x, np.ndarray) else "cuda"


def to_copy(x, dtype=None, device=None):
    d = dtype or x.dtype
    dev = device or x._device
    return apply(_to_copy, x, dtype=d.np, device=dev, src_device=x._device)


def clone(input, *, memory_format=None):
    return apply(_clone, input)


def copy_(self, other, non_blocking=False):
    src = other
    if not isinstance(src, Tensor):
        if not isinstance(src, (int, float, complex, np.number, np.bool_)):  # numbers become 0-dim tensors
            raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {typename(src)}")
        src = _scalar_tensor(src, self.dtype, self)
    if src._device is not self._device:
        src = src.to(self._device)
    shape, src_shape = self._data.shape, src._data.shape
    if src_shape != shape:
        try:
            full = np.broadcast_shapes(src_shape, shape)
        except ValueError:
            from .registry import _broadcast_message
            raise RuntimeError(_broadcast_message([self._data, src._data])) from None
        if full != shape:
            raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {list(full)}")
    return apply_inplace(_copy_from, self, src, dtype=self._data.dtype)


def fill_(self, value):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
        if not value._requires_grad:
            value = value.item()
    return apply_inplace(_fill, self, value if isinstance(value, Tensor) else _fill_value(value, self))


def _fill_value(value, t):
    if t.dtype._category < 2 and isinstance(value, float) and not np.isfinite(value) and t.dtype is not _dtype.bool:
        raise RuntimeError(f"value cannot be converted to type {t.dtype.name} without overflow")
    return value


def zero_(self):
    return fill_(self, 0)


# ---------------------------------------------------------------------------
# sum (the engine's unbroadcast rides on it; other reductions live in reduce.py)
# fmt: off
_sum = defop("sum", lambda xp, x, dim, keepdim, dtype, shape: _sum_forward(xp, x, dim, keepdim, dtype),
             lambda g, out, x, dim, keepdim, dtype, shape: _expand_back(g, dim, keepdim, shape), inputs=False)
# PyTorch names the node of the dim= overload SumBackward1: same rule, second row
_sum_dim = defop("sum_dim", _sum.forward, _sum.backward, inputs=False, node="SumBackward1")
# fmt: on


def _sum_forward(xp, x, dim, keepdim, dtype):
    if dtype.itemsize == 2 and dtype.kind in "fV":  # float16/bfloat16 accumulate in float32, as in PyTorch
        return xp.asarray(xp.sum(x, axis=dim, keepdims=keepdim, dtype=np.float32)).astype(dtype)
    return xp.asarray(xp.sum(x, axis=dim, keepdims=keepdim, dtype=dtype))


def _expand_back(g, dim, keepdim, shape):
    """Gradient of a reduction over `dim`: broadcast `g` back to the input `shape`."""
    if not keepdim:
        dims = range(len(shape)) if dim is None else dim
        g = g.reshape(tuple(1 if i in dims else s for i, s in enumerate(shape)))
    return g.expand(shape)


def normalize_dims(dim, ndim):
    """dim argument (None, int, tuple/list) -> sorted tuple of non-negative dims, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    elif len(dim) == 0:
        return None
    n = ndim if ndim > 0 else 1
    out = []
    for d in dim:
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        d = d % n
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out)) if ndim > 0 else ()


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if isinstance(dim, (bool, str)):
        raise TypeError("sum(): argument 'dim' must be tuple of ints")
    dims = normalize_dims(dim, input.ndim)
    if dtype is None:
        d = input.dtype
        if d._category < 2:
            d = _dtype.int64  # integer and bool sums accumulate in int64, as in PyTorch
    else:
        d = _dtype.to_dtype(dtype)
    if dims == ():
        dims = None if input.ndim == 0 else ()
    op = _sum if dim is None else _sum_dim
    return _finish(apply(op, input, dim=dims, keepdim=keepdim, dtype=d.np, shape=input._data.shape), out)


# ---------------------------------------------------------------------------
# views: view, expand, as_strided (see NOTE [ Storage and views ] in _tensor.py)
# fmt: off
_view = defop("view", lambda xp, x, shape, in_shape: _view_forward(xp, x, shape), lambda g, out, x, shape, in_shape: g.reshape(in_shape),
              inputs=False, view=True)
_expand = defop("expand", lambda xp, x, shape: xp.broadcast_to(x, shape),       lambda g, out, x, shape: g, inputs=False, view=True)
_as_strided = defop("as_strided", lambda xp, x, size, stride, offset, geometry: _as_strided_forward(x, size, stride, offset),
                    lambda g, out, x, size, stride, offset, geometry: _as_strided_grad(g, geometry, size, stride, offset),
                    inputs=False, view=True)
_as_strided_scatter = defop("as_strided_scatter",
                            lambda xp, x, src, size, stride, offset, geometry: _as_strided_scatter_forward(x, src, size, stride, offset, geometry),
                            lambda g, out, x, src, size, stride, offset, geometry: _as_strided_scatter_grad(g, geometry, size, stride, offset),
                            inputs=False, node="AsStridedScatterBackward0")
_take_flat = defop("take_flat", lambda xp, x, index, shape: x.reshape(-1)[index],
                   lambda g, out, x, index, shape: _put_add_flat_fn(g, index, shape), inputs=False)
_put_add_flat = defop("put_add_flat", lambda xp, g, index, n, shape: _put_add_forward(xp, g, index, n, shape),
                      lambda g, out, x, index, n, shape: take_flat(g, index), inputs=False)
# fmt: on


def _view_forward(xp, x, shape):
    try:
        out = xp.reshape(x, shape, copy=False)
    except (ValueError, AttributeError):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.") from None
    # strides of size-1 dims (and of empty views) are free: NumPy and PyTorch choose them differently
    if (1 in shape or not out.size) and out.__class__ is np.ndarray:
        strides = _view_strides(x.shape, x.strides, shape, x.itemsize)
        if strides != out.strides:
            out = np.lib.stride_tricks.as_strided(out, shape, strides)
    return out


def _view_strides(old_shape, old_strides, shape, item):
    """Strides (in bytes) of `shape` viewing a tensor of `old_shape`/`old_strides`; the view is known possible.

    The old dims form runs that are contiguous with each other in memory (a size-1 dim joins any run); a run is
    a block of `numel` elements whose innermost stride is `base`. The new dims are laid over the runs from the
    right: inside a run, a dim's stride is `base` times the sizes laid before it, and a size-1 dim takes the
    stride of the place where it falls, which is what PyTorch reports for them."""
    if not old_shape:
        return (item,) * len(shape)
    if 0 in old_shape:
        if tuple(old_shape) == tuple(shape):
            return tuple(old_strides)
        return tuple(s * item for s in _contiguous_strides(shape))
    runs = []  # (numel, base stride), innermost run first
    numel, base = 1, old_strides[-1]
    for d in range(len(old_shape) - 1, -1, -1):
        numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != numel * base):
            runs.append((numel, base))
            if d:
                numel, base = 1, old_strides[d - 1]
    strides = [0] * len(shape)
    v = len(shape) - 1
    for numel, base in runs:
        laid = 1
        while v >= 0 and (laid < numel or shape[v] == 1):
            strides[v] = laid * base
            laid *= shape[v]
            v -= 1
    return tuple(strides)


def infer_shape(shape, numel):
    """Resolve a single -1 in `shape` and check the element count (PyTorch's infer_size and its messages)."""
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s >= 0:
            known *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if numel == known or (infer is not None and known > 0 and numel % known == 0):
        if infer is None:
            return shape
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               "unspecified dimension size -1 can be any value and is ambiguous")
        return shape[:infer] + (numel // known,) + shape[infer + 1:]
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def typename(x):
    """A value's type as PyTorch's argument errors print it: `float`, `numpy.ndarray`, `Tensor`."""
    if isinstance(x, Tensor):
        return "Tensor"
    tp = type(x)
    return tp.__name__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__name__}"


def _int_like(s):
    if isinstance(s, Tensor):
        return s.dtype._category == 1 and s._data.size == 1
    return isinstance(s, (int, np.integer)) and not isinstance(s, bool)


def _shape_arg(shape, name="view", kw="size"):
    """A size argument given as ints (`view(2, 3)`) or one sequence (`view((2, 3))`), checked like PyTorch's
    parser: ints, NumPy ints or one-element integer tensors, never bools or floats."""
    if len(shape) == 1 and shape[0].__class__ is not int:
        seq = shape[0]
        if not isinstance(seq, (tuple, list)):  # torch.Size is a tuple
            if not _int_like(seq):
                raise TypeError(f"{name}(): argument '{kw}' (position 1) must be tuple of ints, not {typename(seq)}")
            return (int(seq),)
        shape = seq
        for i, s in enumerate(shape):
            if s.__class__ is not int and not _int_like(s):
                raise TypeError(f"{name}(): argument '{kw}' (position 1) must be tuple of ints, but found element "
                                f"of type {typename(s)} at pos {i}")
    elif not shape:
        raise TypeError(f'{name}() missing 1 required positional arguments: "{kw}"')
    else:
        for s in shape:
            if s.__class__ is not int and not _int_like(s):
                raise TypeError(f"{name}() takes 1 positional argument but {len(shape)} were given")
    for s in shape:
        if s.__class__ is not int:
            return tuple(int(s) for s in shape)
    return shape if shape.__class__ is tuple else tuple(shape)


def _size_kwarg(args, kwargs, name, kw):
    """Sizes given by keyword (`reshape(shape=...)`, `view(size=...)`): PyTorch's methods accept them."""
    if kw in kwargs:
        if args:
            raise TypeError(f"{name}() got multiple values for argument '{kw}'")
        args = (kwargs.pop(kw),)
    if kwargs and args:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return args  # no sizes at all: _shape_arg says the argument is missing


def view(self, *shape, **kwargs):
    dtype = kwargs.pop("dtype", None)
    if dtype is not None and not shape and not kwargs or len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        from . import movement
        return movement.view_dtype(self, dtype if dtype is not None else shape[0])
    try:
        shape = _shape_arg(_size_kwarg(shape, kwargs, "view", "size"))
    except TypeError:
        got = ", ".join(typename(s) for s in shape)
        why = ""
        if len(shape) == 1 and not isinstance(shape[0], list):  # one bad argument: PyTorch says why
            a = shape[0]
            desc = f"tuple of ({', '.join(typename(s) for s in a)})" if isinstance(a, tuple) else typename(a)
            why = f"      didn't match because some of the arguments have invalid types: (!{desc}!)\n"
        raise TypeError(f"view() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        f" * (torch.dtype dtype)\n{why} * (tuple of ints size)\n{why}") from None
    shape = infer_shape(shape, self._data.size)
    return apply(_view, self, shape=shape, in_shape=self._data.shape)


def reshape(self, *shape, **kwargs):
    shape = infer_shape(_shape_arg(_size_kwarg(shape, kwargs, "reshape", "shape"), "reshape", "shape"),
                        self._data.size)
    data = self._data
    src = self
    if shape != data.shape and not data.flags.c_contiguous:
        try:
            np.reshape(data, shape, copy=False)
        except ValueError:
            src = apply(_contiguous, self)  # not viewable: reshape copies (C order), as in PyTorch
    return apply(_view, src, shape=shape, in_shape=data.shape)


def expand(self, *sizes, **kwargs):
    kwargs.pop("implicit", None)
    sizes = _shape_arg(_size_kwarg(sizes, kwargs, "expand", "size"), "expand", "size")
    ndim = self._data.ndim
    if len(sizes) < ndim:
        from .registry import _pt_name
        name = _pt_name(self.dtype)
        # PyTorch names the legacy types where one exists, else its dispatch type (CPUBFloat16Type, ...)
        label = f"torch.{name}Tensor" if name in _LEGACY_LABELS else f"{self._device.type.upper()}{name}Type"
        raise RuntimeError(f"expand({label}{{{list(self.shape)}}}, size={list(sizes)}): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({ndim})")
    lead = len(sizes) - ndim
    shape = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing "
                                   "dimension 0")
            shape.append(s)
            continue
        cur = self._data.shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(self.shape)}")
        shape.append(s)
    return apply(_expand, self, shape=tuple(shape))


_LEGACY_LABELS = ("Float", "Double", "Half", "Long", "Int", "Short", "Char", "Byte")


def _as_strided_forward(x, size, stride, offset):
    from .. import _storage
    flat = _storage.storage_array(x)
    item = flat.dtype.itemsize
    needed = offset + builtins_sum((s - 1) * st for s, st in zip(size, stride) if s > 0) + 1 if all(size) else 0
    if needed > flat.size or offset < 0:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {needed * item} are out of bounds for "
                           f"storage of size {flat.size * item}")
    return np.lib.stride_tricks.as_strided(flat[offset:], shape=size, strides=tuple(s * item for s in stride))


builtins_sum = __builtins__["sum"] if isinstance(__builtins__, dict) else __builtins__.sum


def _positions(t_shape, t_stride, t_offset):
    """Storage position of every element of a (size, stride, offset) geometry, as an int64 array."""
    if not all(t_shape):
        return np.zeros(t_shape, dtype=np.int64)
    base = np.arange(t_offset + builtins_sum((s - 1) * st for s, st in zip(t_shape, t_stride)) + 1, dtype=np.int64)
    return np.lib.stride_tricks.as_strided(base[t_offset:], shape=t_shape, strides=tuple(s * 8 for s in t_stride))


def geometry(t):
    """(shape, stride, storage_offset) of a tensor: what view backward rules keep instead of the tensor."""
    return tuple(t.shape), t.stride(), t.storage_offset()


def take_flat(x, index):
    return apply(_take_flat, x, index=index, shape=tuple(x.shape))


def _element_index(geom, size, stride, offset):
    """For each element of the strided view, the flat index of the element of `geom`'s tensor at the same storage position."""
    pos_x = _positions(*geom)
    pos_v = _positions(size, stride, offset)
    inverse = np.full(int(max(pos_x.max(initial=0), pos_v.max(initial=0))) + 1, -1, dtype=np.int64)
    inverse[pos_x.reshape(-1)] = np.arange(pos_x.size, dtype=np.int64)
    index = inverse[pos_v]
    if (index < 0).any():
        raise RuntimeError("as_strided: the view reaches storage outside the input tensor; gradient unsupported")
    return index


def _as_strided_grad(g, geom, size, stride, offset):
    return _put_add_flat_fn(g, _element_index(geom, size, stride, offset), geom[0])


def _put_add_flat_fn(g, index, shape):
    n = 1
    for s in shape:
        n *= s
    return apply(_put_add_flat, g, index=index, n=n, shape=tuple(shape))


def _put_add_forward(xp, g, index, n, shape):
    out = xp.zeros(n, dtype=g.dtype)
    xp.add.at(out, index.reshape(-1), g.reshape(-1))
    return out.reshape(shape)


def as_strided(input, size, stride, storage_offset=None):
    offset = input.storage_offset() if storage_offset is None else int(storage_offset)
    return apply(_as_strided, input, size=tuple(int(s) for s in size), stride=tuple(int(s) for s in stride),
                 offset=offset, geometry=geometry(input))


def _as_strided_scatter_forward(x, src, size, stride, offset, geom):
    out = x.copy()
    # write through the strided positions, expressed relative to x's own storage geometry
    index = _element_index(geom, size, stride, offset)
    out.reshape(-1)[index.reshape(-1)] = np.broadcast_to(src, size).reshape(-1)
    return out


def _as_strided_scatter_grad(g, geom, size, stride, offset):
    index = _element_index(geom, size, stride, offset)
    mask = np.ones(g.numel(), dtype=bool)
    mask[index.reshape(-1)] = False
    keep = _wrap(mask.reshape(geom[0]), g._device)
    return g * keep, take_flat(g, index)


# the node PyTorch records when an in-place op through a view rebases the view's base
_copy_slices = defop("copy_slices", _as_strided_scatter.forward, _as_strided_scatter.backward, inputs=False,
                     node="torch::autograd::CopySlices")


def copy_slices(base, src, size, stride, offset):
    return apply(_copy_slices, base, src, size=tuple(size), stride=tuple(stride), offset=offset,
                 geometry=geometry(base))


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    offset = input.storage_offset() if storage_offset is None else int(storage_offset)
    return apply(_as_strided_scatter, input, src, size=tuple(size), stride=tuple(stride), offset=offset,
                 geometry=geometry(input))


# ---------------------------------------------------------------------------
# dtype/device conversion methods

_TO_SIGNATURES = (
    ("(torch.device device = None, torch.dtype dtype = None, bool non_blocking = False, bool copy = False, *, "
     "torch.memory_format memory_format = None)"),
    "(torch.dtype dtype, bool non_blocking = False, bool copy = False, *, torch.memory_format memory_format = None)",
    "(Tensor tensor, bool non_blocking = False, bool copy = False, *, torch.memory_format memory_format = None)")


def _is_dtype(a):
    return isinstance(a, _dtype.dtype) or a is float or a is int or a is bool or a is complex  # Python types too


def _parse_to(args, kwargs):
    """PyTorch's three `to` overloads: (device, dtype, non_blocking, copy), (dtype, non_blocking, copy) and
    (tensor, non_blocking, copy), with a keyword-only memory_format; anything else is a TypeError."""
    from .._device import device as device_cls
    if len(args) > 4:
        raise TypeError(f"to() takes from 0 to 4 positional arguments but {len(args)} were given")
    first = args[0] if args else None
    if args and _is_dtype(first):
        names = ("dtype", "non_blocking", "copy")
    elif isinstance(first, Tensor):
        names = ("tensor", "non_blocking", "copy")
    else:
        names = ("device", "dtype", "non_blocking", "copy")
    p = dict(zip(names, args))
    ok = len(args) <= len(names)
    for k, v in kwargs.items():
        ok = ok and k not in p and (k in names or k == "memory_format")
        p[k] = v
    dtype, device = p.get("dtype"), p.get("device")
    ok = (ok and (device is None or isinstance(device, (str, device_cls, int)) and not isinstance(device, bool))
          and (dtype is None and names[0] != "dtype" or dtype is not None and _is_dtype(dtype))
          and isinstance(p.get("non_blocking", False), bool) and isinstance(p.get("copy", False), bool))
    if not ok:
        got = [_type_label(a) for a in args]
        order = ("device", "dtype", "non_blocking", "copy", "memory_format")  # PyTorch lists keywords this way
        kws = [f"{k}={_type_label(kwargs[k])}" for k in sorted(kwargs, key=lambda k: order.index(k) if k in order
                                                                   else len(order))]
        got = ", ".join(got + kws) if got else "".join(k + ", " for k in kws)
        raise TypeError(f"to() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        + "".join(f" * {sig}\n" for sig in _TO_SIGNATURES))
    if "tensor" in p:
        dtype, device = p["tensor"].dtype, p["tensor"].device
    return dtype, device, p.get("copy", False)


def _type_label(a):
    if isinstance(a, _dtype.dtype):
        return "torch.dtype"
    from .._device import device as device_cls
    return "torch.device" if isinstance(a, device_cls) else typename(a)


def to(self, *args, **kwargs):
    dtype, device, copy = _parse_to(args, kwargs)
    memory_format = kwargs.get("memory_format")
    from .._device import canonical
    dtype = _dtype.to_dtype(dtype) if dtype is not None else None
    device = canonical(device) if device is not None else None
    name = getattr(memory_format, "name", "preserve_format") if memory_format is not None else "preserve_format"
    if name != "preserve_format":
        # as PyTorch: no copy when the tensor's suggested memory format is already the one asked for
        from .movement import contiguous
        cl = "channels_last" if self._data.ndim == 4 else "channels_last_3d" if self._data.ndim == 5 else None
        suggested = cl if cl and not self.is_contiguous() and self.is_contiguous(getattr(_layout, cl)) \
            else "contiguous_format"
        if name != suggested:
            self = contiguous(self, memory_format)  # converts (and checks the rank) before the cast
    if not copy and (dtype is None or dtype is self.dtype) and (device is None or device is self._device):
        return self
    return to_copy(self, dtype, device)


def _caster(d):
    def cast(self, memory_format=None):
        return self if self.dtype is d else to_copy(self, d)
    cast.__name__ = d.name
    return cast


def cpu(self, memory_format=None):
    return to(self, "cpu")


def cuda(self, device=None, non_blocking=False, memory_format=None):
    return to(self, "cuda" if device is None else (device if not isinstance(device, int) else f"cuda:{device}"))


def type_(self, dtype=None, non_blocking=False, **kwargs):
    from ..autograd.graph import _type_name
    if dtype is None:
        return _type_name(self)
    if isinstance(dtype, str):
        from .._legacy_types import dtype_of_type_name
        return to(self, dtype_of_type_name(dtype))
    if isinstance(dtype, type) and hasattr(dtype, "_ember_dtype"):
        return to(self, dtype._ember_dtype)
    if not _is_dtype(dtype):
        raise TypeError("dtype must be a type, str, or dtype object")
    return to(self, dtype)


def type_as(self, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"type_as(): argument 'other' (position 1) must be Tensor, not {typename(other)}")
    return to(self, other.dtype)


register_methods({
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div, "divide": div,
    "true_divide": lambda self, other: div(self, other), "neg": neg, "negative": neg,
    "add_": add_, "sub_": sub_, "subtract_": sub_, "mul_": mul_, "multiply_": mul_, "div_": div_, "divide_": div_,
    "true_divide_": lambda self, other: div_(self, other), "neg_": neg_, "negative_": neg_,
    "__add__": lambda self, other: _binary(_add, self, other) if isinstance(other, _operand) else NotImplemented,
    "__radd__": lambda self, other: _binary(_add, self, other) if isinstance(other, _number) else NotImplemented,
    "__iadd__": lambda self, other: add_(self, other),
    "__sub__": lambda self, other: sub(self, other) if isinstance(other, _operand) else NotImplemented,
    "__rsub__": lambda self, other: _rsub(self, other) if isinstance(other, _number) else NotImplemented,
    "__isub__": lambda self, other: sub_(self, other),
    "__mul__": lambda self, other: _binary(_mul, self, other) if isinstance(other, _operand) else NotImplemented,
    "__rmul__": lambda self, other: _binary(_mul, self, other) if isinstance(other, _number) else NotImplemented,
    "__imul__": lambda self, other: mul_(self, other),
    "__truediv__": lambda self, other: div(self, other) if isinstance(other, _operand) else NotImplemented,
    "__rtruediv__": lambda self, other: _rdiv(self, other) if isinstance(other, _number) else NotImplemented,
    "__itruediv__": lambda self, other: div_(self, other),
    "__neg__": neg, "__pos__": lambda self: self,
    "to": to, "cpu": cpu, "cuda": cuda, "type": type_, "type_as": type_as,
    "float": _caster(_dtype.float32), "double": _caster(_dtype.float64), "half": _caster(_dtype.float16),
    "bfloat16": _caster(_dtype.bfloat16), "long": _caster(_dtype.int64), "int": _caster(_dtype.int32),
    "short": _caster(_dtype.int16), "char": _caster(_dtype.int8), "byte": _caster(_dtype.uint8),
    "bool": _caster(_dtype.bool), "cfloat": _caster(_dtype.complex64), "cdouble": _caster(_dtype.complex128),
    "clone": clone, "copy_": copy_, "fill_": fill_, "zero_": zero_,
    "sum": sum, "view": view, "reshape": reshape, "expand": expand, "as_strided": as_strided,
    "as_strided_scatter": as_strided_scatter,
    "view_as": lambda self, other: view(self, other.shape), "reshape_as": lambda self, other: reshape(self, other.shape),
    "expand_as": lambda self, other: expand(self, other.shape),
})
