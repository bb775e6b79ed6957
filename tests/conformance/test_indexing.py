"""Conformance rows for the indexing family (ember/ops/indexing.py); x[i] / x[i] = v are in tests/test_getitem.py."""
import numpy as np
import pytest

import ember

from .opinfo import ALL, FLOAT, HALF, INT, OpInfo, S, make_arg, make_tests

I64 = np.int64


def _idx(rng, n, size):
    return rng.integers(0, n, size=size).astype(I64)


def _perm_index(rng, shape, dim, n):
    """A scatter index of `shape` whose entries along `dim` are distinct (so writes don't collide)."""
    out = np.empty(shape, dtype=I64)
    moved = np.moveaxis(out, dim, -1)
    for pos in np.ndindex(moved.shape[:-1]):
        moved[pos] = rng.permutation(n)[: moved.shape[-1]]
    return out


def index_select_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), 0, np.array([2, 0, 2], I64))
    yield S(make_arg((3, 4, 2), dtype, rng), -2, np.array([3, 1], np.int32))
    yield S(make_arg((3, 4), dtype, rng), 1, np.array(1, I64))               # 0-dim index
    yield S(make_arg((3, 4), dtype, rng), 0, np.array([], I64))              # empty index
    yield S(make_arg((), dtype, rng), 0, np.array([0], I64))                 # 0-dim input


def index_select_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([3], I64))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([-1], I64))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([[1]], I64))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([1], np.int16))
    yield S(make_arg((3, 4), "float32", rng), 2, np.array([1], I64))


def gather_samples(dtype, rng):
    yield S(make_arg((3, 4, 5), dtype, rng), 1, _idx(rng, 4, (3, 6, 5)))
    yield S(make_arg((3, 4, 5), dtype, rng), -1, _idx(rng, 5, (2, 3, 2)))   # index smaller than input
    yield S(make_arg((4,), dtype, rng), 0, _idx(rng, 4, (7,)))
    yield S(make_arg((), dtype, rng), 0, np.array(0, I64))
    yield S(make_arg((3, 4), dtype, rng), 0, np.zeros((0, 4), I64))
    yield S(make_arg((3, 4), dtype, rng), 1, _idx(rng, 4, (3, 2)).astype(np.int32))


def gather_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([[3]], I64))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([[-1]], I64))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([1], I64))
    yield S(make_arg((3, 4), "float32", rng), 0, np.zeros((2, 5), I64))
    yield S(make_arg((3, 4), "float32", rng), 0, np.zeros((2, 2), np.int16))


def scatter_samples(dtype, rng):
    yield S(make_arg((4, 5), dtype, rng), 0, _perm_index(rng, (3, 5), 0, 4), make_arg((3, 5), dtype, rng))
    if dtype not in FLOAT:  # a src bigger than index: PyTorch's own backward refuses it
        yield S(make_arg((4, 5), dtype, rng), 1, _perm_index(rng, (2, 3), 1, 5), make_arg((3, 4), dtype, rng))
    yield S(make_arg((2, 3, 4), dtype, rng), -1, _perm_index(rng, (2, 3, 2), 2, 4), make_arg((2, 3, 2), dtype, rng))
    yield S(make_arg((4, 5), dtype, rng), 0, _perm_index(rng, (2, 5), 0, 4), value=3)
    yield S(make_arg((4,), dtype, rng), 0, np.zeros((0,), I64), make_arg((0,), dtype, rng))


def scatter_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([[3]], I64), make_arg((1, 1), "float32", rng))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([[1]], I64), make_arg((1, 1), "float64", rng))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([[1, 1]], I64), make_arg((1, 1), "float32", rng))


