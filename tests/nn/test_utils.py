"""nn.utils against PyTorch: clipping, vector conversion, weight/spectral norm, parametrizations, fusion,
stateless calls."""
import copy
import math
import warnings

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn.utils import parametrizations as P
from ember.nn.utils import parametrize

torch = pytest.importorskip("torch")


def E(t):
    """A torch tensor's values as an ember tensor (same dtype)."""
    return ember.from_numpy(t.detach().numpy().copy())


def N(t):
    return t.detach().numpy()


def close(a, b, atol=1e-5, rtol=1e-4):
    np.testing.assert_allclose(N(a), N(b), atol=atol, rtol=rtol)


def twin(tmod, emod):
    """Copy the torch module's state into the ember module (by key)."""
    emod.load_state_dict({k: E(v) for k, v in tmod.state_dict().items()})
    return emod


# ---------------------------------------------------------------------------
# clipping


def _with_grads(fw, seed=0):
    rng = np.random.default_rng(seed)
    lib = torch if fw == "torch" else ember
    ps = []
    for shape in [(3, 4), (5,), (), (2, 2, 2)]:
        p = lib.nn.Parameter(lib.from_numpy(np.asarray(rng.standard_normal(shape), np.float32)))
        p.grad = lib.from_numpy(np.asarray(rng.standard_normal(shape) * 3, np.float32))
        ps.append(p)
    ps.append(lib.nn.Parameter(lib.zeros(3)))  # no grad: skipped
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_(norm_type, max_norm):
    tp, ep = _with_grads("torch"), _with_grads("ember")
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    en = nn.utils.clip_grad_norm_(ep, max_norm, norm_type)
    assert en.shape == () and en.dtype == ember.float32
    close(en, tn)
    for a, b in zip(ep, tp):
        if b.grad is None:
            assert a.grad is None
        else:
            close(a.grad, b.grad)


def test_clip_grad_norm_single_tensor_and_empty():
    p = nn.Parameter(ember.ones(4))
    p.grad = ember.full((4,), 2.0)
    n = nn.utils.clip_grad_norm_(p, 1.0)
    assert float(n) == pytest.approx(4.0)
    assert float(ember.linalg.vector_norm(p.grad)) == pytest.approx(1.0, rel=1e-5)
    assert float(nn.utils.clip_grad_norm_([], 1.0)) == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        nn.utils.clip_grad_norm_((p for p in []), 1.0)


def test_clip_grad_norm_nonfinite():
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([float("inf"), 1.0])
    tp = torch.nn.Parameter(torch.ones(2))
    tp.grad = torch.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError) as te:
        torch.nn.utils.clip_grad_norm_(tp, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as ee:
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert str(ee.value) == str(te.value)
    n = nn.utils.clip_grad_norm_(p, 1.0, foreach=False)  # no error: scaled by the non-finite norm
    assert math.isinf(float(n))


def test_get_total_norm_and_clip_grads_with_norm_():
    tp, ep = _with_grads("torch"), _with_grads("ember")
    tg = [p.grad for p in tp if p.grad is not None]
    eg = [p.grad for p in ep if p.grad is not None]
    close(nn.utils.get_total_norm(eg, 3.0), torch.nn.utils.get_total_norm(tg, 3.0))
    tn = torch.nn.utils.get_total_norm(tg)
    torch.nn.utils.clip_grads_with_norm_(tp, 1.0, tn)
    assert nn.utils.clip_grads_with_norm_(ep, 1.0, E(tn)) is None
    for a, b in zip(ep, tp):
        if b.grad is not None:
            close(a.grad, b.grad)


def test_clip_grad_norm_deprecated_alias_and_no_graph():
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.ones(2)
    with pytest.warns(FutureWarning):
        n = nn.utils.clip_grad_norm(p, 1.0)
    assert not n.requires_grad and n.grad_fn is None


def test_clip_grad_value_():
    tp, ep = _with_grads("torch"), _with_grads("ember")
    torch.nn.utils.clip_grad_value_(tp, 1.5)
    assert nn.utils.clip_grad_value_(ep, 1.5) is None
    for a, b in zip(ep, tp):
        if b.grad is not None:
            close(a.grad, b.grad)
    p = nn.Parameter(ember.ones(2))
    p.grad = ember.tensor([-3.0, 0.25])
    nn.utils.clip_grad_value_(p, 1)
    assert p.grad.tolist() == [-1.0, 0.25]


# ---------------------------------------------------------------------------
# parameters <-> vector


def test_parameters_to_vector_roundtrip():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    em = twin(tm, nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)))
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    ev = nn.utils.parameters_to_vector(em.parameters())
    assert ev.shape == (26,)
    close(ev, tv)
    new = ember.arange(26, dtype=ember.float32)
    nn.utils.vector_to_parameters(new, em.parameters())
    assert em[0].weight.shape == (4, 3) and isinstance(em[0].weight, nn.Parameter)
    assert em[0].weight.tolist()[0] == [0.0, 1.0, 2.0] and em[1].bias.tolist() == [24.0, 25.0]
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], em.parameters())


