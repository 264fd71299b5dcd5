"""``keras.datasets.boston_housing``: 506 Boston suburbs of the 1970s (Harrison & Rubinfeld, 1978),
13 features each, and the median home value in $1000s, as Keras 3 returns them.

The file is Keras' ``boston_housing.npz``, read from Keras' cache folder (``~/.keras/datasets``,
or ``$KERAS_HOME/datasets``); ``tinygrad-edu data download boston_housing`` puts it there.
"""

from __future__ import annotations

import numpy as np

from . import sequences

Split = tuple[np.ndarray, np.ndarray]


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113) -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)``: features (N, 13) and prices (N,), shuffled with
    ``np.random.RandomState(seed)``; the first ``int(506 * (1 - test_split))`` rows train.

    Raises:
        ValueError: ``test_split`` outside [0, 1), as Keras; the file is damaged or not Keras'.
        FileNotFoundError: the file is not in Keras' cache folder (the message says how to get it).
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")
    arrays = sequences.read_arrays(path, "boston_housing", ("x", "y"))
    x, y = sequences.shuffled(np.random.RandomState(seed), arrays["x"], arrays["y"])
    if x.ndim != 2 or y.shape != x.shape[:1]:
        raise ValueError(f"keras.datasets.boston_housing: features {x.shape} and prices {y.shape} do not match")
    n = int(len(x) * (1 - test_split))
    return (x[:n], y[:n]), (x[n:], y[n:])
