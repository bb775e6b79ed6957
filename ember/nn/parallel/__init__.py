"""torch.nn.parallel: single-process data parallelism over several accelerators.

On a machine without an accelerator, DataParallel simply runs the wrapped module (as PyTorch
does); the scatter/replicate/parallel_apply/gather path runs when ember.cuda has devices.
"""
from .data_parallel import DataParallel, data_parallel
from .parallel_apply import parallel_apply
from .replicate import replicate
from .scatter_gather import gather, scatter

__all__ = ["DataParallel", "data_parallel", "gather", "parallel_apply", "replicate", "scatter"]
