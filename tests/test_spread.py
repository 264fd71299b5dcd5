"""ReLU and the 2x2 max-pool spread over the team's threads (`kernels.spread`): bit for bit the one-thread
kernels' results, and PyTorch's values, indices and gradients, with the work cut into 2 or 3 chunks, in
float32 and float64, with NaN, ±inf and −0; the first index out of range named whichever chunk meets it;
what is not worth a job (small arrays, other layouts, dtypes and windows, JIT off) left to the one-thread
dispatchers; and the ops (`Tensor.relu`, `F.max_pool2d`) on the spread path at its real threshold."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from tinygrad_edu import Tensor, kernels
from tinygrad_edu.kernels import activations, pooling, spread, team, threads
from tinygrad_edu.kernels import mailbox as box
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")

BLAS_SPINNING = threads.blas_spinning  # the real one (the fixture below replaces it)

POOL = ((2, 2), (2, 2), (0, 0), (1, 1))


def specials(shape, dtype, seed=0):
    """Normal values with NaN, +inf, −inf, 0 and −0 sprinkled in (a tenth of the elements)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    where = rng.random(shape) < 0.1
    x[where] = rng.choice(np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype), where.sum())
    return x


@pytest.fixture
def jobs(monkeypatch):
    """Every array spread (threshold 1), over ``jobs(k)`` chunks (BLAS's thread count as the team reads it);
    returns the list of (kind, items, chunks) of the jobs that ran."""
    if not (kernels.JIT_ENABLED and team.available()):
        pytest.skip("the team needs numba and numpy's OpenBLAS")
    seen = []
    run = team.run

    def spy(describe, chunks, blas=True):
        def spy_describe(mb):
            kept = describe(mb)
            seen.append((int(mb[box.KIND]), int(mb[box.BATCH]), int(mb[box.CHUNKS])))
            return kept

        run(spy_describe, chunks, blas)

    monkeypatch.setattr(team, "run", spy)
    monkeypatch.setattr(spread, "SPREAD_FROM", 1)
    monkeypatch.setattr(spread, "POOL_SPREAD_FROM", 1)
    monkeypatch.setattr(threads, "blas_spinning", lambda: False)  # whatever GEMMs earlier tests ran

    def set_chunks(k):
        monkeypatch.setattr(threads, "blas_threads", lambda: k)
        return seen

    return set_chunks


