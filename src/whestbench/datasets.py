"""Reading datasets written by upstream whestbench (schema 3.0, spec section 1.7).

Layout: <root>/metadata.json and <root>/data/<split>-00000-of-00001.parquet,
one row per MLP (weights, ground-truth means, seeds, the bake's sampling
breakdown). Rows are read one at a time from a memory-mapped file, so a
multi-gigabyte split never has to fit in memory at once.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional

import numpy as np

from whestbench import seeds as _seeds
from whestbench.mlp import MLP, as_counted

SCHEMA_VERSION = "3.0"
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_REQUIRED_COLUMNS = ("mlp_id", "mlp_name", "mlp_seed", "weights", "all_layer_means")


class InvalidDatasetError(ValueError):
    """The directory is not a dataset this version can read; the message says why and what to do."""


@dataclass
class DatasetRow:
    """One MLP of a dataset with its ground truth."""

    index: int
    mlp: MLP
    all_layer_means: np.ndarray  # float32 (depth, width)
    avg_variance: Optional[float]
    sampling_breakdown: Optional[dict]


@dataclass
class Dataset:
    path: str
    metadata: Dict[str, Any]
    split: str
    parquet_path: str
    width: int
    depth: int
    n_samples: int
    n_mlps: int
    protocol: Dict[str, Any]
    metadata_sha256: str
    _table: Any = field(default=None, repr=False)
    _salt: Optional[bytes] = field(default=None, repr=False)

    @property
    def protocol_version(self) -> str:
        return str(self.protocol.get("version"))

    @property
    def seed(self) -> Optional[int]:
        """The root seed of a protocol-2.0 split (None under 3.0 / 4.0)."""
        split_meta = (self.metadata.get("splits") or {}).get(self.split, {})
        value = split_meta.get("seed", self.metadata.get("seed"))
        return None if value is None else int(value)

    def row(self, i: int) -> DatasetRow:
        if not 0 <= i < self.n_mlps:
            raise IndexError(f"MLP index {i} out of range for {self.n_mlps} MLPs")
        t = self._table.slice(i, 1)
        d, w = self.depth, self.width
        weights = _flat_float32(t.column("weights")).reshape(d, w, w)
        means = _flat_float32(t.column("all_layer_means")).reshape(d, w)
        raw_seed = int(t.column("mlp_seed")[0].as_py())
        mlp = MLP(width=w, depth=d, weights=[as_counted(layer) for layer in weights],
                  seed=self._estimator_seed(raw_seed), name=str(t.column("mlp_name")[0].as_py() or ""))
        mlp.validate()
        var = t.column("avg_variance")[0].as_py() if "avg_variance" in t.column_names else None
        breakdown = None
        if "sampling_budget_breakdown" in t.column_names:
            text = t.column("sampling_budget_breakdown")[0].as_py()
            if text:
                try:
                    breakdown = json.loads(text)
                    breakdown["time_source"] = "bake"
                except ValueError:
                    breakdown = None
        return DatasetRow(i, mlp, np.array(means, dtype=np.float32), var, breakdown)

    def _estimator_seed(self, column_value: int) -> int:
        version = self.protocol_version
        if version == "2.0":  # the column holds the already-derived estimator seed
            return column_value
        if version == "3.0":
            return _seeds.estimator_seed_v3(column_value)
        if self._salt is None:
            self._salt = _seeds.resolve_salt(self.protocol)
        return _seeds.estimator_seed_v4(column_value, self._salt)

    def input_seed(self, i: int) -> int:
        """The raw `mlp_seed` column of row i."""
        return int(self._table.column("mlp_seed")[i].as_py())

    def iter_rows(self, n: Optional[int] = None) -> Iterator[DatasetRow]:
        for i in range(self.n_mlps if n is None else min(n, self.n_mlps)):
            yield self.row(i)


def _flat_float32(column) -> np.ndarray:
    """The float32 values of a nested-list column slice, without Python objects."""
    arr = column.combine_chunks() if hasattr(column, "combine_chunks") else column
    if hasattr(arr, "storage"):  # an extension array (datasets' ArrayND types)
        arr = arr.storage
    while hasattr(arr, "flatten") and hasattr(arr, "values"):
        arr = arr.flatten()
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float32)


def _fail(message: str) -> None:
    raise InvalidDatasetError(message)


def read_metadata(path: str) -> Dict[str, Any]:
    meta_path = os.path.join(path, "metadata.json")
    if not os.path.isfile(meta_path):
        if glob.glob(os.path.join(path, "*.npz")):
            _fail(f"{path} holds a legacy .npz dataset (schema 2.x), which is no longer read; "
                  "re-bake it with `whest dataset bake` (upstream) to get schema 3.0")
        _fail(f"{path} is not a dataset directory: no metadata.json")
    try:
        with open(meta_path, encoding="utf-8") as fh:
            meta = json.load(fh)
    except ValueError as exc:
        _fail(f"{meta_path} is not valid JSON: {exc}")
    if not isinstance(meta, dict):
        _fail(f"{meta_path} must hold a JSON object")
    return meta


def validate_metadata(meta: Dict[str, Any], *, allow_partial: bool = False) -> None:
    """The checks of spec 1.7 (what upstream's loader enforces)."""
    if str(meta.get("schema_version")) != SCHEMA_VERSION:
        _fail(f"schema_version is {meta.get('schema_version')!r}; this version reads {SCHEMA_VERSION!r} only")
    protocol = meta.get("seed_protocol")
    if not isinstance(protocol, dict):
        _fail("metadata has no seed_protocol object")
    key = (protocol.get("name"), str(protocol.get("version")))
    if key not in _seeds.PROTOCOLS:
        known = ", ".join(f"{n} {v}" for n, v in sorted(_seeds.PROTOCOLS, key=lambda p: p[1]))
        _fail(f"unknown seed protocol {key[0]!r} version {key[1]!r} (known: {known})")
    splits = meta.get("splits")
    if splits is not None and not isinstance(splits, dict):
        _fail("'splits' must be an object {name: {...}}")
    has_seed = "seed" in meta or any(isinstance(s, dict) and "seed" in s for s in (splits or {}).values())
    if key[1] == "2.0" and not has_seed:
        _fail("seed protocol 2.0 needs a 'seed' (top level or per split)")
    if key[1] in ("3.0", "4.0") and has_seed:
        _fail(f"seed protocol {key[1]} forbids a 'seed' field (per-MLP seeds are in the parquet)")
    if meta.get("is_partial"):
        if splits:
            _fail("a dataset cannot be both multi-split and partial")
        if not allow_partial:
            _fail(f"this is a partial bake (MLPs {meta.get('mlp_range')} of {meta.get('total_n_mlps')}); "
                  "merge the partials first")
    for name in list(splits or {}) + ([meta["split"]] if isinstance(meta.get("split"), str) else []):
        if not _NAME_RE.match(str(name)):
            _fail(f"split name {name!r} must match {_NAME_RE.pattern}")
    if isinstance(meta.get("config"), str) and not _NAME_RE.match(meta["config"]):
        _fail(f"config name {meta['config']!r} must match {_NAME_RE.pattern}")
    seeds_list = meta.get("mlp_seeds")
    if seeds_list is not None:
        n = meta.get("n_mlps")
        if not isinstance(seeds_list, list) or (n is not None and len(seeds_list) != n):
            _fail("mlp_seeds must be a list of n_mlps ints")
        if any(isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**63 for s in seeds_list):
            _fail("mlp_seeds must be ints in [0, 2**63)")
        if len(set(seeds_list)) != len(seeds_list):
            _fail("mlp_seeds must be distinct")
    for k in ("width", "depth", "n_samples"):
        v = meta.get(k)
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            _fail(f"metadata field {k!r} must be a positive int, got {v!r}")


def _choose_split(path: str, meta: Dict[str, Any], split: Optional[str]) -> str:
    splits = meta.get("splits")
    if splits:
        if split is None:
            split = meta.get("default_split")
            if split is None:
                _fail(f"this dataset has several splits ({', '.join(splits)}); choose one with --split")
        if split not in splits:
            _fail(f"no split {split!r} in this dataset (available: {', '.join(splits)})")
        return split
    found = sorted(os.path.basename(p).split("-00000-of-")[0]
                   for p in glob.glob(os.path.join(path, "data", "*-00000-of-00001.parquet")))
    name = meta.get("split") or (found[0] if len(found) == 1 else None)
    if name is None:
        _fail(f"cannot tell the split of {path}: metadata has no 'split' and data/ holds {found or 'no parquet'}")
    if split is not None and split != name:
        _fail(f"no split {split!r} in this dataset (it holds {name!r})")
    return name


def load_dataset(path: str, split: Optional[str] = None, *, allow_partial: bool = False) -> Dataset:
    """Opens a local dataset directory (hub datasets must be downloaded first)."""
    if str(path).startswith("hf://") or (not os.path.exists(path) and re.match(r"^[\w.-]+/[\w.-]+@.+$", str(path))):
        _fail(f"{path!r} looks like a Hugging Face Hub dataset; this harness reads local directories only: "
              "download it first (e.g. `huggingface-cli download --repo-type dataset OWNER/REPO --revision TAG "
              "--local-dir DIR`) and pass --dataset DIR")
    if not os.path.isdir(path):
        _fail(f"dataset directory not found: {path}")
    if str(path).rstrip("/").endswith(".incomplete") or os.path.exists(os.path.join(path, "bake.json")):
        _fail(f"{path} is an unfinished bake, not a dataset: continue it with `whest dataset bake ... --resume` "
              "(the same settings and --output)")
    meta = read_metadata(path)
    validate_metadata(meta, allow_partial=allow_partial)
    name = _choose_split(path, meta, split)
    parquet_path = os.path.join(path, "data", f"{name}-00000-of-00001.parquet")
    if not os.path.isfile(parquet_path):
        _fail(f"split {name!r} has no data file {os.path.relpath(parquet_path, path)}")
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(parquet_path, memory_map=True)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
        _fail(f"cannot read {parquet_path}: {exc}")
    missing = [c for c in _REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        _fail(f"{parquet_path} lacks the column(s) {', '.join(missing)}")
    split_meta = (meta.get("splits") or {}).get(name, {})
    declared = split_meta.get("n_mlps", meta.get("n_mlps"))
    if declared is not None and int(declared) != table.num_rows:
        _fail(f"metadata says {declared} MLPs but {os.path.basename(parquet_path)} has {table.num_rows} rows")
    with open(os.path.join(path, "metadata.json"), "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    ds = Dataset(path=os.path.abspath(path), metadata=meta, split=name, parquet_path=parquet_path,
                 width=int(meta["width"]), depth=int(meta["depth"]), n_samples=int(meta["n_samples"]),
                 n_mlps=table.num_rows, protocol=dict(meta["seed_protocol"]), metadata_sha256=digest, _table=table)
    if ds.n_mlps:
        first = ds.row(0)  # shape problems surface here, not in the middle of a run
        if first.all_layer_means.shape != (ds.depth, ds.width):
            _fail(f"all_layer_means has shape {first.all_layer_means.shape}, expected {(ds.depth, ds.width)}")
    return ds


def metadata(path: str) -> Dict[str, Any]:
    """The metadata.json of a dataset directory, validated."""
    meta = read_metadata(path)
    validate_metadata(meta, allow_partial=True)
    return meta


def iter_mlps(ds: Dataset, n: Optional[int] = None) -> Iterator[MLP]:
    for row in ds.iter_rows(n):
        yield row.mlp


def mlp_at(ds: Dataset, i: int) -> MLP:
    return ds.row(i).mlp


__all__ = ["Dataset", "DatasetRow", "InvalidDatasetError", "SCHEMA_VERSION", "iter_mlps", "load_dataset",
           "metadata", "mlp_at", "read_metadata", "validate_metadata"]
