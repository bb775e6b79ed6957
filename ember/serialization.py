"""torch.save / torch.load in PyTorch's own checkpoint formats.

Files are byte-compatible with PyTorch 2.x: a zip archive (stored, not
compressed) holding ``<name>/data.pkl`` (a protocol-2 pickle whose tensors are
``torch._utils._rebuild_tensor_v2`` calls on persistent storage ids
``('storage', torch.FloatStorage, key, location, numel)``), one record
``<name>/data/<key>`` per storage with its payload aligned to 64 bytes, and the
small ``version``/``byteorder``/``.format_version``/``.storage_alignment``/
``.data/serialization_id`` records.  The legacy (pre-1.6) pickle-stream format
is read too.

NOTE [ Checkpoint globals ]
A checkpoint names PyTorch's globals (``torch._utils _rebuild_tensor_v2``,
``torch FloatStorage``, ``torch float32``, ``torch device``...).  Saving writes
those names for ember's objects (`_TORCH_NAME` / `_Pickler.save_global`) and
loading resolves them to ember's (`_GLOBALS`), so PyTorch reads ember's files
and ember reads PyTorch's.

NOTE [ Hostile checkpoints ]
``weights_only=True`` (the default) unpickles with `_WeightsUnpickler`: only the
allow-listed globals can be named, only harmless ones called, INST/OBJ are
refused and BUILD only sets plain attributes.  Every size read from a file is
checked against the bytes really present before anything is allocated, and
every tensor's extent is checked against its storage.  Whatever is wrong with
a file, `load` raises `CheckpointError` (a RuntimeError) or, for a refused
global, `pickle.UnpicklingError`.
"""
import collections
import contextlib
import enum
import io
import os
import pickle
import pickletools
import re
import secrets
import struct
import sys
import tempfile
import zipfile
import zlib

import numpy as np

from . import _dtype, _layout, _storage
from .ops import sparse as _sparse

__all__ = [
    "DEFAULT_PROTOCOL",
    "CheckpointError",
    "LoadEndianness",
    "SourceChangeWarning",
    "add_safe_globals",
    "clear_safe_globals",
    "default_restore_location",
    "get_default_load_endianness",
    "get_default_mmap_options",
    "get_safe_globals",
    "get_unsafe_globals_in_checkpoint",
    "load",
    "location_tag",
    "safe_globals",
    "save",
    "set_default_load_endianness",
    "set_default_mmap_options",
]

DEFAULT_PROTOCOL = 2
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C  # legacy stream format
PROTOCOL_VERSION = 1001
_ALIGN = 64


class CheckpointError(RuntimeError):
    """A checkpoint file is corrupt, truncated, or inconsistent."""


class _NotACheckpoint(CheckpointError, pickle.UnpicklingError):
    """Neither a zip archive nor a pickle: PyTorch's unpickler fails first, so it is an UnpicklingError too."""


class _EmptyCheckpoint(CheckpointError, EOFError):
    """An empty (or cut-off) pickle stream: PyTorch raises EOFError."""


class _DeviceUnavailable(RuntimeError):
    """map_location (or the file) asks for a device this process doesn't have (PyTorch's RuntimeError)."""


_CACHE = {}

# ---------------------------------------------------------------------------
# storage types and the globals a checkpoint may name (NOTE [ Checkpoint globals ])

# fmt: off
_STORAGE_NAMES = {
    "float32": "FloatStorage",   "float64": "DoubleStorage",  "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage", "int64": "LongStorage",    "int32": "IntStorage",
    "int16": "ShortStorage",     "int8": "CharStorage",       "uint8": "ByteStorage",
    "bool": "BoolStorage",       "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage",
}
# fmt: on


class _StorageType:
    """Stands for ``torch.FloatStorage`` & co. (and ``torch.storage.UntypedStorage``, dtype uint8)."""

    def __init__(self, name, dtype, module="torch"):
        self.name, self.dtype, self.module = name, dtype, module

    def __repr__(self):
        return f"{self.module}.{self.name}"

    def __reduce__(self):  # written as a global, renamed to PyTorch's (see `_dump`)
        return self.name


_STORAGE_TYPES = {name: _StorageType(name, _dtype._BY_NAME[d]) for d, name in _STORAGE_NAMES.items()}
_UNTYPED = _StorageType("UntypedStorage", _dtype.uint8, "torch.storage")
# module globals too, so the C pickler can name them (see `_dump`)
globals().update({st.name: st for st in (*_STORAGE_TYPES.values(), _UNTYPED)})


class _Storage(_storage.TypedStorage):
    """A loaded storage: flat uint8 bytes, the dtype the file declared, and where it lives.

    It is what `torch.load` gives for a saved storage too: a TypedStorage.
    """

    def __init__(self, data, dtype, location="cpu"):
        self._bytes, self._dtype, self.location = data, dtype, location

    def size(self):
        return self._bytes.size // _itemsize(self.dtype)

    __len__ = size

    def cpu(self):
        return _Storage(self._bytes, self.dtype, "cpu")

    def cuda(self, device=None):
        return _Storage(self._bytes, self.dtype, "cuda" if device is None else f"cuda:{_device_index(device)}")

    def to(self, device):
        return _Storage(self._bytes, self.dtype, str(device))

    @property
    def device(self):
        from ._device import device
        return device(self.location)


def _device_index(device):
    return device if isinstance(device, int) else (getattr(device, "index", None) or 0)


def _itemsize(dtype):
    return 4 if dtype is _dtype.complex32 else dtype.itemsize  # complex32 is two float16 on disk


