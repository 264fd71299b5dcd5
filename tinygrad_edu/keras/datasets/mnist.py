"""``keras.datasets.mnist.load_data()``, offline first (see `tinygrad_edu.datasets.load_mnist`)."""

from __future__ import annotations

import numpy as np

from ... import datasets


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, images of shape (N, 28, 28).

    The full MNIST (60,000/10,000) when its IDX files are in the data cache
    (``$TINYGRAD_EDU_DATA/mnist``); otherwise the subset that ships with the package, split
    8,000/2,000, with a one-line notice. Never touches the network.
    """
    return datasets.load_mnist()
