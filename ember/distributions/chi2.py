"""torch.distributions.chi2 module path."""
from .extra import Chi2

__all__ = ["Chi2"]
