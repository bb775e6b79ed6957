"""ember.backends.mps: Apple's Metal backend is not part of ember."""
__all__ = ["is_available", "is_built", "is_macos13_or_newer", "is_macos_or_newer"]


def is_built():
    """Whether ember was built with MPS support (no)."""
    return False


def is_available():
    """Whether MPS can be used (never in ember)."""
    return False


def is_macos_or_newer(major, minor):
    raise RuntimeError("Cannot execute isOnMacOSorNewer() without MPS backend.")


def is_macos13_or_newer(minor=0):
    return is_macos_or_newer(13, minor)
