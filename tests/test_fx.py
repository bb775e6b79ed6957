"""ember.fx: tracing, printing and code generation against torch.fx, plus graph editing and passes.

Oracle tests build the same model in both libraries (`lib` = torch or ember) and compare
`str(graph)`, `gm.code`, the nodes and the outputs of the GraphModules.
"""
import copy
import math
import operator
import pickle

import numpy as np
import pytest

import ember
import ember.fx as efx
import ember.nn.functional as EF

try:
    import torch
    import torch.fx
except ImportError:
    torch = None

LIBS = {"torch": torch, "ember": ember}
oracle = pytest.mark.torch


def _fx_scale(x, n):
    return x * n


efx.wrap("_fx_scale")
if torch is not None:
    torch.fx.wrap("_fx_scale")


# ---------------------------------------------------------------------------
# models written once against `lib`


def make_models(lib):
    nn, F = lib.nn, lib.nn.functional

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.fc2 = nn.Linear(8, 3)

        def forward(self, x):
            return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=-1)

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.bn = nn.BatchNorm2d(2)
            self.fc = nn.Linear(2 * 3 * 3, 5)

        def forward(self, x):
            x = F.max_pool2d(lib.relu(self.bn(self.conv(x))), 2)
            x = lib.flatten(x, 1)
            return self.fc(F.dropout(x, 0.5, self.training))

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 4)
            self.b = nn.Sequential(nn.ReLU(), nn.Linear(4, 4))
            self.scale = nn.Parameter(lib.ones(4))
            self.register_buffer("shift", lib.zeros(4))

        def forward(self, x):
            y = self.b(self.a(x))
            return (x + y) * self.scale - self.shift

    class Methods(nn.Module):
        def forward(self, x):
            b, c = x.shape[0], x.size(1)
            y = x.view(b, c, -1).permute(0, 2, 1).contiguous()
            z = y[:, 0] + y[..., -1:].sum(dim=1)
            return lib.cat([z, z.mean(0, keepdim=True)], 0), y.transpose(1, 2).reshape(b, -1), -abs(y) @ y[0].T

    class Flow(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)

        def forward(self, x, use_relu=True, bias=None):
            x = self.lin(x)
            if use_relu:
                x = lib.relu(x)
            if bias is not None:
                x = x + bias
            return x, math.sqrt(x.size(1))

    class Misc(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 4)
            self.norm = nn.LayerNorm(4)

        def forward(self, idx, mask):
            h = self.norm(self.emb(idx))
            h = h.masked_fill(mask.unsqueeze(-1), 0.0)
            h = F.softmax(h, dim=-1) * 2 + 1 / (h.exp() + 1)
            a, b = lib.split(h, 2, dim=-1)
            return lib.stack([a, b]).flatten(0, 1), F.gelu(a), F.linear(b, b.new_ones(3, 2)), _fx_scale(a, 3)

    return {"MLP": MLP, "CNN": CNN, "Residual": Residual, "Methods": Methods, "Flow": Flow, "Misc": Misc}


def make_inputs(name, lib):
    rng = np.random.default_rng(0)
    if name == "Misc":
        idx = lib.tensor(rng.integers(0, 10, (2, 3)))
        mask = lib.tensor(rng.random((2, 3)) > 0.5)
        return idx, mask
    shape = {"MLP": (2, 4), "CNN": (2, 1, 8, 8), "Residual": (3, 4), "Methods": (2, 3, 4), "Flow": (2, 4)}[name]
    return (lib.tensor(rng.standard_normal(shape).astype(np.float32)),)


CONCRETE = {"Flow": {"use_relu": True, "bias": None}}


def twins(name):
    tm, em = make_models(torch)[name](), make_models(ember)[name]()
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    tm.eval()
    em.eval()
    return tm, em


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [y for x in out for y in _flat(x)]
    return [out]


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


