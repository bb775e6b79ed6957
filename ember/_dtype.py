"""dtype objects and PyTorch's type-promotion rules (the one place they live).

NOTE [ Type promotion ]
PyTorch promotes by *category* (bool < integer < floating < complex) in three
priority levels: tensors with dimensions, zero-dim tensors, and Python numbers.
A lower level only matters when it has a higher category than the levels above
it; a Python float then means the default dtype, a Python complex the default
complex dtype, a Python int int64.  NumPy's own rules differ (int32 + 2.5 gives
float64 there), so every op computes its result dtype here and casts first.
"""
import builtins

import ml_dtypes
import numpy as np

__all__ = [
    "dtype", "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float16", "bfloat16", "float32", "float64", "complex32", "complex64", "complex128",
    "half", "float", "double", "short", "int", "long", "cfloat", "cdouble", "chalf",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "can_cast",
    "finfo", "iinfo", "is_floating_point", "is_complex",
]


class dtype:
    """A tensor element type; wraps a NumPy dtype. Printed as ``torch.float32``."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed", "_category", "_rank")

    def __init__(self, name, np_dtype, category, rank):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = name not in ("bool", "uint8", "uint16", "uint32", "uint64")
        self._category = category  # 0 bool, 1 integer, 2 floating, 3 complex
        self._rank = rank

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self):
        return {complex32: float16, complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        return {float16: complex32, bfloat16: complex64, float32: complex64, float64: complex128}.get(self, self)


def _dtype_by_name(name):
    return _BY_NAME[name]


bool = dtype("bool", np.bool_, 0, 0)
uint8 = dtype("uint8", np.uint8, 1, 1)
int8 = dtype("int8", np.int8, 1, 2)
int16 = dtype("int16", np.int16, 1, 3)
int32 = dtype("int32", np.int32, 1, 4)
int64 = dtype("int64", np.int64, 1, 5)
uint16 = dtype("uint16", np.uint16, 1, 3)
uint32 = dtype("uint32", np.uint32, 1, 4)
uint64 = dtype("uint64", np.uint64, 1, 5)
float16 = dtype("float16", np.float16, 2, 6)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, 2, 6)
float32 = dtype("float32", np.float32, 2, 7)
float64 = dtype("float64", np.float64, 2, 8)
complex32 = dtype("complex32", np.complex64, 3, 7)  # no NumPy chalf: stored as complex64
complex64 = dtype("complex64", np.complex64, 3, 8)
complex128 = dtype("complex128", np.complex128, 3, 9)
complex32.np = np.dtype(np.complex64)

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble, chalf = complex64, complex128, complex32

ALL = (bool, uint8, int8, int16, int32, int64, uint16, uint32, uint64,
       float16, bfloat16, float32, float64, complex64, complex128)
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME["complex32"] = complex32
# NumPy dtype -> ember dtype; complex32 is never produced from NumPy.
FROM_NP = {d.np: d for d in ALL}
FROM_NP.update({d.np.type: d for d in ALL})


def from_numpy_dtype(np_dtype):
    try:
        return FROM_NP[np_dtype]
    except KeyError:
        try:
            return FROM_NP[np.dtype(np_dtype)]
        except (KeyError, TypeError):
            raise TypeError(
                f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, "
                "uint32, uint16, uint8, and bool.") from None


def to_dtype(obj):
    """Accept an ember dtype, a NumPy dtype/type, or a Python type (float, int, bool, complex)."""
    if obj.__class__ is dtype:
        return obj
    if obj is builtins.float:
        return float64
    if obj is builtins.int:
        return int64
    if obj is builtins.bool:
        return bool
    if obj is builtins.complex:
        return complex128
    if isinstance(obj, str):
        name = obj[6:] if obj.startswith("torch.") else obj
        try:
            return _BY_NAME[name] if name in _BY_NAME else globals()[name]
        except KeyError:
            raise TypeError(f"invalid dtype string {obj!r}") from None
    return from_numpy_dtype(obj)


# ---------------------------------------------------------------------------
# default dtype

_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    d = to_dtype(d)
    if d not in (float16, bfloat16, float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def default_complex():
    return complex128 if _default[0] is float64 else complex64


# ---------------------------------------------------------------------------
# promotion

_SMALL_INTS = {uint8: (0, 255), int8: (-128, 127), int16: (-(2**15), 2**15 - 1)}


def _promote_pair(a, b):
    if a is b:
        return a
    ca, cb = a._category, b._category
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if hi.is_complex and lo.is_floating_point:
            return _promote_pair(hi.to_real(), lo).to_complex()
        return hi
    if ca == 1:
        unsigned = {uint8, uint16, uint32, uint64}
        if (a in unsigned) != (b in unsigned):
            u, s = (a, b) if a in unsigned else (b, a)
            if u is uint8:
                return s if s is not int8 else int16
            if u in (uint16, uint32, uint64):
                # PyTorch refuses most mixed promotions of the "shell" unsigned types.
                if s._rank > u._rank:
                    return s
                raise TypeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote {u.name} and {s.name}")
        return a if a._rank > b._rank else b
    if ca == 2:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    return a if a._rank > b._rank else b


_PROMOTE = {}
for _a in ALL + (complex32,):
    for _b in ALL + (complex32,):
        try:
            _PROMOTE[_a, _b] = _promote_pair(_a, _b)
        except TypeError:
            pass


def promote_types(a, b):
    a, b = to_dtype(a), to_dtype(b)
    try:
        return _PROMOTE[a, b]
    except KeyError:
        _promote_pair(a, b)  # raises the descriptive error
        raise


def scalar_dtype(x):
    """The dtype a Python number takes when it is a wrapped scalar."""
    t = type(x)
    if t is builtins.float:
        return _default[0]
    if t is builtins.int:
        return int64
    if t is builtins.bool:
        return bool
    if t is builtins.complex:
        return default_complex()
    if isinstance(x, np.generic):
        d = from_numpy_dtype(x.dtype)
        # NumPy scalars behave like Python numbers of their kind (wrapped numbers)
        return {0: bool, 1: int64, 2: _default[0], 3: default_complex()}[d._category]
    raise TypeError(f"unsupported scalar type {t.__name__}")


def _combine(higher, lower):
    """PyTorch's combine_categories: keep `higher` unless `lower` is of a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        if higher.is_floating_point:
            return higher.to_complex()
        return lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return _PROMOTE[higher, lower]
    return higher


