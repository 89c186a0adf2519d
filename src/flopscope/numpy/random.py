"""flopscope.numpy.random: NumPy's random module, with draws as flopscope arrays.

Random generation is free (primer: "Random generation itself is free. FLOPs
are counted when you operate on the arrays."), but every draw runs through the
meter: it shows in the budget summary as `random.<name>` or
`random.Generator.<name>` with 0 FLOPs, and its time is booked as NumPy's time,
not as the participant's residual time. Same seed, same draws as NumPy, bit for
bit.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .. import _core

# Not draws: passed through unchanged.
SeedSequence = _np.random.SeedSequence
BitGenerator = _np.random.BitGenerator
PCG64 = _np.random.PCG64
PCG64DXSM = _np.random.PCG64DXSM
MT19937 = _np.random.MT19937
Philox = _np.random.Philox
SFC64 = _np.random.SFC64
seed = _np.random.seed
get_state = _np.random.get_state
set_state = _np.random.set_state

_GENERATOR_OPS = "random.Generator."


class Generator(_np.random.Generator):
    """numpy.random.Generator whose draws come back as flopscope arrays (free, metered).

    A subclass of NumPy's, so `isinstance(rng, numpy.random.Generator)` holds and
    seeding, state and `spawn` are NumPy's own.
    """

    def __init__(self, bit_generator: Any):
        super().__init__(bit_generator)
        # The draws run on a plain NumPy Generator over the same bit generator (one
        # stream): NumPy's samplers call each other (choice -> integers), and on
        # this object they would land on the metered methods again.
        self._numpy = _np.random.Generator(self.bit_generator)

    def __reduce__(self):
        return (type(self), (self.bit_generator,))

    def __repr__(self) -> str:
        return f"flopscope {super().__repr__()}"


# The samplers: counted methods of the core that run NumPy's own method on self._numpy.
for _op, _counted in _core.exported.items():
    if _op.startswith(_GENERATOR_OPS):
        setattr(Generator, _op[len(_GENERATOR_OPS):], _counted)


class RandomState(_np.random.RandomState):
    """numpy.random.RandomState (the legacy generator) whose draws come back as
    flopscope arrays (free, metered). Seeding and state are NumPy's own; the
    same seed gives NumPy's draws, bit for bit."""

    def __init__(self, seed: Any = None):
        super().__init__(seed)
        # Draws run on a plain RandomState sharing this one's bit generator (one stream).
        self._numpy = _np.random.RandomState(self._bit_generator)

    def __reduce__(self):
        return (type(self), (self._bit_generator,))

    def __repr__(self) -> str:
        return f"flopscope {super().__repr__()}"


_RANDOM_STATE_OPS = "random.RandomState."
for _op, _counted in _core.exported.items():
    if _op.startswith(_RANDOM_STATE_OPS):
        setattr(RandomState, _op[len(_RANDOM_STATE_OPS):], _counted)


def default_rng(seed: Any = None) -> Generator:
    """Like numpy.random.default_rng; draws return flopscope arrays.

    A flopscope Generator is returned as is; a NumPy Generator is wrapped around
    its bit generator (so both draw from one stream); anything else seeds a PCG64.
    """
    if isinstance(seed, Generator):
        return seed
    if isinstance(seed, _np.random.Generator):
        return Generator(seed.bit_generator)
    if isinstance(seed, _np.random.BitGenerator):
        return Generator(seed)
    if isinstance(seed, _core.ndarray):
        seed = _np.asarray(seed)
    return Generator(_np.random.PCG64(seed))


# The module-level samplers (numpy.random.randn, normal, ...), counted by the core.
_SAMPLERS = {op[len("random."):]: f for op, f in _core.exported.items()
             if op.startswith("random.") and op.count(".") == 1}
# random.symmetric's row prices its projection; the public function draws and symmetrizes.
from .._symmetric import random_symmetric as _random_symmetric  # noqa: E402

_SAMPLERS["symmetric"] = _random_symmetric
globals().update(_SAMPLERS)

__all__ = sorted([*_SAMPLERS, "Generator", "RandomState", "default_rng", "SeedSequence", "BitGenerator", "PCG64", "PCG64DXSM",
                  "MT19937", "Philox", "SFC64", "seed", "get_state", "set_state"])


def __getattr__(name: str):
    raise AttributeError(f"flopscope.numpy.random does not provide {name!r}")
