"""assert_close: PyTorch's comparison of tensors, numbers, NumPy arrays and nested containers.

The structure (pairs of inputs, an error "meta" that becomes the final
exception, the message formats) follows ``torch/testing/_comparison.py`` so
that failures read the same.  Values are compared on the NumPy arrays with
PyTorch's ``isclose`` arithmetic, done in the inputs' own dtype.
"""
import cmath
import collections.abc
import contextlib
import math
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

# {dtype: (rtol, atol)}
_DTYPE_PRECISIONS = {
    _dtype.float16: (0.001, 1e-5),
    _dtype.bfloat16: (0.016, 1e-5),
    _dtype.float32: (1.3e-6, 1e-5),
    _dtype.float64: (1e-7, 1e-7),
    _dtype.complex32: (0.001, 1e-5),
    _dtype.complex64: (1.3e-6, 1e-5),
    _dtype.complex128: (1e-7, 1e-7),
}


class ErrorMeta(Exception):
    """A comparison failure, carried until it is turned into the user-facing exception."""

    def __init__(self, type, msg, *, id=()):
        super().__init__("internal error of ember.testing: raise ErrorMeta.to_error() instead")
        self.type, self.msg, self.id = type, msg, id

    def to_error(self, msg=None):
        if not isinstance(msg, str):
            generated = self.msg
            if self.id:
                generated += f"\n\nThe failure occurred for item {''.join(str([item]) for item in self.id)}"
            msg = msg(generated) if callable(msg) else generated
        return self.type(msg)


class UnsupportedInputs(Exception):
    """Raised while building a pair that cannot handle the inputs; the next pair type is tried."""


def default_tolerances(*inputs, dtype_precisions=None):
    """The loosest (rtol, atol) of the inputs' dtypes (tensors or dtypes)."""
    dtypes = []
    for x in inputs:
        if isinstance(x, Tensor):
            dtypes.append(x.dtype)
        elif isinstance(x, _dtype.dtype):
            dtypes.append(x)
        else:
            raise TypeError(f"Expected a torch.Tensor or a torch.dtype, but got {type(x)} instead.")
    precisions = dtype_precisions or _DTYPE_PRECISIONS
    rtols, atols = zip(*[precisions.get(d, (0.0, 0.0)) for d in dtypes])
    return max(rtols), max(atols)


def get_tolerances(*dtypes, rtol, atol, id=()):
    if (rtol is None) ^ (atol is None):
        raise ErrorMeta(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                        f"but got no {'rtol' if rtol is None else 'atol'}.", id=id)
    if rtol is not None:
        return rtol, atol
    return default_tolerances(*dtypes)


def _make_mismatch_msg(*, identifier, extra, abs_diff, abs_diff_idx=None, atol, rel_diff, rel_diff_idx=None,
                       rtol):
    equality = rtol == 0 and atol == 0

    def diff_msg(kind, diff, idx, tol):
        msg = f"{kind.title()} difference: {diff}" if idx is None else \
            f"Greatest {kind} difference: {diff} at index {idx}"
        return msg + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += f"{extra.strip()}\n"
    msg += diff_msg("absolute", abs_diff, abs_diff_idx, atol)
    msg += diff_msg("relative", rel_diff, rel_diff_idx, rtol)
    return msg.strip()


def _identifier(identifier, default):
    if identifier is None:
        return default
    return identifier(default) if callable(identifier) else identifier


def make_scalar_mismatch_msg(actual, expected, *, rtol, atol, identifier=None):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _make_mismatch_msg(identifier=_identifier(identifier, "Scalars"),
                              extra=f"Expected {expected} but got {actual}.",
                              abs_diff=abs_diff, atol=atol, rel_diff=rel_diff, rtol=rtol)


def _py(x):
    """A NumPy scalar as the Python number PyTorch's .item() gives."""
    return float(x) if x.dtype.kind in "fV" else x.item()


def _abs(x, exact=False):
    """abs, with complex magnitudes rounded as PyTorch's are (NumPy's hypot is often an ulp off).

    complex128 goes through long double, which is still an ulp off in about 1 of 5000 cases;
    `exact` uses math.hypot, which matches PyTorch's vectorised kernel (slow: only for messages).
    PyTorch's scalar tail loop can still differ in the last digit of a message."""
    if x.dtype == np.complex64:
        return np.abs(x.astype(np.complex128)).astype(np.float32)
    if x.dtype == np.complex128:
        if exact:
            return np.frompyfunc(math.hypot, 2, 1)(x.real, x.imag).astype(np.float64)
        return np.abs(x.astype(np.clongdouble)).astype(np.float64)
    return np.abs(x)


