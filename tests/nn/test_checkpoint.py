"""utils.checkpoint: recomputing a block in backward gives the gradients of running it normally."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.utils.checkpoint import checkpoint, checkpoint_sequential


def _model():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))


def _grads(model, x):
    return [p.grad.numpy().copy() for p in model.parameters()] + [x.grad.numpy().copy()]


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_matches_plain_backward_with_dropout(reentrant):
    model, x0 = _model(), np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    runs = []
    for use_checkpoint in (False, True):
        model.zero_grad()
        x = ember.tensor(x0, requires_grad=True)
        ember.manual_seed(1)  # the same dropout mask both times: recomputation must replay it
        if use_checkpoint:
            y = checkpoint(model, x, use_reentrant=reentrant)
        else:
            y = model(x)
        (y ** 2).sum().backward()
        runs.append((y.detach().numpy(), _grads(model, x)))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-6)
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_checkpoint_sequential_and_non_tensor_arguments():
    model = _model().eval()
    x = ember.randn(3, 4, requires_grad=True)
    y = checkpoint_sequential(model, 2, x, use_reentrant=False)
    np.testing.assert_allclose(y.detach().numpy(), model(x).detach().numpy(), rtol=1e-6)
    y.sum().backward()
    assert x.grad is not None and model[0].weight.grad is not None
    scaled = checkpoint(lambda v, k: v * k, x, 3.0, use_reentrant=True)
    assert scaled.grad_fn is not None
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda v: v * 2, x)
    with ember.no_grad():
        assert checkpoint(lambda v: v * 2, x, use_reentrant=False).grad_fn is None


def test_context_fn_wraps_forward_and_recomputation():
    import contextlib
    entered = []

    @contextlib.contextmanager
    def mark(name):
        entered.append(name)
        yield

    def contexts():
        return mark("forward"), mark("recompute")

    x = ember.randn(3, requires_grad=True)
    y = checkpoint(lambda v: v.sin(), x, use_reentrant=False, context_fn=contexts)
    assert entered == ["forward"]
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos(x.detach().numpy()), rtol=1e-6)
    assert entered == ["forward", "recompute"]
    with pytest.raises(ValueError, match="only supported when use_reentrant=False"):
        checkpoint(lambda v: v * 2, x, use_reentrant=True, context_fn=contexts)
