"""functorch.dim: first-class dimensions.

A `Dim` is an object standing for one dimension, bound to a size the first time it indexes a tensor:

    i, j, k = dims(3)
    c = (a[i, k] * b[k, j]).sum(k)      # a matrix product, by naming dimensions
    c.order(i, j)                      # back to an ordinary (i, j)-shaped tensor

NOTE [ Levels ]
A tensor with first-class dims is a plain ember Tensor `_t` plus one *level* per axis of `_t`: a
`Dim`, or a negative int for a positional axis (-1 is the last). Operations line up operands by
level, not by position: each operand is permuted into the result's level order, with size-1 axes
for the levels it lacks, and ember's broadcasting does the rest. Positional levels count from the
right, so they broadcast as ordinary dimensions do. Every computation is an ember op on `_t`, so
autograd works through first-class dims unchanged. Levels are compared by identity (`Dim.__eq__`
is the elementwise comparison of a Dim's index tensor, as in functorch).

ember has no `__torch_function__`, so first-class-dim tensors work through their methods and
operators (`t.sum(i)`, `t.relu()`, `t * u`), not through `torch.relu(t)`.
"""
import dis
import numbers
import operator
import sys

from .._size import Size
from .._tensor import Tensor as _PlainTensor
from ..ops import indexing as _indexing

__all__ = ["Dim", "DimensionBindError", "DimensionMismatchError", "Tensor", "dims", "index"]


class DimensionBindError(Exception):
    pass


class DimensionMismatchError(Exception):
    pass


class Dim:
    """One first-class dimension: a name, and a size bound on first use."""

    def __init__(self, name, size=None):
        self._name = name
        self._size = None
        if size is not None:
            self.size = size

    @property
    def size(self):
        if self._size is None:
            raise ValueError(f"dimension {self._name} is unbound")
        return self._size

    @size.setter
    def size(self, size):
        if self._size is None:
            self._size = int(size)
        elif self._size != size:
            raise DimensionBindError(f"Dim '{self._name}' previously bound to a dimension of size {self._size} "
                                     f"cannot bind to a dimension of size {size}")

    @property
    def is_bound(self):
        return self._size is not None

    def __repr__(self):
        return self._name

    __hash__ = object.__hash__

    def _as_tensor(self):
        """A Dim used as a value is the tensor of its indices 0..size-1."""
        from .. import arange
        return _DimTensor(arange(self.size), [self])

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._as_tensor(), name)


def _position(levels, level):
    """Index of `level` in `levels` (Dims by identity, positional levels by value), or -1."""
    if isinstance(level, Dim):
        return next((n for n, lv in enumerate(levels) if lv is level), -1)
    return next((n for n, lv in enumerate(levels) if not isinstance(lv, Dim) and lv == level), -1)


def _assigned_names(frame, count):
    """The names the caller's statement assigns the call's result to (`i, j = dims()`), or None."""
    names, unpack, started = [], None, False
    for ins in dis.get_instructions(frame.f_code):
        if ins.offset <= frame.f_lasti or (not started and ins.opname in ("CACHE", "PRECALL", "CALL")):
            continue
        started = True
        if ins.opname == "UNPACK_SEQUENCE" and unpack is None and not names:
            unpack = ins.arg
        elif ins.opname in ("STORE_FAST", "STORE_NAME", "STORE_GLOBAL", "STORE_DEREF"):
            names.append(ins.argval)
            if len(names) == (unpack or 1):
                break
        else:
            break
    wanted = unpack or 1
    if len(names) == wanted and count in (None, wanted if unpack else 1, wanted):
        return names
    return None


def dims(n=None, sizes=None):
    """Create first-class dims named after the variables they are assigned to: `i, j = dims(2)`.

    With neither `n` nor `sizes`, the count is read from the assignment (`i = dims()` gives one Dim).
    """
    if sizes is not None and n is None:
        n = len(sizes)
    names = _assigned_names(sys._getframe(1), n)
    count = n if n is not None else (len(names) if names else 1)
    if names is None or len(names) != count:
        names = [f"d{n}" for n in range(count)]  # as functorch names dims it cannot name
    sizes = list(sizes) if sizes is not None else [None] * count
    made = tuple(Dim(name, size) for name, size in zip(names, sizes))
    return made[0] if n is None and count == 1 else made


