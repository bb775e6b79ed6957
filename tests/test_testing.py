"""ember.testing (assert_close, assert_allclose, make_tensor) against torch.testing, and the coverage report."""
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember
from ember.testing import assert_allclose, assert_close, make_tensor

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


class T:
    """A tensor spec built into both frameworks: T([1., 2.], "float32")."""

    def __init__(self, data, dtype=None, **kw):
        self.data, self.dtype, self.kw = data, dtype, kw

    def build(self, lib):
        dtype = getattr(lib, self.dtype) if self.dtype else None
        return lib.tensor(self.data, dtype=dtype, **self.kw)


def _build(x, lib):
    if isinstance(x, T):
        return x.build(lib)
    if isinstance(x, list):
        return [_build(v, lib) for v in x]
    if isinstance(x, tuple):
        return tuple(_build(v, lib) for v in x)
    if isinstance(x, dict):
        return {k: _build(v, lib) for k, v in x.items()}
    return x


def _outcome(fn, lib, actual, expected, kwargs):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(_build(actual, lib), _build(expected, lib), **kwargs)
    except Exception as e:  # noqa: BLE001  (the exception itself is what is compared)
        msg = str(e).replace("ember._tensor.Tensor", "torch.Tensor")
        return type(e), msg
    return None


NAN, INF = float("nan"), float("inf")
CASES = [
    (T([1.0, 2.0, 3.0]), T([1.0, 2.0, 3.0]), {}),
    (T([1.0, 2.0, 3.0]), T([1.0, 2.0 + 1e-6, 3.0]), {}),
    (T([1.0, 2.0, 3.0]), T([1.0, 4.0, 5.0]), {}),
    (T([[1.0, 2.0], [3.0, 4.0]]), T([[1.0, 2.0], [3.5, 4.0]]), {}),
    (T([1.0, 2.0], "float64"), T([1.0, 2.0 + 1e-6], "float64"), {}),
    (T([1.0, 2.0], "float16"), T([1.0, 2.001], "float16"), {}),
    (T([1.0, 2.0], "bfloat16"), T([1.0, 2.02], "bfloat16"), {}),
    (T([1.0, 2.0], "bfloat16"), T([1.0, 2.1], "bfloat16"), {}),
    (T([1, 2, 3]), T([1, 2, 4]), {}),
    (T([1, 2, 3]), T([1, 2, 4]), dict(rtol=0.5, atol=0)),
    (T([1, 2, 3], "uint8"), T([1, 2, 0], "uint8"), {}),
    (T([True, False]), T([True, True]), {}),
    (T([1 + 1j, 2j]), T([1 + 1j, 2.5j]), {}),
    (T(NAN), T(NAN), {}),
    (T(NAN), T(NAN), dict(equal_nan=True)),
    (T([NAN, 1.0]), T([NAN, 1.0]), dict(equal_nan=True)),
    (T([NAN, 1.0]), T([NAN, 1.0]), {}),
    (T([INF, 1.0]), T([INF, 1.0]), {}),
    (T([INF, 1.0]), T([-INF, 1.0]), {}),
    (T([0.0, 1.0]), T([1.0, 0.0]), {}),
    (T(1.5), T(2.0), {}),
    (T([1.0, 2.0]), T([1.0, 2.0], "float64"), {}),
    (T([1.0, 2.0]), T([1.0, 2.0], "float64"), dict(check_dtype=False)),
    (T([1.0, 2.5]), T([1, 2]), dict(check_dtype=False)),
    (T([1.0, 2.0]), T([1.0, 2.0, 3.0]), {}),
    (T([1.0, 2.0]), T([1.0, 2.1]), dict(rtol=0.1, atol=0.0)),
    (T([1.0, 2.0]), T([1.0, 2.1]), dict(rtol=0.0, atol=0.0)),
    (T([1.0, 2.0]), T([1.0, 2.1]), dict(rtol=0.1)),
    (T([1.0, 2.0]), T([1.0, 2.1]), dict(atol=0.1)),
    (T([1.0, 2.0]), T([1.0, 2.1]), dict(msg="custom")),
    (T([1.0, 2.0]), T([1.0, 2.1]), dict(msg=lambda m: f"Header\n\n{m}\n\nFooter")),
    (T([1.0]), T([1.0]), dict(check_stride=True)),
    (1.0, 1.0, {}),
    (1.0, 1.0 + 1e-9, {}),
    (1.0, 1.1, {}),
    (1.0, 1, {}),
    (1.0, 1, dict(check_dtype=False)),
    (1, 2, {}),
    (1 + 2j, 1 + 3j, {}),
    (NAN, NAN, {}),
    (NAN, NAN, dict(equal_nan=True)),
    (0.0, 1e-6, {}),
    (True, True, {}),
    (True, False, {}),
    (np.bool_(True), False, {}),
    (None, None, {}),
    (None, 1, {}),
    (np.float32(1.0), np.float32(1.5), {}),
    ("a", "a", {}),
    ([1.0, 2.0], [1.0, 2.0]),
    ([1.0, 2.0], [1.0, 2.0, 3.0]),
    ([1.0, T([1.0, 2.0])], [1.0, T([1.0, 3.0])]),
    ((T([1.0]), (T([2.0]), 3)), (T([1.0]), (T([2.5]), 3))),
    ({"a": T([1.0]), "b": 2}, {"a": T([1.0]), "b": 3}),
    ({"a": T([1.0]), "b": 2}, {"a": T([1.0]), "c": 2}),
    ({"x": [T([1.0]), {"y": T([[1, 2]])}]}, {"x": [T([1.0]), {"y": T([[1, 3]])}]}),
    (np.array([1.0, 2.0]), np.array([1.0, 2.5])),
    (np.array([1.0, 2.0]), np.array([1.0, 2.0], dtype=np.float32)),
    (np.array([1, 2]), np.array([1, 2])),
    (T([1.0, 2.0]), np.array([1.0, 2.0])),
    (T([1.0]), 1.0),
    (T(1.0), 1.0),
    (T(list(range(100)), "float32"), T(list(range(99)) + [100], "float32")),
    (T([[1.0, 5.0], [2.0, 3.0]]), T([[1.5, 5.0], [0.0, 3.0]])),
    (T([1.0, 2.0], requires_grad=True), T([1.0, 2.0])),
]
CASES = [c if len(c) == 3 else (*c, {}) for c in CASES]


