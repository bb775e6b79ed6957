"""Reductions, scans and sorting.

Primitives here: the tie-splitting extremes (amax, amin and the full-tensor
median), softmax, log_softmax, logsumexp, var, std, the vector norm, cumsum,
cumprod and logcumsumexp.  Index-returning ops (max/min along a dim, sort,
topk, kthvalue, median, mode, cummax, ...) find their indices with a
non-differentiable primitive and pick their values with `core.take_flat`, a
differentiable gather: the gradient scatters back to the chosen positions with
no rule of its own.  Everything else is composite.
"""
import builtins
import collections
import math
import types

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, _wrap_dim, register_methods
from .core import _expand_back, _finish, float_dtype, normalize_dims, sum, take_flat, to_copy
from .registry import _pt_name, apply, apply_inplace, defop

__all__ = [
    "all",
    "amax",
    "amin",
    "aminmax",
    "any",
    "argmax",
    "argmin",
    "argsort",
    "bincount",
    "corrcoef",
    "count_nonzero",
    "cov",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "cumulative_trapezoid",
    "diff",
    "dist",
    "histc",
    "histogram",
    "histogramdd",
    "kthvalue",
    "log_softmax",
    "logcumsumexp",
    "logsumexp",
    "max",
    "mean",
    "median",
    "min",
    "mode",
    "msort",
    "nanmean",
    "nanmedian",
    "nanquantile",
    "nansum",
    "norm",
    "prod",
    "quantile",
    "renorm",
    "return_types",
    "softmax",
    "sort",
    "std",
    "std_mean",
    "topk",
    "trapezoid",
    "trapz",
    "unique",
    "unique_consecutive",
    "var",
    "var_mean",
]

_HALF = (_dtype.float16, _dtype.bfloat16)


# ---------------------------------------------------------------------------
# torch.return_types: named tuples printed the way PyTorch prints them

def _structseq(name, fields):
    cls = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{name}(\n{body})"
    cls.__repr__ = __repr__
    cls.__module__, cls.__qualname__ = __name__, f"return_types.{name}"  # so pickle finds it
    return cls


return_types = types.SimpleNamespace(**{n: _structseq(n, f) for n, f in [
    ("max", "values indices"), ("min", "values indices"), ("aminmax", "min max"), ("sort", "values indices"),
    ("topk", "values indices"), ("kthvalue", "values indices"), ("median", "values indices"),
    ("nanmedian", "values indices"), ("mode", "values indices"), ("cummax", "values indices"),
    ("cummin", "values indices"), ("histogram", "hist bin_edges"), ("histogramdd", "hist bin_edges"),
]})


# ---------------------------------------------------------------------------
# helpers

def _dims(input, dim):
    """dim argument -> tuple of non-negative dims (all of them for None or ())."""
    dims = normalize_dims(dim, input.ndim)
    return tuple(range(input.ndim)) if dims is None else dims


def _axis(dims, ndim):
    return dims if ndim else None


def _count(shape, dims):
    return math.prod(shape[d] for d in dims) if shape else 1


def _const(array, like):
    return _wrap(array, like._device)


def _compute_dtype(np_dtype):
    """Half types accumulate in float32 (PyTorch's acc type); returns (compute, result) NumPy dtypes."""
    return (np.dtype(np.float32) if np_dtype in (np.float16, _dtype.bfloat16.np) else np_dtype), np_dtype


def _real_np(np_dtype):
    """The real NumPy dtype of a (possibly complex) one: var, std and norms of complex tensors are real."""
    return _dtype.FROM_NP[np.dtype(np_dtype)].to_real().np


def _flat_index(xp, idx, dim, shape):
    """Flat positions in a tensor of `shape` of the elements picked by `idx` along `dim` (take_along_axis)."""
    if not shape:
        return idx
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    flat = idx * strides[dim]
    for d in range(len(shape)):
        if d != dim:
            r = [1] * len(shape)
            r[d] = idx.shape[d]
            flat = flat + xp.arange(idx.shape[d]).reshape(r) * strides[d]
    return flat


def _take_along(x, idx, dim, squeeze=False):
    """x's elements at `idx` (an xp int array, x.ndim dims) along `dim`: differentiable (gradient scatters back)."""
    flat = _flat_index(x._device.xp, idx, dim, x._data.shape)
    if squeeze and x.ndim:
        flat = flat.squeeze(dim)
    return take_flat(x, flat)


def _index_tensor(idx, like, dim=None, squeeze=False):
    if squeeze and like.ndim:
        idx = idx.squeeze(dim)
    return _const(idx.astype(np.int64, copy=False), like)


def _flip(x, dim):
    return x.flip(dim) if x.ndim else x


def _reverse_cumsum(x, dim):
    return _flip(cumsum(_flip(x, dim), dim), dim)


def _named(result, out):
    """Return a return_types tuple, written into the `out=` tensors when given (and then made of them)."""
    if out is None:
        return result
    _finish(tuple(result), out)
    return type(result)(*out)


def _check_nonempty(name, input, dims, dim_given):
    if input._data.size == 0:
        if not dim_given:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        for d in dims:
            if input._data.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _check_dim_nonempty(name, input, d):
    if input.ndim and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _as_float_input(name, input, dtype):
    if input.dtype._category < 2:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_pt_name(input.dtype)}")
    if dtype is not None:
        d = _dtype.to_dtype(dtype)
        if d._category < 2:
            raise RuntimeError(f"{name}: dtype should be floating point or complex, but got {_pt_name(d)}")
        if input.dtype.is_complex and not d.is_complex:
            raise RuntimeError(f"{name}: dtype should be complex for complex inputs, but got {_pt_name(d)}")
        if _dtype.promote_types(input.dtype, d) is not d:
            raise RuntimeError(f"{name}: the dtype of the input ({_pt_name(input.dtype)}) should be convertible "
                               f"without narrowing to the specified dtype ({_pt_name(d)})")
        input = input.to(d)
    return input


# ---------------------------------------------------------------------------
# primitives
#
# Extremes with tied elements share the gradient evenly (PyTorch's amax/amin/max()/median()).

def _tie_weights(xp, x, out, axis, keepdim):
    """Constant weights: 1/count on the elements equal to the reduced value, 0 elsewhere."""
    o = out if keepdim or axis is None else xp.expand_dims(out, axis)
    hit = (x == o) | (xp.isnan(x) & xp.isnan(o)) if x.dtype.kind in "fc" or x.dtype == _dtype.bfloat16.np else x == o
    return hit / hit.sum(axis=axis, keepdims=True)


