"""Indexing: `x[index]`, `x[index] = v` and the gather/scatter/index_*/masked_* family.

NOTE [ Index specs ]
Every indexing primitive takes an index *spec* `(basic, adv)` in its attrs:
`basic` is a NumPy basic-index tuple (ints, slices, None, Ellipsis; always
ending in Ellipsis so a 0-dim result is still a view) or None, and `adv` a
tuple of slices and index arrays applied to the result of `basic`, or None.
Two stages give PyTorch's placement rule for mixed indices: PyTorch selects
integer indices away before advanced indexing (`x[0, :, [0, 1]]` has shape
(3, 2) there, (2, 3) in NumPy), and the remaining advanced indices follow
NumPy's rule (adjacent ones stay in place, separated ones go first).
gather, scatter, index_select, index_add, take, put, diagonal_scatter, ...
are all expressed as specs, so a few kernels carry the whole family: a basic
view (`x[basic]`), `_get` (advanced read), `_put` (write or accumulate, also
the adjoint of a read) and `_reduce_put` (scatter_reduce/index_reduce).  Each
public op gets its own row over them only so that grad_fn names match
PyTorch's (GatherBackward0, IndexAddBackward0, ...).

In-place variants write straight into the buffer when autograd is not
involved (`_inplace`); otherwise they go through `apply_inplace`, so views,
version counters and the graph behave as for every other in-place op.
"""
import operator
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, register_methods
from ..autograd import grad_mode
from . import registry
from .core import _finish, as_tensor_arg
from .registry import _pt_name, apply, apply_inplace, defop, needs_input_grad

__all__ = [
    "argwhere", "bucketize", "diagonal_scatter", "gather", "index_add", "index_copy", "index_fill", "index_put",
    "index_put_", "index_reduce", "index_select", "isin", "masked_fill", "masked_scatter", "masked_select",
    "nonzero", "nonzero_static", "put", "scatter", "scatter_add", "scatter_reduce", "searchsorted",
    "select_scatter", "slice_scatter", "take", "take_along_dim", "unravel_index",
]

_number = (int, float, bool, complex, np.generic)
_FULL = slice(None)


# ---------------------------------------------------------------------------
# array kernels (see NOTE [ Index specs ])

def _get(x, spec):
    basic, adv = spec
    if basic is not None:
        x = x[basic]
    if adv is not None:
        x = x[adv]
    return x


def _basic_forward(xp, x, idx, plain, shape):
    if plain is not None:  # NumPy would give None's new dims stride 0; a reshape first gives PyTorch's strides
        x = x.reshape(plain[0])
        return x if plain[1] is None else x[plain[1]]
    return x[idx]


def _put(xp, out, values, spec, accumulate):
    """Write (or add) `values` at `spec` of `out`, in place; returns `out`."""
    basic, adv = spec
    target = out[basic] if basic is not None else out
    if hasattr(values, "dtype") and values.dtype != out.dtype:
        values = values.astype(out.dtype)
    try:
        if adv is None:
            if accumulate:
                target += values
            else:
                target[...] = values
        elif accumulate:
            _add_at(xp, target, adv, values)
        else:
            target[adv] = values
    except OverflowError:  # a Python int outside the dtype's range wraps around, as in PyTorch
        return _put(xp, out, np.asarray(values).astype(out.dtype), spec, accumulate)
    except ValueError:
        shape = list(np.shape(values))
        raise RuntimeError(f"shape mismatch: value tensor of shape {shape} cannot be broadcast to indexing result "
                           f"of shape {list(_get(out, spec).shape)}") from None
    return out


def _add_at(xp, target, adv, values):
    """target[adv] += values with repeated indices accumulating (ufunc.at; rows of a big gather by sorting)."""
    i = adv[0] if len(adv) == 1 else None
    rows = (xp is np and i is not None and i.ndim == 1 and i.size > 512 and i.dtype.kind == "i" and target.ndim > 1
            and target.dtype.kind == "f" and target.dtype.itemsize >= 4)
    if rows and np.shape(values) == (i.size,) + target.shape[1:]:
        i = np.where(i < 0, i + target.shape[0], i)
        order = np.argsort(i, kind="stable")
        s = i[order]
        starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
        target[s[starts]] += np.add.reduceat(values[order], starts, axis=0)
        return
    xp.add.at(target, adv, values)


_UFUNC = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min if reduce == "amax" else info.max
    return -np.inf if reduce == "amax" else np.inf


def _counts(xp, shape, adv, include_self):
    n = xp.zeros(shape, dtype=np.int64)
    xp.add.at(n, adv, 1)
    if include_self:
        n += 1
    n[n == 0] = 1
    return n


def _reduce_put(xp, out, src, spec, reduce, include_self):
    """scatter_reduce / index_reduce into `out` (in place): combine `src` at `spec` with `reduce`."""
    adv = spec[1]
    src = src.astype(out.dtype, copy=False) if hasattr(src, "dtype") else src
    if not include_self:
        out[adv] = _identity(reduce, out.dtype)
    getattr(xp, _UFUNC[reduce]).at(out, adv, src)
    if reduce == "mean":
        n = _counts(xp, out.shape, adv, include_self)
        if out.dtype.kind in "iub":
            out[...] = xp.floor_divide(out, n)
        else:
            out /= n
    return out


def _fill_array(xp, value, dtype):
    """A fill value as a 0-dim array of `dtype` (out-of-range Python ints wrap around, as in PyTorch)."""
    return xp.asarray(value).astype(dtype, copy=False)


def _masked_fill_forward(xp, x, value, mask):
    return xp.where(mask, _fill_array(xp, value, x.dtype), x)


def _nonzero_static_forward(xp, x, size, fill_value):
    nz = xp.argwhere(x)[:size]
    out = xp.full((size, x.ndim), fill_value, dtype=np.int64)
    out[: nz.shape[0]] = nz
    return out


def _searchsorted_forward(xp, seq, v, right, dtype, sorter):
    side = "right" if right else "left"
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter, axis=-1)
    if seq.ndim == 1:
        return xp.searchsorted(seq, v, side=side).astype(dtype)
    rows = seq.reshape(-1, seq.shape[-1])
    vals = v.reshape(rows.shape[0], -1)
    out = xp.empty(vals.shape, dtype=dtype)
    for i in range(rows.shape[0]):
        out[i] = xp.searchsorted(rows[i], vals[i], side=side)
    return out.reshape(v.shape)


def _index_grad_forward(xp, g, spec, shape, accumulate):
    return _put(xp, xp.zeros(shape, dtype=g.dtype), g, spec, accumulate)


