"""Keras' core layers: Dense, Embedding, Activation, Dropout, Flatten, Reshape, BatchNormalization.

Each keeps its weights in the PyTorch-layout module underneath (a Dense kernel of Keras shape
(in, units) is the transpose of ``nn.Linear``'s weight); `Layer.weight_table` maps the layouts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import Tensor, nn
from .. import config as keras_config
from .. import regularizers
from .core import CONSTRAINT_KEYS, KERNEL_KEYS, Layer, Shape, Weight, activation_name, float_input


class Dense(Layer):
    """y = activation(x·kernel + bias), kernel of shape (in, units): Keras' Dense."""

    config_keys = ("units", *KERNEL_KEYS)
    config_neutral = (*CONSTRAINT_KEYS, "quantization_config")

    def __init__(
        self,
        units: int,
        activation: str | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(units, bool) or int(units) != units or units < 1:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}"
            )
        self.units, self.activation, self.use_bias = int(units), activation_name(activation), use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape: Shape) -> None:
        if input_shape[-1] is None:
            raise ValueError(f"{self.label}: the last axis of the input must be known, got {input_shape}")
        self.linear = nn.Linear(input_shape[-1], self.units, bias=self.use_bias, dtype=keras_config.float_type())
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape[:-1], self.units)

    def pre_activation(self, x: Tensor) -> Tensor:
        return self.linear(float_input(x))

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "linear"):
            return []
        kernel = Weight("kernel", self.linear.weight, (1, 0), self.kernel_initializer, self.kernel_regularizer)
        if not self.use_bias:
            return [kernel]
        return [kernel, Weight("bias", self.linear.bias, None, self.bias_initializer, self.bias_regularizer)]


class Embedding(Layer):
    """Keras' Embedding over `nn.Embedding`: integer indices of any shape → rows of ``embeddings``
    (input_dim, output_dim), drawn ~ U(−0.05, 0.05) (Keras' "uniform"). Float inputs are cast to
    integers, as Keras casts them to int32."""

    config_keys = ("input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer")
    config_neutral = ("activity_regularizer", "embeddings_constraint", "mask_zero", "quantization_config")

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        mask_zero: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("input_length", None)  # deprecated in Keras 3, ignored there too
        super().__init__(**kwargs)
        for what, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"`{what}` must be a positive integer. Received: {what}={value} (of type {type(value).__name__})."
                )
        if mask_zero:
            raise NotImplementedError("Embedding: mask_zero=True (masking) is not supported")
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = embeddings_initializer
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)

    def build(self, input_shape: Shape) -> None:
        self.embedding = nn.Embedding(self.input_dim, self.output_dim, dtype=keras_config.float_type())
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape, self.output_dim)

    def pre_activation(self, x: Tensor) -> Tensor:
        index = x._data if x._data.dtype.kind in "iu" else x._data.astype(np.int32)
        return self.embedding(index)

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "embedding"):
            return []
        return [
            Weight("embeddings", self.embedding.weight, None, self.embeddings_initializer, self.embeddings_regularizer)
        ]


class Activation(Layer):
    built_at_init = True
    config_keys = ("activation",)

    def __init__(self, activation: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activation_name(activation)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape


class Dropout(Layer):
    """Inverted dropout of ``rate`` in training; identity in inference (the default outside fit)."""

    built_at_init = True

    config_keys = ("rate",)
    config_neutral = ("noise_shape", "seed")

    def __init__(self, rate: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate!r}")  # Keras' rule
        self.rate = rate
        self.dropout = nn.Dropout(rate)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def pre_activation(self, x: Tensor) -> Tensor:
        return self.dropout(x)


class Flatten(Layer):
    config_neutral = ("data_format",)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else int(np.prod(rest, dtype=np.int64)))

    def pre_activation(self, x: Tensor) -> Tensor:
        return x.flatten(1)


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (one axis may be −1, inferred), as Keras' Reshape."""

    config_keys = ("target_shape",)

    def __init__(self, target_shape: Shape, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(f"Reshape: target_shape must be positive integers and at most one -1, got {target_shape}")

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        rest, target = input_shape[1:], self.target_shape
        if None in rest:
            return (input_shape[0], *(None if d == -1 else d for d in target))
        size, known = int(np.prod(rest, dtype=np.int64)), int(np.prod([d for d in target if d != -1], dtype=np.int64))
        if (-1 in target and size % known) or (-1 not in target and size != known):
            raise ValueError(
                f"The total size of the tensor must be unchanged. Received: input_shape={tuple(rest)}, "
                f"target_shape={target}"
            )
        return (input_shape[0], *(size // known if d == -1 else d for d in target))

    def pre_activation(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], *self.target_shape)


class BatchNormalization(Layer):
    """Keras' batch normalisation over the last axis: momentum 0.99 (moving = 0.99·moving +
    0.01·batch), epsilon 1e-3, biased moving variance. Holds 4·C numbers, 2·C trainable."""

    config_keys = ("momentum", "epsilon")
    config_neutral = (
        "axis",
        "center",
        "scale",
        *(f"{w}_{kind}" for w in ("beta", "gamma") for kind in ("initializer", "regularizer", "constraint")),
        "moving_mean_initializer",
        "moving_variance_initializer",
        "renorm",
        "renorm_clipping",
        "renorm_momentum",
        "synchronized",
    )

    def __init__(self, momentum: float = 0.99, epsilon: float = 1e-3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.momentum, self.epsilon = momentum, epsilon

    def build(self, input_shape: Shape) -> None:
        self.bn = nn.BatchNorm1d(
            input_shape[-1],
            eps=self.epsilon,
            momentum=1.0 - self.momentum,
            unbiased_running_var=False,
            dtype=keras_config.float_type(),
        )
        super().build(input_shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def pre_activation(self, x: Tensor) -> Tensor:
        shape = x.shape
        flat = x.reshape(-1, shape[-1])  # every axis but the channels is a batch axis
        if self.training and flat.shape[0] == 1:
            # One sample: Keras trains on (mean x, variance 0, output β); nn.BatchNorm1d refuses, as
            # PyTorch does, because its unbiased variance divides by n − 1. The batch [x, x] has the
            # same mean and biased variance, its output is β for either copy and the gradient with
            # respect to x is 0 either way, so normalise it and keep one copy.
            return self.bn(Tensor.cat([flat, flat]))[:1].reshape(*shape)
        return self.bn(flat).reshape(*shape)

    def weight_table(self) -> list[Weight]:
        if not hasattr(self, "bn"):
            return []
        bn = self.bn  # nn.BatchNorm1d starts them at γ = 1, β = 0, mean 0, variance 1, as Keras does
        return [
            Weight("gamma", bn.weight),
            Weight("beta", bn.bias),
            Weight("moving_mean", bn.running_mean, trainable=False),
            Weight("moving_variance", bn.running_var, trainable=False),
        ]
