"""CPU sampler throughput against the SGEMM rate of the same BLAS, measured side by side.

    python benchmarks/bench_sampler.py [--threads T] [--repeats R] [--quick]

For each shape (width x depth: 1024x16 and 256x8) it prints
  * SGEMM GFLOP/s of the sampler's OpenBLAS (scipy-openblas32) on the shapes the
    sampler multiplies, (rows, width) @ (width, width), best of: OpenBLAS
    threaded on one product, and T concurrent single-threaded products;
  * the sampler's GFLOP/s, counting 2*depth*width^2 per sample (our threads
    over chunks, our fixed-order SGEMM kernel, see docs/sampler.md), for the
    default kernel and for each other kernel this CPU runs;
  * ratios sampler/SGEMM (bars: >= 0.85 at 1024x16, >= 0.75 at 256x8) and the
    speed-up over the metered NumPy reference backend (or the same algorithm in
    plain numpy when flopscope is not importable).
Medians of --repeats runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import numpy as np

import whestbench as wb
from whestbench import _sampler as ext
from whestbench import sampling

BARS = {(1024, 16): 0.85, (256, 8): 0.75}


def median_time(fn, repeats):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def sgemm_rate(rows, w, threads, repeats, calls):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((rows, w)).astype(np.float32)
    b = (rng.standard_normal((w, w)) / np.sqrt(w)).astype(np.float32)
    flops = 2.0 * rows * w * w * calls
    saved = ext.blas_get_threads()
    try:
        # (1) OpenBLAS threaded, one product at a time.
        ext.blas_set_threads(threads)
        c = np.empty((rows, w), np.float32)
        ext.sgemm(a, b, c, 1)
        t_blas = median_time(lambda: ext.sgemm(a, b, c, calls), repeats)
        # (2) T independent single-threaded products at once (what the sampler does).
        ext.blas_set_threads(1)
        outs = [np.empty((rows, w), np.float32) for _ in range(threads)]

        def par():
            ths = [threading.Thread(target=ext.sgemm, args=(a, b, outs[i], calls)) for i in range(threads)]
            for th in ths:
                th.start()
            for th in ths:
                th.join()

        par()
        t_par = median_time(par, repeats)
    finally:
        ext.blas_set_threads(saved)
    return max(flops / t_blas, flops * threads / t_par) / 1e9, flops / t_blas / 1e9, flops * threads / t_par / 1e9


def sampler_rate(W, n, threads, repeats, **opts):
    B, d, w, _ = W.shape
    seeds = np.zeros(B, np.uint64)
    streams = np.arange(B, dtype=np.uint64)
    run = lambda: ext.sample_cpu(W, n, seeds, streams, threads=threads, **opts)  # noqa: E731
    run()
    t = median_time(run, repeats)
    return 2.0 * d * w * w * n * B / t / 1e9, t


def reference_rate(W, n):
    d, w = W.shape[1], W.shape[2]
    flops_ok = sampling._flopscope()[0] is not None
    t = time.perf_counter()
    if flops_ok:
        wb.sample_layer_statistics(W[0], n, seed=0, backend="numpy")
        label = "numpy backend (flopscope-metered)"
    else:
        sampling._reference_stats(W[0], n, 0, 0, ext.chunk_rows(w), np)
        label = "reference algorithm in plain numpy (flopscope not importable)"
    dt = time.perf_counter() - t
    return 2.0 * d * w * w * n / dt / 1e9, label


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="smaller runs (noisier)")
    ap.add_argument("--scalar", action="store_true", help="also time the (slow) scalar kernel")
    args = ap.parse_args()
    T = args.threads
    print(f"threads={T}  cpu_count={os.cpu_count()}  numpy {np.__version__}  kernels {ext.cpu_kernels()} "
          f"(default: the last)")
    for (w, d), bar in BARS.items():
        chunk = ext.chunk_rows(w)
        rng = np.random.default_rng(1)
        W = (rng.standard_normal((1, d, w, w)) * np.sqrt(2.0 / w)).astype(np.float32)
        chunks = (2 if args.quick else 4) * T
        n = chunk * chunks
        tile = chunk
        print(f"\n== width {w} x depth {d}: chunk {chunk} rows, n_samples {n}, tile {tile} rows")
        base, base_blas, base_par = sgemm_rate(chunk, w, T, args.repeats, calls=max(1, 8 * 1024 // chunk * 4))
        print(f"SGEMM ({chunk}x{w})@({w}x{w}): {base:.1f} GFLOP/s "
              f"[OpenBLAS {T} threads: {base_blas:.1f}; {T} x 1-thread: {base_par:.1f}]")
        tbase, _, tpar = sgemm_rate(tile, w, T, args.repeats, calls=max(1, 32 * 1024 // tile))
        print(f"SGEMM ({tile}x{w})@({w}x{w}) (the sampler's tile): {tbase:.1f} GFLOP/s [{T} x 1-thread: {tpar:.1f}]")
        # Paired rounds (SGEMM then sampler, back to back) so that load from other
        # processes hits both sides alike; the verdict uses the median paired ratio.
        ratios, gs, bs = [], [], []
        for _ in range(args.repeats):
            b_r, _, _ = sgemm_rate(chunk, w, T, 1, calls=max(1, 8 * 1024 // chunk * 4))
            g_r, _ = sampler_rate(W, n, T, 1)
            ratios.append(g_r / b_r)
            gs.append(g_r)
            bs.append(b_r)
        g_chunks, ratio = statistics.median(gs), statistics.median(ratios)
        print(f"sampler, threads over chunks : {g_chunks:.1f} GFLOP/s (median of {args.repeats}); paired SGEMM "
              f"median {statistics.median(bs):.1f}; median paired ratio {ratio:.3f}  (bar {bar})  "
              f"{'PASS' if ratio >= bar else 'FAIL'}")
        for tr in sorted({tile // 2, 2 * tile, chunk} - {tile}):
            g, _ = sampler_rate(W, n, T, max(1, args.repeats // 2), tile_rows=tr)
            print(f"  tile {tr:5d} rows           : {g:.1f} GFLOP/s  ratio {g / base:.3f}")
        for isa in ext.cpu_kernels()[:-1]:
            if isa == "scalar" and not args.scalar:
                continue
            g, _ = sampler_rate(W, n, T, max(1, args.repeats // 2), isa=isa)
            print(f"  {isa} kernel            : {g:.1f} GFLOP/s  ratio {g / base:.3f}")
        n_ref = chunk * (1 if args.quick else 2)
        g_ref, label = reference_rate(W, n_ref)
        print(f"{label}: {g_ref:.1f} GFLOP/s -> sampler speed-up {g_chunks / g_ref:.2f}x")


if __name__ == "__main__":
    main()
