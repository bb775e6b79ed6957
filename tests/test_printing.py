"""repr()/str() of tensors and the print options, compared with PyTorch character for character."""
import numpy as np
import pytest

import ember
from ember import _tensor_str

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

_r = np.random.RandomState(1234)
_f = _r.randn


def _case(name, make, dtype=None):
    return pytest.param(make, dtype, id=name)


# (values built once with NumPy, so both frameworks print the same numbers)
CASES = [
    _case("f-1d", lambda: _f(5)),
    _case("f-2d", lambda: _f(3, 4)),
    _case("f-3d", lambda: _f(2, 3, 4)),
    _case("f-4d", lambda: _f(2, 2, 2, 3)),
    _case("f-0d", lambda: np.array(3.25)),
    _case("f-0d-int", lambda: np.array(3.0)),
    _case("f-int-valued", lambda: np.array([1.0, -2.0, 30.0])),
    _case("f-int-valued-2d", lambda: np.arange(12.0).reshape(3, 4)),
    _case("f-zeros", lambda: np.zeros((2, 3))),
    _case("f-neg-zero", lambda: np.array([-0.0, 0.0, 1.5])),
    _case("f-sci-ratio", lambda: np.array([1e-3, 1.0, 5e3])),
    _case("f-sci-large", lambda: np.array([1e9, 2e9])),
    _case("f-sci-small", lambda: np.array([1e-5, 3e-5])),
    _case("f-sci-int-valued", lambda: np.array([1.0, 1e10])),
    _case("f-nan-inf", lambda: np.array([np.nan, np.inf, -np.inf, 1.5])),
    _case("f-nan-inf-int", lambda: np.array([np.nan, np.inf, -np.inf, 2.0])),
    _case("f-all-nan", lambda: np.array([np.nan, np.nan])),
    _case("f-wide", lambda: _f(30) * 100),
    _case("f-wrap-2d", lambda: _f(3, 20)),
    _case("f-summary-1d", lambda: _f(2000)),
    _case("f-summary-2d", lambda: _f(50, 40)),
    _case("f-summary-3d", lambda: _f(12, 10, 11)),
    _case("f-summary-short-dim", lambda: _f(2, 1000)),
    _case("f-float64", lambda: _f(2, 3), "float64"),
    _case("f-float16", lambda: _f(2, 3), "float16"),
    _case("f-bfloat16", lambda: _f(2, 3), "bfloat16"),
    _case("f-bfloat16-int", lambda: np.array([1.0, 256.0]), "bfloat16"),
    _case("f-float16-sci", lambda: np.array([1e-4, 60000.0]), "float16"),
    _case("i-1d", lambda: np.arange(10)),
    _case("i-2d-neg", lambda: np.arange(-6, 6).reshape(3, 4)),
    _case("i-0d", lambda: np.array(7)),
    _case("i-wrap", lambda: np.arange(100) * 12345),
    _case("i-summary", lambda: np.arange(5000).reshape(50, 100)),
    _case("i-int32", lambda: np.arange(6).reshape(2, 3), "int32"),
    _case("i-int8", lambda: np.array([-128, 0, 127]), "int8"),
    _case("i-uint8", lambda: np.array([0, 255]), "uint8"),
    _case("i-int16", lambda: np.array([1, 2]), "int16"),
    _case("b-1d", lambda: np.array([True, False, True])),
    _case("b-all-true", lambda: np.array([[True, True], [True, True]])),
    _case("b-0d", lambda: np.array(False)),
    _case("c-1d", lambda: _f(4) + 1j * _f(4), "complex64"),
    _case("c-0d", lambda: np.array(1 + 2j), "complex64"),
    _case("c-int-valued", lambda: np.array([1 - 2j, 3j, -1]), "complex64"),
    _case("c-2d-128", lambda: _f(2, 3) + 1j * _f(2, 3), "complex128"),
    _case("c-sci", lambda: np.array([1e-6 + 1e6j, 2 - 3j]), "complex64"),
    _case("c-summary", lambda: _f(1100) - 1j * _f(1100), "complex64"),
    _case("empty-1d", lambda: np.zeros(0)),
    _case("empty-2d", lambda: np.zeros((0, 3))),
    _case("empty-int", lambda: np.zeros((2, 0), dtype=np.int64)),
    _case("empty-bool", lambda: np.zeros(0, dtype=bool)),
    _case("empty-f64", lambda: np.zeros((0,)), "float64"),
]


