"""Activation functionals: relu & co., gelu/silu, the shrink family, softmax/softmin, glu, prelu, rrelu, gumbel_softmax.

The hot activations (leaky_relu, hardtanh/relu6, elu/selu/celu, gelu, silu) are
primitives: a branch-free NumPy forward (`where` on random signs is ~10x slower
than max/min/multiply) and a `*_backward` primitive for the VJP (as PyTorch's
gelu_backward & co.), itself differentiable for double backward.  relu, sigmoid,
tanh and softmax are ember's top-level ops.  The rest are composites.
"""
import math
import warnings

import numpy as np

from ... import _dtype
from ...autograd import grad_mode
from ...autograd.graph import needs_input_grad
from ...ops import pointwise as _pw
from ...ops import reduce as _red
from ...ops.registry import _pt_name, apply, apply_inplace, defop

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu", "celu_",
           "gelu", "silu", "mish", "hardtanh", "hardtanh_", "hardswish", "hardsigmoid", "sigmoid", "tanh",
           "logsigmoid", "tanhshrink", "softplus", "softshrink", "hardshrink", "threshold", "threshold_", "glu",
           "softmax", "log_softmax", "softmin", "softsign", "prelu", "rrelu", "rrelu_", "gumbel_softmax"]

_HALF = (np.dtype(np.float16), _dtype.bfloat16.np)
_SQRT1_2 = 1 / math.sqrt(2)
_KAPPA = math.sqrt(2 / math.pi)   # gelu's tanh approximation: tanh(kappa (x + 0.044715 x^3))
_C3 = 0.044715
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float_only(t, kernel):
    if t.dtype._category < 2 or t.dtype.is_complex:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_pt_name(t.dtype)}\'')


def _up(x):
    """Half types are computed in float32 (NumPy/ml_dtypes would promote their loops anyway)."""
    return x.astype(np.float32) if x.dtype in _HALF else x


_BLOCK = 1 << 16


def _blockwise(n):
    """Run a forward over L2-sized blocks of its first `n` (same-shape) arrays: chains of many NumPy passes
    (erf's polynomials, gelu's backward) run 2-3x faster when their temporaries stay in cache."""
    def wrap(kernel):
        def forward(xp, *args, **attrs):
            a = args[0]
            if xp is not np or a.size <= _BLOCK:
                return kernel(xp, *args, **attrs)
            flats = [np.ascontiguousarray(t).reshape(-1) for t in args[:n]]
            out = np.empty(a.size, a.dtype)
            for i in range(0, a.size, _BLOCK):
                out[i:i + _BLOCK] = kernel(xp, *[f[i:i + _BLOCK] for f in flats], *args[n:], **attrs)
            return out.reshape(a.shape)
        return forward
    return wrap


def _inplace(input, fn):
    """`input` overwritten by the composite fn(input), with autograd (see NOTE [ In-place ops and autograd ])."""
    if grad_mode._state.enabled and input.requires_grad:
        res = fn(input.clone())  # the graph then saves the clone, not the buffer about to be overwritten
    else:
        with grad_mode.no_grad():
            res = fn(input)
    return input.copy_(res)


# ---------------------------------------------------------------------------
# primitives: forward(xp, x, ...) in one pass; backward through a *_backward primitive

def _leaky_fwd(xp, x, slope):
    # max(x, slope x) (min for slope > 1): branch-free, where NumPy's `where` on random signs is ~10x slower
    z = _up(x)
    r = z * z.dtype.type(slope)
    r = (xp.maximum if slope <= 1 else xp.minimum)(z, r)
    return xp.asarray(r).astype(x.dtype, copy=False)


def _mask_scale(xp, g, cond, inside, outside):
    """g * (inside where cond else outside), branch-free: g * (outside + cond * (inside - outside))."""
    z = _up(g)
    d = xp.multiply(cond, z.dtype.type(inside - outside), dtype=z.dtype)
    d = d + z.dtype.type(outside) if outside else d
    return xp.asarray(d * z).astype(g.dtype, copy=False)


def _leaky_bw_fwd(xp, g, x, slope):
    return _mask_scale(xp, g, x > 0, 1.0, slope)


def _hardtanh_fwd(xp, x, lo, hi):
    if x.dtype.kind in "iu":
        info = np.iinfo(x.dtype)
        lo, hi = min(max(math.ceil(lo), info.min), info.max), max(min(math.floor(hi), info.max), info.min)
    return xp.clip(x, x.dtype.type(lo), x.dtype.type(hi)).astype(x.dtype, copy=False)  # bfloat16 clips in float32


