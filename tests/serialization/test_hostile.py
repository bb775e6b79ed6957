"""Hostile and broken checkpoints: load returns data or raises the loader's own errors, never runs code.

See NOTE [ Hostile checkpoints ] in ember/serialization.py.
"""
import io
import os
import pickle
import time
import warnings
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember
from ember.serialization import CheckpointError, load, save

LOADER_ERRORS = (CheckpointError, pickle.UnpicklingError)


# --- a tiny pickle assembler: exact control over what a file says ----------

def _g(module, name):
    return b"c" + f"{module}\n{name}\n".encode()


def _v(x):
    """Opcodes pushing a primitive (int/str/bool/None) or a tuple of them."""
    if isinstance(x, tuple):
        return b"(" + b"".join(_v(i) for i in x) + b"t"
    return pickle.dumps(x, 2)[2:-1]


def tensor_pkl(numel=4, offset=0, size=(4,), stride=(1,), storage="FloatStorage", key="0", loc="cpu",
               requires_grad=False):
    pid = b"(" + _v("storage") + _g("torch", storage) + _v(key) + _v(loc) + _v(numel) + b"tQ"
    args = pid + _v(offset) + _v(size) + _v(stride) + _v(requires_grad) + _g("collections", "OrderedDict") + b")R"
    return b"\x80\x02" + _g("torch._utils", "_rebuild_tensor_v2") + b"(" + args + b"tR."


def make_zip(pkl, records=None, prefix="archive"):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names on purpose
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(f"{prefix}/data.pkl", pkl)
            for name, data in (records or {}).items():
                for n in (name if isinstance(name, tuple) else (name,)):
                    zf.writestr(f"{prefix}/{n}" if n.startswith("data") else n, data)  # others: verbatim
    return buf.getvalue()


def _load(data, **kw):
    return load(io.BytesIO(data), **kw)


def test_assembler_makes_valid_files():
    t = _load(make_zip(tensor_pkl(), {"data/0": bytes(16)}))
    assert ember.equal(t, ember.zeros(4))
    t = _load(make_zip(tensor_pkl(numel=6, offset=1, size=(2, 2), stride=(1, 2)), {"data/0": bytes(24)}))
    assert t.shape == (2, 2) and t.stride() == (1, 2) and t.storage_offset() == 1


@pytest.mark.parametrize("meta", [
    {"numel": 2, "size": (4,)},                       # storage shorter than the tensor
    {"numel": 4, "offset": 1, "size": (4,)},
    {"numel": 4, "size": (2, 2), "stride": (3, 1)},
    {"numel": 4, "size": (-1,)},                      # negative size / stride / offset
    {"numel": 4, "size": (2,), "stride": (-1,)},
    {"numel": 4, "offset": -1, "size": (1,)},
    {"numel": 4, "size": (2 ** 62, 2 ** 62), "stride": (1, 1)},   # overflowing sizes
    {"numel": 4, "size": (2,), "stride": (2 ** 70,)},
    {"numel": 4, "size": (1.5,)},
    {"numel": 4, "size": (2, 2), "stride": (1,)},
])
def test_bad_tensor_metadata(meta):
    numel = meta["numel"]
    with pytest.raises(CheckpointError):
        _load(make_zip(tensor_pkl(**meta), {"data/0": bytes(4 * numel)}))


def test_huge_declared_size_checked_before_allocation():
    start = time.perf_counter()
    for numel in (2 ** 40, 2 ** 62, 2 ** 100):
        with pytest.raises(CheckpointError, match="should hold"):
            _load(make_zip(tensor_pkl(numel=numel, size=(1,)), {"data/0": bytes(16)}))
    with pytest.raises(CheckpointError):
        _load(make_zip(tensor_pkl(numel=-3), {"data/0": bytes(16)}))
    assert time.perf_counter() - start < 2


