"""torch.distributions.dirichlet module path."""
from .gamma import Dirichlet

__all__ = ["Dirichlet"]
