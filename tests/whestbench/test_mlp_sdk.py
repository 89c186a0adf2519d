"""MLP, sample_mlp (upstream's seed protocol, bit for bit), forward pass, seeds, SDK."""

import os

import numpy as np
import pytest

import flopscope as flops
import flopscope.numpy as fnp

import whestbench
from whestbench import MLP, BaseEstimator, SetupContext, run_mlp, run_mlp_all_layers, sample_mlp, seeds
from whestbench.datasets import load_dataset

from conftest import UPSTREAM_DATASETS


def test_sample_mlp_is_he_initialised_float32():
    mlp = sample_mlp(256, 3, np.random.default_rng(0))
    assert (mlp.width, mlp.depth, len(mlp.weights)) == (256, 3, 3)
    for w in mlp.weights:
        assert w.dtype == np.float32 and w.shape == (256, 256)
        assert isinstance(w, fnp.ndarray)
    std = float(np.std(mlp.stacked_weights()))
    assert abs(std - np.sqrt(2 / 256)) < 0.002


def test_sample_mlp_follows_the_seed_protocol_exactly():
    rng = np.random.default_rng(np.random.SeedSequence(42))
    mlp = sample_mlp(16, 2, rng)
    ref = np.random.default_rng(np.random.SeedSequence(42))
    for w in mlp.weights:  # float64 normal, times float64 sqrt(2/width), cast to float32, layer by layer
        expected = (ref.standard_normal((16, 16)) * np.sqrt(2.0 / 16)).astype(np.float32)
        np.testing.assert_array_equal(np.asarray(w), expected)


def test_sample_mlp_accepts_a_flopscope_generator():
    a = sample_mlp(8, 2, fnp.random.default_rng(5)).stacked_weights()
    b = sample_mlp(8, 2, np.random.default_rng(5)).stacked_weights()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [0, -3])
def test_sample_mlp_rejects_bad_sizes(bad):
    with pytest.raises(ValueError):
        sample_mlp(bad, 2)
    with pytest.raises(ValueError):
        sample_mlp(4, bad)


def test_weights_equal_upstream_bit_for_bit_protocol_3():
    """Upstream wrote these weights from SeedSequence(mlp_seed).spawn(3)[0] (protocol 3.0)."""
    ds = load_dataset(os.path.join(UPSTREAM_DATASETS, "single_split_v3_protocol"))
    for i in range(ds.n_mlps):
        streams = seeds.input_seed_streams(ds.input_seed(i))
        ours = sample_mlp(ds.width, ds.depth, np.random.default_rng(streams.weights))
        np.testing.assert_array_equal(ours.stacked_weights(), ds.row(i).mlp.stacked_weights())


@pytest.mark.parametrize("split", ["public", "holdout"])
def test_weights_and_seeds_equal_upstream_protocol_2(split):
    """Legacy protocol: SeedSequence(split seed).spawn(3 n), MLP i from children 3i and 3i+2."""
    ds = load_dataset(os.path.join(UPSTREAM_DATASETS, "multi_split_v3.0"), split)
    kids = np.random.SeedSequence(ds.seed).spawn(3 * ds.n_mlps)
    for i in range(ds.n_mlps):
        ours = sample_mlp(ds.width, ds.depth, np.random.default_rng(kids[3 * i]))
        row = ds.row(i)
        np.testing.assert_array_equal(ours.stacked_weights(), row.mlp.stacked_weights())
        assert row.mlp.seed == seeds.uint32_seed(kids[3 * i + 2])


def test_seed_known_answer_vectors():
    assert seeds.estimator_seed_v3(6717184059027789272) == 2861657444
    salt = bytes(range(32))
    assert seeds.estimator_seed_v4(6004799503160661, salt) == 1914761819
    assert seeds.name_seed_v4(6004799503160661, salt) == 1338665652895792380


def test_live_streams_layout():
    streams = seeds.live_streams(7, 2)
    kids = np.random.SeedSequence(7).spawn(6)
    assert streams[1].weights.spawn_key == kids[3].spawn_key
    assert streams[1].estimator.spawn_key == kids[5].spawn_key
    assert seeds.live_streams(None, 3) == [None, None, None]


def test_validate_catches_inconsistent_shapes():
    w = [fnp.zeros((4, 4), dtype=fnp.float32)] * 2
    MLP(4, 2, w).validate()
    with pytest.raises(ValueError, match="depth"):
        MLP(4, 3, w).validate()
    with pytest.raises(ValueError, match="shape"):
        MLP(5, 2, w).validate()
    with pytest.raises(ValueError, match="positive"):
        MLP(0, 2, w).validate()


def test_forward_pass_matches_numpy_and_is_counted():
    mlp = sample_mlp(16, 3, np.random.default_rng(1))
    x = np.random.default_rng(2).standard_normal((5, 16)).astype(np.float32)
    with flops.BudgetContext(flop_budget=10**9, quiet=True) as ctx:
        layers = run_mlp_all_layers(mlp, fnp.asarray(x))
        final = run_mlp(mlp, fnp.asarray(x))
    ref = x
    for l, w in enumerate(mlp.weights):
        ref = np.maximum(ref @ np.asarray(w), np.float32(0))
        np.testing.assert_array_equal(np.asarray(layers[l]), ref)
    np.testing.assert_array_equal(np.asarray(final), ref)
    assert ctx.flops_used == 2 * 3 * (5 * 16 * 16 + 5 * 16)  # matmul M*N*K + maximum, twice


def test_base_estimator_is_abstract_and_setup_context_defaults():
    with pytest.raises(TypeError):
        BaseEstimator()
    ctx = SetupContext(width=4, depth=2, flop_budget=100)
    assert (ctx.api_version, ctx.seed, ctx.scratch_dir, ctx.submission_dir) == ("1.0", 0, None, None)


def test_upstream_import_paths_exist():
    from whestbench.domain import MLP as M2
    from whestbench.generation import sample_mlp as s2
    from whestbench.sdk import BaseEstimator as B2
    from whestbench.simulation import relu, run_mlp as r2

    assert (M2, s2, B2, r2) == (MLP, sample_mlp, BaseEstimator, run_mlp)
    assert np.asarray(relu(fnp.asarray(np.array([-1.0, 2.0], dtype=np.float32)))).tolist() == [0.0, 2.0]
    with pytest.raises(AttributeError, match="not part of this harness"):
        whestbench.create_dataset
