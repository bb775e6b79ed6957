"""fx.Node: one operation of a Graph, kept in a doubly-linked list with its users and inputs.

NOTE [ Printed names of ember functions ]
PyTorch prints a call_function target by its import path (`torch.relu`,
`torch.nn.functional.relu`, `torch._C._nn.linear`).  ember's functions live
in other modules (`ember.ops.pointwise.relu`), so the printed path is looked
up in a table built from the public namespaces (`_public_names`), using
PyTorch's spelling where it differs (`_TORCH_SPELLINGS`).  Generated code
runs them through `torch_global()`, an object standing for `torch` that
resolves both the ember namespaces and PyTorch's private paths.  ember
functions with several public names (torch.clamp and torch.clip) print by
the name the traced code used: the tracer notes it in
`node.meta["ember_alias"]` when it is not the function's first name.
"""
import builtins
import inspect
import operator
import types
from typing import NamedTuple

__all__ = ["Argument", "Node", "Target", "has_side_effect", "map_aggregate", "map_arg"]

Target = object  # a str (method, module or attribute name) or a callable
Argument = object  # None, a Node, a base type, or a tuple/list/dict/slice of Arguments

_legal_ops = dict.fromkeys(["call_function", "call_method", "get_attr", "call_module", "placeholder", "output"])

_side_effectful_functions = {operator.setitem}


def has_side_effect(fn):
    """Registers `fn` as having side effects, so Graph.eliminate_dead_code keeps its calls."""
    _side_effectful_functions.add(fn)
    return fn


# ---------------------------------------------------------------------------
# immutable containers for args/kwargs (as PyTorch's), so edits go through Node.args = ...

def _no_mutation(self, *args, **kwargs):
    raise TypeError(f"'{type(self).__name__}' object does not support mutation. If you are attempting to modify "
                    "the kwargs or args of a torch.fx.Node object,\ninstead create a new copy of it and assign the "
                    "copy to the node:\n\n    new_args = ...  # copy and mutate args\n    node.args = new_args")


class immutable_list(list):
    __delitem__ = __iadd__ = __imul__ = __setitem__ = append = clear = extend = insert = pop = remove = reverse = \
        sort = _no_mutation

    def __hash__(self):
        return hash(tuple(self))

    def __reduce__(self):
        return (immutable_list, (tuple(iter(self)),))


class immutable_dict(dict):
    __delitem__ = __setitem__ = clear = pop = popitem = setdefault = update = __ior__ = _no_mutation

    def __hash__(self):
        return hash(tuple(self.items()))

    def __reduce__(self):
        return (immutable_dict, (list(self.items()),))


def map_aggregate(a, fn):
    """Apply fn to each object in a (recursing into tuples, lists, dicts and slices); same structure back."""
    if isinstance(a, tuple):
        t = tuple(map_aggregate(elem, fn) for elem in a)
        return t if not hasattr(a, "_fields") else type(a)(*t)  # namedtuple
    if isinstance(a, list):
        return immutable_list(map_aggregate(elem, fn) for elem in a)
    if isinstance(a, dict):
        return immutable_dict((k, map_aggregate(v, fn)) for k, v in a.items())
    if isinstance(a, slice):
        return slice(map_aggregate(a.start, fn), map_aggregate(a.stop, fn), map_aggregate(a.step, fn))
    return fn(a)


def map_arg(a, fn):
    """Apply fn to each Node appearing in a (a tuple, list, dict or slice of arguments)."""
    if not callable(fn):
        raise AssertionError("torch.fx.map_arg(a, fn): fn must be a callable")  # noqa: TRY004  (PyTorch's exception type)
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)


# ---------------------------------------------------------------------------
# printed names (see NOTE [ Printed names of ember functions ])

