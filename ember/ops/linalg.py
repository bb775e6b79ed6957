"""Matrix products and linear algebra: matmul and friends, einsum, and the primitives behind torch.linalg.

NOTE [ Adjoint flags ]
The matmul primitive computes `op(a) @ op(b)` where `op` is the conjugate
transpose of the last two dims when its flag is set.  NumPy hands transposed
views straight to BLAS, so gradients (g @ b^H, a^H @ g) need no transpose
copies, and every linalg VJP can write its transposes as matmul flags.  The
decomposition primitives (inv, solve, cholesky, qr, svd, eigh, ...) compute in
NumPy's LAPACK wrappers; their VJPs are written in ember ops, mostly matmuls.
"""
import math
import string

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, register_methods
from .core import _finish, normalize_dims
from .registry import _pt_name, apply, autocast_policy, defop, needs_input_grad

__all__ = [
    "addbmm",
    "addmm",
    "addmv",
    "addr",
    "baddbmm",
    "bmm",
    "chain_matmul",
    "cholesky",
    "cholesky_inverse",
    "cholesky_solve",
    "cross",
    "det",
    "dot",
    "einsum",
    "ger",
    "inner",
    "inverse",
    "kron",
    "logdet",
    "lu",
    "lu_solve",
    "lu_unpack",
    "matmul",
    "matrix_exp",
    "matrix_power",
    "mm",
    "mv",
    "outer",
    "pinverse",
    "qr",
    "slogdet",
    "svd",
    "tensordot",
    "trace",
    "triangular_solve",
    "vdot",
]


def _low(x):
    """Half types multiply in float32 (NumPy has no BLAS for them), as PyTorch accumulates."""
    return x.astype(np.float32) if x.dtype.itemsize == 2 and x.dtype.kind != "i" and x.dtype.kind != "u" else x


def _adj(xp, x, t):
    if not t:
        return x
    x = xp.swapaxes(x, -1, -2)
    return x.conj() if x.dtype.kind == "c" else x


def _matmul_forward(xp, a, b, ta, tb):
    dt = a.dtype
    a, b = _adj(xp, _low(a), ta), _adj(xp, _low(b), tb)
    if a.ndim > 2 and b.ndim == 2 and not ta:  # a stack times one matrix: one GEMM over all the rows
        lead = a.shape[:-1]
        out = xp.matmul(a.reshape(math.prod(lead), a.shape[-1]), b).reshape(lead + b.shape[-1:])
    else:
        out = xp.matmul(a, b)
    return out.astype(dt, copy=False)


def _matmul_grad(g, out, a, b, ta, tb):
    ga = gb = None
    if needs_input_grad(0):
        ga = _mm(b, g, tb, True) if ta else _mm(g, b, False, not tb)
    if needs_input_grad(1):
        if b.ndim == 2 and a.ndim > 2 and not ta:
            # the batch sums into b's gradient: one GEMM over the folded rows instead of a stack to reduce
            a, g = _rows(a), _rows(g)
        gb = _mm(g, a, True, ta) if tb else _mm(a, g, not ta, False)
    return ga, gb


def _rows(t):
    """(..., n) -> (rows, n)."""
    shape = t._data.shape
    return t.reshape(math.prod(shape[:-1]), shape[-1])


def _const(arr, like):
    """A constant (no grad) tensor on `like`'s device."""
    return _wrap(like._device.xp.asarray(arr), like._device)


# fmt: off
_matmul = defop("matmul", _matmul_forward, _matmul_grad, node="MmBackward0")
# fmt: on


def _mm(a, b, ta=False, tb=False):
    """op(a) @ op(b) with op the adjoint when its flag is set (NOTE [ Adjoint flags ]); no checks."""
    return apply(_matmul, a, b, ta=ta, tb=tb)


# ---------------------------------------------------------------------------
# checks shared by the product family

def _name(d, lower=False):
    n = _pt_name(d)
    return {"Float": "float", "Double": "double", "Half": "c10::Half", "BFloat16": "c10::BFloat16",
            "Long": "long int", "Int": "int"}.get(n, n.lower()) if lower else n


def _check_matmul_dtype(a, b, kind):
    if a.dtype is b.dtype:
        if a.dtype is _dtype.bool:
            raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
        return
    if kind == "mm":
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_name(a.dtype, True)} != "
                           f"{_name(b.dtype, True)}")
    if kind == "dot":
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_name(a.dtype)} and "
                           f"{_name(b.dtype)}")
    raise RuntimeError(f"expected scalar type {_name(a.dtype)} but found {_name(b.dtype)}")


def _check_dims(t, n, msg):
    if t.ndim != n:
        raise RuntimeError(msg)


def _fold(shape):
    return "x".join(str(s) for s in shape)


def _broadcast_batch(sa, sb):
    try:
        return np.broadcast_shapes(sa, sb)
    except ValueError:
        for i in range(1, min(len(sa), len(sb)) + 1):
            if sa[-i] != sb[-i] and sa[-i] != 1 and sb[-i] != 1:
                n = max(len(sa), len(sb))
                raise RuntimeError(f"The size of tensor a ({sa[-i]}) must match the size of tensor b ({sb[-i]}) at "
                                   f"non-singleton dimension {n - i}") from None
        raise


# ---------------------------------------------------------------------------
# the product family

def matmul(input, other, *, out=None):
    da, db = input.ndim, other.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    xa, xb = input._data, other._data
    if da == 2 and db == 2 and xa.dtype is xb.dtype and xa.dtype.kind in "fc" and xa.shape[1] == xb.shape[0]:
        # the hot path (Linear): one BLAS call, no other checks
        return _finish(apply(_matmul, input, other, ta=False, tb=False), out)
    if da == 1 and db == 1:
        return dot(input, other, out=out)
    _check_matmul_dtype(input, other, "mm" if da <= 2 and db <= 2 else "batched")
    a = input.reshape(1, -1) if da == 1 else input
    b = other.reshape(-1, 1) if db == 1 else other
    sa, sb = a.shape, b.shape
    if sa[-1] != sb[-2]:
        if da <= 2 and db == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_fold(sa)} and {_fold(sb)})")
        if db == 1:
            rows = int(np.prod(sa[:-1]))
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), vec ({sb[-2]})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{int(np.prod(sb[:-2]))}, {sa[-1]}] but got: [{int(np.prod(sb[:-2]))}, {sb[-2]}].")
    _broadcast_batch(tuple(sa[:-2]), tuple(sb[:-2]))
    res = _mm(a, b)
    if da == 1:
        res = res.reshape(res.shape[:-2] + res.shape[-1:])
    elif db == 1:
        res = res.reshape(res.shape[:-1])
    return _finish(res, out)


def mm(input, mat2, *, out=None):
    _check_dims(input, 2, "self must be a matrix")
    _check_dims(mat2, 2, "mat2 must be a matrix")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    _check_dims(input, 3, "batch1 must be a 3D tensor")
    _check_dims(mat2, 3, "batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
                           f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(input, mat2, out=out)


def mv(input, vec, *, out=None):
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.dtype is not vec.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_name(vec.dtype)}, "
                           f"{_name(input.dtype)}, and {_name(vec.dtype)}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat ({_fold(input.shape)}), "
                           f"vec ({vec.shape[0]})")
    return matmul(input, vec, out=out)


def _check_vectors(a, b, name="dot"):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"{name} : expected both vectors to have same dtype, but found {_name(a.dtype)} and "
                           f"{_name(b.dtype)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
                           f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
    if a.dtype is _dtype.bool:
        raise RuntimeError("\"dot\" not implemented for 'Bool'")


