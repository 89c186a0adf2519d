"""Merging sliced bakes, combining splits, and describing a dataset (spec 5.6).

Both writers work like the bake: into ``<output>.incomplete/``, renamed to
``<output>`` when complete, so nothing half-written ever loads.
"""

from __future__ import annotations

import os
import shutil
from typing import Any, Dict, List, Optional, Sequence

from whestbench.bake import INCOMPLETE, BakeError, _card, _utc_now, _write_json, write_table
from whestbench.datasets import InvalidDatasetError, read_metadata, validate_metadata


class MergeError(BakeError):
    """The partial datasets cannot be merged; the message says which and why."""


class MergeIncompatibleError(MergeError):
    """Partials baked with different settings."""


class MergeIncompleteError(MergeError):
    """The partials leave MLPs of the range uncovered."""


class MergeOverlapError(MergeError):
    """Two partials cover the same MLP."""


class MergeCorruptError(MergeError):
    """A partial's rows do not match its declared range."""


_SHARED = ("n_samples", "width", "depth", "backend", "sampler_backend", "seed_protocol", "total_n_mlps", "split",
           "config")


def _parquet(path: str, meta: Dict[str, Any]) -> str:
    return os.path.join(path, "data", f"{meta.get('split', 'public')}-00000-of-00001.parquet")


def _start(output: str) -> str:
    output = os.path.abspath(output)
    if os.path.exists(output):
        raise MergeError(f"output directory {output} already exists: choose another --output or remove it")
    work = output + INCOMPLETE
    shutil.rmtree(work, ignore_errors=True)  # a merge is cheap: an interrupted one is simply redone
    os.makedirs(os.path.join(work, "data"))
    return work


def _finish(work: str, meta: Dict[str, Any]) -> str:
    _write_json(os.path.join(work, "metadata.json"), meta)
    with open(os.path.join(work, "README.md"), "w") as f:
        f.write(_card(meta))
    output = work[: -len(INCOMPLETE)]
    os.rename(work, output)
    return output


def _metadata_of(inputs: Sequence[str], command: str, *, allow_partial: bool, error: type):
    """(path, validated metadata) of each input dataset; `error` for one that is not valid."""
    if not inputs:
        raise MergeError(f"{command} needs at least one dataset")
    for path in inputs:
        try:
            meta = read_metadata(path)
            validate_metadata(meta, allow_partial=allow_partial)
        except InvalidDatasetError as exc:
            raise error(f"{path}: {exc}") from None
        yield path, meta