def result_type_of(dims, zeros, scalars):
    """Combine the three priority levels (dtypes already reduced within each level)."""
    return _combine(dims, _combine(zeros, scalars))


def result_type(*operands):
    """torch.result_type for any mix of tensors and Python numbers."""
    dims = zeros = scalars = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if d is not None and d.__class__ is dtype:
            if x.ndim:
                dims = d if dims is None else _PROMOTE[dims, d]
            else:
                zeros = d if zeros is None else _PROMOTE[zeros, d]
        else:
            d = scalar_dtype(x)
            scalars = d if scalars is None else _PROMOTE[scalars, d]
    return result_type_of(dims, zeros, scalars)


def can_cast(from_, to):
    """torch.can_cast: no cast to a lower category (float->int, complex->float, non-bool->bool)."""
    from_, to = to_dtype(from_), to_dtype(to)
    return from_._category <= to._category


def is_floating_point(t):
    return t.dtype.is_floating_point


def is_complex(t):
    return t.dtype.is_complex


# ---------------------------------------------------------------------------
# finfo / iinfo

class finfo:
    """Machine limits of a floating dtype, as torch.finfo."""

    def __init__(self, type=None):
        d = _default[0] if type is None else to_dtype(type)
        if not (d.is_floating_point or d.is_complex):
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle '{d}'")
        self.dtype = d.to_real().name
        fi = ml_dtypes.finfo(d.to_real().np) if d is bfloat16 else np.finfo(d.to_real().np)
        self.bits = fi.bits
        self.eps = builtins.float(fi.eps)
        self.max = builtins.float(fi.max)
        self.min = builtins.float(fi.min)
        self.tiny = self.smallest_normal = builtins.float(fi.smallest_normal)
        self.resolution = 10.0 ** -fi.precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype, as torch.iinfo."""

    def __init__(self, type):
        d = to_dtype(type)
        if d.is_floating_point or d.is_complex:
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo to handle '{d}'")
        self.dtype = d.name
        if d is bool:
            self.bits, self.min, self.max = 8, 0, 1
        else:
            ii = np.iinfo(d.np)
            self.bits, self.min, self.max = ii.bits, builtins.int(ii.min), builtins.int(ii.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
