"""parameters_to_vector / vector_to_parameters."""
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param, old_param_device):
    device = param.device
    index = device.index if device.type != "cpu" else -1
    if old_param_device is None:
        return index if index is not None else 0
    if (index if index is not None else 0) != old_param_device:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return old_param_device


def parameters_to_vector(parameters):
    """Flatten an iterable of parameters into one 1-D tensor."""
    import ember
    param_device = None
    vec = []
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        vec.append(param.view(-1))
    return ember.cat(vec)


def vector_to_parameters(vec, parameters):
    """Copy slices of `vec` into the parameters' data (each becomes a view of `vec`, as in PyTorch)."""
    if not isinstance(vec, Tensor):
        cls = type(vec)
        name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
        raise TypeError(f"expected torch.Tensor, but got: {name}")
    param_device = None
    pointer = 0
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param
