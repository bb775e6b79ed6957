"""Pooling and padding layers and functionals against PyTorch: max/avg/lp/adaptive pooling, unpooling, padding."""
import numpy as np
import pytest

import ember

from .moduleinfo import C, ModuleInfo, make_module_tests, rand
from .opinfo import FLOAT, HALF, OpInfo, S, make_arg, make_tests, nograd

try:
    import torch
except ImportError:
    torch = None


def _first(out):
    return out[0]


def _unpool_inputs(nd, shape, k, stride=None, padding=0):
    """(pooled values, their indices) from PyTorch's max pool, so MaxUnpool gets valid indices."""
    def make(rng, v):
        x = torch.from_numpy(rand(rng, *shape))
        pool = getattr(torch.nn.functional, f"max_pool{nd}d")
        out, idx = pool(x, k, stride, padding, return_indices=True)
        return [out.numpy(), idx.numpy()]
    return make


MODULES = [
    ModuleInfo("MaxPool1d", [C(2), C(3, 2, 1), C(3, 2, 1, ceil_mode=True), C(2, dilation=2), C(3, 1, 1, 2, False, True)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 9)], output=_first),
    ModuleInfo("MaxPool2d", [C(2), C(3, 2, 1), C((3, 2), (2, 1), (1, 0), ceil_mode=True), C(3, 2, dilation=2),
                             C(2, return_indices=True)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 9, 8)], output=_first),
    ModuleInfo("MaxPool2d", [C(2, 1, ceil_mode=True)], inputs=lambda rng, v: [rand(rng, 3, 5, 5)], output=_first),
    ModuleInfo("MaxPool3d", [C(2), C(3, 2, 1, ceil_mode=True), C(2, return_indices=True)],
               inputs=lambda rng, v: [rand(rng, 1, 2, 5, 6, 5)], output=_first),
    ModuleInfo("AvgPool1d", [C(2), C(3, 2, 1), C(3, 2, 1, ceil_mode=True, count_include_pad=False)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 9)]),
    ModuleInfo("AvgPool2d", [C(2), C(3, 2, 1), C((3, 2), (2, 1), (1, 0), ceil_mode=True), C(3, 2, 1, False, False),
                             C(3, 2, 1, divisor_override=4)], inputs=lambda rng, v: [rand(rng, 2, 3, 9, 8)]),
    ModuleInfo("AvgPool2d", [C(3, 2, 1, True)], inputs=lambda rng, v: [rand(rng, 3, 6, 7)]),
    ModuleInfo("AvgPool3d", [C(2), C(3, 2, 1, ceil_mode=True, count_include_pad=False)],
               inputs=lambda rng, v: [rand(rng, 1, 2, 5, 6, 5)]),
    ModuleInfo("LPPool1d", [C(2, 3), C(1.5, 2, 1)], inputs=lambda rng, v: [rand(rng, 2, 3, 9, low=0.1)]),
    ModuleInfo("LPPool2d", [C(2, 3), C(2, (2, 3), stride=(1, 2), ceil_mode=True)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 7, 8, low=0.1)]),
    ModuleInfo("LPPool3d", [C(2, 2)], inputs=lambda rng, v: [rand(rng, 1, 2, 4, 5, 4, low=0.1)]),
    ModuleInfo("AdaptiveAvgPool1d", [C(3), C(4), C(1)], inputs=lambda rng, v: [rand(rng, 2, 3, 8)]),
    ModuleInfo("AdaptiveAvgPool2d", [C(3), C((2, 4)), C((None, 3)), C(1)], inputs=lambda rng, v: [rand(rng, 2, 3, 7, 8)]),
    ModuleInfo("AdaptiveAvgPool2d", [C((5, 3))], inputs=lambda rng, v: [rand(rng, 3, 7, 8)]),
    ModuleInfo("AdaptiveAvgPool3d", [C(2), C((3, 2, None))], inputs=lambda rng, v: [rand(rng, 1, 2, 5, 4, 7)]),
    ModuleInfo("AdaptiveMaxPool1d", [C(3), C(4, return_indices=True)], inputs=lambda rng, v: [rand(rng, 2, 3, 9)],
               output=_first),
    ModuleInfo("AdaptiveMaxPool2d", [C(3), C((2, 5)), C((None, 3), True)], inputs=lambda rng, v: [rand(rng, 2, 3, 7, 8)],
               output=_first),
    ModuleInfo("AdaptiveMaxPool3d", [C(2), C((3, 2, None))], inputs=lambda rng, v: [rand(rng, 1, 2, 5, 4, 7)]),
    ModuleInfo("MaxUnpool1d", [C(2)], inputs=_unpool_inputs(1, (2, 3, 8), 2)),
    ModuleInfo("MaxUnpool2d", [C(2)], inputs=_unpool_inputs(2, (2, 3, 6, 6), 2)),
    ModuleInfo("MaxUnpool2d", [C(3, 2, 1)], inputs=_unpool_inputs(2, (2, 3, 7, 7), 3, 2, 1)),
    ModuleInfo("MaxUnpool3d", [C(2)], inputs=_unpool_inputs(3, (1, 2, 4, 4, 6), 2)),
    # padding layers
    ModuleInfo("ZeroPad1d", [C(2), C((1, 3))], inputs=lambda rng, v: [rand(rng, 2, 3, 5)]),
    ModuleInfo("ZeroPad2d", [C(2), C((1, 0, 2, 3)), C((-1, 2, 0, 1))], inputs=lambda rng, v: [rand(rng, 2, 3, 4, 5)]),
    ModuleInfo("ZeroPad3d", [C(1), C((1, 0, 2, 1, 0, 1))], inputs=lambda rng, v: [rand(rng, 1, 2, 3, 4, 3)]),
    ModuleInfo("ConstantPad1d", [C(2, 3.5), C((1, 3), -1.0)], inputs=lambda rng, v: [rand(rng, 2, 3, 5)]),
    ModuleInfo("ConstantPad2d", [C(2, 1.5), C((1, 0, 2, 3), 2.0)], inputs=lambda rng, v: [rand(rng, 3, 4, 5)]),
    ModuleInfo("ConstantPad3d", [C(1, 0.5)], inputs=lambda rng, v: [rand(rng, 1, 2, 3, 4, 3)]),
    ModuleInfo("ReflectionPad1d", [C(2), C((1, 3))], inputs=lambda rng, v: [rand(rng, 2, 3, 5)]),
    ModuleInfo("ReflectionPad2d", [C(2), C((1, 0, 2, 3))], inputs=lambda rng, v: [rand(rng, 2, 3, 4, 5)]),
    ModuleInfo("ReflectionPad3d", [C(1), C((1, 0, 2, 1, 0, 1))], inputs=lambda rng, v: [rand(rng, 1, 2, 3, 4, 3)]),
    ModuleInfo("ReplicationPad1d", [C(2), C((1, 3))], inputs=lambda rng, v: [rand(rng, 2, 3, 5)]),
    ModuleInfo("ReplicationPad2d", [C(2), C((1, 0, 2, 3))], inputs=lambda rng, v: [rand(rng, 3, 4, 5)]),
    ModuleInfo("ReplicationPad3d", [C(1), C((1, 0, 2, 1, 0, 1))], inputs=lambda rng, v: [rand(rng, 1, 2, 3, 4, 3)]),
    ModuleInfo("CircularPad1d", [C(2), C((1, 3))], inputs=lambda rng, v: [rand(rng, 2, 3, 5)]),
    ModuleInfo("CircularPad2d", [C(2), C((1, 0, 2, 3))], inputs=lambda rng, v: [rand(rng, 2, 3, 4, 5)]),
    ModuleInfo("CircularPad3d", [C(1), C((1, 0, 2, 1, 0, 1))], inputs=lambda rng, v: [rand(rng, 1, 2, 3, 4, 3)]),
]

