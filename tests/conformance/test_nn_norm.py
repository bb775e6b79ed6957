"""Normalization layers and functionals against PyTorch: BatchNorm, InstanceNorm, LayerNorm, GroupNorm, RMSNorm, LRN."""
import numpy as np
import pytest

import ember

from .moduleinfo import C, ModuleInfo, make_module_tests, rand
from .opinfo import FLOAT, HALF, OpInfo, S, make_arg, make_tests, nograd

try:
    import torch
except ImportError:
    torch = None


BN_VARIANTS = [C(3), C(3, momentum=None), C(3, affine=False), C(3, track_running_stats=False), C(3, bias=False),
               C(3, eps=1e-3, momentum=0.5)]
IN_VARIANTS = [C(3), C(3, affine=True), C(3, track_running_stats=True), C(3, affine=True, track_running_stats=True,
                                                                           momentum=None)]

MODULES = [
    ModuleInfo("BatchNorm1d", BN_VARIANTS, inputs=lambda rng, v: [rand(rng, 4, 3)]),
    ModuleInfo("BatchNorm1d", [C(3)], inputs=lambda rng, v: [rand(rng, 4, 3, 5)]),
    ModuleInfo("BatchNorm2d", BN_VARIANTS, inputs=lambda rng, v: [rand(rng, 2, 3, 4, 5)]),
    ModuleInfo("BatchNorm3d", [C(3), C(3, momentum=None, affine=False)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 2, 3, 2)]),
    ModuleInfo("SyncBatchNorm", [C(3), C(3, track_running_stats=False)], inputs=lambda rng, v: [rand(rng, 4, 3, 5)]),
    ModuleInfo("InstanceNorm1d", IN_VARIANTS, inputs=lambda rng, v: [rand(rng, 2, 3, 5)]),
    ModuleInfo("InstanceNorm1d", [C(3), C(3, affine=True, track_running_stats=True)],
               inputs=lambda rng, v: [rand(rng, 3, 5)]),  # unbatched
    ModuleInfo("InstanceNorm2d", IN_VARIANTS, inputs=lambda rng, v: [rand(rng, 2, 3, 4, 3)]),
    ModuleInfo("InstanceNorm3d", [C(3, affine=True, track_running_stats=True)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 2, 3, 2)]),
    ModuleInfo("LayerNorm", [C(5), C((4, 5)), C(5, elementwise_affine=False), C(5, bias=False), C([5], eps=1e-3)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 4, 5)]),
    ModuleInfo("GroupNorm", [C(2, 4), C(4, 4), C(1, 4, affine=False), C(2, 4, bias=False, eps=1e-3)],
               inputs=lambda rng, v: [rand(rng, 2, 4, 3, 2)]),
    ModuleInfo("GroupNorm", [C(3, 6)], inputs=lambda rng, v: [rand(rng, 3, 6, 4)]),
    ModuleInfo("RMSNorm", [C(5), C((4, 5)), C(5, eps=1e-3), C(5, elementwise_affine=False)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 4, 5)]),
    ModuleInfo("LocalResponseNorm", [C(2), C(3, alpha=1e-2, beta=0.5, k=2.0)],
               inputs=lambda rng, v: [rand(rng, 2, 5, 3, 4)]),
    ModuleInfo("LocalResponseNorm", [C(4)], inputs=lambda rng, v: [rand(rng, 2, 6, 7)]),
    # PyTorch's hand-written CrossMapLRN2d backward is not the derivative of its own forward: compare values only
    ModuleInfo("CrossMapLRN2d", [C(3), C(5, alpha=1e-2, beta=0.5, k=2)], inputs=lambda rng, v: [rand(rng, 2, 7, 3, 3)],
               grad=False),
]

globals().update(make_module_tests(MODULES))


# ---------------------------------------------------------------------------
# functionals

