"""Loss functions.

Primitives: cross_entropy over class indices (log_softmax and nll fused, one NumPy pass), nll_loss and
ctc_loss (log-space forward-backward vectorised over the batch, PyTorch's gradient formula).  Everything else
composes ember ops, following ATen's formulas so values and gradients match PyTorch's.
"""
import math
import warnings

import numpy as np

import ember

from ... import _dtype
from ..._tensor import Tensor, _wrap
from ...autograd import grad_mode
from ...ops.registry import _pt_name, apply, autocast_policy, defop
from ._distance import pairwise_distance

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "ctc_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "linear_cross_entropy",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]


# ---------------------------------------------------------------------------
# reductions (torch.nn._reduction)

def _legacy_reduction(size_average, reduce, emit_warning=True):
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                      stacklevel=3)
    return ret


def _reduction(size_average, reduce, reduction):
    """The reduction string, after the legacy size_average/reduce pair and PyTorch's validation."""
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.", stacklevel=3)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_broadcast(a, b):
    """PyTorch's message for operands that do not broadcast (trailing dimensions compared first)."""
    for i, (x, y) in enumerate(zip(reversed(tuple(a.shape)), reversed(tuple(b.shape)))):
        if x != y and x != 1 and y != 1:
            dim = max(a.ndim, b.ndim) - 1 - i
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                               f"dimension {dim}")


def _warn_size(input, target):
    _check_broadcast(input, target)
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)


def _const(a, like):
    return _wrap(a, like._device)


# ---------------------------------------------------------------------------
# pointwise regression losses

