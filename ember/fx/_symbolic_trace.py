"""Symbolic tracing: run a module's forward on Proxies and record what it does into a Graph.

NOTE [ Recording ember function calls ]
PyTorch records `torch.relu(proxy)` through `__torch_function__`.  ember's
functions are plain Python, so while tracing, the public namespaces
(ember, ember.nn.functional, ember.special, ember.linalg, ember.fft; see
node.PUBLIC_NAMESPACES) have each function replaced by a wrapper that
records a call_function node when any argument holds a Proxy and calls
through otherwise.  `_Patcher` does the replacing and puts everything back
on exit, also on error.  The same mechanism serves `fx.wrap` and the
autowrapped `math` functions, and Module.__call__/__getattr__.

PyTorch functions written in Python record their arguments the way their
`handle_torch_function` call passes them (leading ones positional, the rest
as keywords with defaults filled in); `_PYTHON_SIGNATURES` lists them so the
graphs print the same.
"""
import builtins
import collections
import functools
import inspect
import math
import warnings
from itertools import chain
from types import FunctionType

from .. import nn
from .._tensor import Tensor
from .graph import Graph
from .graph_module import GraphModule
from .node import (
    PUBLIC_NAMESPACES,
    _get_qualified_name,
    _side_effectful_functions,
    map_aggregate,
    public_function_table,
)
from .proxy import ParameterProxy, Proxy, Scope, ScopeContextManager, TracerBase

__all__ = ["PH", "PHBase", "ProxyableClassMeta", "Tracer", "is_fx_tracing", "symbolic_trace", "wrap"]

HAS_VARSTUFF = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS

_is_fx_tracing_flag = False


def is_fx_tracing():
    """Whether a symbolic trace is running (ember has no torch.export, so this is is_fx_symbolic_tracing)."""
    return _is_fx_tracing_flag


is_fx_symbolic_tracing = is_fx_tracing


class PHBase:
    """Marks a concrete_args entry that should stay a placeholder."""

    def __repr__(self):
        return "PH"


PH = PHBase()


def _assert(condition, message):
    """torch._assert: raise AssertionError(message) unless condition (kept by dead-code elimination)."""
    if not condition:
        raise AssertionError(message)


def _assert_is_none(value, msg):
    assert value is None, msg


_side_effectful_functions.update({_assert, _assert_is_none})


# ---------------------------------------------------------------------------
# the patcher (see NOTE [ Recording ember function calls ])

class _Patcher:
    """Sets attributes (or dict entries) for the duration of a `with` block and restores them in reverse order."""

    def __init__(self):
        self._undo = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        while self._undo:
            self._undo.pop()()

    def patch(self, namespace, name, new):
        """namespace[name] = new for a dict (module globals), setattr for anything else."""
        if isinstance(namespace, dict):
            missing = name not in namespace
            orig = namespace.get(name)
            namespace[name] = new
            self._undo.append(lambda: namespace.pop(name) if missing else namespace.__setitem__(name, orig))
        else:
            missing = name not in vars(namespace)
            orig = vars(namespace).get(name)
            setattr(namespace, name, new)
            self._undo.append(lambda: delattr(namespace, name) if missing else setattr(namespace, name, orig))


def _find_proxy(*objects):
    found = []
    map_aggregate(objects, lambda x: found.append(x) if isinstance(x, Proxy) else None)
    return found[0] if found else None


