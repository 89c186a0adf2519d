"""The `whest` command: exit codes, the JSON report schema, formats, errors, plots, init/validate/version."""

import json
import os
import subprocess
import sys

import pytest

from whestbench import __version__
from whestbench.cli import main

from conftest import BEHAVIOURS, UPSTREAM_DATASETS

TINY = ["--width", "8", "--depth", "3", "--n-mlps", "3", "--n-samples", "2000", "--seed", "1"]
PER_MLP_KEYS = {"mlp_index", "mlp_name", "final_layer_mse", "all_layers_mse", "per_layer_mse",
                "adjusted_final_layer_score", "flops_used", "effective_compute", "budget_exhausted", "time_exhausted",
                "residual_wall_time_exhausted", "combined_budget_exhausted", "wall_time_s", "flopscope_backend_time_s",
                "flopscope_overhead_time_s", "residual_wall_time_s", "breakdowns", "traceback"}
RESULT_KEYS = {"adjusted_final_layer_score", "final_layer_mse", "all_layers_mse", "per_layer_mse",
               "best_mlp_adjusted_final_layer_score", "worst_mlp_adjusted_final_layer_score", "mean_score_multiplier",
               "mean_compute_utilization", "n_failed_mlps", "mean_effective_compute", "failure_breakdown", "per_mlp",
               "breakdowns"}
BREAKDOWN_KEYS = {"flop_budget", "flops_used", "flops_remaining", "wall_time_s", "flopscope_backend_time_s",
                  "flopscope_overhead_time_s", "residual_wall_time_s", "by_namespace"}


