"""What torch.compile returns (torch._dynamo's OptimizedModule and function wrappers).

ember's only backend runs the program eagerly, so the wrapper just calls the original; it exists
so code that unwraps compiled models (`model._orig_mod`, state_dict keys prefixed `_orig_mod.`)
behaves as with PyTorch.
"""
import functools

from .nn.modules.module import Module


class OptimizedModule(Module):
    """A compiled module: the original is its `_orig_mod` child, and attribute reads fall through to it."""

    def __init__(self, mod, backend="eager"):
        super().__init__()
        self._orig_mod = mod
        self.dynamo_ctx = backend

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    @property
    def training(self):
        return self._orig_mod.training

    @training.setter
    def training(self, value):
        if "_modules" in self.__dict__ and "_orig_mod" in self._modules:  # Module.__init__ sets it first
            self._orig_mod.training = value

    def __getattr__(self, name):
        if name == "_orig_mod":
            return self._modules["_orig_mod"]
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)


def wrap_function(fn):
    """A compiled plain function: calls `fn`; `__wrapped__` is `fn`."""
    @functools.wraps(fn)
    def compiled(*args, **kwargs):
        return fn(*args, **kwargs)
    return compiled
