"""The `whest` command (also `python -m whestbench`): run, validate, smoke-test, init, version, package,
validate-package, doctor, dataset.

Exit codes: 0 when no MLP raised (budget and time exhaustion still exit 0);
1 when any MLP errored, or setup, loading or the run itself failed (the error
is printed as the structured payload {"ok": false, "error": {stage, code,
message, details?, traceback?}}); 2 for command-line usage errors; 130 when a
real Ctrl-C stopped `run` (the report of the MLPs scored so far is printed, with
run_meta.interrupted). A KeyboardInterrupt the estimator raises is its error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
import warnings
from typing import List, Optional

from whestbench import budget as _b

FORMATS = ("rich", "plain", "json")
#: The exit code of a run stopped by Ctrl-C (128 + SIGINT), after its partial report.
INTERRUPTED_EXIT = 130


# --------------------------------------------------------------------------- argument types


def _count(text: str) -> int:
    """A positive integer: 2199023255552, 2_199_023_255_552, 2**41 or 6.8e10."""
    t = text.strip().replace("_", "")
    try:
        if "**" in t:
            base, exp = t.split("**", 1)
            value = int(base) ** int(exp)
        elif any(c in t for c in ".eE"):
            f = float(t)
            if not f.is_integer():
                raise ValueError
            value = int(f)
        else:
            value = int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number (e.g. 2199023255552, 2**41, 6.8e10), got {text!r}")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}")
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds > 0, got {text!r}")
    return v


def _rate(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    if not v >= 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return v


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: rich on a terminal, plain otherwise)")
    p.add_argument("--json", action="store_const", const="json", dest="format", help="same as --format json")
    p.add_argument("--debug", action="store_true", help="show full tracebacks")


def _add_limits(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runner", choices=("local", "subprocess", "server", "inprocess", "sandbox"), default=None,
                   help="local/inprocess: in this process (debuggable); subprocess/server: in a worker process "
                        "with timeouts and a memory cap; sandbox: in a bubblewrap sandbox without NumPy, every "
                        "operation run by a server process (default: local; sandbox with --submission)")
    p.add_argument("--flop-budget", type=_count, default=_b.DEFAULT_FLOP_BUDGET, metavar="N",
                   help="per-MLP budget B on C = F + lambda*R (default 2**41); always honoured, a dataset's own "
                        "budget is ignored")
    p.add_argument("--lambda-flops-per-second", type=_rate, default=_b.DEFAULT_LAMBDA_FLOPS_PER_SECOND,
                   metavar="RATE", help="FLOP-equivalents charged per second of residual wall time (default 0)")
    p.add_argument("--wall-time-limit", type=_seconds, default=_b.DEFAULT_WALL_TIME_LIMIT_S, metavar="SECONDS",
                   help="wall-clock limit per predict() call (default 120)")
    p.add_argument("--residual-wall-time-limit", type=_seconds, default=_b.DEFAULT_RESIDUAL_WALL_TIME_LIMIT_S,
                   metavar="SECONDS", help="limit on time outside counted flopscope calls per predict() (default 0.4)")
    p.add_argument("--no-residual-wall-time-limit", action="store_true", help="disable the residual-time gate")
    p.add_argument("--setup-timeout", type=_seconds, default=_b.DEFAULT_SETUP_TIMEOUT_S, metavar="SECONDS",
                   help="limit on importing the estimator plus setup(); over it the run fails (default 5)")
    p.add_argument("--memory-limit-mb", type=_count, default=_b.DEFAULT_MEMORY_LIMIT_MB, metavar="MB",
                   help="address-space cap of the subprocess worker (default 8192; advisory with --runner local)")
    p.add_argument("--predict-timeout", type=_seconds, default=_b.DEFAULT_PREDICT_TIMEOUT_S, metavar="SECONDS",
                   help="subprocess runner: floor of the reply timeout, max(this, wall limit + 5) (default 30)")
    p.add_argument("--max-threads", type=int, default=None, metavar="N",
                   help="cap BLAS/OpenMP threads (also WHEST_MAX_THREADS); the ground-truth sampler uses N threads")
    p.add_argument("--cost-model", default=None, metavar="NAME",
                   help="flopscope cost model for the estimator's budget (default: flopscope's, 'primer')")
    p.add_argument("--plots", default=None, metavar="DIR", help="write PNG charts of the report into DIR")
    p.add_argument("--detail", choices=("raw", "full"), default="raw", help="full: list every MLP in the report")
    p.add_argument("--fail-fast", action="store_true",
                   help="stop at the first estimator error and show its traceback")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="whest", description="Run, score and report WhestBench estimators.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="score an estimator on random MLPs or on a dataset")
    what = run.add_mutually_exclusive_group(required=True)
    what.add_argument("--estimator", help="path to estimator.py")
    what.add_argument("--submission", metavar="ARTIFACT",
                      help="a .tar.gz written by `whest package`: checked, unpacked into a private folder and run "
                           "(default runner: subprocess)")
    run.add_argument("--class", dest="class_name", default=None,
                     help="estimator class (default: the submission manifest's, else auto-detected)")
    run.add_argument("--n-mlps", type=_count, default=None, help="number of MLPs (default 10, or the dataset's size)")
    run.add_argument("--width", type=_count, default=_b.DEFAULT_WIDTH, help="MLP width without --dataset (1024)")
    run.add_argument("--depth", type=_count, default=_b.DEFAULT_DEPTH, help="MLP depth without --dataset (16)")
    run.add_argument("--n-samples", type=_count, default=_b.DEFAULT_N_SAMPLES,
                     help="ground-truth Monte-Carlo samples per MLP without --dataset (200000)")
    run.add_argument("--seed", type=int, default=None,
                     help="run seed: drives MLP generation without --dataset, and SetupContext.seed")
    run.add_argument("--dataset", default=None, metavar="DIR", help="a dataset directory written by whestbench")
    run.add_argument("--split", default=None, help="the split of a multi-split dataset")
    run.add_argument("--revision", default=None, help="(hub datasets only; not supported here)")
    run.add_argument("--streaming", action="store_true", help="(hub datasets only; not supported here)")
    run.add_argument("--profile", action="store_true", help="accepted for compatibility; has no effect")
    run.add_argument("--show-diagnostic-plots", action="store_true",
                     help="accepted for compatibility; use --plots DIR for charts")
    _add_limits(run)
    _add_format(run)

    smoke = sub.add_parser("smoke-test", help="run the reference CombinedEstimator on 3 MLPs (1024x16, 5000 samples)")
    _add_limits(smoke)
    _add_format(smoke)

    val = sub.add_parser("validate", help="check that an estimator loads, sets up and returns a valid array")
    val.add_argument("--estimator", required=True)
    val.add_argument("--class", dest="class_name", default=None)
    val.add_argument("--seed", type=int, default=None)
    val.add_argument("--setup-timeout", type=_seconds, default=_b.DEFAULT_SETUP_TIMEOUT_S, metavar="SECONDS")
    _add_format(val)

    init = sub.add_parser("init", help="write a starter estimator.py (and .whestignore)")
    init.add_argument("path", nargs="?", default=".", help="directory to write into (default: here)")
    _add_format(init)

    ver = sub.add_parser("version", help="print the versions")
    _add_format(ver)

    pkg = sub.add_parser("package", help="pack a submission folder into a .tar.gz with a sha256 manifest")
    pkg.add_argument("path", nargs="?", default=None, metavar="DIR",
                     help="the submission folder, holding estimator.py (default: here)")
    pkg.add_argument("--estimator", default=None, metavar="PATH",
                     help="upstream's spelling: the folder, or its entry-point file (its folder is packaged)")
    pkg.add_argument("--class", dest="class_name", default=None,
                     help="record this estimator class in the manifest (default: auto-detected when run)")
    pkg.add_argument("-o", "--output", default="submission.tar.gz", metavar="ARTIFACT",
                     help="where to write the archive (default: submission.tar.gz here)")
    pkg.add_argument("-y", "--yes", action="store_true", help="accepted for compatibility (nothing is asked)")
    _add_format(pkg)

    vpkg = sub.add_parser("validate-package",
                          help="check an archive: manifest, every sha256, the caps, and the estimator it runs")
    vpkg.add_argument("artifact", help="a .tar.gz written by `whest package`")
    vpkg.add_argument("--setup-timeout", type=_seconds, default=_b.DEFAULT_SETUP_TIMEOUT_S, metavar="SECONDS")
    _add_format(vpkg)

    doc = sub.add_parser("doctor", help="check that this machine has what grading needs (exit 1 if not)")
    _add_format(doc)

    from whestbench import dataset_cli

    dataset_cli.add_parser(sub)
    return parser


# --------------------------------------------------------------------------- helpers


def _fmt(args) -> str:
    if args.format:
        return args.format
    from whestbench.presentation import default_format

    return default_format()


def _view(args):
    from whestbench.presentation import make_view

    return make_view(_fmt(args), debug=getattr(args, "debug", False), detail=getattr(args, "detail", "raw"))


def _fail(view, stage: str, code: str, message: str, details=None, tb=None) -> int:
    from whestbench.report import error_payload

    view.error(error_payload(stage, code, message, details, tb))
    return 1


def _exception_code(exc: BaseException) -> str:
    """A stable code for an exception that reached the top level (the estimator's, under
    --fail-fast: its attributes and even its __class__ are its own code, which may raise)."""
    from flopscope import UnsupportedDtypeError

    try:
        code = getattr(exc, "code", None)
        if isinstance(code, str):
            return code
    except BaseException:  # noqa: BLE001
        pass
    if issubclass(type(exc), ModuleNotFoundError):
        return "ESTIMATOR_MISSING_MODULE"
    if issubclass(type(exc), UnsupportedDtypeError):
        return "ESTIMATOR_UNSUPPORTED_DTYPE"
    return "PREDICT_ERROR"


# --------------------------------------------------------------------------- run / smoke-test


def _run(args, view, entrypoint, **kwargs) -> int:
    """Scores one estimator; leaves flopscope's cost model and the warning filters as it found them."""
    import flopscope as flops

    from whestbench.runners.metering import current_cost_model
    from whestbench.scoring import ScoringExhaustionWarning

    previous_model = current_cost_model()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScoringExhaustionWarning)  # summarised on stderr instead
            return _score(args, view, entrypoint, **kwargs)
    finally:
        flops.configure(cost_model=previous_model)