def _tie_grad(g, out, x, dim, keepdim):
    w = _tie_weights(x._device.xp, x._data, out._data, _axis(dim, x.ndim), keepdim)
    return _expand_back(g, dim, keepdim, x._data.shape) * _const(w.astype(g._data.dtype), g)


def _median_all_forward(xp, x, nan):
    flat = x.reshape(-1)
    if flat.size == 0:
        with np.errstate(invalid="ignore"):
            return xp.asarray(xp.nan).astype(x.dtype)  # PyTorch: NaN, or NaN cast to an integer type
    if nan:  # nanmedian: skip NaNs
        flat = flat[~xp.isnan(flat)] if x.dtype.kind == "f" else flat
        if flat.size == 0:
            return xp.asarray(xp.nan, dtype=x.dtype)
    elif x.dtype.kind == "f" and xp.isnan(flat).any():
        return xp.asarray(xp.nan, dtype=x.dtype)
    return xp.asarray(xp.sort(flat)[(flat.size - 1) // 2])


def _softmax_forward(xp, x, dim, log, dtype):
    ct, rt = _compute_dtype(np.dtype(dtype))
    z = x.astype(ct, copy=False).reshape(x.shape or (1,))
    with np.errstate(invalid="ignore", divide="ignore"):  # rows of -inf give NaN, as in PyTorch
        if z.size:
            z = z - z.max(axis=dim, keepdims=True)
        if log:
            r = z - xp.log(xp.exp(z).sum(axis=dim, keepdims=True))
        else:
            e = xp.exp(z)
            r = e / e.sum(axis=dim, keepdims=True)
    return r.astype(rt, copy=False).reshape(x.shape)


def _logsumexp_forward(xp, x, dim, keepdim, dtype):
    ct, rt = _compute_dtype(np.dtype(dtype))
    x = x.astype(ct, copy=False)
    if x.size == 0:
        with np.errstate(divide="ignore"):
            return xp.log(xp.exp(x).sum(axis=dim, keepdims=keepdim)).astype(rt)
    m = x.max(axis=dim, keepdims=True)
    m = xp.where(xp.isinf(m), 0, m)  # all -inf (or an inf) must not give inf - inf
    with np.errstate(divide="ignore"):
        r = xp.log(xp.exp(x - m).sum(axis=dim, keepdims=True)) + m
    return (r if keepdim else r.reshape([s for i, s in enumerate(r.shape) if i not in (dim or range(r.ndim))])).astype(rt)


def _logsumexp_grad(g, out, x, dim, keepdim, dtype):
    shape = x._data.shape
    return _expand_back(g, dim, keepdim, shape) * (x - _expand_back(out, dim, keepdim, shape)).exp()


def _moments_forward(xp, x, dim, correction, keepdim, sqrt):
    ct, rt = _compute_dtype(x.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = _count(x.shape, dim or ())
        xc = x.astype(ct, copy=False)
        m = xc.mean(axis=dim, keepdims=True) if n else xc.sum(axis=dim, keepdims=True)
        d = xc - m
        ss = (d * d.conj()).real.sum(axis=dim, keepdims=keepdim) if x.dtype.kind == "c" else (d * d).sum(
            axis=dim, keepdims=keepdim)
        v = ss / builtins.max(n - correction, 0)
    r = xp.sqrt(v) if sqrt else v
    return xp.asarray(r).astype(_real_np(rt), copy=False)


def _var_grad(g, out, x, dim, correction, keepdim, sqrt):
    shape = x._data.shape
    n = _count(shape, dim or ())
    dof = builtins.max(n - correction, 0)
    centered = x - mean(x, dim or None, keepdim=True)
    ge = _expand_back(g, dim, keepdim, shape)
    if not sqrt:
        return ge * centered * (2.0 / dof if dof else float("inf"))
    oe = _expand_back(out, dim, keepdim, shape)
    zero = oe._data == 0  # PyTorch: the gradient is 0 where std is 0
    return ge * centered / ((oe + _const(zero, oe)) * dof) * _const(~zero, oe)


def _norm_forward(xp, x, ord, dim, keepdim):
    ct, rt = _compute_dtype(x.dtype)
    a = xp.abs(x.astype(ct, copy=False))
    axis = dim if x.ndim else None
    if a.size == 0 and ord in (math.inf, -math.inf):
        raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because the operation "
                           "does not have an identity")
    if ord == math.inf:
        r = a.max(axis=axis, keepdims=keepdim)
    elif ord == -math.inf:
        r = a.min(axis=axis, keepdims=keepdim)
    elif ord == 0:
        r = (a != 0).sum(axis=axis, keepdims=keepdim).astype(a.dtype)
    elif ord == 1:
        r = a.sum(axis=axis, keepdims=keepdim)
    elif ord == 2:
        r = xp.sqrt((a * a).sum(axis=axis, keepdims=keepdim))
    else:
        with np.errstate(divide="ignore", over="ignore"):
            r = (a ** ord).sum(axis=axis, keepdims=keepdim) ** (1.0 / ord)
    return xp.asarray(r).astype(_real_np(rt), copy=False)


def _norm_grad(g, out, x, ord, dim, keepdim):
    shape = x._data.shape
    xd = x._data
    xp = x._device.xp
    if ord == 0:
        return None  # PyTorch: the 0-"norm" counts nonzeros and passes no gradient
    sgn = xd / xp.where(xd == 0, 1, xp.abs(xd)) if xd.dtype.kind == "c" else xp.sign(xd)
    ge = _expand_back(g, dim, keepdim, shape)
    if ord in (math.inf, -math.inf):
        w = _tie_weights(xp, xp.abs(xd), out._data, _axis(dim, x.ndim), keepdim) * sgn
        return ge * _const(w.astype(xd.dtype), g)
    if ord == 1:
        return ge * _const(sgn.astype(xd.dtype), g)
    oe = _expand_back(out, dim, keepdim, shape)
    nonzero = oe._data != 0
    safe = oe + _const(~nonzero, oe)  # PyTorch: the gradient is 0 where the norm is 0
    if ord == 2:
        return ge * x / safe
    absx = x * _const(sgn.conj(), x)  # |x| as a differentiable expression
    if ord < 1:  # |x|^(p-1) blows up at 0, where PyTorch's gradient is 0
        absx, mask = absx + _const(xd == 0, x), _const(xd != 0, x)
    scale = absx ** (ord - 1) if ord >= 1 else absx ** (ord - 1) * mask
    return ge * _const(sgn, x) * scale / safe ** (ord - 1) * _const(nonzero, oe)


def _cumprod_grad(g, out, x, dim, dtype):
    # y_k = prod_{j<=k} x_j.  Where x_i != 0, dx_i = sum_{k>=i} g_k y_k / x_i; at the first zero z of a slice it
    # is sum_{k>=z} g_k prod_{j<=k, j!=z} x_j (the cumprod with x_z set to 1); at later zeros it is 0.
    xp = x._device.xp
    xd = x._data if x.ndim else x._data.reshape(1)
    zero = xd == 0
    first = (zero & (xp.cumsum(zero, axis=dim) == 1)).reshape(x._data.shape)
    zero = zero.reshape(x._data.shape)
    if x.dtype.is_complex:  # PyTorch's convention: the gradient of a holomorphic f is g * conj(f')
        x, out = x.conj(), out.conj()
    keep = _const(~zero, x)
    grad = _reverse_cumsum(g * out, dim) / (x * keep + _const(zero, x)) * keep
    if first.any():
        at_z = _const(first, x)
        skip_zero = cumprod(x * _const(~first, x) + at_z, dim)  # x_z replaced by a constant 1
        grad = grad + _reverse_cumsum(g * skip_zero, dim) * at_z
    return grad


def _logcumsumexp_grad(g, out, x, dim):
    # dx_i = sum_{k>=i} g_k exp(x_i - out_k), split by the sign of g so every term is a log-sum-exp (PyTorch's way)
    # log(0) is replaced by a huge finite negative so that double backward stays free of inf - inf
    xp = g._device.xp
    huge = np.finfo(g._data.dtype).min / 4

    def log_part(mask):
        m = _const(mask, g)
        return (g.abs() * m + _const(~mask, g)).log() + _const(xp.where(mask, 0, huge).astype(g._data.dtype), g) - out
    lp, ln = log_part(g._data > 0), log_part(g._data < 0)
    rp = _flip(logcumsumexp(_flip(lp, dim), dim), dim)
    rn = _flip(logcumsumexp(_flip(ln, dim), dim), dim)
    return (x + rp).exp() - (x + rn).exp()


def _scan_forward(scan, x, dim, dtype):
    compute, result = _compute_dtype(np.dtype(dtype))
    return scan(x.reshape(x.shape or (1,)), axis=dim, dtype=compute).astype(result, copy=False).reshape(x.shape)


def _argextreme(xp, x, dim, keepdim, largest):
    if dim is None:
        r = xp.argmax(x) if largest else xp.argmin(x)
        return xp.asarray(r).reshape((1,) * x.ndim if keepdim else ())
    x1 = x.reshape(x.shape or (1,))
    r = (xp.argmax if largest else xp.argmin)(x1, axis=dim, keepdims=True)
    return r if keepdim and x.ndim else r.reshape(tuple(s for i, s in enumerate(r.shape) if i != dim) if x.ndim else ())


def _argsort_forward(xp, x, dim, descending, stable):
    """NaN sorts as the largest value.  stable=False uses the faster quicksort (PyTorch's order of ties differs too)."""
    kind = "stable" if stable else None
    x1 = x.reshape(x.shape or (1,))
    if not descending:
        return xp.argsort(x1, axis=dim, kind=kind).reshape(x.shape)
    # descending: sort the reversed slice ascending, then read it backwards (keeps ties in order when stable)
    n = x1.shape[dim]
    r = xp.flip(xp.argsort(xp.flip(x1, axis=dim), axis=dim, kind=kind), axis=dim)
    return (n - 1 - r).reshape(x.shape)


def _topk_forward(xp, x, k, dim, largest):
    x1 = x.reshape(x.shape or (1,))
    n = x1.shape[dim]
    if 0 < k < n // 4:  # select the k winners in linear time, then order only them
        part = xp.argpartition(x1, n - k if largest else k - 1, axis=dim)
        part = xp.take(part, range(n - k, n) if largest else range(k), axis=dim)
        order = _argsort_forward(xp, xp.take_along_axis(x1, part, dim), dim, largest, True)
        idx = xp.take_along_axis(part, order, dim)
    else:
        idx = xp.take(_argsort_forward(xp, x1, dim, largest, True), range(k), axis=dim)
    return idx if x.ndim else idx.reshape(())


def _cumextreme_forward(xp, x, dim, largest):
    """Indices of cummax/cummin: the latest position holding the running extreme (NaN wins, as in PyTorch)."""
    x1 = x.reshape(x.shape or (1,))
    running = (xp.maximum if largest else xp.minimum).accumulate(x1, axis=dim)
    hit = x1 == running
    if x1.dtype.kind == "f" or x1.dtype == _dtype.bfloat16.np:
        hit |= xp.isnan(x1)
    shape = [1] * x1.ndim
    shape[dim] = x1.shape[dim]
    pos = xp.arange(x1.shape[dim]).reshape(shape)
    return xp.maximum.accumulate(xp.where(hit, pos, 0), axis=dim).reshape(x.shape)


def _mode_forward(xp, x, dim):
    """Index of the most frequent value along `dim` (ties: the smallest value; PyTorch reports its last position)."""
    x1 = xp.moveaxis(x.reshape(x.shape or (1,)), dim, -1)
    order = xp.argsort(x1, axis=-1, kind="stable")
    s = xp.take_along_axis(x1, order, -1)
    n = s.shape[-1]
    pos = xp.arange(n)
    new = xp.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]  # run starts (every NaN is a run of its own, as in PyTorch)
    last = xp.ones(s.shape, dtype=bool)
    last[..., :-1] = new[..., 1:]
    start = xp.maximum.accumulate(xp.where(new, pos, 0), axis=-1)
    end = xp.flip(xp.minimum.accumulate(xp.flip(xp.where(last, pos, n), -1), axis=-1), -1)
    best = xp.argmax(end - start, axis=-1)[..., None]  # the first longest run: the smallest value
    return xp.moveaxis(xp.take_along_axis(order, xp.take_along_axis(end, best, -1), -1), -1, dim)


# fmt: off
_amax       = defop("amax",       lambda xp, x, dim, keepdim: xp.asarray(xp.max(x, axis=_axis(dim, x.ndim), keepdims=keepdim)), _tie_grad, output=True)
_amin       = defop("amin",       lambda xp, x, dim, keepdim: xp.asarray(xp.min(x, axis=_axis(dim, x.ndim), keepdims=keepdim)), _tie_grad, output=True)
_median_all = defop("median_all", lambda xp, x, nan: _median_all_forward(xp, x, nan),
                    lambda g, out, x, nan: _tie_grad(g, out, x, None, False), output=True, node="MedianBackward0")
_softmax    = defop("softmax",    lambda xp, x, dim, dtype: _softmax_forward(xp, x, dim, False, dtype),
                    lambda g, out, x, dim, dtype: out * (g - (g * out).sum(dim, keepdim=True)), inputs=False, output=True)
_log_softmax = defop("log_softmax", lambda xp, x, dim, dtype: _softmax_forward(xp, x, dim, True, dtype),
                     lambda g, out, x, dim, dtype: g - out.exp() * g.sum(dim, keepdim=True), inputs=False, output=True)
_logsumexp  = defop("logsumexp",  _logsumexp_forward, _logsumexp_grad, output=True)
_var        = defop("var",        lambda xp, x, dim, correction, keepdim: _moments_forward(xp, x, dim, correction, keepdim, False),
                    lambda g, out, x, dim, correction, keepdim: _var_grad(g, out, x, dim, correction, keepdim, False))
_std        = defop("std",        lambda xp, x, dim, correction, keepdim: _moments_forward(xp, x, dim, correction, keepdim, True),
                    lambda g, out, x, dim, correction, keepdim: _var_grad(g, out, x, dim, correction, keepdim, True), output=True)
_norm       = defop("linalg_vector_norm", lambda xp, x, ord, dim, keepdim: _norm_forward(xp, x, ord, dim, keepdim), _norm_grad, output=True)
_cumsum     = defop("cumsum",     lambda xp, x, dim, dtype: _scan_forward(xp.cumsum, x, dim, dtype),
                    lambda g, out, x, dim, dtype: _reverse_cumsum(g, dim), inputs=False)
_cumprod    = defop("cumprod",    lambda xp, x, dim, dtype: _scan_forward(xp.cumprod, x, dim, dtype), _cumprod_grad, output=True)
_logcumsumexp = defop("logcumsumexp", lambda xp, x, dim: xp.logaddexp.accumulate(x.reshape(x.shape or (1,)), axis=dim).reshape(x.shape),
                      _logcumsumexp_grad, output=True)
_nan_to_zero = defop("nan_to_zero", lambda xp, x, mask: xp.where(mask, 0, x),
                     lambda g, out, x, mask: g * _const(~mask, g), inputs=False)
_any        = defop("any",        lambda xp, x, dim, keepdim: xp.asarray(xp.any(x, axis=_axis(dim, x.ndim), keepdims=keepdim)))
_all        = defop("all",        lambda xp, x, dim, keepdim: xp.asarray(xp.all(x, axis=_axis(dim, x.ndim), keepdims=keepdim)))
_count_nonzero = defop("count_nonzero", lambda xp, x, dim: xp.asarray(xp.count_nonzero(x, axis=_axis(dim, x.ndim))).astype(np.int64))
# index finders: not differentiable; the values they point at are taken with `_take_along`
_argmax     = defop("argmax",     lambda xp, x, dim, keepdim: _argextreme(xp, x, dim, keepdim, True))
_argmin     = defop("argmin",     lambda xp, x, dim, keepdim: _argextreme(xp, x, dim, keepdim, False))
_argsort    = defop("argsort",    lambda xp, x, dim, descending, stable: _argsort_forward(xp, x, dim, descending, stable))
_topk_idx   = defop("topk_indices", lambda xp, x, k, dim, largest: _topk_forward(xp, x, k, dim, largest))
_cummax_idx = defop("cummax_indices", lambda xp, x, dim: _cumextreme_forward(xp, x, dim, True))
_cummin_idx = defop("cummin_indices", lambda xp, x, dim: _cumextreme_forward(xp, x, dim, False))
_mode_idx   = defop("mode_indices", lambda xp, x, dim: _mode_forward(xp, x, dim))
# fmt: on


# ---------------------------------------------------------------------------
# mean, nansum, nanmean, prod

def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    d = _dtype.to_dtype(dtype) if dtype is not None else input.dtype
    if d._category < 2:
        which = "Input" if dtype is None else "Optional"
        raise RuntimeError(f"mean(): could not infer output dtype. {which} dtype must be either a floating point or "
                           f"complex dtype. Got: {_pt_name(d)}")
    dims = _dims(input, dim)
    acc = _dtype.float32 if d in _HALF else d
    total = sum(input, dims if input.ndim else None, keepdim, dtype=acc)
    n = _count(input._data.shape, dims)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = total / n if n else total * float("nan")
    return _finish(result if acc is d else result.to(d), out)


def _nan_mask(input):
    xp = input._device.xp
    return xp.isnan(input._data) if input.dtype._category >= 2 else None


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    mask = _nan_mask(input)
    x = apply(_nan_to_zero, input, mask=mask) if mask is not None and mask.any() else input
    return sum(x, dim, keepdim, dtype=dtype, out=out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    if input.dtype._category < 2 and dtype is None:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_pt_name(input.dtype)}")
    mask = _nan_mask(input)
    count = sum(_const(~mask, input), dim, keepdim)
    return _finish(nansum(input, dim, keepdim, dtype=dtype) / count, out)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of elements; composed as the last entry of cumprod so the gradient is right at zeros."""
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod() received an invalid combination of arguments - got (tuple), but expected one of:\n"
                        " * (*, torch.dtype dtype = None)\n * (int dim, bool keepdim = False, *, torch.dtype dtype = None)")
    if dtype is None and input.dtype._category < 2:
        dtype = _dtype.int64
    if dim is None:
        flat = input.reshape(-1)
        r = prod(flat, 0, dtype=dtype)
        return _finish(r.reshape((1,) * input.ndim) if keepdim else r, out)
    d = _wrap_dim(dim, input.ndim)
    n = input._data.shape[d] if input.ndim else 1
    if n == 0:  # the empty product, still connected to the graph
        return _finish(sum(input, d, keepdim, dtype=dtype) * 0 + 1, out)
    c = cumprod(input, d, dtype=dtype)
    xp = input._device.xp
    shape = list(input._data.shape)
    if input.ndim:
        shape[d] = 1
    idx = xp.full(shape, n - 1, dtype=np.int64)
    return _finish(_take_along(c, idx, d, squeeze=not keepdim), out)


# ---------------------------------------------------------------------------
# max, min, amax, amin, aminmax, argmax, argmin

def _extreme(name, input, dim, keepdim, other, out, largest):
    if other is not None or isinstance(dim, Tensor):
        from . import pointwise
        fn = pointwise.maximum if largest else pointwise.minimum
        return fn(input, other if other is not None else dim, out=out)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        if input.dtype.is_complex:
            raise NotImplementedError(f'"{name}_all" not implemented for \'{_pt_name(input.dtype)}\'')
        return _finish(apply(_amax if largest else _amin, input, dim=tuple(range(input.ndim)), keepdim=False), out)
    if input.dtype.is_complex:
        raise NotImplementedError(f'"{name}" not implemented for \'{_pt_name(input.dtype)}\'')
    d = _wrap_dim(dim, input.ndim)
    _check_dim_nonempty(name, input, d)
    idx = apply(_argmax if largest else _argmin, input, dim=d, keepdim=True)._data
    values = _take_along(input, idx, d, squeeze=not keepdim)
    return _named(getattr(return_types, name)(values, _index_tensor(idx, input, d, squeeze=not keepdim)), out)


def max(input, dim=None, keepdim=False, *, other=None, out=None):
    return _extreme("max", input, dim, keepdim, other, out, True)


def min(input, dim=None, keepdim=False, *, other=None, out=None):
    return _extreme("min", input, dim, keepdim, other, out, False)


def _amaxmin(name, input, dim, keepdim, out, largest):
    dims = _dims(input, dim)
    given = not (dim is None or dim == () or dim == [])
    _check_nonempty(name, input, dims, given)
    if input.dtype.is_complex:
        raise RuntimeError(f"{name}(): does not support complex input")
    return _finish(apply(_amax if largest else _amin, input, dim=dims, keepdim=keepdim), out)


def amax(input, dim=(), keepdim=False, *, out=None):
    return _amaxmin("amax", input, dim, keepdim, out, True)


def amin(input, dim=(), keepdim=False, *, out=None):
    return _amaxmin("amin", input, dim, keepdim, out, False)


def aminmax(input, *, dim=None, keepdim=False, out=None):
    if dim is None and input._data.size == 0 or dim is not None and input.ndim and \
            input._data.shape[_wrap_dim(dim, input.ndim)] == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.")
    if dim is not None:
        _wrap_dim(dim, input.ndim)
    lo, hi = amin(input, dim if dim is not None else (), keepdim), amax(input, dim if dim is not None else (), keepdim)
    if dim is None and keepdim:
        lo, hi = lo.reshape((1,) * input.ndim), hi.reshape((1,) * input.ndim)
    return _named(return_types.aminmax(lo, hi), out)


def _arg(name, input, dim, keepdim, out, largest):
    if input.dtype.is_complex:
        raise NotImplementedError(f'"{name}" not implemented for \'{_pt_name(input.dtype)}\'')
    if dim is None:
        if input._data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        d = None
    else:
        d = _wrap_dim(dim, input.ndim)
        _check_dim_nonempty(name, input, d)
    return _finish(apply(_argmax if largest else _argmin, input, dim=d, keepdim=keepdim), out)


def argmax(input, dim=None, keepdim=False, *, out=None):
    return _arg("argmax", input, dim, keepdim, out, True)


def argmin(input, dim=None, keepdim=False, *, out=None):
    return _arg("argmin", input, dim, keepdim, out, False)


# ---------------------------------------------------------------------------
# softmax, log_softmax, logsumexp

def _softmax_like(op, name, input, dim, dtype):
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    d = _wrap_dim(dim, input.ndim)
    if input.dtype._category < 2:
        if input._data.size == 0:
            return input.clone()
        kernel = "lastdim_kernel_impl" if d == input.ndim - 1 or input.ndim == 0 else "kernel_impl"
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for \'{_pt_name(input.dtype)}\'')
    return apply(op, input, dim=d, dtype=input._data.dtype)


def softmax(input, dim, dtype=None, *, _stacklevel=None):
    """softmax(x, dim) = exp(x) / sum(exp(x), dim), computed stably."""
    return _softmax_like(_softmax, "softmax", input, dim, dtype)


def log_softmax(input, dim, dtype=None, *, _stacklevel=None):
    return _softmax_like(_log_softmax, "log_softmax", input, dim, dtype)


def logsumexp(input, dim, keepdim=False, *, out=None):
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' (position 1) must be tuple of ints, not NoneType")
    dims = normalize_dims(dim, input.ndim)
    if not dims:
        if input.ndim:  # PyTorch reduces nothing here and then fails to write the result
            raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {[1] * input.ndim}")
        dims = ()
    d = float_dtype(input)
    x = input if input.dtype is d else input.to(d)
    return _finish(apply(_logsumexp, x, dim=dims if input.ndim else None, keepdim=keepdim, dtype=d.np), out)


# ---------------------------------------------------------------------------
# var, std, var_mean, std_mean

def _moments_args(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # legacy var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{name}: can't specify both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input.dtype._category < 2:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = _dims(input, dim)
    n = _count(input._data.shape, dims)
    if n - correction <= 0:
        import warnings
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return dims, correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dims, c = _moments_args("var", input, dim, unbiased, keepdim, correction)
    return _finish(apply(_var, input, dim=_axis(dims, input.ndim), correction=c, keepdim=keepdim), out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dims, c = _moments_args("std", input, dim, unbiased, keepdim, correction)
    return _finish(apply(_std, input, dim=_axis(dims, input.ndim), correction=c, keepdim=keepdim), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dims, c = _moments_args("var_mean", input, dim, unbiased, keepdim, correction)
    v = apply(_var, input, dim=_axis(dims, input.ndim), correction=c, keepdim=keepdim)
    return _finish((v, mean(input, dims, keepdim)), out)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    dims, c = _moments_args("std_mean", input, dim, unbiased, keepdim, correction)
    s = apply(_std, input, dim=_axis(dims, input.ndim), correction=c, keepdim=keepdim)
    return _finish((s, mean(input, dims, keepdim)), out)


# ---------------------------------------------------------------------------
# norm, dist, renorm

def _vector_norm(input, ord, dim, keepdim, dtype=None):
    input = _as_float_input("linalg.vector_norm", input, dtype)
    dims = _dims(input, dim)
    if input._data.size == 0 and ord < 0:
        raise RuntimeError("linalg.vector_norm of negative order cannot be performed on an empty tensor")
    return apply(_norm, input, ord=float(ord), dim=_axis(dims, input.ndim), keepdim=keepdim)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: the Frobenius/nuclear matrix norm or a vector p-norm over `dim` (all dims by default)."""
    if isinstance(dim, int):
        dim = (dim,)
    if p == "nuc":
        if dim is not None and len(dim) != 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        from .. import linalg
        x = _as_float_input("linalg.matrix_norm", input, dtype)
        return _finish(linalg.matrix_norm(x, "nuc", dim=tuple(dim) if dim else (-2, -1), keepdim=keepdim), out)
    if p == "fro":
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"linalg.vector_norm: unsupported norm type {p}")  # noqa: TRY004 (PyTorch's type)
    return _finish(_vector_norm(input, p, dim, keepdim, dtype), out)


