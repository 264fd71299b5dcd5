"""Checks for chapters 9 to 12: a gradient check, a convolution and a pooling by hand, an RNN step, a
tape replayed forward and backward, an op's backward and a training loop.

Expected numbers come from calculus on the formula (d/dx x³ = 3x², ...), from the definitions written
with a different numpy route than a learner's loops (sliding windows and einsum), and from gradient
descent on a least-squares line worked out in closed form.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .feedback import ExerciseError, attempt, expect_array, expect_number, passed


def check_central_difference(numerical_grad: Callable[..., np.ndarray]) -> None:
    """``numerical_grad(f, x, eps)``: (f(x + εeᵢ) − f(x − εeᵢ))/(2ε) for every entry i of a float64 array x."""
    x = np.array([0.5, -1.0, 2.0])
    cases = (
        (lambda v: float(np.sum(v**3)), "sum(x³)", 3 * x**2),
        (lambda v: float(v[0] * v[1] + np.sin(v[2])), "x0·x1 + sin(x2)", np.array([x[1], x[0], math.cos(x[2])])),
    )
    for f, name, expected in cases:
        got = attempt(numerical_grad, f, x.copy(), 1e-6, what=f"numerical_grad({name}, x, 1e-6)")
        expect_array(
            got,
            expected,
            f"numerical_grad({name}, x = {x.tolist()})",
            rtol=1e-6,
            atol=1e-8,
            hint="nudge one entry at a time, up and down by eps, and restore it afterwards",
        )
    passed("numerical_grad: every entry of two gradients")


def check_relative_error(relative_error: Callable[[float, float], float]) -> None:
    """``relative_error(a, b)`` = |a − b| / max(|a|, |b|), and 0 when both are 0."""
    for a, b, expected in ((1.0, 1.01, 0.01 / 1.01), (-2.0, 2.0, 2.0), (1e-8, 2e-8, 0.5), (0.0, 0.0, 0.0)):
        got = attempt(relative_error, a, b, what=f"relative_error({a}, {b})")
        expect_number(
            got,
            expected,
            f"relative_error({a}, {b})",
            rtol=1e-9,
            atol=0.0,
            hint="divide |a − b| by the larger magnitude; return 0 when both are 0 (no division by zero)",
        )
    passed("relative_error on four pairs, both zero included")


def _windows(x: np.ndarray, kh: int, kw: int) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(x, (kh, kw))


def check_conv2d(conv2d: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """``conv2d(image, kernel)``: valid cross-correlation, out[i, j] = Σ_{u,v} image[i+u, j+v]·kernel[u, v]
    (no kernel flip, as in every deep-learning library)."""
    image = np.array([[1, 2, 0, 1], [0, 1, 3, 2], [2, 1, 0, 1], [1, 0, 2, 3]], dtype=np.float64)
    cases = (
        (image, np.array([[1.0, 0.0], [0.0, -1.0]])),
        (np.arange(30.0).reshape(5, 6) % 7, np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])),
    )
    for img, k in cases:
        expected = np.einsum("ijuv,uv->ij", _windows(img, *k.shape), k)
        flipped = np.einsum("ijuv,uv->ij", _windows(img, *k.shape), k[::-1, ::-1])
        what = f"conv2d(image {img.shape}, kernel {k.shape})"
        got = attempt(conv2d, img.copy(), k.copy(), what=what)
        hint = ""
        if (
            got is not None
            and np.shape(got) == expected.shape
            and np.allclose(got, flipped)
            and not np.allclose(flipped, expected)
        ):
            hint = (
                "that is the flipped kernel (a mathematician's convolution); deep learning slides the kernel unflipped"
            )
        expect_array(got, expected, what, hint=hint or "out has (H − kh + 1) × (W − kw + 1) entries")
    passed("conv2d: two images, square and oblong kernels")


def check_max_pool(max_pool: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """``max_pool(x, k)``: the maximum of each non-overlapping k×k block
    (rows and columns past a whole block dropped)."""
    x = np.array(
        [[1, 5, 2, 0, 9], [3, 4, 8, 1, 9], [0, -1, 2, 2, 9], [7, 6, 3, 1, 9], [9, 9, 9, 9, 9]], dtype=np.float64
    )
    for k in (2, 3):
        n = (x.shape[0] // k, x.shape[1] // k)
        expected = x[: n[0] * k, : n[1] * k].reshape(n[0], k, n[1], k).max(axis=(1, 3))
        got = attempt(max_pool, x.copy(), k, what=f"max_pool(x 5×5, {k})")
        expect_array(
            got, expected, f"max_pool(x 5×5, k={k})", hint="windows do not overlap: stride k; drop what is left over"
        )
    passed("max_pool with 2×2 and 3×3 windows")


def check_rnn_step(rnn_step: Callable[..., np.ndarray]) -> None:
    """``rnn_step(x, h, W_ih, W_hh, b)`` = tanh(W_ih·x + W_hh·h + b), PyTorch's nn.RNN cell (one bias)."""
    x, h = np.array([1.0, -2.0]), np.array([0.5, 0.0, -0.5])
    W_ih = np.array([[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]])
    W_hh = np.array([[0.2, 0.0, 0.1], [0.0, -0.2, 0.3], [0.4, 0.1, 0.0]])
    b = np.array([0.05, -0.05, 0.0])
    expected = np.tanh(np.einsum("ij,j->i", W_ih, x) + np.einsum("ij,j->i", W_hh, h) + b)
    got = attempt(rnn_step, x, h, W_ih, W_hh, b, what="rnn_step(x, h, W_ih, W_hh, b)")
    expect_array(got, expected, "rnn_step(x, h, W_ih, W_hh, b)", hint="W_ih @ x + W_hh @ h + b, then tanh")
    passed("rnn_step: one step of the recurrence")


