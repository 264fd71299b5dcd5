"""Keras' initializers. Keras kernels are (fan_in, fan_out) (for a conv, (kh, kw, in, out));
the normal variants of Glorot, He and LeCun draw from a normal truncated at two standard
deviations, rescaled by 1/0.87962566 so the variance is the nominal one (Keras' VarianceScaling).
"""

from __future__ import annotations

import math

import numpy as np

from ..nn.init import calculate_fan_in_and_fan_out
from ..random import default_rng

TRUNCATION_STD = 0.87962566103423978  # std of N(0, 1) truncated to [−2, 2]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a Keras-layout weight, (…, in, out), by `nn.init`'s computation on the
    PyTorch layout (out, in, …) of the same weight (the receptive field multiplies both).

    >>> _fans((3, 3, 16, 32))       # a 3x3 conv from 16 to 32 channels: 9·16 in, 9·32 out
    (144, 288)
    """
    torch_shape = shape if len(shape) < 2 else (shape[-1], shape[-2], *shape[:-2])
    return calculate_fan_in_and_fan_out(np.broadcast_to(np.float64(0), torch_shape))


def truncated_normal(shape: tuple[int, ...], std: float) -> np.ndarray:
    """N(0, std²) restricted to [−2·std, 2·std] by redrawing the values outside."""
    rng = default_rng()
    out = rng.normal(0.0, 1.0, shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, int(bad.sum()))
        bad = np.abs(out) > 2
    return out * std


class Initializer:
    def __call__(self, shape: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        """Keras 3's config of the initializer (its keys in its order; ``seed`` is always None here:
        the draws come from `tinygrad_edu.random`'s generator)."""
        return {}


class Zeros(Initializer):
    def __call__(self, shape):
        return np.zeros(shape)


class Ones(Initializer):
    def __call__(self, shape):
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def get_config(self) -> dict:
        return {"value": self.value}

    def __call__(self, shape):
        return np.full(shape, self.value, dtype=np.float64)


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05) -> None:
        self.mean, self.stddev = mean, stddev

    def get_config(self) -> dict:
        return {"seed": None, "mean": self.mean, "stddev": self.stddev}

    def __call__(self, shape):
        return default_rng().normal(self.mean, self.stddev, shape)


class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05) -> None:
        self.minval, self.maxval = minval, maxval

    def get_config(self) -> dict:
        return {"seed": None, "minval": self.minval, "maxval": self.maxval}

    def __call__(self, shape):
        return default_rng().uniform(self.minval, self.maxval, shape)


class VarianceScaling(Initializer):
    """Variance scale/n with n = fan_in, fan_out or their mean; truncated normal or uniform."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal") -> None:
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def get_config(self) -> dict:
        """Keras' keys; its named variants (GlorotUniform, HeNormal, …) write only the seed and axes."""
        fixed = {"scale": self.scale, "mode": self.mode, "distribution": self.distribution}
        axes = {"input_axes": None, "output_axes": None}
        return {"seed": None, **(fixed if type(self) is VarianceScaling else {}), **axes}

    def __call__(self, shape):
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            bound = math.sqrt(3 * variance)
            return default_rng().uniform(-bound, bound, shape)
        return truncated_normal(tuple(shape), math.sqrt(variance) / TRUNCATION_STD)


class GlorotUniform(VarianceScaling):
    def __init__(self) -> None:
        super().__init__(1.0, "fan_avg", "uniform")


class GlorotNormal(VarianceScaling):
    def __init__(self) -> None:
        super().__init__(1.0, "fan_avg")


class HeUniform(VarianceScaling):
    def __init__(self) -> None:
        super().__init__(2.0, "fan_in", "uniform")


class HeNormal(VarianceScaling):
    def __init__(self) -> None:
        super().__init__(2.0, "fan_in")


class LecunUniform(VarianceScaling):
    def __init__(self) -> None:
        super().__init__(1.0, "fan_in", "uniform")


class LecunNormal(VarianceScaling):
    def __init__(self) -> None:
        super().__init__(1.0, "fan_in")


class Orthogonal(Initializer):
    """A random orthogonal matrix (QR of a Gaussian matrix, signs fixed), Keras' recurrent default."""

    def get_config(self) -> dict:
        return {"seed": None, "gain": 1.0}

    def __call__(self, shape):
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = default_rng().normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        return (q if rows >= cols else q.T).reshape(shape)


BY_NAME = {
    "zeros": Zeros,
    "ones": Ones,
    "random_normal": RandomNormal,
    "normal": RandomNormal,  # Keras' alias
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,  # Keras' alias (Embedding's default)
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
}


def get(identifier: str | Initializer) -> Initializer:
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str) and identifier in BY_NAME:
        return BY_NAME[identifier]()
    raise ValueError(f"unknown initializer {identifier!r}; use one of {sorted(BY_NAME)} or an initializer instance")
