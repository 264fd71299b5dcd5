"""Keras utilities: `to_categorical`, `plot_model`, `model_to_dot`."""

from .np_utils import to_categorical
from .plotting import model_to_dot, plot_model

__all__ = ["model_to_dot", "plot_model", "to_categorical"]
