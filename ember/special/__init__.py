"""torch.special: the special functions (NumPy kernels in ember/ops/pointwise.py, no scipy).

Functions shared with the top-level namespace (erf, expm1, digamma, ...) are
the same objects; the ones only found here (i0e, i1, i1e, erfcx, ndtri,
log_ndtr, entr, zeta, the orthogonal polynomials) are primitives defined below.
Not implemented: airy_ai, the Bessel J/Y and modified K functions.
"""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..ops.core import _finish, float_dtype, result_dtype
from ..ops.pointwise import (_bessel_i64, _erfcx64, _log_ndtr64, _ndtri64, _special, _zeta64, digamma, erf, erfc,
                             erfinv, exp, exp2, expm1, i0, igamma, igammac, lgamma, log, log1p, logit, mvlgamma,
                             polygamma, round, sigmoid, sinc, where, xlog1py, xlogy)
from ..ops.registry import _pt_name, apply, defop

__all__ = [
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
    "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
    "legendre_polynomial_p", "gammainc", "gammaincc", "modified_bessel_i0", "modified_bessel_i1",
    "spherical_bessel_j0", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0",
    "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr",
    "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta",
]

expit = sigmoid
gammaln = lgamma
psi = digamma


def multigammaln(input, p, *, out=None):
    return mvlgamma(input, p, out=out)


def _kernel(fn):
    return lambda xp, x, dtype: _special(fn, x, dtype)


def _i1_grad(g, x):
    # I1'(x) = I0(x) - I1(x) / x, with I1'(0) = 1/2
    safe = where(x == 0, 1.0, x)
    return g * where(x == 0, 0.5, i0(x) - i1(safe) / safe)


def _i1e_grad(g, out, x):
    # d/dx [e^-|x| I1(x)] = I0e(x) - I1e(x) (sign(x) + 1/x), with 1/2 at 0
    safe = where(x == 0, 1.0, x)
    return g * where(x == 0, 0.5, i0e(x) - out * (x.sign() + 1 / safe))


# fmt: off
_i0e     = defop("special_i0e",     _kernel(lambda xp, a: _bessel_i64(xp, 0, a, True)),  lambda g, out, x, dtype: g * (i1e(x) - x.sign() * out), output=True)
_i1      = defop("special_i1",      _kernel(lambda xp, a: _bessel_i64(xp, 1, a, False)), lambda g, out, x, dtype: _i1_grad(g, x))
_i1e     = defop("special_i1e",     _kernel(lambda xp, a: _bessel_i64(xp, 1, a, True)),  lambda g, out, x, dtype: _i1e_grad(g, out, x), output=True)
_erfcx   = defop("special_erfcx",   _kernel(_erfcx64),  lambda g, out, x, dtype: g * (2 * x * out - 2 / math.sqrt(math.pi)), output=True)
_ndtri   = defop("special_ndtri",   _kernel(_ndtri64),  lambda g, out, x, dtype: g * math.sqrt(2 * math.pi) * exp(out * out / 2), inputs=False, output=True)
_log_ndtr = defop("special_log_ndtr", _kernel(_log_ndtr64), lambda g, out, x, dtype: g * exp(-x * x / 2 - out) / math.sqrt(2 * math.pi), output=True)
_zeta    = defop("special_zeta",    lambda xp, x, q, dtype: _zeta64(xp, x, q).astype(dtype),
                 lambda g, out, x, q, dtype: (None, -g * x * zeta(x + 1.0, q)))
# fmt: on


def _real_unary(op, name):
    def fn(input, *, out=None):
        if input.dtype.is_complex:
            raise NotImplementedError(f'"{name}" not implemented for \'{_pt_name(input.dtype)}\'')
        return _finish(apply(op, input, dtype=float_dtype(input).np), out)
    fn.__name__ = name
    return fn


i0e = _real_unary(_i0e, "i0e")
i1 = _real_unary(_i1, "i1")
i1e = _real_unary(_i1e, "i1e")
erfcx = _real_unary(_erfcx, "erfcx")
ndtri = _real_unary(_ndtri, "ndtri")
log_ndtr = _real_unary(_log_ndtr, "log_ndtr")


def ndtr(input, *, out=None):
    x = input if input.dtype._category >= 2 else input.to(float_dtype(input))
    return _finish(erfc(x * (-1 / math.sqrt(2))) * 0.5, out)


def _entr64(xp, x):
    with np.errstate(all="ignore"):
        res = xp.where(x > 0, -x * xp.log(x), xp.where(x == 0, 0.0, -np.inf))
    return xp.where(xp.isnan(x), x, res)


_entr = defop("special_entr", _kernel(_entr64), lambda g, out, x, dtype: -g * (log(x) + 1))


def entr(input, *, out=None):
    """-x log(x), 0 at 0, -inf for negative x."""
    return _finish(apply(_entr, input, dtype=float_dtype(input).np), out)


def zeta(input, other, *, out=None):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("zeta(): expected at least one Tensor argument")
    d = result_dtype(input, other)
    if d._category < 2:
        d = _dtype._default[0]
    return _finish(apply(_zeta, input, other, dtype=d.np), out)


