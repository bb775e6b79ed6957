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
    "OneCycleLR-cos-3phase": lambda L, o: L.optim.lr_scheduler.OneCycleLR(
        o, max_lr=[0.3, 0.1], total_steps=101, three_phase=True, base_momentum=[0.8, 0.7], div_factor=5.0),
    "PolynomialLR-past-end": lambda L, o: L.optim.lr_scheduler.PolynomialLR(o, total_iters=30, power=0.5),
    "CosineAnnealingLR-twice-round": lambda L, o: L.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7),
}
ADAM_CASES = {
    "CyclicLR-adam-exp_range": lambda L, o: L.optim.lr_scheduler.CyclicLR(
        o, [0.001, 0.002], 0.01, step_size_up=4, step_size_down=7, mode="exp_range", gamma=0.97,
        base_momentum=0.8, max_momentum=[0.9, 0.95]),
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


@pytest.mark.parametrize("build", [CASES["CosineAnnealingLR"], CASES["ChainedScheduler"],
                                   CASES["OneCycleLR-cos-3phase"],
                                   lambda L, o: L.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0)])
def test_tensor_lr_sequences_match_torch(build):
    def run(lib):
        params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
        lrs = [lib.tensor(0.1), lib.tensor(0.05)]
        opt = lib.optim.Adam([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)])
        sched = build(lib, opt)
        plateau = isinstance(sched, lib.optim.lr_scheduler.ReduceLROnPlateau)
        seq = []
        for i in range(30):
            opt.step()
            sched.step(*([float(i % 3)] if plateau else []))
            last = sched.get_last_lr()
            assert all(a is not b for a, b in zip(last, lrs))  # get_last_lr() is a snapshot
            assert all(g["lr"] is lr for g, lr in zip(opt.param_groups, lrs))  # the tensors are updated
            seq.append([float(x) for x in last])
        return seq
    _both(run)


def test_tensor_lr_is_updated_in_place():
    p = ember.zeros(2, requires_grad=True)
    lr = ember.tensor(0.1)
    opt = ember.optim.Adam([p], lr=lr)
    sched = ember.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] is lr and math.isclose(float(lr), 0.05, rel_tol=1e-6)


# ---------------------------------------------------------------------------
# behaviour beyond plain sequences: resuming, composition, checkpoints


def _one_group(lib, name="SGD", **extra):
    p = lib.zeros(2, requires_grad=True)
    kw = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    return getattr(lib.optim, name)([{"params": [p], **extra}], **kw)


# schedulers that can be built on any single-group SGD
ANY = {
    "LambdaLR": lambda S, o, **k: S.LambdaLR(o, lambda e: 0.9 ** e, **k),
    "MultiplicativeLR": lambda S, o, **k: S.MultiplicativeLR(o, lambda e: 0.8 if e % 2 else 0.95, **k),
    "StepLR": lambda S, o, **k: S.StepLR(o, 2, 0.5, **k),
    "MultiStepLR": lambda S, o, **k: S.MultiStepLR(o, [0, 2, 4, 4], 0.5, **k),
    "ConstantLR": lambda S, o, **k: S.ConstantLR(o, 0.5, 4, **k),
    "LinearLR": lambda S, o, **k: S.LinearLR(o, 0.2, 0.9, 6, **k),
    "ExponentialLR": lambda S, o, **k: S.ExponentialLR(o, 0.7, **k),
    "PolynomialLR": lambda S, o, **k: S.PolynomialLR(o, 6, 1.5, **k),
    "CosineAnnealingLR": lambda S, o, **k: S.CosineAnnealingLR(o, 4, 0.01, **k),
    "CosineAnnealingWarmRestarts": lambda S, o, **k: S.CosineAnnealingWarmRestarts(o, 2, 2, 0.01, **k),
    "CyclicLR": lambda S, o, **k: S.CyclicLR(o, 0.02, 0.2, 2, 3, **k),
    "OneCycleLR": lambda S, o, **k: S.OneCycleLR(o, 0.3, total_steps=40, **k),
}
RESUME_KEYS = {"initial_lr": 0.07, "max_momentum": 0.95, "base_momentum": 0.85, "max_lr": 0.3, "min_lr": 1e-4}


