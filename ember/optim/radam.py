"""RAdam (rectified Adam)."""
from .._creation import zeros_like
from . import _functional
from ._functional import _bump, _check_differentiable, _check_lr, _collect, _evaluate, _scalar_state
from .optimizer import Optimizer

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam (Liu et al.), as torch.optim.RAdam; decoupled_weight_decay gives RAdamW.

    ρ∞ ← 2/(1 − β₂) − 1
    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize)
        θ ← θ(1 − γλ) if decoupled weight decay, else g ← g + λθ
        m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   m̂ ← m/(1 − β₁ᵗ)
        ρₜ ← ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)
        if ρₜ > 5:  r ← √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ));  θ ← θ − γ m̂ r √(1 − β₂ᵗ)/(√v + ε)
        else:       θ ← θ − γ m̂
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_differentiable("RAdam", differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable, "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    _setstate_group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "decoupled_weight_decay": False, "capturable": False}

    @staticmethod
    def _init_state(state, p):
        state["step"] = _scalar_state()
        state["exp_avg"] = zeros_like(p)
        state["exp_avg_sq"] = zeros_like(p)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            params, states, steps = _collect(self, group, self._init_state)
            if not params:
                continue
            beta1, beta2 = group["betas"]
            _functional.radam(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                              [s["exp_avg"]._data for s in states], [s["exp_avg_sq"]._data for s in states], steps,
                              beta1=beta1, beta2=beta2, lr=float(group["lr"]), weight_decay=group["weight_decay"],
                              eps=group["eps"], decoupled_weight_decay=group["decoupled_weight_decay"],
                              maximize=group["maximize"])
            _bump(params)
        return loss
