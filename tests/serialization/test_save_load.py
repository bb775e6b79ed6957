"""ember.save / ember.load: round trips, and both directions against PyTorch 2.13 itself."""
import collections
import io
import pickle
import zipfile

import numpy as np
import pytest

import ember
from ember.serialization import CheckpointError, load, save

try:
    import torch
except ImportError:
    torch = None

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
          "float16", "bfloat16", "float32", "float64", "complex64", "complex128"]


def _sample(dtype, lib=ember):
    d = getattr(lib, dtype)
    return (lib.arange(12) % 5).reshape(3, 4).to(d)


def _roundtrip(obj, **kw):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return load(buf, **kw)


def _to_torch(obj):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return torch.load(buf)


def _from_torch(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **{k: kw.pop(k) for k in list(kw) if k.startswith("_use")})
    buf.seek(0)
    return load(buf, **kw)


def _same(e, t, strides=True):
    """An ember tensor equals a torch tensor: dtype, shape, strides, offset, values, requires_grad."""
    assert str(e.dtype) == str(t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    if strides:
        assert e.stride() == t.stride() and e.storage_offset() == t.storage_offset()
    assert e.requires_grad == t.requires_grad
    te = t.detach()
    if t.dtype == torch.bfloat16:
        te = te.float()
        e = e.detach().float()
    np.testing.assert_array_equal(e.detach().numpy(), te.numpy())


# ---------------------------------------------------------------------------
# format

def test_archive_layout_matches_torch(tmp_path):
    p = tmp_path / "model.pt"
    save({"w": ember.ones(3)}, p)
    zf = zipfile.ZipFile(p)
    names = zf.namelist()
    assert names == ["model/data.pkl", "model/.format_version", "model/.storage_alignment", "model/byteorder",
                     "model/data/0", "model/version", "model/.data/serialization_id"]
    assert zf.read("model/version") == b"3\n" and zf.read("model/byteorder") == b"little"
    raw = p.read_bytes()
    for info in zf.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        n, e = np.frombuffer(raw[info.header_offset + 26:info.header_offset + 30], "<u2")
        assert (info.header_offset + 30 + n + e) % 64 == 0
    buf = io.BytesIO()
    save(ember.ones(1), buf)
    assert zipfile.ZipFile(buf).namelist()[0] == "archive/data.pkl"


def test_pickle_names_torch_globals():
    import pickletools
    buf = io.BytesIO()
    save({"w": ember.ones(2), "p": ember.nn.Parameter(ember.ones(1))}, buf)
    data = zipfile.ZipFile(buf).read("archive/data.pkl")
    globs = {arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"}
    assert globs == {"torch._utils _rebuild_tensor_v2", "torch._utils _rebuild_parameter", "torch FloatStorage",
                     "collections OrderedDict"}
    assert data[:2] == b"\x80\x02"


def test_views_share_one_storage():
    base = ember.arange(20.)
    a, b = base[2:10], base.reshape(4, 5).t()
    buf = io.BytesIO()
    save({"a": a, "b": b, "base": base}, buf)
    assert [n for n in zipfile.ZipFile(buf).namelist() if "/data/" in n] == ["archive/data/0"]
    buf.seek(0)
    r = load(buf)
    assert r["a"].storage_offset() == 2 and r["b"].stride() == (1, 5)
    r["base"][3] = 100.
    assert r["a"][1].item() == 100. and r["b"][3, 0].item() == 100.


def test_mixed_dtype_views_refused():
    x = ember.zeros(4)
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        save([x, x.view(ember.int32)], io.BytesIO())


@pytest.mark.parametrize("dtype", DTYPES)
def test_roundtrip_dtypes(dtype):
    t = _sample(dtype)
    r = _roundtrip({"t": t, "nc": t.t(), "z": t[0, 0].clone(), "e": t[:0]})
    for k, v in {"t": t, "nc": t.t(), "z": t[0, 0], "e": t[:0]}.items():
        assert r[k].dtype == v.dtype and r[k].shape == v.shape
        assert ember.equal(r[k], v)


def test_roundtrip_containers_and_primitives(tmp_path):
    obj = {"list": [1, 2.5, "s", None, True], "tuple": (1, (2, 3)), "set": {1, 2}, "bytes": b"\x00\x01",
           "od": collections.OrderedDict(a=ember.ones(1)), "nested": {"x": {"y": [ember.zeros(2)]}},
           "complex": 1 + 2j, "big": 2 ** 70, "dtype": ember.bfloat16, "size": ember.Size([1, 2]),
           "dev": ember.device("cpu"), "ba": bytearray(b"ab"), "counter": collections.Counter("aab")}
    p = tmp_path / "c.pt"
    save(obj, str(p))
    r = load(p)
    assert r["list"] == obj["list"] and r["tuple"] == obj["tuple"] and r["set"] == {1, 2}
    assert r["bytes"] == b"\x00\x01" and r["complex"] == 1 + 2j and r["big"] == 2 ** 70
    assert r["dtype"] is ember.bfloat16 and r["size"] == ember.Size([1, 2]) and type(r["size"]) is ember.Size
    assert r["dev"] == ember.device("cpu") and r["ba"] == bytearray(b"ab") and r["counter"]["a"] == 2
    assert type(r["od"]) is collections.OrderedDict and ember.equal(r["nested"]["x"]["y"][0], ember.zeros(2))


def test_requires_grad_and_parameter():
    w = ember.nn.Parameter(ember.randn(2, 2))
    g = ember.ones(3, requires_grad=True)
    frozen = ember.nn.Parameter(ember.ones(1), requires_grad=False)
    r = _roundtrip([w, g, frozen])
    assert type(r[0]) is ember.nn.Parameter and r[0].requires_grad and ember.equal(r[0], w)
    assert type(r[1]) is ember.Tensor and r[1].requires_grad and r[1].is_leaf
    assert type(r[2]) is ember.nn.Parameter and not r[2].requires_grad


def test_non_leaf_refused():
    x = ember.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError):
        save(x, io.BytesIO())


def test_module_and_optimizer_state_dicts():
    model = ember.nn.Sequential(ember.nn.Conv2d(2, 3, 3), ember.nn.BatchNorm2d(3), ember.nn.Flatten(),
                                ember.nn.Linear(12, 2))
    opt = ember.optim.Adam(model.parameters(), lr=1e-3)
    model(ember.randn(2, 2, 4, 4)).sum().backward()
    opt.step()
    r = _roundtrip({"model": model.state_dict(), "opt": opt.state_dict()})
    fresh = ember.nn.Sequential(ember.nn.Conv2d(2, 3, 3), ember.nn.BatchNorm2d(3), ember.nn.Flatten(),
                                ember.nn.Linear(12, 2))
    fresh.load_state_dict(r["model"])
    for (k, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        assert ember.equal(a, b), k
    opt2 = ember.optim.Adam(fresh.parameters(), lr=1e-3)
    opt2.load_state_dict(r["opt"])
    assert opt2.state_dict()["param_groups"] == opt.state_dict()["param_groups"]


class Net(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = ember.nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x)


def test_whole_model_needs_weights_only_false():
    net = Net()
    buf = io.BytesIO()
    save(net, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        load(buf)
    buf.seek(0)
    r = load(buf, weights_only=False)
    x = ember.randn(4, 3)
    assert type(r) is Net and ember.equal(r(x), net(x))
    buf.seek(0)
    with ember.serialization.safe_globals([Net, ember.nn.Linear]):
        assert type(load(buf)) is Net


def test_legacy_format_roundtrip():
    base = ember.arange(10.)
    buf = io.BytesIO()
    save({"a": base[2:], "b": base, "i": ember.ones(2, dtype=ember.int64)}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    r = load(buf)
    assert ember.equal(r["a"], base[2:]) and r["a"].storage_offset() == 2 and r["i"].dtype == ember.int64


def test_map_location_variants():
    obj = {"t": ember.arange(3.)}
    for ml in (None, "cpu", ember.device("cpu"), {"cpu": "cpu"}, lambda s, loc: s, lambda s, loc: None):
        r = _roundtrip(obj, map_location=ml)
        assert ember.equal(r["t"], obj["t"]) and r["t"].device.type == "cpu"
    seen = []
    _roundtrip(obj, map_location=lambda s, loc: seen.append(loc))
    assert seen == ["cpu"]


def test_map_location_cuda_without_gpu():
    if ember.cuda.is_available():
        pytest.skip("has a GPU")
    with pytest.raises(RuntimeError, match="torch.cuda.is_available\\(\\) is False"):
        _roundtrip({"t": ember.ones(1)}, map_location="cuda")
    with pytest.raises(RuntimeError, match="CUDA"):
        _roundtrip({"t": ember.ones(1)}, map_location={"cpu": "cuda:0"})


def test_mmap_load(tmp_path):
    p = tmp_path / "m.pt"
    w = ember.randn(64, 64)
    save({"w": w, "v": w[3:5]}, p)
    r = load(p, mmap=True)
    assert ember.equal(r["w"], w) and ember.equal(r["v"], w[3:5])
    r["w"].add_(1)  # copy-on-write: writable, file untouched
    assert ember.equal(load(p)["w"], w)
    with pytest.raises(ValueError, match="file path"):
        load(io.BytesIO(p.read_bytes()), mmap=True)


def test_file_object_at_offset():
    buf = io.BytesIO()
    buf.write(b"header")
    save({"t": ember.ones(2)}, buf)
    buf.seek(6)
    assert ember.equal(load(buf)["t"], ember.ones(2))


# ---------------------------------------------------------------------------
# against PyTorch itself

@pytest.mark.conforms("torch.save", "torch.load")
@pytest.mark.torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_ember_to_torch_dtypes(dtype):
    t = _sample(dtype)
    obj = {"t": t, "nc": t.t(), "view": t[1:, 1:], "z": ember.tensor(1).to(t.dtype), "e": t[:0]}
    r = _to_torch(obj)
    for k, v in obj.items():
        _same(v, r[k])
    assert r["t"].untyped_storage().data_ptr() == r["nc"].untyped_storage().data_ptr()


@pytest.mark.conforms("torch.save", "torch.load")
@pytest.mark.torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_to_ember_dtypes(dtype):
    t = _sample(dtype, torch)
    obj = {"t": t, "nc": t.t(), "view": t[1:, 1:], "z": torch.tensor(1).to(t.dtype), "e": t[:0]}
    r = _from_torch(obj)
    for k, v in obj.items():
        _same(r[k], v)
    r["t"][0, 0] = 1
    assert r["nc"][0, 0].item() == 1  # still one storage


@pytest.mark.torch
def test_complex32_loads_as_complex64():
    # ember has no complex32 arrays (NumPy has no chalf): PyTorch's complex32 storages load widened
    with pytest.warns(UserWarning):
        t = torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex32)
    r = _from_torch({"t": t, "v": t[1:]})
    assert r["t"].dtype == ember.complex64 and r["t"].tolist() == [1 + 2j, 3 - 4j]
    assert r["v"].tolist() == [3 - 4j]


@pytest.mark.conforms("torch.load")
@pytest.mark.torch
def test_torch_state_dicts_load_into_ember():
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(),
                                 torch.nn.Linear(12, 2))
    topt = torch.optim.Adam(tmodel.parameters())
    tmodel(torch.randn(2, 2, 4, 4)).sum().backward()
    topt.step()
    r = _from_torch({"model": tmodel.state_dict(), "opt": topt.state_dict()})
    emodel = ember.nn.Sequential(ember.nn.Conv2d(2, 3, 3), ember.nn.BatchNorm2d(3), ember.nn.Flatten(),
                                 ember.nn.Linear(12, 2))
    emodel.load_state_dict(r["model"])
    for k, v in tmodel.state_dict().items():
        _same(emodel.state_dict()[k], v)
    assert hasattr(r["model"], "_metadata")
    eopt = ember.optim.Adam(emodel.parameters())
    eopt.load_state_dict(r["opt"])
    for i, st in topt.state_dict()["state"].items():
        _same(r["opt"]["state"][i]["exp_avg"], st["exp_avg"])
        _same(r["opt"]["state"][i]["step"], st["step"])


@pytest.mark.conforms("torch.save")
@pytest.mark.torch
def test_ember_state_dicts_load_into_torch():
    emodel = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.BatchNorm2d(3))
    eopt = ember.optim.Adam(emodel.parameters())
    emodel[0](ember.randn(2, 4)).sum().backward()
    eopt.step()
    r = _to_torch({"model": emodel.state_dict(), "opt": eopt.state_dict()})
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm2d(3))
    tmodel.load_state_dict(r["model"])
    for k, v in tmodel.state_dict().items():
        _same(emodel.state_dict()[k], v)
    topt = torch.optim.Adam(tmodel.parameters())
    topt.load_state_dict(r["opt"])


