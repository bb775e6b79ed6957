"""DLPack interchange: tensors from any ``__dlpack__`` producer (NumPy, CuPy, PyTorch, JAX...) sharing memory."""
import enum

import numpy as np

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]


class DLDeviceType(enum.IntEnum):
    kDLCPU = 1
    kDLCUDA = 2
    kDLCUDAHost = 3
    kDLOpenCL = 4
    kDLVulkan = 7
    kDLMetal = 8
    kDLVPI = 9
    kDLROCM = 10
    kDLROCMHost = 11
    kDLExtDev = 12
    kDLCUDAManaged = 13
    kDLOneAPI = 14
    kDLWebGPU = 15
    kDLHexagon = 16
    kDLMAIA = 17


class _Capsule:
    """Lets NumPy consume a bare (legacy) DLPack capsule, which is always host memory here."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (DLDeviceType.kDLCPU, 0)


def to_dlpack(tensor):
    """A DLPack capsule that shares `tensor`'s memory (also for tensors that require grad, as in PyTorch)."""
    return tensor._data.__dlpack__()


def from_dlpack(ext_tensor):
    """A Tensor sharing memory with `ext_tensor`: an object with ``__dlpack__`` or a DLPack capsule.

    >>> a = np.arange(3.0); t = from_dlpack(a); t[0] = 5.0  # a[0] is now 5.0
    """
    from .._device import CPU, device
    from .._dtype import from_numpy_dtype
    from .._tensor import _wrap

    dev = CPU
    if hasattr(ext_tensor, "__dlpack__"):
        kind, index = ext_tensor.__dlpack_device__()
        if kind in (DLDeviceType.kDLCUDA, DLDeviceType.kDLCUDAManaged):
            from ..backends import cuda
            arr, dev = cuda.xp().from_dlpack(ext_tensor), device("cuda", index)
        elif kind in (DLDeviceType.kDLCPU, DLDeviceType.kDLCUDAHost):
            arr = np.from_dlpack(ext_tensor)
        else:
            raise RuntimeError(f"from_dlpack: ember has no backend for DLPack device type {int(kind)}")
    else:
        try:
            arr = np.from_dlpack(_Capsule(ext_tensor))
        except (TypeError, ValueError, BufferError):
            raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor capsules can be "
                               "consumed only once, so you might have already constructed a tensor from it "
                               "once.") from None
    from_numpy_dtype(arr.dtype)  # refuses dtypes a Tensor cannot hold
    if any(s < 0 for s in arr.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a "
                         "copy of your array  with array.copy().) ")
    return _wrap(arr, dev)
