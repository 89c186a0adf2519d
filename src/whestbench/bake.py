"""Baking ground-truth datasets (whestbench spec sections 1.7, 1.8, 5): upstream's
schema 3.0 layout, seed protocol 3.0, written with pyarrow.

A bake never leaves a half-written dataset at its output path. It works in
``<output>.incomplete/``: each finished MLP is one row file (``rows/<id>.parquet``,
written to a temporary name and renamed), ``bake.json`` records the settings.
When every MLP is done the dataset is assembled there, ``bake.json`` removed and
the folder renamed to ``<output>`` in one step. An interrupted bake (SIGINT,
SIGKILL, a full disk) leaves only the ``.incomplete`` folder, which no loader
accepts; ``resume=True`` continues it from the MLPs already finished.

Everything in the parquet file is a function of (seeds, width, depth,
n_samples, backend): the per-MLP sampling breakdown records FLOPs, and the
bake's wall times go to ``metadata.json`` (``bake_wall_time_s``). So a whole
bake, N slices merged, and an interrupted-then-resumed bake write the same
bytes; only metadata.json's timestamps and host fingerprints differ.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import re
import secrets
import shutil
import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from whestbench import seeds as _seeds
from whestbench.breakdowns import SAMPLING_NAMESPACE
from whestbench.mlp import sample_mlp

SCHEMA_VERSION = "3.0"
PROTOCOL = {"name": "whestbench_explicit_per_mlp_seeds", "version": "3.0"}
INCOMPLETE = ".incomplete"
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_SEED_LIMIT = 1 << 63
SAMPLING_FLOP_BUDGET = 10**15  # upstream's sampling budget (raised to the bill when larger)


class BakeError(ValueError):
    """A bake that cannot start or continue; the message says why and what to do."""


@dataclasses.dataclass(frozen=True)
class BakeSpec:
    """What a bake computes. `start`/`end`: the slice [start, end) of the n_mlps MLPs."""

    n_mlps: int
    width: int
    depth: int
    n_samples: int
    mlp_seeds: tuple
    backend: str = "cpu"
    split: str = "public"
    config: str = "default"
    start: int = 0
    end: Optional[int] = None

    @property
    def stop(self) -> int:
        return self.n_mlps if self.end is None else self.end

    @property
    def is_partial(self) -> bool:
        return (self.start, self.stop) != (0, self.n_mlps)

    def settings(self) -> Dict[str, Any]:
        """The settings a resumed bake must share (bake.json)."""
        d = dataclasses.asdict(self)
        d["mlp_seeds"] = list(self.mlp_seeds)
        d["end"] = self.stop
        return d


# --------------------------------------------------------------------------- validation


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise BakeError(f"--{name.replace('_', '-')} must be a positive integer, got {value!r}")
    return int(value)


def check_seeds(seeds: Sequence[Any], n_mlps: int) -> tuple:
    if len(seeds) != n_mlps:
        raise BakeError(f"--mlp-seeds has {len(seeds)} seeds for --n-mlps {n_mlps}: give exactly one per MLP")
    out = []
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 0 <= int(s) < _SEED_LIMIT:
            raise BakeError(f"every MLP seed must be an int in [0, 2**63), got {s!r}")
        out.append(int(s))
    if len(set(out)) != len(out):
        raise BakeError("the MLP seeds must be distinct (a repeated seed repeats its MLP)")
    return tuple(out)


def seeds_from_root(root_seed: int, n_mlps: int) -> tuple:
    """n distinct 63-bit input seeds drawn from SeedSequence(root_seed): the same
    seeds for the same root on every machine (so that slices agree)."""
    if isinstance(root_seed, bool) or not isinstance(root_seed, (int, np.integer)) or root_seed < 0:
        raise BakeError(f"--root-seed must be a non-negative int, got {root_seed!r}")
    rng = np.random.default_rng(np.random.SeedSequence(int(root_seed)))
    seen: Dict[int, None] = {}
    while len(seen) < n_mlps:
        for v in rng.integers(0, _SEED_LIMIT, size=n_mlps - len(seen), dtype=np.int64):
            seen.setdefault(int(v))
    return tuple(seen)


def random_seeds(n_mlps: int) -> tuple:
    """Upstream's auto seeds: secrets.randbits(63), re-rolled on repeats."""
    seen: Dict[int, None] = {}
    for _ in range(10 * n_mlps):
        if len(seen) == n_mlps:
            break
        seen.setdefault(secrets.randbits(63))
    if len(seen) < n_mlps:
        raise BakeError("could not draw distinct MLP seeds")
    return tuple(seen)


