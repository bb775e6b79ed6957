"""ember.distributions against torch.distributions: values, shapes, validation, sampling, rsample gradients, KL."""
import math

import numpy as np
import pytest

import ember
import ember.distributions as D
from ember.distributions import constraints
from ember.distributions import transforms as T

try:
    import torch
except ImportError:
    torch = None

_r = np.random.RandomState(0)


def _pos(*s):
    return _r.rand(*s) + 0.5


def _unit(*s):
    return _r.rand(*s) * 0.8 + 0.1


def _real(*s):
    return _r.randn(*s)


def _simplex(*s):
    x = _r.rand(*s) + 0.1
    return x / x.sum(-1, keepdims=True)


_A = _r.randn(3, 3)
COV = _A @ _A.T + 3 * np.eye(3)

# (distribution, parameters, kind of value for log_prob/cdf)
# fmt: off
CASES = [
    ("Normal",                    dict(loc=_real(4, 3), scale=_pos(3)),                               "real"),
    ("Normal",                    dict(loc=0.5, scale=2.0),                                           "real"),
    ("Uniform",                   dict(low=-_pos(4, 3) - 1, high=_pos(3) + 2),                        "u_in"),
    ("Bernoulli",                 dict(probs=_unit(4, 3)),                                            "bin"),
    ("Bernoulli",                 dict(logits=_real(4, 3)),                                           "bin"),
    ("Categorical",               dict(probs=_simplex(4, 5)),                                         "cat5"),
    ("Categorical",               dict(logits=_real(4, 5)),                                           "cat5"),
    ("Categorical",               dict(probs=_r.rand(4, 5) * 3),                                      "cat5"),  # unnormalised
    ("OneHotCategorical",         dict(probs=_simplex(4, 5)),                                         "onehot5"),
    ("Multinomial",               dict(total_count=6, probs=_simplex(4, 5)),                          "mult6"),
    ("MultivariateNormal",        dict(loc=_real(4, 3), covariance_matrix=COV),                       "real"),
    ("MultivariateNormal",        dict(loc=_real(3), precision_matrix=COV),                           "real"),
    ("MultivariateNormal",        dict(loc=_real(4, 3), scale_tril=np.linalg.cholesky(COV)),          "real"),
    ("Beta",                      dict(concentration1=_pos(4, 3), concentration0=_pos(3)),            "unit"),
    ("Gamma",                     dict(concentration=_pos(4, 3), rate=_pos(3)),                       "pos"),
    ("Exponential",               dict(rate=_pos(4, 3)),                                              "pos"),
    ("Poisson",                   dict(rate=_pos(4, 3) * 3),                                          "count5"),
    ("Laplace",                   dict(loc=_real(4, 3), scale=_pos(3)),                               "real"),
    ("Dirichlet",                 dict(concentration=_pos(4, 3)),                                     "simplex3"),
    ("LogNormal",                 dict(loc=_real(4, 3), scale=_pos(3)),                               "pos"),
    ("Binomial",                  dict(total_count=10, probs=_unit(4, 3)),                            "count10"),
    ("Binomial",                  dict(total_count=np.array([5., 10., 7.]), logits=_real(4, 3)),      "count5"),
    ("Cauchy",                    dict(loc=_real(4, 3), scale=_pos(3)),                               "real"),
    ("Geometric",                 dict(probs=_unit(4, 3)),                                            "count5"),
    ("Geometric",                 dict(logits=_real(4, 3)),                                           "count5"),
    ("StudentT",                  dict(df=_pos(4, 3) * 3, loc=_real(3), scale=_pos(3)),               "real"),
    ("Chi2",                      dict(df=_pos(4, 3) * 3),                                            "pos"),
    ("HalfNormal",                dict(scale=_pos(4, 3)),                                             "pos"),
    ("Gumbel",                    dict(loc=_real(4, 3), scale=_pos(3)),                               "real"),
]
# fmt: on


