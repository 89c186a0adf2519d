"""Holes a hostile participant found in the harness (`whest run`), one section per hole, each
tested under both runners where it applies."""

import os
import sys

import pytest

import flopscope as flops

from conftest import HERE, score, with_spec

FIXTURES = os.path.join(HERE, "fixtures")
HOSTILE = os.path.join(FIXTURES, "hostile.py")
RUNNERS = ("local", "subprocess")


def run_hostile(contest, class_name, runner, tmp_path, path=HOSTILE):
    """The records of a run; an exception that escapes the runner fails the test (it ended the run)."""
    try:
        return score(contest, class_name, runner=runner, tmp_path=tmp_path, path=path)
    except KeyboardInterrupt as exc:
        pytest.fail(f"the estimator's KeyboardInterrupt ended the run: {exc!r}")


# --------------------------------------------------------------------------- 4. figures read from the meter itself


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_reclassed_budget_context_does_not_change_the_figures(tiny_contest, tmp_path, runner):
    sys.path.insert(0, FIXTURES)
    try:
        from hostile import counted_work
    finally:
        sys.path.remove(FIXTURES)
    mlp = tiny_contest.mlps[0]
    with flops.BudgetContext(flop_budget=tiny_contest.spec.flop_budget, quiet=True) as honest:
        counted_work(mlp)
    expected = honest.flops_used
    assert expected > 1

    r = run_hostile(with_spec(tiny_contest, n_mlps=1), "ReclassesContext", runner, tmp_path)[0]
    assert "error_code" not in r, r.get("failure_message")
    assert r["flops_used"] == expected
    b = r["breakdowns"]["estimator"]
    assert b["flops_used"] == expected and b["wall_time_s"] > 0
    ops = b["by_namespace"]["estimator.estimator-client"]["operations"]
    assert sum(op["flop_cost"] for op in ops.values()) == expected and "matmul" in ops


@pytest.fixture
def restore_meter_class():
    from flopscope import _core

    saved = _core.Meter.__dict__["flops_used"]
    yield
    _core.Meter.flops_used = saved


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_re_bound_meter_property_is_tampering(tiny_contest, tmp_path, restore_meter_class, runner):
    r = run_hostile(with_spec(tiny_contest, n_mlps=1), "PatchesMeterClass", runner, tmp_path)[0]
    assert r.get("error_code") == "METER_TAMPERED" and "flopscope._core.Meter.flops_used" in r["failure_message"]