def _weighted(loss, weight, input, reduction, mean_over_weight):
    """The `weight=` path of l1/mse/huber (plain Python in PyTorch, with its own messages)."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean_over_weight else loss.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


@autocast_policy("fp32")  # on PyTorch's CPU autocast float32 list
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = (input - target).abs()
    if weight is not None:
        return _weighted(loss, weight, input, reduction, True)
    return _reduce(loss, _reduction(None, None, reduction))


@autocast_policy("fp32")
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    if not ember.result_type(input, target).is_floating_point and not input.dtype.is_complex:
        raise NotImplementedError(f'"mse_cpu" not implemented for \'{_pt_name(ember.result_type(input, target))}\'')
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    d = input - target
    loss = d * d
    if weight is not None:
        return _weighted(loss, weight, input, reduction, True)
    return _reduce(loss, _reduction(None, None, reduction))


@autocast_policy("fp32")
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return _reduce((input - target).abs(), reduction)
    d = (input - target).abs()
    return _reduce(ember.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


@autocast_policy("fp32")
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _warn_size(input, target)
    if weight is None:
        reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = (input - target).abs()
    loss = ember.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    if weight is not None:
        return _weighted(loss, weight, input, reduction, False)
    return _reduce(loss, reduction)


@autocast_policy("fp32")
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ember.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):  # homoscedastic: one variance per sample
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # clamped for stability without cutting the gradient (PyTorch clamps a clone in place under no_grad)
    var = var + (var.detach().clamp(min=eps) - var.detach())
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


@autocast_policy("fp32")
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if reduction != "batchmean":
        reduction = _reduction(None, None, reduction)
    loss = target.exp() * (target - input) if log_target else ember.xlogy(target, target) - target * input
    if reduction == "batchmean":
        out = loss.sum()
        return out / input.shape[0] if input.ndim else out
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------
# binary classification

@autocast_policy("fp32")
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_pt_name(target.dtype)} but expected {_pt_name(input.dtype)}")
    _no_grad_arg(weight, "binary_cross_entropy", "weight")
    if input.dtype._category < 2:
        raise RuntimeError(f'"binary_cross_entropy" not implemented for \'{_pt_name(input.dtype)}\'')
    data = input._data
    if data.size and not bool(((data >= 0) & (data <= 1)).all()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    # log is clamped to >= -100 so that a confident wrong answer costs 100, not inf (as ATen does)
    loss = -(target * input.log().clamp_min(-100) + (1 - target) * (1 - input).log().clamp_min(-100))
    if weight is not None:
        loss = loss * weight.expand(ember.broadcast_shapes(target.shape, weight.shape))
        if loss.dtype is not input.dtype:  # ATen's kernel writes into an output of the input's dtype
            loss = loss.to(input.dtype)
    return _reduce(loss, reduction)


@autocast_policy("fp32")
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _no_grad_arg(weight, "binary_cross_entropy_with_logits", "weight")
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"result type {_pt_name(input.dtype)} can't be cast to the desired output type "
                           f"{_pt_name(target.dtype)}")
    # log(1 + exp(-|x|)) + max(-x, 0) is log(1 + exp(-x)) without overflow
    softplus_neg = (-input.abs()).exp().log1p() + (-input).clamp_min(0)
    if pos_weight is not None:
        loss = (1 - target) * input + ((pos_weight - 1) * target + 1) * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        _check_broadcast(loss, weight)
        loss = loss * weight
    if tuple(loss.shape) != tuple(input.shape):  # ATen writes into an output of the input's shape
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast shape "
                           f"{list(loss.shape)}")
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------
# nll_loss and cross_entropy: one primitive each over class indices
#
# Both compute l_i = -sum_c q_ic * logp_ic with a constant "target distribution" q built from the target, the
# class weights, ignore_index and label smoothing; 'mean' divides by the total weight of non-ignored targets.
# The target and weight travel as attrs (xp arrays), so the graph keeps alive only what the VJP reads.

def _flat(xp, x, cdim):
    """(N, C, d1, ...) -> (N*d1*..., C); (C,) -> (1, C)."""
    rows = math.prod(x.shape[:cdim] + x.shape[cdim + 1:])  # not -1: there may be no classes
    return xp.moveaxis(x, cdim, -1).reshape(rows, x.shape[cdim])


def _unflat(xp, a, shape, cdim):
    moved = shape[:cdim] + shape[cdim + 1:] + (shape[cdim],)
    return xp.moveaxis(a.reshape(moved), -1, cdim)


def _picked_weights(xp, t, weight, ignore_index, dtype):
    """Per-target weight (0 where ignored) and the targets with ignored ones replaced by class 0."""
    valid = t != ignore_index
    tc = xp.where(valid, t, 0)
    w = valid.astype(dtype) if weight is None else xp.where(valid, weight[tc], 0).astype(dtype)
    return w, tc


def _finish_loss(xp, rows, w, reduction, tshape, dtype):
    if reduction == "none":
        return rows.reshape(tshape).astype(dtype)
    total = rows.sum()
    if reduction == "sum":
        return xp.asarray(total, dtype=dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return xp.asarray(total / w.sum(), dtype=dtype)


def _acc(dtype):
    return np.float64 if dtype == np.float64 else np.float32


def _nll_forward(xp, x, target, weight, ignore_index, reduction, cdim, shape):
    acc = _acc(x.dtype)
    lp = _flat(xp, x, cdim).astype(acc, copy=False)
    t = target.reshape(-1)
    w, tc = _picked_weights(xp, t, weight, ignore_index, acc)
    rows = -w * xp.take_along_axis(lp, tc[:, None], axis=1)[:, 0]
    return _finish_loss(xp, rows, w, reduction, target.shape, x.dtype)


def _q_matrix(xp, shape, cdim, target, weight, ignore_index, label_smoothing, reduction, dtype):
    """The constant q (input's shape) with the 'mean' denominator folded in, and its row sums (target's shape)."""
    n_classes = shape[cdim]
    t = target.reshape(-1)
    w, tc = _picked_weights(xp, t, weight, ignore_index, dtype)
    q = xp.zeros((t.size, n_classes), dtype=dtype)
    q[xp.arange(t.size), tc] = (1 - label_smoothing) * w
    rowsum = (1 - label_smoothing) * w
    if label_smoothing:
        wc = xp.ones(n_classes, dtype=dtype) if weight is None else weight.astype(dtype)
        valid = (t != ignore_index).astype(dtype)
        q += (label_smoothing / n_classes) * valid[:, None] * wc[None, :]
        rowsum = rowsum + (label_smoothing / n_classes) * valid * wc.sum()
    denom = w.sum()
    if reduction == "mean" and denom != 0:  # all targets ignored: the loss is nan but the gradient is zero
        q, rowsum = q / denom, rowsum / denom
    return _unflat(xp, q, tuple(shape), cdim), rowsum.reshape(target.shape)


def _grad_scale(g, reduction, cdim, ndim):
    """g broadcast against the input: unsqueezed at the class dim for reduction='none'."""
    return g.unsqueeze(cdim) if reduction == "none" and ndim > 1 else g


def _nll_vjp(g, out, x, target, weight, ignore_index, reduction, cdim, shape):
    # linear in the input: the VJP needs only its shape, so the input is not kept alive
    xp = g._device.xp
    q, _ = _q_matrix(xp, shape, cdim, target, weight, ignore_index, 0.0, reduction, g._data.dtype)
    return -_const(q, g) * _grad_scale(g, reduction, cdim, len(shape)), None


def _shifted_exp(xp, z):
    """(exp(z - rowmax), rowmax) for the rows of z: one fresh full-size array."""
    m = z.max(axis=1, keepdims=True)
    e = xp.subtract(z, m)
    xp.exp(e, out=e)
    return e, m


def _cross_entropy_forward(xp, x, target, weight, ignore_index, label_smoothing, reduction, cdim):
    # logp_ic = z_ic - lse_i is never materialised: the loss reads it at the targets and, with label
    # smoothing, through its row sums sum_c wc_c logp_ic = z @ wc - lse_i * sum(wc)
    acc = _acc(x.dtype)
    z = _flat(xp, x, cdim).astype(acc, copy=False)
    t = target.reshape(-1)
    w, tc = _picked_weights(xp, t, weight, ignore_index, acc)
    if z.shape[1] == 0:  # no classes: every target is ignored (any other was refused), each row's loss is 0
        return _finish_loss(xp, xp.zeros(t.shape, dtype=acc), w, reduction, target.shape, x.dtype)
    e, m = _shifted_exp(xp, z)
    lse = xp.log(e.sum(axis=1)) + m[:, 0]
    rows = -(1 - label_smoothing) * w * (xp.take_along_axis(z, tc[:, None], axis=1)[:, 0] - lse)
    if label_smoothing:
        if weight is None:
            smooth = z.sum(axis=1) - z.shape[1] * lse
        else:
            wc = weight.astype(acc)
            smooth = z @ wc - lse * wc.sum()
        rows = rows - (label_smoothing / x.shape[cdim]) * (t != ignore_index) * smooth
    return _finish_loss(xp, rows, w, reduction, target.shape, x.dtype)


def _cross_entropy_grad(xp, g, x, target, weight, ignore_index, label_smoothing, reduction, cdim):
    """The first-order VJP in NumPy: s_i (softmax_ic rowsum(q)_i - q_ic), written into the softmax's buffer."""
    acc = _acc(x.dtype)
    if x.size == 0:
        return xp.zeros(x.shape, dtype=x.dtype)
    z = _flat(xp, x, cdim).astype(acc, copy=False)
    n, n_classes = z.shape
    t = target.reshape(-1)
    w, tc = _picked_weights(xp, t, weight, ignore_index, acc)
    s = g.astype(acc).reshape(-1) if reduction == "none" else g.astype(acc).reshape(())
    if reduction == "mean":
        denom = w.sum()
        if denom != 0:  # all targets ignored: the loss is nan but the gradient is zero (w is all 0)
            s = s / denom
    s = xp.broadcast_to(s, (n,))
    hard = s * (1 - label_smoothing) * w  # s_i q_ic at the target, smoothing aside
    if label_smoothing:
        valid = (t != ignore_index).astype(acc)
        wc = xp.ones(n_classes, dtype=acc) if weight is None else weight.astype(acc)
        soft = s * (label_smoothing / n_classes) * valid  # s_i q_ic = soft_i wc_c off the target
        r = hard + soft * wc.sum()
    else:
        r = hard
    p, _ = _shifted_exp(xp, z)
    p *= (r / p.sum(axis=1))[:, None]  # the softmax times r
    p[xp.arange(n), tc] -= hard
    if label_smoothing:
        if weight is None:
            p -= soft[:, None]
        else:
            p -= soft[:, None] * wc[None, :]
    return _unflat(xp, p.astype(x.dtype, copy=False), tuple(x.shape), cdim)


