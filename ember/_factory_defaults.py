"""Process-wide defaults for factory functions: the default device (torch.set_default_device)."""
from . import _device

_default_device = [None]


def get_default_device():
    dev = _default_device[0]
    return _device.CPU if dev is None else dev


def set_default_device(dev):
    _default_device[0] = None if dev is None else _device.canonical(dev)
