"""Matrix multiplication, `MatMul` (``a @ b``), and `matmul_backward`: the one GEMM gradient.

For out = a·b the chain rule gives ∂L/∂a = G·bᵀ and ∂L/∂b = aᵀ·G. `MatMul`, the fused
`tinygrad_edu.ops.nn.Addmm` and `tinygrad_edu.ops.conv.Convolution` all take their gradients from
`matmul_backward`.
"""

from __future__ import annotations

import numpy as np

from .op import Op, shapes, unbroadcast

#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = ["MatMul", "matmul_backward"]


class MatMul(Op):
    """a @ b with numpy's rules (1-D, 2-D, batched);  ∂/∂a = G @ bᵀ, ∂/∂b = aᵀ @ G.

    A 1-D left operand is treated as a row (1, k) and a 1-D right operand as a column (k, 1);
    the gradients are reshaped back and summed over broadcast batch axes.
    """

    saves = (0, 1)
    name = "@"
    backward_name = "MmBackward0"

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {shapes(a, b)}")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(f"matmul: shapes {shapes(a, b)} cannot be multiplied")
        try:
            out = a @ b
        except ValueError:
            raise ValueError(f"matmul: shapes {shapes(a, b)} cannot be multiplied") from None
        self.a, self.b = a, b
        return out

    def backward(self, g):
        a = self.a[None, :] if self.a.ndim == 1 else self.a
        b = self.b[:, None] if self.b.ndim == 1 else self.b
        if self.b.ndim == 1:
            g = g[..., None]
        if self.a.ndim == 1:
            g = g[..., None, :]
        ga, gb = matmul_backward(g, a, b, *self.needs_input_grad)
        if ga is not None:
            ga = unbroadcast(ga, a.shape).reshape(self.a.shape)
        if gb is not None:
            gb = unbroadcast(gb, b.shape).reshape(self.b.shape)
        return ga, gb


def matmul_backward(
    g: np.ndarray, a: np.ndarray, b: np.ndarray, need_a: bool = True, need_b: bool = True, b_transposed: bool = False
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The gradients of out = a·b (2-D or batched) from G = ∂L/∂out: one GEMM each.

        ∂L/∂a = G·bᵀ        ∂L/∂b = aᵀ·G

    Layers keep their weight as W = bᵀ of shape (out, in) and compute out = a·Wᵀ (PyTorch's
    layout); with ``b_transposed=True`` ``b`` is that W and the second gradient comes out in its
    layout, ∂L/∂W = (aᵀ·G)ᵀ = Gᵀ·a, so no transposed copy is made. A gradient not needed is None.

    >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])     # out = a·b = [[11.]]
    >>> matmul_backward(np.ones((1, 1)), a, b)
    (array([[3., 4.]]), array([[1.],
           [2.]]))
    """
    ga = gb = None
    if need_a:
        ga = g @ (b if b_transposed else b.swapaxes(-1, -2))
    if need_b:
        gb = g.swapaxes(-1, -2) @ a if b_transposed else a.swapaxes(-1, -2) @ g
    return ga, gb
