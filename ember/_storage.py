"""Storages: the memory a tensor and its views share (see NOTE [ Storage and views ] in _tensor.py).

A storage is the root NumPy buffer of a tensor's array (follow `.base` to the
first array that owns or wraps its memory).  Offsets and data pointers are read
off that root, so they agree with what PyTorch reports for the same views.
"""
import numpy as np

from . import _dtype

_byte_bounds = np.lib.array_utils.byte_bounds


def root_array(arr):
    """The array at the bottom of `arr`'s chain of NumPy views."""
    while True:
        base = arr.base
        if isinstance(base, np.ndarray):
            arr = base
        elif isinstance(getattr(base, "base", None), np.ndarray):  # as_strided's DummyArray wrapper
            arr = base.base
        else:
            return arr


def _ptr(arr):
    return arr.__array_interface__["data"][0]


def storage_bytes(arr):
    """The whole storage of `arr` as a flat uint8 array."""
    root = root_array(arr)
    if root.flags.c_contiguous or root.flags.f_contiguous:
        return root.reshape(-1, order="A").view(np.uint8) if root.size else np.zeros(0, np.uint8)
    # a strided root (e.g. from_numpy of a wrapped foreign buffer): span its bytes
    lo, hi = _byte_bounds(root)
    return np.lib.stride_tricks.as_strided(_first_byte(root), shape=(hi - lo,), strides=(1,))


def _first_byte(root):
    # a uint8 view of the element at the lowest address of a non-contiguous root
    idx = tuple(slice(0, 1) if s >= 0 else slice(n - 1, n) for s, n in zip(root.strides, root.shape))
    return root[idx].reshape(-1).view(np.uint8)


def storage_array(arr):
    """The storage of `arr` as a flat array of `arr`'s dtype, starting at the storage's first element."""
    if not isinstance(arr, np.ndarray):
        return arr.reshape(-1)  # meta / cupy: contiguous results only
    raw = storage_bytes(arr)
    n = raw.size // arr.dtype.itemsize
    return raw[: n * arr.dtype.itemsize].view(arr.dtype)


def storage_offset(t):
    arr = t._data
    if not isinstance(arr, np.ndarray):
        return int(getattr(arr, "storage_offset", 0))
    root = root_array(arr)
    lo = _byte_bounds(root)[0]
    return (_ptr(arr) - lo) // arr.dtype.itemsize


def data_ptr(t):
    arr = t._data
    if isinstance(arr, np.ndarray):
        return _ptr(arr) if arr.size else 0
    if t.device.type == "meta":
        return 0
    return arr.data.ptr


def is_shared(t):
    from .multiprocessing import _shared  # noqa: F401 -- registered shared buffers
    return _shared.is_shared(t._data)


class UntypedStorage:
    """Bytes behind a tensor: `nbytes()`, `data_ptr()`, `size()`, indexing by byte, `tolist()`."""

    def __init__(self, size=0, *, device=None):
        from ._device import canonical
        self.device = canonical(device)
        self._bytes = np.zeros(int(size), dtype=np.uint8) if isinstance(size, int) else np.frombuffer(bytearray(size), np.uint8)

    @classmethod
    def _of(cls, t):
        s = cls.__new__(cls)
        s.device = t.device
        s._bytes = storage_bytes(t._data) if isinstance(t._data, np.ndarray) else None
        s._nbytes = s._bytes.size if s._bytes is not None else t.nbytes
        return s

    def nbytes(self):
        return self._bytes.size if self._bytes is not None else self._nbytes

    def size(self):
        return self.nbytes()

    __len__ = size

    def data_ptr(self):
        return _ptr(self._bytes) if self._bytes is not None and self._bytes.size else 0

    def __getitem__(self, i):
        return int(self._bytes[i]) if isinstance(i, int) else self._bytes[i].tolist()

    def __setitem__(self, i, v):
        self._bytes[i] = v

    def tolist(self):
        return self._bytes.tolist()

    def element_size(self):
        return 1

    @property
    def dtype(self):
        return _dtype.uint8

    def __eq__(self, other):
        return isinstance(other, UntypedStorage) and self.data_ptr() == other.data_ptr() and self.nbytes() == other.nbytes()

    def __hash__(self):
        return hash((self.data_ptr(), self.nbytes()))

    def __repr__(self):
        body = "\n".join(f" {b}" for b in self._bytes.tolist()) if self._bytes is not None else ""
        return f"{body}\n[torch.storage.UntypedStorage(device={self.device}) of size {self.nbytes()}]"


class TypedStorage(UntypedStorage):
    """The legacy typed view of a storage (Tensor.storage())."""

    @classmethod
    def _of(cls, t):
        s = super()._of(t)
        s._dtype = t.dtype
        return s

    @property
    def dtype(self):
        return self._dtype

    def size(self):
        return self.nbytes() // self._dtype.itemsize

    __len__ = size

    def element_size(self):
        return self._dtype.itemsize

    def untyped(self):
        u = UntypedStorage.__new__(UntypedStorage)
        u.device, u._bytes, u._nbytes = self.device, self._bytes, self.nbytes()
        return u


# ---------------------------------------------------------------------------
# pickling and deepcopy (in-process; checkpoints use serialization.py)

def _rebuild(arr, requires_grad, cls):
    from ._tensor import _wrap
    t = _wrap(arr)
    if cls is not None and cls.__name__ != "Tensor":
        t = cls._make_subclass(cls, t, requires_grad) if hasattr(cls, "_make_subclass") else t
    elif requires_grad:
        t.requires_grad_(True)
    return t


def reduce_tensor(t):
    if t._grad_fn is not None:
        raise RuntimeError("Can't pickle a tensor that is not a leaf of the autograd graph; detach() it first")
    arr = t._host() if t.device.type != "meta" else t._data
    return (_rebuild, (np.array(arr) if isinstance(arr, np.ndarray) else arr, t._requires_grad, type(t)))


def deepcopy_tensor(t, memo):
    if not t.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol "
                           "at the moment.  If you were attempting to deepcopy a module, this may be because of a "
                           "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
    if id(t) in memo:
        return memo[id(t)]
    import copy
    from ._tensor import _wrap
    new = _wrap(t._data.copy() if hasattr(t._data, "copy") else t._data, t._device)
    if type(t) is not _wrap(np.zeros(0)).__class__:
        new = type(t)._make_subclass(type(t), new, t._requires_grad) if hasattr(type(t), "_make_subclass") else new
    new._requires_grad = t._requires_grad
    if t._grad is not None:
        new._grad = deepcopy_tensor(t._grad, memo)
    if t.__dict__:
        for k, v in t.__dict__.items():
            if k not in ("_data", "_device", "_vc", "_base", "_accumulator", "_grad", "_requires_grad", "_grad_fn",
                         "_output_nr"):
                setattr(new, k, copy.deepcopy(v, memo))
    memo[id(t)] = new
    return new
