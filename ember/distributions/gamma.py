
import ember

from . import constraints
from .distribution import Distribution
from .utils import batch_shape_of, broadcast_all

__all__ = ["Beta", "Dirichlet", "Exponential", "Gamma"]


def _tiny(x):
    return ember.finfo(x.dtype).tiny


def _standard_gamma_grad(x, alpha):
    """d x / d alpha for x ~ Gamma(alpha, 1) held at a fixed quantile (implicit reparameterisation):
    dx/dalpha = -(dF/dalpha)(x; alpha) / pdf(x; alpha), F the regularised lower incomplete gamma function.
    dF/dalpha is taken by a central difference in float64, accurate to ~1e-6 relative."""
    with ember.no_grad():
        x64, a64 = x.double(), alpha.double()
        h = 1e-5 * a64.clamp(min=1e-2)
        dF = (ember.special.gammainc(a64 + h, x64) - ember.special.gammainc(a64 - h, x64)) / (2 * h)
        log_pdf = (a64 - 1) * x64.log() - x64 - ember.lgamma(a64)
        return (-dF / log_pdf.exp()).to(x.dtype)


def _gamma_rsample(alpha):
    """Gamma(alpha, 1) samples whose gradient w.r.t. alpha is the implicit reparameterisation gradient."""
    with ember.no_grad():
        x = ember._standard_gamma(alpha.detach())
        x = x.clamp(min=_tiny(x))
    if not alpha.requires_grad:
        return x
    # value x, derivative grad: x + (alpha - stop_grad(alpha)) * stop_grad(dx/dalpha)
    return x + (alpha - alpha.detach()) * _standard_gamma_grad(x, alpha.detach())


class Gamma(Distribution):
    """Gamma with shape ``concentration`` and inverse scale ``rate``."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _expand_params = (("concentration", 0), ("rate", 0))

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(batch_shape_of(concentration, rate, params=self.concentration), validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        x = _gamma_rsample(self.concentration.expand(shape)) / self.rate.expand(shape)
        return x.clamp(min=_tiny(x))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = ember.as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        c, r = self.concentration, self.rate
        return ember.xlogy(c, r) + ember.xlogy(c - 1, value) - r * value - ember.lgamma(c)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ember.special.gammainc(self.concentration, self.rate * value)

    def entropy(self):
        c = self.concentration
        return c - ember.log(self.rate) + ember.lgamma(c) + (1.0 - c) * ember.digamma(c)


class Exponential(Distribution):
    """Exponential with ``rate`` (inverse mean)."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _expand_params = (("rate", 0),)

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(batch_shape_of(rate, params=self.rate), validate_args=validate_args)

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return ember.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=()):
        e = ember.empty(self._extended_shape(sample_shape), dtype=self.rate.dtype, device=self.rate.device)
        return e.exponential_() / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - ember.exp(-self.rate * value)

    def icdf(self, value):
        return -ember.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - ember.log(self.rate)


class Dirichlet(Distribution):
    """Distribution over the probability simplex with parameter ``concentration`` (last dim = categories)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True
    _expand_params = (("concentration", 1),)

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def rsample(self, sample_shape=()):
        # normalised independent Gamma(c_i, 1) draws; gradients flow through _gamma_rsample
        c = self.concentration.expand(self._extended_shape(sample_shape))
        if not c.requires_grad:
            x = ember._sample_dirichlet(c)
        else:
            g = _gamma_rsample(c.double())
            x = (g / g.sum(-1, True)).to(c.dtype)
        return x.clamp(min=_tiny(x), max=1 - ember.finfo(x.dtype).eps)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return ember.xlogy(c - 1.0, value).sum(-1) + ember.lgamma(c.sum(-1)) - ember.lgamma(c).sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self):
        # interior maximum when some concentration > 1; when all are < 1 the density blows up at every vertex
        # and the first vertex is reported (0/0 gives NaNs, whose argmax is the first index)
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, True)
        all_small = (self.concentration < 1).all(-1, keepdim=True)
        vertex = ember.nn.functional.one_hot(mode.argmax(-1), self.concentration.size(-1))
        return ember.where(all_small, vertex.to(mode.dtype), mode)

    @property
    def variance(self):
        c0 = self.concentration.sum(-1, True)
        return self.concentration * (c0 - self.concentration) / (c0.pow(2) * (c0 + 1))

    def entropy(self):
        c = self.concentration
        k = c.size(-1)
        c0 = c.sum(-1)
        return (ember.lgamma(c).sum(-1) - ember.lgamma(c0) - (k - c0) * ember.digamma(c0)
                - ((c - 1.0) * ember.digamma(c)).sum(-1))


class Beta(Distribution):
    """Beta(concentration1, concentration0) on [0, 1]: the first coordinate of a 2-category Dirichlet."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        c1, c0 = broadcast_all(concentration1, concentration0)
        self._dirichlet = Dirichlet(ember.stack([c1, c0], -1), validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(ember.stack([value, 1.0 - value], -1))

    def entropy(self):
        return self._dirichlet.entropy()
