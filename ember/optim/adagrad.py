"""Adagrad."""
from .._creation import full_like
from . import _functional
from ._functional import _bump, _check_differentiable, _check_lr, _collect, _evaluate, _scalar_state
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al.), as torch.optim.Adagrad.

    state_sum ← initial_accumulator_value
    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize);  g ← g + λθ (weight_decay λ)
        γ̃ ← γ / (1 + (t − 1) η)            (lr_decay η)
        state_sum ← state_sum + g²
        θ ← θ − γ̃ g / (√state_sum + ε)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_differentiable("Adagrad", differentiable)
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch creates Adagrad's state eagerly
            for p in group["params"]:
                self._init_state(self.state[p], p)

    def _init_state(self, state, p):
        v = self.defaults["initial_accumulator_value"]
        state["step"] = _scalar_state()
        state["sum"] = full_like(p, complex(v, v) if p.is_complex() else v)

    _setstate_group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "fused": None}

    def share_memory(self):
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            params, states, steps = _collect(self, group, self._init_state)
            if not params:
                continue
            _functional.adagrad(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                                [s["sum"]._data for s in states], steps, lr=float(group["lr"]),
                                weight_decay=group["weight_decay"], lr_decay=group["lr_decay"], eps=group["eps"],
                                maximize=group["maximize"])
            _bump(params)
        return loss
