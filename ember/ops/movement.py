"""Shape and movement operators: views (permute, squeeze, narrow, diagonal, unfold, ...) and copies (cat, flip, roll, ...).

View primitives return NumPy views of their input (NOTE [ Storage and views ] in
_tensor.py): they keep only shapes and dims in their attrs, never the input
tensor, and never expose a negative-stride view (flip copies, as in PyTorch).
Their VJPs scatter the gradient into zeros through the same view
(`*_backward` rows), whose own VJP is the view again, so double backward works.
Everything else here is a composite over these rows and core's view/expand.
"""
import builtins
import warnings

import numpy as np

from .. import _dtype, _storage
from .._tensor import Tensor, _wrap, _wrap_dim, register_methods
from ..autograd import grad_mode
from .core import _contiguous, _finish, _shape_arg, infer_shape, reshape
from .registry import _pt_name, apply, apply_inplace, defop

__all__ = [  # the *_copy variants are appended below
    "adjoint", "as_strided_", "atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "broadcast_shapes",
    "broadcast_tensors", "broadcast_to", "cat", "channel_shuffle", "chunk", "column_stack", "concat", "concatenate",
    "diag", "diag_embed", "diagflat", "diagonal", "diagonal_scatter", "dsplit", "dstack", "flatten", "flip",
    "fliplr", "flipud", "hsplit", "hstack", "moveaxis", "movedim", "narrow", "narrow_copy",
    "native_channel_shuffle", "permute", "ravel", "repeat_interleave", "roll", "rot90", "row_stack", "select",
    "select_scatter", "slice_scatter", "split", "split_with_sizes", "squeeze", "stack", "swapaxes", "swapdims", "t",
    "tensor_split", "tile", "transpose", "tril", "triu", "unbind", "unflatten", "unsafe_chunk", "unsafe_split",
    "unsafe_split_with_sizes", "unsqueeze", "view_as_complex", "view_as_real", "vsplit", "vstack",
]

_ints = (int, np.integer)


def _dim(d, ndim):
    """Wrap one dim (IndexError like PyTorch; a 0-dim tensor accepts 0 and -1)."""
    if isinstance(d, Tensor):
        d = int(d)
    return _wrap_dim(d, ndim)


def _dim_list(dims, ndim):
    """Wrap a sequence of dims, refusing repeats."""
    out = []
    for d in dims:
        d = _dim(d, ndim)
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(out)


def _varargs(args):
    """f(1, 2) and f((1, 2)) both mean (1, 2)."""
    if len(args) == 1 and not isinstance(args[0], _ints + (Tensor,)):
        return tuple(args[0])
    return tuple(args)


def _strided(x, shape, strides, offset=0, dtype=None):
    """A view of `x`'s memory with element `strides` and `offset` (relative to x's first element).

    Unlike NumPy's as_strided this keeps the `.base` chain to the storage, so
    storage_offset() and sharing keep working."""
    dtype = x.dtype if dtype is None else np.dtype(dtype)
    item = dtype.itemsize
    bstrides = tuple(s * item for s in strides)
    if x.__class__ is not np.ndarray:
        from ..backends.meta import MetaArray, empty
        if isinstance(x, MetaArray):
            return empty(shape, dtype)
        return type(x)(shape, dtype, memptr=x.data + offset * item, strides=bstrides)  # CuPy
    if x.flags.c_contiguous and x.size:
        buf, start = x, offset * item
    else:  # address the root buffer
        buf = _storage.storage_bytes(x)
        start = x.__array_interface__["data"][0] - buf.__array_interface__["data"][0] + offset * item if buf.size else 0
    if 0 in shape:  # an empty view may point past the end of its storage in PyTorch; NumPy needs it inside
        start = builtins.min(builtins.max(start, 0), buf.nbytes)
    out = np.ndarray(shape, dtype, buffer=buf, offset=start, strides=bstrides)
    if not x.flags.writeable:
        out.flags.writeable = False
    return out


