"""torch.nn.parallel: single-process data parallelism over several accelerators.

On a machine without an accelerator, DataParallel simply runs the wrapped module (as PyTorch
does); the scatter/replicate/parallel_apply/gather path runs when ember.cuda has devices.
"""
from .scatter_gather import scatter, gather  # noqa: F401
from .replicate import replicate  # noqa: F401
from .parallel_apply import parallel_apply  # noqa: F401
from .data_parallel import DataParallel, data_parallel  # noqa: F401

__all__ = ["DataParallel", "data_parallel", "gather", "parallel_apply", "replicate", "scatter"]
