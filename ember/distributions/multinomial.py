"""torch.distributions.multinomial module path."""
from .misc import Multinomial

__all__ = ["Multinomial"]
