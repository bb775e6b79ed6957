"""Sparse tensors: COO (torch.sparse_coo_tensor, Tensor.to_sparse/coalesce/to_dense/values/indices, torch.sparse.*)
and 2-D CSR (torch.sparse_csr_tensor, Tensor.to_sparse_csr).

NOTE [ Sparse COO tensors ]
A sparse tensor is an ordinary Tensor whose `_data` is a `SparseCOO`: int64
indices (sparse_dim, nnz), values (nnz, *dense_shape), the shape and a
coalesced flag.  It looks enough like an array (shape, dtype, ndim, size,
astype, layout) for Tensor's metadata, and implements NumPy's
`__array_ufunc__` and `__array_function__` for what PyTorch supports on sparse
tensors: add/sub of two sparse tensors, dense + sparse, mul by a scalar, a
dense or a sparse tensor, div by a scalar, zero-preserving unary functions,
matmul, sum, transpose, cat/stack, select/index_select, unsqueeze and copyto.
So the existing primitives (add, mul, neg, matmul, sum, permute, to_copy,
getitem, in-place writes) run on sparse tensors with their own backward rules,
and every other operator raises PyTorch's NotImplementedError instead of
computing garbage.  The dense hot path pays nothing.  Results follow PyTorch's
kernels entry for entry (which operand's indices a product keeps, what is
coalesced), not just the dense values.

Autograd crosses between layouts through a few primitives: sparse_coo_tensor
(values -> sparse), values (sparse -> values), to_dense and to_sparse;
coalesce passes its gradient through.  Everything else (sparse.mm, sparse.sum,
sparse.softmax, sparse_mask) composes them, so a sparse leaf gets PyTorch's
sparse gradient with its own (coalesced) indices.  A `SparseCSR` (2-D only)
computes through its COO form and has the same bridges.

Differences from PyTorch: `s + dense` (sparse first) gives the dense sum
instead of an error (autograd's gradient accumulation needs both orders);
`Tensor.sum(dim)` of a sparse tensor is dense (torch.sparse.sum keeps it
sparse); slicing and cat's backward work (PyTorch has no as_strided for
sparse); indices are always bounds-checked (PyTorch only with
check_invariants); CSR is 2-D without batch or dense dims; CSC/BSR/BSC raise.
"""
import numpy as np

from .. import _dtype
from .._layout import sparse_bsc, sparse_bsr, sparse_coo, sparse_csc, sparse_csr, strided
from .._tensor import Tensor, _wrap, register_methods
from .core import normalize_dims
from .registry import apply, defop, needs_input_grad

__all__ = [
    "dsmm",
    "hsmm",
    "hspmm",
    "smm",
    "sparse_bsc",
    "sparse_bsc_tensor",
    "sparse_bsr",
    "sparse_bsr_tensor",
    "sparse_compressed_tensor",
    "sparse_coo_tensor",
    "sparse_csc",
    "sparse_csc_tensor",
    "sparse_csr_tensor",
    "spmm",
]

_BACKEND_MSG = ("This could be because the operator doesn't exist for this backend, or was omitted during the "
                "selective/custom build process (if using custom build).")
_ATEN = {"negative": "neg", "absolute": "abs", "divide": "div.Tensor", "multiply": "mul.Tensor",
         "subtract": "sub.Tensor", "add": "add.Tensor", "equal": "eq.Tensor", "not_equal": "ne.Tensor",
         "greater": "gt.Tensor", "less": "lt.Tensor", "broadcast_to": "expand", "asarray": "empty_like"}


def _unsupported(name, backend="SparseCPU"):
    return NotImplementedError(f"Could not run 'aten::{_ATEN.get(name, name)}' with arguments from the '{backend}' "
                               f"backend. {_BACKEND_MSG}")


class _Flags:
    # the engine keeps a sparse gradient without a copy: SparseCOO values are replaced, never written through
    writeable = True
    c_contiguous = True


class SparseCOO(np.lib.mixins.NDArrayOperatorsMixin):
    """The array behind a sparse COO Tensor (see NOTE [ Sparse COO tensors ]).

    Python operators go through the ufuncs, so array-level code (the optimizers' updates) works on it too."""

    __slots__ = ("coalesced", "indices", "shape", "values")
    _ember_sparse = True
    layout = sparse_coo
    base = None
    flags = _Flags()

    def __init__(self, indices, values, shape, coalesced=False):
        self.indices = indices
        self.values = values
        self.shape = tuple(shape)
        self.coalesced = coalesced

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def itemsize(self):
        return self.values.dtype.itemsize

    @property
    def strides(self):
        return (0,) * len(self.shape)  # PyTorch reports zero strides for sparse tensors

    @property
    def sparse_dim(self):
        return self.indices.shape[0]

    @property
    def nnz(self):
        return self.values.shape[0]

    def astype(self, dtype, copy=True):
        return SparseCOO(self.indices, self.values.astype(dtype, copy=copy), self.shape, self.coalesced)

    def __reduce__(self):
        return _sparse_array, (self.indices, self.values, self.shape, self.coalesced)

    def copy(self, order="K"):
        return SparseCOO(self.indices.copy(), self.values.copy(), self.shape, self.coalesced)

    def conj(self):
        return SparseCOO(self.indices, self.values.conj(), self.shape, self.coalesced)

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError("Could not run this operator with arguments from the 'SparseCPU' backend: it has no "
                                  "sparse COO kernel. Call .to_dense() first.")

    def tolist(self):
        raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage")

    def reshape(self, *shape):
        raise RuntimeError("reshape is not implemented for sparse tensors")

    def __getitem__(self, key):
        return _getitem(self, key if isinstance(key, tuple) else (key,))

    def __iadd__(self, other):  # the engine's gradient accumulation: a new object, so aliases are unaffected
        return np.add(self, other)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        name = ufunc.__name__
        if method != "__call__":
            raise _unsupported(name)
        dtype = kwargs.get("dtype")
        if name in ("add", "subtract"):
            result = _add(inputs[0], inputs[1], name == "subtract", dtype)
        elif name == "multiply":
            result = _mul(inputs[0], inputs[1], dtype)
        elif name == "divide":
            result = _div(inputs[0], inputs[1], dtype)
        elif name == "matmul":
            result = _matmul(inputs[0], inputs[1])
        elif name == "power" and _sparse(inputs[0]) and not _sparse(inputs[1]) and np.ndim(inputs[1]) == 0:
            if inputs[1] == 0:
                raise RuntimeError("pow: cannot raise to zeroth power on sparse tensor; it would make the result "
                                   "tensor dense")
            x = _coalesce(inputs[0])
            result = SparseCOO(x.indices, ufunc(x.values, inputs[1], **kwargs), x.shape, True)
        elif name in ("maximum", "minimum") and _sparse(inputs[0]) and not _sparse(inputs[1]) \
                and np.ndim(inputs[1]) == 0 and (inputs[1] <= 0 if name == "maximum" else inputs[1] >= 0):
            x = _coalesce(inputs[0])  # relu and clamps that keep zero at zero
            result = SparseCOO(x.indices, ufunc(x.values, inputs[1], **kwargs), x.shape, True)
        elif len(inputs) == 1 and name in _ZERO_PRESERVING:
            x = inputs[0] if name in _LINEAR else _coalesce(inputs[0])
            result = SparseCOO(x.indices, ufunc(x.values, **kwargs), x.shape, x.coalesced)
        else:
            raise _unsupported(name)
        if out is None:
            return result
        target = out[0]
        if isinstance(result, SparseCOO):
            result = _dense(result)
        np.copyto(target, result, casting="unsafe")
        return target

    def __array_function__(self, func, types, args, kwargs):
        impl = _FUNCTIONS.get(func)
        if impl is None:
            raise _unsupported(func.__name__)
        return impl(*args, **kwargs)


