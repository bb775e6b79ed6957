"""torch.distributions.poisson module path."""
from .misc import Poisson

__all__ = ["Poisson"]
