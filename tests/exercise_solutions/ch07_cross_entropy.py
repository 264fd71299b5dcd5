"""Reference solution of exercise ch07_cross_entropy (CI puts it into the exercise cell and runs the chapter)."""

import numpy as np


def cross_entropy(logits, labels):
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return float(np.mean(lse - logits[np.arange(len(labels)), labels]))
