"""Shared helpers of the whestbench harness tests."""

import dataclasses
import os

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp

from whestbench.contest import Contest, ContestSpec, make_contest
from whestbench.loading import Entrypoint
from whestbench.runners import LocalRunner, ResourceLimits, SubprocessRunner
from whestbench.scoring import evaluate_estimator
from whestbench.sdk import SetupContext

HERE = os.path.dirname(os.path.abspath(__file__))
BEHAVIOURS = os.path.join(HERE, "fixtures", "behaviours.py")
# Small datasets written by upstream whestbench 0.16.2, kept in the repository (see its README).
UPSTREAM_DATASETS = os.path.join(HERE, "data", "upstream-datasets")


@pytest.fixture
def norm_stats():
    """flopscope.stats.norm, which the reference estimators call."""
    return flops.stats.norm


def tiny_spec(**kw) -> ContestSpec:
    base = dict(width=8, depth=3, n_mlps=3, ground_truth_samples=2000, seed=11)
    base.update(kw)
    return ContestSpec(**base)


@pytest.fixture(scope="session")
def tiny_contest():
    return make_contest(tiny_spec())


def with_spec(contest: Contest, **kw) -> Contest:
    """The same MLPs and ground truth under other limits (n_mlps=k keeps the first k)."""
    n = kw.get("n_mlps", contest.spec.n_mlps)
    return dataclasses.replace(contest, spec=dataclasses.replace(contest.spec, **kw), mlps=contest.mlps[:n],
                               targets=contest.targets[:n], avg_variances=contest.avg_variances[:n],
                               sampling=contest.sampling[:n])


def score(contest: Contest, class_name: str, *, runner: str = "local", tmp_path=None, path: str = BEHAVIOURS,
          **limits):
    """Runs a fixture estimator on the contest; returns the per-MLP records."""
    spec = contest.spec
    lim = ResourceLimits(wall_time_limit_s=spec.wall_time_limit_s, setup_timeout_s=spec.setup_timeout_s,
                         **limits)
    scratch = str(tmp_path) if tmp_path is not None else None
    ctx = SetupContext(width=spec.width, depth=spec.depth, flop_budget=spec.flop_budget, scratch_dir=scratch,
                       submission_dir=os.path.dirname(path))
    r = LocalRunner() if runner == "local" else SubprocessRunner()
    try:
        r.start(Entrypoint(path, class_name), ctx, lim)
        return evaluate_estimator(r, contest)
    finally:
        r.close()


def pytest_configure(config):
    # The scoring warnings are asserted where they matter (recwarn); elsewhere they are expected noise.
    config.addinivalue_line("filterwarnings", "ignore::whestbench.scoring.ScoringExhaustionWarning")
