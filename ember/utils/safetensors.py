"""The safetensors format, as ``safetensors.torch`` reads and writes it, for ember tensors.

A file is an 8-byte little-endian header length N, N bytes of JSON
(``{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
"__metadata__": {str: str}}``, space-padded to a multiple of 8), then the raw
little-endian tensor bytes, offsets relative to the end of the header.
Nothing in it is executable, and every offset and size is checked before use.
"""
import json
import os
import struct

import numpy as np

from .. import _dtype
from .._storage import root_array
from ..serialization import CheckpointError

__all__ = ["SafetensorError", "load", "load_file", "safe_open", "save", "save_file"]

_MAX_HEADER = 100_000_000  # as the reference implementation

# dtype code -> ember dtype, in the order the reference writer sorts them (largest first)
# fmt: off
_CODES = {
    "U64": _dtype.uint64, "I64": _dtype.int64, "F64": _dtype.float64, "C64": _dtype.complex64,
    "F32": _dtype.float32, "U32": _dtype.uint32, "I32": _dtype.int32, "BF16": _dtype.bfloat16,
    "F16": _dtype.float16, "U16": _dtype.uint16, "I16": _dtype.int16, "I8": _dtype.int8,
    "U8": _dtype.uint8, "BOOL": _dtype.bool,
}
# fmt: on
_RANK = {code: i for i, code in enumerate(_CODES)}
_CODE_OF = {d: code for code, d in _CODES.items()}


class SafetensorError(CheckpointError):
    """A safetensors file is malformed (the reference library's SafetensorError)."""


def _check_tensors(tensors):
    from .._tensor import Tensor
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")  # noqa: TRY004
    roots = {}
    for k, v in tensors.items():
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received {type(v)}")  # noqa: TRY004
        if v.dtype not in _CODE_OF:
            raise ValueError(f"Key `{k}`: dtype {v.dtype} is not supported by safetensors")
        if isinstance(v._data, np.ndarray) and v.numel():
            roots.setdefault(id(root_array(v._data)), []).append(k)
    failing = [set(names) for names in roots.values() if len(names) > 1]
    if failing:
        raise RuntimeError(
            f"\n            Some tensors share memory, this will lead to duplicate memory on disk and potential "
            f"differences when loading them again: {failing}.\n            A potential way to correctly save your "
            "model is to use `save_model`.\n            More information at "
            "https://huggingface.co/docs/safetensors/torch_shared_tensors\n            ")
    for k, v in tensors.items():
        if not v.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It either means you are "
                "trying to save tensors which are reference of each other in which case it's recommended to save only "
                "the full tensors, and reslice at load time, or simply call `.contiguous()` on your tensor to pack it "
                "before saving.")


def _layout(tensors, metadata):
    """(header bytes, [(name, uint8 array)]) for `tensors`, ordered as the reference writer orders them."""
    _check_tensors(tensors)
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise ValueError("metadata must be a dict of str to str")
    names = sorted(tensors, key=lambda k: (_RANK[_CODE_OF[tensors[k].dtype]], k))
    header = {"__metadata__": metadata} if metadata else {}
    blobs, offset = [], 0
    for name in names:
        t = tensors[name]
        raw = np.ascontiguousarray(t.detach()._host()).reshape(-1).view(np.uint8)
        if sys_big_endian():
            raw = raw.view(t.dtype.np).byteswap().view(np.uint8)
        header[name] = {"dtype": _CODE_OF[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + raw.size]}
        blobs.append((name, raw))
        offset += raw.size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, blobs


def sys_big_endian():
    import sys
    return sys.byteorder == "big"


def save(tensors, metadata=None):
    """The safetensors bytes of a dict of tensors."""
    head, blobs = _layout(tensors, metadata)
    return b"".join([head, *(raw.tobytes() for _, raw in blobs)])


