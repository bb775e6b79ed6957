"""Tensor-method details checked against PyTorch: argument parsing of to/view/reshape/expand/copy_ and
torch.Size, strides of views and empty tensors, and Tensor subclasses keeping their class through ops."""
import random

import numpy as np
import pytest

import ember
from tests.autograd import torch

pytestmark = pytest.mark.torch


def outcome(fn, T):
    try:
        r = fn(T)
    except Exception as e:  # noqa: BLE001
        return "err", type(e).__name__, str(e)
    if isinstance(r, (ember.Tensor, torch.Tensor)):
        return "ok", str(r.dtype).split(".")[-1], tuple(r.shape), r.stride(), r.detach().cpu().tolist()
    return "ok", r


def same(fn, message=True):
    e, t = outcome(fn, ember), outcome(fn, torch)
    if not message and e[0] == t[0] == "err":
        e, t = e[:2], t[:2]
    assert e == t


# ---------------------------------------------------------------------------
# argument parsing

TO_ARGS = [((), {}), (("cpu",), {}), (("cpu", "float64"), {}), (("float64",), {}), (("float64", True, True), {}),
           (("cpu", "float64", False, True), {}), (("cpu", "cpu"), {}), (("float32", "float32"), {}),
           (("float32", "cpu"), {}), ((1, 2, 3), {}), (("cpu", "float32", True, True, True), {}),
           (("tensor", "float64"), {}), (("float64",), {"device": "cpu"}), (("tensor",), {"device": "cpu"}),
           (("cpu",), {"device": "cpu"}), ((None, "float64"), {}), (("float64", None), {}), ((float,), {}),
           (("float64",), {"copy": True, "dtype": "float32"}), (("float64", 1), {}), ((), {"other": "tensor"}),
           (("float64",), {"non_blocking": 1}), (("float64",), {"foo": 1}), (("tensor", True, True), {}),
           ((), {"dtype": "int32", "device": "cpu"}), ((np.float32,), {}), (([1],), {})]


@pytest.mark.parametrize("args,kwargs", TO_ARGS, ids=str)
def test_to_overloads(args, kwargs):
    def fn(T):
        def arg(a):
            return getattr(T, a) if a in ("float64", "float32", "int32") else T.zeros(1, dtype=T.int64) \
                if a == "tensor" else a
        r = T.arange(3.).to(*map(arg, args), **{k: arg(v) for k, v in kwargs.items()})
        return r
    same(fn)  # the message too: PyTorch's "invalid combination of arguments" listing the three overloads


@pytest.mark.parametrize("call", [
    lambda T: T.arange(6.).reshape(shape=(2, 3)), lambda T: T.arange(6.).view(size=[3, 2]),
    lambda T: T.arange(6.)[None].expand(size=(2, 6)), lambda T: T.arange(6.)[None].expand((2, 6), implicit=True),
    lambda T: T.arange(6.).reshape(2.0, 3), lambda T: T.arange(6.).reshape((2.0, 3)),
    lambda T: T.arange(6.).reshape((True, 6)), lambda T: T.arange(6.).reshape(True, 6),
    lambda T: T.arange(6.).reshape(np.int64(2), 3), lambda T: T.arange(6.).reshape([np.int32(6)]),
    lambda T: T.arange(6.).reshape((T.tensor(2), 3)), lambda T: T.arange(6.).view(T.tensor(2), 3),
    lambda T: T.arange(6.).reshape(T.tensor(6)), lambda T: T.arange(6.).reshape(np.array([2, 3])),
    lambda T: T.arange(6.).reshape("ab"), lambda T: T.arange(6.).reshape(None), lambda T: T.arange(6.).reshape(),
    lambda T: T.arange(6.).reshape((2, 3), 1), lambda T: T.arange(6.).reshape(2, 3, shape=(2, 3)),
    lambda T: T.arange(6.)[None].expand(2, 6, size=(2, 6)), lambda T: T.arange(6.)[None].expand(),
    lambda T: T.arange(6.)[None].expand((2.0, 6)), lambda T: T.arange(6.).repeat(2.0),
    lambda T: T.arange(6.).repeat((True, 2)), lambda T: T.arange(6.).view(dtype=T.int64),
    lambda T: T.arange(6.).view(T.int32), lambda T: T.arange(6.).view(), lambda T: T.arange(6.).view(None),
    lambda T: T.arange(6.).view((2.0, 3)), lambda T: T.arange(6.).view(2, -3), lambda T: T.arange(6.).view(-2, -1),
    lambda T: T.arange(6.).view(-1, -1), lambda T: T.zeros(0, 3).reshape(-1, 0), lambda T: T.zeros(0, 3).view(0, -1),
    lambda T: T.zeros(0, 3).reshape(-1, 3), lambda T: T.zeros(6).reshape(2, -1, 0), lambda T: T.tensor(1.).view(()),
    lambda T: T.tensor(1.).expand(()), lambda T: T.ones(2, 3).expand(3),
    lambda T: T.ones(2, 3, dtype=T.int64).expand(3), lambda T: T.ones(2, 3, dtype=T.bool).expand(3),
    lambda T: T.ones(2, 3, dtype=T.complex64).expand(3), lambda T: T.ones(2, 3, dtype=T.float16).expand(3),
])
def test_size_arguments(call):
    same(call)


