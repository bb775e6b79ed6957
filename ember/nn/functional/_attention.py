"""F.scaled_dot_product_attention and F.multi_head_attention_forward.

The attention weights softmax(q kᵀ · scale + mask) are one primitive, `_attention_weights(q, k, mask)`:
one batched matmul for the scores, causal/bool/float masking and a stable softmax done in place, and a
VJP that runs on NumPy arrays (one temporary) unless a graph is being built.  The output is then
`weights @ v` (ember's matmul), so MultiheadAttention's need_weights=True and attention dropout
cost nothing extra.
"""
import math
import warnings

import numpy as np

from ... import _dtype
from ..._tensor import Tensor, _wrap
from ...autograd import grad_mode
from ...autograd.graph import needs_input_grad
from ...ops.registry import _pt_name, apply, defop

# the private helpers are listed so that F._canonical_mask etc. exist, as PyTorch code subclassing the
# Transformer layers calls them through F
__all__ = ["_canonical_mask", "_in_projection", "_in_projection_packed", "_mha_shape_check", "_none_or_dtype",
           "multi_head_attention_forward", "scaled_dot_product_attention"]


# ---------------------------------------------------------------------------
# the primitive: mask is None, a bool array (True = take part) or an additive float array

def _compute_dtype(dt):
    return dt if dt in (np.float32, np.float64) else np.dtype(np.float32)  # float16/bfloat16 compute in float32


def _weights_forward(xp, q, k, mask, scale, causal, safe):
    rt = q.dtype
    ct = _compute_dtype(rt)
    s = xp.matmul(q.astype(ct, copy=False) * ct.type(scale), xp.swapaxes(k.astype(ct, copy=False), -1, -2))
    if causal:  # top-left aligned, as PyTorch: query i sees keys 0..i
        xp.copyto(s, -xp.inf, where=~xp.tri(s.shape[-2], s.shape[-1], dtype=bool))
    if mask is not None:
        full = np.broadcast_shapes(s.shape, mask.shape)
        if full != s.shape:
            s = xp.broadcast_to(s, full).copy()
        if mask.dtype == bool:
            xp.copyto(s, -xp.inf, where=~mask)
        else:
            s += mask.astype(ct, copy=False)
    return _softmax_inplace(xp, s, safe).astype(rt, copy=False)


