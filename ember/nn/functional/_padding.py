"""F.pad in all four modes: constant is a primitive; reflect/replicate/circular gather by index per dim."""
import numpy as np

from ...ops.registry import apply, defop


def _constant_forward(xp, x, widths, value):
    if any(lo < 0 or hi < 0 for lo, hi in widths):  # negative padding crops
        x = x[tuple(slice(max(-lo, 0), x.shape[i] - max(-hi, 0)) for i, (lo, hi) in enumerate(widths))]
        widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    return xp.pad(x, widths, mode="constant", constant_values=value)


# fmt: off
# the VJP of padding by (lo, hi) is padding by (-lo, -hi): negative widths crop
_PAD = defop("constant_pad_nd", lambda xp, x, widths, value: _constant_forward(xp, x, widths, value),
             lambda g, out, x, widths, value: _pad_constant(g, [(-lo, -hi) for lo, hi in widths], 0), inputs=False)
_TAKE = defop("take_axis", lambda xp, x, index, axis, size: xp.take(x, index, axis=axis),
              lambda g, out, x, index, axis, size: _put_axis(g, index, axis, size), inputs=False, node="IndexBackward0")
_PUT = defop("put_axis", lambda xp, g, index, axis, size: _put_forward(xp, g, index, axis, size),
             lambda h, out, g, index, axis, size: _take_axis(h, index, axis), inputs=False)
# fmt: on


def _put_forward(xp, g, index, axis, size):
    shape = list(g.shape)
    shape[axis] = size
    out = xp.zeros(shape, dtype=g.dtype)
    moved = xp.moveaxis(out, axis, 0)
    xp.add.at(moved, index, xp.moveaxis(g, axis, 0))
    return out


def _take_axis(x, index, axis):
    return apply(_TAKE, x, index=index, axis=axis, size=x.shape[axis])


def _put_axis(g, index, axis, size):
    return apply(_PUT, g, index=index, axis=axis, size=size)


def _pad_constant(x, widths, value):
    return apply(_PAD, x, widths=tuple(widths), value=value)


def _mode_index(n, lo, hi, mode):
    i = np.arange(-lo, n + hi)
    if mode == "reflect":
        period = 2 * (n - 1)
        i = np.abs(i) % period if period else np.zeros_like(i)
        i = np.where(i >= n, period - i, i)
    elif mode == "replicate":
        i = np.clip(i, 0, n - 1)
    else:  # circular
        i = i % n
    return i


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims; `pad` lists (left, right) pairs from the last dim backwards."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n_dims = len(pad) // 2
    if n_dims > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    pairs = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(n_dims)]  # last dim first
    if mode == "constant":
        widths = [(0, 0)] * (input.ndim - n_dims) + list(reversed(pairs))
        return _pad_constant(input, widths, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unsupported padding mode: {mode}")
    if value not in (None, 0):
        raise AssertionError(f"Padding mode \"{mode}\" doesn't take in value argument.")
    expected = {1: (2, 3), 2: (3, 4), 3: (4, 5)}.get(n_dims)
    if expected is None or input.ndim not in expected:
        raise NotImplementedError(f"Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now")
    out = input
    for k, (lo, hi) in enumerate(pairs):
        axis = input.ndim - 1 - k
        size = out.shape[axis]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({lo}, {hi}) at dimension {axis} of input {list(input.shape)}")
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out = _take_axis(out, _mode_index(size, lo, hi, mode), axis)
    return out


__all__ = ["pad"]
