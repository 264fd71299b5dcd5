"""How a check talks to the learner: a right answer prints one line, a wrong one raises
`ExerciseError` with a message that names the input, the entry, and what was expected against what
came back, never a bare ``assert``.

Example:
    >>> expect_number(4.0, 4.0, "slope(f, 3.0)")
    >>> expect_number(None, 4.0, "slope(f, 3.0)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tinygrad_edu.exercises.feedback.ExerciseError: slope(f, 3.0) returned None, expected 4: is the exercise cell ...
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np


class ExerciseError(AssertionError):
    """A check found a wrong answer; the message says what is wrong and where."""


def passed(message: str) -> None:
    """Tell the learner a check passed."""
    print(f"✓ {message}")


def attempt(fn: Callable[..., Any], *args: Any, what: str) -> Any:
    """Call the learner's ``fn(*args)``; an error inside it becomes an `ExerciseError` naming the call."""
    if not callable(fn):
        raise ExerciseError(f"{what}: expected a function, got {type(fn).__name__} {fn!r}")
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as error:  # the learner's code may raise anything; report it, do not crash
        raise ExerciseError(f"{what} raised {type(error).__name__}: {error}") from None


def _blank(got: Any, expected: Any, what: str) -> None:
    if got is None or got is Ellipsis:
        shown = expected if isinstance(expected, str) else _fmt(expected)
        raise ExerciseError(
            f"{what} returned {got!r}, expected {shown}: is the exercise cell filled in (no `...` left) "
            "and does it `return` its answer?"
        )


def _fmt(x: Any) -> str:
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return f"{float(x):.10g}"
    return repr(x)


def expect_number(got: Any, expected: float, what: str, rtol: float = 1e-6, atol: float = 1e-9, hint: str = "") -> None:
    """Fail unless ``got`` is a real number within ``atol + rtol·|expected|`` of ``expected``."""
    _blank(got, expected, what)
    if isinstance(got, np.ndarray) and got.size == 1:
        got = got.item()
    if not isinstance(got, numbers.Real) or isinstance(got, bool):
        raise ExerciseError(f"{what} returned {type(got).__name__} {got!r}, expected the number {_fmt(expected)}")
    if not math.isclose(float(got), expected, rel_tol=rtol, abs_tol=atol):
        raise ExerciseError(f"{what}: expected {_fmt(expected)}, got {_fmt(got)}" + (f". {hint}" if hint else ""))


def expect_array(
    got: Any, expected: np.ndarray, what: str, rtol: float = 1e-6, atol: float = 1e-9, hint: str = ""
) -> None:
    """Fail unless ``got`` has ``expected``'s shape and every entry is close; name the first wrong entry."""
    expected = np.asarray(expected, dtype=np.float64)
    _blank(got, f"an array of shape {expected.shape}", what)
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(
            f"{what} returned {type(got).__name__} {got!r}, expected numbers of shape {expected.shape}"
        ) from None
    if arr.shape != expected.shape:
        raise ExerciseError(f"{what} returned shape {arr.shape}, expected shape {expected.shape}")
    bad = ~np.isclose(arr, expected, rtol=rtol, atol=atol, equal_nan=False)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" entry {index}" if arr.ndim else ""
        raise ExerciseError(
            f"{what}{where}: expected {_fmt(expected[index])}, got {_fmt(arr[index])} "
            f"({int(bad.sum())} of {arr.size} entries wrong)" + (f". {hint}" if hint else "")
        )