def dist(input, other, p=2):
    return _vector_norm(input - other, p, None, False)


def renorm(input, p, dim, maxnorm, *, out=None):
    """Rescale each slice along `dim` whose p-norm exceeds `maxnorm` to norm `maxnorm`."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    d = _wrap_dim(dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != d)
    n = _vector_norm(input, p, others, True)
    over = _const(n._data > maxnorm, n)
    factor = 1 + over * (maxnorm / (n + 1e-7) - 1)
    return _finish(input * factor.to(input.dtype), out)


def _renorm_(self, p, dim, maxnorm):
    return self.copy_(renorm(self, p, dim, maxnorm))


# ---------------------------------------------------------------------------
# scans: cumsum, cumprod, cummax, cummin, logcumsumexp

def _scan_dtype(input, dtype):
    if dtype is not None:
        return _dtype.to_dtype(dtype)
    return _dtype.int64 if input.dtype._category < 2 else input.dtype


def cumsum(input, dim, *, dtype=None, out=None):
    if dim is None:
        raise TypeError("cumsum(): argument 'dim' must be int, not NoneType")
    d = _scan_dtype(input, dtype)
    return _finish(apply(_cumsum, input, dim=_wrap_dim(dim, input.ndim), dtype=d.np), out)


def cumprod(input, dim, *, dtype=None, out=None):
    if dim is None:
        raise TypeError("cumprod(): argument 'dim' must be int, not NoneType")
    d = _scan_dtype(input, dtype)
    x = input if input.dtype is d else input.to(d)
    return _finish(apply(_cumprod, x, dim=_wrap_dim(dim, input.ndim), dtype=d.np), out)


def _scan_(op, name, self, dim, dtype):
    if dtype is not None and _dtype.to_dtype(dtype) is not self.dtype:
        raise RuntimeError(f"Bad in-place call: input tensor dtype {self.dtype.name} and output tensor dtype "
                           f"{_dtype.to_dtype(dtype).name} should match")
    if self.dtype is _dtype.bool and self.ndim and self.numel():
        raise NotImplementedError(f'"{name}_out_cpu" not implemented for \'Bool\'')
    return apply_inplace(op, self, dim=_wrap_dim(dim, self.ndim), dtype=self._data.dtype)


def _cumsum_(self, dim, *, dtype=None):
    return _scan_(_cumsum, "cumsum", self, dim, dtype)


def _cumprod_(self, dim, *, dtype=None):
    return _scan_(_cumprod, "cumprod", self, dim, dtype)


def _cum_extreme(name, input, dim, out, largest):
    d = _wrap_dim(dim, input.ndim)
    idx = apply(_cummax_idx if largest else _cummin_idx, input, dim=d)
    values = _take_along(input, idx._data, d) if input._data.size else input.clone()
    return _named(getattr(return_types, name)(values, idx), out)


def cummax(input, dim, *, out=None):
    return _cum_extreme("cummax", input, dim, out, True)


def cummin(input, dim, *, out=None):
    return _cum_extreme("cummin", input, dim, out, False)


def logcumsumexp(input, dim, *, out=None):
    d = float_dtype(input)
    x = input if input.dtype is d else input.to(d)
    return _finish(apply(_logcumsumexp, x, dim=_wrap_dim(dim, input.ndim)), out)


# ---------------------------------------------------------------------------
# any, all, count_nonzero

def _logical(op, input, dim, keepdim, out):
    dims = _dims(input, dim)
    r = apply(op, input, dim=dims, keepdim=keepdim)
    if input.dtype is _dtype.uint8:
        r = to_copy(r, _dtype.uint8)  # PyTorch keeps uint8 for uint8 input
    return _finish(r, out)


def any(input, dim=None, keepdim=False, *, out=None):
    return _logical(_any, input, dim, keepdim, out)


def all(input, dim=None, keepdim=False, *, out=None):
    return _logical(_all, input, dim, keepdim, out)


def count_nonzero(input, dim=None):
    dims = _dims(input, dim)
    return apply(_count_nonzero, input, dim=dims)


# ---------------------------------------------------------------------------
# sorting: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode

def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    if input.dtype.is_complex:
        raise RuntimeError("sort(): input tensor must be of non-complex type")
    d = _wrap_dim(dim, input.ndim)
    idx = apply(_argsort, input, dim=d, descending=bool(descending), stable=bool(stable))
    return _named(return_types.sort(_take_along(input, idx._data, d), idx), out)


def argsort(input, dim=-1, descending=False, stable=False):
    return apply(_argsort, input, dim=_wrap_dim(dim, input.ndim), descending=bool(descending), stable=bool(stable))


def msort(input, *, out=None):
    return _finish(sort(input, 0).values, out)


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    if dim is None:
        raise TypeError("topk(): argument 'dim' must be int, not NoneType")
    d = _wrap_dim(dim, input.ndim)
    n = input._data.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    idx = apply(_topk_idx, input, k=int(k), dim=d, largest=bool(largest))
    return _named(return_types.topk(_take_along(input, idx._data, d), idx), out)


def _select_sorted(name, input, dim, keepdim, position, out):
    """Element at sorted `position(n)` along `dim` (kthvalue, median): values and their indices."""
    d = _wrap_dim(dim, input.ndim)
    _check_dim_nonempty(name, input, d)
    n = input._data.shape[d] if input.ndim else 1
    k = position(n)
    idx = apply(_argsort, input, dim=d, descending=False, stable=True)._data
    idx = idx.reshape(idx.shape or (1,))
    if not isinstance(k, int):  # per-slice positions (nanmedian)
        pick = np.expand_dims(k, d) if input.ndim else k.reshape(1)
        idx = np.take_along_axis(idx, pick, d)
    else:
        idx = idx.take([k], axis=d)
    if not input.ndim:
        idx = idx.reshape(())
    values = _take_along(input, idx, d, squeeze=not keepdim)
    return _named(getattr(return_types, name)(values, _index_tensor(idx, input, d, squeeze=not keepdim)), out)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    d = _wrap_dim(dim, input.ndim)
    _check_dim_nonempty("kthvalue", input, d)
    n = input._data.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return _select_sorted("kthvalue", input, d, keepdim, lambda n: k - 1, out)


def median(input, dim=None, keepdim=False, *, out=None):
    """Lower median; without `dim` the value only, with `dim` (values, indices)."""
    if dim is None:
        return _finish(apply(_median_all, input, nan=False), out)
    xp = input._device.xp
    if input.dtype._category >= 2 and input._data.size and xp.isnan(input._data).any():
        # NaN is the median of a slice that holds one: sorting puts NaNs last, so pick the first NaN
        data = input._data.reshape(input._data.shape or (1,))
        d = _wrap_dim(dim, input.ndim)
        n = data.shape[d]
        nan_count = xp.isnan(data).sum(axis=d)
        pos = np.where(nan_count > 0, n - nan_count, (n - 1) // 2)
        return _select_sorted("median", input, d, keepdim, lambda n: pos, out)
    return _select_sorted("median", input, dim, keepdim, lambda n: (n - 1) // 2, out)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    if dim is None:
        return _finish(apply(_median_all, input, nan=True), out)
    d = _wrap_dim(dim, input.ndim)
    if input.dtype._category < 2 or not input._data.size:
        return _rename(median(input, d, keepdim), "nanmedian", out)
    data = input._data.reshape(input._data.shape or (1,))
    valid = (~input._device.xp.isnan(data)).sum(axis=d)
    pos = np.where(valid > 0, (valid - 1) // 2, data.shape[d] // 2)  # all-NaN slices: as PyTorch picks
    return _select_sorted("nanmedian", input, d, keepdim, lambda n: pos, out)


def _rename(result, name, out):
    return _named(getattr(return_types, name)(*result), out)


def mode(input, dim=-1, keepdim=False, *, out=None):
    d = _wrap_dim(dim, input.ndim)
    _check_dim_nonempty("mode", input, d)
    if input._data.size == 0:
        shape = tuple(1 if i == d else s for i, s in enumerate(input._data.shape))
        idx = input._device.xp.zeros(shape, dtype=np.int64)
    else:
        idx = apply(_mode_idx, input, dim=d)._data
        idx = idx if input.ndim else idx.reshape(())
    values = _take_along(input, idx, d, squeeze=not keepdim)
    return _named(return_types.mode(values, _index_tensor(idx, input, d, squeeze=not keepdim)), out)


# ---------------------------------------------------------------------------
# unique, unique_consecutive, bincount, histc, histogram

def _unique_forward(xp, x, dim, consecutive):
    if dim is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = dim
    if x.shape[axis] == 0:
        return x, xp.zeros(0, dtype=np.int64), xp.zeros(0, dtype=np.int64)
    if consecutive:
        moved = xp.moveaxis(x, axis, 0).reshape(x.shape[axis], -1)
        change = xp.concatenate([xp.ones(1, dtype=bool), (moved[1:] != moved[:-1]).any(axis=1)])
        starts = xp.nonzero(change)[0]
        vals = xp.take(x, starts, axis=axis)
        inverse = xp.cumsum(change) - 1
        counts = xp.diff(xp.append(starts, x.shape[axis]))
    else:
        kw = {} if dim is not None else {"equal_nan": False}
        vals, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True, axis=dim, **kw)
    return vals, inverse.reshape(-1).astype(np.int64), counts.astype(np.int64)


# fmt: off
_unique = defop("unique", lambda xp, x, dim, consecutive: _unique_forward(xp, x, dim, consecutive), outputs=3)
_bincount = defop("bincount", lambda xp, x, w, minlength, dtype: xp.bincount(x, w, minlength).astype(dtype))
_histogram = defop("histogram", lambda xp, x, w, bins, range, density: tuple(
    a.astype(x.dtype) for a in xp.histogram(x, bins, range=range, weights=w, density=density)), outputs=2)
# fmt: on


def _unique_like(input, return_inverse, return_counts, dim, consecutive):
    d = None if dim is None else _wrap_dim(dim, input.ndim)
    vals, inverse, counts = apply(_unique, input, dim=d, consecutive=consecutive)
    if dim is None:
        inverse = inverse.reshape(input.shape)
    result = (vals,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts else ())
    return result[0] if len(result) == 1 else result


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Sorted unique elements (PyTorch sorts on CPU even with sorted=False)."""
    return _unique_like(input, return_inverse, return_counts, dim, False)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    return _unique_like(input, return_inverse, return_counts, dim, True)