def whest(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = whest(capsys, "run", "--format", "json", *argv)
    return code, json.loads(out), err


def test_json_report_schema(capsys):
    code, rep, _ = run_json(capsys, "--estimator", BEHAVIOURS, "--class", "Zeros", *TINY)
    assert code == 0
    assert {"schema_version", "mode", "run_meta", "run_config", "results", "whestbench_version"} <= set(rep)
    assert rep["schema_version"] == "1.1" and rep["mode"] == "agent" and rep["whestbench_version"] == __version__
    assert {"run_started_at_utc", "run_finished_at_utc", "run_duration_s", "host"} <= set(rep["run_meta"])
    assert {"hostname", "cpu_count_logical", "numpy_version", "flopscope_version"} <= set(rep["run_meta"]["host"])
    cfg = rep["run_config"]
    assert {"n_mlps", "width", "depth", "seed", "flop_budget", "setup_timeout_s", "wall_time_limit_s",
            "residual_wall_time_limit_s", "lambda_flops_per_second"} <= set(cfg)
    assert (cfg["n_mlps"], cfg["width"], cfg["depth"], cfg["seed"], cfg["flop_budget"]) == (3, 8, 3, 1, 2**41)
    assert "estimator_class" not in cfg  # human mode only
    res = rep["results"]
    assert RESULT_KEYS <= set(res) and len(res["per_mlp"]) == 3 and res["n_failed_mlps"] == 0
    for r in res["per_mlp"]:
        assert PER_MLP_KEYS <= set(r) and len(r["per_layer_mse"]) == 3 and "error" not in r
        assert BREAKDOWN_KEYS <= set(r["breakdowns"]["estimator"])
    assert BREAKDOWN_KEYS <= set(res["breakdowns"]["sampling"]) and BREAKDOWN_KEYS <= set(res["breakdowns"]["estimator"])
    assert list(res["breakdowns"]["sampling"]["by_namespace"]) == ["sampling.sample_layer_statistics"]


def test_same_seed_same_mlps_and_truth(capsys):
    a = run_json(capsys, "--estimator", BEHAVIOURS, "--class", "Zeros", *TINY)[1]["results"]["per_mlp"]
    b = run_json(capsys, "--estimator", BEHAVIOURS, "--class", "Zeros", *TINY)[1]["results"]["per_mlp"]
    assert [r["final_layer_mse"] for r in a] == [r["final_layer_mse"] for r in b]


def test_an_mlp_error_exits_1_and_is_reported(capsys):
    code, rep, _ = run_json(capsys, "--estimator", BEHAVIOURS, "--class", "RaisesOnce", *TINY)
    assert code == 1
    bad = rep["results"]["per_mlp"][1]
    assert bad["error_code"] == "PREDICT_ERROR" and "ZeroDivisionError" in bad["traceback"]
    assert rep["results"]["failure_breakdown"]["error"] == 1 and rep["results"]["n_failed_mlps"] == 1


def test_exhaustion_still_exits_0(capsys):
    code, rep, _ = run_json(capsys, "--estimator", BEHAVIOURS, "--class", "OverBudget", *TINY,
                            "--flop-budget", "1_000_000")
    assert code == 0
    assert rep["results"]["failure_breakdown"]["budget_exhausted"] == 3
    assert all(r["traceback"] for r in rep["results"]["per_mlp"])


def test_subprocess_runner_from_the_cli(capsys, tmp_path):
    code, rep, _ = run_json(capsys, "--estimator", BEHAVIOURS, "--class", "ExitsOnce", *TINY, "--runner",
                            "subprocess")
    assert code == 1
    assert [r.get("error_code") for r in rep["results"]["per_mlp"]] == [None, "WORKER_EOF", None]


def test_estimator_prints_do_not_spoil_json(capsys):
    code, rep, err = run_json(capsys, "--estimator", BEHAVIOURS, "--class", "PrintsToStdout", *TINY)
    assert code == 0 and "hello from predict" in err


def test_missing_estimator_is_a_structured_error(capsys, tmp_path):
    code, out, _ = whest(capsys, "run", "--json", "--estimator", str(tmp_path / "nope.py"), *TINY)
    payload = json.loads(out)
    assert code == 1 and payload["ok"] is False
    assert payload["error"]["stage"] == "load" and payload["error"]["code"] == "ESTIMATOR_NOT_FOUND"
    assert payload["whestbench_version"] == __version__


def test_slow_setup_fails_the_run(capsys):
    code, out, _ = whest(capsys, "run", "--json", "--estimator", BEHAVIOURS, "--class", "SlowSetup", *TINY,
                         "--setup-timeout", "1")
    payload = json.loads(out)
    assert code == 1 and payload["error"]["code"] == "SETUP_TIMEOUT" and payload["error"]["stage"] == "setup"


def test_fail_fast_stops_with_the_traceback(capsys):
    code, out, _ = whest(capsys, "run", "--json", "--estimator", BEHAVIOURS, "--class", "RaisesOnce", *TINY,
                         "--fail-fast")
    payload = json.loads(out)
    assert code == 1 and payload["error"]["code"] == "PREDICT_ERROR"
    assert "ZeroDivisionError" in payload["error"]["traceback"]


@pytest.mark.parametrize("argv, code", [
    (["--cost-model", "nope"], "CONFIG_ERROR"),
    (["--dataset", os.path.join(UPSTREAM_DATASETS, "multi_split_v3.0")], "DATASET_INVALID"),
])
def test_config_errors(capsys, argv, code):
    rc, out, _ = whest(capsys, "run", "--json", "--estimator", BEHAVIOURS, "--class", "Zeros", *TINY, *argv)
    assert rc == 1 and json.loads(out)["error"]["code"] == code


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "--estimator", BEHAVIOURS, "--lambda-flops-per-second", "-1"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["run"])
    assert e.value.code == 2
    assert main([]) == 2


def test_dataset_run(capsys):
    code, rep, _ = run_json(capsys, "--estimator", BEHAVIOURS, "--class", "Zeros", "--dataset",
                            os.path.join(UPSTREAM_DATASETS, "multi_split_v3.0"), "--split", "public", "--n-mlps", "9")
    assert code == 0
    ds = rep["run_config"]["dataset"]
    assert ds["n_mlps"] == 4 and ds["seed"] == 1 and len(ds["sha256"]) == 64 and ds["split"] == "public"
    assert rep["run_config"]["width"] == 4 and len(rep["results"]["per_mlp"]) == 4
    assert rep["results"]["per_mlp"][0]["mlp_name"] == "luke-martin"
    assert rep["results"]["breakdowns"]["sampling"]["time_source"] == "bake"


