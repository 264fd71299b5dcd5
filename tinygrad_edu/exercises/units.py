"""Checks for chapters 3 and 4: the step unit, the perceptron rule, a softmax and a log-sum-exp that do not overflow.

Expected numbers come from the definitions (Rosenblatt's rule, softmax(z)ᵢ = e^{zᵢ}/Σⱼ e^{zⱼ} worked out by
hand for inputs where it has a closed form).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .feedback import ExerciseError, attempt, expect_array, expect_number, passed


def check_step(step: Callable[[float], float]) -> None:
    """``step(z)`` = 1 for z ≥ 0, else 0 (so step(0) = 1, the convention of `tinygrad_edu.classic.Perceptron`)."""
    for z, expected in ((-2.0, 0.0), (-1e-12, 0.0), (0.0, 1.0), (3.0, 1.0)):
        got = attempt(step, z, what=f"step({z})")
        expect_number(got, expected, f"step({z})", hint="step(z) is 1 when z ≥ 0 (0 included) and 0 when z < 0")
    passed("step: 0 below zero, 1 from zero up")


def check_perceptron_update(update: Callable[..., np.ndarray]) -> None:
    """``update(w, x, d, lr)`` = w + lr·(d − y)·X with X = (1, x₁, x₂, ...) and y = step(w·X): w[0] is the bias."""
    cases = (
        ([0.0, 0.0, 0.0], [1.0, 1.0], 1.0, [0.0, 0.0, 0.0], "y = step(0) = 1 = d: no change"),
        ([0.1, -0.2, 0.3], [1.0, 0.0], 1.0, [0.2, -0.1, 0.3], "w·X = −0.1, y = 0, d = 1: add 0.1·X"),
        ([0.2, 0.5, 0.5], [0.0, 1.0], 0.0, [0.1, 0.5, 0.4], "w·X = 0.7, y = 1, d = 0: subtract 0.1·X"),
    )
    for w, x, d, expected, why in cases:
        what = f"update(w={w}, x={x}, d={d}, lr=0.1)"
        got = attempt(update, np.array(w), np.array(x), d, 0.1, what=what)
        expect_array(got, np.array(expected), what, hint=why)
    passed("the perceptron rule on three samples (no change, a push up, a push down)")


def check_stable_softmax(softmax: Callable[[np.ndarray], np.ndarray]) -> None:
    """``softmax(z)`` for a 1-D array, finite for any finite z.

    [1000, 999, 0]: e^{−1000} underflows to 0, so p = (1, e^{−1}, 0)/(1 + e^{−1});
    [−1000, −1000] is (½, ½); [0, ln 2, ln 3] is (1, 2, 3)/6.
    """
    e1 = math.exp(-1.0)
    cases = (
        ([1000.0, 999.0, 0.0], [1 / (1 + e1), e1 / (1 + e1), 0.0]),
        ([-1000.0, -1000.0], [0.5, 0.5]),
        ([0.0, math.log(2), math.log(3)], [1 / 6, 2 / 6, 3 / 6]),
    )
    for z, expected in cases:
        with np.errstate(all="ignore"):
            got = attempt(softmax, np.array(z), what=f"softmax({z})")
        expect_array(
            got,
            np.array(expected),
            f"softmax({z})",
            atol=1e-12,
            hint="exp(1000) overflows to inf (inf/inf is nan) and exp(−1000) is 0 (0/0 is nan): subtract max(z) first",
        )
    passed("softmax: right probabilities at ±1000 without overflow")


def check_log_sum_exp(log_sum_exp: Callable[[np.ndarray], float]) -> None:
    """``log_sum_exp(z)`` = log Σ e^{zᵢ} = m + log Σ e^{zᵢ − m} with m = max z, finite for any finite z.

    [1000, 1000] is 1000 + ln 2; [−1000, −1000] is −1000 + ln 2; [1, 2, 3] is 3 + ln(1 + e^{−1} + e^{−2}).
    """
    cases = (
        ([1000.0, 1000.0], 1000 + math.log(2)),
        ([-1000.0, -1000.0], -1000 + math.log(2)),
        ([1.0, 2.0, 3.0], 3 + math.log(1 + math.exp(-1) + math.exp(-2))),
    )
    for z, expected in cases:
        with np.errstate(all="ignore"):
            got = attempt(log_sum_exp, np.array(z), what=f"log_sum_exp({z})")
        if isinstance(got, float | np.floating) and not math.isfinite(got):
            raise ExerciseError(
                f"log_sum_exp({z}): expected {expected:.10g}, got {got}: exp overflowed or underflowed; "
                "take m = max(z) out: m + log(sum(exp(z − m)))"
            )
        expect_number(got, expected, f"log_sum_exp({z})", rtol=1e-12)
    passed("log_sum_exp: exact at ±1000")
