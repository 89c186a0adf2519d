"""whestbench: ground-truth tooling for the Whitebox Estimation benchmark."""

from whestbench.sampling import (
    BACKENDS,
    LayerStatistics,
    closed_form_flops,
    cuda_status,
    sample_layer_statistics,
)

__all__ = ["BACKENDS", "LayerStatistics", "closed_form_flops", "cuda_status", "sample_layer_statistics"]
