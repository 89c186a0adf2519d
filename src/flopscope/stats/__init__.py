"""flopscope.stats: continuous distributions with SciPy's names and parameters, counted.

    import flopscope as flops
    flops.stats.norm.pdf(x, loc=0.0, scale=1.0)
    flops.stats.truncnorm.cdf(x, a, b, loc=0.0, scale=1.0)

Eight distributions (norm, uniform, expon, cauchy, logistic, laplace, lognorm,
truncnorm) x pdf / cdf / ppf. Each function is a row of the core's op table
("stats.norm.pdf"), priced per element of the broadcast of x with the
parameters (docs/op-reference.md gives each count); the computation is raw
NumPy in float64 (no scipy at run time) and is not charged a second time.
Invalid parameters (scale <= 0, s <= 0, a >= b) and q outside [0, 1] give nan,
as in SciPy.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np

from .. import _core
from ..errors import FlopscopeWarning
from ._special import ndtr, ndtri

__all__ = ["norm", "uniform", "expon", "cauchy", "logistic", "laplace", "lognorm", "truncnorm"]

_SQRT_2PI = np.sqrt(2.0 * np.pi)


def _f64(*values):
    return [np.asarray(v, dtype=np.float64) for v in values]


def _standard(x, loc, scale):
    x, loc, scale = _f64(x, loc, scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (x - loc) / scale, scale


def _finish(out, bad, *inputs):
    """NaN where the parameters are invalid or an input is nan (np.where would
    drop it); a 0-d result stays an array (wrapped by the core)."""
    out = np.asarray(out, dtype=np.float64)
    for v in inputs:
        bad = bad | np.isnan(v)
    if np.any(bad):
        out = np.where(bad, np.nan, out)
    return out


def _quantile(q, lower, upper, body):
    """SciPy's ppf conventions: the support's ends at q = 0 and 1, nan outside [0, 1]."""
    (q,) = _f64(q)
    with np.errstate(all="ignore"):
        out = body(q)
        out = np.where(q == 0, lower, np.where(q == 1, upper, out))
        return np.where((q < 0) | (q > 1) | np.isnan(q), np.nan, out)


# ---- norm
def _norm_pdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    with np.errstate(all="ignore"):
        return _finish(np.exp(-0.5 * z * z) / (_SQRT_2PI * scale), scale <= 0, z)


def _norm_cdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    return _finish(ndtr(z), scale <= 0, z)


def _norm_ppf(q, loc=0.0, scale=1.0):
    loc, scale = _f64(loc, scale)
    return _finish(_quantile(q, -np.inf, np.inf, lambda q: loc + scale * ndtri(q)), scale <= 0)


# ---- uniform on [loc, loc + scale]
def _uniform_pdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    with np.errstate(all="ignore"):
        return _finish(np.where((z >= 0) & (z <= 1), 1.0 / scale, 0.0), scale <= 0, z)


def _uniform_cdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    return _finish(np.clip(z, 0.0, 1.0), scale <= 0, z)


def _uniform_ppf(q, loc=0.0, scale=1.0):
    loc, scale = _f64(loc, scale)
    return _finish(_quantile(q, loc, loc + scale, lambda q: loc + q * scale), scale <= 0)


# ---- expon
def _expon_pdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    with np.errstate(all="ignore"):
        return _finish(np.where(z >= 0, np.exp(-z) / scale, 0.0), scale <= 0, z)


def _expon_cdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    with np.errstate(all="ignore"):
        return _finish(np.where(z > 0, -np.expm1(-z), 0.0), scale <= 0, z)


def _expon_ppf(q, loc=0.0, scale=1.0):
    loc, scale = _f64(loc, scale)
    return _finish(_quantile(q, loc, np.inf, lambda q: -np.log1p(-q) * scale + loc), scale <= 0)


# ---- cauchy
def _cauchy_pdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    with np.errstate(all="ignore"):
        return _finish(1.0 / (np.pi * scale * (1.0 + z * z)), scale <= 0, z)


def _cauchy_cdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    return _finish(0.5 + np.arctan(z) / np.pi, scale <= 0, z)


def _cauchy_ppf(q, loc=0.0, scale=1.0):
    loc, scale = _f64(loc, scale)
    return _finish(_quantile(q, -np.inf, np.inf, lambda q: loc + scale * np.where(
        q < 0.5, -1.0 / np.tan(np.pi * q), 1.0 / np.tan(np.pi * (1.0 - q)))), scale <= 0)


# ---- logistic
def _logistic_pdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(z))
        return _finish(e / ((1.0 + e) ** 2 * scale), scale <= 0, z)


def _logistic_cdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(z))
        return _finish(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)), scale <= 0, z)


def _logistic_ppf(q, loc=0.0, scale=1.0):
    loc, scale = _f64(loc, scale)
    return _finish(_quantile(q, -np.inf, np.inf, lambda q: loc + scale * np.log(q / (1.0 - q))), scale <= 0)


# ---- laplace
def _laplace_pdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    with np.errstate(all="ignore"):
        return _finish(0.5 * np.exp(-np.abs(z)) / scale, scale <= 0, z)


def _laplace_cdf(x, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    with np.errstate(all="ignore"):
        half = 0.5 * np.exp(-np.abs(z))
        return _finish(np.where(z > 0, 1.0 - half, half), scale <= 0, z)


def _laplace_ppf(q, loc=0.0, scale=1.0):
    loc, scale = _f64(loc, scale)
    return _finish(_quantile(q, -np.inf, np.inf, lambda q: loc + scale * np.where(
        q > 0.5, -np.log(2.0 * (1.0 - q)), np.log(2.0 * q))), scale <= 0)


# ---- lognorm (shape s)
def _lognorm_pdf(x, s, loc=0.0, scale=1.0):
    y, scale = _standard(x, loc, scale)
    (s,) = _f64(s)
    with np.errstate(all="ignore"):
        logy = np.log(y)
        out = np.where(y > 0, np.exp(-(logy * logy) / (2.0 * s * s)) / (s * y * _SQRT_2PI) / scale, 0.0)
        return _finish(out, (scale <= 0) | (s <= 0), y)


def _lognorm_cdf(x, s, loc=0.0, scale=1.0):
    y, scale = _standard(x, loc, scale)
    (s,) = _f64(s)
    with np.errstate(all="ignore"):
        return _finish(np.where(y > 0, ndtr(np.log(np.where(y > 0, y, 1.0)) / s), 0.0), (scale <= 0) | (s <= 0), y)


def _lognorm_ppf(q, s, loc=0.0, scale=1.0):
    s, loc, scale = _f64(s, loc, scale)
    return _finish(_quantile(q, loc, np.inf, lambda q: np.exp(s * ndtri(q)) * scale + loc), (scale <= 0) | (s <= 0))


# ---- truncnorm (standardised bounds a < b)
def _mass(a, b):
    """(Phi-or-survival at a, the mass Phi(b) - Phi(a), upper): in the upper tail
    (a > 0) through survival functions, so that mass far out keeps its precision."""
    upper = a > 0
    sa, sb = ndtr(-a), ndtr(-b)
    pa, pb = ndtr(a), ndtr(b)
    return np.where(upper, sa, pa), np.where(upper, sa - sb, pb - pa), upper


def _truncnorm_pdf(x, a, b, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    a, b = _f64(a, b)
    _, mass, _ = _mass(a, b)
    with np.errstate(all="ignore"):
        out = np.where((z >= a) & (z <= b), np.exp(-0.5 * z * z) / _SQRT_2PI / mass / scale, 0.0)
        return _finish(out, (scale <= 0) | ~(a < b), z)


def _truncnorm_cdf(x, a, b, loc=0.0, scale=1.0):
    z, scale = _standard(x, loc, scale)
    a, b = _f64(a, b)
    base, mass, upper = _mass(a, b)
    with np.errstate(all="ignore"):
        inside = np.where(upper, (base - ndtr(-z)) / mass, (ndtr(z) - base) / mass)
        out = np.where(z <= a, 0.0, np.where(z >= b, 1.0, np.clip(inside, 0.0, 1.0)))
        return _finish(out, (scale <= 0) | ~(a < b), z)


def _truncnorm_ppf(q, a, b, loc=0.0, scale=1.0):
    a, b, loc, scale = _f64(a, b, loc, scale)
    base, mass, upper = _mass(a, b)

    def body(q):
        z = np.where(upper, -ndtri(base - q * mass), ndtri(base + q * mass))
        return loc + scale * np.clip(z, a, b)

    return _finish(_quantile(q, loc + scale * a, loc + scale * b, body), (scale <= 0) | ~(a < b))


def _warns_promotion(op: str, impl):
    """impl, warning (FlopscopeWarning, at the caller's line) when x is a float32/float16 array it
    computes in float64, where the active profile says so (flopscope-0.12: upstream warns)."""

    def checked(x, *args, **kwargs):
        dt = getattr(x, "dtype", None)
        if isinstance(dt, np.dtype) and dt.kind == "f" and dt.itemsize < 8:
            meter = _core.active_meter() or _core.default_meter()
            if _core.profile_behaviour(meter.profile)["stats.promotion_warning"]:
                warnings.warn(f"{op} computes in float64: its {dt.name} input was promoted (as scipy.stats "
                              f"does), so the result is float64 and its later operations bill at float64's "
                              f"rate; cast it back with .astype(np.{dt.name}) if you meant {dt.name}",
                              FlopscopeWarning, stacklevel=2)
        return impl(x, *args, **kwargs)

    return checked


def _distribution(name: str, pdf, cdf, ppf) -> SimpleNamespace:
    bound = {fn: _core.bind_op(f"stats.{name}.{fn}", _warns_promotion(f"stats.{name}.{fn}", impl))
             for fn, impl in (("pdf", pdf), ("cdf", cdf), ("ppf", ppf))}
    return SimpleNamespace(name=name, **bound)


norm = _distribution("norm", _norm_pdf, _norm_cdf, _norm_ppf)
uniform = _distribution("uniform", _uniform_pdf, _uniform_cdf, _uniform_ppf)
expon = _distribution("expon", _expon_pdf, _expon_cdf, _expon_ppf)
cauchy = _distribution("cauchy", _cauchy_pdf, _cauchy_cdf, _cauchy_ppf)
logistic = _distribution("logistic", _logistic_pdf, _logistic_cdf, _logistic_ppf)
laplace = _distribution("laplace", _laplace_pdf, _laplace_cdf, _laplace_ppf)
lognorm = _distribution("lognorm", _lognorm_pdf, _lognorm_cdf, _lognorm_ppf)
truncnorm = _distribution("truncnorm", _truncnorm_pdf, _truncnorm_cdf, _truncnorm_ppf)
