"""Factories beyond the basic ones: linspace, logspace, eye, tri*_indices, meshgrid, complex/polar, windows, ...

Plain factories build a NumPy array on the host and move it to the device.
`complex` and `polar` are primitives; meshgrid, cartesian_prod, combinations
and vander compose differentiable ember ops.  The `Tensor.new_*` methods live
here too (they inherit dtype and device from `self`).
"""
import builtins
import itertools
import math
import warnings

import numpy as np

from .. import _dtype
from .._creation import (
    _finalize,
    _host_to,
    check_scalar_fits,
    dtype_arg,
    empty,
    empty_strided,
    full,
    ones,
    size_arg,
    tensor,
    zeros,
)
from .._device import canonical
from .._tensor import Tensor, _wrap, register_methods
from .core import _finish, apply, defop, mul, take_flat
from .registry import _pt_name

__all__ = ["bartlett_window", "blackman_window", "cartesian_prod", "combinations", "complex", "empty_permuted", "eye",
           "frombuffer", "hamming_window", "hann_window", "kaiser_window", "linspace", "logspace", "meshgrid", "polar",
           "tril_indices", "triu_indices", "vander"]


def _make(arr, device, requires_grad, out=None):
    dev = canonical(device)
    return _finalize(_host_to(np.asarray(arr), dev), dev, requires_grad, out)


def _scalar(x, name, what):
    if isinstance(x, Tensor):
        if x.ndim != 0:
            raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but got {what} with "
                               f"{x.ndim} dimension(s).")
        return x.item()
    return x


def _range_dtype(start, end, dtype, out, name):
    if dtype is not None:
        d = dtype_arg(dtype, name)
    elif out is not None:
        d = out.dtype
    else:
        is_complex = isinstance(start, builtins.complex) or isinstance(end, builtins.complex)
        d = _dtype.default_complex() if is_complex else _dtype._default[0]
    if d is _dtype.bool:
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')
    return d


def _steps(steps):
    steps = int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return steps


def _check_fits(values, d):
    for v in values:
        check_scalar_fits(v, d)


