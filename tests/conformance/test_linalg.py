"""Conformance rows for matrix products and torch.linalg (ember/ops/linalg.py)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember

from . import opinfo
from .opinfo import COMPLEX, FLOAT, HALF, OpInfo, S, assert_same, make_arg, make_tests, nograd

to_numpy = opinfo.to_numpy

INTS = ("int64", "int32")


def A(shape, dtype, rng, **kw):
    return make_arg(shape, dtype, rng, **kw)


def matmul_samples(dtype, rng):
    for sa, sb in [((3, 4), (4, 5)), ((4,), (4,)), ((4,), (4, 5)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)),
                   ((2, 3, 4), (4,)), ((4,), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((0, 3), (3, 2)),
                   ((3, 0), (0, 2)), ((2, 3, 4), (2, 4, 1))]:
        yield S(A(sa, dtype, rng), A(sb, dtype, rng))


def matmul_errors(rng):
    f = lambda s, d="float32": A(s, d, rng)
    yield S(f((2, 3)), f((4, 5)))
    yield S(f((3,)), f((4,)))
    yield S(f(()), f((3,)))
    yield S(f((2, 3)), f((3, 4), "float64"))
    yield S(f((2, 3, 4)), f((5, 4, 3)))
    yield S(f((2, 3)), f((3,), "float64"))
    yield S(A((2, 3), "bool", rng), A((3, 2), "bool", rng))


def mm_samples(dtype, rng):
    yield S(A((3, 4), dtype, rng), A((4, 5), dtype, rng))
    yield S(A((0, 4), dtype, rng), A((4, 2), dtype, rng))
    yield S(A((1, 1), dtype, rng), A((1, 3), dtype, rng))


def mm_errors(rng):
    yield S(A((3,), "float32", rng), A((3, 2), "float32", rng))
    yield S(A((3, 2), "float32", rng), A((3, 2), "float32", rng))
    yield S(A((3, 2), "float32", rng), A((2, 2), "float64", rng))


def bmm_samples(dtype, rng):
    yield S(A((2, 3, 4), dtype, rng), A((2, 4, 5), dtype, rng))
    yield S(A((0, 3, 4), dtype, rng), A((0, 4, 5), dtype, rng))


def bmm_errors(rng):
    yield S(A((3, 4), "float32", rng), A((3, 4, 5), "float32", rng))
    yield S(A((2, 3, 4), "float32", rng), A((3, 4, 5), "float32", rng))
    yield S(A((2, 3, 4), "float32", rng), A((2, 5, 5), "float32", rng))


def mv_samples(dtype, rng):
    yield S(A((3, 4), dtype, rng), A((4,), dtype, rng))
    yield S(A((0, 4), dtype, rng), A((4,), dtype, rng))


def vec_samples(dtype, rng):
    yield S(A((5,), dtype, rng), A((5,), dtype, rng))
    yield S(A((0,), dtype, rng), A((0,), dtype, rng))


def vec_errors(rng):
    yield S(A((3,), "float32", rng), A((4,), "float32", rng))
    yield S(A((3, 1), "float32", rng), A((3,), "float32", rng))
    yield S(A((3,), "float32", rng), A((3,), "float64", rng))


def outer_samples(dtype, rng):
    yield S(A((3,), dtype, rng), A((4,), dtype, rng))
    yield S(A((0,), dtype, rng), A((4,), dtype, rng))
    yield S(A((3,), dtype, rng), A((2,), "float64", rng))   # promotes, as in PyTorch


def inner_samples(dtype, rng):
    yield S(A((5,), dtype, rng), A((5,), dtype, rng))
    yield S(A((2, 3, 5), dtype, rng), A((4, 5), dtype, rng))
    yield S(A((), dtype, rng), A((4, 5), dtype, rng))


def addmm_samples(dtype, rng):
    yield S(A((3, 5), dtype, rng), A((3, 4), dtype, rng), A((4, 5), dtype, rng))
    yield S(A((5,), dtype, rng), A((3, 4), dtype, rng), A((4, 5), dtype, rng), beta=2, alpha=3)
    yield S(A((1, 5), dtype, rng), A((3, 4), dtype, rng), A((4, 5), dtype, rng), beta=0)
    yield S(A((3, 5), dtype, rng), A((3, 0), dtype, rng), A((0, 5), dtype, rng), alpha=0.5 if dtype in FLOAT else 2)


def addmm_errors(rng):
    yield S(A((3, 5), "float64", rng), A((3, 4), "float32", rng), A((4, 5), "float32", rng))
    yield S(A((3, 5), "float32", rng), A((3, 4), "float32", rng), A((5, 5), "float32", rng))
    yield S(A((2, 5), "float32", rng), A((3, 4), "float32", rng), A((4, 5), "float32", rng))


def addmv_samples(dtype, rng):
    yield S(A((3,), dtype, rng), A((3, 4), dtype, rng), A((4,), dtype, rng))
    yield S(A((1,), dtype, rng), A((3, 4), dtype, rng), A((4,), dtype, rng), beta=0.5 if dtype in FLOAT else 2,
            alpha=2)


def addr_samples(dtype, rng):
    yield S(A((3, 4), dtype, rng), A((3,), dtype, rng), A((4,), dtype, rng))
    yield S(A((4,), dtype, rng), A((3,), dtype, rng), A((4,), dtype, rng), beta=2, alpha=3)


def baddbmm_samples(dtype, rng):
    yield S(A((2, 3, 5), dtype, rng), A((2, 3, 4), dtype, rng), A((2, 4, 5), dtype, rng))
    yield S(A((3, 5), dtype, rng), A((2, 3, 4), dtype, rng), A((2, 4, 5), dtype, rng), beta=0.5 if dtype in FLOAT
            else 2, alpha=2)


def addbmm_samples(dtype, rng):
    yield S(A((3, 5), dtype, rng), A((2, 3, 4), dtype, rng), A((2, 4, 5), dtype, rng))
    yield S(A((3, 5), dtype, rng), A((2, 3, 4), dtype, rng), A((2, 4, 5), dtype, rng), beta=2, alpha=3)


def einsum_samples(dtype, rng):
    a = lambda *s: A(s, dtype, rng)
    yield S("ij,jk->ik", a(3, 4), a(4, 5))
    yield S("ij,jk", a(3, 4), a(4, 5))                     # implicit output
    yield S("bij,bjk->bik", a(2, 3, 4), a(2, 4, 5))
    yield S("ii->i", a(4, 4))                             # diagonal
    yield S("ii", a(4, 4))                                # trace
    yield S("i,j->ij", a(3), a(4))
    yield S("...ij,...jk->...ik", a(2, 3, 4), a(4, 5))    # ellipsis broadcasting
    yield S("i...->...", a(3, 2, 2))
    yield S("ij->", a(3, 4))
    yield S("ij,ij->ij", a(3, 1), a(3, 4))                # size-1 broadcast of a subscript
    yield S("ijk->kji", a(2, 3, 4))
    yield S("i,i,i->", a(3), a(3), a(3))
    yield S("bn,anm,bm->ba", a(2, 3), a(4, 3, 5), a(2, 5))
    yield S("ij,jk", [a(3, 4), a(4, 2)])                   # operands as a list
    yield S(a(3, 4), [0, 1], a(4, 5), [1, 2], [0, 2])      # sublist form
    yield S(a(2, 3, 4), [Ellipsis, 1], [Ellipsis])


def einsum_errors(rng):
    yield S("ij,jk", A((3, 4), "float32", rng), A((5, 3), "float32", rng))
    yield S("ij,jk", A((3, 4), "float32", rng), A((4, 3), "float64", rng))
    yield S("ij,jk", A((3, 4), "float32", rng))
    yield S("ijk", A((3, 4), "float32", rng))


def tensordot_samples(dtype, rng):
    yield S(A((3, 4, 5), dtype, rng), A((4, 5, 6), dtype, rng))
    yield S(A((3, 4), dtype, rng), A((4, 3), dtype, rng), 1)
    yield S(A((3, 4), dtype, rng), A((4, 3), dtype, rng), 0)
    yield S(A((3, 4, 5), dtype, rng), A((5, 3), dtype, rng), dims=([0, 2], [1, 0]))
    yield S(A((3, 4), dtype, rng), A((3, 2), dtype, rng), dims=([0], [0]))
    yield S(A((3, 4), dtype, rng), A((4, 3), dtype, rng), dims=([-1], [0]))


def kron_samples(dtype, rng):
    yield S(A((2, 3), dtype, rng), A((3, 2), dtype, rng))
    yield S(A((2,), dtype, rng), A((3, 2), dtype, rng))
    yield S(A((2, 2, 1), dtype, rng), A((3,), dtype, rng))
    yield S(A((0, 2), dtype, rng), A((3, 2), dtype, rng))


def cross_samples(dtype, rng):
    yield S(A((4, 3), dtype, rng), A((4, 3), dtype, rng), dim=1)
    yield S(A((3, 2), dtype, rng), A((3, 2), dtype, rng), dim=0)
    yield S(A((2, 3, 4), dtype, rng), A((1, 3, 4), dtype, rng), dim=-2)


def linalg_cross_samples(dtype, rng):
    yield S(A((4, 3), dtype, rng), A((4, 3), dtype, rng))
    yield S(A((3, 3), dtype, rng), A((1, 3), dtype, rng))
    yield S(A((3, 2), dtype, rng), A((3, 2), dtype, rng), dim=0)


def cross_errors(rng):
    yield S(A((3, 3), "float32", rng), A((3, 3), "int64", rng))


def linalg_cross_errors(rng):
    yield S(A((3, 2), "float32", rng), A((3, 2), "float32", rng))
    yield from cross_errors(rng)


def trace_samples(dtype, rng):
    yield S(A((3, 3), dtype, rng))
    yield S(A((2, 4), dtype, rng))
    yield S(A((0, 0), dtype, rng))


def multi_dot_samples(dtype, rng):
    yield S([A((3, 4), dtype, rng), A((4, 5), dtype, rng)])
    yield S([A((4,), dtype, rng), A((4, 5), dtype, rng), A((5, 2), dtype, rng), A((2,), dtype, rng)])
    yield S([A((10, 2), dtype, rng), A((2, 9), dtype, rng), A((9, 3), dtype, rng)])


def vecdot_samples(dtype, rng):
    yield S(A((3, 4), dtype, rng), A((3, 4), dtype, rng))
    yield S(A((3, 4), dtype, rng), A((4,), dtype, rng))
    yield S(A((2, 4), dtype, rng), A((4,), dtype, rng), dim=0)


# ---------------------------------------------------------------------------
# decompositions

def well(n, dtype, rng, batch=()):
    """A well-conditioned (diagonally dominant) square matrix."""
    a = make_arg(batch + (n, n), dtype, rng, low=-1, high=1)
    return (a + 3 * np.eye(n)).astype(a.dtype)


def spd(n, dtype, rng, batch=()):
    a = make_arg(batch + (n, n), dtype, rng, low=-1, high=1).astype(np.float64 if dtype in FLOAT else np.complex128)
    m = a @ np.swapaxes(a, -1, -2).conj() + n * np.eye(n)
    return m.astype(dtype)


def sym(n, dtype, rng, batch=()):
    a = make_arg(batch + (n, n), dtype, rng, low=-1, high=1).astype(np.float64 if dtype in FLOAT else np.complex128)
    m = a + np.swapaxes(a, -1, -2).conj() + np.diag(np.arange(n) * 2.0)  # well separated eigenvalues
    return m.astype(dtype)


def square_samples(dtype, rng):
    yield S(well(3, dtype, rng))
    yield S(well(2, dtype, rng, (2, 3)))
    yield S(well(1, dtype, rng))
    yield S(well(4, dtype, rng, (0,)))


def det_samples(dtype, rng):
    yield from square_samples(dtype, rng)
    yield S(make_arg((3, 3), dtype, rng))
    yield S(well(0, dtype, rng))


def square_errors(rng):
    yield S(A((3, 4), "float32", rng))
    yield S(A((3,), "float32", rng))
    yield S(A((3, 3), "int64", rng))




def solve_samples(dtype, rng):
    yield S(well(3, dtype, rng), A((3, 2), dtype, rng))
    yield S(well(3, dtype, rng), A((3,), dtype, rng))
    yield S(well(3, dtype, rng, (2,)), A((3, 4), dtype, rng))
    yield S(well(3, dtype, rng, (2,)), A((2, 3), dtype, rng))       # batched vector right-hand side
    yield S(well(3, dtype, rng), A((2, 3, 1), dtype, rng))
    yield S(well(3, dtype, rng), A((4, 3), dtype, rng), left=False)


def solve_errors(rng):
    yield S(well(3, "float32", rng), A((4, 1), "float32", rng))
    yield S(well(3, "float32", rng), A((3, 1), "float64", rng))


def chol_samples(dtype, rng):
    yield S(spd(3, dtype, rng))
    yield S(spd(3, dtype, rng, (2,)), upper=True)
    yield S(spd(1, dtype, rng))


def chol_errors(rng):
    yield S(A((3, 4), "float32", rng))


def qr_samples(dtype, rng):
    yield S(A((4, 3), dtype, rng))
    yield S(A((3, 3), dtype, rng, low=-1, high=1) + 2 * np.eye(3, dtype=dtype))
    yield S(A((2, 3, 3), dtype, rng), mode="complete")
    yield S(A((3, 5), dtype, rng))
    yield S(A((4, 3), dtype, rng), mode="r")


def _gauge_free(fn_name):
    """Compare reconstructions/abs values for decompositions unique only up to sign or phase."""
    def compare(e_out, t_out, sample):
        if fn_name == "qr":
            eq, er = e_out
            tq, tr = t_out
            assert_same(ember.abs(er), torch.abs(tr), 1e-4, 1e-4)
            if tq.numel():
                assert_same(eq @ er, tq @ tr, 1e-4, 1e-4)
                assert_same(ember.abs(eq), torch.abs(tq), 1e-4, 1e-4)
            else:
                assert tuple(eq.shape) == tuple(tq.shape)
        elif fn_name == "svd":
            eu, es, ev = e_out
            tu, ts, tv = t_out
            assert_same(es, ts, 1e-4, 1e-4)
            k = ts.shape[-1]
            assert_same((eu[..., :k] * es.unsqueeze(-2)) @ ev[..., :k, :], (tu[..., :k] * ts.unsqueeze(-2)) @ tv[..., :k, :],
                        1e-4, 1e-4)
            assert tuple(eu.shape) == tuple(tu.shape) and tuple(ev.shape) == tuple(tv.shape)
        elif fn_name == "eigh":
            el, ev = e_out
            tl, tv = t_out
            assert_same(el, tl, 1e-4, 1e-4)
            assert_same(ember.abs(ev), torch.abs(tv), 1e-4, 1e-4)
        elif fn_name == "eig":
            el, ev = e_out
            tl, tv = t_out
            key = lambda z: np.lexsort((np.round(z.imag, 4), np.round(z.real, 4)), axis=-1)
            e, t = to_numpy(el), to_numpy(tl)
            assert el.dtype == getattr(ember, str(tl.dtype)[6:])
            np.testing.assert_allclose(np.take_along_axis(e, key(e), -1), np.take_along_axis(t, key(t), -1),
                                       atol=1e-4, rtol=1e-4)
    return compare


def qr_loss(A, mode="reduced"):
    """Q R and Q^H Q: gauge-invariant functions of both factors."""
    Q, R = (ember if isinstance(A, ember.Tensor) else torch).linalg.qr(A, mode=mode)
    return Q @ R, Q.mH @ Q, R.abs()


def svd_samples(dtype, rng):
    yield S(A((4, 3), dtype, rng))
    yield S(A((3, 5), dtype, rng), full_matrices=False)
    yield S(A((2, 3, 3), dtype, rng))


def svd_loss_samples(dtype, rng):
    yield S(A((4, 3), dtype, rng))
    yield S(A((3, 5), dtype, rng))
    yield S(A((2, 3, 3), dtype, rng))


def svd_loss(A):
    """A gauge-invariant function of all three factors (U diag(S)^2 Vh and U U^H)."""
    mod = ember if isinstance(A, ember.Tensor) else torch
    U, S, Vh = mod.linalg.svd(A, full_matrices=False)
    return (U * (S * S).unsqueeze(-2)) @ Vh, U @ U.mH, Vh.mH @ Vh


def eigh_loss(A, **kw):
    mod = ember if isinstance(A, ember.Tensor) else torch
    L, V = mod.linalg.eigh(A, **kw)
    return L, (V * L.unsqueeze(-2)) @ V.mH, V.abs()


def eig_loss(mod, A):
    """Phase-free functions of eig's outputs: the eigenvalues (sorted by the forward) and |V|."""
    L, V = mod.linalg.eig(A)
    order = np.lexsort((np.round(L.detach().numpy().imag, 6), np.round(L.detach().numpy().real, 6)), axis=-1)
    idx = (ember if mod is ember else torch).from_numpy(order.copy())
    L, Vabs = L.gather(-1, idx), V.abs().gather(-1, idx.unsqueeze(-2).expand(V.shape))
    return (L, Vabs * (1 + 0j)) if A.is_complex() else (L.real, L.imag, Vabs)


