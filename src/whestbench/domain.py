"""Compatibility: upstream whestbench keeps MLP in `whestbench.domain`."""

from whestbench.mlp import MLP

__all__ = ["MLP"]
