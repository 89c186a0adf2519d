"""Monte-Carlo ground truth for square ReLU MLPs (whestbench spec section 1.5).

``sample_layer_statistics(weights, n_samples, seed)`` runs ``n_samples`` inputs
``x ~ N(0, I)`` through ``x <- max(0, x @ W_l)`` (float32, weights stored
(input, output)), sums every layer's outputs in float64 and the final layer's
squares in float64, and returns the float32 per-layer means and the float64
average final-layer variance ``mean_j(sumsq_j / N - float64(mean_j)**2)``.

Backends
  ``"cpu"``   C++ (whestbench._sampler): OpenBLAS SGEMM, own thread pool, fused
              ReLU + float64 sums, Philox4x32-10 normals. Bit-identical for any
              ``threads`` and any batching of the MLPs.
  ``"cuda"``  the same algorithm on a GPU (cuBLAS); same normals as ``"cpu"``.
  ``"numpy"`` the reference algorithm written with flopscope operations, so its
              FLOPs are metered (uses numpy's PCG64 generator: it agrees with the
              C++ backends statistically, not bitwise).
  ``"auto"``  ``"cuda"`` when a GPU is usable, else ``"cpu"``.

Every backend runs inside its own flopscope ``BudgetContext`` (namespace
``sampling``; upstream nests ``sampling.sample_layer_statistics``), so sampling is never
billed to an estimator. The numpy backend is metered op by op; the C++ backends
charge the closed-form bill computed in C++ (``flopscope._core.sampler_flop_breakdown``) with
``deduct``. The per-op FLOPs are returned in ``LayerStatistics.flops``.

Random streams: the MLP at batch position ``b`` uses key ``seed`` (or
``seed[b]`` when a sequence is given) and stream ``first_mlp_index + b``, so a
batch gives exactly what the same MLPs give one at a time with
``first_mlp_index=b``.
"""

from __future__ import annotations

import operator
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

__all__ = ["LayerStatistics", "sample_layer_statistics", "closed_form_flops", "cuda_status", "BACKENDS"]

BACKENDS = ("auto", "cpu", "cuda", "numpy")
NAMESPACE = "sampling"
_MIN_BUDGET = 10**15  # upstream's sampling budget; raised to the closed-form total when larger
_U64 = 1 << 64


@dataclass(frozen=True)
class LayerStatistics:
    """Result of :func:`sample_layer_statistics`.

    means           float32 (depth, width), or (B, depth, width) for a batch
    final_variance  float (one MLP) or float64 array (B,)
    flops           {op name: FLOPs} billed for the whole call (all MLPs)
    """

    means: np.ndarray
    final_variance: Any
    flops: dict = field(default_factory=dict)
    backend: str = ""
    n_samples: int = 0

    @property
    def total_flops(self) -> int:
        return int(sum(self.flops.values()))


# --------------------------------------------------------------------------- helpers


def _ext():
    try:
        import scipy_openblas32  # noqa: F401  (loads libscipy_openblas.so for the extension)
    except ImportError:  # pragma: no cover - it is a runtime dependency
        pass
    try:
        from whestbench import _sampler
    except ImportError as exc:  # pragma: no cover - depends on the build
        raise ImportError(
            "whestbench._sampler (the C++ sampler) is not built; install the package with "
            "`pip install .` from the repository root"
        ) from exc
    return _sampler


def _flopscope():
    try:
        import flopscope as flops
        import flopscope.numpy as fnp
    except ImportError:
        return None, None
    if not hasattr(flops, "BudgetContext"):  # a half-installed tree (namespace package only)
        return None, None
    return flops, fnp


def cuda_status() -> tuple[bool, str]:
    """(usable, reason or device name) for the CUDA backend."""
    return tuple(_ext().cuda_status())


def _cost_model() -> str:
    flops, _ = _flopscope()
    return flops._core.default_profile() if flops is not None else "primer"


