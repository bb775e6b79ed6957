"""F.linear and the NumPy first-order VJPs (linear, cross_entropy, attention) against PyTorch.

The hot primitives have two forms of their VJP: a NumPy one for the usual first-order backward (no graph
to build) and one in ember ops under create_graph.  The generic rows check the first; the double-backward
tests below check the second against PyTorch."""
import numpy as np
import pytest

import ember

from .opinfo import COMPLEX, FLOAT, HALF, OpInfo, S, make_arg, make_tests, nograd

try:
    import torch
except ImportError:
    torch = None


def _linear_samples(dtype, rng):
    yield S(make_arg((5, 3), dtype, rng), make_arg((4, 3), dtype, rng), make_arg((4,), dtype, rng))
    yield S(make_arg((5, 3), dtype, rng), make_arg((4, 3), dtype, rng))
    yield S(make_arg((2, 5, 3), dtype, rng), make_arg((4, 3), dtype, rng), make_arg((4,), dtype, rng))
    yield S(make_arg((2, 3, 2, 3), dtype, rng), make_arg((4, 3), dtype, rng), bias=make_arg((4,), dtype, rng))
    yield S(make_arg((3,), dtype, rng), make_arg((4, 3), dtype, rng), make_arg((4,), dtype, rng))
    yield S(make_arg((2, 3), dtype, rng), make_arg((3,), dtype, rng))
    yield S(make_arg((2, 3), dtype, rng), make_arg((4, 3), dtype, rng), make_arg((), dtype, rng))
    yield S(make_arg((0, 3), dtype, rng), make_arg((4, 3), dtype, rng), make_arg((4,), dtype, rng))
    yield S(make_arg((2, 0, 3), dtype, rng), make_arg((4, 3), dtype, rng), make_arg((4,), dtype, rng))
    yield S(make_arg((2, 4, 0), dtype, rng), make_arg((4, 0), dtype, rng), make_arg((4,), dtype, rng))
    yield S(make_arg((2, 3), dtype, rng), make_arg((0, 3), dtype, rng), make_arg((0,), dtype, rng))


def _linear_errors(rng):
    yield S(make_arg((5, 3), "float32", rng), make_arg((4, 2), "float32", rng))
    yield S(make_arg((5, 3), "float32", rng), make_arg((4, 3), "float64", rng))


def _ce_edge_samples(dtype, rng):
    for red in ("mean", "sum", "none"):
        # no classes: only ignored targets are valid
        yield S(make_arg((3, 0), dtype, rng), nograd(np.full(3, -100)), reduction=red)
        yield S(make_arg((4, 6), dtype, rng), nograd(np.array([1, -100, 5, 0])), reduction=red, label_smoothing=0.3,
                weight=nograd(make_arg((6,), dtype, rng, low=0.2, high=1.5)))
        yield S(make_arg((2, 6, 3), dtype, rng), nograd(rng.integers(0, 6, size=(2, 3))), reduction=red)
    yield S(make_arg((6,), dtype, rng), nograd(np.array(3)), weight=nograd(make_arg((6,), dtype, rng, low=0.2)),
            label_smoothing=0.2)


def _matmul_stack_samples(dtype, rng):  # a stack times one matrix: folded into one GEMM
    for sa, sb in [((2, 3, 2, 4), (4, 5)), ((0, 3, 4), (4, 5)), ((2, 0, 4), (4, 5)), ((2, 3, 0), (0, 5)),
                   ((2, 3, 4), (4, 0)), ((1, 3, 4), (4, 1))]:
        yield S(make_arg(sa, dtype, rng), make_arg(sb, dtype, rng))


def _ce_all_ignored(dtype, rng):  # the mean is nan (no finite differences) and the gradient zero
    yield S(make_arg((4, 6), dtype, rng), nograd(np.full(4, 2)), ignore_index=2, label_smoothing=0.1)
    yield S(make_arg((2, 6, 3), dtype, rng), nograd(np.full((2, 3), -100)), weight=nograd(np.ones(6, dtype)))


