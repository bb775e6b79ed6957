"""Autograd tests.  Helpers: write a scenario once as `fn(T)` over a torch-like module T,
run it on ember and on PyTorch, and compare the results (or the errors)."""
import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:  # the tests using the helpers are skipped (see tests/conftest.py)
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs PyTorch")


def to_numpy(x):
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy(), str(x.dtype).replace("torch.", "")
    if isinstance(x, ember.Tensor):
        return np.asarray(x.detach()._host()), x.dtype.name
    return x, None


def assert_same(a, b, rtol=1e-6, atol=1e-7, path="result"):
    """`a` (ember) and `b` (torch) are equal nested structures: same values, shapes and dtypes."""
    if isinstance(b, (tuple, list)):
        assert isinstance(a, (tuple, list)), f"{path}: ember gave {type(a).__name__}, torch a sequence"
        assert len(a) == len(b), f"{path}: lengths {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, rtol, atol, f"{path}[{i}]")
        return
    if isinstance(b, dict):
        assert set(a) == set(b), f"{path}: keys differ"
        for k in b:
            assert_same(a[k], b[k], rtol, atol, f"{path}[{k!r}]")
        return
    if torch is not None and isinstance(b, torch.dtype):
        assert isinstance(a, ember.dtype) and str(a) == str(b), f"{path}: {a} != {b}"
        return
    if b is None:
        assert a is None, f"{path}: ember gave {a!r}, torch None"
        return
    if torch is not None and isinstance(b, torch.Tensor):
        assert isinstance(a, ember.Tensor), f"{path}: ember gave {type(a).__name__}, torch a Tensor"
        av, ad = to_numpy(a)
        bv, bd = to_numpy(b)
        assert ad == bd, f"{path}: dtype {ad} != {bd}"
        assert av.shape == bv.shape, f"{path}: shape {av.shape} != {bv.shape}"
        np.testing.assert_allclose(av, bv, rtol=rtol, atol=atol, err_msg=path)
        return
    if isinstance(b, float):
        assert a == pytest.approx(b, rel=rtol, abs=atol), f"{path}: {a} != {b}"
        return
    assert a == b, f"{path}: {a!r} != {b!r}"


def both(fn, **tol):
    """Run scenario `fn(T)` with ember and torch; assert equal results; return ember's."""
    expected = fn(torch)
    got = fn(ember)
    assert_same(got, expected, **tol)
    return got


def raises_both(fn, match_message=True):
    """`fn(T)` raises the same exception type (and message) under ember and torch."""
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(Exception) as e_err:
        fn(ember)
    assert type(e_err.value) is type(t_err.value) or isinstance(e_err.value, type(t_err.value)), \
        f"ember raised {type(e_err.value).__name__}: {e_err.value}; torch {type(t_err.value).__name__}: {t_err.value}"
    if match_message:
        assert str(e_err.value) == str(t_err.value)
    return e_err.value


def Function(T):
    """T.autograd.Function (ember's lives in ember.autograd.function)."""
    f = getattr(T.autograd, "Function", None)
    if f is None:
        from ember.autograd.function import Function as f
    return f
