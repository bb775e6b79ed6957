"""ember.backends.cudnn: torch.backends.cudnn's flags.

ember never calls cuDNN, so is_available() is False and version() None; the
flags are kept (and settable) so that code which sets them runs unchanged.
"""
import contextlib

__all__ = ["is_available", "version", "is_acceptable", "flags", "enabled", "benchmark", "benchmark_limit",
           "deterministic", "allow_tf32"]

enabled = True
benchmark = False
benchmark_limit = None
deterministic = False
allow_tf32 = True
fp32_precision = "none"


def is_available():
    """Whether cuDNN can be used (never: ember does not call cuDNN)."""
    return False


def version():
    """The cuDNN version, or None when cuDNN is not available."""
    return None


def is_acceptable(tensor):
    return False


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True):
    """Temporarily set the cuDNN flags."""
    g = globals()
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    old = {n: g[n] for n in names}
    g.update(enabled=enabled, benchmark=benchmark, benchmark_limit=benchmark_limit, deterministic=deterministic,
             allow_tf32=allow_tf32)
    try:
        yield
    finally:
        g.update(old)
