"""embedding (a gather primitive whose VJP is a scatter-add primitive), embedding_bag (composite), one_hot."""
import numpy as np

from ... import _dtype
from ..._tensor import Tensor, _wrap
from ...ops.registry import apply, defop

__all__ = ["embedding", "embedding_bag", "one_hot"]


# ---------------------------------------------------------------------------
# the two primitives: rows of `weight` at `indices`, and its transpose (rows of g added into a zero table)
#
# `indices` travels as an attr (an xp int array), not a saved input: the weight is not kept alive by the graph,
# so an optimizer may update it in place before backward, as in PyTorch.

def _row_factor(xp, indices, num_weights, padding_idx, scale_grad_by_freq):
    """Per-index factor the scatter applies: 0 at padding_idx, 1/frequency when scaling by frequency; None if 1."""
    flat = indices.reshape(-1)
    factor = None
    if scale_grad_by_freq:
        counts = xp.bincount(flat, minlength=num_weights)
        factor = 1.0 / counts[flat]
    if padding_idx is not None and padding_idx >= 0:
        keep = (flat != padding_idx).astype(np.float64)
        factor = keep if factor is None else factor * keep
    return factor


def _scatter_rows(xp, g, indices, num_weights, padding_idx, scale_grad_by_freq):
    """Sum the rows of `g` (…, D) into a (num_weights, D) table at `indices` (padding rows skipped).

    Rows are added in rounds: in round r every index's r-th occurrence is added with one fancy `+=` (no
    duplicates within a round, so it is exact and vectorised); occurrences past round 8 (very frequent
    tokens) go through np.add.at.  About twice as fast as np.add.at alone."""
    d = g.shape[-1]
    rows = g.reshape(-1, d)
    flat = indices.reshape(-1)
    if scale_grad_by_freq:
        rows = rows / xp.bincount(flat, minlength=num_weights)[flat].astype(rows.dtype).reshape(-1, 1)
    if padding_idx is not None and padding_idx >= 0:
        keep = flat != padding_idx
        flat, rows = flat[keep], rows[keep]
    out = xp.zeros((num_weights, d), dtype=g.dtype)
    if flat.size == 0:
        return out
    order = xp.argsort(flat, kind="stable")
    s = flat[order]
    starts = xp.flatnonzero(xp.concatenate([xp.ones(1, dtype=bool), s[1:] != s[:-1]]))
    rank = xp.arange(s.size) - xp.repeat(starts, xp.diff(xp.append(starts, s.size)))
    for r in range(min(int(rank.max()) + 1, 8)):
        sel = order[rank == r]
        out[flat[sel]] += rows[sel]
    rest = order[rank >= 8]
    if rest.size:
        xp.add.at(out, flat[rest], rows[rest])
    return out


def _embedding_vjp(g, out, w, indices, num_weights, padding_idx, scale_grad_by_freq):
    return apply(_EMBEDDING_BACKWARD, g, indices=indices, num_weights=num_weights, padding_idx=padding_idx,
                 scale_grad_by_freq=scale_grad_by_freq)


def _embedding_backward_grad(gg, out, g, indices, num_weights, padding_idx, scale_grad_by_freq):
    """The scatter is linear in g: its VJP gathers the rows back, with the same per-index factor."""
    rows = apply(_EMBEDDING, gg, indices=indices, num_weights=num_weights, padding_idx=padding_idx,
                 scale_grad_by_freq=scale_grad_by_freq)
    factor = _row_factor(gg._device.xp, indices, num_weights, padding_idx, scale_grad_by_freq)
    if factor is not None:
        rows = rows * _wrap(factor.reshape(indices.shape + (1,)).astype(gg._data.dtype), gg._device)
    return rows


# fmt: off
_EMBEDDING          = defop("embedding", lambda xp, w, indices, **attrs: xp.take(w, indices, axis=0), _embedding_vjp,
                            inputs=False)
_EMBEDDING_BACKWARD = defop("embedding_dense_backward", _scatter_rows, _embedding_backward_grad, inputs=False)
# fmt: on


def _type_name(t):
    from ...autograd.graph import _type_name as name
    return name(t)


def _check_indices(input, fn="embedding"):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'indices' (position 1) must be Tensor, not {type(input).__name__}")
    if input.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {_type_name(input)} instead (while checking arguments for {fn})")


def _index_array(input, num_weights):
    idx = input._data.astype(np.int64, copy=False)
    if idx.size and (idx.min() < 0 or idx.max() >= num_weights):
        raise IndexError("index out of range in self")
    return idx


