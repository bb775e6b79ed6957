"""Pointwise math: unary functions, binary arithmetic beyond core's add/sub/mul/div, comparisons,
logical and bitwise ops, clamp/where, and the NumPy kernels of the special functions.

Every op computes its result dtype with PyTorch's promotion (`result_dtype`,
`float_dtype`) before NumPy sees the data: integer inputs of float-valued ops
(exp, sqrt, atan2, ...) become the default float dtype, and Python numbers
never upcast a tensor.  Special functions (erf, lgamma, digamma, i0, ...) run
in float64 NumPy code below and are cast back; scipy is not a dependency.
"""
import cmath
import collections
import math
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, register_methods
from .core import _finish, _number, _rsub, as_tensor_arg, float_dtype, result_dtype
from .registry import _pt_name, apply, apply_inplace, check_inplace_dtype, defop, needs_input_grad

__all__ = [
    # unary
    "abs", "absolute", "sqrt", "rsqrt", "square", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "tanh",
    "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "sigmoid", "logit", "erf", "erfc", "erfinv",
    "lgamma", "digamma", "polygamma", "mvlgamma", "igamma", "igammac", "i0", "sinc", "reciprocal", "sign", "sgn",
    "signbit", "floor", "ceil", "round", "trunc", "fix", "frac", "deg2rad", "rad2deg", "angle", "conj", "conj_physical",
    "resolve_conj", "resolve_neg", "is_conj", "is_neg", "real", "imag", "positive", "relu", "nan_to_num",
    "isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal", "bitwise_not", "logical_not", "frexp",
    "heaviside",
    # torch.xxx_ in-place functions
    "abs_", "sqrt_", "rsqrt_", "square_", "exp_", "exp2_", "expm1_", "log_", "log2_", "log10_", "log1p_",
    "sin_", "cos_", "tan_", "asin_", "arcsin_", "acos_", "arccos_", "atan_", "arctan_", "sinh_", "cosh_",
    "tanh_", "asinh_", "arcsinh_", "acosh_", "arccosh_", "atanh_", "arctanh_", "sigmoid_", "logit_", "erf_",
    "erfc_", "i0_", "sinc_", "reciprocal_", "floor_", "ceil_", "round_", "trunc_", "fix_", "frac_",
    "deg2rad_", "rad2deg_", "relu_", "nan_to_num_", "conj_physical_", "clamp_", "clamp_min_", "clamp_max_",
    "clip_", "xlogy_", "ldexp_", "gcd_", "lcm_",
    # binary
    "pow", "float_power", "atan2", "arctan2", "remainder", "fmod", "floor_divide", "maximum", "minimum",
    "fmax", "fmin", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "nextafter", "ldexp", "gcd",
    "lcm", "lerp", "addcmul", "addcdiv", "clamp", "clip", "clamp_min", "clamp_max", "where", "rsub",
    "true_divide", "isclose", "allclose", "equal",
    # comparisons, logical, bitwise
    "eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_left_shift", "bitwise_right_shift",
]

# NOTE [ Floating-point warnings ]
# PyTorch never warns about log(0), 0/0 or exp overflow; NumPy does.  Wrapping every forward in
# np.errstate costs ~1.5 us per call, so instead NumPy's RuntimeWarnings raised from this module's
# own code are filtered (user code calling NumPy directly still gets them).
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\.ops\.pointwise")

_HALF = (np.dtype(np.float16), _dtype.bfloat16.np)
_LN2, _LN10 = math.log(2.0), math.log(10.0)
_2_SQRTPI = 2.0 / math.sqrt(math.pi)


# ---------------------------------------------------------------------------
# NumPy kernels of the special functions (float64 in, float64 out)

# Chebyshev coefficients of erfc(z) * exp(z*z) in t = 2 / (2 + z), z >= 0 (Numerical Recipes 3rd ed., 6.2.2)
_ERFC_COF = np.array([
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
    -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6,
    1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10,
    -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13,
    3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17])


def _erfcx_pos(xp, z):
    """exp(z*z) * erfc(z) for z >= 0, without overflow (Clenshaw sum of the Chebyshev series)."""
    t = 2.0 / (2.0 + z)
    ty = 4.0 * t - 2.0
    d, dd, new = xp.zeros_like(z), xp.zeros_like(z), xp.empty_like(z)
    for c in _ERFC_COF[:0:-1]:
        # d, dd = ty * d - dd + c, d in three rotating buffers (no allocation per step)
        xp.multiply(ty, d, out=new)
        new -= dd
        new += c
        d, dd, new = new, d, dd
    return t * xp.exp(0.5 * (_ERFC_COF[0] + ty * d) - dd)


def _erf_small(xp, x):
    """Maclaurin series of erf for |x| < 0.5 (keeps full relative precision near 0)."""
    x2 = -(x * x)
    term = x.copy()
    s = x.copy()
    for n in range(1, 14):
        term *= x2
        term /= n
        s += term / (2 * n + 1)
    return _2_SQRTPI * s


def _erf64(xp, x):
    ax = xp.abs(x)
    small = ax < 0.5
    out = xp.empty_like(x)
    with np.errstate(all="ignore"):
        xs, xb = x[small], ax[~small]
        out[small] = xp.copysign(_erf_small(xp, xs), xs)  # keeps erf(-0.0) == -0.0
        out[~small] = xp.copysign(1.0 - _erfcx_pos(xp, xb) * xp.exp(-xb * xb), x[~small])
    return out


# Eigen's rational approximation of erf for float32 (max error ~4e-7): the fast path of GELU
_ERF32_P = np.array([-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
                     -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02], np.float32)
_ERF32_Q = np.array([-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
                     -1.42647390514189e-02], np.float32)


def _erf32(xp, x):
    if x.size > _ERF_BLOCK and xp is np:
        # twelve passes over the data: run them per cache-sized block
        flat = np.ascontiguousarray(x).reshape(-1)
        out = np.empty_like(flat)
        for i in range(0, flat.size, _ERF_BLOCK):
            out[i:i + _ERF_BLOCK] = _erf32_block(xp, flat[i:i + _ERF_BLOCK])
        return out.reshape(x.shape)
    return _erf32_block(xp, x)


_ERF_BLOCK = 1 << 16


def _erf32_block(xp, x):
    x = xp.clip(x, -4.0, 4.0)
    x2 = x * x
    p = xp.full_like(x, _ERF32_P[0])
    for c in _ERF32_P[1:]:
        p *= x2
        p += c
    p *= x
    q = xp.full_like(x, _ERF32_Q[0])
    for c in _ERF32_Q[1:]:
        q *= x2
        q += c
    p /= q
    return p


def _erfc64(xp, x):
    with np.errstate(all="ignore"):
        ax = xp.abs(x)
        pos = _erfcx_pos(xp, ax) * xp.exp(-ax * ax)
    return xp.where(x >= 0, pos, 2.0 - pos)


def _erfcx64(xp, x):
    with np.errstate(all="ignore"):
        pos = _erfcx_pos(xp, xp.abs(x))
        neg = 2.0 * xp.exp(x * x) - pos
    return xp.where(x >= 0, pos, neg)


def _erfinv64(xp, y):
    """Giles' single-precision approximation refined by two Newton steps on erf."""
    with np.errstate(all="ignore"):
        w = -xp.log((1.0 - y) * (1.0 + y))
        a = w - 2.5
        p = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941):
            p = c + p * a
        b = xp.sqrt(w) - 3.0
        q = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                  0.00943887047, 1.00167406, 2.83297682):
            q = c + q * b
        x = xp.where(w < 5.0, p, q) * y
        for _ in range(2):
            step = (_erf64(xp, x) - y) / (_2_SQRTPI * xp.exp(-x * x))
            x = xp.where(xp.isfinite(step), x - step, x)
        x = xp.where(y == 1.0, np.inf, xp.where(y == -1.0, -np.inf, x))
        return xp.where(xp.abs(y) > 1.0, np.nan, x)


_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)


def _lgamma_pos(xp, x):
    """log|Gamma(x)| for x >= 0.5 (Lanczos, g=7, n=9)."""
    z = x - 1.0
    s = xp.full_like(z, _LANCZOS[0])
    for i in range(1, 9):
        s = s + _LANCZOS[i] / (z + i)
    t = z + _LANCZOS_G + 0.5
    return 0.5 * math.log(2 * math.pi) + (z + 0.5) * xp.log(t) - t + xp.log(s)


def _lgamma64(xp, x):
    with np.errstate(all="ignore"):
        refl = x < 0.5
        pos = _lgamma_pos(xp, xp.where(refl, 1.0 - x, x))
        # reflection: log|Gamma(x)| = log(pi / |sin(pi x)|) - log|Gamma(1 - x)|
        s = xp.abs(xp.sin(math.pi * (x - xp.floor(x))))
        out = xp.where(refl, math.log(math.pi) - xp.log(s) - pos, pos)
        out = xp.where((x == 1.0) | (x == 2.0), 0.0, out)
        return xp.where(xp.isinf(x), np.inf, out)


def _digamma64(xp, x):
    with np.errstate(all="ignore"):
        refl = x < 0.5
        # psi(x) = psi(1 - x) - pi / tan(pi x) for x < 0.5
        corr = xp.where(refl, -math.pi / xp.tan(math.pi * x), 0.0)
        z = xp.where(refl, 1.0 - x, x)
        acc = xp.zeros_like(z)
        for _ in range(10):  # shift up to where the asymptotic series is accurate
            small = z < 10.0
            acc = acc - xp.where(small, 1.0 / z, 0.0)
            z = xp.where(small, z + 1.0, z)
        r = 1.0 / (z * z)
        series = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132 - r * 691 / 32760)))))
        out = xp.log(z) - 0.5 / z - series + acc + corr
        out = xp.where(x == 0, xp.copysign(np.inf, -x), out)  # PyTorch: digamma(+-0) = -+inf
        out = xp.where((x < 0) & (x == xp.floor(x)), np.nan, out)
        return xp.where(x == np.inf, np.inf, out)