def _score(args, view, entrypoint, *, spec_kwargs: dict, dataset_dir: Optional[str], split: Optional[str],
         n_mlps: Optional[int], seed: Optional[int], estimator_label: str, submission: Optional[dict] = None) -> int:
    import flopscope as flops

    from whestbench import concurrency
    from whestbench.contest import ContestSpec, make_contest, make_contest_from_dataset
    from whestbench.datasets import InvalidDatasetError, load_dataset
    from whestbench.estimator_errors import describe_exception, format_current_exception
    from whestbench.hardware import collect_host
    from whestbench.report import build_report, run_config, utc_now
    from whestbench.runners import ResourceLimits, RunnerError, make_runner
    from whestbench.runners.metering import current_cost_model
    from whestbench.scoring import ScoringInterrupted, evaluate_estimator
    from whestbench.sdk import API_VERSION, SetupContext

    fmt = _fmt(args)
    mode = "agent" if fmt == "json" else "human"
    started, t0 = utc_now(), time.perf_counter()
    try:
        threads = concurrency.resolve(args.max_threads)
        if threads:
            concurrency.limit_threads(threads)
        if args.cost_model:
            known = flops.accounting.cost_models()
            if args.cost_model not in known:
                raise ValueError(f"unknown cost model {args.cost_model!r}; known: {', '.join(known)}")
            flops.configure(cost_model=args.cost_model)
        residual = None if args.no_residual_wall_time_limit else args.residual_wall_time_limit
        spec = ContestSpec(flop_budget=args.flop_budget, seed=seed, setup_timeout_s=args.setup_timeout,
                           wall_time_limit_s=args.wall_time_limit, residual_wall_time_limit_s=residual,
                           lambda_flops_per_second=args.lambda_flops_per_second,
                           n_mlps=n_mlps or _b.DEFAULT_N_MLPS, **spec_kwargs)
        spec.validate()
    except ValueError as exc:
        return _fail(view, "config", "CONFIG_ERROR", str(exc))

    ds = None
    if dataset_dir is not None:
        if getattr(args, "revision", None) or getattr(args, "streaming", False):
            return _fail(view, "dataset", "DATASET_INVALID", "--revision and --streaming need the Hugging Face "
                         "Hub, which this harness does not use: download the dataset and pass its directory")
        try:
            ds = load_dataset(dataset_dir, split)
        except InvalidDatasetError as exc:
            return _fail(view, "dataset", "DATASET_INVALID", str(exc))
        import dataclasses

        if n_mlps is not None and n_mlps > ds.n_mlps:
            view.note(f"whest: --n-mlps {n_mlps} is more than the dataset's {ds.n_mlps} MLPs; using {ds.n_mlps}")
        spec = dataclasses.replace(spec, n_mlps=min(n_mlps or ds.n_mlps, ds.n_mlps), width=ds.width, depth=ds.depth,
                                   ground_truth_samples=ds.n_samples)

    runner_name = args.runner
    limits = ResourceLimits(wall_time_limit_s=spec.wall_time_limit_s, setup_timeout_s=spec.setup_timeout_s,
                            memory_limit_mb=args.memory_limit_mb, predict_timeout_s=args.predict_timeout,
                            cost_model=args.cost_model)
    cost_model = current_cost_model()
    dataset_info = None if ds is None else {"path": ds.path, "sha256": ds.metadata_sha256, "seed": ds.seed,
                                            "n_mlps": spec.n_mlps, "split": ds.split,
                                            "seed_protocol": ds.protocol_version, "n_samples": ds.n_samples}
    extra = {"memory_limit_mb": args.memory_limit_mb, "max_threads": threads}
    if submission is not None:
        extra["submission"] = submission
    config = run_config(spec, dataset=dataset_info, mode=mode, runner=runner_name, cost_model=cost_model,
                        estimator_class=entrypoint.class_name, estimator_path=entrypoint.file_path, seed=seed,
                        extra=extra)
    host = collect_host()
    view.header(config, host, estimator_label)

    if ds is None:
        with view.progress("Ground truth", spec.n_mlps) as update:
            contest = make_contest(spec, threads=threads, on_progress=lambda d, n: update(d, n))
    else:
        with view.progress("Loading dataset", spec.n_mlps) as update:
            contest = make_contest_from_dataset(ds, spec, on_progress=lambda d, n: update(d, n))

    runner = make_runner(runner_name)
    scratch = tempfile.mkdtemp(prefix="whest-scratch-")
    context = SetupContext(width=spec.width, depth=spec.depth, flop_budget=spec.flop_budget, api_version=API_VERSION,
                           scratch_dir=scratch, submission_dir=os.path.dirname(os.path.abspath(entrypoint.file_path)),
                           seed=seed or 0)
    interrupted = False
    try:
        try:
            runner.start(entrypoint, context, limits)
        except RunnerError as exc:
            return _fail(view, exc.stage, exc.code, exc.message, exc.details, exc.traceback_text)
        except KeyboardInterrupt:  # a real Ctrl-C: the estimator's own is a RunnerError
            _fail(view, "setup", "INTERRUPTED", "interrupted (Ctrl-C) before scoring began")
            return INTERRUPTED_EXIT
        if mode == "human":
            config["estimator_class"] = runner.estimator_class_name
        try:
            with view.progress("Scoring", spec.n_mlps) as update:
                records = evaluate_estimator(runner, contest, fail_fast=args.fail_fast, on_progress=update)
        except ScoringInterrupted as exc:  # a real Ctrl-C: report the MLPs scored so far
            records, interrupted = exc.records, True
        except RunnerError as exc:
            code = exc.code
            if code == "PREDICT_ERROR" and exc.__cause__ is not None:  # --fail-fast: name the estimator's exception
                code = _exception_code(exc.__cause__)
            return _fail(view, "scoring", code, exc.message, exc.details, exc.traceback_text)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - nothing must end the run without its structured error
            return _fail(view, "scoring", _exception_code(exc), describe_exception(exc),
                         None, format_current_exception(exc))
    finally:
        runner.close()
        shutil.rmtree(scratch, ignore_errors=True)

    report = build_report(contest, records, mode=mode, config=config, host=host, started_at=started,
                          duration_s=time.perf_counter() - t0)
    if interrupted:
        report["run_meta"]["interrupted"] = {"completed_mlps": len(records), "n_mlps": spec.n_mlps}
    view.report(report)
    n = len(records)
    exhausted = sum(any(r[f] for f in ("budget_exhausted", "time_exhausted", "residual_wall_time_exhausted",
                                       "combined_budget_exhausted")) for r in records)
    errored = sum(bool(r.get("error_code")) for r in records)
    if exhausted:
        view.note(f"whest: {exhausted} of {n} MLP(s) exhausted a budget (FLOP, time or combined); "
                  "their predictions were zeroed")
    if errored:
        view.note(f"whest: {errored} of {n} MLP(s) raised during predict")
    if args.plots:
        from whestbench.presentation.plots import write_plots

        paths = write_plots(report, args.plots)
        view.note("whest: plots written: " + ", ".join(paths))
    if interrupted:
        view.note(f"whest: interrupted (Ctrl-C) after {n} of {spec.n_mlps} MLP(s); the report covers those only")
        return INTERRUPTED_EXIT
    return 1 if errored else 0


