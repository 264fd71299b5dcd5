"""``keras.datasets.fashion_mnist.load_data()`` from local files (Debian's dataset-fashion-mnist)."""

from __future__ import annotations

import numpy as np

from ... import datasets


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)): 60,000 + 10,000 images of shape (28, 28), uint8."""
    return datasets.load_fashion_mnist()
