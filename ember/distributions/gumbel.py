"""torch.distributions.gumbel module path."""
from .extra import Gumbel

__all__ = ["Gumbel"]