def scatter_add_samples(dtype, rng):
    yield S(make_arg((4, 5), dtype, rng), 0, _idx(rng, 4, (6, 5)), make_arg((6, 5), dtype, rng))   # duplicates add
    if dtype not in FLOAT:  # src bigger than index (PyTorch's backward refuses it)
        yield S(make_arg((4, 5), dtype, rng), 1, _idx(rng, 5, (2, 3)), make_arg((3, 4), dtype, rng))
    yield S(make_arg((2, 3, 4), dtype, rng), -1, _idx(rng, 4, (2, 3, 7)), make_arg((2, 3, 7), dtype, rng))
    yield S(make_arg((), dtype, rng), 0, np.array(0, I64), make_arg((), dtype, rng))


def scatter_reduce_samples(dtype, rng):
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            pos = reduce == "prod"
            yield S(make_arg((4, 5), dtype, rng, positive=pos), 0, _idx(rng, 4, (6, 5)),
                    make_arg((6, 5), dtype, rng, positive=pos), reduce, include_self=include_self)
        yield S(make_arg((3, 4), dtype, rng, positive=pos), 1, _idx(rng, 4, (2, 3)),
                make_arg((2, 3), dtype, rng, positive=pos), reduce)
    zeros = make_arg((6, 5), dtype, rng)
    zeros[::2, ::2] = 0                                                             # prod's gradient around zeros
    for include_self in (True, False):
        self_ = make_arg((4, 5), dtype, rng)
        self_[1] = 0
        yield S(self_, 0, _idx(rng, 4, (6, 5)), zeros, "prod", include_self=include_self)
        if dtype not in FLOAT:  # src bigger than index (PyTorch's backward refuses it)
            yield S(make_arg((3, 4), dtype, rng, positive=pos), 1, _idx(rng, 4, (2, 3)),
                    make_arg((3, 5), dtype, rng, positive=pos), reduce)


def scatter_reduce_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([[1]], I64), make_arg((1, 1), "float32", rng), "median")
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([[5]], I64), make_arg((1, 1), "float32", rng), "sum")


def index_add_samples(dtype, rng):
    yield S(make_arg((4, 3), dtype, rng), 0, np.array([0, 2, 0], I64), make_arg((3, 3), dtype, rng))
    yield S(make_arg((4, 3), dtype, rng), 1, np.array([2, 1], I64), make_arg((4, 2), dtype, rng), alpha=2)
    yield S(make_arg((2, 3, 4), dtype, rng), -1, np.array([3], np.int32), make_arg((2, 3, 1), dtype, rng))
    yield S(make_arg((4,), dtype, rng), 0, np.array(1, I64), make_arg((1,), dtype, rng))


def index_write_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([0, 0], I64), make_arg((3, 4), "float32", rng))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([0, 7], I64), make_arg((2, 4), "float32", rng))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([0, 1], I64), make_arg((2, 4), "float64", rng))


def index_copy_samples(dtype, rng):
    yield S(make_arg((4, 3), dtype, rng), 0, np.array([3, 0], I64), make_arg((2, 3), dtype, rng))
    yield S(make_arg((2, 3, 4), dtype, rng), 2, np.array([1, 3, 0], I64), make_arg((2, 3, 3), dtype, rng))
    yield S(make_arg((4,), dtype, rng), 0, np.array([], I64), make_arg((0,), dtype, rng))


def index_fill_samples(dtype, rng):
    yield S(make_arg((4, 3), dtype, rng), 0, np.array([3, 0, 3], I64), 2)
    yield S(make_arg((2, 3, 4), dtype, rng), -1, np.array([1], I64), -1.5 if dtype in FLOAT + HALF else -1)
    yield S(make_arg((4, 3), dtype, rng), 1, np.array([1], I64), make_arg((), dtype, rng))
    yield S(make_arg((), dtype, rng), 0, np.array([0], I64), 1)


def index_fill_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([0], I64), make_arg((1,), "float32", rng))
    yield S(make_arg((3, 4), "float32", rng), 0, np.array([5], I64), 1.0)