# ---------------------------------------------------------------------------
# tensors with first-class dims

def _levels_of(x):
    if isinstance(x, _DimTensor):
        return x._levels
    if isinstance(x, Dim):
        return [x]
    if isinstance(x, _PlainTensor):
        return list(range(-x.ndim, 0))
    return []


def _union(operands):
    """The levels of a result combining `operands`: Dims in order of first appearance, then positional ones."""
    found, positional = [], 0
    for x in operands:
        for lv in _levels_of(x):
            if isinstance(lv, Dim):
                if _position(found, lv) < 0:
                    found.append(lv)
            else:
                positional = max(positional, -lv)
    return found + list(range(-positional, 0))


def _align(x, levels):
    """`x` as an ember tensor whose axes follow `levels` (size 1 where x lacks a level)."""
    if isinstance(x, Dim):
        x = x._as_tensor()
    if not isinstance(x, _PlainTensor | _DimTensor):
        return x  # a Python number broadcasts by itself
    own = _levels_of(x)
    t = x._t if isinstance(x, _DimTensor) else x
    order = [p for p in (_position(own, lv) for lv in levels) if p >= 0]
    if order != list(range(len(order))):
        t = t.permute(order)
    sizes = iter(t.shape)
    shape = [next(sizes) if _position(own, lv) >= 0 else 1 for lv in levels]
    return t.reshape(shape) if tuple(shape) != tuple(t.shape) else t


def _number_positional(levels):
    """`levels` with the positional entries (ints or None) numbered -k..-1 from the right."""
    numbers = iter(range(-sum(1 for lv in levels if not isinstance(lv, Dim)), 0))
    return [lv if isinstance(lv, Dim) else next(numbers) for lv in levels]


def _wrap(t, levels):
    """A result with `levels`: an ordinary Tensor when no first-class dim is left."""
    if not any(isinstance(lv, Dim) for lv in levels):
        return t
    return _DimTensor(t, levels)


def _pointwise(fn, *operands):
    levels = _union(operands)
    out = fn(*(_align(x, levels) for x in operands))
    if out.ndim != len(levels):
        raise NotImplementedError("this operation changes the shape; it is not supported on first-class dims")
    return _wrap(out, levels)


# methods that take `dim` and remove it, or work along it and keep it
_REDUCTIONS = {"sum", "mean", "prod", "amax", "amin", "std", "var", "logsumexp", "nansum", "nanmean", "max", "min",
               "argmax", "argmin", "norm", "all", "any", "count_nonzero", "median"}
_ALONG = {"softmax", "log_softmax", "cumsum", "cumprod", "flip", "sort", "argsort", "cummax", "cummin"}


def _is_dim_arg(x):
    if isinstance(x, tuple | list):
        return bool(x) and all(_is_dim_arg(d) for d in x)
    return isinstance(x, Dim) or (isinstance(x, int) and not isinstance(x, bool))