def _sparse_array(indices, values, shape, coalesced):
    return SparseCOO(indices, values, shape, coalesced)


# unary ufuncs with f(0) == 0, computed on the values alone (linear ones need no coalescing first)
_LINEAR = {"negative", "positive", "conjugate", "deg2rad", "rad2deg"}
_ZERO_PRESERVING = _LINEAR | {"absolute", "sqrt", "sin", "tan", "tanh", "arcsin", "arctan", "sinh", "arcsinh",
                              "arctanh", "expm1", "log1p", "sign", "ceil", "floor", "rint", "trunc", "square",
                              "signbit", "isnan", "isinf", "cbrt", "fabs"}


def _sparse(x):
    return isinstance(x, SparseCOO)


def _keys(x):
    """Linear index of each nonzero over the sparse dims (equal keys = same position)."""
    idx = x.indices
    if idx.shape[0] == 0:
        return np.zeros(idx.shape[1], np.int64)
    if idx.shape[1] == 0:
        return np.zeros(0, np.int64)
    return np.ravel_multi_index(tuple(idx), x.shape[:idx.shape[0]])


def _coalesce(x):
    """Duplicates summed, indices sorted (PyTorch keeps explicit zeros)."""
    if x.coalesced:
        return x
    uniq, first, inverse = np.unique(_keys(x), return_index=True, return_inverse=True)
    values = np.zeros((len(uniq),) + x.values.shape[1:], x.values.dtype)
    np.add.at(values, inverse, x.values)
    return SparseCOO(x.indices[:, first], values, x.shape, True)


def _dense(x):
    out = np.zeros(x.shape, x.values.dtype)
    if x.indices.shape[0] == 0:
        if x.nnz:
            out[...] = x.values.sum(0, dtype=x.values.dtype)
        return out
    if x.coalesced:
        out[tuple(x.indices)] = x.values
    else:
        np.add.at(out, tuple(x.indices), x.values)
    return out


def _from_dense(x, sparse_dim):
    """The nonzero (sparse-dim) positions of dense array `x` and their values."""
    if sparse_dim == 0:
        return SparseCOO(np.zeros((0, 1), np.int64), x[None].copy(), x.shape, True)
    nonzero = x != 0
    if sparse_dim < x.ndim:
        nonzero = nonzero.any(axis=tuple(range(sparse_dim, x.ndim)))
    indices = np.stack(np.nonzero(nonzero)).astype(np.int64)
    return SparseCOO(indices, x[tuple(indices)], x.shape, True)


def _check_same_size(a, b):
    if tuple(a.shape) != tuple(b.shape):
        raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has size {list(a.shape)} "
                           f"while other has size {list(b.shape)} (FYI: dense-sparse addition does not currently "
                           "support broadcasting)")


def _add(a, b, subtract, dtype):
    if _sparse(a) and _sparse(b):
        if a.shape != b.shape:
            raise RuntimeError(f"add: expected sizes of 'self' and 'other' to match, but {list(a.shape)} != "
                               f"{list(b.shape)}")
        if a.sparse_dim != b.sparse_dim:
            raise RuntimeError(f"add: expected 'self' and 'other' to have same sparse dimensions, but got "
                               f"{a.sparse_dim} != {b.sparse_dim}")
        dt = dtype or np.result_type(a.dtype, b.dtype)
        other = b.values.astype(dt)
        return _merge(a, a.values.astype(dt), b, -other if subtract else other)
    if not _sparse(a) and np.ndim(a) == 0 or not _sparse(b) and np.ndim(b) == 0:
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
    _check_same_size(a, b)
    dt = dtype or np.result_type(a.dtype, b.dtype)
    if _sparse(a):  # sparse + dense: ember's extension (see the NOTE), computed as dense + sparse
        out = np.negative(b, dtype=dt) if subtract else np.array(b, dtype=dt)
        return _scatter_add(out, a, a.values.astype(dt))
    out = np.array(a, dtype=dt)  # dense + sparse: the dense values, plus the nonzeros where they are
    return _scatter_add(out, b, -b.values.astype(dt) if subtract else b.values.astype(dt))


def _scatter_add(out, x, values):
    if x.sparse_dim == 0:
        out += values.sum(0, dtype=out.dtype)
    else:
        np.add.at(out, tuple(x.indices), values)
    return out


def _merge(a, av, b, bv):
    """a + b as PyTorch's CPU kernel computes it: one merge pass over both index lists, equal heads combined.

    On sorted, duplicate-free inputs that is the coalesced union; otherwise the order PyTorch gives."""
    ka, kb = _keys(a), _keys(b)
    if np.all(np.diff(ka) > 0) and np.all(np.diff(kb) > 0):
        keys, first, inverse = np.unique(np.concatenate([ka, kb]), return_index=True, return_inverse=True)
        values = np.zeros((len(keys),) + av.shape[1:], av.dtype)
        np.add.at(values, inverse, np.concatenate([av, bv]))
        indices = np.concatenate([a.indices, b.indices], 1)[:, first]
        return SparseCOO(indices, values, a.shape, a.coalesced and b.coalesced)
    take_a, take_b = [], []  # per output entry: the position taken from a and from b (-1: none)
    i = j = 0
    ka, kb = ka.tolist(), kb.tolist()
    while i < len(ka) or j < len(kb):
        cmp = -1 if i >= len(ka) else 1 if j >= len(kb) else (ka[i] < kb[j]) - (ka[i] > kb[j])
        take_a.append(i if cmp >= 0 else -1)
        take_b.append(j if cmp <= 0 else -1)
        i += cmp >= 0
        j += cmp <= 0
    ta, tb = np.array(take_a, np.int64), np.array(take_b, np.int64)
    values = np.zeros((len(ta),) + av.shape[1:], av.dtype)
    values[ta >= 0] += av[ta[ta >= 0]]
    values[tb >= 0] += bv[tb[tb >= 0]]
    indices = np.where(ta >= 0, a.indices[:, np.maximum(ta, 0)] if len(ka) else 0,
                       b.indices[:, np.maximum(tb, 0)] if len(kb) else 0)
    return SparseCOO(indices.astype(np.int64), values, a.shape, a.coalesced and b.coalesced)


def _at_indices(x, dense):
    """`dense` (broadcast to sparse `x`'s shape) gathered at x's nonzeros: shape (nnz, *dense_dims)."""
    full = np.broadcast_to(dense, x.shape)
    if x.indices.shape[0] == 0:
        return np.broadcast_to(full, (x.nnz,) + x.shape)
    return full[tuple(x.indices)]


