"""The textbook's step-by-step backpropagation example: every printed number, from .data and .grad."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu.worked_example import TEXTBOOK, step_by_step

ROOT = Path(__file__).resolve().parents[1]
PRINTED = dict(TEXTBOOK)


@pytest.fixture(scope="module")
def example():
    return step_by_step()


def test_forward_pass(example) -> None:
    n = example.nodes
    assert n["net_h1"].data == pytest.approx(0.3775, abs=5e-11)
    assert n["out_h1"].data == pytest.approx(0.593269992, abs=5e-10)
    assert n["out_h2"].data == pytest.approx(0.596884378, abs=5e-10)
    assert n["out_o1"].data == pytest.approx(0.75136507, abs=5e-9)
    assert n["out_o2"].data == pytest.approx(0.772928465, abs=5e-10)
    assert n["E_total"].data == pytest.approx(0.298371109, abs=5e-10)


def test_gradients(example) -> None:
    n = example.nodes
    assert n["w5"].grad == pytest.approx(0.082167041, abs=5e-10)
    assert n["out_h1"].grad == pytest.approx(0.036350306, abs=5e-10)
    assert n["w1"].grad == pytest.approx(0.000438568, abs=5e-10)


def test_updated_weights(example) -> None:
    u = example.updated
    assert u["w5"] == pytest.approx(0.35891648, abs=5e-9)
    assert u["w6"] == pytest.approx(0.408666186, abs=5e-10)
    assert u["w7"] == pytest.approx(0.511301270, abs=5e-10)
    assert u["w8"] == pytest.approx(0.561370121, abs=5e-10)
    assert u["w1"] == pytest.approx(0.149780716, abs=5e-10)


def test_error_after_update(example) -> None:
    """The textbook's 0.291027924 comes from rounded intermediates; exact arithmetic gives
    0.2910277737. Both agree to 6 significant digits."""
    assert f"{example.error_after:.6g}" == f"{0.291027924:.6g}" == "0.291028"
    assert example.error_after == pytest.approx(0.2910277737, abs=5e-11)


def test_biases_are_not_updated(example) -> None:
    assert set(example.updated) == {f"w{i}" for i in range(1, 9)}


def test_example_script_prints_the_table(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "step_by_step_backprop.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's package, not another installed copy
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split("|")[0].strip() == "quantity"
    rows = {line.split("|")[0].strip(): [c.strip() for c in line.split("|")] for line in lines[2 : 2 + len(TEXTBOOK)]}
    assert set(rows) == set(PRINTED)
    for name, printed in PRINTED.items():
        assert rows[name][1] == printed
        assert rows[name][3].startswith("yes")
    dot = (tmp_path / "step_by_step_backprop.dot").read_text()
    # the textbook's numbers at its 9 decimals, and its chain-rule product for dE/dw5 under the picture
    assert 'label="w5\\ndata 0.400000000\\ngrad 0.082167041"' in dot
    assert 'label="E_total\\ndata 0.298371109\\ngrad 1.000000000"' in dot
    assert "= 0.741365070 × 0.186815602 × 0.593269992 = 0.082167041" in dot
