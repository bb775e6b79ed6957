"""Vision functionals: interpolate/upsample, grid_sample/affine_grid, pixel/channel shuffle, fold/unfold.

interpolate is separable: for each spatial dim, PyTorch's source indices and weights are computed in NumPy with
PyTorch's index math (in the input's float precision) and applied with index_select, so autograd comes for free.
fold/unfold are convolutions with one-hot kernels (grouped per channel): exact, and reuse conv's primitives.
"""
import math
import warnings

import numpy as np

from ...ops.registry import _pt_name
from ._conv import conv_nd, conv_transpose_nd
from ._pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_A = -0.75  # PyTorch's bicubic convolution coefficient


# ---------------------------------------------------------------------------
# interpolate

def _scale(n_in, n_out, align_corners, scale, ft):
    if align_corners:
        return ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    return ft(1.0 / scale) if scale is not None and scale > 0 else ft(n_in) / ft(n_out)


def _source(scale, n_out, align_corners, cubic, ft):
    i = np.arange(n_out).astype(ft)
    if align_corners:
        return scale * i
    src = scale * (i + ft(0.5)) - ft(0.5)
    return src if cubic else np.maximum(src, ft(0))


def _nearest_index(n_in, n_out, scale, exact, shortcuts=False):
    if shortcuts and n_out in (n_in, 2 * n_in):  # PyTorch's 2-d nearest kernel copies or shifts in these cases
        return np.arange(n_out) // (n_out // n_in)
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in) / np.float32(n_out)
    i = np.arange(n_out)
    if exact:  # (i + 0.5) is a double in PyTorch's kernel; floorf rounds the product to float first
        src = np.floor(((i + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(i.astype(np.float32) * s)
    return np.minimum(src.astype(np.int64), n_in - 1)


def _taps(mode, n_in, n_out, align_corners, scale, ft, dim):
    """(indices, weights) of shape (taps, n_out): output j = sum_t w[t, j] * input[idx[t, j]]."""
    if mode in ("nearest", "nearest-exact"):
        return _nearest_index(n_in, n_out, scale, mode == "nearest-exact", mode == "nearest" and dim == 2)[None], None
    s = _scale(n_in, n_out, align_corners, scale, ft)
    src = _source(s, n_out, align_corners, mode == "cubic", ft)
    if mode == "linear":
        i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        lam = np.clip(src - i0.astype(ft), 0, 1).astype(ft)
        i1 = i0 + (i0 < n_in - 1)
        return np.stack([i0, i1]), np.stack([ft(1) - lam, lam])
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0.astype(ft)).astype(ft)
    a = ft(_A)

    def conv1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def conv2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    w = np.stack([conv2(t + 1), conv1(t), conv1(1 - t), conv2(2 - t)]).astype(ft)
    idx = np.clip(i0[None] + np.arange(-1, 3)[:, None], 0, n_in - 1)
    return idx, w


def _aa_filter(kind, x):
    x = np.abs(x)
    if kind == "linear":
        return np.maximum(1 - x, 0)
    if kind == "cubic":  # a = -0.5 with antialias (Pillow's choice), -0.75 without
        a = -0.5
        return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                        np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0))
    with np.errstate(invalid="ignore", divide="ignore"):  # lanczos-3 (matches PyTorch in 1-d; unused for now)
        v = 3 * np.sin(np.pi * x) * np.sin(np.pi * x / 3) / (np.pi * np.pi * x * x)
    return np.where(x < 1e-8, 1.0, np.where(x < 3, v, 0.0))


