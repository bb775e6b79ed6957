"""Parameter, Buffer and UninitializedParameter: tensors that modules register by assignment."""
from .._tensor import Tensor, _wrap


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning one to a Module attribute registers it."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from .. import empty
            data = empty(0)
        if type(data) is not Tensor and not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
        return Tensor._make_subclass(cls, data.detach(), requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        from .._storage import reduce_tensor
        return reduce_tensor(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(_wrap(self._data.copy(), self._device), self._requires_grad)
        memo[id(self)] = result
        if self._grad is not None:
            import copy
            result._grad = copy.deepcopy(self._grad, memo)
        return result


class Buffer(Tensor):
    """Marks a tensor to be registered as a module buffer on assignment (`persistent=` as register_buffer)."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from .. import empty
            data = empty(0)
        t = Tensor._make_subclass(cls, data.detach(), data.requires_grad)
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent=True):
        pass


class UninitializedTensorMixin:
    """Shape-less until first use; `materialize(shape)` makes it a real tensor (lazy modules)."""

    def materialize(self, shape, device=None, dtype=None):
        from .. import empty
        d = dtype if dtype is not None else self._uninit_dtype
        data = empty(shape, dtype=d, device=device if device is not None else self.device)
        self._data = data._data
        self._device = data._device
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f"<{type(self).__name__}>"

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def numel(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer.")


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is decided by the first forward (LazyLinear, LazyConv*)."""

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from .. import empty, get_default_dtype
        t = Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)
        t._uninit_dtype = dtype if dtype is not None else get_default_dtype()
        return t


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        from .. import empty, get_default_dtype
        t = Tensor._make_subclass(cls, empty(0, device=device, dtype=dtype), requires_grad)
        t._uninit_dtype = dtype if dtype is not None else get_default_dtype()
        return t


def is_lazy(param):
    return isinstance(param, UninitializedTensorMixin)