class _DimTensor:
    """A tensor with first-class dims (functorch.dim.Tensor); see NOTE [ Levels ]."""

    __slots__ = ("_levels", "_t")

    def __init__(self, t, levels):
        self._t = t
        self._levels = list(levels)

    # only the positional levels are visible as dimensions
    @property
    def dims(self):
        return tuple(lv for lv in self._levels if isinstance(lv, Dim))

    @property
    def ndim(self):
        return sum(1 for lv in self._levels if not isinstance(lv, Dim))

    def dim(self):
        return self.ndim

    @property
    def shape(self):
        return Size(s for s, lv in zip(self._t.shape, self._levels) if not isinstance(lv, Dim))

    def size(self, d=None):
        return self.shape if d is None else self.shape[d]

    dtype = property(lambda self: self._t.dtype)
    device = property(lambda self: self._t.device)
    requires_grad = property(lambda self: self._t.requires_grad)
    grad_fn = property(lambda self: self._t.grad_fn)

    def _axis(self, d):
        """The axis of `_t` for a Dim or a positional dimension index."""
        if isinstance(d, Dim):
            p = _position(self._levels, d)
            if p < 0:
                raise DimensionMismatchError(f"dimension {d} is not in this tensor's dims {self.dims}")
            return p
        n = self.ndim
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
        return _position(self._levels, d - n if d >= 0 else d)

    def order(self, *dims):
        """Move the given dims (Dims or positional indices) to the front, as positional dimensions."""
        flat = [d for x in dims for d in (x if isinstance(x, tuple | list) else (x,))]
        moved = [self._axis(d) for d in flat]
        rest = [a for a in range(len(self._levels)) if a not in moved]
        kept = [a for a in rest if isinstance(self._levels[a], Dim)]
        positional = [a for a in rest if not isinstance(self._levels[a], Dim)]
        t = self._t.permute(kept + moved + positional)
        return _wrap(t, [self._levels[a] for a in kept] + list(range(-(len(moved) + len(positional)), 0)))

    def __getitem__(self, index):
        """Index the positional dimensions; Dims in the index bind them."""
        axes = [a for a, lv in enumerate(self._levels) if isinstance(lv, Dim)]
        inner = self._t.permute(axes + [a for a in range(len(self._levels)) if a not in axes])  # Dims first
        index = index if isinstance(index, tuple) else (index,)
        t, marks = _bind(inner, (slice(None),) * len(axes) + index)
        return _wrap(t, _number_positional([self._levels[a] for a in axes] + marks[len(axes):]))

    def __getattr__(self, name):
        """Tensor methods: reductions take Dims as `dim`; everything else is applied level-wise."""
        method = getattr(_PlainTensor, name)

        def call(*args, **kwargs):
            if name in _REDUCTIONS or name in _ALONG:
                dim = kwargs.pop("dim", None)
                if dim is None and args and _is_dim_arg(args[0]):
                    dim, args = args[0], args[1:]
                return self._reduce(name, method, dim, args, kwargs)
            return _pointwise(lambda t, *rest: method(t, *rest, **kwargs), self, *args)
        call.__name__ = name
        return call

    def _reduce(self, name, method, dim, args, kwargs):
        if dim is None:
            axes = [a for a, lv in enumerate(self._levels) if not isinstance(lv, Dim)]  # every positional dim
        else:
            axes = [self._axis(d) for d in (dim if isinstance(dim, tuple | list) else (dim,))]
        along = name in _ALONG
        if along and len(axes) != 1:
            raise TypeError(f"{name} works along exactly one dimension")
        if kwargs.get("keepdim") and any(isinstance(self._levels[a], Dim) for a in axes):
            raise NotImplementedError("keepdim=True when reducing a first-class dim")
        if not axes:
            return _wrap(method(self._t, *args, **kwargs), self._levels)
        out = method(self._t, axes[0] if len(axes) == 1 else tuple(axes), *args, **kwargs)
        keep = along or kwargs.get("keepdim", False)
        levels = _number_positional([lv for a, lv in enumerate(self._levels) if keep or a not in axes])
        if isinstance(out, tuple):  # (values, indices)
            parts = [_wrap(o, levels) for o in out]
            return type(out)(*parts) if hasattr(out, "_fields") else type(out)(parts)
        return _wrap(out, levels)

    def __repr__(self):
        shown = [str(lv) if isinstance(lv, Dim) else str(lv + self.ndim) for lv in self._levels]
        return f"{self._t!r}\nwith dims=({', '.join(shown)}{',' if len(shown) == 1 else ''}) " \
               f"sizes={tuple(self._t.shape)}"

    def __bool__(self):
        raise RuntimeError("Boolean value of a tensor with first-class dims is ambiguous")

    __hash__ = object.__hash__


def _operand(x):  # anything else (Ellipsis in `... in index`, strings) is not ours to combine
    return isinstance(x, numbers.Number | _PlainTensor | _DimTensor | Dim)


