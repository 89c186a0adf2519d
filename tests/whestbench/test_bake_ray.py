"""Distributed bakes on a real local Ray cluster (two worker CPUs): the dataset
equals the single-machine bake byte for byte, also when a worker is killed in
the middle of a task (Ray retries it). The cpu backend: its bits do not depend
on threads; the numpy backend's depend on numpy's BLAS threads (one in a Ray
task), so on a Zen 3 its Ray bake differed from the serial one."""

import os
import signal
import threading
import time

import pytest

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install '.[ray]' (scripts/test.sh does)")

from whestbench import bake as B  # noqa: E402

SPEC = dict(n_mlps=6, width=32, depth=3, n_samples=20_000, root_seed=3, backend="cpu")


def _bytes(path):
    with open(os.path.join(path, "data", "public-00000-of-00001.parquet"), "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def cluster():
    # Ray installs Python signal handlers (SIGTERM) in this process and leaves them after
    # shutdown; flopscope would then take every later long counted call of the test process
    # for one run beside a participant's hook (cpp/bindings/hooks.hpp). Put them back.
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2)}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()
    for s, handler in saved.items():
        signal.signal(s, handler if handler is not None else signal.SIG_DFL)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return B.bake(B.make_spec(**SPEC), str(tmp_path_factory.mktemp("serial") / "ds"))


def test_a_ray_bake_equals_the_single_machine_bake(cluster, serial, tmp_path):
    events = []
    out = B.bake(B.make_spec(**SPEC), str(tmp_path / "ds"), ray_address="local", on_progress=events.append)
    assert _bytes(out) == _bytes(serial)
    assert sorted(e["mlp_id"] for e in events) == list(range(6))


def test_a_worker_killed_mid_bake_is_retried_and_the_dataset_is_still_exact(cluster, serial, tmp_path, monkeypatch):
    # No race: the first attempt of MLP 0 writes its worker's PID and waits to be killed;
    # the test kills that PID; Ray's retry finds the attempt marked and bakes the row.
    marks = str(tmp_path / "marks")
    os.mkdir(marks)

    def first_attempt_waits_to_be_killed(settings, mlp_id, name, _bake=B._row_bytes, _marks=marks):
        # Runs in a Ray worker (a local function: cloudpickle sends it by value).
        if mlp_id == 0:
            try:
                os.close(os.open(os.path.join(_marks, "attempted"), os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                pass  # the retry
            else:
                with open(os.path.join(_marks, "pid.tmp"), "w") as f:
                    f.write(str(os.getpid()))
                os.rename(os.path.join(_marks, "pid.tmp"), os.path.join(_marks, "pid"))
                time.sleep(600)  # killed long before; were it not, the test fails below
        return _bake(settings, mlp_id, name)

    killed = []

    def killer():
        path = os.path.join(marks, "pid")
        for _ in range(6000):  # the worker writes it once it runs the task (bounded: 10 min)
            if os.path.exists(path):
                with open(path) as f:
                    pid = int(f.read())
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.1)

    monkeypatch.setattr(B, "_row_bytes", first_attempt_waits_to_be_killed)
    thread = threading.Thread(target=killer)
    thread.start()
    out = B.bake(B.make_spec(**SPEC), str(tmp_path / "ds"), ray_address="local")
    thread.join()
    assert killed, "the first attempt never ran"
    assert _bytes(out) == _bytes(serial)