def bincount(input, weights=None, minlength=0):
    if input.dtype._category > 1:
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{_pt_name(input.dtype)}\'')
    if input.ndim != 1 or input.dtype._category != 1 or (input._data.size and input._data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = np.int64 if weights is None else (np.float32 if weights.dtype is _dtype.float32 else np.float64)
    w = None if weights is None else weights._data.astype(np.float64)
    return apply(_bincount, input, w, minlength=int(minlength), dtype=dtype)


def _check_histogram_input(name, input):
    if input.dtype._category != 2:
        raise RuntimeError(f'"{name}" not implemented for \'{_pt_name(input.dtype)}\'')


def histc(input, bins=100, min=0, max=0, *, out=None):
    _check_histogram_input("histogram_cpu", input)
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and input._data.size:
        lo, hi = float(input._data.min()), float(input._data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: min must be <= max, but got min {lo} max {hi} at dimension 0")
    hist, _ = apply(_histogram, input.reshape(-1), None, bins=int(bins), range=(lo, hi), density=False)
    return _finish(hist, out)


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    _check_histogram_input("histogram_cpu", input)
    edges = bins._data if isinstance(bins, Tensor) else int(bins)
    if range is None and input._data.size == 0:
        range = (0.0, 1.0)
    w = None if weight is None else weight._data.reshape(-1)
    hist, bin_edges = apply(_histogram, input.reshape(-1), w, bins=edges, range=range, density=bool(density))
    return _named(return_types.histogram(hist, bin_edges), out)


def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """Histogram of the rows of an (N, D) tensor (N points in D dimensions)."""
    _check_histogram_input("histogramdd", input)
    x = input.reshape(-1, input.shape[-1])
    if isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor):
        bins = [b._host() for b in bins]
    ranges = None if range is None else [tuple(range[i:i + 2]) for i in builtins.range(0, len(range), 2)]
    w = None if weight is None else weight._host().reshape(-1)
    hist, edges = np.histogramdd(x._host(), bins, range=ranges, weights=w, density=density)
    dt = input._data.dtype
    return return_types.histogramdd(_const(hist.astype(dt), input), tuple(_const(e.astype(dt), input) for e in edges))


# ---------------------------------------------------------------------------
# quantile, nanquantile

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan, out):
    if input._data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qs, scalar = q._host().astype(np.float64).reshape(-1), q.ndim == 0
    else:
        qs, scalar = np.asarray([float(q)]), True
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    ndim = input.ndim
    x, d = (input.reshape(-1), 0) if dim is None else (input, _wrap_dim(dim, ndim))
    x = x.reshape(1) if x.ndim == 0 else x
    xp = x._device.xp
    sorted_x = sort(x, d).values
    isnan = xp.isnan(x._data)
    n = x._data.shape[d]
    count = n - isnan.sum(axis=d) if ignore_nan else np.full(isnan.sum(axis=d).shape, n)
    bad = (count == 0) if ignore_nan else isnan.any(axis=d)
    pos = qs.reshape((-1,) + (1,) * (x.ndim - 1)) * (np.expand_dims(count, 0) - 1)  # (m, *reduced)
    pos = np.where(np.expand_dims(bad, 0), 0 if ignore_nan else n - 1, pos)  # NaN slices pick a NaN
    if interpolation == "nearest":
        pos = np.round(pos)
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    frac = {"lower": 0.0 * pos, "higher": 1.0 + 0.0 * pos, "midpoint": 0.5 + 0.0 * pos}.get(interpolation, pos - lo)
    frac = np.where(lo == hi, 0.0, frac)

    def pick(idx):  # (m, *reduced) positions along d -> values laid out as the output
        flat = _flat_index(xp, np.moveaxis(idx, 0, d), d, x._data.shape)
        flat = np.moveaxis(flat, d, 0)
        if keepdim:
            flat = np.expand_dims(flat, d + 1) if dim is not None else flat.reshape((-1,) + (1,) * ndim)
        return take_flat(sorted_x, flat.reshape(flat.shape[1:]) if scalar else flat)

    shaped = (lambda a: a) if not keepdim else (
        (lambda a: np.expand_dims(a, d + 1)) if dim is not None else (lambda a: a.reshape((-1,) + (1,) * ndim)))
    w = shaped(frac)
    w = w.reshape(w.shape[1:]) if scalar else w
    lo_v, hi_v = pick(lo), pick(hi)
    return _finish(lo_v + (hi_v - lo_v) * _const(w.astype(x._data.dtype), x), out)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False, out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True, out)


