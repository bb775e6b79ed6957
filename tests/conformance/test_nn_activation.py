"""Conformance of the activation functionals and layers (ember/nn/functional/_activation.py, nn/modules/activation.py)."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as EF

from .moduleinfo import C, ModuleInfo, make_module_tests, rand
from .opinfo import COMPLEX, FLOAT, HALF, OpInfo, S, make_arg, make_tests

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None

ACT = FLOAT + HALF + ("int64",)  # ints: PyTorch refuses most activations, ember must refuse alike


def unary(**kw):
    def samples(dtype, rng):
        yield S(make_arg((3, 4), dtype, rng, low=-3, high=3), **kw)
        yield S(make_arg((), dtype, rng, low=-3, high=3), **kw)
        yield S(make_arg((0, 2), dtype, rng), **kw)
        yield S(make_arg((2, 1, 5), dtype, rng, low=-3, high=3), **kw)
    return samples


def complex_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng))
    yield S(make_arg((0, 2), dtype, rng))


def variants(*kws):
    """Samples for each keyword set in kws."""
    def samples(dtype, rng):
        for kw in kws:
            yield from unary(**kw)(dtype, rng)
    return samples


def inplace_of(mod, name):
    """F.<name>(clone, inplace=True): the in-place path, with autograd through the write."""
    fn = getattr(mod, name)

    def run(x, *args, **kwargs):
        return fn(x.clone(), *args, inplace=True, **kwargs)
    return run


def row(name, samples, dtypes=ACT, **kw):
    return OpInfo("nn.functional." + name, samples, dtypes=dtypes, **kw)


def inplace_row(name, samples, dtypes=FLOAT, **kw):
    return OpInfo(f"nn.functional.{name}(inplace)", samples, dtypes=dtypes,
                  torch_fn=inplace_of(TF, name) if TF else None, ember_fn=inplace_of(EF, name), **kw)


def softmax_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), 1)
    yield S(make_arg((3, 4), dtype, rng), dim=-2)
    yield S(make_arg((2, 3, 4), dtype, rng), 0)
    yield S(make_arg((), dtype, rng), 0)
    yield S(make_arg((0, 3), dtype, rng), -1)
    yield S(make_arg((2, 5), dtype, rng), 1, dtype="dtype:float64")


def glu_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng))
    yield S(make_arg((4, 3), dtype, rng), 0)
    yield S(make_arg((2, 6, 3), dtype, rng), dim=-2)
    yield S(make_arg((0, 2), dtype, rng))


def glu_errors(rng):
    yield S(make_arg((3,), "float32", rng))
    yield S(make_arg((), "float32", rng))


def prelu_samples(dtype, rng):
    w = {"low": 0, "high": 0.5} if dtype in FLOAT else {}
    yield S(make_arg((2, 3, 4), dtype, rng), make_arg((3,), dtype, rng, **w))
    yield S(make_arg((2, 3), dtype, rng), make_arg((1,), dtype, rng, **w))
    yield S(make_arg((5,), dtype, rng), make_arg((1,), dtype, rng, **w))
    yield S(make_arg((), dtype, rng), make_arg((1,), dtype, rng, **w))
    yield S(make_arg((2, 3, 2, 2), dtype, rng), make_arg((3,), dtype, rng, **w))


def prelu_errors(rng):
    yield S(make_arg((3,), "float32", rng), make_arg((3,), "float32", rng))
    yield S(make_arg((2, 3), "float32", rng), make_arg((2,), "float32", rng))
    yield S(make_arg((2, 3), "float32", rng), make_arg((1, 3), "float32", rng))


def errors_of(*samples):
    def errors(rng):
        for args, kw in samples:
            yield S(make_arg((3,), "float32", rng), *args, **kw)
    return errors


ROWS = [
    row("relu", unary(), dtypes=ACT + ("int32", "uint8")),
    row("relu6", unary(), dtypes=ACT + ("uint8", "bool")),
    row("leaky_relu", variants({}, {"negative_slope": 0.2}, {"negative_slope": -0.5})),
    row("elu", variants({}, {"alpha": 0.5})),
    row("selu", unary()),
    row("celu", variants({}, {"alpha": 2.0}), errors=errors_of(((), {"alpha": 0}))),
    row("gelu", variants({}, {"approximate": "tanh"}), errors=errors_of(((), {"approximate": "foo"}))),
    row("silu", unary()),
    row("silu", complex_samples, dtypes=COMPLEX),
    row("mish", unary()),
    row("hardtanh", variants({}, {"min_val": -0.5, "max_val": 2.0}), dtypes=ACT + ("bool", "int8"),
        errors=errors_of(((2.0, 1.0), {}))),
    row("hardswish", unary()),
    row("hardsigmoid", unary()),
    row("sigmoid", unary()),
    row("tanh", unary()),
    row("logsigmoid", variants({}), dtypes=FLOAT + ("int64",)),
    row("tanhshrink", unary()),
    row("softplus", variants({}, {"beta": 2.0, "threshold": 3.0}, {"beta": 0.5})),
    row("softshrink", variants({}, {"lambd": 1.0}), errors=errors_of(((-1.0,), {}))),
    row("hardshrink", variants({}, {"lambd": 1.0})),
    row("threshold", variants({"threshold": 0.5, "value": -2.0}, {"threshold": -1, "value": 0}),
        dtypes=ACT + ("bool", "int32")),
    row("softsign", unary()),
    row("glu", glu_samples, dtypes=FLOAT + HALF, errors=glu_errors),
    row("softmax", softmax_samples, dtypes=FLOAT + HALF),
    row("log_softmax", softmax_samples, dtypes=FLOAT + HALF),
    row("softmin", softmax_samples, dtypes=FLOAT + HALF),
    row("prelu", prelu_samples, dtypes=FLOAT + ("int64",), errors=prelu_errors),
    row("rrelu", variants({}, {"lower": 0.1, "upper": 0.5, "training": False})),
    # in-place variants, through autograd
    inplace_row("relu", unary()),
    inplace_row("relu6", unary()),
    inplace_row("leaky_relu", variants({"negative_slope": 0.2})),
    inplace_row("elu", variants({"alpha": 0.5})),
    inplace_row("selu", unary()),
    inplace_row("celu", unary()),
    inplace_row("silu", unary()),
    inplace_row("mish", unary()),
    inplace_row("hardtanh", unary()),
    inplace_row("hardswish", unary()),
    inplace_row("hardsigmoid", unary()),
    inplace_row("threshold", variants({"threshold": 0.5, "value": -2.0})),
    inplace_row("rrelu", unary()),
]

globals().update(make_tests(ROWS))


# ---------------------------------------------------------------------------
# modules

def inp(*shape):
    return lambda rng, v: [rand(rng, *shape, low=-3, high=3)]


MODULES = [
    ModuleInfo("ReLU", [C()], inputs=inp(2, 3)),
    ModuleInfo("ReLU6", [C()], inputs=inp(2, 3)),
    ModuleInfo("LeakyReLU", [C(), C(0.2), C(negative_slope=0.3)], inputs=inp(2, 3)),
    ModuleInfo("PReLU", [C(), C(3), C(3, init=0.1)], inputs=inp(2, 3, 4)),
    ModuleInfo("RReLU", [C(), C(0.1, 0.3)], inputs=inp(2, 3), modes=("eval",)),
    ModuleInfo("ELU", [C(), C(alpha=0.5)], inputs=inp(2, 3)),
    ModuleInfo("SELU", [C()], inputs=inp(2, 3)),
    ModuleInfo("CELU", [C(), C(2.0)], inputs=inp(2, 3)),
    ModuleInfo("GELU", [C(), C("tanh")], inputs=inp(2, 3)),
    ModuleInfo("SiLU", [C()], inputs=inp(2, 3)),
    ModuleInfo("Mish", [C()], inputs=inp(2, 3)),
    ModuleInfo("Hardtanh", [C(), C(-2.0, 0.5)], inputs=inp(2, 3)),
    ModuleInfo("Hardswish", [C()], inputs=inp(2, 3)),
    ModuleInfo("Hardsigmoid", [C()], inputs=inp(2, 3)),
    ModuleInfo("Sigmoid", [C()], inputs=inp(2, 3)),
    ModuleInfo("LogSigmoid", [C()], inputs=inp(2, 3)),
    ModuleInfo("Tanh", [C()], inputs=inp(2, 3)),
    ModuleInfo("Tanhshrink", [C()], inputs=inp(2, 3)),
    ModuleInfo("Softplus", [C(), C(2, 5)], inputs=inp(2, 3)),
    ModuleInfo("Softshrink", [C(), C(1.0)], inputs=inp(2, 3)),
    ModuleInfo("Hardshrink", [C(), C(1.0)], inputs=inp(2, 3)),
    ModuleInfo("Threshold", [C(0.1, 20), C(0.5, -1.0)], inputs=inp(2, 3)),
    ModuleInfo("GLU", [C(), C(0)], inputs=inp(4, 6)),
    ModuleInfo("Softmax", [C(1), C(dim=-1)], inputs=inp(2, 3, 4)),
    ModuleInfo("LogSoftmax", [C(1), C(dim=0)], inputs=inp(2, 3)),
    ModuleInfo("Softmin", [C(1)], inputs=inp(2, 3)),
    ModuleInfo("Softmax2d", [C()], inputs=inp(2, 3, 4, 4)),
    ModuleInfo("Softsign", [C()], inputs=inp(2, 3)),
]

globals().update({"test_module": make_module_tests(MODULES)["test_module"]})


# ---------------------------------------------------------------------------
# what rows cannot express

@pytest.mark.parametrize("name,args", [("ReLU", (True,)), ("ReLU6", (True,)), ("LeakyReLU", (0.3, True)),
                                       ("ELU", (0.5, True)), ("SELU", (True,)), ("CELU", (2.0, True)),
                                       ("SiLU", (True,)), ("Mish", (True,)), ("Hardswish", (True,)),
                                       ("Hardsigmoid", (True,)), ("Hardtanh", (-2.0, 0.5, True)),
                                       ("Threshold", (0.5, -1.0, True)), ("RReLU", (0.1, 0.2, True))])
def test_inplace_modules(name, args):
    t_mod, e_mod = getattr(torch.nn, name)(*args), getattr(ember.nn, name)(*args)
    assert repr(e_mod) == repr(t_mod)
    a = np.random.default_rng(0).uniform(-3, 3, (4, 5))
    t_x, e_x = torch.tensor(a), ember.tensor(a)
    t_mod.eval(), e_mod.eval()
    assert e_mod(e_x) is e_x
    np.testing.assert_allclose(e_x.numpy(), t_mod(t_x).numpy(), rtol=1e-12)

@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
def test_softmax_implicit_dim(name, ndim):
    a = np.random.default_rng(0).standard_normal((2,) * ndim)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        e = getattr(EF, name)(ember.tensor(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = getattr(TF, name)(torch.tensor(a))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12)


def test_softmax_module_implicit_dim():
    with pytest.warns(UserWarning):
        out = ember.nn.Softmax()(ember.ones(2, 3))
    np.testing.assert_allclose(out.numpy(), np.full((2, 3), 1 / 3), rtol=1e-6)


def test_softmax2d_rejects_2d():
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        ember.nn.Softmax2d()(ember.ones(2, 3))


def test_inplace_returns_input():
    for fn, kw in [(EF.relu, {}), (EF.leaky_relu, {}), (EF.elu, {}), (EF.hardtanh, {}), (EF.silu, {}),
                   (EF.threshold, {"threshold": 0.0, "value": 1.0}), (EF.rrelu, {"training": True})]:
        x = ember.randn(3, 4)
        v = x._version
        assert fn(x, inplace=True, **kw) is x
        assert x._version > v
    for fn in (EF.relu_, EF.elu_, EF.selu_, EF.celu_, EF.leaky_relu_, EF.hardtanh_, EF.rrelu_):
        x = ember.randn(3)
        assert fn(x) is x


def test_inplace_leaf_requires_grad_refused():
    for fn in (EF.relu, EF.elu, EF.silu, EF.mish):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            fn(ember.randn(3, requires_grad=True), inplace=True)


def test_leaky_relu_inplace_negative_slope_with_grad():
    x = ember.randn(3, requires_grad=True)
    y = EF.leaky_relu_(x * 1, -0.1)  # the forward is allowed, as in PyTorch
    with pytest.raises(RuntimeError, match="negative slope"):
        y.sum().backward()


def test_double_backward_hot_activations():
    for fn in (EF.gelu, lambda x: EF.gelu(x, approximate="tanh"), EF.silu, EF.leaky_relu, EF.elu, EF.relu6,
               EF.mish, EF.softplus):
        x = ember.randn(4, 3, dtype=ember.float64, requires_grad=True)
        assert ember.autograd.gradgradcheck(fn, (x,))


def test_activation_half_dtypes_stay_half():
    for d in (ember.float16, ember.bfloat16):
        x = ember.randn(5).to(d)
        for fn in (EF.gelu, EF.silu, EF.leaky_relu, EF.relu6, EF.elu, EF.mish, EF.hardswish):
            assert fn(x).dtype is d


def test_rrelu_training_statistics():
    ember.manual_seed(0)
    x = ember.full((20000,), -1.0, dtype=ember.float64, requires_grad=True)
    y = EF.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.005
    assert abs(slopes.std() - 0.2 / np.sqrt(12)) < 0.005
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)  # the gradient is the drawn slope
    pos = ember.rand(100) + 0.1
    assert ember.equal(EF.rrelu(pos, training=True), pos)


def test_rrelu_reproducible():
    x = ember.randn(100)
    ember.manual_seed(3)
    a = EF.rrelu(x, training=True)
    ember.manual_seed(3)
    b = EF.rrelu(x, training=True)
    assert ember.equal(a, b)
    m = ember.nn.RReLU()
    assert not ember.equal(m(x), m.eval()(x)) or bool((x >= 0).all())


def test_hardtanh_unsigned_negative_limits():
    with pytest.raises(RuntimeError, match="cannot do hardtanh on an unsigned type with negative limits"):
        EF.hardtanh(ember.arange(4, dtype=ember.uint8), -1.0, 2.0)
    assert EF.hardtanh(ember.arange(4, dtype=ember.uint8), 1.0, 2.0).tolist() == [1, 1, 2, 2]


def test_rrelu_bounds_error():
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal to the upper bound"):
        EF.rrelu(ember.randn(3), 0.5, 0.1, training=True)


def test_gumbel_softmax():
    ember.manual_seed(0)
    logits = ember.randn(64, 5, requires_grad=True)
    y = EF.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(y.sum(-1).detach().numpy(), np.ones(64), rtol=1e-5)
    h = EF.gumbel_softmax(logits, hard=True, dim=-1)
    hv = h.detach().numpy()
    assert set(np.unique(hv)) <= {0.0, 1.0} and (hv.sum(-1) == 1).all()
    (h * ember.arange(5.0)).sum().backward()
    assert logits.grad is not None and float(logits.grad.abs().sum()) > 0
    with pytest.warns(UserWarning, match="eps"):
        EF.gumbel_softmax(logits, eps=1e-5)
    # the sampled class follows softmax(logits)
    ember.manual_seed(1)
    lg = ember.tensor([[0.0, 1.0, 2.0]]).expand(20000, 3)
    freq = EF.gumbel_softmax(lg, hard=True).sum(0).numpy() / 20000
    np.testing.assert_allclose(freq, np.exp([0, 1, 2]) / np.exp([0, 1, 2]).sum(), atol=0.02)


def test_prelu_module_parameter():
    m = ember.nn.PReLU(3)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    np.testing.assert_allclose(m.weight.detach().numpy(), [0.25] * 3)


def test_hardtanh_module_asserts():
    with pytest.raises(AssertionError):
        ember.nn.Hardtanh(1.0, 0.5)
    with pytest.warns(FutureWarning):
        m = ember.nn.Hardtanh(min_value=-2.0)
    assert m.min_val == -2.0


def test_stateless_modules_accept_args():
    assert repr(ember.nn.Sigmoid(1, foo=2)) == "Sigmoid()"
    assert not isinstance(ember.nn.CELU(), ember.nn.ELU)
    assert not isinstance(ember.nn.LogSoftmax(1), ember.nn.Softmax)


def test_torch_namespace_spellings():
    x = ember.randn(5)
    for name in ("selu", "celu", "prelu", "rrelu", "hardshrink", "threshold"):
        assert callable(getattr(ember, name))
    np.testing.assert_allclose(ember.threshold(x, 0.0, 1.0).numpy(), TF.threshold(torch.tensor(x.numpy()), 0.0, 1.0))


@pytest.mark.parametrize("name,kw", [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("elu", {}),
                                     ("selu", {}), ("celu", {"alpha": 0.7})])
def test_blocked_kernels_on_large_inputs(name, kw):
    """Inputs above the block size (and not a multiple of it, and strided) take the blocked NumPy path."""
    a = np.random.default_rng(0).uniform(-4, 4, (301, 250)).astype(np.float32)
    g = np.random.default_rng(1).standard_normal((250, 301)).astype(np.float32)
    e, t = ember.tensor(a).t().requires_grad_(), torch.tensor(a).t().requires_grad_()
    eo, to = getattr(EF, name)(e, **kw), getattr(TF, name)(t, **kw)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=5e-6)  # float32 rounding of 1 - tanh^2