def _reduce_forward(xp, x, src, spec, reduce, include_self):
    return _reduce_put(xp, x.copy(), src, spec, reduce, include_self)


# ---------------------------------------------------------------------------
# primitives
# fmt: off
def _view_row(kind, node):
    return defop("getitem_" + kind, _basic_forward,
                 lambda g, out, x, idx, plain, shape: _index_grad_fn(g, (idx, None), shape, False),
                 inputs=False, view=True, node=node)


_VIEWS = {k: _view_row(k, n) for k, n in (("select", "SelectBackward0"), ("slice", "SliceBackward0"),
                                          ("unsqueeze", "UnsqueezeBackward0"), ("alias", "AliasBackward0"))}
_SELECT, _SLICE_VIEW = _VIEWS["select"], _VIEWS["slice"]


def _index_row(name, node):
    return defop(name, lambda xp, x, spec, shape, accumulate: _get(x, spec),
                 lambda g, out, x, spec, shape, accumulate: _index_grad_fn(g, spec, shape, accumulate),
                 inputs=False, node=node)


def _put_row(name, node):
    return defop(name, lambda xp, x, v, spec, accumulate: _put(xp, x.copy(), v, spec, accumulate),
                 lambda g, out, x, v, spec, accumulate: _index_put_grad(g, v, spec, accumulate),
                 inputs=False, node=node)


def _reduce_row(name, node):
    return defop(name, _reduce_forward, lambda *a, **k: _reduce_grad(*a, **k), output=True, node=node)


_index          = _index_row("index", "IndexBackward0")
_gather         = _index_row("gather", "GatherBackward0")
_index_select   = _index_row("index_select", "IndexSelectBackward0")
_take           = _index_row("take", "TakeBackward0")
_masked_select  = _index_row("masked_select", "MaskedSelectBackward0")
_index_grad     = defop("index_grad", _index_grad_forward,
                        lambda gg, out, g, spec, shape, accumulate: _index_fn(gg, spec),
                        inputs=False, node="IndexBackwardBackward0")
_index_put      = _put_row("index_put", "IndexPutBackward0")
_scatter        = _put_row("scatter", "ScatterBackward0")
_scatter_add    = _put_row("scatter_add", "ScatterAddBackward0")
_index_add      = _put_row("index_add", "IndexAddBackward0")
_index_copy     = _put_row("index_copy", "IndexCopyBackward0")
_index_fill     = _put_row("index_fill", "IndexFillBackward0")
_put_op         = _put_row("put", "PutBackward0")
_masked_scatter = _put_row("masked_scatter", "MaskedScatterBackward0")
_select_scatter = _put_row("select_scatter", "SelectScatterBackward0")
_slice_scatter  = _put_row("slice_scatter", "SliceScatterBackward0")
_diag_scatter   = _put_row("diagonal_scatter", "DiagonalScatterBackward0")
_scatter_reduce = _reduce_row("scatter_reduce", "ScatterReduceBackward0")
_index_reduce   = _reduce_row("index_reduce", "IndexReduceBackward0")
_masked_fill    = defop("masked_fill", _masked_fill_forward, lambda g, out, x, value, mask: _masked_fill_grad(g, mask),
                        inputs=False)
_nonzero        = defop("nonzero", lambda xp, x: xp.argwhere(x).astype(np.int64, copy=False))
_nonzero_static = defop("nonzero_static", _nonzero_static_forward)
_searchsorted   = defop("searchsorted", _searchsorted_forward)
_isin           = defop("isin", lambda xp, e, t, invert: xp.asarray(xp.isin(e, t, invert=invert)))
# fmt: on


def _index_fn(x, spec):
    """x at `spec` (a copy), through the `index` primitive."""
    return apply(_index, x, spec=spec, shape=x._data.shape, accumulate=True)


def _index_grad_fn(g, spec, shape, accumulate):
    return apply(_index_grad, g, spec=spec, shape=shape, accumulate=accumulate)


def _index_put_grad(g, v, spec, accumulate):
    gx = gv = None
    if needs_input_grad(0):
        gx = g if accumulate else apply(_index_put, g, 0, spec=spec, accumulate=False)
    if needs_input_grad(1):
        gv = _index_fn(g, spec)
    return gx, gv


def _masked_fill_grad(g, mask):
    gx = apply(_masked_fill, g, 0, mask=mask) if needs_input_grad(0) else None
    gv = apply(_masked_fill, g, 0, mask=~mask).sum() if needs_input_grad(1) else None  # value: a 0-dim tensor
    return gx, gv


def _const(arr, like):
    return _wrap(arr, like._device)


def _reduce_grad(g, out, x, src, spec, reduce, include_self):
    """PyTorch's scatter_reduce_backward, for any spec (scatter_reduce and index_reduce)."""
    xp = g._device.xp
    adv = spec[1]

    if reduce == "sum":
        gx, gs = g, _index_fn(g, spec)
    elif reduce == "mean":
        n = _const(_counts(xp, g.shape, adv, include_self).astype(g._data.dtype), g)
        gx = g / n
        gs = _index_fn(gx, spec)
    elif reduce in ("amax", "amin"):
        xd, od, sd = x._data, out._data, src._data
        self_is = (xd == od).astype(g._data.dtype)
        src_is = (sd == od[adv]).astype(g._data.dtype)
        n = self_is.copy()
        xp.add.at(n, adv, src_is)
        gd = g / _const(n, g)
        gx = gd * _const(self_is, g)
        gs = _index_fn(gd, spec) * _const(src_is, g)
    else:  # prod: products of the *other* factors, without dividing by zeros (PyTorch's formula)
        gx, gs = _prod_grad(g, out, x, src, spec, include_self)
    if not include_self:
        gx = apply(_index_put, gx, 0, spec=spec, accumulate=False)
    return gx, gs


def _prod_grad(g, out, x, src, spec, include_self):
    xp = g._device.xp
    adv = spec[1]
    # self: the product of everything else is prod(self with its zero replaced by 1) / 1
    masked_x = apply(_masked_fill, x, 1, mask=x._data == 0)
    gx = g * apply(_scatter_reduce, masked_x, src, spec=spec, reduce="prod", include_self=include_self) / masked_x
    # src: a lone zero at its target gets the product of the others; any other factor gets result / itself
    src_zero = src._data == 0
    zeros_at = xp.zeros(x._data.shape, dtype=np.int64)
    xp.add.at(zeros_at, adv, src_zero.astype(np.int64))
    single = src_zero & (zeros_at[adv] == 1)
    masked_src = apply(_masked_fill, src, 1, mask=single)
    others = apply(_scatter_reduce, x, masked_src, spec=spec, reduce="prod", include_self=include_self)
    lone = _index_fn(g * others, spec)
    rest = _index_fn(g * out, spec) / apply(_masked_fill, src, 1, mask=src_zero)
    pick = _const(single.astype(g._data.dtype), g)
    return gx, lone * pick + rest * (1 - pick)


