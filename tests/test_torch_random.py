"""tinygrad_edu.random against PyTorch 2.13's CPU generator: the same seed and the same calls give the
same numbers, bit for bit (assert_array_equal), across seeds, sizes below/at/above 16, dtypes and
interleaved call sequences; the state bytes move between the two libraries both ways; bad input
raises PyTorch's error type."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import needs_torch
from tinygrad_edu import random as trandom
from tinygrad_edu.random import Generator

pytestmark = needs_torch

SEEDS = [0, 1, 42, 1337, 2147483647, 2**32 + 5, 2**63 + 11, -3]
SIZES = [1, 2, 3, 15, 16, 17, 31, 33, 1000, (3, 5), (27, 27), (4, 1, 9)]


def _pair(seed):
    import torch

    return Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


def _tdtype(dt):
    import torch

    return {np.float32: torch.float32, np.float64: torch.float64}[dt]


def _size(size):
    return size if isinstance(size, tuple) else (size,)


def _eq(ours, theirs):
    theirs = theirs.numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_rand_randn_all_sizes(seed, dt):
    import torch

    g, tg = _pair(seed)
    for size in SIZES:
        _eq(trandom.rand(_size(size), dt, generator=g), torch.rand(_size(size), dtype=_tdtype(dt), generator=tg))
        _eq(trandom.randn(_size(size), dt, generator=g), torch.randn(_size(size), dtype=_tdtype(dt), generator=tg))


@pytest.mark.parametrize("seed", [0, 7, 2147483647])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("n", [5, 16, 100, 4099])
def test_normal_uniform_exponential_with_parameters(seed, dt, n):
    """Non-trivial mean/std and [a, b) exercise the fused multiply-adds of PyTorch's kernels."""
    import torch

    g, tg = _pair(seed)
    t = torch.empty(n, dtype=_tdtype(dt))
    _eq(trandom.normal_(np.empty(n, dt), 0.3, 2.7, generator=g), t.normal_(0.3, 2.7, generator=tg))
    _eq(trandom.uniform_(np.empty(n, dt), -0.37, 1.93, generator=g), t.uniform_(-0.37, 1.93, generator=tg))
    _eq(trandom.exponential_(np.empty(n, dt), 0.7, generator=g), t.exponential_(0.7, generator=tg))
    _eq(trandom.normal_(np.empty(n, dt), -5.0, 0.01, generator=g), t.normal_(-5.0, 0.01, generator=tg))


def test_big_float32_randn_blocks():
    """A Karpathy-sized draw: every AVX2 block of 16, and the redrawn tail, equal to PyTorch's."""
    import torch

    g, tg = _pair(2147483647)
    _eq(trandom.randn((27, 10), generator=g), torch.randn((27, 10), generator=tg))
    _eq(trandom.randn((30, 200), generator=g), torch.randn((30, 200), generator=tg))
    _eq(trandom.randn((200003,), generator=g), torch.randn((200003,), generator=tg))


def test_non_contiguous_normal_takes_the_pairwise_path():
    import torch

    g, tg = _pair(5)
    ours = trandom.normal_(np.empty((8, 6), np.float32).T, generator=g)
    theirs = torch.empty((8, 6)).T.normal_(generator=tg)
    np.testing.assert_array_equal(ours, theirs.numpy())


