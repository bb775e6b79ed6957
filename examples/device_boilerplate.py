"""The device-selection lines at the top of most PyTorch scripts.

    python -m ember.run examples/device_boilerplate.py     # on ember (unchanged PyTorch code)
    python examples/device_boilerplate.py                  # on PyTorch, if installed
"""
import torch

# the classic
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# PyTorch >= 2.6: device-agnostic
accelerator = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"

# Apple silicon first, then CUDA, then CPU
if torch.backends.mps.is_available():
    mps_or_cuda = torch.device("mps")
elif torch.cuda.is_available():
    mps_or_cuda = torch.device("cuda")
else:
    mps_or_cuda = torch.device("cpu")

torch.backends.cudnn.benchmark = True  # harmless without a GPU
print(f"{torch.__name__} {torch.__version__}: device={device} accelerator={accelerator} "
      f"mps_or_cuda={mps_or_cuda} cuda devices={torch.cuda.device_count()} built with CUDA {torch.version.cuda}")

x = torch.randn(4, 3, device=device)
print(x.device, (x @ x.T).shape)