def _value(kind, kw):
    rr = np.random.RandomState(1)
    if kind == "real":
        return rr.randn(4, 3)
    if kind == "u_in":
        return (rr.rand(4, 3) - .5) * 2
    if kind == "bin":
        return (rr.rand(4, 3) > .5) * 1.
    if kind in ("count10", "count5"):
        return rr.randint(0, 11 if kind == "count10" else 6, (4, 3)) * 1.
    if kind == "cat5":
        return rr.randint(0, 5, (4,))
    if kind == "onehot5":
        return np.eye(5)[rr.randint(0, 5, (4,))]
    if kind == "mult6":
        return np.stack([np.bincount(rr.randint(0, 5, 6), minlength=5) for _ in range(4)]) * 1.
    if kind == "unit":
        return rr.rand(4, 3) * .8 + .1
    if kind == "pos":
        return rr.rand(4, 3) * 3 + .1
    if kind == "pos_gt2":
        return rr.rand(4, 3) * 3 + 1.6
    if kind in ("simplex3", "simplex4"):
        x = rr.rand(4, int(kind[-1])) + .1
        return x / x.sum(-1, keepdims=True)
    if kind == "gp":
        return kw["loc"] + rr.rand(4, 3) * 2
    B = rr.randn(4, 3, 3)
    S = B @ np.swapaxes(B, -1, -2) + np.eye(3)
    if kind == "spd3":
        return S
    d = np.sqrt(np.einsum("...ii->...i", S))  # lkj3: Cholesky factor of a correlation matrix
    return np.linalg.cholesky(S / d[..., :, None] / d[..., None, :])


def _make(lib, name, kw, **extra):
    args = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    return getattr(lib.distributions, name)(**args, **extra)


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _close(e, t, rtol=1e-7, atol=1e-9):
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol, equal_nan=True)


@pytest.fixture
def f64():
    old = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    if torch is not None:
        told = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
    yield
    ember.set_default_dtype(old)
    if torch is not None:
        torch.set_default_dtype(told)


def _attr(lib, d, attr, kind, kw):
    if attr in ("log_prob", "cdf"):
        return getattr(d, attr)(lib.tensor(_value(kind, kw)))
    if attr == "icdf":
        return d.icdf(lib.tensor(np.random.RandomState(2).rand(4, 3) * .98 + .01))
    if attr in ("entropy", "enumerate_support", "perplexity"):
        return getattr(d, attr)()
    return getattr(d, attr)


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Singular sample")
@pytest.mark.parametrize("name,kw,kind", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_torch(name, kw, kind, f64):
    td, ed = _make(torch, name, {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kw.items()}), _make(ember, name, kw)
    assert repr(ed) == repr(td)
    assert tuple(ed.batch_shape) == tuple(td.batch_shape) and tuple(ed.event_shape) == tuple(td.event_shape)
    assert isinstance(ed.batch_shape, ember.Size)
    assert ed.has_rsample == td.has_rsample and ed.has_enumerate_support == td.has_enumerate_support
    assert sorted(ed.arg_constraints) == sorted(td.arg_constraints)
    assert repr(ed.support) == repr(td.support)
    for attr in ["mean", "mode", "variance", "stddev", "entropy", "log_prob", "cdf", "icdf", "enumerate_support"]:
        try:
            t = _attr(torch, td, attr, kind, kw)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                _attr(ember, ed, attr, kind, kw)
            continue
        e = _attr(ember, ed, attr, kind, kw)
        assert tuple(e.shape) == tuple(t.shape), attr
        _close(e, t, rtol=1e-6 if name in ("VonMises", "Wishart") else 1e-7)
    # sampling shapes, dtype and support; expand
    s = ed.sample((2,))
    assert tuple(s.shape) == tuple(td.sample((2,)).shape) and s.dtype == _DT[str(td.sample().dtype)]
    if name not in ("LKJCholesky", "Wishart"):
        assert bool(ed.support.check(s).all())
    ex = ed.expand((5,) + tuple(ed.batch_shape))
    assert tuple(ex.batch_shape) == (5,) + tuple(ed.batch_shape) and tuple(ex.sample().shape) == tuple(
        td.expand((5,) + tuple(td.batch_shape)).sample().shape)


_DT = {"torch.float64": ember.float64, "torch.float32": ember.float32, "torch.int64": ember.int64}


@pytest.mark.torch
@pytest.mark.parametrize("make,kind", [
    (lambda lib: lib.distributions.Normal(lib.tensor([0.]), lib.tensor([-1.])), "init"),
    (lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([1.5])), "init"),
    (lambda lib: lib.distributions.Categorical(), "init"),
    (lambda lib: lib.distributions.Categorical(probs=lib.tensor([.2, .8]), logits=lib.tensor([.2, .8])), "init"),
    (lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2)), "init"),
    (lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.tensor([[1., 2.], [2., 1.]])), "init"),
    (lambda lib: lib.distributions.Bernoulli(lib.tensor([.3])).log_prob(lib.tensor([0.5])), "value"),
    (lambda lib: lib.distributions.Uniform(0., 1.).log_prob(lib.tensor(2.)), "value"),
    (lambda lib: lib.distributions.Normal(lib.zeros(3), 1.).log_prob(lib.zeros(2)), "value"),
    (lambda lib: lib.distributions.Dirichlet(lib.ones(3)).log_prob(lib.ones(3)), "value"),
    (lambda lib: lib.distributions.Gamma(lib.tensor(0.), 1.), "init"),
    (lambda lib: lib.distributions.Normal(0., 1.).rsample(()).__class__ and lib.distributions.Poisson(1.).rsample(), "rsample"),
])
def test_validation_errors(make, kind):
    with pytest.raises(Exception) as te:
        make(torch)
    with pytest.raises(type(te.value)) as ee:
        make(ember)
    assert str(ee.value).replace("ember", "torch") == str(te.value) or kind == "value"


