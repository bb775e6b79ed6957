"""ember.vision: torchvision's counterpart (``import torchvision`` under ``ember.run`` gives this module).

So far: ``transforms`` (ToTensor, PILToTensor, Normalize, Compose, Lambda) and
``datasets`` (the MNIST family read from files already on disk; ember never
downloads).  Anything else of torchvision raises an error naming it.
"""
import importlib

from . import datasets, transforms

__version__ = "0.1.0"
__all__ = ["datasets", "transforms"]


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:  # a submodule not imported yet
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module 'torchvision' has no attribute {name!r} "
                         f"(ember does not provide torchvision.{name} yet)")
