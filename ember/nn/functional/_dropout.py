"""Dropout functionals: dropout, dropout1d/2d/3d (channel-wise), alpha_dropout, feature_alpha_dropout.

As PyTorch's CPU kernel: a Bernoulli(1 - p) mask from ember's default
generator (so ember.manual_seed makes it reproducible), scaled by 1 / (1 - p)
and multiplied in.  The mask is one primitive's attribute, not a saved tensor,
so backward multiplies by the same mask and the input is not kept alive.  In
eval mode, with p = 0 or on an empty tensor the input itself is returned.
"""
import math
import warnings

import numpy as np

from ..._tensor import _wrap
from ...ops.registry import _pt_name, apply, apply_inplace, defop

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766  # -selu_scale * selu_alpha: the value SELU saturates to


def _mask_fwd(xp, x, keep, scale, shift):
    out = xp.multiply(x, keep, dtype=x.dtype)
    out *= x.dtype.type(scale)
    if shift is not None:
        out += shift
    return out


def _mask_bw(g, out, x, keep, scale, shift):
    xp = g._device.xp
    return g * _wrap(xp.multiply(keep, scale, dtype=g._data.dtype), g._device)


def _bernoulli_keep(xp, shape, q):
    """Bool array, True with probability q: 32 raw random bits per element (about 2x faster than drawing floats)."""
    from ..._random import _rng
    n = int(np.prod(shape))
    bits = _rng(None).bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n].reshape(shape)
    return xp.asarray(bits < np.uint32(min(int(q * 2 ** 32), 2 ** 32 - 1)))


# fmt: off
_DROPOUT = defop("dropout", _mask_fwd, _mask_bw, inputs=False, node="MulBackward0")
# fmt: on


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_impl(input, p, train, inplace, feature, alpha):
    """PyTorch's _dropout_impl: the shared body of every dropout variant."""
    if p == 0 or not train or input.numel() == 0:
        return input
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if input.dtype._category < 2:
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_pt_name(input.dtype)}")
    x = input._data
    xp = input._device.xp
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    if p == 1:
        keep, scale, shift = xp.zeros((), bool), 0.0, None
    else:
        keep = _bernoulli_keep(xp, shape, 1 - p)
        if alpha:
            a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
            # x * keep * a + b with b = (keep - 1) alpha a + alpha a p
            shift = xp.asarray((keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p).astype(x.dtype)
            scale = a
        else:
            scale, shift = 1.0 / (1 - p), None
    if inplace:
        return apply_inplace(_DROPOUT, input, keep=keep, scale=scale, shift=shift)
    return apply(_DROPOUT, input, keep=keep, scale=scale, shift=shift)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p)."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, False, False)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped elements take SELU's negative saturation value, mean/var are kept."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, False, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, True, True)


def _feature_dropout(input, p, training, inplace, batched):
    if not batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _dropout_impl(input, p, training, inplace, True, False)
    if not batched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (N, C, L) or (C, L) with probability p."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, input.ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) with probability p (3-D input is treated as (N, C, L), as PyTorch)."""
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result "
                      "in an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p."""
    _check_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will result "
                      "in an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, input.ndim == 5)



# ---------------------------------------------------------------------------
# torch.<name> spellings (positional `train`, in-place twins), for ember.__getattr__ via TORCH_NAMESPACE

def _native_dropout(input, p, train):
    """torch.native_dropout: (output, bool keep mask); the mask is all True when not training."""
    from ... import bool as _bool
    from ... import ones_like
    if train is False or (train is None and not input.requires_grad) or p == 0:
        return input.clone(), ones_like(input, dtype=_bool)
    x = input._data
    xp = input._device.xp
    keep = xp.zeros(x.shape, bool) if p == 1 else _bernoulli_keep(xp, x.shape, 1 - p)
    out = apply(_DROPOUT, input, keep=keep, scale=0.0 if p == 1 else 1.0 / (1 - p), shift=None)
    return out, _wrap(keep, input._device)


def _torch_feature_dropout(input, p, train, inplace=False):
    """torch.feature_dropout: channel masks over dims (0, 1) of any input with 2+ dims, no warnings."""
    _check_p(p)
    return _dropout_impl(input, p, train, inplace, True, False)


TORCH_NAMESPACE = {
    "native_dropout": _native_dropout,
    "dropout_": lambda input, p, train: dropout(input, p, train, True),
    "alpha_dropout_": lambda input, p, train: alpha_dropout(input, p, train, True),
    "feature_dropout": _torch_feature_dropout,
    "feature_dropout_": lambda input, p, train: _torch_feature_dropout(input, p, train, True),
    "feature_alpha_dropout_": lambda input, p, train: feature_alpha_dropout(input, p, train, True),
}
