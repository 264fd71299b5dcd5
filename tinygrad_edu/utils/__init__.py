"""Utilities with PyTorch's names: `tinygrad_edu.utils.data` (datasets and the data loader) and
`tinygrad_edu.utils.tensorboard` (``SummaryWriter``)."""

from . import data, tensorboard

__all__ = ["data", "tensorboard"]
