"""torch.distributions.cauchy module path."""
from .extra import Cauchy

__all__ = ["Cauchy"]
