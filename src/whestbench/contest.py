"""A contest: the MLPs to score, their ground truth, and the limits (spec 3.5, 1.5-1.8).

Live contests generate the MLPs from seeds and sample the ground truth with the
C++ sampler; dataset contests read both from an upstream-written dataset.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from whestbench import budget as _b
from whestbench import seeds as _seeds
from whestbench.breakdowns import merge, sampling_breakdown
from whestbench.datasets import Dataset
from whestbench.mlp import MLP, sample_mlp
from whestbench.sampling import sample_layer_statistics

SAMPLING_FLOP_BUDGET = 10**15  # upstream meters sampling under this budget (never billed to anyone)


@dataclass(frozen=True)
class ContestSpec:
    width: int = _b.DEFAULT_WIDTH
    depth: int = _b.DEFAULT_DEPTH
    n_mlps: int = _b.DEFAULT_N_MLPS
    flop_budget: int = _b.DEFAULT_FLOP_BUDGET
    ground_truth_samples: int = _b.DEFAULT_N_SAMPLES
    seed: Optional[int] = None
    setup_timeout_s: float = _b.DEFAULT_SETUP_TIMEOUT_S
    wall_time_limit_s: Optional[float] = _b.DEFAULT_WALL_TIME_LIMIT_S
    residual_wall_time_limit_s: Optional[float] = _b.DEFAULT_RESIDUAL_WALL_TIME_LIMIT_S
    lambda_flops_per_second: float = _b.DEFAULT_LAMBDA_FLOPS_PER_SECOND

    def validate(self) -> None:
        for name in ("width", "depth", "n_mlps", "flop_budget", "ground_truth_samples"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"{name} must be an int > 0, got {v!r}")
        _b.check_positive("setup_timeout_s", self.setup_timeout_s)
        _b.check_positive("wall_time_limit_s", self.wall_time_limit_s, allow_none=True)
        _b.check_positive("residual_wall_time_limit_s", self.residual_wall_time_limit_s, allow_none=True)
        lam = self.lambda_flops_per_second
        if isinstance(lam, bool) or not isinstance(lam, (int, float)) or not np.isfinite(lam) or lam < 0:
            raise ValueError(f"lambda_flops_per_second must be a finite number >= 0, got {lam!r}")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer))):
            raise ValueError(f"seed must be an int or None, got {self.seed!r}")


@dataclass
class Contest:
    spec: ContestSpec
    mlps: List[MLP]
    targets: np.ndarray  # float32 (n_mlps, depth, width): E[h_l] per layer
    avg_variances: List[Optional[float]]
    sampling: List[Optional[dict]]  # one breakdown per MLP
    dataset: Optional[Dict[str, Any]] = None  # {path, sha256, seed, n_mlps, split} for dataset contests
    info: Dict[str, Any] = field(default_factory=dict)

    @property
    def sampling_breakdown(self) -> Optional[dict]:
        return merge(self.sampling)


def make_contest(spec: ContestSpec, *, threads: Optional[int] = None, backend: str = "auto",
                 on_progress: Optional[Callable[[int, int], None]] = None) -> Contest:
    """MLPs from the spec's seed (SeedSequence(seed).spawn(3 n); unseeded without one) and their
    Monte-Carlo ground truth with `spec.ground_truth_samples` inputs each."""
    spec.validate()
    n, w, d = spec.n_mlps, spec.width, spec.depth
    streams = _seeds.live_streams(spec.seed, n)
    mlps, targets, variances, sampling = [], np.empty((n, d, w), dtype=np.float32), [], []
    used_backend = None
    for i, st in enumerate(streams):
        if st is None:
            rng, key, est_seed = np.random.default_rng(), secrets.randbits(63), 0
        else:
            rng, key, est_seed = np.random.default_rng(st.weights), _seeds.sampler_key(st.samples), \
                _seeds.uint32_seed(st.estimator)
        mlp = dataclasses.replace(sample_mlp(w, d, rng, seed=est_seed), name=f"mlp-{i:03d}")
        t0 = time.perf_counter()
        stats = sample_layer_statistics(mlp.stacked_weights(), spec.ground_truth_samples, seed=key,
                                        backend=backend, threads=threads)
        took = time.perf_counter() - t0
        used_backend = stats.backend
        targets[i] = stats.means
        variances.append(float(stats.final_variance))
        sampling.append(sampling_breakdown(stats.flops, took, max(SAMPLING_FLOP_BUDGET, stats.total_flops)))
        mlps.append(mlp)
        if on_progress is not None:
            on_progress(i + 1, n)
    return Contest(spec, mlps, targets, variances, sampling, info={"sampler_backend": used_backend})


def make_contest_from_dataset(ds: Dataset, spec: ContestSpec, *,
                              on_progress: Optional[Callable[[int, int], None]] = None) -> Contest:
    """The first spec.n_mlps rows of `ds` (its shape and ground truth; the spec's budget and limits)."""
    n = min(spec.n_mlps, ds.n_mlps)
    spec = dataclasses.replace(spec, width=ds.width, depth=ds.depth, n_mlps=n, ground_truth_samples=ds.n_samples)
    spec.validate()
    mlps, targets, variances, sampling = [], np.empty((n, ds.depth, ds.width), dtype=np.float32), [], []
    for row in ds.iter_rows(n):
        mlps.append(row.mlp)
        targets[row.index] = row.all_layer_means
        variances.append(row.avg_variance)
        sampling.append(row.sampling_breakdown)
        if on_progress is not None:
            on_progress(row.index + 1, n)
    info = {"path": ds.path, "sha256": ds.metadata_sha256, "seed": ds.seed, "n_mlps": n, "split": ds.split,
            "seed_protocol": ds.protocol_version, "n_samples": ds.n_samples}
    return Contest(spec, mlps, targets, variances, sampling, dataset=info)