def cmd_run(args) -> int:
    from whestbench.loading import Entrypoint

    view = _view(args)
    kwargs = dict(spec_kwargs={"width": args.width, "depth": args.depth, "ground_truth_samples": args.n_samples},
                  dataset_dir=args.dataset, split=args.split, n_mlps=args.n_mlps, seed=args.seed)
    if args.submission is not None:
        # A packaged submission is graded as the grader would: in the sandbox.
        args.runner = args.runner or "sandbox"
        return _run_submission(args, view, kwargs)
    args.runner = args.runner or "local"
    entry = Entrypoint(args.estimator, args.class_name)
    label = args.estimator + (f" [{args.class_name}]" if args.class_name else "")
    return _run(args, view, entry, estimator_label=label, **kwargs)


def _run_submission(args, view, kwargs) -> int:
    """Checks and unpacks the archive into a private folder, then runs it like --estimator."""
    from whestbench import packaging
    from whestbench.loading import Entrypoint

    folder = tempfile.mkdtemp(prefix="whest-submission-")  # mode 0700: private to this user
    try:
        scan = packaging.scan_artifact(args.submission, dest=folder)
        if not scan.ok:
            first = scan.issues[0]
            return _fail(view, "package", "SUBMISSION_INVALID",
                         f"{args.submission} is not a valid submission archive: {first.message}"
                         + (f" (and {len(scan.issues) - 1} more problem(s))" if len(scan.issues) > 1 else ""),
                         {"issues": [i.to_json() for i in scan.issues]})
        class_name = args.class_name or scan.class_name
        entry = Entrypoint(os.path.join(folder, scan.module + ".py"), class_name)
        label = f"{args.submission} ({scan.module}.py" + (f" [{class_name}])" if class_name else ")")
        info = {"artifact": os.path.abspath(args.submission), "sha256": scan.sha256, "entrypoint": scan.module,
                "files": len(scan.files)}
        return _run(args, view, entry, estimator_label=label, submission=info, **kwargs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def cmd_smoke_test(args) -> int:
    import whestbench.estimators as reference
    from whestbench.loading import Entrypoint

    view = _view(args)
    args.runner = args.runner or "local"
    entry = Entrypoint(reference.__file__, "CombinedEstimator")
    code = _run(args, view, entry, spec_kwargs={"width": 1024, "depth": 16, "ground_truth_samples": 5000},
                dataset_dir=None, split=None, n_mlps=3, seed=None, estimator_label="whestbench CombinedEstimator")
    view.note("whest: smoke test passed" if code == 0 else "whest: smoke test FAILED (see the errors above)")
    return code


# --------------------------------------------------------------------------- validate / init / version


def cmd_validate(args) -> int:
    from whestbench.runners.interrupts import InterruptWatch

    view = _view(args)
    with InterruptWatch():  # an estimator's KeyboardInterrupt is its error; a real Ctrl-C still stops
        return _validate(args, view)


def _validate(args, view) -> int:
    import numpy as np

    from whestbench.estimator_errors import describe_exception, format_current_exception
    from whestbench.loading import Entrypoint, EstimatorLoadError, instantiate, load_estimator_class
    from whestbench.mlp import sample_mlp
    from whestbench.runners.metering import OutputError, check_finite, materialise
    from whestbench.sdk import API_VERSION, SetupContext
    from whestbench import __version__

    try:
        cls = load_estimator_class(Entrypoint(args.estimator, args.class_name))
        estimator = instantiate(cls)
    except EstimatorLoadError as exc:
        return _fail(view, "load", exc.code, exc.message, {"hint": exc.hint} if exc.hint else None,
                     exc.traceback_text)
    ctx = SetupContext(width=4, depth=2, flop_budget=100, api_version=API_VERSION,
                       submission_dir=os.path.dirname(os.path.abspath(args.estimator)), seed=args.seed or 0)
    t0 = time.perf_counter()
    try:
        estimator.setup(ctx)
    except BaseException as exc:  # noqa: BLE001 - SystemExit, KeyboardInterrupt: the estimator's error too
        return _fail(view, "setup", "SETUP_ERROR", f"setup() raised {describe_exception(exc)}", None,
                     format_current_exception(exc))
    setup_s = time.perf_counter() - t0
    if setup_s > args.setup_timeout:
        return _fail(view, "setup", "SETUP_TIMEOUT", f"setup() took {setup_s:.2f}s, over the "
                     f"{args.setup_timeout:g}s setup timeout", {"setup_time_s": setup_s})
    rng = np.random.default_rng(args.seed) if args.seed is not None else np.random.default_rng()
    mlp = sample_mlp(4, 2, rng)
    try:
        out = materialise(estimator.predict(mlp, 100), (mlp.depth, mlp.width))
        check_finite(out)
    except BaseException as exc:  # noqa: BLE001
        if type(exc) is OutputError:
            return _fail(view, "validate", exc.code, str(exc), exc.details, traceback.format_exc())
        return _fail(view, "validate", _exception_code(exc), f"predict() raised {describe_exception(exc)}", None,
                     format_current_exception(exc))
    finally:
        try:
            estimator.teardown()
        except BaseException:  # noqa: BLE001
            pass
    result = {"ok": True, "estimator_class": cls.__name__, "setup_time_s": setup_s, "output_shape": list(out.shape),
              "whestbench_version": __version__}
    if _fmt(args) == "json":
        view.emit(result)
    else:
        print(f"ok: {cls.__name__} loads, sets up in {setup_s:.3f}s and returns a finite {out.shape} array")
    return 0


def cmd_init(args) -> int:
    from whestbench import templates

    os.makedirs(args.path, exist_ok=True)
    written, kept = [], []
    for name, text in (("estimator.py", templates.ESTIMATOR), (".whestignore", templates.WHESTIGNORE)):
        path = os.path.join(args.path, name)
        if os.path.exists(path):
            kept.append(path)
            continue
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        written.append(path)
    if _fmt(args) == "json":
        from whestbench.presentation.json_view import JsonView
        from whestbench import __version__

        JsonView().emit({"ok": True, "written": written, "kept": kept, "whestbench_version": __version__})
    else:
        for p in written:
            print(f"wrote {p}")
        for p in kept:
            print(f"kept {p} (already exists)")
        if written:
            print(f"next: whest run --estimator {os.path.join(args.path, 'estimator.py')}")
    return 0


def cmd_version(args) -> int:
    import platform

    import numpy

    import flopscope

    from whestbench import __version__

    info = {"whestbench_version": __version__, "flopscope_version": getattr(flopscope, "__version__", "unknown"),
            "numpy_version": numpy.__version__, "python_version": platform.python_version()}
    if _fmt(args) == "json":
        from whestbench.presentation.json_view import JsonView

        JsonView().emit(info)
    else:
        print(f"whestbench {__version__} (flopscope {info['flopscope_version']}, numpy {info['numpy_version']}, "
              f"python {info['python_version']})")
    return 0


def _print_table(args, title: str, rows) -> None:
    """rows of (key, value) as a Rich table on a terminal, `key: value` lines otherwise."""
    if _fmt(args) == "rich":
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_header=False)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(overflow="fold")
        for k, v in rows:
            table.add_row(str(k), str(v))
        Console().print(table)
    else:
        print(f"[{title}]")
        for k, v in rows:
            print(f"{k}: {v}")