def _hardtanh_bw_fwd(xp, g, x, lo, hi):
    return _mask_scale(xp, g, (x > lo) & (x < hi), 1.0, 0.0)


@_blockwise(1)
def _elu_fwd(xp, x, alpha, scale, input_scale):
    # scale max(x, 0) + alpha scale expm1(input_scale min(x, 0)): no `where`, and expm1 never overflows
    z = _up(x)
    neg = xp.minimum(z, 0)
    if input_scale != 1:
        neg *= z.dtype.type(input_scale)
    neg = xp.expm1(neg)
    neg *= z.dtype.type(alpha * scale)
    pos = xp.maximum(z, 0)
    if scale != 1:
        pos *= z.dtype.type(scale)
    return xp.asarray(pos + neg).astype(x.dtype, copy=False)


@_blockwise(2)
def _elu_bw_fwd(xp, g, x, alpha, scale, input_scale):
    z = _up(x)
    d = xp.minimum(z, 0)
    d *= z.dtype.type(input_scale)
    d = xp.exp(d)
    d *= z.dtype.type(alpha * scale * input_scale)  # the slope for x <= 0
    d = d + (z > 0) * (z.dtype.type(scale) - d)
    return xp.asarray(d * _up(g)).astype(g.dtype, copy=False)


def _elu_second(x, alpha, scale, input_scale):
    k = alpha * scale * input_scale * input_scale
    return _pw.where(x > 0, 0.0, ((x * input_scale).clamp(max=0).exp() * k))


def _gelu_cdf(xp, z, approximate):
    """0.5 (1 + erf(z / sqrt 2)), or 0.5 (1 + tanh(kappa (z + c z^3))) and that tanh, in fresh buffers."""
    if approximate == "tanh":
        t = z * z
        t *= z.dtype.type(_C3)
        t += 1
        t *= z
        t *= z.dtype.type(_KAPPA)
        t = xp.tanh(t, out=t) if t.ndim else xp.tanh(t)
        cdf = t + 1
    else:
        t = None
        cdf = _pw._erf_fwd(xp, z * z.dtype.type(_SQRT1_2), z.dtype)
        cdf += 1
    cdf *= z.dtype.type(0.5)
    return cdf, t


@_blockwise(1)
def _gelu_fwd(xp, x, approximate):
    z = _up(x)
    out, _ = _gelu_cdf(xp, z, approximate)
    out *= z
    return xp.asarray(out).astype(x.dtype, copy=False)


@_blockwise(2)
def _gelu_bw_fwd(xp, g, x, approximate):
    z = _up(x)
    d, t = _gelu_cdf(xp, z, approximate)
    if approximate == "tanh":
        # + 0.5 z (1 - t^2) kappa (1 + 3 c z^2)
        t *= t
        t = 1 - t
        t *= z
        u = z * z
        u *= z.dtype.type(3 * _C3 * 0.5 * _KAPPA)
        u += z.dtype.type(0.5 * _KAPPA)
        t *= u
    else:
        # + z exp(-z^2 / 2) / sqrt(2 pi)
        t = z * z
        t *= z.dtype.type(-0.5)
        t = xp.exp(t)
        t *= z.dtype.type(_INV_SQRT_2PI)
        t *= z
    d += t
    d *= _up(g)
    return xp.asarray(d).astype(g.dtype, copy=False)


def _gelu_second(x, approximate):
    """gelu''(x) in Tensor ops (double backward)."""
    if approximate == "tanh":
        u1 = _KAPPA * (1 + 3 * _C3 * x * x)
        t = (_KAPPA * (x + _C3 * x * x * x)).tanh()
        return (1 - t * t) * (u1 - x * t * u1 * u1 + 3 * _KAPPA * _C3 * x * x)
    return (-0.5 * x * x).exp() * _INV_SQRT_2PI * (2 - x * x)


@_blockwise(1)
def _silu_fwd(xp, x):
    z = _up(x)
    s = _pw._sigmoid_fwd(xp, z)
    s *= z
    return s.astype(x.dtype, copy=False)


@_blockwise(2)
def _silu_bw_fwd(xp, g, x):
    z = _up(x)
    s = _pw._sigmoid_fwd(xp, z)
    d = 1 - s
    d *= z
    d += 1
    d *= s
    d *= _up(g)
    return d.astype(g.dtype, copy=False)


def _silu_second(x):
    s = x.sigmoid()
    return s * (1 - s) * (2 + x * (1 - 2 * s))


def _leaky_grad(g, out, x, slope):
    return apply(_LEAKY_BW, g, x, slope=slope)


