"""Conformance of dropout (ember/nn/functional/_dropout.py, nn/modules/dropout.py).

Exact comparisons only where dropout is deterministic (eval mode, p = 0, p = 1);
train mode is checked statistically: keep rate, scale, channel masks, moments
for alpha dropout, reproducibility under ember.manual_seed, and backward
multiplying by the same mask.
"""
import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as EF

from .moduleinfo import C, ModuleInfo, make_module_tests, rand
from .opinfo import FLOAT, HALF, OpInfo, S, make_arg, make_tests

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None


def deterministic(shape, train_default=True):
    """Eval mode, p=0 and p=1: the cases where PyTorch's result is exact."""
    def samples(dtype, rng):
        yield S(make_arg(shape, dtype, rng), 0.5, False)
        yield S(make_arg(shape, dtype, rng), p=0.3, training=False)
        yield S(make_arg(shape, dtype, rng), 0.0, True)
        yield S(make_arg(shape, dtype, rng), 1.0, True)
        yield S(make_arg(shape, dtype, rng), p=1.0, training=True)
        if len(shape) >= 2:
            yield S(make_arg((0,) + shape[1:], dtype, rng), 0.5, True)
    return samples


def p_errors(rng):
    yield S(make_arg((2, 3, 4), "float32", rng), 1.5)
    yield S(make_arg((2, 3, 4), "float32", rng), -0.1)


def row(name, shape, errors=p_errors):
    return OpInfo("nn.functional." + name, deterministic(shape), dtypes=FLOAT + HALF, errors=errors)


def dropout1d_errors(rng):
    yield S(make_arg((3,), "float32", rng), 0.5)
    yield S(make_arg((2, 3, 4, 5), "float32", rng), 0.5)
    yield S(make_arg((2, 3), "float32", rng), 2.0)


ROWS = [
    row("dropout", (3, 4)),
    OpInfo("nn.functional.dropout", deterministic(()), dtypes=FLOAT),
    row("dropout1d", (2, 3, 4), errors=None),
    OpInfo("nn.functional.dropout1d", deterministic((3, 4)), dtypes=FLOAT, errors=dropout1d_errors),
    row("dropout2d", (2, 3, 4, 4)),
    row("dropout3d", (2, 3, 2, 2, 2)),
    OpInfo("nn.functional.dropout3d", deterministic((3, 2, 2, 2)), dtypes=FLOAT),
    row("alpha_dropout", (3, 4)),
    row("feature_alpha_dropout", (2, 3, 4)),
]

globals().update(make_tests(ROWS))


def inp(*shape):
    return lambda rng, v: [rand(rng, *shape)]


MODULES = [
    ModuleInfo("Dropout", [C(), C(0.2), C(p=0.7, inplace=True)], inputs=inp(4, 5), modes=("eval",)),
    ModuleInfo("Dropout1d", [C(), C(0.3)], inputs=inp(2, 3, 5), modes=("eval",)),
    ModuleInfo("Dropout2d", [C(), C(0.3)], inputs=inp(2, 3, 4, 4), modes=("eval",)),
    ModuleInfo("Dropout3d", [C(), C(0.3)], inputs=inp(2, 3, 2, 2, 2), modes=("eval",)),
    ModuleInfo("AlphaDropout", [C(), C(0.2)], inputs=inp(4, 5), modes=("eval",)),
    ModuleInfo("FeatureAlphaDropout", [C(), C(0.2)], inputs=inp(2, 3, 4), modes=("eval",)),
    # p=1 and p=0 are deterministic in train mode too
    ModuleInfo("Dropout", [C(1.0), C(0.0)], inputs=inp(4, 5)),
    ModuleInfo("Dropout2d", [C(1.0)], inputs=inp(2, 3, 4, 4)),
]

globals().update({"test_module": make_module_tests(MODULES)["test_module"]})


# ---------------------------------------------------------------------------
# train mode: statistics

@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_keep_rate_and_scale(p, dtype):
    ember.manual_seed(0)
    x = ember.ones(200, 500, dtype=getattr(ember, dtype))
    y = EF.dropout(x, p).float().numpy()
    kept = y != 0
    assert abs(kept.mean() - (1 - p)) < 0.01
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-2 if dtype in HALF else 1e-6)
    assert y.dtype == np.float32 and EF.dropout(x, p).dtype is x.dtype