def test_parameters_to_vector_grad_flows():
    m = nn.Linear(2, 2)
    v = nn.utils.parameters_to_vector(m.parameters())
    v.sum().backward()
    assert m.weight.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


# ---------------------------------------------------------------------------
# weight_norm (old hook API)


@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm_hook(dim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        tm = torch.nn.utils.weight_norm(torch.nn.Linear(3, 5), dim=dim)
        em = nn.utils.weight_norm(nn.Linear(3, 5), dim=dim)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert em.weight_g.shape == tm.weight_g.shape
    twin(tm, em)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    ty = tm(torch.from_numpy(x))
    ey = em(ember.from_numpy(x))
    close(ey, ty)
    ty.sum().backward()
    ey.sum().backward()
    close(em.weight_g.grad, tm.weight_g.grad)
    close(em.weight_v.grad, tm.weight_v.grad)
    torch.nn.utils.remove_weight_norm(tm)
    nn.utils.remove_weight_norm(em)
    assert list(em.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
    assert isinstance(em.weight, nn.Parameter)
    close(em.weight, tm.weight)


def test_weight_norm_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        m = nn.utils.weight_norm(nn.Linear(3, 5))
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"):
            nn.utils.weight_norm(m)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found in"):
        nn.utils.remove_weight_norm(m, "bias")
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(nn.Linear(2, 2))


# ---------------------------------------------------------------------------
# spectral_norm (old hook API)


def _copy_spectral(tm, em, name="weight"):
    for suffix in ("_orig", "_u", "_v"):
        getattr(em, name + suffix).data = E(getattr(tm, name + suffix))


@pytest.mark.parametrize("make,dim", [(lambda lib: lib.nn.Linear(4, 6), None),
                                      (lambda lib: lib.nn.Conv2d(2, 3, 3), None),
                                      (lambda lib: lib.nn.ConvTranspose2d(2, 3, 3), None),
                                      (lambda lib: lib.nn.Conv2d(2, 3, 3), 2)])
def test_spectral_norm_hook(make, dim):
    tm = torch.nn.utils.spectral_norm(make(torch), n_power_iterations=2, dim=dim)
    em = nn.utils.spectral_norm(make(ember), n_power_iterations=2, dim=dim)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert em.weight_u.shape == tm.weight_u.shape and em.weight_v.shape == tm.weight_v.shape
    assert [n for n, _ in em.named_buffers()] == ["weight_u", "weight_v"]
    em.bias.data = E(tm.bias)
    _copy_spectral(tm, em)
    shape = (2, 4) if isinstance(tm, torch.nn.Linear) else (1, 2, 5, 5)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for _ in range(2):  # training: the power iteration updates u and v in place
        ty, ey = tm(torch.from_numpy(x)), em(ember.from_numpy(x))
        close(ey, ty)
        close(em.weight_u, tm.weight_u)
        close(em.weight_v, tm.weight_v)
    ty.sum().backward()
    ey.sum().backward()
    close(em.weight_orig.grad, tm.weight_orig.grad, atol=1e-4)
    tm.eval(), em.eval()
    u_before = N(em.weight_u).copy()
    close(em(ember.from_numpy(x)), tm(torch.from_numpy(x)))
    np.testing.assert_array_equal(N(em.weight_u), u_before)  # eval: no power iteration
    torch.nn.utils.remove_spectral_norm(tm)
    nn.utils.remove_spectral_norm(em)
    assert list(em.state_dict()) == list(tm.state_dict())
    close(em.weight, tm.weight)


def test_spectral_norm_state_dict_metadata_and_errors():
    m = nn.utils.spectral_norm(nn.Linear(3, 3))
    sd = m.state_dict()
    assert sd._metadata[""]["spectral_norm"] == {"weight.version": 1}
    m2 = nn.utils.spectral_norm(nn.Linear(3, 3))
    m2.load_state_dict(sd)
    close(m2.weight_u, m.weight_u)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(m)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got n_power_iterations=0"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(nn.Linear(2, 2))


# ---------------------------------------------------------------------------
# parametrize


class _Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).mT


class _TSymmetric(torch.nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).mT


class _Scale(nn.Module):
    def __init__(self, s=2.0):
        super().__init__()
        self.s = s

    def forward(self, X):
        return X * self.s

    def right_inverse(self, Y):
        return Y / self.s


def test_register_parametrization_basics():
    m = nn.Linear(3, 3)
    w0 = m.weight.detach().clone()
    parametrize.register_parametrization(m, "weight", _Symmetric())
    assert parametrize.is_parametrized(m) and parametrize.is_parametrized(m, "weight")
    assert not parametrize.is_parametrized(m, "bias")
    assert type(m).__name__ == "ParametrizedLinear" and isinstance(m, nn.Linear)
    assert parametrize.type_before_parametrizations(m) is nn.Linear
    assert ember.equal(m.parametrizations.weight.original, w0)
    assert ember.equal(m.weight, m.weight.mT)
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert [n for n, _ in m.named_parameters()] == ["bias", "parametrizations.weight.original"]
    # the parametrization is differentiable
    m(ember.ones(2, 3)).sum().backward()
    assert m.parametrizations.weight.original.grad is not None
    # repr as torch
    tm = torch.nn.Linear(3, 3)
    torch.nn.utils.parametrize.register_parametrization(tm, "weight", _TSymmetric())
    assert repr(m).replace("_Symmetric", "X") == repr(tm).replace("_TSymmetric", "X")
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and not hasattr(m, "parametrizations")
    assert isinstance(m.weight, nn.Parameter) and ember.equal(m.weight, m.weight.mT)
    assert list(m.state_dict()) == ["bias", "weight"]


def test_parametrization_right_inverse_and_chain():
    m = nn.Linear(2, 2)
    w0 = m.weight.detach().clone()
    parametrize.register_parametrization(m, "weight", _Scale(2.0))
    # right_inverse at registration keeps the visible value
    close(m.weight, w0)
    close(m.parametrizations.weight.original, w0 / 2)
    m.weight = ember.ones(2, 2)  # assignment goes through right_inverse
    close(m.parametrizations.weight.original, ember.full((2, 2), 0.5))
    parametrize.register_parametrization(m, "weight", _Scale(3.0))  # appended: applied after the first
    assert len(m.parametrizations.weight) == 2
    close(m.weight, ember.full((2, 2), 3.0))
    m.weight = ember.full((2, 2), 6.0)  # right_inverse through the whole chain
    close(m.parametrizations.weight.original, ember.ones(2, 2))
    parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    close(m.weight, ember.ones(2, 2))


def test_parametrization_shape_dtype_checks_and_unsafe():
    class Bad(nn.Module):
        def forward(self, X):
            return X[0]

    with pytest.raises(ValueError, match="may not change the shape of the tensor, unless `unsafe` flag is enabled"):
        parametrize.register_parametrization(nn.Linear(2, 3), "weight", Bad())
    m = parametrize.register_parametrization(nn.Linear(2, 3), "weight", Bad(), unsafe=True)
    assert m.weight.shape == (2,)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with name"):
        parametrize.register_parametrization(nn.Linear(2, 3), "nope", Bad())
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        parametrize.remove_parametrizations(m, "bias")


def test_parametrize_buffer_and_cached():
    calls = []

    class Count(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X + 1

    m = nn.BatchNorm1d(3)
    parametrize.register_parametrization(m, "running_mean", Count())
    assert "parametrizations.running_mean.original" in dict(m.named_buffers())
    calls.clear()
    with parametrize.cached():
        a = m.running_mean
        b = m.running_mean
    assert a is b and len(calls) == 1
    _ = m.running_mean  # outside the context: computed on every access
    assert len(calls) == 2


def test_parametrized_module_deepcopy_and_pickle():
    m = parametrize.register_parametrization(nn.Linear(2, 2), "weight", _Symmetric())
    c = copy.deepcopy(m)
    assert type(c).__name__ == "ParametrizedLinear"
    assert ember.equal(c.weight, m.weight)
    assert c.parametrizations.weight.original is not m.parametrizations.weight.original
    import pickle
    with pytest.raises(RuntimeError, match="Serialization of parametrized modules is only supported through"):
        pickle.dumps(m)


def test_transfer_parametrizations_and_params():
    a = parametrize.register_parametrization(nn.Linear(2, 2), "weight", _Symmetric())
    b = parametrize.transfer_parametrizations_and_params(a, nn.Linear(2, 2))
    assert parametrize.is_parametrized(b, "weight")
    assert b.parametrizations.weight.original is a.parametrizations.weight.original


# ---------------------------------------------------------------------------
# parametrizations


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_matches_torch(orthogonal_map, shape):
    tm = torch.nn.Linear(shape[1], shape[0]).double()
    torch.nn.utils.parametrizations.orthogonal(tm, orthogonal_map=orthogonal_map)
    em = nn.Linear(shape[1], shape[0]).double()
    P.orthogonal(em, orthogonal_map=orthogonal_map)
    assert list(em.state_dict()) == list(tm.state_dict())
    # copy `original` and the trivialization base: the maps must then agree exactly
    em.parametrizations.weight.original.data = E(tm.parametrizations.weight.original)
    em.parametrizations.weight[0].base = E(tm.parametrizations.weight[0].base)
    em.bias.data = E(tm.bias)
    close(em.weight, tm.weight, atol=1e-10)
    W = em.weight
    k = min(shape)
    gram = W @ W.mT if shape[0] < shape[1] else W.mT @ W
    close(gram, ember.eye(k, dtype=ember.float64), atol=1e-10)
    # gradients flow to `original` as in torch
    x = torch.randn(2, shape[1], dtype=torch.float64)
    tm(x).pow(2).sum().backward()
    em(E(x)).pow(2).sum().backward()
    close(em.parametrizations.weight.original.grad, tm.parametrizations.weight.original.grad, atol=1e-8)


def test_orthogonal_default_map_and_assignment():
    sq = P.orthogonal(nn.Linear(3, 3))
    assert sq.parametrizations.weight[0].orthogonal_map.name == "matrix_exp"
    tall = P.orthogonal(nn.Linear(2, 4))
    assert tall.parametrizations.weight[0].orthogonal_map.name == "householder"
    # registration keeps an orthogonal weight's span; assigning an orthogonal matrix sets it exactly
    Q = ember.linalg.qr(ember.randn(3, 3))[0]
    sq.weight = Q
    close(sq.weight, Q, atol=1e-5)
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions."):
        P.orthogonal(nn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        P.orthogonal(nn.Linear(3, 3), orthogonal_map="qr")


@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrizations_weight_norm(dim):
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 4), dim=dim)
    em = P.weight_norm(nn.Linear(3, 4), dim=dim)
    assert list(em.state_dict()) == list(tm.state_dict()) == [
        "bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert em.parametrizations.weight.original0.shape == tm.parametrizations.weight.original0.shape
    twin(tm, em)
    close(em.weight, tm.weight)
    x = torch.randn(2, 3)
    tm(x).sum().backward()
    em(E(x)).sum().backward()
    close(em.parametrizations.weight.original0.grad, tm.parametrizations.weight.original0.grad)
    close(em.parametrizations.weight.original1.grad, tm.parametrizations.weight.original1.grad)


def test_parametrizations_weight_norm_loads_old_state_dict():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = nn.utils.weight_norm(nn.Linear(3, 4))
    new = P.weight_norm(nn.Linear(3, 4))
    new.load_state_dict(old.state_dict())
    close(new.weight, old.weight_v * (old.weight_g / ember.linalg.vector_norm(old.weight_v, dim=1, keepdim=True)))


@pytest.mark.parametrize("make", [lambda lib: lib.nn.Linear(4, 6), lambda lib: lib.nn.Conv2d(2, 3, 3),
                                  lambda lib: lib.nn.ConvTranspose2d(2, 3, 3)])
def test_parametrizations_spectral_norm(make):
    tm = torch.nn.utils.parametrizations.spectral_norm(make(torch))
    em = P.spectral_norm(make(ember))
    assert list(em.state_dict()) == list(tm.state_dict())
    twin(tm, em)  # copies original, _u and _v
    close(em.weight, tm.weight)  # one power iteration each in training mode
    close(em.parametrizations.weight[0]._u, tm.parametrizations.weight[0]._u)
    em.eval(), tm.eval()
    close(em.weight, tm.weight)
    w = ember.linalg.matrix_norm(em.weight.detach().flatten(1) if em.weight.ndim > 2 else em.weight.detach(), 2)
    assert float(w) == pytest.approx(1.0, abs=0.2)


def test_parametrizations_spectral_norm_1d_and_errors():
    m = nn.Linear(3, 3)
    P.spectral_norm(m, "bias")
    close(m.bias, m.parametrizations.bias.original / ember.linalg.vector_norm(m.parametrizations.bias.original))
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\] but got 2\)"):
        P.spectral_norm(nn.Linear(3, 3), dim=2)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'w'"):
        P.spectral_norm(nn.Linear(3, 3), "w")


