"""torch.func: function transforms (grad, vjp, jacrev, jacfwd, hessian, vmap, functional_call).

Differs from PyTorch: the transforms are built on the ordinary reverse-mode
engine instead of functorch's levels.  Inputs being differentiated become
fresh graph nodes; a transform running inside another one (grad of grad,
jacrev of jacrev) keeps its graph so the outer one can differentiate it.
`jacfwd` is computed with reverse mode (same values), and `vmap` runs the
function once per batch element in a Python loop and stacks the results, so
it is correct for any function but not faster than a loop.
"""
import contextlib

from ..autograd import grad_mode
from ..autograd.engine import grad as _autograd_grad
from ..autograd.functional import _basis

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "linearize",
    "vjp",
    "vmap",
]

_depth = [0]  # number of transforms currently running: nested ones must keep their graphs


# ---------------------------------------------------------------------------
# a small pytree: tuples, lists and dicts of leaves


def _flatten(tree):
    if isinstance(tree, (tuple, list)):
        leaves, specs = [], []
        for t in tree:
            ls, s = _flatten(t)
            leaves += ls
            specs.append(s)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for k, v in tree.items():
            ls, s = _flatten(v)
            leaves += ls
            specs.append((k, s))
        return leaves, (dict, specs)
    return [tree], None


def _unflatten(leaves, spec):
    it = iter(leaves)

    def build(s):
        if s is None:
            return next(it)
        kind, children = s
        if kind is dict:
            return {k: build(c) for k, c in children}
        items = [build(c) for c in children]
        return kind(items) if kind in (tuple, list) else kind(*items)
    return build(spec)


def _tree_map(fn, tree):
    leaves, spec = _flatten(tree)
    return _unflatten([fn(x) for x in leaves], spec)


def _is_tensor(x):
    from .._tensor import Tensor
    return isinstance(x, Tensor)


# ---------------------------------------------------------------------------
# reverse mode


@contextlib.contextmanager
def _transform():
    _depth[0] += 1
    try:
        with grad_mode.enable_grad():
            yield
    finally:
        _depth[0] -= 1


def _track(x):
    """A graph node standing for input `x`: differentiating with respect to it gives d/dx."""
    if not _is_tensor(x):
        raise RuntimeError(f"Expected tensors as differentiated inputs, got {type(x).__name__}")
    return x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True)


def _check_argnums(argnums, n):
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for a in nums:
        if not isinstance(a, int):
            msg = f"argnums must be int or Tuple[int, ...], got: {type(argnums)}"
            raise RuntimeError(msg)  # noqa: TRY004 (PyTorch's type)
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    return tuple(a % n for a in nums)


def _prepare(args, argnums):
    """Replace the differentiated arguments by tracked copies; return (args, their pytree, flat tracked leaves)."""
    nums = _check_argnums(argnums, len(args))
    args = list(args)
    diff = []
    for a in nums:
        args[a] = _tree_map(_track, args[a])
        diff.append(args[a])
    diff_tree = tuple(diff) if isinstance(argnums, tuple) else diff[0]
    return tuple(args), diff_tree, _flatten(diff_tree)


def _originals_require_grad(args, argnums):
    nums = _check_argnums(argnums, len(args))
    leaves = []
    for a in nums:
        leaves += _flatten(args[a])[0]
    return any(_is_tensor(x) and x.requires_grad for x in leaves)


def _finish(x, keep):
    return x if keep or not _is_tensor(x) else x.detach()