def _cross_entropy_vjp(g, out, x, target, weight, ignore_index, label_smoothing, reduction, cdim):
    # d/dx_ic of -sum_c q_ic logp_ic = softmax_ic * sum_c q_ic - q_ic
    xp = g._device.xp
    if not grad_mode._state.enabled:  # a first-order backward builds no graph: NumPy, one full-size array
        return _wrap(_cross_entropy_grad(xp, g._data, x._data, target, weight, ignore_index, label_smoothing,
                                         reduction, cdim), g._device), None
    q, rowsum = _q_matrix(xp, x.shape, cdim, target, weight, ignore_index, label_smoothing, reduction,
                          x._data.dtype)
    rowsum = _const(rowsum, g)
    if x.ndim > 1:
        rowsum = rowsum.unsqueeze(cdim)
    return (x.softmax(cdim) * rowsum - _const(q, g)) * _grad_scale(g, reduction, cdim, x.ndim), None


# fmt: off
_NLL_LOSS      = defop("nll_loss",      _nll_forward,           _nll_vjp,           inputs=False, node="NllLossBackward0")
_CROSS_ENTROPY = defop("cross_entropy", _cross_entropy_forward, _cross_entropy_vjp, inputs=True,
                       node="CrossEntropyLossBackward0")
# fmt: on