def _bn_samples(dtype, rng):
    def a(*shape):
        return make_arg(shape, dtype, rng)

    def stats(c):
        return nograd(make_arg((c,), dtype, rng)), nograd(make_arg((c,), dtype, rng, low=0.5, high=2.0))
    rm, rv = stats(3)
    yield S(a(4, 3), None, None, training=True)
    yield S(a(4, 3, 5), *stats(3), a(3), a(3), training=True, momentum=0.3)
    yield S(a(2, 3, 4, 4), rm, rv, a(3), a(3))
    yield S(a(2, 3, 4, 4), rm, rv, None, a(3), False, 0.1, 1e-3)
    yield S(a(2, 3, 2, 2, 2), None, None, a(3), None, training=True, eps=1e-3)
    yield S(a(0, 3, 4), *stats(3), training=True)
    yield S(a(2, 3), rm, rv, weight=a(3), bias=a(3), training=False)


def _bn_errors(rng):
    x = make_arg((4, 3, 5), "float32", rng)
    yield S(x, nograd(np.zeros(2, "float32")), nograd(np.ones(2, "float32")))
    yield S(x, None, None, nograd(np.ones(2, "float32")), training=True)
    yield S(x, None, None, training=False)
    yield S(make_arg((1, 3), "float32", rng), None, None, training=True)
    yield S(x, nograd(np.zeros(3, "float32")), None, training=True)
    yield S(make_arg((4, 3, 5), "int64", rng), nograd(np.zeros(3, "float32")), nograd(np.ones(3, "float32")))
    yield S(x, None, None, training=True, eps=0.0)


def _in_samples(dtype, rng):
    def a(*shape):
        return make_arg(shape, dtype, rng)
    rm, rv = nograd(a(3)), nograd(make_arg((3,), dtype, rng, low=0.5, high=2.0))
    yield S(a(2, 3, 4))
    yield S(a(2, 3, 4, 4), nograd(a(3)), nograd(make_arg((3,), dtype, rng, low=0.5)), a(3), a(3), momentum=0.2)
    yield S(a(2, 3, 5), rm, rv, a(3), a(3), use_input_stats=False)
    yield S(a(1, 3, 2, 2, 3), weight=a(3), eps=1e-3)


def _in_errors(rng):
    yield S(make_arg((2, 3, 1), "float32", rng))
    yield S(make_arg((2, 3, 4), "float32", rng), nograd(np.zeros(3, "float32")), None)


def _ln_samples(dtype, rng):
    def a(*shape):
        return make_arg(shape, dtype, rng)
    yield S(a(2, 3, 4), (4,))
    yield S(a(2, 3, 4), [3, 4], a(3, 4), a(3, 4))
    yield S(a(2, 3, 4), [4], a(4), None, eps=1e-3)
    yield S(a(5), (5,), weight=a(5), bias=a(5))
    yield S(a(0, 4), (4,), a(4), a(4))


def _ln_errors(rng):
    x = make_arg((4, 3, 5), "float32", rng)
    yield S(x, (4,))
    yield S(x, (5,), make_arg((4,), "float32", rng))
    yield S(x, [])
    yield S(make_arg((4, 3), "int64", rng), (3,))
    yield S(x, 5)


def _gn_samples(dtype, rng):
    def a(*shape):
        return make_arg(shape, dtype, rng)
    yield S(a(2, 4, 3), 2, a(4), a(4))
    yield S(a(2, 6, 3), 3)
    yield S(a(2, 4, 2, 3), 4, weight=a(4), eps=1e-3)


def _gn_errors(rng):
    x = make_arg((4, 3, 5), "float32", rng)
    yield S(x, 2)
    yield S(x, 3, make_arg((2,), "float32", rng))
    yield S(make_arg((3,), "float32", rng), 1)
    yield S(make_arg((1, 3), "float32", rng), 3)


def _rms_samples(dtype, rng):
    def a(*shape):
        return make_arg(shape, dtype, rng)
    yield S(a(2, 3, 4), (4,), a(4))
    yield S(a(2, 3, 4), [3, 4])
    yield S(a(2, 3, 4), [4], a(4), eps=1e-3)
    yield S(a(4), (4,), weight=a(4))


