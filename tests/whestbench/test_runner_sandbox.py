"""--runner sandbox: the attacks a hostile estimator makes fail, faults fail their own MLP, and an
honest estimator gets the same FLOPs, predictions and score as under the other runners."""

import os
import shutil
import socket

import numpy as np
import pytest

from whestbench.loading import Entrypoint
from whestbench.mlp import sample_mlp
from whestbench.runners import LocalRunner, ResourceLimits, RunnerError, SandboxRunner, SubprocessRunner
from whestbench.sandbox.launch import SandboxUnavailable, bwrap_path
from whestbench.sdk import SetupContext

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "sandbox")


def _bwrap_works() -> bool:
    try:
        bwrap_path()
    except SandboxUnavailable:
        return False
    import subprocess
    return subprocess.run(["bwrap", "--unshare-all", "--ro-bind", "/", "/", "true"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not _bwrap_works(), reason="bubblewrap missing or namespaces refused "
                                                            "(scripts/test.sh installs it)")


def submission(tmp_path, fixture, **files):
    folder = tmp_path / "submission"
    folder.mkdir()
    shutil.copy(os.path.join(FIXTURES, fixture), folder / fixture)
    for name, text in files.items():
        (folder / name).write_text(text)
    return str(folder / fixture)


def ctx(width=8, depth=3, budget=10**9, seed=0):
    return SetupContext(width=width, depth=depth, flop_budget=budget, seed=seed)


def test_every_attack_fails(tmp_path):
    secret = tmp_path / "ground_truth.npy"
    np.save(secret, np.arange(3.0))  # a file the server could read, outside the submission
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # the host's loopback, for the network probe
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    path = submission(tmp_path, "attacks.py", **{"secret_path.txt": f"{secret} {os.path.abspath(__file__)}",
                                                 "port.txt": str(listener.getsockname()[1])})
    np.save(os.path.join(os.path.dirname(path), "shipped.npy"), np.array([1.0, 2.0]))
    os.environ["WHEST_TEST_SECRET"] = "s3cret"
    runner = SandboxRunner()
    try:
        runner.start(Entrypoint(path), ctx(seed=1234), ResourceLimits(wall_time_limit_s=20))
        outcome = runner.predict(sample_mlp(8, 3, np.random.default_rng(0)), 10**9)
    finally:
        os.environ.pop("WHEST_TEST_SECRET", None)
        runner.close()
        listener.close()
    assert outcome.status == "ok", (outcome.error_code, outcome.message, outcome.traceback)
    assert outcome.predictions.tolist() == np.zeros((3, 8)).tolist()  # a 1.0 per attack that worked
    assert not os.path.exists(tmp_path / "submission" / "written.txt")
    assert not os.path.exists(tmp_path / "server_written.npy")


def predict_once(tmp_path, fixture):
    """One predict of the fixture estimator on an 8x3 MLP under --runner sandbox."""
    runner = SandboxRunner()
    try:
        runner.start(Entrypoint(submission(tmp_path, fixture)), ctx(), ResourceLimits(wall_time_limit_s=20))
        return runner.predict(sample_mlp(8, 3, np.random.default_rng(0)), 10**9)
    finally:
        runner.close()


def test_forged_reply_is_not_a_result(tmp_path):
    outcome = predict_once(tmp_path, "forge.py")
    # the forged "result" is plain data, not an array the server holds: no predictions, no figures
    assert outcome.status == "error" and outcome.error_code == "ESTIMATOR_BAD_SHAPE", outcome.message
    assert outcome.flops_used == 0


def _fault_run(tmp_path, faults, limits):
    path = submission(tmp_path, "faults.py", **{"faults.txt": " ".join(faults)})
    runner = SandboxRunner()
    outcomes = []
    try:
        runner.start(Entrypoint(path), ctx(), limits)
        for i in range(len(faults)):
            mlp = sample_mlp(8, 3, np.random.default_rng(i))
            mlp = type(mlp)(width=8, depth=3, weights=mlp.weights, seed=i)
            outcomes.append(runner.predict(mlp, 10**9))
    finally:
        runner.close()
    return outcomes, runner


def test_faults_fail_their_own_mlp_and_the_run_goes_on(tmp_path):
    faults = ["ok", "exit", "ok", "garbage", "foreign", "oversized", "ok", "close", "ok", "memory", "ok"]
    outcomes, runner = _fault_run(tmp_path, faults, ResourceLimits(wall_time_limit_s=20, memory_limit_mb=2048))
    got = {f"{i}:{f}": (o.status, o.error_code) for i, (f, o) in enumerate(zip(faults, outcomes))}
    for i, f in enumerate(faults):
        if f == "ok":
            assert outcomes[i].status == "ok", got
            assert outcomes[i].predictions.tolist() == np.full((3, 8), 0.5).tolist()
    assert outcomes[1].error_code == "SANDBOX_EOF" and "code 7" in outcomes[1].message, outcomes[1].message
    assert outcomes[3].error_code == "PREDICT_ERROR" and "malformed" in outcomes[3].message, outcomes[3].message
    assert outcomes[4].error_code == "PREDICT_ERROR" and "unknown or foreign handle" in outcomes[4].message
    assert outcomes[5].error_code == "SANDBOX_PROTOCOL_ERROR" and "cap" in outcomes[5].message
    assert outcomes[7].error_code == "SANDBOX_EOF"
    assert outcomes[9].error_code == "PREDICT_ERROR" and "MemoryError" in outcomes[9].message
    for o in outcomes:
        if o.status == "error":
            assert o.flops_used == 0
    # a fresh sandbox after the exit, the oversized message and the closed channel
    assert runner.server_starts == 4


def test_a_hung_sandbox_is_time_exhausted_and_replaced(tmp_path):
    outcomes, runner = _fault_run(tmp_path, ["hang", "ok"], ResourceLimits(wall_time_limit_s=1.0))
    assert outcomes[0].status == "time_exhausted", (outcomes[0].error_code, outcomes[0].message)
    assert outcomes[1].status == "ok"
    assert runner.server_starts == 2


def test_a_server_crash_fails_one_mlp(tmp_path):
    path = submission(tmp_path, "faults.py", **{"faults.txt": "ok ok"})
    runner = SandboxRunner()
    try:
        runner.start(Entrypoint(path), ctx(), ResourceLimits(wall_time_limit_s=20))
        os.killpg(runner._server.proc.pid, 9)
        runner._server.proc.wait()
        mlp = sample_mlp(8, 3, np.random.default_rng(0))
        first = runner.predict(mlp, 10**9)
        second = runner.predict(mlp, 10**9)
    finally:
        runner.close()
    assert first.status == "error" and first.error_code in ("SANDBOX_SERVER_CRASHED",), first.message
    assert second.status == "ok"


THREADS = '''
import _thread
import time

import flopscope.numpy as fnp
from whestbench import BaseEstimator

state = {"burnt": False, "go": False}


def spin():
    while not state["go"]:
        time.sleep(0.001)
    t0 = time.thread_time()
    x = 0
    while time.thread_time() - t0 < 0.3:  # 0.3 s of this thread's own CPU time
        x += 1
    state["burnt"] = True  # and the thread ends: its time must still count


class Estimator(BaseEstimator):
    def setup(self, context):
        _thread.start_new_thread(spin, ())

    def predict(self, mlp, budget):
        state["go"] = True
        while not state["burnt"]:
            time.sleep(0.001)  # sleeping: the main thread uses no CPU meanwhile
        return fnp.zeros((mlp.depth, mlp.width))
'''


def test_a_thread_s_cpu_time_is_residual(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "est.py").write_text(THREADS)
    runner = SandboxRunner()
    try:
        runner.start(Entrypoint(str(folder / "est.py")), ctx(), ResourceLimits(wall_time_limit_s=30))
        outcome = runner.predict(sample_mlp(8, 3, np.random.default_rng(0)), 10**9)
    finally:
        runner.close()
    assert outcome.status == "ok", outcome.message
    assert outcome.residual_cpu_time_s >= 0.3  # the thread's CPU, measured by the server from /proc


OWN = '''
import flopscope as flops
import flopscope.numpy as fnp
from whestbench import BaseEstimator


class Estimator(BaseEstimator):
    def predict(self, mlp, budget):
        rng = fnp.random.default_rng(mlp.seed)
        x = rng.standard_normal((64, mlp.width)).astype(fnp.float32)
        rows = []
        with flops.namespace("mine"):
            for w in mlp.weights:
                x = fnp.maximum(fnp.einsum("ij,jk->ik", x, w), 0)
                rows.append(fnp.mean(x, axis=0))
        g = fnp.linalg.norm(mlp.weights[0], axis=0)
        s = flops.stats.norm.cdf(g - fnp.mean(g))
        q, r = fnp.linalg.qr(mlp.weights[-1])
        out = fnp.stack(rows)
        out[0] = out[0] + s.astype(fnp.float32) * fnp.float32(0.0) + fnp.abs(fnp.diagonal(r))[0] * 0
        t = out.T.copy()
        total = float(fnp.sum(t)) + len(out) + out.shape[0]
        out[-1, :] += fnp.float32(total * 0)
        return out.tolist() and out
'''


def test_the_client_surface_matches_in_process_flopscope(tmp_path):
    path = submission(tmp_path, "surface.py")
    mlp = sample_mlp(16, 4, np.random.default_rng(3), seed=1)
    got = {}
    for runner in (LocalRunner(), SandboxRunner()):
        try:
            runner.start(Entrypoint(path), SetupContext(width=16, depth=4, flop_budget=10**9),
                         ResourceLimits(wall_time_limit_s=60))
            got[runner.name] = runner.predict(mlp, 10**9)
        finally:
            runner.close()
        assert got[runner.name].status == "ok", (runner.name, got[runner.name].message, got[runner.name].traceback)
    assert got["sandbox"].predictions.tobytes() == got["local"].predictions.tobytes()
    assert got["sandbox"].flops_used == got["local"].flops_used
    assert set(got["sandbox"].breakdown["by_namespace"]) == set(got["local"].breakdown["by_namespace"])


@pytest.mark.parametrize("which", ["mean", "covariance", "own"])
def test_same_flops_predictions_and_score_under_every_runner(tmp_path, which):
    folder = tmp_path / "sub"
    folder.mkdir()
    if which == "own":
        (folder / "est.py").write_text(OWN)
    else:
        name = "MeanPropagationEstimator" if which == "mean" else "CovariancePropagationEstimator"
        (folder / "est.py").write_text(f"from whestbench.estimators import {name} as Estimator\n")
    mlp = sample_mlp(16, 4, np.random.default_rng(7), seed=3)
    results = {}
    runners = [LocalRunner(), SubprocessRunner()] if which != "own" else [LocalRunner()]
    for runner in runners + [SandboxRunner()]:
        if isinstance(runner, SandboxRunner) and which != "own":
            # the sandbox has no whestbench.estimators: ship the reference file in the submission
            import whestbench.estimators as ref
            src = open(ref.__file__).read().replace("from whestbench.mlp import MLP\n", "from whestbench import MLP\n")
            src = src.replace("from whestbench.sdk import BaseEstimator", "from whestbench import BaseEstimator")
            (folder / "ref_estimators.py").write_text(src)
            (folder / "est.py").write_text((folder / "est.py").read_text().replace("whestbench.estimators",
                                                                                   "ref_estimators"))
        try:
            runner.start(Entrypoint(str(folder / "est.py")), SetupContext(width=16, depth=4, flop_budget=10**9),
                         ResourceLimits(wall_time_limit_s=60))
            out = runner.predict(mlp, 10**9)
        finally:
            runner.close()
        assert out.status == "ok", (runner.name, out.error_code, out.message, out.traceback)
        results[runner.name] = out
    _assert_same(results)


def _runs(path, runners, mlp, cost_model):
    """{runner name: PredictOutcome} of one predict per runner under `cost_model` (restored after)."""
    from whestbench.runners.metering import current_cost_model
    import flopscope as flops

    before = current_cost_model()
    results = {}
    try:
        for runner in runners:
            try:
                runner.start(Entrypoint(path), SetupContext(width=mlp.width, depth=mlp.depth, flop_budget=10**9),
                             ResourceLimits(wall_time_limit_s=60, cost_model=cost_model))
                out = runner.predict(mlp, 10**9)
            finally:
                runner.close()
            assert out.status == "ok", (runner.name, out.error_code, out.message, out.traceback)
            results[runner.name] = out
    finally:
        flops.configure(cost_model=before)
    return results


def _assert_same(results):
    """Every runner's FLOPs, prediction bytes and per-op bills equal the local runner's."""
    base = results["local"]
    for name, out in results.items():
        assert out.flops_used == base.flops_used, name
        assert out.predictions.tobytes() == base.predictions.tobytes(), name
        ops = {ns: {op: r["flop_cost"] for op, r in rec["operations"].items()}
               for ns, rec in out.breakdown["by_namespace"].items()}
        base_ops = {ns: {op: r["flop_cost"] for op, r in rec["operations"].items()}
                    for ns, rec in base.breakdown["by_namespace"].items()}
        assert ops == base_ops, name


@pytest.mark.parametrize("cost_model", ["flopscope-0.12", "primer"])
def test_a_symmetric_estimator_bills_the_same_under_every_runner(tmp_path, cost_model):
    """cov_prop_symmetric keeps its covariance a SymmetricTensor: under flopscope-0.12 each einsum on
    it bills its orbits, so the sandbox must keep the server's result symmetric, not a plain array."""
    folder = tmp_path / "sub"
    folder.mkdir()
    shutil.copy(os.path.join(HERE, "fixtures", "participants", "cov_prop_symmetric.py"), folder / "est.py")
    mlp = sample_mlp(16, 4, np.random.default_rng(7), seed=3)
    results = _runs(str(folder / "est.py"), [LocalRunner(), SubprocessRunner(), SandboxRunner()], mlp, cost_model)
    _assert_same(results)


def test_the_client_offers_every_symmetric_name(tmp_path):
    """as_symmetric, is_symmetric, symmetrize, SymmetryGroup (its constructors, methods and properties),
    SymmetricTensor (type, constructor, .symmetry, methods), SymmetryError, random.symmetric:
    every check of the fixture holds in the sandbox as in-process, with the same bills and values."""
    path = submission(tmp_path, "symmetric_surface.py")
    mlp = sample_mlp(24, 4, np.random.default_rng(3), seed=1)
    results = _runs(path, [LocalRunner(), SandboxRunner()], mlp, "flopscope-0.12")
    for name, out in results.items():
        checks = out.predictions[0, :17]
        assert checks.tolist() == [1.0] * 17, (name, checks)
        assert out.predictions[0, 17:].tolist() == [0.0] * (mlp.width - 17), name
    _assert_same(results)


def test_the_handshake_names_every_public_symmetric_name():
    """The handshake carries each name flopscope._symmetric exports (derived from the package)."""
    import flopscope as flops
    from flopscope import _symmetric
    from whestbench.sandbox.server import build_surface

    _, hs = build_surface()
    for name in _symmetric.__all__:
        assert name in hs["toplevel"], name
        assert hs["toplevel"][name] in hs["functions"], name
    assert "random.symmetric" in hs["functions"]
    assert {"SymmetryError", "SymmetryLossWarning"} <= {n.rsplit(".", 1)[-1] for n, _, _ in hs["errors"]}
    group = hs["classes"]["SymmetryGroup"]
    for attr in dir(flops.SymmetryGroup):
        if not attr.startswith("_"):
            assert attr in group["methods"] + group["properties"] + group["constructors"], attr


PINNED = '''
import os
import threading

import flopscope.numpy as fnp
from whestbench import BaseEstimator


class Estimator(BaseEstimator):
    def setup(self, context):
        self.seen = []
        self.go = threading.Event()
        self.thread = threading.Thread(target=self.later)
        self.thread.start()  # started in setup: it must follow the sandbox to each predict's CPU

    def later(self):
        self.go.wait()
        self.seen.append(os.sched_getaffinity(0))

    def predict(self, mlp, budget):
        a = fnp.ones((512, 512))
        a = a @ a  # the server's BLAS threads work (and start) here
        cpus = os.sched_getaffinity(0)
        out = fnp.zeros((mlp.depth, mlp.width))
        out[0, 0] = len(cpus)
        out[0, 1] = min(cpus)
        if mlp.seed == 1:  # the thread started in setup, woken now: pinned with the rest
            self.go.set()
            self.thread.join()
            out[0, 2] = len(self.seen[0])
            out[0, 3] = min(self.seen[0])
        return out
'''


@pytest.mark.parametrize("pin", [True, False])
def test_the_loop_and_the_sandbox_share_one_cpu_per_predict_and_blas_keeps_every_cpu(tmp_path, pin):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "est.py").write_text(PINNED)
    everything = os.sched_getaffinity(0)
    runner = SandboxRunner(pin_cpu=pin)
    outcomes = []
    try:
        runner.start(Entrypoint(str(folder / "est.py")), ctx(), ResourceLimits(wall_time_limit_s=30))
        for seed in (0, 1):
            mlp = sample_mlp(8, 3, np.random.default_rng(0))
            outcomes.append(runner.predict(type(mlp)(width=8, depth=3, weights=mlp.weights, seed=seed), 10**12))
        server = runner._server.proc.pid
        tasks = {int(t): os.sched_getaffinity(int(t)) for t in os.listdir(f"/proc/{server}/task")}
    finally:
        runner.close()
    for outcome in outcomes:
        assert outcome.status == "ok", (outcome.error_code, outcome.message, outcome.traceback)
        n_sandbox = int(outcome.predictions[0, 0])
        assert n_sandbox == (1 if pin and len(everything) > 1 else len(everything))
    late = outcomes[1].predictions[0]
    assert (late[2], late[3]) == (late[0], late[1])  # the thread started in setup is on the same CPU
    # between predicts the loop's thread is free again (the next predict is pinned where it wakes);
    # NumPy's BLAS workers, started again after the sandbox's fork, always keep every CPU
    for tid, cpus in tasks.items():
        assert cpus == everything, tid


