"""Sparse COO tensors against PyTorch 2.13: values, indices, dtypes, shapes, printing, gradients, errors.

Each case is a function of the framework module `T` (torch or ember); results are compared by their printed
form (which shows indices, values, size, nnz, dtype, layout and the autograd state), errors by type and message.
"""
import pickle
import re
import warnings

import numpy as np
import pytest

import ember
import ember.ops.sparse as S
import ember.sparse

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")


def _text(x):
    if isinstance(x, (tuple, list)):
        return type(x).__name__ + "(" + ", ".join(_text(v) for v in x) + ")"
    return re.sub(r" object at 0x[0-9a-f]+", "", repr(x))


def _run(fn, T):
    try:
        return fn(T), None
    except Exception as e:  # noqa: BLE001  (compared with PyTorch's)
        return None, e


def check(fn, message=True):
    """fn(torch) and fn(ember) print the same, or raise the same exception type (and first message line)."""
    expected, texp = _run(fn, torch)
    got, tgot = _run(fn, ember)
    if texp is not None:
        assert tgot is not None, f"PyTorch raised {type(texp).__name__}: {texp}; ember returned {_text(got)}"
        assert type(tgot) is type(texp), (tgot, texp)
        if message and not isinstance(texp, NotImplementedError):
            assert str(tgot).split("\n")[0] == str(texp).split("\n")[0]
        return
    if tgot is not None:
        raise tgot
    assert _text(got) == _text(expected)


def uncoalesced(T, dtype=None, requires_grad=False):
    """2x3, with a duplicate index and an out-of-order entry."""
    return T.sparse_coo_tensor(T.tensor([[1, 0, 1, 0], [0, 2, 0, 1]]),
                               T.tensor([1., 2., 3., -4.], dtype=dtype or T.float32), (2, 3),
                               requires_grad=requires_grad)


def coalesced(T, dtype=None, requires_grad=False):
    return T.sparse_coo_tensor(T.tensor([[0, 1, 1], [2, 0, 2]]), T.tensor([3., 4., 5.], dtype=dtype or T.float32),
                               (2, 3), requires_grad=requires_grad)


def hybrid(T):
    """2x3x2 with one sparse dim."""
    return T.sparse_coo_tensor(T.tensor([[1, 0]]), T.tensor([[[1., 2.], [0., 3.], [4., -5.]],
                                                            [[6., 0.], [0., 0.], [7., 8.]]]), (2, 3, 2))


def dense(T, *shape):
    n = int(np.prod(shape))
    return T.arange(n, dtype=T.float32).reshape(shape) / 3 - 1