# PyTorch's path for functions whose printed name is not <namespace>.<name>: "namespace: name[=attr] ... -> path"
_TORCH_SPELLINGS = """
torch: atleast_1d atleast_2d atleast_3d block_diag broadcast_shapes broadcast_tensors cartesian_prod cdist
    chain_matmul einsum lu meshgrid norm split tensordot unique unique_consecutive unravel_index -> torch.functional
torch: get_rng_state initial_seed manual_seed seed set_rng_state -> torch.random
torch: from_dlpack -> torch.utils.dlpack
torch: set_printoptions -> torch._tensor_str
torch: to_dlpack=_to_dlpack -> torch._C
torch.nn.functional: adaptive_avg_pool1d avg_pool1d bilinear celu_ channel_shuffle conv1d conv2d conv3d
    conv_transpose1d conv_transpose2d conv_transpose3d cosine_similarity hardshrink pairwise_distance pdist
    pixel_shuffle pixel_unshuffle prelu relu_ rrelu_ selu_ threshold_ -> torch
torch.nn.functional: avg_pool2d avg_pool3d elu_ gelu hardtanh_ leaky_relu_ linear logsigmoid=log_sigmoid one_hot
    scaled_dot_product_attention softplus softshrink -> torch._C._nn
torch.nn.functional: threshold=_threshold -> torch.nn.functional
torch.special: chebyshev_polynomial_t chebyshev_polynomial_u chebyshev_polynomial_v chebyshev_polynomial_w digamma
    entr erf erfc erfcx erfinv exp2 expit expm1 gammainc gammaincc gammaln hermite_polynomial_h hermite_polynomial_he
    i0 i0e i1 i1e laguerre_polynomial_l legendre_polynomial_p log1p log_ndtr log_softmax logit logsumexp
    modified_bessel_i0 modified_bessel_i1 multigammaln ndtr ndtri polygamma psi round shifted_chebyshev_polynomial_t
    shifted_chebyshev_polynomial_u shifted_chebyshev_polynomial_v shifted_chebyshev_polynomial_w sinc softmax
    spherical_bessel_j0 xlog1py xlogy zeta -> torch._C._special.special_
torch.linalg: cholesky cholesky_ex cond cross det diagonal eig eigh eigvals eigvalsh householder_product inv inv_ex
    lstsq lu lu_factor lu_factor_ex lu_solve matmul matrix_exp matrix_norm matrix_power matrix_rank multi_dot norm
    pinv qr slogdet solve solve_ex solve_triangular svd svdvals tensorinv tensorsolve vander vecdot
    vector_norm -> torch._C._linalg.linalg_
torch.fft: fft fft2 fftfreq fftn fftshift hfft hfft2 hfftn ifft ifft2 ifftn ifftshift ihfft ihfft2 ihfftn irfft
    irfft2 irfftn rfft rfft2 rfftfreq rfftn -> torch._C._fft.fft_
"""

# the public namespaces: PyTorch's name -> ember module path (imported on first use)
PUBLIC_NAMESPACES = {"torch": "ember", "torch.nn.functional": "ember.nn.functional", "torch.special": "ember.special",
                     "torch.linalg": "ember.linalg", "torch.fft": "ember.fft"}


def _parse_spellings():
    table = {}
    for block in _TORCH_SPELLINGS.strip().replace("\n    ", " ").split("\n"):
        namespace, rest = block.split(":", 1)
        names, path = rest.split("->")
        path = path.strip()
        for item in names.split():
            name, _, attr = item.partition("=")
            table[namespace, name] = path + (attr or name) if path.endswith("_") else f"{path}.{attr or name}"
    return table


_function_table = []  # (fn, PyTorch path, module, name) per public name, aliases included
_name_cache = {}  # id(fn) -> its first entry (the path printed for fn)


def public_function_table():
    """[(fn, printed path, namespace module, name)] for every public function of the ember namespaces."""
    if not _function_table:
        import importlib
        spellings = _parse_spellings()
        for namespace, module_name in PUBLIC_NAMESPACES.items():
            module = importlib.import_module(module_name)
            for name, fn in public_functions(module):
                _function_table.append((fn, spellings.get((namespace, name), f"{namespace}.{name}"), module, name))
        # torch.<name> spellings ember resolves lazily (torch.max_pool2d is F.max_pool2d): after F's own names
        root = importlib.import_module("ember")
        for name in sorted(set(getattr(root, "_FROM_NN_FUNCTIONAL", ())) - set(vars(root))):
            fn = getattr(root, name, None)
            if callable(fn):
                _function_table.append((fn, spellings.get(("torch", name), f"torch.{name}"), root, name))
        from . import _symbolic_trace
        _function_table.append((_symbolic_trace._assert, "torch._assert", _symbolic_trace, "_assert"))
        for entry in _function_table:
            _name_cache.setdefault(id(entry[0]), entry)
    return _function_table


