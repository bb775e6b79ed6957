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


# torch.backends.cuda flags: settable, and honest about not being built with CUDA here
import types as _types

matmul = _types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                                allow_bf16_reduced_precision_reduction=True, fp32_precision="none")
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built():
    """True when CuPy (ember's CUDA backend) is importable."""
    try:
        import cupy  # noqa: F401
    except ImportError:
        return False
    return True


def _sdp_pair(kind):
    def enabled():
        return _sdp[kind]

    def enable(flag):
        _sdp[kind] = bool(flag)
    return enabled, enable


flash_sdp_enabled, enable_flash_sdp = _sdp_pair("flash")
mem_efficient_sdp_enabled, enable_mem_efficient_sdp = _sdp_pair("mem_efficient")
math_sdp_enabled, enable_math_sdp = _sdp_pair("math")
cudnn_sdp_enabled, enable_cudnn_sdp = _sdp_pair("cudnn")