# ---------------------------------------------------------------------------
# fusion


def test_fuse_conv_bn_eval():
    tconv, tbn = torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3)
    tbn.running_mean.uniform_(-1, 1), tbn.running_var.uniform_(0.5, 2), tbn.weight.data.uniform_(), tbn.bias.data.uniform_()
    tconv.eval(), tbn.eval()
    econv, ebn = twin(tconv, nn.Conv2d(2, 3, 3)).eval(), twin(tbn, nn.BatchNorm2d(3)).eval()
    fused = nn.utils.fuse_conv_bn_eval(econv, ebn)
    assert fused is not econv and isinstance(fused.weight, nn.Parameter)
    x = torch.randn(2, 2, 5, 5)
    close(fused(E(x)), tbn(tconv(x)), atol=1e-5)
    close(fused.weight, torch.nn.utils.fuse_conv_bn_eval(tconv, tbn).weight)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        nn.utils.fuse_conv_bn_eval(econv.train(), ebn)


def test_fuse_conv_transpose_bn_and_no_bias():
    tconv, tbn = torch.nn.ConvTranspose2d(2, 3, 3, bias=False).eval(), torch.nn.BatchNorm2d(3, affine=False).eval()
    tbn.running_var.uniform_(0.5, 2)
    w, b = nn.utils.fuse_conv_bn_weights(E(tconv.weight).requires_grad_(), None, E(tbn.running_mean), E(tbn.running_var), 1e-5,
                                         None, None, transpose=True)
    tw, tb = torch.nn.utils.fuse_conv_bn_weights(tconv.weight, None, tbn.running_mean, tbn.running_var, 1e-5, None,
                                                 None, transpose=True)
    close(w, tw), close(b, tb)
    assert (w.requires_grad, b.requires_grad) == (tw.requires_grad, tb.requires_grad)
    assert isinstance(w, nn.Parameter) and isinstance(b, nn.Parameter)


