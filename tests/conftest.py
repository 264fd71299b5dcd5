"""Shared test settings: a small hypothesis profile for CI, skips for optional tools, and an opt-in
seed (``TINYGRAD_EDU_TEST_SEED=N``) to show that no test depends on a chosen seed."""

from __future__ import annotations

import os
import random
import shutil
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# CI: fewer examples, and the same ones every run (derandomized), so a red CI is reproducible.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

try:
    import torch

    HAS_TORCH = True
except ImportError:
    HAS_TORCH = False

needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch not installed (pip install -e '.[torch]')")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and shutil.which("graphviz-pure") is None,
    reason="no Graphviz renderer (apt-get install graphviz, or pip install graphviz-pure)",
)


_TEST_SEED = os.environ.get("TINYGRAD_EDU_TEST_SEED")


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    """Start every test with Keras' name counters at zero, ours and (where a test loaded it) real
    Keras', so the first ``Dense()`` of a test is ``dense`` on both sides, as in a new session."""
    for name in ("tinygrad_edu.keras.backend", "keras"):
        module = sys.modules.get(name)
        if module is not None:
            (module if name.endswith("backend") else module.backend).clear_session(free_memory=False)
    yield


@pytest.fixture(autouse=True)
def _seed_every_rng():
    """With ``TINYGRAD_EDU_TEST_SEED=N`` set, seed Python's, numpy's global, tinygrad_edu's and
    torch's generators with N before each test; unset (the default), touch nothing."""
    if _TEST_SEED is not None:
        seed = int(_TEST_SEED)
        random.seed(seed)
        np.random.seed(seed)
        import tinygrad_edu

        tinygrad_edu.manual_seed(seed)
        if HAS_TORCH:
            torch.manual_seed(seed)
    yield
