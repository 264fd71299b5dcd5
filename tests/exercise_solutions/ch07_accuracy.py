"""Reference solution of exercise ch07_accuracy (CI puts it into the exercise cell and runs the chapter)."""

import numpy as np


def accuracy(logits, labels):
    return float(np.mean(logits.argmax(axis=1) == labels))
