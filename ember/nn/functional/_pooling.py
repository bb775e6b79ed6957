"""Pooling: max/avg are windowed primitives; adaptive, lp and unpool are built on them or on ember ops.

max_pool(x)              loops over the kernel offsets on strided views, keeping the running max and the flat
                         index into each input plane (PyTorch's rule: first max in scan order, NaN wins)
adaptive/fractional max  gather each (variable) window by flat index and argmax within it
max_pool_scatter(g, i)   the VJP of every max-style pool: adds g at flat positions i of each (N, C) plane
max_pool_gather(h, i)    its adjoint (and VJP); the two are closed under differentiation
avg_pool(x)              sums over kernel offsets / divisor; avg_pool_backward is its transpose and vice versa
adaptive_avg_pool        per dim: a reshape+mean when the bins are equal, else a matmul with a bin-averaging matrix
"""
import math

import numpy as np

from ...autograd.graph import needs_input_grad
from ...ops.registry import _pt_name, apply, defop
from ._conv import run_batch

# ---------------------------------------------------------------------------
# geometry

def _out_size(size, k, s, p, d, ceil_mode):
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:  # the last window must start inside the input or left padding
        out -= 1
    return out


def _right_pad(size, out, k, s, p, d):
    return max(0, (out - 1) * s + d * (k - 1) + 1 - size - p)


def _offset_slices(offset, dilation, stride, out_sp):
    return (Ellipsis,) + tuple(slice(o * d, o * d + s * (m - 1) + 1, s)
                               for o, d, s, m in zip(offset, dilation, stride, out_sp))


def _plane_positions(xp, out_sp, in_sp, offset, stride, padding, dilation):
    """Flat index into the input plane of each window's element at `offset` (broadcastable to out_sp)."""
    nd = len(out_sp)
    flat = 0
    plane_stride = 1
    for i in reversed(range(nd)):
        pos = xp.arange(out_sp[i]) * stride[i] - padding[i] + offset[i] * dilation[i]
        flat = flat + (pos * plane_stride).reshape((-1,) + (1,) * (nd - 1 - i))
        plane_stride *= in_sp[i]
    return flat