def _half_split(start, step, end, steps, idx):
    """PyTorch fills the first half from `start` and the second half back from `end`, so both ends are exact."""
    return np.where(idx < steps // 2, start + step * idx, end - step * (steps - 1 - idx))


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from `start` to `end` inclusive (default dtype even for int bounds)."""
    start, end = _scalar(start, "linspace", "start"), _scalar(end, "linspace", "end")
    steps = _steps(steps)
    d = _range_dtype(start, end, dtype, out, "linspace")
    if d._category == 1:
        _check_fits((start, end), d)
        # integers: the bounds are cast first, the step is a double, the values truncate
        s, e = float(np.asarray(start).astype(d.np)), float(np.asarray(end).astype(d.np))
        idx = np.arange(steps, dtype=np.float64)
        step = (e - s) / (steps - 1) if steps > 1 else 0.0
        arr = (_half_split(s, step, e, steps, idx) if steps > 1 else np.full(steps, s)).astype(d.np)
    else:
        s, e = np.asarray(start, dtype=d.np), np.asarray(end, dtype=d.np)
        idx = np.arange(steps).astype(d.np)
        step = (e - s) / np.asarray(steps - 1, dtype=d.np) if steps > 1 else np.zeros((), d.np)
        arr = _half_split(s, step, e, steps, idx).astype(d.np) if steps > 1 else np.full(steps, s, d.np)
    return _make(arr, device, requires_grad, out)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps), computed in double as PyTorch does."""
    start, end = _scalar(start, "logspace", "start"), _scalar(end, "logspace", "end")
    steps = _steps(steps)
    d = _range_dtype(start, end, dtype, out, "logspace")
    if d._category == 1:
        _check_fits((start, end), d)
    work = np.complex128 if d.is_complex else np.float64
    s, e = np.asarray(start).astype(d.np).astype(work), np.asarray(end).astype(d.np).astype(work)
    idx = np.arange(steps, dtype=np.float64)
    step = (e - s) / (steps - 1) if steps > 1 else 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        arr = np.power(np.asarray(base, dtype=work), _half_split(s, step, e, steps, idx) if steps > 1
                       else np.full(steps, s, dtype=work))
        arr = arr.astype(d.np)
    return _make(arr, device, requires_grad, out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    n = int(n)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    m = n if m is None else int(m)
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    d = dtype_arg(dtype, "eye", out.dtype if out is not None else _dtype._default[0])
    return _make(np.eye(n, m, dtype=d.np), device, requires_grad, out)


def _tri_indices(name, np_fn, row, col, offset, dtype, device):
    row, col, offset = int(row), int(col), int(offset)
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    d = _dtype.to_dtype(dtype)
    if d not in (_dtype.int32, _dtype.int64):
        raise NotImplementedError(f'"{name}" not implemented for \'{_pt_name(d)}\'')
    rows, cols = np_fn(row, offset, col) if row and col else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    return _make(np.stack([rows, cols]).astype(d.np), device, False)


def tril_indices(row, col, offset=0, *, dtype=_dtype.int64, device=None, layout=None):
    """Coordinates (2 x N, row-major) of the lower triangle of a row x col matrix."""
    return _tri_indices("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=_dtype.int64, device=None, layout=None):
    """Coordinates (2 x N, row-major) of the upper triangle of a row x col matrix."""
    return _tri_indices("triu_indices", np.triu_indices, row, col, offset, dtype, device)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids (expanded views of the 0-D/1-D inputs); 'ij' by default, with PyTorch's warning."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    sizes = [t.numel() for t in tensors]
    dims = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        # 'xy' is 'ij' with the first two dimensions swapped
        dims[0], dims[1] = 1, 0
        sizes[0], sizes[1] = sizes[1], sizes[0]
    shape = tuple(sizes)
    grids = []
    for t, dim in zip(tensors, dims):
        view_shape = [1] * len(shape)
        view_shape[dim] = -1
        grids.append(t.reshape(view_shape).expand(shape))
    return tuple(grids)


def _check_float_pair(a, b):
    ok = (_dtype.float16, _dtype.float32, _dtype.float64)
    if a.dtype not in ok or b.dtype not in ok:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got {_pt_name(a.dtype)} and "
                           f"{_pt_name(b.dtype)}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"Expected object of scalar type {_pt_name(a.dtype)} but got scalar type "
                           f"{_pt_name(b.dtype)} for second argument")
    return {_dtype.float16: _dtype.complex32, _dtype.float32: _dtype.complex64,
            _dtype.float64: _dtype.complex128}[a.dtype]


def _complex_forward(xp, real, imag):
    out = xp.empty(xp.broadcast_shapes(real.shape, imag.shape), dtype=xp.result_type(real, imag, xp.complex64))
    out.real, out.imag = real, imag  # not real + 1j * imag: that turns an infinite imag into nan
    return out


def _polar_forward(xp, r, theta):
    return _complex_forward(xp, r * xp.cos(theta), r * xp.sin(theta))


def _polar_backward(g, out, r, theta):
    # for a real input x of a complex output z, grad_x = Re(conj(dz/dx) * g): dz/dr = e^{i theta}, dz/dtheta = i z
    ones = full((), 1.0, dtype=r.dtype, device=r.device)
    return mul(g, polar(ones, -theta)), mul(mul(g, polar(r, -theta)), -1j)


# fmt: off
_complex = defop("complex", _complex_forward, lambda g, out, re, im: (g, mul(g, -1j)),  inputs=False)
_polar   = defop("polar",   _polar_forward,   _polar_backward)
# fmt: on


def complex(real, imag, *, out=None):
    """real + i * imag for float tensors of one dtype (complex32 for half inputs)."""
    _check_float_pair(real, imag)
    return _finish(apply(_complex, real, imag), out)


def polar(abs, angle, *, out=None):
    """abs * (cos(angle) + i sin(angle))."""
    _check_float_pair(abs, angle)
    return _finish(apply(_polar, abs, angle), out)


def cartesian_prod(*tensors):
    """All combinations of the elements of 1-D tensors, one per row (like itertools.product)."""
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if len(tensors) == 1:
        return tensors[0]
    from .. import stack
    # column j repeats tensor j's elements in row-major (itertools.product) order
    index = np.indices([t.shape[0] for t in tensors]).reshape(len(tensors), -1)
    return stack([take_flat(t, i) for t, i in zip(tensors, index)], 1)


def combinations(input, r=2, with_replacement=False):
    """Length-r combinations of a 1-D tensor's elements, one per row (like itertools.combinations)."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return zeros(0, dtype=input.dtype, device=input.device)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return take_flat(input, index)


def vander(x, N=None, increasing=False):
    """Columns x**0 .. x**(N-1) (decreasing unless `increasing`); integer inputs give int64."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if x.dtype._category < 2:
        x = x.to(_dtype.int64)
    if n == 0:
        return zeros((x.shape[0], 0), dtype=x.dtype, device=x.device)
    from .. import stack
    col = full(tuple(x.shape), 1, dtype=x.dtype, device=x.device)
    cols = [col]
    for _ in range(n - 1):
        col = mul(col, x)  # repeated products keep the gradient exact at x = 0 (pow would give nan)
        cols.append(col)
    return stack(cols if increasing else cols[::-1], 1)


# ---------------------------------------------------------------------------
# windows

def _window(name, window_length, periodic, dtype, device, requires_grad, layout, fn):
    window_length = int(window_length)
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    d = _dtype.to_dtype(dtype) if dtype is not None else _dtype._default[0]
    if d._category != 2:
        raise RuntimeError(f"{name} expects floating point dtypes, got: TensorOptions(dtype={d.np.name}, "
                           f"device={canonical(device)})")
    if window_length <= 1:
        return _make(np.ones(window_length, dtype=d.np), device, requires_grad)
    work = np.float64 if d is _dtype.float64 else np.float32
    n = window_length + 1 if periodic else window_length
    arr = fn(np.arange(n, dtype=work), n, work)[:window_length]
    return _make(arr.astype(d.np), device, requires_grad)


def _cosine_sum(*coeffs):
    def fn(k, n, work):
        x = k * work(2 * math.pi / (n - 1))
        return sum(work(c) * np.cos(x * i) for i, c in enumerate(coeffs))
    return fn


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad, layout,
                   _cosine_sum(alpha, -beta))


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False,
                pin_memory=False):
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, layout,
                   _cosine_sum(0.5, -0.5))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False,
                    pin_memory=False):
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, layout,
                   _cosine_sum(0.42, -0.5, 0.08))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False,
                    pin_memory=False):
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, layout,
                   lambda k, n, work: 1 - np.abs(k * work(2.0 / (n - 1)) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False, pin_memory=False):
    def fn(k, n, work):
        alpha = (n - 1) / 2.0
        ratio = (k.astype(np.float64) - alpha) / alpha
        return np.i0(beta * np.sqrt(np.clip(1 - ratio * ratio, 0, None))) / np.i0(beta)
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, layout, fn)