def eigh_samples(dtype, rng):
    yield S(sym(3, dtype, rng))
    yield S(sym(3, dtype, rng, (2,)), UPLO="U")


def lstsq_samples(dtype, rng):
    yield S(A((5, 3), dtype, rng), A((5, 2), dtype, rng))
    yield S(A((2, 4, 3), dtype, rng), A((2, 4, 1), dtype, rng))


def lstsq_fn(mod):
    def f(A, B, **kw):
        r = mod.linalg.lstsq(A, B, **kw)
        return r.solution
    return f


def lstsq_full(dtype, rng):
    yield S(A((5, 3), dtype, rng), A((5, 2), dtype, rng), driver="gelsd")
    yield S(A((5, 3), dtype, rng), A((5, 2), dtype, rng))


def pinv_samples(dtype, rng):
    yield S(A((4, 3), dtype, rng))
    yield S(A((3, 5), dtype, rng))
    yield S(A((2, 3, 3), dtype, rng))
    yield S(A((4, 3), dtype, rng), atol=0.1)


def rank_samples(dtype, rng):
    yield S(A((4, 3), dtype, rng))
    yield S(np.ones((3, 3), dtype))
    yield S(A((2, 3, 3), dtype, rng), atol=1.0)
    yield S(A((4, 3), dtype, rng), rtol=0.5)
    yield S(spd(3, dtype, rng), hermitian=True)