def _first_valid(xp, out_sp, in_sp, stride, padding, dilation):
    """PyTorch's initial max index: each window's first in-bounds position."""
    nd = len(out_sp)
    flat = 0
    plane_stride = 1
    for i in reversed(range(nd)):
        start = xp.arange(out_sp[i]) * stride[i] - padding[i]
        start = xp.where(start < 0, start + (-start + dilation[i] - 1) // dilation[i] * dilation[i], start)
        flat = flat + (start * plane_stride).reshape((-1,) + (1,) * (nd - 1 - i))
        plane_stride *= in_sp[i]
    return flat


# ---------------------------------------------------------------------------
# primitives

def _max_pool_forward(xp, x, kernel, stride, padding, dilation, ceil_mode):
    in_sp = x.shape[2:]
    out_sp = tuple(_out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(in_sp, kernel, stride, padding, dilation))
    if (stride == kernel and not any(padding) and all(d == 1 for d in dilation) and x.dtype.kind in "fiu"
            and all(m * k <= n for m, k, n in zip(out_sp, kernel, in_sp))):
        return _max_pool_tiles(xp, x, kernel, out_sp)
    fill = -np.inf if x.dtype.kind in "fV" else np.iinfo(x.dtype).min
    widths = [(0, 0), (0, 0)] + [(p, _right_pad(n, m, k, s, p, d))
                                 for n, m, k, s, p, d in zip(in_sp, out_sp, kernel, stride, padding, dilation)]
    xpad = xp.pad(x, widths, constant_values=fill) if any(w != (0, 0) for w in widths) else x
    offsets = list(np.ndindex(*kernel))
    # one copy of the K window taps, one argmax over them (the first maximum, as PyTorch's scan keeps)
    taps = xp.stack([xpad[_offset_slices(o, dilation, stride, out_sp)] for o in offsets])
    arg = xp.argmax(taps, axis=0)
    best = xp.take_along_axis(taps, arg[None], axis=0)[0]
    if x.dtype.kind in "fV":
        nan = xp.isnan(best)
        if nan.any():  # PyTorch's scan lets every NaN replace the maximum: the last NaN wins
            last = len(offsets) - 1 - xp.argmax(xp.isnan(taps[::-1]), axis=0)
            arg = xp.where(nan, last, arg)
    positions = xp.stack([xp.broadcast_to(_plane_positions(xp, out_sp, in_sp, o, stride, padding, dilation), out_sp)
                          for o in offsets]).reshape((len(offsets), 1, 1) + out_sp)
    idx = xp.take_along_axis(positions, arg[None], axis=0)[0]
    # a window whose maximum is the fill value (-inf or padding only) keeps its first in-bounds position
    idx = xp.where(best == fill, _first_valid(xp, out_sp, in_sp, stride, padding, dilation), idx).astype(np.int64)
    return best, idx


def _max_pool_tiles(xp, x, kernel, out_sp):
    """max_pool when the windows tile the input (stride == kernel, no padding or dilation).

    One copy moves each window's K taps onto a leading axis; a running max over them with a strict `>` keeps the
    first maximum in scan order, as PyTorch does, using only contiguous elementwise passes (an argmax over a
    small axis is far slower in NumPy). Batch-parallel: NOTE [ Batch-parallel kernels ] in _conv.py."""
    nd = len(kernel)
    n, c = x.shape[:2]
    in_sp = x.shape[2:]
    crop = x[(Ellipsis,) + tuple(slice(0, m * k) for m, k in zip(out_sp, kernel))]  # floor mode drops the rest
    tiles = crop.reshape((n, c) + sum(((m, k) for m, k in zip(out_sp, kernel)), ()))  # (N, C, o1, k1, o2, k2, ...)
    order = tuple(range(3, 2 + 2 * nd, 2)) + (0, 1) + tuple(range(2, 2 + 2 * nd, 2))
    k = math.prod(kernel)
    offsets, start, plane = 0, 0, 1   # in-plane flat offset of each tap, and of each window's first element
    for i in reversed(range(nd)):
        shape = (-1,) + (1,) * (nd - 1 - i)
        offsets = offsets + (np.arange(kernel[i]) * plane).reshape(shape)
        start = start + (xp.arange(out_sp[i]) * (kernel[i] * plane)).reshape(shape)
        plane *= in_sp[i]
    offsets = xp.asarray(offsets.ravel())
    best = xp.empty((n, c) + out_sp, dtype=x.dtype)
    idx = xp.empty((n, c) + out_sp, dtype=np.int64)

    def part(s, e):
        taps = xp.ascontiguousarray(tiles[s:e].transpose(order)).reshape((k, e - s, c) + out_sp)  # (K, n, C, *out)
        top = best[s:e]
        top[...] = taps[0]
        arg = xp.zeros(top.shape, dtype=np.uint8 if k <= 256 else np.int64)
        for j in range(1, k):
            later = taps[j] > top
            xp.maximum(top, taps[j], out=top)
            xp.maximum(arg, later * arg.dtype.type(j), out=arg)  # the last tap to raise the max wins; no masked write
        if x.dtype.kind == "f" and xp.isnan(top).any():  # PyTorch's scan lets every NaN replace the max: last wins
            nan = xp.isnan(taps)
            arg = xp.where(nan.any(0), k - 1 - xp.argmax(nan[::-1], axis=0), arg)
        where = idx[s:e]
        where[...] = offsets[arg]
        where += start
    run_batch(xp, part, n, x.size)
    return best, idx


def _scatter_forward(xp, g, idx, plane, unique=False):
    n, c = g.shape[:2]
    size = math.prod(plane)
    per_row = math.prod(idx.shape[2:])
    if unique and g.dtype.kind == "f":
        # windows that never overlap hit each position at most once: a plain write, no accumulation
        out = xp.zeros((n, c * size), dtype=g.dtype)

        def part(s, e):
            rows = (e - s) * c
            flat = idx[s:e].reshape(rows, per_row) + (xp.arange(rows) * size)[:, None]
            out[s:e].reshape(rows * size)[flat.ravel()] = g[s:e].ravel()
        run_batch(xp, part, n, 4 * g.size)
        return out.reshape((n, c) + tuple(plane))
    rows = n * c
    flat = (idx.reshape(rows, per_row) + (xp.arange(rows) * size)[:, None]).ravel()
    if g.dtype.kind == "c":
        out = xp.zeros(rows * size, dtype=g.dtype)
        xp.add.at(out, flat, g.ravel())
    else:
        out = xp.bincount(flat, weights=g.ravel().astype(np.float64), minlength=rows * size).astype(g.dtype)
    return out.reshape((n, c) + tuple(plane))


def _gather_forward(xp, h, idx):
    n, c = h.shape[:2]
    flat = h.reshape(n, c, -1)
    return xp.take_along_axis(flat, idx.reshape(n, c, -1), axis=2).reshape(idx.shape)


def _avg_divisor(xp, in_sp, out_sp, kernel, stride, padding, count_include_pad, divisor_override):
    if divisor_override:
        return divisor_override
    div = 1
    nd = len(in_sp)
    for i in range(nd):
        start = xp.arange(out_sp[i]) * stride[i] - padding[i]
        end = xp.minimum(start + kernel[i], in_sp[i] + padding[i])
        if count_include_pad:
            n = end - start
        else:
            n = xp.minimum(end, in_sp[i]) - xp.maximum(start, 0)
        div = div * n.reshape((-1,) + (1,) * (nd - 1 - i))
    return div


def _avg_pool_forward(xp, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    in_sp = x.shape[2:]
    ones = (1,) * len(kernel)
    out_sp = tuple(_out_size(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip(in_sp, kernel, stride, padding))
    widths = [(0, 0), (0, 0)] + [(p, _right_pad(n, m, k, s, p, 1))
                                 for n, m, k, s, p in zip(in_sp, out_sp, kernel, stride, padding)]
    xpad = xp.pad(x, widths) if any(w != (0, 0) for w in widths) else x
    acc = np.float64 if x.dtype.kind in "iub" else x.dtype
    total = xp.zeros(x.shape[:2] + out_sp, dtype=acc)
    for offset in np.ndindex(*kernel):
        total += xpad[_offset_slices(offset, ones, stride, out_sp)]
    div = _avg_divisor(xp, in_sp, out_sp, kernel, stride, padding, count_include_pad, divisor_override)
    if x.dtype.kind in "iub":
        return xp.trunc(total / div).astype(x.dtype)
    total /= xp.asarray(div, dtype=x.dtype) if not isinstance(div, int) else div
    return total


def _avg_pool_backward_forward(xp, g, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override,
                               input_shape):
    in_sp = tuple(input_shape[2:])
    out_sp = g.shape[2:]
    ones = (1,) * len(kernel)
    div = _avg_divisor(xp, in_sp, out_sp, kernel, stride, padding, count_include_pad, divisor_override)
    gd = g / (xp.asarray(div, dtype=g.dtype) if not isinstance(div, int) else div)
    padded = tuple(n + p + _right_pad(n, m, k, s, p, 1) for n, m, k, s, p in zip(in_sp, out_sp, kernel, stride, padding))
    dx = xp.zeros(g.shape[:2] + padded, dtype=g.dtype)
    for offset in np.ndindex(*kernel):
        dx[_offset_slices(offset, ones, stride, out_sp)] += gd
    return dx[(Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(padding, in_sp))]


def _scatter(g, idx, plane, unique=False):
    return apply(_SCATTER, g, idx, plane=tuple(plane), unique=unique)


def _disjoint(kernel, stride, dilation):
    """Do max-pool windows never overlap (each input position in at most one window)?"""
    return all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))


def _gather(h, idx):
    return apply(_GATHER, h, idx)


def _avg_attrs(kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    return {"kernel": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode,
                "count_include_pad": count_include_pad, "divisor_override": divisor_override}


# fmt: off
_MAX_POOL = defop("max_pool", _max_pool_forward,
                  lambda g, out, x, kernel, stride, padding, dilation, ceil_mode: (
                      _scatter(g[0], out[1], x.shape[2:], _disjoint(kernel, stride, dilation)),),
                  output=True, outputs=2, nondiff_outputs=(1,), node="MaxPool2DWithIndicesBackward0")
_SCATTER  = defop("max_pool_scatter", _scatter_forward,
                  lambda h, out, g, idx, plane, unique: (_gather(h, idx) if needs_input_grad(0) else None, None),
                  node="MaxPool2DWithIndicesBackwardBackward0")
_GATHER   = defop("max_pool_gather", _gather_forward,
                  lambda g, out, h, idx: (_scatter(g, idx, h.shape[2:]), None))
_AVG_POOL = defop("avg_pool", _avg_pool_forward,
                  lambda g, out, x, **a: (apply(_AVG_POOL_T, g, input_shape=tuple(x.shape), **a),),
                  node="AvgPool2DBackward0")
_AVG_POOL_T = defop("avg_pool_backward", _avg_pool_backward_forward,
                    lambda h, out, g, input_shape, **a: (apply(_AVG_POOL, h, **a),),
                    inputs=False, node="AvgPool2DBackwardBackward0")
# fmt: on


# ---------------------------------------------------------------------------
# argument handling

def _tuple(v, n, name="kernel_size", fn="max_pool"):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(int(i) for i in v) * n
        if len(v) != n:
            raise RuntimeError(f"{fn}{n}d: {name} must either be a single int, or a tuple of "
                               f"{('one', 'two', 'three')[n - 1]} ints")
        return tuple(int(i) for i in v)
    return (int(v),) * n


def _batched(input, nd, name):
    if input.ndim not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"{name}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                               f"input, but got:{list(input.shape)}")
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    unbatched = input.ndim == nd + 1
    return (input.unsqueeze(0) if unbatched else input), unbatched


def _check_pool(input, kernel, stride, padding, dilation, ceil_mode, nd, name):
    axes = ("T", "H", "W")[3 - nd:]
    if nd == 1 and name == "max_pool1d":
        if kernel[0] <= 0:
            raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {kernel[0]}")
        if stride[0] <= 0:
            raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {stride[0]}")
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(k <= 0 for k in kernel):
        raise RuntimeError("kernel size should be greater than zero, but got " +
                           " ".join(f"k{a}: {k}" for a, k in zip(axes, kernel)))
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero, but got " +
                           " ".join(f"dilation{a}: {d}" for a, d in zip(axes, dilation)))
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    in_sp = input.shape[2:]
    out_sp = [_out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(in_sp, kernel, stride, padding, dilation)]
    if any(o < 1 for o in out_sp):
        c = input.shape[1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + tuple(in_sp)))}). Calculated output size: "
                           f"({'x'.join(map(str, [c] + out_sp))}). Output size is too small")


