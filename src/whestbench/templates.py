"""Files `whest init` writes."""

ESTIMATOR = '''"""My WhestBench estimator.

Score it with:   whest run --estimator estimator.py
Check it with:   whest validate --estimator estimator.py
"""

import flopscope as flops
import flopscope.numpy as fnp

from whestbench import BaseEstimator, MLP, SetupContext


class Estimator(BaseEstimator):
    def setup(self, context: SetupContext) -> None:
        # Runs once per worker, unmetered, within --setup-timeout (5 s by default).
        # Files shipped next to this one are in context.submission_dir, e.g.
        #   data = fnp.load(f"{context.submission_dir}/weights.npz")
        self.context = context

    def predict(self, mlp: MLP, budget: int):
        # Return the expected value of every neuron after every layer, shape (depth, width).
        # Inputs are x ~ N(0, I); layer l computes h_l = max(0, h_{l-1} @ mlp.weights[l]).
        # Use flopscope.numpy (fnp) for the arithmetic: it is counted against `budget` FLOPs.
        return fnp.zeros((mlp.depth, mlp.width), dtype=fnp.float32)
'''

WHESTIGNORE = """# Files left out of a submission archive (gitignore syntax)
__pycache__/
*.pyc
.venv/
*.ipynb_checkpoints
"""