def power_samples(dtype, rng):
    for n in (0, 1, 2, 3, 5, -1, -2):
        yield S(well(3, dtype, rng), n)
    yield S(well(2, dtype, rng, (2,)), 3)


def expm_samples(dtype, rng):
    yield S(A((3, 3), dtype, rng, low=-0.5, high=0.5))
    yield S(A((2, 3, 3), dtype, rng))
    yield S(A((1, 1), dtype, rng))
    yield S(3 * A((4, 4), dtype, rng))


def vnorm_samples(dtype, rng):
    x = lambda *s: A(s, dtype, rng)
    yield S(x(3, 4))
    yield S(x(3, 4), 1)
    yield S(x(3, 4), 3, dim=1)
    yield S(x(3, 4), float("inf"), dim=-1, keepdim=True)
    yield S(x(3, 4), float("-inf"))
    yield S(x(3, 4), 0)
    yield S(x(3, 4), 0.5, dim=(0, 1))
    yield S(x(2, 3, 4), 2, dim=(0, 2), keepdim=True)
    yield S(x())
    yield S(x(0, 3), 2, dim=0)
    yield S(np.zeros((3,), dtype))   # gradient at zero is zero
    yield S(x(3, 4), dtype="dtype:float64")


def vnorm_errors(rng):
    yield S(A((3,), "int64", rng))
    yield S(A((0,), "float32", rng), float("inf"))
    yield S(A((3,), "float32", rng), dim=2)


