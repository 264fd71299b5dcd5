"""PyTorch's random streams reach every sampler of the PyTorch door: the same seed and the same
calls under ``torch`` and ``tinygrad_edu`` give the same numbers, bit for bit (assert_array_equal),
for the factories (``rand``, ``randn``, ``randint``, ``randperm``, ``multinomial``, ``bernoulli``),
the in-place fills, ``nn.init``, the default initialisation of layers, dropout masks and the
DataLoader's shuffles, across seeds, sizes and interleaved call sequences. The expected numbers come
from PyTorch 2.13 run in the same test (tinygrad_edu.random's own transforms are tested in
test_torch_random.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tests.conftest import needs_torch

pytestmark = needs_torch

SEEDS = [0, 42, 2147483647]


def _eq(ours, theirs):
    theirs = theirs.detach().numpy()
    ours = ours.numpy() if isinstance(ours, tg.Tensor) else ours
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def _sequence(lib, g):
    """One interleaved call sequence; ``g`` is None (the default generator) or a generator."""
    kw = {} if g is None else {"generator": g}
    p = lib.tensor([[0.1, 0.2, 0.7, 0.0], [1.0, 1.0, 1.0, 1.0]])
    out = [
        lib.rand(3, **kw),
        lib.randn(17, **kw),
        lib.randn(2, 3, dtype=lib.float64, **kw),
        lib.randint(0, 27, (5,), **kw),
        lib.randint(10, (2, 2), **kw),
        lib.randperm(9, **kw),
        lib.multinomial(p, 3, replacement=True, **kw),
        lib.multinomial(p[1], 4, replacement=False, **kw),
        p.multinomial(2, **kw),
        lib.bernoulli(lib.full((6,), 0.4), **kw),
        lib.randn(5, **kw),
        lib.zeros(20).normal_(1.0, 2.0, **kw),
        lib.zeros(4, dtype=lib.float64).uniform_(-1.0, 3.0, **kw),
        lib.zeros(7).bernoulli_(0.3, **kw),
        lib.zeros(3).exponential_(2.0, **kw),
    ]
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_global_seed_reaches_every_sampler(seed):
    import torch

    tg.manual_seed(seed)
    torch.manual_seed(seed)
    for ours, theirs in zip(_sequence(tg, None), _sequence(torch, None)):
        _eq(ours, theirs)
    assert tg.initial_seed() == torch.initial_seed() == seed


@pytest.mark.parametrize("seed", SEEDS)
def test_generator_argument_reaches_every_sampler_and_leaves_the_default_alone(seed):
    import torch

    tg.manual_seed(5)
    torch.manual_seed(5)
    g, tgen = tg.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    for ours, theirs in zip(_sequence(tg, g), _sequence(torch, tgen)):
        _eq(ours, theirs)
    _eq(tg.randn(4), torch.randn(4))  # the default generator was not drawn from


def test_the_lectures_bigram_sampling():
    """makemore part 1's loop: a seeded generator, one multinomial draw per step from a row."""
    import torch

    counts = np.random.default_rng(0).integers(0, 50, (27, 27)).astype(np.float32)
    g, tgen = tg.Generator().manual_seed(2147483647), torch.Generator().manual_seed(2147483647)
    P, TP = tg.tensor(counts), torch.tensor(counts)
    P, TP = P / P.sum(1, keepdim=True), TP / TP.sum(1, keepdim=True)
    ix = tix = 0
    for _ in range(30):
        ix = tg.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
        tix = torch.multinomial(TP[tix], num_samples=1, replacement=True, generator=tgen).item()
        assert ix == tix


def test_state_moves_between_the_libraries():
    import torch

    torch.manual_seed(3)
    torch.randn(5)
    tg.set_rng_state(torch.get_rng_state())
    _eq(tg.randn(7), torch.randn(7))
    state = tg.get_rng_state()
    assert isinstance(state, tg.Tensor) and state.dtype == np.uint8 and state.shape == (5056,)
    torch.set_rng_state(torch.from_numpy(state.numpy().copy()))
    _eq(tg.rand(3), torch.rand(3))


@pytest.mark.parametrize("seed", SEEDS)
def test_layers_default_initialisation(seed):
    import torch

    tg.manual_seed(seed)
    torch.manual_seed(seed)
    pairs = [
        (tg.nn.Linear(27, 10), torch.nn.Linear(27, 10)),
        (tg.nn.Linear(3, 200, bias=False), torch.nn.Linear(3, 200, bias=False)),
        (tg.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(3, 4, 3)),
    ]
    for ours, theirs in pairs:
        for name, p in theirs.named_parameters():
            _eq(getattr(ours, name), p)


