"""ember.backends.openmp: ember's own kernels do not use OpenMP (BLAS manages its own threads)."""
__all__ = ["is_available"]


def is_available():
    """Whether ember was built with OpenMP (never: it is pure Python over NumPy)."""
    return False
