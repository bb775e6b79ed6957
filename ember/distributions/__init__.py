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

# PyTorch's per-distribution module paths (torch.distributions.multinomial.Multinomial) are attributes too
from . import (bernoulli, beta, binomial, categorical, cauchy, chi2, dirichlet, exponential, gamma,  # noqa: F401,E402
               geometric, gumbel, half_normal, independent, kl, laplace, log_normal, multinomial,
               multivariate_normal, normal, one_hot_categorical, poisson, studentT, transformed_distribution,
               uniform, utils)

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
