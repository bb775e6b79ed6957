"""Top-level settings and small torch.* functions (ember/_settings.py) against PyTorch."""
import operator
import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:
    torch = None

pytestmark = pytest.mark.torch


def _same(e, t):
    if torch is not None and isinstance(t, torch.Tensor):
        assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    elif isinstance(t, (tuple, list)):
        assert len(e) == len(t)
        for a, b in zip(e, t):
            _same(a, b)
    else:
        assert e == t


def _both(fn):
    return fn(ember), fn(torch)


CASES = {
    "is_nonzero": lambda L: L.is_nonzero(L.tensor([1.5])),
    "is_same_size": lambda L: (L.is_same_size(L.ones(2, 3), L.zeros(2, 3)), L.is_same_size(L.ones(2), L.ones(3))),
    "is_signed": lambda L: (L.is_signed(L.ones(2)), L.is_signed(L.ones(2, dtype=L.uint8))),
    "is_inference": lambda L: L.is_inference(L.ones(2)),
    "is_vulkan_available": lambda L: L.is_vulkan_available(),
    "typename": lambda L: (L.typename(L.ones(2)), L.typename(L.ones(2, dtype=L.long)), L.typename(3),
                           L.typename(operator.add), L.typename(len), L.typename([1])),
    "detach": lambda L: L.detach(L.ones(2, requires_grad=True) * 2).requires_grad,
    "fill": lambda L: L.fill(L.zeros(2, 3), 2.5),
    "zero_": lambda L: L.zero_(L.ones(3)),
    "get_device": lambda L: L.get_device(L.ones(1)),
    "cdist": lambda L: L.cdist(L.arange(6.0).view(2, 3), L.arange(12.0).view(4, 3).flip(0), p=2.0),
    "gradient": lambda L: L.gradient(L.tensor([[1.0, 4.0, 9.0], [2.0, 3.0, 7.0], [0.0, 1.0, 5.0]])),
    "are_deterministic_algorithms_enabled": lambda L: L.are_deterministic_algorithms_enabled(),
    "get_float32_matmul_precision": lambda L: L.get_float32_matmul_precision(),
    "is_warn_always_enabled": lambda L: L.is_warn_always_enabled(),
    "get_deterministic_debug_mode": lambda L: L.get_deterministic_debug_mode(),
    "set_flush_denormal": lambda L: isinstance(L.set_flush_denormal(False), bool),
    "cond": lambda L: L.cond(L.tensor(True), lambda x: x + 1, lambda x: x - 1, (L.ones(2),)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name, record_property):
    record_property("op", name)
    e, t = _both(CASES[name])
    _same(e, t)


@pytest.mark.parametrize("name,args", [("eig", 1), ("symeig", 1), ("lstsq", 2), ("solve", 2), ("matrix_rank", 1)])
def test_removed_functions_raise_like_torch(name, args, record_property):
    record_property("op", name)
    with pytest.raises(RuntimeError) as t_exc:
        getattr(torch, name)(*[torch.eye(2)] * args)
    with pytest.raises(RuntimeError) as e_exc:
        getattr(ember, name)(*[ember.eye(2)] * args)
    assert str(e_exc.value).split(".")[0] == str(t_exc.value).split(".")[0]


def test_cdist_gradient_and_p(record_property):
    record_property("op", "cdist")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    for p in [0.5, 1.0, 2.0, 3.0, float("inf")]:
        ea, eb = ember.from_numpy(a.copy()).requires_grad_(), ember.from_numpy(b.copy()).requires_grad_()
        ta, tb = torch.from_numpy(a.copy()).requires_grad_(), torch.from_numpy(b.copy()).requires_grad_()
        e, t = ember.cdist(ea, eb, p=p), torch.cdist(ta, tb, p=p)
        _same(e, t)
        e.sum().backward()
        t.sum().backward()
        _same(ea.grad, ta.grad)
        _same(eb.grad, tb.grad)


def test_settings_round_trip():
    ember.use_deterministic_algorithms(True, warn_only=True)
    assert ember.are_deterministic_algorithms_enabled() and ember.get_deterministic_debug_mode() == 1
    ember.use_deterministic_algorithms(False)
    assert ember.get_deterministic_debug_mode() == 0
    ember.set_float32_matmul_precision("high")
    assert ember.get_float32_matmul_precision() == "high"
    ember.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError):
        ember.set_float32_matmul_precision("fast")
    n = ember.get_num_threads()
    assert isinstance(n, int) and n >= 1


def test_nn_functions_reachable_from_torch_namespace():
    for name in ["conv2d", "dropout", "batch_norm", "layer_norm", "embedding", "pixel_shuffle", "cosine_similarity",
                 "max_pool2d", "adaptive_avg_pool1d", "kl_div"]:
        fn = getattr(ember, name, None)
        assert fn is not None and callable(fn), name
    with pytest.raises(AttributeError, match="torch.not_a_function"):
        ember.not_a_function