def _leaky_neg_inplace_grad(g, out, x, slope):
    raise RuntimeError("In-place leakyReLu backward calculation is triggered with a negative slope which is not "
                       "supported. This is caused by calling in-place forward function with a negative slope, please "
                       "call out-of-place version instead. File an issue at https://github.com/pytorch/pytorch if you "
                       "do require supporting in-place leakRelu backward calculation with negative slope")


# fmt: off
_LEAKY       = defop("leaky_relu",          _leaky_fwd,       _leaky_grad)
_LEAKY_NEG_  = defop("leaky_relu_",         _leaky_fwd,       _leaky_neg_inplace_grad, inputs=False, node="LeakyReluBackward1")
_LEAKY_BW    = defop("leaky_relu_backward", _leaky_bw_fwd,    lambda gg, _, g, x, slope: (apply(_LEAKY_BW, gg, x, slope=slope), None))
_HARDTANH    = defop("hardtanh",            _hardtanh_fwd,    lambda g, out, x, lo, hi: apply(_HARDTANH_BW, g, x, lo=lo, hi=hi))
_HARDTANH_BW = defop("hardtanh_backward",   _hardtanh_bw_fwd, lambda gg, _, g, x, lo, hi: (apply(_HARDTANH_BW, gg, x, lo=lo, hi=hi), None))
_ELU         = defop("elu",                 _elu_fwd,         lambda g, out, x, **k: apply(_ELU_BW, g, x, **k))
_ELU_BW      = defop("elu_backward",        _elu_bw_fwd,
                     lambda gg, _, g, x, **k: (apply(_ELU_BW, gg, x, **k) if needs_input_grad(0) else None,
                                               gg * g * _elu_second(x, **k) if needs_input_grad(1) else None))
_GELU        = defop("gelu",                _gelu_fwd,        lambda g, out, x, approximate: apply(_GELU_BW, g, x, approximate=approximate))
_GELU_BW     = defop("gelu_backward",       _gelu_bw_fwd,
                     lambda gg, _, g, x, approximate: (apply(_GELU_BW, gg, x, approximate=approximate) if needs_input_grad(0) else None,
                                                       gg * g * _gelu_second(x, approximate) if needs_input_grad(1) else None))
_SILU        = defop("silu",                _silu_fwd,        lambda g, out, x: apply(_SILU_BW, g, x))
_SILU_BW     = defop("silu_backward",       _silu_bw_fwd,
                     lambda gg, _, g, x: (apply(_SILU_BW, gg, x) if needs_input_grad(0) else None,
                                          gg * g * _silu_second(x) if needs_input_grad(1) else None))
# fmt: on


# ---------------------------------------------------------------------------
# relu family

def relu(input, inplace=False):
    """max(x, 0); ember.relu underneath."""
    return _pw.relu_(input) if inplace else _pw.relu(input)


def relu_(input):
    return _pw.relu_(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _float_only(input, "leaky_relu_cpu")
    if inplace:
        # the input is overwritten, so PyTorch cannot tell the sign of x from the output: backward refuses
        return apply_inplace(_LEAKY_NEG_ if negative_slope < 0 else _LEAKY, input, slope=float(negative_slope))
    return apply(_LEAKY, input, slope=float(negative_slope))


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val), with zero gradient on the boundaries as in PyTorch."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.dtype is _dtype.bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if input.dtype.is_complex:
        raise NotImplementedError(f"\"hardtanh_cpu\" not implemented for '{_pt_name(input.dtype)}'")
    if input.dtype is _dtype.uint8 and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    if inplace:
        return apply_inplace(_HARDTANH, input, lo=float(min_val), hi=float(max_val))
    return apply(_HARDTANH, input, lo=float(min_val), hi=float(max_val))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (exp(x) - 1) otherwise."""
    return _elu(input, alpha, 1.0, 1.0, inplace)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _elu(input, alpha, 1.0, 1.0 / alpha, inplace)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def _elu(input, alpha, scale, input_scale, inplace):
    _float_only(input, "elu_cpu")
    attrs = {"alpha": float(alpha), "scale": float(scale), "input_scale": float(input_scale)}
    return apply_inplace(_ELU, input, **attrs) if inplace else apply(_ELU, input, **attrs)


def gelu(input, approximate="none"):
    """x Φ(x) (erf form), or its tanh approximation with approximate='tanh'."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _float_only(input, "GeluKernelImpl")
    return apply(_GELU, input, approximate=approximate)