def make_tensor_mismatch_msg(actual, expected, matches, *, rtol, atol, identifier=None):
    """The message for arrays `actual`, `expected` (NumPy, same dtype) and their boolean `matches`."""
    total = matches.size
    mismatches = total - int(matches.sum())
    extra = f"Mismatched elements: {mismatches} / {total} ({mismatches / total:.1%})"
    a, e = actual.reshape(-1), expected.reshape(-1)
    if a.dtype.kind in "biu":  # PyTorch upcasts integers to int64 (and divides into the default float)
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = _abs(a - e, exact=True)
        abs_diff[matches.reshape(-1)] = 0
        if abs_diff.dtype.kind in "iu":
            real = _dtype.get_default_dtype().np
            rel_diff = abs_diff.astype(real) / np.abs(e).astype(real)
        else:
            rel_diff = abs_diff / _abs(e, exact=True)
        rel_diff[matches.reshape(-1)] = 0
    i_abs, i_rel = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))
    shape = matches.shape

    def unravel(i):
        return tuple(int(j) for j in np.unravel_index(i, shape)) if shape else ()

    return _make_mismatch_msg(identifier=_identifier(identifier, "Tensor-likes"), extra=extra,
                              abs_diff=_py(abs_diff[i_abs]), abs_diff_idx=unravel(i_abs), atol=atol,
                              rel_diff=_py(rel_diff[i_rel]), rel_diff_idx=unravel(i_rel), rtol=rtol)


def _isclose(a, b, rtol, atol, equal_nan):
    """torch.isclose on NumPy arrays of one dtype, with PyTorch's arithmetic in that dtype."""
    with np.errstate(all="ignore"):
        close = a == b
        if equal_nan and a.dtype.kind in "fcV":
            close |= np.isnan(a) & np.isnan(b)
        if rtol == 0 and atol == 0:
            return close
        if a.dtype.kind in "biu":  # bool and ints: PyTorch compares in the default float dtype
            real = _dtype.get_default_dtype().np
            a, b = a.astype(real), b.astype(real)
        dt = a.dtype
        if dt.kind in "fV":  # round every step to the dtype, as PyTorch's half/bfloat16 kernels do
            def r(x):
                return x.astype(dt, copy=False)
        else:
            def r(x):
                return x
        allowed = r(atol + r(_abs(r(rtol * b))))
        actual = r(_abs(a - b))
        return close | (np.isfinite(actual) & (actual <= allowed))


# ---------------------------------------------------------------------------
# pairs


class Pair:
    """Two corresponding inputs and the options; `compare()` raises ErrorMeta when they differ."""

    def __init__(self, actual, expected, *, id=(), **unknown_parameters):
        self.actual, self.expected, self.id = actual, expected, id

    @staticmethod
    def _inputs_not_supported():
        raise UnsupportedInputs

    @staticmethod
    def _check_inputs_isinstance(*inputs, cls):
        if not all(isinstance(x, cls) for x in inputs):
            raise UnsupportedInputs

    def _fail(self, type, msg, *, id=()):
        raise ErrorMeta(type, msg, id=self.id if not id and hasattr(self, "id") else id)

    def compare(self):
        raise NotImplementedError


class ObjectPair(Pair):
    """Fallback: compare with ==."""

    def compare(self):
        try:
            equal = self.actual == self.expected
        except Exception as error:
            raise ErrorMeta(ValueError, f"{self.actual} == {self.expected} failed with:\n{error}.",
                            id=self.id) from error
        if not equal:
            self._fail(AssertionError, f"{self.actual} != {self.expected}")


class NonePair(Pair):
    def __init__(self, actual, expected, **options):
        if not (actual is None or expected is None):
            raise UnsupportedInputs
        super().__init__(actual, expected, **options)

    def compare(self):
        if not (self.actual is None and self.expected is None):
            self._fail(AssertionError, f"None mismatch: {self.actual} is not {self.expected}")


class BooleanPair(Pair):
    def __init__(self, actual, expected, *, id=(), **options):
        self._check_inputs_isinstance(actual, expected, cls=(bool, np.bool_))
        super().__init__(bool(actual), bool(expected), id=id, **options)

    def compare(self):
        if self.actual is not self.expected:
            self._fail(AssertionError, f"Booleans mismatch: {self.actual} is not {self.expected}")


