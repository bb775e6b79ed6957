"""torch.nn.functional: one file per family, re-exported here."""
from ._conv import *  # noqa: F401,F403
from ._padding import *  # noqa: F401,F403
from ._linear import *  # noqa: F401,F403