def test_set_default_validate_args():
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(ember.tensor([0.]), ember.tensor([-1.]))  # no error
        assert D.Uniform(0., 1.).log_prob(ember.tensor(2.)).item() == -math.inf
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(ember.tensor([0.]), ember.tensor([-1.]))
    D.Normal(ember.tensor([0.]), ember.tensor([-1.]), validate_args=False)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")


# --- sampling statistics and reproducibility --------------------------------------------

# fmt: off
STATS = [
    ("Normal",             dict(loc=0.3, scale=2.)),
    ("Uniform",            dict(low=-1., high=3.)),
    ("Gamma",              dict(concentration=2.5, rate=1.5)),
    ("Gamma",              dict(concentration=0.4, rate=1.0)),
    ("Beta",               dict(concentration1=2., concentration0=3.)),
    ("Dirichlet",          dict(concentration=[1., 2., 3.])),
    ("Exponential",        dict(rate=2.)),
    ("Laplace",            dict(loc=1., scale=2.)),
    ("LogNormal",          dict(loc=0., scale=.5)),
    ("Poisson",            dict(rate=3.)),
    ("Bernoulli",          dict(probs=.3)),
    ("Multinomial",        dict(total_count=5, probs=[.2, .3, .5])),
    ("OneHotCategorical",  dict(probs=[.2, .3, .5])),
    ("MultivariateNormal", dict(loc=[1., 2.], covariance_matrix=[[2., .5], [.5, 1.]])),
    ("StudentT",           dict(df=8.)),
    ("Binomial",           dict(total_count=10, probs=.3)),
    ("Geometric",          dict(probs=.3)),
]
# fmt: on


def _params(kw, requires_grad=False):
    return {k: (ember.tensor(v, dtype=ember.float64, requires_grad=requires_grad) if isinstance(v, (float, list)) else v)
            for k, v in kw.items()}


@pytest.mark.parametrize("name,kw", STATS, ids=[f"{c[0]}-{i}" for i, c in enumerate(STATS)])
def test_sampling_statistics(name, kw):
    ember.manual_seed(0)
    d = getattr(D, name)(**_params(kw))
    s = d.sample((20000,)).double()
    mean, var = d.mean, d.variance
    se = (var / 20000).sqrt()
    assert bool(((s.mean(0) - mean).abs() <= 5 * se + 1e-12).all()), (s.mean(0), mean)
    assert bool(((s.var(0) - var).abs() <= 0.06 * var + 1e-12).all()), (s.var(0), var)
    if name == "MultivariateNormal":  # the covariance, not just the variances
        c = s - s.mean(0)
        np.testing.assert_allclose((c.T @ c / 20000).numpy(), np.array(kw["covariance_matrix"]), atol=0.06)


