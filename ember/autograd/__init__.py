"""torch.autograd: the engine, grad modes, Function, gradcheck, anomaly mode and functional transforms.

ember._tensor imports grad_mode from here, so only modules that do not need
Tensor load eagerly; the rest load on first use.
"""
import importlib

from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled)
from .engine import backward, grad  # noqa: F401
from . import graph  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: F401  (function shadows the submodule)

_LAZY = {
    "Function": ("function", "Function"), "FunctionCtx": ("function", "FunctionCtx"),
    "once_differentiable": ("function", "once_differentiable"),
    "detect_anomaly": ("anomaly_mode", "detect_anomaly"), "set_detect_anomaly": ("anomaly_mode", "set_detect_anomaly"),
    "Variable": ("variable", "Variable"),
}
_SUBMODULES = {"anomaly_mode", "forward_ad", "function", "functional", "profiler", "variable"}


def __getattr__(name):
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = importlib.import_module("ember" + module) if module.startswith(".") else \
            importlib.import_module("." + module, __name__)
        return getattr(mod, attr)
    if name in _SUBMODULES:
        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'torch.autograd' has no attribute '{name}'")
