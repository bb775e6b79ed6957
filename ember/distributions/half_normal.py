"""torch.distributions.half_normal module path."""
from .extra import HalfNormal

__all__ = ["HalfNormal"]
