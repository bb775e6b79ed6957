"""Engine semantics against PyTorch: accumulation, retain_graph, hooks, grad modes, in-place and views."""
import sys
import threading
import time

import numpy as np
import pytest

import ember

from . import both, needs_torch, raises_both

pytestmark = [pytest.mark.torch, needs_torch]


def leaf(T, values, dtype="float32"):
    return T.tensor(values, dtype=getattr(T, dtype), requires_grad=True)


# ---------------------------------------------------------------------------
# .grad accumulation, retain_graph, inputs=


@pytest.mark.conforms("Tensor.backward", "Tensor.grad")
def test_grad_accumulates_across_backward_calls():
    def run(T):
        x = leaf(T, [1.0, 2.0, 3.0])
        (x * x).sum().backward()
        first = x.grad.clone()
        (x * 3).sum().backward()
        return first, x.grad
    both(run)


@pytest.mark.conforms("Tensor.backward", "Tensor.grad")
def test_retain_graph_allows_second_backward():
    def run(T):
        x = leaf(T, [1.0, -2.0])
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    both(run)


@pytest.mark.conforms("Tensor.backward")
def test_second_backward_without_retain_graph_raises():
    def run(T):
        x = leaf(T, [1.0, -2.0])
        y = (x * x).sum()
        y.backward()
        y.backward()
    raises_both(run)


@pytest.mark.conforms("Tensor.backward", "Tensor.grad")
def test_backward_inputs_restricts_accumulation():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        w = leaf(T, [3.0, 4.0])
        h = x * w
        h.retain_grad()
        (h * h).sum().backward(inputs=[w, h])
        return x.grad, w.grad, h.grad
    both(run)


@pytest.mark.conforms("Tensor.backward")
def test_backward_empty_inputs_raises():
    def run(T):
        x = leaf(T, [1.0])
        (x * 2).sum().backward(inputs=[])
    raises_both(run)


# ---------------------------------------------------------------------------
# autograd.grad


def test_grad_allow_unused_and_materialize():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        z = leaf(T, [5.0])
        y = (x * x).sum()
        a = T.autograd.grad(y, [x, z], retain_graph=True, allow_unused=True)
        b = T.autograd.grad(y, [x, z], materialize_grads=True)
        return a, b, x.grad, z.grad
    both(run)


def test_grad_unused_raises():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        z = leaf(T, [5.0])
        T.autograd.grad((x * 2).sum(), [x, z])
    raises_both(run)


def test_grad_materialize_with_allow_unused_false_raises():
    def run(T):
        x = leaf(T, [1.0])
        T.autograd.grad((x * 2).sum(), [x], allow_unused=False, materialize_grads=True)
    raises_both(run)


def test_higher_order_derivatives_of_cube():
    def run(T):
        x = leaf(T, [0.5, -1.5, 2.0], "float64")
        y = (x * x * x).sum()
        (g1,) = T.autograd.grad(y, x, create_graph=True)
        (g2,) = T.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = T.autograd.grad(g2.sum(), x)
        return g1, g2, g3, g1.requires_grad, g3.requires_grad
    both(run)


def test_grad_with_grad_outputs_and_nonleaf_input():
    def run(T):
        x = leaf(T, [1.0, 2.0, 3.0])
        h = x * 2
        y = h * h
        v = T.tensor([1.0, 0.5, -1.0])
        return T.autograd.grad(y, [h, x], grad_outputs=v)
    both(run)


def test_grad_does_not_touch_dot_grad():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        T.autograd.grad((x * x).sum(), x)
        return x.grad
    both(run)


@pytest.mark.conforms("Tensor.backward")
def test_implicit_grad_needs_scalar():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        (x * 2).backward()
    raises_both(run)


@pytest.mark.conforms("Tensor.backward")
def test_backward_on_tensor_without_grad_raises():
    def run(T):
        T.tensor([1.0]).sum().backward()
    raises_both(run)


@pytest.mark.conforms("Tensor.backward")
def test_grad_shape_mismatch_raises():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        (x * 2).backward(T.ones(3))
    raises_both(run)


# ---------------------------------------------------------------------------
# retain_grad and hooks


def test_retain_grad_on_nonleaf():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        h = x * 3
        h.retain_grad()
        y = h * h
        y.sum().backward(retain_graph=True)
        first = h.grad.clone()
        y.sum().backward()
        return first, h.grad, h.retains_grad, x.retains_grad
    both(run)


