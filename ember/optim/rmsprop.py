"""RMSprop."""
from .._creation import zeros_like
from . import _functional
from ._functional import _bump, _check_differentiable, _check_lr, _collect, _evaluate, _scalar_state
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), as torch.optim.RMSprop.

    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize);  g ← g + λθ (weight_decay λ)
        v ← αv + (1 − α)g²
        ṽ ← v − ḡ² with ḡ ← αḡ + (1 − α)g if centered, else ṽ ← v
        if μ > 0:  b ← μb + g/(√ṽ + ε);  θ ← θ − γb
        else:      θ ← θ − γ g/(√ṽ + ε)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        _check_differentiable("RMSprop", differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    _setstate_group_defaults = {"momentum": 0, "centered": False, "foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            def init_state(state, p, group=group):
                state["step"] = _scalar_state()
                state["square_avg"] = zeros_like(p)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = zeros_like(p)
            params, states, _ = _collect(self, group, init_state)
            if not params:
                continue
            _functional.rmsprop(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                                [s["square_avg"]._data for s in states],
                                [s["grad_avg"]._data for s in states] if group["centered"] else None,
                                [s["momentum_buffer"]._data for s in states] if group["momentum"] > 0 else None,
                                lr=float(group["lr"]), alpha=group["alpha"], eps=group["eps"],
                                weight_decay=group["weight_decay"], momentum=group["momentum"],
                                centered=group["centered"], maximize=group["maximize"])
            _bump(params)
        return loss
