"""Renderers of `whest` output: rich (terminal), plain (text), json, and PNG plots."""

from __future__ import annotations


def make_view(fmt: str, *, debug: bool = False, detail: str = "raw"):
    if fmt == "json":
        from whestbench.presentation.json_view import JsonView

        return JsonView()
    if fmt == "plain":
        from whestbench.presentation.plain_view import PlainView

        return PlainView(debug=debug, detail=detail)
    from whestbench.presentation.rich_view import RichView

    return RichView(debug=debug, detail=detail)


def default_format() -> str:
    """rich on a terminal (and not under a debugger), plain otherwise."""
    import sys

    return "rich" if sys.stdout.isatty() and sys.gettrace() is None else "plain"
