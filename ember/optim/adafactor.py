"""Adafactor."""
from .._creation import zeros, zeros_like
from . import _functional
from ._functional import _bump, _check_lr, _collect, _evaluate, _scalar_state
from .optimizer import Optimizer

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer & Stern), as torch.optim.Adafactor.

    for t = 1, 2, ...:
        g ← ∇f(θ) (negated if maximize);   β̂₂ₜ ← 1 − t^c            (beta2_decay c)
        ρₜ ← min(γ, 1/√t);   αₜ ← max(ε₂, RMS(θ))·ρₜ;   θ ← θ(1 − γλ)
        if θ has 2+ dims:  R ← lerp(R, rowmean(g²), t^c);  C ← lerp(C, colmean(g²), t^c);  v̂ ← RC / mean(R)
        else:              v ← lerp(v, g², t^c);  v̂ ← v
        U ← g / √max(v̂, ε₁²);   θ ← θ − αₜ U / max(1, RMS(U)/d)
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        _check_lr(lr, "Learning rate should be >= 0 but is: {}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    _setstate_group_defaults = {"foreach": None}

    @staticmethod
    def _init_state(state, p):
        if p.is_complex():
            raise RuntimeError("Adafactor does not support complex parameters")
        state["step"] = _scalar_state()
        g = p._grad
        if g.dim() > 1:  # factored second moment: one row and one column statistic
            state["row_var"] = zeros(list(g.shape[:-1]) + [1], dtype=g.dtype, device=g.device)
            state["col_var"] = zeros(list(g.shape[:-2]) + [1, g.shape[-1]], dtype=g.dtype, device=g.device)
        else:
            state["variance"] = zeros_like(g)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            params, states, steps = _collect(self, group, self._init_state)
            if not params:
                continue
            eps1, eps2 = group["eps"]
            data = [[s[k]._data if k in s else None for s in states] for k in ("row_var", "col_var", "variance")]
            _functional.adafactor(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                                  *data, steps, d=group["d"], lr=float(group["lr"]),
                                  beta2_decay=group["beta2_decay"], weight_decay=group["weight_decay"], eps1=eps1,
                                  eps2=eps2, maximize=group["maximize"])
            _bump(params)
        return loss
