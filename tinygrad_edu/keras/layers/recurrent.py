"""Keras' recurrent layers on sequences (N, T, features), over `nn`'s recurrent modules: SimpleRNN
(`nn.RNNCell`), LSTM (`nn.LSTM`) and GRU (`nn.GRU`).

Keras keeps one bias where PyTorch has two (b_ih, b_hh): SimpleRNN and LSTM drop ``bias_hh``
(the sum is the same function); GRU keeps both, as Keras' ``reset_after=True`` bias of shape
(2, 3·units) — (input bias, recurrent bias), the recurrent one inside r ⊙ (h·U_h + b_h).
Keras' kernels are the transposes of PyTorch's weights; the LSTM gates have one order in both
(i, f, c, o), the GRU gates do not (Keras z, r, h; PyTorch r, z, n: `GRU_BLOCKS`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Tensor, nn
from .. import config as keras_config
from .. import initializers
from .core import CONSTRAINT_KEYS, Layer, Shape, Weight, activation_name

GRU_BLOCKS = (1, 0, 2)  # Keras' gate j (z, r, h) is PyTorch's gate GRU_BLOCKS[j] (r, z, n)
#: the config keys of every recurrent layer, and the Keras arguments they have that this door does not model
RNN_KEYS = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "return_sequences")
RNN_NEUTRAL = (
    *CONSTRAINT_KEYS,
    "recurrent_constraint",
    *(f"{w}_regularizer" for w in ("kernel", "recurrent", "bias", "activity")),
    "dropout",
    "recurrent_dropout",
    "go_backwards",
    "stateful",
    "unroll",
    "zero_output_for_mask",
)


def _check_sequence(layer: Layer, input_shape: Shape) -> None:
    if len(input_shape) != 3 or input_shape[-1] is None:
        raise ValueError(
            f'Input 0 of layer "{layer.label}" is incompatible with the layer: expected ndim=3 (batch, time, '
            f"features) with known features, found shape {input_shape}"
        )


class SimpleRNN(Layer):
    """Keras' SimpleRNN on (N, T, features): h_t = φ(x_t·kernel + h_{t−1}·recurrent_kernel + bias), φ
    tanh (or relu), over `nn.RNNCell` (whose second bias, ``bias_hh``, Keras does not have: removed).

    Kernel glorot_uniform, recurrent kernel orthogonal, bias zeros. Returns the last state, or every
    state with ``return_sequences=True``."""

    weights_subpath = "cell/"
    config_keys = RNN_KEYS
    config_neutral = (*RNN_NEUTRAL, "bias_initializer", "return_state")
    config_aliases = (("activation", "cell_activation"),)

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
        _check_sequence(self, input_shape)
        self.cell = nn.RNNCell(
            input_shape[-1],
            self.units,
            bias=self.use_bias,
            nonlinearity=self.cell_activation,
            dtype=keras_config.float_type(),
        )
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


class UnitForgetBias(initializers.Initializer):
    """Keras' LSTM bias with ``unit_forget_bias=True``: zeros, ones for the forget gate (the second
    quarter), so the cell starts by keeping its memory."""

    def __call__(self, shape):
        bias = np.zeros(shape)
        units = shape[-1] // 4
        bias[units : 2 * units] = 1.0
        return bias


class _GatedRNN(Layer):
    """What LSTM and GRU share: Keras' arguments, the output (last state or every state, and the
    final states with ``return_state=True``) and the module over the sequence."""

    weights_subpath = "cell/"
    config_keys: tuple[str, ...] = (*RNN_KEYS, "recurrent_activation", "bias_initializer", "return_state")
    config_neutral = (*RNN_NEUTRAL, "seed")
    config_aliases = (("activation", "cell_activation"),)
    module: Any = None  # nn.LSTM or nn.GRU
    blocks: tuple[int, ...] | None = None
    one_bias = False  # Keras' LSTM has one bias: the module's b_hh is removed

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        return_sequences: bool = False,
        return_state: bool = False,
        **kwargs: Any,
    ) -> None:
        for option in ("go_backwards", "stateful", "unroll"):
            if kwargs.pop(option, False):
                raise NotImplementedError(f"{type(self).__name__}: {option}=True is not supported")
        for option in ("dropout", "recurrent_dropout"):
            if kwargs.pop(option, 0.0):
                raise NotImplementedError(f"{type(self).__name__}: {option} is not supported")
        self.extra_options(kwargs)
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(
                f"Received an invalid value for argument `units`, expected a positive integer, got {units}."
            )
        if (activation_name(activation), activation_name(recurrent_activation)) != ("tanh", "sigmoid"):
            raise NotImplementedError(
                f"{type(self).__name__}: only activation='tanh' with recurrent_activation='sigmoid' "
                f"(nn.{self.module.__name__}'s) is supported, got {activation!r}, {recurrent_activation!r}"
            )
        self.units, self.use_bias = int(units), use_bias
        self.return_sequences, self.return_state = return_sequences, return_state
        self.cell_activation, self.recurrent_activation = "tanh", "sigmoid"
        self.kernel_initializer, self.recurrent_initializer = kernel_initializer, recurrent_initializer
        self.bias_initializer = bias_initializer

    def extra_options(self, kwargs: dict) -> None:
        """Take the subclass' own arguments out of ``kwargs``."""

    def build(self, input_shape: Shape) -> None:
        _check_sequence(self, input_shape)
        self.rnn = self.module(
            input_shape[-1], self.units, bias=self.use_bias, batch_first=True, dtype=keras_config.float_type()
        )
        if self.one_bias:
            self.rnn.bias_hh_l0 = None
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Any:
        batch = input_shape[0]
        out = (*input_shape[:2], self.units) if self.return_sequences else (batch, self.units)
        states = [(batch, self.units)] * (2 if self.module is nn.LSTM else 1)
        return [out, *states] if self.return_state else out

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        out, final = self.rnn(inputs)
        states = [s[0] for s in (final if isinstance(final, tuple) else (final,))]  # (1, N, H) → (N, H)
        result = out if self.return_sequences else out[:, -1]
        return [result, *states] if self.return_state else result

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "rnn"):
            return []
        rnn = self.rnn
        table = [
            Weight("kernel", rnn.weight_ih_l0, (1, 0), self.kernel_initializer, blocks=self.blocks),
            Weight("recurrent_kernel", rnn.weight_hh_l0, (1, 0), self.recurrent_initializer, blocks=self.blocks),
        ]
        return table + ([self.bias_weight(self.bias_initializer)] if self.use_bias else [])

    def bias_weight(self, initializer: Any) -> Weight:
        raise NotImplementedError


