"""ember.amp: autocast dtypes and values vs torch's CPU autocast, GradScaler vs torch.amp.GradScaler."""
import warnings

import numpy as np
import pytest

import ember
import ember.amp
from ember.amp import _state
from ember.ops import registry

try:
    import torch
except ImportError:
    torch = None


def _pair(shape, seed):
    a = np.random.RandomState(seed).randn(*shape).astype(np.float32)
    return ember.tensor(a), (torch.tensor(a) if torch is not None else None)


def _mk(lib, shapes):
    return [lib.tensor(np.random.RandomState(i).randn(*s).astype(np.float32)) for i, s in enumerate(shapes)]


# (name, fn(lib, *tensors), input shapes); fn gets the library (ember or torch) as `t`
# fmt: off
CASES = [
    ("mm",            lambda t, a, b: t.mm(a, b),                          [(3, 4), (4, 5)]),
    ("matmul",        lambda t, a, b: t.matmul(a, b),                      [(2, 3, 4), (4, 5)]),
    ("matmul_vec",    lambda t, a, b: a @ b,                               [(4,), (4, 5)]),
    ("bmm",           lambda t, a, b: t.bmm(a, b),                         [(2, 3, 4), (2, 4, 5)]),
    ("conv1d_nobias", lambda t, a, w: t.nn.functional.conv1d(a, w),        [(1, 2, 7), (3, 2, 3)]),
    ("conv2d_nobias", lambda t, a, w: t.nn.functional.conv2d(a, w),        [(1, 2, 5, 5), (3, 2, 3, 3)]),
    ("cross_entropy", lambda t, a: t.nn.functional.cross_entropy(a.bfloat16(), t.tensor([0, 2, 1])), [(3, 4)]),
    ("nll_loss",      lambda t, a: t.nn.functional.nll_loss(a.bfloat16(), t.tensor([0, 2, 1])), [(3, 4)]),
    ("cat_promote",   lambda t, a, b: t.cat([a.bfloat16(), b]),            [(2, 3), (2, 3)]),
    ("stack_promote", lambda t, a, b: t.stack([a.bfloat16(), b]),          [(2, 3), (2, 3)]),
    ("cat_same",      lambda t, a, b: t.cat([a.bfloat16(), b.bfloat16()]), [(2, 3), (2, 3)]),
    ("softmax_f32",   lambda t, a: t.softmax(a, -1),                       [(3, 4)]),
    ("softmax_bf16",  lambda t, a: t.softmax(a.bfloat16(), -1),            [(3, 4)]),
    ("log_softmax",   lambda t, a: t.log_softmax(a, -1),                   [(3, 4)]),
    ("relu_bf16",     lambda t, a: t.relu(a.bfloat16()),                   [(3, 4)]),
    ("add_mixed",     lambda t, a, b: a.bfloat16() + b,                    [(3, 4), (3, 4)]),
    ("mm_f64",        lambda t, a, b: t.mm(a.double(), b.double()),        [(3, 4), (4, 5)]),
    ("layer_norm",    lambda t, a: t.nn.functional.layer_norm(a.bfloat16(), (4,)), [(3, 4)]),
    ("sum_bf16",      lambda t, a: a.bfloat16().sum(),                     [(3, 4)]),
]
# composites PyTorch's lists name as a whole (addmm, mse_loss) and primitives computed in float32 internally
CASES += [
    pytest.param("einsum", lambda t, a, b: t.einsum("ij,jk->ik", a, b), [(3, 4), (4, 5)]),
    pytest.param("linear", lambda t, a, w, b: t.nn.functional.linear(a, w, b), [(3, 4), (5, 4), (5,)]),
    pytest.param("addmm", lambda t, c, a, b: t.addmm(c, a, b), [(5,), (3, 4), (4, 5)]),
    pytest.param("baddbmm", lambda t, c, a, b: t.baddbmm(c, a, b), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    pytest.param("conv2d_bias", lambda t, a, w, b: t.nn.functional.conv2d(a, w, b),
                 [(1, 2, 5, 5), (3, 2, 3, 3), (3,)]),
    pytest.param("mse_loss", lambda t, a, b: t.nn.functional.mse_loss(a.bfloat16(), b.bfloat16()),
                 [(3, 4), (3, 4)]),
]
# fmt: on


def _name(d):
    return str(d).replace("torch.", "").replace("ember.", "")


@pytest.mark.torch
@pytest.mark.parametrize("name,fn,shapes", CASES, ids=lambda v: v if isinstance(v, str) else "-")
def test_autocast_dtype_matches_torch(name, fn, shapes):
    ours = _mk(ember, shapes)
    theirs = _mk(torch, shapes)
    with ember.amp.autocast("cpu"):
        r = fn(ember, *ours)
    with torch.autocast("cpu"):
        e = fn(torch, *theirs)
    assert _name(r.dtype) == _name(e.dtype)
    assert r.shape == tuple(e.shape)
    np.testing.assert_allclose(r.float().detach().numpy(), e.float().detach().numpy(), rtol=2e-2, atol=2e-2)


@pytest.mark.torch
def test_autocast_small_model_matches_torch():
    tm = torch.nn.Sequential(torch.nn.Linear(8, 6), torch.nn.ReLU(), torch.nn.LayerNorm(6))
    em = ember.nn.Sequential(ember.nn.Linear(8, 6), ember.nn.ReLU(), ember.nn.LayerNorm(6))
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.RandomState(0).randn(4, 8).astype(np.float32)
    with torch.autocast("cpu"):
        h = tm(torch.tensor(x))
        e = torch.softmax(h, -1)
    with ember.amp.autocast("cpu"):
        g = em(ember.tensor(x))
        r = ember.softmax(g, -1)
    assert _name(g.dtype) == _name(h.dtype) and _name(r.dtype) == _name(e.dtype)
    np.testing.assert_allclose(r.float().detach().numpy(), e.float().detach().numpy(), atol=3e-2)


def test_autocast_grads_flow_to_float32_leaves():
    w = ember.randn(4, 5, requires_grad=True)
    x = ember.randn(3, 4)
    with ember.amp.autocast("cpu"):
        y = x @ w
        assert y.dtype is ember.bfloat16
        loss = y.float().sum()
    loss.backward()
    assert w.grad.dtype is ember.float32 and w.grad.shape == (4, 5)
    np.testing.assert_allclose(w.grad.numpy(), np.repeat(x.sum(0).numpy()[:, None], 5, 1), rtol=2e-2, atol=2e-2)


def test_autocast_state_and_nesting():
    assert not ember.amp.autocast_mode._installed[0]
    assert not _state.is_autocast_enabled("cpu")
    with ember.amp.autocast("cpu"):
        assert _state.is_autocast_enabled("cpu") and not _state.is_autocast_enabled()
        assert _state.get_autocast_dtype("cpu") is ember.bfloat16
        with ember.amp.autocast("cpu", enabled=False):
            assert not _state.is_autocast_enabled("cpu")
            assert (ember.randn(2, 2) @ ember.randn(2, 2)).dtype is ember.float32
        with ember.amp.autocast("cpu", dtype=ember.float16):
            assert (ember.randn(2, 2) @ ember.randn(2, 2)).dtype is ember.float16
        assert _state.is_autocast_enabled("cpu")
    assert not _state.is_autocast_enabled("cpu")
    assert (ember.randn(2, 2) @ ember.randn(2, 2)).dtype is ember.float32
    # nothing left installed: every module's apply is the registry's again
    from ember.ops import core
    assert core.apply is registry.apply and not ember.amp.autocast_mode._installed[0]


def test_autocast_decorator_and_cache():
    w = ember.randn(4, 4, requires_grad=True)

    @ember.amp.autocast("cpu")
    def f(x):
        a = x @ w
        b = x @ w
        return a, b

    a, b = f(ember.randn(2, 4))
    assert a.dtype is ember.bfloat16 and b.dtype is ember.bfloat16
    assert not _state._tls.casts  # cleared on exiting the outermost region


@pytest.mark.torch
def test_state_functions_match_torch():
    assert _state.get_autocast_dtype("cpu") is ember.bfloat16 and torch.get_autocast_dtype("cpu") is torch.bfloat16
    assert _name(_state.get_autocast_dtype("cuda")) == _name(torch.get_autocast_dtype("cuda"))
    assert _state.is_autocast_cache_enabled() == torch.is_autocast_cache_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _name(_state.get_autocast_cpu_dtype()) == _name(torch.get_autocast_cpu_dtype())
        assert _name(_state.get_autocast_gpu_dtype()) == _name(torch.get_autocast_gpu_dtype())
        assert _state.is_autocast_cpu_enabled() == torch.is_autocast_cpu_enabled()
    _state.set_autocast_dtype("cpu", ember.float16)
    assert _state.get_autocast_dtype("cpu") is ember.float16
    _state.set_autocast_dtype("cpu", ember.bfloat16)
    assert ember.amp.is_autocast_available("cpu") and torch.amp.is_autocast_available("cpu")
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        ember.amp.is_autocast_available("foo")
    assert _state.autocast_increment_nesting() == 1 and _state.autocast_decrement_nesting() == 0


def test_custom_fwd_bwd():
    class MyMM(ember.autograd.Function):
        @staticmethod
        @ember.amp.custom_fwd(device_type="cpu", cast_inputs=ember.float32)
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a.mm(b)

        @staticmethod
        @ember.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g.mm(b.t()), a.t().mm(g)

    a = ember.randn(2, 3, requires_grad=True)
    with ember.amp.autocast("cpu"):
        y = MyMM.apply(a.bfloat16(), ember.randn(3, 2))
    assert y.dtype is ember.float32
    y.sum().backward()
    assert a.grad.shape == (2, 3)


# --- GradScaler --------------------------------------------------------------------------------------------

def _scripted_run(lib, scaler_cls, w0, xs, inf_steps, **kw):
    model = lib.nn.Linear(3, 2)
    with lib.no_grad():
        model.weight.copy_(lib.tensor(w0[0]))
        model.bias.copy_(lib.tensor(w0[1]))
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    scaler = scaler_cls("cpu", init_scale=2.0**8, growth_interval=2, **kw)
    scales, weights, rets = [], [], []
    for i, x in enumerate(xs):
        opt.zero_grad()
        loss = model(lib.tensor(x)).pow(2).sum()
        scaler.scale(loss).backward()
        if i in inf_steps:
            with lib.no_grad():
                model.weight.grad[0, 0] = float("inf") if i % 2 else float("nan")
        rets.append(scaler.step(opt) is None)
        scaler.update()
        scales.append(scaler.get_scale())
        weights.append(model.weight.detach().numpy().copy())
    return scales, weights, scaler.state_dict()


@pytest.mark.conforms("torch.amp.GradScaler")
@pytest.mark.torch
def test_grad_scaler_matches_torch():
    rs = np.random.RandomState(0)
    w0 = (rs.randn(2, 3).astype(np.float32), rs.randn(2).astype(np.float32))
    xs = [rs.randn(4, 3).astype(np.float32) for _ in range(8)]
    s_e, w_e, sd_e = _scripted_run(ember, ember.amp.GradScaler, w0, xs, {2, 5, 6})
    s_t, w_t, sd_t = _scripted_run(torch, torch.amp.GradScaler, w0, xs, {2, 5, 6})
    assert s_e == s_t
    for a, b in zip(w_e, w_t):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert sd_e == sd_t
    assert np.array_equal(w_e[1], w_e[2])  # the inf step was skipped


def test_grad_scaler_api():
    p = ember.nn.Parameter(ember.ones(2))
    opt = ember.optim.SGD([p], lr=1.0)
    s = ember.amp.GradScaler(init_scale=4.0)
    assert s.get_scale() == 4.0 and s.is_enabled()
    with pytest.raises(AssertionError, match="Attempted step but _scale is None"):
        s.step(opt)
    (s.scale(p.sum())).backward()
    assert p.grad.tolist() == [4.0, 4.0]
    s.unscale_(opt)
    assert p.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)
    s.update()
    assert p.tolist() == [0.0, 0.0]
    sd = s.state_dict()
    s2 = ember.amp.GradScaler()
    s2.load_state_dict(sd)
    assert s2.state_dict() == sd
    off = ember.amp.GradScaler(enabled=False)
    assert off.state_dict() == {} and off.get_scale() == 1.0
    t = ember.ones(1)
    assert off.scale(t) is t
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        s2.load_state_dict({})
    scaled = s.scale([ember.ones(1), (ember.ones(1),)])
    assert isinstance(scaled, list) and isinstance(scaled[1], tuple)


def test_autocast_unsupported_dtype_and_device():
    with pytest.warns(UserWarning, match="In CPU autocast, but the target dtype is not supported"):
        ac = ember.amp.autocast("cpu", dtype=ember.float64)
    with ac:
        assert not _state.is_autocast_enabled("cpu")
    if not ember.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            ember.amp.autocast("cuda")
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        ember.amp.autocast(0)
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        ember.amp.autocast("nope")


def test_autocast_state_is_per_thread():
    import threading
    seen = []
    with ember.amp.autocast("cpu"):
        t = threading.Thread(target=lambda: seen.append(_state.is_autocast_enabled("cpu")))
        t.start()
        t.join()
        assert _state.is_autocast_enabled("cpu")
    assert seen == [False]