# ---------------------------------------------------------------------------
# parsing Python indices (see NOTE [ Index specs ])

_INT, _SLICE, _NONE, _ELLIPSIS, _MASK, _ARRAY = range(6)
_INDEX_ERR = "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})"
_INDEX_NP = frozenset((np.dtype(np.int64), np.dtype(np.int32)))
_BOOL_NP = np.dtype(bool)


def _seq_as_tuple(seq):
    """PyTorch/NumPy's heuristic: a short list holding slices, None, ... or sequences means a tuple."""
    if len(seq) >= 32:
        return False
    for item in seq:
        if isinstance(item, (Tensor, list, tuple, slice)) or item is None or item is Ellipsis:
            return True
    return False


def _array_kind(arr, host_dtype):
    """Classify an index array by dtype: (kind, array)."""
    kind = host_dtype.kind
    if kind == "b":
        return _MASK, arr
    if host_dtype == np.uint8:
        warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.",
                      UserWarning, stacklevel=4)
        return _MASK, arr.astype(bool)
    if host_dtype not in _INDEX_NP:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if arr.ndim == 0:
        return _INT, int(arr)
    return _ARRAY, arr


def _convert(item):
    """One index item -> (kind, value)."""
    tp = type(item)
    if tp is int:
        return _INT, item
    if tp is slice:
        return _SLICE, item
    if item is None:
        return _NONE, None
    if item is Ellipsis:
        return _ELLIPSIS, None
    if isinstance(item, Tensor):
        return _array_kind(item._data, item._data.dtype)
    if tp is bool or isinstance(item, np.bool_):
        return _MASK, np.array(bool(item))
    if isinstance(item, np.ndarray):
        return _array_kind(item, item.dtype)
    if isinstance(item, (list, tuple)):
        arr = np.array(_unwrap_tensors(item))
        if arr.size == 0:
            arr = arr.astype(np.int64)
        if arr.dtype.kind in "iu":
            arr = arr.astype(np.int64, copy=False)
        elif arr.dtype.kind == "b":
            return _MASK, arr
        else:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return _ARRAY, arr
    if isinstance(item, str):
        raise TypeError("new(): invalid data type 'str'")
    try:
        return _INT, operator.index(item)
    except TypeError:
        raise IndexError(_INDEX_ERR.format(type(item).__name__)) from None


def _unwrap_tensors(seq):
    if isinstance(seq, Tensor):
        return seq._host()
    if isinstance(seq, (list, tuple)):
        return [_unwrap_tensors(s) for s in seq]
    return seq


def _check_slice(s):
    if s.step is not None and operator.index(s.step) <= 0:
        raise ValueError("step must be greater than zero")


class _Parsed:
    """A parsed index: the spec, the node kind for basic views, and what error messages need."""
    __slots__ = ("accumulate", "adv", "arrays", "basic", "kind", "plain")


def _parse(shape, index):
    if type(index) is not tuple:
        if isinstance(index, list) and _seq_as_tuple(index):
            warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
                          "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
                          "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
                          "a different result", UserWarning, stacklevel=3)
            index = tuple(index)
        else:
            index = (index,)
    items = [_convert(i) for i in index]
    ndim = len(shape)
    consumed = 0
    for k, v in items:
        if k in (_INT, _SLICE, _ARRAY):
            consumed += 1
        elif k == _MASK:
            consumed += v.ndim
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, adv, arrays = [], [], []
    d = 0
    last = None
    needs_basic = has_none = seen_ellipsis = False
    accumulate = False
    for k, v in items:
        if k == _INT:
            n = shape[d]
            if not -n <= v < n:
                raise IndexError(f"index {v} is out of bounds for dimension {d} with size {n}")
            basic.append(v)
            d += 1
            last = "select"
            needs_basic = True
        elif k == _SLICE:
            _check_slice(v)
            basic.append(v)
            adv.append(_FULL)
            d += 1
            if v != _FULL:
                last = "slice"
                needs_basic = True
        elif k == _NONE:
            basic.append(None)
            adv.append(_FULL)
            last = "unsqueeze"
            needs_basic = has_none = True
        elif k == _ELLIPSIS:
            if not seen_ellipsis:
                n = ndim - consumed
                basic.extend([_FULL] * n)
                adv.extend([_FULL] * n)
                d += n
                seen_ellipsis = True
        elif k == _MASK:
            if v.ndim == 0:
                basic.append(None)
                adv.append(v.reshape(1))
                needs_basic = True
            else:
                for j, s in enumerate(v.shape):
                    if s != shape[d + j]:
                        raise IndexError(f"The shape of the mask {list(v.shape)} at index {j} does not match the shape "
                                         f"of the indexed tensor {list(shape)} at index {d + j}")
                basic.extend([_FULL] * v.ndim)
                adv.append(v)
                d += v.ndim
            arrays.append(None)
        else:
            basic.append(_FULL)
            adv.append(v)
            arrays.append((v, len(arrays), shape[d]))  # PyTorch names the index tensor's position, not the dim
            accumulate = True
            d += 1
    p = _Parsed()
    p.accumulate = accumulate
    p.arrays = arrays
    p.plain = None
    if not arrays:
        basic.append(Ellipsis)
        p.basic, p.adv = tuple(basic), None
        p.kind = last or "alias"
        if has_none:  # unsqueeze the input first, so new dims get PyTorch's strides (see _basic_forward)
            rs, it = [], iter(shape)
            for b in basic:
                if b is None:
                    rs.append(1)
                elif b is not Ellipsis:
                    rs.append(next(it))
            rs.extend(it)
            p.plain = (tuple(rs), tuple(_FULL if b is None else b for b in basic))
        return p
    while adv and adv[-1] is _FULL:
        adv.pop()
    p.basic = tuple(basic) + (Ellipsis,) if needs_basic else None
    p.adv = tuple(adv)
    p.kind = None
    return p