def _mul(a, b, dtype):
    if _sparse(a) and _sparse(b):
        if a.shape != b.shape:
            raise RuntimeError(f"mul: expected 'self' and 'other' to have same sizes, but {list(a.shape)} != "
                               f"{list(b.shape)}")
        dt = dtype or np.result_type(a.dtype, b.dtype)
        if not a.nnz or not b.nnz:
            return SparseCOO(a.indices[:, :0], np.zeros((0,) + a.values.shape[1:], dt), a.shape, True)
        if a.coalesced and b.coalesced:  # the intersection of the nonzeros
            _, ia, ib = np.intersect1d(_keys(a), _keys(b), assume_unique=True, return_indices=True)
            return SparseCOO(a.indices[:, ia], a.values[ia].astype(dt) * b.values[ib].astype(dt), a.shape, True)
        # otherwise PyTorch keeps the entries of one operand (zero where the other has none): the uncoalesced one,
        # else the one with fewer nonzeros (the second on a tie)
        if a.coalesced != b.coalesced:
            pattern, other = (b, a) if a.coalesced else (a, b)
        else:
            pattern, other = (a, b) if a.nnz < b.nnz else (b, a)
        looked, found = _lookup(other, _keys(pattern))
        values = pattern.values.astype(dt) * looked.astype(dt)
        values[~found] = 0  # a +0 for entries the other operand lacks, whatever their sign
        return SparseCOO(pattern.indices, values, a.shape, pattern.coalesced)
    sp, other = (a, b) if _sparse(a) else (b, a)
    other = np.asarray(other)
    dt = dtype or np.result_type(sp.dtype, other.dtype)
    if other.ndim:
        if np.broadcast_shapes(other.shape, sp.shape) != sp.shape:
            raise RuntimeError(f"mul(sparse, dense): the dense operand of shape {list(other.shape)} must broadcast "
                               f"to the sparse shape {list(sp.shape)}")
        other = _at_indices(sp, other)  # linear in the sparse operand: duplicates need no coalescing
    return SparseCOO(sp.indices, sp.values.astype(dt) * other.astype(dt), sp.shape, sp.coalesced)


def _lookup(x, keys):
    """The values of sparse `x` at linear positions `keys` (zero where x has no entry), and where it has one."""
    c = _coalesce(x)
    ck = _keys(c)
    pos = np.minimum(np.searchsorted(ck, keys), max(len(ck) - 1, 0))
    found = (ck[pos] == keys) if len(ck) else np.zeros(len(keys), bool)
    out = np.zeros((len(keys),) + c.values.shape[1:], c.values.dtype)
    out[found] = c.values[pos[found]]
    return out, found


def _div(a, b, dtype):
    if not _sparse(a) or _sparse(b):
        raise _unsupported("divide")
    if np.ndim(b) != 0:
        raise RuntimeError(f"Sparse division requires a scalar or zero-dim dense tensor divisor (got shape "
                           f"{list(np.shape(b))} for divisor)")
    dt = dtype or np.result_type(a.dtype, np.asarray(b).dtype)
    return SparseCOO(a.indices, np.true_divide(a.values.astype(dt), np.asarray(b).astype(dt)), a.shape, a.coalesced)


def _matmul(a, b):
    if _sparse(a) and _sparse(b):  # sparse @ sparse is sparse
        result = _matmul(a, _dense(b))
        return _from_dense(result, 2)
    if not _sparse(a):  # dense @ sparse = (sparse^T @ dense^T)^T
        if a.ndim == 1:
            return _matmul(_transpose(b, (1, 0)), a)
        return _matmul(_transpose(b, (1, 0)), np.swapaxes(a, -1, -2)).T
    if a.ndim != 2 or a.sparse_dim != 2 or b.ndim > 2:
        raise _unsupported("mm")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {a.shape[1]}, got {b.shape[0]}")
    rows, cols = a.indices
    dt = np.result_type(a.dtype, b.dtype)
    contrib = a.values.reshape((-1,) + (1,) * (b.ndim - 1)) * b[cols]
    shape = (a.shape[0],) + b.shape[1:]
    if dt.kind == "f":  # one bincount over (row, column) keys is several times faster than np.add.at
        k = int(np.prod(b.shape[1:], dtype=np.int64))
        keys = (rows[:, None] * k + np.arange(k)).reshape(-1)
        return np.bincount(keys, contrib.reshape(-1), minlength=shape[0] * k).astype(dt).reshape(shape)
    out = np.zeros(shape, dt)
    np.add.at(out, rows, contrib)
    return out


def _transpose(x, axes):
    sd = x.sparse_dim
    axes = tuple(range(x.ndim))[::-1] if axes is None else tuple(a % x.ndim for a in axes)
    if any(a >= sd for a in axes[:sd]):
        raise RuntimeError("permute(sparse_coo): transpositions between sparse and dense dimensions are not allowed."
                           "Only transpositions within sparse and within dense dimensions are allowed.")
    values = x.values.transpose((0,) + tuple(a - sd + 1 for a in axes[sd:]))
    same_order = axes[:sd] == tuple(range(sd))
    coalesced = x.coalesced and same_order or x.nnz == 0
    return SparseCOO(x.indices[list(axes[:sd])], values, tuple(x.shape[a] for a in axes), coalesced)


def _swapaxes(x, a, b):
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return _transpose(x, axes)


