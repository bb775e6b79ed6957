"""Custom autograd.Function against PyTorch, and anomaly mode."""
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import anomaly_mode
from ember.autograd.function import once_differentiable as ember_once

from . import Function, both, needs_torch, raises_both, torch

pytestmark = [pytest.mark.torch, needs_torch]


def leaf(T, values, dtype="float64"):
    return T.tensor(values, dtype=getattr(T, dtype), requires_grad=True)


def cube_cls(T):
    class Cube(Function(T)):
        @staticmethod
        def forward(ctx, x, scale=1.0):
            ctx.scale = scale
            ctx.save_for_backward(x)
            return x * x * x * scale

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x * ctx.scale, None
    return Cube


def test_basic_forward_backward_and_ctx():
    def run(T):
        Cube = cube_cls(T)
        x = leaf(T, [1.0, -2.0, 0.5])
        y = Cube.apply(x, 2.0)
        y.sum().backward()
        fn = y.grad_fn
        return (y, x.grad, fn.name(), type(fn).__name__, fn.scale, y.requires_grad, y.is_leaf,
                [(n.name(), i) for n, i in fn.next_functions])
    both(run)


def test_keyword_arguments_and_trailing_none_grads():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        y = cube_cls(T).apply(x, scale=3.0)
        y.sum().backward()
        return x.grad
    both(run)


def test_double_backward_through_custom_backward():
    def run(T):
        x = leaf(T, [1.0, -2.0, 0.5])
        y = cube_cls(T).apply(x)
        (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = T.autograd.grad(g.sum(), x)
        return g, gg
    both(run)


def test_needs_input_grad_and_non_tensor_inputs():
    def run(T):
        seen = []

        class F(Function(T)):
            @staticmethod
            def forward(ctx, a, n, b):
                seen.append(ctx.needs_input_grad)
                return a * n + b

            @staticmethod
            def backward(ctx, g):
                seen.append(ctx.needs_input_grad)
                return g * 2 if ctx.needs_input_grad[0] else None, None, g if ctx.needs_input_grad[2] else None
        a = leaf(T, [1.0, 2.0])
        b = T.tensor([3.0, 4.0], dtype=T.float64)
        F.apply(a, 2, b).sum().backward()
        with T.no_grad():
            out = F.apply(a, 2, b)
        return seen, a.grad, out.requires_grad, out.grad_fn
    both(run)


def test_setup_context_style():
    def run(T):
        class Mul(Function(T)):
            @staticmethod
            def forward(x, y, k=2.0):
                return x * y * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, y, k = inputs
                ctx.save_for_backward(x, y)
                ctx.k = k

            @staticmethod
            def backward(ctx, g):
                x, y = ctx.saved_tensors
                return g * y * ctx.k, g * x * ctx.k, None
        x = leaf(T, [1.0, 2.0])
        y = leaf(T, [3.0, -1.0])
        Mul.apply(x, y=y).sum().backward()
        return x.grad, y.grad
    both(run)


def test_multiple_outputs_and_materialized_grads():
    def run(T):
        seen = []

        class Split(Function(T)):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, a, b):
                seen.append((a, b))
                return a * 2 + b * 3
        x = leaf(T, [1.0, 2.0])
        p, q = Split.apply(x)
        p.sum().backward()
        return seen, x.grad, p.grad_fn is q.grad_fn, p.output_nr, q.output_nr
    both(run)


def test_set_materialize_grads_false():
    def run(T):
        seen = []

        class Split(Function(T)):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, a, b):
                seen.append((a, b))
                return a * 2 if b is None else a * 2 + b * 3
        x = leaf(T, [1.0, 2.0])
        p, _ = Split.apply(x)
        p.sum().backward()
        return seen, x.grad
    both(run)


def test_non_tensor_and_non_differentiable_outputs():
    def run(T):
        seen = []

        class MaxAndIndex(Function(T)):
            @staticmethod
            def forward(ctx, x):
                i = T.tensor(1)
                v = x * 1
                ctx.mark_non_differentiable(i)
                return v, i, "tag"

            @staticmethod
            def backward(ctx, gv, gi, gt):
                seen.append((gi, gt))
                return gv * 5
        x = leaf(T, [1.0, 2.0])
        v, i, tag = MaxAndIndex.apply(x)
        v.sum().backward()
        return seen, x.grad, i.requires_grad, i.grad_fn, tag, v.requires_grad
    both(run)


def test_mark_non_differentiable_float_output():
    def run(T):
        class F(Function(T)):
            @staticmethod
            def forward(ctx, x):
                y = x * 2
                ctx.mark_non_differentiable(y)
                return y

            @staticmethod
            def backward(ctx, g):
                return g
        y = F.apply(leaf(T, [1.0]))
        return y.requires_grad, y.grad_fn
    both(run)


