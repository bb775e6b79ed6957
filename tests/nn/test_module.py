"""nn.Module and the containers against PyTorch, on small models built the same way in both libraries.

Each test builds the model with `lib` = torch and `lib` = ember and compares what
the API returns (names, orders, reprs, error types and messages, gradients).
"""
import copy
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

LIBS = {"torch": torch, "ember": ember}


def E(t):
    return ember.from_numpy(t.detach().numpy().copy())


def N(t):
    return t.detach().numpy()


def both(fn):
    """fn(lib) for torch and ember."""
    return fn(torch), fn(ember)


def same(fn):
    """fn(lib) must give equal results in both libraries."""
    t, e = both(fn)
    assert e == t
    return e


def same_error(fn):
    """fn(lib) must raise the same exception type with the same message in both libraries."""
    out = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            fn(lib)
        out.append((type(info.value).__name__, str(info.value).replace("'ember.", "'torch.")))
    assert out[1] == out[0]
    return out[1]


def sync(tm, em):
    """Copy torch's parameters and buffers into the ember twin (strict, by key)."""
    em.load_state_dict({k: E(v) for k, v in tm.state_dict().items()})
    return em


# ---------------------------------------------------------------------------
# small models, built the same way in both libraries


def make_block(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear1 = nn.Linear(4, 3)
            self.norm = nn.LayerNorm(3)
            self.register_buffer("steps", lib.zeros((), dtype=lib.int64))
            self.register_buffer("cache", lib.ones(2), persistent=False)
            self.scale = nn.Parameter(lib.ones(1))

        def forward(self, x):
            return self.norm(self.linear1(x)) * self.scale

    return Block()


def make_tied(lib):
    """Shared submodule (registered twice) and a tied weight."""
    nn = lib.nn

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(3, 3)
            self.shared = nn.Sequential(nn.Linear(3, 3), nn.LayerNorm(3))
            self.again = self.shared
            self.dec = nn.Linear(3, 3, bias=False)
            self.dec.weight = self.enc.weight
            self.blocks = nn.ModuleList([make_block(lib), make_block(lib)])

        def forward(self, x):
            return self.dec(self.again(self.shared(self.enc(x))))

    return Tied()


def make_model(lib):
    nn = lib.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = make_block(lib)
            self.head = nn.Linear(3, 2)
            self.extra = nn.ModuleDict({"a": nn.Identity(), "b": nn.Flatten()})

        def forward(self, x):
            return self.extra["a"](self.head(self.encoder(x)))

    return Model()


# ---------------------------------------------------------------------------
# traversal


@pytest.mark.parametrize("maker", [make_block, make_tied, make_model])
@pytest.mark.parametrize("kwargs", [{}, {"prefix": "m"}, {"recurse": False}, {"remove_duplicate": False},
                                    {"prefix": "p", "remove_duplicate": False}])
def test_named_parameters_and_buffers(maker, kwargs):
    same(lambda lib: [(n, tuple(p.shape)) for n, p in maker(lib).named_parameters(**kwargs)])
    same(lambda lib: [(n, tuple(b.shape)) for n, b in maker(lib).named_buffers(**kwargs)])


@pytest.mark.parametrize("maker", [make_block, make_tied, make_model])
def test_parameters_buffers_children_modules(maker):
    same(lambda lib: [tuple(p.shape) for p in maker(lib).parameters()])
    same(lambda lib: [tuple(p.shape) for p in maker(lib).parameters(recurse=False)])
    same(lambda lib: [tuple(b.shape) for b in maker(lib).buffers()])
    same(lambda lib: [type(c).__name__ for c in maker(lib).children()])
    same(lambda lib: [(n, type(c).__name__) for n, c in maker(lib).named_children()])
    same(lambda lib: [type(c).__name__ for c in maker(lib).modules()])


@pytest.mark.parametrize("maker", [make_block, make_tied, make_model])
@pytest.mark.parametrize("kwargs", [{}, {"prefix": "root"}, {"remove_duplicate": False}, {"memo": None}])
def test_named_modules(maker, kwargs):
    same(lambda lib: [(n, type(m).__name__) for n, m in maker(lib).named_modules(**kwargs)])


def test_named_modules_memo_is_shared():
    def fn(lib):
        m = make_tied(lib)
        memo = {m.shared}
        return [n for n, _ in m.named_modules(memo=memo)], len(memo)
    same(fn)


def test_tied_weight_identity():
    m = make_tied(ember)
    assert m.dec.weight is m.enc.weight and m.again is m.shared
    names = [n for n, _ in m.named_parameters()]
    assert "dec.weight" not in names and "again.0.weight" not in names
    assert sum(1 for _ in m.parameters()) == len(set(map(id, m.parameters())))


# ---------------------------------------------------------------------------
# registration


def test_setattr_registers_and_reassigns():
    def fn(lib):
        m = lib.nn.Module()
        m.w = lib.nn.Parameter(lib.ones(2))
        m.sub = lib.nn.Linear(2, 2)
        m.register_buffer("b", lib.zeros(1))
        m.b = lib.ones(3)  # a tensor assigned to a buffer name stays a buffer
        m.plain = lib.ones(1)  # a plain tensor attribute is not registered
        m.w = None  # a parameter slot can be cleared
        m.sub = None
        out = [list(m._parameters), list(m._buffers), list(m._modules), m.w, m.sub, "plain" in m.__dict__,
               tuple(m.b.shape)]
        del m.b
        out.append(list(m._buffers))
        m.x = lib.nn.Linear(1, 1)
        m.x = lib.nn.Parameter(lib.ones(1))  # a parameter replaces the module of the same name
        out.append((list(m._parameters), list(m._modules)))
        return out
    same(fn)


@pytest.mark.parametrize("case", ["tensor_to_param", "int_to_module", "before_init_param", "before_init_module",
                                  "nonleaf_param", "buffer_bad_type", "register_param_bad_type",
                                  "module_to_param", "tensor_to_module"])
def test_setattr_errors(case):
    def fn(lib):
        nn = lib.nn
        m = nn.Linear(2, 2)
        if case == "tensor_to_param":
            m.weight = lib.ones(2, 2)
        elif case == "int_to_module":
            s = nn.Sequential(nn.Linear(1, 1))
            setattr(s, "0", 3)
        elif case == "before_init_param":
            class Bad(nn.Module):
                def __init__(self):
                    self.w = nn.Parameter(lib.ones(1))
            Bad()
        elif case == "before_init_module":
            class Bad(nn.Module):
                def __init__(self):
                    self.l = nn.Linear(1, 1)
            Bad()
        elif case == "nonleaf_param":
            m.register_parameter("x", nn.Parameter(lib.ones(1)) * 2)
        elif case == "buffer_bad_type":
            m.register_buffer("x", 3)
        elif case == "register_param_bad_type":
            m.register_parameter("x", lib.ones(1))
        elif case == "module_to_param":
            m.weight = nn.Linear(1, 1)
        elif case == "tensor_to_module":
            s = nn.Sequential(nn.Linear(1, 1))
            setattr(s, "0", lib.ones(1))
    same_error(fn)


@pytest.mark.parametrize("case", ["dot", "empty", "exists", "not_str", "module_dot", "module_empty", "module_exists",
                                  "module_type"])
def test_register_errors(case):
    def fn(lib):
        nn = lib.nn
        m = nn.Linear(2, 2)
        m.extra = 1
        {"dot": lambda: m.register_buffer("a.b", lib.ones(1)),
         "empty": lambda: m.register_parameter("", None),
         "exists": lambda: m.register_buffer("extra", lib.ones(1)),
         "not_str": lambda: m.register_buffer(3, lib.ones(1)),
         "module_dot": lambda: m.add_module("a.b", nn.Identity()),
         "module_empty": lambda: m.register_module("", nn.Identity()),
         "module_exists": lambda: m.add_module("extra", nn.Identity()),
         "module_type": lambda: m.add_module("x", 3)}[case]()
    same_error(fn)


def test_register_buffer_persistent_and_module():
    def fn(lib):
        m = lib.nn.Module()
        m.register_buffer("a", lib.ones(1))
        m.register_buffer("b", lib.ones(1), persistent=False)
        m.register_buffer("c", None)
        m.register_module("sub", lib.nn.Linear(1, 1))
        m.add_module("none", None)
        return (list(m.state_dict()), [n for n, _ in m.named_buffers()], list(m._buffers), list(m._modules),
                [n for n, _ in m.named_children()])
    same(fn)


def test_buffer_class_assignment():
    def fn(lib):
        m = lib.nn.Module()
        m.a = lib.nn.Buffer(lib.ones(2))
        m.b = lib.nn.Buffer(lib.ones(2), persistent=False)
        return list(m._buffers), list(m.state_dict()), type(m.a).__name__
    same(fn)


# ---------------------------------------------------------------------------
# get_submodule / get_parameter / get_buffer


def test_get_submodule_parameter_buffer():
    def fn(lib):
        m = make_model(lib)
        return (type(m.get_submodule("encoder.linear1")).__name__, type(m.get_submodule("")).__name__,
                tuple(m.get_parameter("encoder.linear1.weight").shape), tuple(m.get_parameter("head.bias").shape),
                tuple(m.get_buffer("encoder.steps").shape), tuple(m.get_buffer("encoder.cache").shape))
    same(fn)


@pytest.mark.parametrize("call", [("get_submodule", "encoder.nope"), ("get_submodule", "encoder.scale"),
                                  ("get_parameter", "encoder.steps"), ("get_parameter", "encoder.nope"),
                                  ("get_parameter", "nope.weight"), ("get_buffer", "encoder.scale"),
                                  ("get_buffer", "encoder.nope"), ("get_buffer", "head.weight")])
def test_get_errors(call):
    same_error(lambda lib: getattr(make_model(lib), call[0])(call[1]))


def test_getattr_error_message():
    same_error(lambda lib: make_model(lib).nope)


# ---------------------------------------------------------------------------
# state_dict


@pytest.mark.parametrize("maker", [make_block, make_tied, make_model])
def test_state_dict_keys_order(maker):
    def fn(lib):
        sd = maker(lib).state_dict()
        return type(sd).__name__, list(sd), [tuple(v.shape) for v in sd.values()]
    same(fn)


def test_state_dict_prefix_keep_vars_metadata():
    def fn(lib):
        m = make_model(lib)
        sd = m.state_dict(prefix="model.")
        kv = m.state_dict(keep_vars=True)
        nk = m.state_dict()
        return (list(sd), type(kv["head.weight"]).__name__, kv["head.weight"].requires_grad,
                type(nk["head.weight"]).__name__, nk["head.weight"].requires_grad,
                kv["head.weight"] is m.head.weight, dict(sd._metadata), dict(nk._metadata))
    same(fn)


def test_state_dict_detached_shares_memory():
    m = make_model(ember)
    sd = m.state_dict()
    sd["head.bias"].fill_(3.0)
    assert m.head.bias.tolist() == [3.0, 3.0]


def test_state_dict_destination():
    def fn(lib):
        d = OrderedDict(x=1)
        out = make_block(lib).state_dict(destination=d, prefix="b.")
        return out is d, list(d)
    same(fn)


# ---------------------------------------------------------------------------
# load_state_dict


def _sd(lib, edit):
    m = make_model(lib)
    sd = OrderedDict((k, v.clone()) for k, v in m.state_dict().items())
    edit(lib, sd)
    return m, sd


EDITS = {
    "missing": lambda lib, sd: sd.pop("head.bias"),
    "unexpected": lambda lib, sd: sd.update({"head.extra": lib.ones(1), "nowhere.x": lib.ones(1)}),
    "size": lambda lib, sd: sd.update({"head.weight": lib.ones(5, 3)}),
    "all": lambda lib, sd: (sd.pop("encoder.norm.bias"), sd.update({"zzz": lib.ones(1),
                                                                      "encoder.linear1.bias": lib.ones(7)})),
    "not_tensor": lambda lib, sd: sd.update({"head.bias": [1.0, 2.0]}),
    "scalar_to_1elem": lambda lib, sd: sd.update({"encoder.scale": lib.tensor(2.0)}),
    "1elem_to_scalar": lambda lib, sd: sd.update({"encoder.steps": lib.tensor([3])}),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_load_state_dict_strict_errors(edit):
    if edit == "1elem_to_scalar":  # allowed: PyTorch's backward-compatibility rule for 0-dim params
        def fn(lib):
            m, sd = _sd(lib, EDITS[edit])
            return repr(m.load_state_dict(sd)), tuple(m.encoder.steps.shape), int(m.encoder.steps)
        same(fn)
        return
    same_error(lambda lib: _sd(lib, EDITS[edit])[0].load_state_dict(_sd(lib, EDITS[edit])[1]))


@pytest.mark.parametrize("edit", ["missing", "unexpected", "all"])
def test_load_state_dict_non_strict(edit):
    def fn(lib):
        m, sd = _sd(lib, EDITS[edit])
        if edit == "all":  # size mismatches are errors even when not strict
            with pytest.raises(RuntimeError) as info:
                m.load_state_dict(sd, strict=False)
            return str(info.value)
        r = m.load_state_dict(sd, strict=False)
        return r.missing_keys, r.unexpected_keys, repr(r), type(r).__name__
    same(fn)


def test_load_state_dict_values_and_result():
    tm = make_model(torch)
    em = sync(tm, make_model(ember))
    for k, v in em.state_dict().items():
        np.testing.assert_array_equal(N(v), N(tm.state_dict()[k]))
    r = em.load_state_dict(em.state_dict())
    assert repr(r) == "<All keys matched successfully>" and r.missing_keys == [] and r.unexpected_keys == []
    assert tuple(r) == ([], [])
    same_error(lambda lib: make_model(lib).load_state_dict([1, 2]))


def test_load_state_dict_assign():
    def fn(lib):
        m = lib.nn.Linear(2, 2)
        w = lib.ones(2, 2, dtype=lib.float64)
        b = lib.zeros(2, dtype=lib.float64)
        old = m.weight
        m.load_state_dict({"weight": w, "bias": b}, assign=True)
        return (m.weight is old, type(m.weight).__name__, str(m.weight.dtype), m.weight.requires_grad,
                m.weight.data_ptr() == w.data_ptr() if lib is torch else None)
    t, e = both(fn)
    assert e[:4] == t[:4]
    m = ember.nn.Linear(2, 2)
    m.load_state_dict({"weight": ember.ones(2, 2), "bias": ember.zeros(2)})
    assert m.weight.dtype == ember.float32 and m.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_load_state_dict_hooks():
    def fn(lib):
        nn = lib.nn
        calls = []

        class WithHooks(nn.Linear):
            def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs):
                calls.append(("load_from", prefix, sorted(k for k in state_dict if k.startswith(prefix)), strict))
                state_dict.pop(prefix + "renamed", None)
                super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                              unexpected_keys, error_msgs)

        m = nn.Sequential(WithHooks(2, 2))
        m[0].register_load_state_dict_pre_hook(
            lambda mod, sd, prefix, *rest: calls.append(("pre", type(mod).__name__, prefix)))
        m.register_load_state_dict_post_hook(
            lambda mod, keys: calls.append(("post", type(mod).__name__, keys.missing_keys, keys.unexpected_keys)))
        sd = {k: v.clone() for k, v in m.state_dict().items()}
        sd["0.renamed"] = lib.ones(1)
        m.load_state_dict(sd)
        return calls
    same(fn)