ROWS = [
    OpInfo("nn.functional.linear", _linear_samples, dtypes=FLOAT + HALF + ("int64",), errors=_linear_errors),
    OpInfo("nn.functional.cross_entropy", _ce_edge_samples, dtypes=FLOAT + HALF),
    OpInfo("nn.functional.cross_entropy", _ce_all_ignored, gradcheck=False),
    OpInfo("matmul", _matmul_stack_samples, dtypes=FLOAT + COMPLEX + HALF, method=True, out=True),
]

globals().update(make_tests(ROWS))


# ---------------------------------------------------------------------------
# double backward: the create_graph form of each VJP, against PyTorch

def _double_backward(lib, fn, arrays, nondiff, seed):
    """Gradients of sum(grad(fn) * v) with respect to the differentiable inputs, in framework `lib`."""
    ts = [lib.tensor(a, requires_grad=i not in nondiff) if a.dtype.kind == "f" else lib.tensor(a)
          for i, a in enumerate(arrays)]
    diff = [t for i, t in enumerate(ts) if i not in nondiff]
    out = fn(lib, *ts)
    rng = np.random.default_rng(seed)
    gout = lib.tensor(rng.standard_normal(tuple(out.shape)))
    grads = lib.autograd.grad(out, diff, gout, create_graph=True)
    total = sum((g * lib.tensor(rng.standard_normal(tuple(g.shape)))).sum() for g in grads)
    return [t.detach().numpy() for t in grads], [
        np.zeros(tuple(t.shape)) if g is None else g.detach().numpy()
        for t, g in zip(diff, lib.autograd.grad(total, diff, allow_unused=True))]


_DOUBLE = {
    "linear": (lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), ((2, 5, 3), (4, 3), (4,)), ()),
    "linear_1d_weight": (lambda lib, x, w: lib.nn.functional.linear(x, w), ((5, 3), (3,)), ()),
    "cross_entropy": (lambda lib, x, t, w: lib.nn.functional.cross_entropy(x, t, w, label_smoothing=0.2,
                                                                          ignore_index=1, reduction="none"),
                      ((2, 5, 3), "target", (5,)), (1, 2)),
    "cross_entropy_mean": (lambda lib, x, t: lib.nn.functional.cross_entropy(x, t), ((6, 5), "target"), (1,)),
    "matmul_stack": (lambda lib, a, b: a @ b, ((2, 3, 4), (4, 5)), ()),
    "matmul_stack_transposed": (lambda lib, a, b: a @ b.mT, ((2, 3, 4), (5, 4)), ()),
}


@pytest.mark.skipif(torch is None, reason="needs torch")
@pytest.mark.parametrize("name", list(_DOUBLE))
def test_double_backward_matches_torch(name):
    fn, shapes, nondiff = _DOUBLE[name]
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 5, size=(2, 3) if len(shapes[0]) == 3 else (6,)) if s == "target"
              else rng.uniform(0.2, 2.0, size=s) for s in shapes]
    e_first, e_second = _double_backward(ember, fn, arrays, nondiff, 1)
    t_first, t_second = _double_backward(torch, fn, arrays, nondiff, 1)
    for e, t in zip(e_first + e_second, t_first + t_second):
        np.testing.assert_allclose(e, t, rtol=1e-6, atol=1e-9)


@pytest.mark.skipif(torch is None, reason="needs torch")
@pytest.mark.parametrize("causal", [False, True])
def test_attention_grads_of_head_views_match_torch(causal):
    """q, k, v as MultiheadAttention makes them: (batch, heads, seq, dim) transposed views of a projection."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 5, 3 * 8)) for _ in range(3)]
    gout = rng.standard_normal((2, 3, 5, 8))

    def run(lib):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        q, k, v = (t.unflatten(-1, (3, 8)).transpose(1, 2) for t in leaves)
        out = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
        out.backward(lib.tensor(gout))
        return [out.detach().numpy()] + [t.grad.numpy() for t in leaves]

    for e, t in zip(run(ember), run(torch)):
        np.testing.assert_allclose(e, t, rtol=1e-7, atol=1e-10)
