"""ember.testing: torch.testing's assert_close and make_tensor.

`python -m ember.testing.coverage` reports how much of PyTorch's API ember covers (loaded only when run).
"""
from ._comparison import assert_allclose, assert_close
from ._creation import make_tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]