def _rms_errors(rng):
    yield S(make_arg((4, 3, 5), "float32", rng), (4,))
    yield S(make_arg((4, 3, 5), "float32", rng), (5,), make_arg((4,), "float32", rng))
    yield S(make_arg((4, 3, 5), "float32", rng), 5)


def _lrn_samples(dtype, rng):
    def a(*shape):
        return make_arg(shape, dtype, rng)
    yield S(a(2, 5, 4), 3)
    yield S(a(2, 6, 3, 3), 2, alpha=1e-2, beta=0.5, k=2.0)
    yield S(a(1, 4, 2, 2, 2), 5)
    yield S(a(2, 4, 3, 2), 1, 0.5, 1.0, 1.0)


def _lrn_errors(rng):
    yield S(make_arg((4, 3), "float32", rng), 2)


def _native_ln_samples(dtype, rng):
    yield S(make_arg((2, 3, 4), dtype, rng), [4], make_arg((4,), dtype, rng), None, 1e-5)
    yield S(make_arg((2, 3, 4), dtype, rng), [3, 4], None, make_arg((3, 4), dtype, rng), 1e-3)


def _native_bn_samples(dtype, rng):
    x = make_arg((4, 3, 5), dtype, rng)
    yield S(x, make_arg((3,), dtype, rng), None, None, None, True, 0.1, 1e-5)
    yield S(x, None, make_arg((3,), dtype, rng), nograd(make_arg((3,), dtype, rng)),
            nograd(make_arg((3,), dtype, rng, low=0.5)), True, 0.3, 1e-5)
    yield S(x, None, None, nograd(make_arg((3,), dtype, rng)), nograd(make_arg((3,), dtype, rng, low=0.5)), False,
            0.1, 1e-5)


def _torch_level_samples(dtype, rng):
    x = make_arg((4, 3, 5), dtype, rng)
    yield S(x, make_arg((3,), dtype, rng), None, nograd(make_arg((3,), dtype, rng)),
            nograd(make_arg((3,), dtype, rng, low=0.5)), True, 0.3, 1e-5, False)


_NS = ember.nn.functional._norm.TORCH_NAMESPACE

FUNCTIONALS = [
    # the torch.* spellings (to be re-exported by ember/__init__.py from TORCH_NAMESPACE); gradcheck is off for
    # the native_* rows: their statistics outputs are not differentiable (backward is still compared with torch)
    OpInfo("native_layer_norm", _native_ln_samples, ember_fn=_NS["native_layer_norm"], gradcheck=False),
    OpInfo("native_batch_norm", _native_bn_samples, ember_fn=_NS["native_batch_norm"], gradcheck=False),
    OpInfo("batch_norm", _torch_level_samples, ember_fn=_NS["batch_norm"]),
    OpInfo("instance_norm", _torch_level_samples, ember_fn=_NS["instance_norm"]),
    OpInfo("nn.functional.batch_norm", _bn_samples, dtypes=FLOAT + HALF, errors=_bn_errors),
    OpInfo("nn.functional.instance_norm", _in_samples, errors=_in_errors),
    OpInfo("nn.functional.layer_norm", _ln_samples, dtypes=FLOAT + HALF, errors=_ln_errors),
    # PyTorch's own group_norm backward fails on strided weights and on bias without weight
    # ("tensor does not have a device"): the bias-only case is checked in test_group_norm_bias_only
    OpInfo("nn.functional.group_norm", _gn_samples, dtypes=FLOAT + HALF, errors=_gn_errors, noncontiguous=False),
    OpInfo("nn.functional.rms_norm", _rms_samples, dtypes=FLOAT + HALF, errors=_rms_errors),
    OpInfo("nn.functional.local_response_norm", _lrn_samples, errors=_lrn_errors),
]

globals().update(make_tests(FUNCTIONALS))