def _not_implemented(name, dtype):
    raise NotImplementedError(f'"{name}" not implemented for \'{_pt_name(dtype)}\'')


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    x, unbatched = _batched(input, nd, f"max_pool{nd}d")
    if input.dtype.is_complex or input.dtype == _bool() or (
            nd == 1 and not return_indices and not input.dtype.is_floating_point):
        _not_implemented(f"max_pool{nd}d" + ("_impl" if nd == 1 else ""), input.dtype)
    kernel = _tuple(kernel_size, nd)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) else \
        _tuple(stride, nd, "stride")
    padding, dilation = _tuple(padding, nd, "padding"), _tuple(dilation, nd, "dilation")
    _check_pool(x, kernel, stride, padding, dilation, ceil_mode, nd, f"max_pool{nd}d")
    out, idx = apply(_MAX_POOL, x, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                     ceil_mode=bool(ceil_mode))
    if unbatched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return (out, idx) if return_indices else out


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 1)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 3)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def _bool():
    from ... import bool as bool_
    return bool_


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    x, unbatched = _batched(input, nd, f"avg_pool{nd}d")
    from ... import bfloat16, float16, int64
    if input.dtype.is_complex or not (input.dtype.is_floating_point or input.dtype == int64):
        _not_implemented(f"avg_pool{max(nd, 2)}d", input.dtype)
    if nd == 3 and input.dtype in (float16, bfloat16):
        _not_implemented("avg_pool3d_out_frame", input.dtype)
    kernel = _tuple(kernel_size, nd, fn="avg_pool")
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) else \
        _tuple(stride, nd, "stride", "avg_pool")
    padding = _tuple(padding, nd, "padding", "avg_pool")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _check_pool(x, kernel, stride, padding, (1,) * nd, ceil_mode, nd, f"avg_pool{nd}d")
    out = apply(_AVG_POOL, x, **_avg_attrs(kernel, stride, padding, bool(ceil_mode), bool(count_include_pad),
                                           divisor_override))
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3)


