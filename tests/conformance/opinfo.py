"""OpInfo: operators as data, checked against PyTorch 2.13 by generic tests.

Each family file (test_pointwise.py, test_reduce.py, ...) declares a list of
OpInfo rows and calls `make_tests(ROWS)` to get the generic tests:

- forward: values, dtype and shape equal PyTorch's for every dtype and sample;
- method / inplace / out=: the Tensor method, `op_` and `out=` forms agree too;
- backward: input gradients equal PyTorch's for a random output gradient;
- gradcheck: finite differences in float64 (ember.autograd.gradcheck);
- noncontiguous: the same samples on strided (transposed/sliced) inputs;
- errors: bad inputs raise the same exception type as PyTorch.

A sample is `S(*args, **kwargs)`; array arguments are NumPy arrays (made by
`make_arg`) and become tensors of both frameworks; `G(array)` marks an array
that should require grad (the default for floating arrays is yes).
"""
import dataclasses
from typing import Callable

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:
    torch = None

FLOAT = ("float32", "float64")
HALF = ("float16", "bfloat16")
INT = ("int64", "int32", "int16", "int8", "uint8")
BOOL = ("bool",)
COMPLEX = ("complex64", "complex128")
ALL = FLOAT + INT + BOOL


class S:
    """One sample input: positional and keyword arguments (arrays, numbers, anything else passed through)."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs

    def __repr__(self):
        def r(a):
            return f"array{a.shape}:{a.dtype}" if isinstance(a, np.ndarray) else repr(a)
        return "S(" + ", ".join([r(a) for a in self.args] + [f"{k}={r(v)}" for k, v in self.kwargs.items()]) + ")"


class NoGrad(np.ndarray):
    """An array argument that must not require grad (indices, masks given as floats, ...)."""


def nograd(a):
    return np.asarray(a).view(NoGrad)


def make_arg(shape, dtype, rng, low=None, high=None, positive=False, nonzero=False):
    """A random NumPy array of `shape` and ember dtype name `dtype`."""
    shape = tuple(shape) if not isinstance(shape, int) else (shape,)
    if dtype == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if dtype in INT or dtype.startswith("uint"):
        lo = 0 if dtype == "uint8" or positive else (-9 if low is None else low)
        hi = 10 if high is None else high
        a = rng.integers(lo, hi, size=shape).astype(dtype)
        if nonzero:
            a[a == 0] = 1
        return a
    lo = (0.1 if positive else -2.0) if low is None else low
    hi = 2.0 if high is None else high
    real = rng.uniform(lo, hi, size=shape)
    if nonzero:
        real[np.abs(real) < 0.1] = 0.5
    if dtype in COMPLEX:
        real = real + 1j * rng.uniform(lo, hi, size=shape)
    if dtype == "bfloat16":
        import ml_dtypes
        return np.asarray(real.astype(ml_dtypes.bfloat16))
    return np.asarray(real.astype(dtype))  # 0-d arithmetic gives NumPy scalars


@dataclasses.dataclass
class OpInfo:
    name: str                                   # ember.<name> / torch.<name>; dotted for submodules ('linalg.inv')
    samples: Callable                           # samples(dtype_name, rng) -> iterable of S
    dtypes: tuple = FLOAT
    grad: bool = True                           # compare gradients with PyTorch (floating dtypes)
    gradcheck: bool = True                      # finite-difference check in float64
    method: bool = False                        # also Tensor.<name>(first arg, ...)
    inplace: bool = False                       # also Tensor.<name>_(...) on a clone of the first arg
    out: bool = False                           # also <name>(..., out=t)
    noncontiguous: bool = True
    atol: float = 1e-5
    rtol: float = 1.3e-6
    half_atol: float = 1e-2
    torch_fn: Callable = None                   # defaults to the same dotted name in torch
    ember_fn: Callable = None                   # defaults to the same dotted name in ember
    errors: Callable = None                     # errors(rng) -> iterable of S that must raise in both
    compare: Callable = None                    # custom comparison (e_out, t_out, sample) for ops like unique
    skip: str = ""                              # reason to skip entirely (counts as not conformant)

    def __post_init__(self):
        if self.torch_fn is None and torch is not None:
            self.torch_fn = _resolve(torch, self.name)
        if self.ember_fn is None:
            self.ember_fn = _resolve(ember, self.name)

    @property
    def id(self):
        return self.name


def _resolve(mod, dotted):
    obj = mod
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


# ---------------------------------------------------------------------------
# converting samples

def _to_framework(x, fw, grad, noncontig=False):
    if isinstance(x, np.ndarray):
        arr = np.asarray(x)
        if noncontig and arr.ndim >= 1 and arr.size > 1:
            wide = np.repeat(arr, 2, axis=-1)
            arr = wide[..., ::2]
        if fw == "torch":
            if str(arr.dtype) == "bfloat16":  # torch cannot read ml_dtypes arrays
                t = torch.from_numpy(arr.astype(np.float32)).to(torch.bfloat16)
            else:
                t = torch.from_numpy(arr.copy() if not noncontig else arr)
        else:
            t = ember.from_numpy(arr.copy() if not noncontig else arr)
        want = grad and not isinstance(x, NoGrad) and (arr.dtype.kind in "fc" or str(arr.dtype) == "bfloat16")
        if want:
            t.requires_grad_(True)
        return t
    if isinstance(x, (list, tuple)) and any(isinstance(i, np.ndarray) for i in x):
        return type(x)(_to_framework(i, fw, grad, noncontig) for i in x)
    if isinstance(x, str) and x.startswith("dtype:"):
        return getattr(torch if fw == "torch" else ember, x[6:])
    return x


def convert(sample, fw, grad=False, noncontig=False):
    args = [_to_framework(a, fw, grad, noncontig) for a in sample.args]
    kwargs = {k: _to_framework(v, fw, grad, noncontig) for k, v in sample.kwargs.items()}
    return args, kwargs


def leaves(args, kwargs):
    out = []
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, (list, tuple)):
            out.extend(x for x in a if hasattr(x, "requires_grad") and x.requires_grad)
        elif hasattr(a, "requires_grad") and a.requires_grad:
            out.append(a)
    return out


# ---------------------------------------------------------------------------
# comparison

def to_numpy(x):
    if torch is not None and isinstance(x, torch.Tensor):
        x = x.detach().resolve_conj()  # torch conjugates lazily
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    if isinstance(x, ember.Tensor):
        a = x.detach()._host()
        return a.astype(np.float32) if str(a.dtype) == "bfloat16" else a
    return x


def dtype_name(x):
    return str(x.dtype).replace("torch.", "")


def assert_same(e, t, atol=1e-5, rtol=1.3e-6, path="out"):
    if torch is not None and isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{path}: expected a Tensor, got {type(e).__name__}"
        assert dtype_name(e) == dtype_name(t), f"{path}: dtype {dtype_name(e)} != torch's {dtype_name(t)}"
        assert tuple(e.shape) == tuple(t.shape), f"{path}: shape {tuple(e.shape)} != torch's {tuple(t.shape)}"
        ea, ta = to_numpy(e), to_numpy(t)
        if ta.dtype.kind in "biu":
            np.testing.assert_array_equal(ea, ta, err_msg=path)
        else:
            np.testing.assert_allclose(ea, ta, atol=atol, rtol=rtol, equal_nan=True, err_msg=path)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)), f"{path}: expected a sequence, got {type(e).__name__}"
        assert len(e) == len(t), f"{path}: {len(e)} results != torch's {len(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_same(a, b, atol, rtol, f"{path}[{i}]")
    elif isinstance(t, float):
        assert isinstance(e, (float, int)), f"{path}: {type(e).__name__} != float"
        np.testing.assert_allclose(e, t, atol=atol, rtol=rtol, equal_nan=True, err_msg=path)
    else:
        assert e == t, f"{path}: {e!r} != torch's {t!r}"


def _tols(op, dtype):
    if dtype in HALF:
        return op.half_atol, op.half_atol
    if dtype in ("float32", "complex64"):
        return max(op.atol, 1e-5), max(op.rtol, 1.3e-5)
    return op.atol, op.rtol


def _float_outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if hasattr(o, "requires_grad") and o.requires_grad]


# ---------------------------------------------------------------------------
# generic tests

def make_tests(rows):
    """Generic conformance tests for `rows`, to assign in a test module: `globals().update(make_tests(ROWS))`."""
    by_dtype = [(op, d) for op in rows for d in op.dtypes]
    ids = [f"{op.id}-{d}" for op, d in by_dtype]

    @pytest.mark.torch
    @pytest.mark.parametrize("op,dtype", by_dtype, ids=ids)
    def test_forward(op, dtype, record_property):
        record_property("op", op.name)
        _skip(op)
        rng = np.random.default_rng(0)
        for sample in op.samples(dtype, rng):
            _check_forward(op, sample, dtype)

    grad_rows = [(op, d) for op, d in by_dtype if op.grad and d in FLOAT + COMPLEX]

    @pytest.mark.torch
    @pytest.mark.parametrize("op,dtype", grad_rows, ids=[f"{op.id}-{d}" for op, d in grad_rows])
    def test_backward(op, dtype, record_property):
        record_property("op", op.name)
        _skip(op)
        rng = np.random.default_rng(1)
        for sample in op.samples(dtype, rng):
            _check_backward(op, sample, dtype, rng)

    gc_rows = [op for op in rows if op.gradcheck and op.grad and "float64" in op.dtypes]

    @pytest.mark.parametrize("op", gc_rows, ids=[op.id for op in gc_rows])
    def test_gradcheck(op, record_property):
        record_property("op", op.name)
        _skip(op)
        rng = np.random.default_rng(2)
        for sample in op.samples("float64", rng):
            args, kwargs = convert(sample, "ember", grad=True)
            inputs = leaves(args, kwargs)
            if not inputs:
                continue
            fn = _with_inputs(op.ember_fn, args, kwargs, inputs)
            assert ember.autograd.gradcheck(fn, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-3), sample

    err_rows = [op for op in rows if op.errors is not None]

    @pytest.mark.torch
    @pytest.mark.parametrize("op", err_rows, ids=[op.id for op in err_rows])
    def test_errors(op, record_property):
        record_property("op", op.name)
        _skip(op)
        rng = np.random.default_rng(3)
        for sample in op.errors(rng):
            targs, tkw = convert(sample, "torch")
            with pytest.raises(Exception) as texc:
                op.torch_fn(*targs, **tkw)
            eargs, ekw = convert(sample, "ember")
            with pytest.raises(texc.type):
                op.ember_fn(*eargs, **ekw)

    return {"test_forward": test_forward, "test_backward": test_backward, "test_gradcheck": test_gradcheck,
            "test_errors": test_errors}


def _skip(op):
    if op.skip:
        pytest.skip(op.skip)


def _with_inputs(fn, args, kwargs, inputs):
    """fn as a function of the grad-requiring leaves only (others held fixed)."""
    ids = [id(t) for t in inputs]

    def sub(x):
        if id(x) in ids:
            return new[ids.index(id(x))]
        if isinstance(x, (list, tuple)):
            return type(x)(sub(i) for i in x)
        return x

    def f(*xs):
        nonlocal new
        new = xs
        out = fn(*[sub(a) for a in args], **{k: sub(v) for k, v in kwargs.items()})
        return out
    new = None
    return f


def _check_forward(op, sample, dtype):
    atol, rtol = _tols(op, dtype)
    for noncontig in ((False, True) if op.noncontiguous else (False,)):
        targs, tkw = convert(sample, "torch", noncontig=noncontig)
        eargs, ekw = convert(sample, "ember", noncontig=noncontig)
        try:
            t_out = op.torch_fn(*targs, **tkw)
        except Exception as exc:  # torch refuses: ember must refuse with the same type
            with pytest.raises(type(exc)):
                op.ember_fn(*eargs, **ekw)
            continue
        e_out = op.ember_fn(*eargs, **ekw)
        where = f"{op.name}{sample!r} {dtype}{' noncontiguous' if noncontig else ''}"
        if op.compare is not None:
            op.compare(e_out, t_out, sample)
        else:
            try:
                assert_same(e_out, t_out, atol, rtol, where)
            except AssertionError:
                raise
        if noncontig:
            continue
        short = op.name.split(".")[-1]
        if op.method:
            targs2, tkw2 = convert(sample, "torch")
            eargs2, ekw2 = convert(sample, "ember")
            assert_same(getattr(eargs2[0], short)(*eargs2[1:], **ekw2), getattr(targs2[0], short)(*targs2[1:], **tkw2),
                        atol, rtol, where + " (method)")
        if op.inplace:
            _check_inplace(op, sample, short, atol, rtol, where)
        if op.out and isinstance(t_out, torch.Tensor):
            e_dst = ember.empty(0, dtype=getattr(ember, dtype_name(t_out)))
            op.ember_fn(*eargs, **ekw, out=e_dst)
            assert_same(e_dst, t_out.detach(), atol, rtol, where + " (out=)")


def _check_inplace(op, sample, short, atol, rtol, where):
    targs, tkw = convert(sample, "torch")
    eargs, ekw = convert(sample, "ember")
    t0, e0 = targs[0].detach().clone(), eargs[0].detach().clone()
    try:
        t_res = getattr(t0, short + "_")(*targs[1:], **tkw)
    except Exception as exc:
        with pytest.raises(type(exc)):
            getattr(e0, short + "_")(*eargs[1:], **ekw)
        return
    e_res = getattr(e0, short + "_")(*eargs[1:], **ekw)
    assert e_res is e0, f"{where}: {short}_ must return self"
    assert_same(e0, t0, atol, rtol, where + " (in-place)")
    assert_same(e_res, t_res, atol, rtol, where + " (in-place)")


def _check_backward(op, sample, dtype, rng):
    atol, rtol = _tols(op, dtype)
    atol, rtol = atol * 10, rtol * 10
    for noncontig in ((False, True) if op.noncontiguous else (False,)):
        targs, tkw = convert(sample, "torch", grad=True, noncontig=noncontig)
        eargs, ekw = convert(sample, "ember", grad=True, noncontig=noncontig)
        t_in, e_in = leaves(targs, tkw), leaves(eargs, ekw)
        if not t_in:
            continue
        try:
            t_out = op.torch_fn(*targs, **tkw)
        except Exception:
            continue
        e_out = op.ember_fn(*eargs, **ekw)
        t_outs, e_outs = _float_outputs(t_out), _float_outputs(e_out)
        assert len(t_outs) == len(e_outs), f"{op.name}: differentiable outputs {len(e_outs)} != torch's {len(t_outs)}"
        if not t_outs:
            continue
        grads_np = [make_arg(o.shape, dtype_name(o), rng) for o in t_outs]  # each output's own dtype
        t_grads = torch.autograd.grad(t_outs, t_in, [torch.from_numpy(g.copy()) for g in grads_np], allow_unused=True)
        e_grads = ember.autograd.grad(e_outs, e_in, [ember.from_numpy(g.copy()) for g in grads_np], allow_unused=True)
        for i, (eg, tg) in enumerate(zip(e_grads, t_grads)):
            if tg is None:
                assert eg is None or not np.any(to_numpy(eg)), f"{op.name}: grad {i} should be None/zero"
                continue
            assert eg is not None, f"{op.name}{sample!r}: no gradient for input {i}"
            assert_same(eg, tg, atol, rtol, f"{op.name}{sample!r} {dtype} grad[{i}]")
