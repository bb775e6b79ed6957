"""torch.autograd.Function: user-defined primitives with a hand-written backward.

NOTE [ Custom Functions ]
A Function subclass is a primitive written by the user.  `apply` runs
`forward` with grad mode off and records one graph node, an instance of a
per-class Node subclass `<Name>Backward`.  That node *is* the `ctx` object
(as in PyTorch): whatever forward stores on ctx is there in backward, and
`y.grad_fn` is ctx.  The engine sees it through the ordinary Node interface
(`next_functions`, `input_meta`, `op.num_outputs`, `apply(grads)`,
`release()`), so hooks, retain_graph, anomaly mode and `autograd.grad`
work unchanged.  Saved tensors carry their version at the end of `forward`
and are checked on unpacking, like a primitive's saved inputs.
"""
import functools
import inspect
import re
import warnings

from . import grad_mode
from .graph import _FREED, Node, _type_name, grad_accumulator

__all__ = ["BackwardCFunction", "Function", "FunctionCtx", "InplaceFunction", "once_differentiable"]


class FunctionCtx:
    """The methods a Function's forward/setup_context may call on `ctx`."""

    def save_for_backward(self, *tensors):
        from .._tensor import Tensor
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        self._dirty = args

    def mark_shared_storage(self, *pairs):
        raise RuntimeError("mark_shared_storage is deprecated. Tensors with shared storages are automatically "
                           "tracked. Note that calls to `set_()` are not tracked")

    def mark_non_differentiable(self, *args):
        self._non_differentiable = args

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)


class _FunctionOp:
    """What the engine reads off `node.op` for a custom Function node."""

    __slots__ = ("name", "node_name", "nondiff_outputs", "num_outputs", "save_inputs", "save_output", "view")

    def __init__(self, cls, num_outputs):
        self.name = cls.__name__
        self.node_name = cls.__name__ + "Backward"
        self.num_outputs = num_outputs
        self.save_inputs = self.save_output = self.view = False
        self.nondiff_outputs = frozenset()


class BackwardCFunction(Node, FunctionCtx):
    """Base of the `<Name>Backward` node classes; an instance is both `ctx` and `grad_fn`.

    No __slots__ here: ctx takes arbitrary attributes, as in PyTorch."""

    _forward_cls = None
    to_save = None
    _dirty = ()
    _non_differentiable = ()
    _materialize_grads = True
    _saved = None
    _saved_versions = None
    _saved_output_nrs = None
    _output_meta = ()
    needs_input_grad = ()
    _tensor_args = ()

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED)
        saved = self._saved
        if saved is None:
            return tuple(self.to_save) if self.to_save is not None else ()
        for t, v, nr in zip(saved, self._saved_versions, self._saved_output_nrs):
            if t is not None and t._version_counter.value != v:
                raise RuntimeError(_version_message(t, v, (nr, self) if nr is not None else None))
        return saved

    saved_variables = saved_tensors

    def apply(self, grads):
        """Run the user's backward for output gradients `grads` (one per forward output)."""
        cls = self._forward_cls
        grads = list(grads)
        for i, meta in enumerate(self._output_meta):
            if meta is None:
                grads[i] = None  # non-tensor outputs get no gradient
            elif grads[i] is None and self._materialize_grads:
                from .._creation import zeros
                grads[i] = zeros(meta[0], dtype=meta[1], device=meta[2])
        result = cls._backward_fn()(self, *grads)
        return self._check_grads(result)

    def _check_grads(self, result):
        """The user's per-argument gradients -> one per tensor argument (PyTorch's checks and messages)."""
        from .._tensor import Tensor
        if not isinstance(result, tuple):
            result = (result,)
        name = self.name()
        is_tensor = self._tensor_args
        n_in = len(is_tensor)
        if len(result) > n_in and all(g is None for g in result[n_in:]):
            result = result[:n_in]  # trailing Nones for extra (e.g. keyword) arguments are allowed
        if len(result) != n_in:
            raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected {n_in}, "
                               f"got {len(result)})")
        out = []
        for i, (g, tensor_arg) in enumerate(zip(result, is_tensor)):
            if not tensor_arg:
                if g is not None:
                    raise RuntimeError(f"function {name} returned a gradient different than None at position "
                                       f"{i + 1}, but the corresponding forward input was not a Variable")
                continue
            if g is not None and not isinstance(g, Tensor):
                raise TypeError(f"function {name} returned a gradient of type {type(g).__name__} at position "
                                f"{i + 1}; expected a Tensor or None")
            out.append(g)
        return tuple(g if nxt is not None else None for g, (nxt, _) in zip(out, self.next_functions))

    def release(self):
        Node.release(self)
        self._saved = None
        self.to_save = None

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} object at {hex(id(self))}>"


