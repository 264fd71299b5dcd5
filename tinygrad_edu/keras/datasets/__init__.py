"""Keras' ``datasets``: ``mnist`` and ``fashion_mnist`` (offline: bundled or Debian's files), and
``imdb``, ``reuters`` and ``boston_housing`` from Keras' cache folder, as Keras 3 returns them."""

from . import boston_housing, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "fashion_mnist", "imdb", "mnist", "reuters"]
