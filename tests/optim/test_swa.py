"""swa_utils against PyTorch: AveragedModel (SWA, EMA, use_buffers), SWALR and update_bn."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _net(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Identity(), nn.Linear(4, 2)).double()


def _twins():
    tm = _net(torch)
    em = _net(ember)
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    return tm, em


def _data(n=6):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((8, 3)), rng.standard_normal((8, 2))) for _ in range(n)]


def _assert_state_close(em, tm):
    tsd, esd = tm.state_dict(), em.state_dict()
    assert list(esd) == list(tsd)
    for k in tsd:
        np.testing.assert_allclose(esd[k].detach().numpy(), tsd[k].detach().numpy(), rtol=1e-7, atol=1e-12,
                                   err_msg=k)


@pytest.mark.parametrize("kind", ["swa", "swa_multi", "ema_multi", "ema_avg_fn", "swa_buffers", "ema_buffers"])
def test_averaged_model_matches_torch(kind):
    tm, em = _twins()
    models = []
    for lib, m in ((torch, tm), (ember, em)):
        su = lib.optim.swa_utils
        kw = {"swa": {}, "swa_multi": {"multi_avg_fn": su.get_swa_multi_avg_fn()},
              "ema_multi": {"multi_avg_fn": su.get_ema_multi_avg_fn(0.9)},
              "ema_avg_fn": {"avg_fn": su.get_ema_avg_fn(0.8)}, "swa_buffers": {"use_buffers": True},
              "ema_buffers": {"multi_avg_fn": su.get_ema_multi_avg_fn(0.7), "use_buffers": True}}[kind]
        models.append((lib, m, su.AveragedModel(m, **kw), lib.optim.SGD(m.parameters(), lr=0.1)))
    for x, y in _data():
        for lib, m, avg, opt in models:
            opt.zero_grad()
            ((m(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            opt.step()
            avg.update_parameters(m)
    (_, _, tavg, _), (_, _, eavg, _) = models
    _assert_state_close(eavg, tavg)
    assert int(eavg.n_averaged) == int(tavg.n_averaged) == 6
    assert eavg.n_averaged.dtype == ember.int64
    x = _data(1)[0][0]
    tavg.eval()
    eavg.eval()
    np.testing.assert_allclose(eavg(ember.tensor(x)).detach().numpy(), tavg(torch.tensor(x)).detach().numpy(),
                               rtol=1e-7)


def test_update_bn_matches_torch():
    tm, em = _twins()
    loader = [(x, y) for x, y in _data(4)]
    torch.optim.swa_utils.update_bn([(torch.tensor(x), torch.tensor(y)) for x, y in loader], tm)
    ember.optim.swa_utils.update_bn([(ember.tensor(x), ember.tensor(y)) for x, y in loader], em)
    _assert_state_close(em, tm)
    assert em[1].momentum == 0.1 and em.training
    # plain tensors as batches, and a model in eval mode stays in eval mode
    tm.eval()
    em.eval()
    torch.optim.swa_utils.update_bn([torch.tensor(x) for x, _ in loader[:2]], tm)
    ember.optim.swa_utils.update_bn([ember.tensor(x) for x, _ in loader[:2]], em)
    _assert_state_close(em, tm)
    assert not em.training


@pytest.mark.parametrize("kwargs", [{"swa_lr": 0.05}, {"swa_lr": [0.01, 0.2], "anneal_epochs": 5,
                                                            "anneal_strategy": "linear"},
                                    {"swa_lr": 0.02, "anneal_epochs": 0}])
def test_swalr_matches_torch(kwargs):
    seqs, keys = [], []
    for lib in (torch, ember):
        params = [lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)]
        opt = lib.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.3}], lr=0.1)
        sched = lib.optim.swa_utils.SWALR(opt, **kwargs)
        seq = [sched.get_last_lr()]
        for _ in range(30):
            opt.step()
            sched.step()
            seq.append(sched.get_last_lr())
        seqs.append(seq)
        keys.append(sorted(sched.state_dict()))
    assert keys[0] == keys[1]
    np.testing.assert_allclose(np.array(seqs[1]), np.array(seqs[0]), rtol=1e-12)


def test_errors():
    for lib in (torch, ember):
        with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\]"):
            lib.optim.swa_utils.get_ema_multi_avg_fn(1.5)
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got x"):
            lib.optim.swa_utils.SWALR(opt, 0.1, anneal_strategy="x")
        with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
            lib.optim.swa_utils.SWALR(opt, 0.1, anneal_epochs=-1)
