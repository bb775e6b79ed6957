"""torch.sparse: operations on sparse COO tensors (the tensors themselves live in ember/ops/sparse.py)."""
from .. import _dtype
from .._tensor import Tensor
from ..ops.sparse import _sparse_mm, sparse_coo_tensor
from ..ops.sparse import sparse_addmm as addmm
from ..ops.sparse import sparse_log_softmax as log_softmax
from ..ops.sparse import sparse_softmax as softmax
from ..ops.sparse import sparse_sum as sum

__all__ = [
    "SparseSemiStructuredTensor",
    "addmm",
    "as_sparse_gradcheck",
    "check_sparse_tensor_invariants",
    "log_softmax",
    "mm",
    "softmax",
    "sum",
    "to_sparse_semi_structured",
]


def mm(mat1, mat2, reduce="sum"):
    """torch.sparse.mm: sparse @ dense (or sparse @ sparse); a sparse operand gets a sparse gradient.

    >>> s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [2., 3.], (2, 2))
    >>> mm(s, ember.ones(2, 1))
    tensor([[2.],
            [3.]])
    """
    if reduce != "sum":
        raise NotImplementedError(f"torch.sparse.mm(reduce={reduce!r}) (CSR only in PyTorch) is not supported by ember")
    return _sparse_mm(mat1, mat2)


class check_sparse_tensor_invariants:
    """Context manager / decorator enabling invariant checks in sparse_coo_tensor (ember always checks them)."""

    _enabled = False

    @staticmethod
    def is_enabled():
        return check_sparse_tensor_invariants._enabled

    @staticmethod
    def enable():
        check_sparse_tensor_invariants._enabled = True

    @staticmethod
    def disable():
        check_sparse_tensor_invariants._enabled = False

    def __init__(self, enable=True):
        self.state = enable
        self.saved_state = None

    def __enter__(self):
        self.saved_state = check_sparse_tensor_invariants._enabled
        check_sparse_tensor_invariants._enabled = self.state

    def __exit__(self, *exc):
        check_sparse_tensor_invariants._enabled = self.saved_state

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


def _not_implemented(name):
    def fn(*args, **kwargs):
        raise NotImplementedError(f"torch.sparse.{name} is not supported by ember (sparse COO tensors only)")
    fn.__name__ = name
    return fn


as_sparse_gradcheck = _not_implemented("as_sparse_gradcheck")
sampled_addmm = _not_implemented("sampled_addmm")
spdiags = _not_implemented("spdiags")
spsolve = _not_implemented("spsolve")
to_sparse_semi_structured = _not_implemented("to_sparse_semi_structured")


class SparseSemiStructuredTensor:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("torch.sparse.SparseSemiStructuredTensor is not supported by ember")


# ---------------------------------------------------------------------------
# legacy constructors: torch.sparse.FloatTensor(indices, values, size), torch.sparse.FloatTensor(*size), ...

class _SparseTensorType(type):
    """Metaclass of the legacy sparse classes: construction, and isinstance by layout and dtype."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.is_sparse and obj.dtype is cls._ember_dtype

    def __call__(cls, *args, device=None):
        d = cls._ember_dtype
        if len(args) == 1 and isinstance(args[0], Tensor) and args[0].is_sparse:
            if args[0].dtype is not d:
                raise TypeError(f"expected {cls.__name__} (got {args[0].dtype})")
            return args[0]
        import warnings
        if len(args) in (2, 3) and isinstance(args[0], Tensor):
            shape = ", shape" if len(args) == 3 else ""
            warnings.warn(f"torch.sparse.SparseTensor(indices, values{shape}, *, device=) is deprecated.  Please use "
                          f"torch.sparse_coo_tensor(indices, values{shape}, dtype=, device=).", UserWarning, stacklevel=2)
            return sparse_coo_tensor(args[0], args[1], args[2] if len(args) == 3 else None, dtype=d)
        if len(args) == 1 and not isinstance(args[0], int):
            args = tuple(args[0])
        if args:
            warnings.warn("torch.sparse.SparseTensor(shape, *, device=) is deprecated.  Please use "
                          "torch.sparse_coo_tensor(shape, dtype=, device=).", UserWarning, stacklevel=2)
        return sparse_coo_tensor(tuple(int(a) for a in args), dtype=d)

    @property
    def dtype(cls):
        return cls._ember_dtype

    is_sparse = True
    is_cuda = False


def _sparse_type(name, d):
    return _SparseTensorType(name, (), {"_ember_dtype": d, "__module__": "ember.sparse",
                                        "__doc__": f"Legacy constructor for sparse COO {d} tensors."})


FloatTensor = _sparse_type("FloatTensor", _dtype.float32)
DoubleTensor = _sparse_type("DoubleTensor", _dtype.float64)
HalfTensor = _sparse_type("HalfTensor", _dtype.float16)
BFloat16Tensor = _sparse_type("BFloat16Tensor", _dtype.bfloat16)
LongTensor = _sparse_type("LongTensor", _dtype.int64)
IntTensor = _sparse_type("IntTensor", _dtype.int32)
ShortTensor = _sparse_type("ShortTensor", _dtype.int16)
CharTensor = _sparse_type("CharTensor", _dtype.int8)
ByteTensor = _sparse_type("ByteTensor", _dtype.uint8)