def mnorm_samples(dtype, rng):
    x = lambda *s: A(s, dtype, rng)
    for ord in ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")):
        yield S(x(3, 4), ord)
    yield S(x(2, 3, 4), "fro", dim=(0, 2), keepdim=True)
    yield S(x(2, 3, 4), 1, dim=(2, 0))
    yield S(x(2, 3, 3), "nuc", keepdim=True)
    yield S(x(2, 3, 4), 2, dim=(0, 2))


def norm_samples(dtype, rng):
    x = lambda *s: A(s, dtype, rng)
    yield S(x(3, 4))
    yield S(x(3, 4), "fro")
    yield S(x(3, 4), 2)
    yield S(x(3, 4), dim=1)
    yield S(x(4), 3)
    yield S(x(2, 3, 4), "nuc", dim=(1, 2))
    yield S(x(2, 3, 4), float("inf"), dim=(1, 2))


def cond_samples(dtype, rng):
    yield S(well(3, dtype, rng))
    yield S(well(3, dtype, rng), "fro")
    yield S(well(3, dtype, rng, (2,)), 1)
    yield S(well(3, dtype, rng), -2)
    yield S(A((4, 3), dtype, rng))


def triangular_samples(dtype, rng):
    yield S(well(3, dtype, rng), A((3, 2), dtype, rng), upper=True)
    yield S(well(3, dtype, rng), A((3, 2), dtype, rng), upper=False)
    yield S(well(3, dtype, rng), A((4, 3), dtype, rng), upper=True, left=False)
    yield S(well(3, dtype, rng, (2,)), A((3, 2), dtype, rng), upper=False, unitriangular=True)