# ---------------------------------------------------------------------------
# Lp pooling: PyTorch's formula, (sum over the window of x**p) ** (1/p), via avg_pool

def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, nd):
    kernel = _tuple(kernel_size, nd)
    out = _avg_pool(input.pow(norm_type), kernel, stride, 0, ceil_mode, True, None, nd)
    return (out.sign() * out.abs().relu()).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)


# ---------------------------------------------------------------------------
# adaptive pooling: bin i covers [floor(i*in/out), ceil((i+1)*in/out))

def _bins(n_in, n_out):
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    return start, end


def _adaptive_size(input, output_size, nd, name):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(input.shape)}")
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise RuntimeError(f"{name}(): internal error: output_size.size() must be {nd}")
        sizes = tuple(output_size)
    else:
        sizes = (output_size,) * nd
    if not input.dtype.is_floating_point or input.dtype.is_complex:
        _not_implemented(name, input.dtype)
    in_sp = input.shape[-nd:]
    sizes = tuple(int(n) if s is None else int(s) for s, n in zip(sizes, in_sp))
    for d in range(input.ndim - nd, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {d} being empty")
    return sizes


def _adaptive_avg(input, output_size, nd):
    sizes = _adaptive_size(input, output_size, nd, f"adaptive_avg_pool{nd}d")
    from ... import tensor
    out = input
    for i, m in enumerate(sizes):
        axis = input.ndim - nd + i
        n = input.shape[axis]
        if n % m == 0:  # equal bins: a reshape and a mean
            out = out.unflatten(axis, (m, n // m)).mean(axis + 1)
            continue
        start, end = _bins(n, m)
        cols = np.arange(n)
        weights = ((cols >= start[:, None]) & (cols < end[:, None])) / (end - start)[:, None]
        w = tensor(weights, dtype=input.dtype, device=input.device)
        out = out.movedim(axis, -1).matmul(w.T).movedim(-1, axis)
    return out


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg(input, output_size, 3)


def _adaptive_max_forward(xp, x, sizes):
    """Gather every bin (padded to the widest by repeating its first element) and argmax within it."""
    nd = len(sizes)
    in_sp = x.shape[2:]
    strides, plane = [], 1
    for n in reversed(in_sp):
        strides.insert(0, plane)
        plane *= n
    flat = 0
    for i, (n, m) in enumerate(zip(in_sp, sizes)):
        start, end = _bins(n, m)
        width = int((end - start).max())
        pos = start[:, None] + np.arange(width)
        pos = np.where(pos < end[:, None], pos, start[:, None])  # repeats never beat the first occurrence
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = m, width
        flat = flat + (pos * strides[i]).reshape(shape)
    flat = xp.asarray(flat)
    n, c = x.shape[:2]
    win = x.reshape(n, c, -1)[:, :, flat]                           # (N, C, *out, *width)
    win = win.reshape(win.shape[:2 + nd] + (-1,))
    k = win.argmax(-1) if x.dtype.kind not in "fV" else _nan_argmax(xp, win)
    out = xp.take_along_axis(win, k[..., None], -1)[..., 0]
    idx = xp.take_along_axis(xp.broadcast_to(flat.reshape(flat.shape[:nd] + (-1,)), win.shape), k[..., None], -1)
    return out, idx[..., 0].astype(np.int64)


def _nan_argmax(xp, win):
    k = win.argmax(-1)
    nan = xp.isnan(win)
    if nan.any():  # PyTorch keeps the last NaN
        last = win.shape[-1] - 1 - nan[..., ::-1].argmax(-1)
        k = xp.where(nan.any(-1), last, k)
    return k


_ADAPTIVE_MAX = defop("adaptive_max_pool", _adaptive_max_forward,
                      lambda g, out, x, sizes: (_scatter(g[0], out[1], x.shape[2:]),),
                      output=True, outputs=2, nondiff_outputs=(1,), node="AdaptiveMaxPool2DBackward0")


def _adaptive_max(input, output_size, return_indices, nd):
    sizes = _adaptive_size(input, output_size, nd, f"adaptive_max_pool{nd}d")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == nd + 1 else (input, False)
    out, idx = apply(_ADAPTIVE_MAX, x, sizes=sizes)
    if unbatched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return (out, idx) if return_indices else out


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, True, 1)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, True, 2)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, True, 3)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max(input, output_size, return_indices, 3)


