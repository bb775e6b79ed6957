"""Conformance rows for the deterministic factories of ember/ops/creation.py (random ones: tests/test_random.py)."""
import numpy as np
import pytest

import ember

from .opinfo import ALL, BOOL, COMPLEX, FLOAT, HALF, INT, OpInfo, S, assert_same, make_arg, make_tests, nograd

try:
    import torch
except ImportError:
    torch = None

NUMERIC = FLOAT + INT + HALF


def _dt(dtype):
    return f"dtype:{dtype}"


def linspace_samples(dtype, rng):
    yield S(0, 1, 5, dtype=_dt(dtype))
    yield S(-2.5, 3.7, 7, dtype=_dt(dtype))
    yield S(3, -2, 6, dtype=_dt(dtype))
    yield S(0, 10, 1, dtype=_dt(dtype))
    yield S(0, 10, 0, dtype=_dt(dtype))
    yield S(-1, 1, 101, dtype=_dt(dtype))
    if dtype == "float32":
        yield S(0, 1, 5)                                                       # default dtype
        yield S(2, 7, 6)                                                       # int bounds still give floats
        yield S(nograd(np.array(0.5, np.float32)), nograd(np.array(2.0, np.float32)), 4)  # 0-dim tensor bounds
        yield S(0, 1j, 3)                                                      # complex bounds: complex default


def logspace_samples(dtype, rng):
    yield S(0, 3, 4, dtype=_dt(dtype))
    yield S(-1, 1, 5, dtype=_dt(dtype))
    yield S(0, 4, 5, 2, dtype=_dt(dtype))                                      # base 2
    yield S(1, 1, 1, dtype=_dt(dtype))
    yield S(0, 1, 0, dtype=_dt(dtype))
    if dtype == "float32":
        yield S(0, 2, 7)
        yield S(-2, 2, 9, base=3.5)


def eye_samples(dtype, rng):
    yield S(3, dtype=_dt(dtype))
    yield S(2, 4, dtype=_dt(dtype))
    yield S(4, 2, dtype=_dt(dtype))
    yield S(0, dtype=_dt(dtype))
    if dtype == "float32":
        yield S(3)


def tri_samples(dtype, rng):
    yield S(3, 4, dtype=_dt(dtype))
    yield S(4, 3, 1, dtype=_dt(dtype))
    yield S(3, 3, -1, dtype=_dt(dtype))
    yield S(5, 5, 10, dtype=_dt(dtype))
    yield S(5, 5, -10, dtype=_dt(dtype))
    yield S(0, 0, dtype=_dt(dtype))
    if dtype == "int64":
        yield S(4, 4)


def meshgrid_samples(dtype, rng):
    a, b, c = make_arg(3, dtype, rng), make_arg(4, dtype, rng), make_arg(2, dtype, rng)
    yield S(a, b, indexing="ij")
    yield S(a, b, indexing="xy")
    yield S(a, b, c, indexing="ij")
    yield S(a, b, c, indexing="xy")
    yield S(a, indexing="xy")
    yield S([a, b], indexing="ij")                                             # one list argument
    yield S(make_arg((), dtype, rng), b, indexing="xy")                        # 0-dim counts as size 1
    yield S(make_arg(0, dtype, rng), b, indexing="ij")                         # empty


def complex_samples(dtype, rng):
    yield S(make_arg((3, 4), dtype, rng), make_arg((3, 4), dtype, rng))
    yield S(make_arg((3, 1), dtype, rng), make_arg((4,), dtype, rng))
    yield S(make_arg((), dtype, rng), make_arg((2,), dtype, rng))
    yield S(make_arg((0, 2), dtype, rng), make_arg((2,), dtype, rng))


def cartesian_samples(dtype, rng):
    yield S(make_arg(3, dtype, rng))
    yield S(make_arg(3, dtype, rng), make_arg(2, dtype, rng))
    yield S(make_arg(2, dtype, rng), make_arg(3, dtype, rng), make_arg(2, dtype, rng))
    yield S(make_arg(2, dtype, rng), make_arg(0, dtype, rng))


