"""The convolution's team (`kernels.team`) and what it stands on: numpy's GEMM called from numba
(`kernels.blas`, against numpy's ``@``), the atomics (two threads adding a million times each lose no
update), the pool of work arrays (a buffer is handed out again only when nothing references it), and the
team itself: a helper asleep, two user threads at once, a forked child, every chunk count. Values are
PyTorch's convolution, float64, to 1e-10 relative."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from tinygrad_edu import Tensor, kernels
from tinygrad_edu.kernels import blas, pool, team, threads
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.skipif(
    not (kernels.JIT_ENABLED and team.available()), reason="the team needs numba and numpy's OpenBLAS"
)


# ----------------------------------------------------------------------------- blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("ta", "tb"), [(False, False), (True, False), (False, True), (True, True)])
def test_gemm_from_numba_equals_numpy_on_blocks_of_larger_arrays(ta, tb, dtype) -> None:
    """C[1:4, 2:7] += op(A)·op(B) for operands that are blocks of larger arrays (leading dimensions
    larger than the block), β = 1: numpy's product of the same blocks, to rounding."""
    rng = np.random.default_rng(0)
    a_full, b_full = rng.standard_normal((9, 10)).astype(dtype), rng.standard_normal((8, 11)).astype(dtype)
    a = a_full[:4, :3] if ta else a_full[:3, :4]  # op(A) is 3x4
    b = b_full[:5, :4] if tb else b_full[:4, :5]  # op(B) is 4x5
    c_full = rng.standard_normal((6, 12)).astype(dtype)
    expected = c_full.copy()
    expected[1:4, 2:7] += (a.T if ta else a) @ (b.T if tb else b)
    blas.gemm(ta, tb, 3, 5, 4, a_full.reshape(-1), 10, b_full.reshape(-1), 11, 1.0, c_full.reshape(-1)[14:], 12)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(c_full, expected, rtol=tol, atol=tol)