def test_missing_bwrap_is_a_clear_error_never_unsandboxed(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on PATH
    runner = SandboxRunner()
    with pytest.raises(RunnerError) as info:
        runner.start(Entrypoint(submission(tmp_path, "forge.py")), ctx(), ResourceLimits())
    assert info.value.code == "SANDBOX_UNAVAILABLE" and "bubblewrap" in info.value.message


def test_the_client_sdk_declares_the_fields_of_the_real_one():
    # The client cannot import whestbench.sdk (it imports NumPy), so it declares SetupContext and
    # MLP again: their fields must stay those of the real dataclasses, in the same order.
    import ast
    import dataclasses

    import whestbench.mlp
    import whestbench.sdk
    from whestbench.sandbox import wire

    tree = ast.parse(open(os.path.join(wire.client_root(), "whestbench", "__init__.py")).read())
    declared = {node.name: [s.target.id for s in node.body if isinstance(s, ast.AnnAssign)]
                for node in tree.body if isinstance(node, ast.ClassDef)}
    for cls in (whestbench.sdk.SetupContext, whestbench.mlp.MLP):
        assert declared[cls.__name__] == [f.name for f in dataclasses.fields(cls)], cls.__name__
    assert {"BaseEstimator", "SetupContext", "MLP"} <= set(declared)


def test_warnings_reach_the_estimator_at_its_own_line(tmp_path):
    """A SymmetryLossWarning or a NumPy RuntimeWarning raised on the server is warned again in the
    sandbox at the participant's line, under its filters ("error" raises it in its code)."""
    outcome = predict_once(tmp_path, "warns.py")
    assert outcome.status == "ok", (outcome.error_code, outcome.message, outcome.traceback)
    assert outcome.predictions[0, :5].tolist() == [1.0] * 5
