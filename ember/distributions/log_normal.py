"""torch.distributions.log_normal module path."""
from .normal import LogNormal

__all__ = ["LogNormal"]
