"""`autocast`: run matmul-like primitives in a lower precision and precision-sensitive ones in float32.

NOTE [ Autocast policy ]
Casting happens on primitive inputs, before the forward runs (a pre-hook in `registry.PRE_HOOKS`), so
autograd records the casts and gradients flow back to the float32 originals in their own dtype.  The op
lists follow PyTorch's CPU autocast lists, translated to ember primitive names:
  lower precision: matmul-like ops (mm/bmm/matmul/addmm/baddbmm/linear/conv*/einsum);
  float32: losses, linalg decompositions/inverses, FFTs, polar, ...;
  promote: cat/stack/index_copy run in the widest floating dtype among their inputs.
Only "eligible" tensors are cast: floating point, not float64, on the autocast device type.  Casts of
leaf tensors that require grad (weights) are cached until the outermost autocast region exits.
"""
import functools

from .. import _dtype
from .._tensor import Tensor
from ..ops import registry
from . import _prehooks, _state

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]

# fmt: off
_LOWER = frozenset({"linear", "matmul", "convolution", "conv_transpose", "einsum"})
_FP32 = frozenset({"nll_loss", "cross_entropy", "ctc_loss", "linalg_cholesky", "linalg_eig", "linalg_eigh",
                   "linalg_inv", "linalg_qr", "linalg_svd", "linalg_solve", "linalg_pinv", "fft_c2c", "fft_r2c",
                   "fft_c2r", "polar", "view_as_complex", "fractional_max_pool"})
_PROMOTE = frozenset({"cat", "stack", "index_copy"})
# fmt: on


def is_autocast_available(device_type):
    """Whether autocast knows `device_type` (raises for strings that are no device type, as torch does)."""
    return _state._check_device(device_type) in _state._AUTOCAST_DEVICES


def _eligible(t, device_type):
    return isinstance(t, Tensor) and t.dtype.is_floating_point and t.dtype is not _dtype.float64 \
        and t._device.type == device_type


def _cast(t, dtype):
    if t.dtype is dtype:
        return t
    tls = _state._tls
    if tls.cache_enabled and t._requires_grad and t._grad_fn is None:
        hit = tls.casts.get(id(t))
        if hit is not None and hit[0] is t and hit[1].dtype is dtype:
            return hit[1]
        out = t.to(dtype)
        tls.casts[id(t)] = (t, out)
        return out
    return t.to(dtype)


def _flatten_cast(args, device_type, dtype):
    """Cast eligible tensors in `args` (one level of lists/tuples for cat/stack) to `dtype`."""
    out = []
    for a in args:
        if isinstance(a, (list, tuple)):
            out.append(type(a)(_cast(x, dtype) if _eligible(x, device_type) else x for x in a))
        else:
            out.append(_cast(a, dtype) if _eligible(a, device_type) else a)
    return tuple(out)


def _cast_for(policy, args):
    """`args` cast by `policy` ("lower", "fp32" or "promote") while autocast is on for their device; None when
    nothing is to be cast."""
    tensors = [x for a in args for x in (a if isinstance(a, (list, tuple)) else (a,)) if isinstance(x, Tensor)]
    if not tensors:
        return None
    device_type = tensors[0]._device.type
    if not _state._tls.enabled.get(device_type, False):
        return None
    if policy == "lower":
        return _flatten_cast(args, device_type, _state.get_autocast_dtype(device_type))
    if policy == "fp32":
        return _flatten_cast(args, device_type, _dtype.float32)
    floats = {t.dtype for t in tensors if t.dtype.is_floating_point and t._device.type == device_type}
    if len(floats) < 2:
        return None
    import ember
    widest = functools.reduce(ember.promote_types, floats)
    return tuple(type(a)(_to(x, widest) for x in a) if isinstance(a, (list, tuple)) else _to(a, widest) for a in args)


_POLICY = {**dict.fromkeys(_LOWER, "lower"), **dict.fromkeys(_FP32, "fp32"), **dict.fromkeys(_PROMOTE, "promote")}


