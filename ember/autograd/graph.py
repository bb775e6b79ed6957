"""Graph nodes: one Node per recorded primitive call, one AccumulateGrad per leaf.

A Node keeps what its backward needs (saved inputs and output, attrs) and the
edges to the nodes that produced its inputs (`next_functions`, PyTorch's name).
"""
import weakref


_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


_needs = [()]  # next_functions of the node whose VJP is running (single-threaded engine)


def needs_input_grad(i):
    """Inside a VJP rule: does input `i` of the running node need a gradient? Lets rules skip dead work."""
    return _needs[0][i][0] is not None


class RemovableHandle:
    """Returned by register_*_hook; `remove()` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks_dict):
        self._hooks = hooks_dict
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        hooks = self._hooks
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Node:
    """A recorded call of a primitive op; `backward` runs its VJP rule."""

    __slots__ = ("op", "attrs", "next_functions", "_inputs", "_versions", "_out", "_freed",
                 "input_meta", "_pre_hooks", "_hooks", "_tensor_pre_hooks", "_metadata",
                 "_anomaly_trace", "__weakref__")

    def __init__(self, op, attrs, next_functions, inputs, versions, out, input_meta):
        self.op = op
        self.attrs = attrs
        self.next_functions = next_functions
        self._inputs = inputs          # saved input Tensors (or None when the op saves none)
        self._versions = versions      # their version counters' values at save time
        self._out = out                # saved output arrays (tuple), re-wrapped on unpack
        self._freed = False
        self.input_meta = input_meta   # (shape, NumPy dtype) per input, or None for non-tensors
        self._pre_hooks = None
        self._hooks = None
        self._tensor_pre_hooks = None  # {output_nr: {id: hook}} from Tensor.register_hook
        self._metadata = None
        self._anomaly_trace = None

    @property
    def metadata(self):
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def name(self):
        return self.op.node_name

    def __repr__(self):
        return f"<{self.name().rsplit('::', 1)[-1]} object at {hex(id(self))}>"

    @property
    def _saved_tensors(self):
        return self.saved_inputs()

    def saved_inputs(self):
        if self._freed:
            raise RuntimeError(_FREED)
        inputs = self._inputs
        if inputs is None:
            return None
        for t, v in zip(inputs, self._versions):
            if v is not None and t._version_counter.value != v:
                raise RuntimeError(_modified_message(t, v, self))
        return inputs

    def saved_output(self):
        if self._freed:
            raise RuntimeError(_FREED)
        out = self._out
        if out is None:
            return None
        from .._tensor import _wrap
        wrapped = []
        for i, (arr, dev) in enumerate(out):
            t = _wrap(arr, dev)
            t._grad_fn, t._output_nr, t._requires_grad = self, i, True
            wrapped.append(t)
        return wrapped[0] if len(wrapped) == 1 else tuple(wrapped)

    def apply(self, grads):
        """Run the VJP for output gradients `grads` (a list, one per output)."""
        op = self.op
        _needs[0] = self.next_functions
        inputs = self.saved_inputs() if op.save_inputs else None
        out = self.saved_output() if op.save_output else None
        g = grads[0] if op.num_outputs == 1 else tuple(grads)
        n_in = len(self.input_meta)
        result = op.backward(g, out, *(inputs if inputs is not None else (None,) * n_in), **self.attrs)
        if n_in == 1 and not isinstance(result, (tuple, list)):
            result = (result,)
        return result

    def release(self):
        self._inputs = None
        self._out = None
        self._freed = True

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> new grad_inputs or None, run after this node's backward."""
        if self._hooks is None:
            self._hooks = {}
        h = RemovableHandle(self._hooks)
        self._hooks[h.id] = fn
        return h

    def register_prehook(self, fn):
        """fn(grad_outputs) -> new grad_outputs or None, run before this node's backward."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        h = RemovableHandle(self._pre_hooks)
        self._pre_hooks[h.id] = fn
        return h


def _modified_message(t, expected, node):
    typename = _type_name(t)
    shape = list(t.shape)
    import re
    which = (f", which is output {t._output_nr} of {re.sub(r'Backward[0-9]*$', '', t._grad_fn.name())},"
             if t._grad_fn is not None else "")
    return (f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{typename} {shape}]{which} is at version "
            f"{t._version_counter.value}; expected version {expected} instead. Hint: enable anomaly "
            f"detection to find the operation that failed to compute its gradient, with "
            f"torch.autograd.set_detect_anomaly(True, check_nan=False).")


_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "bfloat16": "BFloat16Tensor",
    "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor", "complex64": "ComplexFloatTensor",
    "complex128": "ComplexDoubleTensor",
}


def _type_name(t):
    base = _TYPE_NAMES.get(t.dtype.name, t.dtype.name + "Tensor")
    return ("torch." if t.device.type == "cpu" else f"torch.{t.device.type}.") + base


class AccumulateGrad:
    """The sink node of a leaf tensor that requires grad: adds the incoming gradient to `.grad`."""

    __slots__ = ("variable", "next_functions", "_pre_hooks", "_hooks", "_tensor_pre_hooks", "metadata",
                 "__weakref__")
    op = None

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._pre_hooks = self._hooks = self._tensor_pre_hooks = None
        self.metadata = {}

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    register_hook = Node.register_hook
    register_prehook = Node.register_prehook


def grad_accumulator(t):
    """The (cached, weakly held) AccumulateGrad node of leaf `t`."""
    ref = t._accumulator
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._accumulator = weakref.ref(acc)
    return acc


def is_differentiable_dtype(d):
    return d._category >= 2