def _elem_strides(x):
    item = x.dtype.itemsize
    return tuple(s // item for s in x.strides)


# ---------------------------------------------------------------------------
# view primitives and the scatters that are their VJPs

def _diag_view(x, offset, dim1, dim2):
    shape, strides = list(x.shape), list(_elem_strides(x))
    n1, n2 = shape[dim1], shape[dim2]
    if offset >= 0:
        n, start = builtins.max(builtins.min(n1, n2 - offset), 0), offset * strides[dim2]
    else:
        n, start = builtins.max(builtins.min(n1 + offset, n2), 0), -offset * strides[dim1]
    if n == 0:
        start = 0
    diag_stride = strides[dim1] + strides[dim2]
    keep = [i for i in range(x.ndim) if i not in (dim1, dim2)]
    return _strided(x, tuple(shape[i] for i in keep) + (n,), tuple(strides[i] for i in keep) + (diag_stride,), start)


def _unfold_view(x, dim, size, step):
    if x.ndim == 0:
        return _strided(x, (size,), (1,))
    shape, strides = list(x.shape), list(_elem_strides(x))
    inner = strides[dim]
    shape[dim], strides[dim] = (shape[dim] - size) // step + 1, inner * step
    return _strided(x, tuple(shape) + (size,), tuple(strides) + (inner,))


def _unsqueeze_view(x, dim):
    shape, strides = list(x.shape), list(_elem_strides(x))
    new_stride = shape[dim] * strides[dim] if dim < x.ndim else 1  # PyTorch's stride for the new dim
    shape.insert(dim, 1)
    strides.insert(dim, new_stride)
    return _strided(x, tuple(shape), tuple(strides))


def _slice_view(x, key):
    out = x[key]
    if out.size == 0 and x.__class__ is np.ndarray:
        # NumPy leaves an empty slice at its parent's address; PyTorch moves the storage offset to `start`
        offset = 0
        for k, n, st in zip(key[:-1], x.shape, _elem_strides(x)):
            offset += (k.indices(n)[0] if isinstance(k, slice) else k) * st
        return _strided(x, out.shape, _elem_strides(out), offset)
    return out


def _zeros_through(xp, g, shape, view_fn):
    out = xp.zeros(shape, dtype=g.dtype)
    view_fn(out)[...] = g
    return out


def _unfold_backward_forward(xp, g, shape, dim, size, step):
    out = xp.zeros(shape, dtype=g.dtype)
    if len(shape) == 0:
        out[...] = g.sum()
        return out
    n = g.shape[dim]
    for k in range(size):  # windows overlap when step < size: accumulate one window offset at a time
        key = (slice(None),) * dim + (slice(k, k + step * (n - 1) + 1, step),)
        out[key] += g[..., k]
    return out


def _view_as_real_forward(x):
    return _strided(x, x.shape + (2,), tuple(2 * s for s in _elem_strides(x)) + (1,), dtype=x.real.dtype)


def _view_as_complex_forward(xp, x):
    d = np.complex64 if x.dtype == np.float32 else np.complex128
    return x.view(d)[..., 0]


# fmt: off
_permute = defop("permute", lambda xp, x, dims: xp.transpose(x, dims),            lambda g, out, x, dims: g.permute(_inverse(dims)), inputs=False, view=True)
_transpose = defop("transpose", lambda xp, x, dims: xp.transpose(x, dims),        lambda g, out, x, dims: g.permute(_inverse(dims)), inputs=False, view=True)
_t = defop("t", lambda xp, x, dims: xp.transpose(x, dims),                        lambda g, out, x, dims: g.permute(_inverse(dims)), inputs=False, view=True)
_squeeze = defop("squeeze", lambda xp, x, dims, shape: xp.squeeze(x, dims),       lambda g, out, x, dims, shape: g.reshape(shape), inputs=False, view=True)
_unsqueeze = defop("unsqueeze", lambda xp, x, dim: _unsqueeze_view(x, dim),       lambda g, out, x, dim: g.squeeze(dim), inputs=False, view=True)
_slice = defop("slice", lambda xp, x, key, shape: _slice_view(x, key),                     lambda g, out, x, key, shape: apply(_slice_backward, g, key=key, shape=shape), inputs=False, view=True)
_select = defop("select", lambda xp, x, key, shape: _slice_view(x, key),                     lambda g, out, x, key, shape: apply(_slice_backward, g, key=key, shape=shape), inputs=False, view=True)
_slice_backward = defop("slice_backward", lambda xp, g, key, shape: _zeros_through(xp, g, shape, lambda o: o[key]),
                        lambda gg, out, g, key, shape: apply(_slice, gg, key=key, shape=shape), inputs=False)
_diagonal = defop("diagonal", lambda xp, x, offset, dim1, dim2, shape: _diag_view(x, offset, dim1, dim2),
                  lambda g, out, x, offset, dim1, dim2, shape: apply(_diagonal_backward, g, offset=offset, dim1=dim1, dim2=dim2, shape=shape),
                  inputs=False, view=True)
_diagonal_backward = defop("diagonal_backward",
                           lambda xp, g, offset, dim1, dim2, shape: _zeros_through(xp, g, shape, lambda o: _diag_view(o, offset, dim1, dim2)),
                           lambda gg, out, g, offset, dim1, dim2, shape: apply(_diagonal, gg, offset=offset, dim1=dim1, dim2=dim2, shape=shape),
                           inputs=False)
_unfold = defop("unfold", lambda xp, x, dim, size, step, shape: _unfold_view(x, dim, size, step),
                lambda g, out, x, dim, size, step, shape: apply(_unfold_backward, g, dim=dim, size=size, step=step, shape=shape),
                inputs=False, view=True)
_unfold_backward = defop("unfold_backward", lambda xp, g, dim, size, step, shape: _unfold_backward_forward(xp, g, shape, dim, size, step),
                         lambda gg, out, g, dim, size, step, shape: apply(_unfold, gg, dim=dim, size=size, step=step, shape=shape),
                         inputs=False)
_view_as_real = defop("view_as_real", lambda xp, x: _view_as_real_forward(x),     lambda g, out, x: view_as_complex(g.contiguous()), inputs=False, view=True)
_view_as_complex = defop("view_as_complex", lambda xp, x: _view_as_complex_forward(xp, x), lambda g, out, x: view_as_real(g), inputs=False, view=True)
_view_dtype = defop("view_dtype", lambda xp, x, dtype: x.view(dtype), None, inputs=False, view=True)  # not differentiable, as in PyTorch
# fmt: on


def _inverse(dims):
    inv = [0] * len(dims)
    for i, d in enumerate(dims):
        inv[d] = i
    return tuple(inv)


# ---------------------------------------------------------------------------
# views

def permute(input, dims):
    if isinstance(dims, _ints):
        raise TypeError("permute(): argument 'dims' (position 2) must be tuple of ints, not int")
    dims = tuple(dims)
    if len(dims) != input.ndim:
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    wrapped = tuple(_dim(d, input.ndim) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(_permute, input, dims=wrapped)


def _swap(input, dim0, dim1, op=_transpose):
    n = input.ndim
    if n == 0:
        _dim(dim0, 0), _dim(dim1, 0)
        return apply(op, input, dims=())
    d0, d1 = _dim(dim0, n), _dim(dim1, n)
    dims = list(range(n))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return apply(op, input, dims=tuple(dims))


def transpose(input, dim0, dim1):
    return _swap(input, dim0, dim1)


swapaxes = swapdims = transpose


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return _swap(input, 0, input.ndim - 1 if input.ndim else 0, _t)


def _T(self):
    if self.ndim != 2:
        if self.ndim == 0:
            warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
                          UserWarning, stacklevel=2)
        elif self.ndim > 2:
            warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
                          "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
                          "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a "
                          "tensor.", UserWarning, stacklevel=2)
        return apply(_permute, self, dims=tuple(range(self.ndim - 1, -1, -1)))
    return _swap(self, 0, 1)