def _no_grad_arg(t, fn, name):
    """PyTorch's kernels have no derivative for class weights (and a few targets): refuse, as it does."""
    if t is not None and t.requires_grad and ember.is_grad_enabled():
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{name}'. This input "
                           "cannot have requires_grad True.")


def _check_class_target(input, target, weight, ignore_index):
    """PyTorch's checks for class-index targets; returns the target and the class weights as xp arrays."""
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if input.ndim == 1:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.ndim == 1 and target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
        target = target.reshape(())
    elif target.ndim >= 1 and target.shape[0] != input.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    elif input.ndim == 2 and target.ndim != 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif input.ndim > 2 and tuple(target.shape) != tuple(input.shape[:1]) + tuple(input.shape[2:]):
        want = list(input.shape[:1]) + list(input.shape[2:])
        raise RuntimeError(f"Expected target size {want}, got {list(target.shape)}")
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_pt_name(target.dtype)}")
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes but "
                           f"got weight tensor of shape: {list(weight.shape)}")
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_pt_name(input.dtype)} but found {_pt_name(weight.dtype)}")
    _no_grad_arg(weight, "nll_loss_forward" if input.ndim <= 2 else "nll_loss2d_forward", "weight")
    t = target._data.astype(np.int64, copy=False)
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].reshape(-1)[0])} is out of bounds.")
    w = None if weight is None else weight._data.astype(np.float64 if input.dtype is _dtype.float64 else np.float32)
    return t, w


@autocast_policy("fp32")
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if input.dtype._category < 2:
        kernel = "nll_loss_out_frame" if input.ndim <= 2 else "nll_loss2d_forward_out_frame"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_pt_name(input.dtype)}\'')
    t, w = _check_class_target(input, target, weight, ignore_index)
    return apply(_NLL_LOSS, input, target=t, weight=w, ignore_index=ignore_index, reduction=reduction,
                 cdim=0 if input.ndim == 1 else 1, shape=tuple(input.shape))


