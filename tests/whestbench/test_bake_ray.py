"""Distributed bakes on a real local Ray cluster (two worker CPUs): the dataset
equals the single-machine bake byte for byte, also when a worker is killed in
the middle of a task (Ray retries it). The cpu backend: its bits do not depend
on threads; the numpy backend's depend on numpy's BLAS threads (one in a Ray
task), so on a Zen 3 its Ray bake differed from the serial one."""

import os
import signal
import threading

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


def _task_workers():
    """PIDs of Ray worker processes running a bake task (Ray titles them ray::<function>)."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f.read().startswith(b"ray::_row_bytes"):
                    pids.append(int(pid))
        except OSError:
            continue
    return pids


def test_a_worker_killed_mid_bake_is_retried_and_the_dataset_is_still_exact(cluster, serial, tmp_path):
    killed = []

    def killer(event):
        if killed:
            return
        for pid in _task_workers():  # a task is running on it now
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return

    def on_progress(event):
        threading.Thread(target=killer, args=(event,)).start()

    out = B.bake(B.make_spec(**SPEC), str(tmp_path / "ds"), ray_address="local", on_progress=on_progress)
    assert killed, "no running bake task was found to kill"
    assert _bytes(out) == _bytes(serial)