def dot(input, tensor, *, out=None):
    _check_vectors(input, tensor)
    return _finish(_mm(input.reshape(1, -1), tensor.reshape(-1, 1)).reshape(()), out)


def vdot(input, other, *, out=None):
    _check_vectors(input, other, "vdot")
    return _finish(_mm(input.reshape(-1, 1), other.reshape(-1, 1), True, False).reshape(()), out)


def outer(input, vec2, *, out=None):
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D" if input.ndim != 1 else
                           f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return _finish(input.reshape(-1, 1) * vec2.reshape(1, -1), out)


ger = outer


def inner(input, other, *, out=None):
    if input.ndim == 0 or other.ndim == 0:
        return _finish(input * other, out)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, dims=([-1], [-1]), out=out)


def _scale(t, s):
    if isinstance(s, Tensor) or s != 1:
        if t.dtype._category < 2 and isinstance(s, float):
            s = int(s)  # PyTorch casts alpha/beta to an integral result type
        return t * s
    return t


def _addmm_like(name, input, prod, beta, alpha):
    """beta * input + alpha * prod, where beta == 0 ignores input (NaN included), as PyTorch does."""
    prod = _scale(prod, alpha)
    try:
        np.broadcast_shapes(tuple(input.shape), tuple(prod.shape))
        if len(input.shape) > len(prod.shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({prod.shape[-1] if prod.ndim else 1}) must match the "
                           f"existing size ({input.shape[-1] if input.ndim else 1}) at non-singleton dimension "
                           f"{max(prod.ndim - 1, 0)}.  Target sizes: {list(prod.shape)}.  Tensor sizes: "
                           f"{list(input.shape)}") from None
    if not isinstance(beta, Tensor) and beta == 0:  # input is ignored (NaN included) but still gets a zero gradient
        from .. import where
        return prod + where(_const(np.zeros((), bool), input), input, 0)
    return _scale(input, beta) + prod


def _check_self_dtype(name, input, m):
    if input.dtype is not m.dtype:
        if name == "addmm":
            raise RuntimeError(f"self and mat2 must have the same dtype, but got {_name(input.dtype)} and "
                               f"{_name(m.dtype)}")
        if name == "addmv":
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_name(input.dtype)}, "
                               f"{_name(m.dtype)}, and {_name(m.dtype)}")
        raise RuntimeError(f"Input dtypes must be the same, got: input {_name(input.dtype, True)}, batch1: "
                           f"{_name(m.dtype, True)}, batch2: {_name(m.dtype, True)}")


@autocast_policy("lower")
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    _check_self_dtype("addmm", input, mat2)
    return _finish(_addmm_like("addmm", input, mm(mat1, mat2), beta, alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    _check_self_dtype("addmv", input, mat)
    return _finish(_addmm_like("addmv", input, mv(mat, vec), beta, alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.ndim}-D")
    return _finish(_addmm_like("addr", input, outer(vec1, vec2), beta, alpha), out)


@autocast_policy("lower")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _check_self_dtype("baddbmm", input, batch1)
    return _finish(_addmm_like("baddbmm", input, bmm(batch1, batch2), beta, alpha), out)


@autocast_policy("lower")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    _check_self_dtype("baddbmm", input, batch1)
    _check_dims(batch1, 3, "batch1 must be a 3D tensor")
    _check_dims(batch2, 3, "batch2 must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch1.shape[0]}, "
                           f"{batch1.shape[2]}] but got: [{batch2.shape[0]}, {batch2.shape[1]}].")
    prod = einsum("bij,bjk->ik", batch1, batch2)
    return _finish(_addmm_like("addbmm", input, prod, beta, alpha), out)


def _inplace_from(fn):
    """The in-place `op_` of an out-of-place addmm-style op: compute, then copy into self."""
    def op_(self, *args, **kwargs):
        src = self.clone() if self.requires_grad else self
        res = fn(src, *args, **kwargs)
        if tuple(res.shape) != tuple(self.shape):
            raise RuntimeError(f"Bad in-place call: input tensor size {list(self.shape)} and output tensor size "
                               f"{list(res.shape)} should match")
        return self.copy_(res)
    op_.__name__ = fn.__name__ + "_"
    return op_


def chain_matmul(*matrices, out=None):
    import warnings
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                  "parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1:
        return _finish(matrices[0].clone(), out)
    return multi_dot(matrices, out=out)


def multi_dot(tensors, *, out=None):
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    for i, t in enumerate(tensors):
        ok = t.ndim == 2 or (t.ndim == 1 and i in (0, n - 1))
        if not ok:
            raise RuntimeError(f"multi_dot(): the {'first' if i == 0 else 'last' if i == n - 1 else 'middle'} "
                               f"tensor must be {'1D or 2D' if i in (0, n - 1) else '2D'} but got {t.ndim}D")
    first, last = tensors[0], tensors[-1]
    mats = [first.reshape(1, -1) if first.ndim == 1 else first] + list(tensors[1:-1]) + \
        [last.reshape(-1, 1) if last.ndim == 1 else last]
    for t in mats[1:]:
        if t.dtype is not mats[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{mats[0].dtype} and tensor 1 {t.dtype}")
    res = _chain(mats)
    shape = tuple(res.shape)
    if first.ndim == 1:
        shape = shape[1:]
    if last.ndim == 1:
        shape = shape[:-1]
    return _finish(res.reshape(shape), out)


def _chain(mats):
    """Multiply in the cheapest order (the classic dynamic programme on the chain's dimensions)."""
    n = len(mats)
    dims = [m.shape[0] for m in mats] + [mats[-1].shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def build(i, j):
        if i == j:
            return mats[i]
        k = split[i][j]
        return mm(build(i, k), build(k + 1, j))
    return build(0, n - 1)


# ---------------------------------------------------------------------------
# einsum, tensordot, kron, cross, trace

def _einsum_forward(xp, *ops, eq):
    half = ops[0].dtype if _low(ops[0]) is not ops[0] else None
    ops = [_low(o) for o in ops]
    res = xp.einsum(eq, *ops, optimize=len(ops) > 1)
    if len(ops) == 1:
        res = xp.array(res, copy=True)  # single-operand einsum can return a view
    res = xp.asarray(res)
    return res.astype(half) if half is not None else res  # half types come back in their own dtype, as PyTorch


def _einsum_grad(g, out, *ops, eq):
    ins, res = eq.split("->")
    subs = ins.split(",")
    grads = []
    for i, s in enumerate(subs):
        if not needs_input_grad(i):
            grads.append(None)
            continue
        terms, args = [res], [g]
        for j, o in enumerate(ops):
            if j != i:
                terms.append(subs[j])
                args.append(o.conj() if o.dtype.is_complex else o)
        present = set("".join(terms))
        target, seen = "", set()
        free = iter(c for c in string.ascii_letters if c not in eq)
        for k, c in enumerate(s):
            if c in seen:  # repeated subscript (a diagonal): scatter with an identity matrix
                new = next(free)
                target += new
                terms.append(c + new)
                args.append(_const(np.eye(ops[i].shape[k], dtype=ops[i]._data.dtype), g))
                continue
            seen.add(c)
            target += c
            if c not in present:  # summed only over this operand: broadcast the gradient back with ones
                terms.append(c)
                args.append(_const(np.ones(ops[i].shape[k], dtype=ops[i]._data.dtype), g))
                present.add(c)
        grads.append(apply(_einsum, *args, eq=",".join(terms) + "->" + target))
    return tuple(grads)


# fmt: off
_einsum = defop("einsum", _einsum_forward, _einsum_grad)
# fmt: on


def _parse_sublist(args):
    """einsum(op0, [0, 1], op1, [1, 2], [0, 2]) -> ('ab,bc->ac', [op0, op1])."""
    letters = string.ascii_letters

    def conv(sub):
        return "".join("..." if s is Ellipsis else letters[s] for s in sub)
    ops, terms = [], []
    args = list(args)
    while len(args) >= 2 and isinstance(args[0], Tensor):
        ops.append(args.pop(0))
        terms.append(conv(args.pop(0)))
    eq = ",".join(terms)
    if args:
        eq += "->" + conv(args[0])
    return eq, ops


def einsum(*args):
    if args and isinstance(args[0], Tensor):
        equation, operands = _parse_sublist(args)
    else:
        equation, operands = args[0], args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = operands[0]
    operands = list(operands)
    eq = equation.replace(" ", "")
    ins, arrow, res = eq.partition("->")
    subs = ins.split(",")
    if len(subs) != len(operands):
        raise RuntimeError(f"einsum(): {'more' if len(subs) > len(operands) else 'fewer'} operands were provided than "
                           "specified in the equation")
    for o in operands[1:]:
        if o.dtype is not operands[0].dtype:
            raise RuntimeError(f"expected scalar type {_name(operands[0].dtype)} but found {_name(o.dtype)}")
    # make the equation explicit: ellipses become letters, size-1 dims broadcast by expansion
    free = [c for c in string.ascii_letters if c not in eq]
    ell_nd = 0
    for s, o in zip(subs, operands):
        n = len(s.replace("...", ""))
        if "..." in s:
            ell_nd = max(ell_nd, o.ndim - n)
        elif o.ndim != n:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) does not match the number "
                               f"of dimensions ({o.ndim}) for operand {operands.index(o)} and no ellipsis was given")
    ell = "".join(free[:ell_nd])
    sizes = {}
    full = []
    for k, (s, o) in enumerate(zip(subs, operands)):
        if "..." in s:
            pre, post = s.split("...")
            s = pre + ell[ell_nd - (o.ndim - len(pre) - len(post)):] + post
        full.append(s)
        for c, n in zip(s, o.shape):
            seen = sizes.get(c, 1)
            if n != seen and n != 1 and seen != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which does not broadcast "
                                   f"with previously seen size {seen}")
            sizes[c] = n if seen == 1 else seen
    if arrow:
        out = res.replace("...", ell)
    else:
        counts = {c: "".join(full).count(c) for c in set("".join(full))}
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    if operands[0].dtype._category < 2:  # a dimension summed within one operand is a sum: ints become int64
        alone = [c for c in sizes if c not in out and sum(c in s for s in full) == 1]
        if alone:
            operands = [o.to(_dtype.int64) for o in operands]
    expanded = []
    for s, o in zip(full, operands):
        # align to ellipsis and expand size-1 dims that broadcast
        shape = tuple(sizes[c] for c in s)
        if tuple(o.shape) != shape:
            o = o.expand(shape) if not _repeats(s) else o
        expanded.append(o)
    return apply(_einsum, *expanded, eq=",".join(full) + "->" + out)


def _repeats(s):
    return len(set(s)) != len(s)


def tensordot(a, b, dims=2, out=None):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    da = [d % max(a.ndim, 1) for d in da]
    db = [d % max(b.ndim, 1) for d in db]
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} and "
                               f"second has size {b.shape[j]} in dim {j}")
        sb[j] = sa[i]
    res = [c for k, c in enumerate(sa) if k not in da] + [c for k, c in enumerate(sb) if k not in db]
    return _finish(apply(_einsum, a, b, eq="".join(sa) + "," + "".join(sb) + "->" + "".join(res)), out)


