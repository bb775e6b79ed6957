"""nn.parallel: DataParallel on a CPU-only machine (as PyTorch: the module runs unchanged), and the
scatter / replicate / parallel_apply / gather machinery with its device normalisation pointed at
the CPU, so the multi-device path is exercised here too."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn.parallel import gather, parallel_apply, replicate, scatter, scatter_gather


def _net():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def test_cpu_only_dataparallel_runs_the_module_itself():
    net = _net()
    dp = nn.DataParallel(net, device_ids=[0, 1])
    assert dp.device_ids == [] and dp.module is net
    assert list(dp.state_dict()) == ["module." + k for k in net.state_dict()]
    x = ember.randn(6, 4)
    np.testing.assert_array_equal(dp(x).detach().numpy(), net(x).detach().numpy())
    assert repr(dp).startswith("DataParallel(\n  (module): Sequential(")


def test_functional_and_scatter_refuse_without_accelerator():
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        nn.parallel.data_parallel(_net(), ember.randn(2, 4))
    with pytest.raises(ValueError, match="Expected a non cpu device, but got: cpu"):
        scatter(ember.randn(2, 4), ["cpu", "cpu"])


@pytest.fixture
def two_fake_devices(monkeypatch):
    """Pretend two accelerators exist, both of which are the CPU."""
    cpu = ember.device("cpu")
    monkeypatch.setattr(ember.cuda, "is_available", lambda: True)
    monkeypatch.setattr(ember.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(scatter_gather, "as_device", lambda d: cpu)
    monkeypatch.setattr(scatter_gather, "_accelerator", lambda d: cpu)


def test_scatter_splits_nested_inputs(two_fake_devices):
    x = ember.arange(10.0).view(5, 2)
    parts = scatter(({"a": x, "n": 3}, [x]), [0, 1])
    assert len(parts) == 2
    assert [p[0]["a"].shape[0] for p in parts] == [3, 2] and parts[1][0]["n"] == 3
    np.testing.assert_array_equal(parts[1][1][0].numpy(), x[3:].numpy())


def test_dataparallel_matches_single_device_forward_and_gradients(two_fake_devices):
    net, ref = _net(), _net()
    net.eval(), ref.eval()  # batch statistics would differ per chunk in train mode, as in PyTorch
    dp = nn.DataParallel(net)
    assert dp.device_ids == [0, 1] and dp.output_device == 0
    x = ember.randn(7, 4)
    out, expected = dp(x), ref(x)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    out.square().sum().backward()
    expected.square().sum().backward()
    for (name, p), q in zip(net.named_parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


def test_replicas_share_parameters_through_autograd():
    net = _net()
    a, b = replicate(net, ["cpu", "cpu"])
    assert a is not net and a[0] is not net[0] and a[0].weight.grad_fn is not None
    (a(ember.ones(2, 4)).sum() + b(ember.ones(3, 4)).sum()).backward()
    assert net[0].weight.grad is not None
    assert replicate(net, ["cpu"], detach=True)[0][0].weight.requires_grad is False


def test_parallel_apply_runs_each_replica_and_names_a_failing_one():
    mods = [nn.Linear(2, 2), nn.Linear(2, 2)]
    outs = parallel_apply(mods, [(ember.ones(1, 2),), (ember.ones(3, 2),)])
    assert [o.shape[0] for o in outs] == [1, 3] and outs[0].grad_fn is not None
    with ember.no_grad():  # grad mode is thread-local: workers must inherit the caller's
        assert parallel_apply(mods, [(ember.ones(1, 2),), (ember.ones(1, 2),)])[1].grad_fn is None
    with pytest.raises(RuntimeError, match="in replica 1 on device cpu") as info:
        parallel_apply(mods, [(ember.ones(1, 2),), (ember.ones(1, 5),)])
    assert "Original Traceback" in str(info.value)


def test_gather_concatenates_nested_outputs_and_stacks_scalars():
    outs = [{"y": ember.ones(2, 3), "loss": ember.tensor(1.0)}, {"y": ember.zeros(1, 3), "loss": ember.tensor(2.0)}]
    g = gather(outs, -1)
    assert g["y"].shape == (3, 3) and g["loss"].tolist() == [1.0, 2.0]


@pytest.mark.torch
def test_cpu_behaviour_matches_pytorch():
    torch = pytest.importorskip("torch")
    tnet = torch.nn.DataParallel(torch.nn.Linear(4, 3), device_ids=[0])
    enet = nn.DataParallel(nn.Linear(4, 3), device_ids=[0])
    assert enet.device_ids == tnet.device_ids == []
    assert list(enet.state_dict()) == list(tnet.state_dict())
    enet.load_state_dict({k: ember.from_numpy(v.numpy()) for k, v in tnet.state_dict().items()})
    x = np.random.randn(5, 4).astype(np.float32)
    np.testing.assert_allclose(enet(ember.from_numpy(x)).detach().numpy(),
                               tnet(torch.from_numpy(x)).detach().numpy(), rtol=1e-6)
    assert repr(enet) == repr(tnet)