def _raise_index_error(p, shape):
    """NumPy refused an advanced index: raise PyTorch's error instead."""
    for a in p.arrays:
        if a is None:
            continue
        arr, d, n = a
        bad = np.asarray(arr)[(np.asarray(arr) >= n) | (np.asarray(arr) < -n)]
        if bad.size:
            raise IndexError(f"index {int(bad.reshape(-1)[0])} is out of bounds for dimension {d} with size {n}")
    shapes = ", ".join(str(list(np.shape(a[0]))) for a in p.arrays if a is not None)
    raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}")


def _device_spec(spec, xp):
    """Index arrays live on the host while parsing; move them to the tensor's device."""
    if xp is np:
        return spec
    basic, adv = spec
    return basic, tuple(xp.asarray(a) if isinstance(a, np.ndarray) else a for a in adv) if adv else adv


# ---------------------------------------------------------------------------
# x[index]

FIRST_CLASS_DIMS = []  # [is_dim_index, index_with_dims], set when ember.functorch.dim is imported


def index(self, positions, dims):
    """Tensor.index: bind positional dimensions to first-class dims (functorch.dim)."""
    from ..functorch import dim
    return dim.index(self, positions, dims)


def getitem(self, index):
    data = self._data
    tp = type(index)
    if tp is int:  # hot path: x[i]
        shape = data.shape
        if not shape:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        n = shape[0]
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size {n}")
        return apply(_SELECT, self, idx=(index, Ellipsis), plain=None, shape=shape)
    if tp is slice:  # hot path: x[a:b]
        if not data.ndim:
            raise IndexError("too many indices for tensor of dimension 0")
        _check_slice(index)
        return apply(_SLICE_VIEW, self, idx=(index, Ellipsis), plain=None, shape=data.shape)
    if index is None:  # hot path: x[None]
        shape = data.shape
        return apply(_VIEWS["unsqueeze"], self, idx=(None, Ellipsis), plain=((1,) + shape, None), shape=shape)
    if tp is Tensor and self._device.type == "cpu":  # hot paths: x[idx], x[mask]
        arr = index._data
        dt = arr.dtype
        if arr.ndim and data.ndim:
            if self._requires_grad:
                arr = arr.copy()  # the graph keeps the index: later writes to it must not change gradients
            if dt in _INDEX_NP:
                try:
                    return apply(_index, self, spec=(None, (arr,)), shape=data.shape, accumulate=True)
                except IndexError:
                    pass  # the general path below raises PyTorch's message
            elif dt is _BOOL_NP and arr.shape == data.shape[:arr.ndim]:
                return apply(_index, self, spec=(None, (arr,)), shape=data.shape, accumulate=False)
    if tp is tuple:
        fast = _basic_tuple(data.shape, index)
        if fast is not None:  # hot path: x[i, j], x[:, a:b]
            return apply(fast[0], self, idx=fast[1], plain=None, shape=data.shape)
    if FIRST_CLASS_DIMS and FIRST_CLASS_DIMS[0](index):  # x[i, j] with functorch.dim Dims
        return FIRST_CLASS_DIMS[1](self, index)
    p = _parse(data.shape, index)
    if p.adv is None:
        kind = "slice" if tp is slice else p.kind
        return apply(_VIEWS[kind], self, idx=p.basic, plain=p.plain, shape=data.shape)
    adv = p.adv
    if self._requires_grad:  # the graph keeps the index arrays: later writes to them must not change gradients
        adv = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in adv)
    spec = _device_spec((p.basic, adv), self._device.xp)
    try:
        return apply(_index, self, spec=spec, shape=data.shape, accumulate=p.accumulate)
    except IndexError:
        _raise_index_error(p, _get_basic_shape(data, p))


def _basic_tuple(shape, index):
    """(view primitive, NumPy index) for a tuple of ints, slices and at most one Ellipsis (checked), else None."""
    ndim = len(shape)
    ell = Ellipsis in index
    if len(index) > ndim + ell:
        return None
    op = _VIEWS["alias"]
    d = 0
    for item in index:
        tp = type(item)
        if tp is int:
            n = shape[d]
            if not -n <= item < n:
                raise IndexError(f"index {item} is out of bounds for dimension {d} with size {n}")
            op = _SELECT
        elif tp is slice:
            if item.step is not None:
                _check_slice(item)
            if item != _FULL:
                op = _SLICE_VIEW
        elif item is Ellipsis and d == index.index(Ellipsis):
            d += ndim - len(index)  # the Ellipsis spans the dims the other items leave
        else:
            return None
        d += 1
    return op, index if ell else index + (Ellipsis,)


def _get_basic_shape(data, p):
    return data[p.basic].shape if p.basic is not None else data.shape


# ---------------------------------------------------------------------------
# x[index] = value

def _value_arg(self, value):
    """Check a setitem value: a Tensor (leading 1-dims dropped, as PyTorch does) or a number."""
    if isinstance(value, Tensor):
        if value._data.ndim and value._data.shape[0] == 1:
            shape = value._data.shape
            k = 0
            while k < len(shape) and shape[k] == 1:
                k += 1
            value = value.reshape(shape[k:])
        return value
    if isinstance(value, _number):
        if isinstance(value, (complex, np.complexfloating)) and not self.dtype.is_complex:
            name = self.dtype.name.replace("32", "")
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
        return value
    tp = type(value)
    tname = tp.__name__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__name__}"
    raise TypeError(f"can't assign a {tname} to a torch.{_pt_name(self.dtype)}Tensor")




def _fast_inplace(self, args):
    """May an in-place op write straight into the buffer (no autograd, hooks or devices involved)?"""
    if registry.HOOKS or self._device.type != "cpu":
        return False
    if grad_mode._state.enabled:
        if self._requires_grad:
            return False
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                return False
    for a in args:
        if isinstance(a, Tensor) and a._device is not self._device:
            return False
    return True


def _inplace(op, kernel, self, *args, **attrs):
    """Run `kernel(xp, self_array, *arrays, **attrs)` in place: directly when autograd is not involved
    (no copy of self), else through apply_inplace (see NOTE [ In-place ops and autograd ])."""
    if _fast_inplace(self, args):
        kernel(np, self._data, *[a._data if isinstance(a, Tensor) else a for a in args], **attrs)
        self._version_counter.value += 1
        return self
    return apply_inplace(op, self, *args, **attrs)


def setitem(self, index, value):
    value = _value_arg(self, value)
    shape = self._data.shape
    tp = type(index)
    basic = (index,) if tp is int or tp is slice else index if tp is tuple else None
    fast = _basic_tuple(shape, basic) if basic is not None and shape else None
    if fast is not None:  # hot path: x[i] = v
        return _inplace(_index_put, _put, self, value, spec=(fast[1], None), accumulate=False)
    p = _parse(shape, index)
    spec = _device_spec((p.basic, p.adv), self._device.xp)
    try:
        _inplace(_index_put, _put, self, value, spec=spec, accumulate=False)
    except IndexError:
        _raise_index_error(p, _get_basic_shape(self._data, p))


