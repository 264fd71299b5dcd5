"""The rules of the backward pass: accumulation, reuse, zeroing, no_grad, deep graphs, no cycles."""

from __future__ import annotations

import gc
import sys
import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Value, nn

from .conftest import needs_torch


def test_reused_node_gets_both_contributions() -> None:
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0  # d(2a)/da
    x = Value(-1.5)
    (x * x).backward()
    assert x.grad == -3.0  # d(x²)/dx = 2x


def test_diamond_graph() -> None:
    """y = (a·b) + (a·b)·a uses a three times and the product twice: ∂y/∂a = b + 2ab, ∂y/∂b = a + a²."""
    a, b = Value(2.0), Value(5.0)
    p = a * b
    y = p + p * a
    y.backward()
    assert (a.grad, b.grad) == (5.0 + 2 * 2.0 * 5.0, 2.0 + 4.0)


def test_gradients_accumulate_across_backward_calls_until_zeroed() -> None:
    x, y = Value(2.0), Value(-4.0)
    z = x * y + y
    z.backward()
    assert (x.grad, y.grad) == (-4.0, 3.0)
    z.backward()  # PyTorch semantics: grads add up; only this call's share flows through
    assert (x.grad, y.grad) == (-8.0, 6.0)
    assert z.grad == 2.0
    z.zero_grad()
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)
    z.backward()
    assert (x.grad, y.grad) == (-4.0, 3.0)


def test_backward_with_upstream_gradient() -> None:
    x = Value(3.0)
    (x**2).backward(0.5)
    assert x.grad == 3.0  # 0.5 · 2x


def test_no_grad_builds_no_graph_and_restores_mode() -> None:
    a = Value(2.0)
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        b = a * 3 + 1
    assert tg.is_grad_enabled()
    assert b.data == 7.0 and b._prev == () and b._op == ""
    b.backward()
    assert a.grad == 0.0
    c = a * 3
    assert c._prev == (a, c._prev[1])


def test_no_grad_restores_mode_after_an_error() -> None:
    with pytest.raises(ValueError), tg.no_grad():
        Value(-1.0).log()
    assert tg.is_grad_enabled()


def test_chain_of_100000_ops_needs_no_recursion() -> None:
    assert sys.getrecursionlimit() < 100_000
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad == pytest.approx(1.00001**100_000, rel=1e-9)


def test_graph_has_no_reference_cycles() -> None:
    """A dropped graph is freed by reference counting alone: the cyclic collector finds nothing."""
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        for _ in range(3):
            y = (x * 2).tanh() + x.exp() * x
        y.backward()
        del y
        assert gc.collect() == 0
    finally:
        gc.enable()


def _torch_mlp_grads(model: nn.MLP, batches: list[np.ndarray], repeats: int) -> list[float]:
    """d/dθ of Σ_batches Σ_rows MLP(x) · repeats, computed by PyTorch in float64 from the same weights."""
    import torch

    layers = [
        (
            torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True),
            torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True),
        )
        for layer in model.layers
    ]
    total = torch.zeros((), dtype=torch.float64)
    for xb in batches:
        h = torch.tensor(xb, dtype=torch.float64)
        for i, (W, b) in enumerate(layers):
            h = h @ W.T + b
            h = torch.tanh(h) if i < len(layers) - 1 else h
        total = total + h.sum()
    (total * repeats).backward()
    return [g for W, b in layers for row_w, gb in zip(W.grad.tolist(), b.grad.tolist()) for g in (*row_w, gb)]


@needs_torch
def test_threads_sharing_parameters_add_up_their_gradients() -> None:
    """Four threads backpropagate their own batch through one shared MLP, over and over. Each node
    must gather its upstream gradient in its own call and each ``+=`` into a shared ``.grad`` must
    be whole, so the gradients are the sum over all calls: PyTorch's gradient of the summed loss.
    A 1 µs switch interval makes the interpreter change threads inside the walks; the tolerance is
    rounding, since the calls add their gradients in whatever order the threads run."""
    model = nn.MLP(3, [8, 8, 1], activation="tanh")
    rng = np.random.default_rng()
    batches = [rng.normal(size=(5, 3)) for _ in range(4)]
    repeats = 6

    def work(xb: np.ndarray) -> None:
        for _ in range(repeats):
            Value.sum(model(row.tolist()) for row in xb).backward()

    threads = [threading.Thread(target=work, args=(xb,)) for xb in batches]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    got = [p.grad for p in model.parameters()]
    np.testing.assert_allclose(got, _torch_mlp_grads(model, batches, repeats), rtol=1e-10, atol=1e-12)


