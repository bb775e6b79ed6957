"""torch.distributions.independent module path."""
from .misc import Independent

__all__ = ["Independent"]