gammainc = igamma
gammaincc = igammac


def modified_bessel_i0(input, *, out=None):
    """I0 without a gradient, as in PyTorch."""
    return _finish(i0(input.detach()), out)


def modified_bessel_i1(input, *, out=None):
    return _finish(i1(input.detach()), out)


def spherical_bessel_j0(input, *, out=None):
    """sin(x) / x with 1 at 0 (no gradient, as in PyTorch)."""
    return _finish(sinc(input.detach() / math.pi), out)


# ---------------------------------------------------------------------------
# orthogonal polynomials P_n(x) by their three-term recurrences (n truncated to an integer; no gradient)

def _recurrence(p1, step, shifted=False):
    """forward(xp, x, n, dtype): p_0 = 1, p_1 = p1(x), p_{k+1} = step(k, x, p_k, p_{k-1}); 0 for n < 0."""
    def forward(xp, x, n, dtype):
        x, n = xp.broadcast_arrays(xp.asarray(x, dtype=np.float64), xp.trunc(xp.asarray(n, dtype=np.float64)))
        if shifted:
            x = 2.0 * x - 1.0
        prev, cur = xp.ones_like(x), p1(x)
        out = xp.where(n == 0, prev, xp.where(n == 1, cur, 0.0))
        top = int(n.max()) if n.size else 0
        for k in range(1, top):
            prev, cur = cur, step(k, x, cur, prev)
            out = xp.where(n == k + 1, cur, out)
        return out.astype(dtype)
    return forward


def _cheb(k, x, p, q):
    return 2 * x * p - q


# fmt: off
_POLYS = {
    "chebyshev_polynomial_t":         _recurrence(lambda x: x,         _cheb),
    "chebyshev_polynomial_u":         _recurrence(lambda x: 2 * x,     _cheb),
    "chebyshev_polynomial_v":         _recurrence(lambda x: 2 * x - 1, _cheb),
    "chebyshev_polynomial_w":         _recurrence(lambda x: 2 * x + 1, _cheb),
    "shifted_chebyshev_polynomial_t": _recurrence(lambda x: x,         _cheb, shifted=True),
    "shifted_chebyshev_polynomial_u": _recurrence(lambda x: 2 * x,     _cheb, shifted=True),
    "shifted_chebyshev_polynomial_v": _recurrence(lambda x: 2 * x - 1, _cheb, shifted=True),
    "shifted_chebyshev_polynomial_w": _recurrence(lambda x: 2 * x + 1, _cheb, shifted=True),
    "hermite_polynomial_h":           _recurrence(lambda x: 2 * x,     lambda k, x, p, q: 2 * x * p - 2 * k * q),
    "hermite_polynomial_he":          _recurrence(lambda x: x,         lambda k, x, p, q: x * p - k * q),
    "laguerre_polynomial_l":          _recurrence(lambda x: 1 - x,     lambda k, x, p, q: ((2 * k + 1 - x) * p - k * q) / (k + 1)),
    "legendre_polynomial_p":          _recurrence(lambda x: x,         lambda k, x, p, q: ((2 * k + 1) * x * p - k * q) / (k + 1)),
}
_POLY_OPS = {name: defop("special_" + name, fwd) for name, fwd in _POLYS.items()}
# fmt: on


def _polynomial(name):
    op = _POLY_OPS[name]

    def fn(input, n, *, out=None):
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            raise TypeError(f"{name}(): expected at least one Tensor argument")
        d = result_dtype(input, n)
        if d._category < 2:
            d = _dtype._default[0]
        return _finish(apply(op, input, n, dtype=d.np), out)
    fn.__name__ = name
    return fn


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t")
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u")
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v")
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w")
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t")
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u")
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v")
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w")
hermite_polynomial_h = _polynomial("hermite_polynomial_h")
hermite_polynomial_he = _polynomial("hermite_polynomial_he")
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l")
legendre_polynomial_p = _polynomial("legendre_polynomial_p")


def logsumexp(input, dim, keepdim=False, *, out=None):
    from ..ops import reduce
    impl = getattr(reduce, "logsumexp", None)
    if impl is None:
        m = input.detach().amax(dim, keepdim=True)
        m = where(m.isfinite(), m, 0.0)
        res = log(exp(input - m).sum(dim, keepdim=True)) + m
        return _finish(res if keepdim else res.squeeze(dim), out)
    return impl(input, dim, keepdim, out=out) if out is not None else impl(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    impl = _functional("softmax")
    if impl is not None:
        return impl(input, dim, dtype=dtype)
    return exp(log_softmax(input, dim, dtype=dtype))


def log_softmax(input, dim, *, dtype=None):
    impl = _functional("log_softmax")
    if impl is not None:
        return impl(input, dim, dtype=dtype)
    if dtype is not None:
        input = input.to(dtype)
    return input - logsumexp(input, dim, keepdim=True)


def _functional(name):
    try:
        from ..nn import functional as F
    except ImportError:
        return None
    return getattr(F, name, None)


_ = (erf, erfinv, exp2, expm1, log1p, logit, polygamma, round, sinc, xlog1py, digamma)