CASES = {
    # construction and metadata
    "repr": lambda T: uncoalesced(T),
    "repr_coalesced": lambda T: coalesced(T),
    "repr_requires_grad": lambda T: coalesced(T, requires_grad=True),
    "repr_hybrid": lambda T: hybrid(T),
    "repr_float64": lambda T: coalesced(T, T.float64),
    "repr_half": lambda T: coalesced(T, T.float16),
    "repr_int": lambda T: T.sparse_coo_tensor([[0, 1], [1, 0]], [1, 2]),
    "repr_bool": lambda T: T.sparse_coo_tensor([[0, 1], [1, 0]], [True, False]),
    "repr_complex": lambda T: T.sparse_coo_tensor([[0, 1]], [1 + 2j, 3j]),
    "dtype_kwarg": lambda T: T.sparse_coo_tensor([[0, 1], [1, 0]], [1, 2.5], dtype=T.float64),
    "infer_size": lambda T: T.sparse_coo_tensor(T.tensor([[1, 0, 2]]), T.tensor([1., 2., 3.])),
    "infer_size_hybrid": lambda T: T.sparse_coo_tensor(T.tensor([[0, 1, 1], [2, 0, 2]]), T.ones(3, 4)),
    "float_indices": lambda T: T.sparse_coo_tensor(T.tensor([[0., 1.]]), T.tensor([1., 2.]), (3,)),
    "empty": lambda T: T.sparse_coo_tensor(T.zeros(2, 0, dtype=T.long), T.zeros(0), (3, 3)),
    "empty_infer": lambda T: T.sparse_coo_tensor(T.zeros(2, 0, dtype=T.long), T.zeros(0)),
    "size_only": lambda T: T.sparse_coo_tensor((2, 3)),
    "is_coalesced_kwarg": lambda T: T.sparse_coo_tensor(T.tensor([[0, 1]]), T.tensor([1., 2.]), (2,),
                                                        is_coalesced=True).is_coalesced(),
    "meta": lambda T: (uncoalesced(T).is_sparse, uncoalesced(T).layout, uncoalesced(T)._nnz(),
                       uncoalesced(T).sparse_dim(), uncoalesced(T).dense_dim(), uncoalesced(T).is_coalesced(),
                       hybrid(T).sparse_dim(), hybrid(T).dense_dim(), uncoalesced(T).shape, uncoalesced(T).dtype,
                       uncoalesced(T).numel(), uncoalesced(T).dim(), uncoalesced(T).stride(),
                       uncoalesced(T).is_contiguous(), uncoalesced(T).layout == T.sparse_coo),
    "dense_meta": lambda T: (T.ones(2, 3).is_sparse, T.ones(2, 3).layout, T.ones(2, 3).sparse_dim(),
                             T.ones(2, 3).dense_dim(), T.ones(2).to_dense()),
    # conversions
    "coalesce": lambda T: uncoalesced(T).coalesce(),
    "coalesce_hybrid": lambda T: T.sparse_coo_tensor(T.tensor([[1, 0, 1]]), T.ones(3, 2)).coalesce(),
    "coalesce_int": lambda T: T.sparse_coo_tensor([[1, 0, 1]], [1, 2, 3]).coalesce(),
    "to_dense": lambda T: uncoalesced(T).to_dense(),
    "to_dense_hybrid": lambda T: hybrid(T).to_dense(),
    "to_dense_empty": lambda T: T.sparse_coo_tensor((2, 3)).to_dense(),
    "to_dense_0d": lambda T: T.tensor(3.).to_sparse().to_dense(),
    "to_sparse": lambda T: T.tensor([[0, 1.], [2, 0]]).to_sparse(),
    "to_sparse_dim": lambda T: T.tensor([[0, 1.], [2, 0], [0, 0]]).to_sparse(1),
    "to_sparse_dense_dim": lambda T: T.tensor([[0, 1.], [0, 0]]).to_sparse(dense_dim=1),
    "to_sparse_zeros": lambda T: T.zeros(2, 3).to_sparse(),
    "to_sparse_int": lambda T: T.tensor([[0, 1], [2, 0]]).to_sparse(),
    "to_sparse_0d": lambda T: T.tensor(3.).to_sparse(),
    "to_sparse_3d": lambda T: T.tensor([[[0, 1.], [2, 0]], [[0, 0], [0, 5]]]).to_sparse(),
    "to_sparse_coo": lambda T: T.tensor([[0, 1.], [2, 0]]).to_sparse_coo(),
    "to_sparse_sparse": lambda T: coalesced(T).to_sparse(),
    "values": lambda T: uncoalesced(T).coalesce().values(),
    "indices": lambda T: uncoalesced(T).coalesce().indices(),
    "_values": lambda T: uncoalesced(T)._values(),
    "_indices": lambda T: uncoalesced(T)._indices(),
    "double": lambda T: uncoalesced(T).double(),
    "to_int": lambda T: coalesced(T).to(T.int64),
    "half": lambda T: coalesced(T).half(),
    "detach": lambda T: coalesced(T, requires_grad=True).detach(),
    "sparse_mask": lambda T: dense(T, 2, 3).sparse_mask(uncoalesced(T)),
    # arithmetic
    "add_sparse": lambda T: uncoalesced(T) + coalesced(T),
    "add_self": lambda T: coalesced(T) + coalesced(T),
    "add_promote": lambda T: coalesced(T) + coalesced(T, T.float64),
    "sub_sparse": lambda T: coalesced(T) - uncoalesced(T),
    "add_dense_sparse": lambda T: dense(T, 2, 3) + uncoalesced(T),
    "add_int_dense_sparse": lambda T: T.ones(2, 3, dtype=T.int64) + coalesced(T),
    "add_alpha": lambda T: T.add(dense(T, 2, 3), uncoalesced(T), alpha=2),
    "mul_scalar": lambda T: uncoalesced(T) * 2.5,
    "rmul_scalar": lambda T: 2 * uncoalesced(T),
    "mul_int_float": lambda T: T.sparse_coo_tensor([[0, 1]], [1, 2]) * 2.5,
    "mul_dense": lambda T: coalesced(T) * dense(T, 2, 3),
    "mul_dense_left": lambda T: dense(T, 2, 3) * coalesced(T),
    "mul_broadcast": lambda T: coalesced(T) * dense(T, 3),
    "mul_sparse": lambda T: coalesced(T) * T.sparse_coo_tensor(T.tensor([[1, 0], [2, 1]]), T.tensor([2., 3.]), (2, 3)),
    "div_scalar": lambda T: uncoalesced(T) / 2,
    "neg": lambda T: -uncoalesced(T),
    "abs": lambda T: uncoalesced(T).abs(),
    "sqrt": lambda T: coalesced(T).sqrt(),
    "pow": lambda T: uncoalesced(T) ** 2,
    "sin": lambda T: uncoalesced(T).sin(),
    # movement
    "t": lambda T: uncoalesced(T).t(),
    "transpose": lambda T: coalesced(T).transpose(0, 1),
    "transpose_neg": lambda T: coalesced(T).transpose(-1, -2),
    "t_is_coalesced": lambda T: coalesced(T).t().is_coalesced(),
    # products
    "mm": lambda T: T.mm(uncoalesced(T), dense(T, 3, 2)),
    "matmul": lambda T: uncoalesced(T) @ dense(T, 3, 2),
    "matmul_vec": lambda T: uncoalesced(T) @ dense(T, 3),
    "dense_matmul": lambda T: dense(T, 2, 2) @ coalesced(T),
    "spmm": lambda T: T.spmm(uncoalesced(T), dense(T, 3, 2)),
    "sparse_mm": lambda T: T.sparse.mm(uncoalesced(T), dense(T, 3, 2)),
    "sparse_mm_sparse": lambda T: T.sparse.mm(coalesced(T), coalesced(T).t()),
    "sparse_addmm": lambda T: T.sparse.addmm(T.ones(2, 2), uncoalesced(T), dense(T, 3, 2), beta=2, alpha=3),
    "addmm": lambda T: T.addmm(T.ones(2, 2), uncoalesced(T), dense(T, 3, 2)),
    "smm": lambda T: uncoalesced(T).smm(dense(T, 3, 2) + 2),
    "hspmm": lambda T: T.hspmm(coalesced(T), dense(T, 3, 2)),
    "dsmm": lambda T: T.dsmm(uncoalesced(T), dense(T, 3, 2)),
    "hsmm": lambda T: T.hsmm(uncoalesced(T), dense(T, 3, 2)),
    # resizing
    "sparse_resize_": lambda T: coalesced(T).sparse_resize_((3, 4), 2, 0),
    "sparse_resize_empty": lambda T: T.sparse_coo_tensor((2, 3)).sparse_resize_((3, 4, 2), 2, 1),
    "sparse_resize_and_clear_": lambda T: coalesced(T).sparse_resize_and_clear_((3, 4), 2, 0),
    "resize_as_sparse_": lambda T: coalesced(T).resize_as_sparse_(T.sparse_coo_tensor((5, 5))),
    # reductions, softmax
    "sum": lambda T: uncoalesced(T).sum(),
    "sum_dtype": lambda T: coalesced(T).sum(dtype=T.float64),
    "sum_int": lambda T: T.sparse_coo_tensor([[0, 1]], [1, 2]).sum(),
    "sparse_sum": lambda T: T.sparse.sum(uncoalesced(T)),
    "sparse_sum_0": lambda T: T.sparse.sum(uncoalesced(T), 0),
    "sparse_sum_1": lambda T: T.sparse.sum(uncoalesced(T), 1),
    "sparse_sum_all_dims": lambda T: T.sparse.sum(uncoalesced(T), (0, 1)),
    "sparse_sum_neg": lambda T: T.sparse.sum(uncoalesced(T), -1),
    "sparse_sum_hybrid_dense": lambda T: T.sparse.sum(hybrid(T), 2),
    "sparse_sum_hybrid_sparse": lambda T: T.sparse.sum(hybrid(T), 0),
    "sparse_sum_dtype": lambda T: T.sparse.sum(coalesced(T), dtype=T.float64),
    "softmax": lambda T: T.sparse.softmax(uncoalesced(T), 1),
    "softmax_0": lambda T: T.sparse.softmax(uncoalesced(T), 0),
    "softmax_dtype": lambda T: T.sparse.softmax(coalesced(T), 1, dtype=T.float64),
    "log_softmax": lambda T: T.sparse.log_softmax(uncoalesced(T), -1),
    "softmax_hybrid": lambda T: T.sparse.softmax(hybrid(T), 2),
    "softmax_hybrid_sparse": lambda T: T.sparse.softmax(hybrid(T), 0),
    "softmax_3d": lambda T: T.sparse.softmax(T.tensor([[[0, 1.], [2, 0]], [[0, 3], [0, 5]]]).to_sparse(), 1),
    # indexing and joining
    "select": lambda T: uncoalesced(T)[1],
    "select_neg": lambda T: coalesced(T)[-1],
    "select_dim1": lambda T: coalesced(T).select(1, 2),
    "select_dense_dim": lambda T: hybrid(T)[:, 1],
    "index_select": lambda T: coalesced(T).index_select(1, T.tensor([2, 0])),
    "index_select_repeat": lambda T: coalesced(T).index_select(0, T.tensor([1, 1, 0])),
    "cat": lambda T: T.cat([coalesced(T), uncoalesced(T)]),
    "cat_1": lambda T: T.cat([coalesced(T), coalesced(T)], 1),
    "stack": lambda T: T.stack([coalesced(T), uncoalesced(T)]),
    "stack_1": lambda T: T.stack([coalesced(T), coalesced(T)], 1),
    "relu": lambda T: T.relu(-uncoalesced(T)),
    # legacy constructors
    "legacy_float": lambda T: T.sparse.FloatTensor(T.tensor([[0, 1]]), T.tensor([1., 2.]), T.Size([3])),
    "legacy_double_infer": lambda T: T.sparse.DoubleTensor(T.tensor([[0, 1]]), T.tensor([1., 2.], dtype=T.float64)),
    "legacy_size": lambda T: T.sparse.FloatTensor(2, 3),
    "legacy_isinstance": lambda T: (isinstance(coalesced(T), T.sparse.FloatTensor),
                                    isinstance(coalesced(T), T.sparse.DoubleTensor),
                                    isinstance(T.ones(1), T.sparse.FloatTensor)),
    # in place
    "mul_": lambda T: uncoalesced(T).mul_(2),
    "add_": lambda T: coalesced(T).add_(uncoalesced(T)),
    "zero_": lambda T: coalesced(T).zero_(),
    "dense_add_": lambda T: dense(T, 2, 3).add_(uncoalesced(T)),
}

