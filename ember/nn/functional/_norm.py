"""Normalization: batch_norm and layer_norm (primitives), group/instance/rms/local-response norms (composites).

NOTE [ Normalization primitives ]
batch_norm and layer_norm are primitives with a fused NumPy forward (one
mean pass, one centring pass, one variance pass without a temporary, then
in-place scaling) that also returns the batch mean and (biased) variance as
non-differentiable outputs.  Their VJPs have two forms of the same formula:
- under create_graph, `_normalize_grad` in ember ops, with the statistics
  recomputed from `x` with ember ops so the double backward sees how they
  depend on `x`;
- otherwise (the usual first-order backward, which builds no graph)
  `_normalize_backward_fused` in NumPy: two reductions and two passes.
The tests compare both against PyTorch (test_double_backward_matches_torch).
"""
import numpy as np

from ... import _dtype
from ..._tensor import _wrap
from ...autograd import grad_mode
from ...autograd.graph import needs_input_grad
from ...ops.registry import apply, defop

__all__ = ["batch_norm", "group_norm", "instance_norm", "layer_norm", "local_response_norm", "rms_norm"]


# ---------------------------------------------------------------------------
# shared kernels (NumPy). Fresh full-size arrays are the main cost here, so each kernel allocates
# as few as it can and works in place on them.

def _acc(dtype):
    """The accumulation dtype of a NumPy float dtype: half types compute in float32, as PyTorch does."""
    return np.dtype(np.float32) if dtype.itemsize == 2 else dtype


def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _sum_prod(xp, a, b, axes):
    """sum(a * b) over `axes` (kept as size-1 dims) without materializing the product."""
    letters = "abcdefghijklmnopqrstuvwxyz"[:a.ndim]
    kept = "".join(c for i, c in enumerate(letters) if i not in axes)
    r = xp.einsum(f"{letters},{letters}->{kept}", a, b)
    return r.reshape(tuple(1 if i in axes else s for i, s in enumerate(a.shape)))


def _normalize_forward(xp, x, w, b, axes, eps, mean=None, var=None):
    """((x - mean) / sqrt(var + eps)) * w + b and the statistics; batch mean/var over `axes` when not given.

    A per-statistic w (batch norm) is folded into rstd (one small product, one pass); any other w (layer norm)
    is applied as its own in-place pass, since rstd * w would be a full-size temporary."""
    xa = x.astype(_acc(x.dtype), copy=False)
    n = _count(x.shape, axes)
    if mean is None:
        if n == 0:
            shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
            mean, var = xp.full(shape, np.nan, dtype=xa.dtype), xp.full(shape, np.nan, dtype=xa.dtype)
        else:
            mean = xa.mean(axis=axes, keepdims=True)
    y = xp.subtract(xa, mean)
    if var is None:
        var = _sum_prod(xp, y, y, axes) / n
    rstd = 1.0 / xp.sqrt(var + eps)
    if w is not None and w.shape == rstd.shape:
        y *= rstd * w
    else:
        y *= rstd
        if w is not None:
            y *= w
    if b is not None:
        y += b
    return y.astype(x.dtype, copy=False), mean, var


def _normalize_backward_fused(xp, g, x, w, mean, var, eps, axes, batch_stats, need_x, per_stat):
    """First-order VJP of `_normalize_forward` in NumPy, used when no graph is being built.

    Returns (gx or None, sum(gh), sum(gh * (x - mean)), rstd), all in the accumulation dtype, where gh = g * w
    for a weight that is not per-statistic and gh = g otherwise.  With xhat = (x - mean) * rstd the input
    gradient under batch statistics, rstd * (gh' - mean(gh') - xhat * mean(gh' * xhat)) for gh' = g * w, is
    expanded to gh' * rstd + x * k2 + k3 with per-statistic k2 and k3: two passes and one temporary."""
    acc = _acc(x.dtype)
    g, x = g.astype(acc, copy=False), x.astype(acc, copy=False)
    rstd = 1.0 / xp.sqrt(var + eps)
    per_stat = per_stat and w is not None  # batch norm: w folds into the per-statistic factors
    gh = g * w if w is not None and not per_stat else g
    sum_gh = gh.sum(axis=axes, keepdims=True)
    dot = _sum_prod(xp, gh, x, axes) - mean * sum_gh
    if not need_x:
        return None, sum_gh, dot, rstd
    scale = rstd * w if per_stat else rstd
    gx = gh * scale if gh is g else xp.multiply(gh, scale, out=gh)
    if batch_stats:
        n = _count(x.shape, axes)
        ws = w if per_stat else 1.0
        k2 = -(rstd ** 3) * dot * ws / n
        k3 = -scale * sum_gh / n - k2 * mean
        gx += x * k2
        gx += k3
    return gx, sum_gh, dot, rstd