# PyTorch functions written in Python: "names: positional args | keyword args" (see the NOTE)
_PYTHON_SIGNATURES = {
    "torch.nn.functional": """
    adaptive_avg_pool2d adaptive_avg_pool3d: input output_size |
    adaptive_max_pool1d adaptive_max_pool1d_with_indices adaptive_max_pool2d adaptive_max_pool2d_with_indices
        adaptive_max_pool3d adaptive_max_pool3d_with_indices: input output_size | return_indices
    affine_grid: theta size | align_corners
    alpha_dropout dropout dropout1d dropout2d dropout3d feature_alpha_dropout: input | p training inplace
    batch_norm: input running_mean running_var | weight bias training momentum eps
    binary_cross_entropy multilabel_soft_margin_loss: input target | weight size_average reduce reduction
    binary_cross_entropy_with_logits: input target | weight size_average reduce reduction pos_weight
    celu elu: input | alpha inplace
    cosine_embedding_loss margin_ranking_loss: input1 input2 target | margin size_average reduce reduction
    cross_entropy: input target | weight size_average ignore_index reduce reduction label_smoothing
    ctc_loss: log_probs targets input_lengths target_lengths | blank reduction zero_infinity
    embedding: input weight | padding_idx max_norm norm_type scale_grad_by_freq sparse
    embedding_bag: input weight | offsets max_norm norm_type scale_grad_by_freq mode sparse per_sample_weights
        include_last_offset padding_idx
    fold: input output_size kernel_size | dilation padding stride
    fractional_max_pool2d fractional_max_pool2d_with_indices fractional_max_pool3d
        fractional_max_pool3d_with_indices: input kernel_size | output_size output_ratio return_indices
        _random_samples
    gaussian_nll_loss: input target var | full eps reduction
    glu: input | dim
    grid_sample: input grid | mode padding_mode align_corners
    group_norm: input num_groups | weight bias eps
    gumbel_softmax: logits | tau hard eps dim
    hardsigmoid hardswish mish relu relu6 selu silu: input | inplace
    hardtanh: input | min_val max_val inplace
    hinge_embedding_loss: input target | margin size_average reduce reduction
    huber_loss: input target | reduction delta weight
    instance_norm: input | running_mean running_var weight bias use_input_stats momentum eps
    interpolate: input | size scale_factor mode align_corners recompute_scale_factor antialias
    kl_div: input target | size_average reduce reduction log_target
    l1_loss multilabel_margin_loss soft_margin_loss: input target | size_average reduce reduction
    layer_norm: input normalized_shape | weight bias eps
    leaky_relu: input | negative_slope inplace
    local_response_norm: input size | alpha beta k
    log_softmax softmax softmin: input | dim _stacklevel dtype
    lp_pool1d lp_pool2d lp_pool3d: input norm_type kernel_size | stride ceil_mode
    max_pool1d max_pool1d_with_indices max_pool2d max_pool2d_with_indices max_pool3d max_pool3d_with_indices:
        input kernel_size | stride padding dilation ceil_mode return_indices
    max_unpool1d max_unpool2d max_unpool3d: input indices kernel_size | stride padding output_size
    mse_loss: input target | size_average reduce reduction weight
    multi_margin_loss: input target | p margin weight size_average reduce reduction
    nll_loss: input target | weight size_average ignore_index reduce reduction
    normalize: input | p dim eps out
    pad: input pad | mode value
    poisson_nll_loss: input target | log_input full size_average eps reduce reduction
    rms_norm: input normalized_shape | weight eps
    rrelu: input | lower upper training inplace
    smooth_l1_loss: input target | size_average reduce reduction beta
    softsign tanhshrink: input |
    threshold: input threshold value | inplace
    triplet_margin_loss: anchor positive negative | margin p eps swap size_average reduce reduction
    triplet_margin_with_distance_loss: anchor positive negative | distance_function margin swap reduction
    unfold: input kernel_size | dilation padding stride
    """,
    "torch": """
    cdist: x1 x2 | p compute_mode
    lu: A | pivot get_infos out
    norm: input | p dim keepdim out dtype
    split: tensor split_size_or_sections | dim
    tensordot: a b | dims out
    unique: input | sorted return_inverse return_counts dim
    unique_consecutive: input | return_inverse return_counts dim
    unravel_index: indices | shape
    """,
}
# F.sigmoid and F.tanh are `input.sigmoid()` / `input.tanh()` in PyTorch: they record method calls
_METHOD_FUNCTIONS = {("torch.nn.functional", "sigmoid"), ("torch.nn.functional", "tanh")}


@functools.cache
def _python_signatures():
    table = {}
    for namespace, text in _PYTHON_SIGNATURES.items():
        for entry in text.replace("\n        ", " ").strip().split("\n"):
            names, sig = entry.split(":")
            positional, keywords = sig.split("|")
            for name in names.split():
                table[namespace, name] = (positional.split(), keywords.split())
    return table


def _normalize_call(fn, convention, args, kwargs):
    """args/kwargs the way PyTorch's Python function passes them on (see the NOTE); unchanged if unbindable."""
    positional, keywords = convention
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return args, kwargs
    bound.apply_defaults()
    values = bound.arguments
    if any(name not in values for name in positional + keywords):
        return args, kwargs
    return tuple(values[n] for n in positional), {k: values[k] for k in keywords}