ERRORS = {
    "bad_size": lambda T: T.sparse_coo_tensor(T.tensor([[0, 1, 1], [2, 0, 2]]), T.ones(3), (2, 2), check_invariants=True),
    "bad_ndim": lambda T: T.sparse_coo_tensor(T.tensor([[0, 1, 1], [2, 0, 2]]), T.ones(3), (2,)),
    "bad_nnz": lambda T: T.sparse_coo_tensor(T.tensor([[0, 1, 1], [2, 0, 2]]), T.ones(2), (2, 3)),
    "negative": lambda T: T.sparse_coo_tensor(T.tensor([[0, -1]]), T.ones(2)),
    "too_many_dims": lambda T: T.sparse_coo_tensor(T.tensor([[0, 1]]), T.ones(2), (2, 3, 4)),
    "bad_dense_size": lambda T: T.sparse_coo_tensor(T.tensor([[0, 1]]), T.ones(2, 4), (2, 5)),
    "values_uncoalesced": lambda T: uncoalesced(T).values(),
    "indices_uncoalesced": lambda T: uncoalesced(T).indices(),
    "values_dense": lambda T: T.ones(2).values(),
    "indices_dense": lambda T: T.ones(2).indices(),
    "coalesce_dense": lambda T: T.ones(2).coalesce(),
    "is_coalesced_dense": lambda T: T.ones(2).is_coalesced(),
    "nnz_dense": lambda T: T.ones(2)._nnz(),
    "add_shapes": lambda T: coalesced(T) + T.sparse_coo_tensor(T.tensor([[0]]), T.ones(1), (4,)),
    "add_dense_shape": lambda T: T.ones(2, 4) + coalesced(T),
    "add_dense_broadcast": lambda T: T.ones(3) + coalesced(T),
    "add_scalar": lambda T: coalesced(T) + 1,
    "div_dense": lambda T: coalesced(T) / T.ones(2, 3),
    "exp": lambda T: coalesced(T).exp(),
    "reshape": lambda T: coalesced(T).reshape(6),
    "numpy": lambda T: coalesced(T).numpy(),
    "tolist": lambda T: coalesced(T).tolist(),
    "eq": lambda T: coalesced(T) == 0,
    "mm_shapes": lambda T: T.sparse.mm(coalesced(T), T.ones(4, 2)),
    "matmul_shapes": lambda T: coalesced(T) @ T.ones(4, 2),
    "to_sparse_dim": lambda T: T.ones(2, 3).to_sparse(3),
    "sparse_to_sparse_dim": lambda T: coalesced(T).to_sparse(1),
    "to_dense_dtype": lambda T: coalesced(T).to_dense(T.float64),
    "expand": lambda T: T.sparse.sum(coalesced(T, requires_grad=True), 0).to_dense().sum().backward()
    if False else coalesced(T).expand(2, 2, 3),
    "softmax_int": lambda T: T.sparse.softmax(T.sparse_coo_tensor([[0, 1]], [1, 2]), 0),
    "sparse_mask_size": lambda T: T.ones(3).sparse_mask(coalesced(T)),
    "name_set": lambda T: setattr(T.ones(1), "name", "x"),
    "pin_memory": lambda T: T.ones(2).pin_memory(),
    "nbytes": lambda T: coalesced(T).nbytes,
    "pow_0": lambda T: coalesced(T) ** 0,
    "sparse_mm_dtype": lambda T: T.sparse.mm(coalesced(T), T.ones(3, 2, dtype=T.float64)),
    "index_tensor": lambda T: coalesced(T)[T.tensor([0, 1]), T.tensor([1, 2])],
    "cat_mixed": lambda T: T.cat([coalesced(T), T.ones(2, 3)]),
    "crow_indices": lambda T: coalesced(T).crow_indices(),
    "col_indices_dense": lambda T: T.ones(2, 2).col_indices(),
    "ccol_indices": lambda T: coalesced(T).ccol_indices(),
    "row_indices": lambda T: coalesced(T).row_indices(),
    "sparse_resize_shrink": lambda T: coalesced(T).sparse_resize_((1, 3), 2, 0),
    "pin_memory_cpu": lambda T: T.ones(2).pin_memory("cpu"),
}


