"""The library's random number generator, seeded like ``torch.manual_seed``.

Weight initialisation, dropout masks and shuffling all draw from one `numpy.random.Generator`,
so ``manual_seed(0)`` makes a whole run repeatable.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library's generator (PCG64) and return it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_rng() -> np.random.Generator:
    """The generator that the library draws from."""
    return _generator
