"""Shared test settings: a small hypothesis profile for CI, and skips for optional tools."""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

# CI: fewer examples, and the same ones every run (derandomized), so a red CI is reproducible.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

try:
    import torch  # noqa: F401

    HAS_TORCH = True
except ImportError:
    HAS_TORCH = False

needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch not installed (pip install -e '.[torch]')")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and shutil.which("graphviz-pure") is None,
    reason="no Graphviz renderer (apt-get install graphviz, or pip install graphviz-pure)",
)
