"""The primitive table and its one choke point, `apply`.

NOTE [ Primitives ]
A primitive is one row: a forward written against the array module `xp`
(NumPy, CuPy or the meta backend) and a VJP written in ember Tensor ops, so
that backward is itself differentiable (higher-order gradients for free).
`backward(g, out, *inputs, **attrs)` returns one gradient per positional
input (None where an input is not differentiable); the engine sums each
gradient back to its input's shape and dtype, so no rule undoes broadcasting.

Every primitive call goes through `apply`.  It records the graph when grad
mode is on and an input requires grad; everything cross-cutting (profiler,
tracing, anomaly mode, autocast) hangs off `PRE_HOOKS` (run before the forward,
may replace the arguments: autocast's casts) and `HOOKS` (run after it), each of
which costs one truth test when empty.
"""
import functools

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd import grad_mode
from ..autograd.graph import Node, grad_accumulator, needs_input_grad  # noqa: F401 (rules import it here)

OPS = {}     # name -> Op
PRE_HOOKS = []  # callables hook(op, args, attrs) -> new args or None, run before each primitive
HOOKS = []      # callables hook(op, args, attrs, result) run after each primitive
_subclasses = False  # a Tensor subclass that keeps its class through ops exists (NOTE [ Tensor subclasses ])
COMPOSITE_HOOKS = []  # autocast's hook(policy, args) -> args, for composites marked with autocast_policy


class Op:
    __slots__ = ("name", "forward", "backward", "save_inputs", "save_output", "node_name",
                 "num_outputs", "view", "nondiff_outputs", "moves_device")

    def __init__(self, name, forward, backward, save_inputs, save_output, node_name, num_outputs,
                 view, nondiff_outputs, moves_device=False):
        self.name = name
        self.forward = forward
        self.backward = backward
        self.save_inputs = save_inputs
        self.save_output = save_output
        self.node_name = node_name
        self.num_outputs = num_outputs
        self.view = view
        self.nondiff_outputs = nondiff_outputs
        self.moves_device = moves_device  # the output lives on attrs["device"], not the inputs' device

    def __repr__(self):
        return f"<primitive {self.name}>"


def _camel(name):
    return "".join(p[:1].upper() + p[1:] for p in name.strip("_").split("_"))


def defop(name, forward, backward=None, *, inputs=True, output=False, node=None, outputs=1,
          view=False, nondiff_outputs=(), moves_device=False):
    """Register a primitive. `inputs`/`output` say what the VJP reads (so nothing else is kept alive)."""
    op = Op(name, forward, backward, inputs, output, node or _camel(name) + "Backward0", outputs, view,
            frozenset(nondiff_outputs), moves_device)
    OPS[name] = op
    return op