def test_zip_header_lying_about_record_size():
    data = bytearray(make_zip(tensor_pkl(numel=4), {"data/0": bytes(16)}))
    # rewrite the central directory's sizes of data/0 to 2**31-1 (consistent with a numel the pickle claims)
    cd = data.rfind(b"PK\x01\x02" + data[data.rfind(b"PK\x01\x02") + 4:data.rfind(b"PK\x01\x02") + 6])
    for at in (cd + 20, cd + 24):
        data[at:at + 4] = (2 ** 31 - 4).to_bytes(4, "little")
    with pytest.raises(CheckpointError):
        _load(bytes(data))
    with pytest.raises(CheckpointError):
        _load(make_zip(tensor_pkl(numel=(2 ** 31 - 4) // 4), {"data/0": bytes(16)}))


def test_truncated_and_wrong_magic():
    good = io.BytesIO()
    save({"w": ember.ones(10), "b": [1, 2]}, good)
    good = good.getvalue()
    for n in (1, 4, 30, len(good) // 2, len(good) - 1):
        with pytest.raises(LOADER_ERRORS):
            _load(good[:n])
    for bad in (b"PK\x05\x06" + good[4:], b"\x00" * 64, b"GIF89a" + good, b"\x80\x02K\x01."):
        with pytest.raises(CheckpointError):
            _load(bad)


@pytest.mark.parametrize("name", ["../data/0", "/etc/passwd", "archive/../../x", "archive/a\\..\\b", "C:/x",
                                  "archive/./x", "archive//x", "archive/\x01x", "./archive/x"])
def test_path_traversal_members(name):
    with pytest.raises(CheckpointError):
        _load(make_zip(tensor_pkl(), {"data/0": bytes(16), name: b"x"}))


def test_duplicate_members():
    with pytest.raises(CheckpointError, match="duplicate"):
        _load(make_zip(tensor_pkl(), {("data/0", "data/0"): bytes(16)}))
    with pytest.raises(CheckpointError, match="duplicate"):
        _load(make_zip(tensor_pkl(), {"data.pkl": tensor_pkl(), "data/0": bytes(16)}))


@pytest.mark.parametrize("key", ["../0", "0/../../x", "a b", 7])
def test_bad_storage_keys(key):
    with pytest.raises(CheckpointError):
        _load(make_zip(tensor_pkl(key=key), {"data/0": bytes(16)}))


def test_missing_record_and_unknown_storage():
    with pytest.raises(CheckpointError, match="data/0"):
        _load(make_zip(tensor_pkl()))
    with pytest.raises(pickle.UnpicklingError, match="torch.EvilStorage"):
        _load(make_zip(tensor_pkl(storage="EvilStorage"), {"data/0": bytes(16)}))
    with pytest.raises(CheckpointError, match="restore data location"):
        _load(make_zip(tensor_pkl(loc="nowhere"), {"data/0": bytes(16)}))
    with pytest.raises(CheckpointError, match="floating point"):
        _load(make_zip(tensor_pkl(storage="LongStorage", requires_grad=True), {"data/0": bytes(32)}))


# --- code execution attempts --------------------------------------------------

class _Gadget:
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def _zip_of(obj):
    buf = io.BytesIO()
    save(obj, buf)
    return buf.getvalue()


@pytest.mark.parametrize("func,name", [
    (os.system, "posix.system"), (eval, "builtins.eval"), (exec, "builtins.exec"), (getattr, "builtins.getattr"),
    (__import__, "builtins.__import__"), (open, "io.open"),
])
def test_reduce_gadgets_refused(tmp_path, func, name):
    marker = tmp_path / "pwned"
    args = {os.system: (f"touch {marker}",), eval: (f"open({str(marker)!r}, 'w')",),
            exec: (f"open({str(marker)!r}, 'w')",), getattr: ("x", "upper"), __import__: ("os",),
            open: (str(marker), "w")}[func]
    data = _zip_of({"w": ember.ones(1), "x": _Gadget(func, *args)})
    with pytest.raises(pickle.UnpicklingError, match=f"Unsupported global: GLOBAL {name}|GLOBAL {name} whose"):
        _load(data)
    assert not marker.exists()


@pytest.mark.parametrize("raw", [
    _g("__builtin__", "eval") + _v(("1+1",)) + b"R.",            # python-2 name of builtins
    _g("builtins", "getattr") + b"(" + _g("collections", "OrderedDict") + _v("__init__") + b"tR.",
    _g("os", "system") + _v(("true",)) + b"R.",
    _g("subprocess", "Popen") + _v((("true",),)) + b"R.",
    b"(" + _g("os", "system") + _v("true") + b"o.",              # OBJ
    b"(" + _v("true") + b"ios\nsystem\n.",                      # INST
    _g("copyreg", "_reconstructor") + b"(" + _g("os", "system") + b"NNtR.",
])
def test_raw_pickle_tricks_refused(raw):
    with pytest.raises(pickle.UnpicklingError):
        _load(make_zip(b"\x80\x02" + raw))


@pytest.mark.parametrize("raw", [
    _g("builtins", "bytearray") + _v((10 ** 12,)) + b"R.",                     # huge allocation through REDUCE
    _g("torch", "Tensor") + _v((10 ** 12,)) + b"R.",
    _g("torch", "Tensor") + _v((10 ** 6,)) + b"\x81.",                         # NEWOBJ with arguments
    _g("torch", "float32") + b"}" + _v("name") + _v("x") + b"sb.",             # BUILD on a dtype singleton
    _g("collections", "OrderedDict") + b")R}" + _v("__class__") + _v(1) + b"sb.",
    _g("collections", "OrderedDict") + b")R}" + _v("keys") + _v(1) + b"sb.",
    _g("torch._utils", "_rebuild_parameter") + _v((1, True, None)) + b"R.",
    _g("torch._tensor", "_rebuild_from_type_v2") + b"(" + _g("builtins", "bytearray") + _g("torch", "Tensor") +
    _v((10 ** 12,)) + b"NtR.",                                                 # a disallowed callable via rebuild
    _g("_codecs", "encode") + _v(("x" * 100, "zlib")) + b"R.",                 # codecs other than latin1
])
def test_allowed_globals_cannot_be_abused(raw):
    with pytest.raises(LOADER_ERRORS):
        _load(make_zip(b"\x80\x02" + raw))
    assert ember.float32.name == "float32"


def test_ordered_dict_metadata_attribute_allowed():
    raw = _g("collections", "OrderedDict") + b")R}" + _v("_metadata") + _v(1) + b"sb."
    assert _load(make_zip(b"\x80\x02" + raw))._metadata == 1


def test_persistent_id_garbage():
    for pid in (_v("x"), _v(("storage",)), _v(("module", 1, 2, 3, 4)),
                b"(" + _v("storage") + _v("notatype") + _v("0") + _v("cpu") + _v(1) + b"t"):
        with pytest.raises(CheckpointError):
            _load(make_zip(b"\x80\x02" + pid + b"Q.", {"data/0": bytes(16)}))


def test_legacy_stream_hostile():
    head = b"".join(pickle.dumps(x, 2) for x in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
    pid = b"(" + _v("storage") + _g("torch", "FloatStorage") + _v("1") + _v("cpu") + _v(2 ** 50) + b"NtQ"
    body = b"\x80\x02" + _g("torch._utils", "_rebuild_tensor_v2") + b"(" + pid + _v(0) + _v((1,)) + _v((1,)) + \
        b"\x89" + _g("collections", "OrderedDict") + b")RtR."
    with pytest.raises(CheckpointError, match="more than the whole file"):
        _load(head + body + pickle.dumps(["1"], 2))
    many = b"(" + b"".join(
        b"(" + _v("storage") + _g("torch", "FloatStorage") + _v(str(k)) + _v("cpu") + _v(len(head)) + b"NtQ"
        for k in range(50)) + b"l."
    with pytest.raises(CheckpointError, match="more than the whole file"):  # each fits, all together don't
        _load(head + b"\x80\x02" + many + pickle.dumps([], 2))
    with pytest.raises(CheckpointError, match="Invalid magic"):
        _load(pickle.dumps(1234, 2) + head)
    good = io.BytesIO()
    save({"w": ember.ones(8)}, good, _use_new_zipfile_serialization=False)
    good = good.getvalue()
    for n in (10, len(good) // 2, len(good) - 3):
        with pytest.raises(LOADER_ERRORS):
            _load(good[:n])


def test_weights_only_false_documented_and_runs_code(tmp_path):
    # weights_only=False is a full unpickler: it can run code (only use it on trusted files)
    marker = tmp_path / "ran"
    data = _zip_of(_Gadget(open, str(marker), "w"))
    _load(data, weights_only=False).close()
    assert marker.exists()
    assert "arbitrary code" in ember.serialization.load.__doc__


# --- fuzzing: mutated valid checkpoints ---------------------------------------

def _valid_checkpoints():
    base = ember.arange(12.).reshape(3, 4)
    obj = {"w": base, "v": base.t(), "i": ember.arange(3), "b": ember.ones(2, dtype=ember.bool),
           "meta": {"step": 3, "name": "x", "l": [1.5, (2, 3)]}, "p": ember.nn.Parameter(ember.ones(2))}
    out = []
    for legacy in (False, True):
        buf = io.BytesIO()
        save(obj, buf, _use_new_zipfile_serialization=not legacy)
        out.append(buf.getvalue())
    return out


VALID = _valid_checkpoints()


def _rezip(data, edit):
    src = zipfile.ZipFile(io.BytesIO(data))
    items = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    items = edit(items)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buf, "w") as zf:
            for name, payload in items:
                zf.writestr(name, payload)
    return buf.getvalue()


def _mutate(data, draw):
    kind = draw(st.sampled_from(["flip", "truncate", "splice", "drop", "rename", "payload", "pickle"]))
    if kind == "flip":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
        return bytes(data)
    if kind == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    if kind == "splice":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.binary(max_size=16)) + data[i + draw(st.integers(0, 16)):]
    if data[:2] != b"PK":
        return data
    n = len(zipfile.ZipFile(io.BytesIO(data)).namelist())
    j = draw(st.integers(0, n - 1))
    if kind == "drop":
        return _rezip(data, lambda items: items[:j] + items[j + 1:])
    if kind == "rename":
        new = draw(st.sampled_from(["archive/data/9", "archive/data.pkl", "../x", "archive/data/0", "x/data.pkl"]))
        return _rezip(data, lambda items: [(new if k == j else a, b) for k, (a, b) in enumerate(items)])
    if kind == "payload":
        blob = draw(st.binary(max_size=64))
        return _rezip(data, lambda items: [(a, blob if k == j else b) for k, (a, b) in enumerate(items)])
    # mutate the pickle only (zip stays valid, CRCs recomputed)
    def edit(items):
        out = []
        for a, b in items:
            if a.endswith("data.pkl") and b:
                b = bytearray(b)
                for _ in range(draw(st.integers(1, 4))):
                    b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(0, 255))
                b = bytes(b)
            out.append((a, b))
        return out
    return _rezip(data, edit)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.data())
def test_fuzz_mutated_checkpoints(data):
    original = data.draw(st.sampled_from(VALID))
    mutated = _mutate(original, data.draw)
    try:
        _load(mutated)
    except LOADER_ERRORS:
        pass
