"""``keras.utils.set_random_seed``: one call that makes a Keras program repeatable."""

from __future__ import annotations

import random

import numpy as np

from ... import random as engine_random


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, numpy's global generator and the engine's generator (which the
    Keras door's initializers, dropout masks and shuffles draw from) with ``seed``, as Keras 3's
    ``set_random_seed`` seeds Python, numpy and its backend (``torch.manual_seed`` on torch).

    The same seed then builds the same weights and trains the same way, run after run; the numbers
    are not Keras', whose draws go through its own seed generators.

    >>> set_random_seed(7)
    >>> a = random.random(), float(np.random.rand())
    >>> random.seed(7); np.random.seed(7)
    >>> a == (random.random(), float(np.random.rand()))
    True

    Raises:
        ValueError: ``seed`` is not an int (Keras' error and words).
    """
    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    engine_random.manual_seed(seed)