def grad_and_value(func, argnums=0, has_aux=False):
    """Like `grad`, but the transformed function returns (gradient, value) (or ((gradient, (value, aux)))."""

    def wrapper(*args, **kwargs):
        with _transform():
            keep = _depth[0] > 1 or _originals_require_grad(args, argnums)
            args, _, (leaves, spec) = _prepare(args, argnums)
            output = func(*args, **kwargs)
            if has_aux:
                if not (isinstance(output, tuple) and len(output) == 2):
                    raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: "
                                       "(output, aux) if has_aux is True")
                output, aux = output
            if not _is_tensor(output):
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(output)}")
            if output.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev "
                                   "APIs instead?")
            if output.requires_grad:
                grads = _autograd_grad(output, leaves, allow_unused=True, create_graph=keep, retain_graph=keep)
            else:
                grads = (None,) * len(leaves)
            from .._creation import zeros_like
            grads = [_finish(g, keep) if g is not None else zeros_like(x) for g, x in zip(grads, leaves)]
            gradient = _unflatten(grads, spec)
            output = _finish(output, keep)
            if has_aux:
                return gradient, (output, _tree_map(lambda t: _finish(t, keep), aux))
            return gradient, output
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """grad(f)(*args): the gradient of scalar-valued f with respect to args[argnums].

    >>> import ember as torch
    >>> torch.func.grad(lambda x: (x * x).sum())(torch.tensor([1., 2.]))
    tensor([2., 4.])
    """
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn[, aux]) where vjp_fn(cotangents) gives one gradient per primal."""
    with _transform():
        keep = _depth[0] > 1 or any(_is_tensor(x) and x.requires_grad for x in _flatten(primals)[0])
        tracked = _tree_map(_track, primals)
        leaves, spec = _flatten(tracked)
        output = func(*tracked)
        if has_aux:
            if not (isinstance(output, tuple) and len(output) == 2):
                raise RuntimeError("vjp(f, *primals): output of function f should be a tuple: (output, aux) if "
                                   "has_aux is True")
            output, aux = output
        out_leaves, _ = _flatten(output)
        for o in out_leaves:
            if not _is_tensor(o):
                raise RuntimeError("vjp(f, *primals): Expected f to be a function that has non-empty output "
                                   f"(got output = {output}) and only Tensor outputs, got {type(o)}")
    depth_at_call = _depth[0]

    def vjp_fn(cotangents, *more, retain_graph=True, create_graph=None):
        cots = cotangents if not more else (cotangents,) + more
        cot_leaves, _ = _flatten(cots)
        if len(cot_leaves) != len(out_leaves):
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {cots}, primal output: {output}")
        for c, o in zip(cot_leaves, out_leaves):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(c.shape)} and "
                                   f"output[0] has a shape of {tuple(o.shape)}.")
        keep_now = keep or _depth[0] > 0 or depth_at_call > 1 or any(c.requires_grad for c in cot_leaves)
        pairs = [(o, c) for o, c in zip(out_leaves, cot_leaves) if o.requires_grad]
        from .._creation import zeros_like
        with grad_mode.enable_grad():
            if pairs:
                gs = _autograd_grad([o for o, _ in pairs], leaves, [c for _, c in pairs], allow_unused=True,
                                    retain_graph=True, create_graph=keep_now)
            else:
                gs = (None,) * len(leaves)
        gs = [_finish(g, keep_now) if g is not None else zeros_like(x) for g, x in zip(gs, leaves)]
        return _unflatten(gs, spec)

    result = _tree_map(lambda t: _finish(t, keep), output)
    if has_aux:
        return result, vjp_fn, _tree_map(lambda t: _finish(t, keep), aux)
    return result, vjp_fn


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """jacrev(f)(*args): the Jacobian of f with respect to args[argnums], one backward pass per output element."""
    from .. import stack, zeros

    def wrapper(*args, **kwargs):
        with _transform():
            keep = _depth[0] > 1 or _originals_require_grad(args, argnums)
            args, _, (leaves, spec) = _prepare(args, argnums)
            output = func(*args, **kwargs)
            if has_aux:
                if not (isinstance(output, tuple) and len(output) == 2):
                    raise RuntimeError("jacrev(f, ...)(*args): output of function f should be a tuple: "
                                       "(output, aux) if has_aux is True")
                output, aux = output
            out_leaves, out_spec = _flatten(output)
            jacs = []  # per output, per input leaf
            for o in out_leaves:
                if not _is_tensor(o):
                    raise RuntimeError("jacrev(f, ...)(*args): expected f(*args) to return only tensors, got "
                                       f"unsupported type {type(o)}")
                rows = [[] for _ in leaves]
                for j in range(o.numel()):
                    if o.requires_grad:
                        gs = _autograd_grad(o, leaves, _basis(o, j), allow_unused=True, retain_graph=True,
                                            create_graph=keep)
                    else:
                        gs = (None,) * len(leaves)
                    for row, g, x in zip(rows, gs, leaves):
                        row.append(g if g is not None else zeros(tuple(x.shape), dtype=x.dtype, device=x.device))
                per_in = []
                for row, x in zip(rows, leaves):
                    shape = tuple(o.shape) + tuple(x.shape)
                    j = stack(row, 0).reshape(shape) if row else zeros(shape, dtype=x.dtype, device=x.device)
                    per_in.append(_finish(j, keep))
                jacs.append(_unflatten(per_in, spec))
            jac = _unflatten(jacs, out_spec)
            if has_aux:
                return jac, _tree_map(lambda t: _finish(t, keep), aux)
            return jac
    return wrapper


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """jacfwd(f)(*args): the Jacobian of f (computed with reverse mode in ember: same values as jacrev)."""
    return jacrev(func, argnums, has_aux=has_aux)


def hessian(func, argnums=0):
    """hessian(f)(*args): the Hessian of scalar f with respect to args[argnums] (jacfwd(jacrev(f)))."""
    return jacfwd(jacrev(func, argnums), argnums)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents), by the double-vjp trick."""
    from .._creation import zeros_like
    if not isinstance(primals, tuple):
        raise RuntimeError(  # noqa: TRY004 (PyTorch's type)
            "jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError(  # noqa: TRY004 (PyTorch's type)
            "jvp(f, primals, tangents): Expected tangents to be a tuple. E.g. it should be valid to call f(*primals).")
    with _transform():
        keep = _depth[0] > 1 or any(_is_tensor(x) and x.requires_grad for x in _flatten(primals)[0])
        tracked = _tree_map(_track, primals)
        leaves, _ = _flatten(tracked)
        tan_leaves, _ = _flatten(tangents)
        if len(tan_leaves) != len(leaves):
            raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                               "structure.")
        output = func(*tracked)
        if has_aux:
            output, aux = output
        out_leaves, out_spec = _flatten(output)
        us = [zeros_like(o).requires_grad_(True) for o in out_leaves]
        pairs = [(o, u) for o, u in zip(out_leaves, us) if o.requires_grad]
        if pairs:
            gin = _autograd_grad([o for o, _ in pairs], leaves, [u for _, u in pairs], allow_unused=True,
                                 create_graph=True)
        else:
            gin = (None,) * len(leaves)
        live = [(g, t) for g, t in zip(gin, tan_leaves) if g is not None and g.requires_grad]
        if live:
            outs = _autograd_grad([g for g, _ in live], us, [t for _, t in live], allow_unused=True,
                                  create_graph=keep)
        else:
            outs = (None,) * len(us)
        tangent_out = [_finish(t, keep) if t is not None else zeros_like(o) for t, o in zip(outs, out_leaves)]
        result = (_tree_map(lambda t: _finish(t, keep), output), _unflatten(tangent_out, out_spec))
        if has_aux:
            return result + (_tree_map(lambda t: _finish(t, keep), aux),)
        return result


