"""The one guarded import of CuPy. Everything CUDA asks here whether it can run.

Without CuPy or without a GPU, asking for a CUDA tensor raises the error a
CPU-only PyTorch raises (AssertionError: Torch not compiled with CUDA enabled),
with ember's reason appended.
"""
_cupy = None
_reason = None


def _load():
    global _cupy, _reason
    if _cupy is not None or _reason is not None:
        return _cupy
    try:
        import cupy
    except ImportError:
        _reason = "CuPy is not installed"
        return None
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            _reason = "no CUDA GPU was found"
            return None
    except Exception as e:  # driver missing or broken
        _reason = f"CUDA is not usable: {e}"
        return None
    _cupy = cupy
    return cupy


def is_available():
    return _load() is not None


def device_count():
    cp = _load()
    return cp.cuda.runtime.getDeviceCount() if cp is not None else 0


def check_available():
    if _load() is None:
        raise AssertionError(f"Torch not compiled with CUDA enabled (ember: {_reason})")


def current_device():
    check_available()
    return _cupy.cuda.runtime.getDevice()


def xp():
    check_available()
    return _cupy
