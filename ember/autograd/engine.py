"""The backward engine: an iterative walk of the recorded graph.

1. discover the nodes reachable from the roots (iteratively: no recursion
   limit), keep those that lead to a wanted gradient, count each one's
   dependencies;
2. run a node when all gradients for its outputs have arrived: tensor hooks,
   pre-hooks, the VJP, post-hooks; then sum each input gradient back to the
   input's shape and dtype (the one place broadcasting is undone) and pass it
   on;
3. free each node's saved tensors once it has run, unless `retain_graph`.
"""
import sys

from .. import _dtype
from . import grad_mode
from .graph import AccumulateGrad


def _is_owned(arr):
    # an array only autograd refers to, safe to keep as .grad and to add into
    return arr.base is None and arr.flags.writeable and arr.flags.c_contiguous


def _is_sole_owner(g):
    """Nothing but the engine refers to gradient `g` or its array, so `.grad` may take it without a copy.

    CPython reference counts, as PyTorch's AccumulateGrad checks use_count: `g` is held by the node's
    gradient list, _accumulate_leaf's local and getrefcount's argument (3); its array by `g` and the
    argument (2).  Any other holder (the user, another buffer, a saved output, a view) makes it a copy."""
    return (g._base is None and g._grad_fn is None and _getrefcount(g) <= 4 and _getrefcount(g._data) <= 2
            and _is_owned(g._data))


_getrefcount = sys.getrefcount


def accumulate(old, new):
    """old + new for gradient buffers (in place when no graph is being built)."""
    if old is None:
        return new
    if grad_mode._state.enabled or new._requires_grad:
        return old + new
    # a .grad with a graph (from create_graph=True) is added to in place, as PyTorch does: it keeps its graph
    if old.dtype is new.dtype and old._data.shape == new._data.shape and (old._requires_grad or _is_owned(old._data)):
        try:
            old._data += new._data
        except ValueError:  # a read-only (broadcast) buffer
            return old + new
        old._version_counter.value += 1
        return old
    return old + new


def sum_to(g, shape, dtype, node=None):
    """Reduce gradient `g` to an input of `shape` and NumPy `dtype` (undo broadcasting, fix dtype)."""
    gshape = g._data.shape
    if gshape != shape:
        lead = len(gshape) - len(shape)
        if lead < 0:
            raise RuntimeError(f"Function {node.name() if node else '?'} returned an invalid gradient: got "
                               f"shape {list(gshape)} for an input of shape {list(shape)}")
        dims = list(range(lead))
        for i, s in enumerate(shape):
            if s == 1 and gshape[i + lead] != 1:
                dims.append(i + lead)
            elif s != gshape[i + lead]:
                raise RuntimeError(f"Function {node.name() if node else '?'} returned an invalid gradient at "
                                   f"index: got shape {list(gshape)} but expected shape compatible with {list(shape)}")
        if dims:
            g = g.sum(tuple(dims), keepdim=True)
        if g._data.shape != shape:
            g = g.reshape(shape)
    if g._data.dtype != dtype:
        if g._data.dtype.kind == "c" and dtype.kind != "c":
            g = g.real
        g = g.to(_dtype.FROM_NP[dtype])
    return g


def _roots(tensors, grads):
    from .._tensor import Tensor
    from .graph import grad_accumulator
    roots = []
    for t, g in zip(tensors, grads):
        if not isinstance(t, Tensor):
            raise TypeError(f"backward expects tensors, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not t.dtype.is_floating_point:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {t.dtype}")
            from .. import ones_like
            g = ones_like(t)
        elif not isinstance(g, Tensor):
            from .. import tensor as _tensor_fn
            g = _tensor_fn(g, dtype=t.dtype, device=t.device)
        elif g._data.shape != t._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] "
                               f"has a shape of {t.shape}.")
        fn = t.grad_fn  # the property: re-derives a stale view's grad_fn
        node = fn if fn is not None else grad_accumulator(t)
        roots.append((node, t._output_nr, g))
    return roots


def _discover(root_nodes):
    """All nodes reachable from the roots, in an order where every node comes after its consumers."""
    seen = set()
    order = []
    stack = [(n, False) for n in root_nodes]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for nxt, _ in node.next_functions:
            if nxt is not None and nxt not in seen:
                stack.append((nxt, False))
    order.reverse()  # reverse post-order: consumers before producers
    return order


