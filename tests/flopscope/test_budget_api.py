"""The budget API of spec section 4 and the issue: decorator, flops.budget, namespaces,
the lazily created default budget, current_budget snapshots, session summaries,
budget_reset, threads and configure."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp

SUMMARY_KEYS = {"flop_budget", "flops_used", "flops_remaining", "operations", "wall_time_s",
                "flopscope_backend_time_s", "flopscope_overhead_time_s", "residual_wall_time_s"}


def run_fresh(code: str, **env) -> str:
    """Runs `code` in a fresh interpreter (the default budget is process-wide)."""
    full_env = {**os.environ, **env}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env, check=True)
    return out.stdout.strip()


def test_decorator_reenters_the_same_context_and_accumulates():
    ctx = flops.BudgetContext(flop_budget=1_000, quiet=True)

    @ctx
    def step(n):
        return fnp.exp(fnp.ones(n))

    step(10)
    step(5)
    assert ctx.flops_used == 15
    with pytest.raises(flops.BudgetExhaustedError):
        step(2_000)
    assert ctx.flops_used == 15


def test_budget_function_gives_a_context_and_a_decorator():
    with flops.budget(100, quiet=True) as ctx:
        fnp.add(fnp.ones(7), 1.0)
    assert isinstance(ctx, flops.BudgetContext) and ctx.flops_used == 7

    @flops.budget(100, quiet=True)
    def f():
        return flops.current_budget()

    assert f().flop_budget == 100


def test_namespaces_attribute_without_creating_sub_budgets():
    with flops.BudgetContext(flop_budget=1_000, quiet=True, namespace="est") as ctx:
        fnp.exp(fnp.ones(10))
        with flops.namespace("layer1"):
            assert ctx.namespace == "est.layer1"
            fnp.exp(fnp.ones(20))
            with flops.namespace("inner"):
                fnp.sqrt(fnp.ones(3))
        assert ctx.namespace == "est"
        with pytest.raises(flops.BudgetExhaustedError):
            with flops.namespace("big"):
                fnp.exp(fnp.ones(2_000))  # the one budget applies inside a namespace too
    d = ctx.summary_dict(by_namespace=True)
    ns = d["by_namespace"]
    assert ns["est"]["flops_used"] == 10
    assert ns["est.layer1"]["flops_used"] == 20
    assert ns["est.layer1.inner"]["operations"]["sqrt"]["flop_cost"] == 3
    assert d["flops_used"] == 33
    assert "by_namespace" not in ctx.summary_dict()


def test_unlabeled_namespace_is_none():
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        fnp.exp(fnp.ones(4))
    assert list(ctx.summary_dict(by_namespace=True)["by_namespace"]) == [None]


@pytest.mark.parametrize("seg", ["", "a.b", 3, None])
def test_bad_namespace_segments(seg):
    with flops.BudgetContext(flop_budget=100, quiet=True):
        with pytest.raises(ValueError):
            with flops.namespace(seg):
                pass


def test_namespace_needs_an_active_context():
    with pytest.raises(flops.NoBudgetContextError):
        with flops.namespace("x"):
            pass


def test_current_budget_is_a_snapshot_of_the_active_context():
    with flops.BudgetContext(flop_budget=1_000, quiet=True):
        fnp.exp(fnp.ones(10))
        snap = flops.current_budget()
        fnp.exp(fnp.ones(10))
        assert flops.current_budget() == flops.BudgetSnapshot(1_000, 20, 980)
    assert isinstance(snap, tuple) and snap == (1_000, 10, 990)
    assert (snap.flop_budget, snap.flops_used, snap.flops_remaining) == (1_000, 10, 990)


def test_default_budget_is_lazy_process_wide_and_overridable():
    code = (
        "import flopscope as flops, flopscope.numpy as fnp\n"
        "from flopscope import _core\n"
        "print(_core.default_meter_exists())\n"
        "fnp.exp(fnp.ones(30))\n"
        "print(_core.default_meter_exists(), tuple(flops.current_budget()))\n"
        "with flops.BudgetContext(flop_budget=50, quiet=True) as ctx:\n"
        "    fnp.exp(fnp.ones(40))\n"
        "print(ctx.flops_used, tuple(flops.current_budget()))\n"
        "try:\n"
        "    fnp.exp(fnp.ones(71))\n"
        "except flops.BudgetExhaustedError as e:\n"
        "    print('refused', e.flop_cost, e.flops_remaining)\n"
    )
    lines = run_fresh(code, FLOPSCOPE_DEFAULT_BUDGET="100").splitlines()
    assert lines == ["False", "True (100, 30, 70)", "40 (100, 30, 70)", "refused 71 70"]
    env = {k: v for k, v in os.environ.items() if k != "FLOPSCOPE_DEFAULT_BUDGET"}
    out = subprocess.run([sys.executable, "-c", "import flopscope as f; print(f.current_budget().flop_budget)"],
                         capture_output=True, text=True, env=env, check=True).stdout.strip()
    assert out == str(10**15)


def test_session_summary_merges_contexts_and_reset_clears_it():
    flops.budget_reset()
    with flops.BudgetContext(flop_budget=100, quiet=True):
        fnp.exp(fnp.ones(10))
    with flops.BudgetContext(flop_budget=200, quiet=True):
        fnp.exp(fnp.ones(5))
        fnp.sum(fnp.ones(8))
    d = flops.budget_summary_dict()
    assert SUMMARY_KEYS <= set(d)
    assert d["operations"]["exp"] == {**d["operations"]["exp"], "flop_cost": 15, "calls": 2}
    assert d["operations"]["sum"]["flop_cost"] == 8
    assert d["flops_used"] == 23
    assert d["flop_budget"] >= 300  # both budgets (plus the default one if it has activity)
    flops.budget_reset()
    d = flops.budget_summary_dict()
    assert d["operations"] == {} and d["flops_used"] == 0


def test_text_summary_call_counts_and_header():
    with flops.BudgetContext(flop_budget=1_000, quiet=True, namespace="probe") as ctx:
        fnp.exp(fnp.ones(10))
        fnp.log(fnp.ones(10))
        fnp.log(fnp.ones(10))
    text = ctx.summary()
    assert text.splitlines()[0] == "flopscope FLOP Budget Summary [probe]"
    assert "[1 call]" in text and "[2 calls]" in text
    assert "1,000" in text


def test_nothing_recorded_message():
    out = run_fresh("import flopscope.numpy as fnp; print(fnp.budget_summary())")
    assert out == "No budget data recorded yet."


def test_budget_summary_returns_the_text_once_as_the_primer_prints_it(capsys):
    with flops.BudgetContext(flop_budget=1_000, quiet=True):
        fnp.exp(fnp.ones(10))
        text = fnp.budget_summary()
    assert capsys.readouterr().out == ""  # returned, not printed
    assert isinstance(text, str) and text.startswith("flopscope FLOP Budget Summary")
    assert repr(text) == str(text)  # a bare call at a prompt shows the text
    print(fnp.budget_summary())
    assert capsys.readouterr().out.count("flopscope FLOP Budget Summary") == 1


def test_a_thread_without_a_context_is_charged_to_the_one_active_context():
    # Upstream keeps the context thread-local, so a participant's own thread
    # computed for free (in the process default budget). Here it is charged.
    def worker():
        fnp.exp(fnp.ones(9))

    with flops.BudgetContext(flop_budget=123, quiet=True) as ctx:
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        fnp.exp(fnp.ones(4))
    assert ctx.flops_used == 9 + 4
    assert ctx.foreign_thread_calls == 2  # ones (free) and exp, on the worker thread


def test_a_thread_without_a_context_is_refused_when_several_are_active():
    entered, release, errors = threading.Barrier(3), threading.Event(), []

    def owner():
        with flops.BudgetContext(flop_budget=10**6, quiet=True):
            entered.wait()
            release.wait(30)

    owners = [threading.Thread(target=owner) for _ in range(2)]
    for t in owners:
        t.start()
    entered.wait()
    try:
        def stray():
            try:
                fnp.exp(fnp.ones(3))
            except RuntimeError as e:
                errors.append(str(e))
        t = threading.Thread(target=stray)
        t.start()
        t.join()
    finally:
        release.set()
        for t in owners:
            t.join()
    assert len(errors) == 1 and "several other threads" in errors[0]
    fnp.exp(fnp.ones(3))  # with no context left anywhere: the default budget again


def test_configure_refuses_unknown_settings_and_models():
    with pytest.raises(ValueError, match="Unknown setting: 'nope'"):
        flops.configure(nope=1)
    with pytest.raises(ValueError, match="Unknown cost_model"):
        flops.configure(cost_model="no-such-model")


def test_summary_dict_timing_fields_are_live_while_open():
    with flops.BudgetContext(flop_budget=10**6, quiet=True) as ctx:
        fnp.exp(fnp.ones(100))
        d = ctx.summary_dict()
        assert d["wall_time_s"] > 0
        assert d["flopscope_backend_time_s"] > 0
        assert np.isclose(d["wall_time_s"], d["flopscope_backend_time_s"] + d["flopscope_overhead_time_s"]
                          + d["residual_wall_time_s"], rtol=1e-9, atol=1e-12)


@pytest.fixture
def nan_inf_check():
    flops.configure(check_nan_inf=True)
    yield
    flops.configure(check_nan_inf=False)


def test_check_nan_inf_warns_with_counts(nan_inf_check):
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        with pytest.warns(flops.FlopscopeWarning, match=r"^log produced 1 NaN and 1 Inf values"):
            with np.errstate(all="ignore"):
                fnp.log(fnp.asarray([-1.0, 0.0, 1.0]))
        with pytest.warns(flops.FlopscopeWarning, match=r"^divide produced 0 NaN and 2 Inf values"):
            with np.errstate(all="ignore"):
                np.divide(fnp.ones(2), 0.0)  # NumPy's own call on our array is checked too
        d = ctx.summary_dict()
    assert ctx.flops_used == 5  # the scan itself is not billed
    assert d["flopscope_overhead_time_s"] > 0


def test_check_nan_inf_is_quiet_for_finite_and_integer_results(nan_inf_check):
    import warnings

    with flops.BudgetContext(flop_budget=100, quiet=True):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fnp.exp(fnp.ones(3))
            fnp.add(np.arange(3), 1)
            fnp.divmod(fnp.ones(2), 3.0)


def test_check_nan_inf_is_off_by_default():
    import warnings

    with flops.BudgetContext(flop_budget=100, quiet=True):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="ignore"):
                fnp.log(fnp.zeros(3))


def test_configure_validates_everything_before_applying():
    with pytest.raises(TypeError):
        flops.configure(check_nan_inf="yes")
    with pytest.raises(ValueError):
        flops.configure(check_nan_inf=True, bogus=1)
    with flops.BudgetContext(flop_budget=100, quiet=True):  # still off: nothing was applied
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(all="ignore"):
                fnp.log(fnp.zeros(3))


def test_op_log_records_each_call_that_ran():
    with flops.BudgetContext(flop_budget=1_000, quiet=True, record_ops=True) as ctx:
        a = fnp.ones((3, 4))
        fnp.matmul(a, np.ones((4, 2)))
        with flops.namespace("head"):
            fnp.exp(a)
            fnp.add.outer(fnp.ones(3), fnp.ones(2))
        with pytest.raises(flops.BudgetExhaustedError):
            fnp.exp(fnp.ones(5_000))  # refused: not run, not recorded
        with pytest.raises(ValueError):
            fnp.add(fnp.ones(3), fnp.ones(4))  # failed: not recorded
        ctx.deduct("closed_form", 7)
    log = [r for r in ctx.op_log if r.flop_cost > 0]
    assert [(r.op_name, r.shapes, r.flop_cost, r.cumulative, r.namespace) for r in log] == [
        ("matmul", ((3, 4), (4, 2)), 24, 24, None),
        ("exp", ((3, 4),), 12, 36, "head"),
        ("add.outer", ((3,), (2,)), 6, 42, "head"),
        ("closed_form", (), 7, 49, None),
    ]
    assert sum(r.flop_cost for r in ctx.op_log) == ctx.flops_used
    starts = [r.flopscope_context_start_offset_s for r in ctx.op_log]
    assert starts == sorted(starts) and starts[0] >= 0
    assert all(r.flopscope_backend_duration_s >= 0 and r.flopscope_overhead_duration_s >= 0 for r in ctx.op_log)
    assert isinstance(log[0], flops.OpRecord)


def test_op_log_is_off_by_default_and_reset_clears_it():
    with flops.BudgetContext(flop_budget=100, quiet=True) as ctx:
        fnp.exp(fnp.ones(3))
    with pytest.raises(RuntimeError, match="record_ops=True"):
        ctx.op_log
    with pytest.raises(TypeError):
        flops.BudgetContext(flop_budget=100, record_ops="yes")
    with flops.budget(100, quiet=True, record_ops=True) as ctx:
        fnp.exp(fnp.ones(3))
        assert len(ctx.op_log) == 2  # ones (free) and exp
        with pytest.raises(flops.errors.UnauthorizedControlError, match="budget_reset"):
            flops.budget_reset()  # inside a live context it would wipe the live count
        assert len(ctx.op_log) == 2 and ctx.flops_used == 3
    flops.budget_reset()  # outside: allowed
