"""Keras utilities: `to_categorical`, `PyDataset`, `plot_model`, `model_to_dot`."""

from .np_utils import to_categorical
from .plotting import model_to_dot, plot_model
from .py_dataset import PyDataset

__all__ = ["PyDataset", "model_to_dot", "plot_model", "to_categorical"]
