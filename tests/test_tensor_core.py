"""Tensor basics owned by the core: dtypes, promotion, devices, meta, storage, in-place rules, pickling."""
import copy
import pickle

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:
    torch = None

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
          "complex64", "complex128"]


@pytest.mark.torch
@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promote_types_matches_torch(a, b):
    assert repr(ember.promote_types(getattr(ember, a), getattr(ember, b))) == \
        repr(torch.promote_types(getattr(torch, a), getattr(torch, b)))


@pytest.mark.torch
@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_can_cast_matches_torch(a, b):
    assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))


@pytest.mark.torch
@pytest.mark.parametrize("dt", ["bool", "uint8", "int32", "int64", "float16", "float32", "float64", "complex64"])
@pytest.mark.parametrize("scalar", [2, 2.5, True, 1j])
@pytest.mark.parametrize("zero_dim", [False, True])
def test_result_type_with_scalars(dt, scalar, zero_dim):
    shape = () if zero_dim else (2,)
    e = ember.zeros(shape, dtype=getattr(ember, dt))
    t = torch.zeros(shape, dtype=getattr(torch, dt))
    assert repr(ember.result_type(e, scalar)) == repr(torch.result_type(t, scalar))


@pytest.mark.torch
@pytest.mark.parametrize("a,b", [("int32", "float64"), ("uint8", "int8"), ("float16", "float64"),
                                 ("int64", "complex128"), ("bool", "int32"), ("float32", "complex128")])
def test_zero_dim_tensor_promotion(a, b):
    e = ember.add(ember.ones(3, dtype=getattr(ember, a)), ember.ones((), dtype=getattr(ember, b)))
    t = torch.add(torch.ones(3, dtype=getattr(torch, a)), torch.ones((), dtype=getattr(torch, b)))
    assert repr(e.dtype) == repr(t.dtype)


@pytest.mark.torch
def test_default_dtype_changes_promotion():
    try:
        ember.set_default_dtype(ember.float64)
        torch.set_default_dtype(torch.float64)
        assert repr((ember.ones(2, dtype=ember.int32) * 1.5).dtype) == repr((torch.ones(2, dtype=torch.int32) * 1.5).dtype)
        assert repr(ember.tensor([1.0]).dtype) == "torch.float64"
        assert repr(ember.get_default_dtype()) == repr(torch.get_default_dtype())
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


@pytest.mark.torch
def test_inplace_upcast_is_refused():
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        ember.ones(2, dtype=ember.int64).add_(1.5)
    with pytest.raises(RuntimeError):
        torch.ones(2, dtype=torch.int64).add_(1.5)
    x = ember.ones(2)
    x.add_(ember.ones(2, dtype=ember.float64))  # downcast into float32 is fine
    assert x.dtype is ember.float32 and x.tolist() == [2.0, 2.0]


@pytest.mark.torch
def test_finfo_iinfo():
    for name in ["float16", "bfloat16", "float32", "float64"]:
        e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
        for field in ["bits", "eps", "max", "min", "tiny", "resolution"]:
            assert getattr(e, field) == pytest.approx(getattr(t, field)), (name, field)
    for name in ["uint8", "int8", "int16", "int32", "int64"]:
        e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
        assert (e.bits, e.min, e.max) == (t.bits, t.min, t.max)
    with pytest.raises(TypeError):
        ember.finfo(ember.int32)


def test_dtype_objects():
    assert repr(ember.float32) == "torch.float32"
    assert ember.float is ember.float32 and ember.long is ember.int64 and ember.half is ember.float16
    assert ember.float32.is_floating_point and not ember.int64.is_floating_point
    assert ember.complex64.is_complex and ember.float32.itemsize == 4
    assert pickle.loads(pickle.dumps(ember.bfloat16)) is ember.bfloat16
    t = ember.ones(2)
    assert t.double().dtype is ember.float64 and t.half().dtype is ember.float16 and t.long().dtype is ember.int64
    assert t.int().dtype is ember.int32 and t.bool().dtype is ember.bool and t.to(ember.bfloat16).dtype is ember.bfloat16
    assert t.is_floating_point() and not t.long().is_floating_point() and t.to(ember.complex64).is_complex()


@pytest.mark.torch
def test_device_objects():
    for spec in ["cpu", "cuda", "cuda:1", "meta"]:
        assert repr(ember.device(spec)) == repr(torch.device(spec))
        assert str(ember.device(spec)) == str(torch.device(spec))
    assert ember.device("cuda", 0) == ember.device("cuda:0")
    assert ember.device("cpu") != "cpu"  # PyTorch 2.13 compares devices with devices only
    assert ember.ones(2).device == ember.device("cpu")
    with pytest.raises(RuntimeError):
        ember.device("tpu")


def test_cuda_without_gpu_raises_like_pytorch():
    with pytest.raises(AssertionError, match="not compiled with CUDA enabled"):
        ember.zeros(2, device="cuda")
    with pytest.raises(AssertionError):
        ember.ones(2).to("cuda")
    with pytest.raises(AssertionError):
        ember.ones(2).cuda()


