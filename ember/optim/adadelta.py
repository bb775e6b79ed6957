"""Adadelta."""
from .._creation import zeros_like
from . import _functional
from ._functional import _bump, _check_differentiable, _check_lr, _collect, _evaluate, _scalar_state
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler), as torch.optim.Adadelta.

    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize);  g ← g + λθ (weight_decay λ)
        v ← ρv + (1 − ρ)g²
        Δ ← √(u + ε) / √(v + ε) · g
        u ← ρu + (1 − ρ)Δ²
        θ ← θ − γΔ
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_differentiable("Adadelta", differentiable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    _setstate_group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    @staticmethod
    def _init_state(state, p):
        state["step"] = _scalar_state()
        state["square_avg"] = zeros_like(p)
        state["acc_delta"] = zeros_like(p)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            params, states, _ = _collect(self, group, self._init_state)
            if not params:
                continue
            _functional.adadelta(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                                 [s["square_avg"]._data for s in states], [s["acc_delta"]._data for s in states],
                                 lr=float(group["lr"]), rho=group["rho"], eps=group["eps"],
                                 weight_decay=group["weight_decay"], maximize=group["maximize"])
            _bump(params)
        return loss
