"""ember.cuda / accelerator / version / backends.{cudnn,mps,cpu} / utils.dlpack, against what PyTorch says here."""
import warnings

import numpy as np
import pytest

import ember
import ember.accelerator
import ember.backends.cpu
import ember.backends.cudnn
import ember.backends.mps
import ember.cuda
import ember.version
from ember.utils import dlpack

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

cpu_only = pytest.mark.skipif(ember.cuda.is_available() or torch.cuda.is_available(),
                              reason="compares the answers of a machine without a GPU")


def _outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn()
    except Exception as e:  # noqa: BLE001  (the exception is the answer being compared)
        return type(e), str(e)


def _same(ours, theirs):
    """Same value, or the same exception type whose message starts with PyTorch's."""
    if ours[0] == "ok" or theirs[0] == "ok":
        return ours == theirs
    return ours[0] is theirs[0] and ours[1].startswith(theirs[1])


CUDA_CALLS = [
    "is_available()", "device_count()", "current_device()", "synchronize()", "synchronize('cpu')",
    "manual_seed(0)", "manual_seed_all(0)", "seed()", "seed_all()", "initial_seed()", "empty_cache()",
    "is_bf16_supported()", "is_bf16_supported(including_emulation=False)", "is_tf32_supported()",
    "get_device_name()", "get_device_name(0)", "get_device_properties(0)", "get_device_capability()",
    "memory_allocated()", "max_memory_allocated()", "memory_reserved()", "max_memory_reserved()",
    "memory_allocated('cpu')", "memory_stats()", "is_initialized()", "init()", "get_rng_state()",
    "get_rng_state_all()", "mem_get_info()", "get_arch_list()", "get_gencode_flags()", "ipc_collect()",
    "set_device('cpu')", "set_device(None)", "set_device(-1)", "current_stream()", "Stream()", "Event()",
    "manual_seed('a')",
]


@cpu_only
@pytest.mark.parametrize("call", CUDA_CALLS)
def test_cuda_answers_like_torch(call):
    ours = _outcome(lambda: eval("ember.cuda." + call))
    theirs = _outcome(lambda: eval("torch.cuda." + call))
    assert _same(ours, theirs), (ours, theirs)


@cpu_only
def test_cuda_set_device_needs_cuda():
    # PyTorch's CPU build fails here with an AttributeError from its C extension; ember says why
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        ember.cuda.set_device(0)
    with pytest.raises(RuntimeError, match="compiled without CUDA support"):
        with ember.cuda.device(0):
            pass
    with ember.cuda.device(-1):
        pass
    with ember.cuda.device_of(ember.zeros(1)):
        pass


ACCELERATOR_CALLS = [
    "is_available()", "current_accelerator()", "current_accelerator(check_available=True)", "device_count()",
    "current_device_index()", "set_device_index(0)", "set_device_index('cpu')", "synchronize()",
    "current_device_idx()", "set_device_idx(0)", "current_stream()", "empty_cache()", "memory_allocated()",
    "max_memory_allocated()", "memory_reserved()", "memory_stats()", "reset_peak_memory_stats()",
    "get_memory_info()", "get_device_capability()",
]


@pytest.mark.conforms("torch.accelerator", "torch.accelerator.is_available", "torch.accelerator.current_accelerator",
                      "torch.accelerator.device_count", "torch.accelerator.set_device_index")
@cpu_only
@pytest.mark.parametrize("call", ACCELERATOR_CALLS)
def test_accelerator_answers_like_torch(call):
    ours = _outcome(lambda: eval("ember.accelerator." + call))
    theirs = _outcome(lambda: eval("torch.accelerator." + call))
    assert _same(ours, theirs), (ours, theirs)


@cpu_only
def test_accelerator_device_index_context():
    with ember.accelerator.device_index(None):
        pass
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available."):
        with ember.accelerator.device_index(0):
            pass


def test_accelerator_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match="current_device_index"):
        try:
            ember.accelerator.current_device_idx()
        except RuntimeError:
            pass