# ---------------------------------------------------------------------------
# cov, corrcoef

def cov(input, *, correction=1, fweights=None, aweights=None):
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if x.dtype._category < 2:
        x = x.to(_dtype._default[0])
    v, n = x._data.shape
    w = None
    for name, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is not None:
            if wt.ndim > 1 or wt.numel() != n:
                raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions and the same number of "
                                   f"elements as the number of observations")
            w = wt if w is None else w * wt
    if w is None:
        w_sum = n
        avg = mean(x, 1, keepdim=True)
        factor = n - correction
    else:
        w_sum = sum(w)
        avg = sum(x * w, 1, keepdim=True) / w_sum
        factor = w_sum - (correction if aweights is None or correction == 0 else
                          correction * sum(w * aweights) / w_sum)
    if isinstance(factor, (int, float)):
        if factor <= 0:
            import warnings
            warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number "
                          "of observations.", UserWarning, stacklevel=2)
            factor = 0
    elif (factor._data <= 0).any():
        factor = factor * _const(factor._data > 0, factor)
    xc = x - avg
    xw = xc if w is None else xc * w
    other = xc.conj() if xc.dtype.is_complex else xc
    with np.errstate(divide="ignore", invalid="ignore"):
        c = sum(xw.reshape(v, 1, n) * other.reshape(1, v, n), 2) / factor
    return c.reshape(()) if v == 1 else c


