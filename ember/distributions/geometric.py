"""torch.distributions.geometric module path."""
from .extra import Geometric

__all__ = ["Geometric"]