def linearize(func, *primals):
    """(func(*primals), jvp_fn): jvp_fn(*tangents) evaluates the Jacobian-vector product at primals."""
    output = func(*primals)

    def jvp_fn(*tangents):
        return jvp(func, primals, tangents)[1]
    return output, jvp_fn


# ---------------------------------------------------------------------------
# vmap (a loop over the batch)


def _batch_size(args, in_dims):
    sizes = []
    for a, d in zip(args, in_dims):
        leaves, _ = _flatten(a)
        dims = _broadcast_dims(d, a)
        for x, dx in zip(leaves, dims):
            if dx is None:
                continue
            if not _is_tensor(x):
                raise ValueError(f"vmap(f, in_dims={tuple(in_dims)}, ...)(<inputs>): Got in_dim={dx} for an input "
                                 f"but the input is of type {type(x)}. We cannot vmap over non-Tensor arguments, "
                                 "please use None as the respective in_dim")
            n = x.dim()
            if not -n <= dx < n:
                raise ValueError(f"vmap(f, in_dims={tuple(in_dims)}, ...)(<inputs>): Got in_dim={dx} for some input, "
                                 f"but that input is a Tensor of dimensionality {n} so expected in_dim to satisfy "
                                 f"-{n} <= in_dim < {n}.")
            sizes.append(x.shape[dx])
    if not sizes:
        raise ValueError(f"vmap(f, in_dims={tuple(in_dims)}, ...)(<inputs>): at least one input must be batched "
                         "(in_dims all None)")
    if len(set(sizes)) != 1:
        raise ValueError(f"vmap(f, in_dims={tuple(in_dims)}, ...)(<inputs>): Expected all tensors to have the same "
                         f"size in the mapped dimension, got sizes {sizes} for the mapped dimension")
    return sizes[0]


