"""ember.backends.mkldnn: torch.backends.mkldnn's flags.

ember's CPU kernels are NumPy and BLAS, never oneDNN, so is_available() is False; the flags are
kept (and settable) so that code which sets them runs unchanged.
"""
import contextlib

__all__ = ["VERBOSE_OFF", "VERBOSE_ON", "VERBOSE_ON_CREATION", "allow_tf32", "deterministic", "enabled", "flags",
           "is_available", "verbose"]

VERBOSE_OFF, VERBOSE_ON, VERBOSE_ON_CREATION = 0, 1, 2
enabled = True
deterministic = False
allow_tf32 = True
fp32_precision = "none"


def is_available():
    """Whether oneDNN (MKL-DNN) kernels are used (never in ember)."""
    return False


class verbose:
    """On-demand oneDNN verbosity (`with verbose(VERBOSE_ON): ...`); nothing to print in ember."""

    def __init__(self, level):
        self.level = level

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@contextlib.contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True, fp32_precision="none"):
    """Temporarily set the flags."""
    g = globals()
    names = ("enabled", "deterministic", "allow_tf32", "fp32_precision")
    old = {n: g[n] for n in names}
    g.update(enabled=enabled, deterministic=deterministic, allow_tf32=allow_tf32, fp32_precision=fp32_precision)
    try:
        yield
    finally:
        g.update(old)