def index_reduce_samples(dtype, rng):
    for reduce in ("prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            pos = reduce == "prod"
            yield S(make_arg((4, 3), dtype, rng, positive=pos), 0, np.array([0, 2, 0, 3], I64),
                    make_arg((4, 3), dtype, rng, positive=pos), reduce, include_self=include_self)
    yield S(make_arg((2, 5), dtype, rng), 1, np.array([4, 4], I64), make_arg((2, 2), dtype, rng), "amax")


def index_put_samples(dtype, rng):
    yield S(make_arg((4, 5), dtype, rng), (np.array([0, 3], I64),), make_arg((2, 5), dtype, rng))
    yield S(make_arg((4, 5), dtype, rng), (np.array([0, 3], I64), np.array([4, 1], I64)), make_arg((), dtype, rng))
    yield S(make_arg((4, 5), dtype, rng), (np.array([0, 0, 2], I64),), make_arg((5,), dtype, rng), accumulate=True)
    yield S(make_arg((4, 5), dtype, rng), (make_arg((4, 5), "bool", rng),), make_arg((), dtype, rng))
    yield S(make_arg((3, 4, 5), dtype, rng), (np.array([[0], [2]], I64), np.array([1, 3], I64)),
            make_arg((2, 2, 5), dtype, rng), accumulate=True)


def index_put_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), (np.array([5], I64),), make_arg((), "float32", rng))
    yield S(make_arg((3, 4), "float32", rng), (np.array([1], I64),), make_arg((), "float64", rng))
    yield S(make_arg((3, 4), "float32", rng), (np.array([1, 2], I64),), make_arg((3, 4), "float32", rng))


def put_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), np.array([0, 11, -1], I64), make_arg((3,), dtype, rng), accumulate=True)
    yield S(make_arg((3, 4), dtype, rng), np.array([[5, 2]], I64), make_arg((2,), dtype, rng))
    yield S(make_arg((5,), dtype, rng), np.array([], I64), make_arg((0,), dtype, rng))


def put_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), np.array([12], I64), make_arg((1,), "float32", rng))
    yield S(make_arg((3, 4), "float32", rng), np.array([1, 2], I64), make_arg((1,), "float32", rng))


def masked_fill_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), make_arg((3, 4), "bool", rng), 2)
    yield S(make_arg((3, 4), dtype, rng), make_arg((4,), "bool", rng), -1.5 if dtype in FLOAT + HALF else 1)
    yield S(make_arg((3, 4), dtype, rng), make_arg((3, 1), "bool", rng), make_arg((), dtype, rng))
    yield S(make_arg((4,), dtype, rng), make_arg((3, 4), "bool", rng), 0)           # mask broadcasts the input
    yield S(make_arg((), dtype, rng), np.array(True), 1)
    yield S(make_arg((0, 3), dtype, rng), make_arg((0, 3), "bool", rng), 1)


def masked_fill_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), make_arg((4,), "uint8", rng), 1.0)
    yield S(make_arg((3, 4), "float32", rng), make_arg((4,), "bool", rng), make_arg((2,), "float32", rng))


def masked_select_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), make_arg((3, 4), "bool", rng))
    yield S(make_arg((4,), dtype, rng), make_arg((3, 4), "bool", rng))
    yield S(make_arg((3, 1), dtype, rng), make_arg((4,), "bool", rng))
    yield S(make_arg((), dtype, rng), np.array(True))


def masked_select_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), make_arg((3, 4), "uint8", rng))
    yield S(make_arg((3, 4), "float32", rng), make_arg((2, 4), "bool", rng))


def masked_scatter_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), make_arg((3, 4), "bool", rng), make_arg((12,), dtype, rng))
    yield S(make_arg((3, 4), dtype, rng), make_arg((4,), "bool", rng), make_arg((4, 5), dtype, rng))
    yield S(make_arg((4,), dtype, rng), make_arg((2, 4), "bool", rng), make_arg((9,), dtype, rng))


