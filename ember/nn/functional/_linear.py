"""F.linear and F.bilinear. linear is one primitive so a layer is one GEMM forward and at most two back."""
import math

import numpy as np

from ..._tensor import _wrap
from ...autograd import grad_mode
from ...autograd.graph import needs_input_grad
from ...ops.registry import apply, defop


def _linear_forward(xp, x, w, b):
    dt = x.dtype
    if dt.itemsize == 2 and dt.kind in "fV":
        # float16/bfloat16: a float32 GEMM (NumPy has no BLAS for them), as PyTorch accumulates
        x, w = x.astype(np.float32), w.astype(np.float32)
    if x.ndim > 2 and w.ndim == 2:  # one 2-D GEMM over all leading dims: BLAS is faster than a batched loop
        lead = x.shape[:-1]
        y = xp.matmul(x.reshape(math.prod(lead), x.shape[-1]), w.T).reshape(lead + (w.shape[0],))
    else:
        y = xp.matmul(x, w.T)
    if b is not None:
        y += b  # in place on a fresh result: no temporary
    return y.astype(dt, copy=False)


def _linear_backward(g, out, x, w, b):
    if w._data.ndim == 1:  # y = x @ w: a (1, in) weight with its output dim squeezed (the engine sums gw back)
        g, w = g.unsqueeze(-1), w.unsqueeze(0)
    if not grad_mode._state.enabled and g._data.dtype in _BLAS:
        return _linear_backward_blas(g, x, w, b)
    gx = g.matmul(w) if needs_input_grad(0) else None
    gw = gb = None
    gshape = g._data.shape
    if needs_input_grad(1):
        if len(gshape) == 1:
            gw = g.reshape(-1, 1) * x.reshape(1, -1)
        elif len(gshape) == 2:
            gw = g.t().matmul(x)
        else:
            rows = math.prod(gshape[:-1])  # not -1: a zero-width layer has nothing to infer from
            gw = g.reshape(rows, gshape[-1]).t().matmul(x.reshape(rows, x._data.shape[-1]))
    if b is not None and needs_input_grad(2):
        gb = g if len(gshape) == 1 else g.sum(tuple(range(len(gshape) - 1)))
    return gx, gw, gb


_BLAS = (np.dtype(np.float32), np.dtype(np.float64))


def _linear_backward_blas(g, x, w, b):
    """The first-order VJP (no graph to build) as at most three 2-D BLAS calls on the NumPy arrays."""
    dev = g._device
    xp = dev.xp
    ga, xa, wa = g._data, x._data, w._data
    rows = math.prod(ga.shape[:-1])
    g2 = ga.reshape(rows, ga.shape[-1])
    gx = gw = gb = None
    if needs_input_grad(0):
        gx = _wrap((g2 @ wa).reshape(xa.shape), dev)
    if needs_input_grad(1):
        gw = _wrap(g2.T @ xa.reshape(rows, xa.shape[-1]), dev)
    if b is not None and needs_input_grad(2):
        gb = _wrap(xp.ones(rows, dtype=ga.dtype) @ g2 if rows else g2.sum(0), dev)  # a GEMV beats sum(axis=0)
    return gx, gw, gb


_LINEAR = defop("linear", _linear_forward, _linear_backward, node="AddmmBackward0")


def linear(input, weight, bias=None):
    """y = x Wᵀ + b over the last dim of x."""
    ishape, wshape = input._data.shape, weight._data.shape  # the arrays' tuples: cheaper than Size
    if ishape and wshape and ishape[-1] != wshape[-1]:
        rows = 1
        for s in input.shape[:-1]:
            rows *= s
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{weight.shape[-1]}x{weight.shape[0] if weight.ndim == 2 else 1})")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_pt(input.dtype)} and {_pt(weight.dtype)}")
    return apply(_LINEAR, input, weight, bias)


def _pt(d):
    from ...ops.registry import _pt_name
    return _pt_name(d)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1ᵀ A_k x2 + b_k, batched over leading dims."""
    from ... import einsum
    y = einsum("...i,kij,...j->...k", input1, weight, input2)
    return y + bias if bias is not None else y


__all__ = ["bilinear", "linear"]