@pytest.mark.conforms("torch.sparse_coo_tensor", "Tensor.to_sparse", "Tensor.values", "torch.spmm", "Tensor.indices",
                       "Tensor.to_dense", "Tensor.coalesce", "torch.sparse.mm", "torch.sparse.sum")
@pytest.mark.parametrize("case", list(CASES))
def test_forward(case):
    check(CASES[case])


LOOSE = {"matmul_shapes"}  # ember's matmul checks shapes before it sees the layout: same type, other words


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors(case):
    check(ERRORS[case], message=case not in LOOSE)


# gradients: (leaves, scalar output) per case; the leaves' .grad must match PyTorch's (layout, indices, values)

def _w(T, *shape):
    return T.arange(int(np.prod(shape)), dtype=T.float32).reshape(shape) / 4 + 0.5


GRADS = {
    "to_dense": lambda T, s: (s.to_dense() * _w(T, 2, 3)).sum(),
    "sum": lambda T, s: s.sum(),
    "sparse_sum": lambda T, s: T.sparse.sum(s),
    "sparse_sum_dim": lambda T, s: (T.sparse.sum(s, 0).to_dense() * _w(T, 3)).sum(),
    "sparse_sum_dim1": lambda T, s: (T.sparse.sum(s, 1).to_dense() * _w(T, 2)).sum(),
    "values": lambda T, s: (s.coalesce().values() * _w(T, 3)).sum(),
    "coalesce": lambda T, s: (s.coalesce().to_dense() * _w(T, 2, 3)).sum(),
    "mul_scalar": lambda T, s: ((s * 3).to_dense() * _w(T, 2, 3)).sum(),
    "mul_dense": lambda T, s: ((s * _w(T, 2, 3)).to_dense() * _w(T, 2, 3)).sum(),
    "neg": lambda T, s: ((-s).to_dense() * _w(T, 2, 3)).sum(),
    "div": lambda T, s: ((s / 4).to_dense() * _w(T, 2, 3)).sum(),
    "t": lambda T, s: (s.t().to_dense() * _w(T, 3, 2)).sum(),
    "add_sparse": lambda T, s: ((s + s).to_dense() * _w(T, 2, 3)).sum(),
    "dense_add": lambda T, s: ((_w(T, 2, 3) + s) * _w(T, 2, 3)).sum(),
    "mm": lambda T, s: (T.mm(s, _w(T, 3, 2)) * _w(T, 2, 2)).sum(),
    "matmul": lambda T, s: (s @ _w(T, 3, 2)).sum(),
    "sparse_mm": lambda T, s: (T.sparse.mm(s, _w(T, 3, 2)) * _w(T, 2, 2)).sum(),
    "sparse_addmm": lambda T, s: T.sparse.addmm(_w(T, 2, 2), s, _w(T, 3, 2), beta=2, alpha=3).sum(),
    "softmax": lambda T, s: (T.sparse.softmax(s, 1).to_dense() * _w(T, 2, 3)).sum(),
    "softmax_0": lambda T, s: (T.sparse.softmax(s, 0).to_dense() * _w(T, 2, 3)).sum(),
    "log_softmax": lambda T, s: (T.sparse.log_softmax(s, 1).to_dense() * _w(T, 2, 3)).sum(),
    "to_dense_twice": lambda T, s: s.to_dense().sum() + (s.to_dense() * 2).sum(),
    "mixed_layouts": lambda T, s: (s.to_dense() * _w(T, 2, 3)).sum() + (_w(T, 2, 3) + s).sum(),
}


