"""torch.nn.functional: one file per family, re-exported here."""
from . import _dropout, _norm, _pooling, _sparse, _vision  # noqa: F401
from ._conv import *  # noqa: F401,F403
from ._padding import *  # noqa: F401,F403
from ._linear import *  # noqa: F401,F403
from ._activation import *  # noqa: F401,F403
from ._dropout import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._distance import *  # noqa: F401,F403
from ._pooling import *  # noqa: F401,F403
from ._vision import *  # noqa: F401,F403
from ._norm import *  # noqa: F401,F403
from ._sparse import *  # noqa: F401,F403
from ._attention import *  # noqa: F401,F403

# torch.<name> spellings that live here (torch.batch_norm, torch.native_layer_norm, ...), for ember.__getattr__
TORCH_NAMESPACE = {}
for _family in (_norm, _sparse, _dropout, _pooling, _vision):
    TORCH_NAMESPACE.update(getattr(_family, "TORCH_NAMESPACE", {}))
