"""Graph passes (torch.fx.passes); shape_prop is the one ember provides."""
from . import shape_prop  # noqa: F401