def test_state_dict_hooks():
    def fn(lib):
        calls = []
        m = lib.nn.Sequential(lib.nn.Linear(2, 2))
        m[0].register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append(("pre", prefix, keep_vars)))

        def post(mod, sd, prefix, local_metadata):
            calls.append(("post", prefix, sorted(sd)))
            sd[prefix + "added"] = lib.ones(1)
        m[0].register_state_dict_post_hook(post)
        keys = list(m.state_dict(keep_vars=True))
        return calls, keys
    same(fn)


def test_extra_state():
    def fn(lib):
        class WithExtra(lib.nn.Linear):
            def get_extra_state(self):
                return {"v": 1}

            def set_extra_state(self, state):
                self.loaded = state

        m = lib.nn.Sequential(WithExtra(1, 1))
        sd = m.state_dict()
        m.load_state_dict(sd)
        r = m.load_state_dict({k: v for k, v in sd.items() if "extra" not in k}, strict=False)
        return list(sd), sd["0._extra_state"], m[0].loaded, r.missing_keys
    same(fn)


# ---------------------------------------------------------------------------
# modes, grads, apply, dtype conversion


def test_train_eval():
    def fn(lib):
        m = make_model(lib)
        out = [m.training, m.eval() is m, [x.training for x in m.modules()]]
        m.encoder.train()
        out.append([x.training for x in m.modules()])
        out.append(m.train(True) is m)
        return out
    same(fn)
    same_error(lambda lib: make_model(lib).train("yes"))


