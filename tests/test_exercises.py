"""The course's exercises: at least two per chapter and 24 in all, each exercise cell followed by a
check cell; with the reference solution every check passes, with the blank every check fails with
an `ExerciseError` that says what is wrong (never another exception, never a bare assert).

The cells run here in-process, each exercise cell followed by its check, in one namespace per
chapter (the exercise cells import what they use, so they run without the rest of the chapter);
the whole chapters with the solutions filled in run in tests/test_notebook_outputs.py. The planted bugs below are the
mistakes the hints are written for; each must be named in the message.
"""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import numpy as np
import pytest

from tests.exercise_solutions import HERE as SOLUTIONS
from tests.exercise_solutions import exercise_cells, solution
from tinygrad_edu import exercises as ex

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def pairs(path: Path) -> list[tuple[str, str, str]]:
    """(exercise id, exercise source, check source) for each exercise of a chapter."""
    nb = nbformat.read(path, as_version=4)
    out = []
    for i, cell in exercise_cells(nb):
        check = nb.cells[i + 1]
        assert "check" in check.metadata.get("tags", []), (
            f"{path.name}: the cell after exercise {i} is not tagged 'check'"
        )
        out.append((cell.metadata["exercise_id"], cell.source, check.source))
    return out


def run(source: str, check: str, namespace: dict) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(source, "<exercise>", "exec"), namespace)
        exec(compile(check, "<check>", "exec"), namespace)
    return buffer.getvalue()


def test_every_chapter_has_at_least_two_exercises_and_the_course_24() -> None:
    counts = {p.stem: len(pairs(p)) for p in NOTEBOOKS}
    assert all(n >= 2 for n in counts.values()), counts
    assert sum(counts.values()) >= 24, counts
    ids = [i for p in NOTEBOOKS for i, _, _ in pairs(p)]
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == sorted(f.stem for f in SOLUTIONS.glob("ch*.py")), (
        "a solution file without its exercise, or the reverse"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_solutions_pass_and_blanks_fail_with_a_message(path: Path) -> None:
    solved: dict = {}  # one namespace per chapter and kind: 01b's backward() calls the topo_sort() written before it
    blanks: dict = {}
    for exercise_id, blank, check in pairs(path):
        assert "..." in blank, f"{exercise_id}: the stored exercise cell is not a blank"
        printed = run(solution(exercise_id), check, solved)
        assert printed.strip().splitlines()[-1].startswith("✓"), (
            f"{exercise_id}: the solution's check printed {printed!r}"
        )
        with pytest.raises(ex.ExerciseError) as failure:
            run(blank, check, blanks)
        message = str(failure.value)
        assert "expected" in message or "returned None" in message, f"{exercise_id}: {message!r}"


def fails(check, answer) -> str:
    with pytest.raises(ex.ExerciseError) as failure, contextlib.redirect_stdout(io.StringIO()):
        check(answer)
    return str(failure.value)


def test_the_a_plus_a_bug_is_named() -> None:
    def replacing(a, b, out):
        a.grad = out.grad
        b.grad = out.grad

    assert "do not replace it" in fails(ex.check_add_backward, replacing)


def test_a_missing_zero_grad_is_named() -> None:
    def no_zeroing(params, loss_fn, lr):
        loss = loss_fn()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad

    message = fails(ex.check_training_step, no_zeroing)
    assert "after step 2" in message and "without zeroing the gradients" in message


def test_adam_without_bias_correction_is_named() -> None:
    def raw(theta, g, m, v, t, lr, b1, b2, eps):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        return theta - lr * m / (np.sqrt(v) + eps), m, v

    assert "without bias correction" in fails(ex.check_adam_step, raw)


def test_adam_with_epsilon_inside_the_root_is_named() -> None:
    """√(v̂ + ε) for √v̂ + ε: with ε = 1e-8 it only shows where √v̂ is near ε (the check's gradient of 1e-4)."""

    def eps_inside(theta, g, m, v, t, lr, b1, b2, eps):
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g**2
        return theta - lr * (m / (1 - b1**t)) / np.sqrt(v / (1 - b2**t) + eps), m, v

    message = fails(ex.check_adam_step, eps_inside)
    assert "t = 1" in message and "entry (2,)" in message and "outside the square root" in message


def test_clipping_each_gradient_by_its_own_norm_is_named() -> None:
    """[30, 0] and [40] have the joint norm 50: clipped to 5 together they are [3, 0] and [4]; one by one, 5 and 5."""

    def one_by_one(grads, max_norm):
        total = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
        return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads], total

    message = fails(ex.check_clip_grad_norm, one_by_one)
    assert "expected 3, got 5" in message and "its own norm" in message


