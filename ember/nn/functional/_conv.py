"""N-d convolution as three primitives closed under differentiation.

conv(x, w, b)         the forward: windows of x (a strided view, no copy) contracted with w in one GEMM, plus b
conv_transpose(g, w)  the adjoint of conv in x: scatter-adds g (x) w back onto x's positions
conv_weight(x, g)     the adjoint of conv in w: windows of x contracted with g

Each one's VJP is written with the other two, so gradients of any order work:
  d conv           = (conv_transpose(g, w), conv_weight(x, g))
  d conv_transpose = (conv(h, w), conv_weight(h, g))
  d conv_weight    = (conv_transpose(g, v), conv(x, v))
Padding is zeros here; other padding modes pad explicitly first (F.pad).
"""
import itertools
import math
import os
import threading

import numpy as np

from ...autograd.graph import needs_input_grad
from ...ops.registry import apply, defop

# NOTE [ Stride-1 convolution on the flattened padded grid ]
# With stride 1, every kernel tap is a constant shift of the zero-padded input
# flattened per (channel, sample): out[p] = sum_k w_k . xpad[p + off_k], for p
# on the padded grid (out_sp[0] rows of full padded width; the columns past each
# output row are garbage and dropped).  So im2col is K contiguous slice copies
# into a (C, K, B, L) buffer and each of conv / conv_weight / conv_transpose is
# one large GEMM, instead of tensordot's copy of a 2N-d strided window view.
# The batch goes through in chunks of B samples: each chunk's buffers stay in
# cache between the copies and the GEMM, and stay small for large inputs.

_BLAS = (np.dtype(np.float32), np.dtype(np.float64))
_MIN_COLUMNS = 2048  # GEMM columns per chunk: enough to amortise the per-chunk Python and BLAS call cost
_MAX_CHUNK = 4 << 20  # bytes of im2col buffer per chunk (beyond one sample)


def _fast(xp, x, w, stride, groups):
    return (xp is np and groups == 1 and x.dtype == w.dtype and x.dtype in _BLAS and all(s == 1 for s in stride)
            and x.size and w.size)


_WORK = threading.local()
_MAX_CACHED = 64 << 20  # bytes of work buffers kept per thread


def _scratch(role, shape, dtype):
    """A reused per-thread work buffer: fresh multi-MB arrays cost more in page faults than the GEMM.

    Made zero; callers either overwrite what they read or write the same region every time (so the rest stays
    zero): `role` must pin that region down."""
    size = math.prod(shape) * dtype.itemsize
    if size > _MAX_CACHED // 4:  # big convs: the GEMM dwarfs the page faults
        return np.zeros(shape, dtype=dtype)
    cache = _WORK.__dict__.setdefault("buffers", {})
    key = (role, shape, dtype)
    a = cache.pop(key, None)
    if a is None:
        a = np.zeros(shape, dtype=dtype)
        while cache and sum(b.nbytes for b in cache.values()) + size > _MAX_CACHED:
            del cache[next(iter(cache))]  # least recently used first
    cache[key] = a  # most recently used last
    return a