def test_categorical_sample_frequencies():
    ember.manual_seed(0)
    p = np.array([.1, .2, .3, .4])
    s = D.Categorical(probs=ember.tensor(p * 7)).sample((20000,))
    assert s.dtype == ember.int64
    np.testing.assert_allclose(np.bincount(s.numpy(), minlength=4) / 20000, p, atol=0.015)


@pytest.mark.parametrize("name,kw", STATS[:10], ids=[c[0] for c in STATS[:10]])
def test_reproducible_under_manual_seed(name, kw):
    d = getattr(D, name)(**_params(kw))
    ember.manual_seed(123)
    a = d.rsample((3,)) if d.has_rsample else d.sample((3,))
    ember.manual_seed(123)
    b = d.rsample((3,)) if d.has_rsample else d.sample((3,))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


# --- rsample gradients ---------------------------------------------------------------------

@pytest.mark.torch
@pytest.mark.parametrize("name,kw", [
    ("Normal", dict(loc=[0.3, -1.], scale=[2., .5])),
    ("LogNormal", dict(loc=[0.3, -1.], scale=[2., .5])),
    ("MultivariateNormal", dict(loc=[1., 2.], covariance_matrix=[[2., .5], [.5, 1.]])),
    ("MultivariateNormal", dict(loc=[1., 2.], scale_tril=[[2., 0.], [.5, 1.]])),
])
def test_rsample_grad_same_noise_as_torch(name, kw, monkeypatch):
    # feed both libraries the same standard-normal noise, then compare samples and parameter gradients
    eps = np.random.RandomState(0).randn(5, 2)
    import torch.distributions.multivariate_normal as tmvn
    import torch.distributions.normal as tnormal

    import ember.distributions.multivariate_normal as emvn
    import ember.distributions.normal as enormal
    for mod, lib in [(enormal, ember), (emvn, ember), (tnormal, torch), (tmvn, torch)]:
        monkeypatch.setattr(mod, "_standard_normal", lambda shape, dtype, device, lib=lib: lib.tensor(eps).reshape(shape))
    out = []
    for lib in (ember, torch):
        ps = {k: lib.tensor(v, dtype=lib.float64, requires_grad=True) for k, v in kw.items()}
        x = getattr(lib.distributions, name)(**ps).rsample((5,))
        (x * lib.tensor(np.arange(x.numel()).reshape(x.shape) * 1.0)).sum().backward()
        out.append((x, {k: v.grad for k, v in ps.items()}))
    _close(out[0][0], out[1][0])
    for k in kw:
        _close(out[0][1][k], out[1][1][k])


@pytest.mark.parametrize("name,kw,dx", [
    # pathwise derivative d sample / d parameter as a function of the sample itself
    ("Uniform", dict(low=-1., high=3.), dict(low=lambda x, p: 1 - (x - p["low"]) / (p["high"] - p["low"]),
                                             high=lambda x, p: (x - p["low"]) / (p["high"] - p["low"]))),
    ("Exponential", dict(rate=2.), dict(rate=lambda x, p: -x / p["rate"])),
    ("Laplace", dict(loc=1., scale=2.), dict(loc=lambda x, p: x * 0 + 1, scale=lambda x, p: (x - p["loc"]) / p["scale"])),
    ("Normal", dict(loc=1., scale=2.), dict(loc=lambda x, p: x * 0 + 1, scale=lambda x, p: (x - p["loc"]) / p["scale"])),
    ("Cauchy", dict(loc=1., scale=2.), dict(loc=lambda x, p: x * 0 + 1, scale=lambda x, p: (x - p["loc"]) / p["scale"])),
    ("Gumbel", dict(loc=1., scale=2.), dict(loc=lambda x, p: x * 0 + 1, scale=lambda x, p: (x - p["loc"]) / p["scale"])),
])
def test_rsample_pathwise_gradient(name, kw, dx):
    ember.manual_seed(0)
    ps = _params(kw, requires_grad=True)
    x = getattr(D, name)(**ps).rsample((7,))
    x.sum().backward()
    xd = x.detach()
    for k, f in dx.items():
        _close(ps[k].grad, f(xd, {n: v.detach() for n, v in ps.items()}).sum(), rtol=1e-10)


