"""The project's promises about itself: README commands, CI entry point, style."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def readme_commands() -> dict[str, str]:
    block = re.search(r"## Set up and run.*?```bash\n(.*?)```", README, re.S)
    assert block, "README has no set-up block"
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    return {line.rsplit("#", 1)[1].strip(): line.rsplit("#", 1)[0].strip() for line in lines}


def test_readme_has_exactly_two_setup_commands() -> None:
    cmds = readme_commands()
    assert set(cmds) == {"main job", "tests"}
    assert "pytest" in cmds["tests"] and cmds["main job"].startswith("pip install -e ")
    assert cmds["main job"].endswith("&& tinygrad-edu train")


def test_readme_main_job_runs(tmp_path) -> None:
    """The main job's command (after its install step), in quick mode, from an empty folder."""
    import os

    command = readme_commands()["main job"].split("&&", 1)[1].split()
    env = {**os.environ, "CI": "true"}
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", *command[1:]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "test accuracy:" in done.stdout
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"weights.npz", "history.png", "confusion.png"}


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "grep -E '#[[:space:]]*tests[[:space:]]*$' README.md" in ci
    assert "apt-get install" in ci and "graphviz" in ci


def test_readme_ten_line_example_runs() -> None:
    code = re.search(r"## Ten lines\n\n```python\n(.*?)```", README, re.S).group(1)
    code = code.replace("draw_dot(o)  ", "g = draw_dot(o)  ")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    w1_grad, x1_grad = map(float, done.stdout.split())
    # o = tanh(n) with n = 0.8813735870195432 = atanh(1/√2): 1 − o² = 1/2, do/dw1 = x1/2, do/dx1 = w1/2
    assert w1_grad == pytest.approx(1.0, rel=1e-12) and x1_grad == pytest.approx(-1.5, rel=1e-12)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed (pip install -e '.[test]')")
def test_ruff_clean() -> None:
    done = subprocess.run(["ruff", "check", str(ROOT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_readme_tensor_example_runs() -> None:
    code = re.search(r"## And with tensors\n\n```python\n(.*?)```", README, re.S).group(1)
    code += "\nassert loss.requires_grad and model[0].weight.grad.shape == (128, 784)\nprint(loss.item())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    # untrained 10-class softmax from small random weights: the loss is close to ln 10 = 2.303
    assert float(done.stdout) == pytest.approx(np.log(10), abs=0.3)


def test_readme_keras_example_runs() -> None:
    code = re.search(r"## And the Keras way\n\n```python\n(.*?)```", README, re.S).group(1)
    code = code.replace("epochs=5", "epochs=1, verbose=0") + "\nprint(model.count_params())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == 784 * 512 + 512 + 512 * 10 + 10


def test_readme_links_every_notebook() -> None:
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 11  # the ten-chapter course, then the JIT and PyTorch chapters
    for name in notebooks:
        assert f"(notebooks/{name})" in README, name


def test_notebooks_are_committed_without_outputs() -> None:
    import json

    for path in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), path.name
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells), path.name