@pytest.mark.parametrize("shape", [(5, 3), (30, 20), (8, 4, 3, 3)])
def test_init_functions(shape):
    import torch

    ours_calls = [
        lambda w, g: tg.nn.init.uniform_(w, -0.5, 2.0, generator=g),
        lambda w, g: tg.nn.init.normal_(w, 0.5, 3.0, generator=g),
        lambda w, g: tg.nn.init.xavier_uniform_(w, gain=5 / 3, generator=g),
        lambda w, g: tg.nn.init.xavier_normal_(w, generator=g),
        lambda w, g: tg.nn.init.kaiming_uniform_(w, a=0.1, generator=g),
        lambda w, g: tg.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", generator=g),
    ]
    theirs_calls = [
        lambda w, g: torch.nn.init.uniform_(w, -0.5, 2.0, generator=g),
        lambda w, g: torch.nn.init.normal_(w, 0.5, 3.0, generator=g),
        lambda w, g: torch.nn.init.xavier_uniform_(w, gain=5 / 3, generator=g),
        lambda w, g: torch.nn.init.xavier_normal_(w, generator=g),
        lambda w, g: torch.nn.init.kaiming_uniform_(w, a=0.1, generator=g),
        lambda w, g: torch.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", generator=g),
    ]
    g, tgen = tg.Generator().manual_seed(11), torch.Generator().manual_seed(11)
    for ours, theirs in zip(ours_calls, theirs_calls):
        w, tw = tg.nn.Parameter(tg.zeros(*shape)), torch.nn.Parameter(torch.zeros(*shape))
        ours(w, g)
        theirs(tw, tgen)
        _eq(w, tw)


@pytest.mark.parametrize("shape", [(5,), (16,), (37, 9)])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_masks(shape, p):
    import torch

    tg.manual_seed(1)
    torch.manual_seed(1)
    x, tx = tg.randn(*shape), torch.randn(*shape)
    _eq(tg.nn.functional.dropout(x, p), torch.nn.functional.dropout(tx, p))
    layer, tlayer = tg.nn.Dropout(p), torch.nn.Dropout(p)
    _eq(layer(x), tlayer(tx))
    _eq(tg.nn.functional.dropout(x.double(), p), torch.nn.functional.dropout(tx.double(), p))


@pytest.mark.parametrize("with_generator", [False, True])
def test_dataloader_shuffle_and_random_split(with_generator):
    import torch
    from torch.utils import data as tdata

    from tinygrad_edu.utils import data

    tg.manual_seed(0)
    torch.manual_seed(0)
    g = tg.Generator().manual_seed(4) if with_generator else None
    tgen = torch.Generator().manual_seed(4) if with_generator else None
    loader = data.DataLoader(data.TensorDataset(tg.arange(23)), batch_size=5, shuffle=True, generator=g)
    tloader = tdata.DataLoader(tdata.TensorDataset(torch.arange(23)), batch_size=5, shuffle=True, generator=tgen)
    for _ in range(3):  # a fresh order per pass, as PyTorch's
        assert [b[0].tolist() for b in loader] == [b[0].tolist() for b in tloader]
    ours = data.random_split(range(10), [0.3, 0.7], generator=g)
    theirs = tdata.random_split(range(10), [0.3, 0.7], generator=tgen)
    assert [s.indices for s in ours] == [s.indices for s in theirs]


def test_bad_arguments_raise_pytorchs_errors():
    import torch

    for lib in (tg, torch):
        with pytest.raises(TypeError):
            lib.randn(3, generator=np.random.default_rng(0))
        with pytest.raises(RuntimeError, match="without replacement"):
            lib.multinomial(lib.tensor([0.5, 0.5]), 3)
        with pytest.raises(RuntimeError, match="probability"):
            lib.multinomial(lib.tensor([0.5, -0.5]), 1)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            lib.zeros(3, requires_grad=True).normal_()
        with pytest.raises(RuntimeError):
            lib.randint(5, 5, (2,))
        with pytest.raises(TypeError):
            lib.randint(0, 5, 3)
    with pytest.raises(TypeError, match="generator must be"):
        from tinygrad_edu.utils import data

        data.DataLoader(data.TensorDataset(tg.zeros(3)), shuffle=True, generator=7)
