"""The sandbox's entry point: `python -I -S -B /whest/client/_whest_boot.py CHANNEL_FD`.

Connects to the server, builds the numpy-free flopscope from its handshake, loads the
estimator from /submission and answers the server's setup / predict / close commands.
"""

import importlib.util
import os
import sys
import traceback

CLIENT = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [CLIENT]
sys.dont_write_bytecode = True
os.dup2(2, 1)  # the estimator's print output goes to stderr, as with the other runners

import _whest_remote as R  # noqa: E402
import _whest_wire as W  # noqa: E402


def _describe(exc):
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001
        text = "<unprintable>"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def load(entry):
    """The estimator class, or (stage, code, message, traceback) on failure (whestbench.loading's codes)."""
    from whestbench import BaseEstimator

    path = entry["file_path"]
    if not os.path.isfile(path):
        return None, ("load", "ESTIMATOR_NOT_FOUND", f"estimator file not found: {os.path.basename(path)}", "")
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location("_whestbench_submission", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        return None, ("load", "ESTIMATOR_SYNTAX_ERROR", f"syntax error in {exc.filename}:{exc.lineno}: {exc.msg}",
                      traceback.format_exc())
    except ModuleNotFoundError as exc:
        return None, ("load", "ESTIMATOR_MISSING_MODULE",
                      f"importing {os.path.basename(path)} failed: no module named {exc.name!r} (the sandbox has "
                      "flopscope, whestbench and the standard library only)", traceback.format_exc())
    except BaseException as exc:  # noqa: BLE001
        return None, ("load", "ESTIMATOR_IMPORT_ERROR", f"importing {os.path.basename(path)} raised {_describe(exc)}",
                      traceback.format_exc())
    name = entry.get("class_name")
    if name:
        cls = getattr(module, name, None)
        if not isinstance(cls, type):
            return None, ("load", "ESTIMATOR_CLASS_NOT_FOUND", f"no class {name!r} in the estimator file", "")
        return cls, None
    if isinstance(getattr(module, "Estimator", None), type):
        return module.Estimator, None
    found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, BaseEstimator)
             and v is not BaseEstimator and v.__module__ == module.__name__]
    if len(found) == 1:
        return found[0], None
    code = "ESTIMATOR_CLASS_NOT_FOUND" if not found else "ESTIMATOR_CLASS_AMBIGUOUS"
    return None, ("load", code, "the estimator file must define a class named Estimator or exactly one "
                                "BaseEstimator subclass", "")


def main():
    conn = R.Connection(int(sys.argv[-1]))
    R.setup(conn)
    import flopscope  # noqa: F401  (builds the client's modules)
    from whestbench import MLP, SetupContext

    estimator = None
    while True:
        try:
            msg = conn.receive()
        except EOFError:
            return 0
        cmd = msg[0]
        if cmd == "setup":
            cls, problem = load(msg[1])
            if problem is None:
                try:
                    estimator = cls()
                except BaseException as exc:  # noqa: BLE001
                    problem = ("load", "ESTIMATOR_INIT_ERROR", f"{cls.__name__}() raised {_describe(exc)}",
                               traceback.format_exc())
            if problem is None:
                try:
                    estimator.setup(SetupContext(**msg[2]))
                except BaseException as exc:  # noqa: BLE001
                    problem = ("setup", "SETUP_ERROR", f"setup() raised {_describe(exc)}", traceback.format_exc())
            if problem is None:
                conn.send((W.READY, type(estimator).__name__))
            else:
                conn.send((W.SETUP_FAILED, *problem))
        elif cmd == "predict":
            spec, weights, budget = msg[1], msg[2], msg[3]
            mlp = MLP(width=spec["width"], depth=spec["depth"], weights=list(weights), seed=spec["seed"],
                      name=spec["name"])
            del msg, weights
            try:
                result = estimator.predict(mlp, budget)
            except BaseException as exc:  # noqa: BLE001
                conn.send((W.RAISED, type(exc).__name__, _text(exc), traceback.format_exc()))
                continue
            finally:
                mlp = None
            try:
                conn.send((W.RESULT, result))
            except TypeError as exc:
                conn.send((W.RESULT, f"<{type(result).__name__}: {exc}>"))
            result = None
        elif cmd == "close":
            if estimator is not None:
                try:
                    estimator.teardown()
                except BaseException:  # noqa: BLE001
                    traceback.print_exc()
            conn.send((W.CLOSED,))
            return 0


def _text(exc):
    try:
        return str(exc)
    except Exception:  # noqa: BLE001
        return "<unprintable>"


if __name__ == "__main__":
    sys.exit(main())