def parse_slice(text: str, n_mlps: int) -> tuple:
    """--slice K/N: [K n // N, (K + 1) n // N) (spec 5.6), 0 <= K < N."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or int(m.group(2)) == 0 or int(m.group(1)) >= int(m.group(2)):
        raise BakeError(f"--slice must be K/N with 0 <= K < N, got {text!r}")
    k, n = int(m.group(1)), int(m.group(2))
    return k * n_mlps // n, (k + 1) * n_mlps // n


def parse_range(text: str, n_mlps: int) -> tuple:
    """--mlp-range A-B, inclusive at both ends: [A, B + 1)."""
    m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", text or "")
    if not m or int(m.group(1)) > int(m.group(2)) or int(m.group(2)) >= n_mlps:
        raise BakeError(f"--mlp-range must be A-B with 0 <= A <= B < {n_mlps}, got {text!r}")
    return int(m.group(1)), int(m.group(2)) + 1


def make_spec(*, n_mlps: Any, width: Any, depth: Any, n_samples: Any, mlp_seeds: Optional[Sequence[int]] = None,
              root_seed: Optional[int] = None, backend: str = "cpu", split: str = "public",
              config: str = "default", mlp_range: Optional[tuple] = None) -> BakeSpec:
    """A checked BakeSpec; every refusal happens here, before any work."""
    n_mlps, width, depth = _positive("n_mlps", n_mlps), _positive("width", width), _positive("depth", depth)
    n_samples = _positive("n_samples", n_samples)
    from whestbench.sampling import BACKENDS, cuda_status

    if backend not in BACKENDS:
        raise BakeError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if backend == "auto":
        backend = "cuda" if cuda_status()[0] else "cpu"
    if backend == "cuda" and not cuda_status()[0]:
        raise BakeError(f"--backend cuda is not usable here: {cuda_status()[1]}; use --backend cpu")
    for what, name in (("split", split), ("config", config)):
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise BakeError(f"--{what} {name!r} must match [a-z][a-z0-9]*(-[a-z0-9]+)*")
    if mlp_seeds is not None and root_seed is not None:
        raise BakeError("give either --mlp-seeds or --root-seed, not both")
    if mlp_seeds is not None:
        seeds = check_seeds(list(mlp_seeds), n_mlps)
    elif root_seed is not None:
        seeds = seeds_from_root(root_seed, n_mlps)
    elif mlp_range is not None and tuple(mlp_range) != (0, n_mlps):
        raise BakeError("a sliced bake needs --mlp-seeds or --root-seed, so that every slice bakes the same MLPs")
    else:
        seeds = random_seeds(n_mlps)
    start, end = (0, n_mlps) if mlp_range is None else (int(mlp_range[0]), int(mlp_range[1]))
    if not 0 <= start < end <= n_mlps:
        raise BakeError(f"the MLP range [{start}, {end}) is not inside [0, {n_mlps})")
    return BakeSpec(n_mlps, width, depth, n_samples, seeds, backend, split, config, start, end)


# --------------------------------------------------------------------------- names


def mlp_names(estimator_seeds: Sequence[int]) -> List[str]:
    """Upstream's names (spec 1.9): Faker seeded with each estimator seed,
    "first-last", repeats numbered -2, -3, ... in order over the full list."""
    try:
        from faker import Faker
    except ImportError:  # faker is a dependency; a trimmed install still gets valid, unique slugs
        Faker = None
    names, seen = [], {}
    for i, seed in enumerate(estimator_seeds):
        if Faker is None:
            base = f"mlp-{i:05d}"
        else:
            fake = Faker()
            fake.seed_instance(int(seed))
            parts = [re.sub(r"[\s\-]+", "-", re.sub(r"[^a-z\s\-]", "", p.lower())).strip("-")
                     for p in (fake.first_name(), fake.last_name())]
            base = "-".join(p for p in parts if p) or f"mlp-{i:05d}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


# --------------------------------------------------------------------------- rows


def _schema(width: int, depth: int):
    import pyarrow as pa

    def ext(shape, kind):  # datasets' ArrayND types, as upstream's parquet declares them
        return {b"ARROW:extension:name": f"datasets.features.features.{kind}ExtensionType".encode(),
                b"ARROW:extension:metadata": json.dumps([list(shape), "float32"]).encode()}

    f32 = pa.float32()
    features = {
        "mlp_id": {"dtype": "int32", "_type": "Value"}, "mlp_name": {"dtype": "string", "_type": "Value"},
        "mlp_seed": {"dtype": "int64", "_type": "Value"},
        "weights": {"shape": [depth, width, width], "dtype": "float32", "_type": "Array3D"},
        "all_layer_means": {"shape": [depth, width], "dtype": "float32", "_type": "Array2D"},
        "final_means": {"feature": {"dtype": "float32", "_type": "Value"}, "length": width, "_type": "List"},
        "avg_variance": {"dtype": "float64", "_type": "Value"},
        "sampling_budget_breakdown": {"dtype": "string", "_type": "Value"},
    }
    return pa.schema([
        pa.field("mlp_id", pa.int32()), pa.field("mlp_name", pa.string()), pa.field("mlp_seed", pa.int64()),
        pa.field("weights", pa.list_(pa.list_(pa.list_(f32))), metadata=ext((depth, width, width), "Array3D")),
        pa.field("all_layer_means", pa.list_(pa.list_(f32)), metadata=ext((depth, width), "Array2D")),
        pa.field("final_means", pa.list_(f32, width)), pa.field("avg_variance", pa.float64()),
        pa.field("sampling_budget_breakdown", pa.string()),
    ], metadata={b"huggingface": json.dumps({"info": {"features": features}}).encode()})


def _nested(values: np.ndarray, schema_type):
    """A one-row nested-list array of float32 values (no Python floats)."""
    import pyarrow as pa

    flat = pa.array(np.ascontiguousarray(values, dtype=np.float32).ravel())
    arr = flat
    for extent in reversed(values.shape[1:]):
        arr = pa.ListArray.from_arrays(pa.array(np.arange(0, len(arr) + 1, extent, dtype=np.int32)), arr)
    return pa.ListArray.from_arrays(pa.array(np.array([0, len(arr)], dtype=np.int32)), arr).cast(schema_type)


def breakdown_json(op_flops: Dict[str, int]) -> str:
    """The row's sampling breakdown in upstream's summary layout: FLOPs per op (the
    sampler's closed form under the active profile); times are in metadata.json."""
    used = int(sum(op_flops.values()))
    budget = max(SAMPLING_FLOP_BUDGET, used)
    ops = {op: {"flop_cost": int(f), "calls": 1, "flopscope_backend_time_s": 0.0, "flopscope_overhead_time_s": 0.0}
           for op, f in sorted(op_flops.items())}
    return json.dumps({
        "flop_budget": budget, "flops_used": used, "flops_remaining": budget - used, "wall_time_s": 0.0,
        "flopscope_backend_time_s": 0.0, "flopscope_overhead_time_s": 0.0, "residual_wall_time_s": 0.0,
        "time_source": "bake",
        "by_namespace": {SAMPLING_NAMESPACE: {
            "flops_used": used, "calls": len(ops), "flopscope_backend_time_s": 0.0,
            "flopscope_overhead_time_s": 0.0, "operations": ops}},
    }, sort_keys=True)


def bake_row(spec: BakeSpec, mlp_id: int, name: str, threads: Optional[int] = None):
    """The one-row table of MLP `mlp_id`: its weights (seed protocol 3.0) and ground truth."""
    import pyarrow as pa

    from whestbench.sampling import sample_layer_statistics

    input_seed = spec.mlp_seeds[mlp_id]
    streams = _seeds.input_seed_streams(input_seed)
    mlp = sample_mlp(spec.width, spec.depth, np.random.default_rng(streams.weights))
    weights = mlp.stacked_weights()
    stats = sample_layer_statistics(weights, spec.n_samples, seed=_seeds.sampler_key(streams.samples),
                                    backend=spec.backend, threads=threads)
    schema = _schema(spec.width, spec.depth)
    means = np.asarray(stats.means, dtype=np.float32)
    columns = [
        pa.array([mlp_id], pa.int32()), pa.array([name], pa.string()), pa.array([input_seed], pa.int64()),
        _nested(weights, schema.field("weights").type), _nested(means, schema.field("all_layer_means").type),
        pa.FixedSizeListArray.from_arrays(pa.array(means[-1]), spec.width),
        pa.array([float(stats.final_variance)], pa.float64()),
        pa.array([breakdown_json(stats.flops)], pa.string()),
    ]
    return pa.Table.from_arrays(columns, schema=schema), stats


# --------------------------------------------------------------------------- files


def _write_atomic(path: str, write: Callable[[str], None]) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    write(tmp)
    os.replace(tmp, path)


def _write_json(path: str, data: Any) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
    _write_atomic(path, write)


# Plain encoding: dictionary-encoding float weights never pays and made writing
# a 1024 x 16 row 11x slower (5.9 s against 0.5 s).
PARQUET_OPTIONS = {"compression": "none", "use_dictionary": False}


def write_table(table, path: str) -> None:
    """The parquet file of a split: one row group, uncompressed, as upstream writes it."""
    import pyarrow.parquet as pq

    _write_atomic(path, lambda tmp: pq.write_table(table.combine_chunks(), tmp, row_group_size=max(table.num_rows, 1),
                                                   **PARQUET_OPTIONS))


def _utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _versions() -> Dict[str, str]:
    import flopscope

    from whestbench import __version__

    return {"whestbench_version": __version__, "flopscope_version": getattr(flopscope, "__version__", "unknown")}


def _card(meta: Dict[str, Any]) -> str:
    return (f"# whestbench ground-truth dataset\n\nSchema {SCHEMA_VERSION}, seed protocol "
            f"{meta['seed_protocol']['version']}: one row per MLP (width {meta['width']}, depth {meta['depth']}), "
            f"ground truth from {meta['n_samples']:,} Monte-Carlo samples per MLP ({meta['backend']} backend).\n")


def check_output(output: str, resume: bool = False) -> str:
    """The absolute output path; refused when a dataset is there, or an interrupted bake without `resume`."""
    output = os.path.abspath(output)
    if os.path.exists(output):
        raise BakeError(f"output directory {output} already exists: choose another --output or remove it")
    if os.path.exists(output + INCOMPLETE) and not resume:
        raise BakeError(f"an interrupted bake of {output} is in {output + INCOMPLETE}: pass --resume to continue "
                        f"it, or remove that folder to start again")
    return output


def bake(spec: BakeSpec, output: str, *, resume: bool = False, threads: Optional[int] = None,
         on_progress: Optional[Callable[[Dict[str, Any]], None]] = None, ray_address: Optional[str] = None) -> str:
    """Bakes `spec` into the directory `output` (which must not exist). Returns its path.
    `ray_address`: run the MLPs as Ray tasks on that cluster ("local": a local one for the run).
    With the cpu backend (and cuda on one GPU model) a Ray bake is byte for byte the
    single-machine bake. With the numpy backend it need not be: numpy's OpenBLAS rounds
    differently at another thread count (a Ray task runs it on one thread) on its FMA
    kernels (Haswell, Zen, SkylakeX)."""
    from whestbench.sampling import closed_form_flops, _cost_model

    output = check_output(output, resume)
    work = output + INCOMPLETE
    rows_dir = os.path.join(work, "rows")
    settings = spec.settings()
    if os.path.exists(work):
        state = os.path.join(work, "bake.json")
        if os.path.exists(state):
            with open(state) as f:
                saved = json.load(f)
            if saved.get("settings") != settings:
                diff = sorted(k for k in settings if saved.get("settings", {}).get(k) != settings[k])
                raise BakeError(f"--resume: {work} was started with other settings ({', '.join(diff)}); "
                                f"rerun with the same settings or remove that folder")
    else:
        os.makedirs(rows_dir)
        _write_json(os.path.join(work, "bake.json"), {"settings": settings, "started_at_utc": _utc_now()})

    state_path = os.path.join(work, "bake.json")
    if os.path.exists(state_path):  # not yet assembled
        estimator_seeds = [_seeds.estimator_seed_v3(s) for s in spec.mlp_seeds]
        names = mlp_names(estimator_seeds)  # over the full list, then sliced (spec 1.9)
        ids = range(spec.start, spec.stop)
        done = {i for i in ids if os.path.exists(os.path.join(rows_dir, f"{i:08d}.parquet"))}
        todo = [i for i in ids if i not in done]
        times = _read_times(work)
        t_start = time.perf_counter()
        baked_samples = 0
        rows = _serial_rows(spec, todo, names, threads) if ray_address is None else \
            _ray_rows(spec, todo, names, ray_address)
        for i, table, took in rows:
            write_table(table, os.path.join(rows_dir, f"{i:08d}.parquet"))
            times[str(i)] = took
            _write_json(os.path.join(work, "times.json"), times)
            done.add(i)
            baked_samples += spec.n_samples
            if on_progress is not None:
                elapsed = time.perf_counter() - t_start
                on_progress({"event": "mlp_done", "mlp_id": i, "done": len(done), "total": len(ids),
                             "samples_per_s": baked_samples / elapsed if elapsed > 0 else None})
        _assemble(spec, work, times, closed_form_flops(spec.depth, spec.width, spec.n_samples,
                                                       cost_model=_cost_model()))
    else:
        _clean(work)
    os.rename(work, output)
    return output


def _serial_rows(spec: BakeSpec, todo: Sequence[int], names: Sequence[str], threads: Optional[int]):
    for i in todo:
        t0 = time.perf_counter()
        table, _ = bake_row(spec, i, names[i], threads)
        yield i, table, time.perf_counter() - t0


def _row_bytes(settings: Dict[str, Any], mlp_id: int, name: str) -> tuple:
    """A Ray task: one MLP's row as parquet bytes (the driver writes the files)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    spec = BakeSpec(**{**settings, "mlp_seeds": tuple(settings["mlp_seeds"])})
    t0 = time.perf_counter()
    table, _ = bake_row(spec, mlp_id, name, threads=1)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **PARQUET_OPTIONS)
    return sink.getvalue().to_pybytes(), time.perf_counter() - t0


def _ray_rows(spec: BakeSpec, todo: Sequence[int], names: Sequence[str], address: str):
    """The MLPs as Ray tasks (one CPU each, or one GPU with the cuda backend), retried
    when a worker dies; rows come back in the order they finish."""
    try:
        import ray
    except ImportError:
        raise BakeError("--ray needs Ray: pip install 'whestbench[ray]' (or pip install ray)") from None
    import pyarrow as pa
    import pyarrow.parquet as pq

    started = not ray.is_initialized()
    if started:
        ray.init(address=None if address == "local" else address, include_dashboard=False,
                 log_to_driver=False, **({"num_cpus": os.cpu_count() or 1} if address == "local" else {}))
    try:
        options = {"num_cpus": 1, "max_retries": 5, "retry_exceptions": False}
        if spec.backend == "cuda":
            options["num_gpus"] = 1
        task = ray.remote(**options)(_row_bytes)
        settings = spec.settings()
        pending = {task.remote(settings, i, names[i]): i for i in todo}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            i = pending.pop(ready[0])
            data, took = ray.get(ready[0])
            yield i, pq.read_table(pa.BufferReader(data)), took
    finally:
        if started:
            ray.shutdown()


def _read_times(work: str) -> Dict[str, float]:
    path = os.path.join(work, "times.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def _assemble(spec: BakeSpec, work: str, times: Dict[str, float], flops_per_mlp: Dict[str, int]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from whestbench.hardware import collect_host
    from whestbench.sampling import _cost_model

    rows_dir = os.path.join(work, "rows")
    tables = [pq.read_table(os.path.join(rows_dir, f"{i:08d}.parquet")) for i in range(spec.start, spec.stop)]
    table = pa.concat_tables(tables)
    os.makedirs(os.path.join(work, "data"), exist_ok=True)
    write_table(table, os.path.join(work, "data", f"{spec.split}-00000-of-00001.parquet"))
    meta: Dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "format": "hf-datasets-parquet", "backend": "flopscope",
        "seed_protocol": dict(PROTOCOL), "created_at_utc": _utc_now(), "split": spec.split,
        "config": spec.config, "n_mlps": spec.stop - spec.start, "n_samples": spec.n_samples,
        "width": spec.width, "depth": spec.depth, "hardware": collect_host(), **_versions(),
        "sampler_backend": spec.backend,
        "sampling_flops": {"cost_model": _cost_model(), "per_mlp": int(sum(flops_per_mlp.values())),
                           "by_operation": {k: int(v) for k, v in sorted(flops_per_mlp.items())},
                           "method": "closed-form (spec 5.4), the sampler's bill"},
        "bake_wall_time_s": {k: times[k] for k in sorted(times, key=int) if spec.start <= int(k) < spec.stop},
    }
    if spec.is_partial:
        meta.update(is_partial=True, mlp_range=[spec.start, spec.stop], total_n_mlps=spec.n_mlps)
    _write_json(os.path.join(work, "metadata.json"), meta)
    with open(os.path.join(work, "README.md"), "w") as f:
        f.write(_card(meta))
    os.remove(os.path.join(work, "bake.json"))  # the commit point: from here the folder is a finished dataset
    _clean(work)


def _clean(work: str) -> None:
    """Removes what only the bake needed (idempotent: also run when resuming past the commit point)."""
    shutil.rmtree(os.path.join(work, "rows"), ignore_errors=True)
    for name in os.listdir(work):
        if name == "times.json" or ".tmp-" in name:
            os.remove(os.path.join(work, name))
