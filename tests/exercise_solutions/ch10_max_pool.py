"""Reference solution of exercise ch10_max_pool (CI puts it into the exercise cell and runs the chapter)."""

import numpy as np


def max_pool(x, k):
    h, w = x.shape[0] // k, x.shape[1] // k
    return np.array([[x[i * k : (i + 1) * k, j * k : (j + 1) * k].max() for j in range(w)] for i in range(h)])