_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
           1.8152105401943546773e17, -7.1661652561756670113e18)


def _zeta64(xp, x, q):
    """Hurwitz zeta(x, q) = sum_k (k + q)^-x by Euler-Maclaurin summation (as Cephes)."""
    x, q = xp.broadcast_arrays(xp.asarray(x, dtype=np.float64), xp.asarray(q, dtype=np.float64))
    with np.errstate(all="ignore"):
        qmin = float(q.min()) if q.size else 0.0
        n = min(max(10, math.ceil(9.0 - qmin) + 1), 10000) if math.isfinite(qmin) else 10
        s = xp.zeros_like(q)
        a = q.copy()
        for _ in range(n):
            s = s + a ** -x
            a = a + 1.0
        b = a ** -x
        s = s + b + b * a / (x - 1.0) - 0.5 * b
        fac = xp.ones_like(x)
        k = 0.0
        for coef in _ZETA_A:
            fac = fac * (x + k)
            b = b / a
            s = s + fac * b / coef
            k += 1.0
            fac = fac * (x + k)
            b = b / a
            k += 1.0
        s = xp.where(x == 1.0, np.inf, s)
        s = xp.where(x < 1.0, np.nan, s)
        bad_q = (q <= 0) & (q == xp.floor(q))
        s = xp.where(bad_q, np.inf, s)
        return xp.where((q < 0) & (x != xp.floor(x)) & ~bad_q, np.nan, s)


def _polygamma64(xp, n, x):
    if n == 0:
        return _digamma64(xp, x)
    return (-1.0) ** (n + 1) * math.gamma(n + 1) * _zeta64(xp, n + 1.0, x)


def _igamma64(xp, a, x, upper):
    """Regularized incomplete gamma P(a, x) (or Q = 1 - P when `upper`): series below a + 1, else a continued
    fraction for Q (modified Lentz), as in Numerical Recipes' gser/gcf."""
    a, x = xp.broadcast_arrays(xp.asarray(a, dtype=np.float64), xp.asarray(x, dtype=np.float64))
    with np.errstate(all="ignore"):
        use_series = x < a + 1.0
        prefactor = xp.exp(-x + a * xp.log(x) - _lgamma64(xp, a))
        sa = xp.where(use_series, a, 1.0)
        term = 1.0 / sa
        total = term.copy()
        xs = xp.where(use_series, x, 0.0)
        for k in range(1, 500):
            term = term * xs / (sa + k)
            total = total + term
        p_series = total * prefactor
        tiny = 1e-300
        xc = xp.where(use_series, a + 2.0, x)
        b = xc + 1.0 - a
        c = xp.full_like(b, 1.0 / tiny)
        d = 1.0 / b
        h = d.copy()
        for i in range(1, 300):
            an = -i * (i - a)
            b = b + 2.0
            d = an * d + b
            d = xp.where(xp.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = xp.where(xp.abs(c) < tiny, tiny, c)
            d = 1.0 / d
            h = h * d * c
        q_cf = prefactor * h
        p = xp.where(use_series, p_series, 1.0 - q_cf)
        q = xp.where(use_series, 1.0 - p_series, q_cf)
        out = q if upper else p
        out = xp.where(x == 0, 1.0 if upper else 0.0, out)
        out = xp.where(x == np.inf, 0.0 if upper else 1.0, out)
        return xp.where((a < 0) | (x < 0) | xp.isnan(a) | xp.isnan(x), np.nan, out)


def _bessel_i64(xp, nu, x, scaled):
    """I_nu(x) for nu in (0, 1) (times exp(-|x|) when `scaled`): power series below 30, asymptotic above."""
    with np.errstate(all="ignore"):
        ax = xp.abs(x)
        small = ax <= 30.0
        xs = xp.where(small, ax, 0.0)
        q = xs * xs / 4.0
        term = (xs / 2.0) ** nu / math.gamma(nu + 1)
        ser = term.copy()
        for k in range(1, 80):
            term = term * q / (k * (k + nu))
            ser = ser + term
        if scaled:
            ser = ser * xp.exp(-xs)
        xl = xp.where(small, 30.0, ax)
        mu = 4.0 * nu * nu
        term = xp.ones_like(xl)
        asy = term.copy()
        for k in range(1, 30):
            term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * xl)
            asy = asy + term
        asy = asy / xp.sqrt(2 * math.pi * xl)
        if not scaled:
            asy = asy * xp.exp(xl)
        out = xp.where(small, ser, asy)
        return xp.copysign(out, x) if nu == 1 else out


def _ndtri64(xp, p):
    return math.sqrt(2.0) * _erfinv64(xp, 2.0 * p - 1.0)


def _log_ndtr64(xp, x):
    with np.errstate(all="ignore"):
        z = -x / math.sqrt(2.0)
        # log(erfc(z) / 2) = log(erfcx(z) / 2) - z^2 for z > 0 avoids underflow in the left tail
        tail = xp.log(_erfcx_pos(xp, xp.abs(z)) / 2.0) - z * z
        return xp.where(x < -1.0, tail, xp.log1p(-_erfc64(xp, -z) / 2.0))


# ---------------------------------------------------------------------------
# helpers

def _c(t):
    """conj for complex tensors (holomorphic VJPs multiply by the conjugate derivative), identity otherwise."""
    return conj_physical(t) if isinstance(t, Tensor) and t._data.dtype.kind == "c" else t


def _cast(xp, a, d):
    """Array or Python number `a` as NumPy dtype `d` (numbers wrap into integer types like PyTorch's)."""
    dt = getattr(a, "dtype", None)
    if dt is not None:
        return a if dt == d else a.astype(d)
    if d.kind in "fc":
        return a  # NEP 50: a Python number takes the array's dtype (not so for ml_dtypes' bfloat16)
    return xp.asarray(a).astype(d)


def _in(xp, x, d):
    """Forward input `x` as the op's compute dtype `d` (integers -> default float)."""
    return x if x.dtype == d else x.astype(d)


def _uf(name):
    """forward(xp, x, dtype) = xp.<name>(x) in the result dtype (bfloat16 ufuncs may answer in float32)."""
    def forward(xp, x, dtype):
        out = getattr(xp, name)(x if x.dtype == dtype else x.astype(dtype))
        return out if out.dtype == dtype else out.astype(dtype)
    return forward


def _not_impl(kernel, t):
    """Raise PyTorch's missing-kernel error for tensor (or dtype) `t`."""
    d = t if isinstance(t, _dtype.dtype) else t.dtype
    raise NotImplementedError(f'"{kernel}" not implemented for \'{_pt_name(d)}\'')


def _no_bool(kernel):
    def check(t):
        if t.dtype is _dtype.bool:
            _not_impl(kernel, t)
    return check


def _real_only(kernel):
    def check(t):
        if t.dtype.is_complex:
            _not_impl(kernel, t)
    return check


def _same_dtype(t):
    return t.dtype


def _unary(op, dtype_of=float_dtype, check=None):
    """Public `fn(input, *, out=None)` and in-place `fn_(self)` for one-input primitive `op`."""
    def fn(input, *, out=None):
        if check is not None:
            check(input)
        return _finish(apply(op, input, dtype=dtype_of(input).np), out)

    def fn_(self):
        if check is not None:
            check(self)
        return apply_inplace(op, self, dtype=dtype_of(self).np)
    fn.__name__, fn_.__name__ = op.name, op.name + "_"
    return fn, fn_


def _special(kernel, x, d):
    """Run a float64 kernel on `x` and return dtype `d` (float32 inputs gain accuracy for free)."""
    xp = np if isinstance(x, np.ndarray) else _xp_of(x)
    return kernel(xp, x.astype(np.float64)).astype(d, copy=False)


def _xp_of(x):
    import importlib
    return importlib.import_module(type(x).__module__.split(".")[0])