def _mT(self):
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor.")
    return _swap(self, -2, -1)


def _H(self):
    if self.ndim != 2:
        hint = ". For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor{hint}")
    return adjoint(self)


def _mH(self):
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor.")
    return adjoint(self)


def adjoint(input):
    if input.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input.ndim}-D tensor.")
    out = _swap(input, -2, -1)
    return out.conj() if input.dtype.is_complex else out


_NO_DIM = object()


def squeeze(input, dim=_NO_DIM):
    shape = input._data.shape
    if dim is _NO_DIM:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
    elif dim is None:
        raise TypeError("squeeze() received an invalid combination of arguments - got (NoneType), but expected one "
                        "of:\n * ()\n * (int dim)\n * (tuple of ints dim)")
    else:
        dims = _dim_list((dim,) if isinstance(dim, _ints + (Tensor,)) else dim, input.ndim)
        dims = tuple(d for d in dims if input.ndim and shape[d] == 1)
    return apply(_squeeze, input, dims=dims, shape=shape)


def unsqueeze(input, dim):
    return apply(_unsqueeze, input, dim=_dim(dim, input.ndim + 1))


def _slice_dim(input, dim, start, end, step=1):
    key = (slice(None),) * dim + (slice(start, end, step), Ellipsis)
    return apply(_slice, input, key=key, shape=input._data.shape)


def narrow(input, dim, start, length):
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if isinstance(start, Tensor):
        if start.ndim != 0 or start.dtype._category != 1:
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start.item())
    dim = _dim(dim, input.ndim)
    size = input._data.shape[dim]
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _slice_dim(input, dim, start, start + length)


def narrow_copy(input, dim, start, length, *, out=None):
    return _finish(narrow(input, dim, start, length).clone(memory_format=None), out)


def select(input, dim, index):
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = _dim(dim, input.ndim)
    index = int(index)
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension "
                         f"{dim}")
    key = (slice(None),) * dim + (index % size, Ellipsis)
    return apply(_select, input, key=key, shape=input._data.shape)


def diagonal(input, offset=0, dim1=0, dim2=1):
    d1, d2 = _dim(dim1, input.ndim), _dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(_diagonal, input, offset=int(offset), dim1=d1, dim2=d2, shape=input._data.shape)


_diagonal_fn = diagonal  # diag() has an argument named `diagonal`


def unfold(self, dimension, size, step):
    dim = _dim(dimension, self.ndim)
    length = self._data.shape[dim] if self.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return apply(_unfold, self, dim=dim, size=int(size), step=int(step), shape=self._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    if input.ndim == 0:
        _dim(start_dim, 0), _dim(end_dim, 0)
        return input.view((1,))
    s, e = _dim(start_dim, input.ndim), _dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    n = 1
    for k in shape[s:e + 1]:
        n *= k
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input, dim, sizes):
    d = _dim(dim, input.ndim)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = input._data.shape[d]
    try:
        sizes = infer_shape(sizes, n)
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({n}) in the input tensor") from None
    shape = input._data.shape
    return input.view(shape[:d] + sizes + shape[d + 1:])


def movedim(input, source, destination):
    src = (source,) if isinstance(source, _ints) else tuple(source)
    dst = (destination,) if isinstance(destination, _ints) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the "
                           f"same number of dims as destination ({list(dst)} dims)")
    n = input.ndim
    ws = [_dim(d, n) for d in src]
    wd = [_dim(d, n) for d in dst]
    if len(set(ws)) != len(ws):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(wd)) != len(wd):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    order = [None] * n
    for s, d in zip(ws, wd):
        order[d] = s
    rest = iter(i for i in range(n) if i not in ws)
    order = tuple(o if o is not None else next(rest) for o in order)
    return apply(_permute, input, dims=order)


moveaxis = movedim


def split(tensor, split_size_or_sections, dim=0):
    if isinstance(split_size_or_sections, (list, tuple)):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    size = int(split_size_or_sections)
    d = _dim(dim, tensor.ndim)
    n = tensor._data.shape[d]
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0:
        if n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        return (_slice_dim(tensor, d, 0, 0),)
    return tuple(_slice_dim(tensor, d, i, builtins.min(i + size, n)) for i in range(0, builtins.max(n, 1), size))


def split_with_sizes(input, split_sizes, dim=0):
    d = _dim(dim, input.ndim)
    n = input._data.shape[d]
    sizes = [int(s) for s in split_sizes]
    if builtins.sum(sizes) != n or builtins.any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(_slice_dim(input, d, start, start + s))
        start += s
    return tuple(out)


