"""torch.distributions.studentT module path."""
from .extra import StudentT

__all__ = ["StudentT"]