def _normalize_grad(gy, x, w, mean, invstd, axes, batch_stats):
    """d/dx of (x - mean) * invstd * w for gy; `batch_stats` says mean/invstd are functions of x over `axes`."""
    xhat = (x - mean) * invstd
    gxhat = gy * w if w is not None else gy
    if not batch_stats:
        return gxhat * invstd, xhat
    gx = (gxhat - gxhat.mean(axes, keepdim=True) - xhat * (gxhat * xhat).mean(axes, keepdim=True)) * invstd
    return gx, xhat


def _float_compute(t):
    """Half tensors take the backward in float32 (the engine casts the gradient back)."""
    return t.float() if t is not None and t._data.dtype.itemsize == 2 else t


def _stats(x, saved_mean, saved_var, axes, eps):
    """(mean, invstd) for the VJP: recomputed differentiably under create_graph, else the saved constants."""
    if grad_mode._state.enabled and x.requires_grad:
        return x.mean(axes, keepdim=True), (x.var(axes, correction=0, keepdim=True) + eps).rsqrt()
    return saved_mean.detach(), (saved_var.detach() + eps).rsqrt()


# ---------------------------------------------------------------------------
# batch_norm: inputs (x, weight, bias, running_mean, running_var), outputs (y, mean, var)

def _bn_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _bn_forward(xp, x, w, b, rm, rv, training, eps):
    shape = _bn_shape(x)
    axes = tuple(i for i in range(x.ndim) if i != 1)
    acc = _acc(x.dtype)
    stats = (None, None) if training else (rm.reshape(shape).astype(acc), rv.reshape(shape).astype(acc))
    y, mean, var = _normalize_forward(xp, x, None if w is None else w.reshape(shape),
                                      None if b is None else b.reshape(shape), axes, eps, *stats)
    return y, mean.reshape(-1), var.reshape(-1)


def _bn_backward(g, out, x, w, b, rm, rv, training, eps):
    gy = g[0]
    if gy is None:
        return None, None, None, None, None
    shape = _bn_shape(x)
    axes = tuple(i for i in range(x.ndim) if i != 1)
    need_x, need_w, need_b = needs_input_grad(0), w is not None and needs_input_grad(1), \
        b is not None and needs_input_grad(2)
    if not grad_mode._state.enabled:  # no graph to build: the fused NumPy VJP
        xp = x._device.xp
        mean, var = (out[1], out[2]) if training else (rm, rv)
        gx, sum_g, dot, rstd = _normalize_backward_fused(
            xp, gy._data, x._data, None if w is None else w._data.reshape(shape), mean._data.reshape(shape),
            var._data.reshape(shape).astype(_acc(x._data.dtype)), eps, axes, training, need_x, True)
        dev = x._device
        return (_wrap(gx, dev) if need_x else None, _wrap((dot * rstd).reshape(-1), dev) if need_w else None,
                _wrap(sum_g.reshape(-1), dev) if need_b else None, None, None)
    x, gy = _float_compute(x), _float_compute(gy)
    wb = None if w is None else _float_compute(w).reshape(shape)
    if training:
        mean, invstd = _stats(x, out[1].reshape(shape), out[2].reshape(shape), axes, eps)
    else:
        mean, invstd = rm.detach().reshape(shape), (rv.detach().reshape(shape) + eps).rsqrt()
    gx, xhat = _normalize_grad(gy, x, wb, mean, invstd, axes, training)
    gw = (gy * xhat).sum(axes) if need_w else None
    gb = gy.sum(axes) if need_b else None
    return (gx if need_x else None), gw, gb, None, None


_BATCH_NORM = defop("batch_norm", _bn_forward, _bn_backward, output=True, outputs=3, nondiff_outputs=(1, 2),
                    node="NativeBatchNormBackward0")


def _pt(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}.get(d.name, d.name)


def _check_float(input, kernel):
    if not input.dtype.is_floating_point:
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}.get(input.dtype.name, input.dtype.name)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def _check_param(input, t, name, n):
    if t is None:
        return
    if t.numel() != n:
        raise RuntimeError(f"{name} should contain {n} elements not {t.numel()}")
    if t.dtype is not input.dtype and not (input.dtype.itemsize == 2 and t.dtype is _dtype.float32):
        raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of {_pt(input.dtype)}")