@oracle
@pytest.mark.conforms("torch.fx.symbolic_trace", "torch.fx.GraphModule", "torch.fx.Graph", "torch.fx.Node",
                      "torch.fx.Proxy", "torch.fx.Tracer", "torch.fx")
@pytest.mark.parametrize("name", list(make_models(ember)))
def test_trace_matches_torch(name):
    tm, em = twins(name)
    tg = torch.fx.symbolic_trace(tm, concrete_args=CONCRETE.get(name))
    eg = efx.symbolic_trace(em, concrete_args=CONCRETE.get(name))
    assert str(eg.graph) == str(tg.graph)
    assert eg.code == tg.code
    assert [(n.op, n.name, n.target if isinstance(n.target, str) else n._pretty_print_target(n.target))
            for n in eg.graph.nodes] == \
           [(n.op, n.name, n.target if isinstance(n.target, str) else n._pretty_print_target(n.target))
            for n in tg.graph.nodes]
    assert list(eg.state_dict()) == list(tg.state_dict())
    assert type(eg).__name__ == type(tg).__name__ == name
    t_out, e_out = tg(*make_inputs(name, torch)), eg(*make_inputs(name, ember))
    for t, e in zip(_flat(t_out), _flat(e_out)):
        np.testing.assert_allclose(_np(e), _np(t), rtol=1e-5, atol=1e-5)
    # the GraphModule computes what the model computes
    for a, b in zip(_flat(eg(*make_inputs(name, ember))), _flat(em(*make_inputs(name, ember)))):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6, atol=1e-6)


@oracle
def test_print_readable_and_str_match_torch():
    tm, em = twins("Residual")
    tg, eg = torch.fx.symbolic_trace(tm), efx.symbolic_trace(em)
    assert eg.print_readable(print_output=False) == tg.print_readable(print_output=False)
    assert str(eg) == str(tg)


@oracle
def test_functions_traced_from_a_plain_function():
    def body(lib):
        def f(x, y):
            z = lib.special.erf(x) + lib.linalg.norm(y) + lib.where(x > 0, x, y)
            return lib.nn.functional.pad(z, (1, 1)), lib.nn.functional.interpolate(z[None], scale_factor=2), \
                lib.nn.functional.layer_norm(z, (3,)), lib.einsum("ij->ji", z), x.to(lib.float64), \
                lib.transpose(z, 0, 1), lib.clip(z, 0, 1), lib.dropout(z, 0.5, False), lib.special.expit(z)
        return f

    tg, eg = torch.fx.symbolic_trace(body(torch)), efx.symbolic_trace(body(ember))
    assert str(eg.graph) == str(tg.graph)
    assert eg.code == tg.code
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    for t, e in zip(_flat(tg(torch.tensor(x), torch.tensor(x))), _flat(eg(ember.tensor(x), ember.tensor(x)))):
        np.testing.assert_allclose(_np(e), _np(t), rtol=1e-5, atol=1e-6)


@oracle
@pytest.mark.parametrize("case", ["control_flow", "iterate", "len"])
def test_trace_errors_match_torch(case):
    def fn(lib):
        if case == "control_flow":
            def f(x):
                return x if x.sum() > 0 else -x
        elif case == "iterate":
            def f(x):
                return [a for a in x]
        else:
            def f(x):
                return len(x)
        return f

    errors = []
    for lib, fx in ((torch, torch.fx), (ember, efx)):
        with pytest.raises(Exception) as info:
            fx.symbolic_trace(fn(lib))
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[1] == errors[0]
    with pytest.raises(efx.proxy.TraceError):
        if case != "len":
            efx.symbolic_trace(fn(ember))
        else:
            raise efx.proxy.TraceError


