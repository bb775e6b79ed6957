"""N-d convolution as three primitives closed under differentiation.

conv(x, w)            the forward: windows of x (a strided view, no copy) contracted with w in one GEMM
conv_transpose(g, w)  the adjoint of conv in x: scatter-adds g (x) w back onto x's positions
conv_weight(x, g)     the adjoint of conv in w: windows of x contracted with g

Each one's VJP is written with the other two, so gradients of any order work:
  d conv           = (conv_transpose(g, w), conv_weight(x, g))
  d conv_transpose = (conv(h, w), conv_weight(h, g))
  d conv_weight    = (conv_transpose(g, v), conv(x, v))
Padding is zeros here; other padding modes pad explicitly first (F.pad).
"""
import math
import threading

import numpy as np

from ...autograd.graph import needs_input_grad
from ...ops.registry import apply, defop


# NOTE [ Stride-1 convolution on the flattened padded grid ]
# With stride 1, every kernel tap is a constant shift of the zero-padded input
# flattened per (channel, sample): out[p] = sum_k w_k . xpad[p + off_k], for p
# on the padded grid (out_sp[0] rows of full padded width; the columns past each
# output row are garbage and dropped).  So im2col is K contiguous slice copies
# into a (C, K, N, L) buffer and each of conv / conv_weight / conv_transpose is
# one large GEMM, instead of tensordot's copy of a 2N-d strided window view.

_BLAS = (np.dtype(np.float32), np.dtype(np.float64))


def _fast(xp, x, w, stride, groups):
    return (xp is np and groups == 1 and x.dtype == w.dtype and x.dtype in _BLAS and all(s == 1 for s in stride)
            and x.size and w.size)


_WORK = threading.local()
_MAX_CACHED = 32 << 20  # bytes; at most 8 buffers are kept per thread


def _scratch(role, shape, dtype, zero):
    """A reused per-thread work buffer: fresh multi-MB arrays cost more in page faults than the GEMM.

    `zero`: the caller needs zeros everywhere; otherwise it overwrites exactly the same region every
    time (so the rest stays as zero as it was made)."""
    if math.prod(shape) * dtype.itemsize > _MAX_CACHED:  # big convs: the GEMM dwarfs the page faults
        return np.zeros(shape, dtype=dtype)
    cache = _WORK.__dict__.setdefault("buffers", {})
    key = (role, shape, dtype)
    a = cache.pop(key, None)
    if a is None:
        a = np.zeros(shape, dtype=dtype)
        if len(cache) >= 8:
            del cache[next(iter(cache))]
    elif zero:
        a.fill(0)
    cache[key] = a  # most recently used last
    return a


def _grid(x_shape, k, padding, dilation):
    """(padded spatial shape, output spatial shape, flat length L of the output grid, flat offsets of the taps)."""
    padded = tuple(s + 2 * p for s, p in zip(x_shape[2:], padding))
    out_sp = tuple(pp - d * (kk - 1) for pp, d, kk in zip(padded, dilation, k))
    flat_strides = [math.prod(padded[i + 1:]) for i in range(len(padded))]
    offsets = [sum(o * d * st for o, d, st in zip(off, dilation, flat_strides)) for off in np.ndindex(*k)]
    return padded, out_sp, out_sp[0] * flat_strides[0], offsets


def _cols(x, k, padding, dilation):
    """im2col of x (N, C, *sp) on the padded grid, as (C, K, N, L) with K = prod(k)."""
    n, c = x.shape[:2]
    padded, out_sp, length, offsets = _grid(x.shape, k, padding, dilation)
    total = math.prod(padded)
    buf = _scratch(("pad", x.shape, padding), (c, n, max(total, offsets[-1] + length)), x.dtype, zero=False)
    interior = (slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(padding, x.shape[2:]))
    buf[:, :, :total].reshape((c, n) + padded)[interior] = x.swapaxes(0, 1)
    cols = _scratch("cols", (c, len(offsets), n, length), x.dtype, zero=False)
    for i, off in enumerate(offsets):
        cols[:, i] = buf[:, :, off:off + length]
    return cols, padded, out_sp


def _on_grid(a, padded, out_sp):
    """(..., L) on the padded grid -> (..., *out_sp) view without the garbage columns."""
    a = a.reshape(a.shape[:-1] + (out_sp[0],) + padded[1:])
    return a[(Ellipsis,) + tuple(slice(0, m) for m in out_sp[1:])]