# ---------------------------------------------------------------------------
# memory-level factories

_warned_readonly = [False]


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor sharing memory with a Python buffer (bytearray, memoryview, array.array, ...)."""
    d = _dtype.to_dtype(dtype)
    view = memoryview(buffer)
    length = view.nbytes
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")
    item = d.itemsize
    if count < 0:
        if (length - offset) % item:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({item})")
        count = (length - offset) // item
    elif offset + count * item > length:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset ({offset} bytes) must not be "
                         f"greater than actual buffer length ({length} bytes)")
    arr = np.frombuffer(buffer, dtype=d.np, count=count, offset=offset)
    if not arr.flags.writeable:
        if not _warned_readonly[0]:
            _warned_readonly[0] = True
            warnings.warn("The given buffer is not writable, and PyTorch does not support non-writable tensors. "
                          "This means you can write to the underlying (supposedly non-writable) buffer using the "
                          "tensor. You may want to copy the buffer to protect its data or make it writable before "
                          "converting it to a tensor. This type of warning will be suppressed for the rest of this "
                          "program.",
                          UserWarning, stacklevel=2)
        arr = arr.copy()  # NumPy refuses to hand out a writable view of read-only memory
    t = _wrap(arr)
    return t.requires_grad_(True) if requires_grad else t


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """An uninitialised tensor of `size` whose memory is laid out in `physical_layout` order (outermost first)."""
    size = size_arg((size,))
    perm = tuple(int(p) for p in physical_layout)
    if len(perm) != len(size):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; i.e. "
                           f"len(size) = {len(size)} is not equal to len(physical_layout) = {len(perm)}")
    if sorted(perm) != list(range(len(size))):
        raise RuntimeError("Duplicate dim not allowed")
    stride = [0] * len(size)
    acc = 1
    for p in reversed(perm):
        stride[p] = acc
        acc *= size[p]
    return empty_strided(size, stride, dtype=dtype, device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------------------
# Tensor.new_*: like the factories, with self's dtype and device as defaults

def _opts(self, dtype, device):
    return (self.dtype if dtype is None else dtype), (self.device if device is None else device)


def _new_factory(factory):
    def method(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False, **kw):
        if "size" in kw:
            size = (kw.pop("size"),)
        d, dev = _opts(self, dtype, device)
        return factory(size_arg(size), dtype=d, device=dev, requires_grad=requires_grad)
    method.__name__ = "new_" + factory.__name__
    return method


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        data = data.detach()
    d, dev = _opts(self, dtype, device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tensor(data, dtype=d, device=dev, requires_grad=requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    d, dev = _opts(self, dtype, device)
    return full(size, fill_value, dtype=d, device=dev, requires_grad=requires_grad)


def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, layout=None,
                      pin_memory=False):
    d, dev = _opts(self, dtype, device)
    return empty_strided(size, stride, dtype=d, device=dev, requires_grad=requires_grad)


def new(self, *args, device=None):
    """The legacy Tensor.new(...): sizes or data, in self's dtype."""
    from .._legacy_types import legacy_new
    return legacy_new(self.dtype, self.device if device is None else device, args)


register_methods({
    "new_tensor": new_tensor, "new_zeros": _new_factory(zeros), "new_ones": _new_factory(ones),
    "new_empty": _new_factory(empty), "new_full": new_full, "new_empty_strided": new_empty_strided, "new": new,
})
