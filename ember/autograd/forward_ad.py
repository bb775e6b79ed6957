"""torch.autograd.forward_ad: dual tensors, computed with reverse mode.

Differs from PyTorch: there are no per-op forward (JVP) rules.  `make_dual`
returns a graph node standing for the primal (so the result requires grad,
unlike PyTorch), and `unpack_dual` computes the tangent J @ t with the
double-backward trick over the recorded graph.  Values match PyTorch's; the
cost is two backward passes per `unpack_dual`.

>>> import ember as torch
>>> import ember.autograd.forward_ad as fwAD
>>> with fwAD.dual_level():
...     y = fwAD.make_dual(torch.tensor([1., 2.]), torch.tensor([1., 0.])) * 3
...     fwAD.unpack_dual(y).tangent
tensor([3., 0.])
"""
from collections import namedtuple

from . import grad_mode
from .engine import grad as _grad

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual"]

_levels = []  # one list of (dual tensor, tangent) per open level


class UnpackedDualTensor(namedtuple("UnpackedDualTensor", ["primal", "tangent"])):
    """(primal, tangent) as returned by unpack_dual."""


def enter_dual_level():
    _levels.append([])
    return len(_levels) - 1


def exit_dual_level(*, level=None):
    if level is None:
        level = len(_levels) - 1
    if level != len(_levels) - 1 or level < 0:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was created. This is "
                           "not supported.")
    _levels.pop()


class dual_level:
    """Context manager for a forward AD level: dual tensors made inside lose their tangents on exit."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


def _level(level):
    if not _levels:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    return _levels[-1 if level is None else level]


def make_dual(tensor, tangent, *, level=None):
    """A tensor with primal `tensor` and tangent `tangent` at the current level."""
    duals = _level(level)
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if not (tensor.dtype.is_floating_point or tensor.dtype.is_complex):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    with grad_mode.enable_grad():
        dual = tensor.view_as(tensor) if tensor.requires_grad else tensor.detach().requires_grad_(True)
    duals.append((dual, tangent))
    return dual


def unpack_dual(tensor, *, level=None):
    """(primal, tangent) of `tensor`; tangent is None when it does not depend on any dual tensor."""
    from .._creation import zeros_like
    from .._tensor import Tensor
    if not isinstance(tensor, Tensor) or not _levels:
        return UnpackedDualTensor(tensor, None)
    duals = _levels[-1 if level is None else level]
    if not duals or not tensor.requires_grad:
        return UnpackedDualTensor(tensor, None)
    with grad_mode.enable_grad():
        # u -> J^T u is linear; its derivative with respect to u in direction t is J t
        u = zeros_like(tensor).requires_grad_(True)
        gs = _grad(tensor, [d for d, _ in duals], u, create_graph=True, retain_graph=True, allow_unused=True)
        live = [(g, t) for g, (_, t) in zip(gs, duals) if g is not None and g.requires_grad]
        tangent = None
        if live:
            (tangent,) = _grad([g for g, _ in live], u, [t for _, t in live], retain_graph=True, allow_unused=True)
        elif any(g is not None for g in gs):
            tangent = zeros_like(tensor)
    return UnpackedDualTensor(tensor.detach(), tangent.detach() if tangent is not None else None)
