"""Embedding, EmbeddingBag, F.embedding / F.embedding_bag / F.one_hot against PyTorch."""
import numpy as np
import pytest

import ember

from .moduleinfo import C, ModuleInfo, ints, make_module_tests
from .opinfo import FLOAT, OpInfo, S, make_arg, make_tests, nograd

try:
    import torch
except ImportError:
    torch = None


MODULES = [
    ModuleInfo("Embedding", [C(10, 3), C(10, 3, padding_idx=2), C(10, 3, padding_idx=-1), C(10, 3, max_norm=1.0),
                             C(10, 3, scale_grad_by_freq=True), C(10, 3, max_norm=2.0, norm_type=1.0)],
               inputs=lambda rng, v: [ints(rng, 10, 4, 5)]),
    ModuleInfo("Embedding", [C(10, 3)], inputs=lambda rng, v: [ints(rng, 10)]),  # 0-dim index
    ModuleInfo("EmbeddingBag", [C(10, 3), C(10, 3, mode="sum"), C(10, 3, mode="max"), C(10, 3, padding_idx=1),
                                C(10, 3, mode="sum", max_norm=1.0)],
               inputs=lambda rng, v: [ints(rng, 10, 4, 5)]),
    ModuleInfo("EmbeddingBag", [C(10, 3), C(10, 3, mode="max"), C(10, 3, mode="sum", include_last_offset=True)],
               inputs=lambda rng, v: [ints(rng, 10, 9), np.array([0, 2, 2, 6, 9] if v.kwargs.get("include_last_offset")
                                                                else [0, 2, 2, 6])]),
]

globals().update(make_module_tests(MODULES))


def _idx(rng, *shape, high=10):
    return nograd(rng.integers(0, high, size=shape).astype(np.int64))


def _emb_samples(dtype, rng):
    w = make_arg((10, 3), dtype, rng)
    yield S(_idx(rng, 4, 5), w)
    yield S(_idx(rng, 7), w)
    yield S(_idx(rng), w)
    yield S(nograd(np.zeros((0, 2), np.int64)), w)
    yield S(nograd(np.array([[1, 2], [3, 9]], np.int32)), w)


def _emb_grad_samples(dtype, rng):
    """PyTorch's gradients here are not derivatives (padding rows get none, frequent rows are scaled)."""
    w = make_arg((10, 3), dtype, rng)
    yield S(_idx(rng, 4, 5), w, padding_idx=2)
    yield S(_idx(rng, 4, 5), w, padding_idx=-1)
    yield S(_idx(rng, 4, 5, high=4), w, scale_grad_by_freq=True)
    yield S(_idx(rng, 30, high=3), w, 1, scale_grad_by_freq=True)


def _emb_errors(rng):
    w = make_arg((3, 2), "float32", rng)
    yield S(nograd(np.array([1, 5])), w)
    yield S(nograd(np.array([-1, 1])), w)
    yield S(nograd(np.array([1.0, 2.0])), w)
    yield S(nograd(np.array([1, 2])), make_arg((3,), "float32", rng))
    yield S(nograd(np.array([1, 2])), w, padding_idx=5)
    yield S(nograd(np.array([1, 2])), w, padding_idx=-4)


def _bag_samples(dtype, rng):
    w = make_arg((10, 3), dtype, rng)
    for mode in ("sum", "mean", "max"):
        yield S(_idx(rng, 4, 5), w, mode=mode)
        yield S(_idx(rng, 9), w, nograd(np.array([0, 2, 2, 6])), mode=mode)
        yield S(_idx(rng, 9), w, nograd(np.array([0, 2, 2, 6, 9])), mode=mode, include_last_offset=True)
        yield S(_idx(rng, 9, high=4), w, nograd(np.array([0, 3, 5])), mode=mode, padding_idx=1)
    yield S(_idx(rng, 9), w, nograd(np.array([0, 4])), mode="sum", per_sample_weights=make_arg((9,), dtype, rng))
    yield S(_idx(rng, 3, 4), w, mode="sum", per_sample_weights=make_arg((3, 4), dtype, rng))


def _bag_errors(rng):
    w = make_arg((10, 3), "float32", rng)
    x = _idx(rng, 9)
    yield S(x, w)                                                                    # 1-D without offsets
    yield S(_idx(rng, 3, 3), w, nograd(np.array([0, 1])))                             # 2-D with offsets
    yield S(x, w, nograd(np.array([0, 4])), mode="median")
    yield S(x, w, nograd(np.array([0, 4])), mode="max", scale_grad_by_freq=True)
    yield S(x, w, nograd(np.array([0, 4])), mode="mean", per_sample_weights=make_arg((9,), "float32", rng))
    yield S(x, w, nograd(np.array([0, 4])), per_sample_weights=make_arg((8,), "float32", rng))
    yield S(x, make_arg((10,), "float32", rng), nograd(np.array([0, 4])))
    yield S(_idx(rng, 2, 2, 2), w)


