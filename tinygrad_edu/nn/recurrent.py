"""Recurrent layers: `RNNCell` and `RNN` (Elman network), as PyTorch.

    h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)

(the textbook's h_t = tanh(W_hh h_{t−1} + W_xh x_t + b), with PyTorch's two biases whose sum is b).
Unrolling over time builds an ordinary graph, so backward() is backpropagation through time.
"""

from __future__ import annotations

import numpy as np

from ..tensor import DEFAULT_DTYPE, Tensor
from . import functional as F
from . import init
from .module import Module


class RNNCell(Module):
    """One step h' = φ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), φ = tanh or relu; all weights ~ U(±1/√hidden)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: type = DEFAULT_DTYPE,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.input_size, self.hidden_size, self.nonlinearity = input_size, hidden_size, nonlinearity

        def param(*shape: int) -> Tensor:  # PyTorch's RNN: every weight and bias ~ U(±1/√hidden_size)
            return init.default_uniform_(Tensor(np.empty(shape, dtype=dtype), requires_grad=True), fan_in=hidden_size)

        self.weight_ih = param(hidden_size, input_size)
        self.weight_hh = param(hidden_size, hidden_size)
        self.bias_ih = param(hidden_size) if bias else None
        self.bias_hh = param(hidden_size) if bias else None

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        if h is None:
            h = Tensor.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
        pre = F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh)
        return pre.tanh() if self.nonlinearity == "tanh" else pre.relu()

    def __repr__(self) -> str:
        return f"RNNCell({self.input_size}, {self.hidden_size}, nonlinearity={self.nonlinearity!r})"


class RNN(Module):
    """A single-layer RNN over a sequence of shape (T, N, input) (or (N, T, input) with batch_first).

    Returns (output, h_n) as PyTorch: every hidden state, of shape (T, N, hidden), and the last
    one, of shape (1, N, hidden)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dtype: type = DEFAULT_DTYPE,
    ) -> None:
        self.cell = RNNCell(input_size, hidden_size, bias, nonlinearity, dtype)
        self.batch_first = batch_first

    def named_parameters(self, prefix: str = ""):
        """PyTorch's names for the single layer: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0."""
        for name, p in self.cell.named_parameters():
            yield (f"{prefix}.{name}_l0" if prefix else f"{name}_l0"), p

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if x.ndim != 3:
            raise ValueError(f"RNN: expected input of shape (T, N, features), got {x.shape}")
        time_axis = 1 if self.batch_first else 0
        h = None if h0 is None else h0[0]
        outputs = []
        for t in range(x.shape[time_axis]):
            h = self.cell(x[:, t] if self.batch_first else x[t], h)
            outputs.append(h)
        return Tensor.stack(outputs, axis=time_axis), h.reshape(1, *h.shape)

    def __repr__(self) -> str:
        return f"RNN({self.cell.input_size}, {self.cell.hidden_size}, batch_first={self.batch_first})"