def test_rich_and_plain_reports(capsys):
    code, out, _ = whest(capsys, "run", "--format", "rich", "--estimator", BEHAVIOURS, "--class", "RaisesOnce",
                         *TINY, "--detail", "full")
    assert code == 1
    for text in ("WhestBench Report", "Run Context", "Hardware & Runtime", "Estimator Errors",
                 "Sampling Budget Breakdown", "Estimator FLOPs", "Final Score", "primary score", "1 of 3"):
        assert text in out, text
    code, out, err = whest(capsys, "run", "--format", "plain", "--estimator", BEHAVIOURS, "--class", "Zeros", *TINY)
    assert code == 0 and "adjusted_final_layer_score:" in out and "failed_mlps: 0 of 3" in out
    assert "Scoring: 3/3" in err and "\u2500" not in out


def test_plots(capsys, tmp_path):
    code, _, err = whest(capsys, "run", "--format", "plain", "--estimator", BEHAVIOURS, "--class", "ExactBudget",
                         *TINY, "--flop-budget", "1000", "--plots", str(tmp_path))
    assert code == 0
    for name in ("per_layer_mse.png", "flops.png", "time_buckets.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_max_threads_sets_the_environment(capsys, monkeypatch):
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                "WHEST_MAX_THREADS"):
        monkeypatch.setenv(var, "")
    code, rep, _ = run_json(capsys, "--estimator", BEHAVIOURS, "--class", "Zeros", *TINY, "--max-threads", "1")
    assert code == 0 and rep["run_config"]["max_threads"] == 1 and os.environ["OPENBLAS_NUM_THREADS"] == "1"


def test_smoke_test(capsys, norm_stats):
    code, out, _ = whest(capsys, "smoke-test", "--format", "json", "--no-residual-wall-time-limit")  # load-proof
    rep = json.loads(out)
    assert code == 0
    assert (rep["run_config"]["width"], rep["run_config"]["depth"], rep["run_config"]["n_mlps"]) == (1024, 16, 3)
    assert rep["results"]["n_failed_mlps"] == 0 and rep["results"]["final_layer_mse"] < 1e-3


def test_validate(capsys, tmp_path):
    code, out, _ = whest(capsys, "validate", "--json", "--estimator", BEHAVIOURS, "--class", "Zeros")
    assert code == 0 and json.loads(out)["output_shape"] == [2, 4]
    bad = tmp_path / "bad.py"
    bad.write_text("import flopscope.numpy as fnp\nfrom whestbench import BaseEstimator\n"
                   "class Estimator(BaseEstimator):\n    def predict(self, mlp, budget):\n"
                   "        return fnp.zeros((mlp.width, mlp.depth))\n")
    code, out, _ = whest(capsys, "validate", "--json", "--estimator", str(bad))
    err = json.loads(out)["error"]
    assert code == 1 and err["code"] == "ESTIMATOR_BAD_SHAPE" and "transposed" in err["details"]["hint"]
    code, out, _ = whest(capsys, "validate", "--json", "--estimator", BEHAVIOURS, "--class", "SetupRaises")
    assert code == 1 and json.loads(out)["error"]["code"] == "SETUP_ERROR"


def test_init_writes_a_runnable_starter(capsys, tmp_path):
    code, out, _ = whest(capsys, "init", str(tmp_path))
    assert code == 0 and (tmp_path / "estimator.py").exists() and (tmp_path / ".whestignore").exists()
    code, out, _ = whest(capsys, "init", str(tmp_path))
    assert code == 0 and "kept" in out
    assert whest(capsys, "validate", "--estimator", str(tmp_path / "estimator.py"))[0] == 0
    # Without the residual-time gate: the test asks whether the starter runs, and a
    # loaded machine can push its Python time past the 0.4 s default.
    code, rep, _ = run_json(capsys, "--estimator", str(tmp_path / "estimator.py"), *TINY,
                            "--no-residual-wall-time-limit")
    assert code == 0 and rep["results"]["n_failed_mlps"] == 0, rep["results"]["per_mlp"]


def test_version(capsys):
    code, out, _ = whest(capsys, "version", "--json")
    assert code == 0 and json.loads(out)["whestbench_version"] == __version__


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "whestbench", "version"], capture_output=True, text=True,
                          timeout=120, cwd=os.path.dirname(BEHAVIOURS))
    assert proc.returncode == 0 and proc.stdout.startswith("whestbench ")