# ---------------------------------------------------------------------------
# unary primitives: forward(xp, x, dtype) gets the result dtype; backward in Tensor ops
# fmt: off
_abs        = defop("abs",        lambda xp, x, dtype: xp.abs(x),                                  lambda g, out, x, dtype: g * sgn(x))
_sqrt       = defop("sqrt",       _uf("sqrt"),                                                     lambda g, out, x, dtype: g / (2 * _c(out)), inputs=False, output=True)
_rsqrt      = defop("rsqrt",      lambda xp, x, dtype: _rsqrt_fwd(xp, _in(xp, x, dtype)),          lambda g, out, x, dtype: -0.5 * g * _c(out) ** 3, inputs=False, output=True)
_exp        = defop("exp",        _uf("exp"),                                                      lambda g, out, x, dtype: g * _c(out), inputs=False, output=True)
_exp2       = defop("exp2",       _uf("exp2"),                                                     lambda g, out, x, dtype: g * _c(out) * _LN2, inputs=False, output=True)
_expm1      = defop("expm1",      _uf("expm1"),                                                    lambda g, out, x, dtype: g * (_c(out) + 1), inputs=False, output=True)
_log        = defop("log",        _uf("log"),                                                      lambda g, out, x, dtype: g / _c(x))
_log2       = defop("log2",       _uf("log2"),                                                     lambda g, out, x, dtype: g / (_c(x) * _LN2))
_log10      = defop("log10",      _uf("log10"),                                                    lambda g, out, x, dtype: g / (_c(x) * _LN10))
_log1p      = defop("log1p",      _uf("log1p"),                                                    lambda g, out, x, dtype: g / (_c(x) + 1))
_sin        = defop("sin",        _uf("sin"),                                                      lambda g, out, x, dtype: g * _c(cos(x)))
_cos        = defop("cos",        _uf("cos"),                                                      lambda g, out, x, dtype: -g * _c(sin(x)))
_tan        = defop("tan",        _uf("tan"),                                                      lambda g, out, x, dtype: g * (1 + _c(out) ** 2), inputs=False, output=True)
_asin       = defop("asin",       _uf("arcsin"),                                                   lambda g, out, x, dtype: g * _c(rsqrt(1 - x * x)))
_acos       = defop("acos",       _uf("arccos"),                                                   lambda g, out, x, dtype: -g * _c(rsqrt(1 - x * x)))
_atan       = defop("atan",       _uf("arctan"),                                                   lambda g, out, x, dtype: g / _c(1 + x * x))
_sinh       = defop("sinh",       _uf("sinh"),                                                     lambda g, out, x, dtype: g * _c(cosh(x)))
_cosh       = defop("cosh",       _uf("cosh"),                                                     lambda g, out, x, dtype: g * _c(sinh(x)))
_tanh       = defop("tanh",       _uf("tanh"),                                                     lambda g, out, x, dtype: _tanh_grad(g, out), inputs=False, output=True)
_asinh      = defop("asinh",      _uf("arcsinh"),                                                  lambda g, out, x, dtype: g * _c(rsqrt(x * x + 1)))
_acosh      = defop("acosh",      _uf("arccosh"),                                                  lambda g, out, x, dtype: g * _c(rsqrt((x - 1) * (x + 1))))
_atanh      = defop("atanh",      _uf("arctanh"),                                                  lambda g, out, x, dtype: g / _c(1 - x * x))
_sigmoid    = defop("sigmoid",    lambda xp, x, dtype: _sigmoid_fwd(xp, _in(xp, x, dtype)),        lambda g, out, x, dtype: _sigmoid_grad(g, out), inputs=False, output=True)
_erf        = defop("erf",        lambda xp, x, dtype: _erf_fwd(xp, x, dtype),                     lambda g, out, x, dtype: g * _2_SQRTPI * exp(-x * x))
_erfc       = defop("erfc",       lambda xp, x, dtype: _special(_erfc64, x, dtype),                lambda g, out, x, dtype: -g * _2_SQRTPI * exp(-x * x))
_erfinv     = defop("erfinv",     lambda xp, x, dtype: _special(_erfinv64, x, dtype),              lambda g, out, x, dtype: g * (math.sqrt(math.pi) / 2) * exp(out * out), inputs=False, output=True)
_lgamma     = defop("lgamma",     lambda xp, x, dtype: _special(_lgamma64, x, dtype),              lambda g, out, x, dtype: g * digamma(x))
_digamma    = defop("digamma",    lambda xp, x, dtype: _special(_digamma64, x, dtype),             lambda g, out, x, dtype: g * polygamma(1, x))
_i0         = defop("i0",         lambda xp, x, dtype: _special(lambda xp, a: _bessel_i64(xp, 0, a, False), x, dtype), lambda g, out, x, dtype: g * _i1_fn(x))
_sinc       = defop("sinc",       _uf("sinc"),                                                     lambda g, out, x, dtype: g * _c(_sinc_grad(x)))
_reciprocal = defop("reciprocal", _uf("reciprocal"),                                                lambda g, out, x, dtype: -g * _c(out * out), inputs=False, output=True)
_relu       = defop("relu",       lambda xp, x, dtype: xp.maximum(x, 0),                           lambda g, out, x, dtype: apply(_threshold_bw, g, out), inputs=False, output=True)
_frac       = defop("frac",       lambda xp, x, dtype: x - xp.trunc(x),                            lambda g, out, x, dtype: g, inputs=False)
_conj       = defop("conj_physical", lambda xp, x, dtype: xp.conj(x),                              lambda g, out, x, dtype: conj_physical(g), inputs=False)
# piecewise-constant: zero gradient, as in PyTorch
_sign       = defop("sign",       lambda xp, x, dtype: xp.sign(x) if x.dtype.kind != "b" else x.copy(),                                lambda g, out, x, dtype: g * 0, inputs=False)
_sgn        = defop("sgn",        lambda xp, x, dtype: _sgn_fwd(xp, x),                            lambda g, out, x, dtype: _sgn_grad(g, x, out), output=True)
_floor      = defop("floor",      lambda xp, x, dtype: xp.floor(x) if x.dtype.kind == "f" or x.dtype in _HALF else x.copy(), lambda g, out, x, dtype: g * 0, inputs=False)
_ceil       = defop("ceil",       lambda xp, x, dtype: xp.ceil(x) if x.dtype.kind == "f" or x.dtype in _HALF else x.copy(),  lambda g, out, x, dtype: g * 0, inputs=False)
_trunc      = defop("trunc",      lambda xp, x, dtype: xp.trunc(x) if x.dtype.kind == "f" or x.dtype in _HALF else x.copy(), lambda g, out, x, dtype: g * 0, inputs=False)
_round      = defop("round",      lambda xp, x, dtype, decimals=0: _round_fwd(xp, x, decimals),   lambda g, out, x, dtype, decimals=0: g * 0, inputs=False)
# non-differentiable results (bool or integer)
_isnan      = defop("isnan",      lambda xp, x, dtype: xp.isnan(x))
_isinf      = defop("isinf",      lambda xp, x, dtype: xp.isinf(x))
_isposinf   = defop("isposinf",   lambda xp, x, dtype: x == np.inf if x.dtype.kind not in "biu" else xp.zeros(x.shape, bool))
_isneginf   = defop("isneginf",   lambda xp, x, dtype: x == -np.inf if x.dtype.kind not in "biu" else xp.zeros(x.shape, bool))
_isfinite   = defop("isfinite",   lambda xp, x, dtype: xp.isfinite(x))
_signbit    = defop("signbit",    lambda xp, x, dtype: xp.signbit(_in(xp, x, np.dtype(np.float32)) if x.dtype in _HALF else x) if x.dtype.kind != "b" else xp.zeros(x.shape, bool))
_bitnot     = defop("bitwise_not", lambda xp, x, dtype: xp.logical_not(x) if x.dtype.kind == "b" else xp.invert(x))
_lognot     = defop("logical_not", lambda xp, x, dtype: xp.logical_not(x).astype(dtype, copy=False))
# fmt: on


# The backward of the hot activations as primitives of their own (as PyTorch's tanh_backward & co.): one
# fused NumPy pass instead of three ops, and still differentiable for double backward.

def _tanh_bw_fwd(xp, g, out):
    if out.ndim == 0:
        return g * (1 - out * out)
    r = xp.multiply(out, out)
    xp.subtract(1, r, out=r)
    r *= g
    return r


def _sigmoid_bw_fwd(xp, g, out):
    if out.ndim == 0:
        return g * out * (1 - out)
    r = xp.subtract(1, out)
    r *= out
    r *= g
    return r


# fmt: off
_tanh_bw      = defop("tanh_backward",      _tanh_bw_fwd,
                      lambda gg, _, g, out: (gg * (1 - out * out), -2 * gg * g * out))
_sigmoid_bw   = defop("sigmoid_backward",   _sigmoid_bw_fwd,
                      lambda gg, _, g, out: (gg * out * (1 - out), gg * g * (1 - 2 * out)))
_threshold_bw = defop("threshold_backward", lambda xp, g, out: xp.multiply(g, out > 0, dtype=g.dtype),
                      lambda gg, _, g, out: (apply(_threshold_bw, gg, out), out * 0), node="ThresholdBackwardBackward0")
# fmt: on


def _tanh_grad(g, out):
    if out.dtype.is_complex:
        return g * (1 - _c(out) ** 2)
    return apply(_tanh_bw, g, out)


def _sigmoid_grad(g, out):
    if out.dtype.is_complex:
        return g * _c(out * (1 - out))
    return apply(_sigmoid_bw, g, out)


def _rsqrt_fwd(xp, x):
    out = xp.sqrt(x, out=xp.empty_like(x))  # explicit buffer: ufuncs on 0-d arrays return scalars
    return xp.reciprocal(out, out=out)


def _sigmoid_fwd(xp, x):
    # one buffer: 1 / (1 + exp(-x)); exp overflow for x < -88 (float32) correctly gives 0
    out = xp.negative(x, out=xp.empty_like(x))
    xp.exp(out, out=out)
    out += 1
    return xp.reciprocal(out, out=out)


def _erf_fwd(xp, x, dtype):
    if dtype.kind == "c":
        raise NotImplementedError("\"erf_vml_cpu\" not implemented for 'ComplexFloat'")
    if x.dtype == np.float32 or x.dtype in _HALF:
        return _erf32(xp, x.astype(np.float32)).astype(dtype, copy=False)
    return _special(_erf64, x, dtype)


def _sgn_fwd(xp, x):
    if x.dtype.kind != "c":
        return xp.sign(x) if x.dtype.kind != "b" else x.copy()
    a = xp.abs(x)
    return xp.where(a == 0, 0, x / a).astype(x.dtype)


def _sgn_grad(g, x, out):
    if not x.dtype.is_complex:
        return g * 0
    # d sgn(z) for z = r e^{i phi}: (g - Re(g conj(sgn)) sgn) / |z|, zero at z = 0
    a = abs(x)
    res = (g - real(g * conj_physical(out)) * out) / a
    return where(a == 0, 0, res)


