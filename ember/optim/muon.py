"""Muon (momentum + Newton–Schulz orthogonalized updates) for 2-D parameters."""
from .._creation import zeros_like
from . import _functional
from ._functional import _bump, _check_lr, _collect, _evaluate
from .optimizer import Optimizer

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


class Muon(Optimizer):
    r"""Muon (Jordan et al.), as torch.optim.Muon; only for 2-D parameters (use AdamW for the others).

    for t = 1, 2, ...:
        g ← ∇f(θ);   B ← μB + (1 − μ)g;   B̃ ← g + μ(B − g) if nesterov, else B
        O ← NS⁽ᵃ'ᵇ'ᶜ⁾ₖ(B̃ / max(‖B̃‖, ε))         (k quintic Newton–Schulz steps in bfloat16)
        θ ← θ(1 − γλ);   θ ← θ − AdjustLR(γ, shape) O
    AdjustLR: γ√max(1, A/B) ("original", default) or 0.2γ√max(A, B) ("match_rms_adamw").
    """

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS, ns_steps=DEFAULT_NS_STEPS,
                 adjust_lr_fn=None):
        _check_lr(lr, "Learning rate should be >= 0 but is: {}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ["original", "match_rms_adamw"]:
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum, "nesterov": nesterov,
                    "ns_coefficients": ns_coefficients, "eps": eps, "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    @staticmethod
    def _init_state(state, p):
        if p.is_complex():
            raise RuntimeError("Muon does not support complex parameters")
        state["momentum_buffer"] = zeros_like(p._grad)

    def step(self, closure=None):
        loss = _evaluate(closure)
        for group in self.param_groups:
            params, states, _ = _collect(self, group, self._init_state)
            if not params:
                continue
            _functional.muon(params[0]._device.xp, [p._data for p in params], [p._grad._data for p in params],
                             [s["momentum_buffer"]._data for s in states], lr=float(group["lr"]),
                             weight_decay=group["weight_decay"], momentum=group["momentum"],
                             nesterov=group["nesterov"], ns_coefficients=group["ns_coefficients"],
                             ns_steps=group["ns_steps"], eps=group["eps"], adjust_lr_fn=group["adjust_lr_fn"])
            _bump(params)
        return loss
