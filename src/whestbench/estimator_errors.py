"""Rendering an exception the estimator raised, without running into its code.

Its class's ``__name__``, its ``__str__`` and the ``__notes__`` that ``traceback``
reads can all be the estimator's code, and may raise: the harness must still turn
the exception into that MLP's error (or a structured setup error), never let a
second exception end the run.
"""

from __future__ import annotations

import traceback

_TYPE_NAME = type.__dict__["__name__"]  # the slot itself: a metaclass cannot put a property in front of it


def exception_name(exc: BaseException) -> str:
    try:
        return str(_TYPE_NAME.__get__(type(exc)))
    except BaseException:  # noqa: BLE001
        return "BaseException"


def exception_text(exc: BaseException) -> str:
    """str(exc), or a placeholder when the exception's own __str__ raises."""
    try:
        return str(exc)
    except BaseException:  # noqa: BLE001 - the estimator's __str__ raised
        return "<its str() raised>"


def describe_exception(exc: BaseException) -> str:
    """'Name: text' (or 'Name'), whatever the exception's own __str__ does."""
    name, text = exception_name(exc), exception_text(exc)
    return f"{name}: {text}" if text else name


def format_current_exception(exc: BaseException) -> str:
    """traceback.format_exc() of `exc`, being handled; its frames and description if that raises."""
    try:
        return traceback.format_exc()
    except BaseException:  # noqa: BLE001 - e.g. a __notes__ property that raises
        try:
            frames = "".join(traceback.format_tb(exc.__traceback__))
        except BaseException:  # noqa: BLE001
            frames = ""
        return f"Traceback (most recent call last):\n{frames}{describe_exception(exc)}\n"
