"""conv1d/2d/3d functionals against PyTorch where the module rows can't reach: the chunked stride-1 GEMM path
(several batch chunks, a partial last one, non-finite values), the fused bias and its errors, double backward."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _run(lib, fn, x, w, b, **kw):
    xs = lib.from_numpy(x.copy()).requires_grad_()
    ws = lib.from_numpy(w.copy()).requires_grad_()
    bs = None if b is None else lib.from_numpy(b.copy()).requires_grad_()
    y = getattr(lib.nn.functional, fn)(xs, ws, bs, **kw)
    y.backward(lib.from_numpy(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)).astype(x.dtype)))
    return [y.detach().numpy(), xs.grad.numpy(), ws.grad.numpy()] + ([] if b is None else [bs.grad.numpy()])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n,c,o,sp,k,kw", [
    (32, 3, 16, (32, 32), (3, 3), {"padding": 1}),  # the CNN benchmark's layers
    (32, 16, 32, (16, 16), (3, 3), {"padding": 1}),
    (37, 5, 7, (9, 8), (3, 2), {"padding": (1, 0)}),  # several chunks, a partial last one
    (70, 2, 3, (4, 5), (1, 1), {}),
    (3, 4, 6, (9, 8), (3, 3), {"padding": 2, "dilation": 2}),
    (5, 3, 4, (11,), (3,), {"padding": 1}),
    (2, 3, 4, (5, 6, 7), (2, 3, 2), {"padding": 1}),
    (2, 4, 6, (7, 7), (3, 3), {"stride": 2, "padding": 1}),  # strided and grouped: the general path
    (2, 4, 6, (7, 7), (3, 3), {"padding": 1, "groups": 2}),
    (1, 1, 1, (3, 3), (3, 3), {}),
])
@pytest.mark.parametrize("bias", [True, False])
def test_conv_against_torch(n, c, o, sp, k, kw, bias, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c) + sp).astype(dtype)
    w = rng.standard_normal((o, c // kw.get("groups", 1)) + k).astype(dtype)
    b = rng.standard_normal(o).astype(dtype) if bias else None
    fn = f"conv{len(sp)}d"
    tol = 1e-10 if dtype == "float64" else 1e-3
    for e, t in zip(_run(ember, fn, x, w, b, **kw), _run(torch, fn, x, w, b, **kw)):
        np.testing.assert_allclose(e, t, rtol=tol, atol=tol)


@pytest.mark.parametrize("where", ["x", "w"])
def test_conv_non_finite(where):
    """The padded-grid GEMMs must keep inf * 0 from the garbage columns out of real positions."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 3, 6, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    (x if where == "x" else w).flat[5] = np.inf
    for e, t in zip(_run(ember, "conv2d", x, w, None, padding=1), _run(torch, "conv2d", x, w, None, padding=1)):
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-10)


def test_conv_bias_checks_and_grad_fn():
    x = ember.randn(1, 4, 5, 5)
    w = ember.randn(3, 4, 3, 3)
    y = ember.nn.functional.conv2d(x, w, ember.randn(3, requires_grad=True), padding=1)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    for lib in (torch, ember):
        xl, wl = lib.from_numpy(x.numpy()), lib.from_numpy(w.numpy())
        with pytest.raises(RuntimeError, match=r"Input type \(float\) and bias type \(double\) should be the same"):
            lib.nn.functional.conv2d(xl, wl, lib.zeros(3, dtype=lib.float64))
        with pytest.raises(RuntimeError, match=r"expected bias to be 1-dimensional with 3 elements, but got bias of "
                                               r"size \[3, 1\] instead"):
            lib.nn.functional.conv2d(xl, wl, lib.zeros(3, 1))


def test_conv_double_backward():
    x = ember.randn(2, 3, 5, 5, dtype=ember.float64, requires_grad=True)
    w = ember.randn(4, 3, 3, 3, dtype=ember.float64, requires_grad=True)
    b = ember.randn(4, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda x, w, b: ember.nn.functional.conv2d(x, w, b, padding=1), (x, w, b))


@pytest.mark.parametrize("threads", [2, 3])
def test_batch_parallel_kernels_match_serial(monkeypatch, threads):
    """NOTE [ Batch-parallel kernels ]: the threaded conv and max-pool kernels give the serial results."""
    from ember.nn.functional import _conv
    rng = np.random.default_rng(2)
    x = rng.integers(-2, 3, (9, 16, 16, 16)).astype(np.float32)   # ties for max-pool's first-maximum rule
    w = rng.standard_normal((8, 16, 3, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)

    def run():
        xs, ws, bs = (ember.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
        y = ember.nn.functional.conv2d(xs, ws, bs, padding=1)
        out, idx = ember.nn.functional.max_pool2d(y, 2, return_indices=True)
        (out * ember.from_numpy(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)).astype(np.float32))).sum() \
            .backward()
        return [t.detach().numpy() for t in (y, out, idx, xs.grad, ws.grad, bs.grad)]
    monkeypatch.setattr(_conv, "_num_threads", lambda: 1)
    serial = run()
    monkeypatch.setattr(_conv, "_num_threads", lambda: threads)
    monkeypatch.setattr(_conv, "_MIN_PARALLEL", 0)
    assert len(_conv.parallel_parts(9, 1)) == threads
    for a, s in zip(run(), serial):
        np.testing.assert_allclose(a, s, rtol=1e-5, atol=1e-4)


def test_parallel_region_holds_blas_to_one_thread(monkeypatch):
    from ember.nn.functional import _conv
    libs = _conv._openblas()
    if not libs:
        pytest.skip("needs threadpoolctl and NumPy's OpenBLAS")
    before = [lib.get_num_threads() for lib in libs]
    inside = _conv.run_parallel(lambda: [lib.get_num_threads() for lib in libs], [(), ()])
    assert inside == [[1] * len(libs)] * 2
    assert [lib.get_num_threads() for lib in libs] == before
    with pytest.raises(ZeroDivisionError):
        _conv.run_parallel(lambda: 1 / 0, [(), ()])
    assert [lib.get_num_threads() for lib in libs] == before
