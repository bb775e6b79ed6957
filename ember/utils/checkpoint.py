"""torch.utils.checkpoint: trade compute for memory by recomputing a block's forward during backward.

`checkpoint(fn, *args)` runs `fn` without recording a graph, keeping only its inputs. When the
gradient reaches it, the block runs again with recording on (and with the random state it first
saw, so dropout draws the same mask) and is differentiated there. Gradients of tensors the block
uses but does not take as arguments (a module's parameters) accumulate into their `.grad` during
that inner backward, so use `.backward()` on the loss, as with PyTorch's reentrant variant; ember
has no saved-tensor hooks, so `use_reentrant=False` runs the same way (and adds `context_fn`: the two
context managers it returns wrap the first run and the recomputation).
"""
import warnings

from .. import _random
from .._tensor import Tensor
from ..autograd import grad_mode
from ..autograd.function import Function

__all__ = ["checkpoint", "checkpoint_sequential"]


def noop_context_fn():
    """The default `context_fn`: no context around the forward run or the recomputation."""
    import contextlib
    return contextlib.nullcontext(), contextlib.nullcontext()


class CheckpointFunction(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, contexts, *args):
        forward_context, ctx.recompute_context = contexts
        ctx.run_function = run_function
        ctx.rng_state = _random.get_rng_state() if preserve_rng_state else None
        ctx.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.plain_args = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*(a for a in args if isinstance(a, Tensor)))
        with grad_mode.no_grad(), forward_context:
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grad_outputs):
        from ..autograd import backward
        args = list(ctx.plain_args)
        inputs = []
        for pos, t in zip(ctx.tensor_positions, ctx.saved_tensors):
            t = t.detach().requires_grad_(t.requires_grad)
            args[pos] = t
            inputs.append(t)
        saved_state = None
        if ctx.rng_state is not None:
            saved_state = _random.get_rng_state()
            _random.set_rng_state(ctx.rng_state)
        try:
            with grad_mode.enable_grad(), ctx.recompute_context:
                outputs = ctx.run_function(*args)
        finally:
            if saved_state is not None:
                _random.set_rng_state(saved_state)
        outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = iter(t.grad if t.requires_grad else None for t in inputs)
        by_position = {pos: next(grads) for pos in ctx.tensor_positions}
        return (None, None, None) + tuple(by_position.get(i) for i in range(len(args)))


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, early_stop=True, **kwargs):
    """Run `function(*args, **kwargs)` without keeping its activations; recompute them in backward."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in "
                      "PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
                      "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the differences between "
                      "the two variants.", stacklevel=2)
    if use_reentrant is not False and (context_fn is not noop_context_fn or debug):
        raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        if use_reentrant is not False:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        run = function
        function = lambda *a: run(*a, **kwargs)  # noqa: E731
    if not grad_mode.is_grad_enabled():
        return function(*args)  # nothing will be differentiated: no need to save anything
    return CheckpointFunction.apply(function, preserve, context_fn(), *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Checkpoint a Sequential (or list of modules) in `segments` chunks; the last chunk runs normally."""
    from ..nn import Sequential
    functions = list(functions.children()) if isinstance(functions, Sequential) else list(functions)
    size = len(functions) // segments
    end = -1

    def run_segment(start, stop):
        def forward(x):
            for f in functions[start:stop + 1]:
                x = f(x)
            return x
        return forward

    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run_segment(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run_segment(end + 1, len(functions) - 1)(input)