def save_file(tensors, filename, metadata=None):
    """Write a dict of contiguous, non-aliasing tensors to `filename` in the safetensors format."""
    head, blobs = _layout(tensors, metadata)
    with open(filename, "wb") as f:
        f.write(head)
        f.writelines(memoryview(raw) for _, raw in blobs)


def _parse_header(read, total):
    """Read and validate the header; returns (metadata, {name: (dtype, shape, begin, end)}, data start)."""
    head = read(8)
    if len(head) != 8:
        raise SafetensorError("Error while deserializing header: HeaderTooSmall")
    (n,) = struct.unpack("<Q", head)
    if n > _MAX_HEADER:
        raise SafetensorError("Error while deserializing header: HeaderTooLarge")
    if 8 + n > total:
        raise SafetensorError("Error while deserializing header: invalid header length")
    text = read(n)
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SafetensorError(f"Error while deserializing header: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorError("Error while deserializing header: header is not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and
                                     all(isinstance(v, str) for v in metadata.values())):
        raise SafetensorError("Error while deserializing header: __metadata__ must map str to str")
    entries, spans = {}, []
    for name, info in header.items():
        try:
            dtype = _CODES[info["dtype"]]
            shape = info["shape"]
            begin, end = info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorError(f"Error while deserializing header: bad entry for tensor {name!r}") from None
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)
                and type(begin) is int and type(end) is int and 0 <= begin <= end):
            raise SafetensorError(f"Error while deserializing header: invalid shape or offsets for {name!r}")
        numel = 1
        for s in shape:
            numel *= s
        if end - begin != numel * dtype.itemsize:
            raise SafetensorError(f"Error while deserializing header: TensorInvalidInfo for {name!r}")
        entries[name] = (dtype, shape, begin, end)
        spans.append((begin, end))
    # tensors must tile the data buffer exactly: no gaps, overlaps, or bytes past the end
    pos = 0
    for begin, end in sorted(spans):
        if begin != pos:
            raise SafetensorError("Error while deserializing header: InvalidOffset")
        pos = end
    if 8 + n + pos != total:
        raise SafetensorError("Error while deserializing header: MetadataIncompleteBuffer")
    return metadata, entries, 8 + n


def _tensor(dtype, shape, buf, device):
    from .._tensor import _wrap
    arr = np.frombuffer(buf, dtype.np) if len(buf) else np.zeros(0, dtype.np)
    if sys_big_endian():
        arr = arr.byteswap()
    t = _wrap(arr.reshape(shape))
    return t if str(device) == "cpu" else t.to(device)


def load(data):
    """A dict of tensors from safetensors bytes."""
    data = bytes(data)
    pos = [0]

    def read(n):
        out = data[pos[0]:pos[0] + n]
        pos[0] += n
        return out

    _, entries, start = _parse_header(read, len(data))
    return {name: _tensor(dt, shape, bytearray(data[start + b:start + e]), "cpu")
            for name, (dt, shape, b, e) in entries.items()}


def load_file(filename, device="cpu"):
    """A dict of tensors from a safetensors file (each tensor owns its memory)."""
    with safe_open(filename, framework="pt", device=device) as f:
        return {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 -- safe_open is not iterable


class safe_open:
    """Lazy access to a safetensors file: ``keys()``, ``get_tensor(name)``, ``metadata()``."""

    def __init__(self, filename, framework="pt", device="cpu"):
        self._f = open(filename, "rb")  # noqa: SIM115 -- kept open until close/__exit__
        try:
            total = os.fstat(self._f.fileno()).st_size
            self._metadata, self._entries, self._start = _parse_header(self._f.read, total)
        except BaseException:
            self._f.close()
            raise
        self._device = device

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()

    def keys(self):
        return sorted(self._entries)

    def metadata(self):
        return self._metadata

    def get_tensor(self, name):
        dtype, shape, begin, end = self._entries[name]
        buf = bytearray(end - begin)
        self._f.seek(self._start + begin)
        if self._f.readinto(buf) != len(buf):
            raise SafetensorError(f"file truncated while reading {name!r}")
        return _tensor(dtype, shape, buf, self._device)
