"""functorch: the function transforms (now ember.func) and first-class dimensions (functorch.dim).

PyTorch ships `functorch` beside `torch`; `python -m ember.run` serves it from here.
"""
from ..func import *
from ..func import __all__ as _func_all

__all__ = list(_func_all)