def autocast_policy(policy):
    """Mark a composite operator that autocast treats as a whole ("lower" precision or "fp32"), as
    PyTorch's autocast lists name addmm or mse_loss: its arguments are cast on entry, while active."""
    def mark(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            if COMPOSITE_HOOKS:
                args = COMPOSITE_HOOKS[0](policy, args)
            return fn(*args, **kwargs)
        return run
    return mark


def apply(op, *args, **attrs):
    """Run primitive `op` on `args` (Tensors, numbers or None) and record it for autograd."""
    if PRE_HOOKS:
        for hook in PRE_HOOKS:
            new_args = hook(op, args, attrs)
            if new_args is not None:
                args = new_args
    device = None
    need_grad = False
    arrays = []
    for a in args:
        if isinstance(a, Tensor):
            d = a._device
            if device is None:
                device = d
            elif d is not device:
                return _apply_mixed_devices(op, args, attrs)
            if a._view_version is not None and a._view_version != a._vc.value:
                refresh_view(a)
            if a._requires_grad:
                need_grad = True
            arrays.append(a._data)
        else:
            arrays.append(a)
    if device is None:
        raise TypeError(f"{op.name}: expected at least one Tensor argument")
    try:
        out = op.forward(device.xp, *arrays, **attrs)
    except ValueError as e:  # NumPy's broadcast failure, in PyTorch's words and exception type
        if "broadcast" in str(e):
            raise RuntimeError(_broadcast_message(arrays)) from None
        raise
    if op.moves_device:
        device = attrs["device"]
    record = need_grad and grad_mode._state.enabled and op.backward is not None
    if op.num_outputs == 1:
        result = _wrap(out, device)
        if op.view:
            _make_view(result, args[0])
        if record:
            _record(op, args, attrs, (result,))
    else:
        result = tuple(_wrap(o, device) for o in out)
        if op.view:
            for r in result:
                _make_view(r, args[0])
        if record:
            _record(op, args, attrs, result)
    if _subclasses:
        result = _keep_subclass(args, result)
    if HOOKS:
        for hook in HOOKS:
            hook(op, args, attrs, result)
    return result


def keep_subclasses():
    global _subclasses
    _subclasses = True


def _keep_subclass(args, result):
    """Give the results the class of the most derived subclass input (NOTE [ Tensor subclasses ] in _tensor.py)."""
    cls = None
    for a in args:
        c = a.__class__
        if c is not Tensor and isinstance(a, Tensor) and c._keeps_subclass and (cls is None or issubclass(c, cls)):
            cls = c
    if cls is None:
        return result
    from .._tensor import reclass
    return tuple(reclass(r, cls) for r in result) if result.__class__ is tuple else reclass(result, cls)


def _broadcast_message(arrays):
    shapes = [a.shape for a in arrays if hasattr(a, "shape")]
    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            a, b = shapes[i], shapes[j]
            for k in range(1, min(len(a), len(b)) + 1):
                if a[-k] != b[-k] and a[-k] != 1 and b[-k] != 1:
                    return (f"The size of tensor a ({a[-k]}) must match the size of tensor b ({b[-k]}) at "
                            f"non-singleton dimension {max(len(a), len(b)) - k}")
    return f"shapes {[list(s) for s in shapes]} cannot be broadcast together"


def _apply_mixed_devices(op, args, attrs):
    """PyTorch lets 0-dim CPU tensors join an op on another device; anything else is an error."""
    devices = [a._device for a in args if isinstance(a, Tensor)]
    others = [d for d in devices if d.type != "cpu"]
    if len(set(others)) == 1 and all(a._device.type != "cpu" or a._data.ndim == 0
                                     for a in args if isinstance(a, Tensor)):
        target = others[0]
        moved = [a.to(target) if isinstance(a, Tensor) and a._device is not target else a for a in args]
        return apply(op, *moved, **attrs)
    first, second = devices[0], next(d for d in devices if d is not devices[0])
    raise RuntimeError(
        f"Expected all tensors to be on the same device, but found at least two devices, {first} and {second}!")


def _make_view(result, base):
    root = base._base if base._base is not None else base
    result._base = root
    result._version_counter = base._version_counter
    if grad_mode._state.enabled:  # views made under no_grad are not tracked, as in PyTorch
        result._view_version = result._vc.value


def refresh_view(v):
    """`v`'s base was written in place after v's grad_fn was set: re-derive v from the base, as PyTorch does."""
    v._view_version = v._vc.value
    base = v._base
    if not base._requires_grad:
        return
    from . import core
    prev = grad_mode._state.enabled
    grad_mode._state.enabled = True
    try:
        fresh = core.as_strided(base, v._data.shape, v.stride(), v.storage_offset())
    finally:
        grad_mode._state.enabled = prev
    v._grad_fn, v._output_nr, v._requires_grad = fresh._grad_fn, 0, True


def _record(op, args, attrs, results):
    next_functions = []
    input_meta = []
    versions = [] if op.save_inputs else None
    for a in args:
        if isinstance(a, Tensor):
            data = a._data
            input_meta.append((data.shape, data.dtype))
            fn = a._grad_fn
            if fn is not None:
                next_functions.append((fn, a._output_nr))
            elif a._requires_grad:
                ref = a._accumulator
                acc = ref() if ref is not None else None
                next_functions.append((acc if acc is not None else grad_accumulator(a), 0))
            else:
                next_functions.append(_NO_EDGE)
            if versions is not None:
                if a._is_inference:
                    raise RuntimeError("Inference tensors cannot be saved for backward. Please do not use Tensors created in "
                                       "inference mode in computation tracked by autograd. To work around this, you can "
                                       "make a clone to get a normal tensor and use it in autograd, or use "
                                       "`torch.no_grad()` instead of `torch.inference_mode()`.")
                vc = a._vc
                versions.append(vc.value if vc is not None else a._version_counter.value)
        else:
            input_meta.append(None)
            next_functions.append(_NO_EDGE)
            if versions is not None:
                versions.append(None)
    out = tuple([(r._data, r._device) for r in results]) if op.save_output else None
    node = Node(op, attrs, tuple(next_functions), args if versions is not None else None, versions, out, input_meta)
    if len(results) > 1:
        node.metadata["output_meta"] = [(r._data.shape, r.dtype, r._device) for r in results]
    if grad_mode._anomaly[0]:
        from ..autograd import anomaly_mode
        anomaly_mode.remember(node)
    nondiff = op.nondiff_outputs
    i = 0
    for r in results:
        if r._data.dtype.kind in "fcV" and (not nondiff or i not in nondiff):
            r._grad_fn = node
            r._output_nr = i
            r._requires_grad = True
        i += 1


_NO_EDGE = (None, 0)


# ---------------------------------------------------------------------------
# in-place

NOTE_INPLACE = """
NOTE [ In-place ops and autograd ]
Without autograd an in-place op writes straight into the tensor's buffer.
With autograd it is computed out of place on a snapshot of the old value (so
saved tensors stay intact), the result is copied into the buffer, and the
tensor takes over the new node.  If the tensor is a view, its base is rebased
the way PyTorch does (CopySlices): the base becomes as_strided_scatter(old
base, new view) and the view becomes as_strided(new base), so gradients that
flow through the base see the write.  The version counter, shared by a base
and all its views, is bumped so saved copies of the old value are detected.
"""


def check_inplace_shape(self, result):
    if result._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                           f"{list(result._data.shape)}")