def _aa_taps(kind, n_in, n_out, align_corners, scale, ft):
    """PyTorch's antialiased (Pillow-style) taps: the filter is stretched by the scale when downsampling and the
    weights of each output are normalised to sum to one."""
    s = _scale(n_in, n_out, align_corners, scale, ft)
    half = {"linear": 1.0, "cubic": 2.0, "lanczos": 3.0}[kind]
    support = ft(half * s) if s >= 1 else ft(half)
    invscale = 1.0 / float(s) if s >= 1 else 1.0
    i = np.arange(n_out)
    center = (s * (i + 0.5)).astype(ft).astype(np.float64)
    xmin = np.maximum((center - support + 0.5).astype(np.int64), 0)
    xsize = np.minimum((center + support + 0.5).astype(np.int64), n_in) - xmin
    width = int(xsize.max())
    j = np.arange(width)[:, None]
    w = _aa_filter(kind, ((j + xmin - center + 0.5) * invscale).astype(ft)).astype(ft)
    w = np.where(j < xsize, w, 0)
    total = w.sum(0)
    w = np.where(total != 0, w / np.where(total != 0, total, 1), w).astype(ft)
    return np.minimum(j + xmin, n_in - 1), w


_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3, "lanczos": 2}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {list(input.shape[2:])} and output size of {size}. "
                                 "Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                                 "(o1, o2, ...,oK) format.")
            out_size = [int(s) for s in size]
        else:
            out_size = [int(size)] * dim
    elif scale_factor is not None:
        out_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and scale_factor of shape "
                                 f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        out_size = [math.floor(float(input.shape[i + 2]) * scales[i]) for i in range(dim)]
        scales = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if mode == "lanczos" and input.ndim == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
        # PyTorch 2.13's lanczos output along H does not follow its own 1-d filter (which _aa_taps reproduces)
        raise NotImplementedError("interpolate: mode='lanczos' is not supported by ember")
    if mode not in ("nearest", "nearest-exact", "area") + tuple(_MODE_DIMS) or input.ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})")
    if mode in _MODE_DIMS and _MODE_DIMS[mode] != dim:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_MODE_DIMS[mode] + 2}D input")
    if out_size is None:
        out_size = [math.floor(float(input.shape[i + 2]) * scales[i]) for i in range(dim)]
    if any(s <= 0 for s in out_size):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(map(str, input.shape[2:]))}) output ({', '.join(map(str, out_size))})")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](input, out_size)
    from ... import bfloat16, float16, float64, tensor, uint8
    if not input.dtype.is_floating_point and mode not in ("nearest", "nearest-exact"):
        if input.dtype == uint8:  # PyTorch has a fixed-point uint8 path for images
            raise NotImplementedError(f"interpolate: mode={mode!r} (antialias={antialias}) on uint8 images is not "
                                      "supported by ember; convert to float first")
        raise NotImplementedError(f'"upsample_{mode}{dim}d_out_frame" not implemented for '
                                  f"'{_pt_name(input.dtype)}'")
    if antialias and input.dtype in (float16, bfloat16):
        raise NotImplementedError(f"\"compute_index_ranges_weights\" not implemented for '{_pt_name(input.dtype)}'")
    kind = "cubic" if mode == "bicubic" else "linear" if mode in _MODE_DIMS else mode
    ft = np.float64 if input.dtype == float64 else np.float32
    out = input
    for i in range(dim):
        axis = 2 + i
        scale = None if scales is None else scales[i]
        if antialias:
            idx, w = _aa_taps(kind, input.shape[axis], out_size[i], align_corners, scale, ft)
        else:
            idx, w = _taps(kind, input.shape[axis], out_size[i], align_corners, scale, ft, dim)
        if w is None:
            out = out.index_select(axis, tensor(idx[0], device=input.device))
            continue
        shape = (-1,) + (1,) * (dim - 1 - i)
        acc = None
        for t in range(idx.shape[0]):
            term = out.index_select(axis, tensor(idx[t], device=input.device)) * \
                tensor(w[t], dtype=input.dtype, device=input.device).reshape(shape)
            acc = term if acc is None else acc + term
        out = acc
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------------
# pixel / channel shuffle

