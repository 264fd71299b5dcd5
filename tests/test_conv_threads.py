"""The convolution's batch split over threads (`kernels.threads`): the same values and gradients as
PyTorch's (float64) with the batch cut into 2 or 3 parts, on both GEMM layouts, JIT on and off; OpenBLAS's
thread count put back as the user had it (after a split, after an error, after two threads overlapping);
the cuts themselves; col2im writing into a given array; and small GEMMs (a Linear layer's) on one BLAS
thread, with PyTorch's values."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from tinygrad_edu import Tensor, kernels, ops
from tinygrad_edu.kernels import conv_parts, team, threads
from tinygrad_edu.kernels import mailbox as box
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.fixture
def split(monkeypatch):
    """Convolutions cut into ``split(k)`` parts whatever their size and BLAS's threads; records the cuts,
    whether the parts run as numpy calls (`threads.run_parts`) or as a job on the team (`conv_parts`)."""
    seen = []
    run_parts, describe = threads.run_parts, conv_parts.describe

    def spy(fn, cuts):
        seen.append([(s.start, s.stop) for s in cuts])
        return run_parts(fn, cuts)

    def spy_describe(mb, *args):
        scratch = describe(mb, *args)
        n, k = int(mb[box.BATCH]), int(mb[box.CHUNKS])
        seen.append([(n * j // k, n * (j + 1) // k) for j in range(k)])
        return scratch

    monkeypatch.setattr(threads, "run_parts", spy)
    monkeypatch.setattr(conv_parts, "describe", spy_describe)
    monkeypatch.setattr(threads, "MIN_PART_WORK", 1)

    def set_parts(k):
        monkeypatch.setattr(threads, "blas_threads", lambda: k)
        return seen

    return set_parts


CASES = [  # (input, weight, keywords): depth C·kh·kw below and above ONE_GEMM_DEPTH
    ((5, 2, 7, 6), (3, 2, 3, 3), {"padding": 1, "stride": (2, 1)}),  # depth 18: one GEMM per image
    ((5, 33, 7, 7), (4, 33, 3, 3), {"dilation": 2, "padding": (2, 1)}),  # depth 297: one GEMM, batch inside
]


@pytest.mark.parametrize("path", ["team", "threads", "numpy twins"])
@pytest.mark.parametrize("needs", [(True, True, True), (True, False, False), (False, True, True), (False, False, True)])
@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize(("xs", "ws", "kw"), CASES, ids=["per image", "one GEMM"])
def test_a_split_convolution_equals_torch(xs, ws, kw, k, needs, path, split, monkeypatch) -> None:
    """Forward and every gradient asked for, float64, with the batch of 5 cut into 2 or 3 parts (a part's
    ∂W is summed over the parts, so only rounding differs: 1e-10 relative); the frozen ones stay None.
    The parts run as one job on the team (`kernels.team`), as numpy calls in threads, or on the twins."""
    assert (ws[1] * ws[2] * ws[3] >= ops.Convolution.ONE_GEMM_DEPTH) == (xs[1] == 33)
    if path == "team" and not (kernels.JIT_ENABLED and team.available()):
        pytest.skip("the team needs numba and numpy's OpenBLAS")
    monkeypatch.setattr(kernels, "JIT_ENABLED", path != "numpy twins" and kernels.JIT_ENABLED)
    if path == "threads":
        monkeypatch.setattr(team, "available", lambda: False)
    seen = split(k)
    arrays = [rand(xs), rand(ws, 1), rand(ws[0], 2)]
    ts = [torch.from_numpy(a).requires_grad_(f) for a, f in zip(arrays, needs)]
    ours = [Tensor(a, requires_grad=f) for a, f in zip(arrays, needs)]
    ref, out = TF.conv2d(*ts, **kw), F.conv2d(*ours, **kw)
    g = rand(out.shape, 3)
    ref.backward(torch.from_numpy(g))
    out.backward(g)
    expected_cuts = {2: [(0, 2), (2, 5)], 3: [(0, 1), (1, 3), (3, 5)]}[k]
    assert seen == [expected_cuts, expected_cuts]  # forward, backward
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for t, o, f in zip(ts, ours, needs):
        assert (o.grad is not None) == f
        if f:
            assert o.grad.dtype == np.float64 and o.grad.shape == t.shape
            np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_a_split_float32_convolution_stays_float32_and_equals_torch(split) -> None:
    """LeNet's second layer on a batch of 4, float32, cut in two: float32 out and gradients, PyTorch's
    values to float32 rounding of sums of 150 products (2e-5)."""
    split(2)
    x, w, b = (rand(s, i).astype(np.float32) for i, s in enumerate([(4, 6, 14, 14), (16, 6, 5, 5), (16,)]))
    ts = [torch.from_numpy(a).requires_grad_() for a in (x, w, b)]
    ours = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    ref, out = TF.conv2d(*ts), F.conv2d(*ours)
    g = rand(out.shape, 5).astype(np.float32)
    ref.backward(torch.from_numpy(g))
    out.backward(g)
    assert out.data.dtype == np.float32 and all(o.grad.dtype == np.float32 for o in ours)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=2e-5, atol=2e-5)
    for t, o in zip(ts, ours):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=2e-5, atol=2e-4)


@pytest.mark.parametrize(
    ("n", "threads_", "work", "cuts"),
    [
        (64, 2, 10 << 20, [(0, 32), (32, 64)]),
        (5, 3, 10 << 20, [(0, 1), (1, 3), (3, 5)]),
        (64, 2, 1 << 20, [(0, 64)]),  # a million multiply-adds in all: not worth a second thread
        (64, 1, 10 << 20, [(0, 64)]),  # BLAS single-threaded: the user asked for one thread
        (1, 4, 10 << 20, [(0, 1)]),  # no more parts than images
        (0, 2, 0, [(0, 0)]),  # an empty batch is one empty part
    ],
)
def test_parts_cut_the_batch_by_blas_threads_and_work(n, threads_, work, cuts, monkeypatch) -> None:
    monkeypatch.setattr(threads, "blas_threads", lambda: threads_)
    assert [(s.start, s.stop) for s in threads.parts(n, work)] == cuts


needs_openblas = pytest.mark.skipif(threads._openblas() is None, reason="numpy's BLAS is not an OpenBLAS found here")


@needs_openblas
@pytest.mark.parametrize("forced", ["Haswell", "Sandybridge", None])
def test_openblas_names_the_kernels_it_runs_and_who_chose_them(forced) -> None:
    """OpenBLAS reads OPENBLAS_CORETYPE when it loads (a fresh process); without it, it picks its own."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"} | (
        {"OPENBLAS_CORETYPE": forced} if forced else {}
    )
    code = (
        "from tinygrad_edu.kernels import threads as t; print(t.openblas_corename()); print(t.openblas_description())"
    )
    core, line = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    if forced:
        assert core == forced and line == f"numpy's OpenBLAS: {forced} kernels, chosen by OPENBLAS_CORETYPE={forced}"
    else:
        assert core and line == f"numpy's OpenBLAS: {core} kernels, OpenBLAS's own choice for this CPU"