def lu_factor_samples(dtype, rng):
    yield S(A((4, 4), dtype, rng))
    yield S(A((2, 3, 3), dtype, rng))
    yield S(A((4, 3), dtype, rng))
    yield S(A((3, 5), dtype, rng))


def lu_solve_samples(dtype, rng):
    yield S(nograd(well(3, dtype, rng)), A((3, 2), dtype, rng))
    yield S(nograd(well(3, dtype, rng, (2,))), A((2, 3, 1), dtype, rng), adjoint=True)
    yield S(nograd(well(3, dtype, rng)), A((2, 3), dtype, rng), left=False)


def lu_solve_fn(mod):
    def f(A, B, **kw):
        LU, piv = mod.linalg.lu_factor(A.detach())
        return mod.linalg.lu_solve(LU, piv, B, **kw)
    return f


def tensorinv_samples(dtype, rng):
    yield S(well(6, dtype, rng).reshape(2, 3, 6), ind=2)
    yield S(well(4, dtype, rng).reshape(4, 2, 2), ind=1)


def tensorsolve_samples(dtype, rng):
    yield S(well(6, dtype, rng).reshape(2, 3, 6), A((2, 3), dtype, rng))
    yield S(well(6, dtype, rng).reshape(6, 2, 3), A((2, 3), dtype, rng), dims=(0,))


def vander_samples(dtype, rng):
    yield S(A((4,), dtype, rng))
    yield S(A((2, 3), dtype, rng), N=4)
    yield S(A((3,), dtype, rng), N=2)


def cholesky_solve_samples(dtype, rng):
    L = np.linalg.cholesky(spd(3, "float64", rng)).astype(dtype)
    yield S(A((3, 2), dtype, rng), L)
    yield S(A((3, 2), dtype, rng), np.swapaxes(L, -1, -2).copy(), upper=True)


def cholesky_inverse_samples(dtype, rng):
    L = np.linalg.cholesky(spd(3, "float64", rng)).astype(dtype)
    yield S(L)
    yield S(np.swapaxes(L, -1, -2).copy(), upper=True)


def legacy_svd(mod):
    def f(A, some=True):
        U, S, V = mod.svd(A, some=some)
        k = S.shape[-1]
        return (U[..., :k] * S.unsqueeze(-2)) @ V[..., :k].mH, S
    return f


def householder_samples(dtype, rng):
    a = A((4, 3), dtype, rng)
    yield S(a, A((3,), dtype, rng))
    yield S(A((2, 3, 3), dtype, rng), A((2, 2), dtype, rng))


def slogdet_samples(dtype, rng):
    yield S(well(3, dtype, rng))
    yield S(well(2, dtype, rng, (2, 3)))
    yield S(-well(3, dtype, rng))


def logdet_samples(dtype, rng):
    yield S(spd(3, dtype, rng))
    yield S(spd(2, dtype, rng, (2,)))


LA = "linalg."


def hermitian(name, **fixed):
    """fn((A + A^H) / 2): ops that read one triangle, so finite differences see the symmetric gradient."""
    def wrap(mod):
        fn = opinfo._resolve(mod, name)
        return lambda a, *args, **kw: fn((a + a.mH) / 2, *args, **kw, **fixed)
    return {"ember_fn": wrap(ember), "torch_fn": wrap(torch)}


def as_complex(name):
    """ember_fn/torch_fn for a complex-input op with real outputs, made complex so the harness's complex output
    gradients fit (the real part of the gradient is what flows back)."""
    def wrap(mod):
        fn = opinfo._resolve(mod, name)

        def f(*args, **kwargs):
            out = fn(*args, **kwargs)
            outs = tuple(out) if isinstance(out, tuple) else (out,)
            outs = tuple(o * (1 + 0j) if not o.is_complex() else o for o in outs)
            return outs if isinstance(out, tuple) else outs[0]
        return f
    return {"ember_fn": wrap(ember), "torch_fn": wrap(torch)}

