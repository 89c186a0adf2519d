"""Loading a participant's estimator class from a file (spec section 2.2).

The file is imported as ``_whestbench_submission_<sha1(path)[:12]>`` with its
directory first on sys.path (so sibling modules import). The class is the one
named by `class_name`, else a class called ``Estimator``, else the only
BaseEstimator subclass defined in the file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import traceback
from dataclasses import dataclass
from types import ModuleType
from typing import Optional, Type

from flopscope import _core

from whestbench.estimator_errors import describe_exception, format_current_exception
from whestbench.sdk import BaseEstimator


@dataclass(frozen=True)
class Entrypoint:
    file_path: str
    class_name: Optional[str] = None


class EstimatorLoadError(Exception):
    """The estimator could not be loaded; `code` says why (a stable string)."""

    def __init__(self, code: str, message: str, traceback_text: Optional[str] = None, hint: Optional[str] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.traceback_text = traceback_text
        self.hint = hint


def module_name_for(path: str) -> str:
    return "_whestbench_submission_" + hashlib.sha1(path.encode()).hexdigest()[:12]


def load_module(file_path: str) -> ModuleType:
    path = os.path.abspath(file_path)
    if not os.path.isfile(path):
        raise EstimatorLoadError("ESTIMATOR_NOT_FOUND", f"estimator file not found: {file_path}",
                                 hint="pass the path to your estimator.py with --estimator (`whest init` writes one)")
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = module_name_for(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise EstimatorLoadError("ESTIMATOR_LOAD_ERROR", f"cannot import {file_path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling inside the module look themselves up here
    # From here on participant code runs: no more signal handlers are taken for the grader's own
    # (the Ctrl-C watch registers its handler when imported, so it is imported first).
    import whestbench.runners.interrupts  # noqa: F401

    _core._trust_signal_handler(None)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = f"{exc.filename}:{exc.lineno}" if exc.lineno else str(exc.filename)
        raise EstimatorLoadError("ESTIMATOR_SYNTAX_ERROR", f"syntax error in {where}: {exc.msg}",
                                 "".join(traceback.format_exception_only(type(exc), exc))) from exc
    except ModuleNotFoundError as exc:
        sys.modules.pop(name, None)
        raise EstimatorLoadError("ESTIMATOR_MISSING_MODULE",
                                 f"importing {file_path} failed: no module named {exc.name!r}",
                                 traceback.format_exc(),
                                 hint="submissions may use flopscope, whestbench and the standard library; "
                                      "sibling .py files next to the estimator are importable") from exc
    except BaseException as exc:  # noqa: BLE001 - module top-level code can raise anything, even SystemExit
        # KeyboardInterrupt too: the runner's InterruptWatch raises a real Ctrl-C again
        sys.modules.pop(name, None)
        raise EstimatorLoadError("ESTIMATOR_IMPORT_ERROR",
                                 f"importing {file_path} raised {describe_exception(exc)}",
                                 format_current_exception(exc)) from exc
    return module


def _is_estimator_class(obj) -> bool:
    return inspect.isclass(obj) and issubclass(obj, BaseEstimator) and obj is not BaseEstimator


def resolve_class(module: ModuleType, class_name: Optional[str], file_path: str) -> Type[BaseEstimator]:
    if class_name:
        obj = getattr(module, class_name, None)
        if obj is None:
            raise EstimatorLoadError("ESTIMATOR_CLASS_NOT_FOUND", f"{file_path} has no class {class_name!r}")
        if not _is_estimator_class(obj):
            raise EstimatorLoadError("ESTIMATOR_CLASS_NOT_FOUND",
                                     f"{class_name!r} in {file_path} is not a subclass of whestbench.BaseEstimator")
        return obj
    named = getattr(module, "Estimator", None)
    if named is not None:
        if not _is_estimator_class(named):
            raise EstimatorLoadError("ESTIMATOR_CLASS_NOT_FOUND",
                                     f"'Estimator' in {file_path} is not a subclass of whestbench.BaseEstimator",
                                     hint="declare it as `class Estimator(BaseEstimator):`")
        return named
    found = [obj for obj in vars(module).values() if _is_estimator_class(obj)]
    local = [c for c in found if c.__module__ == module.__name__ and not inspect.isabstract(c)]
    if len(local) == 1:
        return local[0]
    if not local:
        imported = sorted(c.__name__ for c in found)
        hint = (f"it imports {', '.join(imported)}; pick one with --class NAME" if imported
                else "define `class Estimator(BaseEstimator):` with a predict(self, mlp, budget) method")
        raise EstimatorLoadError("ESTIMATOR_CLASS_NOT_FOUND",
                                 f"no BaseEstimator subclass is defined in {file_path}", hint=hint)
    names = ", ".join(sorted(c.__name__ for c in local))
    raise EstimatorLoadError("ESTIMATOR_CLASS_AMBIGUOUS",
                             f"{file_path} defines several BaseEstimator subclasses ({names})",
                             hint="name one with --class NAME, or call the one to run `Estimator`")


def load_estimator_class(entrypoint: Entrypoint) -> Type[BaseEstimator]:
    module = load_module(entrypoint.file_path)
    return resolve_class(module, entrypoint.class_name, entrypoint.file_path)


def instantiate(cls: Type[BaseEstimator]) -> BaseEstimator:
    try:
        return cls()
    except BaseException as exc:  # noqa: BLE001 - KeyboardInterrupt too (see load_module)
        raise EstimatorLoadError("ESTIMATOR_INIT_ERROR", f"{cls.__name__}() raised {describe_exception(exc)}",
                                 format_current_exception(exc)) from exc
