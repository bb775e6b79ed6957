"""torch.distributions.one_hot_categorical module path."""
from .categorical import OneHotCategorical

__all__ = ["OneHotCategorical"]