@pytest.mark.parametrize("sizes", [[2.5], [2.0], ["a"], [np.int64(2), 3], [True], [-1], [], (4, 0)], ids=str)
def test_size_constructor(sizes):
    same(lambda T: list(T.Size(sizes)))
    same(lambda T: (repr(T.Size(sizes)).replace("ember", "torch"), type(T.Size(sizes)[1:]).__name__))


def test_size_stays_fast_and_shared():
    t = ember.ones(2, 3)
    assert type(t.shape) is ember.Size and t.shape == (2, 3) and t.size() == t.shape
    assert ember.ones(2, 3).shape is t.shape  # cached: a Size is immutable


@pytest.mark.parametrize("dst,src", [((2, 3), (3, 2)), ((5, 2, 3), (4, 1, 3)), ((3,), (2, 3)), ((3,), (1, 3)),
                                     ((3,), (2, 4)), ((2, 3), (7, 4, 5)), ((), (2,)), ((0,), (2,)), ((2,), (0,)),
                                     ((2, 3), (3,)), ((2, 3), ())], ids=str)
def test_copy_shapes(dst, src):
    same(lambda T: T.zeros(dst).copy_(T.arange(float(np.prod(src))).reshape(src)))


@pytest.mark.parametrize("src", [[1.0, 2.0, 3.0], np.ones(3), None, 2.5, True, np.float64(2), 7], ids=repr)
def test_copy_sources(src):
    same(lambda T: T.zeros(3).copy_(src))
    same(lambda T: T.zeros(3).copy_(other=T.ones(3)))


def test_conversion_argument_errors():
    for fn in [lambda T: T.ones(2).type(3), lambda T: T.ones(2).type([1]), lambda T: T.ones(2).type_as(3.0),
               lambda T: T.ones(2).type_as(None), lambda T: T.ones(2).type("torch.ComplexDoubleTensor"),
               lambda T: T.ones(2, dtype=T.bfloat16).numpy(), lambda T: T.zeros(()).size(0),
               lambda T: T.zeros(()).stride(-1), lambda T: T.zeros(()).size(1), lambda T: T.zeros(()).stride(),
               lambda T: setattr(T.ones(2, dtype=T.int64), "requires_grad", True),
               lambda T: T.ones(2, dtype=T.int64).requires_grad_(), lambda T: T.ones(2).to(memory_format=T.channels_last),
               lambda T: T.ones(2, 3).t().to(memory_format=T.contiguous_format).stride(),
               lambda T: T.ones(1, 2, 3, 4).to(memory_format=T.channels_last).stride(),
               lambda T: T.ones(1, 2, 3, 4).to(memory_format=T.channels_last).to(memory_format=T.contiguous_format)]:
        same(fn)


# ---------------------------------------------------------------------------
# strides

def test_empty_tensor_strides():
    same(lambda T: [T.zeros(2, 0, 3).stride(), T.zeros(0).stride(), T.zeros(0, 3).t().stride(),
                    T.zeros(0, 3).expand(2, 0, 3).stride(), T.zeros(2, 0, 3).sum(0).stride(),
                    T.zeros(2, 0, 3)[1].stride(), T.zeros(2, 0, 3).permute(2, 0, 1).stride(),
                    (T.zeros(2, 0, 3) + 1).stride(), T.zeros(3, 4)[:, :0].stride(), T.zeros(3, 4)[:0].view(4, 0).stride(),
                    T.zeros(2, 0, 3).view(2, 0, 3).stride(), T.zeros(2, 0, 3).permute(2, 0, 1).view(3, 2, 0).stride(),
                    T.zeros(2, 0, 3).permute(2, 0, 1).view(6, 0).stride(), T.zeros(0, 3).t().contiguous().stride()])


