"""Real Keras 3 on its torch backend, the reference of the Keras-door tests.

A test module imports ``keras`` (and ``torch``) from here before anything else of Keras: this sets
``KERAS_BACKEND=torch`` first, and skips the whole module, with the reason, where torch or Keras is
not installed or another backend was chosen. ``KERAS_NOTICE`` is the ``pytestmark`` that silences
Keras' own warnings.
"""

from __future__ import annotations

import os
import warnings

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch", reason="Keras' side runs on its torch backend: pip install tinygrad_edu[torch]")
keras = pytest.importorskip("keras", reason="real Keras 3 is the reference here: pip install tinygrad_edu[keras]")
if keras.backend.backend() != "torch":  # pragma: no cover - depends on the environment
    pytest.skip(f"these tests need KERAS_BACKEND=torch, not {keras.backend.backend()}", allow_module_level=True)

warnings.filterwarnings("ignore", module="keras")
#: Keras' own variables trip numpy 2's __array__(copy=...) notice on every conversion
KERAS_NOTICE = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