def _make_recording_function(fn, namespace, name, path):
    """A stand-in for a public ember function that records a node when given Proxies."""
    convention = _python_signatures().get((namespace, name))
    as_method = (namespace, name) in _METHOD_FUNCTIONS
    node_name = path.rsplit(".", 1)[-1]
    alias = (fn, path) if path != _get_qualified_name(fn) else None

    @functools.wraps(fn)
    def recording(*args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        if proxy is None:
            return fn(*args, **kwargs)
        if as_method:
            return proxy.tracer.create_proxy("call_method", name, args, kwargs)
        if convention is not None:
            args, kwargs = _normalize_call(fn, convention, args, kwargs)
        out = proxy.tracer.create_proxy("call_function", fn, args, kwargs, name=node_name)
        if alias is not None:
            out.node.meta["ember_alias"] = alias
        return out

    recording._fx_recorded = fn  # Graph.create_node records the function itself, never the stand-in
    return recording


_recording_cache = {}  # (namespace, name, id(fn)) -> (fn, stand-in)
_active_stand_ins = {}  # id(fn) -> its stand-in, while the namespaces are patched


def _patch_public_functions(patcher):
    for fn, path, module, name in public_function_table():
        if module.__name__ not in _NAMESPACE_OF or vars(module).get(name, fn) is not fn:
            continue  # not a namespace function, or already patched by an enclosing trace
        namespace = _NAMESPACE_OF[module.__name__]
        key = (namespace, name, id(fn))
        if key not in _recording_cache:
            _recording_cache[key] = (fn, _make_recording_function(fn, namespace, name, path))
        stand_in = _recording_cache[key][1]
        patcher.patch(module, name, stand_in)
        if id(fn) not in _active_stand_ins:  # `torch.<first name>` is what overrides compare with
            patcher.patch(_active_stand_ins, id(fn), stand_in)


_NAMESPACE_OF = {module: namespace for namespace, module in PUBLIC_NAMESPACES.items()}


def stand_in_for(fn):
    """What `torch.<fn>` evaluates to right now: fn's recording stand-in while the namespaces are patched."""
    return _active_stand_ins.get(id(fn), fn)


# fx.wrap registrations: (id of the module globals, name) -> globals dict
_wrapped_fns_to_patch = {}


def _create_wrapped_func(orig_fn):
    @functools.wraps(orig_fn)
    def wrapped(*args, **kwargs):
        proxy = _find_proxy(args, kwargs)
        if proxy is not None:
            return_proxy = proxy.tracer.create_proxy("call_function", orig_fn, args, kwargs)
            return_proxy.node.meta["is_wrapped"] = True
            return return_proxy
        return orig_fn(*args, **kwargs)

    return wrapped


def _patch_wrapped_functions(patcher):
    for (_, name), frame_dict in list(_wrapped_fns_to_patch.items()):
        if name not in frame_dict and hasattr(builtins, name):
            orig_fn = getattr(builtins, name)
        else:
            orig_fn = frame_dict[name]
        patcher.patch(frame_dict, name, _create_wrapped_func(orig_fn))


def _autowrap_check(patcher, frame_dict, function_ids):
    """Wrap the functions of `frame_dict` (a module's globals) that are autowrapped (math.* by default)."""
    for name, value in list(frame_dict.items()):
        if not name.startswith("_") and callable(value) and id(value) in function_ids:
            patcher.patch(frame_dict, name, _create_wrapped_func(value))


def wrap(fn_or_name):
    """Record calls to this module-level function as call_function nodes instead of tracing through it.

    Call at module scope, with the function or its name: `torch.fx.wrap("len")`.
    """
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise RuntimeError("Unsupported type for global function! Must be either a callable or string name")  # noqa: TRY004  (PyTorch's exception type)
    if callable(fn_or_name):
        if isinstance(fn_or_name, str):
            raise AssertionError("Expected callable, got string")  # noqa: TRY004  (PyTorch's exception type)
        fn_name = fn_or_name.__name__
    else:
        fn_name = fn_or_name
    currentframe = inspect.currentframe()
    f = currentframe.f_back
    if f.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    _wrapped_fns_to_patch[(id(f.f_globals), fn_name)] = f.f_globals
    return fn_or_name


_proxyable_classes = {}


class ProxyableClassMeta(type):
    """A metaclass making construction of the class traceable: `Pair(proxy, proxy)` records a call_function."""

    def __init__(cls, name, bases, attrs):
        _proxyable_classes.setdefault(cls)
        super().__init__(name, bases, attrs)

    def __call__(cls, *args, **kwargs):
        proxy = _find_proxy(args, kwargs) if is_fx_tracing() else None
        if proxy is not None:
            return proxy.tracer.create_proxy("call_function", cls, args, kwargs)
        instance = cls.__new__(cls)
        cls.__init__(instance, *args, **kwargs)
        return instance


# ---------------------------------------------------------------------------


class Tracer(TracerBase):
    """Turns a Module or function into a Graph by running it on Proxies.

    Override `is_leaf_module` to choose which submodules become call_module nodes, `call_module` and
    `create_proxy`/`create_node` to change what is recorded.
    """

    def __init__(self, autowrap_modules=(math,), autowrap_functions=(), param_shapes_constant=False):
        super().__init__()
        self._autowrap_function_ids = {
            id(value) for name, value in chain.from_iterable(m.__dict__.items() for m in autowrap_modules)
            if not name.startswith("_") and callable(value)}
        self._autowrap_function_ids.update(id(f) for f in autowrap_functions)
        self._autowrap_search = list(autowrap_modules)
        self.param_shapes_constant = param_shapes_constant
        self.submodule_paths = None
        self.root_module_name = ""
        self.scope = Scope("", None)
        self.module_stack = collections.OrderedDict()
        self.num_calls = {}
        self.node_name_to_scope = {}

    _qualname_counter = collections.defaultdict(int)  # noqa: RUF012  (shared by all tracers, as in PyTorch)

    def get_fresh_qualname(self, prefix):
        """An attribute name `<prefix><n>` not yet used on the root module."""
        qualname = f"{prefix}0"
        if not hasattr(self.root, qualname):
            self._qualname_counter[prefix] = 0
            return qualname
        i = self._qualname_counter[prefix]
        while True:
            qualname = f"{prefix}{i}"
            i += 1
            if not hasattr(self.root, qualname):
                break
        self._qualname_counter[prefix] = i
        return qualname

    def create_arg(self, a):
        """As TracerBase.create_arg, plus parameters, buffers, submodules and constant tensors as get_attr."""
        if isinstance(a, nn.Parameter):
            for n, p in self.root.named_parameters():
                if a is p:
                    return self.create_node("get_attr", n, (), {})
            raise NameError("parameter is not a member of this module")
        if isinstance(a, Tensor):
            for n_, p_ in self.root.named_buffers():
                if a is p_:
                    return self.create_node("get_attr", n_, (), {})
        elif isinstance(a, nn.Module):
            for n_, p_ in self.root.named_modules():
                if a is p_:
                    return self.create_node("get_attr", n_, (), {})
        if isinstance(a, tuple) and hasattr(a, "_fields"):
            args = tuple(self.create_arg(elem) for elem in a)
            return self.create_node("call_function", a.__class__, args, {})
        if isinstance(a, Tensor):
            qualname = self.tensor_attrs.get(id(a))
            if not qualname:
                qualname = self.get_fresh_qualname("_tensor_constant")
                self.tensor_attrs[id(a)] = qualname
                setattr(self.root, qualname, a)
            return self.create_node("get_attr", qualname, (), {})
        if type(a) in _proxyable_classes:
            qualname = self.get_fresh_qualname(f"_{a.__class__.__name__}_constant_")
            setattr(self.root, qualname, a)
            return self.create_node("get_attr", qualname, (), {})
        return super().create_arg(a)

    def is_leaf_module(self, m, module_qualified_name):
        """ember.nn's own modules (but Sequential) are leaves: recorded as call_module, not traced through."""
        return m.__module__.startswith("ember.nn") and not isinstance(m, nn.Sequential)

    def path_of_module(self, mod):
        """The qualified name of `mod` in the root module."""
        if self.submodule_paths:
            path = self.submodule_paths.get(mod)
            if path is None:
                raise NameError("module is not installed as a submodule")
            return path
        for n, p in self.root.named_modules():
            if mod is p:
                return n
        raise NameError("module is not installed as a submodule")

    def call_module(self, m, forward, args, kwargs):
        """A leaf module becomes a call_module node; any other module is traced through."""
        module_qualified_name = self.path_of_module(m)
        with ScopeContextManager(self.scope, Scope(module_qualified_name, type(m))) as _scope:
            num_calls = self.num_calls.get(module_qualified_name, 0)
            module_key = f"{_scope.module_path}@{num_calls}" if num_calls > 0 else _scope.module_path
            self.module_stack[module_key] = (module_qualified_name, _scope.module_type)
            self.num_calls[module_qualified_name] = num_calls + 1
            if not self.is_leaf_module(m, module_qualified_name):
                ret_val = forward(*args, **kwargs)
            else:
                ret_val = self.create_proxy("call_module", module_qualified_name, args, kwargs)
            self.module_stack.popitem(last=True)
        return ret_val

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        """Module attribute access while tracing: parameters (and buffers if asked) become get_attr proxies."""
        def maybe_get_proxy_for_attr(attr_val, collection_to_search, parameter_proxy_cache):
            for n, p in collection_to_search:
                if attr_val is p:
                    if n not in parameter_proxy_cache:
                        factory = (None if not self.param_shapes_constant
                                   else lambda node, n=n: ParameterProxy(self, node, n, attr_val))
                        parameter_proxy_cache[n] = self.create_proxy("get_attr", n, (), {}, proxy_factory_fn=factory)
                    return parameter_proxy_cache[n]
            return None

        if isinstance(attr_val, nn.Parameter):
            proxy = maybe_get_proxy_for_attr(attr_val, self.root.named_parameters(), parameter_proxy_cache)
            if proxy is not None:
                return proxy
        if self.proxy_buffer_attributes and isinstance(attr_val, Tensor):
            proxy = maybe_get_proxy_for_attr(attr_val, self.root.named_buffers(), parameter_proxy_cache)
            if proxy is not None:
                return proxy
        return attr_val

    def create_args_for_root(self, root_fn, is_module, concrete_args=None):
        """Placeholders for the root function's parameters (concrete_args fixes some of them)."""
        fn_for_analysis = inspect.unwrap(root_fn)
        co = fn_for_analysis.__code__
        total_args = co.co_argcount + co.co_kwonlyargcount
        names_iter = iter(co.co_varnames)
        args = []
        skip_arg_idx = 0
        if is_module:
            if total_args == 0:
                raise RuntimeError("``self`` argument cannot be part of *args expansion!")
            skip_arg_idx = 1
            next(names_iter)  # skip self
            args.append(self.root)
        sig = inspect.signature(fn_for_analysis)
        if isinstance(concrete_args, tuple) and len(concrete_args) > 0 and (co.co_flags & HAS_VARSTUFF) \
                and total_args == 1:
            for i, _ in enumerate(concrete_args):
                args.append(self.create_proxy("placeholder", f"input_{i}", (), {}))
            return root_fn, args
        arg_names = [next(names_iter) for _ in range(skip_arg_idx, total_args)]
        if isinstance(concrete_args, tuple):
            if len(arg_names) != len(concrete_args):
                raise RuntimeError(f"Tracing expected {len(arg_names)} arguments but got {len(concrete_args)} "
                                   "concrete arguments")
            concrete_args = dict(zip(arg_names, concrete_args))
        args.extend(self._proxy_placeholder(name, concrete_args, sig, fn_for_analysis) for name in arg_names)
        if co.co_kwonlyargcount > 0 or co.co_flags & HAS_VARSTUFF:
            if co.co_flags & inspect.CO_VARARGS:
                args.append(self._proxy_placeholder("*" + next(names_iter), concrete_args, sig, fn_for_analysis))
            if co.co_flags & inspect.CO_VARKEYWORDS:
                args.append(self._proxy_placeholder("**" + next(names_iter), concrete_args, sig, fn_for_analysis))
            root_fn = _patch_function(root_fn, len(args))
        return root_fn, args

    def _proxy_placeholder(self, name, concrete_args, sig, fn_for_analysis):
        if concrete_args is not None and name in concrete_args:
            cnt = 0

            def replace_ph(x):
                nonlocal cnt
                cnt += 1
                param = sig.parameters[name]
                default = () if param.default is inspect.Parameter.empty else (param.default,)
                out = self.create_proxy("placeholder", f"{name}_{cnt}", default, {})
                if isinstance(x, PHBase):
                    return out
                if type(x) is bool or type(x) in (str, int, float, complex):
                    msg = f"{name} has been specialized to have value {x} but got another value"
                    self.create_proxy("call_function", _assert, (out == x, msg), {})
                elif x is None:
                    msg = f"{name} has been specialized to have value None but got another value"
                    self.create_proxy("call_function", _assert_is_none, (out, msg), {})
                else:
                    warnings.warn(f"Was not able to add assertion to guarantee correct input {name} to "
                                  "specialized function. It is up to the user to make sure that your inputs match "
                                  "the inputs you specialized the function with.")
                return x

            return _tree_map(replace_ph, concrete_args[name])
        if name[0] == "*":
            default = ()
        else:
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)
        return self.create_proxy("placeholder", name, default, {},
                                 type_expr=fn_for_analysis.__annotations__.get(name, None))

    def trace(self, root, concrete_args=None):
        """Trace root (a Module or a function) and return the Graph; concrete_args fixes some inputs."""
        global _is_fx_tracing_flag
        old_is_fx_tracing_flag = _is_fx_tracing_flag
        _is_fx_tracing_flag = True
        try:
            if isinstance(root, nn.Module):
                self.root = root
                if not hasattr(type(root), self.traced_func_name):
                    raise AssertionError(f"traced_func_name={self.traced_func_name} doesn't exist in "
                                         f"{type(root).__name__}")
                fn = getattr(type(root), self.traced_func_name)
                self.root_module_name = root._get_name()
                self.submodule_paths = {mod: name for name, mod in root.named_modules()}
            else:
                self.root = nn.Module()
                fn = root
            self.graph = Graph(tracer_cls=getattr(self, "__class__", None))
            if hasattr(fn, "__code__"):
                code = fn.__code__
                self.graph._co_fields = {"co_name": code.co_name, "co_filename": code.co_filename,
                                         "co_firstlineno": code.co_firstlineno}
            self.tensor_attrs = {}  # id(constant tensor) -> qualified name

            def collect_tensor_attrs(m, prefix_atoms):
                for k, v in m.__dict__.items():
                    if isinstance(v, Tensor):
                        self.tensor_attrs[id(v)] = ".".join(prefix_atoms + [k])
                for k, v in m.named_children():
                    collect_tensor_attrs(v, prefix_atoms + [k])

            collect_tensor_attrs(self.root, [])
            if not isinstance(fn, FunctionType):
                raise AssertionError(f"Expected FunctionType, got {type(fn)}")  # noqa: TRY004  (PyTorch's exception type)
            fn_globals = fn.__globals__  # before it gets patched
            fn, args = self.create_args_for_root(fn, isinstance(root, nn.Module), concrete_args)
            parameter_proxy_cache = {}  # one get_attr per parameter

            @functools.wraps(_orig_module_getattr)
            def module_getattr_wrapper(mod, attr):
                attr_val = _orig_module_getattr(mod, attr)
                return self.getattr(attr, attr_val, parameter_proxy_cache)

            @functools.wraps(_orig_module_call)
            def module_call_wrapper(mod, *args, **kwargs):
                def forward(*args, **kwargs):
                    return _orig_module_call(mod, *args, **kwargs)

                _autowrap_check(patcher, getattr(getattr(mod, "forward", mod), "__globals__", {}),
                                self._autowrap_function_ids)
                return self.call_module(mod, forward, args, kwargs)

            with _Patcher() as patcher:
                patcher.patch(nn.Module, "__getattr__", module_getattr_wrapper)
                patcher.patch(nn.Module, "__call__", module_call_wrapper)
                _patch_public_functions(patcher)
                _patch_wrapped_functions(patcher)
                _autowrap_check(patcher, fn_globals, self._autowrap_function_ids)
                for module in self._autowrap_search:
                    _autowrap_check(patcher, module.__dict__, self._autowrap_function_ids)
                self.create_node("output", "output", (self.create_arg(fn(*args)),), {},
                                 type_expr=fn.__annotations__.get("return", None))
            self.submodule_paths = None
        finally:
            _is_fx_tracing_flag = old_is_fx_tracing_flag
        return self.graph


_orig_module_call = nn.Module.__call__
_orig_module_getattr = nn.Module.__getattr__


def _tree_map(fn, tree):
    if isinstance(tree, (list, tuple)):
        return type(tree)(_tree_map(fn, x) for x in tree)
    if isinstance(tree, dict):
        return {k: _tree_map(fn, v) for k, v in tree.items()}
    return fn(tree)


def _patch_function(fn, nargs):
    """A copy of fn taking its *args/**kwargs as plain positional parameters (to pass placeholders)."""
    co = fn.__code__
    co_flags = co.co_flags & ~HAS_VARSTUFF
    new_code = co.replace(co_argcount=nargs, co_kwonlyargcount=0, co_flags=co_flags)
    return FunctionType(new_code, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)


def symbolic_trace(root, concrete_args=None):
    """Trace a Module or function into a GraphModule.

    >>> class M(torch.nn.Module):
    ...     def forward(self, x):
    ...         return torch.relu(x) + 1
    >>> print(symbolic_trace(M()).code)  # doctest: +SKIP
    """
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = root.__class__.__name__ if isinstance(root, nn.Module) else root.__name__
    return GraphModule(tracer.root, graph, name)