def _public_names():
    public_function_table()
    return _name_cache


def public_functions(module):
    """(name, function) for the public functions in a namespace module's dict (lazy names excluded)."""
    for name, value in list(vars(module).items()):
        if name.startswith("_") or isinstance(value, (type, types.ModuleType)) or not callable(value):
            continue
        yield name, value


def _is_from_torch(obj):
    """Whether obj prints as a torch.* path: a public ember function, or anything defined in ember."""
    if id(obj) in _public_names():
        return True
    module = getattr(obj, "__module__", None) or ""
    return (module == "ember" or module.startswith("ember.")) and hasattr(obj, "__name__")


def _get_qualified_name(func):
    if getattr(builtins, func.__name__, None) is func:
        return func.__name__
    entry = _public_names().get(id(func))
    if entry is not None and entry[0] is func:
        return entry[1]
    name = func.__name__
    if name == "<lambda>":
        try:
            name = inspect.getsource(func).split("=")[0].strip()
        except Exception as e:
            raise RuntimeError("Unable to represent lambda") from e
    module = func.__module__
    if module is None:
        raise RuntimeError(f"cannot find module for {func}")
    if module == "torch._tensor" and getattr(func, "__qualname__", "") == f"Tensor.{name}":
        return f"torch.Tensor.{name}"
    return f"{_torch_module(func)}.{name}"


def _torch_module(obj):
    """obj.__module__ spelled for PyTorch: ember's top-level classes (Tensor, Size, ...) live in `torch`."""
    module = obj.__module__
    if module != "ember" and not module.startswith("ember."):
        return module
    import ember
    if isinstance(obj, type) and getattr(ember, obj.__name__, None) is obj:
        return "torch"
    return "torch" + module[len("ember"):]


def _type_repr(obj):
    """repr() of a type annotation, shortened for classes (as typing does)."""
    if isinstance(obj, type) and not isinstance(obj, types.GenericAlias):
        if obj.__module__ == "builtins":
            return obj.__qualname__
        return f"{_torch_module(obj)}.{obj.__qualname__}"
    if obj is ...:
        return "..."
    if isinstance(obj, types.FunctionType):
        return obj.__name__
    return repr(obj)


def _format_arg(arg, max_list_len=float("inf")):
    if hasattr(arg, "_custom_fx_repr_fn"):
        return arg._custom_fx_repr_fn()
    if isinstance(arg, (list, tuple)):
        items = ", ".join(_format_arg(a) for idx, a in enumerate(arg) if idx < max_list_len)
        maybe_len = "" if len(arg) < max_list_len + 1 else f", ...[total_len={len(arg)}]"
        if isinstance(arg, list):
            return f"[{items}{maybe_len}]"
        return f"({items}{',' if len(arg) == 1 else ''}{maybe_len})"
    if isinstance(arg, dict):
        return "{" + ", ".join(f"{k}: {_format_arg(v)}" for k, v in arg.items()) + "}"
    if isinstance(arg, Node):
        return "%" + str(arg)
    return str(arg)


class ArgsKwargsPair(NamedTuple):
    """Normalized args and kwargs of a call (Node.normalized_arguments)."""
    args: tuple
    kwargs: dict


# ---------------------------------------------------------------------------