ROWS = [
    OpInfo("matmul", matmul_samples, dtypes=FLOAT + INTS + COMPLEX + HALF, method=True, out=True,
           errors=matmul_errors),
    OpInfo("mm", mm_samples, dtypes=FLOAT + INTS + COMPLEX + HALF, method=True, out=True, errors=mm_errors),
    OpInfo("bmm", bmm_samples, dtypes=FLOAT + INTS + COMPLEX, method=True, out=True, errors=bmm_errors),
    OpInfo("mv", mv_samples, dtypes=FLOAT + INTS + COMPLEX, method=True, out=True),
    OpInfo("dot", vec_samples, dtypes=FLOAT + INTS + COMPLEX, method=True, out=True, errors=vec_errors),
    OpInfo("vdot", vec_samples, dtypes=FLOAT + INTS + COMPLEX, method=True, out=True, errors=vec_errors),
    OpInfo("inner", inner_samples, dtypes=FLOAT + INTS, method=True, out=True),
    OpInfo("outer", outer_samples, dtypes=FLOAT + INTS + COMPLEX, method=True, out=True),
    OpInfo("ger", outer_samples, dtypes=FLOAT, method=True),
    OpInfo("addmm", addmm_samples, dtypes=FLOAT + INTS + COMPLEX, method=True, inplace=True, out=True,
           errors=addmm_errors),
    OpInfo("addmv", addmv_samples, dtypes=FLOAT + INTS, method=True, inplace=True, out=True),
    OpInfo("addr", addr_samples, dtypes=FLOAT + INTS, method=True, inplace=True, out=True),
    OpInfo("baddbmm", baddbmm_samples, dtypes=FLOAT + INTS, method=True, inplace=True, out=True),
    OpInfo("addbmm", addbmm_samples, dtypes=FLOAT + INTS, method=True, inplace=True, out=True),
    OpInfo("einsum", einsum_samples, dtypes=FLOAT + INTS + COMPLEX, errors=einsum_errors),
    OpInfo("tensordot", tensordot_samples, dtypes=FLOAT + INTS, out=True),
    OpInfo("kron", kron_samples, dtypes=FLOAT + INTS + COMPLEX, method=True, out=True),
    OpInfo("cross", cross_samples, dtypes=FLOAT + INTS, method=True, out=True, errors=cross_errors),
    OpInfo(LA + "cross", linalg_cross_samples, dtypes=FLOAT + INTS, out=True, errors=linalg_cross_errors),
    OpInfo("trace", trace_samples, dtypes=FLOAT + INTS + ("uint8",), method=True),
    OpInfo(LA + "multi_dot", multi_dot_samples, dtypes=FLOAT + COMPLEX, out=True),
    OpInfo("chain_matmul", lambda d, r: (S(*s.args[0]) for s in multi_dot_samples(d, r) if s.args[0][0].ndim == 2),
           dtypes=FLOAT),
    OpInfo(LA + "vecdot", vecdot_samples, dtypes=FLOAT + COMPLEX, out=True),
    OpInfo(LA + "matmul", matmul_samples, dtypes=FLOAT, out=True),
    # torch.linalg
    OpInfo(LA + "inv", square_samples, dtypes=FLOAT + COMPLEX, out=True, errors=square_errors),
    OpInfo(LA + "inv_ex", square_samples, dtypes=FLOAT),
    OpInfo("inverse", square_samples, dtypes=FLOAT, method=True, out=True),
    OpInfo(LA + "det", det_samples, dtypes=FLOAT + COMPLEX, out=True, errors=square_errors),
    OpInfo("det", det_samples, dtypes=FLOAT, method=True),
    OpInfo(LA + "slogdet", slogdet_samples, dtypes=FLOAT),
    OpInfo(LA + "slogdet.complex", slogdet_samples, dtypes=COMPLEX, **as_complex("linalg.slogdet")),
    OpInfo("slogdet", slogdet_samples, dtypes=FLOAT, method=True),
    OpInfo("logdet", logdet_samples, dtypes=FLOAT, method=True),
    OpInfo(LA + "solve", solve_samples, dtypes=FLOAT + COMPLEX, out=True, errors=solve_errors),
    OpInfo(LA + "solve_ex", solve_samples, dtypes=FLOAT),
    OpInfo(LA + "cholesky", chol_samples, dtypes=FLOAT + COMPLEX, out=True, errors=chol_errors, gradcheck=False),
    OpInfo(LA + "cholesky.hermitian", chol_samples, dtypes=FLOAT, **hermitian("linalg.cholesky")),
    OpInfo(LA + "cholesky_ex", chol_samples, dtypes=FLOAT, **hermitian("linalg.cholesky_ex")),
    OpInfo("cholesky", chol_samples, dtypes=FLOAT, method=True, gradcheck=False),
    OpInfo("cholesky_solve", cholesky_solve_samples, dtypes=FLOAT, method=True),
    OpInfo("cholesky_inverse", cholesky_inverse_samples, dtypes=FLOAT, method=True),
    OpInfo(LA + "qr", qr_samples, dtypes=FLOAT, compare=_gauge_free("qr"), grad=False),
    OpInfo(LA + "qr.gauge_free", lambda d, r: (s for s in qr_samples(d, r) if s.kwargs.get("mode") != "r"), dtypes=FLOAT, ember_fn=qr_loss, torch_fn=qr_loss, noncontiguous=False),
    OpInfo(LA + "svd", svd_samples, dtypes=FLOAT, compare=_gauge_free("svd"), grad=False),
    OpInfo(LA + "svd.gauge_free", svd_loss_samples, dtypes=FLOAT, ember_fn=svd_loss, torch_fn=svd_loss),
    OpInfo("svd.legacy", lambda d, r: (S(a, some=s) for a in (A((4, 3), d, r), A((3, 3), d, r)) for s in (True, False)),
           dtypes=FLOAT, ember_fn=legacy_svd(ember), torch_fn=legacy_svd(torch)),
    OpInfo(LA + "svdvals", svd_samples, dtypes=FLOAT,
           ember_fn=lambda a, **kw: ember.linalg.svdvals(a), torch_fn=lambda a, **kw: torch.linalg.svdvals(a)),
    OpInfo(LA + "svdvals.complex", lambda d, r: (S(s.args[0]) for s in svd_samples(d, r)), dtypes=COMPLEX,
           **as_complex("linalg.svdvals")),
    OpInfo(LA + "eigh", eigh_samples, dtypes=FLOAT, compare=_gauge_free("eigh"), grad=False),
    OpInfo(LA + "eigh.gauge_free", eigh_samples, dtypes=FLOAT, ember_fn=lambda a, **k: eigh_loss((a + a.mH) / 2, **k),
           torch_fn=lambda a, **k: eigh_loss((a + a.mH) / 2, **k)),
    OpInfo(LA + "eigvalsh", eigh_samples, dtypes=FLOAT, out=True, gradcheck=False),
    OpInfo(LA + "eigvalsh.hermitian", eigh_samples, dtypes=FLOAT, **hermitian("linalg.eigvalsh")),
    OpInfo(LA + "eigvalsh.complex", eigh_samples, dtypes=COMPLEX, **as_complex("linalg.eigvalsh")),
    OpInfo(LA + "eig", square_samples, dtypes=FLOAT, compare=_gauge_free("eig"), grad=False),
    OpInfo(LA + "eig.gauge_free", lambda d, r: (S(well(3, d, r)), S(well(3, d, r, (2,)))), dtypes=FLOAT + COMPLEX,
           ember_fn=lambda a: eig_loss(ember, a), torch_fn=lambda a: eig_loss(torch, a)),
    OpInfo(LA + "eigvals", lambda d, r: (S(A((3, 3), d, r)), S(sym(3, d, r))), dtypes=FLOAT, grad=False,
           compare=lambda e, t, s: _gauge_free("eig")((e, None), (t, None), s)),
    OpInfo(LA + "lstsq.solution", lstsq_samples, dtypes=FLOAT, ember_fn=lstsq_fn(ember), torch_fn=lstsq_fn(torch)),
    OpInfo(LA + "lstsq", lstsq_full, dtypes=FLOAT, atol=1e-4, rtol=1e-4, gradcheck=False),  # see lstsq.solution
    OpInfo(LA + "pinv", pinv_samples, dtypes=FLOAT + COMPLEX, atol=1e-4, rtol=1e-4),
    OpInfo(LA + "pinv.hermitian", lambda d, r: (S(spd(3, d, r)),), dtypes=FLOAT,
           **hermitian("linalg.pinv", hermitian=True)),
    OpInfo("pinverse", lambda d, r: (S(A((4, 3), d, r)),), dtypes=FLOAT, method=True),
    OpInfo(LA + "matrix_rank", rank_samples, dtypes=FLOAT, grad=False),
    OpInfo(LA + "matrix_power", power_samples, dtypes=FLOAT + COMPLEX),
    OpInfo("matrix_power", power_samples, dtypes=FLOAT, method=True),
    OpInfo(LA + "matrix_exp", expm_samples, dtypes=FLOAT + COMPLEX, atol=1e-4, rtol=1e-4),
    OpInfo("matrix_exp", expm_samples, dtypes=FLOAT, method=True, atol=1e-4, rtol=1e-4),
    OpInfo(LA + "vector_norm", vnorm_samples, dtypes=FLOAT, out=True, errors=vnorm_errors),
    OpInfo(LA + "vector_norm.complex", lambda d, r: (s for s in vnorm_samples(d, r) if "dtype" not in s.kwargs),
           dtypes=COMPLEX, **as_complex("linalg.vector_norm")),
    OpInfo(LA + "matrix_norm", mnorm_samples, dtypes=FLOAT, atol=1e-4, rtol=1e-4),
    OpInfo(LA + "norm", norm_samples, dtypes=FLOAT, atol=1e-4, rtol=1e-4),
    OpInfo(LA + "cond", cond_samples, dtypes=FLOAT, atol=1e-4, rtol=1e-4, grad=False),
    OpInfo(LA + "cond.grad", lambda d, r: (S(well(3, d, r), p) for p in (None, 2, -2, "nuc")), dtypes=FLOAT,
           ember_fn=ember.linalg.cond, torch_fn=torch.linalg.cond),  # PyTorch's own backward fails for 1/inf/fro
    OpInfo(LA + "solve_triangular", triangular_samples, dtypes=FLOAT, out=True),
    OpInfo(LA + "lu_factor", lu_factor_samples, dtypes=FLOAT, grad=False),
    OpInfo(LA + "lu", lu_factor_samples, dtypes=FLOAT, grad=False),
    OpInfo(LA + "lu_solve", lu_solve_samples, dtypes=FLOAT, ember_fn=lu_solve_fn(ember), torch_fn=lu_solve_fn(torch)),
    OpInfo(LA + "tensorinv", tensorinv_samples, dtypes=FLOAT),
    OpInfo(LA + "tensorsolve", tensorsolve_samples, dtypes=FLOAT),
    OpInfo(LA + "vander", vander_samples, dtypes=FLOAT + INTS),
    OpInfo(LA + "householder_product", householder_samples, dtypes=FLOAT),
    OpInfo(LA + "diagonal", lambda d, r: (S(A((3, 4), d, r)), S(A((2, 3, 4), d, r), offset=1, dim1=0, dim2=2)),
           dtypes=FLOAT + INTS),
    OpInfo("qr", lambda d, r: (S(A((4, 3), d, r)), S(A((3, 4), d, r), some=False)), dtypes=FLOAT, method=True,
           compare=_gauge_free("qr"), grad=False),
    OpInfo("triangular_solve", lambda d, r: (S(A((3, 2), d, r), well(3, d, r)),
                                             S(A((3, 2), d, r), well(3, d, r), upper=False, transpose=True),
                                             S(A((2, 3, 1), d, r), well(3, d, r), unitriangular=True)),
           dtypes=FLOAT, method=True),
    OpInfo("lu_unpack", lu_factor_samples, dtypes=FLOAT, grad=False,
           ember_fn=lambda a: ember.lu_unpack(*ember.linalg.lu_factor(a)),
           torch_fn=lambda a: torch.lu_unpack(*torch.linalg.lu_factor(a))),
    OpInfo("lu", lu_factor_samples, dtypes=FLOAT, grad=False, method=True),
    OpInfo(LA + "lu_factor_ex", lu_factor_samples, dtypes=FLOAT, grad=False),
]