@pytest.mark.parametrize("seed", SEEDS)
def test_interleaved_sequence_on_one_generator(seed):
    """The small normal path's cached second value survives across calls, as in PyTorch."""
    import torch

    g, tg = _pair(seed)
    probs = trandom.rand((27,), generator=g)
    tprobs = torch.rand(27, generator=tg)
    _eq(probs, tprobs)
    for _ in range(2):
        _eq(trandom.randn((3,), generator=g), torch.randn(3, generator=tg))
        _eq(trandom.rand((2, 3), generator=g), torch.rand(2, 3, generator=tg))
        _eq(trandom.multinomial(probs, 1, True, generator=g), torch.multinomial(tprobs, 1, True, generator=tg))
        _eq(trandom.randn((1,), np.float64, generator=g), torch.randn(1, dtype=torch.float64, generator=tg))
        _eq(trandom.randint(0, 27, (5,), generator=g), torch.randint(0, 27, (5,), generator=tg))
        _eq(trandom.multinomial(probs, 20, True, generator=g), torch.multinomial(tprobs, 20, True, generator=tg))
        _eq(trandom.randn((17,), generator=g), torch.randn(17, generator=tg))
        _eq(trandom.randperm(10, generator=g), torch.randperm(10, generator=tg))
        _eq(trandom.randn((5,), generator=g), torch.randn(5, generator=tg))


@pytest.mark.parametrize("seed", [0, 42, 2147483647])
def test_randint_randperm(seed):
    import torch

    g, tg = _pair(seed)
    for low, high, size in [(0, 10, (7,)), (3, 40, (3, 4)), (-5, 5, (100,)), (0, 2**31, (9,)),
                            (0, 2**32, (9,)), (-(2**40), 2**40, (50,)), (-(2**63), 2**63 - 1, (20,))]:  # fmt: skip
        _eq(trandom.randint(low, high, size, generator=g), torch.randint(low, high, size, generator=tg))
    _eq(trandom.randint(0, 100, (6,), np.int32, generator=g),
        torch.randint(0, 100, (6,), dtype=torch.int32, generator=tg))  # fmt: skip
    for n in [0, 1, 2, 17, 1000, 228146]:
        _eq(trandom.randperm(n, generator=g), torch.randperm(n, generator=tg))


@pytest.mark.parametrize("seed", [0, 42, 2147483647])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_multinomial(seed, dt):
    import torch

    g, tg = _pair(seed)
    rng = np.random.default_rng(seed % 2**32)
    p1 = (rng.random(27) ** 3).astype(dt)
    p2 = (rng.random((5, 1000)) ** 4).astype(dt)
    p2[:, ::7] = 0
    for p in (p1, p2):
        tp = torch.from_numpy(p)
        # all categories without replacement only where none is 0: PyTorch's top-k orders tied keys its own way
        n_all = p.shape[-1] if p.min() > 0 else 5
        for n, rep in [(1, True), (1, False), (50, True), (5, False), (n_all, False)]:
            _eq(trandom.multinomial(p, n, rep, generator=g), torch.multinomial(tp, n, rep, generator=tg))


@pytest.mark.parametrize("seed", [0, 42, 2147483647])
def test_bernoulli_scalar_and_tensor(seed):
    import torch

    g, tg = _pair(seed)
    rng = np.random.default_rng(seed % 2**32)
    for dt in (np.float32, np.float64):
        for n in (1, 15, 16, 1001):
            _eq(trandom.bernoulli_(np.empty(n, dt), 0.3, generator=g),
                torch.empty(n, dtype=_tdtype(dt)).bernoulli_(0.3, generator=tg))  # fmt: skip
            p = rng.random(n).astype(dt)
            _eq(trandom.bernoulli(p, generator=g), torch.bernoulli(torch.from_numpy(p), generator=tg))


def test_dropout_mask_from_the_global_generator():
    """F.dropout draws bernoulli_(1 - p) from the default generator and scales by 1/(1 - p)."""
    import torch

    for s in (0, 42):
        trandom.manual_seed(s)
        torch.manual_seed(s)
        mask = trandom.bernoulli_(np.empty((64, 100), np.float32), 1 - 0.2) / np.float32(0.8)
        np.testing.assert_array_equal(mask, torch.nn.functional.dropout(torch.ones(64, 100), 0.2).numpy())


def test_global_manual_seed_and_initial_seed():
    import torch

    for s in (0, 42, -1, 2**64 - 1):
        assert trandom.manual_seed(s) is trandom.default_generator
        torch.manual_seed(s)
        assert trandom.initial_seed() == torch.initial_seed()
        _eq(trandom.randn((4,)), torch.randn(4))
        _eq(trandom.rand((20,)), torch.rand(20))
    assert Generator().initial_seed() == torch.Generator().initial_seed()
    s = trandom.seed()
    assert trandom.initial_seed() == s and 0 <= s < 2**64