def same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(
        np.ascontiguousarray(a).view(np.uint8), np.ascontiguousarray(b).view(np.uint8)
    )  # −0 and NaN payloads too


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [2, 3])
def test_relu_forward_and_backward_equal_one_thread_and_torch(jobs, k, dtype) -> None:
    seen = jobs(k)
    x, g = specials((5, 3, 7, 9), dtype), specials((5, 3, 7, 9), dtype, seed=1)
    y = spread.relu(x)
    same_bits(y, activations.relu(x))
    np.testing.assert_array_equal(y, torch.relu(torch.from_numpy(x)).numpy())
    gx = spread.relu_backward(y, g)
    same_bits(gx, activations.relu_backward(y, g))
    xt = torch.from_numpy(x).requires_grad_()
    torch.relu(xt).backward(torch.from_numpy(g))
    np.testing.assert_array_equal(gx, xt.grad.numpy())
    assert seen == [(box.RELU, x.size, k), (box.RELU_BACKWARD, x.size, k)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("shape", [(3, 4, 8, 10), (2, 3, 7, 9)])  # odd sizes: a last row and column in no window
def test_max_pool_2x2_forward_and_backward_equal_one_thread_and_torch(jobs, shape, k, dtype) -> None:
    seen = jobs(k)
    x = specials(shape, dtype)
    out_hw = (shape[2] // 2, shape[3] // 2)
    out, idx = spread.max_pool2d(x, *POOL, out_hw)
    ref_out, ref_idx = pooling.max_pool2d(x, *POOL, out_hw)
    same_bits(out, ref_out)
    np.testing.assert_array_equal(idx, ref_idx)
    xt = torch.from_numpy(x).requires_grad_()
    t_out, t_idx = torch.nn.functional.max_pool2d(xt, 2, return_indices=True)
    np.testing.assert_array_equal(out, t_out.detach().numpy())
    np.testing.assert_array_equal(idx, t_idx.numpy())
    g = specials(out.shape, dtype, seed=2)
    gx = spread.max_pool2d_backward(g, idx, shape)
    same_bits(gx, pooling.max_pool2d_backward(g, idx, shape))
    t_out.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(gx, xt.grad.numpy())
    planes = shape[0] * shape[1]
    assert seen == [(box.MAX_POOL_2X2, planes, k), (box.MAX_POOL_BACKWARD, planes, k)]


def test_max_pool_backward_spread_takes_any_window(jobs) -> None:
    """The backward scatters by index, so 3x3 windows of stride 2 (overlapping: one input gets several
    gradients) spread as well, with PyTorch's sums."""
    jobs(2)
    x = specials((2, 3, 9, 9), np.float64)
    xt = torch.from_numpy(x).requires_grad_()
    t_out, t_idx = torch.nn.functional.max_pool2d(xt, 3, 2, return_indices=True)
    g = np.random.default_rng(3).standard_normal(t_out.shape)
    t_out.backward(torch.from_numpy(g))
    np.testing.assert_allclose(spread.max_pool2d_backward(g, t_idx.numpy(), x.shape), xt.grad.numpy(), rtol=1e-15)


@pytest.mark.parametrize("bad", [-1, 16])
def test_the_first_index_out_of_range_is_named_whichever_chunk_meets_it(jobs, bad) -> None:
    """Six planes in two chunks of three: a bad index in the second chunk only, then one in each (the
    first chunk's comes first in memory), with the one-thread dispatcher's message."""
    jobs(2)
    g = np.ones((2, 3, 2, 2))
    idx = np.tile(np.array([0, 2, 8, 10]), 6).reshape(2, 3, 2, 2)  # a 4x4 image: [0, 16)
    idx[1, 2, 1, 0] = bad
    message = rf"max_pool2d_backward: indices must lie in \[0, 16\), got {bad}$"
    with pytest.raises(kernels.OutOfRangeError, match=message):
        spread.max_pool2d_backward(g, idx, (2, 3, 4, 4))
    with pytest.raises(kernels.OutOfRangeError, match=message):
        pooling.max_pool2d_backward(g, idx, (2, 3, 4, 4))
    idx[0, 1, 0, 1] = 99
    with pytest.raises(kernels.OutOfRangeError, match=r"got 99$"):
        spread.max_pool2d_backward(g, idx, (2, 3, 4, 4))


def test_what_is_not_worth_a_job_goes_to_the_one_thread_dispatchers(jobs, monkeypatch) -> None:
    seen = jobs(2)
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8))
    out, idx = pooling.max_pool2d(x, *POOL, (4, 4))
    g = np.ones_like(out)
    same_bits(spread.relu(x.transpose(0, 2, 3, 1)), activations.relu(x.transpose(0, 2, 3, 1)))  # not C-ordered
    same_bits(spread.relu(x.astype(np.float16)), activations.relu(x.astype(np.float16)))
    g32 = np.ones(x.shape, np.float32)
    same_bits(spread.relu_backward(x, g32), activations.relu_backward(x, g32))  # mixed dtypes
    for window in [
        ((3, 3), (2, 2), (0, 0), (1, 1)),
        ((2, 2), (2, 2), (1, 1), (1, 1)),
        ((2, 2), (1, 1), (0, 0), (1, 1)),
    ]:
        o = (3, 3) if window[0] == (3, 3) else (5, 5) if window[2] == (1, 1) else (7, 7)
        a, b = spread.max_pool2d(x, *window, o), pooling.max_pool2d(x, *window, o)
        same_bits(a[0], b[0])
    same_bits(
        spread.max_pool2d_backward(g, idx.astype(np.int32), x.shape), pooling.max_pool2d_backward(g, idx, x.shape)
    )
    assert seen == []
    monkeypatch.setattr(spread, "SPREAD_FROM", x.size + 1)  # one element short
    monkeypatch.setattr(spread, "POOL_SPREAD_FROM", x.size + 1)
    spread.relu(x), spread.max_pool2d(x, *POOL, (4, 4)), spread.max_pool2d_backward(g, idx, x.shape)
    monkeypatch.setattr(spread, "SPREAD_FROM", 1)
    monkeypatch.setattr(spread, "POOL_SPREAD_FROM", 1)
    monkeypatch.setattr(kernels, "JIT_ENABLED", False)
    spread.relu(x), spread.max_pool2d(x, *POOL, (4, 4)), spread.max_pool2d_backward(g, idx, x.shape)
    monkeypatch.setattr(kernels, "JIT_ENABLED", True)
    monkeypatch.setattr(threads, "blas_threads", lambda: 1)
    spread.relu(x), spread.max_pool2d(x, *POOL, (4, 4)), spread.max_pool2d_backward(g, idx, x.shape)
    assert seen == []


@pytest.mark.parametrize(("shape", "jobs_run"), [((8, 16, 32, 32), 4), ((8, 16, 16, 32), 1)])
def test_the_ops_spread_at_the_real_thresholds_with_torch_values(monkeypatch, shape, jobs_run) -> None:
    """``max_pool2d(relu(x))`` on 2^17 float64 elements (`SPREAD_FROM`), forward and backward through the
    graph, equal to PyTorch's: each of the four kernels ran as a team job when the team is there; on 2^16
    (`POOL_SPREAD_FROM`) only the max-pool's forward did."""
    seen = []
    run = team.run
    monkeypatch.setattr(
        team, "run", lambda describe, chunks, blas=True: (seen.append(chunks), run(describe, chunks, blas))
    )
    monkeypatch.setattr(threads, "blas_spinning", lambda: False)
    x = np.random.default_rng(4).standard_normal(shape)
    assert x.size == (spread.SPREAD_FROM if jobs_run == 4 else spread.POOL_SPREAD_FROM)
    t = Tensor(x, requires_grad=True)
    out = F.max_pool2d(t.relu(), 2)
    g = np.random.default_rng(5).standard_normal(out.shape)
    out.backward(Tensor(g))
    xt = torch.from_numpy(x).requires_grad_()
    ref = torch.nn.functional.max_pool2d(torch.relu(xt), 2)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(t.grad.numpy(), xt.grad.numpy())
    spreads = kernels.JIT_ENABLED and team.available() and threads.blas_threads() > 1
    assert len(seen) == (jobs_run if spreads else 0)