def test_returning_an_input_makes_a_view():
    def run(T):
        class Identity(Function(T)):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2
        x = leaf(T, [1.0, 2.0])
        y = Identity.apply(x)
        y.sum().backward()
        return y is x, y._base is x, y.is_leaf, x.grad, y.grad_fn.name()
    both(run)


def inplace_cls(T):
    class AddOne(Function(T)):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3  # deliberately not 1, to see it used
    return AddOne


def test_mark_dirty_inplace_function():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        a = x * 2
        v0 = a._version
        b = inplace_cls(T).apply(a)
        (b * b).sum().backward()
        return b is a, a._version - v0, a.grad_fn.name(), a, x.grad
    both(run)


def test_mark_dirty_on_view_rebases_base():
    def run(T):
        x = leaf(T, [1.0, 2.0, 3.0, 4.0])
        base = x * 1
        view = base.view(2, 2)
        inplace_cls(T).apply(view)
        (base * x).sum().backward()
        return base, x.grad
    both(run)


def test_mark_dirty_on_leaf_raises():
    raises_both(lambda T: inplace_cls(T).apply(leaf(T, [1.0])))


def test_mark_dirty_without_grad_bumps_version():
    def run(T):
        a = T.ones(2)
        inplace_cls(T).apply(a)
        return a, a._version
    both(run)


def test_saved_tensor_modified_in_place_raises():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        a = x * 1
        y = cube_cls(T).apply(a)
        a.mul_(2)
        y.sum().backward()
    raises_both(run)


def test_saved_output_version_check():
    def run(T):
        class Exp(Function(T)):
            @staticmethod
            def forward(ctx, x):
                y = x.exp() if hasattr(x, "exp") else x * 2
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, g):
                (y,) = ctx.saved_tensors
                return g * y
        x = leaf(T, [1.0, 2.0])
        y = Exp.apply(x)
        y.mul_(2)
        y.sum().backward()
    raises_both(run)


def test_saved_tensors_freed_after_backward():
    def run(T):
        x = leaf(T, [1.0])
        y = cube_cls(T).apply(x)
        y.backward()
        return y.grad_fn.saved_tensors
    raises_both(run)


def test_retain_graph_keeps_saved_tensors():
    def run(T):
        x = leaf(T, [1.0, 3.0])
        y = cube_cls(T).apply(x).sum()
        y.backward(retain_graph=True)
        n = len(y.grad_fn.next_functions[0][0].saved_tensors)
        y.backward()
        return x.grad, n
    both(run)


def test_save_for_backward_rejects_non_tensors():
    def run(T):
        class F(Function(T)):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(3)
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return g
        F.apply(leaf(T, [1.0]))
    raises_both(run)


def test_save_for_backward_none_entries():
    def run(T):
        class F(Function(T)):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(None, x)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                none, _ = ctx.saved_tensors
                return g * 2 if none is None else None
        x = leaf(T, [1.0])
        F.apply(x).backward()
        return x.grad
    both(run)


@pytest.mark.parametrize("case", ["too_many", "grad_for_non_tensor", "bad_shape"])
def test_backward_result_errors(case):
    def run(T):
        class F(Function(T)):
            @staticmethod
            def forward(ctx, x, n):
                return x * n

            @staticmethod
            def backward(ctx, g):
                if case == "too_many":
                    return g, None, g
                if case == "grad_for_non_tensor":
                    return g, g
                return T.ones(5, dtype=T.float64), None
        F.apply(leaf(T, [1.0, 2.0, 3.0]), 2).sum().backward()
    err = raises_both(run, match_message=case != "bad_shape")
    assert isinstance(err, RuntimeError)


def test_too_few_grads_raises():
    def run(T):
        class F(Function(T)):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return g
        F.apply(leaf(T, [1.0]), leaf(T, [2.0])).sum().backward()
    raises_both(run)


def test_grad_for_input_not_requiring_grad_is_dropped():
    def run(T):
        class F(Function(T)):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, g):
                return g * 2, g * 3
        x = leaf(T, [1.0])
        y = T.tensor([2.0], dtype=T.float64)
        F.apply(x, y).sum().backward()
        return x.grad, y.grad
    both(run)


def test_none_grad_for_one_path_still_reaches_leaf():
    def run(T):
        class F(Function(T)):
            @staticmethod
            def forward(ctx, a, b):
                return a + b

            @staticmethod
            def backward(ctx, g):
                return None, g
        x = leaf(T, [1.0, 2.0])
        F.apply(x * 2, x * 3).sum().backward()
        return x.grad
    both(run)


