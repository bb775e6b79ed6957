"""Distances: cosine_similarity, pairwise_distance, pdist, normalize (composites over ember ops)."""
import ember

__all__ = ["cosine_similarity", "normalize", "pairwise_distance", "pdist"]


def _clamped(x, eps):
    """x.clamp_min(eps) in value, x in gradient: PyTorch clamps the norms in place under no_grad."""
    return x + (x.detach().clamp_min(eps) - x.detach())


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    d = ember.result_type(x1, x2)
    if not d.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {_name(d)}")
    x1, x2 = ember.broadcast_tensors(x1.to(d), x2.to(d))
    # divide each by its own norm first, as PyTorch does, to avoid overflow in the product
    n1 = _clamped(ember.linalg.vector_norm(x1, 2, dim=dim, keepdim=True), eps)
    n2 = _clamped(ember.linalg.vector_norm(x2, 2, dim=dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _name(d):
    from ...ops.registry import _pt_name
    return _pt_name(d)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    out_dim = max(x1.ndim, x2.ndim)
    diff = x1 - x2 + eps
    if out_dim == 0:  # ATen reduces over dim -1 of a 0-dim difference
        return ember.linalg.vector_norm(diff, p, dim=-1, keepdim=keepdim)
    return ember.linalg.vector_norm(diff, p, dim=out_dim - 1, keepdim=keepdim)


def pdist(input, p=2):
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = ember.triu_indices(n, n, 1, device=input.device)
    return ember.linalg.vector_norm(input[i] - input[j], p, dim=-1)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    return ember.div(input, denom, out=out)


