"""nn.utils.spectral_norm (hook API) against PyTorch: checkpoints both ways, old checkpoints, dims, errors."""
from collections import OrderedDict

import numpy as np
import pytest

import ember
from ember import nn

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _e(t):
    return ember.tensor(t.detach().numpy().copy())


def _t(e):
    return torch.tensor(e.detach().numpy().copy())


def _convert(sd, fn):
    out = OrderedDict((k, fn(v)) for k, v in sd.items())
    if hasattr(sd, "_metadata"):
        out._metadata = sd._metadata
    return out


def _close(a, b, **kw):
    kw.setdefault("rtol", 1e-5)
    kw.setdefault("atol", 1e-6)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **kw)


def _pair(make, **kwargs):
    tm = torch.nn.utils.spectral_norm(make(torch), **kwargs)
    em = nn.utils.spectral_norm(make(ember), **kwargs)
    em.load_state_dict(_convert(tm.state_dict(), _e))
    return tm, em


MODULES = {
    "linear": (lambda L: L.nn.Linear(5, 3), (4, 5)),
    "conv1d": (lambda L: L.nn.Conv1d(2, 4, 3), (2, 2, 7)),
    "convT1d": (lambda L: L.nn.ConvTranspose1d(2, 4, 3), (2, 2, 7)),
    "convT3d": (lambda L: L.nn.ConvTranspose3d(2, 3, 2), (1, 2, 3, 3, 3)),
}


@pytest.mark.parametrize("kind", list(MODULES))
@pytest.mark.parametrize("n_power_iterations", [1, 3])
def test_torch_checkpoint_trains_the_same(kind, n_power_iterations):
    make, shape = MODULES[kind]
    tm, em = _pair(make, n_power_iterations=n_power_iterations, eps=1e-10)
    assert em.weight_u.shape == tm.weight_u.shape and em.weight_v.shape == tm.weight_v.shape
    topt, eopt = torch.optim.SGD(tm.parameters(), lr=0.1), ember.optim.SGD(em.parameters(), lr=0.1)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for _ in range(3):
        for m, opt, lib in ((tm, topt, torch), (em, eopt, ember)):
            opt.zero_grad()
            (m(lib.tensor(x)) ** 2).sum().backward()
            opt.step()
    _close(em.weight_orig, tm.weight_orig, rtol=1e-4)
    _close(em.weight_u, tm.weight_u, rtol=1e-4)
    _close(em.weight_v, tm.weight_v, rtol=1e-4)
    # and back: ember's checkpoint loads into torch with the same metadata
    sd = em.state_dict()
    assert sd._metadata[""]["spectral_norm"] == {"weight.version": 1}
    tm2 = torch.nn.utils.spectral_norm(make(torch), n_power_iterations=n_power_iterations, eps=1e-10)
    tm2.load_state_dict(_convert(sd, _t))
    tm2.eval(), em.eval()
    _close(em(ember.tensor(x)), tm2(torch.tensor(x)), rtol=1e-4)


def test_transposed_convolutions_normalise_along_dim_1():
    for kind in ("convT1d", "convT3d"):
        tm, em = _pair(MODULES[kind][0])
        assert next(iter(em._forward_pre_hooks.values())).dim == 1 == next(iter(tm._forward_pre_hooks.values())).dim


def test_weight_before_first_forward_and_eval_mode():
    tm, em = _pair(MODULES["linear"][0])
    assert isinstance(em.weight, ember.Tensor) and not isinstance(em.weight, nn.Parameter)
    assert not em.weight.requires_grad
    np.testing.assert_array_equal(em.weight.numpy(), em.weight_orig.detach().numpy())
    em.eval(), tm.eval()
    u = em.weight_u.numpy().copy()
    x = np.ones((2, 5), np.float32)
    _close(em(ember.tensor(x)), tm(torch.tensor(x)))
    np.testing.assert_array_equal(em.weight_u.numpy(), u)
    # eval mode still differentiates through σ = uᵀWv
    em(ember.tensor(x)).sum().backward()
    tm(torch.tensor(x)).sum().backward()
    _close(em.weight_orig.grad, tm.weight_orig.grad, atol=1e-5)


