"""Process-wide settings and small top-level functions of the torch namespace.

Threads: NumPy's BLAS pool is resized through threadpoolctl when it is
installed (it is optional); otherwise the value is recorded and reported.
Determinism: every ember kernel is deterministic, so the flags only record.
"""
from . import _dtype
from ._tensor import Tensor

__all__ = [
    "get_num_threads", "set_num_threads", "get_num_interop_threads", "set_num_interop_threads", "init_num_threads",
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode", "get_deterministic_debug_mode",
    "set_float32_matmul_precision", "get_float32_matmul_precision", "set_flush_denormal", "set_warn_always",
    "is_warn_always_enabled", "is_nonzero", "is_same_size", "is_signed", "is_inference", "is_distributed",
    "is_vulkan_available", "typename", "detach", "detach_", "fill", "fill_", "zero_", "get_device",
    "get_device_module", "compiled_with_cxx11_abi", "cdist", "gradient", "eig", "symeig", "lstsq", "solve",
    "matrix_rank", "cond", "while_loop", "compile", "is_storage",
]

_state = {"threads": None, "interop": None, "deterministic": False, "warn_only": False, "matmul": "highest",
          "warn_always": False}


def _blas_pools():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return threadpool_info()


def get_num_threads():
    if _state["threads"] is not None:
        return _state["threads"]
    pools = _blas_pools()
    if pools:
        return max(p["num_threads"] for p in pools)
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def set_num_threads(n):
    if not isinstance(n, int) or n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state["threads"] = n
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(n)


def get_num_interop_threads():
    return _state["interop"] or get_num_threads()


def set_num_interop_threads(n):
    if _state["interop"] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    if not isinstance(n, int) or n <= 0:
        raise RuntimeError("Expected positive number of threads")
    _state["interop"] = n


def init_num_threads():
    return None


def use_deterministic_algorithms(mode, *, warn_only=False):
    _state["deterministic"], _state["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _state["warn_only"]


def set_deterministic_debug_mode(debug_mode):
    names = {"default": 0, "warn": 1, "error": 2}
    mode = names.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                           f"{debug_mode}")
    use_deterministic_algorithms(mode != 0, warn_only=mode == 1)


def get_deterministic_debug_mode():
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def set_float32_matmul_precision(precision):
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision: {precision!r}; expected one of highest, high, medium")
    _state["matmul"] = precision  # NumPy's float32 GEMM is always full precision


def get_float32_matmul_precision():
    return _state["matmul"]


def set_flush_denormal(mode):
    """Returns False: NumPy offers no control of the CPU's denormal flushing (as on unsupported CPUs in PyTorch)."""
    return False


def set_warn_always(b):
    _state["warn_always"] = bool(b)


def is_warn_always_enabled():
    return _state["warn_always"]


def is_nonzero(input):
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def is_same_size(input, other):
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input):
    return input.dtype.is_signed


def is_inference(input):
    return input.is_inference()


def is_distributed(input):
    return False


def is_vulkan_available():
    return False


def is_storage(obj):
    from ._storage import UntypedStorage
    return isinstance(obj, UntypedStorage)


def typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    named = obj if hasattr(obj, "__qualname__") else type(obj)  # functions and classes name themselves
    module = getattr(named, "__module__", "") or ""
    return named.__qualname__ if module == "builtins" or not module else f"{module}.{named.__qualname__}"


def detach(input):
    return input.detach()


def detach_(input):
    return input.detach_()


def fill(input, value):
    return input.clone().fill_(value)


def fill_(input, value):
    return input.fill_(value)


def zero_(input):
    return input.zero_()


def get_device(input):
    return input.get_device()


def get_device_module(device=None):
    import importlib
    name = getattr(device, "type", device) or "cpu"
    name = str(name).split(":")[0]
    if name not in ("cpu", "cuda", "meta"):
        raise RuntimeError(f"Device '{name}' does not have a corresponding module registered as 'torch.{name}'.")
    return importlib.import_module("ember.cuda" if name == "cuda" else "ember.cpu" if name == "cpu" else "ember")