# ---------------------------------------------------------------------------
# index helpers shared by the functions below

def _wrap_dim(dim, ndim):
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _index_data(index, name, dtypes=("int64",)):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype.name not in dtypes:
        raise RuntimeError(f"{name}(): Expected dtype {' or '.join(dtypes)} for index")
    return index._data


def _check_range(arr, n, dim, exc=RuntimeError, msg=None, negative=False):
    """Refuse indices outside [0, n) (or [-n, n) when `negative`) with PyTorch's message for the op."""
    lo = -n if negative else 0
    if arr.size and (arr.min() < lo or arr.max() >= n):
        bad = int(arr[(arr < lo) | (arr >= n)].reshape(-1)[0])
        msg = msg or "index {bad} is out of bounds for dimension {dim} with size {n}"
        raise exc(msg.format(bad=bad, dim=dim, n=n))


def _dim_spec(ndim, dim, idx):
    """Spec selecting `idx` (1-D) along `dim`: index_select/index_add/index_copy/index_fill/index_reduce."""
    return None, (_FULL,) * dim + (idx,)


def _scatter_spec(dim, idx):
    """Spec addressing element index[i][j][k] along `dim` (gather/scatter): aranges broadcast with `idx`."""
    nd = idx.ndim
    adv = []
    for d, s in enumerate(idx.shape):
        if d == dim:
            adv.append(idx)
        else:
            shape = [1] * nd
            shape[d] = s
            adv.append(np.arange(s).reshape(shape))
    return None, tuple(adv)


def _check_scatter_shapes(self, dim, index, src, name):
    shape, ishape = self._data.shape, index._data.shape
    sshape = src._data.shape if isinstance(src, Tensor) else None
    if len(ishape) != len(shape) and not (len(ishape) <= 1 and len(shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if sshape is not None and len(sshape) != len(ishape) and not (len(sshape) <= 1 and len(ishape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for d, s in enumerate(ishape):
        too_big_self = d != dim and shape and s > shape[d]
        too_big_src = sshape and s > sshape[d]
        if too_big_self or too_big_src:
            extra = f" and to be no larger size than src {list(sshape)}" if sshape is not None else ""
            raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self {list(shape)} "
                               f"apart from dimension {dim}{extra}")


def _as_1d(t):
    return t.reshape(1) if t.ndim == 0 else t


def _src_part(src, index):
    """The leading index._data.shape block of `src` (scatter reads only that much)."""
    if tuple(src._data.shape) == tuple(index._data.shape):
        return src
    return getitem(src, tuple(slice(0, s) for s in index._data.shape))


# ---------------------------------------------------------------------------
# gather / scatter

def gather(input, dim, index, *, sparse_grad=False, out=None):
    idx = _index_data(index, "gather", ("int64", "int32"))
    dim = _wrap_dim(dim, input._data.ndim)
    shape, ishape = input._data.shape, index._data.shape
    if (not shape or not ishape) and max(len(shape), len(ishape)) <= 1:  # 0-dim tensors act as 1-D
        r = gather(_as_1d(input), 0, _as_1d(index))
        return _finish(r.reshape(ishape), out)
    if len(ishape) != len(shape):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(len(ishape)):
        if d != dim and ishape[d] > shape[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(ishape)} to be no "
                               f"larger than self {list(shape)} apart from dimension {dim}")
    _check_range(idx, input._data.shape[dim], dim)
    spec = _device_spec(_scatter_spec(dim, idx), input._device.xp)
    return _finish(apply(_gather, input, spec=spec, shape=input._data.shape, accumulate=True), out)


def _scatter_args(input, dim, index, src, name):
    """Validate scatter-style arguments; returns (spec, src block) for an input and index of >= 1 dims."""
    idx = _index_data(index, name, ("int64", "int32"))
    dim = _wrap_dim(dim, input._data.ndim)
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    _check_scatter_shapes(input, dim, index, src, name)
    _check_range(idx, input._data.shape[dim], dim)
    if isinstance(src, Tensor):
        src = _src_part(_as_1d(src), index)
    return _device_spec(_scatter_spec(dim, idx), input._device.xp), src


def _scatter_call(op, kernel, input, dim, index, src, name, inplace, **attrs):
    """Shared driver of scatter/scatter_add/scatter_reduce (0-dim tensors are seen as 1-D)."""
    if input._data.ndim == 0 or index._data.ndim == 0:
        if inplace:
            return input.copy_(_scatter_call(op, kernel, input, dim, index, src, name, False, **attrs))
        if not -1 <= dim <= 0:
            _wrap_dim(dim, max(input._data.ndim, index._data.ndim))
        res = _scatter_call(op, kernel, _as_1d(input), 0, _as_1d(index),
                            _as_1d(src) if isinstance(src, Tensor) else src, name, False, **attrs)
        return res.reshape(input._data.shape)
    spec, src = _scatter_args(input, dim, index, src, name)
    if inplace:
        return _inplace(op, kernel, input, src, spec=spec, **attrs)
    return apply(op, input, src, spec=spec, **attrs)


def _scatter_impl(input, dim, index, src, value, reduce, inplace):
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if not isinstance(src, (Tensor,) + _number):
        raise TypeError(f"scatter(): argument 'src' must be Tensor, not {type(src).__name__}")
    if reduce is None:
        return _scatter_call(_scatter, _put, input, dim, index, src, "scatter", inplace, accumulate=False)
    if isinstance(src, Tensor):
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in "
                      "a future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                      UserWarning, stacklevel=3)
    r = {"add": "sum", "multiply": "prod"}.get(reduce)
    if r is None:
        raise RuntimeError("reduce argument must be either add or multiply.")
    return _scatter_call(_scatter_reduce, _reduce_put, input, dim, index, src, "scatter", inplace, reduce=r,
                         include_self=True)


def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    return _finish(_scatter_impl(input, dim, index, src, value, reduce, False), out)


def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    return _scatter_impl(self, dim, index, src, value, reduce, True)


def _scatter_add_impl(input, dim, index, src, inplace):
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be Tensor, not {type(src).__name__}")
    return _scatter_call(_scatter_add, _put, input, dim, index, src, "scatter_add", inplace, accumulate=True)


def scatter_add(input, dim, index, src, *, out=None):
    return _finish(_scatter_add_impl(input, dim, index, src, False), out)


def scatter_add_(self, dim, index, src):
    return _scatter_add_impl(self, dim, index, src, True)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _check_reduce(reduce, name):
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)
    if reduce not in _REDUCES:
        raise RuntimeError(f"{name}(): reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    return reduce


def _scatter_reduce_impl(input, dim, index, src, reduce, include_self, inplace):
    reduce = _check_reduce(reduce, "scatter_reduce")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}")
    return _scatter_call(_scatter_reduce, _reduce_put, input, dim, index, src, "scatter_reduce", inplace,
                         reduce=reduce, include_self=include_self)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    return _finish(_scatter_reduce_impl(input, dim, index, src, reduce, include_self, False), out)


def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    return _scatter_reduce_impl(self, dim, index, src, reduce, include_self, True)


# ---------------------------------------------------------------------------
# index_select / index_add / index_copy / index_fill / index_reduce

# per op: (error type, out-of-range message, negative indices allowed)
_DIM_OPS = {
    "index_select": (IndexError, "index out of range in self", False),
    "index_add_": (RuntimeError, None, False),
    "index_copy_": (IndexError, "index_copy_(): index {bad} is out of bounds for dimension {dim} with size {n}", False),
    "index_fill_": (IndexError, None, True),
    "index_reduce_": (IndexError, "index out of range in self", False),
}


def _dim_index(input, dim, index, name, dtypes=("int64", "int32")):
    """Validate a 1-D index along `dim`; returns (dim, spec) for the input (0-dim inputs seen as 1-D)."""
    idx = _index_data(index, name.rstrip("_"), dtypes)
    if index._data.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    dim = _wrap_dim(dim, input._data.ndim)
    idx = idx.reshape(-1)
    n = input._data.shape[dim] if input._data.ndim else 1
    if input._data.ndim == 0 and idx.size != 1 and name == "index_select":
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    exc, msg, negative = _DIM_OPS[name]
    _check_range(idx, n, dim, exc, msg, negative)
    return dim, _device_spec(_dim_spec(max(input._data.ndim, 1), dim, idx), input._device.xp)


def index_select(input, dim, index, *, out=None):
    dim, spec = _dim_index(input, dim, index, "index_select")
    src = _as_1d(input)
    res = apply(_index_select, src, spec=spec, shape=src._data.shape, accumulate=True)
    if input._data.ndim == 0:
        res = res.reshape(())
    return _finish(res, out)


def _source_check(input, dim, index, source, name):
    if source.dtype is not input.dtype:
        if name == "index_copy_":
            raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                               f"{_pt_name(input.dtype)} and (source) {_pt_name(source.dtype)}")
        raise RuntimeError(f"{name}(): self ({_pt_name(input.dtype)}) and source ({_pt_name(source.dtype)}) "
                           "must have the same scalar type")
    n = index.numel()
    ssize = source._data.shape[dim] if source._data.ndim else 1
    if n != ssize:
        if name == "index_copy_":
            raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to source.size(dim) ({ssize})")
        raise RuntimeError(f"{name}(): Number of indices ({n}) should be equal to source.size(dim): ({ssize}), "
                           f"for dim: {dim}")
    want = list(input._data.shape)
    if want:
        want[dim] = n
    if source._data.ndim and list(source._data.shape) != want:
        raise RuntimeError(f"{name}(): Source/destination tensor must have same slice shapes. Destination slice shape: "
                           f"{want} and source slice shape: {list(source._data.shape)}")


