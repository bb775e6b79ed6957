"""The 'meta' backend: arrays with a shape and a dtype and no data.

A MetaArray is a NumPy array whose strides are all zero over a one-element
buffer, so views, reshapes and indexing cost nothing and keep NumPy's own shape
rules.  Ufuncs (all elementwise math, and matmul) and the common reductions
infer their result's shape and dtype without computing (`__array_ufunc__`,
`__array_function__`).  Other NumPy functions run on the zero-strided stand-ins
and keep only the result's shape and dtype.  Every op's forward therefore runs
unchanged on meta tensors: shape inference for every operator, for free.

This module is the `xp` of the meta device: factories make MetaArrays and any
other name falls through to NumPy, which dispatches back here.
"""
import numpy as np


class MetaArray(np.ndarray):
    """Shape and dtype only; writes are ignored, reads of values are refused by Tensor."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if out is not None:  # in-place writes into a meta array: nothing to write
            return out[0] if len(out) == 1 else out
        if method == "at":
            return None
        if ufunc is np.matmul and method == "__call__" and not kwargs:
            return _matmul(*inputs)  # the generic gufunc path below would really multiply the stand-ins
        arrays = [_stand_in(x) for x in inputs]
        if method != "__call__" or ufunc.signature is not None:
            # reductions, accumulations and gufuncs (matmul): NumPy's rules on the zero-strided stand-ins
            return _from_result(getattr(ufunc, method)(*arrays, **kwargs))
        # elementwise: broadcast the shapes; the dtype comes from the same ufunc on 0-d probes
        shape = np.broadcast_shapes(*[np.shape(a) for a in arrays])
        probes = [np.zeros((), dtype=a.dtype) if isinstance(a, np.ndarray) else a for a in arrays]
        probe = ufunc(*probes, **kwargs)
        if isinstance(probe, tuple):
            return tuple(empty(shape, np.asarray(p).dtype) for p in probe)
        return empty(shape, np.asarray(probe).dtype)

    def __array_function__(self, func, types, args, kwargs):
        rule = _RULES.get(func)
        if rule is not None:
            return rule(*args, **kwargs)
        args = _map(args, _stand_in)
        kwargs = _map(kwargs, _stand_in)
        return _from_result(func(*args, **kwargs))

    def __setitem__(self, key, value):
        return None

    def __repr__(self):
        return f"MetaArray(shape={self.shape}, dtype={self.dtype})"

    def __float__(self):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")

    def item(self, *args):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")

    def tolist(self):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")

    def copy(self, order="C"):
        return empty(self.shape, self.dtype)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        return empty(self.shape, dtype)

    def get(self):
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")


def empty(shape, dtype=float, **_):
    """A MetaArray of `shape` and `dtype` (no memory beyond one element)."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    buf = np.zeros(1, dtype=dtype)
    arr = np.lib.stride_tricks.as_strided(buf, shape=shape, strides=(0,) * len(shape), writeable=False)
    return arr.view(MetaArray)


def _matmul(a, b):
    """np.matmul's result shape and dtype, computed from the shapes alone."""
    sa, sb = np.shape(a), np.shape(b)
    if not sa or not sb:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    a2 = (1,) + sa if len(sa) == 1 else sa
    b2 = sb + (1,) if len(sb) == 1 else sb
    if a2[-1] != b2[-2]:
        raise ValueError("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
                         f"(n?,k),(k,m?)->(n?,m?) (size {b2[-2]} is different from {a2[-1]})")
    shape = np.broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])
    if len(sb) == 1:
        shape = shape[:-1]
    if len(sa) == 1:
        shape = shape[:-2] + shape[-1:] if len(sb) != 1 else shape[:-1]
    dtype = np.matmul(np.zeros((1, 1), np.asarray(a).dtype), np.zeros((1, 1), np.asarray(b).dtype)).dtype
    return empty(shape, dtype)


def _stand_in(x):
    # a plain zero-strided ndarray with the same shape and dtype, for NumPy's own rules
    if isinstance(x, MetaArray):
        return x.view(np.ndarray)
    return x


def _map(obj, fn):
    if isinstance(obj, (list, tuple)):
        return type(obj)(_map(o, fn) for o in obj)
    if isinstance(obj, dict):
        return {k: _map(v, fn) for k, v in obj.items()}
    return fn(obj)


def _from_result(result):
    if isinstance(result, tuple):
        return tuple(_from_result(r) for r in result)
    if isinstance(result, list):
        return [_from_result(r) for r in result]
    if isinstance(result, (np.ndarray, np.generic)):
        result = np.asarray(result)
        return empty(result.shape, result.dtype)
    return result


def _reduce_rule(name):
    def rule(a, axis=None, dtype=None, out=None, keepdims=False, **kw):
        a = np.asarray(a).view(np.ndarray)
        shape = list(a.shape)
        axes = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, (int, np.integer)) else axis)
        axes = [ax % max(len(shape), 1) for ax in axes]
        for ax in sorted(axes, reverse=True):
            if keepdims:
                shape[ax] = 1
            else:
                del shape[ax]
        if name in ("argmax", "argmin"):
            d = np.dtype(np.intp)
        elif name in ("any", "all"):
            d = np.dtype(bool)
        elif dtype is not None:
            d = np.dtype(dtype)
        elif name in ("sum", "prod") and a.dtype.kind in "biu":
            d = np.dtype(np.int64) if a.dtype.kind != "u" else np.dtype(np.uint64)
        elif name in ("mean", "var", "std") and a.dtype.kind in "biu":
            d = np.dtype(np.float64)
        else:
            d = a.dtype
        return empty(shape, d)
    return rule


_RULES = {getattr(np, n): _reduce_rule(n) for n in ("sum", "prod", "mean", "var", "std", "max", "min", "amax",
                                                       "amin", "argmax", "argmin", "any", "all", "nansum")}
_RULES[np.copyto] = lambda dst, src, casting="same_kind", where=True: None
_RULES[np.einsum] = lambda *a, **k: _from_result(np.einsum(*_map(a, _small), **{x: y for x, y in k.items()}))


def _small(x):
    return _stand_in(x)


# ---------------------------------------------------------------------------
# the xp namespace: factories here, everything else from NumPy (which dispatches back to MetaArray)

def zeros(shape, dtype=float, **_):
    return empty(shape, dtype)


ones = zeros


def full(shape, fill_value, dtype=None, **_):
    return empty(shape, dtype if dtype is not None else np.asarray(fill_value).dtype)


def asarray(x, dtype=None, **_):
    if isinstance(x, MetaArray):
        return x if dtype is None else empty(x.shape, dtype)
    a = np.asarray(x, dtype=dtype)
    return empty(a.shape, a.dtype)


array = asarray


def zeros_like(a, dtype=None, **_):
    return empty(np.shape(a), dtype or a.dtype)


ones_like = empty_like = zeros_like


def full_like(a, fill_value, dtype=None, **_):
    return empty(np.shape(a), dtype or a.dtype)


def arange(*args, dtype=None, **_):
    return _from_result(np.arange(*args, dtype=dtype))


def __getattr__(name):
    return getattr(np, name)