# ---------------------------------------------------------------------------
# explicit checks

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _pair(cls, *args, **kwargs):
    torch.manual_seed(0)
    t = getattr(torch.nn, cls)(*args, **kwargs).double()
    e = getattr(ember.nn, cls)(*args, **kwargs).double()
    e.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in t.state_dict().items()})
    return t, e


def _close(e, t, **kw):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-9, **kw)


@pytest.mark.torch
@pytest.mark.parametrize("momentum", [None, 0.1, 0.7])
def test_batchnorm_running_stats_over_steps(momentum):
    t, e = _pair("BatchNorm2d", 3, momentum=momentum)
    rng = np.random.default_rng(0)
    for step in range(4):
        x = rng.standard_normal((2 + step, 3, 3, 2)) * (step + 1) + step
        _close(e(ember.from_numpy(x)), t(torch.from_numpy(x)))
        _close(e.running_mean, t.running_mean)
        _close(e.running_var, t.running_var)
        assert int(e.num_batches_tracked) == int(t.num_batches_tracked) == step + 1
        assert e.num_batches_tracked.dtype is ember.int64
    t.eval(), e.eval()
    x = rng.standard_normal((5, 3, 2, 2))
    _close(e(ember.from_numpy(x)), t(torch.from_numpy(x)))
    assert int(e.num_batches_tracked) == 4  # eval does not count batches


@pytest.mark.torch
def test_batchnorm_eval_uses_running_stats():
    e = ember.nn.BatchNorm1d(2)
    e.running_mean.copy_(ember.tensor([1.0, -1.0]))
    e.running_var.copy_(ember.tensor([4.0, 0.25]))
    e.eval()
    y = e(ember.tensor([[3.0, 0.0], [1.0, -1.0]]))
    expected = (np.array([[3.0, 0.0], [1.0, -1.0]]) - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-6)
    before = e.running_mean.clone()
    e(ember.randn(4, 2))
    assert ember.equal(before, e.running_mean)


def test_batchnorm_no_running_stats_in_eval_uses_batch():
    e = ember.nn.BatchNorm1d(2, track_running_stats=False).eval()
    y = e(ember.randn(8, 2) * 3 + 1)
    np.testing.assert_allclose(y.mean(0).detach().numpy(), 0, atol=1e-5)
    assert e.running_mean is None and e.num_batches_tracked is None
    assert list(e.state_dict()) == ["weight", "bias"]


@pytest.mark.parametrize("cls,bad,msg", [
    ("BatchNorm1d", (2, 3, 4, 5), "expected 2D or 3D input (got 4D input)"),
    ("BatchNorm2d", (2, 3, 4), "expected 4D input (got 3D input)"),
    ("BatchNorm3d", (2, 3, 4, 4), "expected 5D input (got 4D input)"),
    ("SyncBatchNorm", (3,), "expected at least 2D input (got 1D input)"),
    ("InstanceNorm1d", (3,), "expected 2D or 3D input (got 1D input)"),
    ("InstanceNorm2d", (2, 3), "expected 3D or 4D input (got 2D input)"),
    ("InstanceNorm3d", (2, 3, 4), "expected 4D or 5D input (got 3D input)"),
])
def test_input_dim_errors(cls, bad, msg):
    with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        getattr(ember.nn, cls)(3)(ember.randn(*bad))


def test_batchnorm_single_value_per_channel():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        ember.nn.BatchNorm1d(3)(ember.randn(1, 3))


def test_instancenorm_affine_feature_mismatch():
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(4\)"):
        ember.nn.InstanceNorm1d(4, affine=True)(ember.randn(2, 3, 5))
    with pytest.warns(UserWarning):
        ember.nn.InstanceNorm1d(4)(ember.randn(2, 3, 5))


def test_groupnorm_divisibility():
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible by num_groups \(2\)"):
        ember.nn.GroupNorm(2, 5)