@pytest.mark.parametrize("case", list(GRADS))
def test_grad_sparse_leaf(case):
    def run(T):
        s = uncoalesced(T, requires_grad=True)
        GRADS[case](T, s).backward()
        return s.grad
    check(run)


@pytest.mark.parametrize("case", ["mm", "sparse_mm", "sparse_addmm", "matmul"])
def test_grad_dense_operand(case):
    def run(T):
        d = _w(T, 3, 2).requires_grad_()
        fn = {"mm": lambda s: T.mm(s, d), "sparse_mm": lambda s: T.sparse.mm(s, d), "matmul": lambda s: s @ d,
              "sparse_addmm": lambda s: T.sparse.addmm(T.ones(2, 2), s, d, alpha=2)}[case]
        (fn(uncoalesced(T)) * _w(T, 2, 2)).sum().backward()
        return d.grad
    check(run)


def test_grad_values_of_constructor():
    def run(T):
        v = T.tensor([1., 2., 3., 4.], requires_grad=True)
        s = T.sparse_coo_tensor(T.tensor([[1, 0, 1, 0], [0, 2, 0, 1]]), v, (2, 3))
        (s.to_dense() * _w(T, 2, 3)).sum().backward()
        return s.grad_fn.name(), v.grad
    check(run)


def test_grad_hybrid():
    def run(T):
        v = T.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        s = T.sparse_coo_tensor(T.tensor([[1, 0]]), v, (3, 2))
        (T.sparse.sum(s, 0) * T.tensor([1., -2.])).sum().backward()
        return v.grad
    check(run)


