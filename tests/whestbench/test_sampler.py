"""Tests of whestbench.sample_layer_statistics (C++ sampler + metered reference)."""

import numpy as np
import pytest

import whestbench as wb
from whestbench import sampling

ext = pytest.importorskip("whestbench._sampler", reason="the C++ sampler extension is not built")


def _flopscope_ready():
    flops, _ = sampling._flopscope()
    return flops is not None


needs_flopscope = pytest.mark.skipif(not _flopscope_ready(), reason="flopscope (BudgetContext) is not importable")


def he(B, d, w, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((B, d, w, w)) * np.sqrt(2.0 / w)).astype(np.float32)


def neuron_sd(W, n=20000, seed=123):
    """Per-layer per-neuron standard deviation of the post-ReLU activations."""
    x = np.random.default_rng(seed).standard_normal((n, W.shape[-1])).astype(np.float32)
    out = []
    for layer in W:
        x = np.maximum(x @ layer, np.float32(0))
        out.append(x.std(axis=0))
    return np.array(out)


def assert_close_stat(a, b, W, n, k=5.0):
    """|a - b| within k standard errors of a difference of two independent means."""
    tol = k * np.sqrt(2.0 / n) * neuron_sd(W) + 1e-6
    assert np.all(np.abs(a - b) <= tol), float(np.max(np.abs(a - b) / tol))


# --------------------------------------------------------------------------- correctness


def test_identity_network_matches_theory():
    w, d, n = 8, 3, 200_000
    W = np.stack([np.eye(w, dtype=np.float32)] * d)
    r = wb.sample_layer_statistics(W, n, seed=3, backend="cpu")
    m = 1 / np.sqrt(2 * np.pi)
    var = 0.5 - m * m
    assert r.means.shape == (d, w) and r.means.dtype == np.float32
    assert np.all(np.abs(r.means - m) < 5 * np.sqrt(var / n))
    assert isinstance(r.final_variance, float)
    assert abs(r.final_variance - var) < 0.01


def test_cpu_agrees_with_reference_algorithm():
    W = he(1, 4, 32, seed=1)[0]
    n = 30_000
    r = wb.sample_layer_statistics(W, n, seed=5, backend="cpu")
    ref_m, ref_v = sampling._reference_stats(W, n, 5, 0, ext.chunk_rows(32), np)
    assert_close_stat(r.means, ref_m, W, n)
    assert abs(r.final_variance - ref_v) < 0.05 * ref_v


@needs_flopscope
def test_numpy_backend_agrees_and_meters_closed_form():
    W = he(2, 3, 16, seed=2)
    n = 5000  # one chunk at width 16; several chunks are covered below
    r_np = wb.sample_layer_statistics(W, n, seed=9, backend="numpy")
    r_cpu = wb.sample_layer_statistics(W, n, seed=9, backend="cpu")
    for b in range(2):
        assert_close_stat(r_np.means[b], r_cpu.means[b], W[b], n)
    assert r_np.flops == r_cpu.flops == wb.closed_form_flops(3, 16, n, 2)


@needs_flopscope
def test_numpy_backend_meters_closed_form_with_several_chunks():
    W = he(1, 2, 1024, seed=4)[0]  # width 1024 -> chunk 1024 rows
    n = 2 * 1024 + 5  # three chunks, short last one
    r = wb.sample_layer_statistics(W, n, seed=1, backend="numpy")
    assert r.flops == wb.closed_form_flops(2, 1024, n, 1)
    assert r.total_flops == sum(wb.closed_form_flops(2, 1024, n, 1).values())


def test_closed_form_breakdown_terms():
    f = wb.closed_form_flops(depth=2, width=3, n_samples=5, n_mlps=1)
    assert f == {"matmul": 90, "maximum": 30, "sum": 45, "add": 9, "multiply": 18, "divide": 9,
                 "subtract": 3, "mean": 3}
    big = wb.closed_form_flops(16, 1024, 10**9, 1)
    assert big["matmul"] == 16 * 10**9 * 1024 * 1024


# --------------------------------------------------------------------------- determinism


def test_repeat_runs_bit_identical():
    W = he(1, 3, 48, seed=6)[0]
    a = wb.sample_layer_statistics(W, 20_000, seed=11, backend="cpu")
    b = wb.sample_layer_statistics(W, 20_000, seed=11, backend="cpu")
    assert np.array_equal(a.means, b.means) and a.final_variance == b.final_variance
    c = wb.sample_layer_statistics(W, 20_000, seed=12, backend="cpu")
    assert not np.array_equal(a.means, c.means)


def test_thread_count_invariance():
    W = he(2, 3, 64, seed=7)
    n = 40_000  # 3 chunks at width 64
    ref = wb.sample_layer_statistics(W, n, seed=1, backend="cpu", threads=1)
    for t in (2, 3, 5):
        r = wb.sample_layer_statistics(W, n, seed=1, backend="cpu", threads=t)
        assert np.array_equal(r.means, ref.means)
        assert np.array_equal(r.final_variance, ref.final_variance)
    r = ext.sample_cpu(W, n, np.array([1, 1], np.uint64), np.array([0, 1], np.uint64), threads=2,
                       tile_rows=333)
    assert np.array_equal(r[0], ref.means) and np.array_equal(r[1], ref.final_variance)


