"""ember: PyTorch's API, written in Python on NumPy.

    import ember as torch
    x = torch.randn(3, requires_grad=True)
    (x * x).sum().backward()
"""
__version__ = "0.1.0"

import warnings as _warnings

# NumPy warns on log(0), 0/0 and overflow; PyTorch never does (nan/inf are values). Only ember's own frames.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\.")

from . import _dtype
from ._dtype import *  # noqa: F401,F403  (dtype objects, promotion, finfo/iinfo)
from ._device import device
from ._size import Size
from ._layout import (strided, sparse_coo, sparse_csr, contiguous_format, channels_last, channels_last_3d,
                      preserve_format, layout, memory_format)
from ._tensor import Tensor
from ._factory_defaults import get_default_device, set_default_device
from ._creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, zeros_like, ones_like,
                        empty_like, full_like, empty_strided, scalar_tensor, arange, range_ as range)
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled)
from .ops.core import (add, sub, sub as subtract, mul, mul as multiply, div, div as divide, neg, neg as negative,
                       neg_, neg_ as negative_, clone, sum, as_strided, as_strided_scatter, reshape)
from .ops import core as _core_ops
from .ops.pointwise import *  # noqa: F401,F403
from .ops.reduce import *  # noqa: F401,F403
from .ops.movement import *  # noqa: F401,F403
from .ops.indexing import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.creation import *  # noqa: F401,F403
from ._random import *  # noqa: F401,F403
from ._legacy_types import *  # noqa: F401,F403

from ._tensor_str import set_printoptions  # noqa: E402
from .utils.dlpack import from_dlpack, to_dlpack  # noqa: E402
from . import autograd  # noqa: E402
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled, set_detect_anomaly as set_anomaly_enabled  # noqa: E402,F401
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled  # noqa: E402
from . import func  # noqa: E402


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_storage(obj):
    from ._storage import UntypedStorage
    return isinstance(obj, UntypedStorage)


def numel(input):
    return input.numel()


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


_LAZY_SUBMODULES = {"nn", "optim", "utils", "linalg", "fft", "special", "testing", "cuda", "accelerator", "version",
                    "backends", "func", "random", "multiprocessing", "distributions", "amp", "jit", "onnx",
                    "profiler", "compiler", "serialization", "hub", "library", "overrides", "types", "return_types"}


def __getattr__(name):
    # heavy or optional submodules load on first use, so `import ember` stays fast
    if name in _LAZY_SUBMODULES:
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'torch' has no attribute '{name}' (ember does not provide torch.{name} yet)")