def combinations_samples(dtype, rng):
    a = make_arg(4, dtype, rng)
    yield S(a)
    yield S(a, r=3)
    yield S(a, 1)
    yield S(a, with_replacement=True)
    yield S(a, r=3, with_replacement=True)
    yield S(a, r=0)
    yield S(a, r=5)
    yield S(make_arg(0, dtype, rng))


def vander_samples(dtype, rng):
    a = make_arg(4, dtype, rng)
    yield S(a)
    yield S(a, N=3)
    yield S(a, N=2, increasing=True)
    yield S(a, 5, True)
    yield S(a, N=1)
    yield S(a, N=0)
    yield S(make_arg(0, dtype, rng))


def window_samples(dtype, rng):
    for n in (0, 1, 2, 5, 8):
        yield S(n, dtype=_dt(dtype))
        yield S(n, False, dtype=_dt(dtype))
    if dtype == "float32":
        yield S(6)
        yield S(7, periodic=False)


def hamming_samples(dtype, rng):
    yield from window_samples(dtype, rng)
    yield S(6, True, 0.5, 0.5, dtype=_dt(dtype))
    yield S(6, False, alpha=0.6, beta=0.3, dtype=_dt(dtype))


def kaiser_samples(dtype, rng):
    yield from window_samples(dtype, rng)
    yield S(7, True, 5.0, dtype=_dt(dtype))
    yield S(6, False, beta=0.5, dtype=_dt(dtype))


def new_size_samples(dtype, rng):
    x = nograd(make_arg((2, 3), dtype, rng))
    yield S(x, 2, 3)
    yield S(x, (4,))
    yield S(x, [0, 2])
    yield S(x, ())
    yield S(x, 3, dtype="dtype:float64")
    yield S(x, size=(2, 2))


def new_full_samples(dtype, rng):
    x = nograd(make_arg((2, 3), dtype, rng))
    yield S(x, (2, 2), 3.7)
    yield S(x, (3,), True)
    yield S(x, (), 2)
    yield S(x, (2,), 1.5, dtype="dtype:float64")


def new_tensor_samples(dtype, rng):
    x = nograd(make_arg((2, 3), dtype, rng))
    yield S(x, [1, 2, 3])
    yield S(x, [[1.5, 2.5]])
    yield S(x, [True, False])
    yield S(x, 3)
    yield S(x, [1, 2], dtype="dtype:int64")


def _method(name):
    """Rows for Tensor methods with no function form: call `self.<name>(...)` in both frameworks."""
    def call(self, *args, **kwargs):
        return getattr(self, name)(*args, **kwargs)
    return {"torch_fn": call, "ember_fn": call}


def _errors(*samples):
    return lambda rng: samples


def _shape_stride_only(e, t, sample):
    assert tuple(e.shape) == tuple(t.shape) and e.stride() == t.stride(), sample
    assert str(e.dtype) == str(t.dtype), sample


def empty_permuted_samples(dtype, rng):
    yield S((2, 3, 4), (0, 2, 1), dtype=_dt(dtype))
    yield S((2, 3, 4), (2, 0, 1), dtype=_dt(dtype))
    yield S((5,), (0,), dtype=_dt(dtype))
    yield S((), (), dtype=_dt(dtype))
    yield S((2, 0, 3), (1, 2, 0), dtype=_dt(dtype))


