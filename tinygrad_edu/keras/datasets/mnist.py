"""``keras.datasets.mnist.load_data()``, offline first."""

from __future__ import annotations

import sys

import numpy as np

from ... import datasets

NOTICE = (
    "tinygrad_edu: full MNIST not found in {cache}; using the bundled 10,000-digit subset "
    "(8,000 train / 2,000 test). For all 70,000, put MNIST's four IDX files (.gz) in that folder"
)


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((x_train, y_train), (x_test, y_test)) as uint8 arrays, images of shape (N, 28, 28).

    The full MNIST (60,000/10,000) when its IDX files are in the data cache
    (``$TINYGRAD_EDU_DATA/mnist``); otherwise the subset that ships with the package, split
    8,000/2,000, with a one-line notice. Never touches the network.
    """
    folder = datasets.find_full_mnist()
    if folder is not None:
        return datasets.load_idx_set(folder)
    print(NOTICE.format(cache=datasets.data_dir() / "mnist"), file=sys.stderr)
    images, labels = datasets.load_bundled_mnist()
    return (images[:8000], labels[:8000]), (images[8000:], labels[8000:])