def chunk(input, chunks, dim=0):
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _dim(dim, input.ndim)
    n = input._data.shape[d]
    size = (n + chunks - 1) // chunks
    if size == 0:  # an empty dim still yields `chunks` empty pieces
        return tuple(_slice_dim(input, d, 0, 0) for _ in range(chunks))
    return split(input, size, d)


def unbind(input, dim=0):
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _dim(dim, input.ndim)
    return tuple(select(input, d, i) for i in range(input._data.shape[d]))


def tensor_split(input, indices_or_sections, dim=0):
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _dim(dim, input.ndim)
    n = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype._category != 1 or ios.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have integral dtype and to be a "
                               "zero-dimensional or one-dimensional tensor")
        ios = int(ios.item()) if ios.ndim == 0 else [int(i) for i in ios.tolist()]
    if isinstance(ios, _ints):
        sections = int(ios)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        q, r = divmod(n, sections)
        bounds, start = [], 0
        for i in range(sections):
            stop = start + q + (1 if i < r else 0)
            bounds.append((start, stop))
            start = stop
    else:
        bounds, start = [], 0
        for i in [int(i) for i in ios] + [n]:  # Python slicing of input[start:i], clamped like PyTorch's
            stop = builtins.min(builtins.max(i if i >= 0 else i + n, 0), n)
            bounds.append((start, builtins.max(stop, start)))
            start = stop
    return tuple(_slice_dim(input, d, s, e) for s, e in bounds)


def _dir_split(input, ios, dim, name, min_dim):
    if input.ndim < min_dim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    if isinstance(ios, _ints):
        n = input._data.shape[dim]
        if ios == 0 or n % ios:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{n} is not divisible by the split_size {ios}!")
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    return _dir_split(input, indices_or_sections, 1 if input.ndim > 1 else 0, "hsplit", 1)


def vsplit(input, indices_or_sections):
    return _dir_split(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections):
    return _dir_split(input, indices_or_sections, 2, "dsplit", 3)


def broadcast_to(input, size):
    return input.expand(tuple(size))


def view_as_real(input):
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return apply(_view_as_real, input)


def view_as_complex(input):
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError("view_as_complex is only supported for float and double tensors, but got a tensor of "
                           f"scalar type: {_pt_name(input.dtype)}")
    if input.ndim == 0 or input._data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    strides = input.stride()
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if builtins.any(s % 2 for s in strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return apply(_view_as_complex, input)


def view_dtype(self, dtype):
    """Tensor.view(dtype): reinterpret the bytes (PyTorch's rules for a different element size)."""
    dtype = _dtype.to_dtype(dtype)
    if dtype is self.dtype:
        return self.view(self._data.shape)
    old, new = self._data.dtype.itemsize, np.dtype(dtype.np).itemsize
    if old != new:
        what = f"to view {_pt_name(self.dtype)} as {_pt_name(dtype)} (different element sizes)"
        if self.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        strides = self.stride()
        if strides[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
        if new > old:
            ratio = new // old
            if self._data.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {self._data.shape[-1]}")
            if self.storage_offset() % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, but got "
                                   f"{self.storage_offset()}")
            for i, s in enumerate(strides[:-1]):
                if s % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} {what}, but got {s}")
    return apply(_view_dtype, self, dtype=dtype.np)


# ---------------------------------------------------------------------------
# in-place view ops: the tensor itself takes the view's geometry and graph node

def _inplace_view(self, view):
    if grad_mode._state.enabled and self._grad_fn is None and self._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    self._data = view._data
    if view._grad_fn is not None:
        self._grad_fn, self._output_nr = view._grad_fn, view._output_nr
    self._version_counter.value += 1
    return self


def squeeze_(self, dim=_NO_DIM):
    return _inplace_view(self, squeeze(self, dim))


def unsqueeze_(self, dim):
    return _inplace_view(self, unsqueeze(self, dim))


def t_(self):
    return _inplace_view(self, t(self))


def transpose_(self, dim0, dim1):
    return _inplace_view(self, transpose(self, dim0, dim1))


def as_strided_(self, size, stride, storage_offset=None):
    return _inplace_view(self, self.as_strided(size, stride, storage_offset))


# ---------------------------------------------------------------------------
# copies: cat, flip, roll, tril/triu, repeat_interleave, layouts

def _cat_forward(xp, *arrays, dim, dtype, sizes):
    kept = [a for a, s in zip(arrays, sizes) if s is not None]
    if not kept:
        return xp.empty((0,), dtype=dtype)
    if len(kept) == 1:
        return kept[0].astype(dtype, copy=True)
    return xp.concatenate(kept, axis=dim, dtype=dtype, casting="unsafe")


def _cat_backward(g, out, *inputs, dim, dtype, sizes):
    grads, start = [], 0
    for s in sizes:
        if s is None:  # a skipped empty 1-d input
            grads.append(_wrap(g._device.xp.zeros((0,), dtype=g._data.dtype), g._device))
            continue
        grads.append(_slice_dim(g, dim, start, start + s))
        start += s
    return tuple(grads)


def _flip_forward(xp, x, dims):
    out = xp.empty_like(x)  # keeps x's layout, as PyTorch does
    out[...] = xp.flip(x, dims)
    return out


def _roll_forward(xp, x, shifts, dims):
    if dims is None:
        return xp.roll(x.reshape(-1), shifts).reshape(x.shape)
    return xp.roll(x, shifts, dims)


def _repeat_interleave_forward(xp, x, repeats, dim):
    return xp.repeat(x, repeats, axis=dim)


