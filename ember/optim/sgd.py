"""SGD with momentum, dampening, Nesterov, weight decay and maximize."""
from .._tensor import _wrap
from . import _functional
from ._functional import _check_differentiable, _check_lr
from .optimizer import Optimizer, required

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as torch.optim.SGD.

    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize);  g ← g + λθ (weight_decay λ)
        if μ ≠ 0:  b ← g at t = 1, else b ← μ b + (1 − τ) g;  g ← g + μ b (nesterov) or g ← b
        θ ← θ − γ g
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        if lr is not required:
            _check_lr(lr)
        _check_differentiable("SGD", differentiable)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    _setstate_group_defaults = {"nesterov": False, "maximize": False}

    def step(self, closure=None):
        loss = None
        if closure is not None:
            from ..autograd.grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p._grad is not None]
            buffers = [self.state[p].get("momentum_buffer") if p in self.state else None for p in params]
            bufs = [b._data if b is not None else None for b in buffers]
            _functional.sgd([p._data for p in params], [p._grad._data for p in params], bufs,
                            lr=_scalar(group["lr"]), weight_decay=group["weight_decay"], momentum=group["momentum"],
                            dampening=group["dampening"], nesterov=group["nesterov"], maximize=group["maximize"])
            for p, old, new in zip(params, buffers, bufs):
                p._version_counter.value += 1
                if group["momentum"] != 0 and old is None:
                    self.state[p]["momentum_buffer"] = _wrap(new, p._device)
        return loss


def _scalar(x):
    return x.item() if hasattr(x, "item") and not isinstance(x, (int, float)) else x