def test_no_job_while_openblas_spins_after_a_threaded_gemm(jobs, monkeypatch) -> None:
    """After a GEMM that `threads.matmul` ran on BLAS's threads their workers spin for about 0.1 s, and a job
    would share a core with them: `blas_spinning` is True for `BLAS_SPIN_S` and the ops keep to one thread."""
    seen = jobs(2)
    monkeypatch.setattr(threads, "blas_spinning", BLAS_SPINNING)
    monkeypatch.setattr(threads, "_threaded_gemm_at", -threads.BLAS_SPIN_S)
    x = np.ones((4, 4))
    spread.relu(x)
    assert len(seen) == 1
    big = np.ones((256, 256))
    threads.matmul(big, big)  # 2^24 multiply-adds: from SMALL_GEMM on, on BLAS's threads
    assert threads.blas_spinning()
    same_bits(spread.relu(x), activations.relu(x))
    assert len(seen) == 1
    monkeypatch.setattr(threads, "_threaded_gemm_at", time.monotonic() - threads.BLAS_SPIN_S)
    spread.relu(x)
    assert len(seen) == 2
    threads.matmul(big[:63], big)  # 63·2^16 multiply-adds, below SMALL_GEMM: on one thread, not noted
    assert not threads.blas_spinning()


def test_the_thread_count_is_read_once_per_call(jobs, monkeypatch) -> None:
    """BLAS's thread count drops to 1 while any thread is inside `threads.single_threaded_blas`: read twice,
    it could size the job and its per-chunk error slots differently (a write past the slots). It is read
    once, before the job is described, and the job has that many chunks."""
    seen = jobs(2)
    reads = iter([2, 1, 2, 2, 2, 2])  # what a thread entering and leaving single_threaded_blas would show
    counted = []
    monkeypatch.setattr(threads, "blas_threads", lambda: counted.append(1) or next(reads))
    run = team.run
    monkeypatch.setattr(
        team, "run", lambda describe, chunks, blas=True: (counted.append("run"), run(describe, chunks, blas))
    )
    x = specials((2, 3, 8, 8), np.float64)
    out, idx = pooling.max_pool2d(x, *POOL, (4, 4))
    g = np.ones_like(out)
    same_bits(spread.max_pool2d_backward(g, idx, x.shape), pooling.max_pool2d_backward(g, idx, x.shape))
    assert counted[:2] == [1, "run"] and seen == [(box.MAX_POOL_BACKWARD, 6, 2)]


def test_gemms_on_blas_threads_outside_matmul_are_noted(monkeypatch) -> None:
    """A one-part convolution runs its GEMMs with the user's BLAS threads, on the team's caller
    (`team.run` of one chunk) or as numpy calls (`threads.run_parts` of one part): both note it."""
    monkeypatch.setattr(threads, "_threaded_gemm_at", -threads.BLAS_SPIN_S)
    threads.run_parts(lambda i, part: None, [slice(0, 4)])
    assert BLAS_SPINNING()
    monkeypatch.setattr(threads, "_threaded_gemm_at", -threads.BLAS_SPIN_S)
    team.run(lambda mb: None, 1, blas=False)  # an empty job (kind 0): no BLAS, nothing noted
    assert not BLAS_SPINNING()
    team.run(lambda mb: None, 1)
    assert BLAS_SPINNING()


def test_geometry_is_read_as_the_dispatcher_reads_it(jobs) -> None:
    """numpy integers and arrays for the window, floats for the output size: what `pooling.max_pool2d`
    takes (or refuses, in its words), spread or not."""
    seen = jobs(2)
    x = specials((2, 3, 8, 8), np.float32)
    two = np.array([2, 2])
    out, idx = spread.max_pool2d(x, two, (np.int64(2), 2), np.zeros(2, int), (1, 1), np.array([4, 4]))
    ref = pooling.max_pool2d(x, *POOL, (4, 4))
    same_bits(out, ref[0])
    np.testing.assert_array_equal(idx, ref[1])
    assert len(seen) == 1
    for bad in [(4.0, 4.0), (4, 4.5)]:
        try:
            expected = pooling.max_pool2d(x, *POOL, bad)
        except Exception as err:
            with pytest.raises(type(err), match=re.escape(str(err))):
                spread.max_pool2d(x, *POOL, bad)
        else:
            same_bits(spread.max_pool2d(x, *POOL, bad)[0], expected[0])
    assert len(seen) == 1
