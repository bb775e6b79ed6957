"""ember.text: torchtext's counterpart (`import torchtext` under `ember.run` gives this module).

Nothing of torchtext is provided yet: every name raises an error that says which one is missing.
"""
__version__ = "0.1.0"
__all__ = []


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    raise AttributeError(f"module 'torchtext' has no attribute {name!r} (ember does not provide torchtext.{name} yet)")