ROWS = [
    OpInfo("linspace", linspace_samples, dtypes=NUMERIC + COMPLEX, out=True,
           errors=_errors(S(0, 1, -1), S(0, 1, 5, dtype="dtype:bool"), S(0, 300, 3, dtype="dtype:int8"),
                          S(-1.5, 3, 3, dtype="dtype:uint8"), S(0, 3e9, 3, dtype="dtype:int32"))),
    OpInfo("logspace", logspace_samples, dtypes=FLOAT + ("int64", "int32") + COMPLEX, half_atol=2e-2, out=True,
           errors=_errors(S(0, 1, -1), S(0, 1, 5, dtype="dtype:bool"))),
    OpInfo("eye", eye_samples, dtypes=ALL + HALF + COMPLEX, out=True, errors=_errors(S(-1), S(2, -1))),
    OpInfo("tril_indices", tri_samples, dtypes=("int64", "int32"),
           errors=_errors(S(-1, 3), S(3, -2), S(3, 3, dtype="dtype:float32"), S(3, 3, dtype="dtype:int16"))),
    OpInfo("triu_indices", tri_samples, dtypes=("int64", "int32"), errors=_errors(S(-1, 3), S(3, -2))),
    OpInfo("meshgrid", meshgrid_samples, dtypes=ALL + HALF,
           errors=lambda rng: [S(make_arg((2, 2), "float32", rng), indexing="ij"),
                               S(make_arg(2, "float32", rng), make_arg(2, "float64", rng), indexing="ij"),
                               S(make_arg(2, "float32", rng), indexing="foo")]),
    OpInfo("complex", complex_samples, dtypes=FLOAT, grad=False, out=True,
           errors=lambda rng: [S(make_arg(2, "int64", rng), make_arg(2, "int64", rng)),
                               S(make_arg(2, "float32", rng), make_arg(2, "float64", rng))]),
    OpInfo("polar", complex_samples, dtypes=FLOAT, grad=False, out=True,
           errors=lambda rng: [S(make_arg(2, "int64", rng), make_arg(2, "int64", rng))]),
    OpInfo("cartesian_prod", cartesian_samples, dtypes=ALL + HALF,
           errors=lambda rng: [S(make_arg((), "float32", rng), make_arg(2, "float32", rng)),
                               S(make_arg(2, "float32", rng), make_arg(2, "int64", rng))]),
    OpInfo("combinations", combinations_samples, dtypes=ALL + HALF,
           errors=lambda rng: [S(make_arg((2, 2), "float32", rng)), S(make_arg(3, "float32", rng), r=-1)]),
    # grad=False: PyTorch 2.13's own vander backward fails (an in-place cumprod); see test_vander_gradcheck
    OpInfo("vander", vander_samples, dtypes=FLOAT + ("int64", "int32", "uint8") + BOOL, grad=False,
           errors=lambda rng: [S(make_arg((2, 2), "float32", rng)), S(make_arg(3, "float32", rng), N=-1)]),
    OpInfo("hann_window", window_samples, dtypes=FLOAT + HALF, errors=_errors(S(-1), S(3, dtype="dtype:int64"))),
    OpInfo("hamming_window", hamming_samples, dtypes=FLOAT + HALF, errors=_errors(S(-1))),
    OpInfo("blackman_window", window_samples, dtypes=FLOAT + HALF, errors=_errors(S(-1))),
    OpInfo("bartlett_window", window_samples, dtypes=FLOAT + HALF, errors=_errors(S(-1))),
    OpInfo("kaiser_window", kaiser_samples, dtypes=FLOAT + HALF, atol=1e-5, errors=_errors(S(-1))),
    OpInfo("empty_permuted", empty_permuted_samples, dtypes=FLOAT + ("int64",), compare=_shape_stride_only,
           errors=_errors(S((2, 3), (0, 0)), S((2, 3), (0,)))),
    OpInfo("new_zeros", new_size_samples, dtypes=ALL + HALF, **_method("new_zeros")),
    OpInfo("new_ones", new_size_samples, dtypes=ALL + HALF, **_method("new_ones")),
    OpInfo("new_full", new_full_samples, dtypes=ALL + HALF, **_method("new_full")),
    OpInfo("new_tensor", new_tensor_samples, dtypes=ALL + HALF, **_method("new_tensor")),
]

globals().update(make_tests(ROWS))


# ---------------------------------------------------------------------------
# what the rows can't express

@pytest.mark.torch
@pytest.mark.parametrize("name", ["complex", "polar"])
@pytest.mark.parametrize("dtype", FLOAT)
def test_complex_builders_backward(name, dtype):
    """Gradients of real inputs through a complex output, for a complex output gradient, match PyTorch."""
    rng = np.random.default_rng(0)
    a, b = make_arg((3, 1), dtype, rng, positive=True), make_arg((4,), dtype, rng)
    g = make_arg((3, 4), "complex128", rng).astype(np.complex64 if dtype == "float32" else np.complex128)
    ta, tb = torch.from_numpy(a).requires_grad_(), torch.from_numpy(b).requires_grad_()
    ea, eb = ember.from_numpy(a.copy()).requires_grad_(), ember.from_numpy(b.copy()).requires_grad_()
    t_grads = torch.autograd.grad(getattr(torch, name)(ta, tb), (ta, tb), torch.from_numpy(g))
    e_grads = ember.autograd.grad(getattr(ember, name)(ea, eb), (ea, eb), ember.from_numpy(g.copy()))
    for e, t in zip(e_grads, t_grads):
        assert_same(e, t, 1e-5, 1e-5)


