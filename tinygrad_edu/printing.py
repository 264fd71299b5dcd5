"""How a tensor prints: PyTorch's ``repr`` layout, on numpy arrays (`tensor_repr`).

The rules are those of PyTorch's ``torch/_tensor_str.py`` with its default print options (line width
80, precision 4, summarised with ``...`` above 1000 elements, 3 edge items):

- **one width for all elements**, the widest formatted one, every element right-aligned to it;
- **floats**: if every finite value is an integer, ``3.`` (``{:.0f}.``); otherwise 4 decimals
  (``{:.4f}``); scientific notation ``{:.4e}`` when the largest nonzero finite magnitude over the
  smallest exceeds 1000, the largest exceeds 1e8 or the smallest is below 1e-4 (these tests on
  float64 values; integers in scientific notation too when their range exceeds 1000 or 1e8);
- **integers and bools**: ``str`` of each value;
- **rows** of a vector wrap at ⌊(80 − indent)/(width + 2)⌋ elements per line; higher dimensions
  join their slices with ``,`` and one newline per remaining dimension, indented one more column;
- **suffixes** ``dtype=`` (dtypes other than float32, int64 and bool; always for empty tensors
  other than float32), ``size=`` (empty tensors that are not 1-D), ``grad_fn=<...>`` or
  ``requires_grad=True``: after ``, `` on the last line, or on a new line when they would pass 80.

>>> print(tensor_repr(np.array([[1.5, -2.0], [3.25, 4e-5]], dtype=np.float32)))
tensor([[ 1.5000e+00, -2.0000e+00],
        [ 3.2500e+00,  4.0000e-05]])
>>> print(tensor_repr(np.arange(3), ["grad_fn=<SumBackward0>"]))
tensor([0, 1, 2], grad_fn=<SumBackward0>)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["LINEWIDTH", "tensor_repr"]

LINEWIDTH = 80
PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3


class _Formatter:
    """One element width and one format for a whole tensor (PyTorch's ``_Formatter``)."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            self.width = max([1, *(len(str(v)) for v in flat.tolist())])
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        mags = np.abs(finite)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or (not self.int_mode and lo < 1.0e-4)
        if self.int_mode and not self.sci_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in finite.tolist())
        else:
            spec = f".{PRECISION}e" if self.sci_mode else f".{PRECISION}f"
            self.width = max(len(format(v, spec)) for v in finite.tolist())

    def format(self, value: float | int | bool) -> str:
        if not self.floating:
            out = str(value)
        elif self.sci_mode:
            out = format(value, f"{self.width}.{PRECISION}e")
        elif self.int_mode:
            out = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            out = format(value, f".{PRECISION}f")
        return out.rjust(self.width)


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements that are shown when the tensor is summarised (the first and last 3 of each axis)."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * EDGEITEMS:
        a = np.concatenate([a[:EDGEITEMS], a[-EDGEITEMS:]])
    if a.ndim == 1:
        return a
    return np.stack([_summarized(row) for row in a])


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        data = [fmt.format(v) for v in a[:EDGEITEMS].tolist()] + [" ..."]
        data += [fmt.format(v) for v in a[-EDGEITEMS:].tolist()]
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        rows = [_body(a[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)] + ["..."]
        rows += [_body(a[i], indent + 1, summarize, fmt) for i in range(len(a) - EDGEITEMS, len(a))]
    else:
        rows = [_body(row, indent + 1, summarize, fmt) for row in a]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _with_suffixes(text: str, suffixes: Sequence[str], indent: int) -> str:
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(data: np.ndarray, graph_suffixes: Sequence[str] = ()) -> str:
    """PyTorch's ``repr`` of a tensor holding ``data``; ``graph_suffixes`` are ``grad_fn=<...>`` or
    ``requires_grad=True`` (the caller knows the graph)."""
    prefix = "tensor("
    indent = len(prefix)
    name = str(data.dtype) if data.dtype != np.bool_ else "bool"
    suffixes = []
    if data.size == 0:
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype != np.float32:
            suffixes.append(f"dtype=torch.{name}")
        body = "[]"
    else:
        if data.dtype not in (np.float32, np.int64, np.bool_):
            suffixes.append(f"dtype=torch.{name}")
        summarize = data.size > THRESHOLD
        fmt = _Formatter(_summarized(data) if summarize else data)
        body = _body(data, indent, summarize, fmt)
    return _with_suffixes(prefix + body, [*suffixes, *graph_suffixes], indent)
