"""``keras.utils.PyDataset``: a dataset of batches by index, as Keras 3's.

A subclass defines ``__len__`` (the number of batches; or the ``num_batches`` property, None for an
endless dataset) and ``__getitem__(index)`` returning one batch, ``(x, y)`` or ``(x, y,
sample_weight)``; ``on_epoch_begin``/``on_epoch_end`` run around every epoch of ``fit`` (Keras 3
also calls ``on_epoch_end`` once before the first epoch; this door does not). ``fit(shuffle=True)``
visits the batches of an epoch in a random order. The ``workers``/``use_multiprocessing``/
``max_queue_size`` arguments are accepted and kept, and the batches are read in the calling thread.

>>> import numpy as np
>>> class Halves(PyDataset):
...     def __len__(self):
...         return 2
...     def __getitem__(self, index):
...         return np.full((3, 1), index), np.zeros((3, 1))
>>> [int(x[0, 0]) for x, _ in Halves()]
[0, 1]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any


class PyDataset:
    """Batches by index; see the module docstring."""

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self.workers, self.use_multiprocessing, self.max_queue_size = workers, use_multiprocessing, max_queue_size

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index)")

    @property
    def num_batches(self) -> int | None:
        """``len(self)`` when the subclass defines ``__len__``; a subclass may return None (endless)."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__ or the num_batches property (None: endless)"
        )

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch (e.g. to reshuffle the samples)."""

    def __iter__(self) -> Iterator[Any]:
        count = self.num_batches
        for index in range(count) if count is not None else itertools.count():
            yield self[index]
