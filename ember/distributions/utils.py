"""Helpers shared by the distributions: parameter broadcasting, probs <-> logits, cached properties."""
import numbers

import ember

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values):
    """Turn numbers into tensors (dtype taken from the tensor arguments) and broadcast everything together."""
    tensors = [v for v in values if isinstance(v, ember.Tensor)]
    for v in values:
        if not isinstance(v, (ember.Tensor, numbers.Number)):
            raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects "
                             "implementing __torch_function__.")
    if not tensors:
        dtype = ember.get_default_dtype()
        return ember.broadcast_tensors(*[ember.tensor(float(v), dtype=dtype) for v in values])
    dtype, device = tensors[0].dtype, tensors[0].device
    vals = [v if isinstance(v, ember.Tensor) else ember.tensor(v, dtype=dtype, device=device) for v in values]
    return ember.broadcast_tensors(*vals)


def batch_shape_of(*args, params):
    """PyTorch's rule: all-number arguments give a scalar batch; otherwise the broadcast parameters' shape."""
    return ember.Size() if all(isinstance(a, numbers.Number) for a in args) else params.size()


def _eps(x):
    return ember.finfo(x.dtype).eps


def clamp_probs(probs):
    """Keep probabilities strictly inside (0, 1) so their logs stay finite."""
    eps = _eps(probs)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    return ember.sigmoid(logits) if is_binary else ember.softmax(logits, dim=-1)


def probs_to_logits(probs, is_binary=False):
    p = clamp_probs(probs)
    return ember.log(p) - ember.log1p(-p) if is_binary else ember.log(p)


class lazy_property:
    """Computed on first access, then stored in the instance's __dict__ (so it behaves like a plain attribute)."""

    def __init__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        with ember.enable_grad():
            value = self.fn(obj)
        obj.__dict__[self.fn.__name__] = value
        return value
