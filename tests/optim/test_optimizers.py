"""Optimizers against PyTorch: the same small model trained in both ends with the same parameters."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SHAPES = [(4, 3), (4,), (2, 4), (2,)]  # Linear(3, 4) -> tanh -> Linear(4, 2)

# (optimizer name, kwargs) — every option set PyTorch's single-tensor path distinguishes
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {"lr": 0.05}),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("ASGD", {"lr": 0.1}),
    ("ASGD", {"lr": 0.1, "lambd": 0.01, "alpha": 0.5, "t0": 5, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01, "maximize": True}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "betas": (0.8, 0.9)}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "alpha": 0.9}),
    ("Rprop", {"lr": 0.01}),
    ("Rprop", {"lr": 0.01, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05), "maximize": True}),
    ("Adafactor", {"lr": 0.05}),
    ("Adafactor", {"lr": 0.05, "foreach": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "foreach": True, "capturable": False}),
    ("Adagrad", {"lr": 0.1, "fused": True}),
    ("NAdam", {"lr": 0.05, "foreach": True}),
    ("Adafactor", {"lr": 0.05, "beta2_decay": -0.5, "eps": (1e-20, 1e-2), "d": 1.5, "weight_decay": 0.1,
                   "maximize": True}),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]


def _data():
    rng = np.random.default_rng(0)
    return [rng.standard_normal(s) * 0.5 for s in SHAPES], rng.standard_normal((8, 3)), rng.standard_normal((8, 2))


def _loss(lib, params, x, y):
    w1, b1, w2, b2 = params
    h = lib.tanh(x @ w1.T + b1)
    return ((h @ w2.T + b2 - y) ** 2).mean()


class Twin:
    """The same parameters and data in both libraries."""

    def __init__(self, weights=None, dtype="float64"):
        ws, x, y = _data()
        ws = ws if weights is None else weights
        td, ed = getattr(torch, dtype), getattr(ember, dtype)
        self.tp = [torch.tensor(w, dtype=td, requires_grad=True) for w in ws]
        self.ep = [ember.tensor(w, dtype=ed, requires_grad=True) for w in ws]
        self.tx, self.ty = torch.tensor(x, dtype=td), torch.tensor(y, dtype=td)
        self.ex, self.ey = ember.tensor(x, dtype=ed), ember.tensor(y, dtype=ed)

    def groups(self, lib, kwargs, split):
        params = self.tp if lib is torch else self.ep
        if not split:
            return params
        return [{"params": params[:2]}, {"params": params[2:], "lr": kwargs.get("lr", 1.0) * 0.5}]

    def closures(self, topt, eopt):
        def tclosure():
            topt.zero_grad()
            loss = _loss(torch, self.tp, self.tx, self.ty)
            loss.backward()
            return loss

        def eclosure():
            eopt.zero_grad()
            loss = _loss(ember, self.ep, self.ex, self.ey)
            loss.backward()
            return loss
        return tclosure, eclosure

    def check(self, rtol=1e-5):
        for t, e in zip(self.tp, self.ep):
            assert _ember_dtype_name(e.dtype) == str(t.dtype)
            np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=1e-8 if rtol <= 1e-5
                                       else 1e-6)


def _train(twin, topt, eopt, steps):
    tclosure, eclosure = twin.closures(topt, eopt)
    for _ in range(steps):
        tl = topt.step(tclosure)
        el = eopt.step(eclosure)
        np.testing.assert_allclose(float(el.detach()), float(tl.detach()), rtol=1e-5)


def _make(twin, name, kwargs, split=False):
    return (getattr(torch.optim, name)(twin.groups(torch, kwargs, split), **kwargs),
            getattr(ember.optim, name)(twin.groups(ember, kwargs, split), **kwargs))


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
@pytest.mark.parametrize("split", [False, True], ids=["one_group", "two_groups"])
def test_trajectory_matches_torch(name, kwargs, split):
    twin = Twin()
    topt, eopt = _make(twin, name, kwargs, split)
    _train(twin, topt, eopt, 20)
    twin.check()
    _check_state_dict(topt.state_dict(), eopt.state_dict())


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_float32_trajectory_and_state_dtypes(name, kwargs):
    twin = Twin(dtype="float32")
    topt, eopt = _make(twin, name, kwargs)
    tclosure, eclosure = twin.closures(topt, eopt)
    for _ in range(10):
        topt.step(tclosure)
        eopt.step(eclosure)
    twin.check(rtol=2e-4)
    _check_state_dict(topt.state_dict(), eopt.state_dict(), rtol=2e-4)


def _ember_dtype_name(d):
    return str(d).replace("ember.", "torch.")


def _check_state_dict(tsd, esd, rtol=1e-5):
    assert esd["param_groups"] == [{k: v for k, v in g.items()} for g in tsd["param_groups"]]
    assert list(esd["state"]) == list(tsd["state"])
    for k, ts in tsd["state"].items():
        es = esd["state"][k]
        assert list(es) == list(ts), (list(es), list(ts))
        for key, tv in ts.items():
            ev = es[key]
            if isinstance(tv, torch.Tensor):
                assert isinstance(ev, ember.Tensor), key
                assert _ember_dtype_name(ev.dtype) == str(tv.dtype), key
                assert tuple(ev.shape) == tuple(tv.shape), key
                np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=rtol, atol=1e-6 if rtol > 1e-5 else 1e-8,
                                           err_msg=key)
            else:
                assert ev == tv, key


def _to_ember(obj):
    if isinstance(obj, torch.Tensor):
        return ember.tensor(obj.detach().numpy().copy(), dtype=getattr(ember, str(obj.dtype).split(".")[1]))
    if isinstance(obj, dict):
        return {k: _to_ember(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_ember(v) for v in obj]
    return obj


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_load_torch_state_dict_and_continue(name, kwargs):
    twin = Twin()
    topt, _ = _make(twin, name, kwargs, split=True)
    tclosure, _ = twin.closures(topt, None)
    for _ in range(10):
        topt.step(tclosure)
    # a fresh ember twin starting from torch's current parameters and optimizer state
    cont = Twin([p.detach().numpy().copy() for p in twin.tp])
    cont.tp = twin.tp
    eopt = getattr(ember.optim, name)(cont.groups(ember, kwargs, True), **kwargs)
    eopt.load_state_dict(_to_ember(topt.state_dict()))
    topt.load_state_dict(topt.state_dict())  # torch casts loaded float state (eta, mu_product) to the param dtype
    _train(cont, topt, eopt, 10)
    cont.check()
    # and back: ember's state_dict loads into torch
    _check_state_dict(topt.state_dict(), eopt.state_dict())


def test_lbfgs_matches_torch():
    for kwargs in [{"lr": 1, "max_iter": 5}, {"lr": 0.5, "max_iter": 4, "history_size": 3},
                   {"lr": 1, "max_iter": 6, "line_search_fn": "strong_wolfe"}]:
        twin = Twin()
        topt, eopt = _make(twin, "LBFGS", kwargs)
        _train(twin, topt, eopt, 5)
        twin.check(rtol=1e-5)
        ts, es = topt.state_dict()["state"][0], eopt.state_dict()["state"][0]
        assert list(es) == list(ts)
        assert es["func_evals"] == ts["func_evals"] and es["n_iter"] == ts["n_iter"]


def test_complex_params_match_torch():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    for name, kwargs in [("Adagrad", {"lr": 0.1}), ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
                         ("Adadelta", {}), ("Adamax", {"lr": 0.1}), ("NAdam", {"lr": 0.1}),
                         ("RAdam", {"lr": 0.1}), ("Rprop", {"lr": 0.01}), ("ASGD", {"lr": 0.1})]:
        tp = torch.tensor(w, requires_grad=True)
        ep = ember.tensor(w, requires_grad=True)
        topt, eopt = getattr(torch.optim, name)([tp], **kwargs), getattr(ember.optim, name)([ep], **kwargs)
        for _ in range(8):
            for p, opt in [(tp, topt), (ep, eopt)]:
                opt.zero_grad()
                ((p * p.conj()).real * p.real).sum().backward()
                opt.step()
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-5, err_msg=name)


@pytest.mark.parametrize("name", ["Adagrad", "Adadelta", "Adamax", "ASGD", "NAdam", "RAdam", "RMSprop", "Rprop"])
def test_differentiable_not_supported(name):
    p = ember.zeros(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="differentiable"):
        getattr(ember.optim, name)([p], differentiable=True)


@pytest.mark.parametrize("name,kwargs,msg", [
    ("Adagrad", {"lr": -1}, "Invalid learning rate: -1"),
    ("Adagrad", {"lr_decay": -1}, "Invalid lr_decay value: -1"),
    ("Adadelta", {"rho": 2}, "Invalid rho value: 2"),
    ("Adamax", {"betas": (1.0, 0.9)}, "Invalid beta parameter at index 0: 1.0"),
    ("NAdam", {"momentum_decay": -1}, "Invalid momentum_decay value: -1"),
    ("RMSprop", {"alpha": -1}, "Invalid alpha value: -1"),
    ("Rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
    ("Adafactor", {"d": 0.5}, "Clipping threshold d should be >= 1 but is: 0.5"),
    ("LBFGS", {"lr": -1}, "Invalid learning rate: -1"),
])
def test_invalid_arguments(name, kwargs, msg):
    for lib in (torch, ember):
        with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")):
            getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **kwargs)


def test_sparse_adam_rejects_dense_gradients():
    p = ember.zeros(2, requires_grad=True)
    opt = ember.optim.SparseAdam([p])
    p.sum().backward()
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        opt.step()


def test_lbfgs_rejects_param_groups():
    a, b = ember.zeros(2, requires_grad=True), ember.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        ember.optim.LBFGS([{"params": [a]}, {"params": [b]}])


def test_adagrad_state_is_created_eagerly():
    p = ember.zeros(2, requires_grad=True)
    sd = ember.optim.Adagrad([p], initial_accumulator_value=0.25).state_dict()
    assert list(sd["state"][0]) == ["step", "sum"]
    assert sd["state"][0]["step"].dtype == ember.float32
    np.testing.assert_array_equal(sd["state"][0]["sum"].numpy(), [0.25, 0.25])


@pytest.mark.parametrize("kwargs", [{"lr": 0.02}, {"lr": 0.02, "nesterov": False, "momentum": 0.8, "weight_decay": 0.01,
                                                        "adjust_lr_fn": "match_rms_adamw", "ns_steps": 3}])
def test_muon_matches_torch(kwargs):
    twin = Twin()
    matrices = [0, 2]  # Muon takes the 2-D weights; biases are left alone
    topt = torch.optim.Muon([twin.tp[i] for i in matrices], **kwargs)
    eopt = ember.optim.Muon([twin.ep[i] for i in matrices], **kwargs)
    _train(twin, topt, eopt, 20)
    twin.check()
    _check_state_dict(topt.state_dict(), eopt.state_dict())


def test_muon_rejects_non_matrices():
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="Muon only supports 2D parameters whereas we found a parameter with size"):
            lib.optim.Muon([lib.zeros(3, requires_grad=True)])


@pytest.mark.parametrize("name", ["Adagrad", "Adadelta", "Adamax", "ASGD", "NAdam", "RAdam", "RMSprop", "Rprop",
                                  "Adafactor"])
def test_tensor_lr(name):
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
            getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], lr=lib.tensor([0.1, 0.2]))
    twin = Twin()
    topt = getattr(torch.optim, name)(twin.tp, lr=torch.tensor(0.01))
    eopt = getattr(ember.optim, name)(twin.ep, lr=ember.tensor(0.01))
    _train(twin, topt, eopt, 5)
    twin.check()


def test_legacy_numeric_step_in_state_dict():
    twin = Twin()
    topt, eopt = _make(twin, "Adamax", {"lr": 0.05})
    _train(twin, topt, eopt, 3)
    sd = eopt.state_dict()
    for s in sd["state"].values():
        s["step"] = float(s["step"])  # checkpoints from before steps were tensors
    eopt.load_state_dict(sd)
    _train(twin, topt, eopt, 3)
    twin.check()
    assert eopt.state_dict()["state"][0]["step"].dtype == ember.float32


def test_step_hooks_and_closure_loss():
    p = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = ember.optim.RMSprop([p], lr=0.1)
    calls = []
    opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    with ember.no_grad():  # the closure still gets gradients
        loss = opt.step(closure)
    assert calls == ["pre", "post"] and float(loss) == 5.0
    assert not np.allclose(p.detach().numpy(), [1.0, -2.0])
