"""flopscope.numpy.random: NumPy's generators, with results as flopscope arrays.

Random generation is free (primer: "Random generation itself is free. FLOPs
are counted when you operate on the arrays.").
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as _np

from .. import _core

__all__ = ["default_rng", "Generator", "SeedSequence", "seed", "rand", "randn", "normal", "uniform",
           "random", "standard_normal", "randint", "choice", "permutation", "shuffle"]

SeedSequence = _np.random.SeedSequence


def _as_flopscope(value: Any) -> Any:
    if isinstance(value, _np.ndarray):
        return value.view(_core.ndarray) if type(value) is not _core.ndarray else value
    if isinstance(value, (_np.number, _np.bool_)):
        return _np.asarray(value).view(_core.ndarray)
    return value


def _plain(value: Any) -> Any:
    return _np.asarray(value) if isinstance(value, _core.ndarray) else value


class Generator:
    """numpy.random.Generator whose draws come back as flopscope arrays (free)."""

    def __init__(self, bit_generator: Any = None):
        self._gen = bit_generator if isinstance(bit_generator, _np.random.Generator) else _np.random.Generator(
            bit_generator if bit_generator is not None else _np.random.PCG64())

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._gen, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def draw(*args, **kwargs):
            args = tuple(_plain(a) for a in args)
            kwargs = {k: _plain(v) for k, v in kwargs.items()}
            return _as_flopscope(attr(*args, **kwargs))

        return draw

    def __repr__(self) -> str:
        return f"flopscope {self._gen!r}"


def default_rng(seed: Any = None) -> Generator:
    """Like numpy.random.default_rng; draws return flopscope arrays."""
    return Generator(_np.random.default_rng(_plain(seed)))


def seed(seed: Any = None) -> None:
    _np.random.seed(seed)


def _legacy(name: str):
    fn = getattr(_np.random, name)

    @functools.wraps(fn)
    def draw(*args, **kwargs):
        args = tuple(_plain(a) for a in args)
        kwargs = {k: _plain(v) for k, v in kwargs.items()}
        return _as_flopscope(fn(*args, **kwargs))

    return draw


rand = _legacy("rand")
randn = _legacy("randn")
normal = _legacy("normal")
uniform = _legacy("uniform")
random = _legacy("random")
standard_normal = _legacy("standard_normal")
randint = _legacy("randint")
choice = _legacy("choice")
permutation = _legacy("permutation")


def shuffle(x: Any) -> None:
    """In-place shuffle along the first axis (free)."""
    _np.random.shuffle(_np.asarray(x))


def __getattr__(name: str):
    raise AttributeError(f"flopscope.numpy.random does not provide {name!r}")
