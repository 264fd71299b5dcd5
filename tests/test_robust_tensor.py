"""Integer and bool tensors where a result needs real numbers: refused by name, as PyTorch refuses them.

Before, ``Tensor([1, 2]).mean()`` was 1 (truncated) and a cross-entropy of integer logits an
integer; PyTorch raises for each. Float inputs of every float dtype keep working.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")

CASES = {
    "mean": (lambda t: t.mean(), lambda t: t.mean()),
    "mean axis": (lambda t: t.mean(axis=1), lambda t: t.mean(dim=1)),
    "softmax": (lambda t: t.softmax(1), lambda t: t.softmax(1)),
    "log_softmax": (lambda t: t.log_softmax(1), lambda t: t.log_softmax(1)),
    "cross_entropy": (
        lambda t: F.cross_entropy(t, np.array([0, 1])),
        lambda t: torch.nn.functional.cross_entropy(t, torch.tensor([0, 1])),
    ),
}


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
@pytest.mark.parametrize("case", list(CASES))
def test_integer_input_is_refused_as_pytorch_refuses_it(case, dtype) -> None:
    ours, theirs = CASES[case]
    x = np.array([[1, 0, 3], [2, 5, 1]]).astype(dtype)
    with pytest.raises(RuntimeError) as refused:  # PyTorch's answer: no integer mean/softmax/cross-entropy
        theirs(torch.tensor(x))
    if case.startswith("mean"):  # PyTorch's own error and words
        with pytest.raises(RuntimeError, match=re.escape(str(refused.value))):
            ours(Tensor(x))
        return
    with pytest.raises(TypeError, match=r"needs a floating-point input, got (int64|int32|bool).*\.float\(\)"):
        ours(Tensor(x))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("case", list(CASES))
def test_float_input_gives_pytorchs_value(case, dtype) -> None:
    ours, theirs = CASES[case]
    x = np.array([[1, 0, 3], [2, 5, 1]], dtype=np.float64)
    expected = theirs(torch.tensor(x)).numpy()
    got = ours(Tensor(x.astype(dtype))).numpy()
    assert got.dtype == dtype
    half = dtype == np.float16  # 11-bit mantissa: about 1e-3 of the largest term
    np.testing.assert_allclose(got.astype(np.float64), expected, rtol=2e-3 if half else 1e-6, atol=1e-3 if half else 0)