# --- KL divergence -------------------------------------------------------------------------

# fmt: off
KL_PAIRS = [
    ("Normal",             dict(loc=_real(3), scale=_pos(3)),             dict(loc=_real(3), scale=_pos(3))),
    ("Categorical",        dict(probs=_simplex(2, 4)),                    dict(logits=_real(2, 4))),
    ("Bernoulli",          dict(probs=_unit(3)),                          dict(probs=_unit(3))),
    ("MultivariateNormal", dict(loc=_real(2, 3), covariance_matrix=COV),  dict(loc=_real(3), scale_tril=np.linalg.cholesky(COV + np.eye(3)))),
    ("Uniform",            dict(low=-_pos(3), high=_pos(3)),              dict(low=-_pos(3) - 1, high=_pos(3) + 1)),
    ("Beta",               dict(concentration1=_pos(3), concentration0=_pos(3)), dict(concentration1=_pos(3), concentration0=_pos(3))),
    ("Gamma",              dict(concentration=_pos(3), rate=_pos(3)),     dict(concentration=_pos(3), rate=_pos(3))),
    ("Exponential",        dict(rate=_pos(3)),                            dict(rate=_pos(3))),
    ("Dirichlet",          dict(concentration=_pos(2, 3)),                dict(concentration=_pos(2, 3))),
    ("Laplace",            dict(loc=_real(3), scale=_pos(3)),             dict(loc=_real(3), scale=_pos(3))),
    ("Poisson",            dict(rate=_pos(3)),                            dict(rate=_pos(3))),
    ("OneHotCategorical",  dict(probs=_simplex(2, 4)),                    dict(probs=_simplex(2, 4))),
    ("Geometric",          dict(probs=_unit(3)),                          dict(probs=_unit(3))),
    ("Binomial",           dict(total_count=5, probs=_unit(3)),           dict(total_count=5, probs=_unit(3))),
    ("Cauchy",             dict(loc=_real(3), scale=_pos(3)),             dict(loc=_real(3), scale=_pos(3))),
    ("HalfNormal",         dict(scale=_pos(3)),                           dict(scale=_pos(3))),
]
MIXED = []  # no cross-family KL pairs yet
# fmt: on


@pytest.mark.torch
@pytest.mark.parametrize("p,q", [((n, a), (n, b)) for n, a, b in KL_PAIRS] + MIXED,
                         ids=[c[0] for c in KL_PAIRS] + [f"{a[0]}-{b[0]}" for a, b in MIXED])
def test_kl_matches_torch(p, q, f64):
    e = D.kl_divergence(_make(ember, *p), _make(ember, *q))
    t = torch.distributions.kl_divergence(_make(torch, *p), _make(torch, *q))
    assert tuple(e.shape) == tuple(t.shape)
    _close(e, t)


@pytest.mark.torch
def test_kl_independent_and_transformed(f64):
    loc, scale = _real(2, 3), _pos(2, 3)
    for lib in (ember, torch):
        Dl = lib.distributions
        p = Dl.Independent(Dl.Normal(lib.tensor(loc), lib.tensor(scale)), 1)
        q = Dl.Independent(Dl.Normal(lib.zeros(2, 3, dtype=lib.float64), lib.ones(2, 3, dtype=lib.float64)), 1)
        r = lib.distributions.kl_divergence(p, q)
        if lib is ember:
            e = r
    _close(e, r)
    assert tuple(e.shape) == (2,)


def test_register_kl_and_missing_pair():
    class MyNormal(D.Normal):
        pass

    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Normal(0., 1.), D.Poisson(1.))

    @D.register_kl(MyNormal, D.Normal)
    def _kl(p, q):
        return ember.tensor(42.)

    assert D.kl_divergence(MyNormal(0., 1.), D.Normal(0., 2.)).item() == 42.
    assert D.kl_divergence(D.Normal(0., 1.), D.Normal(0., 1.)).item() == 0.
    with pytest.raises(TypeError):
        D.register_kl(3, D.Normal)