def test_load_state_dict_without_num_batches_tracked():
    """Old checkpoints (version < 2) have no num_batches_tracked: it is filled in, not reported missing."""
    e = ember.nn.BatchNorm1d(3)
    sd = e.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""] = {"version": 1}
    e.load_state_dict(sd)
    with pytest.raises(RuntimeError, match="num_batches_tracked"):
        sd2 = ember.nn.BatchNorm1d(3).state_dict()
        del sd2["num_batches_tracked"]
        ember.nn.BatchNorm1d(3).load_state_dict(sd2)


def test_convert_sync_batchnorm_shares_state():
    nn = ember.nn
    net = nn.Sequential(nn.Conv2d(1, 3, 1), nn.BatchNorm2d(3), nn.Sequential(nn.BatchNorm1d(2)))
    net[1].eval()
    out = ember.nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert type(out[1]) is ember.nn.SyncBatchNorm and type(out[2][0]) is ember.nn.SyncBatchNorm
    assert out[1].weight is net[1].weight and out[1].running_mean is net[1].running_mean
    assert out[1].training is False
    assert type(ember.nn.SyncBatchNorm.convert_sync_batchnorm(ember.nn.BatchNorm1d(2))) is ember.nn.SyncBatchNorm


@pytest.mark.torch
@pytest.mark.parametrize("fn", ["batch_norm", "layer_norm", "group_norm", "instance_norm"])
def test_double_backward_matches_torch(fn):
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((3, 4, 5)), rng.standard_normal(4), rng.standard_normal(4)
    if fn == "layer_norm":
        w, b = rng.standard_normal(5), rng.standard_normal(5)

    def call(mod, x, w, b):
        F = mod.nn.functional
        if fn == "batch_norm":
            return F.batch_norm(x, None, None, w, b, training=True)
        if fn == "layer_norm":
            return F.layer_norm(x, (5,), w, b)
        if fn == "group_norm":
            return F.group_norm(x, 2, w, b)
        return F.instance_norm(x, weight=w, bias=b)

    res = []
    for mod, conv in ((torch, torch.from_numpy), (ember, ember.from_numpy)):
        ins = [conv(a.copy()).requires_grad_() for a in (x, w, b)]
        y = call(mod, *ins)
        gs = mod.autograd.grad((y * y.sin()).sum(), ins, create_graph=True)
        res.append(mod.autograd.grad(sum((g * g).sum() for g in gs), ins))
    for e, t in zip(res[1], res[0]):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-9)


def test_batch_norm_gradgradcheck_eval():
    x = ember.randn(3, 2, 4, dtype=ember.float64, requires_grad=True)
    w = ember.randn(2, dtype=ember.float64, requires_grad=True)
    rm, rv = ember.randn(2, dtype=ember.float64), ember.rand(2, dtype=ember.float64) + 0.5
    F = ember.nn.functional
    assert ember.autograd.gradgradcheck(lambda x, w: F.batch_norm(x, rm, rv, w, None), (x, w))
    assert ember.autograd.gradgradcheck(lambda x, w: F.rms_norm(x, (4,), None) * w.view(2, 1), (x, w))


def test_running_stats_not_saved_for_backward():
    """Training-mode batch_norm updates running stats in place; backward must not trip the version check."""
    m = ember.nn.BatchNorm1d(3)
    x = ember.randn(5, 3, requires_grad=True)
    y = m(x)
    m(ember.randn(5, 3))
    y.sum().backward()
    assert x.grad is not None


def test_rms_norm_default_eps():
    x = ember.zeros(2, 3)
    y = ember.nn.functional.rms_norm(x + 1e-9, (3,))
    expected = 1e-9 / np.sqrt(1e-18 + np.finfo(np.float32).eps)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5)


