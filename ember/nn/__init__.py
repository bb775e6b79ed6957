"""torch.nn: modules, parameters, functional, init."""
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer  # noqa: F401
from .modules import *  # noqa: F401,F403
from .modules import Module, Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, Container  # noqa: F401
from . import modules, init, functional, utils, parallel  # noqa: F401
from .parallel import DataParallel  # noqa: F401
