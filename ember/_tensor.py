"""class Tensor: an array of the device's array module plus autograd state.

NOTE [ Storage and views ]
A Tensor's `_data` is an `xp` array.  View ops return NumPy views, so a view
and its base share memory exactly as PyTorch's share a storage; `stride()` and
`storage_offset()` are read off the array and its root buffer.  A view records
its root tensor in `_base` and shares its `_version_counter`, so an in-place
write through any alias is seen by autograd's saved-tensor checks.  No op ever
exposes a negative-stride NumPy view (flip copies, as in PyTorch).

Attributes that are usually at their defaults (grad, grad_fn, hooks, ...) are
class attributes, so making a tensor sets only `_data` and `_device`.
"""
import numpy as np

from . import _dtype
from ._device import CPU
from ._layout import sparse_coo as _sparse_coo
from ._layout import sparse_csr as _sparse_csr
from ._layout import strided as _strided
from ._size import Size
from .autograd import grad_mode

_ndarray = np.ndarray
_sizes = {}  # array shape -> Size: `.shape` is read constantly, Size.__new__ checks its items, and a Size is immutable


def _size_of(shape):
    if len(_sizes) > 4096:
        _sizes.clear()
    size = _sizes[shape] = tuple.__new__(Size, shape)  # array shapes hold ints: no checks needed
    return size


class _VersionCounter:
    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


_inference_active = [0]  # number of open inference_mode blocks in any thread


def _wrap(arr, device=CPU):
    """Make a Tensor around an xp array (the internal constructor; no copy, no checks)."""
    t = _new(Tensor)
    if arr.__class__ is not _ndarray:
        if device is CPU and not hasattr(arr, "_ember_sparse"):
            arr = np.asarray(arr)  # NumPy scalars from reductions; sparse arrays (ops/sparse.py) stay as they are
    elif not arr.size:
        arr = _empty_strides(arr)
    t._data = arr
    t._device = device
    if _inference_active[0] and grad_mode._state.inference:
        t._is_inference = True
    return t


_new = object.__new__


def _empty_strides(arr):
    """NOTE [ Strides of empty tensors ]
    NumPy gives a new empty array all-zero strides; PyTorch gives it the contiguous strides of its shape (sizes
    of 0 counted as 1), and its views (t(), expand, view) derive theirs from those.  So the first time an empty
    array is wrapped it gets them (no memory is touched); `stride()` falls back to the same rule for arrays that
    were assigned to `_data` directly."""
    if arr.ndim and not any(arr.strides):
        item = arr.dtype.itemsize
        arr = np.lib.stride_tricks.as_strided(arr, arr.shape, tuple(s * item for s in _contiguous_strides(arr.shape)))
    return arr


