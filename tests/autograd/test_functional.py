"""autograd.functional and ember.func against PyTorch."""
import pytest

import ember

from . import Function, both, needs_torch, raises_both, torch

pytestmark = [pytest.mark.torch, needs_torch, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def AF(T):
    if T is torch:
        import torch.autograd.functional as f
    else:
        import ember.autograd.functional as f
    return f


def FUNC(T):
    if T is torch:
        import torch.func as f
    else:
        import ember.func as f
    return f


def arr(T, values, requires_grad=False):
    return T.tensor(values, dtype=T.float64, requires_grad=requires_grad)


def cubic(x):
    return (x * x * x).sum()


def two_inputs(x, y):
    return (x * x * y + y / (x * x + 1.0)).sum()


def vec_fn(x):
    return x * x * 2.0 + x


def multi_out(x, y):
    return x * y, (x + y * 3.0).sum()


X = [0.5, -1.0, 2.0]
Y = [1.5, 0.25, -0.5]


# ---------------------------------------------------------------------------
# torch.autograd.functional


def test_jacobian_single_and_tuple():
    def run(T):
        f = AF(T)
        x, y = arr(T, X), arr(T, Y)
        return (f.jacobian(vec_fn, x), f.jacobian(multi_out, (x, y)), f.jacobian(lambda a: a.sum(), x),
                f.jacobian(vec_fn, x, vectorize=True), f.jacobian(vec_fn, x, strategy="forward-mode", vectorize=True))
    both(run)


def test_jacobian_create_graph_and_unused_input():
    def run(T):
        f = AF(T)
        x = arr(T, X, True)
        z = arr(T, [1.0])
        jac = f.jacobian(lambda a, b: a * a, (x, z), create_graph=True)
        jac[0].sum().backward()
        return jac, jac[0].requires_grad, x.grad
    both(run)


def test_jacobian_strict_errors():
    raises_both(lambda T: AF(T).jacobian(lambda a, b: a * 2, (arr(T, X), arr(T, Y)), strict=True))
    raises_both(lambda T: AF(T).jacobian(lambda a: arr(T, X), arr(T, X), strict=True))
    raises_both(lambda T: AF(T).jacobian(vec_fn, arr(T, X), strict=True, vectorize=True))
    raises_both(lambda T: AF(T).jacobian(vec_fn, arr(T, X), strategy="sideways"))


def test_jacobian_type_errors():
    raises_both(lambda T: AF(T).jacobian(vec_fn, [1.0, 2.0]))
    raises_both(lambda T: AF(T).jacobian(vec_fn, (arr(T, X), 3)))
    raises_both(lambda T: AF(T).jacobian(lambda a: 3, arr(T, X)))


def test_hessian_single_and_tuple():
    def run(T):
        f = AF(T)
        x, y = arr(T, X), arr(T, Y)
        return f.hessian(cubic, x), f.hessian(two_inputs, (x, y))
    both(run)


def test_hessian_errors():
    raises_both(lambda T: AF(T).hessian(vec_fn, arr(T, X)))
    raises_both(lambda T: AF(T).hessian(lambda a: (a, a), arr(T, X)))


def test_vjp_jvp():
    def run(T):
        f = AF(T)
        x, y = arr(T, X), arr(T, Y)
        v = arr(T, [1.0, -1.0, 0.5])
        return (f.vjp(vec_fn, x, v), f.vjp(cubic, x), f.vjp(multi_out, (x, y), (v, arr(T, 2.0))),
                f.jvp(vec_fn, x, v), f.jvp(two_inputs, (x, y), (v, v)), f.jvp(lambda a: a * 3, arr(T, [2.0])))
    both(run)


def test_vjp_jvp_errors():
    raises_both(lambda T: AF(T).vjp(vec_fn, arr(T, X)))
    raises_both(lambda T: AF(T).vjp(vec_fn, arr(T, X), arr(T, [1.0])))
    raises_both(lambda T: AF(T).jvp(vec_fn, arr(T, X), (arr(T, X), arr(T, X))))
    raises_both(lambda T: AF(T).jvp(vec_fn, arr(T, X)))
    raises_both(lambda T: AF(T).vjp(lambda a: arr(T, X), arr(T, X), arr(T, X), strict=True))


def test_vjp_create_graph_keeps_graph():
    def run(T):
        f = AF(T)
        x = arr(T, X, True)
        out, g = f.vjp(cubic, x, create_graph=True)
        g.sum().backward()
        return out, g, x.grad, g.requires_grad
    both(run)


def test_hvp_vhp():
    def run(T):
        f = AF(T)
        x, y = arr(T, X), arr(T, Y)
        v = arr(T, [1.0, 2.0, -1.0])
        return (f.hvp(cubic, x, v), f.vhp(cubic, x, v), f.hvp(two_inputs, (x, y), (v, v)),
                f.vhp(two_inputs, (x, y), (v, v)))
    both(run)


def test_hvp_errors():
    raises_both(lambda T: AF(T).hvp(vec_fn, arr(T, X), arr(T, X)))
    raises_both(lambda T: AF(T).vhp(cubic, arr(T, X), arr(T, [1.0])))
    raises_both(lambda T: AF(T).hvp(lambda a: a.sum() * 2, arr(T, X), arr(T, X), strict=True))


def test_unused_input_gives_zeros():
    def run(T):
        f = AF(T)
        x, y = arr(T, X), arr(T, Y)
        return f.vjp(lambda a, b: a.sum(), (x, y)), f.hessian(lambda a, b: (a * a).sum(), (x, y))
    both(run)


# ---------------------------------------------------------------------------
# torch.func


def test_func_grad_argnums_and_has_aux():
    def run(T):
        F = FUNC(T)
        x, y = arr(T, X), arr(T, Y)

        def with_aux(a, b):
            out = two_inputs(a, b)
            return out, {"twice": out * 2}
        return (F.grad(cubic)(x), F.grad(two_inputs, argnums=1)(x, y), F.grad(two_inputs, argnums=(0, 1))(x, y),
                F.grad(with_aux, has_aux=True)(x, y), F.grad_and_value(two_inputs, argnums=(1,))(x, y),
                F.grad(lambda d: (d["a"] * d["b"]).sum())({"a": x, "b": y}))
    both(run)


def test_func_grad_result_is_plain():
    def run(T):
        g = FUNC(T).grad(cubic)(arr(T, X))
        return g.requires_grad, g.grad_fn is None
    both(run)


def test_func_grad_composes_with_autograd():
    def run(T):
        x = arr(T, X, True)
        g = FUNC(T).grad(cubic)(x)
        g.sum().backward()
        return g, x.grad
    both(run)


def test_func_grad_of_grad():
    def run(T):
        F = FUNC(T)
        x = arr(T, 1.5)
        return F.grad(F.grad(lambda a: a * a * a))(x), F.grad(F.grad(F.grad(lambda a: a * a * a * a)))(x)
    both(run)


def test_func_grad_errors():
    raises_both(lambda T: FUNC(T).grad(vec_fn)(arr(T, X)))
    raises_both(lambda T: FUNC(T).grad(cubic, argnums=2)(arr(T, X)))
    raises_both(lambda T: FUNC(T).grad(cubic, has_aux=True)(arr(T, X)))


def test_func_vjp():
    def run(T):
        F = FUNC(T)
        x, y = arr(T, X), arr(T, Y)
        out, fn = F.vjp(vec_fn, x)
        out2, fn2 = F.vjp(multi_out, x, y)
        _, fn3, aux = F.vjp(lambda a: (a * 2, a.sum()), x, has_aux=True)
        return out, fn(arr(T, [1.0, 2.0, 3.0])), out2, fn2((arr(T, Y), arr(T, 1.0))), fn3(arr(T, Y)), aux
    both(run)


def test_func_jacrev_jacfwd_hessian():
    def run(T):
        F = FUNC(T)
        x, y = arr(T, X), arr(T, Y)
        return (F.jacrev(vec_fn)(x), F.jacfwd(vec_fn)(x), F.jacrev(multi_out, argnums=(0, 1))(x, y),
                F.jacrev(lambda a: (a * 2, a.sum()), has_aux=True)(x), F.hessian(cubic)(x),
                F.hessian(two_inputs, argnums=(0, 1))(x, y), F.jacrev(F.jacrev(cubic))(x))
    both(run)


def test_func_jvp():
    def run(T):
        F = FUNC(T)
        x, y = arr(T, X), arr(T, Y)
        return F.jvp(vec_fn, (x,), (arr(T, [1.0, 0.0, 2.0]),)), F.jvp(two_inputs, (x, y), (y, x))
    both(run)


def test_func_vmap():
    if not hasattr(ember, "stack") or not hasattr(ember.Tensor, "select"):
        pytest.skip("stack/select not available yet")

    def run(T):
        F = FUNC(T)
        a = T.arange(12.0).reshape(3, 4)
        b = T.arange(4.0)
        return (F.vmap(lambda r: (r * r).sum())(a), F.vmap(lambda r, v: r * v, in_dims=(0, None))(a, b),
                F.vmap(lambda c: c * 2, in_dims=1)(a), F.vmap(lambda r: r * 2, out_dims=1)(a),
                F.vmap(lambda r: (r, r.sum()))(a), F.vmap(F.vmap(lambda s: s * 3))(a),
                F.vmap(lambda d: d["x"] + d["y"])({"x": a, "y": a}), F.vmap(F.grad(cubic))(a))
    both(run)


def test_func_vmap_errors():
    if not hasattr(ember, "stack") or not hasattr(ember.Tensor, "select"):
        pytest.skip("stack/select not available yet")
    raises_both(lambda T: FUNC(T).vmap(lambda a, b: a + b)(T.ones(3), T.ones(4)), match_message=False)
    raises_both(lambda T: FUNC(T).vmap(lambda a: a, in_dims=2)(T.ones(3)), match_message=False)
    raises_both(lambda T: FUNC(T).vmap(lambda a: a, in_dims=None)(T.ones(3)), match_message=False)


@pytest.mark.skipif(not hasattr(ember, "nn") or not hasattr(getattr(ember, "nn", None), "Linear"),
                    reason="ember.nn.Linear not available yet")
def test_functional_call():
    def run(T):
        T.manual_seed(0)
        model = T.nn.Linear(3, 2).double()
        with T.no_grad():
            model.weight.copy_(T.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype=T.float64))
            model.bias.copy_(T.tensor([0.1, -0.2], dtype=T.float64))
        x = T.tensor([[1.0, 2.0, 3.0]], dtype=T.float64)
        w = T.ones(2, 3, dtype=T.float64, requires_grad=True)
        out = FUNC(T).functional_call(model, {"weight": w}, (x,))
        out.sum().backward()
        restored = model(x)
        grads = FUNC(T).grad(lambda p: FUNC(T).functional_call(model, p, x).sum())(dict(model.named_parameters()))
        return out, w.grad, restored, grads
    both(run)