def _segment_sum(xp, g, repeats, dim, n):
    """Sum the runs of `g` along `dim` that repeat_interleave made from each input slice."""
    shape = list(g.shape)
    shape[dim] = n
    out = xp.zeros(shape, dtype=g.dtype)
    index = xp.repeat(xp.arange(n), repeats)
    xp.add.at(xp.moveaxis(out, dim, 0), index, xp.moveaxis(g, dim, 0))
    return out


def _channels_last_order(ndim):
    """Dims from innermost to outermost in channels-last layouts: C, then the spatial dims backwards, then N."""
    return (1,) + tuple(range(ndim - 1, 1, -1)) + (0,)


def _channels_last_strides(shape):
    strides, expected = [0] * len(shape), 1
    for d in _channels_last_order(len(shape)):
        strides[d] = expected
        expected *= shape[d]
    return tuple(strides)


def _channels_last_forward(xp, x):
    flat = xp.empty(x.size, dtype=x.dtype)
    out = _strided(flat, x.shape, _channels_last_strides(x.shape))
    out[...] = x
    return out


# fmt: off
_cat = defop("cat", _cat_forward, _cat_backward, inputs=False)
_flip = defop("flip", _flip_forward,                                       lambda g, out, x, dims: flip(g, dims), inputs=False)
_roll = defop("roll", lambda xp, x, shifts, dims: _roll_forward(xp, x, shifts, dims),
              lambda g, out, x, shifts, dims: apply(_roll, g, shifts=tuple(-s for s in shifts) if dims is not None else -shifts, dims=dims),
              inputs=False)
_tril = defop("tril", lambda xp, x, diagonal: xp.tril(x, diagonal),         lambda g, out, x, diagonal: tril(g, diagonal), inputs=False)
_triu = defop("triu", lambda xp, x, diagonal: xp.triu(x, diagonal),         lambda g, out, x, diagonal: triu(g, diagonal), inputs=False)
_repeat_interleave = defop("repeat_interleave", lambda xp, x, repeats, dim: _repeat_interleave_forward(xp, x, repeats, dim),
                           lambda g, out, x, repeats, dim: apply(_segment_sum_op, g, repeats=repeats, dim=dim, n=len(repeats)),
                           inputs=False, node="IndexSelectBackward0")
_segment_sum_op = defop("segment_sum", lambda xp, g, repeats, dim, n: _segment_sum(xp, g, repeats, dim, n),
                        lambda gg, out, g, repeats, dim, n: apply(_repeat_interleave, gg, repeats=repeats, dim=dim),
                        inputs=False)
_stack = defop("stack", lambda xp, *arrays, dim, dtype: xp.stack(arrays, axis=dim, dtype=dtype, casting="unsafe"),
               lambda g, out, *inputs, dim, dtype: unbind(g, dim), inputs=False)
_fill_where = defop("fill_where", lambda xp, x, mask, value: xp.where(mask, xp.asarray(value, dtype=x.dtype), x),
                    lambda g, out, x, mask, value: g * _wrap(g._device.xp.asarray(~mask), g._device), inputs=False,
                    node="FillBackward0")
_to_channels_last = defop("to_channels_last", _channels_last_forward,       lambda g, out, x: g, inputs=False, node="CloneBackward0")
# fmt: on


def _tensor_seq(tensors, name, nonempty=False):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    if nonempty and not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return list(tensors)


def _skipped(x):
    return x._data.ndim == 1 and x._data.shape[0] == 0  # legacy: cat ignores empty 1-d inputs