@pytest.fixture
def blas_at_3():
    """OpenBLAS at 3 threads for the test (a value no default would give on CI's 2 or 4 cores), then as before."""
    get, set_ = threads._openblas()
    before = get()
    set_(3)
    yield get
    set_(before)


@needs_openblas
def test_blas_is_single_threaded_inside_a_split_and_the_user_setting_comes_back(blas_at_3) -> None:
    seen = threads.run_parts(lambda i, s: blas_at_3(), [slice(0, 1), slice(1, 2), slice(2, 3)])
    assert seen == [1, 1, 1] and blas_at_3() == 3 == threads.blas_threads()
    assert threads.run_parts(lambda i, s: blas_at_3(), [slice(0, 4)]) == [3]  # one part: BLAS untouched


@needs_openblas
def test_an_error_in_a_part_is_raised_after_every_part_ends_and_blas_comes_back(blas_at_3) -> None:
    done = []

    def part(i, s):
        if s.start == 1:
            raise ValueError("part 1 failed")
        done.append(s.start)

    with pytest.raises(ValueError, match="part 1 failed"):
        threads.run_parts(part, [slice(0, 1), slice(1, 2), slice(2, 3)])
    assert sorted(done) == [0, 2] and blas_at_3() == 3


@needs_openblas
def test_two_user_threads_overlapping_restore_blas_once_when_the_last_leaves(blas_at_3) -> None:
    """Thread A enters, B enters (seeing 1, which it must not restore), A leaves (B still inside: 1),
    B leaves: 3 again."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with threads.single_threaded_blas():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def b():
        a_in.wait(10)
        with threads.single_threaded_blas():
            b_in.set()
            a_out.wait(10)
            seen["after a left"] = blas_at_3()

    workers = [threading.Thread(target=f) for f in (a, b)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(10)
    assert seen == {"after a left": 1} and blas_at_3() == 3


def test_the_helper_threads_are_made_again_in_a_forked_child(monkeypatch) -> None:
    pool = threads._workers(1)
    assert threads._workers(1) is pool
    monkeypatch.setattr(threads.os, "getpid", lambda: -1)
    assert threads._workers(1) is not pool


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("inside", [False, True])
def test_col2im_into_a_given_array_overwrites_it_with_the_image(inside, jit, monkeypatch) -> None:
    """col2im(..., out=a) returns a, holding PyTorch's ``fold`` of the columns (the stale values in a
    overwritten); an out of the wrong shape, dtype or order is refused before anything is written."""
    monkeypatch.setattr(kernels, "JIT_ENABLED", jit and kernels.JIT_ENABLED)
    shape, geometry = (2, 3, 5, 5), ((3, 3), (1, 1), (1, 1), (1, 1), (5, 5))
    per_image = rand((2, 27, 25))
    dcols = np.ascontiguousarray(per_image.transpose(1, 0, 2)).reshape(27, 50) if inside else per_image
    expected = TF.fold(torch.from_numpy(per_image), (5, 5), 3, padding=1).numpy()
    out = np.full(shape, 7.0)
    assert kernels.col2im(dcols, shape, *geometry, batch_inside=inside, out=out) is out
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    for bad in (np.zeros((2, 3, 5, 4)), np.zeros(shape, np.float32), np.zeros((2, 3, 5, 10))[..., ::2]):
        with pytest.raises(ValueError, match="out must be a C-ordered float64 array of shape"):
            kernels.col2im(dcols, shape, *geometry, batch_inside=inside, out=bad)


@pytest.mark.parametrize(
    ("rows", "inner", "cols", "single"),
    [
        (64, 400, 120, True),  # LeNet-5's first Linear, batch 64: 3.1M multiply-adds
        (8, 16, 4, False),  # 512: OpenBLAS's one thread anyway, nothing to switch
        (128, 784, 512, False),  # 51M: worth BLAS's threads
    ],
)
def test_linear_runs_small_gemms_on_one_blas_thread_and_equals_torch(rows, inner, cols, single, monkeypatch) -> None:
    """F.linear forward and backward (three GEMMs, each rows·inner·cols multiply-adds) switch BLAS to one
    thread exactly for the GEMMs between OPENBLAS_THREADED_FROM and SMALL_GEMM; values and gradients
    equal PyTorch's in float64."""
    entered = []
    single_threaded = threads.single_threaded_blas

    def spy():
        entered.append(True)
        return single_threaded()

    monkeypatch.setattr(threads, "single_threaded_blas", spy)
    x, w, b, g = rand((rows, inner)), rand((cols, inner), 1), rand(cols, 2), rand((rows, cols), 3)
    ts = [torch.from_numpy(a).requires_grad_() for a in (x, w, b)]
    ours = [Tensor(a, requires_grad=True) for a in (x, w, b)]
    ref, out = TF.linear(*ts), F.linear(*ours)
    ref.backward(torch.from_numpy(g))
    out.backward(g)
    assert entered == [True] * (3 if single else 0)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    for t, o in zip(ts, ours):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (rand((32, 30)), rand((30, 200), 1)),
        (rand((27, 32), 1).T, rand((27, 200), 2)),  # a transposed view (Gᵀ·h), and a strided one below
        (rand((32, 60))[:, ::2], rand((200, 30), 3).T),
        (rand((5, 7)).astype(np.float32), rand((7, 3), 1)),  # float32 with float64: float64, as numpy's
        (rand((5, 7)).astype(np.float16), rand((7, 3), 1).astype(np.float16)),
        (np.arange(12).reshape(3, 4), np.arange(8).reshape(4, 2)),
        (rand((4, 0)), rand((0, 3), 1)),
        (np.broadcast_to(np.float32(1.0), (1, 4)), rand((4, 300)).astype(np.float32)),  # a sum's gradient: stride 0
        (rand((300, 4)).astype(np.float32)[::-1].T, np.broadcast_to(np.float32(2.0), (300, 1))),  # reversed rows
        (rand((2, 3, 4)), rand((2, 4, 5), 1)),  # a stack and a vector: matmul's rules, not np.dot's
        (rand((3, 4)), rand(4, 1)),
    ],
)
def test_a_small_gemm_is_numpys_product_to_the_bit(a, b) -> None:
    """Below OPENBLAS_THREADED_FROM two C- or Fortran-ordered matrices go to ndarray.dot, everything else to ``@``:
    the result is numpy's ``a @ b`` in dtype, shape and every bit, for broadcast and reversed operands too (where
    ``dot`` sums in another order), with matmul's rules for stacks (np.dot would contract a stack otherwise:
    (2, 3, 4)·(2, 4, 5) is (2, 3, 2, 5) there)."""
    got, want = threads.matmul(a, b), a @ b
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