# ---------------------------------------------------------------------------
# forward AD (dual tensors)


def FWAD(T):
    if T is torch:
        import torch.autograd.forward_ad as f
    else:
        import ember.autograd.forward_ad as f
    return f


def test_forward_ad_dual_tensors():
    def run(T):
        fw = FWAD(T)
        x, y = arr(T, X), arr(T, Y)
        with fw.dual_level():
            d = fw.make_dual(x, arr(T, [1.0, 0.0, 2.0]))
            out = two_inputs(d, y) * 1.0
            p, t = fw.unpack_dual(out)
            direct = fw.unpack_dual(d)
            vec = fw.unpack_dual(vec_fn(d))
            unrelated = fw.unpack_dual(y * 2).tangent
        return p, t, direct.primal, direct.tangent, vec.tangent, unrelated
    both(run)


def test_forward_ad_errors():
    raises_both(lambda T: FWAD(T).make_dual(arr(T, X), arr(T, X)))

    def bad_shape(T):
        with FWAD(T).dual_level():
            FWAD(T).make_dual(arr(T, X), arr(T, [1.0]))
    raises_both(bad_shape)


@pytest.mark.skipif(not hasattr(getattr(ember, "nn", None), "Linear"), reason="ember.nn.Linear not available yet")
def test_functional_call_errors():
    def strict(T):
        FUNC(T).functional_call(T.nn.Linear(2, 2), {"weight": T.ones(2, 2), "zzz": T.ones(1)}, (T.ones(1, 2),),
                                strict=True)
    raises_both(strict)

    def duplicated(T):
        w = T.ones(2, 2)
        FUNC(T).functional_call(T.nn.Linear(2, 2), ({"weight": w}, {"weight": w}), (T.ones(1, 2),))
    raises_both(duplicated)