def test_gradcheck_float64():
    idx = ember.tensor([[1, 0, 1, 0], [0, 2, 0, 1]])
    d = ember.randn(3, 2, dtype=ember.float64, requires_grad=True)

    def f(v, d):
        s = ember.sparse_coo_tensor(idx, v, (2, 3))
        return (ember.sparse.mm(s, d).sum() + ember.sparse.softmax(s, 1).to_dense().pow(2).sum()
                + ember.sparse.log_softmax(s, 0).to_dense().sum() + (s * 2).to_dense().exp().sum())
    v = ember.randn(4, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(f, (v, d))
    assert ember.autograd.gradgradcheck(f, (v, d))


def test_double_backward_through_to_dense():
    s = uncoalesced(ember, dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad((s.to_dense() ** 3).sum(), s, create_graph=True)
    assert g.is_sparse
    g.to_dense().sum().backward()
    expected = 6 * uncoalesced(torch, dtype=torch.float64).to_dense()
    np.testing.assert_allclose(s.grad.to_dense().numpy(), expected.numpy())


def test_grad_accumulates_across_backward_calls():
    def run(T):
        s = uncoalesced(T, requires_grad=True)
        T.sparse.sum(s).backward()
        (s.to_dense() * 2).sum().backward()
        return s.grad
    check(run)


def test_values_share_memory():
    s = coalesced(ember).coalesce()
    v = s.values()
    v.mul_(2)
    assert s.values().tolist() == [6., 8., 10.]
    assert s.indices().data_ptr() == s.indices().data_ptr()


def test_sparse_grad_through_optimizer_step():
    w = ember.zeros(2, 3, requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.5)
    loss = (w * uncoalesced(ember)).sum()
    loss.backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), -0.5 * uncoalesced(torch).to_dense().numpy())


def test_no_grad_and_requires_grad_flag():
    s = coalesced(ember, requires_grad=True)
    assert s.is_leaf and s.requires_grad
    with ember.no_grad():
        assert not (s * 2).requires_grad
    assert (s * 2).requires_grad


def test_pickle_roundtrip_and_rebuild_format():
    s = uncoalesced(ember)
    fn, (layout, data) = S.reduce_sparse(s)
    t = uncoalesced(torch)
    tfn, (tlayout, tdata) = t.__reduce_ex__(2)
    assert fn.__name__ == tfn.__name__ and str(layout) == str(tlayout) and len(data) == len(tdata)
    r = fn(layout, data)
    assert _text(r) == _text(s)
    assert _text(S._rebuild_sparse_tensor(ember.sparse_coo, data[:3])) == _text(s)


def test_name_and_pinned():
    x = ember.ones(2)
    assert x.name is None and x.is_pinned() is False and x.is_pinned("cpu") is False


def test_other_compressed_layouts_not_implemented():
    for name in ("to_sparse_csc", "to_sparse_bsr", "to_sparse_bsc"):
        with pytest.raises(NotImplementedError, match=name[3:]):
            getattr(ember.ones(2, 2), name)()
    with pytest.raises(NotImplementedError, match="sparse_csc"):
        ember.sparse_csc_tensor([0, 1], [0], [1.], (1, 1))


def csr(T, requires_grad=False):
    return T.sparse_csr_tensor(T.tensor([0, 1, 3]), T.tensor([2, 0, 2]), T.tensor([3., 4., 5.]), (2, 3),
                               requires_grad=requires_grad)


CSR_CASES = {
    "repr": lambda T: csr(T),
    "repr_grad": lambda T: csr(T, True),
    "infer_size": lambda T: T.sparse_csr_tensor(T.tensor([0, 1, 3]), T.tensor([2, 0, 2]), T.tensor([3., 4., 5.])),
    "meta": lambda T: (csr(T).is_sparse, csr(T).is_sparse_csr, csr(T).layout, csr(T)._nnz(), csr(T).sparse_dim(),
                       csr(T).dense_dim(), csr(T).shape, csr(T).nbytes),
    "mul": lambda T: csr(T) * 2,
    "neg": lambda T: -csr(T),
    "add": lambda T: csr(T) + csr(T),
    "sqrt": lambda T: csr(T).sqrt(),
    "matmul": lambda T: csr(T) @ T.ones(3, 2),
    "mm": lambda T: T.mm(csr(T), T.ones(3, 2)),
    "sum": lambda T: csr(T).sum(),
    "to_dense": lambda T: csr(T).to_dense(),
    "to_sparse": lambda T: csr(T).to_sparse(),
    "to_sparse_coo": lambda T: csr(T).to_sparse_coo(),
    "parts": lambda T: (csr(T).values(), csr(T).crow_indices(), csr(T).col_indices()),
    "double": lambda T: csr(T).double(),
    "clone": lambda T: csr(T).clone(),
    "mul_": lambda T: csr(T).mul_(2),
    "from_dense": lambda T: T.tensor([[0, 1.], [2, 0]]).to_sparse_csr(),
    "from_dense_int": lambda T: T.tensor([[0, 1], [2, 0]]).to_sparse(layout=T.sparse_csr),
    "from_zeros": lambda T: T.zeros(2, 3).to_sparse_csr(),
    "from_coo": lambda T: uncoalesced(T).to_sparse_csr(),
    "to_csr_self": lambda T: csr(T).to_sparse_csr(),
    "err_indices": lambda T: csr(T).indices(),
    "err_coalesce": lambda T: csr(T).coalesce(),
    "err_numpy": lambda T: csr(T).numpy(),
    "err_exp": lambda T: csr(T).exp(),
    "err_crow_of_coo": lambda T: coalesced(T).crow_indices(),
}


@pytest.mark.parametrize("case", list(CSR_CASES))
def test_csr(case):
    check(CSR_CASES[case])


@pytest.mark.parametrize("case", ["to_dense", "matmul", "values"])
def test_csr_grad(case):
    def run(T):
        x = csr(T, True)
        out = {"to_dense": lambda: (x.to_dense() * _w(T, 2, 3)).sum(), "matmul": lambda: (x @ _w(T, 3, 2)).sum(),
               "values": lambda: (x.values() * _w(T, 3)).sum()}[case]()
        out.backward()
        return x.grad
    check(run)


