"""Datasets written by upstream whestbench load, validate and score."""

import json
import os
import shutil

import numpy as np
import pytest

from whestbench.contest import ContestSpec, make_contest_from_dataset
from whestbench.datasets import InvalidDatasetError, load_dataset, metadata

from conftest import UPSTREAM_DATASETS, score

SINGLE = os.path.join(UPSTREAM_DATASETS, "single_split_v3_protocol")
MULTI = os.path.join(UPSTREAM_DATASETS, "multi_split_v3.0")


def test_single_split_loads_with_its_ground_truth():
    ds = load_dataset(SINGLE)
    assert (ds.split, ds.n_mlps, ds.width, ds.depth, ds.n_samples, ds.protocol_version) == ("public", 4, 4, 2, 100,
                                                                                           "3.0")
    row = ds.row(0)
    assert row.mlp.name == "emily-hart" and ds.input_seed(0) == 1001
    assert row.mlp.seed == 3622263192  # SeedSequence(1001).spawn(3)[2].generate_state(1)[0]
    assert row.all_layer_means.dtype == np.float32 and row.all_layer_means.shape == (2, 4)
    assert all(w.dtype == np.float32 for w in row.mlp.weights)
    assert row.sampling_breakdown["time_source"] == "bake" and row.sampling_breakdown["flops_used"] > 0
    assert isinstance(row.avg_variance, float)


def test_multi_split_needs_a_split():
    with pytest.raises(InvalidDatasetError, match="--split"):
        load_dataset(MULTI)
    with pytest.raises(InvalidDatasetError, match="no split 'nope'"):
        load_dataset(MULTI, "nope")
    pub, hold = load_dataset(MULTI, "public"), load_dataset(MULTI, "holdout")
    assert (pub.seed, hold.seed) == (1, 2)
    assert pub.row(0).mlp.name != hold.row(0).mlp.name


def test_dataset_contest_scores(tmp_path):
    ds = load_dataset(MULTI, "holdout")
    contest = make_contest_from_dataset(ds, ContestSpec(n_mlps=10))
    assert contest.spec.n_mlps == 4 and contest.spec.width == 4  # clamped to the dataset, its shape
    records = score(contest, "Zeros", tmp_path=tmp_path)
    for r, target in zip(records, contest.targets):
        assert r["final_layer_mse"] == pytest.approx(float(np.mean(target[-1].astype(np.float32) ** 2)), rel=1e-6)
    assert contest.sampling_breakdown["time_source"] == "bake"
    assert contest.dataset["sha256"] and contest.dataset["split"] == "holdout"


def _copy(tmp_path, src, edit):
    dst = tmp_path / "ds"
    shutil.copytree(src, dst)
    os.chmod(dst / "metadata.json", 0o644)
    meta = json.loads((dst / "metadata.json").read_text())
    edit(meta)
    (dst / "metadata.json").write_text(json.dumps(meta))
    return str(dst)


@pytest.mark.parametrize("edit, text", [
    (lambda m: m.update(schema_version="2.4"), "schema_version"),
    (lambda m: m["seed_protocol"].update(version="9.0"), "unknown seed protocol"),
    (lambda m: m.update(seed=3), "forbids a 'seed'"),
    (lambda m: m.update(is_partial=True, mlp_range=[0, 2], total_n_mlps=8), "partial"),
    (lambda m: m.update(n_mlps=5), "5 MLPs but"),
    (lambda m: m.update(width=0), "width"),
    (lambda m: m.update(mlp_seeds=[1, 1, 2, 3]), "distinct"),
    (lambda m: m.update(mlp_seeds=[True, 1, 2, 3]), "ints"),
    (lambda m: m.update(config="Bad Name"), "config name"),
])
def test_invalid_metadata_is_refused(tmp_path, edit, text):
    path = _copy(tmp_path, SINGLE, edit)
    with pytest.raises(InvalidDatasetError, match=text):
        load_dataset(path)


def test_protocol_2_needs_a_seed(tmp_path):
    def drop(m):
        for s in m["splits"].values():
            s.pop("seed")
    with pytest.raises(InvalidDatasetError, match="needs a 'seed'"):
        load_dataset(_copy(tmp_path, MULTI, drop), "public")


def test_not_a_dataset(tmp_path):
    with pytest.raises(InvalidDatasetError, match="no metadata.json"):
        load_dataset(str(tmp_path))
    (tmp_path / "old.npz").write_bytes(b"")
    with pytest.raises(InvalidDatasetError, match="legacy .npz"):
        load_dataset(str(tmp_path))
    with pytest.raises(InvalidDatasetError, match="Hugging Face"):
        load_dataset("hf://aicrowd/arc-whestbench-public-2026@v2-phase2")


def test_metadata_reader():
    assert metadata(SINGLE)["seed_protocol"]["version"] == "3.0"