def _np_sum(x, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    if axis is None and not keepdims:
        return np.sum(x.values, dtype=dtype)
    return np.sum(_dense(x), axis=axis, dtype=dtype, keepdims=keepdims)  # Tensor.sum(dim) is dense here


def _copyto(dst, src, casting="same_kind", where=True):
    """In-place writes (copy_, zero_, add_, the in-place path of every op) into a sparse or dense array."""
    if not _sparse(dst):
        return np.copyto(dst, _dense(src), casting=casting)
    if not _sparse(src):
        src = np.asarray(src)
        if src.shape != dst.shape:
            src = np.broadcast_to(src, dst.shape)
        src = _from_dense(src, dst.sparse_dim)
    dst.indices, dst.values, dst.coalesced = src.indices, src.values.astype(dst.dtype), src.coalesced


def _broadcast_to(x, shape, subok=False):
    if tuple(shape) == x.shape:
        return x
    raise RuntimeError("expand is unsupported for Sparse tensors")


def _getitem(x, key):
    """Basic indexing (ints, slices, ...) of a sparse array: select/narrow on sparse dims, plain on dense dims;
    one integer array on a sparse dim is index_select."""
    nones = [i for i, k in enumerate(key) if k is None]
    if len(nones) == 1 and all(_everything(k) for k in key[:nones[0]]) and \
            all(_everything(k) or k is Ellipsis for k in key[nones[0] + 1:]):
        return _expand_dims(x, nones[0])
    arrays = [i for i, k in enumerate(key) if isinstance(k, np.ndarray)]
    if len(arrays) == 1 and key[arrays[0]].ndim == 1 and arrays[0] < x.sparse_dim and \
            all(_everything(k) or k is Ellipsis for i, k in enumerate(key) if i != arrays[0]):
        return _index_select(x, arrays[0], key[arrays[0]])
    if any(k is None or not isinstance(k, (int, np.integer, slice)) and k is not Ellipsis for k in key):
        raise _unsupported("index.Tensor")
    if Ellipsis in key:
        i = key.index(Ellipsis)
        key = key[:i] + (slice(None),) * (x.ndim - len(key) + 1) + key[i + 1:]
    if len(key) > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    key = key + (slice(None),) * (x.ndim - len(key))
    sd = x.sparse_dim
    keep = np.ones(x.nnz, bool)
    rows, shape, coalesced = [], [], x.coalesced
    for d in range(sd):
        k, idx, n = key[d], x.indices[d], x.shape[d]
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            pos = (idx - start) // step
            keep &= ((idx - start) % step == 0) & (pos >= 0) & (pos < len(range(start, stop, step)))
            rows.append(pos)
            shape.append(len(range(start, stop, step)))
            coalesced = coalesced and step > 0
        else:
            keep &= idx == (k + n if k < 0 else k)
            coalesced = False  # as PyTorch flags a select
    values = x.values[keep][(slice(None),) + key[sd:]]
    if not rows and sd:  # every sparse dim selected: PyTorch gives the (dense) sum of the matching values
        return values.sum(0, dtype=values.dtype)
    indices = np.stack(rows)[:, keep] if rows else np.zeros((0, int(keep.sum())), np.int64)
    shape += [len(range(*k.indices(n))) for k, n in zip(key[sd:], x.shape[sd:]) if isinstance(k, slice)]
    return SparseCOO(indices.astype(np.int64), values, shape, coalesced or len(values) <= 1)


def _everything(k):
    return isinstance(k, slice) and k == slice(None)


def _expand_dims(x, axis):
    """unsqueeze: a new sparse dim (index 0 for every entry) up to sparse_dim, else a new dense dim."""
    axis = axis if axis >= 0 else axis + x.ndim + 1
    shape = x.shape[:axis] + (1,) + x.shape[axis:]
    if axis <= x.sparse_dim:
        return SparseCOO(np.insert(x.indices, axis, 0, axis=0), x.values, shape, x.coalesced)
    return SparseCOO(x.indices, np.expand_dims(x.values, axis - x.sparse_dim + 1), shape, x.coalesced)


def _index_select(x, dim, index):
    """The entries whose index along sparse `dim` is picked by `index`, renumbered: one per match, in index order."""
    position, entry = np.nonzero(index[:, None] == x.indices[dim][None, :])
    indices = x.indices[:, entry].copy()
    indices[dim] = position
    shape = x.shape[:dim] + (len(index),) + x.shape[dim + 1:]
    return SparseCOO(indices, x.values[entry], shape, len(entry) <= 1)


def _stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    """stack of sparse arrays along a new sparse dim."""
    if not all(_sparse(a) for a in arrays):
        raise RuntimeError("Cannot stack sparse and dense tensors")
    axis %= arrays[0].ndim + 1
    if axis > arrays[0].sparse_dim:
        raise _unsupported("stack")
    dt = dtype or np.result_type(*[a.dtype for a in arrays])
    indices = np.concatenate([np.insert(a.indices, axis, i, axis=0) for i, a in enumerate(arrays)], 1)
    values = np.concatenate([a.values.astype(dt) for a in arrays])
    return SparseCOO(indices, values, arrays[0].shape[:axis] + (len(arrays),) + arrays[0].shape[axis:])


def _concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    """cat of sparse arrays along a sparse dim (indices offset, nothing merged), as PyTorch's."""
    for i, a in enumerate(arrays):
        if not _sparse(a):
            raise RuntimeError(f"Concatenating sparse tensors, but a dense tensor was found at position {i}.")
    first = arrays[0]
    axis %= first.ndim
    if axis >= first.sparse_dim or any(a.sparse_dim != first.sparse_dim for a in arrays):
        raise _unsupported("cat")
    indices, offset = [], 0
    for a in arrays:
        idx = a.indices.copy()
        idx[axis] += offset
        indices.append(idx)
        offset += a.shape[axis]
    dt = dtype or np.result_type(*[a.dtype for a in arrays])
    values = np.concatenate([a.values.astype(dt) for a in arrays])
    shape = first.shape[:axis] + (offset,) + first.shape[axis + 1:]
    return SparseCOO(np.concatenate(indices, 1), values, shape, len(values) <= 1)


def _reshape(x, *args, **kwargs):
    raise RuntimeError("reshape is not implemented for sparse tensors")


_FUNCTIONS = {np.sum: _np_sum, np.transpose: _transpose, np.swapaxes: _swapaxes, np.copyto: _copyto,
              np.broadcast_to: _broadcast_to, np.reshape: _reshape, np.concatenate: _concatenate, np.stack: _stack,
              np.ndim: lambda x: x.ndim, np.shape: lambda x: x.shape, np.expand_dims: _expand_dims}


# ---------------------------------------------------------------------------
# primitives: the autograd bridges between sparse and dense (NOTE [ Sparse COO tensors ])

def _values_grad(g, indices):
    """Gradient of each value of sparse_coo_tensor(indices, values): g at its index (dense or sparse g)."""
    if not needs_input_grad(1):
        return None
    if g.is_sparse:
        g = to_dense(g)
    if indices.shape[0] == 0:
        return g.expand((indices.shape[1],) + tuple(g.shape))
    return g[tuple(indices)]


def _values_backward(g, x):
    sp = x._data
    return apply(_sparse_coo, _wrap(sp.indices), g, shape=sp.shape, coalesced=sp.coalesced)


def _coalesced_mask(x):
    return _wrap(_coalesce(x._data))


def _to_sparse_backward(g):
    return to_dense(g) if g.is_sparse else g


# fmt: off
_sparse_coo = defop("sparse_coo_tensor", lambda xp, indices, values, shape, coalesced: SparseCOO(indices, values, shape, coalesced),
                    lambda g, out, indices, values, shape, coalesced: (None, _values_grad(g, indices)),
                    node="SparseCooTensorWithDimsAndTensorsBackward0")
_values = defop("values",        lambda xp, x: x.values,                      lambda g, out, x: _values_backward(g, x))
_to_dense = defop("to_dense",    lambda xp, x: _dense(x),                     lambda g, out, x: sparse_mask(g, _coalesced_mask(x)))
_to_sparse = defop("to_sparse",  lambda xp, x, sparse_dim: _from_dense(x, sparse_dim),
                   lambda g, out, x, sparse_dim: _to_sparse_backward(g), inputs=False)
_coalesce_op = defop("coalesce", lambda xp, x: _coalesce(x),                  lambda g, out, x: g, inputs=False)
# fmt: on


# ---------------------------------------------------------------------------
# construction

def _as_index_tensor(indices):
    from .._creation import tensor
    if not isinstance(indices, Tensor):
        indices = tensor(indices)
    if indices.dtype is not _dtype.int64:
        indices = indices.to(_dtype.int64)
    return indices.detach()


def sparse_coo_tensor(indices, values=None, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """A sparse COO tensor with `values` at `indices` (sparse_dim x nnz); `size` is inferred when omitted.

    Differs from PyTorch: the indices are always checked against `size`.

    >>> sparse_coo_tensor([[0, 1], [2, 0]], [3., 4.], (2, 3)).to_dense()
    tensor([[0., 0., 3.],
            [4., 0., 0.]])
    """
    from .._creation import tensor
    if values is None:  # sparse_coo_tensor(size): an empty tensor of that size
        size = tuple(indices)
        d = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
        result = _make(np.zeros((len(size), 0), np.int64), np.zeros((0,), d.np), size, True)
        return result.requires_grad_(requires_grad) if requires_grad else result
    idx = _as_index_tensor(indices)
    if not isinstance(values, Tensor):
        values = tensor(values, dtype=dtype)
    elif dtype is not None:
        values = values.to(dtype)
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    if values.ndim == 0:
        raise RuntimeError("values must have at least one dimension (nnz)")
    sd, nnz = idx.shape
    if values.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from values: "
                           f"{values.shape[0]}")
    ind = idx._data
    if nnz and sd:
        low = ind.min(axis=1)
        for d in range(sd):
            if low[d] < 0:
                raise RuntimeError(f"found negative index {low[d]} for dim {d}")
    dense_shape = tuple(values.shape[1:])
    if size is None:
        sizes = tuple(int(m) + 1 for m in ind.max(axis=1)) if nnz else (0,) * sd
        size = sizes + dense_shape
    else:
        size = tuple(int(s) for s in size)
        if len(size) != sd + len(dense_shape):
            raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(size)}, "
                               f"sparse_dim = {sd}, dense_dim = {len(dense_shape)}")
        if size[sd:] != dense_shape:
            raise RuntimeError(f"values has incorrect size, expected {[nnz] + list(size[sd:])}, got "
                               f"{[nnz] + list(dense_shape)}")
        if nnz and sd:
            high = ind.max(axis=1)
            for d in range(sd):
                if high[d] >= size[d]:
                    raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but found "
                                       f"index {high[d]}")
    coalesced = bool(is_coalesced) or nnz <= 1
    if requires_grad:
        values = values.detach()
    result = apply(_sparse_coo, idx, values, shape=size, coalesced=coalesced)
    return result.requires_grad_(True) if requires_grad else result


