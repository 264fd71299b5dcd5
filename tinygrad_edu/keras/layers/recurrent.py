"""Keras' recurrent layers on sequences (N, T, features), over `nn`'s recurrent modules."""

from __future__ import annotations

from typing import Any

from ... import Tensor, nn
from .core import Layer, Shape, Weight, activation_name


class SimpleRNN(Layer):
    """Keras' SimpleRNN on (N, T, features): h_t = φ(x_t·kernel + h_{t−1}·recurrent_kernel + bias), φ
    tanh (or relu), over `nn.RNNCell` (whose second bias, ``bias_hh``, Keras does not have: removed).

    Kernel glorot_uniform, recurrent kernel orthogonal, bias zeros. Returns the last state, or every
    state with ``return_sequences=True``."""

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        return_sequences: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units, self.use_bias, self.return_sequences = units, use_bias, return_sequences
        if activation_name(activation) not in ("tanh", "relu"):
            raise ValueError(f"SimpleRNN: activation must be 'tanh' or 'relu' (nn.RNNCell's), got {activation!r}")
        self.cell_activation = activation
        self.kernel_initializer, self.recurrent_initializer = kernel_initializer, recurrent_initializer

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) != 3:
            raise ValueError(f"{self.label}: expected input of shape (None, T, features), got {input_shape}")
        self.cell = nn.RNNCell(input_shape[-1], self.units, bias=self.use_bias, nonlinearity=self.cell_activation)
        self.cell.bias_hh = None  # Keras' SimpleRNN has one bias
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape[:2], self.units) if self.return_sequences else (input_shape[0], self.units)

    def pre_activation(self, x: Tensor) -> Tensor:
        h = Tensor.zeros(x.shape[0], self.units, dtype=x.dtype)
        states = []
        for t in range(x.shape[1]):
            h = self.cell(x[:, t], h)
            states.append(h)
        return Tensor.stack(states, axis=1) if self.return_sequences else h

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "cell"):
            return []
        cell = self.cell
        table = [
            Weight("kernel", cell.weight_ih, (1, 0), self.kernel_initializer),
            Weight("recurrent_kernel", cell.weight_hh, (1, 0), self.recurrent_initializer),
        ]
        return table + ([Weight("bias", cell.bias_ih, None, "zeros")] if self.use_bias else [])