def test_requires_grad_and_zero_grad():
    def fn(lib):
        m = make_model(lib)
        m.requires_grad_(False)
        out = [[p.requires_grad for p in m.parameters()]]
        m.head.requires_grad_()
        out.append([p.requires_grad for p in m.parameters()])
        m.requires_grad_(True)
        m(lib.ones(2, 4)).sum().backward()
        m.zero_grad(set_to_none=False)
        out.append([p.grad is None or bool((p.grad == 0).all()) for p in m.parameters()])
        m.zero_grad()
        out.append([p.grad is None for p in m.parameters()])
        return out
    same(fn)


def test_apply_order():
    def fn(lib):
        seen = []
        m = make_model(lib)
        assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
        return seen
    same(fn)


@pytest.mark.parametrize("conv", ["double", "half", "float", "bfloat16", "to_f64", "to_kw", "to_tensor"])
def test_dtype_conversion(conv):
    def fn(lib):
        m = make_model(lib)
        dt = {"to_f64": lib.float64}.get(conv)
        w = m.head.weight
        if conv == "to_f64":
            r = m.to(dt)
        elif conv == "to_kw":
            r = m.to(dtype=lib.float64, device="cpu")
        elif conv == "to_tensor":
            r = m.to(lib.ones(1, dtype=lib.float64))
        else:
            r = getattr(m, conv)()
        return (r is m, m.head.weight is w, isinstance(m.head.weight, lib.nn.Parameter),
                [(n, str(v.dtype)) for n, v in m.state_dict().items()])
    same(fn)
    same_error(lambda lib: make_model(lib).to(lib.int32))


