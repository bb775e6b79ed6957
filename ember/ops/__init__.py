"""ember's operator rows (one module per family), and the torch.ops namespaces programs call.

`torch.ops.profiler._record_function_enter/_exit` is the operator form of `record_function`
that scripted code uses; it lives in `ember.ops.profiler`, loaded on first use.
"""
import importlib


def __getattr__(name):
    if name == "profiler":
        return importlib.import_module(".profiler", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
