"""gradcheck / gradgradcheck: analytical gradients against central finite differences (float64)."""
import numpy as np

from .. import _dtype


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _diff_outputs(out):
    from .._tensor import Tensor
    return [o for o in _as_tuple(out) if isinstance(o, Tensor) and o.requires_grad]


def _numerical_jacobian(fn, inputs, i, n_out_elems, eps):
    """d(flattened outputs)/d(inputs[i]) by central differences, perturbing the input buffer in place."""
    x = inputs[i]
    data = x._data  # perturb the storage directly: no graph, no version bump
    idx = list(np.ndindex(data.shape))
    jac = np.zeros((len(idx), n_out_elems), dtype=np.complex128 if x.dtype.is_complex else np.float64)
    # grad mode stays on: gradgradcheck's function itself calls autograd.grad
    for k, pos in enumerate(idx):
        orig = data[pos].copy()
        data[pos] = orig + eps
        plus = _flat_outputs(fn(*inputs))
        data[pos] = orig - eps
        minus = _flat_outputs(fn(*inputs))
        data[pos] = orig
        jac[k] = (plus - minus) / (2 * eps)
    return jac


def _flat_outputs(out):
    from .._tensor import Tensor
    parts = [o.detach()._host().astype(np.float64 if not o.dtype.is_complex else np.complex128).reshape(-1)
             for o in _as_tuple(out) if isinstance(o, Tensor) and (o.dtype.is_floating_point or o.dtype.is_complex)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _analytical_jacobian(outputs, inputs):
    from .engine import grad as autograd_grad
    from .._creation import zeros_like
    from .._layout import contiguous_format
    sizes = [o.numel() for o in outputs]
    total = sum(sizes)
    jacs = [np.zeros((x.numel(), total)) for x in inputs]
    col = 0
    for o, n in zip(outputs, sizes):
        for j in range(n):
            g = zeros_like(o, memory_format=contiguous_format)  # written through a flat view next
            g._data.reshape(-1)[j] = 1
            grads = autograd_grad([o], inputs, [g], retain_graph=True, allow_unused=True)
            for jac, gr in zip(jacs, grads):
                if gr is not None:
                    jac[:, col + j] = gr.detach()._host().astype(np.float64).reshape(-1)
        col += n
    return jacs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """Check the gradients of `func` at `inputs` against finite differences; inputs should be float64."""
    from .._tensor import Tensor
    inputs = _as_tuple(inputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    for x in diff_inputs:
        if x.dtype not in (_dtype.float64, _dtype.complex128):
            import warnings
            warnings.warn(f"Input #{next(i for i, inp in enumerate(inputs) if inp is x)} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are not of double "
                          "precision floating point or complex.", UserWarning, stacklevel=2)
    outputs = _diff_outputs(func(*inputs))
    if not outputs:
        return True
    analytical = _analytical_jacobian(outputs, diff_inputs)
    n_out = sum(o.numel() for o in outputs)
    for k, x in enumerate(diff_inputs):
        position = next(i for i, inp in enumerate(inputs) if inp is x)  # identity: == is elementwise
        numerical = _numerical_jacobian(func, list(inputs), position, n_out, eps)
        if not np.allclose(analytical[k], numerical.real, atol=atol, rtol=rtol):
            msg = (f"Jacobian mismatch for output 0 with respect to input {k},\nnumerical:{numerical.real}\n"
                   f"analytical:{analytical[k]}\n")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of (inputs -> grad of func's outputs against random grad_outputs)."""
    from .._tensor import Tensor
    from .engine import grad as autograd_grad
    from .._creation import from_numpy
    inputs = _as_tuple(inputs)
    outputs = _diff_outputs(func(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(from_numpy(rng.standard_normal(tuple(o.shape))).to(o.dtype).requires_grad_(True)
                             for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    n = len(inputs)

    def first_grads(*args):
        ins, gos = args[:n], args[n:]
        outs = _diff_outputs(func(*ins))
        d_ins = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
        gs = autograd_grad(outs, d_ins, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    _ = diff_inputs
    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