def _make(indices, values, shape, coalesced=False):
    """A sparse tensor from arrays (no autograd)."""
    return _wrap(SparseCOO(indices, values, shape, coalesced))


def _sparse_coo_tensor_unsafe(indices, values, size=None, dtype=None, device=None, pin_memory=None,
                              is_coalesced=None):
    return sparse_coo_tensor(indices, values, size, dtype=dtype, device=device, is_coalesced=is_coalesced)


def _layout_name(t):
    return "Sparse" if t.is_sparse else "SparseCsr" if t.is_sparse_csr else "Strided"


def _require_sparse(t, name, kind="sparse coordinate"):
    if not t.is_sparse:
        raise RuntimeError(f"{name} expected {kind} tensor layout but got {_layout_name(t)}")


def _not_for_strided(t, name):
    if not t.is_sparse:
        raise NotImplementedError(f"Could not run 'aten::{name}' with arguments from the 'CPU' backend. "
                                  f"{_BACKEND_MSG}")


# the compressed layouts ember does not implement (sparse_csr is in _layout.py; the others are made here)


def _check_layout(layout):
    if layout is not None and layout not in (sparse_coo, sparse_csr, strided):
        raise NotImplementedError(f"ember supports the sparse_coo and (2-D) sparse_csr layouts; {layout} tensors are "
                                  "not implemented")


def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """Tensor.to_sparse: a COO tensor holding the nonzeros (of the first `sparse_dim` dims) of `self`."""
    _check_layout(layout)
    if layout is strided:
        return to_dense(self)
    if layout is sparse_csr:
        return to_sparse_csr(self, dense_dim)
    if self.is_sparse_csr:
        return apply(_csr_to_coo, self)
    if sparse_dim is None and dense_dim is not None:
        sparse_dim = self.ndim - dense_dim
    if self.is_sparse:
        if sparse_dim is not None and sparse_dim != self._data.sparse_dim:
            raise RuntimeError("to_sparse: conversion from Sparse to Sparse with sparse_dim argument !=self.sparse_dim() "
                               "is not supported")
        return self
    if sparse_dim is None:
        sparse_dim = self.ndim
    if not 0 <= sparse_dim <= self.ndim:
        raise RuntimeError(f"dense_to_sparse: sparse_dim argument must be in [0,{self.ndim}] range, but {sparse_dim} "
                           "is given")
    return apply(_to_sparse, self, sparse_dim=sparse_dim)


def to_sparse_coo(self):
    return to_sparse(self)


def to_dense(self, dtype=None, *, masked_grad=None):
    """Tensor.to_dense: the strided tensor (a strided tensor is returned as is)."""
    if not self.is_sparse and not self.is_sparse_csr:
        return self if dtype is None else self.to(dtype)
    if dtype is not None:
        raise RuntimeError("dtype argument is not supported by sparse_to_dense")
    return apply(_to_dense if self.is_sparse else _csr_to_dense, self)


def coalesce(self):
    """Tensor.coalesce: duplicate indices summed and indices sorted (self when already coalesced)."""
    _require_sparse(self, "coalesce")
    if self._data.coalesced:
        return self
    return apply(_coalesce_op, self)


def is_coalesced(self):
    _require_sparse(self, "is_coalesced")
    return self._data.coalesced


def _coalesced_(self, coalesced):
    _require_sparse(self, "_coalesced_")
    self._data.coalesced = bool(coalesced)
    return self


def values(self):
    """Tensor.values: the values of a coalesced sparse tensor (shares memory; differentiable)."""
    if self.is_sparse_csr:
        return apply(_csr_values, self)
    if not self.is_sparse:
        raise RuntimeError("values expected sparse tensor layout but got Strided")
    if not self._data.coalesced:
        raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
    return apply(_values, self)


def indices(self):
    """Tensor.indices: the int64 (sparse_dim, nnz) indices of a coalesced sparse tensor (shares memory)."""
    _require_sparse(self, "indices")
    if not self._data.coalesced:
        raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
    return _wrap(self._data.indices)


def _values_method(self):
    _not_for_strided(self, "_values")
    return apply(_values, self)


def _indices_method(self):
    _not_for_strided(self, "_indices")
    return _wrap(self._data.indices)


def _nnz(self):
    if self.is_sparse_csr:
        return self._data.nnz
    _not_for_strided(self, "_nnz")
    return self._data.nnz


def sparse_dim(self):
    return self._data.sparse_dim if self.is_sparse or self.is_sparse_csr else 0


def dense_dim(self):
    return self._data.ndim - self._data.sparse_dim if self.is_sparse or self.is_sparse_csr else self.ndim


def sparse_mask(self, mask):
    """Tensor.sparse_mask: the values of `self` at the nonzeros of sparse `mask`, as a sparse tensor."""
    _require_sparse(mask, "sparse_mask", "sparse")
    if tuple(self.shape) != tuple(mask.shape):
        raise RuntimeError(f"sparse_mask(): operands have incompatible sizes; self has size {list(self.shape)} but "
                           f"mask has size {list(mask.shape)}")
    m = mask._data
    idx = _wrap(m.indices)
    dense = to_dense(self) if self.is_sparse else self
    vals = dense.expand((m.nnz,) + tuple(dense.shape)) if m.sparse_dim == 0 else dense[tuple(idx)]
    return apply(_sparse_coo, idx, vals, shape=m.shape, coalesced=m.coalesced)


# ---------------------------------------------------------------------------
# products

def _check_mm(mat1, mat2):
    if mat1.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"addmm: matrices expected, got {mat1.ndim}D, {mat2.ndim}D tensors")