def cmd_package(args) -> int:
    from whestbench import packaging

    view = _view(args)
    if args.path is not None and args.estimator is not None:
        return _fail(view, "package", "CONFIG_ERROR", "give the submission folder either as DIR or as --estimator")
    target = args.path or args.estimator or "."
    module = packaging.DEFAULT_ENTRY_MODULE
    if os.path.isfile(target):  # --estimator path/to/estimator.py: its folder, with that file as entry point
        module = os.path.splitext(os.path.basename(target))[0]
        target = os.path.dirname(os.path.abspath(target))
    try:
        out = packaging.package(target, args.output, module=module, class_name=args.class_name)
    except packaging.PackageError as exc:
        return _fail(view, "package", exc.code, exc.message, exc.details)
    except OSError as exc:
        return _fail(view, "package", "PACKAGE_IO_ERROR", f"packaging {target} failed: {exc}")
    m = out.manifest
    result = {"ok": True, "artifact_path": out.artifact, "sha256": out.sha256, "artifact_bytes": out.artifact_bytes,
              "files": [f["name"] for f in m["files"]], "total_bytes": m["total_bytes"],
              "entrypoint": m["entrypoint"], "excluded": out.excluded, "whestbench_version": m["whestbench_version"]}
    if _fmt(args) == "json":
        view.emit(result)
    else:
        _print_table(args, "Packaged submission", [
            ("artifact", out.artifact), ("sha256", out.sha256), ("archive size", f"{out.artifact_bytes} bytes"),
            ("files", f"{len(m['files'])} ({m['total_bytes']} bytes; caps {packaging.MAX_SUBMISSION_FILES} files, "
                      f"{packaging.MAX_SUBMISSION_BYTES} bytes)"),
            ("entry point", f"{m['entrypoint']['module']}.py" + (f" [{m['entrypoint']['class']}]"
                                                                  if m['entrypoint']['class'] else "")),
            ("left out", ", ".join(out.excluded) or "-")])
        print(f"next: whest validate-package {out.artifact}")
    return 0