def _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps):
    """The batch_norm primitive plus the in-place running-statistics update (no checks)."""
    use_batch = training or running_mean is None
    # in training the running stats are updated in place below, so the primitive must not save them
    stats = (None, None) if use_batch else (running_mean, running_var)
    y, mean, var = apply(_BATCH_NORM, input, weight, bias, *stats, training=use_batch, eps=eps)
    n = input.numel() // max(input.shape[1], 1)
    if use_batch and running_mean is not None and momentum and n:  # an empty batch leaves them alone
        with grad_mode.no_grad():
            running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype), alpha=momentum)
            unbiased = var * (n / (n - 1)) if n > 1 else var
            running_var.mul_(1 - momentum).add_(unbiased.to(running_var.dtype), alpha=momentum)
    return y, mean, var


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    """Batch normalization over every dim but the channel dim 1; updates the running stats in place in training."""
    if training:
        _verify_batch_size(list(input.shape))
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not training and running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    _check_float(input, "batch_norm")
    c = input.shape[1]
    # PyTorch checks the running stats first, so its message names running_mean
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"), (bias, "bias")):
        _check_param(input, t, name, c)
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)[0]


def _verify_batch_size(size):
    if len(size) < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{max(len(size), 1)}, "
                         f"{max(len(size), 1) - 1}], but got 1)")
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {_size(size)}")


def _verify_spatial_size(size):
    prod = 1
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {_size(size)}")


def _size(size):
    return f"torch.Size([{', '.join(str(s) for s in size)}])"


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-05):
    """Normalize each (sample, channel) slice: batch_norm over a (1, N*C, ...) view, as PyTorch does."""
    if use_input_stats:
        _verify_spatial_size(list(input.shape))
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not use_input_stats and running_mean is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    _check_float(input, "batch_norm")
    n, c = input.shape[0], input.shape[1]
    # PyTorch checks the running stats first, so its message names running_mean
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"), (bias, "bias")):
        _check_param(input, t, name, c)
    if not use_input_stats:
        return _batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)[0]
    flat = input.reshape((1, n * c) + tuple(input.shape[2:]))
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    y, mean, var = _batch_norm(flat, None, None, w, b, True, momentum, eps)
    m = flat.numel() // max(n * c, 1)
    if running_mean is not None and momentum and m:
        with grad_mode.no_grad():
            running_mean.mul_(1 - momentum).add_(mean.view(n, c).mean(0).to(running_mean.dtype), alpha=momentum)
            unbiased = var * (m / (m - 1)) if m > 1 else var
            running_var.mul_(1 - momentum).add_(unbiased.view(n, c).mean(0).to(running_var.dtype), alpha=momentum)
    return y.view(input.shape)


# ---------------------------------------------------------------------------
# layer_norm: inputs (x, weight, bias), outputs (y, mean, var) over the last `k` dims

def _ln_forward(xp, x, w, b, k, eps):
    return _normalize_forward(xp, x, w, b, tuple(range(x.ndim - k, x.ndim)), eps)


def _ln_backward(g, out, x, w, b, k, eps):
    gy = g[0]
    if gy is None:
        return None, None, None
    axes = tuple(range(x.ndim - k, x.ndim))
    lead = tuple(range(x.ndim - k))
    need_x, need_w, need_b = needs_input_grad(0), w is not None and needs_input_grad(1), \
        b is not None and needs_input_grad(2)
    if not grad_mode._state.enabled:  # no graph to build: the fused NumPy VJP
        xp = x._device.xp
        gx, _, _, rstd = _normalize_backward_fused(xp, gy._data, x._data, None if w is None else w._data,
                                                   out[1]._data, out[2]._data, eps, axes, True, need_x,
                                                   False)
        gw = gb = None
        # on the (m, n) view, gw_j = sum_i g_ij (x_ij - mean_i) rstd_i without an xhat temporary
        m, n = rstd.size, _count(x.shape, axes)
        g2 = gy._data.astype(rstd.dtype, copy=False).reshape(m, n)
        if need_w:
            r, mean = rstd.reshape(m), out[1]._data.reshape(m)
            gw = xp.einsum("ij,ij,i->j", g2, x._data.astype(rstd.dtype, copy=False).reshape(m, n), r)
            gw -= xp.einsum("ij,i->j", g2, r * mean)
            gw = _wrap(gw.reshape(w.shape), x._device)
        if need_b:
            gb = _wrap(g2.sum(axis=0).reshape(b.shape), x._device)
        return (_wrap(gx, x._device) if need_x else None), gw, gb
    x, gy = _float_compute(x), _float_compute(gy)
    mean, invstd = _stats(x, out[1], out[2], axes, eps)
    gx, xhat = _normalize_grad(gy, x, _float_compute(w), mean, invstd, axes, True)
    gw = _sum_lead(gy * xhat, lead) if need_w else None
    gb = _sum_lead(gy, lead) if need_b else None
    return (gx if need_x else None), gw, gb