def _sparse_mm_backward(g, a, b):
    from .linalg import matmul
    ga = gb = None
    if needs_input_grad(0):
        mask = _coalesce(a._data)
        if b.is_sparse or g.is_sparse:
            ga = sparse_mask(matmul(g, b.t()), _wrap(mask))
        else:  # (g @ b^T) at a's nonzeros only: sum_k g[i, k] * b[j, k]
            rows, cols = _wrap(mask.indices[0]), _wrap(mask.indices[1])
            ga = apply(_sparse_coo, _wrap(mask.indices), (g[rows] * b[cols]).sum(-1), shape=mask.shape, coalesced=True)
    if needs_input_grad(1):
        gb = matmul(a.t(), g)
    return ga, gb


# fmt: off
# sparse @ dense (or sparse @ sparse): unlike torch.mm, the sparse operand's gradient is sparse, with its nonzeros
_sparse_mm_op = defop("sparse_mm", lambda xp, a, b: _matmul(a, b), lambda g, out, a, b: _sparse_mm_backward(g, a, b),
                      node="SparseAddmmBackward0")
# fmt: on


def _sparse_mm(mat1, mat2):
    """torch.sparse.mm(sparse, dense): dense result; the sparse operand's gradient is sparse, as in PyTorch."""
    _check_mm(mat1, mat2)
    if mat1.dtype is not mat2.dtype:
        raise RuntimeError(f"expected scalar type {_pt_name(mat1.dtype)} but found {_pt_name(mat2.dtype)}")
    if not mat1.is_sparse:
        from .linalg import mm
        return mm(mat1, mat2)
    return apply(_sparse_mm_op, mat1, mat2)


def spmm(input, mat2):
    """torch.spmm: sparse @ dense (the sparse operand's gradient is dense, as torch.mm's)."""
    from .linalg import mm
    return mm(input, mat2)


def smm(input, mat):
    """torch.smm / Tensor.smm: sparse @ dense as a sparse tensor."""
    _require_sparse(input, "smm", "sparse")
    return to_sparse(spmm(input, mat))


def dsmm(input, mat2):
    """torch.dsmm: sparse @ dense, dense result."""
    return spmm(input, mat2)


def hspmm(mat1, mat2, *, out=None):
    """torch.hspmm: sparse @ dense as a hybrid COO tensor (sparse rows, dense columns)."""
    _require_sparse(mat1, "hspmm", "sparse")
    dense = spmm(mat1, mat2)
    rows = np.unique(_coalesce(mat1._data).indices[0])
    idx = _wrap(rows[None])
    return apply(_sparse_coo, idx, dense[_wrap(rows)], shape=tuple(dense.shape), coalesced=True)


def sparse_addmm(input, mat1, mat2, *, beta=1.0, alpha=1.0):
    """torch.sparse.addmm: beta * input + alpha * sparse.mm(mat1, mat2)."""
    return input * beta + _sparse_mm(mat1, mat2) * alpha


# ---------------------------------------------------------------------------
# reductions and softmax (torch.sparse.sum / softmax / log_softmax)

def sparse_sum(input, dim=None, dtype=None):
    """torch.sparse.sum: dense when every sparse dim is reduced, else sparse; the gradient is sparse."""
    if not input.is_sparse:
        return input.sum(dim, dtype=dtype) if dim is not None else input.sum(dtype=dtype)
    c = coalesce(input)
    sp = c._data
    vals = apply(_values, c)
    if dtype is not None:
        vals = vals.to(dtype)
    if dim is None:
        return vals.sum()
    dims = normalize_dims(dim, sp.ndim) or ()
    sd = sp.sparse_dim
    sparse_dims = [d for d in dims if d < sd]
    dense_dims = tuple(d - sd + 1 for d in dims if d >= sd)
    if dense_dims:
        vals = vals.sum(dense_dims)
    if len(sparse_dims) == sd and sd:
        return vals.sum(0)
    keep = [d for d in range(sd) if d not in sparse_dims]
    shape = tuple(s for d, s in enumerate(sp.shape) if d not in dims)
    result = apply(_sparse_coo, _wrap(sp.indices[keep]), vals, shape=shape, coalesced=not sparse_dims)
    return coalesce(result)


def _groups(sp, dim):
    """For each nonzero of coalesced `sp`: the id of its slice along sparse `dim` (the other sparse indices)."""
    other = np.delete(sp.indices, dim, axis=0)
    if other.shape[0] == 0 or other.shape[1] == 0:
        return np.zeros(sp.nnz, np.int64), min(sp.nnz, 1)
    keys = np.ravel_multi_index(tuple(other), tuple(np.delete(np.array(sp.shape[:sp.sparse_dim]), dim)))
    _, group = np.unique(keys, return_inverse=True)
    return group.astype(np.int64), int(group.max()) + 1


def _softmax(input, dim, dtype, log):
    from .._tensor import _wrap_dim
    name = "log_softmax" if log else "softmax"
    _require_sparse(input, name, "sparse")
    c = coalesce(input)
    sp = c._data
    vals = apply(_values, c)
    if dtype is not None:
        vals = vals.to(dtype)
    if not vals.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_pt_name(vals.dtype)}'")
    dim = _wrap_dim(dim, sp.ndim)
    sd = sp.sparse_dim
    if dim >= sd:  # along a dense dim: an ordinary softmax of each value slice
        out = vals.log_softmax(dim - sd + 1) if log else vals.softmax(dim - sd + 1)
    else:  # along a sparse dim: over the nonzeros of each slice (the missing entries count as -inf)
        group, n = _groups(sp, dim)
        gi = _wrap(group)
        top = np.full((n,) + sp.values.shape[1:], -np.inf, vals._data.dtype)
        np.maximum.at(top, group, vals._data)
        shifted = vals - _wrap(top[group])
        e = shifted.exp()
        from .. import zeros
        total = zeros((n,) + tuple(vals.shape[1:]), dtype=vals.dtype).index_add(0, gi, e)
        out = shifted - total.log()[gi] if log else e / total[gi]
    return apply(_sparse_coo, _wrap(sp.indices), out, shape=sp.shape, coalesced=True)


def _pt_name(d):
    from .registry import _pt_name as name
    return name(d.np)


def sparse_softmax(input, dim, dtype=None):
    """torch.sparse.softmax: softmax over the specified entries of each slice (unspecified ones are -inf)."""
    return _softmax(input, dim, dtype, log=False)


def sparse_log_softmax(input, dim, dtype=None):
    return _softmax(input, dim, dtype, log=True)


# ---------------------------------------------------------------------------
# the other compressed layouts (CSC, BSR, BSC) are not implemented

def _compressed(name, layout):
    def make(*args, **kwargs):
        raise NotImplementedError(f"ember supports sparse COO and 2-D CSR tensors; the {layout} layout is not "
                                  "implemented (use torch.sparse_coo_tensor)")
    make.__name__ = name
    return make


sparse_csc_tensor = _compressed("sparse_csc_tensor", "torch.sparse_csc")
sparse_bsr_tensor = _compressed("sparse_bsr_tensor", "torch.sparse_bsr")
sparse_bsc_tensor = _compressed("sparse_bsc_tensor", "torch.sparse_bsc")
sparse_compressed_tensor = _compressed("sparse_compressed_tensor", "sparse compressed")