class Node:
    """One operation in a Graph: placeholder, get_attr, call_function, call_method, call_module or output.

    `args`/`kwargs` may be reassigned (users and inputs are kept in sync); `users` maps each Node that
    uses this one to None (an ordered set); `meta` is free-form metadata kept across node copies.
    """

    def __init__(self, graph, name, op, target, args, kwargs, return_type=None):
        if op == "call_function":
            if not callable(target):
                raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                                 f"{_typename(target)} but a Callable is expected")
        else:
            if op not in _legal_ops and op != "root":
                raise AssertionError(f"op '{op}' is not in _legal_ops")
            if not isinstance(target, str):
                raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has type "
                                 f"{_typename(target)} but a str is expected")
        self.graph = graph
        self.name = name
        self.op = op
        self.target = target
        self._input_nodes = {}
        self.users = {}
        self.type = return_type
        self._prev = self._next = self
        self._erased = False
        self._repr_fn = None
        self.meta = {}
        self._args, self._kwargs = (), {}
        self._update_args_kwargs(args, kwargs)

    # --- the linked list

    @property
    def next(self):
        """The next Node in the graph's list."""
        return self._next

    @property
    def prev(self):
        """The previous Node in the graph's list."""
        return self._prev

    def prepend(self, x):
        """Insert x before this node (moving it if it is already in the list)."""
        if x is self:
            raise AssertionError("Cannot prepend self")
        if x.graph is not self.graph:
            raise AssertionError("Attempting to move a Node into a different Graph")
        x._remove_from_list()
        p = self._prev
        p._next, x._prev = x, p
        x._next, self._prev = self, x

    def append(self, x):
        """Insert x after this node; the same as `self.next.prepend(x)`."""
        self._next.prepend(x)

    def _remove_from_list(self):
        p, n = self._prev, self._next
        p._next, n._prev = n, p
        self._prev = self._next = self

    # --- arguments and uses

    @property
    def args(self):
        """The positional arguments; assigning updates users and inputs."""
        return self._args

    @args.setter
    def args(self, a):
        self._update_args_kwargs(a, self._kwargs)

    @property
    def kwargs(self):
        """The keyword arguments; assigning updates users and inputs."""
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k):
        self._update_args_kwargs(self._args, k)

    @property
    def all_input_nodes(self):
        """The Nodes among args and kwargs, in order of first appearance."""
        return list(self._input_nodes)

    def _update_args_kwargs(self, new_args, new_kwargs):
        self._args = map_aggregate(new_args, lambda x: x)
        self._kwargs = map_aggregate(new_kwargs, lambda x: x)
        for old_use in self._input_nodes:
            old_use.users.pop(self)
        self._input_nodes = {}
        map_arg(self._args, self._input_nodes.setdefault)
        map_arg(self._kwargs, self._input_nodes.setdefault)
        for new_use in self._input_nodes:
            new_use.users.setdefault(self)

    def update_arg(self, idx, arg):
        """Set args[idx] = arg."""
        args = list(self.args)
        args[idx] = arg
        self.args = tuple(args)

    def insert_arg(self, idx, arg):
        """Insert arg before position idx of args."""
        if not 0 <= idx <= len(self.args):
            raise AssertionError(f"insert_args index must be between 0 and len(self.args), got {idx}")
        self.args = self.args[:idx] + (arg,) + self.args[idx:]

    def update_kwarg(self, key, arg):
        """Set kwargs[key] = arg."""
        self.kwargs = {**self.kwargs, key: arg}

    def replace_all_uses_with(self, replace_with, delete_user_cb=None, *, propagate_meta=False):
        """Make every user of this node use `replace_with` instead; returns the changed users."""
        if propagate_meta:
            if len(replace_with.meta) != 0:
                raise AssertionError("Called node.replace_all_uses_with(replace_with, propagate_meta=True), "
                                     "but replace_with already has .meta keys")
            replace_with.meta.update(self.meta)
        result = []
        for use_node in list(self.users):
            if delete_user_cb is not None and not delete_user_cb(use_node):
                continue
            result.append(use_node)
            use_node._replace_input_with(self, replace_with)
        return result

    def replace_input_with(self, old_input, new_input):
        """Replace every occurrence of old_input among this node's arguments by new_input."""
        self._replace_input_with(old_input, new_input)

    def _replace_input_with(self, old_input, new_input):
        swap = lambda n: new_input if n is old_input else n
        self._update_args_kwargs(map_arg(self._args, swap), map_arg(self._kwargs, swap))

    # --- misc

    @property
    def stack_trace(self):
        """The Python stack trace recorded when tracing (Tracer.record_stack_traces), if any."""
        return self.meta.get("stack_trace", None)

    @stack_trace.setter
    def stack_trace(self, trace):
        self.meta["stack_trace"] = trace

    def is_impure(self, impure_random=True):
        """Whether removing this node could change the program (placeholders, outputs, side effects)."""
        if self.op in {"placeholder", "output"}:
            return True
        if self.op == "call_function":
            return self.target in _side_effectful_functions
        if self.op == "call_module":
            if self.graph.owning_module is None:
                raise AssertionError("self.graph.owning_module not set for purity check")
            return getattr(self.graph.owning_module.get_submodule(self.target), "_is_impure", False)
        return False

    def normalized_arguments(self, root, arg_types=None, kwarg_types=None, normalize_to_only_use_kwargs=False):
        """args/kwargs matched to the target's signature (with defaults), or None when it cannot be done."""
        if self.op == "call_function":
            fn = self.target
        elif self.op == "call_module":
            fn = root.get_submodule(self.target).forward
        else:
            return None
        try:
            bound = inspect.signature(fn).bind(*self.args, **self.kwargs)
        except (TypeError, ValueError):
            return None
        bound.apply_defaults()
        if normalize_to_only_use_kwargs:
            return ArgsKwargsPair((), dict(bound.arguments))
        return ArgsKwargsPair(tuple(bound.args), dict(bound.kwargs))

    def __repr__(self):
        if self._repr_fn:
            return self._repr_fn(self)
        return self.name

    def __lt__(self, other):
        return self._position() < other._position()

    def __gt__(self, other):
        return self._position() > other._position()

    def _position(self):
        for i, n in enumerate(self.graph.nodes):
            if n is self:
                return i
        return -1

    def _printed_target(self):
        # an alias (torch.transpose, torch.special.erf) shares its function with another name; the tracer
        # notes which name was called (see NOTE [ Printed names of ember functions ])
        alias = self.meta.get("ember_alias")
        if alias is not None and alias[0] is self.target:
            return alias[1]
        return self._pretty_print_target(self.target)

    @staticmethod
    def _pretty_print_target(target):
        if isinstance(target, str):
            return target
        if hasattr(target, "__module__"):
            name = getattr(target, "__name__", None)
            if name is None:
                return _get_qualified_name(target)
            if target.__module__ == "builtins":
                return f"builtins.{name}"
            if target.__module__ == "_operator":
                return f"operator.{name}"
        return _get_qualified_name(target)

    def format_node(self, placeholder_names=None, maybe_return_typename=None, *, include_tensor_metadata=False):
        """This node as one line of `str(graph)` (placeholders go into placeholder_names if given)."""
        users = f"[num_users={len(self.users)}]"
        typename = f"{_type_repr(self.type)} " if self.type is not None else ""
        if self.op == "placeholder":
            arg_str = self.target
            arg_str += arg_str + f": {_type_repr(self.type)}" if self.type else ""
            if placeholder_names:
                placeholder_names.append(arg_str)
                return None
            default_val = "(default=" + str(self.args[0]) + ")" if self.args else ""
            return f"%{self.name} : {typename}{users} = {self.op}[target={self.target}]{default_val}"
        if self.op == "get_attr":
            return f"%{self.name} : {typename}{users} = {self.op}[target={self.target}]"
        if self.op == "output":
            if self.type and maybe_return_typename:
                maybe_return_typename[0] = f" -> {_type_repr(self.type)}"
            return f"return {self.args[0]}"
        return (f"%{self.name} : {typename}{users} = {self.op}[target={self._printed_target()}]("
                f"args = {_format_arg(self.args)}, kwargs = {_format_arg(self.kwargs)})")

    def _rename(self, candidate):
        if candidate == self.name:
            return
        name = self.graph._graph_namespace.create_name(candidate, None)
        self.name = name
        self.graph._graph_namespace._rename_object(self, name)


def _typename(obj):
    # torch.typename: a function or class by its qualified name, anything else by its class
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module, qualname = obj.__class__.__module__ or "", obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"