class Tensor:
    """A multi-dimensional array with autograd, PyTorch's `torch.Tensor`."""

    # defaults shared by all tensors until set (see NOTE [ Storage and views ])
    _requires_grad = False
    _grad = None
    _grad_fn = None
    _output_nr = 0
    _base = None
    _view_version = None  # version when a differentiable view's grad_fn was last set
    _accumulator = None
    _backward_hooks = None
    _post_accumulate_grad_hooks = None
    _retains_grad = False
    _is_inference = False
    _vc = None
    __array_priority__ = 1000  # NumPy defers `ndarray + tensor` to Tensor.__radd__

    # legacy constructor: Tensor(2, 3), Tensor([1, 2]), Tensor(ndarray)
    def __new__(cls, *args, **kwargs):
        from . import _creation
        return _creation.legacy_tensor_new(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        pass

    # NOTE [ Tensor subclasses ]
    # As with PyTorch's default __torch_function__, an op with an input of a Tensor subclass returns that
    # subclass (`apply` re-classes its results, the most derived input class winning), except for classes
    # that disable it, as Parameter does: `Parameter + 1` is a plain Tensor.  User __torch_function__
    # overrides are not called.  `apply` pays one global truth test until a subclass is defined.
    _keeps_subclass = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__torch_function__")
        if own is not None:
            cls._keeps_subclass = own is not _disabled_torch_function_impl
        elif cls.__module__ == "ember.nn.parameter":
            cls._keeps_subclass = False  # Parameter, Buffer and the uninitialized ones, as in PyTorch
        if cls._keeps_subclass:
            from .ops import registry
            registry.keep_subclasses()

    def as_subclass(self, cls):
        """This tensor's data as an instance of `cls` (a Tensor subclass), without calling its constructor."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError("Creating a Tensor subclass from a class that does not inherit from Tensor is not "
                            "possible. Make sure your class inherits from Tensor.")
        return reclass(Tensor.__getitem__(self, Ellipsis), cls)  # an alias: AliasBackward0 when self requires grad

    @staticmethod
    def _make_subclass(cls, data, require_grad=False):
        t = _new(cls)
        t._data = data._data
        t._device = data._device
        t._vc = data._version_counter
        if require_grad:
            t.requires_grad_(True)
        return t

    # ------------------------------------------------------------------
    # identity and metadata

    @property
    def _version_counter(self):
        vc = self._vc
        if vc is None:
            vc = self._vc = _VersionCounter()
        return vc

    @_version_counter.setter
    def _version_counter(self, vc):
        self._vc = vc

    @property
    def _version(self):
        return self._version_counter.value

    @property
    def dtype(self):
        return _dtype.FROM_NP[self._data.dtype]

    @property
    def device(self):
        return self._device

    @property
    def shape(self):
        shape = self._data.shape
        try:
            return _sizes[shape]
        except KeyError:
            return _size_of(shape)

    def size(self, dim=None):
        if dim is None:
            shape = self._data.shape
            try:
                return _sizes[shape]
            except KeyError:
                return _size_of(shape)
        return self._data.shape[_wrap_query_dim(dim, self._data.ndim)]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.dtype.itemsize

    @property
    def itemsize(self):
        return self._data.dtype.itemsize

    @property
    def nbytes(self):
        if self.is_sparse:
            raise RuntimeError("nbytes is not defined for sparse tensors.  If you want the size of the constituent "
                               "tensors, add the nbytes of the indices and values.  If you want the size of the  "
                               "equivalent dense tensor, multiply numel() by element_size()")
        return int(self._data.size) * self._data.dtype.itemsize

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def is_meta(self):
        return self._device.type == "meta"

    # a sparse tensor's _data is a SparseCOO or SparseCSR with a `layout` (NOTE [ Sparse COO tensors ] in ops/sparse.py)
    @property
    def is_sparse(self):
        return self._data.__class__ is not _ndarray and getattr(self._data, "layout", None) is _sparse_coo

    @property
    def is_sparse_csr(self):
        return self._data.__class__ is not _ndarray and getattr(self._data, "layout", None) is _sparse_csr

    is_quantized = False
    is_mkldnn = False
    is_nested = False
    is_mps = False
    is_xpu = False

    @property
    def layout(self):
        return _strided if self._data.__class__ is _ndarray else getattr(self._data, "layout", _strided)

    @property
    def name(self):
        return None  # named tensors are not supported; PyTorch's attribute is read-only too

    @name.setter
    def name(self, value):
        raise AttributeError("attribute 'name' of 'torch._C.TensorBase' objects is not writable")

    def get_device(self):
        return -1 if self._device.type == "cpu" else (self._device.index or 0)

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return self.dtype.is_complex

    def is_signed(self):
        return self.dtype.is_signed

    def is_inference(self):
        return self._is_inference

    # ------------------------------------------------------------------
    # storage (see NOTE [ Storage and views ])

    def stride(self, dim=None):
        data = self._data
        item = data.dtype.itemsize
        strides = tuple(s // item for s in data.strides)
        if not data.size and not any(strides):
            strides = _contiguous_strides(data.shape)  # see NOTE [ Strides of empty tensors ]
        if dim is None:
            return strides
        return strides[_wrap_query_dim(dim, data.ndim)]

    def storage_offset(self):
        from . import _storage
        return _storage.storage_offset(self)

    def data_ptr(self):
        from . import _storage
        return _storage.data_ptr(self)

    const_data_ptr = data_ptr

    def untyped_storage(self):
        from . import _storage
        return _storage.UntypedStorage._of(self)

    def storage(self):
        from . import _storage
        return _storage.TypedStorage._of(self)

    def is_contiguous(self, memory_format=None):
        data = self._data
        name = getattr(memory_format, "name", "") if memory_format is not None else ""
        if name in ("channels_last", "channels_last_3d"):
            from .ops.movement import _is_channels_last
            return data.ndim == (4 if name == "channels_last" else 5) and _is_channels_last(data.shape, self.stride())
        return _is_contiguous(data.shape, data.strides, data.dtype.itemsize)

    def is_shared(self):
        from . import _storage
        return _storage.is_shared(self)

    def is_pinned(self, device=None):
        if device is not None:
            _warn_pin_device("is_pinned")
        return False

    def pin_memory(self, device=None):
        """Copy into page-locked memory: needs an accelerator, so on a CPU-only system it raises, as PyTorch does."""
        from . import cuda
        if device is not None:
            _warn_pin_device("pin_memory")
        if device is not None and str(device).split(":")[0] == "cpu":
            raise RuntimeError("CPU device type not an accelerator.")
        if not cuda.is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return self.clone()

    # ------------------------------------------------------------------
    # autograd state

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self._grad_fn is None and self.dtype._category < 2:  # the method's message lacks "and complex"
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and self.dtype._category < 2:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        if self._view_version is not None and self._view_version != self._vc.value:
            from .ops.registry import refresh_view
            refresh_view(self)
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad:
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
                "Tensor by mistake, make sure you access the leaf Tensor instead. See "
                "github.com/pytorch/pytorch/pull/30531 for more informations.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value._device != self._device:
                raise RuntimeError("assigned grad has data located on a different device")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data
        self._device = value._device
        self._vc = value._version_counter
        self._base = None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        import weakref
        ref = weakref.ref(self)

        def retain(grad):
            t = ref()
            if t is not None:
                from .autograd import engine
                t._grad = engine.accumulate(t._grad, grad)
            return None
        self._register_graph_hook(retain, retain_hook=True)

    def register_hook(self, hook):
        """hook(grad) -> Tensor or None, called with this tensor's gradient each time it is computed."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            from .autograd.graph import RemovableHandle
            if self._backward_hooks is None:
                self._backward_hooks = {}
            h = RemovableHandle(self._backward_hooks)
            self._backward_hooks[h.id] = hook
            return h
        return self._register_graph_hook(hook)

    def _register_graph_hook(self, hook, retain_hook=False):
        from .autograd.graph import RemovableHandle
        node = self._grad_fn
        if node._tensor_pre_hooks is None:
            node._tensor_pre_hooks = {}
        hooks = node._tensor_pre_hooks.setdefault(self._output_nr, {})
        h = RemovableHandle(hooks)
        # retain_grad's hook runs after all others, as in PyTorch
        hooks[h.id + (1 << 40 if retain_hook else 0)] = hook
        if retain_hook:
            h.id += 1 << 40
        return h

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) called after the gradient has been accumulated into this leaf's .grad."""
        from .autograd.graph import RemovableHandle
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = {}
        h = RemovableHandle(self._post_accumulate_grad_hooks)
        self._post_accumulate_grad_hooks[h.id] = hook
        return h

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import engine
        engine.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        t = _wrap(self._data, self._device)
        if self.__class__ is not Tensor and self._keeps_subclass:
            t = reclass(t, self.__class__)
        t._vc = self._version_counter
        t._base = self._base if self._base is not None else self
        return t

    def detach_(self):
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                               "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of "
                               "DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, "
                               "please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the "
                               "solution.")
        self._grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    # ------------------------------------------------------------------
    # Python protocols

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._host().reshape(()))

    def _host(self):
        """The data as a NumPy array (device -> host copy when needed)."""
        if self._device.type == "cpu":
            return self._data
        if self._device.type == "meta":
            raise NotImplementedError("Cannot copy out of meta tensor; no data!")
        return self._data.get()

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._host().reshape(()).item() if self.dtype is not _dtype.bfloat16 else float(self._host().reshape(()))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self.dtype._category != 1 or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def tolist(self):
        data = self._host()
        if self.dtype in (_dtype.bfloat16, _dtype.float16):
            data = data.astype(np.float32)
        return data.tolist()

    def numpy(self, *, force=False):
        if self.layout is not _strided:
            name = "Sparse" if self.is_sparse else "SparseCsr"
            raise TypeError(f"can't convert {name} layout tensor to numpy. Use Tensor.to_dense() first.")
        if self._device.type != "cpu":
            if not force:
                raise TypeError(f"can't convert {self._device.type} device type tensor to numpy. Use Tensor.cpu() to "
                                "copy the tensor to host memory first.")
            return self._host()
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self._data.dtype.kind == "V":  # NumPy has no bfloat16 (ml_dtypes' is an extension type PyTorch does not use)
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype=None, copy=None):
        data = self._host()
        if dtype is not None:
            return data.astype(dtype, copy=bool(copy))
        return data.copy() if copy else data

    def __dlpack__(self, stream=None, **kwargs):
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __repr__(self, *, tensor_contents=None):
        from . import _tensor_str
        return _tensor_str._str(self, tensor_contents=tensor_contents)

    def __format__(self, spec):
        if self._data.ndim == 0 and self._device.type != "meta" and type(self) is Tensor:
            return self.detach().item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, proto):
        if self.layout is not _strided:  # PyTorch's format: torch._utils._rebuild_sparse_tensor(layout, (...))
            from .ops.sparse import reduce_sparse
            return reduce_sparse(self)
        from . import _storage
        return _storage.reduce_tensor(self)

    def __deepcopy__(self, memo):
        from . import _storage
        return _storage.deepcopy_tensor(self, memo)


