"""ASGD (averaged stochastic gradient descent)."""
from .._creation import zeros_like
from . import _functional
from ._functional import _bump, _check_differentiable, _check_lr, _collect, _evaluate, _scalar_state
from .optimizer import Optimizer

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged SGD (Polyak & Juditsky), as torch.optim.ASGD.

    η ← γ, μ ← 1, ax ← 0
    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize);  g ← g + λθ (weight_decay λ)
        θ ← θ(1 − λ_d η) − η g                     (lambd λ_d)
        ax ← ax + μ(θ − ax)   (ax ← θ while μ = 1)
        η ← γ / (1 + λ_d γ t)^α;   μ ← 1 / max(1, t − t₀)
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_differentiable("ASGD", differentiable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    _setstate_group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            def init_state(state, p, group=group):
                state["step"] = _scalar_state()
                state["eta"] = _scalar_state(float(group["lr"]))
                state["mu"] = _scalar_state(1.0)
                state["ax"] = zeros_like(p)
            params, states, steps = _collect(self, group, init_state)
            if not params:
                continue
            _functional.asgd(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                             [s["ax"]._data for s in states], [s["mu"]._data for s in states],
                             [s["eta"]._data for s in states], steps, lambd=group["lambd"], lr=float(group["lr"]),
                             t0=group["t0"], alpha=group["alpha"], weight_decay=group["weight_decay"],
                             maximize=group["maximize"])
            _bump(params)
        return loss