def masked_scatter_errors(rng):
    yield S(make_arg((4,), "float32", rng), np.ones(4, bool), make_arg((3,), "float32", rng))
    yield S(make_arg((4,), "float32", rng), np.ones(4, bool), make_arg((4,), "float64", rng))


def take_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), np.array([[0, 11], [-1, 5]], I64))
    yield S(make_arg((3, 4), dtype, rng), np.array(7, I64))
    yield S(make_arg((), dtype, rng), np.array([0, -1], I64))
    yield S(make_arg((3, 4), dtype, rng), np.array([], I64))


def take_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), np.array([12], I64))
    yield S(make_arg((3, 4), "float32", rng), np.array([-13], I64))
    yield S(make_arg((3, 4), "float32", rng), np.array([1], np.int32))


def take_along_dim_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), _idx(rng, 12, (5,)))
    yield S(make_arg((3, 4), dtype, rng), _idx(rng, 4, (3, 2)), 1)
    yield S(make_arg((3, 4), dtype, rng), _idx(rng, 4, (1, 2)), dim=-1)             # broadcast index
    yield S(make_arg((3, 1, 5), dtype, rng), _idx(rng, 3, (2, 4, 1)), dim=0)        # broadcast both


def take_along_dim_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), _idx(rng, 4, (2, 2)), dim=1)
    yield S(make_arg((3, 4), "float32", rng), _idx(rng, 4, (2,)), dim=1)


def nonzero_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng))
    yield S(make_arg((2, 3, 4), dtype, rng))
    yield S(make_arg((), dtype, rng))
    yield S(np.zeros((0, 3), dtype=dtype))
    yield S(make_arg((5,), dtype, rng), as_tuple=True)
    yield S(make_arg((3, 4), dtype, rng), as_tuple=True)
    yield S(np.ones((), dtype=dtype), as_tuple=True)
    yield S(np.zeros((), dtype=dtype), as_tuple=True)


def argwhere_samples(dtype, rng):
    return (s for s in nonzero_samples(dtype, rng) if "as_tuple" not in s.kwargs)


def nonzero_static_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), size=5)
    yield S(make_arg((3, 4), dtype, rng), size=20, fill_value=7)
    yield S(make_arg((3, 4), dtype, rng), size=0)
    yield S(make_arg((), dtype, rng), size=2)


def unravel_index_samples(dtype, rng):
    yield S(np.array([5, 7, 0, 11], dtype), (3, 4))
    yield S(np.array([[1, 2], [23, 13]], dtype), (2, 3, 4))
    yield S(np.array(5, dtype), (3, 4))
    yield S(np.array([14, -1], dtype), (3, 4))                           # wraps around, as in PyTorch
    yield S(np.array([4], dtype), 12)


def _sorted(dtype, rng, shape):
    return np.sort(make_arg(shape, dtype, rng), axis=-1)


def searchsorted_samples(dtype, rng):
    yield S(_sorted(dtype, rng, (6,)), make_arg((3, 4), dtype, rng))
    yield S(_sorted(dtype, rng, (6,)), make_arg((5,), dtype, rng), right=True)
    yield S(_sorted(dtype, rng, (2, 6)), make_arg((2, 3), dtype, rng), side="right")
    yield S(_sorted(dtype, rng, (2, 3, 5)), make_arg((2, 3, 2), dtype, rng), out_int32=True)
    yield S(_sorted(dtype, rng, (6,)), 1)
    seq = make_arg((6,), dtype, rng)
    yield S(seq, make_arg((4,), dtype, rng), sorter=np.argsort(seq, kind="stable").astype(I64))
    yield S(_sorted(dtype, rng, (0,)), make_arg((3,), dtype, rng))