def _rand_shape(rng, n):
    shape = []
    while n > 1:
        d = rng.choice([d for d in range(2, n + 1) if n % d == 0])
        shape.append(d)
        n //= d
    for _ in range(rng.randint(0, 2)):
        shape.insert(rng.randint(0, len(shape)), 1)
    rng.shuffle(shape)
    return shape


def test_view_strides_match_torch():
    """PyTorch's computeStride decides the strides of size-1 dims (and of empty views); NumPy's differ."""
    rng = random.Random(0)
    for _ in range(300):
        shape = _rand_shape(rng, rng.choice([1, 2, 4, 6, 12, 24]))
        if rng.random() < 0.15:
            shape.insert(rng.randint(0, len(shape)), 0)
        n = int(np.prod(shape))
        tt, et = torch.arange(float(n)).reshape(shape), ember.arange(float(n)).reshape(shape)
        for _ in range(rng.randint(0, 3)):  # make it non-contiguous: transposes, slices, unsqueezes
            r = rng.random()
            if tt.dim() >= 2 and r < 0.4:
                d0, d1 = rng.sample(range(tt.dim()), 2)
                tt, et = tt.transpose(d0, d1), et.transpose(d0, d1)
            elif tt.dim() >= 1 and r < 0.7 and tt.shape[d := rng.randrange(tt.dim())] > 1:
                a = rng.randrange(tt.shape[d])
                key = (slice(None),) * d + (slice(a, None, rng.choice([1, 2])),)
                tt, et = tt[key], et[key]
            else:
                d = rng.randrange(tt.dim() + 1)
                tt, et = tt.unsqueeze(d), et.unsqueeze(d)
        if tt.stride() != et.stride():
            continue  # an indexing difference, not a view one
        m = tt.numel()
        for _ in range(4):
            new = _rand_shape(rng, m) if m else [rng.choice([0, 1, 2]) for _ in range(rng.randint(1, 3))] + [0]
            try:
                expected = tt.view(new).stride()
            except RuntimeError:
                with pytest.raises(RuntimeError):
                    et.view(new)
                continue
            assert et.view(new).stride() == expected, (tuple(tt.shape), tt.stride(), new)
            assert et.reshape(new).stride() == tt.reshape(new).stride()


# ---------------------------------------------------------------------------
# subclasses (NOTE [ Tensor subclasses ] in ember/_tensor.py)

def _subclass_scenario(T):
    class Mine(T.Tensor):
        pass

    class Sub(Mine):
        pass

    m = Mine([1.0, 2.0])
    s = T.ones(2).as_subclass(Sub)
    p = T.nn.Parameter(T.ones(2))
    results = [m + 1, 1 + m, T.ones(2) + m, T.add(T.ones(2), m), m.sum(), m[0], m.detach(), m.data, m.clone(),
               m.view(2, 1), m.reshape(1, 2).T, m.to(T.float64), m.float(), T.stack([m, m]), T.cat([T.ones(2), m]),
               m @ m, m.eq(m), T.nn.functional.relu(m), m + s, s + m, p + 1, p + m, p.detach(), p.data,
               T.ones(2).as_subclass(T.nn.Parameter), *m.unbind()]
    x = T.ones(2, requires_grad=True)
    y = x.as_subclass(Mine)
    (y * 3).sum().backward()
    return [type(r).__name__ for r in results], y.requires_grad, y.is_leaf, x.grad.tolist(), type(m).__name__


def test_subclasses_keep_their_class():
    assert _subclass_scenario(ember) == _subclass_scenario(torch)


def test_as_subclass_errors_and_slots():
    same(lambda T: T.ones(2).as_subclass(int))

    def slotted(T):
        class Slotted(T.Tensor):
            __slots__ = ("extra",)
        s = T.arange(3.).as_subclass(Slotted)
        s.extra = 1
        return [type(v).__name__ for v in (s, s + 1, s.sum(), s.detach(), s[1:])], (s * 2).tolist(), s.extra
    assert slotted(ember) == slotted(torch)
    assert type(ember.ones(2).as_subclass(ember.Tensor)) is ember.Tensor and type(ember.ones(2) + 1) is ember.Tensor


def test_parameter_subclass_opt_out():
    class MyParam(ember.nn.Parameter):
        pass

    class Opted(ember.Tensor):
        __torch_function__ = ember._tensor._disabled_torch_function_impl

    q = MyParam(ember.ones(2))
    o = ember.ones(2).as_subclass(Opted)
    assert type(q + 1) is ember.Tensor and type(o * 2) is ember.Tensor and type(o) is Opted
