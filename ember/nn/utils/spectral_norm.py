"""Spectral normalisation with forward pre-hooks (the legacy ``torch.nn.utils.spectral_norm`` API).

The weight W is replaced by W / σ(W), σ being its largest singular value, estimated by power
iteration (Miyato et al., 2018, Algorithm 1) on W viewed as a matrix with ``dim`` as its rows:

    v ← normalize(Wᵀu),  u ← normalize(Wv),  σ ≈ uᵀWv

The module keeps ``<name>_orig`` (the trained parameter) and the buffers ``<name>_u`` and ``<name>_v``,
which persist the iteration between calls; ``<name>`` itself becomes a plain attribute recomputed before
every forward (with an iteration step only in training mode).
"""
import ember

from ..parameter import Parameter, UninitializedParameter

__all__ = [
    "SpectralNorm",
    "SpectralNormLoadStateDictPreHook",
    "SpectralNormStateDictHook",
    "remove_spectral_norm",
    "spectral_norm",
]


def _normalize(x, eps, out=None):
    """x / max(‖x‖₂, eps) for a vector (into `out` when given: the buffers are updated in place)."""
    return ember.div(x, x.norm().clamp_min(eps), out=out)


def _as_matrix(weight, dim):
    """`weight` as a matrix whose rows run along `dim` (a 1-d weight becomes a column)."""
    return weight.movedim(dim, 0).reshape(weight.shape[dim], -1)


def _default_dim(module):
    """The output-channel dimension: 1 for transposed convolutions (weight is in × out × ...), else 0."""
    transposed = (ember.nn.ConvTranspose1d, ember.nn.ConvTranspose2d, ember.nn.ConvTranspose3d)
    return 1 if isinstance(module, transposed) else 0


class SpectralNorm:
    """The forward pre-hook: sets ``module.<name>`` to ``<name>_orig / σ`` before each forward."""

    _version = 1  # checkpoints without it (version 0) stored <name> but not <name>_v

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        return _as_matrix(weight, self.dim)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with ember.no_grad():
                for _ in range(self.n_power_iterations):
                    _normalize(ember.mv(mat.t(), u), self.eps, out=v)
                    _normalize(ember.mv(mat, v), self.eps, out=u)
            # σ's graph must keep this step's u and v: the buffers change in place next time
            u, v = u.clone(), v.clone()
        sigma = ember.dot(u, ember.mv(mat, v))
        return weight / sigma

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    def remove(self, module):
        """Puts back a plain parameter ``<name>`` holding the current normalised weight."""
        with ember.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def _solve_v_and_rescale(self, mat, u, target_sigma):
        """A v with W v ∥ u (least squares) scaled so that uᵀWv = target_sigma (for version-0 checkpoints)."""
        v = ember.mv(ember.linalg.pinv(mat), u)
        return v * (target_sigma / ember.dot(u, ember.mv(mat, v)))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `SpectralNorm` can't have uninitialized parameters. "  # noqa: TRY004
                             "Make sure to run the dummy forward before applying spectral normalization")
        with ember.no_grad():
            rows, cols = fn.reshape_weight_to_matrix(weight).shape
            u = _normalize(weight.new_empty(rows).normal_(0, 1), eps)
            v = _normalize(weight.new_empty(cols).normal_(0, 1), eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.data)  # until the first forward computes the normalised weight
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        module._register_state_dict_hook(SpectralNormStateDictHook(fn))
        module._register_load_state_dict_pre_hook(SpectralNormLoadStateDictPreHook(fn))
        return fn


class SpectralNormStateDictHook:
    """Records ``spectral_norm: {"<name>.version": 1}`` in the module's state_dict metadata."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, module, state_dict, prefix, local_metadata):
        entries = local_metadata.setdefault("spectral_norm", {})
        key = self.fn.name + ".version"
        if key in entries:
            raise RuntimeError(f"Unexpected key in metadata['spectral_norm']: {key}")
        entries[key] = self.fn._version


class SpectralNormLoadStateDictPreHook:
    """Upgrades a version-0 checkpoint (``<name>`` stored, no ``<name>_v``) before it is loaded."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        key = prefix + self.fn.name
        version = local_metadata.get("spectral_norm", {}).get(self.fn.name + ".version")
        if version is not None and version >= 1:
            return
        # a hand-made dict has no metadata: it is current if it has the three current entries
        if version is None and key not in state_dict and all(key + s in state_dict for s in ("_orig", "_u", "_v")):
            return
        with ember.no_grad():
            weight_orig = state_dict[key + "_orig"]
            weight = state_dict.pop(key)
            sigma = (weight_orig / weight).mean()  # the saved weight was weight_orig / σ
            mat = self.fn.reshape_weight_to_matrix(weight_orig)
            state_dict[key + "_v"] = self.fn._solve_v_and_rescale(mat, state_dict[key + "_u"], sigma)


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Applies spectral normalisation to ``module.<name>`` (hooks; see ``parametrizations.spectral_norm``)."""
    SpectralNorm.apply(module, name, n_power_iterations, _default_dim(module) if dim is None else dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Removes the hooks and turns ``<name>`` back into a parameter holding the normalised weight."""
    def pop_hook(table, matches):
        for key, hook in table.items():
            if matches(hook):
                del table[key]
                return hook
        return None

    fn = pop_hook(module._forward_pre_hooks, lambda h: isinstance(h, SpectralNorm) and h.name == name)
    if fn is None:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    fn.remove(module)
    pop_hook(module._state_dict_hooks, lambda h: isinstance(h, SpectralNormStateDictHook) and h.fn.name == name)
    pop_hook(module._load_state_dict_pre_hooks,
             lambda h: isinstance(h, SpectralNormLoadStateDictPreHook) and h.fn.name == name)
    return module