def _softmax_inplace(xp, s, safe):
    """softmax over the last dim, written into s; `safe` gives 0 (not NaN) for rows that are all -inf."""
    if s.size == 0:
        return s
    m = s.max(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        if safe:
            m[xp.isneginf(m)] = 0
        s -= m
        xp.exp(s, out=s)
        d = _rowsum(xp, s)
        if safe:
            d[d == 0] = 1
        s /= d
    return s


def _rowsum(xp, a):
    """Sum over the last dim as a GEMV: several times faster than a ufunc reduction over short rows."""
    if a.size == 0:
        return a.sum(axis=-1, keepdims=True)
    return xp.matmul(a, xp.ones((a.shape[-1], 1), dtype=a.dtype))


def _weights_backward(g, p, q, k, mask, scale, causal, safe):
    need_q, need_k = needs_input_grad(0), needs_input_grad(1)
    need_m = mask is not None and mask.dtype.is_floating_point and needs_input_grad(2)
    if not grad_mode._state.enabled:  # no graph to build: NumPy, one temporary the size of the weights
        dev = q._device
        xp = dev.xp
        ct = _compute_dtype(q._data.dtype)
        pa, ga = p._data.astype(ct, copy=False), g._data.astype(ct, copy=False)
        ds = ga * pa  # the softmax VJP p * (g - rowsum(g * p)), in place
        xp.subtract(ga, _rowsum(xp, ds), out=ds)
        ds *= pa
        gm = _wrap(ds.copy(), dev) if need_m else None  # the mask's gradient is not scaled
        ds *= scale  # once here rather than on both products
        gq = gk = None
        if need_q:
            gq = _wrap(_matmul_like(xp, ds, k._data.astype(ct, copy=False), q._data), dev)
        if need_k:
            gk = _wrap(_matmul_like(xp, xp.swapaxes(ds, -1, -2), q._data.astype(ct, copy=False), k._data), dev)
        return gq, gk, gm
    ds = p * (g - (g * p).sum(-1, keepdim=True))
    gq = ds.matmul(k) * scale if need_q else None
    gk = ds.transpose(-2, -1).matmul(q) * scale if need_k else None
    return gq, gk, (ds if need_m else None)


def _matmul_like(xp, a, b, like):
    """a @ b laid out in memory like `like`, the input it is the gradient of.

    MultiheadAttention's heads are transposed views of the (batch, seq, embed) projections: gradients in
    that layout make the backward of those views free instead of a copy each."""
    same = like.ndim >= 3 and like.shape == a.shape[:-1] + b.shape[-1:]
    return xp.matmul(a, b, out=xp.empty_like(like, dtype=a.dtype) if same else None)  # empty_like keeps strides


_WEIGHTS = defop("attention_weights", _weights_forward, _weights_backward, output=True,
                 node="ScaledDotProductAttentionMathBackward0")


def _attend(q, k, v, mask, scale, causal=False, dropout_p=0.0, safe=True):
    """(output, weights): weights = softmax(q kᵀ scale + mask) (dropped out when dropout_p > 0), output = weights v."""
    p = apply(_WEIGHTS, q, k, mask, scale=float(scale), causal=bool(causal), safe=safe)
    if dropout_p > 0.0:
        from . import dropout
        p = dropout(p, dropout_p)
    return p.matmul(v), p


def _broadcast_check(a, b):
    try:
        return np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        for i in range(n - 1, -1, -1):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                raise RuntimeError(f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                                   f"non-singleton dimension {i}") from None
        raise


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(Q Kᵀ · scale + mask) V, with PyTorch's mask conventions (bool: True takes part; float: added).

    >>> q = k = v = ember.randn(2, 4, 8, 16)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    torch.Size([2, 4, 8, 16])
    """
    if query.dtype is not key.dtype or query.dtype is not value.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{_cpp_name(query.dtype)} key.dtype: {_cpp_name(key.dtype)} and value.dtype: "
                           f"{_cpp_name(value.dtype)} instead.")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: "
                           f"{query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead.")
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Float but found {_pt_name(query.dtype)}")
    if attn_mask is not None:
        if attn_mask.dtype not in (_dtype.bool, _dtype.float32, query.dtype):
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {_cpp_name(attn_mask.dtype)} and  query.dtype: "
                               f"{_cpp_name(query.dtype)} instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3 and query.shape[-3] != key.shape[-3]:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
        key = key.repeat_interleave(hq // hk, -3)
        value = value.repeat_interleave(hq // hv, -3)
    E = query.shape[-1]
    if key.shape[-1] != E:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{max(math.prod(key.shape[:-2]), 1)}, {E}] but got: "
                           f"[{max(math.prod(key.shape[:-2]), 1)}, {key.shape[-1]}].")
    if value.shape[-2] != key.shape[-2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{max(math.prod(value.shape[:-2]), 1)}, {key.shape[-2]}] but got: "
                           f"[{max(math.prod(value.shape[:-2]), 1)}, {value.shape[-2]}].")
    batch = _broadcast_check(_broadcast_check(query.shape[:-2], key.shape[:-2]), value.shape[:-2])
    if attn_mask is not None:
        _broadcast_check(tuple(batch) + (query.shape[-2], key.shape[-2]), attn_mask.shape)
        if attn_mask.dtype is not _dtype.bool and attn_mask.dtype is not query.dtype:
            attn_mask = attn_mask.to(query.dtype)
    if scale is None:
        scale = 1.0 / math.sqrt(E) if E else float("inf")
    return _attend(query, key, value, attn_mask, scale, is_causal, dropout_p)[0]


def _cpp_name(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}.get(d.name, d.name)


# ---------------------------------------------------------------------------
# multi-head attention

def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's checks; returns whether the input is batched."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D"
                                 f" but found {key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D"
                                 f" but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                                 f" but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D"
                                 f" but found {key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D"
                                 f" but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                                     f" but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D query tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask (True = masked out) becomes an additive float mask of -inf/0, as in PyTorch."""
    if mask is None:
        return None
    is_float = mask.dtype.is_floating_point
    if mask.dtype is not _dtype.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype is not other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same type for both "
                      "instead.", stacklevel=3)
    if not is_float:
        from ... import zeros_like
        mask = zeros_like(mask, dtype=target_type).masked_fill_(mask, float("-inf"))
    return mask


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _in_projection_packed(q, k, v, w, b=None):
    """q, k, v projected by the packed (3E, E) weight.

    PyTorch does self-attention as one (3E)-wide GEMM split by selects; here each projection is its own GEMM
    on a slice of the weight, which gives the same values and contiguous results, and saves the backward
    of three selects (each a zero-filled copy of the whole projection)."""
    from . import linear
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    from . import linear
    Eq, Ek, Ev = q.size(-1), k.size(-1), v.size(-1)
    for name, w, shape in (("query", w_q, (Eq, Eq)), ("key", w_k, (Eq, Ek)), ("value", w_v, (Eq, Ev))):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got {w.shape}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (Eq,):
            raise AssertionError(f"expecting {name} bias shape of {(Eq,)}, but got {b.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """PyTorch's multi-head attention on (L, N, E) inputs (or unbatched (L, E)); returns (output, weights)."""
    return _multi_head_attention(
        query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
        add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
        attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
        average_attn_weights, is_causal, batch_first=False)


def _multi_head_attention(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k,
                          bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
                          key_padding_mask, need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
                          k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights, is_causal,
                          batch_first, nan_rows=False):
    """multi_head_attention_forward that also takes (N, L, E) inputs as they are, so batch_first needs no transposes.

    Heads are laid out as (N, H, L, head_dim) views of the projections and go to the attention
    primitive in one call; the math is PyTorch's, step for step.  Fully masked rows give NaN with
    need_weights=True or `nan_rows` (PyTorch's plain softmax) and zeros otherwise (its SDPA)."""
    from ... import cat, zeros
    from . import linear, pad
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
        batch_first = False
    bdim, sdim = (0, 1) if batch_first else (1, 0)
    tgt_len, bsz, embed_dim = query.shape[sdim], query.shape[bdim], query.shape[2]
    src_len = key.shape[sdim]

    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask",
                                       query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint is trusted: causal attention without materialising the mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight, b_q, b_k, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    # (seq, batch, E) or (batch, seq, E) -> (batch, heads, seq, head_dim), as views
    def heads(t):
        t = t.unflatten(-1, (num_heads, head_dim))
        return t.permute(1, 2, 0, 3) if sdim == 0 else t.transpose(1, 2)

    q, k, v = heads(q), heads(k), heads(v)
    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.reshape(1, num_heads, 1, head_dim).expand(bsz, -1, -1, -1)], 2)
        v = cat([v, bias_v.reshape(1, num_heads, 1, head_dim).expand(bsz, -1, -1, -1)], 2)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")
    for name, static in (("k", static_k), ("v", static_v)):
        if static is not None:
            if static.size(0) != bsz * num_heads:
                raise AssertionError(f"expecting static_{name}.size(0) of {bsz * num_heads}, but got {static.size(0)}")
            if static.size(2) != head_dim:
                raise AssertionError(f"expecting static_{name}.size(2) of {head_dim}, but got {static.size(2)}")
    if static_k is not None:
        k = static_k.view(bsz, num_heads, static_k.shape[1], head_dim)
    if static_v is not None:
        v = static_v.view(bsz, num_heads, static_v.shape[1], head_dim)
    if add_zero_attn:
        k = cat([k, zeros((bsz, num_heads, 1, head_dim), dtype=k.dtype, device=k.device)], 2)
        v = cat([v, zeros((bsz, num_heads, 1, head_dim), dtype=v.dtype, device=v.device)], 2)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[2]

    # masks -> one additive mask broadcasting against (batch, heads, tgt, src)
    if attn_mask is not None:
        attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else attn_mask.view(bsz, num_heads, tgt_len,
                                                                                         src_len)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got {key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights and is_causal and attn_mask is None:
        raise AssertionError("FIXME: is_causal not implemented for need_weights")
    out, weights = _attend(q, k, v, attn_mask, 1.0 / math.sqrt(head_dim), is_causal and attn_mask is None,
                           dropout_p, safe=not (need_weights or nan_rows))
    # (batch, heads, tgt, head_dim) -> the input layout, then the output projection
    out = out.permute(2, 0, 1, 3) if sdim == 0 else out.transpose(1, 2)
    out = linear(out.reshape(out.shape[0], out.shape[1], embed_dim), out_proj_weight, out_proj_bias)
    if not need_weights:
        return (out if is_batched else out.squeeze(1)), None
    if average_attn_weights:
        weights = weights.mean(dim=1)
    if not is_batched:
        return out.squeeze(1), weights.squeeze(0)
    return out, weights
