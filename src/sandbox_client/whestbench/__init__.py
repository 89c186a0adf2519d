"""whestbench in the sandbox: the SDK names an estimator imports (no harness, no sampler)."""

from dataclasses import dataclass
from typing import Any, List, Optional

import flopscope.numpy as fnp

API_VERSION = "1.0"


@dataclass(frozen=True)
class SetupContext:
    width: int
    depth: int
    flop_budget: int
    api_version: str = API_VERSION
    scratch_dir: Optional[str] = None
    submission_dir: Optional[str] = None
    seed: int = 0


@dataclass(frozen=True)
class MLP:
    width: int
    depth: int
    weights: List[Any]
    seed: int = 0
    name: str = ""


class BaseEstimator:
    def predict(self, mlp: MLP, budget: int) -> Any:
        raise NotImplementedError

    def setup(self, context: SetupContext) -> None:
        return None

    def teardown(self) -> None:
        return None


def relu(x):
    """Element-wise ReLU, ``maximum(x, float32(0))`` (counted)."""
    return fnp.maximum(x, fnp.float32(0.0))


def run_mlp(mlp, inputs):
    x = inputs
    for w in mlp.weights:
        x = relu(x @ w)
    return x


def run_mlp_all_layers(mlp, inputs):
    x, out = inputs, []
    for w in mlp.weights:
        x = relu(x @ w)
        out.append(x)
    return out


__all__ = ["BaseEstimator", "MLP", "SetupContext", "relu", "run_mlp", "run_mlp_all_layers"]
