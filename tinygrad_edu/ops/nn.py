"""Fused neural-network ops: `Linear`, `BatchNorm` (training mode) and `Dropout`.

Each is one `Function` rather than a chain of primitives because the fused forward/backward pair is
faster (fewer temporaries, fewer graph nodes) and, for batch norm, the closed-form gradient is
shorter than the graph it replaces. The functional API in `tinygrad_edu.nn.functional` calls them.
"""

from __future__ import annotations

import numpy as np

from .function import Function
from .matmul import matmul_backward


class Linear(Function):
    """y = x·Wᵀ + b (W of shape (out, in), as PyTorch);
    ∂/∂x = G·W,  ∂/∂W = Gᵀ·x,  ∂/∂b = Σ_rows G (the GEMM gradients from `matmul_backward`).

    One GEMM forward, up to two backward (the one for ∂/∂x is skipped when x is data), and the
    bias added in place into the GEMM's output."""

    name = "linear"

    def forward(self, x, w, b=None):
        if x.shape[-1] != w.shape[1]:
            raise ValueError(
                f"linear: input has {x.shape[-1]} features but the layer expects {w.shape[1]} "
                f"(input shape {x.shape}, weight shape {w.shape})"
            )
        self.x, self.w = x, w
        out = x @ w.T
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


class BatchNorm(Function):
    """Batch normalisation with batch statistics, fused:
        μ = mean_B x,  σ² = mean_B (x − μ)² (biased),  x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β
    ∂/∂x = (1/√(σ² + ε))·(d − mean_B d − x̂·mean_B(d·x̂)) with d = G·γ,  ∂/∂γ = Σ_B G·x̂,  ∂/∂β = Σ_B G.
    B is every axis but the channel axis 1. (Ioffe & Szegedy 2015, eq. in section 3.)"""

    name = "batch_norm"

    def __init__(self, eps: float) -> None:
        self.eps = eps

    def forward(self, x, gamma=None, beta=None):
        self.axes = (0, *range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        self.mean = x.mean(axis=self.axes)
        self.var = x.var(axis=self.axes)
        self.invstd = (1.0 / np.sqrt(self.var + self.eps)).astype(x.dtype)
        self.xhat = (x - self.mean.reshape(shape)) * self.invstd.reshape(shape)
        self.gamma, self.shape = gamma, shape
        out = self.xhat if gamma is None else self.xhat * gamma.reshape(shape)
        return out if beta is None else out + beta.reshape(shape)

    def backward(self, g):
        needs = self.needs_input_grad
        d = g if self.gamma is None else g * self.gamma.reshape(self.shape)
        mean_d = d.mean(axis=self.axes, keepdims=True)
        mean_dx = (d * self.xhat).mean(axis=self.axes, keepdims=True)
        gx = (d - mean_d - self.xhat * mean_dx) * self.invstd.reshape(self.shape) if needs[0] else None
        ggamma = (g * self.xhat).sum(axis=self.axes) if self.gamma is not None else None
        gbeta = g.sum(axis=self.axes) if len(needs) > 2 else None
        return gx, ggamma, gbeta


class Dropout(Function):
    """y = x·m with m = mask/(1 − p) given (inverted dropout: E[y] = x);  ∂/∂x = G·m."""

    name = "dropout"

    def __init__(self, scaled_mask: np.ndarray) -> None:
        self.m = scaled_mask

    def forward(self, x):
        return x * self.m

    def backward(self, g):
        return (g * self.m,)
