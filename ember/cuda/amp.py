"""torch.cuda.amp: the deprecated CUDA spellings of autocast and GradScaler (device 'cuda')."""
from ..amp._cuda import *  # noqa: F401,F403
from ..amp._cuda import __all__  # noqa: F401