def cube_fn(T, setup_context=True):
    if not setup_context:
        class OldCube(Function(T)):
            @staticmethod
            def forward(ctx, x):
                return x * x * x

            @staticmethod
            def backward(ctx, g):
                return g
        return OldCube

    class Cube(Function(T)):
        @staticmethod
        def forward(x):
            return x * x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x * x
    return Cube


def test_transforms_through_custom_function():
    def run(T):
        Cube = cube_fn(T)
        F = FUNC(T)
        x = arr(T, X)
        return (F.grad(lambda a: Cube.apply(a).sum())(x), F.jacrev(Cube.apply)(x),
                AF(T).hessian(lambda a: Cube.apply(a).sum(), x), AF(T).jvp(Cube.apply, x, arr(T, Y)))
    both(run)


def test_transform_needs_setup_context():
    raises_both(lambda T: FUNC(T).grad(lambda a: cube_fn(T, False).apply(a).sum())(arr(T, X)))


def test_hessian_and_hvp_create_graph():
    def run(T):
        f = AF(T)
        x = arr(T, X, True)
        h = f.hessian(cubic, x, create_graph=True)
        _, hv = f.hvp(cubic, x, arr(T, Y), create_graph=True)
        (h.sum() + hv.sum()).backward()
        return h, hv, x.grad
    both(run)