def compiled_with_cxx11_abi():
    return True


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M)."""
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == 0:
        return (diff != 0).to(x1.dtype).sum(-1)
    if p == float("inf"):
        return diff.abs().amax(-1)
    if p == 2:
        sq = (diff * diff).sum(-1)
        # sqrt has an infinite slope at 0: PyTorch's cdist gradient is 0 there
        safe = sq.clamp_min(_dtype.finfo(x1.dtype).tiny) if x1.requires_grad or x2.requires_grad else sq
        return safe.sqrt() * (sq > 0)
    return diff.abs().pow(p).sum(-1).pow(1.0 / p)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Central differences in the interior, one-sided at the edges (numpy.gradient's scheme, as torch)."""
    from . import cat, tensor
    dims = list(range(input.dim())) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if isinstance(spacing, (int, float)):
        spacings = [spacing] * len(dims)
    else:
        spacings = list(spacing)
        if len(spacings) == 1 and len(dims) > 1:
            spacings = spacings * len(dims)
    out = []
    for d, h in zip(dims, spacings):
        n = input.shape[d]
        if n < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        if isinstance(h, Tensor):  # coordinates
            x = h.to(input.dtype if input.is_floating_point() else _dtype.get_default_dtype())
            shape = [1] * input.dim()
            shape[d] = n
            x = x.reshape(shape)
            dx = x.diff(dim=d)
            a, b = dx.narrow(d, 0, n - 2), dx.narrow(d, 1, n - 2)
            f = input
            interior = (a * a * f.narrow(d, 2, n - 2) - b * b * f.narrow(d, 0, n - 2)
                        + (b * b - a * a) * f.narrow(d, 1, n - 2)) / (a * b * (a + b))
            first = (f.narrow(d, 1, 1) - f.narrow(d, 0, 1)) / dx.narrow(d, 0, 1)
            last = (f.narrow(d, n - 1, 1) - f.narrow(d, n - 2, 1)) / dx.narrow(d, n - 2, 1)
        else:
            f = input if input.is_floating_point() else input.to(_dtype.get_default_dtype())
            interior = (f.narrow(d, 2, n - 2) - f.narrow(d, 0, n - 2)) / (2 * h)
            if edge_order == 1:
                first = (f.narrow(d, 1, 1) - f.narrow(d, 0, 1)) / h
                last = (f.narrow(d, n - 1, 1) - f.narrow(d, n - 2, 1)) / h
            else:
                first = (-1.5 * f.narrow(d, 0, 1) + 2 * f.narrow(d, 1, 1) - 0.5 * f.narrow(d, 2, 1)) / h
                last = (0.5 * f.narrow(d, n - 3, 1) - 2 * f.narrow(d, n - 2, 1) + 1.5 * f.narrow(d, n - 1, 1)) / h
        out.append(cat([first, interior, last], dim=d))
    _ = tensor
    return tuple(out)


def _removed(name, hint):
    def fn(*args, **kwargs):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. {hint}")
    fn.__name__ = name
    return fn


eig = _removed("eig", "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than real "
                      "tensors mimicking complex tensors.")
symeig = _removed("symeig", "The default behavior has changed from using the upper triangular portion of the matrix "
                            "by default to using the lower triangular portion. Use `torch.linalg.eigh`.")
lstsq = _removed("lstsq", "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.")
solve = _removed("solve", "`torch.solve` is deprecated in favor of `torch.linalg.solve`.")
matrix_rank = _removed("matrix_rank", "Please use the `torch.linalg.matrix_rank` function instead.")


def cond(pred, true_fn, false_fn, operands=()):
    """torch.cond run eagerly: calls the branch `pred` selects."""
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError("Expected pred to be bool or single-element tensor, but got "
                               f"Tensor with shape {list(pred.shape)}")
        pred = bool(pred.item())
    return true_fn(*operands) if pred else false_fn(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """torch._higher_order_ops.while_loop run eagerly."""
    carried = tuple(carried_inputs)
    while True:
        c = cond_fn(*carried)
        if not (bool(c.item()) if isinstance(c, Tensor) else bool(c)):
            return carried
        out = body_fn(*carried)
        carried = tuple(out) if isinstance(out, (tuple, list)) else (out,)


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None, name=None,
            disable=False, recompile_limit=None, isolate_recompiles=False, shapes_spec=None):
    """torch.compile with ember's only backend, eager: same numbers, wrapped as PyTorch wraps.

    ember has no code generator yet; a module comes back as an OptimizedModule (`_orig_mod`), a
    function as a wrapper, so programs that unwrap compiled models work unchanged."""
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options,
                                 name=name, disable=disable, recompile_limit=recompile_limit,
                                 isolate_recompiles=isolate_recompiles, shapes_spec=shapes_spec)
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if not callable(model):
        raise RuntimeError("torch.compile expects a callable")
    if disable:
        return model
    from . import _dynamo
    from .nn import Module
    if isinstance(model, Module):
        return _dynamo.OptimizedModule(model, backend)
    return _dynamo.wrap_function(model)