def _validate_entrypoint(folder: str, module: str, class_name: Optional[str], setup_timeout: float):
    """Runs `whest validate` on the unpacked entry point in a child process (its imports and
    setup() stay out of this one); returns (None, class name) when it passes, else (code, message)."""
    import json
    import subprocess

    cmd = [sys.executable, "-m", "whestbench", "validate", "--estimator", os.path.join(folder, module + ".py"),
           "--format", "json", "--setup-timeout", repr(setup_timeout)]
    if class_name:
        cmd += ["--class", class_name]
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60 + 2 * setup_timeout,
                           cwd=folder)
    except subprocess.TimeoutExpired:
        return "ENTRYPOINT_TIMEOUT", f"`whest validate` on {module}.py did not finish in {60 + 2 * setup_timeout:g}s"
    try:
        payload = json.loads(r.stdout.decode())
    except ValueError:
        tail = r.stderr.decode(errors="replace").strip().splitlines()[-3:]
        return "ENTRYPOINT_INVALID", f"`whest validate` on {module}.py exited with {r.returncode}: {' | '.join(tail)}"
    if r.returncode == 0 and payload.get("ok"):
        return None, payload.get("estimator_class")
    err = payload.get("error", {})
    hint = (err.get("details") or {}).get("hint")
    return err.get("code", "ENTRYPOINT_INVALID"), err.get("message", "validation failed") + (f" ({hint})" if hint
                                                                                               else "")