def _to_grid(g, padded, out_sp):
    """g (N, O, *out_sp) -> (O, N, L) on the padded grid, zeros in the garbage columns."""
    n, o = g.shape[:2]
    grid = _scratch(("grid", g.shape, padded), (o, n, out_sp[0] * math.prod(padded[1:])), g.dtype, zero=False)
    _on_grid(grid, padded, out_sp)[...] = g.swapaxes(0, 1)
    return grid


def _zero_garbage(a, padded, out_sp):
    """Zero the garbage columns of `a` (..., L) in place."""
    grid = a.reshape(a.shape[:-1] + (out_sp[0],) + padded[1:])
    nd = len(out_sp)
    for i in range(1, nd):
        grid[(Ellipsis, slice(out_sp[i], None)) + (slice(None),) * (nd - 1 - i)] = 0


def _conv_forward_fast(x, w, padding, dilation):
    cols, padded, out_sp = _cols(x, w.shape[2:], padding, dilation)
    c, k, n, length = cols.shape
    y = (w.reshape(w.shape[0], -1) @ cols.reshape(c * k, n * length)).reshape(w.shape[0], n, length)
    return np.ascontiguousarray(_on_grid(y, padded, out_sp).swapaxes(0, 1))


def _conv_weight_fast(x, g, padding, dilation, weight_shape):
    cols, padded, out_sp = _cols(x, tuple(weight_shape[2:]), padding, dilation)
    c, k, n, length = cols.shape
    if not np.isfinite(x).all():  # garbage columns meet zeros of g: keep 0 * inf out of the sum
        _zero_garbage(cols, padded, out_sp)
    gg = _to_grid(g, padded, out_sp)
    return (gg.reshape(gg.shape[0], -1) @ cols.reshape(c * k, -1).T).reshape(tuple(weight_shape))


def _conv_transpose_fast(g, w, padding, dilation, input_shape):
    n = g.shape[0]
    o, c = w.shape[:2]
    padded, out_sp, length, offsets = _grid(input_shape, w.shape[2:], padding, dilation)
    gg = _to_grid(g, padded, out_sp)
    cols = (w.reshape(o, -1).T @ gg.reshape(o, -1)).reshape(c, len(offsets), n, length)
    if not np.isfinite(w).all():  # garbage columns were w * 0: keep 0 * inf out of real positions
        _zero_garbage(cols, padded, out_sp)
    total = math.prod(padded)
    buf = _scratch("acc", (c, n, max(total, offsets[-1] + length)), cols.dtype, zero=True)
    for i, off in enumerate(offsets):
        buf[:, :, off:off + length] += cols[:, i]
    crop = (slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(padding, input_shape[2:]))
    return np.ascontiguousarray(buf[:, :, :total].reshape((c, n) + padded)[crop].swapaxes(0, 1))


def _windows(xp, x, k, stride, padding, dilation):
    """(N, C, *spatial) -> strided view (N, C, *out, *k) of the zero-padded input; no copy beyond the pad."""
    nd = len(k)
    if any(padding):
        x = xp.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    extent = tuple(d * (kk - 1) + 1 for kk, d in zip(k, dilation))
    win = np.lib.stride_tricks.sliding_window_view(x, extent, axis=tuple(range(2, 2 + nd)))
    index = (slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride) \
        + tuple(slice(None, None, d) for d in dilation)
    return win[index]


def _conv_forward(xp, x, w, stride, padding, dilation, groups):
    if _fast(xp, x, w, stride, groups):
        return _conv_forward_fast(x, w, padding, dilation)
    nd = w.ndim - 2
    k = w.shape[2:]
    win = _windows(xp, x, k, stride, padding, dilation)          # (N, C, *out, *k)
    n, c = x.shape[:2]
    out_sp = win.shape[2:2 + nd]
    o = w.shape[0]
    if groups == 1:
        # contract C and the kernel axes: one large BLAS call
        y = xp.tensordot(win, w, axes=([1] + list(range(2 + nd, 2 + 2 * nd)), [1] + list(range(2, 2 + nd))))
        return xp.ascontiguousarray(xp.moveaxis(y, -1, 1))      # (N, O, *out)
    cg, og = c // groups, o // groups
    win = win.reshape((n, groups, cg) + out_sp + k)
    wg = w.reshape((groups, og, cg) + k)
    sp = "".join(chr(ord("p") + i) for i in range(nd))
    kk = "".join(chr(ord("h") + i) for i in range(nd))
    y = xp.einsum(f"ngc{sp}{kk},goc{kk}->ngo{sp}", win, wg, optimize=True)
    return y.reshape((n, o) + out_sp)


