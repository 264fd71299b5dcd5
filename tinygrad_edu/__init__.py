"""tinygrad_edu: a small, exact, fast autograd engine for learning and teaching backpropagation."""

from .autograd import is_grad_enabled, no_grad, set_grad_enabled
from .engine import Value
from .gradcheck import GradcheckError, gradcheck
from .rng import manual_seed
from .viz import draw_dot

__version__ = "0.1.0"

__all__ = [
    "GradcheckError",
    "Value",
    "draw_dot",
    "gradcheck",
    "is_grad_enabled",
    "manual_seed",
    "no_grad",
    "set_grad_enabled",
]