def test_spectral_norm_of_a_vector_parameter():
    tm, em = _pair(lambda L: L.nn.Linear(3, 4), name="bias")
    assert list(em.state_dict()) == list(tm.state_dict()) == ["weight", "bias_orig", "bias_u", "bias_v"]
    assert em.bias_v.shape == (1,)
    x = np.ones((2, 3), np.float32)
    em.weight.data = _e(tm.weight)
    _close(em(ember.tensor(x)), tm(torch.tensor(x)))


def test_version_0_checkpoint_is_upgraded_like_torch():
    tm = torch.nn.utils.spectral_norm(torch.nn.Linear(3, 4))
    tm(torch.ones(1, 3))
    # what an old checkpoint held: the normalised weight itself, and no weight_v
    # (a tall weight matrix: v is then the unique least-squares solution of W v = σ u)
    old = OrderedDict((k, v.clone()) for k, v in tm.state_dict().items() if k != "weight_v")
    old["weight"] = tm.weight.detach().clone()
    old._metadata = OrderedDict({"": {"version": 1}})
    t2 = torch.nn.utils.spectral_norm(torch.nn.Linear(3, 4))
    t2.load_state_dict(OrderedDict(old))  # (torch's loader keeps _metadata on the given object)
    e2 = nn.utils.spectral_norm(nn.Linear(3, 4))
    eold = _convert(old, _e)
    e2.load_state_dict(eold)
    _close(e2.weight_v, t2.weight_v, rtol=1e-4)
    t2.eval(), e2.eval()
    _close(e2(ember.ones(2, 3)), t2(torch.ones(2, 3)), rtol=1e-4)


def test_plain_dict_without_metadata_loads():
    _, em = _pair(MODULES["linear"][0])
    em2 = nn.utils.spectral_norm(nn.Linear(5, 3))
    em2.load_state_dict(dict(em.state_dict()))
    _close(em2.weight_v, em.weight_v)


def test_remove_and_reapply():
    tm, em = _pair(MODULES["conv1d"][0])
    x = np.random.default_rng(1).standard_normal((1, 2, 6)).astype(np.float32)
    tm(torch.tensor(x)), em(ember.tensor(x))
    torch.nn.utils.remove_spectral_norm(tm)
    nn.utils.remove_spectral_norm(em)
    assert isinstance(em.weight, nn.Parameter)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert not em._forward_pre_hooks and not em._state_dict_hooks and not em._load_state_dict_pre_hooks
    _close(em.weight, tm.weight)
    nn.utils.spectral_norm(em)  # can be applied again
    assert "spectral_norm" in em.state_dict()._metadata[""]


def test_two_parameters_on_one_module():
    m = nn.utils.spectral_norm(nn.utils.spectral_norm(nn.Linear(3, 3)), name="bias")
    assert m.state_dict()._metadata[""]["spectral_norm"] == {"weight.version": 1, "bias.version": 1}
    nn.utils.remove_spectral_norm(m, "bias")
    assert m.state_dict()._metadata[""]["spectral_norm"] == {"weight.version": 1}


def test_errors_match_torch():
    for lib in (torch, ember):
        with pytest.raises(KeyError, match="foo"):
            lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), name="foo")
        with pytest.raises(ValueError, match="can't have uninitialized parameters"):
            lib.nn.utils.spectral_norm(lib.nn.LazyLinear(3))
        with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter weight"):
            lib.nn.utils.spectral_norm(lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2)))
        with pytest.raises(ValueError, match="spectral_norm of 'bias' not found in Linear"):
            lib.nn.utils.remove_spectral_norm(lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2)), "bias")