# ---------------------------------------------------------------------------
# fractional max pooling: pseudo-random window starts from `samples` (N, C, nd), PyTorch's interval rule

def _intervals(xp, sample, n_in, n_out, k, dtype):
    """Window starts (N, C, n_out): int((i + u) * alpha) - int(u * alpha), the last one pinned to n_in - k."""
    seq = xp.zeros(sample.shape + (n_out,), dtype=np.int64)
    if n_out > 1:
        alpha = dtype.type(n_in - k) / dtype.type(n_out - 1)
        i = xp.arange(n_out).astype(dtype)
        u = sample.astype(dtype)[..., None]
        seq = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    seq[..., -1] = n_in - k
    return seq


def _fractional_max_forward(xp, x, samples, kernel, sizes):
    nd = len(kernel)
    n, c = x.shape[:2]
    in_sp = x.shape[2:]
    # 2-d samples list (w, h); 3-d samples list (t, h, w)
    order = (1, 0) if nd == 2 else tuple(range(nd))
    dt = samples.dtype  # PyTorch computes the intervals in the input's dtype, rounding each step
    flat, stride = 0, 1
    for i in reversed(range(nd)):
        start = _intervals(xp, samples[:, :, order[i]], in_sp[i], sizes[i], kernel[i], dt)    # (N, C, out_i)
        pos = start[..., None] + xp.arange(kernel[i])                                          # (N, C, out_i, k_i)
        shape = [n, c] + [1] * (2 * nd)
        shape[2 + i], shape[2 + nd + i] = sizes[i], kernel[i]
        flat = flat + (pos * stride).reshape(shape)
        stride *= in_sp[i]
    flat = flat.reshape((n, c) + tuple(sizes) + (math.prod(kernel),))           # (N, C, *out, window)
    win = xp.take_along_axis(x.reshape(n, c, -1), flat.reshape(n, c, -1), axis=2).reshape(flat.shape)
    k = _nan_argmax(xp, win) if x.dtype.kind in "fV" else win.argmax(-1)
    out = xp.take_along_axis(win, k[..., None], -1)[..., 0]
    idx = xp.take_along_axis(flat, k[..., None], -1)[..., 0]
    return out, idx.astype(np.int64)


