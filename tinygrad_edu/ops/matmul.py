"""Matrix multiplication, `MatMul` (``a @ b``), and `matmul_backward`: the one GEMM gradient.

For out = a·b the chain rule gives ∂L/∂a = G·bᵀ and ∂L/∂b = aᵀ·G. `MatMul` and the fused
`tinygrad_edu.ops.nn.Addmm` take their gradients from `matmul_backward`. Their products go through
`tinygrad_edu.kernels.threads.matmul`, which runs a small GEMM on one BLAS thread.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import c_type_name, scalar_type_name
from ..kernels import threads
from .op import Op, broadcast_shape, unbroadcast

#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = ["MatMul", "matmul_backward"]


class MatMul(Op):
    """a @ b with numpy's rules (1-D, 2-D, batched);  ∂/∂a = G @ bᵀ, ∂/∂b = aᵀ @ G.

    A 1-D left operand is treated as a row (1, k) and a 1-D right operand as a column (k, 1);
    the gradients are reshaped back and summed over broadcast batch axes.
    """

    saves = (0, 1)
    saved_for = (1, 0)
    name = "@"
    backward_name = "MmBackward0"

    #: which of PyTorch's checks to make: "matmul" (``@``), or "mm" or "bmm" (`checked_as`)
    kind = "matmul"

    @classmethod
    def checked_as(cls, kind: str) -> MatMul:
        """The product with ``torch.mm``'s (``kind="mm"``) or ``torch.bmm``'s (``"bmm"``) checks and errors."""
        op = cls()
        op.kind = kind
        return op

    def forward(self, a, b):
        if self.kind != "matmul":
            check_ranks(self.kind, a, b)
        if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            if a.ndim == 1 and b.ndim == 1 and refused(a, b):  # PyTorch's dot checks dtypes first
                raise dtype_error(self.kind, a, b)
            raise shape_error(a, b)
        if (a.dtype is not b.dtype or a.dtype.kind == "b") and refused(a, b):  # one float dtype: allowed
            if a.ndim > 2 or b.ndim > 2:  # PyTorch broadcasts the batch axes first (its error if they differ)
                broadcast_shape(a.shape[:-2], b.shape[:-2])
            raise dtype_error(self.kind, a, b)
        try:
            out = threads.matmul(a, b)
        except ValueError:  # batch axes that do not broadcast
            raise shape_error(a, b) from None
        self.a, self.b = a, b
        return out

    def backward(self, g):
        if self.a.ndim == 2 and self.b.ndim == 2:  # two matrices: the gradients have their shapes (fresh arrays,
            return matmul_backward(g, self.a, self.b, *self.needs_input_grad)  # which `store_grad` need not copy)
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


def shape_error(a: np.ndarray, b: np.ndarray) -> RuntimeError:
    """PyTorch's error for ``a @ b`` of shapes that do not fit, worded as the ATen kernel that these shapes
    run: a matrix product folds a's leading axes into rows, ``(32, 3, 2) @ (6, 100)`` is "mat1 and mat2
    shapes cannot be multiplied (96x2 and 6x100)"; a vector, two vectors and stacks have their own."""
    if a.ndim == 0 or b.ndim == 0:
        return RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    k, rows = a.shape[-1], int(np.prod(a.shape[:-1], dtype=np.int64))
    if b.ndim == 1 and a.ndim == 1:
        return RuntimeError(
            f"inconsistent tensor size, expected tensor [{k}] and src [{b.shape[0]}] to have the same number of "
            f"elements, but got {k} and {b.shape[0]} elements respectively"
        )
    if b.ndim == 1:
        return RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k}), vec ({b.shape[0]})")
    if b.ndim == 2:
        return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {b.shape[0]}x{b.shape[1]})")
    n = int(np.prod(broadcast_shape(a.shape[:-2], b.shape[:-2]), dtype=np.int64))  # its error if they differ
    return RuntimeError(
        f"Expected size for first two dimensions of batch2 tensor to be: [{n}, {k}] but got: [{n}, {b.shape[-2]}]."
    )


def check_ranks(kind: str, a: np.ndarray, b: np.ndarray) -> None:
    """``torch.mm``'s and ``torch.bmm``'s shape rules, with their errors: two matrices, or two 3-D stacks
    of matrices that agree in batch size and inner size."""
    rank = 2 if kind == "mm" else 3
    for name, x in zip(("self", "mat2") if kind == "mm" else ("batch1", "batch2"), (a, b)):
        if x.ndim != rank:
            raise RuntimeError(f"{name} must be a matrix" if kind == "mm" else f"{name} must be a 3D tensor")
    if kind == "bmm" and (b.shape[0], b.shape[1]) != (a.shape[0], a.shape[2]):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, {a.shape[2]}] "
            f"but got: [{b.shape[0]}, {b.shape[1]}]."
        )


def refused(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether a product of these dtypes is refused: bools, or an integer with anything but itself, as
    PyTorch refuses them (it never promotes in a product). Two float dtypes are the exception: PyTorch
    refuses ``float64 @ float32`` too, but here a float64 numpy array stays float64 in a Tensor, so data
    fed to float32 layers would fail; the product is taken in the wider dtype, as numpy's."""
    if a.dtype is b.dtype or a.dtype == b.dtype:
        return a.dtype.kind == "b"
    return not (a.dtype.kind == "f" and b.dtype.kind == "f")


def dtype_error(kind: str, a: np.ndarray, b: np.ndarray) -> Exception:
    """PyTorch's error for a product of two dtypes (it never promotes: ``int64 @ float32`` is refused) or
    of bools, worded as the ATen kernel that ``a @ b`` of these shapes runs (dot, addmv, mm or bmm)."""
    batched = kind == "bmm" or (kind == "matmul" and b.ndim >= 3)
    if a.dtype.kind == "b" and (batched or a.dtype == b.dtype):
        return NotImplementedError(f"\"{'bmm' if batched else 'addmm_impl_cpu_'}\" not implemented for 'Bool'")
    (sa, ca), (sb, cb) = ((scalar_type_name(x.dtype), c_type_name(x.dtype)) for x in (a, b))
    if batched:
        return RuntimeError(f"expected scalar type {sa} but found {sb}")
    if kind == "matmul" and a.ndim == 1 and b.ndim == 1:
        return RuntimeError(f"dot : expected both vectors to have same dtype, but found {sa} and {sb}")
    if kind == "matmul" and b.ndim == 1:
        return RuntimeError(f"addmv input tensors must have the same dtype, but got {sb}, {sa}, and {sb}")
    return RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {ca} != {cb}")


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
        ga = threads.matmul(g, b if b_transposed else b.swapaxes(-1, -2))
    if need_b:
        gb = threads.matmul(g.swapaxes(-1, -2), a) if b_transposed else threads.matmul(a.swapaxes(-1, -2), g)
    return ga, gb