def test_nonleaf_grad_access_warns():
    x = ember.tensor([1.0], requires_grad=True)
    h = x * 2
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert h.grad is None


def test_hooks_modify_grads_leaf_and_nonleaf():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        seen = []
        x.register_hook(lambda g: g * 10)
        h = x * x
        h.register_hook(lambda g: seen.append(g.clone()))
        h.register_hook(lambda g: g + 1)
        h.retain_grad()
        h.sum().backward()
        return x.grad, h.grad, seen
    both(run)


def test_hook_handle_remove():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        handle = x.register_hook(lambda g: g * 100)
        handle.remove()
        h = x * 2
        hh = h.register_hook(lambda g: g * 0)
        hh.remove()
        h.sum().backward()
        return x.grad
    both(run)


def test_hook_on_tensor_without_grad_raises():
    raises_both(lambda T: T.tensor([1.0]).register_hook(lambda g: g))


def test_post_accumulate_grad_hook():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        calls = []

        def hook(t):
            calls.append(t.grad.clone())
            with T.no_grad():
                t.grad.mul_(2)
        x.register_post_accumulate_grad_hook(hook)
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        return calls, x.grad
    both(run)


def test_post_accumulate_grad_hook_on_nonleaf_raises():
    def run(T):
        x = leaf(T, [1.0])
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    raises_both(run)


def test_node_hooks_and_prehooks():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        y = x * x
        log = []
        y.grad_fn.register_prehook(lambda gout: (gout[0] * 2,))
        y.grad_fn.register_hook(lambda gin, gout: log.append((gin[0].clone(), gout[0].clone())))
        h = y.grad_fn.register_hook(lambda gin, gout: (gin[0] + 100, gin[1]))
        h.remove()
        y.sum().backward()
        return x.grad, log
    both(run)


def test_node_hook_can_replace_grad_inputs():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        w = leaf(T, [3.0, 4.0])
        y = x * w
        y.grad_fn.register_hook(lambda gin, gout: (gin[0] * 0, gin[1]))
        y.sum().backward()
        return x.grad, w.grad
    both(run)


# ---------------------------------------------------------------------------
# grad modes


@pytest.mark.conforms("torch.no_grad", "torch.set_grad_enabled", "torch.is_grad_enabled")
def test_grad_mode_context_managers():
    def run(T):
        x = leaf(T, [1.0])
        out = []
        with T.no_grad():
            out.append((x * 2).requires_grad)
            with T.enable_grad():
                out.append((x * 2).requires_grad)
            out.append(T.is_grad_enabled())
        with T.set_grad_enabled(False):
            out.append((x * 2).requires_grad)
        out.append(T.is_grad_enabled())
        T.set_grad_enabled(False)
        out.append(T.is_grad_enabled())
        T.set_grad_enabled(True)
        with T.inference_mode():
            y = x * 2
            out += [y.requires_grad, T.is_inference_mode_enabled(), y.is_inference()]
        with T.inference_mode(False):
            out.append(T.is_inference_mode_enabled())
        out.append(T.is_grad_enabled())
        return out
    both(run)


@pytest.mark.conforms("torch.no_grad", "torch.set_grad_enabled", "torch.is_grad_enabled")
def test_grad_mode_decorators():
    def run(T):
        x = leaf(T, [1.0])

        @T.no_grad()
        def f():
            return (x * 2).requires_grad

        @T.enable_grad()
        def g():
            return (x * 2).requires_grad

        @T.set_grad_enabled(False)
        def h():
            return T.is_grad_enabled()

        @T.inference_mode()
        def i():
            return T.is_inference_mode_enabled()

        @T.inference_mode
        def j():
            return T.is_inference_mode_enabled()

        @T.no_grad()
        def gen():
            yield T.is_grad_enabled()
            yield T.is_grad_enabled()

        with T.no_grad():
            inner = g()
        return f(), inner, h(), T.is_grad_enabled(), i(), j(), list(gen()), T.is_grad_enabled()
    both(run)


def test_grad_mode_is_thread_local():
    seen = []

    def worker():
        x = ember.tensor([1.0], requires_grad=True)
        seen.append((ember.is_grad_enabled(), (x * 2).requires_grad))

    with ember.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert not ember.is_grad_enabled()
    assert seen == [(True, True)]


