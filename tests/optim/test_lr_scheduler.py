"""Learning-rate schedulers against PyTorch: the same lr (and momentum) sequences over 100 steps."""
import math
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _optimizer(lib, name="SGD", **kw):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    kw = kw or ({"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1})
    return getattr(lib.optim, name)([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], **kw)


class Scale:
    """A picklable callable with state (its __dict__ goes into state_dict)."""

    def __init__(self, k):
        self.k = k

    def __call__(self, epoch):
        return self.k ** epoch


# name -> builder(lib, opt) returning the scheduler
CASES = {
    "LambdaLR": lambda L, o: L.optim.lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1)),
    "LambdaLR-list": lambda L, o: L.optim.lr_scheduler.LambdaLR(o, [lambda e: 0.9 ** e, Scale(0.95)]),
    "MultiplicativeLR": lambda L, o: L.optim.lr_scheduler.MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda L, o: L.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda L, o: L.optim.lr_scheduler.MultiStepLR(o, milestones=[10, 30, 30, 60], gamma=0.3),
    "ConstantLR": lambda L, o: L.optim.lr_scheduler.ConstantLR(o, factor=0.25, total_iters=12),
    "LinearLR": lambda L, o: L.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=40),
    "ExponentialLR": lambda L, o: L.optim.lr_scheduler.ExponentialLR(o, gamma=0.95),
    "PolynomialLR": lambda L, o: L.optim.lr_scheduler.PolynomialLR(o, total_iters=60, power=2.0),
    "CosineAnnealingLR": lambda L, o: L.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=7, T_mult=2, eta_min=0.002),
    "SequentialLR": lambda L, o: L.optim.lr_scheduler.SequentialLR(
        o, [L.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=10),
            L.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40), L.optim.lr_scheduler.ExponentialLR(o, 0.9)],
        milestones=[10, 50]),
    "ChainedScheduler": lambda L, o: L.optim.lr_scheduler.ChainedScheduler(
        [L.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=5), L.optim.lr_scheduler.ExponentialLR(o, 0.97),
         L.optim.lr_scheduler.StepLR(o, 13)]),
    "CyclicLR-triangular": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=9),
    "CyclicLR-triangular2": lambda L, o: L.optim.lr_scheduler.CyclicLR(
        o, [0.01, 0.02], [0.1, 0.2], step_size_up=5, step_size_down=8, mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.optim.lr_scheduler.CyclicLR(
        o, 0.01, 0.1, step_size_up=6, mode="exp_range", gamma=0.98, base_momentum=0.7, max_momentum=0.95),
    "CyclicLR-scale_fn": lambda L, o: L.optim.lr_scheduler.CyclicLR(
        o, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations", cycle_momentum=False),
    "OneCycleLR": lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=101),
    "OneCycleLR-linear-3phase": lambda L, o: L.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.3, epochs=5, steps_per_epoch=21, anneal_strategy="linear", three_phase=True, pct_start=0.25),
}
ADAM_CASES = {
    "CyclicLR-adam": lambda L, o: L.optim.lr_scheduler.CyclicLR(o, 0.001, 0.01, step_size_up=10),
    "OneCycleLR-adam": lambda L, o: L.optim.lr_scheduler.OneCycleLR(o, max_lr=0.01, total_steps=120,
                                                                    div_factor=10.0, final_div_factor=100.0),
}


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def _run(build, opt_name, steps=100):
    seqs = []
    for lib in (torch, ember):
        opt = _optimizer(lib, opt_name)
        sched = build(lib, opt)
        seq = [(list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], _momenta(opt))]
        for _ in range(steps):
            opt.step()
            sched.step()
            seq.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], _momenta(opt)))
        seqs.append((seq, opt, sched))
    return seqs


@pytest.mark.parametrize("name", list(CASES) + list(ADAM_CASES))
def test_lr_sequence_matches_torch(name):
    build, opt_name = (CASES[name], "SGD") if name in CASES else (ADAM_CASES[name], "Adam")
    (tseq, topt, tsched), (eseq, eopt, esched) = _run(build, opt_name)
    np.testing.assert_allclose(np.array(eseq, dtype=float), np.array(tseq, dtype=float), rtol=1e-12, atol=1e-15)
    # optimizer param groups carry the same scheduler keys (initial_lr, max_lr, base_momentum, ...)
    assert [sorted(g) for g in eopt.param_groups] == [sorted(g) for g in topt.param_groups]
    # and the scheduler state_dict has the same keys
    assert sorted(esched.state_dict()) == sorted(tsched.state_dict())