# ----------------------------------------------------------------------------- atomics
def test_fetch_add_from_two_threads_loses_no_update() -> None:
    from tinygrad_edu.kernels import atomics

    @kernels._numba.njit
    def add_many(counter, times):
        for _ in range(times):
            atomics.fetch_add(counter, 0, 1)

    add_nogil = kernels._numba.nb.njit(nogil=True)(add_many.py_func)
    counter = np.zeros(1, np.int64)
    add_nogil(counter, 1)
    workers = [threading.Thread(target=add_nogil, args=(counter, 1_000_000)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert counter[0] == 1 + 2_000_000


# ----------------------------------------------------------------------------- pool
def test_the_pool_hands_a_buffer_out_again_only_when_nothing_references_it() -> None:
    pool.clear()
    a = pool.empty(1000, np.float32)
    view = a.reshape(10, 100)[2:]
    address = a.ctypes.data
    del a
    b = pool.empty(1000, np.float32)  # a's view is alive: another buffer
    assert b.ctypes.data != address
    del view
    c = pool.empty(1000, np.float32)  # a's buffer is free again
    assert c.ctypes.data == address
    assert pool.empty(1000, np.float64).dtype == np.float64 and pool.empty(999, np.float32).shape == (999,)
    pool.clear()


def test_the_pool_keeps_at_most_keep_buffers_of_a_size(monkeypatch) -> None:
    pool.clear()
    monkeypatch.setattr(pool, "KEEP", 2)
    held = [pool.empty(10, np.float64) for _ in range(4)]  # 2 kept, 2 plain arrays
    addresses = {a.ctypes.data for a in held}
    del held
    again = [pool.empty(10, np.float64) for _ in range(2)]
    assert {a.ctypes.data for a in again} <= addresses and len(pool._shelves[(10, np.dtype(np.float64))]) == 2
    pool.clear()


# ----------------------------------------------------------------------------- the team
def deep_arrays(rng: np.random.Generator, n: int = 6) -> list[np.ndarray]:
    """Input, weight and bias of a convolution of depth 33·3·3 = 297, deep layout (one GEMM per chunk)."""
    return [rng.standard_normal((n, 33, 7, 6)), rng.standard_normal((5, 33, 3, 3)), rng.standard_normal(5)]


def conv_both(n: int = 6, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A convolution with every gradient, float64 (`deep_arrays`, padding 1): (ours, PyTorch's) output and
    gradients."""
    rng = np.random.default_rng(seed)
    arrays = deep_arrays(rng, n)
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.from_numpy(a).requires_grad_(True) for a in arrays]
    out, ref = F.conv2d(*ours, padding=1), torch.nn.functional.conv2d(*theirs, padding=1)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.from_numpy(g))
    return [out.data] + [o.grad for o in ours], [ref.detach().numpy()] + [t.grad.numpy() for t in theirs]


def assert_close(ours: list[np.ndarray], theirs: list[np.ndarray]) -> None:
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def conv_against_torch(n: int = 6, seed: int = 0) -> None:
    assert_close(*conv_both(n, seed))


@pytest.fixture
def chunks(monkeypatch):
    """Convolutions cut into ``chunks(k)`` parts whatever their size; returns the jobs run, as chunk counts."""
    seen = []
    run = team.run

    def spy(describe, count):
        seen.append(count)
        return run(describe, count)

    monkeypatch.setattr(team, "run", spy)
    monkeypatch.setattr(threads, "MIN_PART_WORK", 1)

    def set_chunks(k):
        monkeypatch.setattr(threads, "blas_threads", lambda: k)
        return seen

    return set_chunks


@pytest.mark.parametrize("k", [1, 2, 3, 6])
def test_every_chunk_count_gives_torchs_values(k, chunks) -> None:
    seen = chunks(k)
    conv_against_torch()
    assert seen == [k, k]  # forward, backward


def test_more_parts_than_the_mailbox_holds_run_as_numpy_calls(chunks) -> None:
    seen = chunks(team.box.MAX_CHUNKS + 1)
    conv_against_torch(n=team.box.MAX_CHUNKS + 1)
    assert seen == []


def test_a_sleeping_helper_does_not_hold_a_job_up_and_is_woken(chunks, monkeypatch) -> None:
    """With no polls at all a helper sleeps at once: the caller runs the chunks, then wakes it."""
    chunks(2)
    monkeypatch.setattr(team, "SPIN_POLLS", 0)
    monkeypatch.setattr(team, "_team", None)
    conv_against_torch()
    crew = team._team
    assert crew is not None and crew.helpers == 1
    crew.stop()


def test_two_user_threads_at_once_both_get_torchs_values(chunks) -> None:
    chunks(2)
    errors = []

    def work(seed):
        try:
            for _ in range(5):
                conv_against_torch(seed=seed)
        except BaseException as err:  # reported below, in the test's thread
            errors.append(err)

    workers = [threading.Thread(target=work, args=(s,)) for s in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_makes_its_own_team(chunks) -> None:
    """The child computes only its own side (PyTorch's OpenMP threads do not survive a fork either) and
    compares it with PyTorch's values from the parent."""
    chunks(2)
    ours, theirs = conv_both()  # the parent's team exists now
    assert_close(ours, theirs)
    rng = np.random.default_rng(0)
    arrays = deep_arrays(rng)
    pid = os.fork()
    if pid == 0:  # the child: its team has no threads until it makes its own
        code = 1
        try:
            mine = [Tensor(a, requires_grad=True) for a in arrays]
            out = F.conv2d(*mine, padding=1)
            out.backward(rng.standard_normal(out.shape))
            assert_close([out.data] + [t.grad for t in mine], theirs)
            code = 0 if team._team.pid == os.getpid() else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_exit_waits_for_a_busy_helper(tmp_path) -> None:
    """A helper still busy when the interpreter ends (compiling its loop in numba, the first time on a fresh
    cache, takes some 20 s) had the process crash at exit, a segfault or an LLVM assertion. The exit now
    stops the team and waits for its helpers: here one that takes 1.5 s (a stand-in for the compilation)
    finishes, and writes its file, before the process is gone."""
    done = tmp_path / "helper-done"
    code = (
        "import sys, time\n"
        "from tinygrad_edu.kernels import team\n"
        "def busy(mb, helper, seq, polls):\n"
        "    time.sleep(1.5)\n"
        "    open(sys.argv[1], 'w').write('done')\n"
        "    return seq\n"
        "team._serve = busy\n"
        "team._team = team.Team(1)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(done)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert done.read_text() == "done"


def test_a_stopped_team_is_replaced(chunks) -> None:
    """After `Team.stop` (at exit, or by a test) the next job makes a new team with live helpers."""
    chunks(2)
    conv_against_torch()
    old = team._team
    old.stop()
    assert not any(t.is_alive() for t in old.threads)
    conv_against_torch()
    assert team._team is not old and all(t.is_alive() for t in team._team.threads)