def _pre_hook(op, args, attrs):
    """Casts for primitives on the lists (registry.PRE_HOOKS)."""
    policy = _POLICY.get(op.name)
    return None if policy is None else _cast_for(policy, args)


def _composite_hook(policy, args):
    """Casts for composite operators marked with registry.autocast_policy (addmm, mse_loss, ...)."""
    cast = _cast_for(policy, args)
    return args if cast is None else cast


def _to(t, dtype):
    return t.to(dtype) if isinstance(t, Tensor) and t.dtype.is_floating_point and t.dtype is not dtype else t


_installed = [0]


def _install():
    if _installed[0] == 0:
        _prehooks.add(_pre_hook)
        registry.COMPOSITE_HOOKS.append(_composite_hook)
    _installed[0] += 1


def _uninstall():
    _installed[0] -= 1
    if _installed[0] == 0:
        _prehooks.remove(_pre_hook)
        registry.COMPOSITE_HOOKS.remove(_composite_hook)


class autocast:
    """Context manager / decorator enabling mixed precision for `device_type` (torch.autocast)."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            msg = f"Expected `device_type` of type `str`, got: `{type(device_type)}`"
            raise ValueError(msg)  # noqa: TRY004 (torch's type)
        self.device = device_type
        self.fast_dtype = _state.get_autocast_dtype(device_type) if dtype is None else dtype
        self._enabled = enabled
        self._cache_enabled = _state.is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        if enabled:
            import warnings
            if device_type == "cuda":
                from .. import cuda
                if not cuda.is_available():
                    warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=2)
                    enabled = False
            elif self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
                name = device_type.upper()
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                              f"{name} Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                              stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        d = self.device
        self.prev_cache_enabled = _state.is_autocast_cache_enabled()
        self.prev = _state.is_autocast_enabled(d)
        self.prev_fastdtype = _state.get_autocast_dtype(d)
        _state.set_autocast_enabled(d, self._enabled)
        _state.set_autocast_dtype(d, self.fast_dtype)
        _state.autocast_increment_nesting()
        _state.set_autocast_cache_enabled(self._cache_enabled)
        _install()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        d = self.device
        if _state.autocast_decrement_nesting() == 0:
            _state.clear_autocast_cache()
        _state.set_autocast_enabled(d, self.prev)
        _state.set_autocast_dtype(d, self.prev_fastdtype)
        _state.set_autocast_cache_enabled(self.prev_cache_enabled)
        _uninstall()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        decorate_autocast.__script_unsupported = "@autocast() decorator is not supported in script mode"
        return decorate_autocast


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorate a custom autograd.Function's forward: optionally run it with floating inputs cast to
    `cast_inputs` and autocast disabled; remembers the autocast state for `custom_bwd`."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")  # noqa: TRY004 (torch)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = _state.get_autocast_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = _state.is_autocast_enabled(device_type)
            return fwd(*args, **kwargs)
        autocast_context = _state.is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = False
        if autocast_context:
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast_inputs(args, device_type, cast_inputs),
                           **dict(zip(kwargs, _cast_inputs(tuple(kwargs.values()), device_type, cast_inputs))))
        return fwd(*args, **kwargs)

    return decorate_fwd


def _cast_inputs(values, device_type, dtype):
    def one(v):
        if _eligible(v, device_type):
            return v.to(dtype)
        if isinstance(v, (list, tuple)):
            return type(v)(one(x) for x in v)
        if isinstance(v, dict):
            return {k: one(x) for k, x in v.items()}
        return v
    return tuple(one(v) for v in values)


def custom_bwd(bwd=None, *, device_type):
    """Decorate a custom autograd.Function's backward: run it under the autocast state its forward saw."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")  # noqa: TRY004 (torch)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=getattr(ctx, "_fwd_used_autocast", False),
                      dtype=getattr(ctx, "_dtype", None)):
            return bwd(*args, **kwargs)

    return decorate_bwd
