"""einsum path search: flopscope's C++ search against opt_einsum's, same strategy and expression.

For each expression and strategy ('greedy', 'optimal') prints the time of one path search
(flopscope: flopscope.accounting.einsum_path, i.e. parse + search + pricing through the
binding; opt_einsum: contract_path with shapes=True) and the ratio, plus the FLOPs of each
tool's path priced under flopscope's cost model (so the orders are compared on one scale).
Bar (design.md section 4): >= 10x faster than opt_einsum for the same strategy and expression.

Run: python benchmarks/bench_einsum_path.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import timeit

import opt_einsum

from flopscope import accounting


def chain(n: int, rnd: random.Random):
    letters = string.ascii_lowercase
    terms = [letters[i] + letters[i + 1] for i in range(n)]
    dims = [rnd.choice([8, 16, 32, 64, 128]) for _ in range(n + 1)]
    shapes = [(dims[i], dims[i + 1]) for i in range(n)]
    return ",".join(terms) + "->" + letters[0] + letters[n], shapes


def random_network(n_ops: int, n_labels: int, rnd: random.Random):
    """Each operand gets 2-3 labels; the output keeps labels that appear once."""
    labels = string.ascii_letters[:n_labels]
    size = {l: rnd.choice([2, 4, 8, 16]) for l in labels}
    terms = ["".join(rnd.sample(labels, rnd.choice([2, 3]))) for _ in range(n_ops)]
    counts = {l: sum(t.count(l) for t in terms) for l in labels}
    out = "".join(l for l in labels if counts[l] == 1)
    return ",".join(terms) + "->" + out, [tuple(size[c] for c in t) for t in terms]


def cases():
    rnd = random.Random(7)
    yield "mlp 3 layers", "bi,ij,jk,kl->bl", [(64, 256), (256, 256), (256, 256), (256, 10)]
    yield "bilinear", "bi,ij,bj->b", [(32, 100), (100, 100), (32, 100)]
    for n in (4, 6, 8):
        yield (f"matrix chain {n}",) + chain(n, rnd)
    for n in (5, 7, 8):
        yield (f"random network {n}",) + random_network(n, 10, rnd)


def best_us(fn, number: int, repeat: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    print(f"opt_einsum {opt_einsum.__version__}, python {sys.version.split()[0]}; best of {repeat}")
    print(f"{'expression':<20}{'strategy':<9}{'flopscope us':>13}{'opt_einsum us':>15}{'speed-up':>10}"
          f"{'flops (ours)':>15}{'flops (theirs)':>16}")
    for label, expr, shapes in cases():
        for strategy in ("greedy", "optimal"):
            if strategy == "optimal" and len(shapes) > 8:
                continue
            ours = lambda: accounting.einsum_path(expr, shapes, strategy)  # noqa: E731
            theirs = lambda: opt_einsum.contract_path(expr, *shapes, shapes=True, optimize=strategy)  # noqa: E731
            t_theirs_once = best_us(theirs, 1, 1)
            number = max(1, int(20_000 / max(t_theirs_once, 1)))
            t_theirs = best_us(theirs, number, repeat)
            t_ours = best_us(ours, max(number, 10), repeat)
            our_path, our_flops = ours()
            their_path = theirs()[0]
            their_flops = accounting.einsum_cost(expr, shapes, their_path)
            print(f"{label:<20}{strategy:<9}{t_ours:>13.1f}{t_theirs:>15.1f}{t_theirs / t_ours:>9.0f}x"
                  f"{our_flops:>15,}{their_flops:>16,}")


if __name__ == "__main__":
    main()
