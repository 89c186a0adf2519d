"""Dataset bakes: the schema, seeds and names; slices and merges byte for byte;
interrupted bakes leave nothing loadable and resume to the same bytes; merge
and combine refusals; bad input refused before any work."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from whestbench import bake as B
from whestbench import seeds as S
from whestbench.datasets import InvalidDatasetError, load_dataset
from whestbench.merge import (MergeCorruptError, MergeIncompatibleError, MergeIncompleteError, MergeOverlapError,
                              combine_splits, describe, merge_datasets)
from whestbench.mlp import sample_mlp
from whestbench.sampling import closed_form_flops

SPEC = dict(n_mlps=5, width=8, depth=3, n_samples=3000, root_seed=11)


def _parquet(path, split="public"):
    return os.path.join(path, "data", f"{split}-00000-of-00001.parquet")


def _bytes(path, split="public"):
    with open(_parquet(path, split), "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    return B.bake(B.make_spec(**SPEC), str(tmp_path_factory.mktemp("bake") / "whole"))


def test_a_bake_loads_with_the_weights_seeds_and_ground_truth_its_seeds_give(whole):
    ds = load_dataset(whole)
    assert (ds.n_mlps, ds.width, ds.depth, ds.n_samples) == (5, 8, 3, 3000)
    seeds = B.seeds_from_root(11, 5)
    from whestbench.sampling import sample_layer_statistics

    for i in range(5):
        row = ds.row(i)
        streams = S.input_seed_streams(seeds[i])
        ref = sample_mlp(8, 3, np.random.default_rng(streams.weights))
        assert np.array_equal(row.mlp.stacked_weights(), ref.stacked_weights())
        assert row.mlp.seed == S.estimator_seed_v3(seeds[i])
        stats = sample_layer_statistics(ref.stacked_weights(), 3000, seed=S.sampler_key(streams.samples))
        assert np.array_equal(row.all_layer_means, stats.means)
        assert row.avg_variance == stats.final_variance
    names = pq.read_table(_parquet(whole)).column("mlp_name").to_pylist()
    assert len(set(names)) == 5 and all(n == n.lower() and "-" in n for n in names)


def test_the_schema_is_upstreams(whole):
    table = pq.read_table(_parquet(whole))
    assert table.column_names == ["mlp_id", "mlp_name", "mlp_seed", "weights", "all_layer_means", "final_means",
                                  "avg_variance", "sampling_budget_breakdown"]
    features = json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]
    assert features["weights"] == {"shape": [3, 8, 8], "dtype": "float32", "_type": "Array3D"}
    field = table.schema.field("weights")
    assert field.metadata[b"ARROW:extension:name"] == b"datasets.features.features.Array3DExtensionType"
    meta = json.load(open(os.path.join(whole, "metadata.json")))
    assert meta["schema_version"] == "3.0" and meta["seed_protocol"]["version"] == "3.0"
    assert meta["n_mlps"] == 5 and "is_partial" not in meta and "seed" not in meta


def test_the_breakdown_is_the_samplers_closed_form(whole):
    table = pq.read_table(_parquet(whole))
    want = closed_form_flops(3, 8, 3000)
    for text in table.column("sampling_budget_breakdown").to_pylist():
        d = json.loads(text)
        ops = d["by_namespace"]["sampling.sample_layer_statistics"]["operations"]
        assert {k: v["flop_cost"] for k, v in ops.items()} == want
        assert d["flops_used"] == sum(want.values())
    meta = json.load(open(os.path.join(whole, "metadata.json")))
    assert meta["sampling_flops"]["per_mlp"] == sum(want.values())


def test_slices_merged_are_the_whole_bake_byte_for_byte(whole, tmp_path):
    parts = [B.bake(B.make_spec(**SPEC, mlp_range=B.parse_slice(f"{k}/3", 5)), str(tmp_path / f"p{k}"))
             for k in range(3)]
    meta = json.load(open(os.path.join(parts[1], "metadata.json")))
    assert meta["is_partial"] and meta["mlp_range"] == [1, 3] and meta["total_n_mlps"] == 5
    with pytest.raises(InvalidDatasetError):
        load_dataset(parts[1])  # partial datasets do not load as datasets
    merged = merge_datasets(list(reversed(parts)), str(tmp_path / "merged"))
    assert _bytes(merged) == _bytes(whole)
    m = json.load(open(os.path.join(merged, "metadata.json")))
    assert m["n_mlps"] == 5 and len(m["hardware_fingerprints"]) == 3 and "merged_at_utc" in m
    assert load_dataset(merged).n_mlps == 5
    ranged = B.bake(B.make_spec(**SPEC, mlp_range=B.parse_range("0-1", 5)), str(tmp_path / "r"))
    assert pq.read_table(_parquet(ranged)).column("mlp_id").to_pylist() == [0, 1]


def test_merge_refuses_gaps_overlaps_mismatches_and_corrupt_partials(tmp_path):
    def part(k, n=3, **kw):
        spec = {**SPEC, **kw}
        return B.bake(B.make_spec(**spec, mlp_range=B.parse_slice(f"{k}/{n}", spec["n_mlps"])),
                      str(tmp_path / f"{k}-{n}-{kw.get('n_samples', 0)}"))

    p0, p1, p2 = part(0), part(1), part(2)
    with pytest.raises(MergeIncompleteError):
        merge_datasets([p0, p2], str(tmp_path / "gap"))
    with pytest.raises(MergeOverlapError):
        merge_datasets([p0, p1, p1, p2], str(tmp_path / "overlap"))
    with pytest.raises(MergeIncompatibleError):
        merge_datasets([p0, part(1, n_samples=2000), p2], str(tmp_path / "mixed"))
    whole = B.bake(B.make_spec(**SPEC), str(tmp_path / "complete"))
    with pytest.raises(MergeIncompatibleError):
        merge_datasets([whole], str(tmp_path / "complete-in"))
    table = pq.read_table(_parquet(p1))
    import pyarrow as pa

    ids = pa.array([9] * table.num_rows, pa.int32())
    pq.write_table(table.set_column(0, table.schema.field("mlp_id"), ids), _parquet(p1))
    with pytest.raises(MergeCorruptError):
        merge_datasets([p0, p1, p2], str(tmp_path / "corrupt"))
    for name in ("gap", "overlap", "mixed", "corrupt"):
        assert not os.path.exists(tmp_path / name)


def test_combine_splits_gives_a_multi_split_dataset(whole, tmp_path):
    other = B.bake(B.make_spec(**{**SPEC, "root_seed": 12}, split="holdout"), str(tmp_path / "holdout"))
    combined = combine_splits([whole, other], str(tmp_path / "both"), default_split="public")
    assert _bytes(combined, "holdout") == _bytes(other, "holdout")
    assert load_dataset(combined, "holdout").n_mlps == 5
    assert load_dataset(combined).split == "public"  # the default split
    info = describe(combined)
    assert set(info["splits"]) == {"public", "holdout"}
    with pytest.raises(MergeIncompatibleError):
        combine_splits([whole, whole], str(tmp_path / "same-names"))


@pytest.mark.parametrize("kw,match", [
    (dict(n_mlps=0), "n-mlps"), (dict(width=-1), "width"), (dict(depth=0), "depth"), (dict(n_samples=0), "n-samples"),
    (dict(backend="gpu"), "unknown backend"), (dict(split="Bad_Name"), "split"),
    (dict(root_seed=None, mlp_seeds=[1, 1, 2, 3, 4]), "distinct"), (dict(root_seed=None, mlp_seeds=[1, 2]), "one per"),
    (dict(root_seed=None, mlp_range=(0, 2)), "needs --mlp-seeds or --root-seed"),
    (dict(mlp_seeds=[1, 2, 3, 4, 5]), "not both"), (dict(mlp_range=(3, 9)), "range"),
])
def test_bad_input_is_refused_before_any_work(kw, match):
    with pytest.raises(B.BakeError, match=match):
        B.make_spec(**{**SPEC, **kw})


def test_slice_and_range_syntax():
    assert [B.parse_slice(f"{k}/3", 10) for k in range(3)] == [(0, 3), (3, 6), (6, 10)]
    assert B.parse_range("2-4", 10) == (2, 5)
    for bad in ("3/3", "1/0", "x", "-1/2"):
        with pytest.raises(B.BakeError):
            B.parse_slice(bad, 10)
    with pytest.raises(B.BakeError):
        B.parse_range("5-2", 10)


def test_output_that_exists_is_refused(whole):
    with pytest.raises(B.BakeError, match="already exists"):
        B.bake(B.make_spec(**SPEC), whole)


# --------------------------------------------------------------------------- interruptions


class Interrupt(BaseException):
    pass


def _interrupt_after(monkeypatch, n_rows):
    real = B.bake_row
    calls = {"n": 0}

    def row(*args, **kwargs):
        if calls["n"] == n_rows:
            raise Interrupt()
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(B, "bake_row", row)


@pytest.mark.parametrize("n_rows", [0, 2, 4])
def test_an_interrupted_bake_leaves_nothing_loadable_and_resumes_to_the_same_bytes(whole, tmp_path, monkeypatch,
                                                                                    n_rows):
    out = str(tmp_path / "ds")
    with monkeypatch.context() as m:
        _interrupt_after(m, n_rows)
        with pytest.raises(Interrupt):
            B.bake(B.make_spec(**SPEC), out)
    assert not os.path.exists(out)
    with pytest.raises(InvalidDatasetError, match="unfinished bake"):
        load_dataset(out + B.INCOMPLETE)
    with pytest.raises(B.BakeError, match="--resume"):
        B.bake(B.make_spec(**SPEC), out)
    B.bake(B.make_spec(**SPEC), out, resume=True)
    assert _bytes(out) == _bytes(whole)
    assert not os.path.exists(out + B.INCOMPLETE)


@pytest.mark.parametrize("stage", ["write_table", "_write_json", "rename"])
def test_a_failure_at_any_write_leaves_nothing_and_resumes(whole, tmp_path, monkeypatch, stage):
    out = str(tmp_path / "ds")
    with monkeypatch.context() as m:
        if stage == "rename":
            m.setattr(B.os, "rename", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
        else:
            real = getattr(B, stage)
            count = {"n": 0}

            def failing(*args, **kwargs):
                count["n"] += 1
                if count["n"] == 3:
                    raise OSError(28, "No space left on device")
                return real(*args, **kwargs)

            m.setattr(B, stage, failing)
        with pytest.raises(OSError):
            B.bake(B.make_spec(**SPEC), out)
    assert not os.path.exists(out)
    B.bake(B.make_spec(**SPEC), out, resume=True)
    assert _bytes(out) == _bytes(whole)


def test_resume_with_other_settings_is_refused(tmp_path, monkeypatch):
    out = str(tmp_path / "ds")
    with monkeypatch.context() as m:
        _interrupt_after(m, 1)
        with pytest.raises(Interrupt):
            B.bake(B.make_spec(**SPEC), out)
    with pytest.raises(B.BakeError, match="n_samples"):
        B.bake(B.make_spec(**{**SPEC, "n_samples": 100}), out, resume=True)


def test_a_bake_killed_with_sigkill_resumes_to_the_same_bytes(whole, tmp_path):
    out = str(tmp_path / "ds")
    args = [sys.executable, "-m", "whestbench", "dataset", "bake", "--n-mlps", "5", "--width", "8", "--depth", "3",
            "--n-samples", "3000", "--root-seed", "11", "--output", out, "--format", "json"]
    proc = subprocess.Popen(args + ["--backend", "numpy"], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:  # kill it as soon as the first MLP is written, wherever it is then
        if json.loads(line).get("event") == "mlp_done":
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not os.path.exists(out)
    # the numpy backend was killed; a resume must use the same settings, so it does the same
    done = subprocess.run(args + ["--backend", "numpy", "--resume"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    fresh = subprocess.run(args[:-4] + ["--output", str(tmp_path / "fresh"), "--backend", "numpy"],
                           capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr
    assert _bytes(out) == _bytes(str(tmp_path / "fresh"))


def test_cli_json_progress_and_errors(tmp_path):
    out = str(tmp_path / "ds")
    run = subprocess.run([sys.executable, "-m", "whestbench", "dataset", "bake", "--n-mlps", "2", "--width", "4",
                          "--depth", "2", "--n-samples", "100", "--root-seed", "1", "--output", out, "--format",
                          "json"], capture_output=True, text=True)
    events = [json.loads(line) for line in run.stdout.splitlines()]
    assert [e["event"] for e in events] == ["start", "mlp_done", "mlp_done", "done"]
    assert events[2]["done"] == 2 and events[2]["samples_per_s"] > 0
    again = subprocess.run([sys.executable, "-m", "whestbench", "dataset", "bake", "--n-mlps", "2", "--width", "4",
                            "--depth", "2", "--n-samples", "100", "--output", out, "--format", "json"],
                           capture_output=True, text=True)
    assert again.returncode == 2
    assert json.loads(again.stdout)["message"].startswith("output directory")
    info = subprocess.run([sys.executable, "-m", "whestbench", "dataset", "info", out, "--format", "json"],
                          capture_output=True, text=True)
    assert json.loads(info.stdout)["splits"]["public"]["n_mlps"] == 2


def test_whest_run_scores_against_a_baked_dataset(whole, tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    run = subprocess.run([sys.executable, "-m", "whestbench", "run", "--estimator",
                          os.path.join(root, "examples", "monte_carlo_estimator.py"), "--dataset", whole,
                          "--format", "json", "--no-residual-wall-time-limit"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout[run.stdout.find("{"):])
    assert report["results"]["n_failed_mlps"] == 0 and len(report["results"]["per_mlp"]) == 5