class NumberPair(Pair):
    _TYPE_TO_DTYPE = {int: _dtype.int64, float: _dtype.float64, complex: _dtype.complex128}

    def __init__(self, actual, expected, *, id=(), rtol=None, atol=None, equal_nan=False, check_dtype=False,
                 **options):
        self._check_inputs_isinstance(actual, expected, cls=(int, float, complex, np.number))
        actual, expected = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
        if not all(type(x) in self._TYPE_TO_DTYPE for x in (actual, expected)):
            raise ErrorMeta(TypeError, f"Unknown number type {type(actual)}.", id=id)
        super().__init__(actual, expected, id=id, **options)
        self.rtol, self.atol = get_tolerances(*[self._TYPE_TO_DTYPE[type(x)] for x in (actual, expected)],
                                              rtol=rtol, atol=atol, id=id)
        self.equal_nan, self.check_dtype = equal_nan, check_dtype

    def compare(self):
        if self.check_dtype and type(self.actual) is not type(self.expected):
            self._fail(AssertionError,
                       f"The (d)types do not match: {type(self.actual)} != {type(self.expected)}.")
        if self.actual == self.expected:
            return
        if self.equal_nan and cmath.isnan(self.actual) and cmath.isnan(self.expected):
            return
        abs_diff = abs(self.actual - self.expected)
        if cmath.isfinite(abs_diff) and abs_diff <= self.atol + self.rtol * abs(self.expected):
            return
        self._fail(AssertionError, make_scalar_mismatch_msg(self.actual, self.expected, rtol=self.rtol,
                                                            atol=self.atol))


