"""torch.fft: discrete Fourier transforms on NumPy's pocketfft.

NOTE [ FFT primitives ]
Three transforms do all the work: c2c (complex to complex), r2c (real to the
one-sided half spectrum) and c2r (half spectrum to real), each over given dims
with no change of size, plus `fft_resize`, which zero-pads or trims dims to the
requested signal sizes (n / s).  Each VJP is another transform in the opposite
direction with the normalization swapped ('backward' <-> 'forward'): the
adjoint of an unnormalized DFT is the unnormalized inverse DFT.  r2c's adjoint
pads the half spectrum and keeps the real part; c2r's adjoint is r2c with the
bins that stand for two conjugate bins doubled (PyTorch's fft_c2r_backward).
"""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..ops.core import _finish
from ..ops.registry import apply, defop

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "hfft2",
    "hfftn",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "ihfft2",
    "ihfftn",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]

_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _resize_forward(xp, x, dims, sizes):
    for d, n in zip(dims, sizes):
        m = x.shape[d]
        if n < m:
            x = xp.take(x, xp.arange(n), axis=d)
        elif n > m:
            pad = [(0, 0)] * x.ndim
            pad[d] = (0, n - m)
            x = xp.pad(x, pad)
    return x


# fmt: off
_resize = defop("fft_resize", _resize_forward,
                lambda g, out, x, dims, sizes: apply(_resize, g, dims=dims, sizes=tuple(x.shape[d] for d in dims)),
                node="ConstantPadNdBackward0")
_c2c = defop("fft_c2c", lambda xp, x, dims, norm, forward: _c2c_forward(xp, x, dims, norm, forward),
             lambda g, out, x, dims, norm, forward: apply(_c2c, g, dims=dims, norm=_SWAP[norm], forward=not forward),
             inputs=False, node="FftC2CBackward0")
_r2c = defop("fft_r2c", lambda xp, x, dims, norm: xp.fft.rfftn(x, axes=dims, norm=norm).astype(_complex(x.dtype), copy=False),
             lambda g, out, x, dims, norm: _r2c_grad(g, dims, norm, x.shape[dims[-1]]), node="FftR2CBackward0")