def searchsorted_errors(rng):
    yield S(_sorted("float32", rng, (2, 6)), make_arg((3, 2), "float32", rng))
    yield S(_sorted("float32", rng, (6,)), make_arg((3,), "float32", rng), side="left", right=True)
    yield S(_sorted("float32", rng, (6,)), make_arg((3,), "float32", rng), side="middle")


def bucketize_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), _sorted(dtype, rng, (5,)))
    yield S(make_arg((7,), dtype, rng), _sorted(dtype, rng, (5,)), right=True)
    yield S(make_arg((), dtype, rng), _sorted(dtype, rng, (5,)), out_int32=True)
    yield S(3, _sorted(dtype, rng, (5,)))


def bucketize_errors(rng):
    yield S(make_arg((3,), "float32", rng), _sorted("float32", rng, (2, 5)))


def isin_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), make_arg((5,), dtype, rng))
    yield S(make_arg((6,), dtype, rng), make_arg((2, 2), dtype, rng), invert=True)
    yield S(make_arg((4,), dtype, rng), 1)
    yield S(1, make_arg((4,), dtype, rng))
    yield S(make_arg((4,), dtype, rng), make_arg((0,), dtype, rng))


def select_scatter_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), make_arg((4,), dtype, rng), 0, 1)
    yield S(make_arg((2, 3, 4), dtype, rng), make_arg((2, 3), dtype, rng), -1, -2)
    yield S(make_arg((3,), dtype, rng), make_arg((), dtype, rng), 0, 2)


def select_scatter_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), make_arg((3,), "float32", rng), 0, 1)
    yield S(make_arg((3, 4), "float32", rng), make_arg((4,), "float32", rng), 0, 3)


def slice_scatter_samples(dtype, rng):
    yield S(make_arg((5, 4), dtype, rng), make_arg((2, 4), dtype, rng), 0, 1, 3)
    yield S(make_arg((3, 6), dtype, rng), make_arg((3, 3), dtype, rng), 1, None, None, 2)
    yield S(make_arg((3, 6), dtype, rng), make_arg((3, 6), dtype, rng))
    yield S(make_arg((3, 6), dtype, rng), make_arg((3, 2), dtype, rng), dim=-1, start=-2)


def slice_scatter_errors(rng):
    yield S(make_arg((5, 4), "float32", rng), make_arg((3, 4), "float32", rng), 0, 1, 3)


def diagonal_scatter_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), make_arg((3,), dtype, rng))
    yield S(make_arg((3, 4), dtype, rng), make_arg((3,), dtype, rng), 1)
    yield S(make_arg((4, 3), dtype, rng), make_arg((2,), dtype, rng), -2)
    yield S(make_arg((2, 3, 4), dtype, rng), make_arg((3, 2), dtype, rng), 0, 0, 2)
    yield S(make_arg((2, 3, 4), dtype, rng), make_arg((2, 2), dtype, rng), 1, -1, -2)
    yield S(make_arg((3, 3), dtype, rng), make_arg((0,), dtype, rng), 5)


def diagonal_scatter_errors(rng):
    yield S(make_arg((3, 4), "float32", rng), make_arg((4,), "float32", rng))
    yield S(make_arg((3, 4), "float32", rng), make_arg((3,), "float32", rng), 0, 1, 1)


NUMERIC = FLOAT + INT + HALF  # no bool: PyTorch has no bool reductions here

