"""Reference solution of exercise ch08_dropout (CI puts it into the exercise cell and runs the chapter)."""

import numpy as np


def dropout(x, p, rng):
    keep = rng.random(x.shape) >= p
    return np.where(keep, x / (1 - p), 0.0)