_FRACTIONAL_MAX = defop("fractional_max_pool", _fractional_max_forward,
                        lambda g, out, x, samples, kernel, sizes: (_scatter(g[0], out[1], x.shape[2:]), None),
                        output=True, outputs=2, nondiff_outputs=(1,), node="FractionalMaxPool2DBackward0")


def _fractional_max(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, nd):
    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if input.ndim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
                         f"{max(input.ndim, 1) - 1}], but got {-nd})")
    if output_size is None:
        if isinstance(output_ratio, (tuple, list)) and len(output_ratio) > nd:
            raise ValueError(f"{name} requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * nd
        output_size = [int(input.shape[-nd + i] * ratio[i]) for i in range(nd)]
    sizes = _tuple(output_size, nd, "output_size")
    kernel = _tuple(kernel_size, nd)
    if input.ndim < nd + 1:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
                         f"{max(input.ndim, 1) - 1}], but got {-nd - 1})")
    if input.ndim > nd + 2:
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == nd + 1 else (input, False)
    for i in range(nd):  # PyTorch's 3-d check is strict, its 2-d one is not
        if sizes[i] + kernel[i] - 1 > x.shape[2 + i] - (nd == 3):
            what = (("height", "width") if nd == 2 else ("time", "height", "width"))[i]
            raise RuntimeError(f"{name}{'_out' if nd == 3 else ''}(): pool {what} {kernel[i]} too large relative to "
                               f"input {what} {x.shape[2 + i]}")
    if _random_samples is None:
        from ... import rand
        _random_samples = rand(x.shape[0], x.shape[1], nd, dtype=input.dtype, device=input.device)
    out, idx = apply(_FRACTIONAL_MAX, x, _random_samples, kernel=kernel, sizes=sizes)
    if unbatched:
        out, idx = out.squeeze(0), idx.squeeze(0)
    return (out, idx) if return_indices else out


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    return _fractional_max(input, kernel_size, output_size, output_ratio, True, _random_samples, 2)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    return _fractional_max(input, kernel_size, output_size, output_ratio, True, _random_samples, 3)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    return _fractional_max(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 2)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    return _fractional_max(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 3)