def test_to_keeps_grad_and_cpu():
    m = ember.nn.Linear(2, 2)
    m(ember.ones(1, 2)).sum().backward()
    m.double()
    assert m.weight.grad.dtype == ember.float64 and m.weight.dtype == ember.float64
    assert m.cpu() is m


# ---------------------------------------------------------------------------
# forward hooks


def test_forward_hooks_order_kwargs_prepend():
    def fn(lib):
        calls = []
        m = lib.nn.Linear(2, 2)
        h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre1"))
        m.register_forward_pre_hook(lambda mod, args: calls.append("pre0"), prepend=True)
        m.register_forward_pre_hook(lambda mod, args, kwargs: calls.append(("prekw", sorted(kwargs))),
                                    with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: calls.append(("post", tuple(out.shape))))
        m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(("postkw", len(args))),
                                with_kwargs=True, prepend=True)
        m(lib.ones(1, 2))
        h1.remove()
        m(input=lib.ones(1, 2))
        return calls
    same(fn)


def test_forward_hooks_modify_args_and_output():
    def fn(lib):
        m = lib.nn.Linear(2, 2)
        with lib.no_grad():
            m.weight.fill_(1.0)
            m.bias.zero_()
        m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        m.register_forward_pre_hook(lambda mod, args, kwargs: (args, kwargs), with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: out + 1)
        return m(lib.ones(1, 2)).tolist()
    same(fn)

    def bad_kwargs_hook(lib):
        m = lib.nn.Linear(2, 2)
        m.register_forward_pre_hook(lambda mod, a, k: 3, with_kwargs=True)
        m(lib.ones(1, 2))
    same_error(bad_kwargs_hook)


