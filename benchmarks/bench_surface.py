"""Per-call time of a wide sample of the fnp surface against the same raw NumPy
calls, side by side: reductions, contractions, creation, movement, methods,
operators. Complements bench_overhead.py (the design's headline rows) so that no
commonly used call hides a large overhead. Covers every op family (linalg, fft,
statistics, counting, polynomials, windows, flopscope.stats against SciPy). Prints one row per call and marks
the rows above the design's 1.25x bar.

    python benchmarks/bench_surface.py [--sizes 1 100] [--quick]
"""

import argparse
import sys
import timeit

import numpy as np
import scipy.stats

import flopscope as flops
import flopscope.numpy as fnp

# (ours, raw): a, b are 1-d of n elements, m is about sqrt(n) x sqrt(n), R a seeded
# Generator; A, B, M, R stand for the flopscope versions on our side and NumPy's on
# the other (a lowercase name is NumPy's on both sides).
FUNCTIONS = [
    "mean(A)", "var(A)", "std(A)", "max(A)", "min(A)", "prod(A)", "all(A)", "any(A)", "argmax(A)",
    "cumsum(A)", "dot(A, B)", "inner(A, B)", "outer(A, B)", "vdot(A, B)", "einsum('i,i->', A, B)",
    "einsum('ij,jk->ik', M, M)", "matmul(M, M)", "where(A > 0.5, A, B)", "clip(A, 0.2, 0.8)", "abs(A)",
    "sqrt(A)", "maximum(A, 0.0)", "reshape(A, (-1,))", "transpose(M)", "stack([A, B])",
    "concatenate([A, B])", "zeros(N)", "ones_like(A)", "copy(A)", "sort(A)", "argsort(A)", "arange(N)",
    "expand_dims(A, 0)", "squeeze(A)", "isnan(A)", "round(A)", "asarray(a)", "array([1.0, 2.0])",
    "random.randn(N)", "maximum(A32, 0.0)",
    # linalg, fft
    "linalg.det(M)", "linalg.inv(M)", "linalg.solve(M, M)", "linalg.svd(M)", "linalg.qr(M)",
    "linalg.eigh(M)", "linalg.norm(A)", "linalg.norm(M, 2)", "fft.fft(A)", "fft.rfft(A)", "fft.fftfreq(N)",
    # statistics, counting, sets, polynomials, windows, shaping
    "median(A)", "percentile(A, 50)", "quantile(A, 0.25)", "average(A, weights=B)", "cov(M)", "corrcoef(M)",
    "diff(A)", "gradient(A)", "convolve(A, B)", "kron(A, B)", "cross(M3, M3)", "unique(A)", "isin(A, B)",
    "histogram(A)", "bincount(I)", "digitize(A, B)", "interp(A, A, B)", "nonzero(A > 0.5)", "polyval(A, B)",
    "polyfit(A, B, 1)", "hanning(N)", "select([A > 0.5], [A])", "pad(A, 2)", "unwrap(A)",
]
# flopscope.stats against SciPy's (a test dependency) on the same data.
STATS = ["norm.pdf(A)", "norm.cdf(A)", "norm.ppf(A / 2)", "expon.cdf(A)", "truncnorm.cdf(A, -1.0, 2.0)"]
EXPRESSIONS = [
    "A.mean()", "A.var()", "A.max()", "A.sum()", "A.argmax()", "A.astype(np.float32)", "A.copy()",
    "A.reshape(-1)", "A.T", "A.dot(B)", "A[:1]", "A[[0]]", "-A", "A ** 2", "A / B", "A > 0.5", "A @ B",
    "M @ M", "np.exp(A) * B + 1.0", "Y = A; Y += B", "Y = A; Y *= 0.5", "np.add(A, B, out=A)",
    "A32 * 0.5", "A32 @ M32",
    "R.normal(size=N)", "R.random(N)", "R.integers(0, 10, size=N)",
]


def pairs(n: int):
    def ours(expr):
        return (expr.replace("A", "fa").replace("B", "fb").replace("M", "fm").replace("R.", "frng.").replace("I", "fi")
                .replace("N)", f"{n})"))

    def raw(expr):
        return (expr.replace("A", "a").replace("B", "b").replace("M", "m").replace("R.", "rng.").replace("I", "i")
                .replace("N)", f"{n})"))

    rows = [("fnp." + ours(c), "np." + raw(c)) for c in FUNCTIONS]
    rows += [("flops.stats." + ours(c), "scipy.stats." + raw(c)) for c in STATS]
    return rows + [(ours(c), raw(c)) for c in EXPRESSIONS]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    number, repeat = (1_000, 5) if args.quick else (5_000, 9)
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}; best of {repeat} alternating rounds of {number} calls")
    over = []
    with flops.BudgetContext(flop_budget=10**18, quiet=True):
        for n in args.sizes:
            rng = np.random.default_rng(0)
            a, b = rng.random(n) + 0.1, rng.random(n) + 0.1
            side = max(int(round(n ** 0.5)), 1)
            m = rng.random((side, side))
            env = {"np": np, "fnp": fnp, "flops": flops, "scipy": scipy, "a": a, "b": b, "m": m, "fa": fnp.asarray(a), "fb": fnp.asarray(b),
                   "fm": fnp.asarray(m), "rng": np.random.default_rng(1), "frng": fnp.random.default_rng(1)}
            # float32 operands, as the primer's example uses
            env.update(a32=a.astype(np.float32), m32=rng.random((n, 4)).astype(np.float32))
            env.update(fa32=fnp.asarray(env["a32"]), fm32=fnp.asarray(env["m32"]))
            env.update(m3=rng.random((max(n // 3, 1), 3)), i=rng.integers(0, 10, n))
            env.update(fm3=fnp.asarray(env["m3"]), fi=fnp.asarray(env["i"]))
            print(f"\n{'call':<44}{'n':>5}{'flopscope ns':>14}{'numpy ns':>10}{'ratio':>7}")
            for ours, raw in pairs(n):
                t_ours, t_raw = timeit.Timer(ours, globals=env), timeit.Timer(raw, globals=env)
                try:
                    with np.errstate(all="ignore"):
                        t_raw.timeit(1)
                except (ValueError, np.linalg.LinAlgError) as exc:  # e.g. gradient of 1 value
                    print(f"{ours:<44}{n:>5}   (NumPy refuses: {exc.__class__.__name__})")
                    continue
                best_ours = best_raw = float("inf")
                for _ in range(repeat):  # alternate so that drift hits both alike
                    best_raw = min(best_raw, t_raw.timeit(number))
                    best_ours = min(best_ours, t_ours.timeit(number))
                ns_ours, ns_raw = best_ours / number * 1e9, best_raw / number * 1e9
                ratio = ns_ours / ns_raw
                mark = "  > 1.25" if ratio > 1.25 else ""
                if mark:
                    over.append((ours, n, ratio))
                print(f"{ours:<44}{n:>5}{ns_ours:>14.0f}{ns_raw:>10.0f}{ratio:>7.2f}{mark}")
    print(f"\n{len(over)} rows above 1.25x: " + (", ".join(f"{c} (n={n}, {r:.2f})" for c, n, r in over) or "none"))


if __name__ == "__main__":
    main()