# --- transforms and TransformedDistribution -------------------------------------------------

_TF = [
    lambda lib: lib.distributions.transforms.ExpTransform(),
    lambda lib: lib.distributions.transforms.AffineTransform(lib.tensor([1., 2., 3.]), lib.tensor([2., -.5, 1.5])),
    lambda lib: lib.distributions.transforms.SigmoidTransform(),
    lambda lib: lib.distributions.transforms.TanhTransform(),
    lambda lib: lib.distributions.transforms.SoftplusTransform(),
    lambda lib: lib.distributions.transforms.PowerTransform(lib.tensor(2.)),
    lambda lib: lib.distributions.transforms.ComposeTransform([lib.distributions.transforms.ExpTransform(),
                                                               lib.distributions.transforms.AffineTransform(1., 2.)]),
    lambda lib: lib.distributions.transforms.ExpTransform().inv,
]


@pytest.mark.torch
@pytest.mark.parametrize("i", range(len(_TF)))
def test_transforms_match_torch(i, f64):
    te, tt = _TF[i](ember), _TF[i](torch)
    assert repr(te) == repr(tt)
    x = np.abs(_real(4, 3)) + 0.1 if i in (5, 7) else _real(4, 3)
    ye, yt = te(ember.tensor(x)), tt(torch.tensor(x))
    _close(ye, yt)
    for f in (lambda t, lib, y: t.inv(y), lambda t, lib, y: t.log_abs_det_jacobian(lib.tensor(x), y)):
        try:
            r = f(tt, torch, yt)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                f(te, ember, ye)
            continue
        _close(f(te, ember, ye), r, rtol=1e-6, atol=1e-7)
    assert te.bijective == tt.bijective
    if i in (0, 2, 3):
        assert te.sign == tt.sign


@pytest.mark.torch
def test_transformed_distribution_and_independent(f64):
    out, loc = [], _real(3)
    for lib in (ember, torch):
        Dl, Tl = lib.distributions, lib.distributions.transforms
        base = Dl.Normal(lib.tensor(loc), lib.tensor(np.ones(3) * 1.5))
        d = Dl.TransformedDistribution(base, [Tl.AffineTransform(1., 2.), Tl.SigmoidTransform()])
        ind = Dl.Independent(Dl.Normal(lib.zeros(2, 3, dtype=lib.float64), 1.), 1)
        v = lib.tensor(np.random.RandomState(3).rand(3) * .8 + .1)
        out.append((d.log_prob(v), d.cdf(v), tuple(d.batch_shape), ind.log_prob(lib.tensor(np.ones((2, 3)))),
                    tuple(ind.batch_shape), tuple(ind.event_shape), repr(ind), ind.entropy()))
    for e, t in zip(*out):
        if isinstance(t, (tuple, str)):
            assert e == t
        else:
            _close(e, t)


def test_float32_default_and_grad_flows():
    d = D.Normal(ember.zeros(3), ember.ones(3))
    assert d.sample().dtype == ember.float32 and d.log_prob(ember.zeros(3)).dtype == ember.float32
    mu = ember.zeros(3, requires_grad=True)
    D.Normal(mu, 1.).log_prob(ember.ones(3)).sum().backward()
    np.testing.assert_allclose(mu.grad.numpy(), np.ones(3))
    logits = ember.zeros(4, requires_grad=True)
    c = D.Categorical(logits=logits)
    c.log_prob(ember.tensor(2)).backward()
    np.testing.assert_allclose(logits.grad.numpy(), [-.25, -.25, .75, -.25], rtol=1e-6)
    assert D.Categorical(logits=logits).sample((5,)).shape == (5,)