def _lrs_and_momenta(opt):
    return [float(g["lr"]) for g in opt.param_groups] + [m for m in _momenta(opt)]


def _both(run):
    out = [run(lib) for lib in (torch, ember)]
    np.testing.assert_allclose(np.array(out[1], dtype=float), np.array(out[0], dtype=float), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(ANY))
def test_resume_with_last_epoch_matches_torch(name):
    def run(lib):
        opt = _one_group(lib, **RESUME_KEYS)
        sched = ANY[name](lib.optim.lr_scheduler, opt, last_epoch=3)
        seq = [_lrs_and_momenta(opt) + [sched.last_epoch]]
        for _ in range(12):
            opt.step()
            sched.step()
            seq.append(_lrs_and_momenta(opt) + [sched.last_epoch])
        return seq
    _both(run)


@pytest.mark.parametrize("name", list(ANY))
def test_sequential_milestone_restarts_each_scheduler_like_torch(name):
    def run(lib):
        S = lib.optim.lr_scheduler
        opt = _one_group(lib)
        first = S.ConstantLR(opt, 0.5, 10)
        seq_sched = S.SequentialLR(opt, [first, ANY[name](S, opt), S.ExponentialLR(opt, 0.9)], milestones=[3, 9])
        seq = [seq_sched.get_last_lr() + [seq_sched.last_epoch]]
        for i in range(15):
            opt.step()
            if i == 5:
                opt.param_groups[0]["lr"] *= 0.5  # a change made by hand carries through the chainable forms
            seq_sched.step()
            seq.append(seq_sched.get_last_lr() + [seq_sched.last_epoch])
        return seq
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the milestone restart does not use the deprecated step(epoch)
        _both(run)


@pytest.mark.parametrize("names", [("MultiplicativeLR", "PolynomialLR"), ("LinearLR", "CosineAnnealingLR"),
                                   ("MultiStepLR", "ExponentialLR", "StepLR")])
def test_chained_schedulers_compose_like_torch(names):
    def run(lib):
        S = lib.optim.lr_scheduler
        opt = _one_group(lib)
        chain = S.ChainedScheduler([ANY[n](S, opt) for n in names])
        seq = [chain.get_last_lr()]
        for _ in range(20):
            opt.step()
            chain.step()
            seq.append(chain.get_last_lr())
        return seq
    _both(run)


@pytest.mark.parametrize("name", list(ANY))
def test_step_with_epoch_matches_torch(name):
    def run(lib):
        opt = _one_group(lib)
        sched = ANY[name](lib.optim.lr_scheduler, opt)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in [1, 2, 5, 3, 3, 8, 0, 4]:
                opt.step()
                sched.step(e)
                seq.append(_lrs_and_momenta(opt) + [sched.last_epoch])
        return seq
    _both(run)