def _index_write(op, kernel, input, dim, index, source, name, inplace, **attrs):
    """index_add/index_copy/index_reduce: write `source` rows at `index` along `dim` through primitive `op`."""
    dim, spec = _dim_index(input, dim, index, name)
    _source_check(input, dim, index, source, name)
    if input._data.ndim == 0:
        source = source.reshape(1)
    if inplace:
        if input._data.ndim == 0:
            source = source.reshape(())
            spec = (None, None)
        return _inplace(op, kernel, input, source, spec=spec, **attrs)
    res = apply(op, _as_1d(input), source, spec=spec, **attrs)
    return res.reshape(()) if input._data.ndim == 0 else res


def index_add(input, dim, index, source, *, alpha=1, out=None):
    if alpha != 1:
        source = source * alpha
    return _finish(_index_write(_index_add, _put, input, dim, index, source, "index_add_", False, accumulate=True), out)


def index_add_(self, dim, index, source, *, alpha=1):
    if alpha != 1:
        source = source * alpha
    return _index_write(_index_add, _put, self, dim, index, source, "index_add_", True, accumulate=True)


def index_copy(input, dim, index, source, *, out=None):
    res = _index_write(_index_copy, _put, input, dim, index, source, "index_copy_", False, accumulate=False)
    return _finish(res, out)


def index_copy_(self, dim, index, source):
    return _index_write(_index_copy, _put, self, dim, index, source, "index_copy_", True, accumulate=False)


def _fill_value(input, value, name):
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{name} only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        return value if value._requires_grad else value.item()
    if not isinstance(value, _number):
        raise TypeError(f"{name.rstrip('_')}(): argument 'value' must be Number, not {type(value).__name__}")
    return value


def _index_fill_impl(input, dim, index, value, inplace):
    dim, spec = _dim_index(input, dim, index, "index_fill_", dtypes=("int64",))
    value = _fill_value(input, value, "index_fill_")
    if inplace:
        spec = spec if input._data.ndim else (None, None)
        return _inplace(_index_fill, _put, input, value, spec=spec, accumulate=False)
    res = apply(_index_fill, _as_1d(input), value, spec=spec, accumulate=False)
    return res.reshape(()) if input._data.ndim == 0 else res


def index_fill(input, dim, index, value):
    return _index_fill_impl(input, dim, index, value, False)


def index_fill_(self, dim, index, value):
    return _index_fill_impl(self, dim, index, value, True)


def _index_reduce_check(reduce):
    warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, stacklevel=3)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")


def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    _index_reduce_check(reduce)
    return _finish(_index_write(_index_reduce, _reduce_put, input, dim, index, source, "index_reduce_", False,
                                reduce=reduce, include_self=include_self), out)


def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
    _index_reduce_check(reduce)
    return _index_write(_index_reduce, _reduce_put, self, dim, index, source, "index_reduce_", True,
                        reduce=reduce, include_self=include_self)


# ---------------------------------------------------------------------------
# index_put / put / take

def _indices_spec(input, indices):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(t).__name__}")
    return _parse(input._data.shape, tuple(indices))