def test_forward_hook_always_call():
    def fn(lib):
        calls = []

        class Boom(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        m = Boom()
        m.register_forward_hook(lambda mod, args, out: calls.append("normal"))
        m.register_forward_hook(lambda mod, args, out: calls.append(("always", out)), always_call=True)
        try:
            m(lib.ones(1))
        except ValueError:
            calls.append("raised")
        return calls
    same(fn)


def test_global_forward_hook():
    def fn(lib):
        calls = []
        h = lib.nn.modules.module.register_module_forward_hook(lambda m, a, o: calls.append(type(m).__name__))
        try:
            make_model(lib)(lib.ones(2, 4))
        finally:
            h.remove()
        make_model(lib)(lib.ones(2, 4))
        return calls
    same(fn)


# ---------------------------------------------------------------------------
# backward hooks


def test_full_backward_hooks_values():
    def fn(lib):
        rec = []
        m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Linear(2, 2))
        if lib is ember:
            sync(fn.torch_model, m)
        else:
            fn.torch_model = m

        def hook(mod, gin, gout):
            rec.append(("hook", [None if g is None else N(g).round(5).tolist() for g in gin],
                        [N(g).round(5).tolist() for g in gout]))

        def pre(mod, gout):
            rec.append(("pre", [N(g).round(5).tolist() for g in gout]))
            return (gout[0] * 2,)
        m[1].register_full_backward_hook(hook)
        m[1].register_full_backward_pre_hook(pre)
        m[0].register_full_backward_hook(hook)
        x = lib.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], requires_grad=True)
        y = m(x)
        y.backward(lib.tensor([[1.0, -1.0], [2.0, 0.5]]))
        rec.append(("xgrad", N(x.grad).round(5).tolist()))
        return rec
    same(fn)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_full_backward_hook_replaces_grad_input_and_no_input_grad():
    def fn(lib):
        rec = []
        m = lib.nn.Linear(2, 2)
        m.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 0 + 1,) if gin[0] is not None
                                      else rec.append(("none", len(gin))))
        x = lib.ones(1, 2, requires_grad=True)
        m(x).sum().backward()
        rec.append(N(x.grad).tolist())
        m(lib.ones(1, 2)).sum().backward()  # input needs no grad: the hook sees grad_input (None,)
        return rec
    same(fn)


