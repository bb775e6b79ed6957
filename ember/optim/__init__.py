"""torch.optim: optimizers (one file per algorithm) and lr_scheduler."""
from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401