class LSTM(_GatedRNN):
    """Keras' LSTM over `nn.LSTM` (see `nn.rnn`): kernel (features, 4·units), recurrent kernel
    (units, 4·units), bias (4·units), gates i, f, c, o; ``unit_forget_bias`` (default True) starts
    the forget gate's bias at 1."""

    module = nn.LSTM
    one_bias = True
    config_keys = (*_GatedRNN.config_keys, "unit_forget_bias")

    def extra_options(self, kwargs: dict) -> None:
        self.unit_forget_bias = kwargs.pop("unit_forget_bias", True)

    def bias_weight(self, initializer: Any) -> Weight:
        if self.unit_forget_bias and initializer == "zeros":
            initializer = UnitForgetBias()
        return Weight("bias", self.rnn.bias_ih_l0, None, initializer)


class GRU(_GatedRNN):
    """Keras' GRU (``reset_after=True``, its default) over `nn.GRU`: kernel (features, 3·units),
    recurrent kernel (units, 3·units), bias (2, 3·units), gates z, r, h in Keras' order."""

    module = nn.GRU
    blocks = GRU_BLOCKS
    config_keys = (*_GatedRNN.config_keys, "reset_after")
    reset_after = True

    def extra_options(self, kwargs: dict) -> None:
        if not kwargs.pop("reset_after", True):
            raise NotImplementedError("GRU: reset_after=False is not supported (nn.GRU is reset_after=True)")

    def bias_weight(self, initializer: Any) -> Weight:
        return Weight("bias", (self.rnn.bias_ih_l0, self.rnn.bias_hh_l0), None, initializer, blocks=self.blocks)
