"""An example WhestBench estimator: plain Monte-Carlo sampling, sized from the budget.

    whest run --estimator examples/monte_carlo_estimator.py --width 256 --depth 8 --n-mlps 5 --seed 1

The score is final-layer MSE x max(0.1, C/B): spending up to 10% of the budget
costs nothing extra, so this estimator draws as many samples as fit in 10% of
B (capped, to keep a local run quick) and averages every layer's activations.
All arithmetic goes through flopscope.numpy, so every FLOP is counted.
"""

import flopscope as flops
import flopscope.numpy as fnp

from whestbench import MLP, BaseEstimator, SetupContext, relu

BUDGET_FRACTION = 0.10  # the multiplier floor: cheaper than this gains nothing
MAX_SAMPLES = 16_384
CHUNK = 4_096


class Estimator(BaseEstimator):
    def setup(self, context: SetupContext) -> None:
        self.seed = context.seed

    def predict(self, mlp: MLP, budget: int):
        w, d = mlp.width, mlp.depth
        per_sample = d * (w * w + 2 * w)  # matmul, ReLU and the column sum, per layer (primer cost model)
        n = int(min(MAX_SAMPLES, max(CHUNK, BUDGET_FRACTION * budget // per_sample)))
        rng = fnp.random.default_rng([self.seed, mlp.seed])
        sums = [fnp.zeros(w, dtype=fnp.float32) for _ in range(d)]
        done = 0
        with flops.namespace("sampling"):
            while done < n:
                rows = min(CHUNK, n - done)
                x = rng.standard_normal((rows, w), dtype=fnp.float32)
                for layer, weights in enumerate(mlp.weights):
                    x = relu(x @ weights)
                    sums[layer] = sums[layer] + fnp.sum(x, axis=0)  # (upstream refuses +=)
                done += rows
        return fnp.stack(sums) / fnp.float32(n)