def _conv_transpose_forward(xp, g, w, stride, padding, dilation, groups, input_shape):
    """Adjoint of conv in x: the gradient of <conv(x, w), g> with respect to x, of shape `input_shape`."""
    if _fast(xp, g, w, stride, groups):
        return _conv_transpose_fast(g, w, padding, dilation, input_shape)
    nd = w.ndim - 2
    k = w.shape[2:]
    n = g.shape[0]
    out_sp = g.shape[2:]
    c = input_shape[1]
    o = w.shape[0]
    cg, og = c // groups, o // groups
    sp = "".join(chr(ord("p") + i) for i in range(nd))
    kk = "".join(chr(ord("h") + i) for i in range(nd))
    gg = g.reshape((n, groups, og) + out_sp)
    wg = w.reshape((groups, og, cg) + k)
    cols = xp.einsum(f"ngo{sp},goc{kk}->ngc{sp}{kk}", gg, wg, optimize=True).reshape((n, c) + out_sp + k)
    padded = tuple(s + 2 * p for s, p in zip(input_shape[2:], padding))
    dx = xp.zeros((n, c) + padded, dtype=np.result_type(g.dtype, w.dtype))
    for offset in np.ndindex(*k):
        target = (slice(None), slice(None)) + tuple(
            slice(o_ * d, o_ * d + s * (m - 1) + 1, s) for o_, d, s, m in zip(offset, dilation, stride, out_sp))
        dx[target] += cols[(Ellipsis,) + offset]
    crop = (slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(padding, input_shape[2:]))
    return dx[crop]


def _conv_weight_forward(xp, x, g, stride, padding, dilation, groups, weight_shape):
    """Adjoint of conv in w: the gradient of <conv(x, w), g> with respect to w."""
    if _fast(xp, x, g, stride, groups):
        return _conv_weight_fast(x, g, padding, dilation, weight_shape)
    nd = len(weight_shape) - 2
    k = tuple(weight_shape[2:])
    win = _windows(xp, x, k, stride, padding, dilation)           # (N, C, *out, *k)
    n, c = x.shape[:2]
    o = weight_shape[0]
    out_sp = g.shape[2:]
    win = win[(slice(None), slice(None)) + tuple(slice(0, m) for m in out_sp)]
    if groups == 1:
        axes_w = [0] + list(range(2, 2 + nd))
        return xp.tensordot(g, win, axes=(axes_w, axes_w))       # (O, C, *k)
    cg, og = c // groups, o // groups
    sp = "".join(chr(ord("p") + i) for i in range(nd))
    kk = "".join(chr(ord("h") + i) for i in range(nd))
    gw = xp.einsum(f"ngo{sp},ngc{sp}{kk}->goc{kk}", g.reshape((n, groups, og) + out_sp),
                   win.reshape((n, groups, cg) + out_sp + k), optimize=True)
    return gw.reshape(tuple(weight_shape))


# fmt: off
_CONV = defop("convolution", _conv_forward,
              lambda g, out, x, w, stride, padding, dilation, groups: (
                  conv_transpose_nd(g, w, stride, padding, dilation, groups, tuple(x.shape)) if needs_input_grad(0) else None,
                  conv_weight_nd(x, g, stride, padding, dilation, groups, tuple(w.shape)) if needs_input_grad(1) else None))
_CONV_T = defop("conv_transpose", _conv_transpose_forward,
                lambda h, out, g, w, stride, padding, dilation, groups, input_shape: (
                    conv_nd(h, w, stride, padding, dilation, groups) if needs_input_grad(0) else None,
                    conv_weight_nd(h, g, stride, padding, dilation, groups, tuple(w.shape)) if needs_input_grad(1) else None),
                node="ConvolutionBackward0")
_CONV_W = defop("conv_weight", _conv_weight_forward,
                lambda v, out, x, g, stride, padding, dilation, groups, weight_shape: (
                    conv_transpose_nd(g, v, stride, padding, dilation, groups, tuple(x.shape)) if needs_input_grad(0) else None,
                    conv_nd(x, v, stride, padding, dilation, groups) if needs_input_grad(1) else None),
                node="ConvolutionBackwardBackward0")
# fmt: on