@pytest.mark.parametrize("seed", [0, 2147483647])
def test_state_bytes_equal_and_cross_library(seed):
    import torch

    g, tg = _pair(seed)
    np.testing.assert_array_equal(g.get_state(), tg.get_state().numpy())  # fresh after seeding
    for step in range(4):
        trandom.randn((3,), np.float64, generator=g)  # leaves a cached normal
        torch.randn(3, dtype=torch.float64, generator=tg)
        trandom.rand((300 * step + 1,), generator=g)
        torch.rand(300 * step + 1, generator=tg)
        np.testing.assert_array_equal(g.get_state(), tg.get_state().numpy())
    # PyTorch's bytes into ours, ours into PyTorch: both continue the same
    g2, tg2 = Generator().set_state(tg.get_state()), torch.Generator()
    tg2.set_state(torch.from_numpy(g.get_state()))
    for a, b in [(g, tg), (g2, tg2)]:
        _eq(trandom.randn((5,), generator=a), torch.randn(5, generator=b))
        _eq(trandom.randn((40,), generator=a), torch.randn(40, generator=b))
    saved = g.get_state()
    first = trandom.rand((10,), generator=g)
    np.testing.assert_array_equal(trandom.rand((10,), generator=g.set_state(saved)), first)
    torch.manual_seed(seed)
    trandom.set_rng_state(torch.get_rng_state())
    _eq(trandom.randn((7,)), torch.randn(7))
    np.testing.assert_array_equal(trandom.get_rng_state(), torch.get_rng_state().numpy())


def _raises_like_torch(ours, theirs):
    """Both raise, with the same exception type; return our message."""
    with pytest.raises(Exception) as t_err:
        theirs()
    with pytest.raises(t_err.type) as o_err:
        ours()
    return str(o_err.value)