def test_reduce_lr_on_plateau_matches_torch():
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1, 0.5, 20), 0.5 + 0.01 * rng.standard_normal(80)])
    for kwargs in [{}, {"mode": "max", "factor": 0.5, "patience": 2, "threshold": 0.01, "threshold_mode": "abs",
                                "cooldown": 3, "min_lr": [0.01, 0.001], "eps": 1e-4},
                   {"patience": 0, "cooldown": 1, "min_lr": 0.02},
                   {"mode": "max", "threshold_mode": "rel", "patience": 3}]:
        out = []
        for lib in (torch, ember):
            opt = _optimizer(lib)
            sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
            seq = []
            for m in metrics:
                opt.step()
                sched.step(m)
                seq.append(sched.get_last_lr() + [sched.num_bad_epochs, sched.cooldown_counter, sched.best])
            out.append(seq)
        np.testing.assert_allclose(np.array(out[1], dtype=float), np.array(out[0], dtype=float), rtol=1e-12)


def test_closed_form_with_epoch_argument():
    for build in [lambda L, o: L.optim.lr_scheduler.StepLR(o, 3, 0.5),
                  lambda L, o: L.optim.lr_scheduler.CosineAnnealingLR(o, 10),
                  lambda L, o: L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 3, 2)]:
        out = []
        for lib in (torch, ember):
            opt = _optimizer(lib)
            sched = build(lib, opt)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append([(sched.step(e), sched.get_last_lr())[1] for e in [5, 2, 7.5, 11, 0]])
        np.testing.assert_allclose(out[1], out[0], rtol=1e-12)


def test_warns_when_scheduler_steps_before_optimizer():
    opt = _optimizer(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        sched.step()
    opt = _optimizer(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()


def test_get_lr_outside_step_warns():
    sched = ember.optim.lr_scheduler.ExponentialLR(_optimizer(ember), 0.9)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()


def test_state_dict_round_trip_and_resume():
    build = CASES["LambdaLR-list"]
    opt = _optimizer(ember)
    sched = build(ember, opt)
    for _ in range(10):
        opt.step()
        sched.step()
    sd = sched.state_dict()
    assert sd["lr_lambdas"][0] is None and sd["lr_lambdas"][1] == {"k": 0.95}
    assert "optimizer" not in sd and sd["last_epoch"] == 10
    opt2 = _optimizer(ember)
    sched2 = build(ember, opt2)
    sched2.load_state_dict(sd)
    assert sched2.last_epoch == 10 and sched2.get_last_lr() == sched.get_last_lr()


def test_errors_match_torch():
    for lib in (torch, ember):
        opt = _optimizer(lib)
        S = lib.optim.lr_scheduler
        with pytest.raises(TypeError, match="list is not an Optimizer"):
            S.StepLR([], 3)
        with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
            S.StepLR(opt, 3, last_epoch=4)
        with pytest.raises(ValueError, match="Constant multiplicative factor expected to be between 0 and 1."):
            S.ConstantLR(opt, factor=2)
        with pytest.raises(ValueError, match="Factor should be < 1.0."):
            S.ReduceLROnPlateau(opt, factor=1.5)
        with pytest.raises(ValueError, match="You must define either total_steps OR"):
            S.OneCycleLR(opt, 0.1)
        sched = S.OneCycleLR(opt, 0.1, total_steps=2)
        with pytest.raises(ValueError, match="Tried to step 3 times. The specified number of total steps is 2"):
            for _ in range(3):
                opt.step()
                sched.step()
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
            S.CyclicLR(lib.optim.Rprop([lib.zeros(1, requires_grad=True)]), 0.1, 1.0)


def test_tensor_lr_is_updated_in_place():
    p = ember.zeros(2, requires_grad=True)
    lr = ember.tensor(0.1)
    opt = ember.optim.Adam([p], lr=lr)
    sched = ember.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and math.isclose(float(lr), 0.05, rel_tol=1e-6)
