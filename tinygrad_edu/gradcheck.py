"""`gradcheck`: compare `backward()` with float64 central differences, as ``torch.autograd.gradcheck``.

For a function y = f(x₁, …, xₙ) with outputs y_j and input elements x_i, the numerical Jacobian is

    J_num[j, i] = (f_j(x + ε·e_i) − f_j(x − ε·e_i)) / (2ε)        (error O(ε²))

and the analytical one is read off ``backward()``: seeding the output with the one-hot vector e_j
gives row j, J_ana[j, i] = ∂y_j/∂x_i. The check passes when every entry satisfies PyTorch's
``allclose`` test  |J_ana − J_num| ≤ atol + rtol·|J_num|. The defaults (ε = 1e-6, atol = 1e-5,
rtol = 1e-3) are PyTorch's. Inputs are perturbed in float64 (tensor inputs are upcast for the
duration of the check), because in float32 the rounding error of f (~1e-7·|f|/ε ≈ 0.1) would swamp
the derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import Value


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when analytical and numerical gradients disagree; holds the table."""


def _is_scalar(x: Any) -> bool:
    return isinstance(x, Value)


def _read(x: Any) -> np.ndarray:
    """A float64 copy of a node's data, flattened."""
    return np.array(x.data, dtype=np.float64).reshape(-1)


def _write(x: Any, flat: np.ndarray) -> None:
    if _is_scalar(x):
        x.data = float(flat[0])
    else:
        x.data = flat.reshape(x.data.shape).copy()


def _grad(x: Any) -> np.ndarray:
    g = x.grad
    if g is None:
        return np.zeros(np.size(x.data))
    return np.array(g, dtype=np.float64).reshape(-1)


def _clear_grad(x: Any) -> None:
    x.grad = 0.0 if _is_scalar(x) else None


def _seed(y: Any, j: int) -> None:
    """Run ``y.backward`` with the one-hot upstream gradient e_j."""
    if _is_scalar(y):
        y.backward(1.0)
        return
    seed = np.zeros(np.size(y.data), dtype=np.float64)
    seed[j] = 1.0
    y.backward(seed.reshape(np.shape(y.data)))


def numerical_jacobian(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference Jacobians, one (n_outputs, n_elements) float64 array per input."""
    jacobians = []
    for x in inputs:
        base = _read(x)
        columns = []
        for i in range(base.size):
            shifted = base.copy()
            shifted[i] = base[i] + eps
            _write(x, shifted)
            plus = _read(fn(*inputs))
            shifted[i] = base[i] - eps
            _write(x, shifted)
            minus = _read(fn(*inputs))
            columns.append((plus - minus) / (2.0 * eps))
        _write(x, base)
        jacobians.append(np.stack(columns, axis=1))
    return jacobians


def analytical_jacobian(fn: Callable[..., Any], inputs: Sequence[Any]) -> list[np.ndarray]:
    """Jacobians from ``backward()``, one (n_outputs, n_elements) float64 array per input."""
    n_out = _read(fn(*inputs)).size
    rows: list[list[np.ndarray]] = [[] for _ in inputs]
    for j in range(n_out):
        for x in inputs:
            _clear_grad(x)
        _seed(fn(*inputs), j)
        for rows_x, x in zip(rows, inputs):
            rows_x.append(_grad(x))
    for x in inputs:
        _clear_grad(x)
    return [np.stack(r, axis=0) for r in rows]


def _upcast(inputs: Sequence[Any]) -> list[tuple[Any, Any]]:
    """Switch tensor inputs to float64 in place; return what to restore afterwards."""
    saved = []
    for x in inputs:
        if not _is_scalar(x) and np.asarray(x.data).dtype != np.float64:
            saved.append((x, x.data))
            x.data = np.asarray(x.data, dtype=np.float64)
    return saved


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check ``fn``'s gradients with respect to ``inputs`` against float64 central differences.

    Args:
        fn: called as ``fn(*inputs)``; returns a `Value` or a `Tensor` (any shape).
        inputs: one node or a sequence of nodes (`Value`s or `Tensor`s) to differentiate.
        eps: the finite-difference step ε.
        atol, rtol: entries pass when |analytic − numeric| ≤ atol + rtol·|numeric|.
        raise_exception: raise `GradcheckError` on a mismatch (PyTorch's default) instead of
            returning False.

    Returns:
        True when every Jacobian entry matches.

    Raises:
        GradcheckError: with a table of input, element, numeric, analytic and difference for
            each mismatching entry.
    """
    if _is_scalar(inputs) or hasattr(inputs, "shape"):
        inputs = (inputs,)
    inputs = tuple(inputs)
    if not inputs:
        raise ValueError("gradcheck: no inputs to check")
    saved = _upcast(inputs)
    try:
        numeric = numerical_jacobian(fn, inputs, eps)
        analytic = analytical_jacobian(fn, inputs)
    finally:
        for x, data in saved:
            x.data = data
    failures = []
    for k, (num, ana) in enumerate(zip(numeric, analytic)):
        bad = ~(np.abs(ana - num) <= atol + rtol * np.abs(num))
        for j, i in zip(*np.nonzero(bad)):
            failures.append((k, int(j), int(i), num[j, i], ana[j, i]))
    if not failures:
        return True
    if not raise_exception:
        return False
    lines = [
        f"gradcheck: {len(failures)} Jacobian entries differ (atol={atol:g}, rtol={rtol:g}, eps={eps:g})",
        f"{'input':>5} {'output':>6} {'element':>7} {'numeric':>14} {'analytic':>14} {'difference':>12}",
    ]
    for k, j, i, num, ana in failures[:20]:
        lines.append(f"{k:>5} {j:>6} {i:>7} {num:>14.8g} {ana:>14.8g} {ana - num:>12.4g}")
    if len(failures) > 20:
        lines.append(f"... and {len(failures) - 20} more")
    raise GradcheckError("\n".join(lines))