def corrcoef(input):
    c = cov(input)
    if c.ndim == 0:
        return c / c
    v = c.shape[0]
    xp = c._device.xp
    std_ = take_flat(c, xp.arange(v) * (v + 1)).sqrt()
    c = c / std_.reshape(v, 1) / std_.reshape(1, v)
    if c.dtype.is_complex:
        return c
    return c.clamp(-1, 1)


# ---------------------------------------------------------------------------
# diff, trapezoid, cumulative_trapezoid

def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, input.ndim)
    if prepend is not None or append is not None:
        from .. import cat
        parts = [t if t.ndim == input.ndim else t.reshape([1 if i == d else s for i, s in enumerate(input.shape)])
                 for t in (prepend, input, append) if t is not None]
        input = cat(parts, d)
    x = input
    for _ in range(n):
        length = x._data.shape[d]
        if length == 0:
            break
        a, b = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = a != b if x.dtype is _dtype.bool else a - b
    return _finish(x, out)


def _trapezoid_parts(y, x, dx, dim):
    d = _wrap_dim(dim, y.ndim)
    length = y._data.shape[d]
    if length == 0:
        return None, d
    avg = (y.narrow(d, 1, length - 1) + y.narrow(d, 0, length - 1)) / 2
    if x is None:
        return avg * (1 if dx is None else dx), d
    if x.ndim == 1:
        if x.shape[0] != length:
            raise RuntimeError("trapezoid: There must be one `x` value for each sample point")
        dxs = diff(x).reshape([length - 1 if i == d else 1 for i in range(y.ndim)])
    else:
        dxs = diff(x, dim=d)
    return avg * dxs, d