def cat(tensors, dim=0, *, out=None, axis=None):
    if axis is not None:
        dim = axis
    tensors = _tensor_seq(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dtype = tensors[0].dtype
    for i, x in enumerate(tensors):
        dtype = _dtype.promote_types(dtype, x.dtype)
        if x._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [x for x in tensors if not _skipped(x)]
    ref = kept[0]._data.shape if kept else (0,)
    d = _dim(dim, len(ref))
    for i, x in enumerate(tensors):
        shape = x._data.shape
        if _skipped(x) or shape == ref:
            continue
        if len(shape) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and {len(shape)}")
        for k in range(len(ref)):
            if k != d and shape[k] != ref[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {ref[k]} but "
                                   f"got size {shape[k]} for tensor number {i} in the list.")
    sizes = tuple(None if _skipped(x) else x._data.shape[d] for x in tensors)
    return _finish(apply(_cat, *tensors, dim=d, dtype=dtype.np, sizes=sizes), out)


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = _tensor_seq(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, x in enumerate(tensors[1:], 1):
        if x._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(x.shape)} at entry {i}")
    d = _dim(dim, len(shape) + 1)
    dtype = tensors[0].dtype
    for x in tensors[1:]:
        dtype = _dtype.promote_types(dtype, x.dtype)
    return _finish(apply(_stack, *tensors, dim=d, dtype=dtype.np), out)


def atleast_1d(*tensors):
    return _atleast(tensors, lambda x: x.reshape(1) if x.ndim == 0 else x)


def atleast_2d(*tensors):
    return _atleast(tensors, lambda x: x.reshape((1,) * (2 - x.ndim) + tuple(x.shape)) if x.ndim < 2 else x)


def atleast_3d(*tensors):
    def f(x):
        if x.ndim == 0:
            return x.reshape(1, 1, 1)
        if x.ndim == 1:
            return unsqueeze(unsqueeze(x, 0), 2)
        if x.ndim == 2:
            return unsqueeze(x, 2)
        return x
    return _atleast(tensors, f)


def _atleast(tensors, f):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return f(tensors[0])
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    return tuple(f(x) for x in tensors)


def hstack(tensors, *, out=None):
    tensors = [atleast_1d(x) for x in _tensor_seq(tensors, "hstack", nonempty=True)]
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    return cat([atleast_2d(x) for x in _tensor_seq(tensors, "vstack", nonempty=True)], 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    return cat([atleast_3d(x) for x in _tensor_seq(tensors, "dstack", nonempty=True)], 2, out=out)


def column_stack(tensors, *, out=None):
    tensors = _tensor_seq(tensors, "column_stack", nonempty=True)
    cols = [x.reshape(x.numel(), 1) if x.ndim <= 1 else x for x in tensors]
    return cat(cols, 1, out=out)


def flip(input, dims):
    if isinstance(dims, _ints):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    dims = _dim_list(tuple(dims), input.ndim)
    return apply(_flip, input, dims=dims)


def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def roll(input, shifts, dims=None):
    shifts = (shifts,) if isinstance(shifts, _ints) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return apply(_roll, input, shifts=int(shifts[0]), dims=None)
    dims = (dims,) if isinstance(dims, _ints) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(_dim(d, input.ndim) for d in dims)
    return apply(_roll, input, shifts=tuple(int(s) for s in shifts), dims=dims)


def rot90(input, k=1, dims=(0, 1)):
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = _dim(dims[0], input.ndim), _dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    return input.clone()


def repeat(self, *sizes):
    sizes = _shape_arg(sizes, "repeat", "repeats")
    if len(sizes) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{[a * b for a, b in zip(sizes, (1,) * (len(sizes) - self.ndim) + tuple(self.shape))]}")
    shape = (1,) * (len(sizes) - self.ndim) + tuple(self.shape)
    # each dim becomes (repeat, size): broadcast, then merge the pairs (one copy, gradients by expand/reshape)
    inter = []
    for s in shape:
        inter += [1, s]
    big = []
    for r, s in zip(sizes, shape):
        big += [r, s]
    return apply(_contiguous, self.reshape(inter).expand(big)).view(tuple(r * s for r, s in zip(sizes, shape)))


def tile(input, dims):
    dims = tuple(dims) if not isinstance(dims, _ints) else (dims,)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None, out=None):
    if repeats is None:  # torch.repeat_interleave(repeats): index i repeated repeats[i] times
        counts = input
        if counts.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        host = np.asarray(counts._host())
        if (host < 0).any():
            raise RuntimeError("repeats can not be negative")
        from .._creation import arange
        return repeat_interleave(arange(counts.numel(), device=counts.device), counts, 0)
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = _dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.ndim == 0:
        repeats = int(repeats.item())
    if isinstance(repeats, _ints):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        n = input._data.shape[dim] if input.ndim else 1
        if output_size is not None and output_size != n * repeats:
            raise RuntimeError("allocated size does not match required size")
        if input.ndim == 0:
            return input.reshape(1).expand(repeats).clone()
        shape = tuple(input.shape)
        wide = shape[:dim + 1] + (repeats,) + shape[dim + 1:]
        wide = apply(_contiguous, unsqueeze(input, dim + 1).expand(wide))
        return wide.view(shape[:dim] + (shape[dim] * repeats,) + shape[dim + 1:])
    if repeats.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if repeats.dtype._category != 1:
        raise RuntimeError("repeats has to be Long or Int tensor")
    counts = np.asarray(repeats._host()).astype(np.int64)
    n = input._data.shape[dim] if input.ndim else 1
    if counts.shape[0] == 1 and n != 1:
        counts = np.repeat(counts, n)
    if counts.shape[0] != n:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{counts.shape[0]} and input.size({dim}) = {n}")
    if (counts < 0).any():
        raise RuntimeError("repeats can not be negative")
    if output_size is not None and output_size != int(counts.sum()):
        raise RuntimeError("allocated size does not match required size")
    if input.ndim == 0:
        input = input.reshape(1)
    if input._device.type != "cpu":
        counts = input._device.xp.asarray(counts)
    return _finish(apply(_repeat_interleave, input, repeats=counts, dim=dim), out)


def _tri(op, name, input, diagonal, out):
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return _finish(apply(op, input, diagonal=int(diagonal)), out)


def tril(input, diagonal=0, *, out=None):
    return _tri(_tril, "tril", input, diagonal, out)


def triu(input, diagonal=0, *, out=None):
    return _tri(_triu, "triu", input, diagonal, out)


def _tril_(self, diagonal=0):
    if self.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return apply_inplace(_tril, self, diagonal=int(diagonal))


def _triu_(self, diagonal=0):
    if self.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return apply_inplace(_triu, self, diagonal=int(diagonal))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    ndim = input.ndim + 1
    d1, d2 = _dim(dim1, ndim), _dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = (input._data.shape[-1] if input.ndim else 1) + builtins.abs(int(offset))
    rest = list(input._data.shape[:-1])
    shape = []
    for i in range(ndim):
        shape.append(n if i in (d1, d2) else rest.pop(0))
    src = input if input.ndim else input.reshape(1)
    return apply(_diagonal_backward, src, offset=int(offset), dim1=d1, dim2=d2, shape=tuple(shape))


def diag(input, diagonal=0, *, out=None):
    if input.ndim == 1:
        return _finish(diag_embed(input, diagonal), out)
    if input.ndim == 2:
        return _finish(apply(_contiguous, _diagonal_fn(input, diagonal)), out)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def diagflat(input, offset=0):
    return diag_embed(input.reshape(-1), offset)


def block_diag(*tensors):
    from .._creation import zeros
    mats = []
    for i, x in enumerate(tensors):
        if x.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{x.ndim} dimensions")
        mats.append(x.reshape(1, -1) if x.ndim < 2 else x)
    if not mats:
        return zeros(1, 0)
    dtype = mats[0].dtype
    for m in mats[1:]:
        dtype = _dtype.promote_types(dtype, m.dtype)
    width = builtins.sum(m._data.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m._data.shape
        parts = [zeros(r, left, dtype=dtype, device=m.device), m.to(dtype),
                 zeros(r, width - left - c, dtype=dtype, device=m.device)]
        rows.append(cat(parts, 1))
        left += c
    return cat(rows, 0)


def broadcast_shapes(*shapes):
    dims = []
    for s in shapes:
        s = (s,) if isinstance(s, _ints) else tuple(s)
        for k in s:
            if k < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
        dims.append(s)
    result = [1] * builtins.max((len(s) for s in dims), default=0)
    for idx, s in enumerate(dims):
        for i in range(-1, -len(s) - 1, -1):
            if s[i] == 1 or s[i] == result[i]:
                continue
            if result[i] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[i]} at {i}! Mismatching argument "
                                   f"at index {idx} had {s}; but expected shape should be broadcastable to {result}")
            result[i] = s[i]
    from .._size import Size
    return Size(result)


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    shape = ()
    for x in tensors:
        s = x._data.shape
        ndim = builtins.max(len(shape), len(s))
        for i in range(1, ndim + 1):
            a = shape[-i] if i <= len(shape) else 1
            b = s[-i] if i <= len(s) else 1
            if a != b and a != 1 and b != 1:
                raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                                   f"non-singleton dimension {ndim - i}")
        shape = np.broadcast_shapes(shape, s)
    return tuple(x.expand(shape) for x in tensors)


