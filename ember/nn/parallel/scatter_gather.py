"""Split inputs across devices along a dimension, and bring outputs back to one device."""
from ..._device import device as _device
from ..._tensor import Tensor


def as_device(d):
    """A device id as DataParallel takes it (an int is a CUDA ordinal; -1 is the CPU) to a device."""
    if isinstance(d, int):
        return _device("cpu") if d == -1 else _device("cuda", d)
    return _device(d)


def _accelerator(d):
    """Normalise a device id to an accelerator device; CPU is refused."""
    d = as_device(d)
    if d.type == "cpu":
        raise ValueError(f"Expected a non cpu device, but got: {d}")
    return d


def _map_structure(fn, obj, count):
    """Apply `fn` to every tensor in a nested structure; returns `count` structures."""
    if isinstance(obj, Tensor):
        return fn(obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # namedtuple
        return [type(obj)(*parts) for parts in zip(*(_map_structure(fn, x, count) for x in obj))]
    if isinstance(obj, (list, tuple)) and obj:
        return [type(obj)(parts) for parts in zip(*(_map_structure(fn, x, count) for x in obj))]
    if isinstance(obj, dict) and obj:
        keys = list(obj)
        return [type(obj)(zip(keys, parts)) for parts in zip(*(_map_structure(fn, obj[k], count) for k in keys))]
    return [obj] * count  # non-tensors are shared by every replica


def scatter(inputs, target_gpus, dim=0):
    """Slice every tensor in `inputs` into ~equal chunks along `dim`, one per device.

    Chunks are differentiable copies (`Tensor.to`), so gradients flow back to the original.
    """
    devices = [_accelerator(d) for d in target_gpus]

    def split(t):
        chunks = t.chunk(len(devices), dim)
        return [c.to(d) for c, d in zip(chunks, devices)]

    return _map_structure(split, inputs, len(devices))


def scatter_kwargs(inputs, kwargs, target_gpus, dim=0):
    """Scatter positional and keyword inputs; pads the shorter list so both have one entry per device."""
    inputs = scatter(inputs, target_gpus, dim) if inputs else []
    kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
    n = max(len(inputs), len(kwargs))
    inputs = list(inputs) + [()] * (n - len(inputs))
    kwargs = list(kwargs) + [{}] * (n - len(kwargs))
    return tuple(tuple(i) for i in inputs), tuple(kwargs)


def gather(outputs, target_device, dim=0):
    """Concatenate per-device outputs (matching nested structures) on `target_device`."""
    from ...ops.movement import cat
    target = as_device(target_device)
    first = outputs[0]
    if isinstance(first, Tensor):
        parts = [o.to(target) for o in outputs]
        if all(p.dim() == 0 for p in parts):  # scalars (e.g. losses) become a vector, as PyTorch
            parts = [p.unsqueeze(0) for p in parts]
        return cat(parts, dim)
    if first is None:
        return None
    if isinstance(first, dict):
        if not all(len(o) == len(first) for o in outputs):
            raise ValueError("All dicts must have the same number of keys")
        return type(first)((k, gather([o[k] for o in outputs], target_device, dim)) for k in first)
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(gather(list(parts), target_device, dim) for parts in zip(*outputs)))
    return type(first)(gather(list(parts), target_device, dim) for parts in zip(*outputs))