def kron(input, other, *, out=None):
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(x for s in sa for x in (s, 1)))
    b = other.reshape(tuple(x for s in sb for x in (1, s)))
    return _finish((a * b).reshape(tuple(x * y for x, y in zip(sa, sb))), out)


_LEVI = np.zeros((3, 3, 3), dtype=np.int64)
_LEVI[0, 1, 2] = _LEVI[1, 2, 0] = _LEVI[2, 0, 1] = 1
_LEVI[0, 2, 1] = _LEVI[2, 1, 0] = _LEVI[1, 0, 2] = -1


def _cross(input, other, dim):
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {_name(input.dtype)} but found {_name(other.dtype)}")
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = _broadcast_batch(tuple(input.shape), tuple(other.shape))
    n = len(shape)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    dim %= n
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim - n if dim < n else dim} must have length 3. Got "
                           f"{input.shape[dim]} and {other.shape[dim]}")
    a, b = input.expand(shape), other.expand(shape)
    letters = string.ascii_letters[:n]
    s = lambda c: letters[:dim] + c + letters[dim + 1:]
    eps = _const(_LEVI.astype(input._data.dtype), input)
    return apply(_einsum, eps, a, b, eq=f"ZYX,{s('Y')},{s('X')}->{s('Z')}")


def cross(input, other, dim=None, *, out=None):
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        shape = _broadcast_batch(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    return _finish(_cross(input, other, dim), out)


def linalg_cross(input, other, *, dim=-1, out=None):
    return _finish(_cross(input, other, dim), out)


def trace(input):
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    x = input if input.dtype._category >= 2 else input.to(_dtype.int64)
    k = min(x.shape)
    if x.shape[0] != x.shape[1]:
        x = x.narrow(0, 0, k).narrow(1, 0, k)
    return apply(_einsum, x, eq="ii->")


def vecdot(x, y, *, dim=-1, out=None):
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{_name(x.dtype)} and y of type {_name(y.dtype)} instead")
    return _finish(((x.conj() if x.dtype.is_complex else x) * y).sum(dim), out)


# ---------------------------------------------------------------------------
# helpers for the decompositions' VJPs (NOTE [ Adjoint flags ]): einsum does transposes and diagonals

class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a matrix is singular or not positive-definite."""


def _letters(n):
    return string.ascii_letters[:n]


def _H(x):
    """Conjugate transpose of the last two dims."""
    s = _letters(x.ndim - 2)
    t = apply(_einsum, x, eq=f"{s}YZ->{s}ZY")
    return t.conj() if x.dtype.is_complex else t


def _eye(n, like, dtype=None):
    return _const(np.eye(n, dtype=dtype or like._data.dtype), like)


def _diag(x):
    s = _letters(x.ndim - 2)
    return apply(_einsum, x, eq=f"{s}ZZ->{s}Z")


def _diag_embed(v):
    return v.reshape(tuple(v.shape) + (1,)) * _eye(v.shape[-1], v)


def _tri(x, k=0, upper=False):
    """tril(x, k) or triu(x, k) by a constant mask."""
    m, n = x.shape[-2], x.shape[-1]
    mask = np.tri(m, n, k, dtype=bool) if not upper else ~np.tri(m, n, k - 1, dtype=bool)
    return x * _const(mask, x)


def _row(v):
    return v.reshape(tuple(v.shape[:-1]) + (1, v.shape[-1]))


def _col(v):
    return v.reshape(tuple(v.shape) + (1,))


def _take_cols(x, k):
    """x[..., :k] as a product with a selection matrix (keeps everything differentiable)."""
    return _mm(x, _const(np.eye(x.shape[-1], k, dtype=x._data.dtype), x))


def _take_rows(x, k):
    return _mm(_const(np.eye(k, x.shape[-2], dtype=x._data.dtype), x), x)


def _check_square(A, name):
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def _check_float(A, name):
    if A.dtype._category < 2 or A.dtype in (_dtype.float16, _dtype.bfloat16):
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {_name(A.dtype)}")


def _lapack(fn, name, what="singular"):
    """Run a NumPy LAPACK call, turning its LinAlgError into PyTorch's."""
    try:
        with np.errstate(all="ignore"):
            return fn()
    except np.linalg.LinAlgError:
        if what == "pd":
            raise LinAlgError(f"{name}: The factorization could not be completed because the input is not "
                              "positive-definite.") from None
        raise LinAlgError(f"{name}: The diagonal element 1 is zero, the inversion could not be completed because "
                          "the input matrix is singular.") from None


# ---------------------------------------------------------------------------
# decomposition primitives
# fmt: off
_inv      = defop("linalg_inv",      lambda xp, a: _lapack(lambda: xp.linalg.inv(a), "linalg.inv"),
                  lambda g, out, a: -_mm(_mm(out, g, True), out, False, True), inputs=False, output=True,
                  node="LinalgInvExBackward0")
_det      = defop("linalg_det",      lambda xp, a: xp.asarray(xp.linalg.det(a)),
                  lambda g, out, a: _det_grad(g, out, a),
                  output=True, node="LinalgDetBackward0")
_slogdet  = defop("linalg_slogdet",  lambda xp, a: tuple(xp.asarray(r) for r in xp.linalg.slogdet(a)),
                  lambda g, out, a: _slogdet_grad(g[0], g[1], out[0], a), output=True, outputs=2,
                  node="LinalgSlogdetBackward0")
_solve    = defop("linalg_solve",    lambda xp, a, b, adjoint: _lapack(lambda: xp.linalg.solve(_adj(xp, a, adjoint), b),
                                                                       "torch.linalg.solve"),
                  lambda g, out, a, b, adjoint: _solve_grad(g, out, a, adjoint), output=True,
                  node="LinalgSolveExBackward0")
_cholesky = defop("linalg_cholesky", lambda xp, a: _lapack(lambda: xp.linalg.cholesky(a), "linalg.cholesky", "pd"),
                  lambda g, out, a: _cholesky_grad(g, out), inputs=False, output=True,
                  node="LinalgCholeskyExBackward0")
_qr       = defop("linalg_qr",       lambda xp, a, mode: tuple(xp.linalg.qr(a, mode=mode)),
                  lambda g, out, a, mode: _qr_grad(g[0], g[1], out[0], out[1], mode), inputs=False, output=True,
                  outputs=2, node="LinalgQrBackward0")
_svd      = defop("linalg_svd",      lambda xp, a, full: tuple(xp.linalg.svd(a, full_matrices=full)),
                  lambda g, out, a, full: _svd_grad(g, out, full), inputs=False, output=True, outputs=3,
                  node="LinalgSvdBackward0")
_eigh     = defop("linalg_eigh",     lambda xp, a, uplo: tuple(xp.linalg.eigh(a, UPLO=uplo)),
                  lambda g, out, a, uplo: _eigh_grad(g[0], g[1], out[0], out[1]), inputs=False, output=True,
                  outputs=2, node="LinalgEighBackward0")
_eig      = defop("linalg_eig",      lambda xp, a, ct: tuple(r.astype(ct) for r in xp.linalg.eig(a)),
                  lambda g, out, a, ct: _eig_grad(g[0], g[1], out[0], out[1], a), output=True, outputs=2,
                  node="LinalgEigBackward0")
_pinv     = defop("linalg_pinv",     lambda xp, a, rtol, hermitian: xp.linalg.pinv(a, rcond=rtol, hermitian=hermitian),
                  lambda g, out, a, rtol, hermitian: _pinv_grad(g, out, a), output=True, node="LinalgPinvBackward0")
_expm     = defop("linalg_matrix_exp", lambda xp, a: _expm_forward(xp, a),
                  lambda g, out, a: _expm_grad(g, a), node="LinalgMatrixExpBackward0")
# fmt: on


def _unsq2(v):
    return v.reshape(tuple(v.shape) + (1, 1))


def _det_grad(g, det, a):
    if not np.any(det._data == 0):
        return _unsq2(g * (det.conj() if det.dtype.is_complex else det)) * _H(inv(a))
    # singular: det(A) A^-H is the cofactor matrix conj(alpha) U diag(prod_{j != i} s_j) Vh (constant here)
    u, sv, vh = np.linalg.svd(a._data)
    alpha = (np.linalg.det(u) * np.linalg.det(vh)).conj()
    left = np.cumprod(np.concatenate([np.ones_like(sv[..., :1]), sv[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([np.ones_like(sv[..., :1]), sv[..., :0:-1]], -1), -1)[..., ::-1]
    cof = alpha[..., None, None] * (u * (left * right)[..., None, :]) @ vh
    return _unsq2(g) * _const(cof.astype(a._data.dtype), a)


def _slogdet_grad(g_sign, g_logabs, sign, a):
    g = g_logabs
    if sign.dtype.is_complex:  # the sign's phase moves with Im tr(A^-1 dA)
        g = g + (sign.conj() * g_sign).imag * 1j
    return _unsq2(g) * _H(inv(a))


def _solve_grad(g, x, a, adjoint):
    gb = apply(_solve, a, g, adjoint=not adjoint)
    ga = None
    if needs_input_grad(0):
        ga = -_mm(gb, x, False, True) if not adjoint else -_mm(x, gb, False, True)
    return ga, gb


def _cholesky_grad(gL, L):
    gA = _tri(_mm(L, gL, True))
    gA = (gA + _H(_tri(gA, -1))) * 0.5
    Linv = inv(L)
    gA = _mm(_mm(Linv, gA, True), Linv)
    return gA


def _qr_grad(gQ, gR, Q, R, mode):
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                           "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
    m, n = Q.shape[-2], R.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    gA = _mm(gR, R, False, True) - _mm(Q, gQ, True)
    if m >= n:
        sym = _tri(gA, upper=True)
        sym = sym + _H(sym)
        d = _diag(sym)
        sym = sym - _diag_embed((d.real if d.dtype.is_complex else d) * 0.5)
        gA = _mm(Q, sym) + gQ
        return _mm(gA, inv(R), False, True)
    X = -gA
    skew = _tri(X - _H(X))
    gA = _mm(Q, skew)
    R1 = _take_cols(R, m)
    gA = _mm(gA, inv(R1), False, True)
    gA = _mm(gA, _const(np.eye(m, n, dtype=gA._data.dtype), gA))
    return gA + _mm(Q, gR)


def _svd_grad(g, out, full):
    gU, gS, gVh = g
    U, S, Vh = out
    k = S.shape[-1]
    if full:
        U, Vh, gU, gVh = _take_cols(U, k), _take_rows(Vh, k), _take_cols(gU, k), _take_rows(gVh, k)
    m, n = U.shape[-2], Vh.shape[-1]
    UhgU = _mm(U, gU, True)
    UhgU = UhgU - _H(UhgU)
    VhgV = _mm(Vh, gVh, False, True)
    VhgV = VhgV - _H(VhgV)
    S2 = S * S
    E = _row(S2) - _col(S2) + _eye(k, S)
    gA = (UhgU * _row(S) + _col(S) * VhgV) / E + _diag_embed(gS)
    if U.dtype.is_complex:
        gA = gA + _diag_embed(_diag(UhgU) / (S * 2))
    if m > n:
        gA = _mm(U, gA)
        gUSinv = gU / _row(S)
        gA = gA + gUSinv - _mm(U, _mm(U, gUSinv, True))
        return _mm(gA, Vh)
    if m < n:
        gA = _mm(gA, Vh)
        SinvgVh = gVh / _col(S)
        gA = gA + SinvgVh - _mm(_mm(SinvgVh, Vh, False, True), Vh)
        return _mm(U, gA)
    return _mm(U, _mm(gA, Vh))


def _eigh_grad(gL, gV, L, V):
    VhgV = _mm(V, gV, True)
    VhgV = (VhgV - _H(VhgV)) * 0.5
    E = _row(L) - _col(L) + _eye(L.shape[-1], L)
    gA = VhgV / E
    gA = gA - _diag_embed(_diag(gA)) + _diag_embed(gL.to(gA.dtype) if gL.dtype is not gA.dtype else gL)
    return _mm(V, _mm(gA, V, False, True))


def _eig_grad(gL, gV, L, V, a):
    """PyTorch's linalg_eig_backward: V has unit columns, so the gradient is pulled back through V^-H."""
    VhgV = _mm(V, gV, True)
    d = _diag(VhgV).real
    VhgV = VhgV - _mm(V, V * _row(d), True)
    Lc = L.conj()
    gA = VhgV / (_row(Lc) - _col(Lc) + _eye(L.shape[-1], L))
    gA = gA - _diag_embed(_diag(gA)) + _diag_embed(gL)
    gA = apply(_solve, V, _mm(gA, V, False, True), adjoint=True)
    return gA if a.dtype.is_complex else gA.real


def _pinv_grad(g, pinvA, A):
    m, n = A.shape[-2], A.shape[-1]
    gh = _H(g)
    if m <= n:
        K = _mm(gh, pinvA)
        KpinvAh = _mm(K, pinvA, False, True)
        return (-_H(_mm(pinvA, K)) + KpinvAh - _mm(_mm(A, pinvA), KpinvAh)
                + _mm(_mm(pinvA, pinvA, True), gh - _mm(K, A)))
    K = _mm(pinvA, gh)
    pinvAhK = _mm(pinvA, K, True)
    return (-_H(_mm(K, pinvA)) + _mm(_mm(gh - _mm(A, K), pinvA), pinvA, False, True) + pinvAhK
            - _mm(_mm(pinvAhK, pinvA), A))


def _expm_forward(xp, a):
    """exp(A) by scaling and squaring with a degree-18 Taylor polynomial (accurate to rounding for ||A/2^s|| < 1/2)."""
    dt = a.dtype
    a = _low(a).astype(np.complex128 if a.dtype.kind == "c" else np.float64)
    if a.size == 0:
        return a.astype(dt)
    norm = float(xp.abs(a).sum(-2).max()) if a.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm))) + 1) if norm > 0.5 else 0
    a = a / (2.0 ** s)
    eye = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    result, term = eye.copy(), eye
    for k in range(1, 19):
        term = xp.matmul(term, a) / k
        result = result + term
    for _ in range(s):
        result = xp.matmul(result, result)
    return result.astype(dt)