def trapezoid(y, x=None, *, dx=None, dim=-1):
    if isinstance(x, (int, float)):
        x, dx = None, x
    parts, d = _trapezoid_parts(y, x, dx, dim)
    if parts is None:
        shape = tuple(s for i, s in enumerate(y.shape) if i != d)
        return _const(y._device.xp.zeros(shape, dtype=float_dtype(y).np), y)
    return sum(parts, d)


def trapz(y, x=None, *, dx=None, dim=-1):
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    if isinstance(x, (int, float)):
        x, dx = None, x
    parts, d = _trapezoid_parts(y, x, dx, dim)
    if parts is None:
        return y.clone() if y.dtype._category >= 2 else y.to(float_dtype(y))
    return cumsum(parts, d)


# ---------------------------------------------------------------------------
# Tensor methods

def _method(fn):
    return lambda self, *args, **kwargs: fn(self, *args, **kwargs)


register_methods({name: _method(globals()[name]) for name in [
    "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "norm",
    "logsumexp", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "any", "all", "median", "nanmedian",
    "mode", "kthvalue", "topk", "sort", "argsort", "msort", "count_nonzero", "dist", "renorm", "softmax",
    "log_softmax", "unique", "unique_consecutive", "bincount", "histc", "histogram", "nanquantile", "quantile",
    "cov", "corrcoef", "diff",
]})
register_methods({
    "aminmax": lambda self, *, dim=None, keepdim=False: aminmax(self, dim=dim, keepdim=keepdim),
    "cumsum_": _cumsum_, "cumprod_": _cumprod_, "renorm_": _renorm_,
})