def pixel_shuffle(input, upscale_factor):
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if upscale_factor <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {upscale_factor}")
    r = upscale_factor
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if downscale_factor <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {downscale_factor}")
    r = downscale_factor
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)="
                           f"{h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)="
                           f"{w} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    n = input.shape[0]
    rest = tuple(input.shape[2:])
    return input.reshape((n, groups, c // groups) + rest).transpose(1, 2).reshape((n, c) + rest)


# ---------------------------------------------------------------------------
# fold / unfold (im2col / col2im)

def _pair(v, name, fn):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise RuntimeError(f"{fn}(): {name} must be an int or a tuple of 2 ints")
        return tuple(int(i) for i in v)
    return (int(v), int(v))


def _one_hot_kernel(c, k, like):
    from ... import eye
    kk = k[0] * k[1]
    return eye(kk, dtype=like.dtype, device=like.device).reshape(kk, 1, *k).repeat(c, 1, 1, 1)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    k, d = _pair(kernel_size, "kernel_size", "unfold"), _pair(dilation, "dilation", "unfold")
    p, s = _pair(padding, "padding", "unfold"), _pair(stride, "stride", "unfold")
    if input.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
                         f"{max(input.ndim, 1) - 1}], but got 2)")
    if input.ndim != 4 and input.ndim != 3:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got: {list(input.shape)}")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {k[0]} kernel_width: "
                           f"{k[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {d[0]} dilation_width: "
                           f"{d[1]}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = x.shape
    blocks = [(size + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for size, pp, dd, kk, ss in zip((h, w), p, d, k, s)]
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size ({h}, {w}), kernel_size=({k[0]}, {k[1]}), dilation=("
                           f"{d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of sliding "
                           f"blocks as ({blocks[0]}, {blocks[1]}), but its components must be at least one.")
    cols = conv_nd(x, _one_hot_kernel(c, k, x), s, p, d, c)           # (N, C*kh*kw, oh, ow)
    cols = cols.reshape(n, c * k[0] * k[1], blocks[0] * blocks[1])
    return cols.squeeze(0) if unbatched else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    o = _pair(output_size, "output_size", "fold")
    k, d = _pair(kernel_size, "kernel_size", "fold"), _pair(dilation, "dilation", "fold")
    p, s = _pair(padding, "padding", "fold"), _pair(stride, "stride", "fold")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got: {list(input.shape)}")
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    n, ck, length = x.shape
    kk = k[0] * k[1]
    if ck % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={ck} and kernel_size=({k[0]}, {k[1]})")
    blocks = [(size + 2 * pp - dd * (kh - 1) - 1) // ss + 1 for size, pp, dd, kh, ss in zip(o, p, d, k, s)]
    if blocks[0] * blocks[1] != length:
        raise RuntimeError(f"Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, "
                           f"{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input's "
                           f"dimension 2 to match the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={length}.")
    c = ck // kk
    cols = x.reshape(n, ck, blocks[0], blocks[1])
    out = conv_transpose_nd(cols, _one_hot_kernel(c, k, x), s, p, d, c, (n, c) + o)
    return out.squeeze(0) if unbatched else out


# ---------------------------------------------------------------------------
# affine_grid / grid_sample

def _base_coords(n, align_corners, like):
    from ... import linspace
    if n <= 1:
        return linspace(-1, 1, n, dtype=like.dtype, device=like.device) * 0
    r = linspace(-1, 1, n, dtype=like.dtype, device=like.device)
    return r if align_corners else r * ((n - 1) / n)


def affine_grid(theta, size, align_corners=None):
    if align_corners is None:
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{list(theta.shape)}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{list(theta.shape)}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    from ... import ones, stack
    nd = len(spatial)
    axes = [_base_coords(s, align_corners, theta) for s in spatial]       # D, H, W
    grids = []
    for i in reversed(range(nd)):  # x (W) first
        shape = [1] * nd
        shape[i] = spatial[i]
        grids.append(axes[i].reshape(shape).expand(*spatial))
    grids.append(ones(tuple(spatial), dtype=theta.dtype, device=theta.device))
    base = stack(grids, -1).reshape(1, -1, nd + 1)                         # (1, prod, nd+1)
    out = base.matmul(theta.transpose(1, 2))                                # (N, prod, nd)
    return out.reshape([size[0]] + list(spatial) + [nd])


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, twice_low, twice_high):
    if twice_low == twice_high:
        return coord * 0
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    coord = (coord - lo).abs()
    extra = coord.fmod(span)
    flips = (coord / span).floor().detach()
    return (extra + lo).where(flips.remainder(2) == 0, span - extra + lo)


def _source_coord(coord, size, padding_mode, align_corners):
    coord = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        coord = coord.clamp(0, size - 1)
    elif padding_mode == "reflection":
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
        coord = coord.clamp(0, size - 1)
    return coord


def _gather_at(x, idx_per_dim, sizes):
    """x (N, C, *sizes) at integer positions (each (N, *out)); zero outside the input."""
    n, c = x.shape[:2]
    valid = None
    flat = None
    for idx, size in zip(idx_per_dim, sizes):
        v = (idx >= 0) & (idx <= size - 1)
        valid = v if valid is None else valid & v
        ci = idx.clamp(0, size - 1).long()
        flat = ci if flat is None else flat * size + ci
    out_sp = tuple(flat.shape[1:])
    vals = x.reshape(n, c, -1).gather(2, flat.reshape(n, 1, -1).expand(n, c, -1)).reshape((n, c) + out_sp)
    return vals * valid.unsqueeze(1).to(x.dtype)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        align_corners = False
    nd = input.ndim - 2
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if mode == "bicubic" and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    sizes = tuple(input.shape[2:])                                   # (D,) H, W
    # grid's last dim lists x (W) first: coordinate k belongs to spatial dim nd-1-k
    coords = [_source_coord(grid[..., nd - 1 - i], sizes[i], padding_mode, align_corners)
              if mode != "bicubic" else _unnormalize(grid[..., nd - 1 - i], sizes[i], align_corners)
              for i in range(nd)]
    if mode == "nearest":  # no gradient flows to the grid, but PyTorch still returns a (zero) one
        zero = grid[..., 0].floor().nan_to_num(0.0, 0.0, 0.0) * 0
        return _gather_at(input, [c.round().detach() for c in coords], sizes) + zero.unsqueeze(1)
    if mode == "bilinear":
        lows = [c.floor().detach() for c in coords]
        out = None
        for corner in np.ndindex(*(2,) * nd):
            idx, weight = [], None
            for c, lo, bit in zip(coords, lows, corner):
                frac = c - lo
                w = frac if bit else 1 - frac
                weight = w if weight is None else weight * w
                idx.append(lo + bit)
            term = _gather_at(input, idx, sizes) * weight.unsqueeze(1)
            out = term if out is None else out + term
        return out
    # bicubic: 4x4 taps, each tap's position padded on its own (PyTorch's get_value_bounded)
    lows = [c.floor().detach() for c in coords]
    ts = [c - lo for c, lo in zip(coords, lows)]

    def cubic_weights(t):
        a = _A
        return [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                ((a + 2) * t - (a + 3)) * t * t + 1,
                ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a]
    wy, wx = cubic_weights(ts[0]), cubic_weights(ts[1])
    out = None
    for i in range(4):
        for j in range(4):
            pos = []
            for lo, off, size in ((lows[0], i - 1, sizes[0]), (lows[1], j - 1, sizes[1])):
                p = lo + off
                if padding_mode == "border":
                    p = p.clamp(0, size - 1)
                elif padding_mode == "reflection":
                    p = (_reflect(p, 0, 2 * (size - 1)) if align_corners else _reflect(p, -1, 2 * size - 1))
                    p = p.clamp(0, size - 1)
                pos.append(p.detach())
            term = _gather_at(input, pos, sizes) * (wy[i] * wx[j]).unsqueeze(1)
            out = term if out is None else out + term
    return out


__all__ = [
    "affine_grid",
    "channel_shuffle",
    "fold",
    "grid_sample",
    "interpolate",
    "pixel_shuffle",
    "pixel_unshuffle",
    "unfold",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]


def _grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """torch.grid_sampler: grid_sample with the modes given as enum integers."""
    return grid_sample(input, grid, ("bilinear", "nearest", "bicubic")[interpolation_mode],
                       ("zeros", "border", "reflection")[padding_mode], align_corners)


# torch.<name> spellings with their own signatures, for ember.__getattr__ via TORCH_NAMESPACE
TORCH_NAMESPACE = {"grid_sampler": _grid_sampler}