def closed_form_flops(depth: int, width: int, n_samples: int, n_mlps: int = 1, cost_model: str | None = None) -> dict:
    """FLOPs of the reference sampling algorithm, {op: flops}, computed in C++ with
    flopscope's formulas under `cost_model` (default: flopscope's configured one)."""
    return _bill(int(depth), int(width), int(n_samples), int(n_mlps), cost_model or _cost_model())


def _bill(depth: int, width: int, n_samples: int, n_mlps: int, cost_model: str) -> dict:
    # Priced by flopscope's own core (flopscope._core), the single instance of
    # its profiles in this process, so a profile registered at run time applies.
    flops, _ = _flopscope()
    if flops is None:
        raise ImportError("pricing the sampler needs flopscope (import flopscope failed)")
    return dict(flops._core.sampler_flop_breakdown(depth, width, n_samples, n_mlps, cost_model))


def _as_weights(weights) -> tuple[np.ndarray, bool]:
    if isinstance(weights, (list, tuple)):
        raise TypeError(
            "weights must be a float32 array of shape (depth, width, width) or (B, depth, width, width), "
            "not a Python list; build it with numpy.asarray(w, dtype=numpy.float32)"
        )
    dtype = getattr(weights, "dtype", None)
    if dtype is None:
        raise TypeError(f"weights must be a float32 array, got {type(weights).__name__}")
    if np.dtype(dtype) != np.float32:
        raise TypeError(
            f"weights must be float32 (got {np.dtype(dtype)}); cast them with weights.astype(numpy.float32) "
            "(the spec's weights are float32 on every path)"
        )
    w = np.asarray(weights)
    if type(w) is not np.ndarray:
        w = w.view(np.ndarray)
    if w.ndim not in (3, 4):
        raise ValueError(
            f"weights must have shape (depth, width, width) or (B, depth, width, width), got shape {w.shape}"
        )
    single = w.ndim == 3
    if single:
        w = w[None]
    B, d, wi, wo = w.shape
    if wi != wo:
        raise ValueError(f"each weight matrix must be square (width, width), got ({wi}, {wo}) in shape {w.shape}")
    if B == 0 or d == 0 or wi == 0:
        raise ValueError(f"weights must have positive batch, depth and width, got shape {w.shape}")
    return np.ascontiguousarray(w), single


def _as_count(name: str, v, minimum: int) -> int:
    if isinstance(v, bool):
        raise TypeError(f"{name} must be an int, got bool")
    try:
        v = operator.index(v)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(v).__name__}") from None
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v}")
    return v


def _seeds(seed, B: int, first: int) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(seed, (list, tuple, np.ndarray)):
        vals = [_as_count("seed", s, 0) for s in np.asarray(seed, dtype=object).ravel()]
        if len(vals) != B:
            raise ValueError(f"seed has {len(vals)} entries but there are {B} MLPs; pass one seed per MLP or an int")
    else:
        vals = [_as_count("seed", seed, 0)] * B
    if any(v >= _U64 for v in vals):
        raise ValueError("seed must be < 2**64")
    if first + B > _U64:
        raise ValueError("first_mlp_index + number of MLPs must be < 2**64")
    seeds = np.array(vals, dtype=np.uint64)
    streams = np.array([first + b for b in range(B)], dtype=np.uint64)
    return seeds, streams


# --------------------------------------------------------------------------- reference algorithm