def _expm_grad(g, a):
    """d exp: the upper-right block of exp([[A^H, G], [0, A^H]]) (Mathias' theorem), written in ember ops."""
    n = a.shape[-1]
    ah = _H(a)
    blocks = np.zeros((3, 2, 2), dtype=a._data.dtype)
    blocks[0, 0, 0] = blocks[0, 1, 1] = 1
    blocks[1, 0, 1] = 1
    s = _letters(a.ndim - 2)
    big = (apply(_einsum, _const(blocks[0], a), ah, eq=f"WX,{s}YZ->{s}WYXZ")
           + apply(_einsum, _const(blocks[1], a), g, eq=f"WX,{s}YZ->{s}WYXZ"))
    big = big.reshape(tuple(a.shape[:-2]) + (2 * n, 2 * n))
    e = apply(_expm, big).reshape(tuple(a.shape[:-2]) + (2, n, 2, n))
    e0, e1 = _const(np.array([1, 0], dtype=a._data.dtype), a), _const(np.array([0, 1], dtype=a._data.dtype), a)
    return apply(_einsum, e, e0, e1, eq=f"{s}WYXZ,W,X->{s}YZ")


# ---------------------------------------------------------------------------
# torch.linalg functions (the namespace ember.linalg re-exports them under PyTorch's names)

