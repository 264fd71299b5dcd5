"""One helper for every PyTorch cross-check: same inputs, same upstream gradient, compare both."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu import Tensor


def assert_matches_torch(
    ours: Callable[..., Tensor],
    theirs: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    rtol: float = 1e-10,
    atol: float = 1e-12,
    seed: int = 3,
) -> list[Tensor]:
    """Run ``ours`` on Tensors and ``theirs`` on float64 torch tensors made from ``arrays``,
    backpropagate the same random upstream gradient through both, and assert that outputs and
    input gradients agree. Returns our input Tensors (with their gradients) for further checks."""
    import torch

    ts = [Tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    rs = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out, ref = ours(*ts), theirs(*rs)
    upstream = np.random.default_rng(seed).normal(size=out.shape)
    out.backward(upstream)
    ref.backward(torch.tensor(upstream))
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    for t, r in zip(ts, rs, strict=True):
        assert t.grad.shape == t.shape  # broadcasting undone
        np.testing.assert_allclose(t.grad, r.grad.numpy(), rtol=rtol, atol=atol)
    return ts