def merge_datasets(inputs: Sequence[str], output: str) -> str:
    """Merges partial bakes that tile [0, total_n_mlps) into one dataset, row for row
    (its parquet file is byte for byte the one a single bake writes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = []
    for path, meta in _metadata_of(inputs, "merge", allow_partial=True, error=MergeCorruptError):
        if not meta.get("is_partial"):
            raise MergeIncompatibleError(f"{path} is a complete dataset, not a partial bake (no is_partial)")
        parts.append((path, meta))
    first_path, first = parts[0]
    for path, meta in parts[1:]:
        for key in _SHARED:
            if meta.get(key) != first.get(key):
                raise MergeIncompatibleError(f"{path} and {first_path} differ in {key}: "
                                             f"{meta.get(key)!r} vs {first.get(key)!r}")
    total = int(first["total_n_mlps"])
    parts.sort(key=lambda pm: tuple(pm[1]["mlp_range"]))
    position = 0
    for path, meta in parts:
        a, b = (int(v) for v in meta["mlp_range"])
        if a < position:
            raise MergeOverlapError(f"{path} covers MLPs [{a}, {b}), which overlap MLPs before {position}")
        if a > position:
            raise MergeIncompleteError(f"no partial covers MLPs [{position}, {a})")
        position = b
    if position != total:
        raise MergeIncompleteError(f"no partial covers MLPs [{position}, {total})")

    tables = []
    for path, meta in parts:
        table = pq.read_table(_parquet(path, meta))
        a, b = meta["mlp_range"]
        if table.column("mlp_id").to_pylist() != list(range(a, b)):
            raise MergeCorruptError(f"{path}: its mlp_id column does not match its range [{a}, {b})")
        tables.append(table)
    work = _start(output)
    write_table(pa.concat_tables(tables), _parquet(work, first))
    meta = {k: v for k, v in first.items() if k not in ("is_partial", "mlp_range", "total_n_mlps", "hardware",
                                                        "bake_wall_time_s", "created_at_utc")}
    meta.update(
        created_at_utc=min(m["created_at_utc"] for _, m in parts), merged_at_utc=_utc_now(), n_mlps=total,
        hardware=first.get("hardware", {}),
        hardware_fingerprints=[{**m.get("hardware", {}), "mlp_range": m["mlp_range"]} for _, m in parts],
        bake_wall_time_s={k: v for _, m in parts for k, v in (m.get("bake_wall_time_s") or {}).items()},
    )
    return _finish(work, meta)


def combine_splits(inputs: Sequence[str], output: str, default_split: Optional[str] = None) -> str:
    """Combines complete single-split datasets (one split each, distinct names) into
    one multi-split dataset. The parquet files are copied as they are."""
    metas = []
    for path, meta in _metadata_of(inputs, "combine-splits", allow_partial=False, error=MergeError):
        if "splits" in meta:
            raise MergeIncompatibleError(f"{path} already has several splits; combine single-split datasets")
        metas.append((path, meta))
    first_path, first = metas[0]
    for path, meta in metas[1:]:
        for key in ("width", "depth", "n_samples", "backend", "seed_protocol"):
            if meta.get(key) != first.get(key):
                raise MergeIncompatibleError(f"{path} and {first_path} differ in {key}: "
                                             f"{meta.get(key)!r} vs {first.get(key)!r}")
    names = [m.get("split", "public") for _, m in metas]
    if len(set(names)) != len(names):
        raise MergeIncompatibleError(f"split names must be distinct, got {names}")
    if default_split is not None and default_split not in names:
        raise MergeError(f"--default-split {default_split!r} is not one of the splits {names}")
    work = _start(output)
    splits = {}
    for (path, meta), name in zip(metas, names):
        shutil.copyfile(_parquet(path, meta), _parquet(work, {"split": name}))
        splits[name] = {"config": meta.get("config", "default"), "n_mlps": meta["n_mlps"],
                        "created_at_utc": meta.get("created_at_utc"),
                        "hardware_fingerprints": [meta.get("hardware", {})]}
    meta = {k: v for k, v in first.items() if k not in ("n_mlps", "split", "config", "hardware", "created_at_utc",
                                                        "bake_wall_time_s", "merged_at_utc",
                                                        "hardware_fingerprints")}
    meta.update(created_at_utc=_utc_now(), hardware={}, splits=splits)
    if default_split is not None:
        meta["default_split"] = default_split
    return _finish(work, meta)


def describe(path: str) -> Dict[str, Any]:
    """What `whest dataset info` shows: the metadata's essentials, splits and sizes."""
    meta = read_metadata(path)
    validate_metadata(meta, allow_partial=True)
    names = list(meta["splits"]) if "splits" in meta else [meta.get("split", "public")]
    files = {n: _parquet(path, {"split": n}) for n in names}
    info: Dict[str, Any] = {k: meta.get(k) for k in ("schema_version", "format", "backend", "width", "depth",
                                                     "n_samples", "created_at_utc", "whestbench_version")}
    info["seed_protocol"] = f"{meta['seed_protocol'].get('name')} {meta['seed_protocol'].get('version')}"
    info["splits"] = {n: {"n_mlps": (meta["splits"][n]["n_mlps"] if "splits" in meta else meta.get("n_mlps")),
                          "bytes": os.path.getsize(f) if os.path.exists(f) else None} for n, f in files.items()}
    if meta.get("is_partial"):
        info["partial"] = {"mlp_range": meta["mlp_range"], "total_n_mlps": meta["total_n_mlps"]}
    if "sampling_flops" in meta:
        info["sampling_flops_per_mlp"] = meta["sampling_flops"]["per_mlp"]
        info["cost_model"] = meta["sampling_flops"]["cost_model"]
    if "default_split" in meta:
        info["default_split"] = meta["default_split"]
    return info


def describe_text(info: Dict[str, Any]) -> List[str]:
    lines = ["WhestBench dataset"]
    for key, value in info.items():
        if key == "splits":
            for name, rec in value.items():
                size = f", {rec['bytes'] / 1e6:.1f} MB" if rec["bytes"] is not None else ""
                lines.append(f"  split {name}: {rec['n_mlps']} MLPs{size}")
        elif isinstance(value, int) and not isinstance(value, bool):
            lines.append(f"  {key}: {value:,}")
        else:
            lines.append(f"  {key}: {value}")
    return lines