def inv(A, *, out=None):
    _check_square(A, "linalg.inv")
    _check_float(A, "linalg.inv")
    return _finish(apply(_inv, A), out)


def inv_ex(A, *, check_errors=False, out=None):
    _check_square(A, "linalg.inv_ex")
    try:
        res, info = inv(A), 0
    except LinAlgError:
        if check_errors:
            raise
        res, info = apply(_inv_nan, A), 1
    return _named("inv_ex", ("inverse", "info"), res, _info(A, info), out=out)


_inv_nan = defop("inv_nan", lambda xp, a: xp.full(a.shape, np.nan, dtype=a.dtype))


def _info(A, value):
    return _const(np.full(tuple(A.shape[:-2]), value, dtype=np.int32), A)


_NAMED = {}


def _named(fn, fields, *values, out=None):
    """PyTorch's torch.return_types.<fn> namedtuple."""
    import collections
    cls = _NAMED.get(fn)
    if cls is None:
        cls = _NAMED[fn] = collections.namedtuple(fn, fields)
        cls.__module__ = "torch.return_types"
    if out is not None:
        from .core import copy_out
        copy_out(values, out)
        return cls(*out)
    return cls(*values)


def det(A, *, out=None):
    _check_square(A, "linalg.det")
    _check_float(A, "linalg.det")
    return _finish(apply(_det, A), out)


def slogdet(A, *, out=None):
    _check_square(A, "linalg.slogdet")
    _check_float(A, "linalg.slogdet")
    sign, logabs = apply(_slogdet, A)
    return _named("slogdet", ("sign", "logabsdet"), sign, logabs, out=out)


def logdet(input):
    sign, logabs = slogdet(input)
    if input.dtype.is_complex:
        return logabs + _const(np.log(sign._data), sign)
    bad = np.where(sign._data < 0, np.nan, 0).astype(logabs._data.dtype)
    return logabs + _const(bad, logabs)


def _is_vector_rhs(A, B):
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A, B, *, left=True, out=None):
    _check_square(A, "linalg.solve")
    _check_float(A, "linalg.solve")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_name(A.dtype)} and B of type {_name(B.dtype)} instead")
    vector = _is_vector_rhs(A, B)
    b = _col(B) if vector else B
    if left:
        if b.shape[-2] != A.shape[-1]:
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                               f"({_fold(A.shape[-2:])} and {_fold(b.shape[-2:])})")
        shape = _broadcast_batch(tuple(A.shape[:-2]), tuple(b.shape[:-2]))
        x = apply(_solve, A, b.expand(shape + tuple(b.shape[-2:])), adjoint=False)
    else:
        if vector:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported for left=False. "
                               "In this case linalg.solve is equivalent to B / A.squeeze(-1)")
        if b.shape[-1] != A.shape[-2]:
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation XA = B "
                               f"({_fold(b.shape[-2:])} and {_fold(A.shape[-2:])})")
        bh = _H(b)
        shape = _broadcast_batch(tuple(A.shape[:-2]), tuple(bh.shape[:-2]))
        x = _H(apply(_solve, A, bh.expand(shape + tuple(bh.shape[-2:])), adjoint=True))
    if vector:
        x = x.reshape(tuple(x.shape[:-1]))
    return _finish(x, out)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    try:
        res, info = solve(A, B, left=left), 0
    except LinAlgError:
        if check_errors:
            raise
        res, info = apply(_inv_nan, B), 1
    return _named("solve_ex", ("result", "info"), res, _info(A, info), out=out)