def test_group_norm_bias_only():
    x = ember.randn(3, 4, 5, dtype=ember.float64, requires_grad=True)
    b = ember.randn(4, dtype=ember.float64, requires_grad=True)
    F = ember.nn.functional
    y = F.group_norm(x, 2, None, b)
    shifted = np.broadcast_to(b.detach().numpy()[:, None], (3, 4, 5))
    np.testing.assert_allclose((y - F.group_norm(x, 2)).detach().numpy(), shifted, atol=1e-12)
    assert ember.autograd.gradcheck(lambda x, b: F.group_norm(x, 2, None, b), (x, b))


@pytest.mark.torch
@pytest.mark.conforms(*(f"nn.Lazy{kind}Norm{n}d" for kind in ("Batch", "Instance") for n in (1, 2, 3)))
@pytest.mark.parametrize("cls,shape,kwargs", [
    ("LazyBatchNorm1d", (4, 3), {}), ("LazyBatchNorm1d", (4, 3, 2), {"affine": False}),
    ("LazyBatchNorm2d", (2, 3, 4, 4), {"momentum": None}), ("LazyBatchNorm3d", (2, 3, 2, 2, 2), {}),
    ("LazyInstanceNorm1d", (2, 3, 5), {}), ("LazyInstanceNorm2d", (2, 3, 4, 4), {"track_running_stats": False}),
    ("LazyInstanceNorm3d", (2, 3, 2, 2, 2), {}),
])
def test_lazy_norms(cls, shape, kwargs):
    t, e = getattr(torch.nn, cls)(**kwargs), getattr(ember.nn, cls)(**kwargs)
    assert repr(e) == repr(t)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for _ in range(2):
        _close_f32(e(ember.from_numpy(x)), t(torch.from_numpy(x)))
    assert type(e).__name__ == type(t).__name__ and repr(e) == repr(t)
    te, ee = t.state_dict(), e.state_dict()
    assert list(te) == list(ee)
    for k in te:
        np.testing.assert_allclose(ee[k].numpy(), te[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def _close_f32(e, t):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-4, atol=1e-5)


def _net(mod):
    nn = mod.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(20, 8, padding_idx=0, max_norm=2.0)
            self.ln = nn.LayerNorm(8)
            self.conv = nn.Conv1d(8, 6, 3, padding=1)
            self.bn = nn.BatchNorm1d(6, momentum=None)
            self.gn = nn.GroupNorm(3, 6)
            self.inorm = nn.InstanceNorm1d(6, affine=True, track_running_stats=True)
            self.rms = nn.RMSNorm(6)
            self.bag = nn.EmbeddingBag(20, 6, mode="max")
            self.out = nn.Linear(6, 3)

        def forward(self, idx):
            h = self.ln(self.emb(idx)).transpose(1, 2)
            h = self.inorm(self.gn(self.bn(self.conv(h)))).relu()
            return self.out(self.rms(h.mean(2)) + self.bag(idx))
    return Net()


@pytest.mark.torch
def test_training_loop_matches_torch():
    """Five SGD steps through every norm layer and both embeddings, then eval: losses and state agree."""
    torch.manual_seed(0)
    t, e = _net(torch).double(), _net(ember).double()
    e.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in t.state_dict().items()})
    t_opt = torch.optim.SGD(t.parameters(), lr=0.1, momentum=0.9)
    e_opt = ember.optim.SGD(e.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(5):
        idx, target = rng.integers(0, 20, (4, 7)), np.eye(3)[rng.integers(0, 3, 4)]
        losses = []
        for model, opt, mod in ((t, t_opt, torch), (e, e_opt, ember)):
            opt.zero_grad()
            loss = ((model(mod.from_numpy(idx)) - mod.from_numpy(target)) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        np.testing.assert_allclose(losses[1], losses[0], rtol=1e-10)
    t.eval(), e.eval()
    idx = rng.integers(0, 20, (4, 7))
    _close(e(ember.from_numpy(idx)), t(torch.from_numpy(idx)))
    for k, v in t.state_dict().items():
        np.testing.assert_allclose(e.state_dict()[k].numpy(), v.numpy(), rtol=1e-9, atol=1e-12, err_msg=k)