def check_inplace_dtype(self_dtype, result_dtype):
    if not _dtype.can_cast(result_dtype, self_dtype):
        raise RuntimeError(f"result type {_pt_name(result_dtype)} can't be cast to the desired output type "
                           f"{_pt_name(self_dtype)}")


def _pt_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
            "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(d.name, d.name)


def apply_inplace(op, self, *args, **attrs):
    """Run `op(self, *args)` and write the result into `self` (see NOTE [ In-place ops and autograd ])."""
    grad_on = grad_mode._state.enabled
    needs_graph = grad_on and (self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    if not needs_graph:
        with grad_mode.no_grad():
            result = apply(op, self, *args, **attrs)
        check_inplace_dtype(self.dtype, result.dtype)
        check_inplace_shape(self, result)
        write_into(self, result._data)
        return self
    if self._grad_fn is None and self._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    if self._base is not None and self._base._grad_fn is None and self._base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    old = _snapshot(self)
    result = apply(op, old, *args, **attrs)
    check_inplace_dtype(self.dtype, result.dtype)
    check_inplace_shape(self, result)
    if result.dtype is not self.dtype:
        result = result.to(self.dtype)
    write_into(self, result._data)
    _take_over_graph(self, result)
    return self


def _snapshot(t, copy=True):
    """A new tensor at `t`'s place in the graph, holding a copy of its current value.

    Callers have already refused leaves that require grad, so `t` is either a
    graph output or a constant."""
    old = _wrap(t._data.copy() if copy else t._data, t._device)
    old._grad_fn, old._output_nr, old._requires_grad = t._grad_fn, t._output_nr, t._requires_grad
    return old


def write_into(t, array):
    """Copy `array` into `t`'s buffer (shared with its views) and bump the version counter."""
    xp = t._device.xp
    if t._data.ndim == 0 and t._device.type == "cpu":
        t._data[()] = array
    else:
        xp.copyto(t._data, array, casting="unsafe")
    t._version_counter.value += 1


def _take_over_graph(self, result):
    """`self` now holds `result`'s value: give it `result`'s place in the graph (rebasing views)."""
    if self._base is None:
        self._grad_fn, self._output_nr, self._requires_grad = result._grad_fn, result._output_nr, result._requires_grad
        return
    from . import core
    base = self._base
    size, stride, offset = tuple(self.shape), self.stride(), self.storage_offset()
    # as_strided_scatter's backward reads no saved input, so the old base needs no copy
    old_base = _snapshot(base, copy=False)
    new_base = core.copy_slices(old_base, result, size, stride, offset)
    base._grad_fn, base._output_nr, base._requires_grad = new_base._grad_fn, 0, True
    view = core.as_strided(base, size, stride, offset)
    self._grad_fn, self._output_nr, self._requires_grad = view._grad_fn, 0, True
    self._view_version = self._vc.value

