"""Array backends (numpy for cpu, meta, cupy for cuda) and torch.backends-style flags."""
from . import cpu, cuda, cudnn, mha, mps  # noqa: F401,E402  (cheap: CuPy loads only when a GPU is asked for)