def test_dropout_backward_uses_same_mask():
    ember.manual_seed(1)
    x = ember.randn(50, 40, dtype=ember.float64, requires_grad=True)
    y = EF.dropout(x, 0.4)
    g = ember.randn(50, 40, dtype=ember.float64)
    y.backward(g)
    mask = (y.detach() / x.detach()).numpy()
    np.testing.assert_allclose(x.grad.numpy(), g.numpy() * mask, rtol=1e-12)
    assert set(np.round(np.unique(mask), 12)) <= {0.0, round(1 / 0.6, 12)}


def test_dropout_double_backward():
    ember.manual_seed(2)
    x = ember.randn(8, dtype=ember.float64, requires_grad=True)
    y = EF.dropout(x, 0.5)
    (gx,) = ember.autograd.grad((y * y).sum(), x, create_graph=True)
    (ggx,) = ember.autograd.grad(gx.sum(), x)
    mask = (y.detach() != 0).numpy() * 2.0
    np.testing.assert_allclose(ggx.numpy(), 2 * mask * mask)


@pytest.mark.parametrize("fn,shape,mask_shape", [
    (EF.dropout1d, (40, 30, 7), (40, 30, 1)),
    (EF.dropout1d, (400, 7), (400, 1)),
    (EF.dropout2d, (40, 30, 3, 4), (40, 30, 1, 1)),
    (EF.dropout3d, (20, 30, 2, 3, 2), (20, 30, 1, 1, 1)),
    (EF.dropout3d, (400, 2, 3, 2), (400, 1, 1, 1)),
])
def test_channel_dropout_masks(fn, shape, mask_shape):
    ember.manual_seed(0)
    y = fn(ember.ones(*shape), 0.5).numpy()
    # every channel is either all zero or all 2
    flat = y.reshape(int(np.prod([s for s, m in zip(shape, mask_shape) if m != 1])), -1)
    assert ((flat == 0).all(1) | (flat == 2).all(1)).all()
    assert abs((flat[:, 0] != 0).mean() - 0.5) < 4 * np.sqrt(0.25 / len(flat))


def test_dropout2d_warns_like_pytorch():
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        EF.dropout2d(ember.ones(2, 3, 4), 0.5)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        EF.dropout2d(ember.ones(2, 3), 0.5)
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        EF.dropout3d(ember.ones(2, 3, 4), 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EF.dropout2d(ember.ones(2, 3, 4, 4), 0.5)


@pytest.mark.parametrize("fn,shape", [(EF.alpha_dropout, (400000,)), (EF.feature_alpha_dropout, (2000, 100, 2))])
@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_keeps_moments(fn, shape, p):
    ember.manual_seed(0)
    x = ember.randn(*shape, dtype=ember.float64)
    y = fn(x, p, True)
    assert abs(float(y.mean())) < 0.02 and abs(float(y.std()) - 1) < 0.02
    # dropped elements all take one value (SELU's saturation mapped through the affine correction)
    xv, yv = x.numpy().reshape(-1), y.numpy().reshape(-1)
    a = (1.7580993408473766 ** 2 * p + 1) ** -0.5 * (1 - p) ** -0.5
    dropped = ~np.isclose(yv, xv * a + 1.7580993408473766 * a * p)
    np.testing.assert_allclose(yv[dropped], -1.7580993408473766 * a + 1.7580993408473766 * a * p)
    assert abs(dropped.mean() - p) < 0.01


def test_feature_alpha_dropout_channel_mask():
    ember.manual_seed(0)
    y = EF.feature_alpha_dropout(ember.zeros(50, 40, 6), 0.5, True).numpy()
    assert (y == y[..., :1]).all()  # one decision per (n, c)


@pytest.mark.parametrize("fn", [EF.dropout, EF.dropout2d, EF.alpha_dropout])
def test_reproducible_with_manual_seed(fn):
    x = ember.randn(4, 6, 3, 3)
    ember.manual_seed(7)
    a = fn(x, 0.5, True)
    ember.manual_seed(7)
    b = fn(x, 0.5, True)
    c = fn(x, 0.5, True)
    assert ember.equal(a, b) and not ember.equal(b, c)


def test_generator_state_restores_mask():
    x = ember.ones(100)
    state = ember.get_rng_state()
    a = EF.dropout(x)
    ember.set_rng_state(state)
    assert ember.equal(a, EF.dropout(x))


def test_eval_and_p0_return_input_itself():
    x = ember.randn(3, 4)
    assert EF.dropout(x, 0.5, training=False) is x
    assert EF.dropout(x, 0.0) is x
    assert EF.alpha_dropout(x, 0.5) is x  # training defaults to False
    m = ember.nn.Dropout().eval()
    assert m(x) is x


def test_inplace_dropout():
    ember.manual_seed(0)
    x = ember.ones(10, 10)
    v = x._version
    y = EF.dropout(x, 0.5, inplace=True)
    assert y is x and x._version > v
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}
    x = ember.ones(2, 3, 4)
    assert EF.dropout1d(x[0], 0.5, inplace=True).shape == (3, 4)
    # autograd through the in-place write
    w = ember.randn(20, requires_grad=True)
    h = w * 1
    EF.dropout(h, 0.5, inplace=True).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), h.detach().numpy() / w.detach().numpy(), rtol=1e-5)