@pytest.mark.torch
def test_parameters_and_requires_grad_both_ways():
    r = _from_torch([torch.nn.Parameter(torch.ones(2)), torch.ones(2, requires_grad=True),
                     torch.nn.Parameter(torch.ones(1), requires_grad=False)])
    assert type(r[0]) is ember.nn.Parameter and r[0].requires_grad
    assert type(r[1]) is ember.Tensor and r[1].requires_grad
    assert type(r[2]) is ember.nn.Parameter and not r[2].requires_grad
    t = _to_torch([ember.nn.Parameter(ember.ones(2)), ember.ones(2, requires_grad=True)])
    assert type(t[0]) is torch.nn.Parameter and t[0].requires_grad
    assert type(t[1]) is torch.Tensor and t[1].requires_grad


@pytest.mark.torch
def test_containers_both_ways():
    tobj = {"l": [1, "a", None], "t": (1.5, (2,)), "od": collections.OrderedDict(x=torch.ones(1)), "s": {3},
            "dtype": torch.float16, "dev": torch.device("cpu"), "size": torch.Size([2]), "c": 1j}
    r = _from_torch(tobj)
    assert r["l"] == tobj["l"] and r["t"] == tobj["t"] and r["s"] == {3} and r["c"] == 1j
    assert r["dtype"] is ember.float16 and r["dev"] == ember.device("cpu") and type(r["size"]) is ember.Size
    eobj = {"dtype": ember.float16, "dev": ember.device("cpu"), "size": ember.Size([2]), "od": r["od"]}
    t = _to_torch(eobj)
    assert t["dtype"] is torch.float16 and t["dev"] == torch.device("cpu") and type(t["size"]) is torch.Size
    assert type(t["od"]) is collections.OrderedDict and t["od"]["x"].tolist() == [1.0]