@pytest.mark.conforms("torch.testing", "torch.testing.assert_close")
@pytest.mark.parametrize("actual,expected,kwargs", CASES, ids=[str(i) for i in range(len(CASES))])
def test_assert_close_matches_torch(actual, expected, kwargs):
    assert _outcome(assert_close, ember, actual, expected, kwargs) == \
        _outcome(torch.testing.assert_close, torch, actual, expected, kwargs)


@pytest.mark.parametrize("actual,expected,kwargs", [
    (T([1.0, 2.0]), T([1.0, 2.0001]), {}),
    (T([1.0, 2.0]), T([1.0, 2.1]), {}),
    (T([1.0, 2.0], "float64"), T([1.0, 2.0 + 1e-6], "float64"), {}),
    ([1.0, 2.0], [1.0, 2.00001], {}),
    (T([1.0, NAN]), T([1.0, NAN]), {}),
    (T([1.0, NAN]), T([1.0, NAN]), dict(equal_nan=False)),
    (T([1, 2]), T([1.0, 2.0]), {}),
])
@pytest.mark.conforms("torch.testing.assert_allclose")
def test_assert_allclose_matches_torch(actual, expected, kwargs):
    assert _outcome(assert_allclose, ember, actual, expected, kwargs) == \
        _outcome(torch.testing.assert_allclose, torch, actual, expected, kwargs)


def test_assert_allclose_is_deprecated():
    with pytest.warns(FutureWarning, match="assert_allclose"):
        assert_allclose(ember.tensor([1.0]), ember.tensor([1.0]))


def test_subclasses():
    class Sub(ember.Tensor):
        pass

    a = ember.tensor([1.0, 2.0])
    s = ember.Tensor._make_subclass(Sub, a)
    assert_close(s, a)
    with pytest.raises(TypeError, match="No comparison pair was able to handle inputs"):
        assert_close(s, a, allow_subclasses=False)


def test_default_tolerances_table():
    from ember.testing._comparison import _DTYPE_PRECISIONS
    from torch.testing._comparison import _DTYPE_PRECISIONS as torch_precisions
    for d, tol in _DTYPE_PRECISIONS.items():
        assert torch_precisions[getattr(torch, d.name)] == tol


# ---------------------------------------------------------------------------
# make_tensor

needs_random = pytest.mark.skipif(not (hasattr(ember, "randint") and hasattr(ember.Tensor, "uniform_")
                                       and hasattr(ember.Tensor, "__getitem__")),
                                  reason="ember's random factories are not in yet")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128"]


@needs_random
@pytest.mark.parametrize("dtype", DTYPES)
def test_make_tensor_defaults(dtype):
    d = getattr(ember, dtype)
    t = make_tensor(4, 5, dtype=d, device="cpu")
    assert t.shape == (4, 5) and t.dtype is d and t.is_contiguous() and not t.requires_grad
    arr = np.asarray(t._data)
    if dtype == "bool":
        return
    vals = np.concatenate([arr.real.ravel(), arr.imag.ravel()]) if arr.dtype.kind == "c" else \
        arr.astype(np.float64).ravel()
    low, high = {"uint8": (0, 10)}.get(dtype, (-9, 10) if d._category == 1 else (-9, 9))
    assert vals.min() >= low and vals.max() < high


