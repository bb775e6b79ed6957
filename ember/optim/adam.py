"""Adam and AdamW."""
from .. import _dtype
from .._creation import tensor, zeros_like
from . import _functional
from ._functional import _check_differentiable, _check_lr
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), as torch.optim.Adam; AdamW is Adam with decoupled_weight_decay=True.

    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize)
        θ ← θ(1 − γλ) if decoupled weight decay, else g ← g + λθ
        m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   v̂max ← max(v̂max, v) (amsgrad)
        θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_lr(lr)
        _check_differentiable(type(self).__name__, differentiable)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    _setstate_group_defaults = {"amsgrad": False, "maximize": False, "decoupled_weight_decay": False}

    def _init_state(self, p, amsgrad):
        state = self.state[p]
        if not state:
            state["step"] = tensor(0.0, dtype=_dtype.float32)
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = zeros_like(p)
        return state

    def step(self, closure=None):
        loss = None
        if closure is not None:
            from ..autograd.grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p._grad is not None]
            if not params:
                continue
            states = [self._init_state(p, group["amsgrad"]) for p in params]
            steps = []
            for s in states:
                s["step"]._data += 1  # PyTorch keeps the step as a float32 tensor
                steps.append(float(s["step"]._data))
            beta1, beta2 = group["betas"]
            _functional.adam(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                             [s["exp_avg"]._data for s in states], [s["exp_avg_sq"]._data for s in states],
                             [s["max_exp_avg_sq"]._data for s in states] if group["amsgrad"] else None, steps,
                             amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2, lr=float(group["lr"]),
                             weight_decay=group["weight_decay"], eps=group["eps"], maximize=group["maximize"],
                             decoupled_weight_decay=group["decoupled_weight_decay"])
            for p in params:
                p._version_counter.value += 1
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (default weight_decay=1e-2), as torch.optim.AdamW."""

    _setstate_group_defaults = {**Adam._setstate_group_defaults, "decoupled_weight_decay": True}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused, decoupled_weight_decay=True)