@pytest.mark.conforms("torch.version", "torch.version.cuda")
def test_version():
    assert set(ember.version.__all__) == set(torch.version.__all__)
    for name in ("cuda", "debug", "hip"):
        assert getattr(ember.version, name) == getattr(torch.version, name)
    assert isinstance(ember.version.git_version, str)
    assert ember.version.__version__ == ember.__version__


@cpu_only
@pytest.mark.parametrize("name", ["enabled", "benchmark", "deterministic", "allow_tf32", "benchmark_limit",
                                  "fp32_precision"])
def test_cudnn_flags(name):
    assert getattr(ember.backends.cudnn, name) == getattr(torch.backends.cudnn, name)


def test_cudnn_functions_and_flags_context():
    cudnn = ember.backends.cudnn
    assert cudnn.is_available() is torch.backends.cudnn.is_available() is False
    assert cudnn.version() is None and torch.backends.cudnn.version() is None
    assert cudnn.is_acceptable(ember.zeros(1)) is False
    with cudnn.flags(enabled=False, benchmark=True, deterministic=True):
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (False, True, True)
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)
    cudnn.benchmark = True  # settable, as scripts do
    cudnn.benchmark = False


@pytest.mark.conforms("torch.backends.mps", "torch.backends.mps.is_available")
def test_mps_and_cpu():
    assert ember.backends.mps.is_available() is torch.backends.mps.is_available()
    assert ember.backends.mps.is_built() is torch.backends.mps.is_built()
    assert _same(_outcome(ember.backends.mps.is_macos13_or_newer), _outcome(torch.backends.mps.is_macos13_or_newer))
    assert ember.backends.cpu.get_cpu_capability() == torch.backends.cpu.get_cpu_capability()
    assert ember.backends.cpu.__all__ == torch.backends.cpu.__all__


def test_cpu_capability_env(monkeypatch):
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")
    assert ember.backends.cpu.get_cpu_capability() == "DEFAULT"


# ---------------------------------------------------------------------------
# DLPack


def test_from_dlpack_numpy_shares_memory():
    a = np.arange(6.0).reshape(2, 3)
    t = dlpack.from_dlpack(a)
    assert t.dtype is ember.float64 and t.shape == (2, 3)
    a[0, 0] = 42.0
    assert t._data[0, 0] == 42.0
    assert repr(t) == repr(torch.from_dlpack(a))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
                                   "float64", "complex64", "complex128"])
def test_from_dlpack_dtypes(dtype):
    a = np.ones((2, 2), dtype=dtype)
    t = dlpack.from_dlpack(a)
    assert t.dtype.name == torch.from_dlpack(a).dtype.__repr__()[6:]


def test_from_dlpack_torch_and_back():
    tt = torch.arange(4.0)
    e = dlpack.from_dlpack(tt)
    tt[1] = 9.0
    assert e.tolist() == [0.0, 9.0, 2.0, 3.0]
    back = torch.from_dlpack(e)
    assert back.tolist() == e.tolist()
    back[0] = -1.0
    assert e.tolist()[0] == -1.0


def test_capsules_round_trip():
    e = ember.tensor([1.0, 2.0], requires_grad=True)
    cap = dlpack.to_dlpack(e)  # allowed with requires_grad, as torch.utils.dlpack.to_dlpack
    assert type(cap).__name__ == "PyCapsule"
    t = dlpack.from_dlpack(cap)
    assert t.tolist() == [1.0, 2.0] and not t.requires_grad
    assert dlpack.from_dlpack(np.arange(3).__dlpack__()).tolist() == [0, 1, 2]
    assert torch.from_dlpack(dlpack.to_dlpack(ember.tensor([3, 4]))).tolist() == [3, 4]


def test_from_dlpack_errors():
    def both(x):
        return _outcome(lambda: dlpack.from_dlpack(x)), _outcome(lambda: torch.from_dlpack(x))
    ours, theirs = both(5)
    assert _same(ours, theirs)
    with pytest.raises(ValueError, match="negative"):
        dlpack.from_dlpack(np.arange(4)[::-1])