def test_backward_order_puts_each_tensor_before_its_inputs() -> None:
    """Tensor.backward walks the ops by creation number, latest first (PyTorch's engine), then the leaves:
    every node that needs a gradient comes once, before the tensors it was made from, and tensors that need
    none (the data, a mask, the labels) are not visited. The gradients are those of the chain rule."""
    from tinygrad_edu.backprop import backward_order

    elsewhere = tg.tensor([1.0], requires_grad=True) * 1
    elsewhere.add_(1)  # a graph changed in place elsewhere: this one keeps the creation-number walk
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = tg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    data = tg.tensor([2.0, 2.0, 2.0])
    h = x * w  # made first, used last
    u = (h * data).tanh()
    v = x.exp() + u
    y = (v * h).sum()
    order = backward_order(y)
    position = {id(t): i for i, t in enumerate(order)}
    assert len(position) == len(order) == 9 and id(data) not in position  # sum, v·h, v, eˣ, u, h·data, h; x, w
    for t in order:
        for parent in t._prev:
            if parent.requires_grad:
                assert position[id(t)] < position[id(parent)]
    assert [t.grad_fn is None for t in order[-2:]] == [True, True]
    y.backward()
    xs, ws = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    hs = xs * ws
    us = np.tanh(2 * hs)
    dh = (np.exp(xs) + us) + hs * (1 - us**2) * 2  # y = Σ (eˣ + tanh(2h))·h
    np.testing.assert_allclose(x.grad.numpy(), hs * np.exp(xs) + dh * ws, rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), dh * xs, rtol=1e-6)


@pytest.mark.parametrize("inputs", [False, True], ids=["all leaves", "inputs="])
def test_leaves_given_one_gradient_array_keep_their_own_copies(inputs) -> None:
    """``(a + b) * c``: Add's backward hands the same array to a and b. Each ``.grad`` must be its own memory
    (PyTorch's: changing one leaves the other as it was), with or without ``backward(inputs=...)``."""
    a, b, c = (tg.tensor(np.array(v), requires_grad=True) for v in ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]))
    loss = ((a + b) * c).sum()
    loss.backward(inputs=[a, b]) if inputs else loss.backward()
    np.testing.assert_array_equal(a.grad.numpy(), [5.0, 6.0])  # ∂/∂a = c, ∂/∂b = c
    np.testing.assert_array_equal(b.grad.numpy(), [5.0, 6.0])
    a.grad.add_(1)
    np.testing.assert_array_equal(b.grad.numpy(), [5.0, 6.0])


def _retained_grads_seen(lib) -> tuple[dict, list, list]:
    """What a custom Function's backward sees of a retained ``.grad`` above it, and the retained gradients left
    after a backward that raises below them."""
    seen: dict = {}

    class Spy(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, go):
            seen["y"] = None if y.grad is None else y.grad.tolist()
            return go

    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = Spy.apply(x) * 3
    y.retain_grad()
    (y * 2).sum().backward()
    a, b = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0, 4.0], requires_grad=True)
    h = a * b
    h.retain_grad()
    e = h * 3
    e.retain_grad()
    with lib.no_grad():
        b.mul_(1)  # a * b saved b: its backward raises, after e's and h's gradients are whole
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()
    return seen, e.grad.tolist(), h.grad.tolist()


@needs_torch
def test_a_retained_gradient_is_stored_as_soon_as_it_is_whole() -> None:
    """As PyTorch: a ``retain_grad()`` tensor's ``.grad`` is there while the rest of the backward runs (a
    custom Function's backward below it reads it), and stays when a later node's backward raises."""
    import torch

    want = ({"y": [2.0, 2.0]}, [1.0, 1.0], [3.0, 3.0])
    assert _retained_grads_seen(torch) == want
    assert _retained_grads_seen(tg) == want


def _retained_grad_after_a_change_below(lib) -> tuple[list, list]:
    """A retained ``.grad`` and a leaf's after a custom Function below the retained tensor doubles its grad_output
    in place."""

    class DoubleInPlace(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, go):
            go.mul_(2)
            return go

    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = DoubleInPlace.apply(x * 3)
    y.retain_grad()
    (y * 5).sum().backward()
    return y.grad.tolist(), x.grad.tolist()


@needs_torch
def test_a_retained_gradient_is_a_copy_that_a_backward_below_does_not_change() -> None:
    """PyTorch's retain_grad keeps a clone of the gradient: ∂Σ5y/∂y = 5 stays 5 when the Function below doubles the
    array it was handed, while x gets 2·3·5 = 30."""
    import torch

    assert _retained_grad_after_a_change_below(torch) == ([5.0, 5.0], [30.0, 30.0])
    assert _retained_grad_after_a_change_below(tg) == ([5.0, 5.0], [30.0, 30.0])
