"""nn.modules: the layer classes, one file per family."""
from .module import Module  # noqa: F401
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, Container  # noqa: F401
from .linear import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
