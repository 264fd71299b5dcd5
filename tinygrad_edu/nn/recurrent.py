"""Recurrent layers: `RNNCell` and `RNN` (Elman network), as PyTorch.

    h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)

(the textbook's h_t = tanh(W_hh h_{t−1} + W_xh x_t + b), with PyTorch's two biases whose sum is b).
Unrolling over time builds an ordinary graph, so backward() is backpropagation through time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import DEFAULT_DTYPE, Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _weights(
    input_size: int, hidden_size: int, bias: bool, dtype: Any, gates: int = 1
) -> tuple[Parameter, Parameter, Parameter | None, Parameter | None]:
    """W_ih (gates·hidden, input), W_hh (gates·hidden, hidden), b_ih, b_hh (gates·hidden), each
    ~ U(±1/√hidden_size) as PyTorch's recurrent layers (biases None without bias); the gates' rows
    are stacked in the layer's gate order (LSTM: 4 gates, GRU: 3)."""

    def param(*shape: int) -> Parameter:
        return init.default_uniform_(Parameter(np.empty(shape, dtype=dtype)), fan_in=hidden_size)

    rows = gates * hidden_size
    w_ih, w_hh = param(rows, input_size), param(rows, hidden_size)
    return (w_ih, w_hh, param(rows), param(rows)) if bias else (w_ih, w_hh, None, None)


def _step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any, nonlinearity: str) -> Tensor:
    """h' = φ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)."""
    pre = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


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

        self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh = _weights(input_size, hidden_size, bias, dtype)

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        if h is None:
            h = Tensor.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
        return _step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity)

    def extra_repr(self) -> str:
        extra = ["bias=False"] if self.bias_ih is None else []
        extra += [] if self.nonlinearity == "tanh" else [f"nonlinearity={self.nonlinearity}"]
        return ", ".join([f"{self.input_size}, {self.hidden_size}", *extra])


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
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.input_size, self.hidden_size, self.nonlinearity = input_size, hidden_size, nonlinearity
        self.batch_first = batch_first
        # PyTorch's names for the single layer, so state_dicts move across
        self.weight_ih_l0, self.weight_hh_l0, self.bias_ih_l0, self.bias_hh_l0 = _weights(
            input_size, hidden_size, bias, dtype
        )

    @property
    def cell(self) -> RNNCell:
        """The step as an `RNNCell` that shares this layer's Parameters (``rnn.cell.weight_ih`` is
        ``rnn.weight_ih_l0``), for code that reads the weights by the cell's names."""
        cell = RNNCell.__new__(RNNCell)
        cell.input_size, cell.hidden_size, cell.nonlinearity = self.input_size, self.hidden_size, self.nonlinearity
        cell.weight_ih, cell.weight_hh = self.weight_ih_l0, self.weight_hh_l0
        cell.bias_ih, cell.bias_hh = self.bias_ih_l0, self.bias_hh_l0
        return cell

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if x.ndim != 3:
            raise ValueError(f"RNN: expected input of shape (T, N, features), got {x.shape}")
        time_axis = 1 if self.batch_first else 0
        h = Tensor.zeros(x.shape[1 - time_axis], self.hidden_size, dtype=x.dtype) if h0 is None else h0[0]
        weights = (self.weight_ih_l0, self.weight_hh_l0, self.bias_ih_l0, self.bias_hh_l0)
        outputs = []
        for t in range(x.shape[time_axis]):
            h = _step(x[:, t] if self.batch_first else x[t], h, *weights, self.nonlinearity)
            outputs.append(h)
        return Tensor.stack(outputs, axis=time_axis), h.reshape(1, *h.shape)

    def extra_repr(self) -> str:
        extra = ["bias=False"] if self.bias_ih_l0 is None else []  # PyTorch leaves the nonlinearity out
        extra += ["batch_first=True"] if self.batch_first else []
        return ", ".join([f"{self.input_size}, {self.hidden_size}", *extra])