def _broadcast_dims(d, tree):
    leaves, _ = _flatten(tree)
    if d is None or isinstance(d, int):
        return [d] * len(leaves)
    dl, _ = _flatten(d)
    if len(dl) != len(leaves):
        raise ValueError(f"vmap: in_dims is not compatible with the structure of inputs: {d}")
    return dl


def _select(x, dim, i):
    return x.select(dim, i)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """vmap(f)(*args): f mapped over dimension `in_dims` of its inputs, results stacked along `out_dims`.

    Differs from PyTorch: a Python loop over the batch (f runs once per element)."""
    from .. import stack
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")

    def wrapper(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        if isinstance(in_dims, (list, dict)):
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...): expected `in_dims` to be int or a (potentially "  # noqa: TRY004
                             f"nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
        if len(dims) != len(args):
            raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                             f"structure of `inputs`. in_dims has structure {len(dims)} but inputs has "
                             f"{len(args)}.")
        n = _batch_size(args, dims)
        results = []
        for i in range(n):
            sliced = []
            for a, d in zip(args, dims):
                leaves, spec = _flatten(a)
                ds = _broadcast_dims(d, a)
                sliced.append(_unflatten([x if dx is None else _select(x, dx, i) for x, dx in zip(leaves, ds)],
                                         spec))
            results.append(func(*sliced, **kwargs))
        first_leaves, out_spec = _flatten(results[0])
        per_elem = [_flatten(r)[0] for r in results]
        odims = _flatten(out_dims)[0] if not isinstance(out_dims, int) else [out_dims] * len(first_leaves)
        if len(odims) == 1 and len(first_leaves) > 1:
            odims = odims * len(first_leaves)
        stacked = []
        for k, od in enumerate(odims):
            col = [leaves[k] for leaves in per_elem]
            if od is None:
                stacked.append(col[0])
                continue
            if not _is_tensor(col[0]):
                raise ValueError(f"vmap({getattr(func, '__name__', func)}, ...): `{getattr(func, '__name__', func)}`"
                                 f" must only return Tensors, got type {type(col[0])}. Did you mean to set out_dims="
                                 " to None for output?")
            stacked.append(stack(col, od if od >= 0 else od + col[0].dim() + 1))
        return _unflatten(stacked, out_spec)
    return wrapper


# ---------------------------------------------------------------------------
# functional_call


def _get_owner(module, name):
    parts = name.split(".")
    for p in parts[:-1]:
        module = getattr(module, p)
    return module, parts[-1]


def _swap(module, name, value):
    """Put `value` at dotted `name` in `module` (bypassing Parameter type checks); return the old value."""
    owner, attr = _get_owner(module, name)
    params = owner.__dict__.get("_parameters")
    buffers = owner.__dict__.get("_buffers")
    if params is not None and attr in params:
        old = params[attr]
        params[attr] = value
    elif buffers is not None and attr in buffers:
        old = buffers[attr]
        buffers[attr] = value
    else:
        old = getattr(owner, attr, None)
        object.__setattr__(owner, attr, value) if params is not None else setattr(owner, attr, value)
    return old


def _named(module, kind):
    fn = getattr(module, kind)
    try:
        return list(fn(remove_duplicate=False))
    except TypeError:
        return list(fn())


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Call `module` with some parameters and buffers replaced by the given tensors (restored afterwards)."""
    from ..nn.utils.stateless import _functional_call
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        keys = [k for d in parameter_and_buffer_dicts for k in d]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"{dup} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        values = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(f"Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, "  # noqa: TRY004
                         f"but got {type(parameter_and_buffer_dicts)}")
    return _functional_call(module, values, args, kwargs, tie_weights=tie_weights, strict=strict)