def run(roots, retain_graph, create_graph, targets=None, accumulate_into_leaves=True):
    """Run backward from `roots` [(node, output_nr, grad)].

    `targets` maps (node, output_nr) -> slot for gradients to capture (autograd.grad);
    then only nodes that lead to a target run, and leaves are not accumulated into
    unless `accumulate_into_leaves`.  Returns {slot: grad}.
    """
    order = _discover([r[0] for r in roots])
    needed = runs = None
    if targets is not None:
        # a node is needed if it is a target or leads to one; it runs only if it leads to one
        target_nodes = {n for n, _ in targets}
        needed, runs = set(), set()
        for node in reversed(order):  # producers first
            if any(n in needed for n, _ in node.next_functions if n is not None):
                runs.add(node)
                needed.add(node)
            elif node in target_nodes:
                needed.add(node)
    deps = {}
    for node in order:
        if needed is not None and node not in needed:
            continue
        for nxt, _ in node.next_functions:
            if nxt is not None:
                deps[nxt] = deps.get(nxt, 0) + 1
    buffers = {}
    for node, nr, g in roots:
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * _num_outputs(node)
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    captured = {}
    ready = [n for n in dict.fromkeys(r[0] for r in roots) if deps.get(n, 0) == 0]
    prev = grad_mode._state.enabled
    grad_mode._state.enabled = bool(create_graph)
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is None:  # every consumer returned None: nothing flows, but dependents must still be released
                _release_dependents(node, deps, ready, needed)
                continue
            if node._tensor_pre_hooks:
                for nr, hooks in node._tensor_pre_hooks.items():
                    if grads[nr] is not None:
                        for key in sorted(hooks):
                            out = hooks[key](grads[nr])
                            if out is not None:
                                grads[nr] = out
            if targets is not None:
                for nr in range(len(grads)):
                    slot = targets.get((node, nr))
                    if slot is not None:
                        captured[slot] = grads[nr]
            if node._pre_hooks:
                for hook in list(node._pre_hooks.values()):
                    out = hook(tuple(grads))
                    if out is not None:
                        grads = list(out)
            if node.__class__ is AccumulateGrad:
                if targets is None or accumulate_into_leaves:
                    _accumulate_leaf(node, grads[0], create_graph)
                continue
            if runs is not None and node not in runs:
                continue
            grads_in = _call_node(node, grads)
            if node._hooks:
                for hook in list(node._hooks.values()):
                    out = hook(tuple(grads_in), tuple(grads))
                    if out is not None:
                        grads_in = tuple(out)
            if not retain_graph:
                node.release()
            for (nxt, nr), g, meta in zip(node.next_functions, grads_in, node.input_meta):
                if nxt is None:
                    continue
                if needed is not None and nxt not in needed:
                    continue
                if g is not None:
                    g = sum_to(g, meta[0], meta[1], node)
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * _num_outputs(nxt)
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    ready.append(nxt)
            g = grads_in = grads = None  # hold no gradient past its hand-off (see _is_sole_owner)
    finally:
        grad_mode._state.enabled = prev
    return captured


def _release_dependents(node, deps, ready, needed):
    for nxt, _ in node.next_functions:
        if nxt is None or (needed is not None and nxt not in needed):
            continue
        deps[nxt] -= 1
        if deps[nxt] == 0:
            ready.append(nxt)


def _num_outputs(node):
    return 1 if node.__class__ is AccumulateGrad else node.op.num_outputs


def _call_node(node, grads):
    if len(grads) > 1 and getattr(node, "_materialize_grads", True) and any(g is None for g in grads):
        grads = _zero_missing(node, grads)
    if grad_mode._anomaly[0]:
        from . import anomaly_mode
        return anomaly_mode.call_checked(node, grads)
    return node.apply(grads)


def _zero_missing(node, grads):
    # multi-output nodes record their outputs' (shape, dtype, device) when recorded
    from .. import zeros
    shapes = node.metadata["output_meta"]
    return [g if g is not None else zeros(s, dtype=d, device=dev) for g, (s, d, dev) in zip(grads, shapes)]


def _accumulate_leaf(acc, g, create_graph):
    t = acc.variable
    if t._backward_hooks:
        for hook in list(t._backward_hooks.values()):
            out = hook(g)
            if out is not None:
                g = out
    if not create_graph:
        if _is_sole_owner(g):  # steal the buffer, as PyTorch's AccumulateGrad does when nothing else holds it
            from .._tensor import _wrap
            g = _wrap(g._data, g._device)
        else:
            g = g.detach().clone()
            g._base = None
    old = t._grad
    t._grad = g if old is None else accumulate(old, g)
    if t._post_accumulate_grad_hooks:
        for hook in list(t._post_accumulate_grad_hooks.values()):
            hook(t)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """torch.autograd.backward: accumulate d(tensors)/d(leaves) into the leaves' .grad."""
    from .._tensor import Tensor
    tensors = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if grad_tensors is None:
        grad_tensors = (None,) * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    else:
        grad_tensors = tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(tensors, grad_tensors)
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        targets = {}
        for i, t in enumerate(inputs):
            targets[_target_key(t)] = i
        captured = run(roots, retain_graph, create_graph, targets=targets, accumulate_into_leaves=True)
        for i, t in enumerate(inputs):  # non-leaf inputs get their gradient stored too
            if t._grad_fn is not None and i in captured and not t._retains_grad:
                g = captured[i] if create_graph else captured[i].detach()
                t._grad = accumulate(t._grad, g)
        return
    run(roots, retain_graph, create_graph)


def _target_key(t):
    from .graph import grad_accumulator
    if not t._requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    return (grad_accumulator(t), 0)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """torch.autograd.grad: return d(outputs)/d(inputs) without touching .grad."""
    from .._tensor import Tensor
    if is_grads_batched:
        raise NotImplementedError("autograd.grad(is_grads_batched=True) is not supported by ember yet")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    single = isinstance(inputs, Tensor)
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if single else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outputs, grad_outputs)
    targets = {}
    for i, t in enumerate(inputs):
        targets.setdefault(_target_key(t), i)
    captured = run(roots, retain_graph, create_graph, targets=targets, accumulate_into_leaves=False)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(targets[_target_key(t)])
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                from .. import zeros_like
                g = zeros_like(t)
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)