globals().update(make_tests(ROWS))


# ---------------------------------------------------------------------------
# behaviour the rows cannot express

def test_linalg_error_type():
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.inv(ember.zeros(3, 3))
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.cholesky(-ember.eye(2))
    r = ember.linalg.inv_ex(ember.zeros(2, 3, 3))
    assert r.info.dtype is ember.int32 and r.info.tolist() == [1, 1]


def test_matmul_operators():
    a, b = ember.randn(2, 3), ember.randn(3, 4)
    np.testing.assert_allclose((a @ b).numpy(), a.numpy() @ b.numpy(), rtol=1e-5)
    np.testing.assert_allclose(a.matmul(b).numpy(), a.numpy() @ b.numpy(), rtol=1e-5)
    np.testing.assert_allclose(b.__rmatmul__(a).numpy(), a.numpy() @ b.numpy(), rtol=1e-5)


def test_matmul_skips_dead_gradients():
    x = ember.randn(4, 3)
    w = ember.randn(5, 3, requires_grad=True)
    y = x @ w.mT
    y.sum().backward()
    assert x.grad is None and w.grad.shape == (5, 3)


def test_double_backward():
    for fn in (ember.linalg.inv, ember.linalg.det, lambda a: ember.linalg.slogdet(a).logabsdet,
               lambda a: ember.linalg.matrix_exp(a * 0.3), lambda a: a @ a,
               lambda a: ember.linalg.vector_norm(a, 3)):
        a = ember.from_numpy(well(3, "float64", np.random.default_rng(0))).requires_grad_()
        assert ember.autograd.gradgradcheck(fn, (a,), eps=1e-6, atol=1e-4, rtol=1e-3)