def _index_put_impl(input, indices, values, accumulate, inplace):
    p = _indices_spec(input, indices)
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' must be Tensor, not {type(values).__name__}")
    if values.dtype is not input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_pt_name(input.dtype)} for the destination and {_pt_name(values.dtype)} for "
                           "the source.")
    values = _value_arg(input, values)
    spec = _device_spec((p.basic, p.adv), input._device.xp)
    try:
        if inplace:
            return _inplace(_index_put, _put, input, values, spec=spec, accumulate=accumulate)
        return apply(_index_put, input, values, spec=spec, accumulate=accumulate)
    except IndexError:
        _raise_index_error(p, _get_basic_shape(input._data, p))


def index_put(input, indices, values, accumulate=False):
    return _index_put_impl(input, indices, values, accumulate, False)


def index_put_(input, indices, values, accumulate=False):
    return _index_put_impl(input, indices, values, accumulate, True)


def _flat_spec(input, index, name):
    """Spec for flat (row-major) indices into `input`: unravelled, so no reshape copy is needed."""
    idx = _index_data(index, name)
    n = input.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].reshape(-1)[0]
        raise IndexError(f"out of range: tried to access index {int(bad)} on a tensor of {n} elements.")
    if input._data.ndim == 0:
        return (None, ((idx % 1).astype(np.int64),))
    return None, np.unravel_index(idx % max(n, 1), input._data.shape)


def take(input, index, *, out=None):
    src = _as_1d(input)
    spec = _device_spec(_flat_spec(input, index, "take"), input._device.xp)
    return _finish(apply(_take, src, spec=spec, shape=src._data.shape, accumulate=True), out)


def _put_impl(input, index, source, accumulate, inplace):
    if source.dtype is not input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_pt_name(input.dtype)} and source.dtype = {_pt_name(source.dtype)}")
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    spec = _device_spec(_flat_spec(input, index, "put_"), input._device.xp)
    values = source.reshape(index._data.shape)
    if inplace:
        if input._data.ndim == 0:
            return _inplace(_put_op, _put, input, values.reshape(-1).sum() if accumulate else values.reshape(-1)[-1],
                            spec=(None, None), accumulate=accumulate) if index.numel() else input
        return _inplace(_put_op, _put, input, values, spec=spec, accumulate=accumulate)
    res = apply(_put_op, _as_1d(input), values, spec=spec, accumulate=accumulate)
    return res.reshape(()) if input._data.ndim == 0 else res


def put(input, index, source, accumulate=False):
    return _put_impl(input, index, source, accumulate, False)


def put_(self, index, source, accumulate=False):
    return _put_impl(self, index, source, accumulate, True)


def take_along_dim(input, indices, dim=None, *, out=None):
    if dim is None:
        return _finish(gather(input.reshape(-1), 0, indices.reshape(-1)), out)
    dim = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim != indices._data.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions for "
                           "indices")
    shape_i, shape_x = list(input._data.shape), list(indices._data.shape)
    shape_i[dim] = shape_x[dim] = 1
    try:
        b = list(np.broadcast_shapes(tuple(shape_i), tuple(shape_x)))
    except ValueError:
        for d, (a, c) in enumerate(zip(shape_i, shape_x)):
            if a != c and a != 1 and c != 1:
                raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({c}) at "
                                   f"non-singleton dimension {d}") from None
        raise
    bx, bi = list(b), list(b)
    bx[dim], bi[dim] = input._data.shape[dim], indices._data.shape[dim]
    x = input if list(input._data.shape) == bx else input.expand(bx)
    i = indices if list(indices._data.shape) == bi else indices.expand(bi)
    return _finish(gather(x, dim, i), out)


# ---------------------------------------------------------------------------
# masked ops

def _check_mask(mask, name):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.dtype is not _dtype.bool:
        if name == "masked_select":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        raise RuntimeError(f"{name}_ only supports boolean masks, but got mask with dtype "
                           f"{ {'uint8': 'unsigned char'}.get(mask.dtype.name, mask.dtype.name)}")


def masked_fill(input, mask, value):
    _check_mask(mask, "masked_fill")
    value = _fill_value(input, value, "masked_fill_")
    try:
        return apply(_masked_fill, input, value, mask=mask._data)
    except ValueError:
        _broadcast_shapes(input._data.shape, mask._data.shape)
        raise


def _masked_fill_kernel(xp, x, value, mask):
    if np.broadcast_shapes(x.shape, mask.shape) != x.shape:
        raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(x.shape, mask.shape))}")
    xp.copyto(x, _fill_array(xp, value, x.dtype), where=mask)
    return x


def masked_fill_(self, mask, value):
    _check_mask(mask, "masked_fill")
    value = _fill_value(self, value, "masked_fill_")
    return _inplace(_masked_fill, _masked_fill_kernel, self, value, mask=mask._data)


def _broadcast_shapes(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        for i in range(1, min(len(a), len(b)) + 1):
            if a[-i] != b[-i] and a[-i] != 1 and b[-i] != 1:
                raise RuntimeError(f"The size of tensor a ({b[-i]}) must match the size of tensor b ({a[-i]}) at "
                                   f"non-singleton dimension {max(len(a), len(b)) - i}") from None
        raise


def _broadcast_mask(input, mask):
    shape = _broadcast_shapes(input._data.shape, mask._data.shape)
    x = input if input._data.shape == shape else input.expand(shape)
    m = mask._data if mask._data.shape == shape else np.broadcast_to(mask._data, shape)
    return x, m


def masked_select(input, mask, *, out=None):
    _check_mask(mask, "masked_select")
    x, m = _broadcast_mask(input, mask)
    spec = (None, (m,))
    return _finish(apply(_masked_select, x, spec=spec, shape=x._data.shape, accumulate=False), out)


def _masked_scatter_impl(input, mask, source, inplace):
    _check_mask(mask, "masked_scatter")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but got "
                           f"{_pt_name(input.dtype)} and {_pt_name(source.dtype)}")
    if inplace:
        x, m = input, mask._data
        if np.broadcast_shapes(x._data.shape, m.shape) != x._data.shape:
            raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape "
                               f"{list(np.broadcast_shapes(x._data.shape, m.shape))}")
        m = np.broadcast_to(m, x._data.shape)
    else:
        x, m = _broadcast_mask(input, mask)
    n = int(m.sum())
    if source.numel() < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    flat = source.reshape(-1)
    values = flat if flat.shape[0] == n else getitem(flat, slice(0, n))
    spec = (None, (m,))
    if inplace:
        return _inplace(_masked_scatter, _put, x, values, spec=spec, accumulate=False)
    return apply(_masked_scatter, x, values, spec=spec, accumulate=False)


