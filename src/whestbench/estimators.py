"""Reference estimators (spec section 2.5), written with flopscope.numpy so every FLOP is counted.

All three propagate a Gaussian approximation of the pre-activations through
the network, layer by layer, using the moments of a rectified Gaussian: for
z ~ N(mu, s^2) and a = mu / s,

    E[ReLU z]   = mu Phi(a) + s phi(a)
    E[ReLU z^2] = (mu^2 + s^2) Phi(a) + mu s phi(a)

with phi / Phi the standard normal pdf / cdf from ``flopscope.stats.norm``.
State is float32, like the weights. They are deterministic and ignore mlp.seed.
"""

from __future__ import annotations

import math
from typing import Any, Tuple

import flopscope as flops
import flopscope.numpy as fnp

from whestbench.mlp import MLP
from whestbench.sdk import BaseEstimator

_F32 = fnp.float32
VARIANCE_FLOOR = 1e-12
#: Rescale the covariance when its largest diagonal entry passes this; float32-safe
#: (upstream's float64 code uses 1e100, which a float32 covariance never reaches).
RESCALE_THRESHOLD = 1e30
#: CombinedEstimator uses covariance propagation when budget >= this * width**2.
COVARIANCE_BUDGET_FACTOR = 30


def relu_moments(mu: Any, var: Any) -> Tuple[Any, Any, Any, Any]:
    """(mean, variance, gain Phi(a), sigma) of ReLU(z), z ~ N(mu, var), elementwise."""
    norm = flops.stats.norm  # looked up per call: flopscope may load `stats` lazily
    var = fnp.maximum(var, _F32(VARIANCE_FLOOR))
    sigma = fnp.sqrt(var)
    alpha = mu / sigma
    pdf = norm.pdf(alpha).astype(_F32)
    cdf = norm.cdf(alpha).astype(_F32)
    mean = mu * cdf + sigma * pdf
    second = (mu * mu + var) * cdf + mu * sigma * pdf
    out_var = fnp.maximum(second - mean * mean, _F32(0.0))
    return mean, out_var, cdf, sigma


class MeanPropagationEstimator(BaseEstimator):
    """Diagonal propagation: neurons treated as independent. O(depth * width^2) FLOPs."""

    def predict(self, mlp: MLP, budget: int) -> Any:
        mu = fnp.zeros(mlp.width, dtype=_F32)
        var = fnp.ones(mlp.width, dtype=_F32)
        rows = []
        for w in mlp.weights:
            # pre-activation of neuron j: sum_i x_i W_ij, so mean W^T mu, variance (W o W)^T var
            mu, var, _, _ = relu_moments(mu @ w, var @ (w * w))
            rows.append(mu)
        return fnp.stack(rows)


class CovariancePropagationEstimator(BaseEstimator):
    """Full-covariance propagation. O(depth * width^3) FLOPs."""

    def predict(self, mlp: MLP, budget: int) -> Any:
        n = mlp.width
        mu = fnp.zeros(n, dtype=_F32)
        cov = fnp.eye(n, dtype=_F32)
        log_scale = 0.0
        rows = []
        for w in mlp.weights:
            peak = float(fnp.max(fnp.diagonal(cov)))
            if peak > RESCALE_THRESHOLD:  # keep float32 in range; the scale is re-applied to the output
                s = math.sqrt(peak)
                mu = mu / _F32(s)
                cov = cov / _F32(s * s)
                log_scale += math.log(s)
            mu_pre = mu @ w
            cov_pre = w.T @ (cov @ w)
            mu, var, cdf, sigma = relu_moments(mu_pre, fnp.diagonal(cov_pre))
            # Cov(ReLU z_i, ReLU z_j) ~ Phi(a_i) Phi(a_j) Cov(z_i, z_j) off the diagonal
            gain = fnp.where(sigma > _F32(VARIANCE_FLOOR), cdf, _F32(0.0)).astype(_F32)
            # gain_i gain_j by broadcasting, not outer(gain, gain): that one is symmetric (the same
            # array twice), and its product with the untagged cov_pre would warn SymmetryLossWarning.
            cov = gain[:, None] * gain[None, :] * cov_pre
            fnp.fill_diagonal(cov, var)  # as upstream's reference: no item assignment (immutable arrays)
            rows.append(mu if log_scale == 0.0 else mu * _F32(math.exp(log_scale)))
        return fnp.stack(rows)


class CombinedEstimator(BaseEstimator):
    """Covariance propagation when the budget allows it (budget >= 30 width^2), else mean propagation."""

    def __init__(self) -> None:
        self._mean = MeanPropagationEstimator()
        self._cov = CovariancePropagationEstimator()

    def predict(self, mlp: MLP, budget: int) -> Any:
        if budget >= COVARIANCE_BUDGET_FACTOR * mlp.width * mlp.width:
            return self._cov.predict(mlp, budget)
        return self._mean.predict(mlp, budget)
