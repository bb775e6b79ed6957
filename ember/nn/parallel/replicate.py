"""Copies of a module on several devices whose parameters stay linked to the original's."""
import copy

from . import scatter_gather


def replicate(network, devices, detach=False):
    """Return one replica of `network` per device.

    A replica's parameters are `param.to(device)`: differentiable copies, so a backward pass
    through any replica accumulates gradients into the original parameters. Buffers are copied
    without history. With `detach=True` parameters are copied without history too.
    """
    devices = [scatter_gather.as_device(d) for d in devices]
    return [_replica(network, d, detach, {}) for d in devices]


def _replica(module, device, detach, memo):
    if id(module) in memo:  # a submodule shared between parents stays shared
        return memo[id(module)]
    clone = copy.copy(module)  # shallow: hooks and plain attributes are shared with the original
    memo[id(module)] = clone
    d = clone.__dict__
    d["_parameters"] = {k: None if p is None else _linked_copy(p.detach() if detach else p, device)
                        for k, p in module._parameters.items()}
    d["_buffers"] = {k: None if b is None else b.detach().to(device) for k, b in module._buffers.items()}
    d["_modules"] = {k: None if m is None else _replica(m, device, detach, memo) for k, m in module._modules.items()}
    d["_is_replica"] = True
    return clone


def _linked_copy(param, device):
    """`param` on `device` as a non-leaf tensor whose gradient flows back to `param`."""
    moved = param.to(device)
    return moved.view_as(moved) if moved is param else moved  # same device: an alias, not the leaf itself
