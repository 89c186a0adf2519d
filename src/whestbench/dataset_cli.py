"""`whest dataset bake | merge | info | combine-splits` (spec sections 1.7, 5, 5.6)."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Dict


def add_parser(sub) -> None:
    ds = sub.add_parser("dataset", help="bake, merge, combine and inspect ground-truth datasets")
    dsub = ds.add_subparsers(dest="dataset_command", metavar="SUBCOMMAND")

    bake = dsub.add_parser("bake", help="bake MLPs and their Monte-Carlo ground truth into a dataset directory")
    bake.add_argument("--n-mlps", type=int, required=True, help="MLPs in the logical dataset (all slices together)")
    bake.add_argument("--width", type=int, required=True)
    bake.add_argument("--depth", type=int, required=True)
    bake.add_argument("--n-samples", type=int, required=True, help="ground-truth samples per MLP")
    bake.add_argument("--mlp-seeds", default=None, metavar="FILE",
                      help="a JSON file with one input seed per MLP (distinct ints in [0, 2**63))")
    bake.add_argument("--root-seed", type=int, default=None,
                      help="derive the MLP seeds from this root (the same seeds on every machine)")
    bake.add_argument("--split", default="public")
    bake.add_argument("--config", default="default")
    bake.add_argument("--output", required=True, help="output directory (must not exist)")
    bake.add_argument("--backend", default="auto", help="auto | cpu | cuda | numpy (default auto)")
    bake.add_argument("--slice", dest="slice_spec", default=None, metavar="K/N", help="bake slice K of N (0-based)")
    bake.add_argument("--mlp-range", default=None, metavar="A-B", help="bake MLPs A..B (inclusive)")
    bake.add_argument("--resume", action="store_true", help="continue an interrupted bake of --output")
    bake.add_argument("--max-threads", type=int, default=None, help="sampler threads (default: all cores)")
    bake.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                      help="run the MLPs as Ray tasks on the cluster at ADDRESS (without one: a local cluster "
                           "for the run); needs pip install 'whestbench[ray]'")
    bake.add_argument("--format", choices=("rich", "plain", "json"), default=None)

    merge = dsub.add_parser("merge", help="merge sliced bakes into one dataset")
    merge.add_argument("inputs", nargs="+", help="partial dataset directories")
    merge.add_argument("--output", required=True)
    merge.add_argument("--format", choices=("rich", "plain", "json"), default=None)

    info = dsub.add_parser("info", help="describe a dataset directory")
    info.add_argument("source")
    info.add_argument("--format", choices=("rich", "plain", "json"), default=None)

    comb = dsub.add_parser("combine-splits", help="combine single-split datasets into one multi-split dataset")
    comb.add_argument("input_dirs", nargs="+")
    comb.add_argument("--output", required=True)
    comb.add_argument("--default-split", default=None)
    comb.add_argument("--skip-prepared-arrow", action="store_true",
                      help="accepted for compatibility: prepared Arrow trees are never written")
    comb.add_argument("--format", choices=("rich", "plain", "json"), default=None)


def _format(args) -> str:
    if args.format:
        return args.format
    return "rich" if sys.stdout.isatty() else "plain"


def _emit(fmt: str, payload: Dict[str, Any]) -> None:
    if fmt == "json":
        print(json.dumps(payload), flush=True)


def _error(fmt: str, command: str, exc: BaseException) -> int:
    payload = {"event": "error", "command": f"dataset {command}", "error_type": type(exc).__name__,
               "message": str(exc)}
    if fmt == "json":
        print(json.dumps(payload), flush=True)
    else:
        print(f"whest dataset {command}: {exc}", file=sys.stderr)
    return 2


def cmd_dataset(args) -> int:
    command = getattr(args, "dataset_command", None)
    if command is None:
        print("whest dataset: choose bake, merge, info or combine-splits (see --help)", file=sys.stderr)
        return 2
    fmt = _format(args)
    from whestbench.bake import BakeError
    from whestbench.datasets import InvalidDatasetError

    try:
        return {"bake": _bake, "merge": _merge, "info": _info, "combine-splits": _combine}[command](args, fmt)
    except (BakeError, InvalidDatasetError, OSError) as exc:
        return _error(fmt, command, exc)


def _bake(args, fmt: str) -> int:
    from whestbench import bake as B

    seeds = None
    if args.mlp_seeds is not None:
        try:
            with open(args.mlp_seeds) as f:
                seeds = json.load(f)
        except (OSError, ValueError) as exc:
            raise B.BakeError(f"--mlp-seeds {args.mlp_seeds}: not a readable JSON file ({exc})") from None
        if not isinstance(seeds, list):
            raise B.BakeError("--mlp-seeds must hold a JSON array of ints")
    if args.slice_spec is not None and args.mlp_range is not None:
        raise B.BakeError("give either --slice or --mlp-range, not both")
    if args.max_threads is not None and args.max_threads <= 0:
        raise B.BakeError("--max-threads must be a positive integer")
    n = args.n_mlps if isinstance(args.n_mlps, int) and args.n_mlps > 0 else None
    mlp_range = None
    if n is not None and args.slice_spec is not None:
        mlp_range = B.parse_slice(args.slice_spec, n)
    elif n is not None and args.mlp_range is not None:
        mlp_range = B.parse_range(args.mlp_range, n)
    spec = B.make_spec(n_mlps=args.n_mlps, width=args.width, depth=args.depth, n_samples=args.n_samples,
                       mlp_seeds=seeds, root_seed=args.root_seed, backend=args.backend, split=args.split,
                       config=args.config, mlp_range=mlp_range)
    B.check_output(args.output, args.resume)
    total = spec.stop - spec.start
    _emit(fmt, {"event": "start", "output": args.output, "n_mlps": total, "mlp_range": [spec.start, spec.stop],
                "n_samples": spec.n_samples, "backend": spec.backend})
    t0 = time.perf_counter()
    if fmt == "rich":
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("[bold]baking[/bold]"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn()) as bar:
            task = bar.add_task("bake", total=total, rate="")

            def on_progress(ev: Dict[str, Any]) -> None:
                rate = ev.get("samples_per_s")
                bar.update(task, completed=ev["done"], rate=f"{rate:,.0f} samples/s" if rate else "")

            path = B.bake(spec, args.output, resume=args.resume, threads=args.max_threads, on_progress=on_progress,
                          ray_address=args.ray)
    else:
        def on_progress(ev: Dict[str, Any]) -> None:
            if fmt == "json":
                _emit(fmt, ev)
            else:
                rate = ev.get("samples_per_s")
                print(f"baked MLP {ev['mlp_id']} ({ev['done']}/{ev['total']}"
                      + (f", {rate:,.0f} samples/s)" if rate else ")"), flush=True)

        path = B.bake(spec, args.output, resume=args.resume, threads=args.max_threads, on_progress=on_progress,
                      ray_address=args.ray)
    took = time.perf_counter() - t0
    _emit(fmt, {"event": "done", "output": path, "wall_time_s": took})
    if fmt != "json":
        print(f"wrote {path} ({total} MLPs, {took:.1f} s)")
    return 0


def _merge(args, fmt: str) -> int:
    from whestbench.merge import merge_datasets

    path = merge_datasets(args.inputs, args.output)
    _emit(fmt, {"event": "done", "output": path})
    if fmt != "json":
        print(f"merged {len(args.inputs)} partial datasets into {path}")
    return 0


def _combine(args, fmt: str) -> int:
    from whestbench.merge import combine_splits

    path = combine_splits(args.input_dirs, args.output, default_split=args.default_split)
    _emit(fmt, {"event": "done", "output": path})
    if fmt != "json":
        print(f"combined {len(args.input_dirs)} splits into {path}")
    return 0


def _info(args, fmt: str) -> int:
    from whestbench.merge import describe, describe_text

    info = describe(args.source)
    if fmt == "json":
        print(json.dumps(info), flush=True)
    else:
        print("\n".join(describe_text(info)))
    return 0