# ---------------------------------------------------------------------------
# CSR: 2-D compressed sparse rows (torch.sparse_csr_tensor, Tensor.to_sparse_csr)

class SparseCSR(np.lib.mixins.NDArrayOperatorsMixin):
    """The array behind a 2-D sparse CSR Tensor: crow (rows + 1,), col (nnz,), values (nnz,).

    Its arithmetic goes through the COO form; results that PyTorch keeps sparse come back as CSR.
    Transposing (used by matmul's backward) gives the COO form."""

    __slots__ = ("col", "crow", "shape", "values")
    _ember_sparse = True
    layout = sparse_csr
    base = None
    flags = _Flags()
    sparse_dim = 2

    def __init__(self, crow, col, values, shape):
        self.crow, self.col, self.values, self.shape = crow, col, values, tuple(shape)

    dtype = SparseCOO.dtype
    ndim = SparseCOO.ndim
    size = SparseCOO.size
    itemsize = SparseCOO.itemsize
    strides = SparseCOO.strides
    nnz = SparseCOO.nnz
    __array__ = SparseCOO.__array__
    tolist = SparseCOO.tolist
    reshape = SparseCOO.reshape

    def astype(self, dtype, copy=True):
        return SparseCSR(self.crow, self.col, self.values.astype(dtype, copy=copy), self.shape)

    def copy(self, order="K"):
        return SparseCSR(self.crow.copy(), self.col.copy(), self.values.copy(), self.shape)

    def conj(self):
        return SparseCSR(self.crow, self.col, self.values.conj(), self.shape)

    def __reduce__(self):
        return _sparse_csr_array, (self.crow, self.col, self.values, self.shape)

    def __getitem__(self, key):
        raise _unsupported("select.int", "SparseCsrCPU")

    def to_coo(self):
        coo = SparseCOO(np.stack([_csr_rows(self.crow), self.col.astype(np.int64)]), self.values, self.shape)
        coo.coalesced = bool(np.all(np.diff(_keys(coo)) > 0))
        return coo

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        coo = [x.to_coo() if isinstance(x, SparseCSR) else x for x in inputs]
        try:
            result = SparseCOO.__array_ufunc__(self, ufunc, method, *coo, out=out, **kwargs)
        except NotImplementedError:
            raise RuntimeError("unsupported tensor layout: SparseCsr") from None
        return _csr_from(result) if _sparse(result) else result

    def __array_function__(self, func, types, args, kwargs):
        if func in (np.sum, np.transpose, np.swapaxes):
            return _FUNCTIONS[func](self.to_coo(), *args[1:], **kwargs)
        if func is np.copyto and isinstance(args[0], SparseCSR):
            dst, src = args[0], _csr_from(args[1] if _sparse(args[1]) or isinstance(args[1], SparseCSR)
                                          else _from_dense(np.broadcast_to(args[1], args[0].shape), 2))
            dst.crow, dst.col, dst.values = src.crow, src.col, src.values.astype(dst.dtype)
            return None
        raise _unsupported(func.__name__, "SparseCsrCPU")


def _sparse_csr_array(crow, col, values, shape):
    return SparseCSR(crow, col, values, shape)


def _csr_rows(crow):
    """The row of each nonzero of a CSR matrix."""
    return np.repeat(np.arange(len(crow) - 1, dtype=np.int64), np.diff(crow))


def _csr_from(x):
    """A SparseCSR from a SparseCSR, a 2-D SparseCOO (coalesced first) or a 2-D dense array."""
    if isinstance(x, SparseCSR):
        return x
    if not _sparse(x):
        if x.ndim != 2:
            raise NotImplementedError(f"ember's CSR tensors are 2-D; got a {x.ndim}-D tensor")
        x = _from_dense(x, 2)
    if x.ndim != 2 or x.sparse_dim != 2:
        raise NotImplementedError("ember's CSR tensors are 2-D without dense dimensions")
    x = _coalesce(x)
    crow = np.concatenate([[0], np.cumsum(np.bincount(x.indices[0], minlength=x.shape[0]))]).astype(np.int64)
    return SparseCSR(crow, x.indices[1].copy(), x.values, x.shape)


def _at_nonzeros(g, crow, col):
    """`g` (any layout) at the nonzeros of a CSR matrix with arrays crow, col."""
    dense = to_dense(g) if g.is_sparse or g.is_sparse_csr else g
    return dense[_wrap(_csr_rows(crow)), _wrap(col.astype(np.int64))]


def _csr_mask(g, x):
    """`g` (any layout) at the nonzeros of CSR `x`, as a CSR tensor."""
    sp = x._data
    return apply(_csr_tensor, _wrap(sp.crow), _wrap(sp.col), _at_nonzeros(g, sp.crow, sp.col), shape=sp.shape)


def _csr_values_grad(g, crow, col):
    return _at_nonzeros(g, crow._data, col._data) if needs_input_grad(2) else None


def _csr_values_backward(g, x):
    sp = x._data
    return apply(_csr_tensor, _wrap(sp.crow), _wrap(sp.col), g, shape=sp.shape)


# fmt: off
_csr_tensor = defop("sparse_csr_tensor", lambda xp, crow, col, values, shape: SparseCSR(crow, col, values, shape),
                    lambda g, out, crow, col, values, shape: (None, None, _csr_values_grad(g, crow, col)),
                    node="SparseCompressedTensorBackward0")
_csr_values = defop("csr_values",    lambda xp, x: x.values,             lambda g, out, x: _csr_values_backward(g, x),
                    node="ValuesBackward0")
_csr_to_dense = defop("csr_to_dense", lambda xp, x: _dense(x.to_coo()),  lambda g, out, x: _csr_mask(g, x),
                      node="ToDenseBackward0")
_to_csr = defop("to_sparse_csr",     lambda xp, x: _csr_from(x),          lambda g, out, x: _to_sparse_backward(g),
                inputs=False, node="ToSparseCsrBackward0")
_csr_to_coo = defop("csr_to_coo",    lambda xp, x: x.to_coo(),           lambda g, out, x: _csr_mask(g, x),
                    node="ToSparseBackward0")
# fmt: on


def _as_int_index(t, name):
    from .._creation import tensor
    t = t if isinstance(t, Tensor) else tensor(t)
    if t.dtype not in (_dtype.int32, _dtype.int64):
        t = t.to(_dtype.int64)
    if t.ndim != 1:
        raise NotImplementedError(f"ember's CSR tensors are 2-D: {name} must be 1-D, got {t.ndim}-D")
    return t.detach()