class _Grid:
    """Geometry of a stride-1 convolution of `x_shape` on the flattened padded grid, and its batch chunks."""

    def __init__(self, x_shape, k, padding, dilation):
        self.x_shape, self.padding = tuple(x_shape), tuple(padding)
        self.padded = tuple(s + 2 * p for s, p in zip(x_shape[2:], padding))
        self.out_sp = tuple(pp - d * (kk - 1) for pp, d, kk in zip(self.padded, dilation, k))
        flat_strides = [math.prod(self.padded[i + 1:]) for i in range(len(self.padded))]
        self.offsets = [sum(o * d * st for o, d, st in zip(off, dilation, flat_strides)) for off in np.ndindex(*k)]
        self.total = math.prod(self.padded)
        self.length = self.out_sp[0] * flat_strides[0]                     # L
        self.width = max(self.total, self.offsets[-1] + self.length)     # the last tap reads past the grid
        n, c = x_shape[:2]
        per_sample = c * len(self.offsets) * self.length * 8
        self.chunk = max(1, min(n, -(-_MIN_COLUMNS // self.length), _MAX_CHUNK // per_sample))

    def chunks(self):
        n = self.x_shape[0]
        return [(s, min(n, s + self.chunk)) for s in range(0, n, self.chunk)]

    def interior(self, b):
        """Index of the input's positions in a (C, B, *padded) buffer."""
        return (slice(None), slice(0, b)) + tuple(slice(p, p + s) for p, s in zip(self.padding, self.x_shape[2:]))

    def on_grid(self, a):
        """(..., L) on the padded grid -> (..., *out_sp) view without the garbage columns."""
        a = a.reshape(a.shape[:-1] + (self.out_sp[0],) + self.padded[1:])
        return a[(Ellipsis,) + tuple(slice(0, m) for m in self.out_sp[1:])]

    def cols(self, x, s, e):
        """im2col of samples s:e of x, as (C, K, e - s, L)."""
        c, b = x.shape[1], e - s
        key = ("pad", self.x_shape[1:], self.padding, self.chunk)   # fixes the interior written, borders stay 0
        buf = _scratch(key, (c, self.chunk, self.width), x.dtype)
        buf[:, :, :self.total].reshape((c, self.chunk) + self.padded)[self.interior(b)] = x[s:e].swapaxes(0, 1)
        cols = _scratch("cols", (c, len(self.offsets), self.chunk, self.length), x.dtype)[:, :, :b]
        for i, off in enumerate(self.offsets):
            cols[:, i] = buf[:, :b, off:off + self.length]
        return cols

    def grid(self, g, s, e):
        """Samples s:e of g (N, O, *out_sp) as (O, e - s, L) on the padded grid, zeros in the garbage columns."""
        o = g.shape[1]
        key = ("grid", self.padded, self.out_sp, self.chunk)
        buf = _scratch(key, (o, self.chunk, self.length), g.dtype)[:, :e - s]
        self.on_grid(buf)[...] = g[s:e].swapaxes(0, 1)
        return buf

    def zero_garbage(self, a):
        """Zero the garbage columns of `a` (..., L) in place."""
        grid = a.reshape(a.shape[:-1] + (self.out_sp[0],) + self.padded[1:])
        nd = len(self.out_sp)
        for i in range(1, nd):
            grid[(Ellipsis, slice(self.out_sp[i], None)) + (slice(None),) * (nd - 1 - i)] = 0


# NOTE [ Batch-parallel kernels ]
# NumPy's copies and ufuncs run on one core, BLAS on all of them. The fast conv
# and max-pool kernels split the batch into one contiguous part per thread
# (ember.get_num_threads()) and run the parts on worker threads: NumPy and BLAS
# release the GIL, each thread has its own scratch buffers, each part writes its
# own slice of the output, and partial sums are added in a fixed order, so the
# result does not depend on scheduling.  Small work stays on the calling thread.
# While the parts run, NumPy's OpenBLAS is held to one thread (as PyTorch runs
# no nested parallelism): its own threads would only contend with the parts
# for the cores and spin-wait, which on a busy machine costs several times the
# work.  That needs threadpoolctl and OpenBLAS; without them it all runs serially.

_PARALLEL = {"pid": None, "executor": None, "threads": None, "blas": None, "depth": 0, "saved": None,
             "lock": threading.Lock()}
_MIN_PARALLEL = 1 << 18  # elements of work below which threads cost more than they save


def _num_threads():
    if not _openblas():
        return 1
    from ... import _settings
    n = _settings._state["threads"]  # set_num_threads; else the BLAS pool's size, asked once (threadpoolctl is slow)
    if n is None:
        n = _PARALLEL["threads"]
        if n is None:
            n = _PARALLEL["threads"] = _settings.get_num_threads()
    return n


def _openblas():
    """threadpoolctl's controllers of the loaded OpenBLAS libraries (none without threadpoolctl)."""
    if _PARALLEL["blas"] is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _PARALLEL["blas"] = []
        else:
            _PARALLEL["blas"] = [c for c in ThreadpoolController().lib_controllers if c.internal_api == "openblas"]
    return _PARALLEL["blas"]


def _hold_blas(enter):
    """Enter or leave a parallel region: OpenBLAS runs on one thread while any region is open."""
    libs = _openblas()
    with _PARALLEL["lock"]:
        if enter:
            if _PARALLEL["depth"] == 0:
                _PARALLEL["saved"] = [lib.get_num_threads() for lib in libs]
                for lib in libs:
                    lib.set_num_threads(1)
            _PARALLEL["depth"] += 1
        else:
            _PARALLEL["depth"] -= 1
            if _PARALLEL["depth"] == 0:
                for lib, n in zip(libs, _PARALLEL["saved"]):
                    lib.set_num_threads(n)


def parallel_parts(n, work):
    """Split range(n) into contiguous (start, stop) parts, one per thread when `work` (elements) is worth it."""
    parts = max(1, min(n, _num_threads())) if work >= _MIN_PARALLEL else 1
    return list(itertools.pairwise([n * i // parts for i in range(parts + 1)]))


def run_parallel(fn, parts):
    """[fn(*part) for part in parts], the parts after the first on worker threads (see the NOTE above)."""
    if len(parts) < 2:
        return [fn(*p) for p in parts]
    if _PARALLEL["pid"] != os.getpid() or _PARALLEL["executor"]._max_workers < len(parts) - 1:
        from concurrent.futures import ThreadPoolExecutor  # a forked child cannot use its parent's threads
        _PARALLEL["executor"] = ThreadPoolExecutor(len(parts) - 1, thread_name_prefix="ember-kernel")
        _PARALLEL["pid"] = os.getpid()
    from concurrent.futures import wait
    _hold_blas(True)
    futures = []
    try:
        futures = [_PARALLEL["executor"].submit(fn, *p) for p in parts[1:]]
        first = fn(*parts[0])
    finally:
        wait(futures)  # no part may still be writing when this returns or raises
        _hold_blas(False)
    return [first] + [f.result() for f in futures]


def run_batch(xp, fn, n, work):
    """fn(start, stop) over contiguous parts of range(n): on threads for NumPy arrays, else in one call."""
    return run_parallel(fn, parallel_parts(n, work) if xp is np else [(0, n)])


def _chunk_parts(grid, work):
    """The grid's chunks, grouped into one contiguous list per thread; `work`: elements of im2col columns."""
    chunks = grid.chunks()
    return [(chunks[a:b],) for a, b in parallel_parts(len(chunks), work)]


def _conv_forward_fast(x, w, b, padding, dilation):
    grid = _Grid(x.shape, w.shape[2:], padding, dilation)
    n, o = x.shape[0], w.shape[0]
    out = np.empty((n, o) + grid.out_sp, dtype=x.dtype)
    wm = w.reshape(o, -1)

    def part(chunks):
        for s, e in chunks:
            cols = grid.cols(x, s, e)
            y = _scratch("y", (o, grid.chunk * grid.length), x.dtype)[:, :(e - s) * grid.length]
            np.matmul(wm, cols.reshape(wm.shape[1], -1), out=y)
            if b is not None:
                y += b[:, None]  # on the cached GEMM output: cheaper than a separate op on the result
            out[s:e] = grid.on_grid(y.reshape(o, e - s, grid.length)).swapaxes(0, 1)
    run_parallel(part, _chunk_parts(grid, n * wm.shape[1] * grid.length))
    return out


def _conv_weight_fast(x, g, padding, dilation, weight_shape):
    grid = _Grid(x.shape, tuple(weight_shape[2:]), padding, dilation)
    o = weight_shape[0]
    rows = math.prod(weight_shape[1:])
    finite = np.isfinite(x).all()

    def part(chunks):
        dw = np.zeros((rows, o), dtype=x.dtype)  # (C*K, O): the faster GEMM orientation here
        step = np.empty_like(dw)
        for s, e in chunks:
            cols = grid.cols(x, s, e)
            if not finite:  # garbage columns meet zeros of g: keep 0 * inf out of the sum
                grid.zero_garbage(cols)
            np.matmul(cols.reshape(rows, -1), grid.grid(g, s, e).reshape(o, -1).T, out=step)
            dw += step
        return dw
    parts = run_parallel(part, _chunk_parts(grid, x.shape[0] * rows * grid.length))
    return np.ascontiguousarray(sum(parts[1:], parts[0]).T).reshape(tuple(weight_shape))


def _conv_transpose_fast(g, w, padding, dilation, input_shape):
    grid = _Grid(input_shape, w.shape[2:], padding, dilation)
    o, c = w.shape[:2]
    k = len(grid.offsets)
    finite = np.isfinite(w).all()
    wt = w.reshape(o, -1).T
    dx = np.empty(tuple(input_shape), dtype=g.dtype)
    crop = (slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(padding, input_shape[2:]))

    def part(chunks):
        for s, e in chunks:
            b = e - s
            cols = _scratch("tcols", (c * k, grid.chunk * grid.length), g.dtype)[:, :b * grid.length]
            np.matmul(wt, grid.grid(g, s, e).reshape(o, -1), out=cols)
            cols = cols.reshape(c, k, b, grid.length)
            if not finite:  # garbage columns were w * 0: keep 0 * inf out of real positions
                grid.zero_garbage(cols)
            acc = _scratch("acc", (c, grid.chunk, grid.width), g.dtype)[:, :b]
            acc[...] = 0
            for i, off in enumerate(grid.offsets):  # col2im: each tap adds its shifted columns back
                acc[:, :, off:off + grid.length] += cols[:, i]
            dx[s:e] = acc[:, :, :grid.total].reshape((c, b) + grid.padded)[crop].swapaxes(0, 1)
    run_parallel(part, _chunk_parts(grid, g.shape[0] * c * k * grid.length))
    return dx


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


def _conv_forward(xp, x, w, b, stride, padding, dilation, groups):
    if _fast(xp, x, w, stride, groups):
        return _conv_forward_fast(x, w, b, padding, dilation)
    y = _conv_nobias(xp, x, w, stride, padding, dilation, groups)
    if b is not None:
        y += b.reshape((-1,) + (1,) * (w.ndim - 2))
    return y


def _einsum(xp, eq, *ops):
    """einsum for every dtype: NumPy has none for half types, so they contract in float32 and round back."""
    dtype = np.result_type(*ops)
    if dtype.itemsize == 2 and dtype.kind not in "iu":
        return xp.einsum(eq, *(o.astype(np.float32) for o in ops), optimize=True).astype(dtype)
    return xp.einsum(eq, *ops, optimize=True)


def _conv_nobias(xp, x, w, stride, padding, dilation, groups):
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
    y = _einsum(xp, f"ngc{sp}{kk},goc{kk}->ngo{sp}", win, wg)
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
    cols = _einsum(xp, f"ngo{sp},goc{kk}->ngc{sp}{kk}", gg, wg).reshape((n, c) + out_sp + k)
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
    gw = _einsum(xp, f"ngo{sp},ngc{sp}{kk}->goc{kk}", g.reshape((n, groups, og) + out_sp),
                   win.reshape((n, groups, cg) + out_sp + k))
    return gw.reshape(tuple(weight_shape))


# fmt: off
_CONV = defop("convolution", _conv_forward,
              lambda g, out, x, w, b, stride, padding, dilation, groups: (
                  conv_transpose_nd(g, w, stride, padding, dilation, groups, tuple(x.shape)) if needs_input_grad(0) else None,
                  conv_weight_nd(x, g, stride, padding, dilation, groups, tuple(w.shape)) if needs_input_grad(1) else None,
                  g.sum([0] + list(range(2, g.ndim))) if needs_input_grad(2) else None))
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


def conv_nd(x, w, stride, padding, dilation, groups, bias=None):
    return apply(_CONV, x, w, bias, stride=tuple(stride), padding=tuple(padding), dilation=tuple(dilation),
                 groups=groups)


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
        raise RuntimeError("weight should have at least three dimensions" if w.ndim < 3 else
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


_SCALAR_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
                 "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                 "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
                 "complex128": "c10::complex<double>"}


def _scalar_name(dtype):
    """PyTorch's C++ spelling of a dtype, as its convolution checks print it."""
    name = str(dtype).replace("torch.", "")
    return _SCALAR_NAMES.get(name, name)


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
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"Input type ({_scalar_name(input.dtype)}) and bias type ({_scalar_name(bias.dtype)}) "
                           "should be the same")
    _check_conv(input, weight, nd, groups)
    if bias is not None and tuple(bias.shape) != tuple(weight.shape[:1]):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead")
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
    out = conv_nd(input, weight, stride, padding, dilation, groups, bias)
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
