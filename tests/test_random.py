"""Random numbers (ember/_random.py): reproducibility, generator state, shapes/dtypes/errors vs PyTorch, statistics.

We do not reproduce PyTorch's streams, only its API, dtypes, shapes and distributions.
"""
import pickle
import warnings

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:
    torch = None

N = 200_000  # large samples for the statistical checks (5 sigma tolerances)


def np_of(t):
    return t.detach()._host().astype(np.float64)


# ---------------------------------------------------------------------------
# seeding and generator state

def test_manual_seed_reproducible_and_returns_generator():
    g = ember.manual_seed(123)
    assert g is ember.default_generator
    a = ember.rand(5), ember.randn(3, 2), ember.randint(0, 100, (4,)), ember.randperm(7)
    ember.manual_seed(123)
    b = ember.rand(5), ember.randn(3, 2), ember.randint(0, 100, (4,)), ember.randperm(7)
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    assert ember.initial_seed() == 123
    assert ember.random.initial_seed() == 123


def test_different_seeds_differ():
    ember.manual_seed(0)
    a = ember.rand(10).tolist()
    ember.manual_seed(1)
    assert ember.rand(10).tolist() != a


def test_generator_is_independent_of_global_state():
    g1 = ember.Generator().manual_seed(7)
    first = ember.randn(4, generator=g1).tolist()
    g2 = ember.Generator()
    g2.manual_seed(7)
    ember.manual_seed(99)
    ember.rand(10)  # consuming the default generator must not affect g2
    assert ember.randn(4, generator=g2).tolist() == first
    assert g1.initial_seed() == 7


def test_generator_attributes_and_seed():
    g = ember.Generator()
    assert g.device == ember.device("cpu") and ember.Generator(device="cpu").device.type == "cpu"
    assert g.initial_seed() == 67280421310721
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    assert ember.manual_seed(-1).initial_seed() == 2 ** 64 - 1
    with pytest.raises(ValueError):
        ember.Generator().manual_seed(2 ** 64)
    assert isinstance(ember.seed(), int)


def test_get_set_state_round_trip():
    g = ember.Generator().manual_seed(5)
    ember.rand(3, generator=g)
    state = g.get_state()
    assert state.dtype is ember.uint8 and state.ndim == 1
    a = ember.randn(6, generator=g).tolist()
    g.set_state(state)
    assert ember.randn(6, generator=g).tolist() == a
    # the state carries over to another generator, initial seed included
    h = ember.Generator().set_state(state)
    assert ember.randn(6, generator=h).tolist() == a and h.initial_seed() == 5
    # get_state returns a copy
    state.fill_(0)
    g.set_state(h.get_state())


def test_global_rng_state_and_fork_rng():
    ember.manual_seed(3)
    s = ember.get_rng_state()
    a = ember.rand(4).tolist()
    ember.set_rng_state(s)
    assert ember.rand(4).tolist() == a
    ember.set_rng_state(s)
    with ember.random.fork_rng():
        ember.rand(100)
    assert ember.rand(4).tolist() == a
    with ember.random.fork_rng(enabled=False):
        ember.rand(1)


def test_set_state_errors():
    g = ember.Generator()
    with pytest.raises(TypeError):
        g.set_state(ember.zeros(10))
    with pytest.raises(TypeError):
        ember.set_rng_state([1, 2])
    with pytest.raises(RuntimeError):
        g.set_state(ember.zeros(10, dtype=ember.uint8))


def test_generator_pickles():
    g = ember.Generator().manual_seed(11)
    ember.rand(2, generator=g)
    h = pickle.loads(pickle.dumps(g))
    assert ember.rand(5, generator=h).tolist() == ember.rand(5, generator=g).tolist()


# ---------------------------------------------------------------------------
# shapes and dtypes vs PyTorch

