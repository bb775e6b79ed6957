"""ember.backends.mkl: whether Intel MKL does the linear algebra (when NumPy was built against it)."""
__all__ = ["VERBOSE_OFF", "VERBOSE_ON", "is_available", "verbose"]

VERBOSE_OFF, VERBOSE_ON = 0, 1


def is_available():
    """True when NumPy's BLAS/LAPACK is MKL (ember's matrix work runs there)."""
    import numpy as np
    try:
        deps = np.__config__.CONFIG["Build Dependencies"]
    except (AttributeError, KeyError):
        return False
    return any("mkl" in str(deps.get(k, {}).get("name", "")).lower() for k in ("blas", "lapack"))


class verbose:
    """On-demand MKL verbosity (`with verbose(VERBOSE_ON): ...`); nothing to print in ember."""

    def __init__(self, enable):
        self.enable = enable

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