def test_inference_tensor_cannot_be_saved():
    def run(T):
        with T.inference_mode():
            a = T.ones(2)
        x = leaf(T, [1.0, 2.0])
        x * a
    raises_both(run)


# ---------------------------------------------------------------------------
# in-place, versions, views


def test_inplace_on_leaf_requiring_grad_raises():
    raises_both(lambda T: leaf(T, [1.0]).add_(1))


def test_inplace_on_view_of_leaf_raises():
    raises_both(lambda T: leaf(T, [1.0, 2.0]).view(2, 1).mul_(2))


def test_inplace_on_leaf_in_no_grad_is_allowed():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        with T.no_grad():
            x.mul_(3)
        (x * x).sum().backward()
        return x, x.grad, x.requires_grad, x.is_leaf
    both(run)


def test_modified_saved_tensor_raises_version_error():
    def run(T):
        x = leaf(T, [1.0, 2.0, 3.0])
        a = x * 2
        b = a * a      # saves a
        a.add_(1)      # bumps a's version
        b.sum().backward()
    raises_both(run)


def test_modified_saved_leaf_raises_version_error():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        w = T.tensor([3.0, 4.0])
        y = x * w      # saves w
        w.mul_(2)
        y.sum().backward()
    raises_both(run)


def test_version_counter_values():
    def run(T):
        x = T.ones(3)
        v = x.view(3, 1)
        out = [x._version]
        x.add_(1)
        v.mul_(2)
        out += [x._version, v._version]
        return out
    both(run)


def test_inplace_on_nonleaf_gradient():
    def run(T):
        x = leaf(T, [1.0, 2.0, 3.0])
        y = x * 2
        y.mul_(2)
        y.add_(x)
        y.sum().backward()
        return y, x.grad, y.grad_fn.name()
    both(run)


def test_inplace_with_itself_then_modified_raises():
    def run(T):
        x = leaf(T, [1.0, 2.0, 3.0])
        y = x * 2
        y.mul_(y)  # saves y as the other operand
        y.add_(1)
        y.sum().backward()
    raises_both(run)


def test_view_inplace_rebase_gradient():
    def run(T):
        x = leaf(T, [[1.0, 2.0], [3.0, 4.0]])
        y = x * 1
        v = y.view(4)
        v.mul_(T.tensor([1.0, 2.0, 3.0, 4.0]))
        (y * y).sum().backward()
        return y, x.grad
    both(run)


@pytest.mark.skipif(not hasattr(ember.Tensor, "narrow"), reason="narrow not available yet")
def test_narrow_inplace_rebase_gradient():
    def run(T):
        x = leaf(T, [1.0, 2.0, 3.0, 4.0])
        y = x * 1
        y.narrow(0, 1, 2).mul_(10)
        (y * x).sum().backward()
        return y, x.grad
    both(run)