def linalg_cholesky(A, *, upper=False, out=None):
    _check_square(A, "linalg.cholesky")
    _check_float(A, "linalg.cholesky")
    L = apply(_cholesky, A)
    return _finish(_H(L) if upper else L, out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    try:
        L, info = linalg_cholesky(A, upper=upper), 0
    except LinAlgError:
        if check_errors:
            raise
        L, info = apply(_inv_nan, A), 1
    return _named("cholesky_ex", ("L", "info"), L, _info(A, info), out=out)


def linalg_qr(A, mode="reduced", *, out=None):
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           "'complete'")
    if A.ndim < 2:
        raise RuntimeError("linalg.qr: The input tensor A must have at least 2 dimensions.")
    _check_float(A, "linalg.qr")
    if mode == "r":
        R = apply(_qr, A, mode="reduced")[1]
        Q = _const(np.empty(0, dtype=A._data.dtype), A)
        return _named("qr", ("Q", "R"), Q, R, out=out)
    Q, R = apply(_qr, A, mode=mode)
    return _named("qr", ("Q", "R"), Q, R, out=out)


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    if A.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    _check_float(A, "linalg.svd")
    U, S, Vh = apply(_svd, A, full=full_matrices)
    return _named("svd", ("U", "S", "Vh"), U, S, Vh, out=out)


def svdvals(A, *, driver=None, out=None):
    if A.ndim < 2:
        raise RuntimeError("linalg.svdvals: The input tensor A must have at least 2 dimensions.")
    _check_float(A, "linalg.svdvals")
    from ..autograd import grad_mode
    if A.requires_grad and grad_mode.is_grad_enabled():
        return _finish(apply(_svd, A, full=False)[1], out)
    s = np.linalg.svd(A._data, compute_uv=False)
    return _finish(_const(s, A), out)


def eigh(A, UPLO="L", *, out=None):
    _check_square(A, "linalg.eigh")
    _check_float(A, "linalg.eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError("Expected UPLO argument to be 'L' or 'U', but got " + str(UPLO))
    L, V = apply(_eigh, A, uplo=UPLO)
    return _named("eigh", ("eigenvalues", "eigenvectors"), L, V, out=out)


def eigvalsh(A, UPLO="L", *, out=None):
    from ..autograd import grad_mode
    if A.requires_grad and grad_mode.is_grad_enabled():
        return _finish(eigh(A, UPLO)[0], out)
    _check_square(A, "linalg.eigvalsh")
    _check_float(A, "linalg.eigvalsh")
    return _finish(_const(np.linalg.eigvalsh(A._data, UPLO=UPLO), A), out)


def _complex_of(d):
    return np.complex64 if d in (np.float32, np.complex64) else np.complex128


def eig(A, *, out=None):
    _check_square(A, "linalg.eig")
    _check_float(A, "linalg.eig")
    w, v = apply(_eig, A, ct=_complex_of(A._data.dtype))
    return _named("eig", ("eigenvalues", "eigenvectors"), w, v, out=out)


def eigvals(A, *, out=None):
    from ..autograd import grad_mode
    if A.requires_grad and grad_mode.is_grad_enabled():
        return _finish(eig(A).eigenvalues, out)
    _check_square(A, "linalg.eigvals")
    _check_float(A, "linalg.eigvals")
    return _finish(_const(np.linalg.eigvals(A._data).astype(_complex_of(A._data.dtype)), A), out)


def _tol(A, atol, rtol, s_max):
    """max(atol, rtol * s_max) with PyTorch's default rtol (eps * max(m, n) when neither is given)."""
    def val(t):
        return t._data if isinstance(t, Tensor) else t
    real = np.finfo(np.float32 if A._data.dtype in (np.float32, np.complex64) else np.float64)
    if rtol is None:
        rtol = real.eps * max(A.shape[-2], A.shape[-1]) if atol is None or (not isinstance(atol, Tensor) and atol <= 0) \
            else 0.0
    a = 0.0 if atol is None else val(atol)
    return np.maximum(np.asarray(a)[..., None] if np.ndim(a) else a, np.asarray(val(rtol)) * s_max)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    _check_float(A, "linalg.pinv")
    if atol is None and (rtol is None or not isinstance(rtol, Tensor)):
        r = rtol if rtol is not None else np.finfo(
            np.float32 if A._data.dtype in (np.float32, np.complex64) else np.float64).eps * max(A.shape[-2:])
        if A.numel() == 0:
            return _finish(_const(np.zeros(tuple(A.shape[:-2]) + (A.shape[-1], A.shape[-2]), A._data.dtype), A), out)
        return _finish(apply(_pinv, A, rtol=r, hermitian=hermitian), out)
    # explicit atol: threshold the singular values ourselves (composite, differentiable through svd)
    U, S, Vh = linalg_svd(A, full_matrices=False)
    tol = _tol(A, atol, rtol, S._data.max(-1, keepdims=True) if S.numel() else 0)
    keep = S._data > tol
    sinv = _const(keep.astype(S._data.dtype), S) / (S + _const(~keep, S))
    return _finish(_mm(_H(Vh) * _row(sinv), U, False, True), out)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None, tol=None):
    _check_float(A, "linalg.matrix_rank")
    if tol is not None:
        atol = tol
    if hermitian:
        s = np.abs(np.linalg.eigvalsh(A._data))
    else:
        s = np.linalg.svd(A._data, compute_uv=False)
    smax = s.max(-1, keepdims=True) if s.size else np.zeros(s.shape[:-1] + (1,))
    t = _tol(A, atol, rtol, smax)
    return _finish(_const((s > t).sum(-1).astype(np.int64), A), out)


def matrix_power(A, n, *, out=None):
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2] if A.ndim >= 2 else 1} by {A.shape[-1] if A.ndim else 1} matrices")
    if n == 0:  # the identity, still attached to A's graph (with a zero gradient) as in PyTorch
        return _finish(A * 0 + _eye(A.shape[-1], A), out)
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else _mm(result, base)
        n >>= 1
        if n:
            base = _mm(base, base)
    return _finish(result if result is not A else result.clone(), out)


def matrix_exp(A):
    _check_square(A, "linalg.matrix_exp")
    _check_float(A, "linalg.matrix_exp")
    return apply(_expm, A)


def _vector_norm_forward(xp, x, ord, dim, keepdim, dtype):
    a = xp.abs(x)
    if ord == 2:
        r = xp.sqrt(xp.sum(a * a, axis=dim, keepdims=keepdim))
    elif ord == float("inf"):
        r = xp.max(a, axis=dim, keepdims=keepdim) if a.size else xp.zeros(_reduced(a.shape, dim, keepdim), a.dtype)
    elif ord == float("-inf"):
        r = xp.min(a, axis=dim, keepdims=keepdim)
    elif ord == 0:
        r = xp.sum(a != 0, axis=dim, keepdims=keepdim).astype(a.dtype)
    elif ord == 1:
        r = xp.sum(a, axis=dim, keepdims=keepdim)
    else:
        r = xp.sum(a ** ord, axis=dim, keepdims=keepdim) ** (1.0 / ord)
    return xp.asarray(r, dtype=dtype)


