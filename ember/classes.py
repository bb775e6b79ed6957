"""torch.classes: custom classes that extensions register under a namespace (`torch.classes.ns.Name`).

PyTorch's come from C++ extensions (`torch::class_`) loaded with `load_library`. ember has no C++
side: a shared library can still be loaded (its native code runs), but only Python classes
registered with `_register_class` can be looked up; any other name raises PyTorch's error.
"""
import ctypes
import os

loaded_libraries = set()
_registry = {}  # (namespace, name) -> class


def load_library(path):
    """Load a shared library into the process (as `torch.classes.load_library`)."""
    path = os.path.realpath(path)
    try:
        ctypes.CDLL(path)
    except OSError as e:
        raise OSError(f"Could not load this library: {path}") from e
    loaded_libraries.add(path)


def _register_class(namespace, name, cls):
    """Make `cls` reachable as `ember.classes.<namespace>.<name>` (ember's stand-in for torch::class_)."""
    _registry[namespace, name] = cls
    return cls


class _ClassNamespace:
    def __init__(self, name):
        self.name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):  # protocol probes (hasattr, copy, pickle) get the usual answer
            raise AttributeError(attr)
        try:
            return _registry[self.name, attr]
        except KeyError:
            raise RuntimeError(f"Tried to instantiate class '{self.name}.{attr}', but it does not exist! "
                               "Ensure that it is registered via torch::class_") from None

    def __repr__(self):
        return f"<torch.classes namespace {self.name!r}>"


def __getattr__(namespace):
    if namespace.startswith("__"):  # module protocol lookups (__path__, __file__...) are not namespaces
        raise AttributeError(namespace)
    return _ClassNamespace(namespace)