def _sinc_grad(x):
    # d/dx sin(pi x) / (pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0
    safe = where(x == 0, 1.0, x)
    return where(x == 0, 0.0, (cos(safe * math.pi) - sinc(safe)) / safe)


def _i1_fn(x):
    from .. import special
    return special.i1(x)


def _round_fwd(xp, x, decimals):
    if x.dtype.kind in "iub":
        return x.copy()
    if decimals == 0:
        return xp.round(x)
    # PyTorch: nearbyint(x * 10^d) / 10^d in the tensor's dtype (x / 10^-d for negative d)
    if decimals > 0:
        ten = x.dtype.type(10.0 ** decimals)
        return xp.round(x * ten) / ten
    ten = x.dtype.type(10.0 ** -decimals)
    return xp.round(x / ten) * ten


def _no_complex_sign(t):
    if t.dtype.is_complex:
        raise RuntimeError("Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                           "torch.sgn instead.")


abs, _abs_inplace = _unary(_abs, _same_dtype, _no_bool("abs_cpu"))


def abs_(self):
    if self.dtype.is_complex:
        raise RuntimeError("In-place abs is not supported for complex tensors.")
    return _abs_inplace(self)


absolute, absolute_ = abs, abs_
sqrt, sqrt_ = _unary(_sqrt)
rsqrt, rsqrt_ = _unary(_rsqrt)
exp, exp_ = _unary(_exp)
exp2, exp2_ = _unary(_exp2)
expm1, expm1_ = _unary(_expm1)
log, log_ = _unary(_log)
log2, log2_ = _unary(_log2)
log10, log10_ = _unary(_log10)
log1p, log1p_ = _unary(_log1p)
sin, sin_ = _unary(_sin)
cos, cos_ = _unary(_cos)
tan, tan_ = _unary(_tan)
asin, asin_ = _unary(_asin)
acos, acos_ = _unary(_acos)
atan, atan_ = _unary(_atan)
sinh, sinh_ = _unary(_sinh)
cosh, cosh_ = _unary(_cosh)
tanh, tanh_ = _unary(_tanh)
asinh, asinh_ = _unary(_asinh)
acosh, acosh_ = _unary(_acosh)
atanh, atanh_ = _unary(_atanh)
arcsin, arcsin_, arccos, arccos_, arctan, arctan_ = asin, asin_, acos, acos_, atan, atan_
arcsinh, arcsinh_, arccosh, arccosh_, arctanh, arctanh_ = asinh, asinh_, acosh, acosh_, atanh, atanh_
sigmoid, sigmoid_ = _unary(_sigmoid)
erf, erf_ = _unary(_erf)
erfc, erfc_ = _unary(_erfc, check=_real_only("erfc_vml_cpu"))
erfinv, erfinv_ = _unary(_erfinv, check=_real_only("erfinv_vml_cpu"))
lgamma, lgamma_ = _unary(_lgamma, check=_real_only("lgamma_vml_cpu"))
digamma, digamma_ = _unary(_digamma, check=_real_only("digamma"))
i0, i0_ = _unary(_i0, check=_real_only("i0"))
sinc, sinc_ = _unary(_sinc)
reciprocal, reciprocal_ = _unary(_reciprocal)
frac, frac_ = _unary(_frac, _same_dtype, lambda t: t.dtype._category < 2 and _not_impl("frac_cpu", t))
conj_physical, conj_physical_ = _unary(_conj, _same_dtype)
sign, sign_ = _unary(_sign, _same_dtype, _no_complex_sign)
sgn, sgn_ = _unary(_sgn, _same_dtype)
floor, floor_ = _unary(_floor, _same_dtype, _no_bool("floor_vml_cpu"))
ceil, ceil_ = _unary(_ceil, _same_dtype, _no_bool("ceil_vml_cpu"))
trunc, trunc_ = _unary(_trunc, _same_dtype, _no_bool("trunc_vml_cpu"))
fix, fix_ = trunc, trunc_
isnan, _ = _unary(_isnan, _same_dtype)
isinf, _ = _unary(_isinf, _same_dtype)
isfinite, _ = _unary(_isfinite, _same_dtype)
isposinf, _ = _unary(_isposinf, _same_dtype, _real_only("isposinf"))
isneginf, _ = _unary(_isneginf, _same_dtype, _real_only("isneginf"))
signbit, _ = _unary(_signbit, _same_dtype, _real_only("signbit"))
bitwise_not, bitwise_not_ = _unary(_bitnot, _same_dtype,
                                   lambda t: t.dtype._category >= 2 and _not_impl("bitwise_not_cpu", t))
logical_not, _ = _unary(_lognot, lambda t: _dtype.bool)


def logical_not_(self):
    return apply_inplace(_lognot, self, dtype=self._data.dtype)


def relu(input):
    if input.dtype is _dtype.bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    return apply(_relu, input, dtype=None)


def relu_(input):
    if input.dtype is _dtype.bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    return apply_inplace(_relu, input, dtype=None)


def round(input, *, decimals=0, out=None):
    if input.dtype is _dtype.bool or (decimals != 0 and input.dtype._category < 2):
        _not_impl("round_cpu" if decimals else "round_vml_cpu", input)
    return _finish(apply(_round, input, dtype=None, decimals=int(decimals)), out)


def round_(self, *, decimals=0):
    if self.dtype is _dtype.bool or (decimals != 0 and self.dtype._category < 2):
        _not_impl("round_cpu" if decimals else "round_vml_cpu", self)
    return apply_inplace(_round, self, dtype=None, decimals=int(decimals))


def square(input, *, out=None):
    if input.dtype is _dtype.bool:
        input = input.to(_dtype.int64)
    return _finish(pow(input, 2), out)


def square_(self):
    return pow_(self, 2)


def positive(input):
    if input.dtype is _dtype.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def deg2rad(input, *, out=None):
    return _finish(_as_float(input) * (math.pi / 180.0), out)


def rad2deg(input, *, out=None):
    return _finish(_as_float(input) * (180.0 / math.pi), out)


def deg2rad_(self):
    return self.mul_(math.pi / 180.0)


def rad2deg_(self):
    return self.mul_(180.0 / math.pi)


def _as_float(t):
    return t if t.dtype._category >= 2 else t.to(float_dtype(t))


def angle(input, *, out=None):
    if input.dtype.is_complex:
        return _finish(atan2(imag(input), real(input)), out)
    x = _as_float(input)
    # pi for negative numbers, 0 otherwise, nan propagated; zero gradient like PyTorch
    res = where(x < 0, math.pi, 0.0).to(x.dtype)
    return _finish(where(isnan(x), x, res), out)


def logit(input, eps=None, *, out=None):
    x = _as_float(input)
    if eps is not None:
        x = clamp(x, eps, 1 - eps)
    return _finish(log(x / (1 - x)), out)


def logit_(self, eps=None):
    return _write_result(self, logit(self, eps))


def polygamma(n, input, *, out=None):
    if not isinstance(n, int) or n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return _finish(apply(_polygamma, input, n=n, dtype=float_dtype(input).np), out)


def _polygamma_method(self, n):
    return polygamma(n, self)


def _polygamma_inplace(self, n):
    return apply_inplace(_polygamma, self, n=n, dtype=float_dtype(self).np)


# fmt: off
_polygamma = defop("polygamma", lambda xp, x, n, dtype: _special(lambda xp, a: _polygamma64(xp, n, a), x, dtype),
                   lambda g, out, x, n, dtype: g * polygamma(n + 1, x))
# fmt: on


def _igamma_grad(g, a, x, upper):
    # d/dx P(a, x) = x^(a-1) e^-x / Gamma(a); PyTorch has no derivative in a
    d = exp((a - 1) * log(x) - x - lgamma(a))
    return None, (-g * d if upper else g * d)


# fmt: off
_igamma  = defop("igamma",  lambda xp, a, x, dtype: _igamma64(xp, a, x, False).astype(dtype), lambda g, out, a, x, dtype: _igamma_grad(g, a, x, False))
_igammac = defop("igammac", lambda xp, a, x, dtype: _igamma64(xp, a, x, True).astype(dtype),  lambda g, out, a, x, dtype: _igamma_grad(g, a, x, True))
# fmt: on


def _igamma_dtype(input, other, kernel):
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        bad = input if not isinstance(input, Tensor) else other
        arg, pos = ("input", 1) if bad is input else ("other", 2)
        raise TypeError(f"{kernel[:-4]}(): argument '{arg}' (position {pos}) must be Tensor, not {type(bad).__name__}")
    d = result_dtype(input, other)
    if d._category != 2:
        _not_impl(kernel, d)
    return d


def igamma(input, other, *, out=None):
    """Regularized lower incomplete gamma function P(input, other)."""
    return _finish(apply(_igamma, input, other, dtype=_igamma_dtype(input, other, "igamma_cpu").np), out)


def igammac(input, other, *, out=None):
    """Regularized upper incomplete gamma function Q(input, other)."""
    return _finish(apply(_igammac, input, other, dtype=_igamma_dtype(input, other, "igammac_cpu").np), out)


def igamma_(self, other):
    return apply_inplace(_igamma, self, other, dtype=_igamma_dtype(self, other, "igamma_cpu").np)


def igammac_(self, other):
    return apply_inplace(_igammac, self, other, dtype=_igamma_dtype(self, other, "igammac_cpu").np)


def mvlgamma(input, p, *, out=None):
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _as_float(input)
    res = lgamma(x)
    for j in range(1, p):
        res = res + lgamma(x - j / 2)
    return _finish(res + p * (p - 1) / 4 * math.log(math.pi), out)


# nan_to_num: the gradient passes where the input was finite
# fmt: off
_nan_to_num = defop("nan_to_num", lambda xp, x, nan, posinf, neginf: _nan_to_num_fwd(xp, x, nan, posinf, neginf),
                    lambda g, out, x, nan, posinf, neginf: g * isfinite(x))
# fmt: on


def _nan_to_num_fwd(xp, x, nan, posinf, neginf):
    if x.dtype.kind in "biu":
        return x.copy()
    if x.dtype.kind == "V":  # bfloat16: NumPy's nan_to_num leaves non-native floats alone
        return xp.where(xp.isnan(x), nan, xp.where(x == np.inf, posinf, xp.where(x == -np.inf, neginf, x))).astype(x.dtype)
    return xp.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


def _nan_to_num_args(t, nan, posinf, neginf):
    if t.dtype._category < 2:
        return dict(nan=nan, posinf=posinf, neginf=neginf)
    fi = _dtype.finfo(t.dtype)  # NumPy's own defaults do not know bfloat16
    return dict(nan=0.0 if nan is None else nan, posinf=fi.max if posinf is None else posinf,
                neginf=fi.min if neginf is None else neginf)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    return _finish(apply(_nan_to_num, input, **_nan_to_num_args(input, nan, posinf, neginf)), out)


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return apply_inplace(_nan_to_num, self, **_nan_to_num_args(self, nan, posinf, neginf))


# conj / real / imag: PyTorch's conj is a lazy bit; ember materialises it (is_conj() is always False)

def conj(input):
    return conj_physical(input) if input.dtype.is_complex else input


def resolve_conj(input):
    return input


def resolve_neg(input):
    return input


def is_conj(input):
    return False


def is_neg(input):
    return False


# fmt: off
_real = defop("real", lambda xp, x: x.real, lambda g, out, x: g, inputs=False, view=True)
_imag = defop("imag", lambda xp, x: x.imag, lambda g, out, x: g * 1j, inputs=False, view=True)
# fmt: on


def real(input):
    return apply(_real, input) if input.dtype.is_complex else input


def imag(input):
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(_imag, input)


def isreal(input):
    if not input.dtype.is_complex:
        from .._creation import ones_like
        return ones_like(input, dtype=_dtype.bool)
    return eq(imag(input), 0)


# frexp: (mantissa, exponent int32); the mantissa's gradient is g / 2**exponent
_frexp_result = collections.namedtuple("frexp", ["mantissa", "exponent"])
# fmt: off
_frexp = defop("frexp", lambda xp, x: _frexp_fwd(xp, x), lambda g, out, x: g[0] / exp2(out[1].to(g[0].dtype)),
               inputs=False, output=True, outputs=2, nondiff_outputs=(1,))
# fmt: on


def _frexp_fwd(xp, x):
    m, e = xp.frexp(x.astype(np.float32) if x.dtype in _HALF else x)
    return m.astype(x.dtype, copy=False), e.astype(np.int32, copy=False)


def frexp(input, *, out=None):
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    res = _frexp_result(*apply(_frexp, input))
    if out is not None:
        _finish(res[0], out[0])
        _finish(res[1], out[1])
        return _frexp_result(*out)
    return res


# fmt: off
_heaviside = defop("heaviside", lambda xp, x, v, dtype: _heaviside_fwd(xp, x, v, dtype))
# fmt: on


def _heaviside_fwd(xp, x, v, dtype):
    x, v = _cast(xp, x, dtype), _cast(xp, v, dtype)
    zero = xp.zeros((), dtype)
    return xp.where(x == 0, v, (x > zero).astype(dtype)).astype(dtype, copy=False)


def heaviside_(self, values):
    return _write_result(self, heaviside(self, values))


def heaviside(input, values, *, out=None):
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    if input.dtype.is_complex:
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    return _finish(apply(_heaviside, input, values, dtype=input.dtype.np), out)


# ---------------------------------------------------------------------------
# binary primitives: forward(xp, x, y, dtype) with dtype the promoted result dtype

_ARG = (Tensor, int, float, bool, complex, np.generic)


def _binary_fn(op, name, float_result=False, check=None, bool_result=False):
    """Public `fn(input, other, *, out=None)` and in-place `fn_(self, other)` for binary primitive `op`."""
    def dtype_of(a, b):
        d = result_dtype(a, b)
        if check is not None:
            check(d, a, b)  # on the promoted dtype, before integers turn into floats
        if float_result and d._category < 2:
            d = _dtype._default[0]
        return d

    def fn(input, other, *, out=None):
        if not isinstance(other, _ARG) or not isinstance(input, _ARG):
            _check_args(name, input, other)
        d = dtype_of(input, other)
        return _finish(apply(op, input, other, dtype=d.np), out)

    def fn_(self, other):
        _check_args(name, self, other)
        d = dtype_of(self, other)
        if not bool_result:
            check_inplace_dtype(self.dtype, d)
        return apply_inplace(op, self, other, dtype=d.np)
    fn.__name__, fn_.__name__ = name, name + "_"
    return fn, fn_


def _check_args(name, a, b):
    for pos, x in ((1, a), (2, b)):
        if not isinstance(x, (Tensor,) + _number) and not isinstance(x, np.generic):
            arg = "input" if pos == 1 else "other"
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


_CATEGORY = {"b": 0, "i": 1, "f": 2, "c": 3}


def _rules(name, *, tensors=False, first=False, kernel=None, refuse="", complex_msg=None):
    """Argument checks of a binary op, PyTorch's way: `tensors` (both must be Tensors), `first` (input must
    be a Tensor), `refuse` (categories of the promoted dtype the CPU kernel `kernel` lacks: b, i, f, c)."""
    bad = {_CATEGORY[c] for c in refuse}

    def check(d, a, b):
        if tensors:
            for pos, x in ((1, a), (2, b)):
                if not isinstance(x, Tensor):
                    arg = "input" if pos == 1 else "other"
                    raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                                    f"{type(x).__name__}")
        elif first and not isinstance(a, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got ({type(a).__name__}, "
                            f"{type(b).__name__}), but expected one of:\n * (Tensor input, Tensor other)\n"
                            " * (Tensor input, Number other)")
        if d is None:
            return
        if complex_msg is not None and d.is_complex:
            raise RuntimeError(complex_msg)
        if d._category in bad:
            _not_impl(kernel, d)
    return check


def _ufunc2(name, cast=True):
    """forward(xp, x, y, dtype) = xp.<name>(x, y) computed in `dtype` (and returned in it when `cast`)."""
    def forward(xp, x, y, dtype):
        out = getattr(xp, name)(_cast(xp, x, dtype), _cast(xp, y, dtype))
        return out if not cast or out.dtype == dtype else out.astype(dtype)
    return forward


def _check_int_zero(xp, y, dtype):
    if dtype.kind in "iu" and bool((xp.asarray(y) == 0).any()):
        raise RuntimeError("ZeroDivisionError")


def _remainder_fwd(xp, x, y, dtype):
    _check_int_zero(xp, y, dtype)
    return xp.remainder(_cast(xp, x, dtype), _cast(xp, y, dtype))


def _fmod_fwd(xp, x, y, dtype):
    _check_int_zero(xp, y, dtype)
    return xp.fmod(_cast(xp, x, dtype), _cast(xp, y, dtype))


def _div_floor_fwd(xp, x, y, dtype):
    _check_int_zero(xp, y, dtype)
    if dtype in _HALF:
        return xp.floor_divide(xp.asarray(x, dtype=np.float32), xp.asarray(y, dtype=np.float32)).astype(dtype)
    return xp.floor_divide(_cast(xp, x, dtype), _cast(xp, y, dtype))  # x // 0.0 is +-inf or nan, as in PyTorch


def _div_trunc_fwd(xp, x, y, dtype):
    _check_int_zero(xp, y, dtype)
    x, y = _cast(xp, x, dtype), _cast(xp, y, dtype)
    if dtype.kind in "iu":
        q = xp.floor_divide(x, y)
        # floor -> trunc: add one where the division was inexact and the signs differ
        fix = (q * y != x) & ((x < 0) != (y < 0))
        return q + fix.astype(dtype)
    return xp.trunc(xp.true_divide(x, y)).astype(dtype, copy=False)


_POW_FAST = {2: lambda xp, x: xp.square(x), 0.5: lambda xp, x: xp.sqrt(x), 1: lambda xp, x: x.copy(),
             -1: lambda xp, x: xp.reciprocal(x), 3: lambda xp, x: x * x * x}


def _pow_fwd(xp, x, y, dtype):
    if (y.__class__ is int or y.__class__ is float) and x.dtype == dtype and dtype.kind in "fc":
        fast = _POW_FAST.get(y)  # the exponents PyTorch also special-cases
        return fast(xp, x) if fast is not None else xp.power(x, y)
    x, y = _cast(xp, x, dtype), _cast(xp, y, dtype)
    if dtype.kind in "iu" and bool((xp.asarray(y) < 0).any()):
        # PyTorch: 1 ** -n = 1, (-1) ** -n = +-1, any other integer ** -n = 0
        neg = y < 0
        base = xp.power(x, xp.where(neg, 0, y))
        odd = (y % 2) != 0
        inv = xp.where(x == 1, 1, xp.where(x == -1, xp.where(odd, -1, 1), 0)).astype(dtype)
        return xp.where(neg, inv, base).astype(dtype, copy=False)
    if dtype.kind == "b":
        return xp.logical_or(xp.logical_not(y), x)
    out = xp.power(x, y)
    return out if out.dtype == dtype else out.astype(dtype)


def _atan2_grad(g, x, y):
    denom = x * x + y * y
    return (g * y / denom if needs_input_grad(0) else None,
            -g * x / denom if needs_input_grad(1) else None)


def _pow_grad(g, out, x, y, dtype):
    gx = gy = None
    if needs_input_grad(0):
        if isinstance(y, Tensor):
            gx = where(y == 0, 0.0, g * _c(y * pow(x, y - 1)))
        elif y == 2:
            gx = g * _c(x * 2)
        else:
            gx = g * 0 if y == 0 else g * _c(y * pow(x, y - 1))
    if needs_input_grad(1):
        # d/dy x**y = x**y log(x), taken as 0 where x == 0 and y >= 0 (PyTorch's convention)
        if isinstance(x, Tensor):
            gy = g * _c(out * log(x))
            zero_base = x == 0
        else:
            lg = cmath.log(x) if isinstance(x, complex) else (math.log(x) if x > 0 else -math.inf if x == 0 else math.nan)
            gy = g * _c(out * lg)
            zero_base = x == 0
        if y.dtype.is_complex:
            return gx, gy
        if isinstance(zero_base, Tensor) or zero_base:
            gy = where(zero_base & (y >= 0), 0.0, gy)
    return gx, gy


def _max_min_grad(g, x, y, first_wins):
    """maximum/minimum: the gradient goes to the winning side, split evenly on ties (PyTorch)."""
    gx = gy = None
    half = g / 2
    if needs_input_grad(0):
        gx = where(x == y, half, where(first_wins(x, y), g, 0.0))
    if needs_input_grad(1):
        gy = where(x == y, half, where(first_wins(y, x), g, 0.0))
    return gx, gy


def _fmax_fmin_grad(g, x, y, cmp):
    keep_x = cmp(x, y) | isnan(y)
    return (where(keep_x, g, 0.0) if needs_input_grad(0) else None,
            where(keep_x, 0.0, g) if needs_input_grad(1) else None)


def _xlogy_fwd(xp, x, y, dtype, log_fn):
    x, y = _cast(xp, x, dtype), _cast(xp, y, dtype)
    out = x * log_fn(y)
    return xp.where((x == 0) & ~xp.isnan(y), xp.zeros((), dtype), out).astype(dtype, copy=False)


def _xlogy_grad(g, x, y, log_fn, dlog):
    gx = gy = None
    if needs_input_grad(0):
        # PyTorch does not mask x == 0 here
        gx = g * (log_fn(y) if isinstance(y, Tensor) else float(log_fn(_as_float(as_tensor_arg(y, g)))))
    if needs_input_grad(1):
        gy = g * x * dlog(y)
    return gx, gy


def _copysign_grad(g, out, x):
    # d/dx copysign(x, y) = sign(x) * sign(out) (zero at x == 0)
    return where(x == 0, 0.0, g * (out / where(x == 0, 1.0, x))), g * 0


# fmt: off
_pow        = defop("pow",        _pow_fwd,                                          _pow_grad, output=True)
_atan2      = defop("atan2",      _ufunc2("arctan2"),                                lambda g, out, x, y, dtype: _atan2_grad(g, x, y))
_remainder  = defop("remainder",  _remainder_fwd,                                    lambda g, out, x, y, dtype: (g, -g * floor_divide(x, y) if needs_input_grad(1) else None))
_fmod       = defop("fmod",       _fmod_fwd,                                         lambda g, out, x, y, dtype: (g, -g * _div_trunc_t(x, y) if needs_input_grad(1) else None))
_div_floor  = defop("div_floor",  _div_floor_fwd,                                    lambda g, out, x, y, dtype: (g * 0, g * 0), inputs=False, node="DivBackward3")
_div_trunc  = defop("div_trunc",  _div_trunc_fwd,                                    lambda g, out, x, y, dtype: (g * 0, g * 0), inputs=False, node="DivBackward3")
_floor_div  = defop("floor_divide", _div_floor_fwd)
_maximum    = defop("maximum",    _ufunc2("maximum"),                                lambda g, out, x, y, dtype: _max_min_grad(g, x, y, gt))
_minimum    = defop("minimum",    _ufunc2("minimum"),                                lambda g, out, x, y, dtype: _max_min_grad(g, x, y, lt))
_fmax       = defop("fmax",       _ufunc2("fmax"),                                   lambda g, out, x, y, dtype: _fmax_fmin_grad(g, x, y, ge))
_fmin       = defop("fmin",       _ufunc2("fmin"),                                   lambda g, out, x, y, dtype: _fmax_fmin_grad(g, x, y, le))
_hypot      = defop("hypot",      _ufunc2("hypot"),                                  lambda g, out, x, y, dtype: (g * x / out, g * y / out), output=True)
_logaddexp  = defop("logaddexp",  _ufunc2("logaddexp"),                              lambda g, out, x, y, dtype: (g * exp(x - out), g * exp(y - out)), output=True)
_logaddexp2 = defop("logaddexp2", _ufunc2("logaddexp2"),                             lambda g, out, x, y, dtype: (g * exp2(x - out), g * exp2(y - out)), output=True)
_xlogy      = defop("xlogy",      lambda xp, x, y, dtype: _xlogy_fwd(xp, x, y, dtype, xp.log),   lambda g, out, x, y, dtype: _xlogy_grad(g, x, y, log, reciprocal))
_xlog1py    = defop("xlog1py",    lambda xp, x, y, dtype: _xlogy_fwd(xp, x, y, dtype, xp.log1p), lambda g, out, x, y, dtype: _xlogy_grad(g, x, y, log1p, lambda t: reciprocal(t + 1)))
_copysign   = defop("copysign",   _ufunc2("copysign"),                               lambda g, out, x, y, dtype: _copysign_grad(g, out, x), output=True)
_nextafter  = defop("nextafter",  _ufunc2("nextafter"))
_gcd        = defop("gcd",        _ufunc2("gcd"))
_lcm        = defop("lcm",        _ufunc2("lcm"))
_logical_and = defop("logical_and", lambda xp, x, y, dtype: xp.logical_and(x, y))
_logical_or  = defop("logical_or",  lambda xp, x, y, dtype: xp.logical_or(x, y))
_logical_xor = defop("logical_xor", lambda xp, x, y, dtype: xp.logical_xor(x, y))
_bitwise_and = defop("bitwise_and", _ufunc2("bitwise_and"))
_bitwise_or  = defop("bitwise_or",  _ufunc2("bitwise_or"))
_bitwise_xor = defop("bitwise_xor", _ufunc2("bitwise_xor"))
_lshift      = defop("bitwise_left_shift",  lambda xp, x, y, dtype: _shift(xp, x, y, dtype, xp.left_shift))
_rshift      = defop("bitwise_right_shift", lambda xp, x, y, dtype: _shift(xp, x, y, dtype, xp.right_shift))
# comparisons: bool results in the promoted dtype, never differentiable
_eq = defop("eq", _ufunc2("equal", cast=False))
_ne = defop("ne", _ufunc2("not_equal", cast=False))
_lt = defop("lt", _ufunc2("less", cast=False))
_le = defop("le", _ufunc2("less_equal", cast=False))
_gt = defop("gt", _ufunc2("greater", cast=False))
_ge = defop("ge", _ufunc2("greater_equal", cast=False))
# fmt: on


def _shift(xp, x, y, dtype, ufunc):
    x, y = _cast(xp, x, dtype), _cast(xp, y, dtype)
    bits = dtype.itemsize * 8
    big = (y >= bits) | (y < 0)
    out = ufunc(x, xp.where(big, 0, y).astype(dtype, copy=False))
    if not bool(xp.asarray(big).any()):
        return out
    # PyTorch: shifting by the width or more gives 0 (or -1 for negative numbers shifted right)
    fill = xp.where(x < 0, -1, 0).astype(dtype) if ufunc is xp.right_shift else xp.zeros((), dtype)
    return xp.where(big, fill, out).astype(dtype, copy=False)


def _div_trunc_t(x, y):
    return apply(_div_trunc, x, y, dtype=result_dtype(x, y).np)


# fmt: off
atan2, atan2_           = _binary_fn(_atan2, "atan2", float_result=True, check=_rules("atan2", tensors=True, kernel="atan2_cpu", refuse="c"))
arctan2, arctan2_       = atan2, atan2_
remainder, remainder_   = _binary_fn(_remainder, "remainder", check=_rules("remainder", kernel="remainder_cpu", refuse="bc"))
fmod, fmod_             = _binary_fn(_fmod, "fmod", check=_rules("fmod", first=True, kernel="fmod_cpu", refuse="bc"))
maximum, maximum_       = _binary_fn(_maximum, "maximum", check=_rules("maximum", tensors=True, complex_msg="maximum not implemented for complex tensors."))
minimum, minimum_       = _binary_fn(_minimum, "minimum", check=_rules("minimum", tensors=True, complex_msg="minimum not implemented for complex tensors."))
fmax, fmax_             = _binary_fn(_fmax, "fmax", check=_rules("fmax", tensors=True, complex_msg="fmax not implemented for complex tensors."))
fmin, fmin_             = _binary_fn(_fmin, "fmin", check=_rules("fmin", tensors=True, complex_msg="fmin not implemented for complex tensors."))
hypot, hypot_           = _binary_fn(_hypot, "hypot", float_result=True, check=_rules("hypot", tensors=True, kernel="hypot_cpu", refuse="bic"))
# complex logaddexp (which PyTorch has) is not implemented: NumPy has no complex loop
logaddexp, logaddexp_   = _binary_fn(_logaddexp, "logaddexp", float_result=True, check=_rules("logaddexp", tensors=True, kernel="logaddexp_cpu", refuse="bic"))
logaddexp2, logaddexp2_ = _binary_fn(_logaddexp2, "logaddexp2", float_result=True, check=_rules("logaddexp2", tensors=True, kernel="logaddexp2_cpu", refuse="bic"))
xlogy, xlogy_           = _binary_fn(_xlogy, "xlogy", float_result=True, check=_rules("xlogy", kernel="xlogy_cpu", refuse="c"))
xlog1py, xlog1py_       = _binary_fn(_xlog1py, "xlog1py", float_result=True, check=_rules("xlog1py", kernel="xlog1py_cpu", refuse="c"))
copysign, copysign_     = _binary_fn(_copysign, "copysign", float_result=True, check=_rules("copysign", first=True, kernel="copysign_cpu", refuse="c"))
nextafter, nextafter_   = _binary_fn(_nextafter, "nextafter", check=_rules("nextafter", tensors=True, kernel="nextafter_cpu", refuse="bic"))
gcd, gcd_               = _binary_fn(_gcd, "gcd", check=_rules("gcd", tensors=True, kernel="gcd_cpu", refuse="bfc"))
lcm, lcm_               = _binary_fn(_lcm, "lcm", check=_rules("lcm", tensors=True, kernel="lcm_cpu", refuse="bfc"))
bitwise_and, bitwise_and_ = _binary_fn(_bitwise_and, "bitwise_and", check=_rules("bitwise_and", kernel="bitwise_and_cpu", refuse="fc"))
bitwise_or, bitwise_or_   = _binary_fn(_bitwise_or, "bitwise_or", check=_rules("bitwise_or", kernel="bitwise_or_cpu", refuse="fc"))
bitwise_xor, bitwise_xor_ = _binary_fn(_bitwise_xor, "bitwise_xor", check=_rules("bitwise_xor", kernel="bitwise_xor_cpu", refuse="fc"))
bitwise_left_shift, bitwise_left_shift_   = _binary_fn(_lshift, "bitwise_left_shift", check=_rules("bitwise_left_shift", kernel="lshift_cpu", refuse="bfc"))
bitwise_right_shift, bitwise_right_shift_ = _binary_fn(_rshift, "bitwise_right_shift", check=_rules("bitwise_right_shift", kernel="rshift_cpu", refuse="bfc"))
eq, eq_ = _binary_fn(_eq, "eq", bool_result=True, check=_rules("eq", first=True))
ne, ne_ = _binary_fn(_ne, "ne", bool_result=True, check=_rules("ne", first=True))
lt, lt_ = _binary_fn(_lt, "lt", bool_result=True, check=_rules("lt", first=True, kernel="lt_cpu", refuse="c"))
le, le_ = _binary_fn(_le, "le", bool_result=True, check=_rules("le", first=True, kernel="le_cpu", refuse="c"))
gt, gt_ = _binary_fn(_gt, "gt", bool_result=True, check=_rules("gt", first=True, kernel="gt_cpu", refuse="c"))
ge, ge_ = _binary_fn(_ge, "ge", bool_result=True, check=_rules("ge", first=True, kernel="ge_cpu", refuse="c"))
# fmt: on
not_equal, not_equal_, less, less_, less_equal, less_equal_ = ne, ne_, lt, lt_, le, le_
greater, greater_, greater_equal, greater_equal_ = gt, gt_, ge, ge_


def _logical(op, name):
    check = _rules(name, tensors=True)

    def fn(input, other, *, out=None):
        check(None, input, other)
        return _finish(apply(op, input, other, dtype=None), out)

    def fn_(self, other):
        check(None, self, other)
        return apply_inplace(op, self, other, dtype=None)
    fn.__name__, fn_.__name__ = name, name + "_"
    return fn, fn_


logical_and, logical_and_ = _logical(_logical_and, "logical_and")
logical_or, logical_or_ = _logical(_logical_or, "logical_or")
logical_xor, logical_xor_ = _logical(_logical_xor, "logical_xor")


def ldexp(input, other, *, out=None):
    return _finish(_as_float(input) * pow(2.0, other), out)


def ldexp_(self, other):
    return self.mul_(pow(2.0, other))


# ---------------------------------------------------------------------------
# pow, division with rounding

def pow(input, exponent, *, out=None):
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("pow() received an invalid combination of arguments - got (number, number)")
    d = result_dtype(input, exponent)
    if d._category < 2:
        if d is _dtype.bool:
            if isinstance(exponent, bool):  # PyTorch's scalar fast path: x**False is 1, x**True is x
                return _finish(input.clone() if exponent else _ones_like(input), out)
            _not_impl("pow", d)
        if not isinstance(exponent, Tensor) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _finish(apply(_pow, input, exponent, dtype=d.np), out)


def _ones_like(t):
    from .._creation import ones_like
    return ones_like(t)


def pow_(self, exponent):
    d = result_dtype(self, exponent)
    if d._category < 2:
        if d is _dtype.bool:
            if isinstance(exponent, bool):
                return self if exponent else self.fill_(True)
            _not_impl("pow", d)
        if not isinstance(exponent, Tensor) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    check_inplace_dtype(self.dtype, d)
    return apply_inplace(_pow, self, exponent, dtype=d.np)


def float_power(input, exponent, *, out=None):
    complex_ = any(isinstance(a, complex) or (isinstance(a, Tensor) and a.dtype.is_complex) for a in (input, exponent))
    d = _dtype.complex128 if complex_ else _dtype.float64
    if out is not None and out.dtype is not d:
        raise RuntimeError(f"the output given to float_power has dtype {_pt_name(out.dtype)} but the operation's "
                           f"result requires dtype {_pt_name(d)}")
    a = input.to(d) if isinstance(input, Tensor) else input
    b = exponent.to(d) if isinstance(exponent, Tensor) else exponent
    return _finish(pow(a, b), out)


def float_power_(self, exponent):
    if self.dtype not in (_dtype.float64, _dtype.complex128):
        raise RuntimeError(f"the base given to float_power_ has dtype {_pt_name(self.dtype)} but the operation's "
                           f"result requires dtype Double")
    return pow_(self, exponent.to(self.dtype) if isinstance(exponent, Tensor) else exponent)


def _div_rounding(input, other, rounding_mode, out):
    """div(..., rounding_mode='trunc' | 'floor'): integer inputs stay integers; the gradient is zero."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    d = result_dtype(input, other)
    if d is _dtype.bool or d.is_complex:
        _not_impl(f"div_{rounding_mode}_cpu", d)
    op = _div_trunc if rounding_mode == "trunc" else _div_floor
    if not isinstance(input, Tensor):
        input = as_tensor_arg(input, other).to(d)
    return _finish(apply(op, input, other, dtype=d.np), out)


def floor_divide(input, other, *, out=None):
    _check_args("floor_divide", input, other)
    d = result_dtype(input, other)
    if d is _dtype.bool or d.is_complex:
        _not_impl("div_floor_cpu", d)
    return _finish(apply(_floor_div, input, other, dtype=d.np), out)


def floor_divide_(self, other):
    d = result_dtype(self, other)
    if d is _dtype.bool or d.is_complex:
        _not_impl("div_floor_cpu", d)
    check_inplace_dtype(self.dtype, d)
    return apply_inplace(_floor_div, self, other, dtype=d.np)


def true_divide(input, other, *, out=None):
    return input.div(other, out=out) if out is not None else input.div(other)


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    return _rsub(input * alpha if alpha != 1 else input, other)


# ---------------------------------------------------------------------------
# clamp, where, lerp, addcmul, addcdiv

# the clip ufunc itself: np.clip's Python wrapper costs more than the work on small tensors
_np_clip = getattr(getattr(getattr(np, "_core", None), "umath", None), "clip", np.clip)


def _clamp_fwd(xp, x, lo, hi, dtype):
    x = _cast(xp, x, dtype)
    lo = None if lo is None else _cast(xp, lo, dtype)
    hi = None if hi is None else _cast(xp, hi, dtype)
    # NaN propagates; min > max gives max, as in PyTorch
    if lo is None:
        out = xp.minimum(x, hi)
    elif hi is None:
        out = xp.maximum(x, lo)
    else:
        out = (_np_clip if xp is np else xp.clip)(x, lo, hi)
    return out if out.dtype == dtype else out.astype(dtype)


def _clamp_grad(g, out, x, lo, hi, dtype):
    # PyTorch: the input keeps the gradient on the boundaries; a tensor bound takes it where it is active
    inside = None
    if lo is not None:
        inside = x >= lo
    if hi is not None:
        inside = (x <= hi) if inside is None else inside & (x <= hi)
    gx = where(inside, g, 0.0) if needs_input_grad(0) else None
    glo = ghi = None
    if isinstance(lo, Tensor) and needs_input_grad(1):
        glo = where((x < lo) & (lo < hi), g, 0.0) if hi is not None else where(x < lo, g, 0.0)
    if isinstance(hi, Tensor) and needs_input_grad(2):
        ghi = where((x > hi) | (hi < lo), g, 0.0) if lo is not None else where(x > hi, g, 0.0)
    return gx, glo, ghi


# fmt: off
_clamp = defop("clamp", _clamp_fwd, _clamp_grad)
# fmt: on


def _clamp_dtype(input, min, max):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        d = _dtype.result_type(*(a for a in (input, min, max) if a is not None))
    else:
        # Python bounds: each can only lift the tensor's category (cached two-operand promotion)
        d = result_dtype(input, min if min is not None else max)
        if min is not None and max is not None:
            d2 = result_dtype(input, max)
            d = d2 if d2._category > d._category else d
    if d.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    return d


def clamp(input, min=None, max=None, *, out=None):
    d = _clamp_dtype(input, min, max)
    return _finish(apply(_clamp, input, min, max, dtype=d.np), out)


def clamp_(self, min=None, max=None):
    d = _clamp_dtype(self, min, max)
    check_inplace_dtype(self.dtype, d)
    return apply_inplace(_clamp, self, min, max, dtype=d.np)


def clamp_min(input, min, *, out=None):
    return clamp(input, min, None, out=out)


def clamp_max(input, max, *, out=None):
    return clamp(input, None, max, out=out)


def clamp_min_(self, min):
    return clamp_(self, min, None)


def clamp_max_(self, max):
    return clamp_(self, None, max)


clip, clip_ = clamp, clamp_


def _where_fwd(xp, cond, x, y, dtype):
    out = xp.where(cond, x, y)
    return out if out.dtype == dtype else out.astype(dtype)


# fmt: off
_where = defop("where", _where_fwd,
               lambda g, out, cond, x, y, dtype: (None, where(cond, g, 0.0) if needs_input_grad(1) else None,
                                                  where(cond, 0.0, g) if needs_input_grad(2) else None))
# fmt: on


def where(condition, input=None, other=None, *, out=None):
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not {type(condition).__name__}")
    if condition.dtype is not _dtype.bool:
        if condition.dtype is _dtype.uint8:
            import warnings
            warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed "
                          "in a future version of PyTorch. Use a boolean condition instead.", UserWarning,
                          stacklevel=2)
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                               f"{_pt_name(condition.dtype)}")
    d = result_dtype(input, other)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        # two Python numbers: the scalar dtype is a tensor dtype here (where(c, 1, 2.5) is float32)
        d = _dtype.result_type(*(_scalar_type_tensor(v) for v in (input, other)))
    return _finish(apply(_where, condition, input, other, dtype=d.np), out)


def _scalar_type_tensor(v):
    from .._creation import tensor
    return tensor(v) if not isinstance(v, Tensor) else v


def _where_method(self, condition, y):
    return where(condition, self, y)


def lerp(input, end, weight, *, out=None):
    if input.dtype is not end.dtype:
        raise RuntimeError(f"expected dtype {input.dtype} for `end` but got dtype {end.dtype}")
    if isinstance(weight, Tensor) and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {input.dtype} for `weight` but got dtype {weight.dtype}")
    return _finish(input + weight * (end - input), out)


def _write_result(self, result):
    """In-place form of a composite: `result` must keep self's shape (PyTorch's in-place broadcasting rule)."""
    if result.shape != self.shape:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                           f"{list(result.shape)}")
    check_inplace_dtype(self.dtype, result.dtype)
    return self.copy_(result)


def lerp_(self, end, weight):
    return _write_result(self, lerp(self, end, weight))


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    prod = tensor1 * tensor2
    if result_dtype(input, prod)._category < 2:
        value = int(value)  # integer tensors take the integer part of value, as in PyTorch
    return _finish(input + (prod * value if value != 1 else prod), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    if tensor1.dtype._category < 2 and tensor2.dtype._category < 2:
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           "for all dtypes.")
    q = tensor1 / tensor2
    return _finish(input + (q * value if value != 1 else q), out)


def addcmul_(self, tensor1, tensor2, *, value=1):
    return _write_result(self, addcmul(self, tensor1, tensor2, value=value))


def addcdiv_(self, tensor1, tensor2, *, value=1):
    return _write_result(self, addcdiv(self, tensor1, tensor2, value=value))


# ---------------------------------------------------------------------------
# closeness and equality

def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{_pt_name(input.dtype)} did not match {_pt_name(other.dtype)}")
    a, b = input.detach(), other.detach()
    if a.dtype._category < 2:
        a, b = a.to(_dtype.float64), b.to(_dtype.float64)
    close = eq(a, b)
    finite = isfinite(a) & isfinite(b)
    diff = abs(a - b)
    close = close | (finite & (diff <= atol + rtol * abs(b)))
    if equal_nan:
        close = close | (isnan(a) & isnan(b))
    return close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    if input.shape != other.shape:
        return False
    return bool(eq(input.detach(), other.detach())._data.all())


# ---------------------------------------------------------------------------
# Tensor methods and operators

def _op(fn, types=(Tensor,) + _number + (np.generic,)):
    """An operator dunder: NotImplemented for foreign operands so Python can try the reflected form."""
    def dunder(self, other):
        return fn(self, other) if isinstance(other, types) else NotImplemented
    return dunder


def _rop(fn):
    def dunder(self, other):
        return fn(other, self) if isinstance(other, _number + (np.generic,)) else NotImplemented
    return dunder


def _pow_method(self, exponent):
    return pow(self, exponent)


def _float_power_method(self, exponent):
    return float_power(self, exponent)


def _clamp_method(self, min=None, max=None):
    return clamp(self, min, max)


def _round_method(self, decimals=0):
    return round(self, decimals=decimals)


def _logit_method(self, eps=None):
    return logit(self, eps)


def _nan_to_num_method(self, nan=0.0, posinf=None, neginf=None):
    return nan_to_num(self, nan, posinf, neginf)


def _isclose_method(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return isclose(self, other, rtol, atol, equal_nan)


def _allclose_method(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return allclose(self, other, rtol, atol, equal_nan)


_METHODS = {}
for _name in ("abs", "absolute", "sqrt", "rsqrt", "square", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
              "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "tanh",
              "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "sigmoid", "erf", "erfc", "erfinv",
              "lgamma", "digamma", "i0", "sinc", "reciprocal", "sign", "sgn", "signbit", "floor", "ceil", "trunc",
              "fix", "frac", "deg2rad", "rad2deg", "angle", "conj", "conj_physical", "resolve_conj", "resolve_neg",
              "is_conj", "is_neg", "positive", "relu", "isnan", "isinf", "isposinf", "isneginf", "isfinite",
              "isreal", "bitwise_not", "logical_not", "frexp", "heaviside", "mvlgamma",
              "atan2", "arctan2", "remainder", "fmod", "floor_divide", "maximum", "minimum", "fmax", "fmin",
              "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "nextafter", "ldexp", "gcd", "lcm",
              "lerp", "addcmul", "addcdiv", "clamp_min", "clamp_max", "equal",
              "eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
              "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
              "bitwise_left_shift", "bitwise_right_shift"):
    _METHODS[_name] = globals()[_name]
for _name in ("abs", "absolute", "sqrt", "rsqrt", "square", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
              "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "tanh",
              "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "sigmoid", "erf", "erfc", "erfinv",
              "lgamma", "digamma", "i0", "sinc", "reciprocal", "sign", "sgn", "floor", "ceil", "trunc", "fix", "frac",
              "deg2rad", "rad2deg", "relu", "bitwise_not", "logical_not", "conj_physical", "round", "logit",
              "nan_to_num", "atan2", "arctan2", "remainder", "fmod", "floor_divide", "hypot", "xlogy", "copysign",
              "nextafter", "ldexp", "gcd", "lcm", "lerp", "addcmul", "addcdiv", "clamp", "clamp_min", "clamp_max",
              "clip", "eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge",
              "greater_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
              "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "pow", "float_power"):
    _METHODS[_name + "_"] = globals()[_name + "_"]
_METHODS.update({
    "pow": _pow_method, "float_power": _float_power_method, "clamp": _clamp_method, "clip": _clamp_method,
    "round": _round_method, "logit": _logit_method, "nan_to_num": _nan_to_num_method,
    "isclose": _isclose_method, "allclose": _allclose_method, "where": _where_method,
    "polygamma": _polygamma_method, "heaviside_": heaviside_, "igamma": igamma, "igammac": igammac,
    "igamma_": igamma_, "igammac_": igammac_, "polygamma_": _polygamma_inplace, "real": property(real),
    "imag": property(imag, lambda self, v: imag(self).copy_(v)),
    "mvlgamma_": lambda self, p: self.copy_(mvlgamma(self, p)),
    "__pow__": _op(pow), "__rpow__": _rop(pow), "__ipow__": lambda self, other: pow_(self, other),
    "__mod__": _op(remainder), "__rmod__": _rop(remainder), "__imod__": lambda self, other: remainder_(self, other),
    "__floordiv__": _op(floor_divide), "__rfloordiv__": _rop(floor_divide),
    "__ifloordiv__": lambda self, other: floor_divide_(self, other),
    "__eq__": _op(eq), "__ne__": _op(ne), "__lt__": _op(lt), "__le__": _op(le), "__gt__": _op(gt), "__ge__": _op(ge),
    "__and__": _op(bitwise_and), "__or__": _op(bitwise_or), "__xor__": _op(bitwise_xor),
    "__rand__": _rop(bitwise_and), "__ror__": _rop(bitwise_or), "__rxor__": _rop(bitwise_xor),
    "__iand__": lambda self, other: bitwise_and_(self, other), "__ior__": lambda self, other: bitwise_or_(self, other),
    "__ixor__": lambda self, other: bitwise_xor_(self, other),
    "__lshift__": _op(bitwise_left_shift), "__rshift__": _op(bitwise_right_shift),
    "__rlshift__": _rop(bitwise_left_shift), "__rrshift__": _rop(bitwise_right_shift),
    "__ilshift__": lambda self, other: bitwise_left_shift_(self, other),
    "__irshift__": lambda self, other: bitwise_right_shift_(self, other),
    "__invert__": lambda self: bitwise_not(self), "__abs__": lambda self: abs(self),
})
register_methods(_METHODS)


def _nn_method(name):
    # Tensor methods whose definition lives in nn.functional (loaded on first use, not at import)
    def method(self, *args, **kwargs):
        from ..nn import functional
        return getattr(functional, name)(self, *args, **kwargs)
    method.__name__ = name
    return method


register_methods({"hardshrink": _nn_method("hardshrink"), "prelu": _nn_method("prelu")})
