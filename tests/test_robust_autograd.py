"""Grad mode and anomaly mode under threads, nesting, decorators and misuse.

Reference: PyTorch. Grad mode is per thread there (a thread inside ``torch.no_grad()`` never
switches graph recording off for another thread, and a new thread starts with it on), blocks
restore the mode they found, and ``torch.set_grad_enabled(False)`` acts as soon as it is called.
Where a test can ask PyTorch, it does so at run time rather than writing the answer down.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, Value, autograd
from tinygrad_edu.autograd import (
    AnomalyError,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from tinygrad_edu.nn import functional as F

from .conftest import needs_torch

TIMEOUT = 30  # seconds; a deadlock fails the test instead of hanging the suite


def run_threads(*targets) -> list:
    """Run each target in its own thread; return their results, re-raising the first error."""
    results: list = [None] * len(targets)
    errors: list = []

    def wrap(k, fn):
        try:
            results[k] = fn()
        except BaseException as err:  # re-raised in the main thread
            errors.append(err)

    threads = [threading.Thread(target=wrap, args=(k, fn)) for k, fn in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "thread did not finish (deadlock?)"
    if errors:
        raise errors[0]
    return results


def scalar_grad(x0: float) -> float:
    """d(x³ + 2x)/dx at x0 through the scalar engine; the calculus says 3x0² + 2."""
    x = Value(x0)
    (x**3 + 2 * x).backward()
    return x.grad


def tensor_grad(x0: np.ndarray) -> np.ndarray:
    """d(Σ tanh(x)·x)/dx through Tensors; the calculus says tanh x + x(1 − tanh² x)."""
    x = Tensor(x0.copy(), requires_grad=True)
    (x.tanh() * x).sum().backward()
    return x.grad


def test_no_grad_in_one_thread_leaves_other_threads_recording() -> None:
    inside, done = threading.Event(), threading.Event()

    def evaluator():
        with no_grad():
            inside.set()
            assert done.wait(TIMEOUT)
            return is_grad_enabled(), (Value(2.0) * 3)._prev

    def trainer():
        assert inside.wait(TIMEOUT)  # the other thread is inside no_grad for the whole of this
        try:
            xs = np.array([-1.5, 0.0, 0.7])
            return scalar_grad(1.5), tensor_grad(xs), is_grad_enabled()
        finally:
            done.set()

    (mode_in_block, prev), (g_scalar, g_tensor, mode_outside) = run_threads(evaluator, trainer)
    assert mode_in_block is False and prev == ()
    assert mode_outside is True
    assert g_scalar == 3 * 1.5**2 + 2
    xs = np.array([-1.5, 0.0, 0.7])
    np.testing.assert_allclose(g_tensor, np.tanh(xs) + xs * (1 - np.tanh(xs) ** 2), rtol=1e-14)


def test_interleaved_blocks_in_two_threads_restore_both() -> None:
    # A enters, B enters, A leaves, B leaves: with one process-wide flag B restored "off" for everyone.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with no_grad():
            a_in.set()
            assert b_in.wait(TIMEOUT)
        a_out.set()
        return is_grad_enabled(), scalar_grad(2.0)

    def b():
        assert a_in.wait(TIMEOUT)
        with no_grad():
            b_in.set()
            assert a_out.wait(TIMEOUT)
        return is_grad_enabled(), scalar_grad(2.0)

    assert run_threads(a, b) == [(True, 14.0), (True, 14.0)]
    assert is_grad_enabled()
    assert scalar_grad(2.0) == 14.0


@needs_torch
def test_new_thread_starts_with_grad_on_like_torch() -> None:
    import torch

    with torch.no_grad():
        (expected,) = run_threads(torch.is_grad_enabled)
    with no_grad():
        (got,) = run_threads(is_grad_enabled)
        (g,) = run_threads(lambda: scalar_grad(-1.0))
        assert not is_grad_enabled()
    assert got is expected is True
    assert g == 5.0


def test_many_threads_mixing_no_grad_and_backward() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(8, 5))
    barrier = threading.Barrier(8)

    def worker(k):
        barrier.wait(TIMEOUT)
        got = []
        for step in range(30):
            if (k + step) % 2:
                with no_grad():
                    y = Value(1.0) * 2
                    assert y._prev == () and not is_grad_enabled()
            got.append(tensor_grad(points[k]))
            got.append(scalar_grad(float(points[k, 0])))
        return got

    results = run_threads(*[lambda k=k: worker(k) for k in range(8)])
    for k, got in enumerate(results):
        x = points[k]
        expected = np.tanh(x) + x * (1 - np.tanh(x) ** 2)
        for g_tensor, g_scalar in zip(got[::2], got[1::2]):
            np.testing.assert_allclose(g_tensor, expected, rtol=1e-14)
            assert g_scalar == pytest.approx(3 * x[0] ** 2 + 2, rel=1e-15)


def test_a_thread_that_ends_with_grad_off_does_not_leak_it() -> None:
    # set_grad_enabled(False) as a plain call, never undone, then the thread ends
    run_threads(lambda: set_grad_enabled(False))
    assert is_grad_enabled()
    assert run_threads(is_grad_enabled, lambda: scalar_grad(1.0)) == [True, 5.0]
    assert scalar_grad(1.0) == 5.0


def test_one_no_grad_object_entered_twice_restores_the_outer_mode() -> None:
    block = no_grad()
    with block:
        with block:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_one_no_grad_object_shared_by_threads() -> None:
    block = no_grad()
    entered = threading.Barrier(2)

    def use():
        with block:
            entered.wait(TIMEOUT)
            inside = is_grad_enabled()
            entered.wait(TIMEOUT)
        return inside, is_grad_enabled()

    assert run_threads(use, use) == [(False, True), (False, True)]


def test_decorators_run_each_call_in_a_fresh_block() -> None:
    @no_grad()
    def evaluate(depth: int) -> tuple:
        inner = evaluate(depth - 1) if depth else ()
        return ((Value(1.0) + 1)._prev, is_grad_enabled(), *inner)

    @enable_grad()
    def train_step() -> float:
        return scalar_grad(3.0)

    assert evaluate(3) == ((), False) * 4
    assert is_grad_enabled()
    with no_grad():
        assert train_step() == 29.0
        assert not is_grad_enabled()
    assert evaluate.__name__ == "evaluate"


def test_blocks_restore_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0
    assert is_grad_enabled()
    with no_grad():
        with pytest.raises(ValueError), enable_grad():
            Value(-1.0).log()
        assert not is_grad_enabled()
    with pytest.raises(KeyError), set_grad_enabled(False):
        raise KeyError("x")
    assert is_grad_enabled()


@needs_torch
@given(st.lists(st.sampled_from(["no_grad", "enable_grad", "set_on", "set_off", "exit"]), max_size=12))
def test_any_nesting_matches_torch(program: list[str]) -> None:
    """Random programs of nested blocks and plain set_grad_enabled calls: the mode after every
    step is what PyTorch reports for the same program."""
    import torch

    def run(lib) -> list[bool]:
        blocks = {"no_grad": lib.no_grad, "enable_grad": lib.enable_grad}
        open_blocks: list = []
        trace = []
        start = lib.is_grad_enabled()
        try:
            for step in program:
                if step in blocks:
                    block = blocks[step]()
                    block.__enter__()
                    open_blocks.append(block)
                elif step == "exit" and open_blocks:
                    open_blocks.pop().__exit__(None, None, None)
                elif step in ("set_on", "set_off"):
                    lib.set_grad_enabled(step == "set_on")
                trace.append(lib.is_grad_enabled())
        finally:
            while open_blocks:
                open_blocks.pop().__exit__(None, None, None)
            lib.set_grad_enabled(start)
        return trace

    assert run(autograd) == run(torch)
    assert is_grad_enabled()


@needs_torch
def test_set_grad_enabled_called_as_a_function_acts_at_once_like_torch() -> None:
    import torch

    torch.set_grad_enabled(False)
    set_grad_enabled(False)
    try:
        assert is_grad_enabled() is torch.is_grad_enabled() is False
        assert (Value(2.0) * 2)._prev == ()
    finally:
        torch.set_grad_enabled(True)
        set_grad_enabled(True)
    assert is_grad_enabled() and len((Value(2.0) * 2)._prev) == 2


def test_anomaly_mode_belongs_to_the_thread_that_turned_it_on() -> None:
    # One thread debugging a NaN must neither slow down nor break the others. (PyTorch keeps
    # anomaly mode process-wide; here it is per thread, like grad mode.)
    inside, done = threading.Event(), threading.Event()

    def debugger():
        with detect_anomaly():
            inside.set()
            assert done.wait(TIMEOUT)
            x = Tensor(np.array([-1.0, 4.0]), requires_grad=True)
            with pytest.raises(AnomalyError, match="NaN"):
                x.log()
            return is_anomaly_enabled()

    def other():
        assert inside.wait(TIMEOUT)
        try:
            x = Tensor(np.array([-1.0, 4.0]), requires_grad=True)
            with np.errstate(invalid="ignore"):
                y = x.log()
            return is_anomaly_enabled(), np.isnan(y.data[0]), y.data[1]
        finally:
            done.set()

    assert run_threads(debugger, other) == [True, (False, True, np.log(4.0))]
    assert not is_anomaly_enabled()


def test_anomaly_mode_restores_after_the_error_it_raises() -> None:
    logits = Tensor(np.array([[np.inf, 0.0]]), requires_grad=True)
    with pytest.raises(AnomalyError), detect_anomaly():
        F.cross_entropy(logits, np.array([0]))
    assert not is_anomaly_enabled()


# ------------------------------------------------------------------------ torch.autograd's surface, against PyTorch
def _scaled_product(base):
    """The same custom Function on either library: out = x·w, recording ``ctx.needs_input_grad``."""
    seen = []

    class ScaledProduct(base):
        @staticmethod
        def forward(ctx, x, w, scale=1.0):
            seen.append(tuple(ctx.needs_input_grad))
            ctx.save_for_backward(x, w)
            ctx.scale = scale
            return x * w * scale

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            seen.append(tuple(ctx.needs_input_grad))
            gx = g * w * ctx.scale if ctx.needs_input_grad[0] else None
            return gx, (g * x * ctx.scale if ctx.needs_input_grad[1] else None), None

    return ScaledProduct, seen


@needs_torch
@pytest.mark.parametrize("grads", [(True, False), (False, True), (True, True)])
def test_needs_input_grad_is_false_for_a_tensor_that_needs_none(grads) -> None:
    import torch

    x, w = np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0, -1.0])
    results = []
    for lib, base in ((torch, torch.autograd.Function), (Tensor.__module__, autograd.Function)):
        op, seen = _scaled_product(base)
        make = torch.tensor if lib is torch else Tensor
        xt, wt = make(x, requires_grad=grads[0]), make(w, requires_grad=grads[1])
        op.apply(xt, wt, 2.0).sum().backward()
        grad = [None if t.grad is None else np.asarray(t.grad) for t in (xt, wt)]
        results.append((seen, grad))
    (ours_seen, ours_grad), (theirs_seen, theirs_grad) = results[1], results[0]
    assert ours_seen == theirs_seen == [(*grads, False)] * 2
    for a, b in zip(ours_grad, theirs_grad):
        assert (a is None) == (b is None) and (a is None or np.allclose(a, b, rtol=0, atol=0))


@needs_torch
def test_a_keyword_tensor_argument_is_an_input_as_in_pytorch() -> None:
    import torch

    x, w = np.array([1.0, -2.0]), np.array([3.0, 0.5])
    grads = []
    for make, base in ((torch.tensor, torch.autograd.Function), (Tensor, autograd.Function)):
        op, _ = _scaled_product(base)
        xt, wt = make(x, requires_grad=True), make(w, requires_grad=True)
        op.apply(xt, w=wt, scale=2.0).sum().backward()
        grads.append([np.asarray(xt.grad), np.asarray(wt.grad)])
    np.testing.assert_array_equal(grads[0], grads[1])  # ∂/∂x = 2w, ∂/∂w = 2x
    np.testing.assert_array_equal(grads[1], [2 * w, 2 * x])
    for make, base in ((torch.tensor, torch.autograd.Function), (Tensor, autograd.Function)):
        op, _ = _scaled_product(base)
        with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
            op.apply(make(x), make(w), z=1.0)
        with pytest.raises(TypeError, match="missing required argument: 'w' \\(position 1\\)"):
            op.apply(make(x), scale=1.0)


@needs_torch
def test_grad_sums_the_gradients_of_several_outputs_as_pytorch() -> None:
    import torch

    x0 = np.array([0.5, -1.5, 2.0])
    g1, g2 = np.array([1.0, 2.0, -1.0]), np.array([0.25, -3.0, 4.0])
    out = []
    for lib in (torch, tg_lib()):
        x = lib.tensor(x0, requires_grad=True)
        y1, y2, y3 = x * x, x.exp(), (x * 3).sum()  # three outputs, all reaching x
        (gx,) = lib.autograd.grad([y1, y2, y3], [x], grad_outputs=[lib.tensor(g1), lib.tensor(g2), None])
        out.append(np.asarray(gx.detach() if lib is torch else gx.data))
    np.testing.assert_allclose(out[1], out[0], rtol=1e-15)
    np.testing.assert_allclose(out[1], g1 * 2 * x0 + g2 * np.exp(x0) + 3, rtol=1e-15)  # the chain rule's sum


def tg_lib():
    import tinygrad_edu

    return tinygrad_edu


@needs_torch
@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.autograd.grad(x * 2, [x]),
        lambda t, x: t.autograd.grad(t.ones(3).sum(), x),
        lambda t, x: t.autograd.grad([(x * 2).sum(), (x * 3).sum()], x, grad_outputs=[t.tensor(1.0)]),
        lambda t, x: t.autograd.grad((x * 2).sum(), []),
        lambda t, x: t.autograd.grad(x * 2, x, grad_outputs=t.ones(2)),
    ],
    ids=["non-scalar output", "output without graph", "too few grad_outputs", "no inputs", "grad_output shape"],
)
def test_grad_argument_errors_are_pytorchs(call) -> None:
    import torch

    with pytest.raises(RuntimeError) as theirs:
        call(torch, torch.ones(3, requires_grad=True))
    with pytest.raises(RuntimeError) as ours:
        call(tg_lib(), Tensor(np.ones(3), requires_grad=True))
    assert str(ours.value) == str(theirs.value)