_FACTORIES = [
    ("rand", lambda m: m.rand(2, 3)),
    ("rand-size-kw", lambda m: m.rand(size=(2, 3))),
    ("rand-tuple", lambda m: m.rand((4,))),
    ("rand-0d", lambda m: m.rand(())),
    ("rand-empty", lambda m: m.rand(0, 3)),
    ("rand-f64", lambda m: m.rand(3, dtype=m.float64)),
    ("rand-f16", lambda m: m.rand(3, dtype=m.float16)),
    ("rand-bf16", lambda m: m.rand(3, dtype=m.bfloat16)),
    ("rand-c64", lambda m: m.rand(3, dtype=m.complex64)),
    ("randn", lambda m: m.randn([2, 2])),
    ("randn-f64", lambda m: m.randn(2, dtype=m.float64)),
    ("randn-c128", lambda m: m.randn(2, dtype=m.complex128)),
    ("randn-bf16", lambda m: m.randn(5, dtype=m.bfloat16)),
    ("rand_like", lambda m: m.rand_like(m.zeros(2, 2, dtype=m.float64))),
    ("randn_like", lambda m: m.randn_like(m.zeros(3))),
    ("randn_like-dtype", lambda m: m.randn_like(m.zeros(3), dtype=m.float64)),
    ("randint", lambda m: m.randint(10, (3, 2))),
    ("randint-low", lambda m: m.randint(-5, 5, (6,))),
    ("randint-kw", lambda m: m.randint(high=10, size=(2,))),
    ("randint-f32", lambda m: m.randint(0, 10, (3,), dtype=m.float32)),
    ("randint-bool", lambda m: m.randint(0, 2, (3,), dtype=m.bool)),
    ("randint-u8", lambda m: m.randint(0, 256, (3,), dtype=m.uint8)),
    ("randint_like", lambda m: m.randint_like(m.zeros(2), 10)),
    ("randint_like-low", lambda m: m.randint_like(m.zeros(2, dtype=m.int32), 3, 10)),
    ("randperm", lambda m: m.randperm(6)),
    ("randperm-f32", lambda m: m.randperm(6, dtype=m.float32)),
    ("randperm-0", lambda m: m.randperm(0)),
    ("normal-ff", lambda m: m.normal(0.0, 1.0, (2, 3))),
    ("normal-ii", lambda m: m.normal(2, 3, size=(2,))),
    ("normal-tf", lambda m: m.normal(m.zeros(3, dtype=m.float64), 1.0)),
    ("normal-ft", lambda m: m.normal(0.0, m.ones(3, dtype=m.float64))),
    ("normal-tt", lambda m: m.normal(m.zeros(3), m.ones(2, 3))),
    ("normal-tt-mixed", lambda m: m.normal(m.zeros(3), m.ones(3, dtype=m.float64))),
    ("normal-f16", lambda m: m.normal(m.zeros(3, dtype=m.float16), 1.0)),
    ("bernoulli", lambda m: m.bernoulli(m.full((3, 2), 0.5))),
    ("bernoulli-p", lambda m: m.bernoulli(m.zeros(3, dtype=m.int64), 0.5)),
    ("bernoulli-method", lambda m: m.zeros(3, dtype=m.float64).bernoulli(0.3)),
    ("multinomial", lambda m: m.multinomial(m.tensor([1.0, 2.0, 3.0]), 2)),
    ("multinomial-2d", lambda m: m.multinomial(m.ones(4, 3), 5, True)),
    ("multinomial-empty", lambda m: m.multinomial(m.ones(0, 3), 1)),
    ("multinomial-method", lambda m: m.ones(3, dtype=m.float64).multinomial(3)),
    ("poisson", lambda m: m.poisson(m.full((2, 2), 3.0, dtype=m.float64))),
    ("binomial", lambda m: m.binomial(m.full((3,), 5.0), m.full((3,), 0.5))),
]


@pytest.mark.conforms("torch.rand", "torch.randn", "torch.randint", "torch.randperm", "torch.normal",
                      "torch.multinomial", "torch.randn_like")
@pytest.mark.torch
@pytest.mark.parametrize("make", [f for _, f in _FACTORIES], ids=[n for n, _ in _FACTORIES])
def test_factory_shape_and_dtype(make):
    t, e = make(torch), make(ember)
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    assert e.requires_grad == t.requires_grad