def test_fuse_linear_bn_eval():
    tl, tbn = torch.nn.Linear(4, 3).eval(), torch.nn.BatchNorm1d(3).eval()
    tbn.running_mean.uniform_(-1, 1), tbn.running_var.uniform_(0.5, 2)
    el, ebn = twin(tl, nn.Linear(4, 3)).eval(), twin(tbn, nn.BatchNorm1d(3)).eval()
    fused = nn.utils.fuse_linear_bn_eval(el, ebn)
    x = torch.randn(5, 4)
    close(fused(E(x)), tbn(tl(x)))
    w, b = nn.utils.fuse_linear_bn_weights(el.weight, el.bias, ebn.running_mean, ebn.running_var, ebn.eps,
                                           ebn.weight, ebn.bias)
    close(w, fused.weight), close(b, fused.bias)
    with pytest.raises(AssertionError, match="linear.out_features == bn.num_features"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(4, 2).eval(), ebn)


# ---------------------------------------------------------------------------
# stateless / func.functional_call


class _Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2, bias=False)
        self.b = nn.Linear(2, 2, bias=False)
        self.b.weight = self.a.weight
        self.register_buffer("scale", ember.ones(()))

    def forward(self, x):
        return self.b(self.a(x)) * self.scale


class _TTied(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(2, 2, bias=False)
        self.b = torch.nn.Linear(2, 2, bias=False)
        self.b.weight = self.a.weight
        self.register_buffer("scale", torch.ones(()))

    def forward(self, x):
        return self.b(self.a(x)) * self.scale


@pytest.mark.parametrize("fc", ["stateless", "func"])
def test_functional_call(fc):
    f = (lambda *a, **k: nn.utils.stateless.functional_call(*a, **k)) if fc == "stateless" else ember.func.functional_call
    tf = torch.func.functional_call
    em, tm = _Tied(), _TTied()
    twin(tm, em)
    w = np.random.default_rng(0).standard_normal((2, 2)).astype(np.float32)
    x = np.ones((1, 2), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        # tied weights: replacing one name replaces both
        ey = f(em, {"a.weight": ember.from_numpy(w), "scale": ember.tensor(2.0)}, (ember.from_numpy(x),))
        ty = tf(tm, {"a.weight": torch.from_numpy(w), "scale": torch.tensor(2.0)}, (torch.from_numpy(x),))
        close(ey, ty)
        # the module is restored
        assert em.a.weight is em.b.weight and float(em.scale) == 1.0
        # tie_weights=False: only a.weight is replaced
        ey = f(em, {"a.weight": ember.from_numpy(w)}, ember.from_numpy(x), tie_weights=False)
        ty = tf(tm, {"a.weight": torch.from_numpy(w)}, torch.from_numpy(x), tie_weights=False)
        close(ey, ty)
        # strict: same message as torch
        with pytest.raises(RuntimeError) as te:
            tf(tm, {"a.weight": torch.from_numpy(w), "zzz": torch.ones(1)}, torch.from_numpy(x), strict=True)
        with pytest.raises(RuntimeError) as ee:
            f(em, {"a.weight": ember.from_numpy(w), "zzz": ember.ones(1)}, ember.from_numpy(x), strict=True)
        assert str(ee.value) == str(te.value).replace("_TTied", "_Tied")
        # kwargs and gradients through the replacement
        p = ember.from_numpy(w).requires_grad_()
        f(em, {"a.weight": p}, args=(), kwargs={"x": ember.from_numpy(x)}).sum().backward()
        tp = torch.from_numpy(w).requires_grad_()
        tf(tm, {"a.weight": tp}, args=(), kwargs={"x": torch.from_numpy(x)}).sum().backward()
        close(p.grad, tp.grad)


@pytest.mark.parametrize("fc", ["stateless", "func"])
def test_functional_call_conflicting_tied_values(fc):
    f = nn.utils.stateless.functional_call if fc == "stateless" else ember.func.functional_call
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError) as te:
            torch.func.functional_call(_TTied(), {"a.weight": torch.ones(2, 2), "b.weight": torch.zeros(2, 2)},
                                       torch.ones(1, 2))
        with pytest.raises(ValueError) as ee:
            f(_Tied(), {"a.weight": ember.ones(2, 2), "b.weight": ember.zeros(2, 2)}, ember.ones(1, 2))
    assert str(ee.value) == str(te.value)


def test_stateless_functional_call_warns():
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        nn.utils.stateless.functional_call(nn.Linear(2, 2), {}, ember.ones(1, 2))


def test_nn_utils_namespace():
    for name in ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
                 "parameters_to_vector", "vector_to_parameters", "weight_norm", "remove_weight_norm",
                 "spectral_norm", "remove_spectral_norm", "fuse_conv_bn_eval", "fuse_conv_bn_weights",
                 "fuse_linear_bn_eval", "fuse_linear_bn_weights", "parametrize", "parametrizations", "stateless"]:
        assert hasattr(nn.utils, name), name
    import inspect
    for mod, names in [("", ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
                             "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm",
                             "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_weights",
                             "parameters_to_vector", "vector_to_parameters"]),
                       ("parametrize", ["register_parametrization", "remove_parametrizations", "is_parametrized",
                                        "cached"]),
                       ("parametrizations", ["orthogonal", "weight_norm", "spectral_norm"]),
                       ("stateless", ["functional_call"])]:
        for name in names:
            ours = getattr(getattr(nn.utils, mod) if mod else nn.utils, name)
            theirs = getattr(getattr(torch.nn.utils, mod) if mod else torch.nn.utils, name)
            a = [(p.name, p.kind, p.default) for p in inspect.signature(ours).parameters.values()]
            b = [(p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()]
            assert a == b, name


def test_skip_init():
    m = nn.utils.skip_init(nn.Linear, 5, 1)
    assert isinstance(m.weight, nn.Parameter) and m.weight.shape == (1, 5) and m.weight.device.type == "cpu"
    m = nn.utils.skip_init(nn.Linear, in_features=6, out_features=1, device="meta")
    assert m.weight.device.type == "meta"

    class NoDevice(nn.Module):
        def __init__(self):
            super().__init__()

    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        nn.utils.skip_init(NoDevice)


def test_convert_conv_weight_memory_format():
    m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Sequential(nn.ConvTranspose2d(4, 2, 3)), nn.Conv3d(1, 1, 1))
    w = m[0].weight
    assert nn.utils.convert_conv2d_weight_memory_format(m, ember.channels_last) is m
    assert m[0].weight is w and isinstance(w, nn.Parameter)  # the data is swapped, the Parameter kept
    assert m[0].weight.is_contiguous(memory_format=ember.channels_last)
    assert m[1][0].weight.is_contiguous(memory_format=ember.channels_last)
    assert m[2].weight.is_contiguous()  # 3d convs untouched by the 2d conversion
    nn.utils.convert_conv3d_weight_memory_format(m, ember.channels_last_3d)
    assert m[2].weight.is_contiguous(memory_format=ember.channels_last_3d)


def test_clip_grad_norm_mixed_dtypes():
    def run(lib):
        a = lib.nn.Parameter(lib.ones(3))
        a.grad = lib.ones(3)
        b = lib.nn.Parameter(lib.ones(2, dtype=lib.float64))
        b.grad = lib.ones(2, dtype=lib.float64) * 2
        c = lib.nn.Parameter(lib.ones(2, dtype=lib.float16))
        c.grad = lib.ones(2, dtype=lib.float16) * 2
        n = lib.nn.utils.clip_grad_norm_([a, b, c], 1.0)
        return n, a.grad, c.grad

    (tn, ta, tc), (en, ea, ec) = run(torch), run(ember)
    assert str(en.dtype) == str(tn.dtype) and str(ec.dtype) == str(tc.dtype)
    close(en, tn), close(ea, ta), close(ec, tc, atol=1e-3)