def _one_hot_samples(dtype, rng):
    yield S(nograd(rng.integers(0, 5, size=(3, 4)).astype(np.int64)))
    yield S(nograd(rng.integers(0, 5, size=(6,)).astype(np.int64)), 7)
    yield S(nograd(np.array(2, np.int64)), 4)
    yield S(nograd(np.zeros((0, 3), np.int64)), 4)
    yield S(nograd(np.array([1, 3], np.int64)), num_classes=-1)


def _one_hot_errors(rng):
    yield S(nograd(np.array([1.0])))
    yield S(nograd(np.array([1, 2], np.int32)), 4)
    yield S(nograd(np.array([1, 5])), 3)
    yield S(nograd(np.array([-1, 1])))
    yield S(nograd(np.zeros(0, np.int64)))


def _torch_embedding_samples(dtype, rng):
    w = make_arg((10, 3), dtype, rng)
    yield S(w, _idx(rng, 4, 5))
    yield S(w, _idx(rng, 4, 5), 2)
    yield S(w, _idx(rng, 6, high=3), -1, True)


_NS = ember.nn.functional._sparse.TORCH_NAMESPACE

FUNCTIONALS = [
    OpInfo("embedding", _torch_embedding_samples, ember_fn=_NS["embedding"], gradcheck=False),
    OpInfo("nn.functional.embedding", _emb_samples, dtypes=FLOAT + ("float16", "bfloat16"), errors=_emb_errors),
    OpInfo("nn.functional.embedding", _emb_grad_samples, gradcheck=False),
    OpInfo("nn.functional.embedding_bag", _bag_samples, errors=_bag_errors, atol=1e-5),
    OpInfo("nn.functional.one_hot", _one_hot_samples, dtypes=("int64",), grad=False, errors=_one_hot_errors),
]

globals().update(make_tests(FUNCTIONALS))


# ---------------------------------------------------------------------------
# explicit checks

def _pair(cls, *args, **kwargs):
    torch.manual_seed(0)
    t = getattr(torch.nn, cls)(*args, **kwargs).double()
    e = getattr(ember.nn, cls)(*args, **kwargs).double()
    e.load_state_dict({k: ember.from_numpy(v.numpy().copy()) for k, v in t.state_dict().items()})
    return t, e


@pytest.mark.torch
@pytest.mark.parametrize("padding_idx", [0, 3, -1])
def test_padding_idx_gets_no_gradient(padding_idx):
    t, e = _pair("Embedding", 6, 2, padding_idx=padding_idx)
    idx = np.array([[0, 3, 5, 3], [5, 5, 1, 0]])
    t(torch.from_numpy(idx)).pow(2).sum().backward()
    e(ember.from_numpy(idx)).pow(2).sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-12)
    assert not e.weight.grad.numpy()[padding_idx].any()


def test_padding_row_initialized_to_zero():
    m = ember.nn.Embedding(5, 3, padding_idx=-2)
    assert m.padding_idx == 3
    assert not m.weight.detach().numpy()[3].any() and m.weight.detach().numpy()[2].any()
    assert not ember.nn.EmbeddingBag(5, 3, padding_idx=1).weight.detach().numpy()[1].any()


@pytest.mark.torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_max_norm_renorms_weight_in_place(norm_type):
    t, e = _pair("Embedding", 8, 4, max_norm=0.7, norm_type=norm_type)
    idx = np.array([[1, 2, 2], [7, 1, 0]])
    tv, ev = t.weight._version, e.weight._version
    t_out, e_out = t(torch.from_numpy(idx)), e(ember.from_numpy(idx))
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)
    # only the looked-up rows are renormalized, in place (version bumped like PyTorch)
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-12)
    assert (e.weight._version > ev) == (t.weight._version > tv)
    untouched = [3, 4, 5, 6]
    assert (np.abs(e.weight.detach().numpy()[untouched]).sum(1) > 0).all()
    t_out.sum().backward()
    e_out.sum().backward()
    np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-12)


@pytest.mark.torch
def test_functional_max_norm_side_effect():
    w = np.random.default_rng(0).standard_normal((5, 3)) * 3
    tw, ew = torch.from_numpy(w.copy()), ember.from_numpy(w.copy())
    torch.nn.functional.embedding(torch.tensor([0, 2]), tw, max_norm=1.0)
    ember.nn.functional.embedding(ember.tensor([0, 2]), ew, max_norm=1.0)
    np.testing.assert_allclose(ew.numpy(), tw.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ew.numpy()[[1, 3, 4]], w[[1, 3, 4]])


def test_sparse_true_raises_clearly():
    with pytest.raises(NotImplementedError, match="sparse=True"):
        ember.nn.Embedding(5, 2, sparse=True)(ember.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="sparse=True"):
        ember.nn.functional.embedding_bag(ember.tensor([1, 2]), ember.randn(5, 2), ember.tensor([0]), sparse=True)
    assert repr(ember.nn.Embedding(5, 2, sparse=True)) == "Embedding(5, 2, sparse=True)"