def test_backward_hook_mixing_error():
    def fn(lib):
        m = lib.nn.Linear(1, 1)
        m.register_backward_hook(lambda *a: None)
        m.register_full_backward_hook(lambda *a: None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_error(fn)


# ---------------------------------------------------------------------------
# repr, dir, pickling, copying


@pytest.mark.parametrize("maker", [make_block, make_tied, make_model])
def test_repr(maker):
    def fn(lib):
        return repr(maker(lib))
    same(fn)


def test_repr_extra_repr_multiline():
    def fn(lib):
        class Extra(lib.nn.Module):
            def __init__(self, lines):
                super().__init__()
                self.lines = lines

            def extra_repr(self):
                return "\n".join(self.lines)

        m = Extra(["a=1", "b=2"])
        m.child = Extra(["c=3"])
        m.child.grand = lib.nn.Linear(1, 1)
        return repr(m), repr(Extra(["only"])), repr(Extra([])), repr(lib.nn.Module())
    same(fn)


def test_dir():
    def fn(lib):
        m = make_model(lib)
        d = dir(m.encoder)
        return ([k for k in ["linear1", "norm", "steps", "cache", "scale", "forward", "training"] if k in d],
                d == sorted(d), "0" in dir(lib.nn.Sequential(lib.nn.Identity())))
    same(fn)


class PickleBlock(ember.nn.Module):  # module-level: pickle finds classes by name
    def __init__(self):
        super().__init__()
        self.linear1 = ember.nn.Linear(3, 3)
        self.register_buffer("steps", ember.zeros((), dtype=ember.int64))
        self.register_buffer("cache", ember.ones(2), persistent=False)

    def forward(self, x):
        return self.linear1(x)


class PickleTied(ember.nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = ember.nn.Linear(3, 3)
        self.shared = ember.nn.Sequential(ember.nn.Linear(3, 3), ember.nn.LayerNorm(3))
        self.again = self.shared
        self.dec = ember.nn.Linear(3, 3, bias=False)
        self.dec.weight = self.enc.weight
        self.blocks = ember.nn.ModuleList([PickleBlock(), PickleBlock()])

    def forward(self, x):
        return self.blocks[1](self.dec(self.again(self.shared(self.enc(x)))))


def test_pickle_and_deepcopy():
    m = PickleTied()
    m.blocks[0].steps.fill_(5)
    for clone in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        assert list(clone.state_dict()) == list(m.state_dict())
        assert clone.dec.weight is clone.enc.weight and clone.again is clone.shared
        assert clone.enc.weight is not m.enc.weight
        assert int(clone.blocks[0].steps) == 5
        assert [n for n, _ in clone.named_buffers()] == [n for n, _ in m.named_buffers()]
        for a, b in zip(clone.parameters(), m.parameters()):
            np.testing.assert_array_equal(N(a), N(b))
            assert isinstance(a, ember.nn.Parameter) and a.requires_grad
        x = ember.ones(1, 3)
        np.testing.assert_array_equal(N(clone(x)), N(m(x)))
    c = copy.copy(m)
    assert c.enc is m.enc


def test_deepcopy_keeps_hooks_and_grads():
    m = ember.nn.Linear(2, 2)
    m(ember.ones(1, 2)).sum().backward()
    calls = []
    m.register_forward_hook(lambda *a: calls.append(1))
    c = copy.deepcopy(m)
    assert c.weight.grad is not None and c.weight.grad is not m.weight.grad
    c(ember.ones(1, 2))
    assert calls == [1]


# ---------------------------------------------------------------------------
# Sequential


def seq(lib, n=4):
    return lib.nn.Sequential(*[lib.nn.Linear(i + 1, i + 2) for i in range(n)])


def test_sequential_indexing_and_slicing():
    same(lambda lib: (repr(seq(lib)[1:3]), type(seq(lib)[1:3]).__name__, repr(seq(lib)[-1]), repr(seq(lib)[::2]),
                      len(seq(lib)), list(seq(lib)[1:]._modules)))
    same_error(lambda lib: seq(lib)[4])
    same_error(lambda lib: seq(lib)[-5])


def test_sequential_ordereddict_names():
    same(lambda lib: (repr(lib.nn.Sequential(OrderedDict([("a", lib.nn.Identity()), ("b", lib.nn.ReLU()
                                                                                       if hasattr(lib.nn, "ReLU") else lib.nn.Identity())]))[1:]),))


def test_sequential_mutation():
    def fn(lib):
        s = seq(lib)
        out = []
        s.append(lib.nn.Identity())
        out.append(list(s._modules))
        s.insert(1, lib.nn.Flatten())
        out.append([type(m).__name__ for m in s])
        s.insert(-1, lib.nn.Identity())
        out.append([type(m).__name__ for m in s])
        s.extend([lib.nn.Identity(), lib.nn.Flatten()])
        out.append(list(s._modules))
        popped = s.pop(0)
        out.append((type(popped).__name__, list(s._modules)))
        del s[1]
        out.append(list(s._modules))
        del s[1:3]
        out.append(list(s._modules))
        s[0] = lib.nn.Identity()
        out.append(repr(s))
        return out
    same(fn)


def test_sequential_operators():
    def fn(lib):
        a, b = seq(lib, 2), seq(lib, 1)
        c = a + b
        out = [list(c._modules), c[2] is b[0]]
        a += b
        out.append(list(a._modules))
        d = seq(lib, 1) * 3
        out.append(list(d._modules))
        out.append(d[0] is d[2])
        return out
    same(fn)
    same_error(lambda lib: seq(lib) + lib.nn.ModuleList())
    same_error(lambda lib: seq(lib) * 0)


def test_sequential_pop_insert_errors():
    same_error(lambda lib: seq(lib).insert(9, lib.nn.Identity()))
    same_error(lambda lib: seq(lib).insert(0, 3))


def test_sequential_with_ordereddict_keys_after_delete():
    def fn(lib):
        s = lib.nn.Sequential(OrderedDict([("a", lib.nn.Identity()), ("b", lib.nn.Flatten()),
                                           ("c", lib.nn.Identity())]))
        del s[0]
        out = [list(s._modules)]
        s.append(lib.nn.Identity())
        out.append(list(s._modules))
        return out
    same(fn)


# ---------------------------------------------------------------------------
# ModuleList / ModuleDict


def test_modulelist():
    def fn(lib):
        nn = lib.nn
        ml = nn.ModuleList([nn.Linear(1, 1), nn.Identity()])
        out = [repr(ml), len(ml), repr(ml[-1]), repr(ml[0:1]), type(ml[0:1]).__name__]
        ml.append(nn.Flatten())
        ml.extend([nn.Identity()])
        ml.insert(0, nn.Linear(2, 2))
        ml.insert(2, nn.Linear(3, 3))
        out.append(list(ml._modules))
        out.append([type(m).__name__ for m in ml])
        ml[1] = nn.Identity()
        del ml[0]
        out.append([type(m).__name__ for m in ml])
        out.append(type(ml.pop(1)).__name__)
        ml += nn.ModuleList([nn.Identity()])
        out.append(list(ml._modules))
        out.append(repr(ml + nn.ModuleList([nn.Flatten()])))
        out.append(repr(nn.ModuleList()))
        out.append([n for n, _ in ml.named_parameters()])
        return out
    same(fn)
    same_error(lambda lib: lib.nn.ModuleList()[0])
    same_error(lambda lib: lib.nn.ModuleList().extend(lib.nn.Identity()))


def test_modulelist_repr_compresses_repeats():
    same(lambda lib: repr(lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)] + [lib.nn.Identity()])))