def test_mixing_devices_raises():
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        ember.ones(2) + ember.ones(2, device="meta")
    # a 0-dim CPU tensor may join an op on another device, as in PyTorch
    out = ember.ones(2, device="meta") + ember.tensor(3.0)
    assert out.device.type == "meta"


def test_meta_device_infers_shapes_without_data():
    x = ember.ones(4096, 4096, device="meta")  # would be 64 MiB on the CPU
    assert x._data.strides == (0, 0)
    y = (x * 2 + x).sum(0, keepdim=True)
    assert tuple(y.shape) == (1, 4096) and y.device.type == "meta" and y.dtype is ember.float32
    z = x.view(16, -1).expand(3, 16, 1024 * 1024)
    assert tuple(z.shape) == (3, 16, 1024 * 1024)
    assert (ember.ones(2, 3, dtype=ember.int32, device="meta") / 2).dtype is ember.float32
    with pytest.raises(NotImplementedError):
        x.tolist()
    with pytest.raises(RuntimeError):
        x.item()
    w = ember.ones(3, 2, device="meta", requires_grad=True)
    (w * w).sum().backward()
    assert tuple(w.grad.shape) == (3, 2) and w.grad.device.type == "meta"
    assert ember.ones(2).to("meta").device.type == "meta"


@pytest.mark.torch
def test_storage_offsets_and_strides():
    base_e, base_t = ember.arange(24.0).view(4, 6), torch.arange(24.0).view(4, 6)
    for fn in [lambda x: x.view(6, 4), lambda x: x.as_strided((2, 2), (6, 1), 7), lambda x: x.expand(2, 4, 6),
               lambda x: x.reshape(2, 12)]:
        e, t = fn(base_e), fn(base_t)
        assert e.stride() == t.stride() and e.storage_offset() == t.storage_offset()
        assert e.is_contiguous() == t.is_contiguous()
        assert e.untyped_storage().data_ptr() == base_e.untyped_storage().data_ptr()
    assert base_e.untyped_storage().nbytes() == base_t.untyped_storage().nbytes()


def test_view_shares_memory_and_version_counter():
    x = ember.zeros(6)
    v = x.view(2, 3)
    v.add_(1)
    assert x.tolist() == [1.0] * 6
    assert x._version == v._version == 1
    assert v._base is x
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        ember.zeros(4, 6).as_strided((6, 4), (1, 6)).view(24)


def test_numpy_interop_shares_memory():
    a = np.arange(6, dtype=np.float32)
    t = ember.from_numpy(a)
    a[0] = 42
    assert t[0].item() == 42 if hasattr(ember.Tensor, "__getitem__") else t.tolist()[0] == 42
    t.mul_(2)
    assert a[0] == 84
    assert np.shares_memory(np.asarray(t), a)
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    with pytest.raises(RuntimeError, match="requires grad"):
        ember.ones(2, requires_grad=True).numpy()


def test_pickle_and_deepcopy():
    x = ember.arange(6.0).view(2, 3).requires_grad_()
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and y.requires_grad and y.dtype is ember.float32
    z = copy.deepcopy(x)
    assert z.tolist() == x.tolist() and z.requires_grad and z._data is not x._data
    with pytest.raises(RuntimeError):
        copy.deepcopy(x * 2)


def test_inplace_on_leaf_and_view_of_leaf():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        x.view(3).mul_(2)
    with ember.no_grad():
        x.add_(1)  # allowed without grad recording
    assert x.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.torch
def test_inplace_through_view_rebases_gradients():
    def run(lib):
        w = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = w * 1
        v = y.view(2, 2)
        v.mul_(v.detach() + 1)
        z = y * y
        z.sum().backward()
        return w.grad.tolist(), y.grad_fn.name(), v.grad_fn.name()
    eg, et = run(ember), run(torch)
    assert eg[0] == et[0]


@pytest.mark.torch
def test_saved_tensor_modified_in_place_raises():
    w = ember.ones(2, requires_grad=True)
    z = w * 2
    y = z * z
    z.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_backward_twice_raises_and_retain_graph_allows():
    w = ember.ones(2, requires_grad=True)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert w.grad.tolist() == [4.0, 4.0]
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="floating point"):
        ember.ones(2, dtype=ember.int64).requires_grad_()
    y = ember.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    assert not (ember.ones(2, requires_grad=True) > 0).requires_grad


def test_long_chain_backward_is_iterative():
    x = ember.ones(1, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-6
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_import_is_fast_and_lean(tmp_path):
    import os
    import subprocess
    import sys
    code = ("import time, sys; t = time.perf_counter(); import ember; dt = time.perf_counter() - t; "
            "heavy = [m for m in ('torch', 'scipy', 'cupy', 'ember.nn', 'ember.testing.coverage') if m in sys.modules]; "
            "print(dt, heavy)")
    # measure as an installed package runs: with bytecode caches (this machine sets PYTHONDONTWRITEBYTECODE,
    # which would make every import recompile the sources); the first run writes the cache
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path)
    subprocess.run([sys.executable, "-c", "import ember"], check=True, env=env)
    times = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env=env).stdout.split(" ", 1)
        times.append(float(out[0]))
        assert out[1].strip() == "[]", out[1]
    assert min(times) < 0.3, times