def _renorm_rows_(weight, idx, max_norm, norm_type):
    """PyTorch's embedding_renorm_: rows used by `idx` whose norm exceeds max_norm are scaled down in place."""
    xp = weight._device.xp
    data = weight._data
    rows_at = xp.unique(idx.reshape(-1))
    rows = data[rows_at]
    acc = rows.astype(np.float64 if rows.dtype == np.float64 else np.float32)
    if norm_type == float("inf"):
        norms = xp.abs(acc).max(axis=1)
    elif norm_type == 0:
        norms = (acc != 0).sum(axis=1).astype(acc.dtype)
    else:
        norms = (xp.abs(acc) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).reshape(-1, 1)
        data[rows_at[big]] = (acc[big] * scale).astype(data.dtype)
        weight._version_counter.value += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` at the integer `input`; padding_idx rows get no gradient; max_norm renorms rows in place.

    Differs from PyTorch: sparse=True (sparse gradients) is not supported and raises NotImplementedError."""
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if sparse:
        raise NotImplementedError("embedding(..., sparse=True): sparse gradients are not supported in ember; "
                                  "use sparse=False (dense gradients)")
    _check_indices(input)
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    idx = _index_array(input, weight.shape[0])
    if max_norm is not None:
        _renorm_rows_(weight, idx, max_norm, norm_type)
    return apply(_EMBEDDING, weight, indices=idx, num_weights=weight.shape[0], padding_idx=padding_idx,
                 scale_grad_by_freq=bool(scale_grad_by_freq))


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, means or maxes of `embedding` rows over bags given by `offsets` (or the rows of a 2-D input)."""
    if weight.dtype is _dtype.int64 and input.is_floating_point():
        import warnings
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, "
                      "input, ...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.",
                      stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type "
                             f"{_type_repr(offsets)}")
        starts = np.arange(0, input.numel(), max(input.shape[1], 1), dtype=np.int64)[:input.shape[0]]
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = offsets._data.astype(np.int64)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if sparse:
        raise NotImplementedError("embedding_bag(..., sparse=True): sparse gradients are not supported in ember; "
                                  "use sparse=False (dense gradients)")
    _check_indices(input, "embedding_bag")
    idx = _index_array(input, weight.shape[0])
    if max_norm is not None:
        _renorm_rows_(weight, idx, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    return _bags(weight, idx, starts, include_last_offset, mode, per_sample_weights, padding_idx,
                 scale_grad_by_freq)


def _type_repr(x):
    return "<class 'torch.Tensor'>" if isinstance(x, Tensor) else str(type(x))


def _bags(weight, idx, starts, include_last_offset, mode, per_sample_weights, padding_idx, scale_grad_by_freq):
    from ... import zeros
    n = idx.size
    if starts.size and starts[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {int(starts[0])}")
    if include_last_offset:
        ends = starts[1:]
        starts = starts[:-1]
    else:
        ends = np.append(starts[1:], n)
    ends = np.minimum(ends, n)
    num_bags = starts.size
    bag = np.repeat(np.arange(num_bags), np.maximum(ends - starts, 0))
    pos = np.arange(bag.size) if include_last_offset else np.arange(n)
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += weight.shape[0]
        keep = idx[pos] != padding_idx
        pos, bag = pos[keep], bag[keep]
    rows = apply(_EMBEDDING, weight, indices=idx[pos], num_weights=weight.shape[0], padding_idx=-1,
                 scale_grad_by_freq=bool(scale_grad_by_freq))
    dev = weight._device
    if per_sample_weights is not None:
        rows = rows * per_sample_weights[_wrap(pos, dev)].unsqueeze(1)
    d = weight.shape[1]
    if mode == "max":
        return _bag_max(rows, bag, num_bags, d, weight)
    out = zeros((num_bags, d), dtype=rows.dtype, device=dev).index_add(0, _wrap(bag, dev), rows)
    if mode == "mean":
        counts = np.maximum(np.bincount(bag, minlength=num_bags), 1).astype(weight._data.dtype)
        out = out / _wrap(counts.reshape(-1, 1), dev)
    return out


def _bag_max(rows, bag, num_bags, d, weight):
    """Max over each bag: rows laid out in a (bags, longest, D) block padded with -inf; empty bags give 0."""
    from ... import cat, full
    counts = np.bincount(bag, minlength=num_bags)
    longest = int(counts.max()) if counts.size else 0
    if longest == 0:
        from ... import zeros
        # all bags empty: zeros that still hang off the graph (requires_grad like PyTorch's result)
        return zeros((num_bags, d), dtype=weight.dtype, device=weight.device) + rows.sum() * 0
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.full((num_bags, longest), rows.shape[0], dtype=np.int64)  # the -inf row by default
    within = np.arange(bag.size) - first[bag]
    slot[bag, within] = np.arange(bag.size)
    padded = cat([rows, full((1, d), float("-inf"), dtype=rows.dtype, device=weight.device)])
    block = padded[_wrap(slot, weight._device)]
    out = block.max(1).values
    empty = _wrap((counts == 0).reshape(-1, 1), weight._device)
    return out.masked_fill(empty, 0.0) if counts.min() == 0 else out


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding with a trailing dim of num_classes (inferred as max + 1 when -1)."""
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    data = tensor._data
    if data.size == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if data.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = int(data.max()) + 1
        elif data.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    xp = tensor._device.xp
    out = (data[..., None] == xp.arange(num_classes)).astype(np.int64)
    return _wrap(out, tensor._device)



# ---------------------------------------------------------------------------
# torch.* spellings: ember/__init__.py adds TORCH_NAMESPACE

def _torch_embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                     scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def embedding_renorm_(input, indices, max_norm, norm_type):
    """Scale the rows of `input` at `indices` whose norm exceeds max_norm down to it, in place."""
    _check_indices(indices, "embedding_renorm_")
    _renorm_rows_(input, _index_array(indices, input.shape[0]), max_norm, norm_type)
    return input


TORCH_NAMESPACE = {"embedding": _torch_embedding, "embedding_renorm_": embedding_renorm_}
