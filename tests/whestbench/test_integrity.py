"""Grading integrity: work that escapes the meter, and tampering with it, fail the MLP."""

import pytest

from conftest import score, with_spec

TAMPER = [
    ("RebasesMeter", "METER_TAMPERED", "refused"),
    ("DeactivatesMeter", "UNCOUNTED_WORK", "outside the predict budget"),
    ("SwitchesMeterOffAndOn", "METER_TAMPERED", "switched off and on"),
    # flopscope's meter no longer offers these controls to Python at all:
    ("MovesResidualToOverhead", "PREDICT_ERROR", "add_overhead_s"),
    ("PatchesFlopscope", "METER_TAMPERED", "flopscope.numpy.matmul"),
    ("SwitchesCostModel", "PREDICT_ERROR", "set_profile"),
]


@pytest.fixture
def restore_matmul():
    import flopscope.numpy as fnp

    saved = fnp.matmul
    yield
    fnp.matmul = saved


@pytest.mark.parametrize("cls, code, text", TAMPER)
def test_tampering_fails_the_mlp_in_the_worker(tiny_contest, tmp_path, cls, code, text):
    records = score(with_spec(tiny_contest, n_mlps=2), cls, runner="subprocess", tmp_path=tmp_path)
    for r in records:
        assert r.get("error_code") == code, r.get("failure_message")
        assert text in r["failure_message"]


@pytest.mark.parametrize("cls, code, text", TAMPER)
def test_tampering_fails_the_mlp_in_process(tiny_contest, tmp_path, restore_matmul, cls, code, text):
    r = score(with_spec(tiny_contest, n_mlps=1), cls, tmp_path=tmp_path)[0]
    assert r.get("error_code") == code and text in r["failure_message"]


def test_a_refused_thread_is_named(tiny_contest, tmp_path):
    r = score(tiny_contest, "ThreadOnce", runner="subprocess", tmp_path=tmp_path)[1]
    assert r["error_code"] == "ESTIMATOR_THREAD_STARTED" and "not allowed" in r["failure_message"]
    assert "RuntimeError" in r["traceback"]  # what the estimator saw when it tried


def test_clean_estimator_passes_every_check(tiny_contest, tmp_path):
    for runner in ("local", "subprocess"):
        records = score(tiny_contest, "Zeros", runner=runner, tmp_path=tmp_path)
        assert all("error_code" not in r for r in records)


def test_a_pause_outside_the_meter_is_not_tampering(tiny_contest, tmp_path, monkeypatch):
    # A garbage collection or a descheduled process while the predict context is
    # left (after the meter stopped) once failed an honest MLP as METER_TAMPERED
    # on a loaded machine; the window checked against the meter is now timed
    # inside the context.
    import time

    import flopscope as flops

    class SlowExit(flops.BudgetContext):
        def __exit__(self, *exc):
            out = super().__exit__(*exc)
            time.sleep(0.4)
            return out

    monkeypatch.setattr(flops, "BudgetContext", SlowExit)
    r = score(with_spec(tiny_contest, n_mlps=1), "Zeros", tmp_path=tmp_path)[0]
    assert "error_code" not in r, (r.get("error_code"), r.get("failure_message"))
