"""Keras utilities: `to_categorical`, `PyDataset`, `plot_model`, `model_to_dot`, `custom_object_scope`,
`set_random_seed`."""

from ..serialization import custom_object_scope
from .np_utils import to_categorical
from .plotting import model_to_dot, plot_model
from .py_dataset import PyDataset
from .random_seed import set_random_seed

__all__ = ["PyDataset", "custom_object_scope", "model_to_dot", "plot_model", "set_random_seed", "to_categorical"]