def _to(lib, obj):
    if isinstance(obj, dict):
        return {k: _to(lib, v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to(lib, v) for v in obj]
    return obj


@pytest.mark.parametrize("name", list(CASES) + list(ADAM_CASES))
def test_checkpoints_move_between_torch_and_ember(name):
    build, opt_name = (CASES[name], "SGD") if name in CASES else (ADAM_CASES[name], "Adam")
    (_, topt, tsched), (_, eopt, esched) = _run(build, opt_name, steps=30)
    for src, dst_lib in ((tsched, ember), (esched, torch)):
        src_opt = src.optimizer
        # a fresh scheduler in the other library takes the checkpoint (optimizer groups and scheduler)
        opt = _optimizer(dst_lib, opt_name)
        sched = build(dst_lib, opt)
        for g, sg in zip(opt.param_groups, src_opt.param_groups):
            g.update({k: v for k, v in sg.items() if k != "params"})
        sched.load_state_dict(src.state_dict())
        seq = []
        for _ in range(20):
            opt.step()
            sched.step()
            seq.append(list(sched.get_last_lr()))
        ref_opt, ref = (topt, tsched) if dst_lib is ember else (eopt, esched)
        ref_seq = []
        for _ in range(20):
            ref_opt.step()
            ref.step()
            ref_seq.append(list(ref.get_last_lr()))
        np.testing.assert_allclose(np.array(seq, dtype=float), np.array(ref_seq, dtype=float), rtol=1e-12)


@pytest.mark.parametrize("build", [
    lambda S, o: S.CyclicLR(o, 0.01, 0.1, cycle_momentum=False),
    lambda S, o: S.OneCycleLR(o, 0.1, total_steps=10, cycle_momentum=False),
    lambda S, o: S.OneCycleLR(o, 0.1, total_steps=10, three_phase=True),
    lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.0]),
    lambda S, o: S.SequentialLR(o, [S.ConstantLR(o), S.ChainedScheduler([S.StepLR(o, 2), S.ExponentialLR(o, 0.9)])],
                                [3]),
])
def test_state_dict_keys_match_torch(build):
    sds = []
    for lib in (torch, ember):
        opt = _one_group(lib)
        sched = build(lib.optim.lr_scheduler, opt)
        sds.append((sched.state_dict(), sorted(opt.param_groups[0])))
    assert sorted(sds[1][0]) == sorted(sds[0][0]) and sds[1][1] == sds[0][1]
    np.testing.assert_equal(_flat(sds[1][0]), _flat(sds[0][0]))


def _flat(obj):
    if isinstance(obj, dict):
        return {k: _flat(v) for k, v in obj.items() if not callable(v)}
    if isinstance(obj, list):
        return [_flat(v) for v in obj]
    return obj


def test_cosine_warm_restarts_fractional_epochs():
    def run(lib):
        opt = _one_group(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001)
        seq = []
        for epoch in range(12):
            for i in range(4):
                opt.step()
                sched.step(epoch + i / 4)
                seq.append([sched.get_last_lr()[0], sched.T_cur, sched.T_i, sched.last_epoch])
        return seq
    _both(run)


@pytest.mark.parametrize("kwargs", [{"patience": 1, "threshold": 0.1, "threshold_mode": "rel"},
                                    {"patience": 1, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 2},
                                    {"mode": "max", "patience": 0, "threshold": 0.01, "threshold_mode": "abs",
                                     "factor": 0.5},
                                    {"patience": 0, "min_lr": 0.04, "eps": 0.02}])
