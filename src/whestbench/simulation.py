"""Compatibility: upstream whestbench keeps the forward pass in `whestbench.simulation`.

The ground-truth sampler here is ours (`whestbench.sample_layer_statistics`,
docs/sampler.md); its signature differs from upstream's (weights array and an
integer seed instead of an MLP and a Generator).
"""

from whestbench.mlp import relu, run_mlp, run_mlp_all_layers
from whestbench.sampling import sample_layer_statistics

__all__ = ["relu", "run_mlp", "run_mlp_all_layers", "sample_layer_statistics"]