# ---------------------------------------------------------------------------
# max_unpool: scatter each value to its recorded flat position in a zero plane

def _unpool_output_size(input, kernel, stride, padding, output_size, nd):
    default = [(input.shape[input.ndim - nd + i] - 1) * stride[i] + kernel[i] - 2 * padding[i] for i in range(nd)]
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == nd + 2:
        output_size = output_size[2:]
    elif len(output_size) == nd + 1:
        output_size = output_size[1:]
    if len(output_size) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                         f"length of '{len(output_size)}'")
    for i in range(nd):
        lo, hi = default[i] - stride[i], default[i] + stride[i]
        if not lo < output_size[i] < hi:
            raise ValueError(f'invalid output_size "{output_size}" (dim {i} must be between {lo} and {hi})')
    return output_size


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd):
    kernel = _tuple(kernel_size, nd)
    stride = kernel if stride is None else _tuple(stride, nd)
    padding = _tuple(padding, nd)
    size = [int(s) for s in _unpool_output_size(input, kernel, stride, padding, output_size, nd)]
    lead = tuple(input.shape[:-nd])
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    plane = math.prod(size)
    if indices.numel() and (int(indices.max()) >= plane or int(indices.min()) < 0):
        bad = int(indices.max()) if int(indices.max()) >= plane else int(indices.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size {'x'.join(map(str, size))})")
    from ... import zeros
    out = zeros(lead + (math.prod(size),), dtype=input.dtype, device=input.device)
    out = out.scatter(-1, indices.flatten(-nd), input.flatten(-nd))
    return out.unflatten(-1, tuple(size))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
    "lp_pool1d",
    "lp_pool2d",
    "lp_pool3d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
]


# torch.<name> spellings whose results differ from nn.functional's, for ember.__getattr__ via TORCH_NAMESPACE
TORCH_NAMESPACE = {
    "adaptive_max_pool1d": lambda input, output_size: _adaptive_max(input, output_size, True, 1),
}