def _sum_lead(t, lead):
    return t.sum(lead) if lead else t


_LAYER_NORM = defop("layer_norm", _ln_forward, _ln_backward, output=True, outputs=3, nondiff_outputs=(1, 2),
                    node="NativeLayerNormBackward0")


def _normalized_shape(normalized_shape, fn):
    if isinstance(normalized_shape, (int, np.integer)):
        raise TypeError(f"{fn}(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    return tuple(int(s) for s in normalized_shape)


def _check_normalized(input, shape, weight, bias, comma=", "):
    if len(shape) == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           f"element, but got normalized_shape = {list(shape)}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(shape)}")
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        inner = ", ".join(str(s) for s in shape)
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*{comma}{inner}], but "
                           f"got input of size{list(input.shape)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalize over the trailing `normalized_shape` dims, then scale by weight and shift by bias (elementwise)."""
    shape = _normalized_shape(normalized_shape, "layer_norm")
    _check_normalized(input, shape, weight, bias)
    _check_float(input, "LayerNormKernelImpl")
    return apply(_LAYER_NORM, input, weight, bias, k=len(shape), eps=eps)[0]


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Normalize over groups of channels (and all spatial dims) per sample; affine per channel."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    _verify_batch_size([n * c // num_groups, num_groups] + list(input.shape[2:]))
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    _check_float(input, "GroupNormKernelImpl")
    grouped = input.reshape(n, num_groups, -1)
    y = apply(_LAYER_NORM, grouped, None, None, k=1, eps=eps)[0].view(input.shape)
    shape = (c,) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.view(shape)
    if bias is not None:
        y = y + bias.view(shape)
    return y


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x², trailing dims) + eps) * weight; eps defaults to finfo(input.dtype).eps."""
    shape = _normalized_shape(normalized_shape, "rms_norm")
    _check_normalized(input, shape, weight, None, comma="")
    if eps is None:
        from ... import finfo
        eps = finfo(input.dtype).eps
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    x = _float_compute(input)
    y = x * (x.square().mean(dims, keepdim=True) + eps).rsqrt()
    y = y.to(input.dtype)
    return y * weight if weight is not None else y


def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    """x / (k + alpha/size * sum of x² over `size` neighbouring channels) ** beta."""
    dim = input.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    from ._padding import pad
    c = input.shape[1]
    sq = pad(input * input, [0, 0] * (dim - 2) + [size // 2, (size - 1) // 2])
    div = sq.narrow(1, 0, c)
    for i in range(1, size):
        div = div + sq.narrow(1, i, c)
    div = (div * (alpha / size) + k).pow(beta)
    return input / div



# ---------------------------------------------------------------------------
# torch.* spellings (torch.batch_norm, torch.native_layer_norm, ...): ember/__init__.py adds TORCH_NAMESPACE

def _torch_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _torch_instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                         cudnn_enabled):
    return instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def _torch_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    return layer_norm(input, normalized_shape, weight, bias, eps)


def _torch_group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    return group_norm(input, num_groups, weight, bias, eps)


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """(output, batch mean, batch 1/sqrt(var + eps)); the statistics are empty in evaluation mode."""
    y, mean, var = _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training and running_mean is not None:
        from ... import empty
        return y, empty(0, dtype=input.dtype), empty(0, dtype=input.dtype)
    return y, mean, (var + eps).rsqrt()


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """(output, mean, 1/sqrt(var + eps)), the statistics with size-1 normalized dims."""
    shape = _normalized_shape(normalized_shape, "native_layer_norm")
    _check_normalized(input, shape, weight, bias)
    y, mean, var = apply(_LAYER_NORM, input, weight, bias, k=len(shape), eps=eps)
    return y, mean, (var + eps).rsqrt()


TORCH_NAMESPACE = {
    "batch_norm": _torch_batch_norm, "instance_norm": _torch_instance_norm, "layer_norm": _torch_layer_norm,
    "group_norm": _torch_group_norm, "rms_norm": rms_norm, "native_batch_norm": native_batch_norm,
    "native_layer_norm": native_layer_norm,
}