class _TensorLike:
    """What a comparison needs of a tensor or a NumPy array."""

    __slots__ = ("dtype", "device", "shape", "strides", "is_meta", "tensor", "_array")

    def __init__(self, x):
        from .._size import Size
        if isinstance(x, Tensor):
            self.dtype, self.device, self.tensor = x.dtype, x.device, x
            self.shape, self.strides, self._array = Size(x._data.shape), x.stride(), None
        else:
            from .._device import CPU
            arr = np.asarray(x)
            self.dtype = _dtype.from_numpy_dtype(arr.dtype)
            self.device, self.tensor, self._array = CPU, None, arr
            self.shape, self.strides = Size(arr.shape), tuple(s // arr.itemsize for s in arr.strides)
        self.is_meta = self.device.type == "meta"

    def array(self):
        return self.tensor._host() if self._array is None else self._array


class TensorLikePair(Pair):
    def __init__(self, actual, expected, *, id=(), allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, **options):
        if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
            raise UnsupportedInputs
        if not allow_subclasses and type(actual) is not type(expected):
            raise UnsupportedInputs
        try:
            actual, expected = _TensorLike(actual), _TensorLike(expected)
        except Exception:
            raise UnsupportedInputs from None
        super().__init__(actual, expected, id=id, **options)
        self.rtol, self.atol = get_tolerances(actual.dtype, expected.dtype, rtol=rtol, atol=atol, id=self.id)
        self.equal_nan, self.check_device, self.check_dtype = equal_nan, check_device, check_dtype
        self.check_layout, self.check_stride = check_layout, check_stride

    def compare(self):
        actual, expected = self.actual, self.expected
        self._compare_attributes(actual, expected)
        if actual.is_meta or expected.is_meta:
            return
        a, e = actual.array(), expected.array()
        if actual.dtype is not expected.dtype:
            # uint16/32/64 compare as int64, as in PyTorch (promote_types refuses them)
            unsigned = (_dtype.uint16, _dtype.uint32, _dtype.uint64)
            d = _dtype.promote_types(_dtype.int64 if actual.dtype in unsigned else actual.dtype,
                                     _dtype.int64 if expected.dtype in unsigned else expected.dtype)
            a, e = a.astype(d.np), e.astype(d.np)
        self._compare_values(a, e)

    def _compare_attributes(self, actual, expected):
        def mismatch(name, a, e):
            self._fail(AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.")

        if actual.shape != expected.shape:
            mismatch("shape", actual.shape, expected.shape)
        if self.check_stride and actual.strides != expected.strides:
            mismatch("stride()", actual.strides, expected.strides)
        if self.check_device and actual.device != expected.device:
            mismatch("device", actual.device, expected.device)
        if self.check_dtype and actual.dtype is not expected.dtype:
            mismatch("dtype", actual.dtype, expected.dtype)

    def _compare_values(self, a, e, identifier=None):
        matches = _isclose(a, e, self.rtol, self.atol, self.equal_nan)
        if matches.all():
            return
        if a.shape == ():
            msg = make_scalar_mismatch_msg(_py(a[()]), _py(e[()]), rtol=self.rtol, atol=self.atol,
                                           identifier=identifier)
        else:
            msg = make_tensor_mismatch_msg(a, e, matches, rtol=self.rtol, atol=self.atol, identifier=identifier)
        self._fail(AssertionError, msg)


# ---------------------------------------------------------------------------


def originate_pairs(actual, expected, *, pair_types, sequence_types=(collections.abc.Sequence,),
                    mapping_types=(collections.abc.Mapping,), id=(), **options):
    """Walk nested sequences/mappings and build one pair per leaf (the first pair type that accepts it)."""
    if (isinstance(actual, sequence_types) and not isinstance(actual, str)
            and isinstance(expected, sequence_types) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise ErrorMeta(AssertionError,
                            f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", id=id)
        pairs = []
        for i in range(len(actual)):
            pairs.extend(originate_pairs(actual[i], expected[i], pair_types=pair_types,
                                         sequence_types=sequence_types, mapping_types=mapping_types,
                                         id=(*id, i), **options))
        return pairs
    if isinstance(actual, mapping_types) and isinstance(expected, mapping_types):
        actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
        if actual_keys != expected_keys:
            raise ErrorMeta(AssertionError,
                            f"The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {sorted(expected_keys - actual_keys)}\n"
                            f"Additional keys in the actual mapping: {sorted(actual_keys - expected_keys)}", id=id)
        keys = actual_keys
        with contextlib.suppress(Exception):
            keys = sorted(keys)
        pairs = []
        for key in keys:
            pairs.extend(originate_pairs(actual[key], expected[key], pair_types=pair_types,
                                         sequence_types=sequence_types, mapping_types=mapping_types,
                                         id=(*id, key), **options))
        return pairs
    for pair_type in pair_types:
        try:
            return [pair_type(actual, expected, id=id, **options)]
        except UnsupportedInputs:
            continue
    raise ErrorMeta(TypeError,
                    f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.",
                    id=id)


def not_close_error_metas(actual, expected, *, pair_types=(ObjectPair,), sequence_types=(collections.abc.Sequence,),
                          mapping_types=(collections.abc.Mapping,), **options):
    __tracebackhide__ = True
    try:
        pairs = originate_pairs(actual, expected, pair_types=pair_types, sequence_types=sequence_types,
                                mapping_types=mapping_types, **options)
    except ErrorMeta as error_meta:
        raise error_meta.to_error() from None
    metas = []
    for pair in pairs:
        try:
            pair.compare()
        except ErrorMeta as error_meta:
            metas.append(error_meta)
    return metas


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    r"""Assert that `actual` and `expected` are close, exactly as ``torch.testing.assert_close``.

    ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with default (rtol, atol) by dtype:
    float16 (1e-3, 1e-5), bfloat16 (1.6e-2, 1e-5), float32 (1.3e-6, 1e-5), float64 (1e-7, 1e-7), complex
    like their real dtype, others (0, 0).  Inputs may be tensors, NumPy arrays, numbers, or nested
    sequences/mappings of them.

    >>> assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-7]))
    """
    __tracebackhide__ = True
    metas = not_close_error_metas(
        actual, expected, pair_types=(NonePair, BooleanPair, NumberPair, TensorLikePair),
        allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
        check_dtype=check_dtype, check_layout=check_layout, check_stride=check_stride, msg=msg)
    if metas:
        raise metas[0].to_error(msg)


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated since PyTorch 1.12: use assert_close."""
    warnings.warn(
        "`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. "
        "Please use `torch.testing.assert_close()` instead. "
        "You can find detailed upgrade instructions in https://github.com/pytorch/pytorch/issues/61844.",
        FutureWarning, stacklevel=2)
    from .._creation import tensor
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = default_tolerances(actual, expected, dtype_precisions={
            _dtype.float16: (1e-3, 1e-3), _dtype.float32: (1e-4, 1e-5), _dtype.float64: (1e-5, 1e-8)})
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True,
                 check_dtype=False, check_stride=False, msg=msg or None)