def _is_overridden(cls, name, base):
    return getattr(cls, name) is not getattr(base, name)


class Function(FunctionCtx):
    """Base class for custom autograd functions (PyTorch's new-style, static-method API).

    >>> class Exp(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         y, = ctx.saved_tensors
    ...         return g * y
    """

    generate_vmap_rule = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._backward_cls = type(cls.__name__ + "Backward", (BackwardCFunction,), {"_forward_cls": cls})

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd functions are all "
                      "static, so you should invoke them on the class itself. Instantiating an autograd function "
                      "will raise an error in a future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. Please use "
                           "new-style autograd function with static forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError("To use autograd.Function with vmap, you must either override the vmap "
                                  "staticmethod or set generate_vmap_rule=True.")

    @classmethod
    def _backward_fn(cls):
        # users define either backward or vjp (PyTorch accepts both names)
        if _is_overridden(cls, "backward", Function) or not _is_overridden(cls, "vjp", Function):
            return cls.backward
        return cls.vjp

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        setup_ctx = _is_overridden(cls, "setup_context", Function)
        if not setup_ctx and _in_func_transform():
            raise RuntimeError("In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, "
                               "jacrev, ...), it must override the setup_context staticmethod. For more details, "
                               "please see https://pytorch.org/docs/main/notes/extending.func.html")
        if setup_ctx:  # forward(*args) has no ctx: bind keywords and defaults positionally
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, {}
        is_exec = grad_mode._state.enabled and any(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        # edges only for tensor arguments, as in PyTorch; backward still returns one value per argument
        tensors = [a for a in args if isinstance(a, Tensor)]
        Node.__init__(ctx, _FunctionOp(cls, 1), {}, _edges(tensors) if is_exec else (), None, None, None,
                      [(a._data.shape, a._data.dtype) for a in tensors])
        ctx._tensor_args = tuple(isinstance(a, Tensor) for a in args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        prev = grad_mode._state.enabled
        grad_mode._state.enabled = False
        try:
            if setup_ctx:
                output = cls.forward(*args)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_mode._state.enabled = prev
        is_tuple = isinstance(output, tuple)
        outputs = output if is_tuple else (output,)
        outputs = _wrap_outputs(ctx, args, outputs, is_exec)
        if is_exec:
            if ctx.to_save is not None:
                ctx._saved = tuple(ctx.to_save)
                ctx._saved_versions = tuple(t._version_counter.value if t is not None else None
                                            for t in ctx._saved)
                # saved outputs are reported as outputs of this node even after later in-place ops
                ctx._saved_output_nrs = tuple(t._output_nr if t is not None and t._grad_fn is ctx else None
                                              for t in ctx._saved)
                ctx.to_save = None
            if grad_mode._anomaly[0]:
                from . import anomaly_mode
                anomaly_mode.remember(ctx)
        return outputs if is_tuple else outputs[0]


def _in_func_transform():
    import sys
    func = sys.modules.get("ember.func")
    return func is not None and func._depth[0] > 0


def _version_message(t, expected, producer):
    """PyTorch's saved-tensor version error; `producer` = (output_nr, node) for a saved output."""
    if producer is None and t._grad_fn is not None:
        producer = (t._output_nr, t._grad_fn)
    which = f", which is output {producer[0]} of {re.sub(r'Backward[0-9]*$', '', producer[1].name())}," if producer else ""
    return (f"one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[{_type_name(t)} {list(t.shape)}]{which} is at version {t._version_counter.value}; expected "
            f"version {expected} instead. Hint: enable anomaly detection to find the operation that failed to "
            f"compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _edges(args):
    """next_functions for a call on `args`: where each input's gradient goes (as in registry._record)."""
    from .._tensor import Tensor
    edges = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            edges.append((a._grad_fn, a._output_nr) if a._grad_fn is not None else (grad_accumulator(a), 0))
        else:
            edges.append((None, 0))
    return tuple(edges)


def _alias(t):
    """A new tensor sharing `t`'s memory and version counter (a view of `t`)."""
    from .._tensor import _wrap
    a = _wrap(t._data, t._device)
    a._vc = t._version_counter
    a._base = t._base if t._base is not None else t
    return a


def _wrap_outputs(ctx, args, outputs, is_exec):
    """Attach forward's outputs to the node: aliases for returned inputs, in-place rebase for dirty ones."""
    from .._tensor import Tensor
    dirty = ctx._dirty
    nondiff = ctx._non_differentiable
    input_ids = {id(a) for a in args if isinstance(a, Tensor)}
    for t in dirty:
        if id(t) not in input_ids:
            warnings.warn("ctx.mark_dirty() received a tensor that was not an input. Only input Tensors that have "
                          "been mutated should be passed to ctx.mark_dirty().", UserWarning, stacklevel=3)
    dirty_ids = {id(t) for t in dirty if id(t) in input_ids}
    for t in dirty:
        if id(t) in dirty_ids:
            if is_exec and t._grad_fn is None and t._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
            if is_exec and t._base is not None and t._base._grad_fn is None and t._base._requires_grad:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
            t._version_counter.value += 1
    if not is_exec:
        return tuple(outputs)
    nondiff_ids = {id(t) for t in nondiff}
    result, meta = [], []
    for i, o in enumerate(outputs):
        if not isinstance(o, Tensor):
            result.append(o)
            meta.append(None)
            continue
        meta.append((o._data.shape, o.dtype, o._device))
        differentiable = id(o) not in nondiff_ids and o.dtype._category >= 2
        if id(o) in dirty_ids:
            if differentiable:
                if o._base is None:
                    o._grad_fn, o._output_nr, o._requires_grad = ctx, i, True
                else:  # a modified view: rebase its base, as a primitive in-place op does
                    from ..ops.registry import _take_over_graph
                    r = _alias(o)
                    r._grad_fn, r._output_nr, r._requires_grad = ctx, i, True
                    _take_over_graph(o, r)
            result.append(o)
            continue
        if id(o) in input_ids or o._grad_fn is not None or (o._requires_grad and o._grad_fn is None):
            o = _alias(o)  # an input returned as is (or a captured tensor) becomes a new view of it
        if differentiable:
            o._grad_fn, o._output_nr, o._requires_grad = ctx, i, True
        result.append(o)
    ctx.op.num_outputs = len(outputs)
    ctx._output_meta = tuple(meta)
    if len(outputs) > 1:
        ctx.metadata["output_meta"] = [m if m is not None else ((), _default_dtype(), None) for m in meta]
    return tuple(result)


def _default_dtype():
    from .. import _dtype
    return _dtype._default[0]


def once_differentiable(fn):
    """Decorate a Function's backward that is not itself differentiable: double backward then raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .._tensor import Tensor
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not grad_mode.is_grad_enabled():
            return outputs
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        is_tuple = isinstance(outputs, tuple)
        outs = outputs if is_tuple else (outputs,)
        # outputs become leaves-that-require-grad fed through a node whose backward raises
        fake = [o.detach().requires_grad_(True) if isinstance(o, Tensor) else o for o in outs]
        res = _DelayedError.apply(*fake)
        res = res if isinstance(res, tuple) else (res,)
        return res if is_tuple else res[0]
    return wrapper


class _DelayedError(Function):
    @staticmethod
    def forward(ctx, *args):
        return args if len(args) != 1 else args[0]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


class InplaceFunction(Function):
    """Kept for compatibility: a Function with an `inplace` flag."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace
