"""torch.utils.hooks: the handle every register_*_hook returns, and hook helpers."""
import warnings

from ..autograd.graph import RemovableHandle

__all__ = ["RemovableHandle", "unserializable_hook", "warn_if_has_hooks"]


def unserializable_hook(f):
    """Mark a tensor hook as not to be saved with the tensor (warn_if_has_hooks stays quiet about it)."""
    f.__torch_unserializable__ = True
    return f


def warn_if_has_hooks(tensor):
    """Warn when a tensor being serialized has backward hooks, which are not saved."""
    for hook in (getattr(tensor, "_backward_hooks", None) or {}).values():
        if not getattr(hook, "__torch_unserializable__", False):
            name = hook.__name__ if hasattr(hook, "__name__") else repr(hook)
            warnings.warn(f"backward hook {name} on tensor will not be serialized.  If this is expected, you can "
                          "decorate the function with @torch.utils.hooks.unserializable_hook to suppress this "
                          "warning", stacklevel=2)


