"""Datasets and mini-batches, as ``torch.utils.data``.

- `Dataset`: anything with ``__getitem__(i)`` and ``__len__``; `TensorDataset` wraps tensors that
  share their first axis; `Subset` is a view through a list of indices.
- `DataLoader`: iterates over mini-batches. Each batch is the samples put together by
  `default_collate`, which, as PyTorch's, stacks tensors and arrays along a new first axis, turns
  numbers into a tensor (float → float64, int → int64, as PyTorch), and keeps the structure of
  tuples (as lists) and dicts. Batches carry no graph: they are data.
- `random_split`: disjoint random subsets of given lengths, or fractions of the whole.

Shuffling draws PyTorch's orders for the same seed: each pass over a shuffling `DataLoader` takes
one 63-bit number from its ``generator`` (PyTorch's ``_base_seed``), then, with no generator,
seeds a fresh `Generator` with one more number from the default generator and runs `randperm` on
it (``RandomSampler``); with a generator, `randperm` draws from it. ``RandomSampler`` draws a
second, unused permutation per pass (its ``randperm(n)[:num_samples % n]`` tail); here it is drawn
when the pass starts rather than when it ends, which differs only for a program that draws from the
loader's own generator between two batches. `random_split` is a `randperm` of the dataset's length.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import random
from ..creation import tensor
from ..random import Generator
from ..tensor import Tensor


def _generator(generator: Any) -> Generator:
    if generator is None:
        return random.default_generator
    if isinstance(generator, Generator):
        return generator
    raise TypeError(f"generator must be None or a tinygrad_edu.Generator, got {type(generator).__name__}")


def _seed_draw(generator: Generator) -> int:
    """PyTorch's ``torch.empty((), dtype=torch.int64).random_(generator=g)``: a 64-bit word mod 2**63."""
    return int(generator.random64(1)[0] % np.uint64(2**63))


class Dataset:
    """A collection of samples: subclasses define ``__getitem__(i)`` and ``__len__()``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Sample i is ``(t[i] for t in tensors)``; every tensor must have the same first axis.

    >>> ds = TensorDataset(Tensor([[1.0, 2.0], [3.0, 4.0]]), Tensor([0, 1]))
    >>> len(ds), ds[1][0].numpy()
    (2, array([3., 4.], dtype=float32))
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(t.shape) for t in self.tensors)
            raise ValueError(f"TensorDataset: size mismatch between tensors (first axes differ): {shapes}")

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(Tensor(t._data[index]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def default_collate(batch: list[Any]) -> Any:
    """Put a list of samples together the way PyTorch's ``default_collate`` does.

    Tensors and numpy arrays are stacked along a new first axis (into a Tensor); when the first
    sample is a Python float the batch becomes a float64 tensor, when it is an int (or bool) the
    batch becomes ``tensor(batch)`` (so ``[1, 2.5]`` is float32, ``[1, 2]`` int64); tuples and lists are
    collated field by field (into a list); dicts key by key; anything else is returned as a list.

    >>> xs, ys = default_collate([(Tensor([1.0, 2.0]), 0), (Tensor([3.0, 4.0]), 1)])
    >>> xs.shape, ys.numpy()
    (torch.Size([2, 2]), array([0, 1]))
    """
    if not batch:
        raise ValueError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray, np.generic)):
        arrays = [np.asarray(b._data if isinstance(b, Tensor) else b) for b in batch]
        shapes = {a.shape for a in arrays}
        if len(shapes) != 1:
            raise RuntimeError(f"default_collate: stack expects each sample to have the same shape, got {shapes}")
        return Tensor(np.stack(arrays))
    if isinstance(elem, numbers.Integral):
        return tensor(batch)
    if isinstance(elem, numbers.Real):
        return tensor(batch, dtype=np.float64)
    if isinstance(elem, dict):
        return {key: default_collate([b[key] for b in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("default_collate: each sample in the batch must have the same number of fields")
        return [default_collate(list(fields)) for fields in zip(*batch)]
    return list(batch)


class DataLoader:
    """Mini-batches of a dataset, as ``torch.utils.data.DataLoader``.

    Args:
        dataset: a `Dataset` (anything with ``__getitem__`` and ``__len__``).
        batch_size: samples per batch (the last may be smaller); None yields single samples uncollated.
        shuffle: draw a fresh random order at the start of every pass.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        collate_fn: how a list of samples becomes a batch (`default_collate`).
        generator: the shuffle's random source: None (the default generator, seeded by
            `tinygrad_edu.manual_seed`) or a `tinygrad_edu.Generator`.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: Any = None,
    ) -> None:
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive integer or None, got {batch_size!r}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.generator = generator
        _generator(generator)  # reject a bad generator now, not at the first batch
        if shuffle and len(dataset) == 0:  # as PyTorch's RandomSampler
            raise ValueError("DataLoader: shuffle=True needs at least one sample, got an empty dataset")

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        gen = _generator(self.generator)
        _seed_draw(gen)  # PyTorch's iterator draws its _base_seed first
        if self.generator is None:  # RandomSampler: a fresh generator seeded from the default one
            gen = Generator().manual_seed(_seed_draw(gen))
        order = random.randperm(n, generator=gen)
        random.randperm(n, generator=gen)  # RandomSampler's tail, randperm(n)[:num_samples % n], drawn and unused
        return order

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            if self.drop_last and len(chunk) < self.batch_size:
                return
            yield self.collate_fn([self.dataset[int(i)] for i in chunk])

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


def split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Subset sizes for `random_split`: the lengths themselves, or, for fractions that sum to 1,
    ⌊n·f⌋ each with the remainder given out one by one from the first (PyTorch's rule).

    >>> split_lengths(10, [0.5, 0.3, 0.2]), split_lengths(11, [0.5, 0.5]), split_lengths(5, [2, 3])
    ([5, 3, 2], [6, 5], [2, 3])
    """
    if all(isinstance(x, numbers.Integral) for x in lengths):
        sizes = [int(x) for x in lengths]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ValueError(f"random_split: lengths {sizes} must be non-negative and sum to the dataset's {n}")
        return sizes
    if not math.isclose(sum(lengths), 1.0, abs_tol=1e-9) or any(not 0 <= f <= 1 for f in lengths):
        raise ValueError(f"random_split: fractions {list(lengths)} must lie in [0, 1] and sum to 1")
    sizes = [math.floor(n * f) for f in lengths]
    for i in range(n - sum(sizes)):
        sizes[i % len(sizes)] += 1
    return sizes


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None) -> list[Subset]:
    """Disjoint random `Subset`s of ``dataset`` with the given lengths (or fractions)."""
    sizes = split_lengths(len(dataset), lengths)
    order = random.randperm(len(dataset), generator=_generator(generator)).tolist()
    offsets = np.cumsum([0, *sizes])
    return [Subset(dataset, order[a:b]) for a, b in itertools.pairwise(offsets)]


__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split", "split_lengths"]
