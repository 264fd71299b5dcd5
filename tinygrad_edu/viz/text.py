"""How numbers and names are written on graph pictures."""

from __future__ import annotations

import math

import numpy as np


def _quote(text: str) -> str:
    """Escape a line for a double-quoted DOT string (backslash and quote)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def format_number(x: float, precision: int = 4) -> str:
    """``precision`` decimals, or scientific notation where that would show fewer than 3
    significant digits (|x| < 10^(2 − precision)) or the number is huge (≥ 1e9).

    >>> format_number(0.0821670406, 9), format_number(0.000438568, 4), format_number(-2.0, 2)
    ('0.082167041', '4.3857e-04', '-2.00')
    """
    x = float(x)
    if x != 0.0 and math.isfinite(x) and (abs(x) < 10.0 ** (2 - precision) or abs(x) >= 1e9):
        return f"{x:.{precision}e}"
    return f"{x:.{precision}f}"


def format_array(a: np.ndarray, precision: int = 4, width: int = 48) -> list[str]:
    """An array's numbers as lines of at most about ``width`` characters (one row per line)."""
    with np.printoptions(precision=precision, suppress=True, linewidth=width, threshold=10**6):
        return np.array2string(np.asarray(a), separator=", ").splitlines()