def _typed(storage, dtype):
    """`storage`'s bytes as a flat array of `dtype` (whole elements only)."""
    raw = storage._bytes
    if dtype is _dtype.complex32:
        halves = raw[: raw.size // 4 * 4].view(np.float16).astype(np.float32)
        return halves.view(np.complex64)
    n = raw.size // dtype.itemsize
    return raw[: n * dtype.itemsize].view(dtype.np)


def _check_extent(numel, offset, size, stride, what="storage"):
    """Validate size/stride/offset read from a file against the storage holding `numel` elements."""
    if not isinstance(size, (tuple, list)) or not isinstance(stride, (tuple, list)) or len(size) != len(stride):
        raise CheckpointError("Invalid tensor metadata in checkpoint: size and stride must be tuples of equal length")
    if len(size) > 64:
        raise CheckpointError(f"Invalid tensor metadata in checkpoint: {len(size)} dimensions")
    for v in (offset, *size, *stride):
        if type(v) is not int:
            raise CheckpointError(f"Invalid tensor metadata in checkpoint: expected ints, got {type(v).__name__}")
    if offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise CheckpointError(f"Invalid tensor metadata in checkpoint: negative size, stride or offset "
                              f"(size={tuple(size)}, stride={tuple(stride)}, offset={offset})")
    if 0 in size:
        return
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= numel:
        raise CheckpointError(f"Tensor in checkpoint needs {last + 1} elements (size={tuple(size)}, "
                              f"stride={tuple(stride)}, offset={offset}) but its {what} holds only {numel}")


def _rebuild_tensor(storage, storage_offset, size, stride):
    from ._tensor import _wrap
    if not isinstance(storage, _Storage):
        raise CheckpointError(f"Expected a storage when rebuilding a tensor, got {type(storage).__name__}")
    dtype = storage.dtype
    flat = _typed(storage, dtype)
    _check_extent(flat.size, storage_offset, size, stride)
    item = flat.dtype.itemsize
    # (an empty tensor may point past its storage: nothing is read, keep its strides)
    start = flat[min(storage_offset, flat.size):]
    arr = np.lib.stride_tricks.as_strided(start, tuple(size), tuple(s * item for s in stride))
    t = _wrap(arr)
    return _place(t, storage.location)


def _place(t, location):
    if location == "cpu" or location.startswith("cpu"):
        return t
    if location.startswith("cuda"):
        from .backends import cuda
        cuda.check_available()
        return t.to(location)
    if location == "meta":
        return t.to("meta")
    raise CheckpointError(f"don't know how to restore data location of {location!r}")


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    if requires_grad:
        _requires_grad(t)
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    if not isinstance(dtype, _dtype.dtype) or not isinstance(storage, _Storage):
        raise CheckpointError("Invalid arguments to _rebuild_tensor_v3 in checkpoint")
    return _rebuild_tensor_v2(_Storage(storage._bytes, dtype, storage.location), storage_offset, size, stride,
                              requires_grad, backward_hooks, metadata)


def _requires_grad(t):
    if not (t.dtype.is_floating_point or t.dtype.is_complex):
        raise CheckpointError(f"Only Tensors of floating point and complex dtype can require gradients, got {t.dtype}")
    t.requires_grad_(True)


def _check_tensor(data):
    from ._tensor import Tensor
    if not isinstance(data, Tensor):
        raise CheckpointError(f"Expected a tensor when rebuilding a Parameter, got {type(data).__name__}")


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter
    _check_tensor(data)
    if requires_grad and not (data.dtype.is_floating_point or data.dtype.is_complex):
        _requires_grad(data)  # raises
    return Parameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_obj_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _set_obj_state(obj, state):
    if isinstance(state, tuple) and len(state) == 2:
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    for part in (dict_state, slots_state):
        if part:
            if not isinstance(part, dict):
                raise CheckpointError(f"Invalid object state in checkpoint: {type(part).__name__}")
            for k, v in part.items():
                _check_attr_name(obj, k)
                setattr(obj, k, v)
    return obj


def _check_attr_name(obj, k):
    # never let a file overwrite internals or methods of a loaded object
    if type(k) is not str or k.startswith("__") or k in _TENSOR_INTERNALS or hasattr(type(obj), k):
        raise pickle.UnpicklingError(f"Weights only load failed: refusing to set attribute {k!r} on "
                                     f"{type(obj).__name__} from a checkpoint")


def _rebuild_from_type_v2(func, new_type, args, state):
    if not any(func is f for f in _REBUILDERS) and not any(func is g for g in _user_globals.values()):
        raise pickle.UnpicklingError(f"Weights only load failed: _rebuild_from_type_v2 can't call {func!r}")
    if not isinstance(args, tuple):
        raise CheckpointError("Invalid arguments to _rebuild_from_type_v2 in checkpoint")
    ret = func(*args)
    if type(ret) is not new_type:
        from ._tensor import Tensor
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise CheckpointError(f"Cannot rebuild a tensor as {new_type!r}")
        ret = Tensor._make_subclass(new_type, ret, ret.requires_grad)
    if state:
        setstate = getattr(type(ret), "__setstate__", None)
        ret.__setstate__(state) if setstate is not None else _set_obj_state(ret, state)
    return ret


def _rebuild_sparse_tensor(layout, data):
    """torch._utils._rebuild_sparse_tensor: indices and values are checked against the size before use."""
    try:
        return _sparse._rebuild_sparse_tensor(layout, data)
    except (ValueError, TypeError, IndexError, RuntimeError) as e:
        raise CheckpointError(f"Corrupt checkpoint: invalid sparse tensor ({e})") from None


_REBUILDERS = (_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_tensor, _rebuild_parameter,
               _rebuild_parameter_with_state)


def _get_layout(name):
    layouts = {"torch.strided": _layout.strided, "torch.sparse_coo": _layout.sparse_coo,
               "torch.sparse_csr": _layout.sparse_csr}
    if name not in layouts:
        raise CheckpointError(f"Unsupported tensor layout in checkpoint: {name}")
    return layouts[name]


def _torch_names():
    """ember object -> (module, name) PyTorch uses for it in a pickle."""
    if "names" not in _CACHE:
        _CACHE["names"] = _make_torch_names()
    return _CACHE["names"]


def _make_torch_names():
    from ._device import device
    from ._size import Size
    from ._tensor import Tensor
    from .nn.parameter import Parameter
    names = {
        _rebuild_tensor_v2: ("torch._utils", "_rebuild_tensor_v2"),
        _rebuild_tensor_v3: ("torch._utils", "_rebuild_tensor_v3"),
        _rebuild_tensor: ("torch._utils", "_rebuild_tensor"),
        _rebuild_parameter: ("torch._utils", "_rebuild_parameter"),
        _rebuild_parameter_with_state: ("torch._utils", "_rebuild_parameter_with_state"),
        _rebuild_from_type_v2: ("torch._tensor", "_rebuild_from_type_v2"),
        _get_layout: ("torch.serialization", "_get_layout"),
        device: ("torch", "device"),
        Size: ("torch", "Size"),
        Tensor: ("torch", "Tensor"),
        Parameter: ("torch.nn.parameter", "Parameter"),
    }
    names.update({d: ("torch", name) for name, d in _dtype._BY_NAME.items()})
    names[_rebuild_sparse_tensor] = ("torch._utils", "_rebuild_sparse_tensor")
    names.update({st: (st.module, st.name) for st in (*_STORAGE_TYPES.values(), _UNTYPED)})
    return names


def _default_globals():
    """'module.name' -> object for everything `weights_only=True` accepts."""
    import codecs
    rc = {f"{m}.{n}": obj for obj, (m, n) in _torch_names().items()}
    rc.update({
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "_codecs.encode": codecs.encode,
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch.storage.TypedStorage": _UNTYPED,
    })
    return rc


def _allowed():
    if "allowed" not in _CACHE:
        _CACHE["allowed"] = _default_globals()
    return _CACHE["allowed"]


# these may be named and called by a weights-only file; anything else allowed is data only
def _callable_ok(func):
    ids = _CACHE.get("callable")
    if ids is None:
        import codecs

        from ._device import device
        from ._size import Size
        ids = _CACHE["callable"] = {id(f) for f in (*_REBUILDERS, _rebuild_from_type_v2, _get_layout, device, Size,
                                                    _rebuild_sparse_tensor,
                                                    collections.OrderedDict, collections.Counter, codecs.encode,
                                                    set, complex, bytearray)}
    return id(func) in ids


# ---------------------------------------------------------------------------
# user allow-list (torch.serialization.add_safe_globals & co.)

_user_globals = {}


def _global_name(obj):
    if isinstance(obj, tuple):
        obj, name = obj
        return name, obj
    return f"{getattr(obj, '__module__', type(obj).__module__)}.{obj.__qualname__}", obj


def add_safe_globals(safe_globals):
    """Mark globals as safe for ``weights_only=True`` loads: classes/functions, or ``(obj, "module.name")``."""
    for g in safe_globals:
        name, obj = _global_name(g)
        _user_globals[name] = obj


def get_safe_globals():
    """The user-added safe globals (objects, or ``(obj, name)`` when added with a name)."""
    out = []
    for name, obj in _user_globals.items():
        out.append(obj if _global_name(obj)[0] == name else (obj, name))
    return out


def clear_safe_globals():
    """Forget every global added by `add_safe_globals`."""
    _user_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Context manager: `add_safe_globals` for the duration of the block."""
    saved = dict(_user_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _user_globals.clear()
        _user_globals.update(saved)


_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` from `False` to "
    "`True`. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it can result in "
    "arbitrary code execution. Do it only if you got the file from a trusted source.")
_DOCS = ("Check the documentation of torch.load to learn more about types accepted by default with weights_only "
         "https://pytorch.org/docs/stable/generated/torch.load.html.")


def _refuse(detail):
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, do those steps "
        "only if you trust the source of the checkpoint. \n\t(1) " + _UNSAFE_MESSAGE + "\n\t(2) Alternatively, to "
        "load with `weights_only=True` please check the recommended steps in the following error message.\n\t"
        "WeightsUnpickler error: " + detail + "\n\n" + _DOCS)


def _unsupported_global(module, name):
    full = f"{module}.{name}"
    if module in _BLOCKED_MODULES:
        return _refuse(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
    return _refuse(f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
                   f"`torch.serialization.add_safe_globals([{full}])` or the "
                   f"`torch.serialization.safe_globals([{full}])` context manager to allowlist this global "
                   "if you trust this class/function.")


# ---------------------------------------------------------------------------
# unpicklers

def _lookup_global(module, name):
    """A global for a trusted (weights_only=False) load: PyTorch's names map to ember's."""
    full = f"{module}.{name}"
    if full in _allowed():
        return _allowed()[full]
    if module == "torch" and name.endswith("Storage"):
        raise CheckpointError(f"Unsupported storage type in checkpoint: {full}")
    if module == "torch" or module.startswith("torch."):
        import importlib
        mapped = "ember" + module[5:]
        try:
            obj = importlib.import_module(mapped)
            for part in name.split("."):
                obj = getattr(obj, part)
            return obj
        except (ImportError, AttributeError):
            pass
    return None


def _trusted_unpickler(pickle_module):
    base = getattr(pickle_module, "Unpickler", pickle.Unpickler)

    class Unpickler(base):
        def find_class(self, module, name):
            obj = _lookup_global(module, name)
            return obj if obj is not None else super().find_class(module, name)

    return Unpickler


def _codecs_encode():
    import codecs
    return codecs.encode


class _WeightsUnpickler(pickle._Unpickler):
    """The restricted unpickler of ``weights_only=True`` (NOTE [ Hostile checkpoints ])."""

    dispatch = dict(pickle._Unpickler.dispatch)  # noqa: RUF012 -- pickle's own protocol

    def find_class(self, module, name):
        if type(module) is not str or type(name) is not str:
            raise _refuse("GLOBAL names must be strings")
        if self.proto < 3:  # Python 2 names (protocol 2 writes `__builtin__ set`)
            import _compat_pickle
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        if module not in _BLOCKED_MODULES:
            if full in _user_globals:
                return _user_globals[full]
            if module.split(".")[0] == "torch" and f"ember{full[5:]}" in _user_globals:  # allow-listed ember twin
                return _user_globals[f"ember{full[5:]}"]
            if full in _allowed():
                return _allowed()[full]
        raise _unsupported_global(module, name)

    def load_reduce(self):
        stack = self.stack
        args = stack.pop()
        func = stack[-1]
        if not _callable_ok(func) and not any(func is g for g in _user_globals.values()):
            raise _refuse(f"Trying to call reduce for unrecognized function {func!r}")
        if not isinstance(args, tuple):
            raise CheckpointError("REDUCE arguments must be a tuple")
        if func is bytearray and any(not isinstance(a, (bytes, bytearray)) for a in args):
            raise _refuse("bytearray can only be rebuilt from bytes")
        if func is _codecs_encode() and (len(args) != 2 or type(args[0]) is not str
                                         or args[1] not in ("latin1", "latin-1")):
            raise _refuse("_codecs.encode is only allowed to rebuild bytes (str, 'latin1')")
        stack[-1] = func(*args)

    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        if not isinstance(cls, type) or not isinstance(args, tuple):
            raise _refuse(f"Trying to instantiate unsupported class {cls!r}")
        from ._tensor import Tensor
        if issubclass(cls, Tensor) and args:
            raise _refuse(f"Trying to instantiate {cls.__name__} with arguments")
        self.append(cls.__new__(cls, *args))

    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self):
        raise _refuse("NEWOBJ_EX is not supported in weights_only mode")

    def load_inst(self):
        raise _refuse("INST is not supported in weights_only mode")

    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex
    dispatch[pickle.INST[0]] = load_inst
    dispatch[pickle.OBJ[0]] = load_inst

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        from ._tensor import Tensor
        if isinstance(inst, Tensor):
            _set_obj_state(inst, state)
        elif type(inst) in (collections.OrderedDict, collections.Counter):
            if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
                state = state[0]
            if state is not None and not isinstance(state, dict):
                raise _refuse(f"Invalid state for {type(inst).__name__}")
            for k, v in (state or {}).items():
                if type(k) is not str or hasattr(type(inst), k):
                    raise _refuse(f"Refusing to set attribute {k!r} on {type(inst).__name__}")
                inst.__dict__[k] = v
        elif any(type(inst) is g for g in _user_globals.values()):
            self.stack.append(state)
            pickle._Unpickler.load_build(self)
        else:
            raise _refuse(f"Can only build Tensor, Parameter, OrderedDict or types added via add_safe_globals, "
                          f"but got {type(inst)}")

    dispatch[pickle.BUILD[0]] = load_build


_LOADER_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error, zlib.error, ValueError, KeyError,
                  IndexError, TypeError, AttributeError, OverflowError, MemoryError, RecursionError,
                  NotImplementedError, UnicodeError, LookupError, AssertionError)


@contextlib.contextmanager
def _errors(weights_only):
    """Turn whatever a broken file makes the machinery raise into CheckpointError."""
    try:
        yield
    except (CheckpointError, _DeviceUnavailable, pickle.UnpicklingError, FileNotFoundError, IsADirectoryError,
            PermissionError):
        raise
    except AssertionError as e:
        if "CUDA" in str(e):  # map_location to cuda without a GPU
            raise
        raise CheckpointError(f"Corrupt checkpoint: {type(e).__name__}: {e}") from e
    except _LOADER_ERRORS as e:
        if isinstance(e, EOFError) and not str(e):
            raise _EmptyCheckpoint("Corrupt checkpoint: unexpected end of file (truncated?)") from e
        raise CheckpointError(f"Corrupt checkpoint: {type(e).__name__}: {e}") from e
    except Exception as e:
        if not weights_only:
            raise
        raise CheckpointError(f"Corrupt checkpoint: {type(e).__name__}: {e}") from e


# ---------------------------------------------------------------------------
# map_location

def location_tag(t_or_storage):
    """'cpu', 'cuda:0', ... for a tensor (PyTorch takes a storage)."""
    dev = t_or_storage.device
    return "cpu" if dev.type == "cpu" else str(dev) if dev.index is not None else f"{dev.type}:0"


def _restore_location(map_location):
    from ._device import device as Device

    def validate(loc):
        loc = str(loc)
        if loc.startswith("cuda"):
            from .backends import cuda
            if not cuda.is_available():
                raise _DeviceUnavailable(
                    "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is False. "
                    "If you are running on a CPU-only machine, please use torch.load with "
                    "map_location=torch.device('cpu') to map your storages to the CPU.")
        elif not (loc == "meta" or loc.startswith("cpu")):
            raise CheckpointError(f"don't know how to restore data location of torch.storage.UntypedStorage "
                                  f"(tagged with {loc})")
        return loc

    if map_location is None:
        return lambda storage, loc: _Storage(storage._bytes, storage.dtype, validate(loc))
    if isinstance(map_location, dict):
        return lambda storage, loc: _Storage(storage._bytes, storage.dtype, validate(map_location.get(loc, loc)))
    if isinstance(map_location, (str, bytes, Device, int)):
        target = map_location.decode() if isinstance(map_location, bytes) else map_location
        target = f"cuda:{target}" if isinstance(target, int) else str(target)
        return lambda storage, loc: _Storage(storage._bytes, storage.dtype, validate(target))
    if callable(map_location):
        def restore(storage, loc):
            result = map_location(storage, loc)
            if result is None:
                return _Storage(storage._bytes, storage.dtype, validate(loc))
            if not isinstance(result, _Storage):
                raise TypeError(f"map_location should return a storage or None, got {type(result).__name__}")
            return _Storage(result._bytes, storage.dtype, validate(result.location))
        return restore
    raise TypeError(f"map_location should be a str, torch.device, dict or callable, got {type(map_location).__name__}")


def default_restore_location(storage, location):
    return _restore_location(None)(storage, location)


# ---------------------------------------------------------------------------
# save

class _SaveStorage:
    """A storage being saved: its flat bytes, dtype and key (the persistent id's payload)."""

    def __init__(self, raw, dtype, location, key):
        self.raw, self.dtype, self.location, self.key = raw, dtype, location, key


def _storage_object(s, storages, by_root):
    """The `_SaveStorage` for an ember UntypedStorage/TypedStorage being saved by itself."""
    dtype = s.dtype if isinstance(s, _storage.TypedStorage) else _dtype.uint8
    raw = s._bytes
    if raw is None:
        raise RuntimeError(f"Cannot save a storage on {s.device}")
    root = _storage.root_array(raw)
    st = by_root.get(id(root))
    if st is None:
        st = by_root[id(root)] = _SaveStorage(_storage.storage_bytes(raw), dtype, location_tag(s), str(len(storages)))
        st.root = root
        storages.append(st)
    elif st.dtype is not dtype:
        raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different types")
    return st


def _tensor_storage(t, storages, by_root):
    """The `_SaveStorage` for `t`'s storage (one per root buffer: views share it)."""
    arr = t._data
    if isinstance(arr, np.ndarray):
        root = _storage.root_array(arr)
        raw = _storage.storage_bytes(arr)
        ident = id(root)
        offset = t.storage_offset()
        stride = t.stride()
    else:  # cuda / meta: save the tensor's own data, contiguous
        raw = np.ascontiguousarray(np.asarray(t._host())).reshape(-1).view(np.uint8)
        ident, offset = id(arr), 0
        stride = _contiguous_strides(t.shape)
    dtype = t.dtype
    st = by_root.get(ident)
    if st is None:
        st = by_root[ident] = _SaveStorage(raw, dtype, location_tag(t), str(len(storages)))
        st.root = root if isinstance(arr, np.ndarray) else arr  # keep the id valid while saving
        storages.append(st)
    elif st.dtype is not dtype:
        raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different types")
    return st, offset, stride


def _contiguous_strides(shape):
    strides, acc = [], 1
    for n in reversed(tuple(shape)):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def _ember_global(obj):
    """'module name' the C pickler writes for one of the objects in `_torch_names`."""
    if isinstance(obj, _dtype.dtype):
        return f"{type(obj).__module__} {obj.name}"
    if isinstance(obj, _StorageType):
        return f"{__name__} {obj.name}"
    return f"{obj.__module__} {obj.__qualname__}"


def _dump(obj, pickle_module, protocol, storages, legacy=False):
    """Pickle `obj` as torch.save does; returns the bytes (NOTE [ Checkpoint globals ]).

    With the default pickle module and protocol <= 3 this runs the fast C pickler, which names ember's
    globals, and then renames those GLOBAL opcodes to PyTorch's (those protocols have no frames, so the
    stream can be spliced). Otherwise the pure-Python pickler writes PyTorch's names directly.
    """
    buf = io.BytesIO()
    fast = pickle_module is pickle and protocol is not None and 0 <= protocol <= 3
    pickler = _make_pickler(pickle_module, buf, protocol, storages, fast, legacy)
    pickler.dump(obj)
    data = buf.getvalue()
    if not fast:
        return data
    remap = {_ember_global(o): f"{m}\n{n}\n".encode() for o, (m, n) in _torch_names().items()}
    # Each global we caused is written once (memoized): if its opcode bytes occur exactly once and no other
    # ember global's bytes occur at all, they can't be inside a string, and a plain replace is exact.
    needles = {o: b"c" + _ember_global(o).replace(" ", "\n").encode() + b"\n" for o in _torch_names()}
    counts = {o: data.count(n) for o, n in needles.items()}
    if all(c == 0 or (c == 1 and o in pickler.used) for o, c in counts.items()):
        for o, c in counts.items():
            if c:
                data = data.replace(needles[o], b"c" + remap[_ember_global(o)])
        return data
    out, last = [], 0
    for op, arg, pos in pickletools.genops(data):
        if op.code == "c" and arg in remap:
            end = data.index(b"\n", data.index(b"\n", pos) + 1) + 1
            out += [data[last:pos + 1], remap[arg]]
            last = end
    out.append(data[last:])
    return b"".join(out)


def _make_pickler(pickle_module, file, protocol, storages, fast=False, legacy=False):
    from ._device import device as Device
    from ._size import Size
    from ._tensor import Tensor
    from .nn.parameter import Parameter
    names = _torch_names()
    by_root = {}
    base = pickle.Pickler if fast else pickle._Pickler if pickle_module is pickle else pickle_module.Pickler

    class Pickler(base):
        # the globals of `_torch_names` this pickle names (see `_dump`); one class per pickle
        used = set()  # noqa: RUF012

        def persistent_id(self, obj):
            if isinstance(obj, _storage.UntypedStorage):
                obj = _storage_object(obj, storages, by_root)
            if type(obj) is _SaveStorage:
                dtype = obj.dtype
                if dtype.name in _STORAGE_NAMES:
                    st = _STORAGE_TYPES[_STORAGE_NAMES[dtype.name]]
                    pid = ("storage", st, obj.key, obj.location, obj.raw.size // dtype.itemsize)
                else:
                    st = _UNTYPED
                    pid = ("storage", st, obj.key, obj.location, obj.raw.size)
                self.used.add(st)
                return pid + (None,) if legacy else pid  # legacy ids end with view metadata
            return None

        def reducer_override(self, obj):
            cls = type(obj)
            if cls is Parameter:
                if obj.grad_fn is not None:
                    raise RuntimeError("Can't pickle a Parameter that is not a leaf")
                self.used.add(_rebuild_parameter)
                return (_rebuild_parameter, (obj.detach(), obj.requires_grad, collections.OrderedDict()))
            if isinstance(obj, Tensor):
                return self._reduce_tensor(obj)
            if cls is _layout.layout:  # PyTorch writes layouts as _get_layout("torch.<name>")
                self.used.add(_get_layout)
                return (_get_layout, ("torch." + obj.name,))
            if cls is _dtype.dtype or cls is _StorageType:
                self.used.add(obj)
                return obj.name  # -> save_global (see `_dump`)
            if cls is Device or cls is Size:
                self.used.add(cls)
                return (cls, (str(obj),) if cls is Device else (tuple(obj),))
            return NotImplemented

        def _reduce_tensor(self, t):
            if t._grad_fn is not None:
                raise RuntimeError("Cannot pickle a tensor that requires grad and is not a leaf; detach() it first "
                                   "(tensors with autograd history cannot be saved)")
            if t.device.type == "meta":
                raise NotImplementedError("Cannot save meta tensors with ember.save")
            if t.layout is not _layout.strided:  # indices and values are saved as dense tensors
                _, args = _sparse.reduce_sparse(t)
                self.used.add(_rebuild_sparse_tensor)
                return _rebuild_sparse_tensor, args
            st, offset, stride = _tensor_storage(t, storages, by_root)
            hooks = collections.OrderedDict()
            extra = {k: v for k, v in t.__dict__.items() if k not in _TENSOR_INTERNALS}
            if st.dtype.name in _STORAGE_NAMES:
                args = (st, offset, tuple(t.shape), stride, t.requires_grad, hooks)
                rebuild = _rebuild_tensor_v2
            else:
                args = (st, offset, tuple(t.shape), stride, t.requires_grad, hooks, st.dtype)
                rebuild = _rebuild_tensor_v3
            self.used.add(rebuild)
            if st.dtype.name not in _STORAGE_NAMES:
                self.used.add(st.dtype)
            if type(t) is not Tensor or extra:
                self.used.update((_rebuild_from_type_v2, type(t)))
                return (_rebuild_from_type_v2, (rebuild, type(t), args, extra or None))
            return (rebuild, args)

        def save_global(self, obj, name=None):
            try:
                mapped = names.get(obj)
            except TypeError:  # unhashable
                mapped = None
            if mapped is None or base is not pickle._Pickler:
                return super().save_global(obj, name)
            module, qualname = mapped
            if self.proto >= 4:
                self.save(module)
                self.save(qualname)
                self.write(pickle.STACK_GLOBAL)
            else:
                self.write(pickle.GLOBAL + f"{module}\n{qualname}\n".encode())
            self.memoize(obj)

        if base is pickle._Pickler:
            dispatch = dict(pickle._Pickler.dispatch)
            dispatch[type(save_global)] = save_global  # plain functions of ours go through the mapping too

    return Pickler(file, protocol=protocol)


_TENSOR_INTERNALS = {"_data", "_device", "_vc", "_base", "_accumulator", "_grad", "_requires_grad", "_grad_fn",
                     "_output_nr", "_is_inference", "_view_version", "_backward_hooks", "_retains_grad",
                     "_post_accumulate_grad_hooks"}


def _archive_name(f):
    if isinstance(f, (str, os.PathLike)):
        base = os.path.basename(os.fspath(f))
        base = base.rsplit(".", 1)[0] if "." in base else base  # PyTorch's rule: basename minus extension
        if base and not _unsafe_member(base):
            return base
    return "archive"


def _write_record(zf, name, data, nbytes=None):
    data = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else data
    nbytes = len(data) if nbytes is None else nbytes
    info = zipfile.ZipInfo(name, date_time=(1980, 0, 0, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = nbytes
    zip64 = nbytes * 1.05 > zipfile.ZIP64_LIMIT
    # pad the local header with a 'FB' extra field so the payload starts on a 64-byte boundary (as PyTorch does)
    start = zf.fp.tell()
    fixed = 30 + len(name.encode()) + 4 + (20 if zip64 else 0)
    pad = (-(start + fixed)) % _ALIGN
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    with zf.open(info, "w", force_zip64=zip64) as w:
        step = 1 << 26
        for i in range(0, nbytes, step):  # chunks keep zipfile's CRC and write calls copy-free
            w.write(data[i:i + step])


def _save_zip(obj, fileobj, archive, pickle_module, protocol, byteorder=True):
    storages = []
    data = _dump(obj, pickle_module, protocol, storages)
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_record(zf, f"{archive}/data.pkl", data)
        _write_record(zf, f"{archive}/.format_version", b"1")
        _write_record(zf, f"{archive}/.storage_alignment", str(_ALIGN).encode())
        if byteorder:
            _write_record(zf, f"{archive}/byteorder", sys.byteorder.encode())
        for st in storages:
            raw = st.raw if st.raw.flags.c_contiguous else np.ascontiguousarray(st.raw)
            _write_record(zf, f"{archive}/data/{st.key}", raw)
        _write_record(zf, f"{archive}/version", b"3\n")
        _write_record(zf, f"{archive}/.data/serialization_id", str(secrets.randbits(128)).zfill(40).encode())


def _save_legacy(obj, f, pickle_module, protocol):
    storages = []
    pickle_module.dump(MAGIC_NUMBER, f, protocol=protocol)
    pickle_module.dump(PROTOCOL_VERSION, f, protocol=protocol)
    sys_info = {"protocol_version": PROTOCOL_VERSION, "little_endian": sys.byteorder == "little",
                    "type_sizes": {"short": 2, "int": 4, "long": 4}}
    pickle_module.dump(sys_info, f, protocol=protocol)

    f.write(_dump(obj, pickle_module, protocol, storages, legacy=True))
    pickle_module.dump([st.key for st in storages], f, protocol=protocol)
    for st in storages:
        item = _itemsize(st.dtype) if st.dtype.name in _STORAGE_NAMES else 1
        f.write(struct.pack("<q", st.raw.size // item))
        f.write(memoryview(np.ascontiguousarray(st.raw)))


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save `obj` to a path or binary file in PyTorch's checkpoint format (readable by ``torch.load``).

    Saving to a path is atomic: the data goes to a temporary file in the same folder, which is flushed,
    fsynced and then renamed over `f`, so a crash leaves either the old file or the new one.

    >>> import io, ember
    >>> buf = io.BytesIO(); ember.serialization.save({"w": ember.ones(2)}, buf); _ = buf.seek(0)
    >>> ember.serialization.load(buf)["w"]
    tensor([1., 1.])
    """
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise RuntimeError(f"Parent directory {folder} does not exist.")
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
        try:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file open()'s usual mode
            with os.fdopen(fd, "wb") as fh:
                _save_to(obj, fh, _archive_name(path), pickle_module, pickle_protocol, _use_new_zipfile_serialization,
                         _disable_byteorder_record)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # make the rename itself durable
            dfd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    else:
        if not hasattr(f, "write"):
            raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a 'write' attribute, "
                                 f"but got {type(f).__name__}")
        _save_to(obj, f, "archive", pickle_module, pickle_protocol, _use_new_zipfile_serialization,
                 _disable_byteorder_record)


def _umask():
    try:
        with open("/proc/self/status") as st:
            for line in st:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def _save_to(obj, fh, archive, pickle_module, protocol, use_zip, no_byteorder=False):
    if use_zip:
        _save_zip(obj, fh, archive, pickle_module, protocol, not no_byteorder)
    else:
        _save_legacy(obj, fh, pickle_module, protocol)


# ---------------------------------------------------------------------------
# load

def _unsafe_member(name):
    """A zip member name that could point outside its folder (we never extract, but refuse such files)."""
    parts = (name.removesuffix("/")).split("/")  # (a trailing / marks a directory entry)
    return (not name or name.startswith("/") or "\\" in name or any(ord(c) < 32 for c in name)
            or any(p in ("", ".", "..") for p in parts) or re.match(r"[A-Za-z]:", name) is not None)


class _ZipReader:
    """Checked access to a checkpoint zip: unique, safe member names under one archive folder."""

    def __init__(self, fileobj, file_size):
        self.zf = zipfile.ZipFile(fileobj)
        self.fp, self.file_size = fileobj, file_size
        names = [i.filename for i in self.zf.infolist()]
        if not names:
            raise CheckpointError("Corrupt checkpoint: empty zip archive")
        for n in names:
            if _unsafe_member(n):
                raise CheckpointError(f"Corrupt checkpoint: unsafe zip member name {n!r}")
        if len(set(names)) != len(names):
            dup = next(n for n, c in collections.Counter(names).items() if c > 1)
            raise CheckpointError(f"Corrupt checkpoint: duplicate zip member {dup!r}")
        self.prefix = names[0].split("/", 1)[0]
        if f"{self.prefix}/data.pkl" not in names:
            pkls = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
            if not pkls:
                raise CheckpointError("PytorchStreamReader failed locating file data.pkl: file not found")
            self.prefix = pkls[0].split("/", 1)[0]
        self.infos = {i.filename: i for i in self.zf.infolist()}

    def has(self, name):
        return f"{self.prefix}/{name}" in self.infos

    def info(self, name):
        info = self.infos.get(f"{self.prefix}/{name}")
        if info is None:
            raise CheckpointError(f"PytorchStreamReader failed locating file {name}: file not found")
        return info

    def read(self, name, limit=1 << 31):
        info = self.info(name)
        if info.file_size > limit or info.header_offset + info.compress_size > self.file_size:
            raise CheckpointError(f"Corrupt checkpoint: record {name} declares {info.file_size} bytes")
        data = self.zf.read(info)
        if len(data) != info.file_size:
            raise CheckpointError(f"Corrupt checkpoint: record {name} is truncated")
        return data

    def read_into(self, name, nbytes):
        info = self.info(name)
        self._check_size(info, name, nbytes)
        if info.compress_type != zipfile.ZIP_STORED:
            out = np.frombuffer(bytearray(self.zf.read(info)), np.uint8)
            if out.size != nbytes:
                raise CheckpointError(f"Corrupt checkpoint: record {name} is truncated")
            return out
        # stored: read the payload straight into the storage.  Like PyTorch, don't check the CRC: it costs
        # as much as the read, and files written through a MAP_SHARED mmap legitimately no longer match it.
        out = np.empty(nbytes, np.uint8)
        self.fp.seek(self.data_offset(name, nbytes, self.file_size))
        view = memoryview(out)
        got = 0
        while got < nbytes:
            n = self.fp.readinto(view[got:])
            if not n:
                raise CheckpointError(f"Corrupt checkpoint: record {name} is truncated")
            got += n
        return out

    def _check_size(self, info, name, nbytes):
        # the size comes from the pickle; compare it to the record before allocating anything
        if info.file_size != nbytes:
            raise CheckpointError(f"Corrupt checkpoint: storage {name} should hold {nbytes} bytes but its record "
                                  f"has {info.file_size}")
        if info.header_offset + info.compress_size > self.file_size:
            raise CheckpointError(f"Corrupt checkpoint: record {name} runs past the end of the file")
        if info.compress_type != zipfile.ZIP_STORED and 0 < nbytes > info.compress_size * 1100:
            raise CheckpointError(f"Corrupt checkpoint: record {name} claims an impossible size")

    def data_offset(self, name, nbytes, file_size):
        """Byte offset of a stored record's payload in the file (for mmap)."""
        info = self.info(name)
        self._check_size(info, name, nbytes)
        if info.compress_type != zipfile.ZIP_STORED:
            raise CheckpointError(f"mmap=True needs uncompressed records, but {name} is compressed")
        self.fp.seek(info.header_offset)
        header = self.fp.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise CheckpointError(f"Corrupt checkpoint: bad local header for {name}")
        n_name, n_extra = struct.unpack("<HH", header[26:30])
        offset = info.header_offset + 30 + n_name + n_extra
        if offset + nbytes > file_size:
            raise CheckpointError(f"Corrupt checkpoint: record {name} runs past the end of the file")
        return offset


def _unpickler_class(weights_only, pickle_module):
    return _WeightsUnpickler if weights_only else _trusted_unpickler(pickle_module or pickle)


def _storage_dtype(storage_type):
    if isinstance(storage_type, _StorageType):
        return storage_type.dtype
    raise CheckpointError(f"Unknown storage type in checkpoint: {storage_type!r}")


class LoadEndianness(enum.Enum):
    """Byte order assumed for checkpoints without a byteorder record."""
    NATIVE = 1
    LITTLE = 2
    BIG = 3


_options = {"endianness": None, "mmap_flags": None}


def get_default_load_endianness():
    return _options["endianness"]


def set_default_load_endianness(endianness):
    if endianness is not None and not isinstance(endianness, LoadEndianness):
        raise TypeError("Invalid argument type in function set_default_load_endianness")
    _options["endianness"] = endianness


def get_default_mmap_options():
    """The mmap flags `load(mmap=True)` uses: mmap.MAP_PRIVATE (copy-on-write, the default) or MAP_SHARED."""
    import mmap as _mmap
    return _options["mmap_flags"] if _options["mmap_flags"] is not None else _mmap.MAP_PRIVATE


class set_default_mmap_options:
    """Set the mmap flags of `load(mmap=True)`; also a context manager that restores the old ones.

    With mmap.MAP_SHARED, writes to loaded tensors go to the file.
    """

    def __init__(self, flags):
        import mmap as _mmap
        if flags not in (_mmap.MAP_PRIVATE, _mmap.MAP_SHARED):
            raise ValueError("Invalid argument in function set_default_mmap_options, expected mmap.MAP_PRIVATE or "
                             f"mmap.MAP_SHARED, but got {flags}")
        self.prev = _options["mmap_flags"]
        _options["mmap_flags"] = flags

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _options["mmap_flags"] = self.prev


class SourceChangeWarning(Warning):
    pass


def _load_zip(reader, restore, unpickler_cls, mmap_path, file_size, pickle_load_args):
    default = {LoadEndianness.BIG: b"big", LoadEndianness.NATIVE: sys.byteorder.encode()}
    byteorder = reader.read("byteorder", 16) if reader.has("byteorder") else \
        default.get(get_default_load_endianness(), b"little")
    if byteorder not in (b"little", b"big"):
        raise ValueError("Unknown endianness type: " + byteorder.decode(errors="replace"))
    swap = byteorder.decode() != sys.byteorder
    mapped = None
    if mmap_path is not None:
        import mmap as _mmap
        shared = get_default_mmap_options() == _mmap.MAP_SHARED
        with open(mmap_path, "r+b" if shared else "rb") as fh:
            access = _mmap.ACCESS_WRITE if shared else _mmap.ACCESS_COPY
            mapped = _mmap.mmap(fh.fileno(), 0, access=access) if file_size else None
    loaded = {}

    def persistent_load(saved_id):
        if not isinstance(saved_id, tuple) or len(saved_id) != 5 or saved_id[0] not in ("storage", b"storage"):
            raise CheckpointError(f"Unknown persistent id in checkpoint: {str(saved_id)[:100]}")
        _, storage_type, key, location, numel = saved_id
        dtype = _storage_dtype(storage_type)
        if type(key) is not str or not re.fullmatch(r"[\w.\-]+", key) or type(numel) is not int or numel < 0:
            raise CheckpointError(f"Invalid storage id in checkpoint: key={key!r}, numel={numel!r}")
        location = location.decode() if isinstance(location, bytes) else location
        if type(location) is not str:
            raise CheckpointError(f"Invalid storage location in checkpoint: {location!r}")
        if key in loaded:
            return loaded[key]
        nbytes = numel * _itemsize(dtype)
        name = f"data/{key}"
        if mapped is not None:
            off = reader.data_offset(name, nbytes, file_size)
            raw = np.frombuffer(mapped, np.uint8, nbytes, off) if nbytes else np.zeros(0, np.uint8)
        else:
            raw = reader.read_into(name, nbytes)
        if swap and _itemsize(dtype) > 1:
            raw = _byteswapped(raw, dtype)
        storage = loaded[key] = restore(_Storage(raw, dtype), location)
        return storage

    unpickler = unpickler_cls(io.BytesIO(reader.read("data.pkl")), **pickle_load_args)
    unpickler.persistent_load = persistent_load
    return unpickler.load()


def _byteswapped(raw, dtype):
    width = 2 if dtype is _dtype.complex32 else dtype.itemsize // (2 if dtype.is_complex else 1)
    return raw.view(f">u{width}").astype(f"<u{width}").view(np.uint8)


def _load_legacy(f, restore, unpickler_cls, file_size, pickle_load_args):
    def load_one():
        return unpickler_cls(f, **pickle_load_args).load()

    if load_one() != MAGIC_NUMBER:
        raise CheckpointError("Invalid magic number; corrupt file?")
    version = load_one()
    if version != PROTOCOL_VERSION:
        raise CheckpointError(f"Invalid protocol version: {version}")
    sys_info = load_one()
    if not isinstance(sys_info, dict) or not sys_info.get("little_endian", True):
        raise CheckpointError("Legacy big-endian checkpoints are not supported")
    roots = {}  # key -> (dtype, uint8 array to fill)
    views = {}
    declared = [0]

    def persistent_load(saved_id):
        if not isinstance(saved_id, tuple) or len(saved_id) != 6 or saved_id[0] not in ("storage", b"storage"):
            raise CheckpointError(f"Unknown persistent id in checkpoint: {str(saved_id)[:100]}")
        _, storage_type, key, location, numel, view = saved_id
        dtype = _storage_dtype(storage_type)
        if type(numel) is not int or numel < 0 or type(key) is not str:
            raise CheckpointError(f"Invalid storage id in checkpoint: key={key!r}, numel={numel!r}")
        location = location.decode() if isinstance(location, bytes) else location
        nbytes = numel * _itemsize(dtype)
        if key not in roots:
            declared[0] += nbytes
            if declared[0] > file_size:  # never allocate more than the file could hold
                raise CheckpointError(f"Corrupt checkpoint: storage {key} declares {nbytes} bytes, "
                                      f"more than the whole file")
            roots[key] = (dtype, np.zeros(nbytes, np.uint8), location)
        elif roots[key][0] is not dtype:
            raise CheckpointError("Corrupt checkpoint: storage used with two dtypes")
        dtype, raw, location = roots[key]
        if view is not None:
            if not (isinstance(view, tuple) and len(view) == 3):
                raise CheckpointError("Corrupt checkpoint: bad storage view")
            view_key, offset, size = view
            if type(offset) is not int or type(size) is not int or offset < 0 or size < 0 or \
                    (offset + size) * _itemsize(dtype) > raw.size:
                raise CheckpointError("Corrupt checkpoint: storage view out of bounds")
            if view_key not in views:
                item = _itemsize(dtype)
                views[view_key] = restore(_Storage(raw[offset * item:(offset + size) * item], dtype), location)
            return views[view_key]
        return restore(_Storage(raw, dtype), location)

    unpickler = unpickler_cls(f, **pickle_load_args)
    unpickler.persistent_load = persistent_load
    result = unpickler.load()
    keys = unpickler_cls(f, **pickle_load_args).load()
    if not isinstance(keys, list):
        raise CheckpointError("Corrupt checkpoint: bad storage key list")
    for key in keys:
        if key not in roots:
            raise CheckpointError(f"Corrupt checkpoint: unknown storage key {key!r}")
        dtype, raw, _ = roots[key]
        head = f.read(8)
        if len(head) != 8:
            raise CheckpointError("Corrupt checkpoint: unexpected end of file (truncated?)")
        (numel,) = struct.unpack("<q", head)
        if numel * _itemsize(dtype) != raw.size:
            raise CheckpointError(f"Corrupt checkpoint: storage {key} has {numel} elements, expected "
                                  f"{raw.size // _itemsize(dtype)}")
        view = memoryview(raw)
        got = 0
        while got < raw.size:
            n = f.readinto(view[got:]) if hasattr(f, "readinto") else None
            if n is None:
                chunk = f.read(raw.size - got)
                n = len(chunk)
                view[got:got + n] = chunk
            if not n:
                raise CheckpointError("Corrupt checkpoint: unexpected end of file (truncated?)")
            got += n
    return result


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load an object saved by ``ember.save`` or ``torch.save`` (zip or legacy format).

    ``weights_only=True`` (the default) only accepts tensors, primitive types, containers and the globals
    registered with `add_safe_globals`; anything else raises ``pickle.UnpicklingError`` naming the global.
    ``weights_only=False`` uses a full unpickler: the file can run arbitrary code, so only use it on files
    you trust.  ``mmap=True`` maps storages from the file instead of reading them (`f` must be a path).
    Corrupt files raise `CheckpointError`.
    """
    if weights_only is None:  # as PyTorch: an explicit pickle_module means a full unpickler
        forced_off = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0") in ("1", "y", "yes", "true")
        weights_only = pickle_module is None and not forced_off
    elif weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    pickle_load_args.setdefault("encoding", "utf-8")
    restore = _restore_location(map_location)
    unpickler_cls = _unpickler_class(weights_only, pickle_module)
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return _load_from(fh, restore, unpickler_cls, os.fspath(f) if mmap else None, weights_only,
                              pickle_load_args)
    if not (hasattr(f, "read") and hasattr(f, "seek")):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with 'read' and 'seek', "
                             f"but got {type(f).__name__}")
    if hasattr(f, "seekable") and not f.seekable():
        raise io.UnsupportedOperation("You can only torch.load from a file that is seekable. Please pre-load the data "
                                      "into a buffer like io.BytesIO and try to load from it instead.")
    return _load_from(f, restore, unpickler_cls, None, weights_only, pickle_load_args)


def _load_from(fh, restore, unpickler_cls, mmap_path, weights_only, pickle_load_args):
    with _errors(weights_only):
        start = fh.tell()
        fh.seek(0, 2)
        file_size = fh.seek(0, 2) - start
        fh.seek(start)
        magic = fh.read(4)
        fh.seek(start)
        if not magic:
            raise _EmptyCheckpoint("Corrupt checkpoint: the file is empty")
        if magic == b"PK\x03\x04":
            if start:
                fh = _Window(fh, start)
            reader = _ZipReader(fh, file_size)
            return _load_zip(reader, restore, unpickler_cls, mmap_path, file_size, pickle_load_args)
        if mmap_path is not None:
            raise RuntimeError("mmap can only be used with files saved with `torch.save(_use_new_zipfile_"
                               "serialization=True), please torch.save your checkpoint with this option in order "
                               "to use mmap.")
        if magic[:1] != b"\x80":
            raise _NotACheckpoint("Invalid magic number; corrupt file? (not a PyTorch checkpoint)")
        return _load_legacy(fh, restore, unpickler_cls, file_size, pickle_load_args)


class _Window(io.RawIOBase):
    """A file object seen from `start` on (a checkpoint embedded in a bigger stream)."""

    def __init__(self, f, start):
        self.f, self.start = f, start

    def seekable(self):
        return True

    def readable(self):
        return True

    def seek(self, pos, whence=0):
        if whence == 0:
            pos += self.start
        return self.f.seek(pos, whence) - self.start

    def tell(self):
        return self.f.tell() - self.start

    def readinto(self, b):
        data = self.f.read(len(b))
        b[:len(data)] = data
        return len(data)


def get_unsafe_globals_in_checkpoint(f):
    """The 'module.name' globals in a checkpoint's pickle that ``weights_only=True`` would refuse."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return get_unsafe_globals_in_checkpoint(fh)
    with _errors(True):
        start = f.tell()
        reader = _ZipReader(f, f.seek(0, 2) - start)
        data = reader.read("data.pkl")
        found, strings = [], []
        for op, arg, _ in pickletools.genops(data):
            if op.name in ("GLOBAL", "INST"):
                found.append(arg.replace(" ", "."))
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append(f"{strings[-2]}.{strings[-1]}")
            if isinstance(arg, str):
                strings.append(arg)
        allowed = set(_allowed()) | set(_user_globals)
        return sorted({g for g in found if g not in allowed})
