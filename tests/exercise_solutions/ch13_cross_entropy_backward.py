"""Reference solution of exercise ch13_cross_entropy_backward (CI puts it into the exercise cell)."""

import numpy as np


def cross_entropy_backward(logits, targets):
    n = logits.shape[0]
    counts = np.exp(logits - logits.max(axis=1, keepdims=True))
    dlogits = counts / counts.sum(axis=1, keepdims=True)
    dlogits[np.arange(n), targets] -= 1
    return dlogits / n
