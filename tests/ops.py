"""The elementwise op cases, re-exported for tests that import them from here. The registry itself
lives in the package, `tinygrad_edu.ops.cases` (one row per op case, also read by
``tinygrad-edu gradcheck``); import it from there."""

from tinygrad_edu.ops.cases import BINARY, UNARY, sample

__all__ = ["BINARY", "UNARY", "sample"]
