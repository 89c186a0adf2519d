"""flops.budget_live: the live summary panel (rich) and its plain fallback."""

import builtins
import io

import pytest

import flopscope as flops
import flopscope.numpy as fnp
from flopscope._live import _LivePanel


def _render(panel) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=100, record=True)
    console.print(panel)
    return console.export_text()


def test_panel_shows_the_current_count_and_operations():
    with flops.BudgetContext(10**6, quiet=True):
        fnp.exp(fnp.ones(300))
        text = _render(_LivePanel(by_namespace=False))
        assert "exp" in text and "300" in text and "1,000,000" in text
        fnp.exp(fnp.ones(700))
        assert "1,000" in _render(_LivePanel(by_namespace=False))  # redrawn from the meter, not cached


def test_panel_by_namespace():
    with flops.BudgetContext(10**6, quiet=True):
        with flops.namespace("layer1"):
            fnp.sqrt(fnp.ones(5))
        assert "layer1" in _render(_LivePanel(by_namespace=True))


def test_live_block_refreshing_fast_beside_counted_calls_keeps_the_count(capsys):
    with flops.BudgetContext(10**9, quiet=True) as ctx:
        with flops.budget_live(refresh_per_second=200):
            for _ in range(3000):
                fnp.add(fnp.ones(3), 1.0)
        assert ctx.flops_used == 3000 * 3
    assert "flopscope budget (live)" in capsys.readouterr().out


def test_without_rich_the_summary_is_printed_on_exit(monkeypatch, capsys):
    real_import = builtins.__import__

    def no_rich(name, *args, **kwargs):
        if name.startswith("rich"):
            raise ImportError("no rich here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rich)
    with flops.BudgetContext(10**6, quiet=True):
        with flops.budget_live():
            fnp.exp(fnp.ones(4))
            assert capsys.readouterr().out == ""
        out = capsys.readouterr().out
    assert "flopscope FLOP Budget Summary" in out and "exp" in out


def test_refresh_rate_must_be_positive():
    with pytest.raises(ValueError, match="refresh_per_second"):
        with flops.budget_live(refresh_per_second=0):
            pass
