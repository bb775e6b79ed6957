"""Property tests: broadcasting and PyTorch's type promotion on binary ops, against PyTorch.

Random dtype pairs (bool, integers, half types, floats, complex), random broadcastable shapes including
0-dim tensors, and Python scalars on either side: the result dtype, shape and values must equal PyTorch's,
and where PyTorch refuses, ember must raise the same exception type.
"""
import operator

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = [pytest.mark.torch, pytest.mark.filterwarnings("ignore::RuntimeWarning:ember")]

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128"]

BINARY = {
    "add": (ember.add, torch.add), "sub": (ember.sub, torch.sub), "mul": (ember.mul, torch.mul),
    "div": (ember.div, torch.div), "pow": (ember.pow, torch.pow), "remainder": (ember.remainder, torch.remainder),
    "fmod": (ember.fmod, torch.fmod), "floor_divide": (ember.floor_divide, torch.floor_divide),
    "maximum": (ember.maximum, torch.maximum), "minimum": (ember.minimum, torch.minimum),
    "atan2": (ember.atan2, torch.atan2), "eq": (ember.eq, torch.eq), "lt": (ember.lt, torch.lt),
    "ge": (ember.ge, torch.ge), "bitwise_and": (ember.bitwise_and, torch.bitwise_and),
    "bitwise_xor": (ember.bitwise_xor, torch.bitwise_xor), "logical_or": (ember.logical_or, torch.logical_or),
    "hypot": (ember.hypot, torch.hypot), "copysign": (ember.copysign, torch.copysign),
    "xlogy": (ember.xlogy, torch.xlogy), "true_divide": (ember.true_divide, torch.true_divide),
    "trunc_div": (lambda a, b: ember.div(a, b, rounding_mode="trunc"),
                  lambda a, b: torch.div(a, b, rounding_mode="trunc")),
    "floor_div": (lambda a, b: ember.div(a, b, rounding_mode="floor"),
                  lambda a, b: torch.div(a, b, rounding_mode="floor")),
}
OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.mod,
             operator.floordiv, operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge,
             operator.and_, operator.or_, operator.xor]


def _array(dtype, shape, rng):
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith(("int", "uint")):
        return rng.integers(0 if dtype == "uint8" else -5, 6, size=shape).astype(dtype)
    vals = np.round(rng.uniform(-4, 4, size=shape), 1)
    if dtype.startswith("complex"):
        return (vals + 1j * np.round(rng.uniform(-4, 4, size=shape), 1)).astype(dtype)
    return vals.astype(np.float32 if dtype == "bfloat16" else dtype)


def _pair(arr, dtype):
    e = ember.from_numpy(np.asarray(arr).copy())
    t = torch.from_numpy(np.asarray(arr).copy())
    if dtype == "bfloat16":
        e, t = e.to(ember.bfloat16), t.to(torch.bfloat16)
    return e, t


@st.composite
def operands(draw):
    """Two operands: tensors (possibly 0-dim, broadcastable) or Python scalars (at most one)."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    base = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    out = []
    kinds = draw(st.sampled_from(["tt", "tt", "ts", "st", "t0", "0t"]))
    for k in kinds:
        if k == "s":
            out.append(draw(st.one_of(st.integers(-4, 4), st.sampled_from([-2.5, 0.5, 1.0, 3.0]),
                                      st.booleans(), st.sampled_from([1 + 2j, -0.5j]))))
            continue
        dtype = draw(st.sampled_from(DTYPES))
        if k == "0":
            shape = ()
        else:
            # drop leading dims and set some to 1 so the pair broadcasts
            n = draw(st.integers(0, len(base)))
            shape = tuple(1 if draw(st.booleans()) else s for s in base[n:])
        out.append((dtype, _array(dtype, shape, rng)))
    return out


def _convert(ops):
    es, ts = [], []
    for o in ops:
        if isinstance(o, tuple):
            e, t = _pair(o[1], o[0])
            es.append(e)
            ts.append(t)
        else:
            es.append(o)
            ts.append(o)
    return es, ts


def _compare(e, t, where):
    if isinstance(t, bool):
        assert e == t, where
        return
    assert str(e.dtype) == str(t.dtype), f"{where}: dtype {e.dtype} != torch's {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), f"{where}: shape {tuple(e.shape)} != {tuple(t.shape)}"
    ta = t.detach()
    if ta.dtype == torch.bfloat16:
        ta = ta.float()
    ea = e.detach()
    ea = ea.float() if ea.dtype is ember.bfloat16 else ea
    low = str(t.dtype) in ("torch.float16", "torch.bfloat16")
    np.testing.assert_allclose(ea.numpy(), ta.numpy(), rtol=2e-2 if low else 1e-5, atol=2e-2 if low else 1e-5,
                               equal_nan=True, err_msg=where)


def _check(efn, tfn, ops, name):
    es, ts = _convert(ops)
    try:
        t = tfn(*ts)
    except Exception as exc:  # noqa: BLE001 - any refusal must be mirrored
        with pytest.raises(type(exc)):
            efn(*es)
        return
    e = efn(*es)
    if t is NotImplemented:
        return
    _compare(e, t, f"{name}{tuple(o[0] if isinstance(o, tuple) else o for o in ops)}")


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(name=st.sampled_from(sorted(BINARY)), ops=operands())
def test_binary_functions_promote_like_torch(name, ops):
    efn, tfn = BINARY[name]
    if not any(isinstance(o, tuple) for o in ops):
        return
    _check(efn, tfn, ops, name)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(op=st.sampled_from(OPERATORS), ops=operands())
def test_operators_promote_like_torch(op, ops):
    _check(op, op, ops, op.__name__)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(ops=operands(), scalar_first=st.booleans())
def test_where_promotes_like_torch(ops, scalar_first):
    rng = np.random.default_rng(0)
    es, ts = _convert(ops)
    shape = np.broadcast_shapes(*[np.shape(o[1]) for o in ops if isinstance(o, tuple)])
    cond = rng.random(shape) > 0.5
    try:
        t = torch.where(torch.from_numpy(cond), *ts)
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            ember.where(ember.from_numpy(cond), *es)
        return
    _compare(ember.where(ember.from_numpy(cond), *es), t, "where")


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(ops=operands(), lo=st.sampled_from([None, -1, -0.5, 0]), hi=st.sampled_from([None, 1, 2.5]))
def test_clamp_promotes_like_torch(ops, lo, hi):
    first = next((o for o in ops if isinstance(o, tuple)), None)
    if first is None or (lo is None and hi is None):
        return
    _check(lambda x: ember.clamp(x, lo, hi), lambda x: torch.clamp(x, lo, hi), [first], "clamp")


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(name=st.sampled_from(["add", "mul", "sub", "pow", "remainder", "bitwise_and", "maximum"]), ops=operands())
def test_inplace_keeps_self_dtype_or_refuses(name, ops):
    if not isinstance(ops[0], tuple):
        return
    es, ts = _convert(ops)
    try:
        getattr(ts[0], name + "_")(ts[1])
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)):
            getattr(es[0], name + "_")(es[1])
        return
    getattr(es[0], name + "_")(es[1])
    _compare(es[0], ts[0], name + "_")
