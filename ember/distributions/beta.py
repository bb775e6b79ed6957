"""torch.distributions.beta module path."""
from .gamma import Beta

__all__ = ["Beta"]
