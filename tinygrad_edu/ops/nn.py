"""Fused neural-network ops: `Addmm`, `NativeBatchNorm` (training mode) and `NativeDropout`; `Normal`, the
graph node of ``torch.normal``'s samples.

Each is one `Op` rather than a chain of primitives because the fused forward/backward pair is
faster (fewer temporaries, fewer graph nodes) and, for batch norm, the closed-form gradient is
shorter than the graph it replaces. The functional API in `tinygrad_edu.nn.functional` calls them.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..dtypes import scalar_type_name
from ..kernels import threads
from .matmul import dtype_error, matmul_backward, refused, shape_error
from .op import Op

#: what `tinygrad_edu.ops` re-exports from this module (its star import reads this list)
__all__ = ["Addmm", "NativeBatchNorm", "NativeDropout", "Normal"]


class Addmm(Op):
    """y = x·Wᵀ + b (W of shape (out, in), as PyTorch);
    ∂/∂x = G·W,  ∂/∂W = Gᵀ·x,  ∂/∂b = Σ_rows G (the GEMM gradients from `matmul_backward`).

    One GEMM forward, up to two backward (the one for ∂/∂x is skipped when x is data), and the
    bias added in place into the GEMM's output."""

    saves = (0, 1)
    saved_for = (1, 0, None)
    name = "linear"

    def forward(self, x, w, b=None):
        if refused(x, w):  # PyTorch's refusals (see `matmul.refused`)
            if b is None:
                raise dtype_error("mm", x, w)
            raise RuntimeError(
                f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(x.dtype)} and "
                f"{scalar_type_name(w.dtype)}"
            )
        if x.shape[-1] != w.shape[1]:  # PyTorch's words for x·Wᵀ: W appears transposed
            raise shape_error(x, w.T)
        self.x, self.w = x, w
        out = threads.matmul(x, w.T)
        if b is not None:
            out += b
        return out

    def backward(self, g):
        needs = self.needs_input_grad
        x2 = self.x.reshape(-1, self.x.shape[-1])
        g2 = g.reshape(-1, g.shape[-1])
        gx, gw = matmul_backward(g2, x2, self.w, needs[0], needs[1], b_transposed=True)
        if gx is not None:
            gx = gx.reshape(self.x.shape)
        gb = g2.sum(axis=0) if len(needs) > 2 and needs[2] else None
        return gx, gw, gb


class NativeBatchNorm(Op):
    """Batch normalisation with batch statistics, fused:
        μ = mean_B x,  σ² = mean_B (x − μ)² (biased),  x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β
    ∂/∂x = (γ/√(σ² + ε))·(G − mean_B G − x̂·mean_B(G·x̂)),  ∂/∂γ = Σ_B G·x̂,  ∂/∂β = Σ_B G.
    B is every axis but the channel axis 1. (Ioffe & Szegedy 2015, eq. in section 3.)
    Both passes are `kernels.batch_norm` and `kernels.batch_norm_backward` over x viewed as
    (N, C, M): two passes over the batch each way instead of numpy's six. float16 input is normalised in
    float32 and the output (and ∂/∂x) rounded back to float16, as PyTorch's CPU kernel does; the
    parameters' gradients keep the parameters' dtype."""

    saves = (0, 1)
    name = "batch_norm"

    def __init__(self, eps: float) -> None:
        self.eps = eps

    def forward(self, x, gamma=None, beta=None):
        self.dtype, c = x.dtype, x.shape[1]
        if x.dtype == np.float16:
            x = x.astype(np.float32)
        self.gamma = np.ones(c, x.dtype) if gamma is None else gamma
        beta = np.zeros(c, x.dtype) if beta is None else beta
        out, self.xhat, self.mean, self.var, self.invstd = kernels.batch_norm(
            x.reshape(x.shape[0], c, int(np.prod(x.shape[2:]))), self.gamma, beta, self.eps
        )
        self.has_gamma = gamma is not None
        return out.reshape(x.shape).astype(self.dtype, copy=False)

    def backward(self, g):
        needs = self.needs_input_grad
        gx, ggamma, gbeta = kernels.batch_norm_backward(g.reshape(self.xhat.shape), self.xhat, self.gamma, self.invstd)
        gx = gx.reshape(g.shape).astype(self.dtype, copy=False) if needs[0] else None
        return (
            gx,
            (ggamma if self.has_gamma else None),
            (gbeta if len(needs) > 2 else None),
        )


class NativeDropout(Op):
    """y = x·m with m = mask/(1 − p) given (inverted dropout: E[y] = x);  ∂/∂x = G·m."""

    name = "dropout"

    def __init__(self, scaled_mask: np.ndarray) -> None:
        self.m = scaled_mask

    def forward(self, x):
        return x * self.m

    def backward(self, g):
        return (g * self.m,)


class Normal(Op):
    """Samples of N(mean, std²) drawn elementwise (``torch.normal`` with a tensor of means and/or stds):
    the forward gives the values drawn; the backward gives zeros to both, as PyTorch's (its derivatives.yaml
    declares the sample's derivatives zero: ``torch.normal`` is not reparametrized, for that write
    ``mean + std * torch.randn(...)``)."""

    name = "normal"

    def __init__(self, values: np.ndarray, overload: int) -> None:
        self.values = values
        self.backward_name = f"NormalBackward{overload}"  # 1: (Tensor, float), 2: (float, Tensor), 3: both

    def forward(self, *arrays):
        self.like = [(a.shape, a.dtype) for a in arrays]
        return self.values

    def backward(self, g):
        return tuple(np.zeros(shape, dt) for shape, dt in self.like)