def ravel(input):
    return reshape(input, (-1,))


def _is_channels_last(shape, strides):
    """PyTorch's channels-last contiguity (size-1 dims ignored)."""
    expected = 1
    for d in _channels_last_order(len(shape)):
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def to_channels_last(self, ndim=4):
    """contiguous(memory_format=torch.channels_last) of an NCHW tensor (channels_last_3d: NCDHW, ndim=5)."""
    if self.ndim != ndim:
        suffix = "_3d" if ndim == 5 else ""
        raise RuntimeError(f"required rank {ndim} tensor to use channels_last{suffix} format")
    if _is_channels_last(self._data.shape, self.stride()):
        return self
    return apply(_to_channels_last, self)


def contiguous(self, memory_format=None):
    name = getattr(memory_format, "name", None) if memory_format is not None else None
    if name in ("channels_last", "channels_last_3d"):
        return to_channels_last(self, 4 if name == "channels_last" else 5)
    if name == "preserve_format":
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    if self.is_contiguous():
        return self
    return apply(_contiguous, self)


# ---------------------------------------------------------------------------
# scatters (out-of-place writes through a view)

def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    d = _dim(dim, input.ndim)
    key = (slice(None),) * d + (slice(start, end, step), Ellipsis)
    return _scatter_key(input, src, key)


def select_scatter(input, src, dim, index):
    d = _dim(dim, input.ndim)
    key = (slice(None),) * d + (int(index) % input._data.shape[d], Ellipsis)
    return _scatter_key(input, src, key)


def _scatter_key(input, src, key):
    shape = input._data.shape
    src = src.to(input.dtype)
    mask = np.ones(shape, dtype=bool)
    mask[key] = False
    keep = _wrap(input._device.xp.asarray(mask), input._device)
    return input * keep + apply(_slice_backward, src, key=key, shape=shape)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    d1, d2 = _dim(dim1, input.ndim), _dim(dim2, input.ndim)
    shape = input._data.shape
    mask = np.ones(shape, dtype=bool)
    _diag_view(mask, int(offset), d1, d2)[...] = False
    keep = _wrap(input._device.xp.asarray(mask), input._device)
    return input * keep + apply(_diagonal_backward, src.to(input.dtype), offset=int(offset), dim1=d1, dim2=d2,
                                shape=shape)



