"""Conformance rows for torch.fft (ember/fft/__init__.py)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember

from . import opinfo
from .opinfo import COMPLEX, FLOAT, OpInfo, S, make_arg, make_tests


INTS = ("int64", "int32", "bool")
NORMS = (None, "backward", "ortho", "forward")


def A(shape, dtype, rng):
    return np.asarray(make_arg(shape, dtype, rng))


def fft1_samples(dtype, rng):
    for norm in NORMS:
        yield S(A((6,), dtype, rng), norm=norm)
    yield S(A((3, 5), dtype, rng), 8)                      # zero-padded
    yield S(A((3, 5), dtype, rng), 3, 0)                   # trimmed along dim 0
    yield S(A((2, 3, 4), dtype, rng), dim=-2, norm="ortho")
    yield S(A((1,), dtype, rng))


def fft2_samples(dtype, rng):
    yield S(A((3, 4), dtype, rng))
    yield S(A((2, 3, 4), dtype, rng), s=(4, 2), norm="ortho")
    yield S(A((2, 3, 4), dtype, rng), dim=(0, 2), norm="forward")
    yield S(A((3, 4), dtype, rng), s=(-1, 6))


def fftn_samples(dtype, rng):
    yield S(A((2, 3, 4), dtype, rng))
    yield S(A((2, 3, 4), dtype, rng), s=(5, 2))
    yield S(A((2, 3, 4), dtype, rng), dim=(0, -1), norm="ortho")
    yield S(A((2, 3, 4), dtype, rng), s=(3, 3), dim=(2, 0), norm="forward")
    yield S(A((4,), dtype, rng), dim=0)


def irfft1_samples(dtype, rng):
    for norm in NORMS:
        yield S(A((5,), dtype, rng), norm=norm)
    yield S(A((3, 4), dtype, rng), 7)                      # odd output length
    yield S(A((3, 4), dtype, rng), 4)                      # trimmed spectrum
    yield S(A((4, 3), dtype, rng), 10, 0, "ortho")         # padded spectrum along dim 0


def irfftn_samples(dtype, rng):
    yield S(A((2, 3, 4), dtype, rng))
    yield S(A((2, 3, 4), dtype, rng), s=(4, 5))
    yield S(A((2, 3, 4), dtype, rng), dim=(0, 1), norm="ortho")
    yield S(A((3, 4), dtype, rng), s=(3, 6), norm="forward")


def irfft2_samples(dtype, rng):
    yield S(A((3, 4), dtype, rng))
    yield S(A((2, 3, 4), dtype, rng), s=(4, 7), norm="ortho")


def errors(rng):
    yield S(A((4,), "float32", rng), norm="bad")
    yield S(A((4,), "float32", rng), 0)
    yield S(A((4,), "float16", rng))
    yield S(A((4,), "float32", rng), dim=2)


def rfft_errors(rng):
    yield S(A((4,), "complex64", rng))
    yield from errors(rng)


C = FLOAT + COMPLEX


def same_kind(name):
    """ember_fn/torch_fn whose output has the input's kind (real <-> complex), so the harness's output gradients,
    drawn in the row's dtype, fit: complex results of real inputs are viewed as real pairs, real results of complex
    inputs are multiplied by 1 + 0j."""
    def wrap(mod):
        fn = opinfo._resolve(mod, name)

        def f(x, *args, **kwargs):
            out = fn(x, *args, **kwargs)
            if isinstance(out, torch.Tensor):
                out = out.resolve_conj()
            if out.is_complex() and not x.is_complex():
                return mod.view_as_real(out)
            if x.is_complex() and not out.is_complex():
                return out * (1 + 0j)
            return out
        return f
    return {"ember_fn": wrap(ember), "torch_fn": wrap(torch)}


def row(name, samples, dtypes, **kw):
    """Values, dtypes, out= and errors on the op itself; gradients through same_kind (see above)."""
    return [OpInfo(name, samples, dtypes=dtypes, grad=False, **kw),
            OpInfo(name + ".grad", samples, dtypes=tuple(d for d in dtypes if d in ("float64", "complex128")),
                   noncontiguous=False, **same_kind(name))]

ROWS = [
    *row("fft.fft", fft1_samples, C + INTS, out=True, errors=errors),
    *row("fft.ifft", fft1_samples, C + INTS, out=True, errors=errors),
    *row("fft.fft2", fft2_samples, C + ("int64",), out=True),
    *row("fft.ifft2", fft2_samples, C, out=True),
    *row("fft.fftn", fftn_samples, C + ("int64",), out=True),
    *row("fft.ifftn", fftn_samples, C, out=True),
    *row("fft.rfft", fft1_samples, FLOAT + INTS, out=True, errors=rfft_errors),
    *row("fft.rfft2", fft2_samples, FLOAT, out=True),
    *row("fft.rfftn", fftn_samples, FLOAT + ("int64",), out=True),
    *row("fft.irfft", irfft1_samples, C, out=True, errors=errors),
    *row("fft.irfft2", irfft2_samples, C, out=True),
    *row("fft.irfftn", irfftn_samples, C, out=True),
    *row("fft.hfft", irfft1_samples, C, out=True),
    *row("fft.ihfft", fft1_samples, FLOAT, out=True),
    *row("fft.hfft2", irfft2_samples, C),
    *row("fft.ihfft2", fft2_samples, FLOAT),
    *row("fft.hfftn", irfftn_samples, C),
    *row("fft.ihfftn", fftn_samples, FLOAT),
    OpInfo("fft.fftshift", lambda d, r: (S(A((4, 5), d, r)), S(A((4, 5), d, r), dim=1), S(A((3, 4, 5), d, r), (0, -1))),
           dtypes=FLOAT + ("int64",), errors=lambda r: (S(A((), "float32", r)),)),
    OpInfo("fft.ifftshift", lambda d, r: (S(A((4, 5), d, r)), S(A((4, 5), d, r), dim=-1), S(A((3, 4, 5), d, r), (0, 2))),
           dtypes=FLOAT + ("int64",)),
]

globals().update(make_tests(ROWS))


@pytest.mark.parametrize("fn", ["fftfreq", "rfftfreq"])
@pytest.mark.parametrize("n", [1, 4, 5])
def test_freq(fn, n):
    for kw in ({}, {"d": 0.5}, {"dtype": "float64"}):
        tkw = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
        ekw = {k: getattr(ember, v) if k == "dtype" else v for k, v in kw.items()}
        t = getattr(torch.fft, fn)(n, **tkw)
        e = getattr(ember.fft, fn)(n, **ekw)
        assert str(e.dtype) == str(t.dtype)
        np.testing.assert_allclose(e.numpy(), t.numpy())


def test_double_backward():
    x = ember.randn(6, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: ember.fft.rfft(t, 9).abs(), (x,))
    z = ember.randn(5, dtype=ember.complex128, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: ember.fft.irfft(t * t, 8, norm="ortho"), (z,))
