"""functorch.dim first-class dimensions (Tensor.index and Dim indexing) against torch 2.13's functorch.dim."""
import numpy as np
import pytest

import ember
from ember.functorch import dim as edim

torch = pytest.importorskip("torch")
tdim = pytest.importorskip("functorch.dim")
pytestmark = pytest.mark.torch


def _pair(shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return ember.from_numpy(x.copy()), torch.from_numpy(x.copy())


def _ij(lib):
    i, j = lib.dims(2)  # named by the assignment: the same names for both libraries
    return i, j


def _ijk(lib):
    i, j, k = lib.dims(3)
    return i, j, k


def _same(e, t):
    """Same printed form (values, the dims and their sizes) and type kind."""
    assert repr(e) == repr(t)
    assert type(e).__name__ == type(t).__name__


@pytest.mark.conforms("Tensor.index")
def test_tensor_index_binds_positions_like_functorch():
    ea, ta = _pair((3, 4, 5))
    ei, ej = _ij(edim)
    ti, tj = _ij(tdim)
    _same(ea.index(0, ei), ta.index(0, ti))
    _same(ea.index((0, 2), (ei, ej)), ta.index((0, 2), (ti, tj)))
    assert ei.size == ti.size == 3 and ej.size == tj.size == 5
    _same(ea.index(-1, ej), ta.index(-1, tj))  # negative positions bind from the end
    with pytest.raises(edim.DimensionBindError) as ours:
        ea.index(1, ei)  # i is bound to 3, dimension 1 has 4 (functorch only notices later, if ever)
    with pytest.raises(tdim.DimensionBindError) as theirs:
        ti.size = 4
    assert str(ours.value) == str(theirs.value)


def test_indexing_arithmetic_reductions_and_order():
    ea, ta = _pair((3, 4))
    eb, tb = _pair((4, 2), seed=1)
    i, j, k = _ijk(edim)
    ti, tj, tk = _ijk(tdim)
    assert repr(i) == repr(ti) == "i"
    _same(ea[i], ta[ti])
    _same(ea[..., k], ta[..., tk])
    _same(ea[i, k] * 2 + 1, ta[ti, tk] * 2 + 1)
    _same((ea[i, k] * eb[k, j]).sum(k), (ta[ti, tk] * tb[tk, tj]).sum(tk))
    _same((ea[i, k] * eb[k, j]).sum(k).order(j, i), (ta[ti, tk] * tb[tk, tj]).sum(tk).order(tj, ti))
    _same(ea[i].sum(), ta[ti].sum())
    _same(ea[i].max(0), ta[ti].max(0))
    _same(ea[i, k].softmax(k), ta[ti, tk].softmax(tk))
    _same(i + 0, ti + 0)  # a Dim as a value is its index tensor
    _same(ea[i] + ea[i], ta[ti] + ta[ti])
    assert ea[i].ndim == ta[ti].ndim == 1 and tuple(ea[i].shape) == tuple(ta[ti].shape)
    assert ea[i, k].dims == (i, k)


def test_gradients_flow_through_first_class_dims():
    x = ember.randn(3, 5, requires_grad=True)
    y = ember.randn(5, 2)
    a, b, c = edim.dims(3)
    out = (x[a, c] * y[c, b]).sum(c).order(a, b)
    np.testing.assert_allclose(out.detach().numpy(), (x @ y).detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(y.sum(1).numpy(), (3, 5)), rtol=1e-5)


def test_dims_names_sizes_and_errors():
    i = edim.dims()
    assert repr(i) == "i" and not i.is_bound
    with pytest.raises(ValueError, match="dimension i is unbound"):
        i.size  # noqa: B018  (reading an unbound size is the error)
    p, q = edim.dims(sizes=[2, None])
    assert p.size == 2 and not q.is_bound
    ti, tj = _ij(tdim)
    i, j = _ij(edim)
    ea, ta = _pair((3, 4))
    with pytest.raises(ValueError) as ours:
        ea[i, j, i]
    with pytest.raises(ValueError) as theirs:
        ta[ti, tj, ti]
    assert str(ours.value) == str(theirs.value)
    assert (i == Ellipsis) is False  # Dims sit in index tuples beside Ellipsis safely