def _pair(make, dtype):
    arr = np.asarray(make())
    if dtype is None:
        dtype = {"f": "float32", "i": "int64", "b": "bool", "c": "complex64"}[arr.dtype.kind]
    a = ember.tensor(arr, dtype=getattr(ember, dtype))
    b = torch.tensor(arr, dtype=getattr(torch, dtype))
    return a, b


@pytest.mark.parametrize("make,dtype", CASES)
def test_repr_matches_torch(make, dtype):
    a, b = _pair(make, dtype)
    assert repr(a) == repr(b)
    assert str(a) == str(b)


OPTIONS = [
    dict(precision=2),
    dict(precision=8),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(linewidth=40),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="full", precision=6),
]


@pytest.fixture
def restore_options():
    yield
    _tensor_str.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.conforms("torch.set_printoptions")
@pytest.mark.parametrize("opts", OPTIONS, ids=[repr(o) for o in OPTIONS])
@pytest.mark.parametrize("case", ["f-2d", "f-summary-2d", "i-1d", "f-sci-ratio", "c-1d", "f-3d"])
def test_printoptions(opts, case, restore_options):
    make, dtype = next(p.values for p in CASES if p.id == case)
    a, b = _pair(make, dtype)
    _tensor_str.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    assert repr(a) == repr(b)


def test_get_printoptions_default():
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    assert _tensor_str.get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80,
                                                  sci_mode=None)


def test_printoptions_context_manager():
    with _tensor_str.printoptions(precision=1):
        assert repr(ember.tensor([1.25, 2.5])) == "tensor([1.2, 2.5])"
    assert repr(ember.tensor([1.25, 2.5])) == "tensor([1.2500, 2.5000])"


def test_autograd_suffixes():
    arr = _f(2, 3).astype(np.float32)
    a = ember.tensor(arr, requires_grad=True)
    b = torch.tensor(arr, requires_grad=True)
    assert repr(a) == repr(b)
    assert repr(a * 2) == repr(b * 2)
    assert repr(ember.tensor(arr, dtype=ember.float64, requires_grad=True) + 1) == \
        repr(torch.tensor(arr, dtype=torch.float64, requires_grad=True) + 1)
    assert repr(ember.tensor(1.5, requires_grad=True)) == repr(torch.tensor(1.5, requires_grad=True))


def test_suffix_wraps_to_new_line():
    arr = _f(2, 9).astype(np.float32)
    a = ember.tensor(arr, dtype=ember.float64, requires_grad=True)
    b = torch.tensor(arr, dtype=torch.float64, requires_grad=True)
    assert repr(a) == repr(b)


@pytest.fixture
def restore_default_dtype():
    yield
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("default", ["float64", "float16"])
@pytest.mark.parametrize("case", ["f-2d", "f-float64", "c-1d", "c-2d-128", "i-1d", "empty-f64", "empty-1d"])
def test_default_dtype_changes_suffix(default, case, restore_default_dtype):
    make, dtype = next(p.values for p in CASES if p.id == case)
    ember.set_default_dtype(getattr(ember, default))
    torch.set_default_dtype(getattr(torch, default))
    a, b = _pair(make, dtype)
    assert repr(a) == repr(b)


def test_subclass_prefix():
    class MyTensor(ember.Tensor):
        pass

    t = ember.Tensor._make_subclass(MyTensor, ember.tensor([1.0, 2.0]))
    assert repr(t) == "MyTensor([1., 2.])"


def test_tensor_contents_override():
    t = ember.tensor([1.0, 2.0], requires_grad=True)
    assert _tensor_str._str(t, tensor_contents="[...]") == "tensor([...], requires_grad=True)"


def test_meta_and_device_suffix():
    try:
        a = ember.zeros(2, 3, device="meta")
    except (ImportError, RuntimeError, NotImplementedError):
        pytest.skip("meta backend not available yet")
    assert repr(a) == repr(torch.zeros(2, 3, device="meta"))
    a = ember.zeros(2, 3, dtype=ember.int64, device="meta")
    assert repr(a) == repr(torch.zeros(2, 3, dtype=torch.int64, device="meta"))