def test_a_tape_backward_that_overwrites_is_named() -> None:
    """grads[a] = ... keeps only the last share of a slot read several times (the a + a bug on a tape)."""

    def overwrite(rows, values):
        grads = [0.0] * len(values)
        grads[rows[-1][1]] = 1.0
        for op, out, a, b in reversed(rows):
            g = grads[out]
            if op == "add":
                grads[a], grads[b] = g, g
            elif op == "mul":
                grads[a], grads[b] = values[b] * g, values[a] * g
            else:
                grads[a] = (1 - values[out] ** 2) * g
        return grads

    message = fails(ex.check_run_tape_backward, overwrite)
    assert "tanh(x·x + x)" in message and "entry (0,)" in message and "never =" in message


def test_a_flipped_kernel_and_a_naive_softmax_are_named() -> None:
    def flipped(image, kernel):
        k = kernel[::-1, ::-1]
        h, w = k.shape
        return np.array(
            [
                [np.sum(image[i : i + h, j : j + w] * k) for j in range(image.shape[1] - w + 1)]
                for i in range(image.shape[0] - h + 1)
            ]
        )

    assert "flipped kernel" in fails(ex.check_conv2d, flipped)
    message = fails(ex.check_stable_softmax, lambda z: np.exp(z) / np.exp(z).sum())
    assert "entry (0,)" in message and "got nan" in message and "subtract max(z)" in message


def test_a_wrong_entry_is_located_with_expected_and_got() -> None:
    def off_by_one_entry(f, x, eps):
        g = np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])
        g[2] += 1.0
        return g

    message = fails(ex.check_central_difference, off_by_one_entry)
    assert "entry (2,)" in message and "expected 12" in message and "got 13" in message
    message = fails(ex.check_slope, lambda f, x: math.nan)
    assert "slope(3x²−4x+5, 3.0): expected 14, got nan" in message


def test_an_error_inside_the_learners_code_is_reported_not_raised() -> None:
    message = fails(ex.check_step, lambda z: 1 / 0)
    assert message == "step(-2.0) raised ZeroDivisionError: division by zero"


def _my_dense(kernel_shape, call):
    from tinygrad_edu import keras

    class MyDense(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=kernel_shape(input_shape[-1], self.units))
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, x):
            return call(keras.ops, x, self.kernel, self.bias)

    return MyDense


def test_a_dense_kernel_in_pytorch_layout_is_named() -> None:
    transposed = _my_dense(lambda n_in, units: (units, n_in), lambda ops, x, k, b: ops.relu(ops.matmul(x, k) + b))
    assert "expected (5, 3): Keras keeps a Dense kernel as (input features, units)" in fails(
        ex.check_dense_layer, transposed
    )


def test_a_dense_layer_without_its_relu_or_bias_is_named() -> None:
    no_relu = _my_dense(lambda n_in, units: (n_in, units), lambda ops, x, k, b: ops.matmul(x, k) + b)
    assert "the ReLU is missing" in fails(ex.check_dense_layer, no_relu)
    no_bias = _my_dense(lambda n_in, units: (n_in, units), lambda ops, x, k, b: ops.relu(ops.matmul(x, k)))
    assert "the bias is not added" in fails(ex.check_dense_layer, no_bias)


def test_a_keras_step_without_zero_grad_is_named_and_floatx_comes_back() -> None:
    from tinygrad_edu import keras

    def no_zeroing(model, x, y, loss_fn, optimizer):
        loss = loss_fn(y, model(x, training=True))
        loss.backward()
        weights = model.trainable_weights
        optimizer.apply([w.value.grad for w in weights], weights)
        return float(loss)

    message = fails(ex.check_train_step, no_zeroing)
    assert "after step 2" in message and "zero them (model.zero_grad())" in message
    assert keras.config.floatx() == "float32"