def test_vander_gradcheck():
    x = ember.tensor([0.0, 1.5, -2.0, 0.5], dtype=ember.float64, requires_grad=True)
    for kwargs in ({}, {"N": 3, "increasing": True}, {"N": 6}):
        assert ember.autograd.gradcheck(lambda t, kw=kwargs: ember.vander(t, **kw), (x,))


def test_complex_keeps_infinities():
    out = ember.complex(ember.tensor([1.0]), ember.tensor([float("inf")]))
    assert out.real.item() == 1.0 and out.imag.item() == float("inf")


def test_meshgrid_warns_without_indexing_and_returns_views():
    a, b = ember.tensor([1, 2]), ember.tensor([3, 4, 5])
    with pytest.warns(UserWarning, match="indexing argument"):
        x, y = ember.meshgrid(a, b)
    assert x.shape == (2, 3) and x.stride() == (1, 0) and y.stride() == (0, 1)
    assert x._base is not None
    a.fill_(7)  # the grids are views of the inputs
    assert x.tolist() == [[7, 7, 7], [7, 7, 7]]


def test_meshgrid_gradient():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = ember.tensor([3.0, 4.0, 5.0], requires_grad=True)
    x, y = ember.meshgrid(a, b, indexing="xy")
    (x * y).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [12.0, 12.0])
    np.testing.assert_allclose(b.grad.numpy(), [3.0, 3.0, 3.0])


def test_frombuffer_shares_memory():
    buf = bytearray(np.arange(4, dtype=np.int32).tobytes())
    t = ember.frombuffer(buf, dtype=ember.int32)
    assert t.tolist() == [0, 1, 2, 3]
    t.fill_(9)
    assert np.frombuffer(buf, dtype=np.int32).tolist() == [9, 9, 9, 9]
    buf[0:4] = np.int32(5).tobytes()
    assert t.tolist()[0] == 5
    part = ember.frombuffer(buf, dtype=ember.int32, count=2, offset=4)
    assert part.tolist() == [9, 9]


@pytest.mark.torch
def test_frombuffer_errors_and_readonly():
    for kwargs in ({"buffer": bytearray(), "dtype": "uint8"}, {"buffer": bytearray(7), "dtype": "int32"},
                   {"buffer": bytearray(8), "dtype": "int32", "count": 3},
                   {"buffer": bytearray(8), "dtype": "uint8", "offset": 8}):
        kw_t = dict(kwargs, dtype=getattr(torch, kwargs["dtype"]))
        kw_e = dict(kwargs, dtype=getattr(ember, kwargs["dtype"]))
        with pytest.raises(Exception) as exc:
            torch.frombuffer(**kw_t)
        with pytest.raises(exc.type):
            ember.frombuffer(**kw_e)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ember.frombuffer(b"abcd", dtype=ember.uint8).tolist() == [97, 98, 99, 100]


def test_new_methods_inherit_dtype_device_not_grad():
    x = ember.zeros(2, dtype=ember.float64, requires_grad=True)
    for t in (x.new_zeros(3), x.new_ones((2, 2)), x.new_empty(1), x.new_full((2,), 7), x.new_tensor([1, 2])):
        assert t.dtype is ember.float64 and t.device == x.device and not t.requires_grad
    assert x.new_zeros(2, requires_grad=True).requires_grad
    s = x.new_empty_strided((2, 3), (1, 2))
    assert s.stride() == (1, 2) and s.dtype is ember.float64
    with pytest.warns(UserWarning, match="copy construct"):
        x.new_tensor(ember.tensor([1, 2]))
    i = ember.zeros(2, dtype=ember.int32)
    assert i.new(2, 3).dtype is ember.int32 and i.new([1.7]).tolist() == [1]
    assert tuple(i.new().shape) == (0,)
