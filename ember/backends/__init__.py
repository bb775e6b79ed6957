"""Array backends (numpy for cpu, meta, cupy for cuda) and torch.backends-style flags."""
# cheap: CuPy loads only when a GPU is asked for
from . import cpu, cuda, cudnn, mha, mkl, mkldnn, mps, openmp, opt_einsum  # noqa: F401