def silu(input, inplace=False):
    """x sigmoid(x)."""
    if input.dtype.is_complex:  # PyTorch supports complex silu; a composite is enough for it
        return _inplace(input, lambda x: x * x.sigmoid()) if inplace else input * input.sigmoid()
    _float_only(input, "silu_cpu")
    return apply_inplace(_SILU, input) if inplace else apply(_SILU, input)


def mish(input, inplace=False):
    """x tanh(softplus(x))."""
    _float_only(input, "mish_cpu")

    def fn(x):
        return x * softplus(x).tanh()
    return _inplace(input, fn) if inplace else fn(input)


def hardswish(input, inplace=False):
    """x relu6(x + 3) / 6."""
    _float_only(input, "hardswish_cpu")

    def fn(x):
        return x * hardtanh(x + 3, 0.0, 6.0) / 6
    return _inplace(input, fn) if inplace else fn(input)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    _float_only(input, "hardsigmoid_cpu")

    def fn(x):
        return hardtanh(x + 3, 0.0, 6.0) / 6
    return _inplace(input, fn) if inplace else fn(input)


def sigmoid(input):
    return _pw.sigmoid(input)


def tanh(input):
    return _pw.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
    _float_only(input, "softplus_cpu")
    bx = input * beta if beta != 1 else input
    # clamping keeps exp finite in the branch `where` discards (no inf, and no 0 * inf in backward)
    soft = bx.clamp(max=threshold).exp().log1p()
    return _pw.where(bx > threshold, input, soft / beta if beta != 1 else soft)


def logsigmoid(input):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for large |x|."""
    _float_only(input, "log_sigmoid_cpu")
    return input.clamp(max=0) - (-input.abs()).exp().log1p()


def tanhshrink(input):
    return input - _pw.tanh(input)


def softsign(input):
    return input / (input.abs() + 1)


def softshrink(input, lambd=0.5):
    """x - clamp(x, -lambd, lambd)."""
    _float_only(input, "softshrink_check")
    if lambd < 0:
        big = np.finfo(_up(np.empty(0, input._data.dtype)).dtype).max
        raise RuntimeError(f"lambda must be in range [0, {big:g}] for input dtype {_pt_name(input.dtype)}, "
                           f"but found {lambd:g}")
    return input - input.clamp(-lambd, lambd)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    _float_only(input, "hardshrink_cpu")
    return _pw.where((input > lambd) | (input < -lambd), input, 0.0)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    if input.dtype is _dtype.bool or input.dtype.is_complex:
        raise NotImplementedError(f"\"threshold_cpu\" not implemented for '{_pt_name(input.dtype)}'")

    def fn(x):
        out = _pw.where(x > threshold, x, value)
        return out if out.dtype is x.dtype else out.to(x.dtype)
    return _inplace(input, fn) if inplace else fn(input)


_threshold = threshold  # the parameter of threshold_ shadows the function


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, True)


def glu(input, dim=-1):
    """a * sigmoid(b) for the two halves of `input` along `dim`."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim + input.ndim if dim < 0 else dim
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    _float_only(input, "glu_cpu")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


# ---------------------------------------------------------------------------
# softmax family

def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x), dim); dim=None picks PyTorch's legacy implicit dim with a warning."""
    if dim is None:
        dim = _get_softmax_dim("softmax", input.ndim, _stacklevel)
    return _red.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _red.log_softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x)."""
    if dim is None:
        dim = _get_softmax_dim("softmin", input.ndim, _stacklevel)
    return _red.softmax(-input, dim, dtype)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + Gumbel noise) / tau); with hard=True a one-hot straight-through estimator."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    from ... import empty_like, zeros_like
    gumbels = -empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# ---------------------------------------------------------------------------
# prelu, rrelu

def prelu(input, weight):
    """x where x > 0, else weight * x with weight broadcast over the channel dim (dim 1)."""
    _float_only(input, "prelu_cpu")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{n} and channel size = {channels}.")
        weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    elif weight.ndim and input.ndim < 1:
        weight = weight.reshape(())
    return _pw.where(input > 0, input, weight * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky relu whose negative slope is drawn from U(lower, upper) per element in training, (lower+upper)/2 in eval."""
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    _float_only(input, "rrelu_with_noise_cpu")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    from ... import empty_like
    # slopes drawn from ember's default generator; positive elements keep slope 1
    noise = _pw.where(input > 0, 1.0, empty_like(input, requires_grad=False).uniform_(lower, upper)).detach()

    def fn(x):
        return x * noise
    return _inplace(input, fn) if inplace else fn(input)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)