def fill_diagonal_(self, fill_value, wrap=False):
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.ndim > 2 and len(set(self._data.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(self._data.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    if self._device.type != "cpu":
        mask = self._device.xp.asarray(mask)
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return apply_inplace(_fill_where, self, mask=mask, value=value)


def channel_shuffle(input, groups):
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c = input._data.shape[:2]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    rest = tuple(input._data.shape[2:])
    x = reshape(input, (n, groups, c // groups) + rest).transpose(1, 2)
    return apply(_contiguous, x).view((n, c) + rest)


native_channel_shuffle = channel_shuffle


def unsafe_split(tensor, split_size, dim=0):
    if not isinstance(split_size, _ints):
        raise TypeError(f"unsafe_split(): argument 'split_size' (position 2) must be int, not "
                        f"{type(split_size).__name__}")
    return split(tensor, split_size, dim)


unsafe_chunk, unsafe_split_with_sizes = chunk, split_with_sizes


def resize_(self, *sizes, memory_format=None):
    """Give the tensor a new shape over its storage from storage_offset(); growing reallocates (zeros, not garbage)."""
    shape = _shape_arg(sizes, "resize_", "size")
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if builtins.any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {builtins.min(shape)}: {list(shape)}")
    n = int(np.prod(shape, dtype=np.int64))
    data = self._data
    flat = _storage.storage_array(data)[self.storage_offset():] if data.__class__ is np.ndarray else data.reshape(-1)
    if flat.size >= n and data.__class__ is np.ndarray:
        self._data = flat[:n].reshape(shape)  # still a view of the same storage
    else:
        new = self._device.xp.zeros(n, dtype=data.dtype)
        keep = builtins.min(n, flat.size)
        new[:keep] = flat[:keep]
        self._data = new.reshape(shape)
    self._version_counter.value += 1
    return self


def resize_as_(self, the_template, memory_format=None):
    return resize_(self, the_template._data.shape)


def _resize(self, *sizes):
    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    return _autograd_resize(self, sizes)


def _resize_as(self, tensor):
    warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
    return _autograd_resize(self, tuple(tensor.shape))


def _autograd_resize(self, sizes):
    """PyTorch's autograd Resize: a reshape that keeps the element count (sizes as varargs only)."""
    ints = builtins.all(isinstance(s, _ints) for s in sizes)
    n = int(np.prod(sizes, dtype=np.int64)) if ints else None
    if n != self.numel():
        want = "x".join(str(s) for s in sizes) if ints else str(sizes[0])
        raise RuntimeError(f"requested resize to {want} ({n if ints else want} elements in total), but the given "
                           f"tensor has a size of {'x'.join(str(s) for s in self._data.shape)} ({self.numel()} "
                           "elements). autograd's resize can only change the shape of a given tensor, while "
                           "preserving the number of elements. ")
    return reshape(self, tuple(sizes))


def _copy_variant(view_fn, name):
    """torch.<view>_copy: the view's values in a fresh contiguous tensor."""
    def fn(*args, out=None, **kwargs):
        r = view_fn(*args, **kwargs)
        r = tuple(apply(_contiguous, v) for v in r) if isinstance(r, tuple) else apply(_contiguous, r)
        return _finish(r, out)
    fn.__name__ = name
    return fn


_COPIES = {
    "alias_copy": lambda x: x.view(x._data.shape), "as_strided_copy": lambda x, *a, **k: x.as_strided(*a, **k),
    "detach_copy": lambda x: x.detach(), "diagonal_copy": diagonal, "expand_copy": lambda x, *a, **k: x.expand(*a, **k),
    "permute_copy": permute, "select_copy": select, "slice_copy": lambda x, dim=0, start=None, end=None, step=1:
    _slice_dim(x, _dim(dim, x.ndim), start, end, step), "split_copy": unsafe_split, "split_with_sizes_copy": split_with_sizes,
    "squeeze_copy": squeeze, "t_copy": t, "transpose_copy": transpose, "unbind_copy": unbind,
    "unfold_copy": unfold, "unsqueeze_copy": unsqueeze, "view_as_complex_copy": view_as_complex,
    "view_as_real_copy": view_as_real, "view_copy": lambda x, *a, **k: x.view(*a, **k),
}
for _name, _fn in _COPIES.items():
    globals()[_name] = _copy_variant(_fn, _name)
    __all__.append(_name)


register_methods({
    "permute": lambda self, *dims, **kw: permute(self, kw.pop("dims") if "dims" in kw else _varargs(dims), **kw), "transpose": transpose, "swapaxes": swapaxes, "swapdims": swapdims, "t": t,
    "adjoint": adjoint, "T": property(_T), "mT": property(_mT), "H": property(_H), "mH": property(_mH),
    "squeeze": squeeze, "unsqueeze": unsqueeze, "narrow": narrow, "narrow_copy": narrow_copy, "select": select,
    "unfold": unfold, "diagonal": diagonal, "flatten": flatten, "unflatten": unflatten, "movedim": movedim,
    "moveaxis": moveaxis, "split": split, "split_with_sizes": split_with_sizes, "chunk": chunk, "unbind": unbind,
    "tensor_split": tensor_split, "hsplit": hsplit, "vsplit": vsplit, "dsplit": dsplit, "broadcast_to": lambda self, *size: broadcast_to(self, _varargs(size)),
    "squeeze_": squeeze_, "unsqueeze_": unsqueeze_, "t_": t_, "transpose_": transpose_, "swapaxes_": transpose_,
    "swapdims_": transpose_, "as_strided_": as_strided_,
    "flip": lambda self, *dims, **kw: flip(self, kw.pop("dims") if "dims" in kw else _varargs(dims), **kw), "fliplr": fliplr, "flipud": flipud, "roll": roll, "rot90": rot90, "repeat": repeat, "tile": tile,
    "repeat_interleave": repeat_interleave, "tril": tril, "triu": triu, "tril_": _tril_, "triu_": _triu_,
    "diag": diag, "diag_embed": diag_embed, "diagflat": diagflat, "ravel": ravel, "contiguous": contiguous,
    "slice_scatter": slice_scatter, "select_scatter": select_scatter, "diagonal_scatter": diagonal_scatter,
    # WORKAROUND (to drop when core.reshape copies in C order): core.reshape clones with NumPy's order 'K',
    # which keeps a transposed layout, and then fails to view it; view's VJP (g.reshape) hits it too

    "fill_diagonal_": fill_diagonal_, "resize_": resize_, "resize_as_": resize_as_, "resize": _resize,
    "resize_as": _resize_as, "unsafe_split": unsafe_split, "unsafe_chunk": unsafe_chunk,
    "unsafe_split_with_sizes": unsafe_split_with_sizes,
})