@pytest.mark.parametrize("width", [64, 100])
def test_every_kernel_gives_the_same_bits(width):
    # Each matrix-product kernel this CPU can run (scalar always, AVX2 / AVX-512
    # where present) evaluates the same fma chains: results equal bit for bit.
    W = he(2, 3, width, seed=9)
    seeds, streams = np.array([4, 4], np.uint64), np.array([0, 1], np.uint64)
    kernels = ext.cpu_kernels()
    assert "scalar" in kernels
    ref = ext.sample_cpu(W, 5_000, seeds, streams, threads=1, isa="scalar")
    for isa in kernels:
        r = ext.sample_cpu(W, 5_000, seeds, streams, threads=2, tile_rows=97, isa=isa)
        assert np.array_equal(r[0], ref[0]) and np.array_equal(r[1], ref[1]), isa


def test_unknown_or_unsupported_kernel_is_refused():
    W = he(1, 1, 8, seed=1)
    s = np.zeros(1, np.uint64)
    with pytest.raises(ValueError, match="unknown kernel"):
        ext.sample_cpu(W, 10, s, s, isa="sse9")
    for isa in {"avx2", "avx512"} - set(ext.cpu_kernels()):
        with pytest.raises(ValueError, match="needs a CPU"):
            ext.sample_cpu(W, 10, s, s, isa=isa)


def test_batching_invariance():
    W = he(3, 2, 40, seed=8)
    n = 9_000
    batch = wb.sample_layer_statistics(W, n, seed=21, backend="cpu", threads=2)
    assert batch.means.shape == (3, 2, 40) and batch.final_variance.shape == (3,)
    for b in range(3):
        one = wb.sample_layer_statistics(W[b], n, seed=21, backend="cpu", threads=1, first_mlp_index=b)
        assert np.array_equal(one.means, batch.means[b])
        assert one.final_variance == batch.final_variance[b]
    # per-MLP seeds, sliced batch
    seeds = [5, 6, 7]
    full = wb.sample_layer_statistics(W, n, seed=seeds, backend="cpu")
    tail = wb.sample_layer_statistics(W[1:], n, seed=seeds[1:], backend="cpu", first_mlp_index=1)
    assert np.array_equal(full.means[1:], tail.means)
    assert np.array_equal(full.final_variance[1:], tail.final_variance)


def test_normals_are_standard():
    z = ext.normals(7, 0, 0, 1 << 18)
    assert z.dtype == np.float32
    n = z.size
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    assert np.array_equal(ext.normals(7, 0, 5, 100), z[5:105])


# --------------------------------------------------------------------------- CUDA


def test_cuda_backend_or_clear_error():
    ok, reason = wb.cuda_status()
    W = he(1, 2, 32, seed=9)
    if not ok:
        with pytest.raises(ValueError, match="cuda"):
            wb.sample_layer_statistics(W, 100, seed=0, backend="cuda")
        pytest.skip(f"no usable GPU: {reason}")
    n = 50_000
    g = wb.sample_layer_statistics(W, n, seed=3, backend="cuda")
    c = wb.sample_layer_statistics(W, n, seed=3, backend="cpu")
    np.testing.assert_allclose(g.means, c.means, atol=1e-4)  # same normals, GEMM rounding only
    g2 = wb.sample_layer_statistics(W, n, seed=3, backend="cuda")
    assert np.array_equal(g.means, g2.means)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(weights=np.zeros((2, 3, 4), np.float32)), ValueError, "square"),
        (dict(weights=np.zeros((2, 3, 3), np.float64)), TypeError, "float32"),
        (dict(weights=[[[1.0]]]), TypeError, "float32"),
        (dict(weights=np.zeros((3, 3), np.float32)), ValueError, "shape"),
        (dict(weights=np.zeros((0, 3, 3), np.float32)), ValueError, "positive"),
        (dict(n_samples=0), ValueError, "n_samples"),
        (dict(n_samples=-5), ValueError, "n_samples"),
        (dict(n_samples=1.5), TypeError, "n_samples"),
        (dict(backend="gpu"), ValueError, "unknown backend"),
        (dict(threads=0), ValueError, "threads"),
        (dict(seed=-1), ValueError, "seed"),
        (dict(seed=[1, 2]), ValueError, "one seed per MLP"),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = dict(weights=np.zeros((2, 3, 3), np.float32), n_samples=10, seed=0, backend="cpu")
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        wb.sample_layer_statistics(**args)


def test_a_profile_registered_at_run_time_prices_the_sampler_bill():
    # One instance of the core per process: the sampler's closed form is priced
    # by flopscope._core, so it sees profiles registered there.
    import flopscope as flops

    name = "sampler-test-double-matmul"
    if name not in flops.accounting.cost_models():
        flops.accounting.register_cost_model(name, "weight.matmul 2\n")
    base = wb.closed_form_flops(2, 8, 100)
    doubled = wb.closed_form_flops(2, 8, 100, cost_model=name)
    assert doubled["matmul"] == 2 * base["matmul"] > 0
    assert {k: v for k, v in doubled.items() if k != "matmul"} == {k: v for k, v in base.items() if k != "matmul"}
    assert not hasattr(ext, "flop_breakdown")  # the sampler module carries no pricing of its own