def test_typical_training_uses():
    # nn.Parameter arguments (Tensor subclasses), a VAE-style KL + rsample step, REINFORCE with Categorical
    ember.manual_seed(0)
    mu = ember.nn.Parameter(ember.zeros(4, 2))
    log_sigma = ember.nn.Parameter(ember.zeros(4, 2))
    q = D.Normal(mu, log_sigma.exp())
    loss = D.kl_divergence(q, D.Normal(ember.zeros(2), ember.ones(2))).sum() + (q.rsample() ** 2).sum()
    loss.backward()
    assert mu.grad.shape == (4, 2) and log_sigma.grad.shape == (4, 2)
    lin = ember.nn.Linear(3, 5)
    pi = D.Categorical(logits=lin(ember.randn(8, 3)))
    a = pi.sample()
    assert a.shape == (8,) and a.dtype == ember.int64
    (-(pi.log_prob(a) * ember.randn(8)).mean() - 0.01 * pi.entropy().mean()).backward()
    assert lin.weight.grad.shape == (5, 3)
    ind = D.Independent(D.Normal(mu, 1.), 1)
    assert ind.log_prob(ember.zeros(4, 2)).shape == (4,)




@pytest.mark.torch
def test_standard_gamma_grad_vs_torch():
    from ember.distributions.gamma import _standard_gamma_grad
    a = np.array([0.1, 0.5, 1., 2.5, 10., 100.])
    x = np.array([1e-5, 0.3, 1., 2., 12., 95.])
    _close(_standard_gamma_grad(ember.tensor(x), ember.tensor(a)), torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)),
           rtol=1e-4)


def test_gamma_beta_dirichlet_rsample_differentiable():
    # the implicit reparameterisation gradient is unbiased: E[d x/d alpha] = d E[x]/d alpha
    ember.manual_seed(0)
    a = ember.tensor(2.5, dtype=ember.float64, requires_grad=True)
    D.Gamma(a, 2.).rsample((20000,)).mean().backward()
    assert abs(a.grad.item() - 0.5) < 0.02  # E = a / 2
    c1 = ember.tensor(2., dtype=ember.float64, requires_grad=True)
    D.Beta(c1, ember.tensor(3., dtype=ember.float64)).rsample((20000,)).mean().backward()
    assert abs(c1.grad.item() - 3 / 25) < 0.01  # d/da a/(a+b)
    conc = ember.tensor([1., 2., 3.], dtype=ember.float64, requires_grad=True)
    x = D.Dirichlet(conc).rsample((10,))
    np.testing.assert_allclose(x.sum(-1).detach().numpy(), 1.0)
    (x[:, 0]).sum().backward()
    assert conc.grad.shape == (3,) and bool(ember.isfinite(conc.grad).all())


def test_dirichlet_small_concentration_float32():
    ember.manual_seed(0)
    c = ember.tensor([0.01, 0.01, 0.02], requires_grad=True)
    x = D.Dirichlet(c).rsample((500,))
    assert x.dtype == ember.float32 and bool(ember.isfinite(x).all())
    np.testing.assert_allclose(x.sum(-1).detach().numpy(), 1.0, rtol=1e-5)
    x[:, 0].sum().backward()
    assert bool(ember.isfinite(c.grad).all())


def test_misc_api():
    d = D.Normal(ember.zeros(2), ember.ones(2))
    with pytest.warns(UserWarning):
        assert d.sample_n(3).shape == (3, 2)
    assert d.expand((4, 2)).log_prob(ember.zeros(4, 2)).shape == (4, 2)
    assert d.stddev.shape == (2,) and not d.has_enumerate_support
    ind = D.Independent(d, 1)
    assert repr(ind) == "Independent(Normal(loc: torch.Size([2]), scale: torch.Size([2])), 1)"
    assert ind.batch_shape == () and ind.event_shape == (2,) and ind.has_rsample
    assert D.Categorical(logits=ember.zeros(2, 3)).enumerate_support().shape == (3, 2)
    assert D.Bernoulli(0.3).enumerate_support(expand=False).tolist() == [0.0, 1.0]
    assert isinstance(constraints.simplex.check(ember.tensor([0.5, 0.5])), ember.Tensor)
    with pytest.raises(NotImplementedError):
        _ = constraints.dependent.event_dim
    import ember.distributions.beta as beta_module
    assert beta_module.Beta is D.Beta


@pytest.mark.torch
def test_namespace_subset_of_torch():
    assert set(D.__all__) <= set(torch.distributions.__all__)
    assert set(constraints.__all__) <= set(torch.distributions.constraints.__all__)
    assert set(T.__all__) <= set(torch.distributions.transforms.__all__)