def reclass(t, cls):
    """`t` (a fresh result) as an instance of Tensor subclass `cls` (see NOTE [ Tensor subclasses ])."""
    try:
        t.__class__ = cls
        return t
    except TypeError:  # a subclass with __slots__ has another layout: a new object takes over t's state
        new = _new(cls)
        new.__dict__.update(t.__dict__)
        return new


def _disabled_torch_function_impl(func, types, args=(), kwargs=None):
    """Set as a subclass's `__torch_function__` to make its ops return plain Tensors (see NOTE [ Tensor
    subclasses ]); like PyTorch's torch._C._disabled_torch_function_impl."""
    return func(*args, **(kwargs or {}))


def _warn_pin_device(name):
    import warnings
    warnings.warn(f"The argument 'device' of Tensor.{name}() is deprecated. Please do not pass this argument.",
                  DeprecationWarning, stacklevel=3)


def _wrap_query_dim(dim, ndim):
    """size(dim) / stride(dim): unlike most ops, a 0-dim tensor has no dimension 0 to ask about."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, ndim)


def _contiguous_strides(shape):
    strides = []
    n = 1
    for s in reversed(shape):
        strides.append(n)
        n *= max(1, s)
    return tuple(reversed(strides))


def _wrap_dim(dim, ndim):
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _is_contiguous(shape, strides, itemsize):
    if 0 in shape:
        return True  # PyTorch calls every empty tensor contiguous
    expected = itemsize
    for size, stride in zip(reversed(shape), reversed(strides)):
        if size == 0:
            return True
        if size != 1 and stride != expected:
            return False
        expected *= size
    return True


def register_methods(methods):
    """Attach functions as Tensor methods (used by each ops module for its own names)."""
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