ROWS = [
    OpInfo("index_select", index_select_samples, dtypes=ALL + HALF, method=True, out=True, errors=index_select_errors),
    OpInfo("gather", gather_samples, dtypes=ALL + HALF, method=True, out=True, errors=gather_errors),
    OpInfo("scatter", scatter_samples, dtypes=ALL + HALF, method=True, inplace=True, errors=scatter_errors),
    OpInfo("scatter_add", scatter_add_samples, dtypes=ALL + HALF, method=True, inplace=True),
    OpInfo("scatter_reduce", scatter_reduce_samples, dtypes=NUMERIC, method=True, inplace=True,
           errors=scatter_reduce_errors),
    OpInfo("index_add", index_add_samples, dtypes=NUMERIC, method=True, inplace=True, out=True,
           errors=index_write_errors),
    OpInfo("index_copy", index_copy_samples, dtypes=ALL + HALF, method=True, inplace=True, out=True,
           errors=index_write_errors),
    OpInfo("index_fill", index_fill_samples, dtypes=ALL + HALF, method=True, inplace=True, errors=index_fill_errors),
    OpInfo("index_reduce", index_reduce_samples, dtypes=NUMERIC, method=True, inplace=True, out=True),
    OpInfo("index_put", index_put_samples, dtypes=ALL, method=True, inplace=True, errors=index_put_errors),
    OpInfo("put", put_samples, dtypes=ALL + HALF, method=True, inplace=True, errors=put_errors),
    OpInfo("masked_fill", masked_fill_samples, dtypes=ALL + HALF, method=True, inplace=True, errors=masked_fill_errors),
    OpInfo("masked_select", masked_select_samples, dtypes=ALL + HALF, method=True, out=True,
           errors=masked_select_errors),
    OpInfo("masked_scatter", masked_scatter_samples, dtypes=ALL + HALF, method=True, inplace=True,
           errors=masked_scatter_errors),
    OpInfo("take", take_samples, dtypes=ALL + HALF, method=True, out=True, errors=take_errors),
    OpInfo("take_along_dim", take_along_dim_samples, dtypes=ALL, method=True, out=True, errors=take_along_dim_errors),
    OpInfo("nonzero", nonzero_samples, dtypes=ALL + HALF, method=True, grad=False),
    OpInfo("argwhere", argwhere_samples, dtypes=ALL, method=True, grad=False),
    OpInfo("nonzero_static", nonzero_static_samples, dtypes=ALL, method=True, grad=False),
    OpInfo("unravel_index", unravel_index_samples, dtypes=("int64", "int32"), grad=False),
    OpInfo("searchsorted", searchsorted_samples, dtypes=FLOAT + ("int64", "int32"), grad=False, out=True,
           errors=searchsorted_errors),
    OpInfo("bucketize", bucketize_samples, dtypes=FLOAT + ("int64", "int32"), grad=False, errors=bucketize_errors),
    OpInfo("isin", isin_samples, dtypes=FLOAT + INT, grad=False),
    OpInfo("select_scatter", select_scatter_samples, dtypes=ALL + HALF, method=True, errors=select_scatter_errors),
    OpInfo("slice_scatter", slice_scatter_samples, dtypes=ALL + HALF, method=True, errors=slice_scatter_errors),
    OpInfo("diagonal_scatter", diagonal_scatter_samples, dtypes=ALL + HALF, method=True,
           errors=diagonal_scatter_errors),
]

globals().update(make_tests(ROWS))


# ---------------------------------------------------------------------------
# beyond the generic rows: double backward, views, in-place autograd, where(cond)

def _f64(*shape, seed=0):
    return ember.from_numpy(np.random.default_rng(seed).standard_normal(shape)).requires_grad_(True)