def test_moduledict():
    def fn(lib):
        nn = lib.nn
        md = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.Identity()})
        out = [repr(md), list(md), list(md.keys()), [type(v).__name__ for v in md.values()], "a" in md, len(md)]
        md["c"] = nn.Flatten()
        md.update([("d", nn.Identity())])
        md.update(OrderedDict(e=nn.Identity()))
        out.append(list(md.items())[-1][0])
        out.append(type(md.pop("b")).__name__)
        del md["a"]
        out.append(list(md))
        out.append([n for n, _ in md.named_modules()])
        md.clear()
        out.append((len(md), repr(md)))
        return out
    same(fn)
    same_error(lambda lib: lib.nn.ModuleDict()["x"])
    same_error(lambda lib: lib.nn.ModuleDict().update([("a", lib.nn.Identity(), 1)]))


# ---------------------------------------------------------------------------
# ParameterList / ParameterDict


def test_parameterlist():
    def fn(lib):
        nn = lib.nn
        pl = nn.ParameterList([nn.Parameter(lib.ones(2)), lib.zeros(3, 2)])
        out = [repr(pl), len(pl), [type(p).__name__ for p in pl], [n for n, _ in pl.named_parameters()],
               [p.requires_grad for p in pl]]
        pl.append(lib.ones(1, dtype=lib.float64))
        pl.extend([nn.Parameter(lib.ones(4))])
        pl[0] = lib.full((2,), 3.0)
        out.append(repr(pl))
        out.append(repr(pl[1:]))
        out.append(list(pl.state_dict()))
        out.append(repr(nn.ParameterList()))
        return out
    same(fn)
    same_error(lambda lib: lib.nn.ParameterList()[0])


def test_parameterdict():
    def fn(lib):
        nn = lib.nn
        pd = nn.ParameterDict({"b": nn.Parameter(lib.ones(2)), "a": lib.zeros(1, 3)})
        out = [repr(pd), list(pd), list(pd.keys()), len(pd), "a" in pd, type(pd["a"]).__name__]
        pd["c"] = lib.ones(1)
        pd.update({"d": nn.Parameter(lib.ones(2, 2))})
        out.append(list(pd.state_dict()))
        out.append(type(pd.pop("b")).__name__)
        out.append(pd.get("zz", 7))
        out.append([k for k, _ in pd.items()])
        out.append(repr(pd))
        pd.clear()
        out.append((len(pd), repr(pd)))
        return out
    same(fn)
    same_error(lambda lib: lib.nn.ParameterDict()["x"])


# ---------------------------------------------------------------------------
# miscellany


def test_forward_missing_and_init_args():
    same_error(lambda lib: lib.nn.Module()(1))
    same_error(lambda lib: lib.nn.Module(3))
    same_error(lambda lib: lib.nn.Module(foo=3))


def test_module_call_returns_and_kwargs():
    tm = make_model(torch)
    em = sync(tm, make_model(ember))
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(N(em(ember.from_numpy(x))), N(tm(torch.from_numpy(x))), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(N(em.encoder(x=ember.from_numpy(x))), N(tm.encoder(x=torch.from_numpy(x))),
                               rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# helpful errors: PyTorch's exception and message, plus a note naming the failing module


def make_encoder(lib):
    nn = lib.nn

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear1 = nn.Linear(6, 5)
            self.norm = nn.LayerNorm(5)

        def forward(self, x):
            return self.norm(self.linear1(x))

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([Layer(), Layer()])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Encoder()

        def forward(self, x):
            return self.encoder(x)

    return Model()


def _act(lib):
    return lib.nn.ReLU() if hasattr(lib.nn, "ReLU") else lib.nn.Identity()


ERROR_CASES = {
    # name: (build(lib), input(lib), failing module path, class, received shape, expected size mentioned)
    "sequential": (lambda lib: lib.nn.Sequential(lib.nn.Linear(4, 8), _act(lib), lib.nn.Linear(7, 2)),
                   lambda lib: lib.ones(3, 4), "2", "Linear", "(3, 8)", "7"),
    "encoder": (make_encoder, lambda lib: lib.ones(2, 7, 4), "encoder.layers.0.linear1", "Linear", "(2, 7, 4)", "6"),
    "conv": (lambda lib: lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.Conv2d(5, 2, 3)),
             lambda lib: lib.ones(1, 3, 8, 8), "1", "Conv2d", "(1, 4, 6, 6)", "5"),
    "layernorm": (lambda lib: lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.LayerNorm(5)),
                  lambda lib: lib.ones(2, 4), "1", "LayerNorm", "(2, 6)", "5"),
    "batchnorm": (lambda lib: lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.BatchNorm1d(5)),
                  lambda lib: lib.ones(2, 4), "1", "BatchNorm1d", "(2, 6)", "5"),
    "dtype": (lambda lib: lib.nn.Sequential(lib.nn.Linear(4, 4)), lambda lib: lib.ones(2, 4, dtype=lib.float64),
              "0", "Linear", "(2, 4)", "Float"),
}


