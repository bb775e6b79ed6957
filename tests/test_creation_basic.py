"""The basic factories of ember/_creation.py (tensor, as_tensor, from_numpy, zeros..., arange) against PyTorch."""
import warnings

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:
    torch = None

from tests.conformance.opinfo import assert_same


def _both(make):
    """Evaluate `make(module)` for torch and ember; return (ember_result, torch_result) or the exception types."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t = make(torch)
        except Exception as exc:  # noqa: BLE001  (torch refuses: ember must refuse with the same type)
            with pytest.raises(type(exc)):
                make(ember)
            return None, None
        return make(ember), t


_DATA = [
    ("ints", [1, 2, 3]),
    ("floats", [1.0, 2.5]),
    ("int-float", [1, 2.5]),
    ("bools", [True, False]),
    ("bool-int", [True, 2]),
    ("bool-float", [True, 0.5]),
    ("complex", [1 + 2j, 3]),
    ("int-complex", [[1, 2], [3j, 4]]),
    ("nested", [[1, 2], [3, 4], [5, 6]]),
    ("deep", [[[1.5]], [[2.5]]]),
    ("scalar-int", 3),
    ("scalar-float", 2.5),
    ("scalar-bool", True),
    ("scalar-complex", 1j),
    ("empty", []),
    ("empty-nested", [[], []]),
    ("tuple", (1, 2)),
    ("big-int", [2 ** 40]),
    ("negative", [-1, -2]),
    ("np-scalars", [np.float32(1.5), np.float32(2)]),
    ("np-int64-scalar", np.int64(4)),
    ("np-float16-scalar", np.float16(1.5)),
]


@pytest.mark.torch
@pytest.mark.parametrize("data", [d for _, d in _DATA], ids=[n for n, _ in _DATA])
def test_tensor_dtype_inference(data):
    e, t = _both(lambda m: m.tensor(data))
    if t is not None:
        assert_same(e, t)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
                                   "complex64", "complex128"])
def test_tensor_from_numpy_array_keeps_dtype(dtype):
    a = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    for fn in ("tensor", "as_tensor", "from_numpy", "asarray"):
        e, t = _both(lambda m, fn=fn: getattr(m, fn)(a))
        assert_same(e, t, path=fn)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool", "float16", "bfloat16"])
def test_tensor_dtype_argument(dtype):
    for data in ([1, 2, 3], [1.5, -2.5], [[True, False]], 7):
        e, t = _both(lambda m, data=data: m.tensor(data, dtype=getattr(m, dtype)))
        if t is not None:
            assert_same(e, t, 1e-2, 1e-2, path=f"{data}")


def test_tensor_copies_its_data():
    a = np.zeros(3, dtype=np.float32)
    t = ember.tensor(a)
    a[0] = 1
    assert t.tolist() == [0.0, 0.0, 0.0]
    with pytest.warns(UserWarning, match="copy construct"):
        u = ember.tensor(t)
    u.fill_(5)
    assert t.tolist() == [0.0, 0.0, 0.0]


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = ember.from_numpy(a)
    a[0, 0] = 100
    assert t[0, 0].item() == 100 if hasattr(ember.Tensor, "__getitem__") else t.tolist()[0][0] == 100
    t.fill_(-1)
    assert np.all(a == -1)
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    tr = ember.from_numpy(a.T)  # non-contiguous arrays are shared too
    assert tr.stride() == (1, 3)
    a[1, 2] = 9
    assert tr.tolist()[2][1] == 9


def test_numpy_shares_memory():
    t = ember.zeros(2, 3)
    n = t.numpy()
    n[1, 1] = 4
    assert t.tolist()[1][1] == 4
    t.fill_(2)
    assert np.all(n == 2)
    with pytest.raises(RuntimeError, match="requires grad"):
        ember.zeros(2, requires_grad=True).numpy()


def test_as_tensor_shares_when_possible():
    a = np.zeros(3, dtype=np.float32)
    t = ember.as_tensor(a)
    a[1] = 5
    assert t.tolist() == [0, 5, 0]
    c = ember.as_tensor(a, dtype=ember.float64)  # a dtype change copies
    a[2] = 7
    assert c.tolist() == [0, 5, 0]
    x = ember.ones(2)
    assert ember.as_tensor(x) is x


@pytest.mark.torch
def test_from_numpy_errors():
    for a in (np.arange(4)[::-1], np.array(["a"]), np.zeros(2, dtype=">f4")):
        e, _ = _both(lambda m, a=a: m.from_numpy(a))
        assert e is None
    with pytest.raises(TypeError):
        ember.from_numpy([1, 2])


_SIZES = [
    lambda m, f: f(2, 3),
    lambda m, f: f((2, 3)),
    lambda m, f: f([2, 3]),
    lambda m, f: f(size=(2, 3)),
    lambda m, f: f(m.Size([2, 3])),
    lambda m, f: f(()),
    lambda m, f: f(0),
    lambda m, f: f(4, dtype=m.int32),
    lambda m, f: f(2, 2, dtype=m.bool),
    lambda m, f: f(3, dtype=m.float64, requires_grad=True),
    lambda m, f: f(np.int64(2), 3),
]


@pytest.mark.torch
@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("form", _SIZES, ids=[f"form{i}" for i in range(len(_SIZES))])
def test_factory_size_forms(name, form):
    e, t = _both(lambda m: form(m, getattr(m, name)))
    assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)
    assert e.requires_grad == t.requires_grad and e.is_leaf
    if name != "empty":
        assert_same(e.detach(), t.detach())


@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda m: m.full((2, 3), 1.5),
    lambda m: m.full((2,), 7),
    lambda m: m.full((2,), True),
    lambda m: m.full((2,), 1 + 1j),
    lambda m: m.full((2,), 7, dtype=m.float16),
    lambda m: m.full([], 3.0),
    lambda m: m.zeros_like(m.ones(2, 3, dtype=m.int32)),
    lambda m: m.ones_like(m.ones(2, 3), dtype=m.float64),
    lambda m: m.full_like(m.ones(2, dtype=m.int64), 2.7),
    lambda m: m.full_like(m.ones(2), 3, dtype=m.int16),
    lambda m: m.scalar_tensor(3),
    lambda m: m.scalar_tensor(2.5, dtype=m.float64),
    lambda m: m.zeros(2, 3).new_zeros(1),
])
def test_full_and_like(make):
    e, t = _both(make)
    assert_same(e, t)


def test_empty_like_and_strided():
    x = ember.ones(2, 3, dtype=ember.int16)
    e = ember.empty_like(x)
    assert tuple(e.shape) == (2, 3) and e.dtype is ember.int16
    s = ember.empty_strided((2, 3), (1, 2))
    assert s.stride() == (1, 2) and tuple(s.shape) == (2, 3)
    assert ember.empty_strided((2, 3), (1, 2), requires_grad=True).is_leaf


_ARANGE = [
    (5,), (0,), (2, 7), (7, 2, -1), (0, 1, 0.1), (0, 1, 0.3), (-1, 1, 0.25), (1, 2.5, 0.5), (0.5, 10),
    (10, 0, -1.5), (0, 0.3, 0.1), (0, 10, 3), (1e-3, 1, 1e-1), (0, 5, 1.0), (2.0,), (-3, 3, 0.7),
]


@pytest.mark.torch
@pytest.mark.parametrize("args", _ARANGE, ids=[str(a) for a in _ARANGE])
def test_arange_values_and_lengths(args):
    e, t = _both(lambda m: m.arange(*args))
    assert_same(e, t)
    for dtype in ("float64", "int64", "int32", "float16"):
        e, t = _both(lambda m, dtype=dtype: m.arange(*args, dtype=getattr(m, dtype)))
        if t is not None:
            assert_same(e, t, 1e-3, 1e-3, path=dtype)


@pytest.mark.torch
@pytest.mark.parametrize("make", [
    lambda m: m.arange(0, 10, 0),
    lambda m: m.arange(5, 0, 1),
    lambda m: m.arange(0, float("inf")),
    lambda m: m.arange(m.tensor(3)),
    lambda m: m.arange(0, 5, requires_grad=True),
    lambda m: m.arange(0.0, 5, requires_grad=True),
    lambda m: m.arange(0, 5, out=m.empty(0, dtype=m.float64)),
    lambda m: m.zeros(-1),
    lambda m: m.ones(2, -3),
    lambda m: m.empty((-1,)),
    lambda m: m.full((-2,), 1.0),
    lambda m: m.zeros("a"),
    lambda m: m.tensor([[1, 2], [3]]),
    lambda m: m.tensor(["a"]),
    lambda m: m.tensor(object()),
    lambda m: m.tensor([1, 2], requires_grad=True),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True),
])
def test_arange_and_errors(make):
    e, t = _both(make)
    if t is not None:
        assert_same(e, t)
        assert e.requires_grad == t.requires_grad


@pytest.mark.torch
def test_range_is_inclusive():
    e, t = _both(lambda m: m.range(0, 1, 0.25))
    assert_same(e, t)
    e, t = _both(lambda m: m.range(1, 4))
    assert_same(e, t)


def test_default_dtype_changes_float_inference():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.5]).dtype is ember.float64
        assert ember.tensor([1j]).dtype is ember.complex128
        assert ember.zeros(2).dtype is ember.float64
        assert ember.arange(0, 1, 0.5).dtype is ember.float64
        assert ember.tensor([1]).dtype is ember.int64
    finally:
        ember.set_default_dtype(ember.float32)


# legacy constructors (ember/_legacy_types.py)

@pytest.mark.torch
@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor",
                                  "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"])
def test_legacy_constructors(name):
    from ember import _legacy_types
    cls_e = getattr(_legacy_types, name)
    for args in ((2, 3), ([1, 0, 2],), ([[1.7, 2.2]],), (), (torch.Size([2]),), ((2, 3),)):
        def make(m, args=args):
            cls = cls_e if m is ember else getattr(torch, name)
            return cls(*[ember.Size(a) if isinstance(a, torch.Size) and m is ember else a for a in args])
        e, t = _both(make)
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)
        if args and isinstance(args[0], list):
            assert_same(e, t, 1e-2, 1e-2)
        assert isinstance(e, cls_e)
        assert e.type() == t.type()
    assert cls_e.dtype is getattr(ember, str(getattr(torch, name).dtype).split(".")[1])
    with pytest.raises(TypeError):
        cls_e(2.5)


def test_legacy_types_isinstance_and_type_names():
    from ember import _legacy_types as lt
    x = ember.zeros(2)
    assert isinstance(x, lt.FloatTensor) and not isinstance(x, lt.LongTensor)
    assert isinstance(ember.zeros(2, requires_grad=True), lt.FloatTensor)
    assert lt.LongTensor(x.long()) is not None
    with pytest.raises(TypeError):
        lt.LongTensor(x)
    assert lt.dtype_of_type_name("torch.IntTensor") is ember.int32
    assert lt.dtype_of_type_name("torch.cuda.DoubleTensor") is ember.float64
    with pytest.raises(ValueError, match="invalid type"):
        lt.dtype_of_type_name("torch.Foo")
    assert x.type("torch.LongTensor").dtype is ember.int64
    assert x.type(lt.ByteTensor).dtype is ember.uint8
    assert not issubclass(lt.FloatTensor, ember.Tensor)
