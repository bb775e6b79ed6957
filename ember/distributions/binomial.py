"""torch.distributions.binomial module path."""
from .extra import Binomial

__all__ = ["Binomial"]
