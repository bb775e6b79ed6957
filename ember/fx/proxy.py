"""fx.Proxy: the stand-in value that records every operation applied to it into a Graph."""
import collections
import copy
import dis
import enum
import inspect
import operator
import sys
import traceback

from .._device import device
from .._dtype import dtype
from .._layout import layout, memory_format
from .._tensor import Tensor
from .graph import Graph, magic_methods, reflectable_magic_methods
from .node import map_arg

__all__ = [
    "Attribute",
    "GraphAppendingTracer",
    "ParameterProxy",
    "Proxy",
    "Scope",
    "ScopeContextManager",
    "TraceError",
    "TracerBase",
]

base_types = (str, int, float, bool, complex, dtype, Tensor, device, memory_format, layout)


class Scope:
    """The module path and type the tracer is currently inside."""

    def __init__(self, module_path, module_type):
        self.module_path = module_path
        self.module_type = module_type


class ScopeContextManager:
    """Sets the tracer's scope for the duration of a module call."""

    def __init__(self, scope, current_scope):
        self._prev_scope = copy.copy(scope)
        scope.module_path = current_scope.module_path
        scope.module_type = current_scope.module_type
        self._scope = scope

    def __enter__(self):
        return self._scope

    def __exit__(self, *args):
        self._scope.module_path = self._prev_scope.module_path
        self._scope.module_type = self._prev_scope.module_type


class TraceError(ValueError):
    pass


class TracerBase:
    """Creates nodes and proxies in `self.graph`; Tracer adds module and function handling on top."""

    graph: Graph
    record_stack_traces = False
    check_mutable_operations = False
    trace_asserts = False
    proxy_buffer_attributes = False
    traced_func_name = "forward"

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
        """Insert a node into the graph (override to check or change what is recorded)."""
        node = self.graph.create_node(kind, target, args, kwargs, name, type_expr)
        self.node_name_to_scope[node.name] = (self.scope.module_path, self.scope.module_type)
        if self.module_stack:
            node.meta["nn_module_stack"] = copy.copy(self.module_stack)
        if self.record_stack_traces and not node.stack_trace:
            frames = traceback.extract_stack()
            first = next((i for i, f in enumerate(frames) if f.name == "forward"), None)
            if first is not None:
                user = [f for f in frames[first:] if "/ember/" not in f.filename.replace("\\", "/")]
                node.stack_trace = "".join(traceback.format_list(user)).strip()
        return node

    def proxy(self, node):
        return Proxy(node, self)

    def create_proxy(self, kind, target, args, kwargs, name=None, type_expr=None, proxy_factory_fn=None):
        """Create a node from (Proxy-containing) args and kwargs and return its Proxy."""
        args_ = self.create_arg(args)
        kwargs_ = self.create_arg(kwargs)
        node = self.create_node(kind, target, args_, kwargs_, name, type_expr)
        return proxy_factory_fn(node) if proxy_factory_fn else self.proxy(node)

    def create_arg(self, a):
        """Lower a traced value to a graph argument: Proxies to their Nodes, containers recursively."""
        if isinstance(a, Proxy):
            return a.node
        if hasattr(a, "__fx_create_arg__"):
            return a.__fx_create_arg__(self)
        if isinstance(a, tuple):
            if hasattr(a, "_fields"):
                return type(a)(*[self.create_arg(elem) for elem in a])
            return type(a)([self.create_arg(elem) for elem in a])
        if isinstance(a, list):
            return [self.create_arg(elem) for elem in a]
        if isinstance(a, dict):
            r = {}
            for k, v in a.items():
                if not isinstance(k, str):
                    k = self.create_arg(k)
                    map_arg(k, _no_nodes_error)
                r[k] = self.create_arg(v)
            return r
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, range):
            return range(self.create_arg(a.start), self.create_arg(a.stop), self.create_arg(a.step))
        if isinstance(a, (*base_types, enum.Enum)) or a is None or a is ...:
            return a
        raise NotImplementedError(f"argument of type: {type(a)}")

    def to_bool(self, obj):
        """Called for bool(proxy), i.e. control flow on a traced value; raises TraceError by default."""
        raise TraceError("symbolically traced variables cannot be used as inputs to control flow")

    def iter(self, obj):
        """Called when a proxy is iterated; raises TraceError by default."""
        raise TraceError("Proxy object cannot be iterated. This can be attempted when the Proxy is used in a loop or"
                         " as a *args or **kwargs function argument. See the torch.fx docs on pytorch.org for a "
                         "more detailed explanation of what types of control flow can be traced, and check out the"
                         " Proxy docstring for help troubleshooting Proxy iteration errors")

    def keys(self, obj):
        """Called for `**proxy`; records a `keys()` call."""
        return Attribute(obj, "keys")()


def _no_nodes_error(arg):
    raise RuntimeError(f"Keys for dictionaries used as an argument cannot contain a Node. Got key: {arg}")


class GraphAppendingTracer(TracerBase):
    """A tracer that appends to an existing graph (for building graphs from Proxies by hand)."""

    def __init__(self, graph):
        super().__init__()
        self.graph = graph
        self.scope = Scope("", None)
        self.module_stack = collections.OrderedDict()
        self.node_name_to_scope = {}


