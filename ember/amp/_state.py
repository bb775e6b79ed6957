"""Autocast's global state, per device type: the torch-level `is_autocast_enabled`/`set_autocast_*` family.

NOTE [ Autocast state ]
PyTorch keeps one enabled flag and one dtype per device type, a shared cache flag and a nesting depth (the
weight-cast cache is cleared when the outermost autocast region exits).  The deprecated cpu/gpu/ipu/xla
variants are thin aliases over the per-device functions, as in torch.
"""
import threading
import warnings

from .. import _dtype

__all__ = [
    "autocast_decrement_nesting",
    "autocast_increment_nesting",
    "clear_autocast_cache",
    "get_autocast_cpu_dtype",
    "get_autocast_dtype",
    "get_autocast_gpu_dtype",
    "get_autocast_ipu_dtype",
    "get_autocast_xla_dtype",
    "is_autocast_cache_enabled",
    "is_autocast_cpu_enabled",
    "is_autocast_enabled",
    "is_autocast_ipu_enabled",
    "is_autocast_xla_enabled",
    "set_autocast_cache_enabled",
    "set_autocast_cpu_dtype",
    "set_autocast_cpu_enabled",
    "set_autocast_dtype",
    "set_autocast_enabled",
    "set_autocast_gpu_dtype",
    "set_autocast_ipu_dtype",
    "set_autocast_ipu_enabled",
    "set_autocast_xla_dtype",
    "set_autocast_xla_enabled",
]

_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_AUTOCAST_DEVICES = ("cpu", "cuda", "xpu", "ipu", "hpu", "xla", "mps", "mtia", "maia", "privateuseone")
_DEFAULT_DTYPE = {"cpu": "bfloat16", "ipu": "float16", "xla": "bfloat16", "hpu": "bfloat16", "mtia": "bfloat16",
                  "maia": "float16"}  # everything else: float16

class _TLS(threading.local):
    """Autocast state is per thread, as in PyTorch."""

    def __init__(self):
        self.enabled = {}        # device type -> bool
        self.dtypes = {}         # device type -> ember dtype
        self.cache_enabled = True
        self.casts = {}          # id(leaf) -> (leaf, its cast)
        self.nesting = 0


_tls = _TLS()


def _check_device(device_type):
    if not isinstance(device_type, str):
        raise TypeError(f"Expected device_type to be a str, but got {type(device_type).__name__}")
    t = device_type.split(":")[0]
    if t not in _DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: "
                           f"{device_type}")
    return t


def is_autocast_enabled(device_type=None):
    """Without a device type, the CUDA flag (PyTorch's legacy meaning); with one, that device's flag."""
    return _tls.enabled.get("cuda" if device_type is None else _check_device(device_type), False)


def set_autocast_enabled(device_type, enabled=None):
    if enabled is None:  # legacy one-argument form: set_autocast_enabled(bool) means CUDA
        device_type, enabled = "cuda", device_type
    _tls.enabled[_check_device(device_type)] = bool(enabled)


def get_autocast_dtype(device_type):
    t = _check_device(device_type)
    d = _tls.dtypes.get(t)
    return d if d is not None else getattr(_dtype, _DEFAULT_DTYPE.get(t, "float16"))


def set_autocast_dtype(device_type, dtype):
    _tls.dtypes[_check_device(device_type)] = dtype


def _deprecated(old, new):
    warnings.warn(f"torch.{old}() is deprecated. Please use torch.{new} instead.", DeprecationWarning, stacklevel=3)


def _variants(device_type):
    def is_enabled():
        _deprecated(f"is_autocast_{name}_enabled", f"is_autocast_enabled('{device_type}')")
        return is_autocast_enabled(device_type)

    def set_enabled(enabled):
        _deprecated(f"set_autocast_{name}_enabled", f"set_autocast_enabled('{device_type}', enabled)")
        set_autocast_enabled(device_type, enabled)

    def get_dtype():
        _deprecated(f"get_autocast_{name}_dtype", f"get_autocast_dtype('{device_type}')")
        return get_autocast_dtype(device_type)

    def set_dtype(dtype):
        _deprecated(f"set_autocast_{name}_dtype", f"set_autocast_dtype('{device_type}', dtype)")
        set_autocast_dtype(device_type, dtype)

    name = "gpu" if device_type == "cuda" else device_type
    for f, n in ((is_enabled, f"is_autocast_{name}_enabled"), (set_enabled, f"set_autocast_{name}_enabled"),
                 (get_dtype, f"get_autocast_{name}_dtype"), (set_dtype, f"set_autocast_{name}_dtype")):
        f.__name__ = f.__qualname__ = n
    return is_enabled, set_enabled, get_dtype, set_dtype


is_autocast_cpu_enabled, set_autocast_cpu_enabled, get_autocast_cpu_dtype, set_autocast_cpu_dtype = _variants("cpu")
_, _, get_autocast_gpu_dtype, set_autocast_gpu_dtype = _variants("cuda")
is_autocast_ipu_enabled, set_autocast_ipu_enabled, get_autocast_ipu_dtype, set_autocast_ipu_dtype = _variants("ipu")
is_autocast_xla_enabled, set_autocast_xla_enabled, get_autocast_xla_dtype, set_autocast_xla_dtype = _variants("xla")
del _


def is_autocast_cache_enabled():
    return _tls.cache_enabled


def set_autocast_cache_enabled(enabled):
    _tls.cache_enabled = bool(enabled)


def clear_autocast_cache():
    _tls.casts.clear()


def autocast_increment_nesting():
    _tls.nesting += 1
    return _tls.nesting


def autocast_decrement_nesting():
    _tls.nesting -= 1
    return _tls.nesting