@oracle
@pytest.mark.conforms("torch.fx.replace_pattern")
def test_replace_pattern_matches_torch():
    def run(lib, fx):
        class M(lib.nn.Module):
            def forward(self, x, w1, w2):
                m1 = lib.cat([w1, w2]).sum()
                m2 = lib.cat([w1, w2]).sum()
                return x + lib.max(m1) + lib.max(m2)

        gm = fx.symbolic_trace(M())
        matches = fx.replace_pattern(gm, lambda w1, w2: lib.cat([w1, w2]), lambda w1, w2: lib.stack([w1, w2]))
        return gm, [(m.anchor.name, sorted((k.name, v.name) for k, v in m.nodes_map.items())) for m in matches]

    (tg, tm), (eg, em) = run(torch, torch.fx), run(ember, efx)
    assert em == tm
    assert eg.code == tg.code
    assert str(eg.graph) == str(tg.graph)
    w = np.ones((2, 3), np.float32)
    assert float(eg(ember.tensor(1.0), ember.tensor(w), ember.tensor(w))) == \
        float(tg(torch.tensor(1.0), torch.tensor(w), torch.tensor(w)))


@oracle
@pytest.mark.conforms("torch.fx.Transformer", "torch.fx.Interpreter")
def test_transformer_and_interpreter_match_torch():
    def run(lib, fx):
        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.l = lib.nn.Linear(3, 3)

            def forward(self, x):
                return lib.sigmoid(self.l(x)).neg()

        class Swap(fx.Transformer):
            def call_function(self, target, args, kwargs):
                if target is lib.sigmoid:
                    return lib.neg(*args, **kwargs)
                return super().call_function(target, args, kwargs)

            def call_method(self, target, args, kwargs):
                if target == "neg":
                    call_self, *args_tail = args
                    return call_self.sigmoid(*args_tail, **kwargs)
                return super().call_method(target, args, kwargs)

        class Shapes(fx.Interpreter):
            def run_node(self, n):
                result = super().run_node(n)
                seen.append((n.name, tuple(result.shape) if hasattr(result, "shape") else None))
                return result

        seen = []
        gm = fx.symbolic_trace(M())
        Shapes(gm).run(lib.ones(2, 3))
        return Swap(gm).transform(), seen

    (tt, tseen), (et, eseen) = run(torch, torch.fx), run(ember, efx)
    assert eseen == tseen
    assert et.code == tt.code
    assert str(et.graph) == str(tt.graph)


@oracle
@pytest.mark.conforms("torch.fx.wrap")
def test_wrap_and_autowrap_match_torch():
    def f_for(lib):
        def f(x):
            return _fx_scale(x, 2) + math.sqrt(x.size(0))
        return f

    tg, eg = torch.fx.symbolic_trace(f_for(torch)), efx.symbolic_trace(f_for(ember))
    assert str(eg.graph) == str(tg.graph)
    assert eg.code == tg.code
    assert 'torch.fx._symbolic_trace.wrap("tests_test_fx__fx_scale")' in eg.code
    np.testing.assert_allclose(_np(eg(ember.ones(4))), _np(tg(torch.ones(4))))


# ---------------------------------------------------------------------------
# graph editing, code generation and GraphModule behaviour (no oracle needed)


