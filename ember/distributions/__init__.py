"""Probability distributions with the torch.distributions interface (sampling, log densities, KL)."""
from . import constraints, transforms  # noqa: F401  (ember.distributions.constraints, as in torch)
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .distribution import Distribution
from .extra import Binomial, Cauchy, Chi2, Geometric, Gumbel, HalfNormal, StudentT
from .gamma import Beta, Dirichlet, Exponential, Gamma
from .kl import kl_divergence, register_kl
from .misc import Independent, Laplace, Multinomial, Poisson
from .multivariate_normal import MultivariateNormal
from .normal import LogNormal, Normal
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Cauchy",
    "Chi2",
    "Dirichlet",
    "Distribution",
    "Exponential",
    "Gamma",
    "Geometric",
    "Gumbel",
    "HalfNormal",
    "Independent",
    "Laplace",
    "LogNormal",
    "Multinomial",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "Poisson",
    "StudentT", "TransformedDistribution",
    "Uniform",
    "kl_divergence",
    "register_kl",
]