def _reduced(shape, dim, keepdim):
    dims = range(len(shape)) if dim is None else dim
    return tuple(1 if i in dims else s for i, s in enumerate(shape) if keepdim or i not in dims)


def _vector_norm_grad(g, norm, x, ord, dim, keepdim, dtype):
    shape = tuple(x.shape)
    kd = _reduced(shape, dim, True)
    g, norm = g.reshape(kd), norm.reshape(kd)
    xd = x._data
    sgn = _const(np.where(xd == 0, 0, xd / np.where(xd == 0, 1, np.abs(xd))).astype(xd.dtype), x)
    if ord == 0:
        return (g * 0).expand(shape)
    if ord == 1:
        return g * sgn
    if ord in (float("inf"), float("-inf")):
        mask = (np.abs(xd) == norm._data)
        count = mask.sum(axis=dim, keepdims=True)
        return g * sgn * _const((mask / np.maximum(count, 1)).astype(norm._data.dtype), x)
    zero = norm._data == 0
    safe = norm + _const(zero.astype(norm._data.dtype), norm)
    scale = g / safe * _const(~zero, norm)
    if ord == 2:
        return x * scale
    return x * x.abs() ** (ord - 2) * (g / safe ** (ord - 1) * _const(~zero, norm))


_vector_norm = defop("linalg_vector_norm", _vector_norm_forward, _vector_norm_grad, output=True,
                     node="LinalgVectorNormBackward0")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    if x.dtype._category < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_name(x.dtype)}")
    if dtype is not None:
        x = x.to(_dtype.to_dtype(dtype))
    ord = float(ord)
    dims = normalize_dims(dim, x.ndim)
    if x.ndim == 0:
        dims = None
    if x.numel() == 0 and ord < 0 or (x.numel() == 0 and ord == float("inf") and (
            dims is None or any(x.shape[d] == 0 for d in dims))):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because the "
                           "operation does not have an identity")
    real = x.dtype.to_real() if x.dtype.is_complex else x.dtype
    return _finish(apply(_vector_norm, x, ord=ord, dim=dims, keepdim=keepdim, dtype=real.np), out)