class Small(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = ember.nn.Linear(3, 3)
        self.unused = ember.nn.Linear(2, 2)

    def forward(self, x):
        return EF.relu(self.lin(x)) + 1


def test_replace_relu_by_gelu_and_recompile():
    gm = efx.symbolic_trace(Small())
    x = ember.randn(4, 3)
    for node in gm.graph.nodes:
        if node.op == "call_function" and node.target is EF.relu:
            with gm.graph.inserting_after(node):
                new = gm.graph.call_function(EF.gelu, node.args, {})
            node.replace_all_uses_with(new)
            gm.graph.erase_node(node)
    gm.graph.lint()
    gm.recompile()
    assert "torch._C._nn.gelu(lin)" in gm.code and "relu" not in gm.code
    np.testing.assert_allclose(_np(gm(x)), _np(EF.gelu(gm.lin(x)) + 1), rtol=1e-6)


def test_node_structure_and_editing():
    gm = efx.symbolic_trace(Small())
    x, lin, relu, add, _ = gm.graph.nodes
    assert [n.op for n in gm.graph.nodes] == ["placeholder", "call_module", "call_function", "call_function", "output"]
    assert lin.next is relu and relu.prev is lin and x.prev is gm.graph._root
    assert list(lin.users) == [relu] and relu.all_input_nodes == [lin]
    assert add.target is operator.add and add.args == (relu, 1)
    add.update_arg(1, 2)
    assert add.args == (relu, 2)
    add.replace_input_with(relu, lin)
    assert add.args == (lin, 2) and not relu.users and set(lin.users) == {relu, add}
    assert gm.graph.eliminate_dead_code() is True
    assert [n.name for n in gm.graph.nodes] == ["x", "lin", "add", "output"]
    gm.recompile()
    assert gm.code == "\n\n\ndef forward(self, x):\n    lin = self.lin(x);  x = None\n    add = lin + 2;  lin = None\n" \
                      "    return add\n    "
    add.args = ([lin, 1], 2)
    with pytest.raises(TypeError, match="'immutable_list' object does not support mutation"):
        add.args[0].append(3)
    with pytest.raises(TypeError, match="'immutable_dict' object does not support mutation"):
        add.kwargs["a"] = 1
    add.args = (lin, 2)
    with pytest.raises(RuntimeError, match="Tried to erase Node lin but it still had 1 users"):
        gm.graph.erase_node(lin)


def test_graph_built_by_hand_and_copied():
    g = efx.Graph()
    x = g.placeholder("x")
    w = g.placeholder("w", default_value=2.0)
    y = g.call_function(ember.add, (x, w), {"alpha": 3})
    z = g.call_method("relu", (y,))
    g.output((z, [y]))
    assert str(g) == ("graph():\n    %x : [num_users=1] = placeholder[target=x]\n"
                      "    %w : [num_users=1] = placeholder[target=w](default=2.0)\n"
                      "    %add : [num_users=2] = call_function[target=torch.add](args = (%x, %w), kwargs = {alpha: 3})\n"
                      "    %relu : [num_users=1] = call_method[target=relu](args = (%add,), kwargs = {})\n"
                      "    return (relu, [add])")
    gm = efx.GraphModule(ember.nn.Module(), g)
    r, (a,) = gm(ember.tensor([-10.0, 1.0]))
    assert r.tolist() == [0.0, 7.0] and a.tolist() == [-4.0, 7.0]
    g2 = efx.Graph()
    val_map = {}
    out = g2.graph_copy(g, val_map)
    g2.output(out)
    assert str(g2) == str(g) and len(val_map) == 4
    g3 = copy.deepcopy(g)
    assert str(g3) == str(g) and next(iter(g3.nodes)) is not x
    with g.inserting_before(z):
        neg = g.call_function(operator.neg, (y,))
    assert [n.name for n in g.nodes] == ["x", "w", "add", "neg", "relu", "output"]
    assert neg.name == "neg" and len(g.nodes) == 6
    assert next(iter(reversed(g.nodes))).name == "output"
    # proxies built by hand append to the graph
    p = efx.Proxy(x)
    q = (p * 2).sum()
    assert q.node.op == "call_method" and q.node.args[0].target is operator.mul


def test_lint_catches_bad_graphs():
    g = efx.Graph()
    x = g.placeholder("x")
    y = g.call_function(operator.neg, (x,))
    g.output(y)
    g2 = efx.Graph()
    a = g2.placeholder("a")
    g2.output(g2.call_function(operator.neg, (x,)))  # a node of another graph
    with pytest.raises(RuntimeError, match="does not belong to this Graph"):
        g2.lint()
    g.lint()
    with g.inserting_before(x):
        g.call_function(operator.pos, (y,))  # used before definition
    with pytest.raises(RuntimeError, match="was used before it has been defined"):
        g.lint()
    assert a.name == "a"


def test_graph_module_state_pickle_deepcopy():
    m = Small()
    gm = efx.symbolic_trace(m)
    assert list(gm.state_dict()) == ["lin.weight", "lin.bias"]  # unused submodules are not copied
    assert gm.lin is m.lin
    x = ember.randn(2, 3)
    expected = _np(m(x))
    for clone in (pickle.loads(pickle.dumps(gm)), copy.deepcopy(gm)):
        assert clone.code == gm.code and str(clone.graph) == str(gm.graph)
        assert type(clone).__name__ == "GraphModule" and clone.lin is not m.lin  # as in PyTorch
        np.testing.assert_allclose(_np(clone(x)), expected, rtol=1e-6)
    assert gm.add_submodule("extra.relu", ember.nn.ReLU())
    assert isinstance(gm.extra.relu, ember.nn.ReLU)
    gm.delete_all_unused_submodules()
    assert not hasattr(gm, "extra") and hasattr(gm, "lin")
    assert gm.delete_submodule("lin") and not gm.delete_submodule("lin")
    # a dict root: targets looked up by qualified name
    gm2 = efx.GraphModule({"lin": m.lin}, gm.graph, "FromDict")
    np.testing.assert_allclose(_np(gm2(x)), expected, rtol=1e-6)
    assert type(gm2).__name__ == "FromDict"


def test_tracing_restores_namespaces_after_errors():
    originals = (ember.relu, EF.relu, ember.nn.Module.__call__, ember.nn.Module.__getattr__, ember.special.erf)

    def bad(x):
        ember.relu(x)
        if x > 0:
            return x

    with pytest.raises(efx.proxy.TraceError):
        efx.symbolic_trace(bad)
    assert (ember.relu, EF.relu, ember.nn.Module.__call__, ember.nn.Module.__getattr__,
            ember.special.erf) == originals
    gm = efx.symbolic_trace(lambda x: ember.relu(x))
    assert gm.graph.find_nodes(op="call_function")[0].target is ember.relu


def test_leaf_modules_and_custom_tracer():
    class Inner(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = ember.nn.Linear(2, 2)

        def forward(self, x):
            return self.lin(x).tanh()

    class Outer(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Inner()
            self.seq = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.ReLU())

        def forward(self, x):
            return self.seq(self.inner(x))

    g = efx.Tracer().trace(Outer())
    assert [n.target for n in g.nodes if n.op == "call_module"] == ["inner.lin", "seq.0", "seq.1"]

    class KeepInner(efx.Tracer):
        def is_leaf_module(self, m, qualname):
            return isinstance(m, Inner) or super().is_leaf_module(m, qualname)

    g = KeepInner().trace(Outer())
    assert [n.target for n in g.nodes if n.op == "call_module"] == ["inner", "seq.0", "seq.1"]


def test_concrete_args_and_placeholder_defaults():
    def f(x, scale=2.0, flag=False):
        return x * scale if not flag else x

    gm = efx.symbolic_trace(f, concrete_args={"flag": False})
    assert [n.name for n in gm.graph.nodes if n.op == "placeholder"] == ["x", "scale", "flag_1"]
    assert "torch._assert(eq" in gm.code
    np.testing.assert_allclose(_np(gm(ember.ones(2), 3.0)), [3.0, 3.0])
    with pytest.raises(AssertionError, match="flag has been specialized to have value False"):
        gm(ember.ones(2), 3.0, True)


def test_print_tabular_names_tabulate(capsys):
    try:
        import tabulate  # noqa: F401
    except ImportError:
        gm = efx.symbolic_trace(Small())
        with pytest.raises(ImportError):
            gm.graph.print_tabular()
        assert "`print_tabular` relies on the library `tabulate`" in capsys.readouterr().out
    else:
        pytest.skip("tabulate is installed")


def test_shape_prop():
    from ember.fx.passes.shape_prop import ShapeProp, TensorMetadata
    gm = efx.symbolic_trace(Small())
    ShapeProp(gm).propagate(ember.ones(5, 3))
    metas = {n.name: n.meta["tensor_meta"] for n in gm.graph.nodes}
    assert isinstance(metas["relu"], TensorMetadata)
    assert metas["x"].shape == (5, 3) and metas["lin"].shape == (5, 3) and metas["output"].dtype == ember.float32
    assert metas["lin"].requires_grad and not metas["x"].requires_grad
    assert metas["x"].memory_format == ember.contiguous_format and metas["x"].stride == (3, 1)
    assert gm.graph.find_nodes(op="output")[0].meta["type"] is ember.Tensor


def test_generated_code_shows_in_tracebacks():
    import traceback
    g = efx.Graph()
    x = g.placeholder("x")
    g.output(g.call_function(operator.truediv, (x, 0)))
    gm = efx.GraphModule(ember.nn.Module(), g)
    with pytest.raises(ZeroDivisionError) as info:
        gm(1)
    text = "".join(traceback.format_tb(info.value.__traceback__))
    assert "<eval_with_key>" in text and "truediv = x / 0" in text


@oracle
def test_graph_errors_match_torch():
    def errors(lib):
        fx, out = lib.fx, []

        def catch(f):
            with pytest.raises(Exception) as info:
                f()
            out.append((type(info.value).__name__, str(info.value)))

        g = fx.Graph()
        x = g.placeholder("x")
        g.output(g.call_function(operator.neg, (x,)))
        catch(lambda: g.erase_node(x))
        catch(lambda: g.create_node("call_function", "notcallable"))
        catch(lambda: g.create_node("call_method", operator.add))
        g2 = fx.Graph()
        g2.output(g2.call_module("foo", ()))
        catch(lambda: fx.GraphModule({}, g2))
        catch(lambda: fx.wrap(3))
        catch(lambda: fx.Tracer().trace(lambda a, b: a, concrete_args=(1, 2, 3)))
        catch(lambda: fx.Tracer().trace(lambda a: a.foo(a) if a else a))
        return out

    assert errors(ember) == errors(torch)


@oracle
@pytest.mark.conforms("torch.fx.proxy.GraphAppendingTracer", "torch.fx.proxy", "torch.fx.node.map_arg",
                      "torch.fx.node", "torch.fx.node.Target")
def test_graph_appending_tracer_and_map_arg_match_torch():
    def build(lib):
        fx = lib.fx
        g = fx.Graph()
        tracer = fx.proxy.GraphAppendingTracer(g)
        a = fx.Proxy(g.placeholder("a"), tracer)
        b = fx.Proxy(g.placeholder("b"), tracer)
        c = (a * 2 + b.relu()).sum(dim=0, keepdim=True)
        g.output((c.node, a.shape.node, a[1:].node))
        mapped = fx.node.map_arg(([a.node, {"k": b.node}], slice(None, c.node)), lambda n: n.name)
        return str(g), mapped, fx.node.Target is not None

    assert build(ember) == build(torch)


class _Pair(metaclass=efx.ProxyableClassMeta):
    def __init__(self, left, right):
        self.left, self.right = left, right

    def add(self, other):
        return _Pair(self.left + other.left, self.right + other.right)


def test_proxyable_class_and_annotations():
    def use(x: _Pair, y: ember.Tensor) -> _Pair:
        return x.add(_Pair(y, y))

    gm = efx.symbolic_trace(use)
    assert gm.code == ("\n\n\ndef forward(self, x : tests_test_fx__Pair, y : torch.Tensor) -> tests_test_fx__Pair:\n"
                       "    _pair = tests_test_fx__Pair(y, y);  y = None\n"
                       "    add = x.add(_pair);  x = _pair = None\n    return add\n    ")
    out = gm(_Pair(ember.ones(2), ember.zeros(2)), ember.ones(2))
    assert out.left.tolist() == [2.0, 2.0] and out.right.tolist() == [1.0, 1.0]
