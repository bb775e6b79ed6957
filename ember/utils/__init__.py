"""ember.utils: torch.utils's submodules (data, dlpack, checkpoint, hooks, ...), imported on first use."""
import importlib


def __getattr__(name):
    # `ember.utils.data` works without an explicit import, as `torch.utils.data` does, yet
    # `import ember` does not pay for loading every submodule.
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