def test_dldevicetype():
    assert [(m.name, int(m)) for m in dlpack.DLDeviceType] == \
        [(m.name, int(m)) for m in torch.utils.dlpack.DLDeviceType]


def test_utils_lazy_submodules():
    import ember.utils
    assert ember.utils.dlpack is dlpack
    with pytest.raises(AttributeError):
        ember.utils.no_such_module


# ---------------------------------------------------------------------------
# the CuPy paths, on a stand-in CuPy (no GPU needed): they must call CuPy correctly


class _FakeCupy:
    """The few CuPy entry points ember.cuda uses, answering like one 8.6-capability GPU."""

    class _Pool:
        def used_bytes(self):
            return 100

        def total_bytes(self):
            return 200

        def free_all_blocks(self):
            pass

    class _Ctx:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def synchronize(self):
            pass

        def record(self, stream=None):
            pass

        def use(self):
            pass

        done = True

    def __init__(self):
        import types
        runtime = types.SimpleNamespace(
            setDevice=lambda i: None, deviceSynchronize=lambda: None, getDevice=lambda: 0,
            getDeviceCount=lambda: 1, memGetInfo=lambda: (1, 2),
            getDeviceProperties=lambda i: {"name": b"Fake GPU", "major": 8, "minor": 6,
                                           "totalGlobalMem": 8 << 30, "multiProcessorCount": 40})
        ctx = _FakeCupy._Ctx
        self.cuda = types.SimpleNamespace(runtime=runtime, Device=ctx, Stream=ctx, Event=ctx,
                                          get_current_stream=ctx, get_elapsed_time=lambda a, b: 1.5)

    def get_default_memory_pool(self):
        return _FakeCupy._Pool()


@pytest.fixture
def fake_gpu(monkeypatch):
    from ember.backends import cuda as backend
    monkeypatch.setattr(backend, "_cupy", _FakeCupy())
    return backend


def test_cuda_with_cupy(fake_gpu):
    C, A = ember.cuda, ember.accelerator
    assert C.is_available() and C.device_count() == 1 and C.current_device() == 0
    assert C.get_device_name() == "Fake GPU" and C.get_device_capability() == (8, 6)
    assert "total_memory=8192MB" in repr(C.get_device_properties(0))
    C.set_device(0)
    C.synchronize()
    C.manual_seed(1)
    assert C.initial_seed() == 1
    assert (C.memory_allocated(), C.memory_reserved(), C.mem_get_info()) == (100, 200, (1, 2))
    C.empty_cache()
    assert C.is_bf16_supported() and C.get_arch_list() == ["sm_86"]
    start, end = C.Event(enable_timing=True), C.Event(enable_timing=True)
    start.record()
    end.record()
    assert start.elapsed_time(end) == 1.5
    with C.stream(C.Stream()), C.device(0):
        pass
    assert A.is_available() and A.current_accelerator() == ember.device("cuda") and A.device_count() == 1
    assert A.current_device_index() == 0
    A.set_device_index(0)
    A.synchronize()
    with A.device_index(0):
        pass
    assert A.memory_allocated() == 100


@pytest.mark.conforms("torch.classes", "torch.classes.load_library")
def test_classes_namespace_errors_and_load_library(tmp_path):
    """torch.classes: C++ custom classes do not exist in ember; the errors are PyTorch's."""
    import ember.classes
    with pytest.raises(RuntimeError) as ours:
        ember.classes.myns.MyClass
    with pytest.raises(RuntimeError) as theirs:
        torch.classes.myns.MyClass
    assert str(ours.value) == str(theirs.value)
    missing = str(tmp_path / "nothere.so")
    with pytest.raises(OSError) as ours:
        ember.classes.load_library(missing)
    with pytest.raises(OSError) as theirs:
        torch.classes.load_library(missing)
    assert str(ours.value) == str(theirs.value)
    import os
    shared_library = np._core._multiarray_umath.__file__  # any real .so will do
    ember.classes.load_library(shared_library)
    assert os.path.realpath(shared_library) in ember.classes.loaded_libraries
    ember.classes._register_class("myns", "Counter", dict)
    assert ember.classes.myns.Counter is dict
