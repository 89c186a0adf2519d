"""The MLP record, He-initialised sampling, and the forward pass (spec sections 1.1-1.2).

Weights are stored (input, output): one layer computes ``x <- max(0, x @ W)``
for a batch of row vectors. Weights are float32 on every path and are handed to
estimators as flopscope arrays, so whatever an estimator computes from them is
counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, List, Optional

import numpy as np

import flopscope.numpy as fnp


def as_counted(array: Any) -> fnp.ndarray:
    """A float32 flopscope view of `array` (no copy when it already is float32).

    A view cast, not ``fnp.asarray``: it does not touch any meter, so the
    harness's own bookkeeping never shows up in a budget.
    """
    a = np.asarray(array, dtype=np.float32)
    return a.view(fnp.ndarray)


@dataclass(frozen=True)
class MLP:
    """A square ReLU MLP: `depth` weight matrices of shape (width, width), float32.

    seed  per-MLP seed an estimator may use for its own randomness (0 when unknown)
    name  a human-readable label (empty outside the harness)
    """

    width: int
    depth: int
    weights: List[Any]
    seed: int = 0
    name: str = ""

    def validate(self) -> None:
        """Raises ValueError when the declared shape and the weights disagree."""
        if self.width <= 0:
            raise ValueError(f"MLP width must be positive, got {self.width!r}")
        if self.depth <= 0:
            raise ValueError(f"MLP depth must be positive, got {self.depth!r}")
        if len(self.weights) != self.depth:
            raise ValueError(f"MLP depth is {self.depth} but {len(self.weights)} weight matrices were given")
        for i, w in enumerate(self.weights):
            shape = tuple(getattr(w, "shape", ()))
            if shape != (self.width, self.width):
                raise ValueError(f"weight matrix {i} has shape {shape}, expected ({self.width}, {self.width})")

    @classmethod
    def from_weights(cls, weights: Any, seed: int = 0, name: str = "") -> "MLP":
        """An MLP from a (depth, width, width) array or a list of (width, width) arrays."""
        layers = [as_counted(w) for w in weights]
        if not layers:
            raise ValueError("an MLP needs at least one weight matrix")
        mlp = cls(width=int(layers[0].shape[-1]), depth=len(layers), weights=layers, seed=int(seed), name=name)
        mlp.validate()
        return mlp

    def stacked_weights(self) -> np.ndarray:
        """The weights as one plain float32 array (depth, width, width)."""
        return np.stack([np.asarray(w, dtype=np.float32) for w in self.weights])


def sample_mlp(width: int, depth: int, rng: Optional[np.random.Generator] = None, *, seed: int = 0) -> MLP:
    """A random MLP with He-initialised weights, entries ~ N(0, 2/width).

    Seed protocol of spec section 1.8: for each layer in order, draw a float64
    (width, width) standard normal from `rng`, multiply by the float64 scale
    sqrt(2/width), cast to float32. The same generator state gives the same
    weights as upstream whestbench, bit for bit. `seed` is only recorded on the
    MLP (the estimator's seed); it does not drive the weights.
    """
    if isinstance(width, bool) or int(width) != width or width <= 0:
        raise ValueError(f"width must be a positive int, got {width!r}")
    if isinstance(depth, bool) or int(depth) != depth or depth <= 0:
        raise ValueError(f"depth must be a positive int, got {depth!r}")
    width, depth = int(width), int(depth)
    if rng is None:
        rng = np.random.default_rng()
    scale = math.sqrt(2.0 / width)  # correctly rounded, same as numpy's float64 sqrt
    layers = []
    for _ in range(depth):
        draw = rng.standard_normal((width, width))
        layers.append(as_counted(np.asarray(draw, dtype=np.float64) * scale))
    mlp = MLP(width=width, depth=depth, weights=layers, seed=int(seed))
    mlp.validate()
    return mlp


def relu(x: Any) -> Any:
    """Element-wise ReLU, ``maximum(x, float32(0))`` (counted)."""
    return fnp.maximum(x, np.float32(0.0))


def run_mlp(mlp: MLP, inputs: Any) -> Any:
    """Final-layer activations for `inputs` of shape (samples, width) (counted)."""
    x = inputs
    for w in mlp.weights:
        x = relu(x @ w)
    return x


def run_mlp_all_layers(mlp: MLP, inputs: Any) -> List[Any]:
    """The activations after every layer, a list of `depth` (samples, width) arrays (counted)."""
    x = inputs
    out = []
    for w in mlp.weights:
        x = relu(x @ w)
        out.append(x)
    return out
