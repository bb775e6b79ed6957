"""Install and remove `apply` pre-hooks: `hook(op, args, attrs) -> new args or None`.

Autocast casts a primitive's inputs before it runs and the profiler stamps each op's start time;
both register here. The list itself is `ember.ops.registry.PRE_HOOKS`, read at the top of `apply`.
"""
from ..ops import registry

_hooks = registry.PRE_HOOKS


def add(hook):
    _hooks.append(hook)


def remove(hook):
    if hook in _hooks:
        _hooks.remove(hook)
