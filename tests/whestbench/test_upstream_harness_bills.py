"""The harness bills what upstream's harness bills (issue 27 §3), under every runner.

Figures measured on upstream whestbench 0.16.2 / flopscope 0.12.4 (`whest run --dataset` with the
same estimators, local and subprocess runners):
- a float64 (6, 128) prediction is materialised inside the meter by `fnp.asarray(pred, float32)`,
  listed as `asarray`: 1,536 FLOPs per MLP; a float32 prediction: 0;
- a budget-exhausted MLP reports `flops_used` = the budget (3,001 with 3,000 charged before the
  refused call); its breakdown keeps the metered 3,000.
"""

import numpy as np
import pytest

from whestbench.loading import Entrypoint
from whestbench.mlp import sample_mlp
from whestbench.runners import LocalRunner, ResourceLimits, SandboxRunner, SubprocessRunner
from whestbench.sdk import SetupContext

from test_runner_sandbox import _bwrap_works

RETURNS = """import flopscope.numpy as fnp
from whestbench import BaseEstimator
class Estimator(BaseEstimator):
    def predict(self, mlp, budget):
        return fnp.zeros((mlp.depth, mlp.width), dtype=fnp.{dtype}) + 0.25
"""

CHARGES_THEN_OVERSPENDS = """import flopscope.numpy as fnp
from whestbench import BaseEstimator
class Estimator(BaseEstimator):
    def predict(self, mlp, budget):
        x = fnp.zeros((mlp.width,), dtype=fnp.float32)
        for _ in range(1000):
            x = x + 1.0
        return fnp.zeros((mlp.depth, mlp.width), dtype=fnp.float32)
"""


def runners():
    out = [LocalRunner(), SubprocessRunner()]
    if _bwrap_works():
        out.append(SandboxRunner())
    return out


def run_all(tmp_path, source, mlp, budget, cost_model):
    folder = tmp_path / "sub"
    folder.mkdir(exist_ok=True)
    (folder / "estimator.py").write_text(source)
    results = {}
    for runner in runners():
        try:
            runner.start(Entrypoint(str(folder / "estimator.py")),
                         SetupContext(width=mlp.width, depth=mlp.depth, flop_budget=budget),
                         ResourceLimits(wall_time_limit_s=60, cost_model=cost_model))
            results[runner.name] = runner.predict(mlp, budget)
        finally:
            runner.close()
    return results


def client_ops(outcome):
    return {op: r["flop_cost"] for op, r in
            outcome.breakdown["by_namespace"]["estimator.estimator-client"]["operations"].items()}


@pytest.mark.parametrize("cost_model, dtype, conversion", [
    ("flopscope-0.12", "float64", 1536),  # upstream: asarray 1,536 per MLP
    ("flopscope-0.12", "float32", 0),
    ("primer", "float64", 0),  # the primer's casts are free
])
def test_predictions_are_converted_inside_the_budget(tmp_path, cost_model, dtype, conversion):
    mlp = sample_mlp(128, 6, np.random.default_rng(0))
    results = run_all(tmp_path, RETURNS.format(dtype=dtype), mlp, 10**9, cost_model)
    add = 6 * 128 * (2 if cost_model == "flopscope-0.12" and dtype == "float64" else 1)
    for name, out in results.items():
        assert out.status == "ok", (name, out.message, out.traceback)
        assert out.flops_used == add + conversion, name
        assert client_ops(out).get("asarray", 0) == conversion, name
        assert out.predictions.dtype == np.float32 and np.all(out.predictions == 0.25), name


@pytest.mark.parametrize("cost_model", ["flopscope-0.12", "primer"])
def test_a_budget_exhausted_mlp_reports_the_budget(tmp_path, cost_model):
    from whestbench.contest import ContestSpec
    from whestbench.scoring import score_outcome

    mlp = sample_mlp(4, 2, np.random.default_rng(0))
    budget = 3001  # 750 adds of 4 float32 elements fit (3,000), the 751st does not
    results = run_all(tmp_path, CHARGES_THEN_OVERSPENDS, mlp, budget, cost_model)
    target = np.zeros((2, 4), dtype=np.float32)
    spec = ContestSpec(width=4, depth=2, n_mlps=1, flop_budget=budget)
    for name, out in results.items():
        assert out.status == "budget_exhausted", (name, out.message)
        record = score_outcome(0, "m", target, out, spec)
        assert record["budget_exhausted"] and record["flops_used"] == budget, name  # upstream: 3001
        assert record["effective_compute"] == budget, name
        assert record["breakdowns"]["estimator"]["flops_used"] == 3000, name  # upstream: 3000