GRADGRAD = [
    ("getitem_basic", lambda x, s: x[1:, None, 2] * 1.5),
    ("getitem_adv", lambda x, s: x[[0, 2, 2], 1:]),
    ("getitem_mask", lambda x, s: x[x.detach() > 0]),
    ("gather", lambda x, s: ember.gather(x, 1, ember.tensor([[0, 0], [3, 1], [2, 2]]))),
    ("scatter", lambda x, s: ember.scatter(x, 1, ember.tensor([[0], [3], [2]]), s[:, :1])),
    ("scatter_add", lambda x, s: ember.scatter_add(x, 0, ember.tensor([[0, 0, 2, 1]]), s[:1])),
    ("scatter_reduce_amax", lambda x, s: ember.scatter_reduce(x, 0, ember.tensor([[0, 0, 2, 1]]), s[:1], "amax")),
    ("scatter_reduce_mean", lambda x, s: ember.scatter_reduce(x, 0, ember.tensor([[0, 0, 2, 1]]), s[:1], "mean",
                                                              include_self=False)),
    ("scatter_reduce_prod", lambda x, s: ember.scatter_reduce(x, 0, ember.tensor([[0, 0, 2, 1], [0, 1, 2, 2]]),
                                                              s[:2] * ember.tensor([[0.0], [1.0]]), "prod")),
    ("index_add", lambda x, s: ember.index_add(x, 0, ember.tensor([2, 2, 0]), s, alpha=3)),
    ("index_put", lambda x, s: ember.index_put(x, (ember.tensor([1, 1]),), s[0], accumulate=True)),
    ("masked_fill", lambda x, s: ember.masked_fill(x, x.detach() > 0, s[0, 0])),
    ("masked_scatter", lambda x, s: ember.masked_scatter(x, x.detach() > 0, s)),
    ("diagonal_scatter", lambda x, s: ember.diagonal_scatter(x, s[0, :3], 1)),
    ("take", lambda x, s: ember.take(x, ember.tensor([[0, 11], [5, 5]]))),
]


@pytest.mark.parametrize("name,fn", GRADGRAD, ids=[g[0] for g in GRADGRAD])
def test_gradgradcheck(name, fn):
    x, s = _f64(3, 4), _f64(3, 4, seed=1)

    def f(x, s):
        out = fn(x, s)
        return out * out  # nonlinear, so second derivatives are not all zero
    assert ember.autograd.gradgradcheck(f, (x, s), atol=1e-4)


def test_nonzero_as_tuple_is_where_cond():
    x = ember.tensor([[0, 1, 2], [3, 0, 0]])
    rows, cols = ember.nonzero(x, as_tuple=True)
    assert rows.tolist() == [0, 0, 1] and cols.tolist() == [1, 2, 0]
    assert rows.dtype is ember.int64


def test_inplace_variants_write_into_views_and_bump_versions():
    base = ember.zeros(3, 4)
    row = base[1]
    v = base._version
    row.index_fill_(0, ember.tensor([0, 2]), 5.0)
    row.masked_fill_(ember.tensor([False, True, False, False]), 7.0)
    row.scatter_(0, ember.tensor([3]), 9.0)
    assert base[1].tolist() == [5.0, 7.0, 5.0, 9.0]
    assert base._version == v + 3


def test_inplace_variant_with_autograd_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4))
    s = np.random.default_rng(1).standard_normal((2, 4))
    grads = []
    for T in (ember, torch):
        x = T.tensor(a, requires_grad=True)
        src = T.tensor(s, requires_grad=True)
        y = x * 2
        y[1:].index_add_(0, T.tensor([1, 0]), src)     # through a view of a non-leaf
        y.masked_fill_(T.tensor(a > 1), 0.0)
        (y * T.tensor(a)).sum().backward()
        grads.append((x.grad.numpy().copy(), src.grad.numpy().copy(), y.detach().numpy().copy()))
    for e, t in zip(*grads):
        np.testing.assert_allclose(e, t)


def test_masked_fill_does_not_save_input():
    x = _f64(3)
    y = ember.masked_fill(x, ember.tensor([True, False, True]), 0.0)
    with ember.no_grad():
        x.mul_(2)  # fine: masked_fill's backward needs neither input
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


def test_scatter_src_bigger_than_index_forward():
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(3, 4)
    s = np.arange(20.0).reshape(4, 5)
    idx = np.array([[2, 0], [1, 2]])
    e = ember.scatter(ember.tensor(a), 0, ember.tensor(idx), ember.tensor(s))
    t = torch.scatter(torch.tensor(a), 0, torch.tensor(idx), torch.tensor(s))
    np.testing.assert_array_equal(e.numpy(), t.numpy())