def _binary_method(fn):
    return lambda self, other: _pointwise(fn, self, other) if _operand(other) else NotImplemented


def _reflected_method(fn):
    return lambda self, other: _pointwise(lambda a, b: fn(b, a), self, other) if _operand(other) else NotImplemented


def _unary_method(fn):
    return lambda self: _pointwise(fn, self)


def _install_operators():
    """Arithmetic and comparisons, for first-class-dim tensors and for Dims used as values."""
    binary = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
              "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "matmul": operator.matmul,
              "and": operator.and_, "or": operator.or_, "xor": operator.xor}
    compare = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
               "eq": operator.eq, "ne": operator.ne}
    for cls in (_DimTensor, Dim):
        for name, fn in {**binary, **compare}.items():
            setattr(cls, f"__{name}__", _binary_method(fn))
        for name, fn in binary.items():
            setattr(cls, f"__r{name}__", _reflected_method(fn))
        for name in ("neg", "pos", "abs", "invert"):
            setattr(cls, f"__{name}__", _unary_method(getattr(operator, name)))


_install_operators()
Tensor = _DimTensor  # functorch.dim.Tensor: the type of tensors with first-class dims
Tensor.__name__ = Tensor.__qualname__ = "Tensor"


# ---------------------------------------------------------------------------
# binding Dims: indexing and Tensor.index

def _has_dim(index):
    return isinstance(index, Dim) or (type(index) is tuple and any(isinstance(i, Dim) for i in index))


def _bind(t, index):
    """`t[index]` with each Dim of `index` taken as a full slice; returns the result and, per result axis,
    the Dim bound to it or None. Each Dim is bound to its axis's size."""
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    if consumed > t.ndim:
        raise ValueError(f"at least {consumed} indices were supplied but the tensor only has {t.ndim} dimensions")
    plain, marks, axis = [], [], 0
    for item in index:
        if isinstance(item, Dim):
            item.size = t.shape[axis]
            plain.append(slice(None))
            marks.append(item)
            axis += 1
        elif item is Ellipsis:
            span = t.ndim - consumed
            plain.append(Ellipsis)
            marks.extend([None] * span)
            axis += span
        elif item is None:
            plain.append(None)
            marks.append(None)
        elif isinstance(item, int | slice):
            plain.append(item)
            if isinstance(item, slice):
                marks.append(None)
            axis += 1
        else:
            raise NotImplementedError(f"first-class dims cannot be combined with {type(item).__name__} indices")
    marks.extend([None] * (t.ndim - axis))  # trailing axes the index did not mention
    bound = [d for d in marks if d is not None]
    if len(bound) != len(set(map(id, bound))):
        raise DimensionBindError("a Dim may index only one dimension of a tensor")
    return _indexing.getitem(t, tuple(plain)), marks


def getitem(t, index):
    """An ordinary tensor indexed with Dims (ember's getitem hands such indices here)."""
    out, marks = _bind(t, index if isinstance(index, tuple) else (index,))
    return _wrap(out, _number_positional(marks))


def index(self, positions, dims):
    """Tensor.index: bind the dimensions at `positions` to `dims`, as indexing with those Dims would."""
    if isinstance(self, _DimTensor):
        raise NotImplementedError("Tensor.index on a tensor that already has first-class dims")
    positions = positions if isinstance(positions, tuple | list) else (positions,)
    dims = dims if isinstance(dims, tuple | list) else (dims,)
    if len(positions) != len(dims):
        raise ValueError(f"got {len(positions)} positions but {len(dims)} dims")
    ndim = self.ndim
    by_axis = {}
    for p, d in zip(positions, dims):
        if not -ndim <= p < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {p})")
        by_axis[p % ndim] = d
    return getitem(self, tuple(by_axis.get(a, slice(None)) for a in range(ndim)))


_indexing.FIRST_CLASS_DIMS[:] = [_has_dim, getitem]  # ember's getitem hands indices with Dims here