def conv_nd(x, w, stride, padding, dilation, groups):
    return apply(_CONV, x, w, stride=tuple(stride), padding=tuple(padding), dilation=tuple(dilation), groups=groups)


def conv_transpose_nd(g, w, stride, padding, dilation, groups, input_shape):
    return apply(_CONV_T, g, w, stride=tuple(stride), padding=tuple(padding), dilation=tuple(dilation), groups=groups,
                 input_shape=tuple(input_shape))


def conv_weight_nd(x, g, stride, padding, dilation, groups, weight_shape):
    return apply(_CONV_W, x, g, stride=tuple(stride), padding=tuple(padding), dilation=tuple(dilation), groups=groups,
                 weight_shape=tuple(weight_shape))


# ---------------------------------------------------------------------------
# public functional API

def _tuple(v, n, name):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(v) * n
        if len(v) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match the "
                               f"convolution dimensions, but got {name}={list(v)}")
        return tuple(int(i) for i in v)
    return (int(v),) * n


def _check_conv(x, w, nd, groups, transposed=False):
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv{nd}d, but got input "
                           f"of size: {list(x.shape)}")
    if w.ndim != nd + 2:
        raise RuntimeError(f"weight should have at least three dimensions" if w.ndim < 3 else
                           f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input, but got weight of "
                           f"size {list(w.shape)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    channels = x.shape[1]
    if transposed:
        if channels != w.shape[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {list(w.shape)}, expected input{list(x.shape)} to "
                               f"have {w.shape[0]} channels, but got {channels} channels instead")
    elif channels != w.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(w.shape)}, expected input{list(x.shape)} to "
                           f"have {w.shape[1] * groups} channels, but got {channels} channels instead")
    if x.dtype is not w.dtype:
        raise RuntimeError(f"Input type ({_type_name(x)}) and weight type ({_type_name(w)}) should be the same")


def _type_name(t):
    from ...autograd.graph import _type_name as tn
    return tn(t)


def _same_padding(k, dilation):
    """'same' padding: total = d*(k-1), split with the extra element on the right (PyTorch's rule)."""
    left, right = [], []
    for kk, d in zip(k, dilation):
        total = d * (kk - 1)
        left.append(total // 2)
        right.append(total - total // 2)
    return left, right


def _conv(input, weight, bias, stride, padding, dilation, groups, nd):
    unbatched = input.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    _check_conv(input, weight, nd, groups)
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            left, right = _same_padding(k, dilation)
            if left != right:
                from . import pad as _pad
                widths = []
                for lo, hi in zip(reversed(left), reversed(right)):
                    widths += [lo, hi]
                input = _pad(input, widths)
                padding = (0,) * nd
            else:
                padding = tuple(left)
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
    else:
        padding = _tuple(padding, nd, "padding")
    padded = [s + 2 * p for s, p in zip(input.shape[2:], padding)]
    extent = [d * (kk - 1) + 1 for kk, d in zip(k, dilation)]
    if any(p < e for p, e in zip(padded, extent)):
        raise RuntimeError("Calculated padded input size per channel: ({}). Kernel size: ({}). Kernel size can't be "
                           "greater than actual input size".format(" x ".join(map(str, padded)),
                                                                   " x ".join(map(str, extent))))
    out = conv_nd(input, weight, stride, padding, dilation, groups)
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    unbatched = input.ndim == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    _check_conv(input, weight, nd, groups, transposed=True)
    stride = _tuple(stride, nd, "stride")
    padding = _tuple(padding, nd, "padding")
    output_padding = _tuple(output_padding, nd, "output_padding")
    dilation = _tuple(dilation, nd, "dilation")
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= s and op_ >= d:
            raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                               f"output_padding={list(output_padding)}, stride={list(stride)}, dilation={list(dilation)}")
    k = weight.shape[2:]
    out_sp = tuple((i - 1) * s - 2 * p + d * (kk - 1) + op_ + 1
                   for i, s, p, d, kk, op_ in zip(input.shape[2:], stride, padding, dilation, k, output_padding))
    if any(o <= 0 for o in out_sp):
        raise RuntimeError(f"Given input size per channel: {list(input.shape[2:])}. Calculated output size per "
                           f"channel: {list(out_sp)}. Output size is too small")
    c_out = weight.shape[1] * groups
    out = conv_transpose_nd(input, weight, stride, padding, dilation, groups, (input.shape[0], c_out) + out_sp)
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