@needs_random
def test_make_tensor_options():
    t = make_tensor((3, 4), dtype=ember.float32, device="cpu", low=-1, high=1, requires_grad=True,
                    noncontiguous=True, exclude_zero=True)
    assert t.shape == (3, 4) and not t.is_contiguous() and t.requires_grad
    assert (np.abs(t._data) <= 1).all() and (t._data != 0).all()
    t = make_tensor(2, 3, dtype=ember.int64, device="cpu", low=0, high=1, exclude_zero=True)
    assert (t._data == 1).all()
    t = make_tensor(5, dtype=ember.uint8, device="cpu", low=-100, high=1000)  # clamped to the dtype's range
    assert t.dtype is ember.uint8


@pytest.mark.parametrize("kwargs", [
    dict(dtype="int64", requires_grad=True),
    dict(dtype="float32", low=2, high=1),
    dict(dtype="float32", low=float("nan")),
    dict(dtype="uint8", low=300, high=400),
    dict(dtype="float32", noncontiguous=True, memory_format="channels_last"),
])
def test_make_tensor_errors(kwargs):
    kw = dict(kwargs)
    dtype = kw.pop("dtype")
    mf = kw.pop("memory_format", None)
    with pytest.raises(ValueError) as ours:
        make_tensor(2, 3, dtype=getattr(ember, dtype), device="cpu",
                    **kw, **({"memory_format": getattr(ember, mf)} if mf else {}))
    with pytest.raises(ValueError) as theirs:
        torch.testing.make_tensor(2, 3, dtype=getattr(torch, dtype), device="cpu",
                                  **kw, **({"memory_format": getattr(torch, mf)} if mf else {}))
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------------------
# python -m ember.testing.coverage


@pytest.fixture
def api_env():
    api = os.environ.get("EMBER_API_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "shared", "api")
    if not os.path.isdir(api):
        pytest.skip("shared/api lists not present")
    return dict(os.environ, EMBER_API_DIR=api)


def test_coverage_report(tmp_path, api_env):
    results = tmp_path / ".conformance"
    results.mkdir()
    (results / "results-main.json").write_text('{"add": true, "sub": false, "linalg.inv": true}')
    (results / "results-gw1.json").write_text('{"add": false}')
    out = subprocess.run([sys.executable, "-m", "ember.testing.coverage", "--results", str(results), "--missing"],
                         capture_output=True, text=True, env=api_env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "torch-functions.txt" in out.stdout and "used-in-real-code.tsv" in out.stdout
    assert "goal subset" in out.stdout and "missing from" in out.stdout
    sections = out.stdout.split("\n\n")
    missing = " ".join(sec for sec in sections if sec.startswith("missing from")).split()
    failing = " ".join(sec for sec in sections if sec.startswith("failing")).split()
    assert "Tensor.shape" not in missing and "torch.add" not in missing and "torch.version.cuda" not in missing
    assert "torch.add" in failing  # failed in one of the two result files


def test_coverage_counts(tmp_path):
    from ember.testing import coverage
    api = tmp_path / "api"
    api.mkdir()
    (api / "fft.txt").write_text("# torch.fft functions\nfft\nno_such_fn\n")
    (api / "tensor-methods.txt").write_text("# public attributes and methods of torch.Tensor\nshape\nadd_\nnope\n")
    (api / "used.tsv").write_text("# counts\n10\ttorch.add\n5\ttorch.nn.Linear\n1\tTensor.nope\n")
    prefix, names = coverage.read_list(api / "tensor-methods.txt")
    assert prefix == "torch.Tensor"
    names = coverage.full_names(prefix, names)
    assert [n for n, _ in names] == ["Tensor.shape", "Tensor.add_", "Tensor.nope"]
    m = coverage.measure(names, {"add": True})
    assert [n for n, _ in m["present"]] == ["Tensor.shape", "Tensor.add_"]
    assert [n for n, _ in m["passing"]] == ["Tensor.add_"]
    assert coverage.resolve("torch.add") is ember.add
    assert coverage.resolve("torch.version.cuda") is None  # present, and None
    assert coverage.resolve("torch.no_such_module.x") is coverage._missing
    assert coverage.load_results(tmp_path) == {}
    assert coverage.main(["--api", str(api), "--results", str(tmp_path), "--missing"]) == 0


def test_coverage_does_not_import_torch(api_env):
    code = "import sys, ember.testing.coverage as c; c.main([]); assert 'torch' not in sys.modules"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=api_env)
    assert out.returncode == 0, out.stderr