def _raise(lib, case):
    build, make_input = ERROR_CASES[case][:2]
    with pytest.raises(Exception) as info:
        build(lib)(make_input(lib))
    return info.value


def _full_message(e):
    return "\n".join([str(e), *getattr(e, "__notes__", [])])


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_error_type_and_message_match_torch(case):
    te, ee = _raise(torch, case), _raise(ember, case)
    assert type(ee).__name__ == type(te).__name__
    assert str(ee).startswith(str(te)), (str(ee), str(te))  # ember may append what it expected and received


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_error_names_failing_module(case):
    _, _, path, cls, received, expected = ERROR_CASES[case]
    e = _raise(ember, case)
    msg = _full_message(e)
    assert f"'{path}'" in msg and cls in msg, msg
    assert received in msg and expected in msg, msg
    assert len(getattr(e, "__notes__", [])) == 1  # one note, added by the outermost call


def test_error_note_with_hooks_on_the_failing_module():
    m = ERROR_CASES["sequential"][0](ember)
    m[2].register_forward_hook(lambda *a: None)
    m.register_forward_pre_hook(lambda *a: None)
    with pytest.raises(RuntimeError) as info:
        m(ember.ones(3, 4))
    msg = _full_message(info.value)
    assert "'2' (Linear)" in msg and "(3, 8)" in msg, msg


def test_error_note_depth_resets_after_failure():
    for case in ("encoder", "sequential", "encoder"):
        e = _raise(ember, case)
        assert f"'{ERROR_CASES[case][2]}'" in _full_message(e)
    # a module called on its own after a failure is again the outermost one
    with pytest.raises(RuntimeError) as info:
        ember.nn.Linear(3, 2)(ember.ones(1, 4))
    assert "Linear (the model itself)" in _full_message(info.value)


def test_error_in_user_forward_keeps_type():
    class Check(ember.nn.Module):
        def forward(self, x):
            raise KeyError("missing feature")

    model = ember.nn.Sequential(ember.nn.Identity(), Check())
    with pytest.raises(KeyError) as info:
        model(ember.ones(2))
    assert info.value.args == ("missing feature",)
    assert "'1' (Check)" in _full_message(info.value)


def test_set_submodule_and_to_empty():
    def fn(lib):
        m = make_model(lib)
        m.set_submodule("encoder.linear1", lib.nn.Linear(4, 3, bias=False))
        out = [list(m.state_dict())]
        m.to_empty(device="meta")
        out.append([p.device.type for p in m.parameters()])
        return out
    same(fn)
    same_error(lambda lib: make_model(lib).set_submodule("encoder.nope.x", lib.nn.Identity()))


def test_global_registration_hooks():
    def fn(lib):
        mm = lib.nn.modules.module
        seen = []
        hs = [mm.register_module_buffer_registration_hook(lambda m, n, t: seen.append(("buffer", n))),
              mm.register_module_parameter_registration_hook(lambda m, n, p: seen.append(("param", n))),
              mm.register_module_module_registration_hook(lambda m, n, s: seen.append(("module", n)))]
        try:
            make_block(lib)
        finally:
            for h in hs:
                h.remove()
        make_block(lib)
        return seen
    same(fn)


def test_named_parameters_of_parametrized_and_lazy():
    def fn(lib):
        m = lib.nn.LazyLinear(3)
        out = [[type(p).__name__ for p in m.parameters()]]
        m(lib.ones(2, 5))
        out.append([(n, tuple(p.shape), type(p).__name__) for n, p in m.named_parameters()])
        return out
    same(fn)


def test_lazy_module_with_other_hooks():
    """The lazy-init pre-hook removes itself while the hooks run: the others must still be called."""
    def fn(lib):
        calls = []
        m = lib.nn.LazyLinear(3)
        m.register_forward_pre_hook(lambda mod, args: calls.append("pre"))
        m.register_forward_hook(lambda mod, args, out: calls.append(("post", tuple(out.shape))))
        m(lib.ones(2, 5))
        m(lib.ones(2, 5))
        return calls, type(m).__name__, tuple(m.weight.shape)
    same(fn)


def test_error_note_describes_dtypes_and_keyword_inputs():
    e = _raise(ember, "dtype")
    assert "(2, 4) float64" in _full_message(e)  # the dtype matters for a dtype mismatch
    with pytest.raises(RuntimeError) as info:
        make_encoder(ember)(x=ember.ones(2, 7, 4))
    msg = _full_message(info.value)
    assert "'encoder.layers.0.linear1' (Linear)" in msg and "(2, 7, 4)" in msg, msg