globals().update(make_module_tests(MODULES))


# ---------------------------------------------------------------------------
# functionals

def _max_pool_samples(nd):
    def samples(dtype, rng):
        def a(*shape):
            return make_arg(shape, dtype, rng)
        sp = (9, 6, 7)[:nd] if nd < 3 else (4, 4, 3)
        yield S(a(1, 2, *sp), 2)
        yield S(a(1, 2, *sp), 3, 2, 1, return_indices=True)
        yield S(a(1, 2, *sp), 3, stride=2, padding=1, ceil_mode=True, return_indices=True)
        yield S(a(1, 2, *sp), [2] * nd, [1] * nd, 1, dilation=2, return_indices=True)
        yield S(a(3, *sp), 2, ceil_mode=True, return_indices=True)                    # unbatched
        yield S(a(0, 3, *sp), 2)                                                   # empty batch
        if nd == 2:
            yield S(a(2, 3, 6, 7), (3, 2), (2, 1), (1, 0), (1, 2), True, True)
    return samples


def _max_pool_errors(nd):
    def errors(rng):
        x = make_arg((2, 3) + (5,) * nd, "float32", rng)
        yield S(x, 3, padding=2)
        yield S(x, 7)
        yield S(x, 2, stride=0)
        yield S(x, 0)
        yield S(make_arg((5,), "float32", rng), 2)
    return errors