def _move_last(A, dim):
    """Permute so that the two dims `dim` come last (via einsum); returns the tensor and the inverse map."""
    n = A.ndim
    d0, d1 = dim[0] % n, dim[1] % n
    if (d0, d1) == (n - 2, n - 1):
        return A
    s = _letters(n)
    rest = [c for i, c in enumerate(s) if i not in (d0, d1)]
    return apply(_einsum, A, eq=f"{s}->{''.join(rest)}{s[d0]}{s[d1]}")


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _check_float(A, "linalg.matrix_norm")
    if dtype is not None:
        A = A.to(_dtype.to_dtype(dtype))
    n = A.ndim
    dim = tuple(d % n for d in dim)
    if ord == "fro":
        res = vector_norm(A, 2, dim, keepdim)
    elif ord in ("nuc", 2, -2):
        s = svdvals(_move_last(A, dim))
        res = s.sum(-1) if ord == "nuc" else vector_norm(s, float("inf") if ord == 2 else float("-inf"), -1)
        if keepdim:
            shape = list(A.shape)
            shape[dim[0]] = shape[dim[1]] = 1
            res = res.reshape(tuple(shape))
    elif ord in (1, -1, float("inf"), float("-inf")):
        first, second = (dim[0], dim[1]) if abs(ord) == 1 else (dim[1], dim[0])
        r = vector_norm(A, 1, first, True)
        res = vector_norm(r, float("inf") if ord > 0 else float("-inf"), second, True)
        if not keepdim:
            res = res.reshape(tuple(s for i, s in enumerate(A.shape) if i not in dim))
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    return _finish(res, out)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.ndim == 2) or isinstance(ord, str):
        return matrix_norm(A, "fro" if ord is None else ord, dim if dim is not None else (-2, -1), keepdim,
                           dtype=dtype, out=out)
    if ord is not None and dim is None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None):
    if p is None or p in (2, -2):
        s = svdvals(A)
        big, small = vector_norm(s, float("inf"), -1), vector_norm(s, float("-inf"), -1)
        return _finish(small / big if p == -2 else big / small, out)
    return _finish(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    from .. import diagonal as _diagonal
    return _diagonal(A, offset=offset, dim1=dim1, dim2=dim2)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    tri = _tri(A, upper=upper) if not unitriangular else _tri(A, 1 if upper else -1, upper) + _eye(A.shape[-1], A)
    return _finish(solve(tri, B, left=left), out)


def _lu_forward(a):
    """Doolittle LU with partial pivoting on a (..., m, n) array (vectorised over the batch)."""
    a = a.copy()
    m, n = a.shape[-2:]
    k = min(m, n)
    piv = np.zeros(a.shape[:-2] + (k,), dtype=np.int32)
    flat = a.reshape((-1, m, n))
    pv = piv.reshape((-1, k))
    rows = np.arange(flat.shape[0])
    for j in range(k):
        p = j + np.argmax(np.abs(flat[:, j:, j]), axis=1)
        pv[:, j] = p + 1
        tmp = flat[rows, j].copy()
        flat[rows, j] = flat[rows, p]
        flat[rows, p] = tmp
        d = flat[:, j, j]
        with np.errstate(all="ignore"):
            f = np.where(d[:, None] != 0, flat[:, j + 1:, j] / np.where(d == 0, 1, d)[:, None], 0)
        flat[:, j + 1:, j] = f
        flat[:, j + 1:, j + 1:] -= f[:, :, None] * flat[:, j, None, j + 1:]
    return flat.reshape(a.shape), piv


def lu_factor(A, *, pivot=True, out=None):
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    LU, piv = _lu_forward(A._data)
    return _named("lu_factor", ("LU", "pivots"), _const(LU, A), _const(piv, A), out=out)


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    LU, piv = lu_factor(A, pivot=pivot)
    return _named("lu_factor_ex", ("LU", "pivots", "info"), LU, piv, _info(A, 0), out=out)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    a = LU_data._data
    m, n = a.shape[-2:]
    k = min(m, n)
    L = np.tril(a[..., :, :k], -1) + np.eye(m, k, dtype=a.dtype)
    U = np.triu(a[..., :k, :])
    piv = LU_pivots._data.reshape((-1, k)) - 1
    perms = np.tile(np.arange(m), (piv.shape[0], 1))
    for j in range(k):
        idx = np.arange(piv.shape[0])
        pj = piv[:, j]
        tmp = perms[idx, j].copy()
        perms[idx, j] = perms[idx, pj]
        perms[idx, pj] = tmp
    P = np.zeros((piv.shape[0], m, m), dtype=a.dtype)
    P[np.arange(piv.shape[0])[:, None], perms, np.arange(m)[None, :]] = 1
    P = P.reshape(a.shape[:-2] + (m, m))
    return _named("lu_unpack", ("P", "L", "U"), _const(P, LU_data), _const(L, LU_data), _const(U, LU_data), out=out)


def linalg_lu(A, *, pivot=True, out=None):
    LU, piv = lu_factor(A, pivot=pivot)
    P, L, U = lu_unpack(LU, piv)
    return _named("lu", ("P", "L", "U"), P, L, U, out=out)



def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    P, L, U = lu_unpack(LU, pivots)
    A = _mm(_mm(P, L), U)
    A = _H(A) if adjoint else A
    return _finish(solve(A, B, left=left), out)


def lstsq(A, B, rcond=None, *, driver=None):
    _check_float(A, "linalg.lstsq")
    if A.dtype is not B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {A.dtype} and other's dtype {B.dtype}")
    vector = B.ndim == A.ndim - 1
    b = _col(B) if vector else B
    x = _mm(pinv(A), b)
    m, n = A.shape[-2:]
    driver = driver or "gelsy"
    s = np.linalg.svd(A._data, compute_uv=False)
    tol = (rcond if rcond is not None and rcond > 0 else np.finfo(s.dtype).eps * max(m, n)) * \
        (s.max(-1, keepdims=True) if s.size else 0)
    rank = (s > tol).sum(-1).astype(np.int64)
    empty = _const(np.empty(0, dtype=s.dtype), A)
    if m > n and driver != "gelsy" and np.all(rank == n):
        r = _mm(A, x) - b
        res = (r.abs() ** 2 if r.dtype.is_complex else r * r).sum(-2)
        if vector:
            res = res.reshape(tuple(res.shape[:-1]))
    else:  # empty, but attached to the graph as in PyTorch
        flat = x.reshape(-1).narrow(0, 0, 0)
        res = flat.real if flat.dtype.is_complex else flat
    rank_t = _const(rank, A) if driver != "gels" else _const(np.empty(0, dtype=np.int64), A)
    sv = _const(s, A) if driver in ("gelsd", "gelss") else empty
    if vector:
        x = x.reshape(tuple(x.shape[:-1]))
    return _named("lstsq", ("solution", "residuals", "rank", "singular_values"), x, res, rank_t, sv)


def tensorinv(A, ind=2, *, out=None):
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    outer_shape, inner_shape = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows = int(np.prod(outer_shape))
    return _finish(inv(A.reshape(rows, -1)).reshape(inner_shape + outer_shape), out)


def tensorsolve(A, B, dims=None, *, out=None):
    if dims is not None:
        n = A.ndim
        dims = [d % n for d in dims]
        order = [i for i in range(n) if i not in dims] + dims
        s = _letters(n)
        A = apply(_einsum, A, eq=f"{s}->{''.join(s[i] for i in order)}")
    rest = tuple(A.shape[B.ndim:])
    x = solve(A.reshape(B.numel(), -1), B.reshape(-1))
    return _finish(x.reshape(rest), out)


def vander(x, *, N=None):
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    if x.dtype._category < 2:
        x = x.to(_dtype.int64)
    cols = [x * 0 + 1] if n > 0 else []
    for _ in range(1, n):
        cols.append(cols[-1] * x)
    from .. import stack
    return stack(cols, -1) if cols else _const(np.empty(tuple(x.shape) + (0,), x._data.dtype), x)


def householder_product(A, tau, *, out=None):
    """The product of Householder reflectors H_i = I - tau_i v_i v_i^H (v_i from A's columns below the diagonal)."""
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    vs = A * _const(np.tri(m, n, -1, dtype=bool), A) + _const(np.eye(m, n, dtype=A._data.dtype), A)
    Q = None
    for i in range(k):
        v = _mm(vs, _const(np.eye(n, 1, -i, dtype=A._data.dtype), A))
        t = _mm(_row(tau), _const(np.eye(k, 1, -i, dtype=tau._data.dtype), tau))
        H = _eye(m, A) - t * _mm(v, v, False, True)
        Q = H if Q is None else _mm(Q, H)
    if Q is None:
        Q = _eye(m, A).expand(tuple(A.shape[:-2]) + (m, m))
    return _finish(_take_cols(Q, n), out)


# ---------------------------------------------------------------------------
# top-level torch.* forms

def inverse(input, *, out=None):
    return inv(input, out=out)


def pinverse(input, rcond=1e-15):
    return pinv(input, rtol=rcond)


def cholesky(input, upper=False, *, out=None):
    return linalg_cholesky(input, upper=upper, out=out)


def cholesky_solve(B, L, upper=False, *, out=None):
    Lm = _H(L) if upper else L
    A = _mm(Lm, Lm, False, True)
    return _finish(solve(A, B), out)


def cholesky_inverse(L, upper=False, *, out=None):
    Lm = _H(L) if upper else L
    return _finish(inv(_mm(Lm, Lm, False, True)), out)


def qr(input, some=True, *, out=None):
    return linalg_qr(input, "reduced" if some else "complete", out=out)


def svd(input, some=True, compute_uv=True, *, out=None):
    if not compute_uv:
        S = svdvals(input)
        m, n = input.shape[-2:]
        zu = _const(np.zeros(tuple(input.shape[:-2]) + (m, m if not some else min(m, n)), input._data.dtype), input)
        zv = _const(np.zeros(tuple(input.shape[:-2]) + (n, n if not some else min(m, n)), input._data.dtype), input)
        return _named("svd", ("U", "S", "V"), zu, S, zv, out=out)
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return _named("svd", ("U", "S", "V"), U, S, _H(Vh), out=out)


def lu(A, pivot=True, get_infos=False, out=None):
    LU, piv = lu_factor(A, pivot=pivot)
    if get_infos:
        return LU, piv, _info(A, 0)
    return LU, piv


def lu_solve(b, LU_data, LU_pivots, *, out=None):
    return linalg_lu_solve(LU_data, LU_pivots, b, out=out)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    tri = _tri(A, upper=upper) if not unitriangular else _tri(A, 1 if upper else -1, upper) + _eye(A.shape[-1], A)
    x = solve(_H(tri).conj() if transpose and tri.dtype.is_complex else (_H(tri) if transpose else tri), b)
    coeff = A.expand(tuple(x.shape[:-2]) + tuple(A.shape[-2:])).clone()
    return _named("triangular_solve", ("solution", "cloned_coefficient"), x, coeff, out=out)




addmm_, addmv_, addr_, addbmm_, baddbmm_ = (_inplace_from(f) for f in (addmm, addmv, addr, addbmm, baddbmm))


def _rmatmul(self, other):
    return matmul(other, self) if isinstance(other, Tensor) else NotImplemented


register_methods({
    "matmul": matmul, "__matmul__": lambda self, other: matmul(self, other) if isinstance(other, Tensor) else
    NotImplemented, "__rmatmul__": _rmatmul, "__imatmul__": lambda self, other: self.copy_(matmul(self, other)),
    "mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "vdot": vdot, "inner": inner, "outer": outer, "ger": ger,
    "addmm": addmm, "addmv": addmv, "addr": addr, "addbmm": addbmm, "baddbmm": baddbmm,
    "addmm_": addmm_, "addmv_": addmv_, "addr_": addr_, "addbmm_": addbmm_, "baddbmm_": baddbmm_,
    "kron": kron, "cross": cross, "trace": trace,
    "det": det, "logdet": logdet, "slogdet": slogdet, "inverse": inverse, "pinverse": pinverse,
    "cholesky": cholesky, "cholesky_solve": cholesky_solve, "cholesky_inverse": cholesky_inverse,
    "qr": qr, "svd": svd, "lu": lu, "lu_solve": lu_solve, "matrix_power": matrix_power, "matrix_exp": matrix_exp,
    "triangular_solve": triangular_solve,
})

# the torch.linalg and torch.fft namespaces (subpackages that read this module)
from .. import fft as _fft_namespace  # noqa: F401
from .. import linalg as _linalg_namespace  # noqa: F401