def test_reduce_on_plateau_threshold_modes_and_new_groups(kwargs):
    metrics = [1.0, 0.99995, 0.9, 0.9, 0.9, 0.95, 0.89, 0.89, 0.89, 0.5, 0.5, 0.5, 0.5, 0.5]

    def run(lib):
        opt = _one_group(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for i, m in enumerate(metrics):
            if i == 4:  # a group added later takes the scalar min_lr
                opt.add_param_group({"params": [lib.zeros(1, requires_grad=True)], "lr": 0.3})
            opt.step()
            sched.step(lib.tensor(m))
            seq.append([*sched.get_last_lr(), 0.0][:2] + [sched.best, sched.num_bad_epochs, sched.cooldown_counter,
                                                         sched.last_epoch])
        return seq
    _both(run)


def test_reduce_on_plateau_min_lr_list_and_new_groups():
    opt = _one_group(ember)
    sched = ember.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    opt.add_param_group({"params": [ember.zeros(1, requires_grad=True)]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="The number of param groups in the `optimizer` \\(2\\) differs"):
        sched.step(2.0)


def _error_cases(S, o1, o2):
    return [
        (ValueError, "Expected 1 lr_lambdas, but got 2", lambda: S.LambdaLR(o1, [abs, abs])),
        (ValueError, "Starting multiplicative factor", lambda: S.LinearLR(o1, start_factor=0)),
        (ValueError, "Ending multiplicative factor", lambda: S.LinearLR(o1, end_factor=2)),
        (ValueError, "expects all schedulers to belong to the same optimizer",
         lambda: S.SequentialLR(o1, [S.StepLR(o1, 2), S.StepLR(o2, 2)], [2])),
        (ValueError, "number of schedulers 2 and the number of milestones to be equal to 2",
         lambda: S.SequentialLR(o1, [S.StepLR(o1, 2), S.StepLR(o1, 2)], [2, 3])),
        (ValueError, "SequentialLR expects at least one scheduler, but got no scheduler.",
         lambda: S.SequentialLR(o1, [], [])),
        (ValueError, "does not support `ReduceLROnPlateau`",
         lambda: S.ChainedScheduler([S.StepLR(o1, 2), S.ReduceLROnPlateau(o1)])),
        (TypeError, "SequentialLR at index 1 should have `optimizer` as its attribute.",
         lambda: S.SequentialLR(o1, [S.StepLR(o1, 2), 3], [2])),
        (ValueError, "ChainedScheduler expects at least one scheduler to be chained",
         lambda: S.ChainedScheduler([])),
        (ValueError, "Expected positive integer T_0, but got 0", lambda: S.CosineAnnealingWarmRestarts(o1, 0)),
        (ValueError, "Expected integer T_mult >= 1, but got 1.5",
         lambda: S.CosineAnnealingWarmRestarts(o1, 2, 1.5)),
        (ValueError, "Expected non-negative epoch, but got -1",
         lambda: S.CosineAnnealingWarmRestarts(o1, 2).step(-1)),
        (ValueError, "Expected positive integer total_steps, but got 0", lambda: S.OneCycleLR(o1, 0.1, 0)),
        (ValueError, "Expected positive integer epochs, but got 0",
         lambda: S.OneCycleLR(o1, 0.1, epochs=0, steps_per_epoch=2)),
        (ValueError, "Expected float between 0 and 1 pct_start, but got 1",
         lambda: S.OneCycleLR(o1, 0.1, 10, pct_start=1)),
        (ValueError, "anneal_strategy must be one of 'cos' or 'linear', instead got x",
         lambda: S.OneCycleLR(o1, 0.1, 10, anneal_strategy="x")),
        (ValueError, "mode is invalid and scale_fn is None", lambda: S.CyclicLR(o1, 0.01, 0.1, mode="x")),
        (ValueError, "base_lr must have the same length as optimizer.param_groups. base_lr has 2 values",
         lambda: S.CyclicLR(o1, [0.01, 0.1], 0.1)),
        (ValueError, "mode foo is unknown!", lambda: S.ReduceLROnPlateau(o1, mode="foo")),
        (ValueError, "threshold mode foo is unknown!", lambda: S.ReduceLROnPlateau(o1, threshold_mode="foo")),
        (ValueError, "expected 1 min_lrs, got 2", lambda: S.ReduceLROnPlateau(o1, min_lr=[0, 0])),
        (NotImplementedError, None, lambda: S.LRScheduler(o1)),
    ]


def test_more_errors_match_torch():
    for lib in (torch, ember):
        for exc, msg, fn in _error_cases(lib.optim.lr_scheduler, _one_group(lib), _one_group(lib)):
            with pytest.raises(exc, match=msg and msg.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
                fn()


def test_custom_scheduler_and_warnings():
    class Halve(ember.optim.lr_scheduler.LRScheduler):
        def get_lr(self):
            return [g["lr"] * 0.5 for g in self.optimizer.param_groups]
    opt = _one_group(ember)
    sched = Halve(opt)
    assert sched.get_last_lr() == [0.05]
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.025]
    assert sorted(sched.state_dict()) == ["_get_lr_called_within_step", "_is_initial", "_last_lr", "_step_count",
                                          "base_lrs", "last_epoch"]
    assert issubclass(ember.optim.lr_scheduler._LRScheduler, ember.optim.lr_scheduler.LRScheduler)
    assert issubclass(ember.optim.lr_scheduler.ReduceLROnPlateau, ember.optim.lr_scheduler.LRScheduler)
    # an optimizer.step replaced after the scheduler was built
    opt = _one_group(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, 2)
    opt.step = lambda *a, **k: None
    with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been overridden"):
        sched.step()
    # step(epoch) is deprecated, except for CosineAnnealingWarmRestarts
    opt = _one_group(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, 2)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(3)
    sched = ember.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step(1.5)
        sched.step()
    assert sched._step_count == 0
