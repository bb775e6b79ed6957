"""ModuleInfo: nn layers as data, checked against their PyTorch twins.

For each row and each constructor variant: build torch.nn.<name>(...) and
ember.nn.<name>(...), check repr and state_dict keys/shapes are equal, copy
PyTorch's state_dict into ember by key, then in train and eval mode and in
float32 and float64 compare the outputs, the input gradients and every
parameter gradient for a random output gradient.

    ROWS = [ModuleInfo("Linear", [C(3, 4), C(3, 4, bias=False)], inputs=lambda rng: [rand(rng, 2, 3)])]
    globals().update(make_module_tests(ROWS))
"""
import dataclasses
from typing import Callable

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:
    torch = None


class C:
    """Constructor arguments for one variant of a module."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs

    def __repr__(self):
        return "C(" + ", ".join([repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]) + ")"


def rand(rng, *shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape)


def ints(rng, high, *shape):
    return rng.integers(0, high, size=shape).astype(np.int64)


@dataclasses.dataclass
class ModuleInfo:
    name: str                                  # class name in nn (dotted for submodules)
    variants: list                             # list of C(...)
    inputs: Callable                           # inputs(rng, variant) -> list of numpy arrays (floats get grads)
    dtypes: tuple = ("float32", "float64")
    modes: tuple = ("train", "eval")           # drop "train" for layers whose train mode is random (Dropout)
    atol: float = 1e-5
    rtol: float = 1e-4
    grad: bool = True
    repr: bool = True
    output: Callable = None                    # pick the differentiable output(s) from forward's result
    skip: str = ""


def _resolve(mod, dotted):
    for part in dotted.split("."):
        mod = getattr(mod, part)
    return mod


def _to(x, fw, dtype):
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            x = x.astype(dtype)
            t = torch.from_numpy(x.copy()) if fw == "torch" else ember.from_numpy(x.copy())
            return t.requires_grad_()
        return torch.from_numpy(x.copy()) if fw == "torch" else ember.from_numpy(x.copy())
    if isinstance(x, (list, tuple)):
        return type(x)(_to(i, fw, dtype) for i in x)
    return x


def _np(t):
    return t.detach().numpy() if torch is not None and isinstance(t, torch.Tensor) else t.detach()._host()


def _outputs(out, pick):
    if pick is not None:
        out = pick(out)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if hasattr(o, "requires_grad") and o.requires_grad]


def build_pair(info, variant, dtype):
    """PyTorch and ember twins with identical weights (PyTorch's init copied by state_dict key)."""
    torch.manual_seed(0)
    t_mod = _resolve(torch.nn, info.name)(*variant.args, **variant.kwargs)
    e_mod = _resolve(ember.nn, info.name)(*variant.args, **variant.kwargs)
    if dtype == "float64":
        t_mod, e_mod = t_mod.double(), e_mod.double()
    t_sd, e_sd = t_mod.state_dict(), e_mod.state_dict()
    assert list(t_sd) == list(e_sd), f"state_dict keys {list(e_sd)} != torch's {list(t_sd)}"
    for k in t_sd:
        assert tuple(e_sd[k].shape) == tuple(t_sd[k].shape), f"{k}: shape {tuple(e_sd[k].shape)} != {tuple(t_sd[k].shape)}"
        assert str(e_sd[k].dtype) == str(t_sd[k].dtype), f"{k}: dtype {e_sd[k].dtype} != {t_sd[k].dtype}"
    e_mod.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t_sd.items()})
    return t_mod, e_mod


def check_module(info, variant, dtype, mode, seed=0):
    rng = np.random.default_rng(seed)
    t_mod, e_mod = build_pair(info, variant, dtype)
    if info.repr:
        assert repr(e_mod) == repr(t_mod)
    t_mod.train(mode == "train")
    e_mod.train(mode == "train")
    arrays = info.inputs(rng, variant)
    t_in = [_to(a, "torch", dtype) for a in arrays]
    e_in = [_to(a, "ember", dtype) for a in arrays]
    t_out = t_mod(*t_in)
    e_out = e_mod(*e_in)
    t_outs, e_outs = _outputs(t_out, info.output), _outputs(e_out, info.output)
    assert len(t_outs) == len(e_outs)
    tol = dict(atol=info.atol if dtype == "float64" else max(info.atol, 1e-4), rtol=info.rtol)
    for i, (e, t) in enumerate(zip(e_outs, t_outs)):
        assert tuple(e.shape) == tuple(t.shape), f"output {i}: shape {tuple(e.shape)} != {tuple(t.shape)}"
        np.testing.assert_allclose(_np(e), _np(t), err_msg=f"output {i}", **tol)
    for name, buf in t_mod.named_buffers():
        np.testing.assert_allclose(_np(dict(e_mod.named_buffers())[name]), _np(buf), err_msg=f"buffer {name}", **tol)
    if not info.grad or not t_outs:
        return
    grads = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in t_outs]
    torch.autograd.backward(t_outs, [torch.from_numpy(g.copy()) for g in grads])
    ember.autograd.backward(e_outs, [ember.from_numpy(g.copy()) for g in grads])
    flat_t = [x for x in _flatten(t_in) if hasattr(x, "requires_grad") and x.requires_grad]
    flat_e = [x for x in _flatten(e_in) if hasattr(x, "requires_grad") and x.requires_grad]
    for i, (e, t) in enumerate(zip(flat_e, flat_t)):
        if t.grad is None:
            continue
        assert e.grad is not None, f"input {i}: no gradient"
        np.testing.assert_allclose(_np(e.grad), _np(t.grad), err_msg=f"input {i} grad", **tol)
    e_params = dict(e_mod.named_parameters())
    for name, p in t_mod.named_parameters():
        if p.grad is None:
            continue
        assert e_params[name].grad is not None, f"parameter {name}: no gradient"
        np.testing.assert_allclose(_np(e_params[name].grad), _np(p.grad), err_msg=f"grad of {name}", **tol)


def _flatten(xs):
    for x in xs:
        if isinstance(x, (list, tuple)):
            yield from _flatten(x)
        else:
            yield x


def make_module_tests(rows):
    cases = [(info, v, d, m) for info in rows for v in info.variants for d in info.dtypes for m in info.modes]
    ids = [f"{info.name}-{v!r}-{d}-{m}" for info, v, d, m in cases]

    @pytest.mark.torch
    @pytest.mark.parametrize("info,variant,dtype,mode", cases, ids=ids)
    def test_module(info, variant, dtype, mode, record_property):
        record_property("op", "nn." + info.name)
        if info.skip:
            pytest.skip(info.skip)
        check_module(info, variant, dtype, mode)

    return {"test_module": test_module}
