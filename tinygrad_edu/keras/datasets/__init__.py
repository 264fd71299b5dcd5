"""Keras' ``datasets``: ``mnist.load_data()`` and ``fashion_mnist.load_data()``, offline."""

from . import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
