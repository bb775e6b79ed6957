import ember

from . import constraints
from .distribution import Distribution
from .transforms import ComposeTransform, Transform

__all__ = ["TransformedDistribution"]


def _sum_rightmost(x, n):
    return x.reshape(tuple(x.shape[: x.dim() - n]) + (-1,)).sum(-1) if n > 0 else x


class TransformedDistribution(Distribution):
    """Distribution of y = t_n(...t_1(x)) for x ~ base_distribution (change of variables for log_prob)."""

    arg_constraints = {}

    def __init__(self, base_distribution, transforms, validate_args=None):
        if isinstance(transforms, Transform):
            transforms = [transforms]
        if not all(isinstance(t, Transform) for t in transforms):
            raise ValueError(f"transforms must be a Transform or a list of Transforms, but was {transforms}")
        self.transforms = list(transforms)
        self.base_dist = base_distribution
        chain = ComposeTransform(self.transforms)
        base_shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        shape = chain.forward_shape(base_shape)
        event_dim = max(chain.codomain.event_dim, len(base_distribution.event_shape))
        super().__init__(shape[: len(shape) - event_dim], shape[len(shape) - event_dim:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = type(self).__new__(type(self)) if _instance is None else _instance
        batch_shape = tuple(batch_shape)
        ev = len(self._event_shape) - len(self.base_dist.event_shape)
        base_batch = batch_shape + tuple(self._event_shape[: ev])
        new.base_dist = self.base_dist.expand(base_batch)
        new.transforms = self.transforms
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def has_rsample(self):
        return self.base_dist.has_rsample

    @constraints.dependent_property(is_discrete=False)
    def support(self):
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        extra = len(self._event_shape) - support.event_dim
        return constraints.independent(support, extra) if extra > 0 else support

    def sample(self, sample_shape=()):
        with ember.no_grad():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x

    def rsample(self, sample_shape=()):
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self._event_shape)
        lp, y = 0.0, value
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            lp = lp - _sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.domain.event_dim)
            y = x
        return lp + _sum_rightmost(self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape))

    def _monotone_sign(self):
        sign = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, ember.Tensor) and sign.numel() == 1:
            sign = int(sign.item())
        if not isinstance(sign, int) or sign not in (1, -1):
            raise NotImplementedError("cdf/icdf need scalar monotone transforms")
        return sign

    def cdf(self, value):
        sign = self._monotone_sign()
        for t in reversed(self.transforms):
            value = t.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        value = self.base_dist.cdf(value)
        return value if sign == 1 else 1 - value

    def icdf(self, value):
        sign = self._monotone_sign()
        value = self.base_dist.icdf(value if sign == 1 else 1 - value)
        for t in self.transforms:
            value = t(value)
        return value
