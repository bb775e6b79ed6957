"""ember.version: torch.version's fields for ember.

ember is not compiled against CUDA or ROCm (it reaches GPUs through CuPy at run
time), so ``cuda`` and ``hip`` are None, as in a CPU-only PyTorch build.
"""
__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu"]

__version__ = "0.1.0"  # keep equal to pyproject.toml's version
debug = False
cuda = None
git_version = "Unknown"  # what PyTorch reports when built outside a git checkout
hip = None
rocm = None
xpu = None