@pytest.mark.torch
def test_torch_legacy_format():
    base = torch.arange(10.)
    obj = {"a": base[2:], "b": base, "p": torch.nn.Parameter(torch.ones(2)), "i": torch.arange(3)}
    r = _from_torch(obj, _use_new_zipfile_serialization=False)
    _same(r["a"], obj["a"])
    _same(r["b"], obj["b"])
    _same(r["i"], obj["i"])
    assert type(r["p"]) is ember.nn.Parameter
    r["b"][5] = -1.
    assert r["a"][3].item() == -1.
    # and torch reads ember's legacy files
    buf = io.BytesIO()
    save({"a": ember.arange(4.)[1:]}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    assert torch.load(buf)["a"].tolist() == [1., 2., 3.]


@pytest.mark.torch
def test_torch_reads_ember_file_with_mmap(tmp_path):
    p = tmp_path / "e.pt"
    save({"w": ember.arange(100.).reshape(10, 10)}, p)
    r = torch.load(p, mmap=True)
    assert r["w"].sum().item() == sum(range(100))
    p2 = tmp_path / "t.pt"
    torch.save({"w": torch.arange(100.).reshape(10, 10)[::2]}, p2)
    r = load(p2, mmap=True)
    assert r["w"].stride() == (20, 1) and r["w"].sum().item() == sum(
        sum(range(i * 10, i * 10 + 10)) for i in range(0, 10, 2))


@pytest.mark.torch
def test_torch_whole_module_pickle():
    buf = io.BytesIO()
    torch.save(torch.nn.ReLU(), buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.activation.ReLU"):
        load(buf)
    buf.seek(0)
    assert type(load(buf, weights_only=False)) is ember.nn.ReLU
    # a whole torch model becomes the same ember model
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    buf = io.BytesIO()
    torch.save(tm, buf)
    buf.seek(0)
    em = load(buf, weights_only=False)
    assert type(em) is ember.nn.Sequential and type(em[0]) is ember.nn.Linear
    x = torch.randn(4, 3)
    np.testing.assert_allclose(em(ember.tensor(x.numpy())).detach().numpy(), tm(x).detach().numpy(), rtol=1e-6)


@pytest.mark.torch
def test_unsafe_globals_listed_like_torch():
    buf = io.BytesIO()
    save({"n": Net(), "w": ember.ones(1)}, buf)
    buf.seek(0)
    names = ember.serialization.get_unsafe_globals_in_checkpoint(buf)
    assert f"{__name__}.Net" in names and "torch._utils._rebuild_tensor_v2" not in names
    buf.seek(0)
    assert f"{__name__}.Net" in torch.serialization.get_unsafe_globals_in_checkpoint(buf)


def test_safe_globals_api():
    ember.serialization.clear_safe_globals()
    assert ember.serialization.get_safe_globals() == []
    with ember.serialization.safe_globals([Net]):
        assert ember.serialization.get_safe_globals() == [Net]
    assert ember.serialization.get_safe_globals() == []
    ember.serialization.add_safe_globals([(Net, "some.Alias")])
    assert ember.serialization.get_safe_globals() == [(Net, "some.Alias")]
    ember.serialization.clear_safe_globals()


def test_errors_are_loader_types(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.pt")
    with pytest.raises(CheckpointError):
        load(io.BytesIO(b""))
    with pytest.raises(CheckpointError):
        load(io.BytesIO(b"not a checkpoint at all"))


# ---------------------------------------------------------------------------
# safetensors (ember.utils.safetensors)

def _st_sample():
    return {"w": ember.randn(3, 4), "b": ember.arange(5), "h": ember.ones(2, dtype=ember.bfloat16),
            "m": ember.tensor([True, False]), "u": ember.ones(3, dtype=ember.uint16), "s": ember.tensor(2.5),
            "e": ember.zeros(0, 3), "c": ember.ones(2, dtype=ember.complex64), "i8": ember.ones(1, dtype=ember.int8)}


def test_safetensors_roundtrip(tmp_path):
    from ember.utils import safetensors as es
    tensors = _st_sample()
    p = tmp_path / "m.safetensors"
    es.save_file(tensors, p, metadata={"format": "pt"})
    for loaded in (es.load_file(p), es.load(es.save(tensors))):
        assert set(loaded) == set(tensors)
        for k, v in tensors.items():
            assert loaded[k].dtype == v.dtype and loaded[k].shape == v.shape and ember.equal(loaded[k], v)
    loaded = es.load_file(p)
    loaded["w"].add_(1)  # writable, and each tensor owns its memory
    with es.safe_open(p) as f:
        assert f.metadata() == {"format": "pt"} and f.keys() == sorted(tensors)


def test_safetensors_refuses_what_the_reference_refuses():
    from ember.utils import safetensors as es
    x = ember.ones(4)
    with pytest.raises(RuntimeError, match="share memory"):
        es.save({"a": x, "b": x[:2]})
    with pytest.raises(ValueError, match="non contiguous"):
        es.save({"a": ember.ones(2, 3).t()})
    with pytest.raises(ValueError):
        es.save({"a": 1})


@pytest.mark.parametrize("mutate", [
    lambda b: b[:7],
    lambda b: (10 ** 12).to_bytes(8, "little") + b[8:],
    lambda b: b[:8] + b"{not json" + b[17:],
    lambda b: b[:-1],
    lambda b: b + b"x",
    lambda b: b.replace(b'"F32"', b'"X32"'),
    lambda b: b.replace(b"[3,4]", b"[9,4]"),
    lambda b: b.replace(b"[3,4]", b"[-3,4"),
])
def test_safetensors_hostile_headers(mutate):
    from ember.utils import safetensors as es
    data = es.save({"w": ember.ones(3, 4), "b": ember.ones(2)})
    with pytest.raises(es.SafetensorError):
        es.load(mutate(data))


def test_safetensors_overlapping_offsets():
    import json
    import struct

    from ember.utils import safetensors as es
    header = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                         "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()
    with pytest.raises(es.SafetensorError, match="InvalidOffset"):
        es.load(struct.pack("<Q", len(header)) + header + bytes(12))


@pytest.mark.torch
def test_safetensors_against_reference_package(tmp_path):
    st = pytest.importorskip("safetensors.torch")
    from ember.utils import safetensors as es
    tensors = _st_sample()
    tt = {k: torch.from_numpy(np.array(v.float().numpy() if v.dtype == ember.bfloat16 else v.numpy()))
          for k, v in tensors.items()}
    tt["h"] = tt["h"].to(torch.bfloat16)
    # identical bytes to what the reference writes
    assert es.save(tensors, {"a": "b"}) == st.save(tt, {"a": "b"})
    p = tmp_path / "ref.safetensors"
    st.save_file(tt, p, metadata={"x": "y"})
    loaded = es.load_file(p)
    for k, v in tt.items():
        _same(loaded[k], v, strides=v.numel() > 0)
    p2 = tmp_path / "ember.safetensors"
    es.save_file(tensors, p2)
    back = st.load_file(p2)
    for k, v in back.items():
        _same(tensors[k], v, strides=v.numel() > 0)


# ---------------------------------------------------------------------------
# more corners

def test_resave_loaded_checkpoint_keeps_sharing(tmp_path):
    base = ember.arange(12.).reshape(3, 4)
    p = tmp_path / "a.pt"
    save({"a": base, "b": base[1:].t()}, p)
    for mmap in (False, True):
        r = load(p, mmap=mmap)
        buf = io.BytesIO()
        save(r, buf)
        assert sum("/data/" in n for n in zipfile.ZipFile(buf).namelist()) == 1
        buf.seek(0)
        r2 = load(buf)
        assert r2["b"].stride() == (1, 4) and r2["b"].storage_offset() == 4 and ember.equal(r2["b"], base[1:].t())


def test_big_endian_records_are_swapped():
    buf = io.BytesIO()
    save({"f": ember.arange(3.), "i": ember.arange(3, dtype=ember.int16), "c": ember.tensor([1 + 2j])}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    dtypes = {"0": np.float32, "1": np.int16, "2": np.float32}  # complex: swap each float half
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("byteorder"):
                data = b"big"
            elif "/data/" in name:
                data = np.frombuffer(data, dtypes[name.rsplit("/", 1)[1]]).byteswap().tobytes()
            zf.writestr(name, data)
    out.seek(0)
    r = load(out)
    assert r["f"].tolist() == [0., 1., 2.] and r["i"].tolist() == [0, 1, 2] and r["c"].tolist() == [1 + 2j]


def test_tensor_attributes_roundtrip():
    t = ember.ones(2)
    t.note = "hello"
    r = _roundtrip(t, weights_only=False)
    assert r.note == "hello" and ember.equal(r, t)


@pytest.mark.torch
def test_tensor_attributes_torch_both_ways():
    t = torch.ones(2)
    t.note = "hello"
    assert _from_torch(t).note == "hello"
    e = ember.ones(2)
    e.note = "x"
    assert _to_torch(e).note == "x"


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_pickle_protocols():
    for proto in (2, 3, 4, 5):
        buf = io.BytesIO()
        save({"w": ember.arange(3.), "d": ember.float64}, buf, pickle_protocol=proto)
        buf.seek(0)
        r = load(buf)
        assert ember.equal(r["w"], ember.arange(3.)) and r["d"] is ember.float64
        if torch is not None:
            buf.seek(0)
            # (torch's own weights-only unpickler rejects protocol 4's FRAME opcode, even in torch's files)
            assert torch.load(buf, weights_only=proto < 4)["w"].tolist() == [0., 1., 2.]


def test_mmap_shared_writes_through(tmp_path):
    import mmap
    p = tmp_path / "s.pt"
    save({"w": ember.zeros(4)}, p)
    assert ember.serialization.get_default_mmap_options() == mmap.MAP_PRIVATE
    with ember.serialization.set_default_mmap_options(mmap.MAP_SHARED):
        r = load(p, mmap=True)
        r["w"][1] = 5.0
        del r
    assert ember.serialization.get_default_mmap_options() == mmap.MAP_PRIVATE
    assert load(p)["w"].tolist() == [0.0, 5.0, 0.0, 0.0]


def test_pickle_module_and_weights_only_defaults():
    buf = io.BytesIO()
    save({"w": ember.ones(1)}, buf)
    buf.seek(0)
    assert ember.equal(load(buf, pickle_module=pickle)["w"], ember.ones(1))  # full unpickler, like torch
    buf.seek(0)
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        load(buf, pickle_module=pickle, weights_only=True)


def test_missing_byteorder_uses_default_endianness():
    buf = io.BytesIO()
    save(ember.tensor([1, 2], dtype=ember.int16), buf, _disable_byteorder_record=True)
    assert not any(n.endswith("byteorder") for n in zipfile.ZipFile(buf).namelist())
    buf.seek(0)
    assert load(buf).tolist() == [1, 2]
    ser = ember.serialization
    try:
        ser.set_default_load_endianness(ser.LoadEndianness.BIG)
        buf.seek(0)
        assert load(buf).tolist() == [256, 512]
    finally:
        ser.set_default_load_endianness(None)


@pytest.mark.torch
def test_torch_module_pickle_with_ember_class_allowlisted():
    buf = io.BytesIO()
    torch.save(torch.nn.ReLU(), buf)
    buf.seek(0)
    with ember.serialization.safe_globals([ember.nn.ReLU]):
        assert type(load(buf)) is ember.nn.ReLU


class _Unseekable(io.RawIOBase):
    def __init__(self, data=b""):
        self.buf = io.BytesIO(data)

    def writable(self):
        return True

    def readable(self):
        return True

    def seekable(self):
        return False

    def write(self, b):
        return self.buf.write(b)

    def readinto(self, b):
        return self.buf.readinto(b)


def test_unseekable_streams():
    out = _Unseekable()
    save({"a": ember.arange(3.)}, out)  # e.g. a pipe: zipfile switches to data descriptors
    data = out.buf.getvalue()
    assert load(io.BytesIO(data))["a"].tolist() == [0., 1., 2.]
    if torch is not None:
        assert torch.load(io.BytesIO(data))["a"].tolist() == [0., 1., 2.]
    with pytest.raises(io.UnsupportedOperation, match="seekable"):
        load(_Unseekable(data))


@pytest.mark.torch
def test_torch_archive_names_with_spaces(tmp_path):
    p = tmp_path / "my model+1.pt"
    torch.save({"w": torch.ones(2)}, p)
    assert ember.equal(load(p)["w"], ember.ones(2))
    save({"w": ember.ones(2)}, p)
    assert torch.load(p)["w"].tolist() == [1.0, 1.0]


def test_storages_saved_by_themselves():
    t = ember.arange(4.)
    with pytest.raises(RuntimeError, match="different types"):
        save([t, t.untyped_storage()], io.BytesIO())
    r = _roundtrip({"s": t.storage(), "t": t})
    assert r["s"].dtype == ember.float32 and len(r["s"]) == 4 and r["s"].nbytes() == 16
    u = _roundtrip(ember.ones(2, dtype=ember.uint8).untyped_storage())
    assert u.dtype == ember.uint8 and u.tolist() == [1, 1]


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
def test_storages_both_ways():
    r = _from_torch(torch.arange(4.).storage())
    assert isinstance(r, ember._storage.TypedStorage) and r.dtype == ember.float32 and len(r) == 4
    back = _to_torch({"s": ember.arange(3.).storage(), "u": ember.ones(2, dtype=ember.uint8).untyped_storage()})
    assert back["s"].dtype == torch.float32 and back["s"].tolist() == [0.0, 1.0, 2.0]
    assert back["u"].tolist() == [1, 1]


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Sparse invariant checks")
@pytest.mark.parametrize("layout", ["coo", "coo_uncoalesced", "csr"])
def test_sparse_tensors_move_both_ways(layout):
    dense = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -3.0]], dtype=np.float32)
    if layout == "csr":
        t = torch.from_numpy(dense).to_sparse_csr()
        e = ember.from_numpy(dense).to_sparse_csr()
    else:
        idx, val = [[1, 0, 1], [2, 1, 0]], [-3.0, 1.5, 2.0]
        t = torch.sparse_coo_tensor(idx, val, (2, 3))
        e = ember.sparse_coo_tensor(ember.tensor(idx), ember.tensor(val), (2, 3))
        if layout == "coo":
            t, e = t.coalesce(), e.coalesce()
    for back, theirs in ((_to_torch({"w": e})["w"], t), (_from_torch({"w": t})["w"], e)):
        assert str(back.layout) == str(theirs.layout) and tuple(back.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(np.asarray(back.to_dense()), np.asarray(theirs.to_dense()))
        if layout.startswith("coo"):
            assert back.is_coalesced() == theirs.is_coalesced()
            np.testing.assert_array_equal(np.asarray(back._indices()), np.asarray(theirs._indices()))


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Sparse invariant checks")
def test_sparse_tensor_with_out_of_range_indices_is_refused():
    bad = torch.sparse_coo_tensor(torch.tensor([[0, 9]]), torch.tensor([1.0, 2.0]), (3,), check_invariants=False)
    with pytest.raises(CheckpointError, match="invalid sparse tensor.*index 9"):
        _from_torch(bad)
