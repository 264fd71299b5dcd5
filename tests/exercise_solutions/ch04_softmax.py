"""Reference solution of exercise ch04_softmax (CI puts it into the exercise cell and runs the chapter)."""

import numpy as np


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()