def cmd_validate_package(args) -> int:
    from whestbench import packaging

    view = _view(args)
    folder = tempfile.mkdtemp(prefix="whest-validate-")
    try:
        scan = packaging.scan_artifact(args.artifact, dest=folder)
        estimator_class = None
        if scan.ok:
            code, text = _validate_entrypoint(folder, scan.module, scan.class_name, args.setup_timeout)
            if code is not None:
                scan.issues.append(packaging.Issue("entrypoint_invalid", scan.module + ".py", f"{code}: {text}"))
            else:
                estimator_class = text
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    from whestbench import __version__

    result = {"ok": scan.ok, "artifact": args.artifact, "sha256": scan.sha256,
              "entrypoint": None if scan.module is None else {"module": scan.module, "class": estimator_class},
              "files": len(scan.files), "total_bytes": sum(s for _, s in scan.files.values()),
              "issues": [i.to_json() for i in scan.issues], "whestbench_version": __version__}
    if _fmt(args) == "json":
        view.emit(result)
    elif scan.ok:
        print(f"ok: {args.artifact} is a valid submission archive ({len(scan.files)} files, every sha256 matches; "
              f"{scan.module}.py loads, sets up and predicts)")
    else:
        print(f"{args.artifact} is NOT a valid submission archive:", file=sys.stderr)
        for i in scan.issues:
            print(f"  [{i.code}] {i.message}", file=sys.stderr)
    return 0 if scan.ok else 1


