"""Adamax."""
from .._creation import zeros_like
from . import _functional
from ._functional import _bump, _check_differentiable, _check_lr, _collect, _evaluate, _scalar_state
from .optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (Adam with the infinity norm), as torch.optim.Adamax.

    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize);  g ← g + λθ (weight_decay λ)
        m ← β₁m + (1 − β₁)g
        u ← max(β₂u, |g| + ε)
        θ ← θ − γ/(1 − β₁ᵗ) · m / u
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_differentiable("Adamax", differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    _setstate_group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    @staticmethod
    def _init_state(state, p):
        state["step"] = _scalar_state()
        state["exp_avg"] = zeros_like(p)
        state["exp_inf"] = zeros_like(p)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            params, states, steps = _collect(self, group, self._init_state)
            if not params:
                continue
            beta1, beta2 = group["betas"]
            _functional.adamax(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                               [s["exp_avg"]._data for s in states], [s["exp_inf"]._data for s in states], steps,
                               eps=group["eps"], beta1=beta1, beta2=beta2, lr=float(group["lr"]),
                               weight_decay=group["weight_decay"], maximize=group["maximize"])
            _bump(params)
        return loss