def _reference_stats(W: np.ndarray, n_samples: int, seed: int, stream: int, chunk: int, xp) -> tuple[np.ndarray, float]:
    """Spec 1.5 for one MLP, written against a numpy-like namespace ``xp``
    (flopscope.numpy for the metered backend). Every op below is one the closed
    form in cpp/sampler/src/flops.cpp accounts for."""
    d, w, _ = W.shape
    rng = xp.random.default_rng([int(seed), int(stream)])
    layers = [xp.asarray(W[l]) for l in range(d)]
    zero = np.float32(0)
    sums = [xp.zeros(w, dtype=np.float64) for _ in range(d)]
    sumsq = xp.zeros(w, dtype=np.float64)
    x64 = None
    for start in range(0, n_samples, chunk):
        n = min(chunk, n_samples - start)
        x = rng.standard_normal((n, w), dtype=np.float32)
        for l in range(d):
            x = xp.maximum(xp.matmul(x, layers[l]), zero)
            x64 = x.astype(np.float64)
            sums[l] = xp.add(sums[l], xp.sum(x64, axis=0))
        sumsq = xp.add(sumsq, xp.sum(xp.multiply(x64, x64), axis=0))
    means = xp.divide(xp.stack(sums), float(n_samples)).astype(np.float32)
    m = means[d - 1].astype(np.float64)
    var = xp.mean(xp.subtract(xp.divide(sumsq, float(n_samples)), xp.multiply(m, m)))
    return np.asarray(means).astype(np.float32, copy=False), float(var)


def _ops_from(ctx) -> dict:
    ops = ctx.summary_dict().get("operations", {})
    return {name: int(rec["flop_cost"]) for name, rec in ops.items() if int(rec.get("flop_cost", 0))}


# --------------------------------------------------------------------------- public entry point


def sample_layer_statistics(
    weights,
    n_samples: int,
    seed=0,
    backend: str = "auto",
    threads: int | None = None,
    *,
    first_mlp_index: int = 0,
    device: int = 0,
) -> LayerStatistics:
    """Monte-Carlo per-layer means and average final-layer variance.

    weights: float32 (depth, width, width) for one MLP or (B, depth, width, width).
    n_samples: inputs per MLP (>= 1). seed: int or one int per MLP (uint64 range).
    backend: "auto" | "cpu" | "cuda" | "numpy". threads: CPU threads (default: all cores).
    """
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(map(repr, BACKENDS))}")
    W, single = _as_weights(weights)
    n_samples = _as_count("n_samples", n_samples, 1)
    first = _as_count("first_mlp_index", first_mlp_index, 0)
    if threads is None:
        threads = os.cpu_count() or 1
    threads = _as_count("threads", threads, 1)
    B, d, w, _ = W.shape
    seeds, streams = _seeds(seed, B, first)

    ext = _ext()
    if backend == "auto":
        backend = "cuda" if ext.cuda_status()[0] else "cpu"
    elif backend == "cuda":
        ok, reason = ext.cuda_status()
        if not ok:
            raise ValueError(f"backend='cuda' is not usable here: {reason}; use backend='cpu' or 'auto'")

    bill = _bill(d, w, n_samples, B, _cost_model())  # also validates the sizes
    flops, fnp = _flopscope()
    if backend == "numpy" and flops is None:
        raise ImportError("backend='numpy' needs flopscope (import flopscope failed); use backend='cpu'")

    ctx = None
    if flops is not None:
        ctx = flops.BudgetContext(flop_budget=max(_MIN_BUDGET, sum(bill.values())), quiet=True, namespace=NAMESPACE)

    def run():
        if backend == "numpy":
            chunk = ext.chunk_rows(w)
            means = np.empty((B, d, w), dtype=np.float32)
            var = np.empty(B, dtype=np.float64)
            for b in range(B):
                means[b], var[b] = _reference_stats(W[b], n_samples, int(seeds[b]), int(streams[b]), chunk, fnp)
            return means, var
        if backend == "cpu":
            return ext.sample_cpu(W, n_samples, seeds, streams, threads=threads)
        return ext.sample_cuda(W, n_samples, seeds, streams, device=device)

    if ctx is None:
        means, var = run()
        billed = bill
    else:
        with ctx:
            means, var = run()
            if backend != "numpy":
                for op, f in bill.items():
                    ctx.deduct(op, f)
        billed = _ops_from(ctx)

    means = np.asarray(means)
    var = np.asarray(var, dtype=np.float64)
    if single:
        return LayerStatistics(means[0], float(var[0]), billed, backend, n_samples)
    return LayerStatistics(means, var, billed, backend, n_samples)