def test_named_tuples():
    a = ember.from_numpy(spd(3, "float64", np.random.default_rng(0)))
    r = ember.linalg.slogdet(a)
    assert r.sign.shape == () and type(r).__name__ == "slogdet"
    assert ember.linalg.eigh(a).eigenvalues.shape == (3,)
    assert ember.linalg.svd(a).Vh.shape == (3, 3)
    q = ember.linalg.qr(a, mode="r")
    assert q.Q.numel() == 0 and q.R.shape == (3, 3)


def test_addmm_beta_zero_ignores_nan():
    inp = ember.full((2, 4), float("nan"))
    out = ember.addmm(inp, ember.ones(2, 3), ember.ones(3, 4), beta=0)
    assert not ember.isnan(out).any()


def test_inplace_shape_error():
    with pytest.raises(RuntimeError):
        ember.ones(1, 4).addmm_(ember.ones(2, 3), ember.ones(3, 4))


def test_cross_default_dim_warns():
    a, b = ember.randn(3, 2), ember.randn(3, 2)
    with pytest.warns(UserWarning):
        r = ember.cross(a, b)
    t = torch.linalg.cross(torch.from_numpy(a.numpy()), torch.from_numpy(b.numpy()), dim=0)
    np.testing.assert_allclose(r.numpy(), t.numpy(), rtol=1e-5)


def test_det_gradient_of_singular_matrices():
    for m in (np.zeros((3, 3)), np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])):
        e, t = ember.tensor(m, requires_grad=True), torch.tensor(m, requires_grad=True)
        ember.linalg.det(e).backward()
        torch.linalg.det(t).backward()
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), atol=1e-10)


def test_out_for_named_tuples():
    a = ember.from_numpy(well(3, "float64", np.random.default_rng(0)))
    s, logabs = ember.empty(0, dtype=ember.float64), ember.empty(0, dtype=ember.float64)
    r = ember.linalg.slogdet(a, out=(s, logabs))
    t = torch.linalg.slogdet(torch.from_numpy(a.numpy()))
    assert r.sign is s and float(s) == float(t.sign) and abs(float(logabs) - float(t.logabsdet)) < 1e-12