@pytest.mark.skipif(not hasattr(ember.Tensor, "t"), reason="t not available yet")
def test_transpose_view_inplace_rebase_gradient():
    def run(T):
        x = leaf(T, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        y = x * 1
        yt = y.t()
        yt.mul_(T.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        (y * y).sum().backward()
        return y, x.grad
    both(run)


def test_base_inplace_seen_through_view():
    def run(T):
        x = leaf(T, [1.0, 2.0, 3.0, 4.0])
        y = x * 1
        v = y.view(2, 2)
        y.mul_(x)
        (v * 2).sum().backward()
        return v, x.grad
    both(run)


# ---------------------------------------------------------------------------
# detach and requires_grad


def test_detach_shares_memory_and_version():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        d = x.detach()
        d.add_(1)  # allowed, and visible through x
        return x, d.requires_grad, d.is_leaf, x._version, d._version
    both(run)


def test_detach_inplace_on_nonleaf():
    def run(T):
        x = leaf(T, [1.0])
        y = x * 2
        y.detach_()
        return y.requires_grad, y.is_leaf, y.grad_fn is None
    both(run)


def test_detach_inplace_on_view_raises():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        v = (x * 1).view(2, 1)
        v.detach_()
    raises_both(run)


@pytest.mark.conforms("Tensor.requires_grad_")
def test_requires_grad_errors():
    raises_both(lambda T: (leaf(T, [1.0]) * 2).requires_grad_(False))
    raises_both(lambda T: T.tensor([1, 2]).requires_grad_())


def test_factory_requires_grad_on_int_raises():
    raises_both(lambda T: T.tensor([1, 2], requires_grad=True))


@pytest.mark.conforms("Tensor.requires_grad_", "Tensor.requires_grad")
def test_requires_grad_on_nonleaf_true_is_noop():
    def run(T):
        y = leaf(T, [1.0]) * 2
        y.requires_grad_(True)
        return y.requires_grad, y.is_leaf
    both(run)


# ---------------------------------------------------------------------------
# scale and structure


def test_long_chain_has_no_recursion_limit():
    x = ember.tensor([1.0], requires_grad=True)
    y = x
    n = 100_000
    start = time.perf_counter()
    for _ in range(n // 2):
        y = y * 1.0
        y = y + 0.0
    assert sys.getrecursionlimit() < n
    y.sum().backward()
    assert time.perf_counter() - start < 30
    np.testing.assert_allclose(x.grad.numpy(), [1.0])


@pytest.mark.parametrize("sa,sb", [((3, 1), (1, 4)), ((5,), ()), ((2, 3, 1), (3, 4)), ((), (2, 2)), ((1,), (3,))])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_broadcasting_grads_summed_back(sa, sb, op):
    def run(T):
        rng = np.random.default_rng(1)
        a = T.tensor(rng.uniform(1, 2, sa), requires_grad=True)
        b = T.tensor(rng.uniform(1, 2, sb), requires_grad=True)
        y = getattr(T, op)(a, b)
        y.backward(T.tensor(rng.standard_normal(y.shape)))
        return a.grad, b.grad
    both(run)


def test_grad_dtype_follows_input_dtype():
    def run(T):
        a = T.tensor(2.0, dtype=T.float32, requires_grad=True)
        b = T.tensor(3.0, dtype=T.float64, requires_grad=True)
        c = T.tensor([1.0, 2.0], dtype=T.float32, requires_grad=True)
        y = a * b
        z = c * b
        (y + z.sum()).backward()
        return y, a.grad, b.grad, c.grad, z.dtype
    both(run)


def test_grad_fn_names():
    def run(T):
        x = leaf(T, [[1.0, 2.0]])
        return [t.grad_fn.name() for t in (x + 1, x * x, x.sum(), x.view(2), x.expand(3, 2), x - x, x / 2, -x,
                                           x.clone(), x.double())]
    both(run)


def test_grad_fn_name_sum_dim():
    both(lambda T: leaf(T, [[1.0, 2.0]]).sum(0).grad_fn.name())


def test_next_functions_structure():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        c = T.tensor([3.0, 4.0])
        h = x * 2
        y = h * c + x

        def describe(node):
            return None if node is None else node.name()
        add_next = [(describe(n), i) for n, i in y.grad_fn.next_functions]
        mul_next = [(describe(n), i) for n, i in y.grad_fn.next_functions[0][0].next_functions]
        acc = y.grad_fn.next_functions[1][0]
        return add_next, mul_next, acc.variable is x, acc.next_functions, x.grad_fn
    both(run)


def test_accumulate_grad_node_is_shared():
    x = ember.tensor([1.0], requires_grad=True)
    a, b = x * 2, x * 3
    assert a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0]


def test_diamond_graph_sums_gradients():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        a = x * 2
        b = a * a
        c = a * 3
        (b + c).sum().backward()
        return x.grad
    both(run)


# ---------------------------------------------------------------------------
# gradcheck on composites


def _composite(x, y):
    return (x * y + x / (y * y + 1.0) - x * x * x).sum(0)


def test_gradcheck_composites():
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal((3, 2)), dtype=ember.float64, requires_grad=True)
    y = ember.tensor(rng.standard_normal((2,)), dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(_composite, (x, y))
    assert ember.autograd.gradgradcheck(_composite, (x, y))
    assert ember.autograd.gradcheck(lambda a: (a.view(6) * a.view(6)).expand(2, 6).sum(0), (x,))


def test_gradcheck_detects_wrong_gradient():
    from ember.autograd.function import Function

    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    assert not ember.autograd.gradcheck(Bad.apply, (x,), raise_exception=False)
    with pytest.raises(ember.autograd.GradcheckError):
        ember.autograd.gradcheck(Bad.apply, (x,))
