"""`--max-threads N` / WHEST_MAX_THREADS: cap BLAS and OpenMP threads here and in workers."""

from __future__ import annotations

import os
from typing import Optional

ENV_VAR = "WHEST_MAX_THREADS"
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
_limiter = None  # keeps threadpoolctl's limit in force for the life of the process


def resolve(flag: Optional[int]) -> Optional[int]:
    """The flag, else WHEST_MAX_THREADS, else None. Raises ValueError for a bad value."""
    value = flag if flag is not None else os.environ.get(ENV_VAR)
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"max threads must be a positive int, got {value!r}") from None
    if n <= 0:
        raise ValueError(f"max threads must be a positive int, got {n}")
    return n


def limit_threads(n: int) -> bool:
    """Sets the thread variables (inherited by worker processes) and, through threadpoolctl when it is
    installed, the BLAS libraries already loaded here. True when the in-process limit took effect."""
    global _limiter
    for var in _THREAD_VARS:
        os.environ[var] = str(n)
    os.environ[ENV_VAR] = str(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    _limiter = threadpool_limits(limits=n)
    return True
