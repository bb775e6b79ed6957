"""Rprop (resilient backpropagation)."""
from .._creation import full_like, zeros_like
from . import _functional
from ._functional import _bump, _check_differentiable, _check_lr, _collect, _evaluate, _scalar_state
from .optimizer import Optimizer

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Rprop (Riedmiller & Braun), as torch.optim.Rprop.

    η ← γ (per element), g_prev ← 0
    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize)
        η ← clamp(η·η₊, Γmin, Γmax) where g·g_prev > 0;  η·η₋ where < 0;  η where = 0
        g ← 0 where g·g_prev < 0
        θ ← θ − η·sign(g);   g_prev ← g
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_differentiable("Rprop", differentiable)
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    _setstate_group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "capturable": False}

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            lr = float(group["lr"])

            def init_state(state, p, lr=lr):
                state["step"] = _scalar_state()
                state["prev"] = zeros_like(p)
                # complex numbers are two independent reals: the imaginary part gets its own step size
                state["step_size"] = full_like(p._grad, complex(lr, lr) if p.is_complex() else lr)
            params, states, _ = _collect(self, group, init_state)
            if not params:
                continue
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            _functional.rprop(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                              [s["prev"]._data for s in states], [s["step_size"]._data for s in states],
                              step_size_min=step_size_min, step_size_max=step_size_max, etaminus=etaminus,
                              etaplus=etaplus, maximize=group["maximize"])
            _bump(params)
        return loss