def test_bad_input_raises_like_torch():
    import torch

    g = Generator()
    p_neg, p_nan, p_inf, p_zero = ([1.0, -2.0], [1.0, float("nan")], [1.0, float("inf")], [0.0, 0.0])
    cases = [
        (lambda: trandom.randint(5, 5, (3,)), lambda: torch.randint(5, 5, (3,)), "from"),
        (lambda: trandom.normal_(np.empty(3), 0, -1), lambda: torch.empty(3).normal_(0, -1), "std"),
        (lambda: trandom.uniform_(np.empty(3), 2, 1), lambda: torch.empty(3).uniform_(2, 1), "from=2"),
        (lambda: trandom.bernoulli_(np.empty(3), 1.5), lambda: torch.empty(3).bernoulli_(1.5), "p=1.5"),
        (lambda: trandom.bernoulli(np.array([1.5])), lambda: torch.bernoulli(torch.tensor([1.5])), "[0, 1]"),
        (lambda: trandom.exponential_(np.empty(3), 0), lambda: torch.empty(3).exponential_(0), "lambda"),
        (lambda: trandom.randperm(-1), lambda: torch.randperm(-1), "-1"),
        (lambda: trandom.randn((3,), generator=np.random.default_rng()),
         lambda: torch.randn(3, generator=np.random.default_rng()), "generator"),
        (lambda: trandom.manual_seed(2**64), lambda: torch.manual_seed(2**64), "Overflow"),
        (lambda: trandom.manual_seed(-(2**64)), lambda: torch.manual_seed(-(2**64)), "Overflow"),
        (lambda: trandom.multinomial(np.array([1.0, 2.0]), 3), lambda: torch.multinomial(torch.tensor([1.0, 2.0]), 3),
         "without replacement"),
        (lambda: trandom.multinomial(np.array([1.0, 2.0]), 0), lambda: torch.multinomial(torch.tensor([1.0, 2.0]), 0),
         "n_sample <= 0"),
        (lambda: trandom.multinomial(np.ones((2, 2, 2)), 1), lambda: torch.multinomial(torch.ones(2, 2, 2), 1),
         "1 or 2 dim"),
        (lambda: trandom.multinomial(np.array([1, 2]), 1), lambda: torch.multinomial(torch.tensor([1, 2]), 1),
         "floating-point"),
        (lambda: trandom.set_rng_state(np.zeros(10, np.uint8)),
         lambda: torch.set_rng_state(torch.zeros(10, dtype=torch.uint8)), "size"),
        (lambda: g.set_state(np.zeros(5056, np.float32)), lambda: torch.Generator().set_state(torch.zeros(5056)),
         "uint8"),
        (lambda: g.set_state([1, 2]), lambda: torch.Generator().set_state([1, 2]), "uint8"),
        (lambda: g.set_state(np.zeros(5056, np.uint8)),
         lambda: torch.Generator().set_state(torch.zeros(5056, dtype=torch.uint8)), "mt19937"),
    ]  # fmt: skip
    for probs, msg in [(p_neg, "< 0"), (p_nan, "nan"), (p_inf, "inf"), (p_zero, "sum of probabilities")]:
        for n, rep in [(1, False), (1, True)]:
            cases.append((lambda p=probs, n=n, r=rep: trandom.multinomial(np.array(p), n, r),
                          lambda p=probs, n=n, r=rep: torch.multinomial(torch.tensor(p), n, r), msg))  # fmt: skip
    for probs, msg in [(p_neg, "< 0"), (p_nan, "< 0"), (p_inf, "infinity"), (p_zero, "sum of probabilities")]:
        cases.append((lambda p=probs: trandom.multinomial(np.array(p), 2, True),
                      lambda p=probs: torch.multinomial(torch.tensor(p), 2, True), msg))  # fmt: skip
    for ours, theirs, words in cases:
        assert words in _raises_like_torch(ours, theirs)


def test_numpy_twins_give_the_same_numbers(monkeypatch):
    """With the numba kernels switched off, the numpy twins (and the C library through Python's math module)
    give the same bits; randn((1000,)) float32 compares the AVX2 polynomials' kernel with its twin."""
    from tinygrad_edu import kernels

    draws = []
    for jit in (True, False):
        monkeypatch.setattr(kernels, "JIT_ENABLED", jit)
        g = Generator().manual_seed(3)
        draws.append([trandom.randn((9,), np.float64, generator=g), trandom.randn((40,), np.float64, generator=g),
                      trandom.exponential_(np.empty(50), generator=g), trandom.randperm(300, generator=g),
                      trandom.randn((1000,), generator=g)])  # fmt: skip
    for a, b in zip(*draws):
        np.testing.assert_array_equal(a, b)


def test_fma_is_one_rounding():
    """fma against exact rational arithmetic on random float32 and float64 triples (cancellation included)."""
    from fractions import Fraction

    from tinygrad_edu.kernels.distributions import fma

    rng = np.random.default_rng(0)
    for dt in (np.float32, np.float64):
        a, b = rng.standard_normal(2000).astype(dt), rng.standard_normal(2000).astype(dt)
        c = np.where(
            rng.random(2000) < 0.5, -(a.astype(np.float64) * b).astype(dt), rng.standard_normal(2000).astype(dt)
        )
        got = fma(a, b, c)
        want = [Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)) for x, y, z in zip(a, b, c)]
        # round the exact value to dt: nearest of the two neighbours of its float64 rounding, ties to even
        for g_, w in zip(got, want):
            cand = dt(float(w))
            lo, hi = np.nextafter(cand, dt(-np.inf)), np.nextafter(cand, dt(np.inf))
            bits = np.int64 if dt == np.float64 else np.int32
            best = min((abs(Fraction(float(v)) - w), int(np.array(v).view(bits)) & 1, v) for v in (lo, cand, hi))[2]
            assert g_ == best