_INPLACE = [
    ("uniform_", lambda x: x.uniform_(), ("float32", "float64", "float16", "bfloat16")),
    ("uniform_-ab", lambda x: x.uniform_(-2, 3), ("float32", "float64")),
    ("normal_", lambda x: x.normal_(1, 2), ("float32", "float64", "float16", "complex64")),
    ("bernoulli_", lambda x: x.bernoulli_(0.3), ("float32", "int64", "bool", "uint8")),
    ("random_", lambda x: x.random_(), ("float32", "int64", "int8", "bool", "uint8")),
    ("random_-to", lambda x: x.random_(5), ("float32", "int64", "int8")),
    ("random_-to-bool", lambda x: x.random_(2), ("bool",)),
    ("random_-from-to", lambda x: x.random_(-3, 5), ("float32", "int64", "int8")),
    ("exponential_", lambda x: x.exponential_(2.0), ("float32", "float64")),
    ("geometric_", lambda x: x.geometric_(0.3), ("float32", "int64")),
    ("log_normal_", lambda x: x.log_normal_(), ("float32", "float64")),
    ("cauchy_", lambda x: x.cauchy_(0, 2), ("float32", "float64")),
]


@pytest.mark.torch
@pytest.mark.parametrize("fn,dtypes", [(f, d) for _, f, d in _INPLACE], ids=[n for n, _, _ in _INPLACE])
def test_inplace_returns_self_and_keeps_dtype(fn, dtypes):
    for dtype in dtypes:
        t, e = torch.zeros(3, 4, dtype=getattr(torch, dtype)), ember.zeros(3, 4, dtype=getattr(ember, dtype))
        v = e._version
        assert fn(e) is e
        fn(t)
        assert e.dtype is getattr(ember, dtype) and tuple(e.shape) == (3, 4)
        assert e._version > v


_ERRORS = [
    lambda m: m.rand(3, dtype=m.int64),
    lambda m: m.rand(),
    lambda m: m.rand(-1),
    lambda m: m.randn(3, dtype=m.int64),
    lambda m: m.rand_like(m.zeros(2, dtype=m.int64)),
    lambda m: m.randn_like(m.zeros(2, dtype=m.int64)),
    lambda m: m.randint(5, 5, (3,)),
    lambda m: m.randint(0, 300, (3,), dtype=m.uint8),
    lambda m: m.randint(3, 10),
    lambda m: m.randint(10),
    lambda m: m.randperm(-1),
    lambda m: m.randperm(300, dtype=m.uint8),
    lambda m: m.normal(0.0, 1.0),
    lambda m: m.normal(m.tensor([1, 2]), 1.0),
    lambda m: m.normal(m.zeros(3), -1.0),
    lambda m: m.normal(m.zeros(3), m.tensor([1.0, -1.0, 1.0])),
    lambda m: m.normal(m.zeros(2), m.ones(3)),
    lambda m: m.bernoulli(m.tensor([0.5, 2.0])),
    lambda m: m.bernoulli(m.tensor([0, 1])),
    lambda m: m.bernoulli(m.zeros(3), 2.0),
    lambda m: m.zeros(3).bernoulli_(m.tensor([0.1, 0.2, 3.0])),
    lambda m: m.zeros(3).bernoulli_(-0.5),
    lambda m: m.multinomial(m.tensor([1.0, 1.0]), 3),
    lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1),
    lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
    lambda m: m.multinomial(m.tensor([1.0, 1.0]), 0),
    lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    lambda m: m.multinomial(m.tensor([1, 1]), 1),
    lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1),
    lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 1),
    lambda m: m.poisson(m.tensor([-1.0])),
    lambda m: m.poisson(m.tensor([1, 2])),
    lambda m: m.binomial(m.tensor([5]), m.tensor([0.5])),
    lambda m: m.zeros(3, dtype=m.int64).uniform_(),
    lambda m: m.zeros(3, dtype=m.int64).normal_(),
    lambda m: m.zeros(3, dtype=m.int64).exponential_(),
    lambda m: m.zeros(3, dtype=m.int64).cauchy_(),
    lambda m: m.zeros(3, dtype=m.int64).log_normal_(),
    lambda m: m.zeros(3).uniform_(1, 0),
    lambda m: m.zeros(3).normal_(0, -1),
    lambda m: m.zeros(3).exponential_(0),
    lambda m: m.zeros(3).geometric_(1),
    lambda m: m.zeros(3).geometric_(0),
    lambda m: m.zeros(3).log_normal_(0, 0),
    lambda m: m.zeros(3).cauchy_(0, -1),
    lambda m: m.zeros(3).random_(5, 5),
    lambda m: m.zeros(3, dtype=m.uint8).random_(0, 300),
    lambda m: m.zeros(3, dtype=m.uint8).random_(-1, 3),
    lambda m: m.zeros(3, dtype=m.bool).random_(0, 3),
    lambda m: m.rand(2, generator=object()),
]