_c2r = defop("fft_c2r", lambda xp, z, dims, norm, n: xp.fft.irfftn(z, s=tuple(z.shape[d] for d in dims[:-1]) + (n,),
                                                                   axes=dims, norm=norm).astype(_real(z.dtype), copy=False),
             lambda g, out, z, dims, norm, n: _c2r_grad(g, dims, norm, n, n // 2 + 1), inputs=False,
             node="FftC2RBackward0")
# fmt: on


def _complex(d):
    return np.complex64 if d in (np.float32, np.complex64) else np.complex128


def _real(d):
    return np.float32 if d in (np.float32, np.complex64) else np.float64


def _c2c_forward(xp, x, dims, norm, forward):
    fn = xp.fft.fftn if forward else xp.fft.ifftn
    return fn(x, axes=dims, norm=norm).astype(x.dtype, copy=False)


def _r2c_grad(g, dims, norm, n):
    full = apply(_resize, g, dims=(dims[-1],), sizes=(n,))
    return apply(_c2c, full, dims=dims, norm=_SWAP[norm], forward=False).real


def _c2r_grad(g, dims, norm, n, m):
    gz = apply(_r2c, g, dims=dims, norm=_SWAP[norm])
    double = np.ones(m, dtype=_real(gz._data.dtype))
    double[1:n - m + 1] = 2  # bins whose conjugate partner is not stored
    double = double.reshape((m,) + (1,) * (g.ndim - 1 - dims[-1]))
    return gz * _wrap(g._device.xp.asarray(double), g._device)


# ---------------------------------------------------------------------------
# argument handling

def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in _SWAP:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _check_dtype(x, name, real_only=False):
    d = x.dtype
    if d in (_dtype.float16, _dtype.bfloat16):  # PyTorch's CPU FFT has no half kernels
        raise RuntimeError(f"Unsupported dtype {'Half' if d is _dtype.float16 else 'BFloat16'}")
    if real_only and d.is_complex:
        from ..ops.registry import _pt_name
        raise RuntimeError(f"{name} expects a real input tensor, but got {_pt_name(d)}")
    if d._category < 2:
        x = x.to(_dtype._default[0])
    return x


def _as_complex(x):
    if x.dtype.is_complex:
        return x
    return x.to(_dtype.complex64 if x.dtype is _dtype.float32 else _dtype.complex128)


def _dims_sizes(x, s, dim, default_all=True):
    """Resolve PyTorch's (s, dim) pair: dims to transform and the signal size along each (-1 keeps the size)."""
    if dim is not None:
        dims = [dim] if isinstance(dim, int) else list(dim)
        n = x.ndim
        for d in dims:
            if not -max(n, 1) <= d < max(n, 1):
                raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        dims = [d % n for d in dims]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > x.ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {x.ndim} dimensions.")
        dims = list(range(x.ndim - len(s), x.ndim))
    else:
        dims = list(range(x.ndim))
    sizes = [x.shape[d] for d in dims] if s is None else [x.shape[d] if n == -1 else int(n) for d, n in zip(dims, s)]
    for n in sizes:
        if n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return tuple(dims), tuple(sizes)


def _fit(x, dims, sizes):
    if all(x.shape[d] == n for d, n in zip(dims, sizes)):
        return x
    return apply(_resize, x, dims=dims, sizes=sizes)


def _c2c_n(x, s, dim, norm, forward, name):
    x = _as_complex(_check_dtype(x, name))
    dims, sizes = _dims_sizes(x, s, dim)
    if not dims:
        return x.clone()
    return apply(_c2c, _fit(x, dims, sizes), dims=dims, norm=_norm(norm), forward=forward)


def _r2c_n(x, s, dim, norm, name):
    x = _check_dtype(x, name, real_only=True)
    dims, sizes = _dims_sizes(x, s, dim)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    return apply(_r2c, _fit(x, dims, sizes), dims=dims, norm=_norm(norm))


def _c2r_n(x, s, dim, norm, name):
    x = _as_complex(_check_dtype(x, name))
    dims, sizes = _dims_sizes(x, s, dim)
    if not dims:
        raise RuntimeError(f"{name} must transform at least one axis")
    last = sizes[-1] if s is not None and s[-1] != -1 else 2 * (x.shape[dims[-1]] - 1)
    if last < 1:
        raise RuntimeError(f"Invalid number of data points ({last}) specified")
    half = tuple(sizes[:-1]) + (last // 2 + 1,)
    return apply(_c2r, _fit(x, dims, half), dims=dims, norm=_norm(norm), n=last)


def _one(n):
    return None if n is None else (n,)


# ---------------------------------------------------------------------------
# the transforms

def fft(input, n=None, dim=-1, norm=None, *, out=None):
    return _finish(_c2c_n(input, _one(n), dim, norm, True, "fft"), out)


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    return _finish(_c2c_n(input, _one(n), dim, norm, False, "ifft"), out)


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _finish(_c2c_n(input, s, dim, norm, True, "fft2"), out)


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _finish(_c2c_n(input, s, dim, norm, False, "ifft2"), out)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    return _finish(_c2c_n(input, s, dim, norm, True, "fftn"), out)


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    return _finish(_c2c_n(input, s, dim, norm, False, "ifftn"), out)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    return _finish(_r2c_n(input, _one(n), dim, norm, "rfft"), out)


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    return _finish(_c2r_n(input, _one(n), dim, norm, "irfft"), out)


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _finish(_r2c_n(input, s, dim, norm, "rfft2"), out)


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return _finish(_c2r_n(input, s, dim, norm, "irfft2"), out)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    return _finish(_r2c_n(input, s, dim, norm, "rfftn"), out)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    return _finish(_c2r_n(input, s, dim, norm, "irfftn"), out)


# Hermitian transforms: hfft(x) = irfft(conj(x)) and ihfft(x) = conj(rfft(x)), each with the normalization swapped
def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    x = _as_complex(_check_dtype(input, "hfftn"))
    return _finish(_c2r_n(x.conj(), s, dim, _SWAP[_norm(norm)], "hfftn"), out)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    return _finish(_r2c_n(input, s, dim, _SWAP[_norm(norm)], "ihfftn").conj().resolve_conj(), out)


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    return hfftn(input, _one(n), (dim,), norm, out=out)


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    return ihfftn(input, _one(n), (dim,), norm, out=out)


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return hfftn(input, s, dim, norm, out=out)


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return ihfftn(input, s, dim, norm, out=out)


# ---------------------------------------------------------------------------
# helpers

def _freq(values, n, d, dtype, device, requires_grad, out):
    from .._creation import tensor
    dt = _dtype.to_dtype(dtype) if dtype is not None else _dtype._default[0]
    res = tensor(values / (n * d), dtype=dt, device=device, requires_grad=requires_grad)
    return _finish(res, out)


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    k = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)]).astype(np.float64)
    return _freq(k, n, d, dtype, device, requires_grad, out)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return _freq(np.arange(0, n // 2 + 1, dtype=np.float64), n, d, dtype, device, requires_grad, out)


def _shift(x, dim, sign):
    from .. import roll
    if dim is None:
        dim = tuple(range(x.ndim))
    elif isinstance(dim, int):
        dim = (dim,)
    if not dim:
        raise RuntimeError("`shifts` required")
    shifts = tuple(sign * (x.shape[d] // 2) for d in dim)
    return roll(x, shifts, tuple(dim))


def fftshift(input, dim=None):
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    return _shift(input, dim, -1)


_ = Tensor