def test_csr_pickle():
    c = csr(ember)
    fn, (layout, data) = S.reduce_sparse(c)
    assert str(layout) == "torch.sparse_csr" and _text(fn(layout, data)) == _text(c)
    assert _text(pickle.loads(pickle.dumps(c))) == _text(c)


def test_check_sparse_tensor_invariants():
    assert not ember.sparse.check_sparse_tensor_invariants.is_enabled()
    with ember.sparse.check_sparse_tensor_invariants():
        assert ember.sparse.check_sparse_tensor_invariants.is_enabled()
    assert not ember.sparse.check_sparse_tensor_invariants.is_enabled()


def test_print_large():
    def run(T):
        n = 2000
        return T.sparse_coo_tensor(T.stack([T.arange(n), T.arange(n)]), T.arange(n, dtype=T.float32) / 7, (n, n))
    check(run)


def test_dense_path_untouched():
    x = ember.ones(2, 3)
    assert x.layout is ember.strided and not x.is_sparse and x.to_dense() is x
    assert pickle.loads(pickle.dumps(x)).tolist() == x.tolist()


def test_slicing_beyond_pytorch():
    """PyTorch cannot slice sparse tensors (no as_strided); ember narrows them (cat's backward needs it)."""
    for s in (uncoalesced(ember), hybrid(ember)):
        d = s.to_dense()
        for key in ((slice(None), slice(1, None)), (slice(None, None, 2),), (1, slice(0, 2))):
            np.testing.assert_array_equal(s[key].to_dense().numpy(), d[key].numpy())
            assert s[key].is_sparse == (s.sparse_dim() > sum(isinstance(k, int) for k in key[:s.sparse_dim()]))


def test_unsqueeze_at_array_level():
    """ember's unsqueeze builds a strided view; the sparse array answers x[..., None, ...] and np.expand_dims."""
    for dim in range(3):
        for make in (coalesced, hybrid):
            if make is hybrid and dim == 3:
                continue
            e, t = make(ember), make(torch)
            key = (slice(None),) * dim + (None,)
            got = S._wrap(e._data[key])
            assert _text(got) == _text(t.unsqueeze(dim))
            assert _text(S._wrap(np.expand_dims(e._data, dim))) == _text(t.unsqueeze(dim))


def test_grad_through_cat():
    """PyTorch cannot differentiate cat of sparse tensors (its backward slices); ember can."""
    s = uncoalesced(ember, dtype=ember.float64, requires_grad=True)
    w = _w(ember, 4, 3).double()
    (ember.cat([s, s * 2]).to_dense() * w).sum().backward()
    mask = (uncoalesced(ember).to_dense() != 0).double()
    np.testing.assert_allclose(s.grad.to_dense().numpy(), ((w[:2] + 2 * w[2:]) * mask).numpy())


def test_more_metadata_like_pytorch():
    check(lambda T: (T.sparse_coo_tensor(T.zeros(0, 1, dtype=T.long), T.ones(1, 2)).is_coalesced(),
                     T.sparse_coo_tensor(T.zeros(0, 2, dtype=T.long), T.ones(2, 2)).is_coalesced(),
                     T.sparse_coo_tensor([[0]], [1.], (2,)).is_coalesced()))
    check(lambda T: T.sparse.softmax(T.sparse_coo_tensor((2, 3)), 1))
    check(lambda T: T.sparse.sum(T.sparse_coo_tensor((2, 3)), 0))


def test_warnings_like_pytorch():
    with pytest.warns(UserWarning, match="torch.sparse.SparseTensor\\(indices, values, shape"):
        ember.sparse.FloatTensor(ember.tensor([[0]]), ember.ones(1), (2,))
    with pytest.warns(DeprecationWarning, match="argument 'device' of Tensor.is_pinned"):
        ember.ones(1).is_pinned("cpu")


def test_aliasing_like_pytorch():
    v = ember.tensor([1., 2.])
    s = ember.sparse_coo_tensor([[0, 1]], v)
    v.mul_(10)
    assert s._values().tolist() == [10., 20.]


