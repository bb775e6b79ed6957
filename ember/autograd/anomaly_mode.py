"""Anomaly detection: remember where each node was recorded, check backward results for NaN.

The switch lives in `grad_mode._anomaly` ([enabled, check_nan]) and, as in
PyTorch, is global rather than thread-local.  When it is on, the registry
calls `remember(node)` for every recorded node and the engine runs each node
through `call_checked`.
"""
import functools
import os
import traceback
import warnings

from . import grad_mode

__all__ = ["detect_anomaly", "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "set_detect_anomaly"]

_state = grad_mode._anomaly
_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_anomaly_enabled():
    return _state[0]


def is_anomaly_check_nan_enabled():
    return _state[1]


class detect_anomaly:
    """Context manager / decorator enabling anomaly detection for the autograd engine.

    Backward errors then show the traceback of the forward op that created the
    failing node, and (with `check_nan`) a node returning NaN gradients raises.
    """

    def __init__(self, check_nan=True):
        self.prev = _state[0]
        self.check_nan = check_nan
        self.prev_check_nan = _state[1]
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only "
                      "be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        _state[0], _state[1] = True, self.check_nan

    def __exit__(self, *exc):
        _state[0], _state[1] = self.prev, self.prev_check_nan

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off: takes effect at once; as a context manager, restored on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev = _state[0]
        self.prev_check_nan = _state[1]
        _state[0], _state[1] = bool(mode), bool(check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _state[0], _state[1] = self.prev, self.prev_check_nan


def remember(node):
    """Store the user's stack (frames inside ember dropped) on the node being recorded."""
    stack = traceback.extract_stack()
    while stack and stack[-1].filename.startswith(_EMBER_DIR):
        stack.pop()
    node._anomaly_trace = "".join(traceback.format_list(stack))


def _warn_trace(node):
    trace = getattr(node, "_anomaly_trace", None)
    if trace is None:
        warnings.warn(f"Error detected in {node.name()}. No forward pass information available. Enable detect "
                      "anomaly during forward pass for more information.", UserWarning, stacklevel=4)
        return
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{trace}",
                  UserWarning, stacklevel=4)


def call_checked(node, grads):
    """Run `node.apply(grads)`; on an error or (check_nan) a NaN gradient, show where the node was made."""
    from .._tensor import Tensor
    try:
        result = node.apply(grads)
    except Exception:
        _warn_trace(node)
        raise
    if _state[1]:
        for i, g in enumerate(result):
            if (isinstance(g, Tensor) and g._data.dtype.kind in "fcV" and g._data.size
                    and bool(g._device.xp.isnan(g._data).any())):
                _warn_trace(node)
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
    return result