@pytest.mark.conforms("torch.rand", "torch.randn", "torch.randint", "torch.randperm", "torch.normal",
                      "torch.multinomial", "torch.randn_like", "Tensor.random_", "Tensor.normal_")
@pytest.mark.torch
@pytest.mark.parametrize("make", _ERRORS, ids=[f"e{i}" for i in range(len(_ERRORS))])
def test_errors_match_torch(make):
    with pytest.raises(Exception) as exc:
        make(torch)
    with pytest.raises(exc.type):
        make(ember)


def test_error_messages():
    with pytest.raises(RuntimeError, match=r"random_ expects 'from' to be less than 'to', but got from=5 >= to=5"):
        ember.randint(5, 5, (3,))
    with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=2"):
        ember.bernoulli(ember.zeros(3), 2.0)
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        ember.multinomial(ember.tensor([1.0, 1.0]), 3)
    with pytest.raises(NotImplementedError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
        ember.rand(3, dtype=ember.int64)


# ---------------------------------------------------------------------------
# statistics

def _close(value, expected, sigma, n=N):
    assert abs(value - expected) < 5 * sigma / np.sqrt(n) + 1e-12, (value, expected)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_rand_uniform_statistics(dtype):
    x = np_of(ember.rand(N, dtype=getattr(ember, dtype)))
    assert x.min() >= 0 and x.max() < 1
    _close(x.mean(), 0.5, np.sqrt(1 / 12))
    _close(x.var(), 1 / 12, 0.0745)  # sd of (U - 1/2)^2 is 1/sqrt(180)
    _close((x < 0.25).mean(), 0.25, 0.433)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_randn_statistics(dtype):
    x = np_of(ember.randn(N, dtype=getattr(ember, dtype)))
    _close(x.mean(), 0.0, 1.0)
    _close(x.std(), 1.0, 0.71)
    _close((np.abs(x) < 1).mean(), 0.6827, 0.466)


def test_randn_complex_has_unit_variance():
    z = ember.randn(N, dtype=ember.complex64)._host().astype(np.complex128)
    _close(z.real.var(), 0.5, 0.71)
    _close(z.imag.var(), 0.5, 0.71)
    _close(np.mean(np.abs(z) ** 2), 1.0, 1.0)


def test_randint_bounds_and_uniformity():
    x = ember.randint(-3, 4, (N,))
    assert x.dtype is ember.int64
    a = x._host()
    assert a.min() == -3 and a.max() == 3
    counts = np.bincount(a + 3, minlength=7) / N
    assert np.all(np.abs(counts - 1 / 7) < 5 * np.sqrt(1 / 7 * 6 / 7 / N))
    big = ember.randint(2 ** 62, 2 ** 63 - 1, (100,))._host()
    assert big.min() >= 2 ** 62
    u8 = ember.randint(0, 256, (N,), dtype=ember.uint8)._host()
    assert u8.min() == 0 and u8.max() == 255


def test_randperm_is_a_permutation():
    for n in (0, 1, 10, 1000):
        p = ember.randperm(n)
        assert p.dtype is ember.int64
        assert sorted(p.tolist()) == list(range(n))
    assert ember.randperm(1000).tolist() != list(range(1000))


def test_normal_overloads_statistics():
    mean = ember.tensor([-5.0, 0.0, 5.0]).reshape(3, 1).expand(3, N // 10)
    std = ember.tensor([0.5, 1.0, 2.0]).reshape(3, 1).expand(3, N // 10)
    x = np_of(ember.normal(mean, std))
    for i, (m, s) in enumerate([(-5, 0.5), (0, 1), (5, 2)]):
        _close(x[i].mean(), m, s, N // 10)
        _close(x[i].std(), s, 0.71 * s, N // 10)
    y = np_of(ember.normal(3.0, 0.5, (N,)))
    _close(y.mean(), 3.0, 0.5)
    _close(y.std(), 0.5, 0.36)


def test_normal_is_differentiable_in_mean_and_std():
    mean = ember.zeros(4, requires_grad=True)
    std = ember.ones(4, requires_grad=True)
    out = ember.normal(mean, std)
    out.sum().backward()
    np.testing.assert_allclose(mean.grad.numpy(), np.ones(4))
    np.testing.assert_allclose(std.grad.numpy(), out.detach().numpy(), rtol=1e-6)  # d/dstd = eps = (out - mean)/std


def test_bernoulli_rates():
    p = ember.tensor([0.0, 0.2, 0.9, 1.0]).reshape(4, 1).expand(4, N // 4)
    x = np_of(ember.bernoulli(p))
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert x[0].sum() == 0 and x[3].sum() == N // 4
    _close(x[1].mean(), 0.2, 0.4, N // 4)
    _close(x[2].mean(), 0.9, 0.3, N // 4)
    y = np_of(ember.zeros(N).bernoulli_(0.3))
    _close(y.mean(), 0.3, 0.46)
    z = np_of(ember.zeros(2, N // 2).bernoulli_(ember.tensor([[0.1], [0.7]])))
    _close(z[0].mean(), 0.1, 0.3, N // 2)
    _close(z[1].mean(), 0.7, 0.46, N // 2)


def test_multinomial_frequencies():
    probs = ember.tensor([1.0, 2.0, 3.0, 4.0])
    x = ember.multinomial(probs, N, replacement=True)._host()
    freq = np.bincount(x, minlength=4) / N
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=5 * 0.5 / np.sqrt(N))
    # without replacement: distinct indices, and the first pick follows the probabilities
    rows = ember.multinomial(probs.reshape(1, 4).expand(20000, 4), 4)._host()
    assert all(sorted(r) == [0, 1, 2, 3] for r in rows[:100])
    first = np.bincount(rows[:, 0], minlength=4) / 20000
    np.testing.assert_allclose(first, [0.1, 0.2, 0.3, 0.4], atol=5 * 0.5 / np.sqrt(20000))
    # zero-probability categories are never drawn while others remain
    z = ember.multinomial(ember.tensor([0.0, 1.0, 0.0, 1.0]), 2)._host()
    assert sorted(z.tolist()) == [1, 3]
    assert set(ember.multinomial(ember.tensor([0.0, 1.0, 0.0]), 1000, True)._host().tolist()) == {1}


def test_inplace_distributions_statistics():
    x = np_of(ember.empty(N).uniform_(-2, 3))
    assert x.min() >= -2 and x.max() < 3
    _close(x.mean(), 0.5, 5 / np.sqrt(12))
    x = np_of(ember.empty(N, dtype=ember.float64).normal_(2, 3))
    _close(x.mean(), 2, 3)
    _close(x.std(), 3, 3 * 0.71)
    x = np_of(ember.empty(N).exponential_(4.0))
    assert x.min() >= 0
    _close(x.mean(), 0.25, 0.25)
    x = np_of(ember.empty(N).geometric_(0.25))
    assert x.min() >= 1 and np.all(x == np.round(x))
    _close(x.mean(), 4, np.sqrt(0.75) / 0.25)
    x = np_of(ember.empty(N).log_normal_(0.5, 0.25))
    _close(np.log(x).mean(), 0.5, 0.25)
    x = np_of(ember.empty(N).cauchy_(1, 2))
    _close(np.median(x), 1, 2 * 1.6)
    x = ember.empty(N, dtype=ember.int64).random_(-3, 5)._host()
    assert x.min() == -3 and x.max() == 4
    x = ember.empty(N).random_(10)._host()
    assert x.min() == 0 and x.max() == 9
    x = ember.empty(1000, dtype=ember.uint8).random_()._host()
    assert x.max() > 200
    f = ember.empty(1000).random_()._host()
    assert f.max() <= 2 ** 24 and f.max() > 2 ** 20 and np.all(f == np.round(f))
    b = ember.empty(N, dtype=ember.bool).random_()._host()
    _close(b.mean(), 0.5, 0.5)


def test_poisson_and_binomial_statistics():
    x = np_of(ember.poisson(ember.full((N,), 3.0)))
    _close(x.mean(), 3.0, np.sqrt(3))
    y = np_of(ember.binomial(ember.full((N,), 10.0), ember.full((N,), 0.3)))
    assert y.min() >= 0 and y.max() <= 10
    _close(y.mean(), 3.0, np.sqrt(2.1))


# ---------------------------------------------------------------------------
# in-place samplers: views, versions, autograd

def test_inplace_random_writes_through_views():
    base = ember.zeros(4, 6)
    col = base.as_strided((4,), (6,), 2)  # column 2, a strided view
    v = base._version
    col.uniform_(1, 2)
    b = base.numpy()
    assert np.all((b[:, 2] >= 1) & (b[:, 2] < 2))
    assert np.all(np.delete(b, 2, axis=1) == 0)
    assert base._version == v + 1 and col._version == base._version


def test_inplace_random_refuses_leaf_requiring_grad():
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.normal_()
    with ember.no_grad():
        w.normal_()  # nn.init style
    assert w.requires_grad and w.grad_fn is None


def test_inplace_random_on_graph_tensor_gives_zero_gradient():
    x = ember.ones(3, requires_grad=True)
    y = x * 2
    y.uniform_()
    assert y.grad_fn is not None and y.requires_grad
    (y.sum() + (x * 3).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0, 3.0])


def test_generator_argument_everywhere():
    def draw(g):
        t = ember.empty(3)
        return [ember.rand(2, generator=g).tolist(), ember.randn(2, generator=g).tolist(),
                ember.randint(0, 9, (2,), generator=g).tolist(), ember.randperm(4, generator=g).tolist(),
                ember.normal(0.0, 1.0, (2,), generator=g).tolist(),
                ember.bernoulli(ember.full((2,), 0.5), generator=g).tolist(),
                ember.multinomial(ember.ones(3), 2, generator=g).tolist(),
                t.uniform_(generator=g).tolist(), t.normal_(generator=g).tolist(),
                t.random_(0, 5, generator=g).tolist(), t.exponential_(generator=g).tolist(),
                t.bernoulli_(0.5, generator=g).tolist(), t.geometric_(0.5, generator=g).tolist(),
                t.cauchy_(generator=g).tolist(), t.log_normal_(generator=g).tolist(),
                ember.empty((), dtype=ember.int64).random_(generator=g).item()]
    assert draw(ember.Generator().manual_seed(4)) == draw(ember.Generator().manual_seed(4))


def test_factory_options():
    x = ember.rand(2, 3, requires_grad=True)
    assert x.requires_grad and x.is_leaf
    out = ember.empty(0, dtype=ember.float64)
    r = ember.rand(4, out=out)
    assert r is out and out.dtype is ember.float64 and tuple(out.shape) == (4,)
    i = ember.empty(0, dtype=ember.int64)
    ember.randint(0, 5, (3,), out=i)
    assert tuple(i.shape) == (3,)
    assert ember.randn(2, device="cpu").device.type == "cpu"
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.rand(2).dtype is ember.float64 and ember.randn(2).dtype is ember.float64
        assert ember.normal(0.0, 1.0, (2,)).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


def test_legacy_default_tensor_type_and_types():
    from ember import _legacy_types as lt
    assert isinstance(ember.zeros(2), lt.FloatTensor)
    assert not isinstance(ember.zeros(2), lt.DoubleTensor)
    assert isinstance(ember.zeros(2, dtype=ember.int64), lt.LongTensor)
    assert not isinstance(3, lt.LongTensor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lt.set_default_tensor_type(lt.DoubleTensor)
        try:
            assert ember.get_default_dtype() is ember.float64
        finally:
            lt.set_default_tensor_type("torch.FloatTensor")
    assert ember.get_default_dtype() is ember.float32
    with pytest.raises(TypeError), pytest.warns(UserWarning, match="deprecated"):
        lt.set_default_tensor_type(lt.LongTensor)