def _avg_pool_samples(nd):
    def samples(dtype, rng):
        def a(*shape):
            return make_arg(shape, dtype, rng)
        sp = (9, 6, 7)[:nd] if nd < 3 else (4, 4, 3)
        yield S(a(1, 2, *sp), 2)
        yield S(a(1, 2, *sp), 3, 2, 1)
        yield S(a(1, 2, *sp), 3, stride=2, padding=1, ceil_mode=True)
        yield S(a(1, 2, *sp), 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        yield S(a(3, *sp), [2] * nd, [1] * nd, 1)
        if nd > 1:
            yield S(a(1, 2, *sp), 3, 2, 1, divisor_override=5)
    return samples


def _avg_pool_errors(rng):
    x = make_arg((2, 3, 5, 5), "float32", rng)
    yield S(x, 3, padding=2)
    yield S(x, 7)
    yield S(x, 2, divisor_override=0)


def _lp_pool_samples(nd):
    def samples(dtype, rng):
        sp = (7, 6, 5)[:nd] if nd < 3 else (4, 4, 3)
        yield S(make_arg((1, 2) + sp, dtype, rng, low=0.1), 2, 2)
        yield S(make_arg((1, 2) + sp, dtype, rng, low=0.1), 1.5, 3, 2, ceil_mode=True)
        yield S(make_arg((3,) + sp, dtype, rng, low=0.1), 3, [2] * nd if nd > 1 else 2, 1)
    return samples


def _adaptive_samples(nd, with_indices):
    def samples(dtype, rng):
        def a(*shape):
            return make_arg(shape, dtype, rng)
        sp = (7, 8, 5)[:nd] if nd < 3 else (5, 4, 3)
        kw = {"return_indices": True} if with_indices else {}
        yield S(a(1, 2, *sp), 3, **kw)
        yield S(a(1, 2, *sp), [4, 2, 5][:nd] if nd < 3 else [2, 3, 2], **kw)
        yield S(a(1, 2, *sp), 1, **kw)
        yield S(a(3, *sp), [None] + [2] * (nd - 1) if nd > 1 else 2, **kw)
        yield S(a(1, 2, *sp), [9, 10, 7][:nd] if nd < 3 else [6, 5, 4], **kw)   # more bins than inputs
    return samples


def _adaptive_errors(nd):
    def errors(rng):
        yield S(make_arg((5,), "float32", rng), 2)
        yield S(make_arg((2, 3) + (0,) * nd, "float32", rng), 2)
        yield S(make_arg((2, 3) + (4,) * nd, "float32", rng), [2] * (nd + 1))
    return errors


def _unpool_samples(nd):
    def samples(dtype, rng):
        sp = (4,) * nd
        x = torch.from_numpy(make_arg((2, 3) + sp, "float64", rng))
        pool = getattr(torch.nn.functional, f"max_pool{nd}d")
        # non-overlapping windows: with repeated indices scatter keeps one value, so finite differences disagree
        for args, kw in [((2,), {}), ((3, 3, 1), {}), ((2,), {"output_size": [s + 1 for s in sp]})]:
            out, idx = pool(x, *args[:3], return_indices=True)
            yield S(out.numpy().astype(dtype), nograd(idx.numpy()), *args, **kw)
    return samples


def _fns(nd):
    return [
        OpInfo(f"nn.functional.max_pool{nd}d", _max_pool_samples(nd), dtypes=FLOAT + HALF + ("int64", "uint8", "bool"),
               errors=_max_pool_errors(nd)),
        OpInfo(f"nn.functional.avg_pool{nd}d", _avg_pool_samples(nd), dtypes=FLOAT + HALF + ("int64", "int32"),
               errors=_avg_pool_errors if nd == 2 else None),
        OpInfo(f"nn.functional.lp_pool{nd}d", _lp_pool_samples(nd)),
        OpInfo(f"nn.functional.adaptive_avg_pool{nd}d", _adaptive_samples(nd, False), dtypes=FLOAT + HALF + ("int64",),
               errors=_adaptive_errors(nd)),
        OpInfo(f"nn.functional.adaptive_max_pool{nd}d", _adaptive_samples(nd, True), dtypes=FLOAT + HALF,
               errors=_adaptive_errors(nd)),
        OpInfo(f"nn.functional.max_unpool{nd}d", _unpool_samples(nd)),
    ]


def _fractional_samples(nd):
    def samples(dtype, rng):
        sp = (7, 6) if nd == 2 else (5, 5, 5)
        x = make_arg((2, 2) + sp, dtype, rng)
        u = nograd(make_arg((2, 2, nd), dtype, rng, low=0.0, high=1.0))
        yield S(x, 2, (3,) * nd, _random_samples=u)
        yield S(x, [3, 2, 2][:nd], output_ratio=(0.5,) * nd, return_indices=True, _random_samples=u)
        yield S(x[0], 2, [1, 4][:nd] if nd == 2 else [1, 2, 2], return_indices=True, _random_samples=u[:1])
    return samples


def _fractional_errors(nd):
    def errors(rng):
        x = make_arg((1, 1) + (5,) * nd, "float32", rng)
        yield S(x, 3, 4)
        yield S(x, 2)
        yield S(make_arg((5,) * (nd - 1), "float32", rng), 2, 2)
    return errors


FUNCTIONALS = _fns(1) + _fns(2) + _fns(3) + [
    OpInfo("nn.functional.fractional_max_pool2d", _fractional_samples(2), dtypes=FLOAT + HALF,
           errors=_fractional_errors(2)),
    OpInfo("nn.functional.fractional_max_pool3d", _fractional_samples(3), errors=_fractional_errors(3)),
    OpInfo("nn.functional.max_pool2d_with_indices", lambda dtype, rng: [S(make_arg((2, 3, 7, 6), dtype, rng), 3, 2, 1,
                                                                          ceil_mode=True)]),
    OpInfo("nn.functional.adaptive_max_pool2d_with_indices",
           lambda dtype, rng: [S(make_arg((2, 3, 7, 6), dtype, rng), (3, 4))]),
]

globals().update(make_tests(FUNCTIONALS))


# ---------------------------------------------------------------------------
# things rows can't express

def test_max_pool_ties_nan_and_padding_indices():
    x = np.array([[[[1., 1., np.nan, 2.], [3., 3., 0., np.nan], [-np.inf, -np.inf, 5., 5.], [-np.inf, -np.inf, 5., 5.]]]],
                 dtype=np.float32)
    for args in [(2,), (3, 1, 1), (2, 1, 1, 2)]:
        t_out, t_idx = torch.nn.functional.max_pool2d(torch.from_numpy(x), *args, return_indices=True)
        e_out, e_idx = ember.nn.functional.max_pool2d(ember.from_numpy(x), *args, return_indices=True)
        np.testing.assert_array_equal(e_idx.numpy(), t_idx.numpy())
        np.testing.assert_array_equal(e_out.numpy(), t_out.numpy())


def test_max_pool_double_backward():
    x = ember.randn(1, 2, 5, 5, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: ember.nn.functional.max_pool2d(t, 3, 2, 1), (x,))
    assert ember.autograd.gradgradcheck(lambda t: ember.nn.functional.avg_pool2d(t, 3, 2, 1, ceil_mode=True), (x,))
    assert ember.autograd.gradgradcheck(lambda t: ember.nn.functional.adaptive_max_pool2d(t, (4, 5)), (x,))


def test_pool_module_returns_indices():
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    t = torch.nn.MaxPool2d(2, return_indices=True)(torch.from_numpy(x))
    e = ember.nn.MaxPool2d(2, return_indices=True)(ember.from_numpy(x))
    assert isinstance(e, tuple) and e[1].dtype == ember.int64
    np.testing.assert_array_equal(e[1].numpy(), t[1].numpy())
    e2 = ember.nn.MaxUnpool2d(2)(*e)
    np.testing.assert_array_equal(e2.numpy(), torch.nn.MaxUnpool2d(2)(*t).numpy())


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_pool_speed_shape(name):
    """The CNN-benchmark shape runs through the windowed primitives in one node each."""
    x = ember.randn(8, 16, 32, 32, requires_grad=True)
    y = getattr(ember.nn.functional, name)(x, 2)
    assert tuple(y.shape) == (8, 16, 16, 16)
    y.sum().backward()
    assert tuple(x.grad.shape) == tuple(x.shape)


@pytest.mark.conforms("nn.FractionalMaxPool2d", "nn.FractionalMaxPool3d")
@pytest.mark.parametrize("nd,kwargs", [(2, {"output_size": (4, 3)}), (2, {"output_ratio": 0.5, "return_indices": True}),
                                       (3, {"output_size": (3, 2, 4), "return_indices": True})])
def test_fractional_max_pool_module(nd, kwargs):
    """FractionalMaxPoolNd with fixed _random_samples (a buffer) against PyTorch: values, indices, gradients."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3) + (9, 8, 7)[:nd])
    u = rng.random((2, 3, nd))
    name = f"FractionalMaxPool{nd}d"
    t_mod = getattr(torch.nn, name)(2, _random_samples=torch.from_numpy(u), **kwargs)
    e_mod = getattr(ember.nn, name)(2, _random_samples=ember.from_numpy(u), **kwargs)
    assert repr(e_mod) == repr(t_mod)
    assert list(e_mod.state_dict()) == list(t_mod.state_dict())
    xt, xe = torch.from_numpy(x).requires_grad_(), ember.from_numpy(x).requires_grad_()
    t_out, e_out = t_mod(xt), e_mod(xe)
    if kwargs.get("return_indices"):
        np.testing.assert_array_equal(e_out[1].numpy(), t_out[1].numpy())
        t_out, e_out = t_out[0], e_out[0]
    np.testing.assert_array_equal(e_out.detach().numpy(), t_out.detach().numpy())
    g = rng.standard_normal(tuple(t_out.shape))
    t_out.backward(torch.from_numpy(g))
    e_out.backward(ember.from_numpy(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy())


def test_fractional_max_pool_random_and_errors():
    out = ember.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))(ember.randn(2, 3, 10, 9))
    assert tuple(out.shape) == (2, 3, 5, 4)
    for kwargs in [{}, {"output_size": 2, "output_ratio": 0.5}, {"output_ratio": 1.5}]:
        with pytest.raises(ValueError):
            torch.nn.FractionalMaxPool2d(2, **kwargs)
        with pytest.raises(ValueError):
            ember.nn.FractionalMaxPool2d(2, **kwargs)


# the tiled fast path of max_pool (stride == kernel, no padding or dilation) against PyTorch
@pytest.mark.parametrize("shape,kernel", [((2, 3, 7, 9), 2), ((2, 3, 8, 8), (2, 4)), ((1, 2, 9, 9), 3),
                                          ((2, 3, 6, 6), (3, 1)), ((1, 2, 5, 4, 7), 2), ((2, 3, 11), 3),
                                          ((0, 3, 4, 4), 2), ((2, 1, 32, 32), 16)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "uint8"])
def test_max_pool_tiles(shape, kernel, dtype):
    rng = np.random.default_rng(0)
    x = rng.integers(-2, 3, shape).astype(dtype)  # small integers: many ties, the first maximum must win
    if dtype == "float64" and x.size:
        x.flat[::7], x.flat[3::11] = np.nan, -np.inf  # NaN wins (the last one), -inf windows keep their first
    nd = len(shape) - 2
    name = f"max_pool{nd}d"
    t_out, t_idx = getattr(torch.nn.functional, name)(torch.from_numpy(x), kernel, return_indices=True)
    e_out, e_idx = getattr(ember.nn.functional, name)(ember.from_numpy(x), kernel, return_indices=True)
    np.testing.assert_array_equal(e_out.numpy(), t_out.numpy())
    np.testing.assert_array_equal(e_idx.numpy(), t_idx.numpy())
    if dtype.startswith("float") and dtype != "float16" and x.size:
        g = rng.standard_normal(t_out.shape).astype(dtype)
        xt, xe = torch.from_numpy(x).requires_grad_(), ember.from_numpy(x).requires_grad_()
        getattr(torch.nn.functional, name)(xt, kernel).backward(torch.from_numpy(g))
        getattr(ember.nn.functional, name)(xe, kernel).backward(ember.from_numpy(g))
        np.testing.assert_array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_max_pool_tiles_ceil_mode_noncontiguous_and_double_backward():
    rng = np.random.default_rng(1)
    for shape in [(2, 3, 8, 6), (2, 3, 7, 6)]:  # ceil_mode adds no window when the sizes divide (fast path)
        x = rng.standard_normal(shape).astype(np.float32)
        t = torch.nn.functional.max_pool2d(torch.from_numpy(x).transpose(2, 3), 2, ceil_mode=True, return_indices=True)
        e = ember.nn.functional.max_pool2d(ember.from_numpy(x).transpose(2, 3), 2, ceil_mode=True, return_indices=True)
        np.testing.assert_array_equal(e[0].numpy(), t[0].numpy())
        np.testing.assert_array_equal(e[1].numpy(), t[1].numpy())
    x = ember.randn(1, 2, 6, 5, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: ember.nn.functional.max_pool2d(t, 2), (x,))
