"""The rules of the backward pass: accumulation, reuse, zeroing, no_grad, deep graphs, no cycles."""

from __future__ import annotations

import gc
import sys

import pytest

import tinygrad_edu as tg
from tinygrad_edu import Value


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