def sparse_csr_tensor(crow_indices, col_indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None):
    """A 2-D sparse CSR tensor (batched and hybrid CSR are not implemented).

    >>> sparse_csr_tensor([0, 1, 3], [2, 0, 2], [3., 4., 5.], (2, 3)).to_dense()
    tensor([[0., 0., 3.],
            [4., 0., 5.]])
    """
    from .._creation import tensor
    crow, col = _as_int_index(crow_indices, "crow_indices"), _as_int_index(col_indices, "col_indices")
    if not isinstance(values, Tensor):
        values = tensor(values, dtype=dtype)
    elif dtype is not None:
        values = values.to(dtype)
    nnz = col.shape[0]
    if values.ndim != 1:
        raise NotImplementedError("ember's CSR tensors have no dense dimensions: values must be 1-D")
    if values.shape[0] != nnz:
        raise RuntimeError(f"col_indices and values must have the same number of elements, but got {nnz} and "
                           f"{values.shape[0]}")
    c, k = crow._data, col._data
    if size is None:
        size = (crow.shape[0] - 1, int(k.max()) + 1 if nnz else 0)
    size = tuple(int(s) for s in size)
    if len(size) != 2:
        raise NotImplementedError(f"ember's CSR tensors are 2-D; got size {size}")
    # the invariants the COO form needs (PyTorch checks them only with check_invariants)
    if crow.shape[0] != size[0] + 1:
        raise RuntimeError(f"crow_indices.shape[-1] must be equal to the number of rows + 1 (={size[0] + 1}), but got: "
                           f"{crow.shape[0]}")
    if c[0] != 0:
        raise RuntimeError("`crow_indices[..., 0] == 0` is not satisfied.")
    if c[-1] != nnz:
        raise RuntimeError("`crow_indices[..., -1] == nnz` is not satisfied.")
    if np.any(np.diff(c) < 0) or np.any(np.diff(c) > size[1]):
        raise RuntimeError("`0 <= crow_indices[..., 1:] - crow_indices[..., :-1] <= ncols` is not satisfied.")
    if nnz and (k.min() < 0 or k.max() >= size[1]):
        raise RuntimeError("`0 <= col_indices < ncols` is not satisfied.")
    if requires_grad:
        values = values.detach()
    result = apply(_csr_tensor, crow, col, values, shape=size)
    return result.requires_grad_(True) if requires_grad else result


def to_sparse_csr(self, dense_dim=None):
    """Tensor.to_sparse_csr: the 2-D CSR form of a strided or COO tensor."""
    if self.is_sparse_csr:
        return self
    if dense_dim:
        raise NotImplementedError("ember's CSR tensors have no dense dimensions")
    if self.ndim != 2:
        raise NotImplementedError(f"ember's CSR tensors are 2-D; got a {self.ndim}-D tensor")
    return apply(_to_csr, self)


def crow_indices(self):
    if not self.is_sparse_csr:
        raise RuntimeError(f"crow_indices expected sparse row compressed tensor layout but got {_layout_name(self)}")
    return _wrap(self._data.crow)


def col_indices(self):
    if not self.is_sparse_csr:
        raise RuntimeError(f"col_indices expected sparse row compressed tensor layout but got {_layout_name(self)}")
    return _wrap(self._data.col)


# ---------------------------------------------------------------------------
# serialization: PyTorch pickles a COO tensor as (_rebuild_sparse_tensor, (layout, (indices, values, size, coalesced)))

def _rebuild_sparse_tensor(layout, data):
    """torch._utils._rebuild_sparse_tensor for the COO layout."""
    name = getattr(layout, "name", layout)
    if name == "sparse_csr":
        crow, col, values, size = data
        return sparse_csr_tensor(crow, col, values, size)
    if name != "sparse_coo":
        raise NotImplementedError(f"rebuilding sparse tensor for layout {layout}")
    indices, values, size = data[:3]
    is_coalesced = data[3] if len(data) > 3 else None
    return sparse_coo_tensor(indices, values, size, is_coalesced=is_coalesced)


def reduce_sparse(t):
    """The __reduce_ex__ value of sparse tensor `t`, in PyTorch's format."""
    from .._size import Size
    sp = t._data
    if t.is_sparse_csr:
        return _rebuild_sparse_tensor, (sparse_csr, (_wrap(sp.crow), _wrap(sp.col), _wrap(sp.values), Size(sp.shape)))
    return _rebuild_sparse_tensor, (sparse_coo, (_wrap(sp.indices), _wrap(sp.values), Size(sp.shape), sp.coalesced))


hsmm = hspmm


# ---------------------------------------------------------------------------
# Tensor members

def _compressed_indices(name, kind):
    def get(self):
        raise RuntimeError(f"{name} expected sparse {kind} compressed tensor layout but got {_layout_name(self)}")
    get.__name__ = name
    return get


def _to_compressed(layout):
    def convert(self, *args, **kwargs):
        _check_layout(layout)
    convert.__name__ = "to_" + layout.name
    return convert


def sparse_resize_(self, size, sparse_dim, dense_dim):
    """Tensor.sparse_resize_: a new size (and sparse/dense split) for a sparse tensor, keeping its entries."""
    _require_sparse(self, "sparse_resize_", "sparse")
    sp, size = self._data, tuple(size)
    if len(size) != sparse_dim + dense_dim:
        raise RuntimeError(f"number of dimensions must be sparse_dim ({sparse_dim}) + dense_dim ({dense_dim}), but got "
                           f"{len(size)}")
    if sp.nnz:
        if sparse_dim != sp.sparse_dim or size[sparse_dim:] != sp.shape[sp.sparse_dim:]:
            raise RuntimeError("changing the number of sparse or the dense dimensions (or their sizes) of a non-empty "
                               "sparse tensor is not supported")
        if any(size[d] < sp.shape[d] for d in range(sparse_dim)):
            raise RuntimeError(f"shrinking the size of sparse dimensions (from {list(sp.shape[:sparse_dim])} to "
                               f"{list(size[:sparse_dim])}) on a non-empty sparse tensor is not supported.")
        sp.shape = size
    else:
        _copyto(sp, SparseCOO(np.zeros((sparse_dim, 0), np.int64), np.zeros((0,) + size[sparse_dim:], sp.dtype),
                              size, True))
        sp.shape = size
    self._version_counter.value += 1
    return self


def sparse_resize_and_clear_(self, size, sparse_dim, dense_dim):
    _require_sparse(self, "sparse_resize_and_clear_", "sparse")
    sp, size = self._data, tuple(size)
    sp.indices = np.zeros((sparse_dim, 0), np.int64)
    sp.values = np.zeros((0,) + size[sparse_dim:], sp.dtype)
    sp.shape, sp.coalesced = size, True
    self._version_counter.value += 1
    return self


def resize_as_sparse_(self, the_template):
    _require_sparse(self, "resize_as_sparse_", "sparse")
    return sparse_resize_(self, the_template.shape, the_template.sparse_dim(), the_template.dense_dim())


register_methods({
    "to_sparse": to_sparse, "to_sparse_coo": to_sparse_coo, "to_dense": to_dense, "coalesce": coalesce,
    "is_coalesced": is_coalesced, "_coalesced_": _coalesced_, "values": values, "indices": indices,
    "_values": _values_method, "_indices": _indices_method, "_nnz": _nnz, "sparse_dim": sparse_dim,
    "dense_dim": dense_dim, "sparse_mask": sparse_mask, "smm": smm, "hspmm": hspmm,
    "crow_indices": crow_indices, "col_indices": col_indices, "ccol_indices": _compressed_indices("ccol_indices", "column"),
    "row_indices": _compressed_indices("row_indices", "column"),
    "to_sparse_csr": to_sparse_csr, "to_sparse_csc": _to_compressed(sparse_csc),
    "to_sparse_bsr": _to_compressed(sparse_bsr), "to_sparse_bsc": _to_compressed(sparse_bsc),
    "sparse_resize_": sparse_resize_, "sparse_resize_and_clear_": sparse_resize_and_clear_,
    "resize_as_sparse_": resize_as_sparse_,
})
