"""tinygrad_edu: a small, exact, fast autograd engine for learning and teaching backpropagation."""

from . import nn, optim
from .autograd import AnomalyError, detect_anomaly, is_grad_enabled, no_grad, set_grad_enabled
from .engine import Value
from .gradcheck import GradcheckError, gradcheck
from .jit import compile
from .rng import manual_seed
from .tensor import Tensor
from .viz import draw_dot

__version__ = "0.1.0"

__all__ = [
    "AnomalyError",
    "GradcheckError",
    "Tensor",
    "Value",
    "compile",
    "detect_anomaly",
    "draw_dot",
    "gradcheck",
    "is_grad_enabled",
    "manual_seed",
    "nn",
    "no_grad",
    "optim",
    "set_grad_enabled",
]
