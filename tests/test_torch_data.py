"""`tinygrad_edu.utils.data` against ``torch.utils.data``: the same batches for the same dataset and
order, the same lengths, the same collate rules, and random_split's sizes."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

torch = pytest.importorskip("torch", reason="PyTorch not installed: these tests compare with it")
tdata = torch.utils.data

X = np.arange(30, dtype=np.float32).reshape(10, 3)
Y = np.arange(10) % 3


def as_numpy(batch):
    if isinstance(batch, (list, tuple)):
        return [as_numpy(b) for b in batch]
    if isinstance(batch, dict):
        return {k: as_numpy(v) for k, v in batch.items()}
    return batch.data if isinstance(batch, tg.Tensor) else batch.numpy()


def assert_same_batches(ours, theirs) -> None:
    ours, theirs = list(ours), list(theirs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        a, b = as_numpy(a), as_numpy(b)
        assert type(a) is type(b)
        for x, y in zip(a, b) if isinstance(a, list) else [(a, b)]:
            assert x.dtype == y.dtype and x.shape == y.shape
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 16])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_match_pytorch(batch_size, drop_last) -> None:
    ours = DataLoader(TensorDataset(tg.tensor(X), tg.tensor(Y)), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(
        tdata.TensorDataset(torch.tensor(X), torch.tensor(Y)), batch_size=batch_size, drop_last=drop_last
    )
    assert len(ours) == len(theirs)
    assert_same_batches(ours, theirs)


class Pairs(Dataset):
    """A map-style dataset returning Python numbers, numpy arrays and dicts."""

    def __init__(self, lib) -> None:
        self.lib = lib

    def __len__(self) -> int:
        return 5

    def __getitem__(self, i: int):
        return (np.full(2, i, dtype=np.float32), float(i) / 2, i, {"k": i})


class TorchPairs(tdata.Dataset):
    def __len__(self) -> int:
        return 5

    def __getitem__(self, i: int):
        return (np.full(2, i, dtype=np.float32), float(i) / 2, i, {"k": i})


def test_default_collate_matches_pytorch_for_numbers_arrays_and_dicts() -> None:
    ours = list(DataLoader(Pairs(tg), batch_size=2))
    theirs = list(tdata.DataLoader(TorchPairs(), batch_size=2))
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        assert isinstance(a, list) and isinstance(b, list)
        for x, y in zip(a[:3], b[:3]):
            assert str(x.dtype) == str(y.dtype)
            np.testing.assert_array_equal(x.data, y.numpy())
        np.testing.assert_array_equal(a[3]["k"].data, b[3]["k"].numpy())
    assert default_collate(["a", "b"]) == tdata.default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([True, False]).dtype == np.bool_


def test_shuffle_is_a_fresh_permutation_each_epoch_and_seeded() -> None:
    ds = TensorDataset(tg.tensor(X), tg.tensor(np.arange(10)))
    tg.manual_seed(0)
    loader = DataLoader(ds, batch_size=4, shuffle=True)
    first = np.concatenate([y.data for _, y in loader])
    second = np.concatenate([y.data for _, y in loader])
    assert sorted(first) == sorted(second) == list(range(10)) and not np.array_equal(first, second)
    tg.manual_seed(0)
    again = np.concatenate([y.data for _, y in DataLoader(ds, batch_size=4, shuffle=True)])
    np.testing.assert_array_equal(first, again)
    seeded = [DataLoader(ds, batch_size=3, shuffle=True, generator=tg.Generator().manual_seed(7)) for _ in range(2)]
    fixed = [np.concatenate([y.data for _, y in loader]) for loader in seeded]
    np.testing.assert_array_equal(*fixed)
    for x, y in DataLoader(ds, batch_size=4, shuffle=True):  # rows stay paired with their labels
        np.testing.assert_array_equal(x.data[:, 0], 3 * y.data)


def test_batch_size_none_yields_single_samples_as_pytorch() -> None:
    ours = list(DataLoader(TensorDataset(tg.tensor(X)), batch_size=None))
    theirs = list(tdata.DataLoader(tdata.TensorDataset(torch.tensor(X)), batch_size=None))
    assert len(ours) == len(theirs) == 10
    np.testing.assert_array_equal(ours[3][0].data, theirs[3][0].numpy())


@pytest.mark.parametrize("lengths", [[3, 7], [0.5, 0.5], [0.3, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [0.1, 0.9]])
def test_random_split_sizes_match_pytorch_and_cover_the_dataset(lengths) -> None:
    ds = TensorDataset(tg.tensor(np.arange(10)))
    ours = random_split(ds, lengths, generator=tg.Generator().manual_seed(0))
    theirs = tdata.random_split(range(10), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert all(isinstance(s, Subset) for s in ours)
    picked = sorted(int(s[i][0].item()) for s in ours for i in range(len(s)))
    assert picked == list(range(10))


def test_errors_are_clear() -> None:
    with pytest.raises(ValueError, match="size mismatch between tensors"):
        TensorDataset(tg.zeros(3, 2), tg.zeros(4))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(TensorDataset(tg.zeros(3)), batch_size=0)
    with pytest.raises(TypeError, match="generator must be"):
        DataLoader(TensorDataset(tg.zeros(3)), shuffle=True, generator="seed")
    with pytest.raises(ValueError, match="sum to the dataset's 10"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match=r"fractions .* sum to 1"):
        random_split(range(10), [0.5, 0.2])
    with pytest.raises(RuntimeError, match="same shape"):
        default_collate([tg.zeros(2), tg.zeros(3)])
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]


def test_training_loop_over_a_loader() -> None:
    """A tutorial-style loop: mini-batch SGD on y = 2x − 1 fits the line (the math's answer)."""
    tg.manual_seed(0)
    x = tg.linspace(-1, 1, 64).reshape(64, 1)
    ds = TensorDataset(x, 2 * x - 1)
    model, loss_fn = tg.nn.Linear(1, 1), tg.nn.MSELoss()
    opt = tg.optim.SGD(model.parameters(), lr=0.2)
    for _ in range(40):
        for xb, yb in DataLoader(ds, batch_size=16, shuffle=True):
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    np.testing.assert_allclose([model.weight.item(), model.bias.item()], [2.0, -1.0], atol=1e-3)