def masked_scatter(input, mask, source):
    return _masked_scatter_impl(input, mask, source, False)


def masked_scatter_(self, mask, source):
    return _masked_scatter_impl(self, mask, source, True)


# ---------------------------------------------------------------------------
# select_scatter / slice_scatter / diagonal_scatter

_SRC_SIZE = "expected src to have a size equal to the slice of self. src size = {}, slice size = {}"


def _scatter_view(op, input, src, basic, view_shape):
    if tuple(src._data.shape) != tuple(view_shape):
        raise RuntimeError(_SRC_SIZE.format(list(src._data.shape), list(view_shape)))
    if src.dtype is not input.dtype:
        src = src.to(input.dtype)
    return apply(op, input, src, spec=(basic, None), accumulate=False)


def select_scatter(input, src, dim, index):
    dim = _wrap_dim(dim, input._data.ndim)
    n = input._data.shape[dim]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at "
                         f"dimension {dim}")
    basic = (_FULL,) * dim + (int(index), Ellipsis)
    return _scatter_view(_select_scatter, input, src, basic, input._data[basic].shape)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    dim = _wrap_dim(dim, input._data.ndim)
    s = slice(start, end, step)
    _check_slice(s)
    basic = (_FULL,) * dim + (s, Ellipsis)
    return _scatter_view(_slice_scatter, input, src, basic, input._data[basic].shape)


def _diag_spec(shape, offset, dim1, dim2):
    """All-advanced spec reading the diagonal with PyTorch's layout (other dims, then the diagonal)."""
    n1, n2 = shape[dim1], shape[dim2]
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    rest = [d for d in range(len(shape)) if d not in (dim1, dim2)]
    nd = len(rest) + 1
    adv = [None] * len(shape)
    for p, d in enumerate(rest):
        sh = [1] * nd
        sh[p] = shape[d]
        adv[d] = np.arange(shape[d]).reshape(sh)
    k = np.arange(length).reshape([1] * (nd - 1) + [length])
    adv[dim1] = k - min(offset, 0)
    adv[dim2] = k + max(offset, 0)
    return tuple(adv), tuple(shape[d] for d in rest) + (length,)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    dim1, dim2 = _wrap_dim(dim1, input._data.ndim), _wrap_dim(dim2, input._data.ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    adv, view_shape = _diag_spec(input._data.shape, offset, dim1, dim2)
    if tuple(src._data.shape) != view_shape:
        raise RuntimeError(_SRC_SIZE.format(list(src._data.shape), list(view_shape)))
    return apply(_diag_scatter, input, src, spec=_device_spec((None, adv), input._device.xp), accumulate=False)


# ---------------------------------------------------------------------------
# nonzero / argwhere / searchsorted / bucketize / isin (not differentiable)

def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the non-zero elements; `nonzero(cond, as_tuple=True)` is `where(cond)`."""
    if as_tuple:
        data = input._data if input._data.ndim else input._data.reshape(1)
        xp = input._device.xp
        return tuple(_wrap(a.astype(np.int64, copy=False), input._device) for a in xp.nonzero(data))
    return _finish(apply(_nonzero, input), out)


def argwhere(input):
    return apply(_nonzero, input)


def nonzero_static(input, *, size, fill_value=-1):
    """nonzero padded with `fill_value` (or truncated) to exactly `size` rows."""
    return apply(_nonzero_static, input, size=int(size), fill_value=fill_value)


def unravel_index(indices, shape):
    """Coordinates of flat `indices` in a tensor of `shape`, as a tuple of int64 tensors (PyTorch wraps them)."""
    if not isinstance(indices, Tensor) or indices.dtype._category != 1:
        got = indices.dtype if isinstance(indices, Tensor) else type(indices).__name__
        raise TypeError(f"expected 'indices' to be integer dtype, but got {got}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    coefs = np.cumprod((1,) + shape[:0:-1])[::-1]
    data = indices._data.astype(np.int64)[..., None]
    coords = np.mod(np.floor_divide(data, coefs), np.asarray(shape, dtype=np.int64))
    return tuple(_wrap(coords[..., i].copy(), indices._device) for i in range(len(shape)))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, out=None, sorter=None):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    values = as_tensor_arg(input, sorted_sequence)
    seq = sorted_sequence
    if seq.ndim > 1 and (values.ndim != seq.ndim or tuple(values.shape[:-1]) != tuple(seq.shape[:-1])):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(values.shape)}")
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(values.shape)}")
    if sorter is not None:
        if tuple(sorter.shape) != tuple(seq.shape):
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(seq.shape)}and got sorter tensor {list(sorter.shape)}")
        if sorter.dtype is not _dtype.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but it got "
                               f"{sorter.dtype}")
        sorter = sorter._data
    dtype = np.int32 if out_int32 else np.int64
    if scalar:
        values = values.to(seq.dtype) if values.dtype._category < seq.dtype._category else values
    return _finish(apply(_searchsorted, seq, values, right=right, dtype=dtype, sorter=sorter), out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments")
    like = elements if isinstance(elements, Tensor) else test_elements
    e = as_tensor_arg(elements, like)
    t = as_tensor_arg(test_elements, like)
    return apply(_isin, e, t, invert=invert)


# ---------------------------------------------------------------------------

register_methods({
    "__getitem__": getitem, "__setitem__": setitem, "index": index,
    "index_select": index_select, "gather": gather, "scatter": scatter, "scatter_": scatter_,
    "scatter_add": scatter_add, "scatter_add_": scatter_add_, "scatter_reduce": scatter_reduce,
    "scatter_reduce_": scatter_reduce_, "index_add": index_add, "index_add_": index_add_,
    "index_copy": index_copy, "index_copy_": index_copy_, "index_fill": index_fill, "index_fill_": index_fill_,
    "index_reduce": index_reduce, "index_reduce_": index_reduce_, "index_put": index_put, "index_put_": index_put_,
    "put": put, "put_": put_, "take": take, "take_along_dim": take_along_dim,
    "masked_fill": masked_fill, "masked_fill_": masked_fill_, "masked_select": masked_select,
    "masked_scatter": masked_scatter, "masked_scatter_": masked_scatter_,
    "select_scatter": select_scatter, "slice_scatter": slice_scatter, "diagonal_scatter": diagonal_scatter,
    "nonzero": nonzero, "nonzero_static": nonzero_static, "argwhere": argwhere,
})
