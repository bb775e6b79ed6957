"""torch.distributions.exponential module path."""
from .gamma import Exponential

__all__ = ["Exponential"]