def cmd_doctor(args) -> int:
    from whestbench import doctor

    report = doctor.collect()
    fmt = _fmt(args)
    if fmt == "json":
        from whestbench.presentation.json_view import JsonView

        JsonView().emit(report)
    elif fmt == "rich":
        from rich.console import Console
        from rich.table import Table

        style = {doctor.OK: "green", doctor.WARN: "yellow", doctor.FAIL: "bold red"}
        table = Table(title="whest doctor")
        for col in ("check", "status", "value", "what to do"):
            table.add_column(col)
        for c in report["checks"]:
            table.add_row(c["name"], f"[{style[c['status']]}]{c['status']}[/]", str(c["value"] or "-"),
                          c["hint"] or "")
        Console().print(table)
    else:
        for c in report["checks"]:
            print(f"{c['status']:<4}  {c['name']}: {c['value'] or '-'}" + (f"  -> {c['hint']}" if c["hint"] else ""))
    if fmt != "json":
        print("ok: this machine has what grading needs" if report["ok"] else
              f"NOT ready to grade: {', '.join(report['failed'])} failed (see above)",
              file=sys.stdout if report["ok"] else sys.stderr)
    return 0 if report["ok"] else 1


def cmd_dataset(args) -> int:
    from whestbench.dataset_cli import cmd_dataset as run_dataset

    return run_dataset(args)


COMMANDS = {"run": cmd_run, "smoke-test": cmd_smoke_test, "validate": cmd_validate, "init": cmd_init,
            "version": cmd_version, "dataset": cmd_dataset, "package": cmd_package,
            "validate-package": cmd_validate_package, "doctor": cmd_doctor}


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    if getattr(args, "max_threads", None) is not None and args.max_threads <= 0:
        parser.error("--max-threads must be a positive int")
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
