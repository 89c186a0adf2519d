"""whestbench: run, score and report estimators of ReLU-MLP layer means under FLOP budgets.

    from whestbench import BaseEstimator, SetupContext, MLP

Participants subclass BaseEstimator; `whest run --estimator estimator.py`
scores it (docs/whestbench.md). The Monte-Carlo ground-truth sampler is
`sample_layer_statistics` (docs/sampler.md).
"""

__version__ = "0.1.0"

from whestbench.sampling import (  # noqa: E402
    BACKENDS,
    LayerStatistics,
    closed_form_flops,
    cuda_status,
    sample_layer_statistics,
)
from whestbench.mlp import MLP, relu, run_mlp, run_mlp_all_layers, sample_mlp  # noqa: E402
from whestbench.sdk import BaseEstimator, SetupContext  # noqa: E402
from whestbench.datasets import SCHEMA_VERSION, InvalidDatasetError, iter_mlps, load_dataset, metadata, mlp_at  # noqa: E402,E501
from whestbench.scoring import (  # noqa: E402
    BudgetExhaustionWarning,
    CombinedBudgetExhaustionWarning,
    ResidualWallTimeExhaustionWarning,
    ScoringExhaustionWarning,
    TimeExhaustionWarning,
)

__all__ = [
    "BACKENDS", "BaseEstimator", "BudgetExhaustionWarning", "CombinedBudgetExhaustionWarning",
    "InvalidDatasetError", "LayerStatistics", "MLP", "ResidualWallTimeExhaustionWarning", "SCHEMA_VERSION",
    "ScoringExhaustionWarning", "SetupContext", "TimeExhaustionWarning", "closed_form_flops", "cuda_status",
    "iter_mlps", "load_dataset", "metadata", "mlp_at", "relu", "run_mlp", "run_mlp_all_layers",
    "sample_layer_statistics", "sample_mlp",
]

_NOT_HERE = {"create_dataset", "merge_datasets", "combine_split_datasets", "publish_dataset"}


def __getattr__(name):
    if name in _NOT_HERE:
        raise AttributeError(f"whestbench.{name} (baking and publishing datasets) is not part of this harness; "
                             "it reads datasets written by upstream whestbench (whestbench.load_dataset)")
    raise AttributeError(f"module 'whestbench' has no attribute {name!r}")
