"""ember.backends.cpu: what the CPU supports, read from NumPy's runtime CPU-feature detection."""
import os

__all__ = ["get_cpu_capability"]

_X86_ORDER = ["DEFAULT", "AVX2", "AVX512"]


def get_cpu_capability():
    """The best vector instruction set of this CPU, named as PyTorch names it.

    One of "AVX512", "AVX2", "VSX", "Z VECTOR" or "DEFAULT" (NumPy's kernels use the same
    instruction sets).  As in PyTorch, ``ATEN_CPU_CAPABILITY`` can lower it.
    """
    import platform
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as features
    machine = platform.machine().lower()
    if machine.startswith("ppc64"):
        return "VSX" if features.get("VSX") else "DEFAULT"
    if machine == "s390x":
        return "Z VECTOR" if features.get("VX") else "DEFAULT"
    if machine not in ("x86_64", "amd64"):
        return "DEFAULT"
    best = "DEFAULT"
    if features.get("AVX2") and features.get("FMA3"):
        best = "AVX2"
    if all(features.get(f) for f in ("AVX512F", "AVX512BW", "AVX512DQ", "AVX512VL", "FMA3")):
        best = "AVX512"
    wanted = os.environ.get("ATEN_CPU_CAPABILITY", "").upper()
    if wanted in _X86_ORDER and _X86_ORDER.index(wanted) < _X86_ORDER.index(best):
        return wanted
    return best
