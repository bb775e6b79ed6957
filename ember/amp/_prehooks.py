"""Hooks run by `apply` BEFORE a primitive's forward: `hook(op, args, attrs) -> new args or None`.

NOTE [ Pre-hooks shim ]
Autocast must cast inputs before the op runs and the profiler wants each op's start time, but the registry
only has post-hooks (`HOOKS`).  Until `ember.ops.registry` grows a `PRE_HOOKS` list processed at the top of
`apply`, this shim swaps every `ember.*` module's `apply` name for a wrapper while at least one pre-hook is
installed, and puts the originals back when the last one is removed: no cost when nothing is installed.
Once the registry has `PRE_HOOKS`, `add`/`remove` just edit that list.
"""
import sys

from ..ops import registry

_native = getattr(registry, "PRE_HOOKS", None)
_hooks = _native if _native is not None else []
_swapped = []   # (module, original apply)


def _wrapped_apply(op, *args, **attrs):
    for hook in _hooks:
        new = hook(op, args, attrs)
        if new is not None:
            args = new
    return _original(op, *args, **attrs)


_original = registry.apply


def add(hook):
    _hooks.append(hook)
    if _native is None and len(_hooks) == 1:
        for m in list(sys.modules.values()):
            if getattr(m, "__name__", "").startswith("ember") and getattr(m, "apply", None) is _original:
                _swapped.append(m)
                m.apply = _wrapped_apply


def remove(hook):
    if hook in _hooks:
        _hooks.remove(hook)
    if _native is None and not _hooks:
        for m in _swapped:
            m.apply = _original
        _swapped.clear()
