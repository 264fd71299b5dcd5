"""Reference solution of exercise ch08_batch_norm (CI puts it into the exercise cell and runs the chapter)."""

import numpy as np


def batch_norm(x, gamma, beta, eps):
    mean, var = x.mean(axis=0), x.var(axis=0)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta
