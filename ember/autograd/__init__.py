"""torch.autograd: the engine, grad modes and Function."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled)
from .engine import backward, grad
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import graph