@autocast_policy("fp32")
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    cdim = 0 if input.ndim == 1 else 1
    if input.dtype._category < 2:
        kernel = "lastdim_kernel_impl" if input.ndim <= 2 else "kernel_impl"
        raise NotImplementedError(f'"log_softmax_{kernel}" not implemented for \'{_pt_name(input.dtype)}\'')
    if tuple(target.shape) == tuple(input.shape) and input.ndim:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, cdim)
    t, w = _check_class_target(input, target, weight, ignore_index)
    return apply(_CROSS_ENTROPY, input, target=t, weight=w, ignore_index=ignore_index,
                 label_smoothing=max(float(label_smoothing), 0.0), reduction=reduction, cdim=cdim)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target).

    PyTorch's `options` select a batch-chunked kernel with the same values; ember always takes the reference path."""
    from ._linear import linear
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    batches, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions (in_features), got "
                           f"{input.shape[-1]} and {linear_weight.shape[-1]}, respectively")
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires "
                           f"batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = (*batches, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    if out_features:
        linear_weight = linear_weight.reshape(math.prod(out_features, start=num_classes), in_features)
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(math.prod(out_features, start=num_classes))
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index, label_smoothing=label_smoothing)


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing, cdim):
    """Class probabilities as the target: a composite (the target may require grad)."""
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{_pt_name(target.dtype)}")
    n_classes = input.shape[cdim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = input.log_softmax(cdim) * target
    if weight is not None:
        if weight.numel() != n_classes:
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes "
                               f"but got weight tensor of shape: {list(weight.shape)}")
        prod = prod * weight.reshape([n_classes] + [1] * (input.ndim - cdim - 1))
    loss = -prod.sum(cdim)
    if reduction == "mean":  # over the batch elements, not the classes
        return loss.sum() / (input.numel() // n_classes)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------------
# ctc_loss: alpha-beta in log space, vectorised over the batch, one Python loop over time

def _ctc_tables(xp, lp, targets, input_lengths, target_lengths, blank):
    T, N, _C = lp.shape
    s_max = int(target_lengths.max()) if N else 0
    L = 2 * s_max + 1
    ext = xp.full((N, L), blank, dtype=np.int64)
    if targets.ndim == 2:
        ext[:, 1::2] = targets[:, :s_max]
    else:  # concatenated targets
        starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
        for n in range(N):
            ext[n, 1:2 * target_lengths[n]:2] = targets[starts[n]:starts[n] + target_lengths[n]]
    lpe = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (T, N, L)), axis=2)
    skip = xp.zeros((N, L), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    lengths = 2 * target_lengths + 1
    valid = xp.arange(L)[None, :] < lengths[:, None]
    return ext, lpe, skip, valid, lengths


def _ctc_alpha_beta(xp, lp, targets, input_lengths, target_lengths, blank, need_beta):
    T, N, C = lp.shape
    ext, lpe, skip, valid, lengths = _ctc_tables(xp, lp, targets, input_lengths, target_lengths, blank)
    L = ext.shape[1]
    ninf = -np.inf
    alpha = xp.full((T, N, L), ninf, dtype=lp.dtype)
    if T:
        alpha[0, :, 0] = lpe[0, :, 0]
        if L > 1:
            alpha[0, :, 1] = xp.where(target_lengths > 0, lpe[0, :, 1], ninf)
    for t in range(1, T):
        prev = alpha[t - 1]
        a = prev.copy()
        a[:, 1:] = xp.logaddexp(prev[:, 1:], prev[:, :-1])
        a[:, 2:] = xp.where(skip[:, 2:], xp.logaddexp(a[:, 2:], prev[:, :-2]), a[:, 2:])
        alpha[t] = xp.where(valid, a + lpe[t], ninf)
    n_idx = xp.arange(N)
    last_t = xp.maximum(input_lengths - 1, 0)
    end = alpha[last_t, n_idx]                                        # (N, L)
    ll = xp.take_along_axis(end, (lengths - 1)[:, None], axis=1)[:, 0]
    prev_end = xp.take_along_axis(end, xp.maximum(lengths - 2, 0)[:, None], axis=1)[:, 0]
    ll = xp.where(lengths > 1, xp.logaddexp(ll, prev_end), ll)
    nll = -ll
    if not need_beta:
        return nll, None
    beta = xp.full((T, N, L), ninf, dtype=lp.dtype)
    init = xp.full((N, L), ninf, dtype=lp.dtype)
    init[n_idx, lengths - 1] = lpe[last_t, n_idx, lengths - 1]
    two = lengths > 1
    init[n_idx[two], lengths[two] - 2] = lpe[last_t[two], n_idx[two], lengths[two] - 2]
    for t in range(T - 1, -1, -1):
        if t + 1 < T:
            nxt = beta[t + 1]
            b = nxt.copy()
            b[:, :-1] = xp.logaddexp(nxt[:, :-1], nxt[:, 1:])
            b[:, :-2] = xp.where(skip[:, 2:], xp.logaddexp(b[:, :-2], nxt[:, 2:]), b[:, :-2])
            b = xp.where(valid, b + lpe[t], ninf)
        else:
            b = xp.full((N, L), ninf, dtype=lp.dtype)
        b = xp.where((t == last_t)[:, None], init, b)
        beta[t] = xp.where((t > last_t)[:, None], ninf, b)
    # log of the summed occupation alpha*beta per (t, n, class): add over the extended positions of each class
    lcab = alpha + beta
    m = lcab.max(axis=2, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    onehot = (ext[:, :, None] == xp.arange(C)[None, None, :]).astype(lp.dtype)
    occ = xp.einsum("tnl,nlc->tnc", xp.exp(lcab - m), onehot)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gamma = xp.exp(xp.log(occ) + m + nll[None, :, None] - lp)
        grad = xp.exp(lp) - gamma
    grad = xp.where((xp.arange(T)[:, None] < input_lengths[None, :])[:, :, None], grad, 0)
    return nll, grad


def _ctc_forward(xp, lp, targets, input_lengths, target_lengths, blank, zero_infinity):
    acc = _acc(lp.dtype)
    nll, _grad = _ctc_alpha_beta(xp, lp.astype(acc, copy=False), targets, input_lengths, target_lengths, blank,
                                need_beta=False)
    if zero_infinity:
        nll = xp.where(xp.isinf(nll), 0, nll)
    return nll.astype(lp.dtype)


def _ctc_vjp(g, out, lp, targets, input_lengths, target_lengths, blank, zero_infinity):
    # PyTorch's formula: exp(lp) - occupation/p, the gradient for log_probs that came from log_softmax
    xp = g._device.xp
    acc = _acc(lp._data.dtype)
    nll, grad = _ctc_alpha_beta(xp, lp._data.astype(acc, copy=False), targets, input_lengths, target_lengths, blank,
                                need_beta=True)
    if zero_infinity:
        grad = xp.where(xp.isinf(nll)[None, :, None], 0, grad)
    return _const(grad.astype(lp._data.dtype), g) * g.reshape(1, -1, 1)


_CTC_LOSS = defop("ctc_loss", _ctc_forward, _ctc_vjp, inputs=True, node="CtcLossBackward0")


def _lengths(x):
    if isinstance(x, Tensor):
        return x._data.astype(np.int64).reshape(-1)
    return np.asarray(list(x), dtype=np.int64).reshape(-1)


@autocast_policy("fp32")
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    reduction = _reduction(None, None, reduction)
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    il, tl = _lengths(input_lengths), _lengths(target_lengths)
    tg = targets._data.astype(np.int64)  # (N, S) padded, or 1-D: all targets concatenated
    T, N, C = lp.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if il.size != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tl.size != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    where = "(while checking arguments for ctc_loss_allocate_outputs)"
    for name, lengths in (("input_lengths", il), ("target_lengths", tl)):
        if (lengths < 0).any():
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value {lengths.min()} {where}")
    if (il > T).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {il.max()} {where}")
    if tg.ndim == 2 and tl.size and (tl > tg.shape[1]).any():
        raise RuntimeError(f"Expected tensor to have size at least {tl.max()} at dimension 1, but got size "
                           f"{tg.shape[1]} for argument #2 'targets' {where}")
    if tg.ndim == 1 and tg.shape[0] != tl.sum():
        raise RuntimeError(f"Expected tensor to have size {tl.sum()} at dimension 0, but got size {tg.shape[0]} for "
                           f"argument #2 'targets' {where}")
    nll = apply(_CTC_LOSS, lp, targets=tg, input_lengths=il, target_lengths=tl, blank=int(blank),
                zero_infinity=bool(zero_infinity))
    if unbatched:
        nll = nll.squeeze(0)
    if reduction == "mean":
        denom = _const(np.maximum(tl, 1).astype(nll._data.dtype).reshape(nll.shape), nll)
        return (nll / denom).mean()
    return _reduce(nll, reduction)


# ---------------------------------------------------------------------------
# margin and embedding losses (ATen's composites)

@autocast_policy("fp32")
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


@autocast_policy("fp32")
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    zeros = ember.zeros_like(input)
    loss = ember.where(target != 1, (margin - input).clamp_min(0), zeros) + ember.where(target != -1, input, zeros)
    return _reduce(loss, reduction)


@autocast_policy("fp32")
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _no_grad_arg(target, "soft_margin_loss", "target")
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    from ._activation import logsigmoid
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


@autocast_policy("fp32")
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    tdim = target.ndim
    if tdim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if tdim == 1 and not (input1.ndim == 2 and input2.ndim == 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if tdim == 0 and not (input1.ndim == 1 and input2.ndim == 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod = (input1 * input2).sum(tdim)
    denom = (((input1 * input1).sum(tdim) + eps) * ((input2 * input2).sum(tdim) + eps)).sqrt()
    cos = prod / denom
    zeros = ember.zeros_like(cos)
    loss = ember.where(target == 1, 1 - cos, zeros) + ember.where(target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduce(loss, reduction)


def _check_long_target(target):
    if target.dtype is not _dtype.int64:
        raise RuntimeError(f"expected scalar type Long but found {_pt_name(target.dtype)}")


@autocast_policy("fp32")
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    _check_long_target(target)
    _no_grad_arg(weight, "multi_margin_loss", "weight")
    x = input.reshape(1, -1) if input.ndim <= 1 else input
    if x.ndim != 2 or x.shape[1] == 0:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    n, c = x.shape
    t = target.reshape(-1)
    if t.numel() != n:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {list(target.shape)}. Input "
                           f"has shape {list(input.shape)}.")
    td = t._data
    if td.size and (td.min() < 0 or td.max() >= c):
        raise RuntimeError("target out of range")
    xy = x.gather(1, t.reshape(-1, 1))
    z = (margin - xy + x).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t].reshape(-1, 1)
    other = _const((np.arange(c)[None, :] != td[:, None]).astype(x._data.dtype), x)
    loss = (z * other).sum(1) / c
    if input.ndim <= 1 and reduction == "none":
        loss = loss.reshape(target.shape if target.ndim else ())
    return _reduce(loss, reduction)


@autocast_policy("fp32")
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _check_long_target(target)
    x = input.reshape(1, -1) if input.ndim <= 1 else input
    if x.ndim != 2 or tuple(target.reshape(x.shape).shape if target.numel() == x.numel() else target.shape) != \
            tuple(x.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}")
    n, c = x.shape
    td = target._data.reshape(n, c)
    if td.size and (td.min() < -1 or td.max() >= c):
        raise RuntimeError("argument #2 'target' is out of range")
    # targets are the entries before the first -1 of each row
    valid = np.cumprod(td >= 0, axis=1).astype(bool)
    is_target = np.zeros((n, c), dtype=bool)
    rows = np.nonzero(valid)
    is_target[rows[0], td[rows]] = True
    dt = x._data.dtype
    xt = x.gather(1, _const(np.where(valid, td, 0), x))                        # (n, c): x at each target
    pair = _const((valid[:, :, None] & ~is_target[:, None, :]).astype(dt), x)  # (target j, non-target i)
    loss = ((1 - xt.unsqueeze(2) + x.unsqueeze(1)).clamp_min(0) * pair).sum((1, 2)) / c
    if input.ndim <= 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


@autocast_policy("fp32")
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ember.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = ember.minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)
