"""LBFGS against PyTorch: trajectories (plain and strong-Wolfe), state layout and checkpoints both ways."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _rosenbrock(lib, x, y):
    return (1 - x).pow(2).sum() + 100 * (y - x * x).pow(2).sum()


def _mlp(lib, w, b):
    rng = np.random.default_rng(3)
    xs = lib.tensor(rng.standard_normal((16, 3)), dtype=w.dtype)
    ts = lib.tensor(rng.standard_normal((16, 2)), dtype=w.dtype)
    # the L2 term keeps the problem well conditioned (no drift into tanh saturation)
    return (lib.tanh(xs @ w.T + b) - ts).pow(2).mean() + 0.05 * (w * w).sum()


PROBLEMS = {
    "rosenbrock": (_rosenbrock, lambda rng: [np.array([-1.2, 0.5, 2.0]), np.array([1.0, -0.3, 1.5])]),
    "mlp": (_mlp, lambda rng: [rng.standard_normal((2, 3)), rng.standard_normal(2)]),
}


class Pair:
    """The same parameters and objective in torch and ember, each with its own LBFGS."""

    def __init__(self, problem, kwargs, dtype="float64", start=None):
        fn, init = PROBLEMS[problem]
        values = start if start is not None else init(np.random.default_rng(0))
        self.fn = fn
        self.tp = [torch.tensor(v, dtype=getattr(torch, dtype), requires_grad=True) for v in values]
        self.ep = [ember.tensor(v, dtype=getattr(ember, dtype), requires_grad=True) for v in values]
        self.topt = torch.optim.LBFGS(self.tp, **kwargs)
        self.eopt = ember.optim.LBFGS(self.ep, **kwargs)

    def closure(self, lib):
        params, opt = (self.tp, self.topt) if lib is torch else (self.ep, self.eopt)

        def run():
            opt.zero_grad()
            loss = self.fn(lib, *params)
            loss.backward()
            return loss
        return run

    def step(self):
        tl = self.topt.step(self.closure(torch))
        el = self.eopt.step(self.closure(ember))
        return float(tl.detach()), float(el.detach())


def _num(v):
    if isinstance(v, (torch.Tensor, ember.Tensor)):
        return v.detach().numpy().astype(float)
    return np.asarray(v, dtype=float)


def _same_state(ts, es, rtol):
    assert list(es) == list(ts)
    for key, tv in ts.items():
        ev = es[key]
        if isinstance(tv, list):
            assert len(ev) == len(tv), key
            for a, b in zip(ev, tv):
                assert (a is None) == (b is None), key
                if b is not None:
                    np.testing.assert_allclose(_num(a), _num(b), rtol=rtol, atol=1e-6, err_msg=key)
        elif tv is None:
            assert ev is None, key
        else:
            np.testing.assert_allclose(_num(ev), _num(tv), rtol=rtol, atol=1e-6, err_msg=key)


def _check(pair, rtol=1e-5):
    for t, e in zip(pair.tp, pair.ep):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=1e-8)
    # the curvature history (al, ro, H_diag) amplifies rounding near the minimum: a looser check
    _same_state(pair.topt.state_dict()["state"][0], pair.eopt.state_dict()["state"][0], 10 * rtol)


KWARGS = [
    {},
    {"max_iter": 3},
    {"lr": 0.5, "max_iter": 4, "history_size": 2},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "max_iter": 4, "history_size": 3},
    {"line_search_fn": "strong_wolfe", "lr": 2.0, "max_iter": 10, "max_eval": 12},
    {"max_iter": 50, "tolerance_change": 1e-3, "tolerance_grad": 1e-3},
]


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("kwargs", KWARGS, ids=[str(i) for i in range(len(KWARGS))])
def test_trajectory_and_state_match_torch(problem, kwargs):
    pair = Pair(problem, kwargs)
    # Rosenbrock converges within a few calls; after that only rounding noise is left to compare
    for _ in range(20 if problem == "mlp" else 5):
        tl, el = pair.step()
        np.testing.assert_allclose(el, tl, rtol=1e-5, atol=1e-12)
        _check(pair)
    st, se = pair.topt.state_dict()["state"][0], pair.eopt.state_dict()["state"][0]
    assert se["func_evals"] == st["func_evals"] and se["n_iter"] == st["n_iter"]


def test_float32_matches_torch():
    pair = Pair("mlp", {"line_search_fn": "strong_wolfe", "max_iter": 5}, dtype="float32")
    for _ in range(3):  # float32 rounding decides the stopping tests once near the minimum
        pair.step()
    _check(pair, rtol=1e-4)
    assert pair.eopt.state_dict()["state"][0]["d"].dtype == ember.float32


def _to_ember(obj):
    if isinstance(obj, torch.Tensor):
        return ember.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_ember(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_ember(v) for v in obj]
    return obj


def _to_torch(obj):
    if isinstance(obj, ember.Tensor):
        return torch.tensor(obj.detach().numpy().copy())
    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_torch(v) for v in obj]
    return obj


@pytest.mark.parametrize("kwargs", [{"max_iter": 4}, {"line_search_fn": "strong_wolfe", "max_iter": 4}])
def test_checkpoints_move_between_torch_and_ember(kwargs):
    ref = Pair("rosenbrock", kwargs)
    for _ in range(5):
        ref.step()
    # torch's checkpoint continues in ember (and ember's in torch) exactly as the original run does
    values = [p.detach().numpy().copy() for p in ref.tp]
    fwd = Pair("rosenbrock", kwargs, start=values)
    fwd.eopt.load_state_dict(_to_ember(ref.topt.state_dict()))
    fwd.topt.load_state_dict(_to_torch(ref.eopt.state_dict()))
    for _ in range(5):
        ref.step()
        fwd.step()
    for a, b, c in zip(ref.tp, fwd.ep, fwd.tp):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-5)
        np.testing.assert_allclose(c.detach().numpy(), a.detach().numpy(), rtol=1e-5)


def _quadratic(opt, p):
    def closure():
        opt.zero_grad()
        loss = (p - 1).pow(2).sum()
        loss.backward()
        return loss
    return closure


def test_stops_at_a_minimum_and_counts_evaluations():
    for lib in (torch, ember):
        p = lib.tensor([1.0, 1.0], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.LBFGS([p])
        opt.step(_quadratic(opt, p))
        assert list(opt.state_dict()["state"][0]) == ["func_evals", "n_iter"]
        assert opt.state_dict()["state"][0]["func_evals"] == 1


def test_parameter_without_gradient_and_returns_first_loss():
    p, unused = ember.tensor([3.0, -2.0], requires_grad=True), ember.zeros(2, requires_grad=True)
    opt = ember.optim.LBFGS([p, unused], line_search_fn="strong_wolfe")
    losses = []

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        losses.append(float(loss))
        return loss
    out = opt.step(closure)
    assert float(out) == losses[0] == 13.0
    np.testing.assert_allclose(p.detach().numpy(), [0, 0], atol=1e-6)
    np.testing.assert_array_equal(unused.detach().numpy(), [0, 0])


def test_defaults_and_errors_match_torch():
    for lib in (torch, ember):
        p = lib.zeros(2, requires_grad=True)
        assert lib.optim.LBFGS([p], max_iter=8).defaults == {
            "lr": 1, "max_iter": 8, "max_eval": 10, "tolerance_grad": 1e-7, "tolerance_change": 1e-9,
            "history_size": 100, "line_search_fn": None}
        with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
            lib.optim.LBFGS([p], lr=lib.tensor([1.0, 2.0]))
        opt = lib.optim.LBFGS([p], line_search_fn="armijo")
        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(_quadratic(opt, p))


@pytest.mark.parametrize("kwargs", [{"max_iter": 4}, {"line_search_fn": "strong_wolfe", "max_iter": 4}])
def test_complex_parameters_are_pairs_of_reals(kwargs):
    rng = np.random.default_rng(5)
    w = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    target = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    results = []
    for lib in (torch, ember):
        p = lib.tensor(w, requires_grad=True)
        t = lib.tensor(target)
        opt = lib.optim.LBFGS([p], **kwargs)

        def closure(opt=opt, p=p, t=t):
            opt.zero_grad()
            diff = p - t
            loss = (diff * diff.conj()).real.pow(2).sum()
            loss.backward()
            return loss
        for _ in range(4):
            opt.step(closure)
        results.append((p.detach().numpy(), opt.state_dict()["state"][0]))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-5, atol=1e-8)
    _same_state(results[0][1], results[1][1], rtol=1e-4)
    assert results[1][1]["d"].shape == (12,) and not results[1][1]["d"].is_complex()