def test_gcn_training_matches_pytorch():
    """A two-layer GCN on a sparse adjacency, a few Adam steps: the losses follow PyTorch's."""
    rng = np.random.default_rng(0)
    n, f, h, c = 12, 5, 4, 3
    edges = rng.integers(0, n, size=(2, 30))
    feats = rng.standard_normal((n, f)).astype(np.float32)
    labels = rng.integers(0, c, size=n)
    w1 = rng.standard_normal((f, h)).astype(np.float32) * 0.5
    w2 = rng.standard_normal((h, c)).astype(np.float32) * 0.5

    def train(T):
        adj = T.sparse_coo_tensor(T.tensor(edges), T.ones(edges.shape[1]), (n, n)).coalesce()
        deg = T.sparse.sum(adj, 1).to_dense() + 1
        adj = adj * (1 / deg).unsqueeze(1)  # row-normalised, still sparse
        x, y = T.tensor(feats), T.tensor(labels)
        p1, p2 = T.tensor(w1, requires_grad=True), T.tensor(w2, requires_grad=True)
        opt = T.optim.Adam([p1, p2], lr=0.05)
        losses = []
        for _ in range(5):
            opt.zero_grad()
            hidden = T.relu(T.sparse.mm(adj, x @ p1))
            out = T.spmm(adj, hidden @ p2)
            loss = T.nn.functional.cross_entropy(out, y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses
    np.testing.assert_allclose(train(ember), train(torch), rtol=1e-5)


# randomized: uncoalesced inputs with duplicates, hybrid shapes, empty tensors, against PyTorch

def _random_sparse(rng):
    sd, dd = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    shape = tuple(int(s) for s in rng.integers(1, 4, size=sd + dd))
    nnz = int(rng.integers(0, 6))
    idx = np.stack([rng.integers(0, shape[d], size=nnz) for d in range(sd)]) if nnz else np.zeros((sd, 0), np.int64)
    return idx, np.round(rng.standard_normal((nnz,) + shape[sd:]), 2), shape


def _same(got, expected):
    """Same layout, dtype, shape, indices and coalesced flag; values equal up to summation order."""
    assert got.is_sparse == expected.is_sparse and str(got.dtype) == str(expected.dtype)
    assert tuple(got.shape) == tuple(expected.shape)
    if expected.is_sparse:
        assert got._indices().tolist() == expected._indices().tolist()
        assert got.is_coalesced() == expected.is_coalesced()
        got, expected = got._values(), expected._values()
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-12)


FUZZ = {
    "coalesce": lambda T, a, b, d: a.coalesce(),
    "to_dense": lambda T, a, b, d: a.to_dense(),
    "add": lambda T, a, b, d: a + b,
    "sub": lambda T, a, b, d: a - b,
    "mul": lambda T, a, b, d: a * b,
    "mul_coalesced": lambda T, a, b, d: a.coalesce() * b.coalesce(),
    "dense_add": lambda T, a, b, d: d + a,
    "mul_dense": lambda T, a, b, d: a * d,
    "sum": lambda T, a, b, d: a.sum(),
    "sparse_sum_0": lambda T, a, b, d: T.sparse.sum(a, 0),
    "sparse_sum_last": lambda T, a, b, d: T.sparse.sum(a, -1),
    "softmax_0": lambda T, a, b, d: T.sparse.softmax(a, 0),
    "log_softmax_last": lambda T, a, b, d: T.sparse.log_softmax(a, -1),
    "select": lambda T, a, b, d: a[0],
    "index_select": lambda T, a, b, d: a.index_select(0, T.tensor([0, 0])),
    "cat": lambda T, a, b, d: T.cat([a, b]),
    "transpose": lambda T, a, b, d: (-a).transpose(0, a.sparse_dim() - 1),
    "grad_to_dense": lambda T, a, b, d: T.autograd.grad((a.to_dense() * d).sum(), a)[0],
    "grad_softmax": lambda T, a, b, d: T.autograd.grad((T.sparse.softmax(a, 0).to_dense() * d).sum(), a)[0],
    "grad_sparse_sum": lambda T, a, b, d: T.autograd.grad((T.sparse.sum(a, 0).to_dense() * d[0]).sum(), a)[0],
}


@pytest.mark.parametrize("seed", range(30))
def test_random_against_pytorch(seed):
    rng = np.random.default_rng(seed)
    ga = _random_sparse(rng)
    if rng.random() < 0.5:  # b: a's entries reversed and scaled, or a prefix of them
        gb = (ga[0][:, ::-1].copy(), ga[1][::-1] * 2, ga[2])
    else:
        k = int(rng.integers(0, ga[0].shape[1] + 1))
        gb = (ga[0][:, :k], ga[1][:k], ga[2])
    d = np.round(rng.standard_normal(ga[2]), 2)

    def make(T, g, grad=False):
        return T.sparse_coo_tensor(T.tensor(g[0], dtype=T.int64), T.tensor(g[1]), g[2], requires_grad=grad)
    for name, fn in FUZZ.items():
        grad = name.startswith("grad")
        outs = []
        for T in (torch, ember):
            try:
                outs.append(fn(T, make(T, ga, grad), make(T, gb), T.tensor(d)))
            except (RuntimeError, NotImplementedError, IndexError) as e:
                outs.append(type(e))
        if isinstance(outs[0], type):
            assert outs[1] is outs[0], name
        else:
            assert not isinstance(outs[1], type), (name, outs[1])
            try:
                _same(outs[1], outs[0])
            except AssertionError as e:
                raise AssertionError(name) from e


def test_csr_gradcheck_float64():
    def f(v):
        x = ember.sparse_csr_tensor([0, 1, 3], [2, 0, 2], v, (2, 3))
        return (x @ ember.ones(3, 2, dtype=ember.float64)).pow(2).sum() + (x.to_dense() ** 3).sum()
    v = ember.tensor([3., 4., 5.], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(f, (v,)) and ember.autograd.gradgradcheck(f, (v,))