#: A tape: rows (op, out, a, b) read slots a (and b) and write slot out. w·x + b then tanh, slots 0..5.
TAPE = [("mul", 3, 0, 1), ("add", 4, 3, 2), ("tanh", 5, 4, -1)]


def _tape_inputs() -> list[float]:
    return [-3.0, 2.0, 6.8813735870195432, 0.0, 0.0, 0.0]  # w, x, b, then three empty slots


def check_run_tape(run_tape: Callable[[list, list], list]) -> None:
    """``run_tape(rows, values)`` fills values[out] row by row ("add", "mul", "tanh") and returns values.
    On `TAPE`: w·x + b = 0.88137..., tanh of it = 1/√2."""
    got = attempt(run_tape, list(TAPE), _tape_inputs(), what="run_tape(TAPE, values)")
    n = -6.0 + 6.8813735870195432
    expect_array(
        got,
        np.array([-3.0, 2.0, 6.8813735870195432, -6.0, n, math.tanh(n)]),
        "run_tape(TAPE, values)",
        hint="row (op, out, a, b): values[out] = values[a] op values[b]",
    )
    passed("run_tape: the neuron's forward pass, slot by slot")


def check_run_tape_backward(run_tape_backward: Callable[[list, list], list]) -> None:
    """``run_tape_backward(rows, values)`` → grads (one per slot) of the last row's output: 1 there, then the rows
    in reverse, each adding local derivative × grads[out] to its inputs (d tanh = 1 − out², d(a·b)/da = b)."""
    n = -6.0 + 6.8813735870195432
    values = [-3.0, 2.0, 6.8813735870195432, -6.0, n, math.tanh(n)]
    dn = 1 - math.tanh(n) ** 2
    expected = np.array([2.0 * dn, -3.0 * dn, dn, dn, dn, 1.0])
    got = attempt(run_tape_backward, list(TAPE), list(values), what="run_tape_backward(TAPE, values)")
    expect_array(
        got,
        expected,
        "run_tape_backward(TAPE, values): grads",
        hint="walk the rows in reverse; += into grads[a] and grads[b]",
    )
    # y = tanh(x·x + x) reads slot 0 three times: dy/dx = (1 − y²)(2x + 1) only if every share is added
    x = 0.5
    y = math.tanh(x * x + x)
    rows, what = [("mul", 1, 0, 0), ("add", 2, 1, 0), ("tanh", 3, 2, -1)], "run_tape_backward(tanh(x·x + x), x = 0.5)"
    got = attempt(run_tape_backward, rows, [x, x * x, x * x + x, y], what=what)
    dy = 1 - y * y
    expect_array(
        got,
        np.array([dy * (2 * x + 1), dy, dy, 1.0]),
        f"{what}: grads",
        hint="slot 0 is read three times (twice by x·x): each read adds its share, grads[a] += ..., never =",
    )
    passed("run_tape_backward: the neuron's gradients from the tape, and x read three times")