def assert_fn(x):
    assert x


class Proxy:
    """A Node wrapper flowing through the traced program, recording the operations applied to it.

    Proxies cannot be iterated, tested for truth or measured with len(): the value is not known while
    tracing.  Move such code into a function registered with `fx.wrap`, or make it depend on
    hyperparameters only.
    """

    def __init__(self, node, tracer=None):
        if tracer is None:
            tracer = GraphAppendingTracer(node.graph)
        self.tracer = tracer
        self.node = node

    def __repr__(self):
        return f"Proxy({self.node.name})"

    def __getattr__(self, k):
        if k.startswith("__") and k.endswith("__"):
            raise AttributeError(k)  # copy/pickle probe dunders; they are not tensor attributes
        return Attribute(self, k)

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, d):
        self.__dict__ = d

    def __deepcopy__(self, memo):
        new_dict = {}
        for k, v in self.__dict__.items():
            try:
                new_dict[k] = copy.deepcopy(v, memo)
            except Exception:  # noqa: BLE001  (an attribute that cannot be deep-copied is shared, as in PyTorch)
                new_dict[k] = copy.copy(v)
        new_proxy = Proxy(new_dict["node"], new_dict["tracer"])
        new_proxy.__dict__.update(new_dict)
        return new_proxy

    def __call__(self, *args, **kwargs):
        return self.tracer.create_proxy("call_method", "__call__", (self,) + args, kwargs)

    def __iter__(self):
        # `a, b = proxy` unpacks into getitems; other iteration is an error
        calling_frame = inspect.currentframe().f_back
        inst = _current_instruction(calling_frame)
        if inst is not None and inst.opname == "UNPACK_SEQUENCE":
            return (self[i] for i in range(inst.argval))
        return self.tracer.iter(self)

    def __abs__(self):
        return self.tracer.create_proxy("call_function", operator.abs, (self,), {})

    def __bool__(self):
        if self.tracer.trace_asserts:
            calling_frame = inspect.currentframe().f_back
            if _is_assert_test(calling_frame):
                self.tracer.create_proxy("call_function", assert_fn, (self,), {})
                return True
        return self.tracer.to_bool(self)

    def keys(self):
        return self.tracer.keys(self)

    def __len__(self):
        raise RuntimeError("'len' is not supported in symbolic tracing by default. If you want this call to be "
                           "recorded, please call torch.fx.wrap('len') at module scope")


def _current_instruction(frame):
    insts = list(dis.get_instructions(frame.f_code))
    if sys.version_info >= (3, 11):
        from bisect import bisect_left
        idx = bisect_left(insts, frame.f_lasti, key=lambda x: x.offset)
    else:
        idx = frame.f_lasti // 2
    return insts[idx] if idx < len(insts) else None


def _is_assert_test(frame):
    insts = list(dis.get_instructions(frame.f_code))
    inst = _current_instruction(frame)
    if inst is None or not inst.opname.startswith("POP_JUMP") or "TRUE" not in inst.opname:
        return False
    cur = insts.index(inst)
    first = insts[cur + 1] if cur + 1 < len(insts) else None
    return first is not None and (first.opname == "LOAD_ASSERTION_ERROR"
                                  or first.opname == "LOAD_GLOBAL" and first.argval == "AssertionError")


class Attribute(Proxy):
    """`proxy.name`: a call_method when called, otherwise a `getattr` call_function (created on first use)."""

    def __init__(self, root, attr):
        self.root = root
        self.attr = attr
        self.tracer = root.tracer
        self._node = None

    @property
    def node(self):
        if self._node is None:
            self._node = self.tracer.create_proxy("call_function", getattr, (self.root, self.attr), {}).node
        return self._node

    def __call__(self, *args, **kwargs):
        return self.tracer.create_proxy("call_method", self.attr, (self.root,) + args, kwargs)


class ParameterProxy(Proxy):
    """A parameter's Proxy whose shape, size(), dim(), ndim, numel() are the real values (param_shapes_constant)."""

    def __init__(self, tracer, node, name, param):
        super().__init__(node, tracer)
        self.param = param
        self.name = name

    def __repr__(self):
        return f"ParameterProxy({self.name})"

    @property
    def shape(self):
        return self.param.shape

    def size(self):
        return self.param.size()

    def dim(self):
        return self.param.dim()

    @property
    def ndim(self):
        return self.param.ndim

    def numel(self):
        return self.param.numel()

    def nelement(self):
        return self.param.nelement()


def _define_magic(method):
    def impl(*args, **kwargs):
        return args[0].tracer.create_proxy("call_function", getattr(operator, method), args, kwargs)

    impl.__name__ = method
    setattr(Proxy, f"__{method.strip('_')}__", impl)


def _define_reflectable(orig_method_name):
    method_name = f"__r{orig_method_name.strip('_')}__"

    def impl(self, rhs):
        return self.tracer.create_proxy("call_function", getattr(operator, orig_method_name), (rhs, self), {})

    impl.__name__ = impl.__qualname__ = method_name
    setattr(Proxy, method_name, impl)


for _method in magic_methods:
    _define_magic(_method)
for _method in reflectable_magic_methods:
    _define_reflectable(_method)
