"""ember.backends.opt_einsum: contraction-order optimisation for einsum, as torch.backends.opt_einsum.

ember's einsum asks NumPy for an optimised path; these flags say whether the `opt_einsum` package is
present and which strategy is preferred, as PyTorch reports them.
"""
import importlib.util

__all__ = ["enabled", "get_opt_einsum", "is_available", "strategy"]


def is_available():
    """Whether the opt_einsum package is installed."""
    return importlib.util.find_spec("opt_einsum") is not None


def get_opt_einsum():
    """The opt_einsum module, or None when it is not installed."""
    return importlib.import_module("opt_einsum") if is_available() else None


enabled = is_available()
strategy = "auto" if enabled else None