@pytest.mark.torch
def test_from_pretrained_freeze():
    w = ember.randn(4, 3)
    frozen = ember.nn.Embedding.from_pretrained(w)
    assert not frozen.weight.requires_grad
    assert np.array_equal(frozen(ember.tensor([2])).numpy(), w.numpy()[[2]])
    trainable = ember.nn.Embedding.from_pretrained(w, freeze=False, padding_idx=1)
    assert trainable.weight.requires_grad and trainable.padding_idx == 1
    assert trainable.weight.detach().numpy()[1].any()  # from_pretrained keeps the given padding row
    bag = ember.nn.EmbeddingBag.from_pretrained(w, mode="sum")
    assert not bag.weight.requires_grad and bag.mode == "sum"
    out = bag(ember.tensor([[0, 1], [2, 3]]))
    np.testing.assert_allclose(out.numpy(), w.numpy()[[0, 2]] + w.numpy()[[1, 3]], rtol=1e-6)
    assert repr(bag) == repr(torch.nn.EmbeddingBag.from_pretrained(torch.randn(4, 3), mode="sum"))
    with pytest.raises(AssertionError, match="2-dimensional"):
        ember.nn.Embedding.from_pretrained(ember.randn(3))
    with pytest.raises(AssertionError, match="Shape of weight"):
        ember.nn.Embedding(3, 2, _weight=ember.randn(2, 3))


def test_embedding_double_backward():
    w = ember.randn(6, 3, dtype=ember.float64, requires_grad=True)
    idx = ember.tensor([[0, 1, 1], [5, 0, 3]])
    f = ember.nn.functional.embedding
    assert ember.autograd.gradgradcheck(lambda w: f(idx, w) ** 2, (w,))
    assert ember.autograd.gradgradcheck(lambda w: f(idx, w, padding_idx=1) ** 2, (w,))


@pytest.mark.torch
def test_large_vocab_backward_with_frequent_tokens():
    """Many repeats of a few ids exercise both scatter paths (rounds and np.add.at for the tail)."""
    rng = np.random.default_rng(0)
    idx = np.concatenate([rng.integers(0, 5000, 3000), np.zeros(500, np.int64), np.full(40, 17)])
    rng.shuffle(idx)
    g = rng.standard_normal((idx.size, 8)).astype(np.float32)
    w = ember.zeros(5000, 8, requires_grad=True)
    ember.nn.functional.embedding(ember.from_numpy(idx), w).backward(ember.from_numpy(g))
    expected = np.zeros((5000, 8), np.float64)
    np.add.at(expected, idx, g.astype(np.float64))
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-4, atol=1e-4)
    tw = torch.zeros(5000, 8, requires_grad=True)
    torch.nn.functional.embedding(torch.from_numpy(idx), tw, scale_grad_by_freq=True, padding_idx=0).backward(
        torch.from_numpy(g))
    w.grad = None
    ember.nn.functional.embedding(ember.from_numpy(idx), w, scale_grad_by_freq=True, padding_idx=0).backward(
        ember.from_numpy(g))
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_one_hot_dtype_and_grad():
    out = ember.nn.functional.one_hot(ember.tensor([[0, 2]]), 3)
    assert out.dtype is ember.int64 and tuple(out.shape) == (1, 2, 3)
    assert not out.requires_grad


def test_embedding_bag_scale_grad_by_freq():
    """Each row's gradient is divided by its frequency in the input, as in F.embedding.

    PyTorch 2.13's CPU embedding_bag divides by the frequency of a different index (its gradients are not
    those of F.embedding followed by the bag reduction); ember keeps the documented meaning."""
    idx = ember.tensor([2, 0, 2, 4, 2, 4, 0, 5, 7])
    w = ember.randn(10, 3, requires_grad=True)
    out = ember.nn.functional.embedding_bag(idx, w, ember.tensor([0, 4]), mode="sum", scale_grad_by_freq=True)
    out.sum().backward()
    np.testing.assert_allclose(w.grad.numpy()[[0, 2, 4, 5, 7]], 1.0)
    assert not w.grad.numpy()[[1, 3, 6, 8, 9]].any()


@pytest.mark.torch
def test_torch_embedding_renorm_():
    w = np.random.default_rng(1).standard_normal((6, 3)) * 2
    tw, ew = torch.from_numpy(w.copy()), ember.from_numpy(w.copy())
    torch.embedding_renorm_(tw, torch.tensor([0, 4, 4]), 1.0, 2.0)
    assert _NS["embedding_renorm_"](ew, ember.tensor([0, 4, 4]), 1.0, 2.0) is ew
    np.testing.assert_allclose(ew.numpy(), tw.numpy(), rtol=1e-12)