def test_once_differentiable():
    def run(T):
        once = T.autograd.function.once_differentiable if T is torch else ember_once

        class Sq(Function(T)):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @once
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g
        x = leaf(T, [1.0, 2.0])
        y = Sq.apply(x)
        v = T.tensor([1.0, 1.0], dtype=T.float64, requires_grad=True)
        (g,) = T.autograd.grad(y, x, grad_outputs=v, create_graph=True)
        g.sum().backward()
    raises_both(run)


def test_once_differentiable_first_order_works():
    def run(T):
        once = T.autograd.function.once_differentiable if T is torch else ember_once

        class Sq(Function(T)):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @once
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g
        x = leaf(T, [1.0, 2.0])
        Sq.apply(x).sum().backward()
        return x.grad
    both(run)


def test_grad_modes_inside_forward_and_backward():
    def run(T):
        seen = []

        class F(Function(T)):
            @staticmethod
            def forward(ctx, x):
                seen.append(T.is_grad_enabled())
                return x * 2

            @staticmethod
            def backward(ctx, g):
                seen.append(T.is_grad_enabled())
                return g * 2
        x = leaf(T, [1.0])
        F.apply(x).sum().backward()
        T.autograd.grad(F.apply(x).sum(), x, create_graph=True)
        return seen
    both(run)


def test_function_hooks_on_grad_fn():
    def run(T):
        x = leaf(T, [1.0, 2.0])
        y = cube_cls(T).apply(x)
        y.grad_fn.register_hook(lambda gin, gout: (gin[0] * 10,))
        y.sum().backward()
        return x.grad
    both(run)


def test_instantiating_function_is_deprecated():
    class F(Function(ember)):
        @staticmethod
        def forward(ctx, x):
            return x

    with pytest.warns(DeprecationWarning):
        f = F()
    with pytest.raises(RuntimeError, match="Legacy autograd function"):
        f(ember.ones(1))


def test_gradcheck_custom_function():
    Cube = cube_cls(ember)
    x = ember.tensor([0.3, -1.2, 2.0], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: Cube.apply(t, 1.5), (x,))
    assert ember.autograd.gradgradcheck(lambda t: Cube.apply(t, 1.5), (x,))


# ---------------------------------------------------------------------------
# anomaly mode


def test_anomaly_flags():
    def run(T):
        flags, ctl = (torch, torch.autograd) if T is torch else (anomaly_mode, anomaly_mode)

        def state():
            return flags.is_anomaly_enabled(), flags.is_anomaly_check_nan_enabled()
        out = [state()]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with ctl.detect_anomaly(check_nan=False):
                out.append(state())
        out.append(state())
        ctl.set_detect_anomaly(True)
        out.append(state())
        ctl.set_detect_anomaly(False)
        with ctl.set_detect_anomaly(True, check_nan=False):
            out.append(state())
        out.append(state())
        return out
    both(run)


def test_detect_anomaly_warns_on_enable():
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"), anomaly_mode.detect_anomaly():
        pass


def test_anomaly_nan_error_and_forward_trace():
    def run(T):
        am = T.autograd.anomaly_mode if T is torch else anomaly_mode
        x = T.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with am.detect_anomaly():
                y = x / x  # marker-line
                y.sum().backward()
        return w
    with pytest.raises(RuntimeError) as t_err:
        run(torch)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError) as e_err, anomaly_mode.detect_anomaly():
            x = ember.tensor([0.0, 1.0], requires_grad=True)
            y = x / x  # marker-line
            y.sum().backward()
    assert str(e_err.value) == str(t_err.value) == "Function 'DivBackward0' returned nan values in its 1th output."
    trace = [str(m.message) for m in w if "Error detected in DivBackward0" in str(m.message)]
    assert trace and "marker-line" in trace[0] and "test_function.py" in trace[0]
    assert not anomaly_mode.is_anomaly_enabled()


def test_anomaly_without_check_nan_lets_nan_through():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with anomaly_mode.detect_anomaly(check_nan=False):
            x = ember.tensor([0.0, 1.0], requires_grad=True)
            (x / x).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_anomaly_decorator_and_error_in_custom_backward():
    class Boom(Function(ember)):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom")

    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        decorator = anomaly_mode.detect_anomaly()

    @decorator
    def go():
        x = ember.tensor([1.0], requires_grad=True)
        Boom.apply(x).sum().backward()

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="boom"):
            go()
    assert any("Error detected in BoomBackward" in str(m.message) for m in w)
    assert not anomaly_mode.is_anomaly_enabled()
