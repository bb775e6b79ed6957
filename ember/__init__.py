"""ember: PyTorch's API, written in Python on NumPy.

    import ember as torch
    x = torch.randn(3, requires_grad=True)
    (x * x).sum().backward()
"""
__version__ = "0.1.0"

import warnings as _warnings

# NumPy warns on log(0), 0/0 and overflow; PyTorch never does (nan/inf are values). Only ember's own frames.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\.")

from . import _allocator
_allocator.keep_freed_memory()

from . import _dtype  # noqa: E402
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
from .ops.sparse import *  # noqa: F401,F403
from ._random import *  # noqa: F401,F403
from ._legacy_types import *  # noqa: F401,F403
from ._settings import *  # noqa: F401,F403

from ._tensor_str import set_printoptions  # noqa: E402
from .utils.dlpack import from_dlpack, to_dlpack  # noqa: E402
from . import autograd  # noqa: E402


def _share_memory_(self):
    """Tensor.share_memory_: moves the data into shared memory (ember.multiprocessing, loaded on first use)."""
    from . import multiprocessing  # noqa: F401  (registers the real method on Tensor)
    return Tensor.share_memory_(self)


Tensor.share_memory_ = _share_memory_
from .autograd.anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled, set_detect_anomaly as set_anomaly_enabled  # noqa: E402,F401
from . import func  # noqa: E402


def is_tensor(obj, /):
    return isinstance(obj, Tensor)


def is_storage(obj):
    from ._storage import UntypedStorage
    return isinstance(obj, UntypedStorage)


def numel(input):
    return input.numel()


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


_LAZY_SUBMODULES = {"cpu", "futures", "nn", "optim", "utils", "linalg", "fft", "special", "testing", "cuda", "accelerator", "version",
                    "backends", "func", "random", "multiprocessing", "distributions", "amp", "jit", "onnx",
                    "profiler", "compiler", "serialization", "hub", "library", "overrides", "types", "return_types",
                    "fx", "sparse", "classes"}


# top-level names whose modules are not worth loading at import
_LAZY_ATTRS = {"save": ("serialization", "save"), "load": ("serialization", "load"), "autocast": ("amp", "autocast")}
_LAZY_ATTRS.update({n: ("amp._state", n) for n in (
    "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype",
    "is_autocast_cpu_enabled", "set_autocast_cpu_enabled", "get_autocast_cpu_dtype", "set_autocast_cpu_dtype",
    "get_autocast_gpu_dtype", "set_autocast_gpu_dtype", "is_autocast_ipu_enabled", "set_autocast_ipu_enabled",
    "get_autocast_ipu_dtype", "set_autocast_ipu_dtype", "is_autocast_xla_enabled", "set_autocast_xla_enabled",
    "get_autocast_xla_dtype", "set_autocast_xla_dtype", "clear_autocast_cache", "autocast_increment_nesting",
    "autocast_decrement_nesting", "is_autocast_cache_enabled", "set_autocast_cache_enabled")})

# torch.<name> functions that live in nn.functional (loaded with nn on first use)
_FROM_NN_FUNCTIONAL = {
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "conv_tbc",
    "dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_",
    "feature_dropout", "feature_dropout_", "batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
    "embedding", "embedding_bag", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
    "prelu", "selu", "selu_", "celu", "celu_", "rrelu", "rrelu_", "hardshrink", "threshold", "threshold_",
    "kl_div", "ctc_loss", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
    "triplet_margin_loss", "poisson_nll_loss", "binary_cross_entropy_with_logits", "cosine_similarity",
    "pairwise_distance", "pdist", "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d",
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "bilinear", "constant_pad_nd", "grid_sampler", "affine_grid_generator",
}
_NN_TORCH_NAMES = {"native_batch_norm", "native_layer_norm", "embedding_renorm_", "native_group_norm",
                   "native_dropout", "native_norm", "feature_dropout", "feature_dropout_", "grid_sampler_2d",
                   "grid_sampler_3d"}
_NN_NAME = {"constant_pad_nd": "pad", "affine_grid_generator": "affine_grid"}


def __getattr__(name):
    # heavy or optional submodules load on first use, so `import ember` stays fast
    import importlib
    if name in _LAZY_SUBMODULES:
        try:
            return importlib.import_module("." + name, __name__)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise  # a real missing dependency keeps its own message

    if name in _LAZY_ATTRS:
        module, attr = _LAZY_ATTRS[name]
        return getattr(importlib.import_module("." + module, __name__), attr)
    if name in _FROM_NN_FUNCTIONAL or name in _NN_TORCH_NAMES:
        F = importlib.import_module(".nn.functional", __name__)
        if name in F.TORCH_NAMESPACE:
            return F.TORCH_NAMESPACE[name]
        fn = getattr(F, _NN_NAME.get(name, name.rstrip("_") if name.endswith("_") and not hasattr(F, name) else name),
                     None)
        if fn is not None:
            return fn
    raise AttributeError(f"module 'torch' has no attribute '{name}' (ember does not provide torch.{name} yet)")
