"""Compatibility: upstream whestbench keeps sample_mlp in `whestbench.generation`."""

from whestbench.mlp import sample_mlp

__all__ = ["sample_mlp"]
