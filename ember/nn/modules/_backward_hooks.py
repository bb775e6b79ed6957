"""Full backward hooks: identity nodes around a module's inputs and outputs that see their gradients.

The output identity receives grad_output (and runs backward pre-hooks, which may
replace it); the input identity receives grad_input and runs the full backward
hooks hook(module, grad_input, grad_output), which may replace grad_input.
"""
import itertools

from ..._tensor import Tensor
from ...ops.registry import Op, apply


def _identity_op(n, backward, name):
    return Op(name, lambda xp, *arrays: tuple(a.view() for a in arrays) if n > 1 else arrays[0].view(),
              backward, False, False, name, n, False, frozenset())


class BackwardHook:
    def __init__(self, module):
        from .module import _global_backward_hooks, _global_backward_pre_hooks
        self.module = module
        self.hooks = list(itertools.chain(_global_backward_hooks.values(), module._backward_hooks.values()))
        self.pre_hooks = list(itertools.chain(_global_backward_pre_hooks.values(), module._backward_pre_hooks.values()))
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_hooked = False

    def _wrap(self, values, backward, name):
        positions = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
        if not positions:
            return values, False
        tensors = [values[i] for i in positions]
        op = _identity_op(len(tensors), backward, name)
        outs = apply(op, *tensors)
        outs = outs if isinstance(outs, tuple) else (outs,)
        new = list(values)
        for i, src, out in zip(positions, tensors, outs):
            out._base = src._base if src._base is not None else src
            out._vc = src._version_counter
            new[i] = out
        return tuple(new), True

    def setup_input_hook(self, args):
        self.n_inputs = len(args)

        def backward(g, out, *inputs):
            grads = g if isinstance(g, tuple) else (g,)
            for hook in self.hooks:
                res = hook(self.module, grads, self.grad_outputs)
                if res is not None:
                    res = res if isinstance(res, tuple) else (res,)
                    if len(res) != len(grads):
                        raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                           f"{len(res)}, but expected {len(grads)}")
                    grads = res
            return grads
        args, self.input_hooked = self._wrap(tuple(args), backward, "BackwardHookFunctionBackward")
        return args

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        values = (result,) if single else result
        if not isinstance(values, tuple):
            return result

        def backward(g, out, *inputs):
            grads = g if isinstance(g, tuple) else (g,)
            for hook in self.pre_hooks:
                res = hook(self.module, grads)
                if res is not None:
                    grads = res if isinstance(res, tuple) else (res,)
            self.grad_outputs = grads
            if not self.input_hooked:  # no input needs grad: PyTorch calls the hooks with grad_input None
                for hook in self.hooks:
                    hook(self.module, (None,) * max(self.n_inputs, 1), grads)
            return grads
        wrapped, _ = self._wrap(values, backward, "BackwardHookFunctionBackward")
        return wrapped[0] if single else wrapped