def test_int_input_in_training_refused():
    with pytest.raises(RuntimeError, match="can't be cast"):
        EF.dropout(ember.arange(4), 0.5)
    assert ember.equal(EF.dropout(ember.arange(4), 0.5, training=False), ember.arange(4))


def test_module_train_mode_and_p_validation():
    ember.manual_seed(0)
    m = ember.nn.Dropout(0.25)
    y = m(ember.ones(100, 100)).numpy()
    assert abs((y == 0).mean() - 0.25) < 0.02
    for cls in (ember.nn.Dropout, ember.nn.Dropout2d, ember.nn.AlphaDropout):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            cls(1.5)
    assert repr(ember.nn.Dropout3d(0.1, True)) == "Dropout3d(p=0.1, inplace=True)"


def test_torch_namespace_dropout():
    x = ember.ones(100, 10)
    ember.manual_seed(0)
    assert abs(float((ember.dropout(x, 0.5, True) == 0).float().mean()) - 0.5) < 0.05
    assert ember.dropout(x, 0.5, False) is x
    with warnings.catch_warnings():  # ember.feature_dropout is routed to dropout2d, which warns on 3-D input
        warnings.simplefilter("ignore")
        y = ember.feature_dropout(ember.ones(50, 40, 3), 0.5, True).numpy()
    assert ((y == 0).all(-1) | (y == 2).all(-1)).all()
    assert ember.alpha_dropout(x, 0.5, False) is x


def test_torch_namespace_table():
    """The torch.<name> spellings this file offers through TORCH_NAMESPACE (see the report: F/__init__ must collect it)."""
    from ember.nn.functional import _dropout
    ns = _dropout.TORCH_NAMESPACE
    ember.manual_seed(0)
    x = ember.randn(200, 50)
    out, mask = ns["native_dropout"](x, 0.3, True)
    assert mask.dtype is ember.bool and abs(float(mask.float().mean()) - 0.7) < 0.02
    np.testing.assert_allclose(out.numpy(), x.numpy() * mask.numpy() / 0.7, rtol=1e-6)
    out, mask = ns["native_dropout"](x, 0.3, False)
    assert bool(mask.all()) and ember.equal(out, x) and out is not x
    y = ember.ones(100, 10)
    assert ns["dropout_"](y, 0.5, True) is y and set(np.unique(y.numpy())) <= {0.0, 2.0}
    y = ember.ones(50, 40, 3)
    assert ns["feature_dropout_"](y, 0.5, True) is y
    assert ((y.numpy() == 0).all(-1) | (y.numpy() == 2).all(-1)).all()
    y = ns["feature_dropout"](ember.ones(50, 40, 3), 0.5, True).numpy()
    assert ((y == 0).all(-1) | (y == 2).all(-1)).all()
    z = ember.randn(10, 4)
    assert ns["alpha_dropout_"](z, 0.5, True) is z and ns["feature_alpha_dropout_"](z, 0.5, True) is z
