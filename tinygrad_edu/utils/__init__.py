"""Utilities with PyTorch's names: `tinygrad_edu.utils.data` (datasets and the data loader)."""

from . import data

__all__ = ["data"]