def check_silu_backward(silu_backward: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """``silu_backward(x, grad_output)`` = grad_output·σ(x)·(1 + x(1 − σ(x))), the derivative of x·σ(x)."""
    x, g = np.array([-3.0, -0.5, 0.0, 0.5, 4.0]), np.array([1.0, 2.0, -1.0, 0.5, 1.0])
    s = 1 / (1 + np.exp(-x))
    got = attempt(silu_backward, x.copy(), g.copy(), what="silu_backward(x, grad_output)")
    expect_array(
        got,
        g * s * (1 + x * (1 - s)),
        f"silu_backward(x = {x.tolist()}, grad_output)",
        hint="d/dx x·σ(x) = σ(x) + x·σ(x)(1 − σ(x)); multiply by grad_output",
    )
    passed("silu_backward at five points")


def check_train_epoch(train_epoch: Callable[..., float]) -> None:
    """``train_epoch(model, batches, loss_fn, optimizer)`` → the mean of the batch losses; for each batch:
    zero_grad, forward, loss, backward, step.

    The check trains y = w·x + b (nn.Linear(1, 1), w = b = 0) with MSELoss and SGD(lr = 0.1) on two
    batches of two points; each step is worked out here in closed form: ∂/∂w mean (wx + b − y)² =
    mean 2(wx + b − y)·x.
    """
    import tinygrad_edu as torch

    batches = [
        (np.array([[1.0], [2.0]]), np.array([[3.0], [5.0]])),
        (np.array([[0.0], [-1.0]]), np.array([[1.0], [-1.0]])),
    ]
    model = torch.nn.Linear(1, 1, dtype=np.float64)
    assert model.bias is not None
    model.weight._data[...] = 0.0
    model.bias._data[...] = 0.0
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    tensors = [(torch.tensor(x), torch.tensor(y)) for x, y in batches]
    got = attempt(
        train_epoch,
        model,
        tensors,
        torch.nn.MSELoss(),
        optimizer,
        what="train_epoch(model, batches, loss_fn, optimizer)",
    )
    w = b = 0.0
    losses = []
    for x, y in batches:
        r = w * x[:, 0] + b - y[:, 0]
        losses.append(float(np.mean(r**2)))
        w, b = w - 0.1 * float(np.mean(2 * r * x[:, 0])), b - 0.1 * float(np.mean(2 * r))
    if float(model.weight._data.ravel()[0]) == 0.0:
        raise ExerciseError(f"after train_epoch the weight is still 0, expected {w:.10g}: call optimizer.step()")
    expect_number(
        float(model.weight._data.ravel()[0]),
        w,
        "after train_epoch, the weight",
        rtol=1e-9,
        hint="call optimizer.zero_grad() before each backward(), or batch 2 steps along batch 1's gradient too",
    )
    expect_number(float(model.bias._data.ravel()[0]), b, "after train_epoch, the bias", rtol=1e-9)
    expect_number(
        got,
        sum(losses) / 2,
        "train_epoch's return value (the mean batch loss)",
        rtol=1e-9,
        hint="return the mean of loss.item() over the batches, each measured before its step",
    )
    passed("train_epoch: two SGD steps, exactly as worked out by hand")
