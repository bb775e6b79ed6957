"""torch.distributions.laplace module path."""
from .misc import Laplace

__all__ = ["Laplace"]
