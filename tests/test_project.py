"""The project's promises about itself: README commands, CI entry point, style."""

from __future__ import annotations

import ast
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


# ----------------------------------------------------------------------------- floors
PACKAGE = ROOT / "tinygrad_edu"
#: the most lines a module may have, and a function (numba kernels' loop nests excepted)
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 600, 80
#: modules and functions still over the limits, each being split on another branch (issue 20); this set
#: only shrinks: the tests below fail when one of them is back under the limit and still listed
OVER_THE_LIMIT: set[str] = set()


def package_modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its ``__init__``)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth (inside functions and classes too); only
    the blocks under ``if TYPE_CHECKING:`` are left out, since they never run."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in skipped]


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules that module ``name`` imports. ``from pkg import sub`` counts as importing
    the submodule ``pkg.sub``; ``from pkg import name`` as importing ``pkg`` (its ``__init__``). The
    implicit import of a module's parent packages is Python's mechanism, not a dependency, and is left out."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()

    def nearest(dotted: str) -> str | None:
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    tree = ast.parse(path.read_text())
    for node in runtime_imports(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names if a.name.split(".")[0] == "tinygrad_edu"]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "tinygrad_edu":
                continue
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        found.update(t for t in map(nearest, targets) if t is not None)
    for node in ast.walk(tree):  # importlib.import_module("tinygrad_edu....") is an import too
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            assert not (node.args and "tinygrad_edu" in ast.unparse(node.args[0])), f"{name} imports through importlib"
    found.discard(name)
    return found


def test_import_graph_has_no_cycle() -> None:
    """The modules read bottom-up (issue 20): no import cycle, imports inside functions included."""
    modules = package_modules()
    graph = {name: imported_modules(name, path, modules) for name, path in modules.items()}
    assert graph["tinygrad_edu.graph"] == set(), "the graph core imports nothing of ours"
    assert "tinygrad_edu.tensor" not in set().union(*(graph[m] for m in graph if m.startswith("tinygrad_edu.ops")))
    # depth-first search with three colours: reaching a node that is still on the path closes a cycle
    state: dict[str, int] = {}
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [], [(start, iter(sorted(graph[start])))]
        state[start] = 1
        path.append(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                cycle = path[path.index(child) :] + [child]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))


def test_the_cycle_check_sees_imports_inside_functions(tmp_path) -> None:
    """The checker itself, on a two-module package whose second import hides inside a function."""
    (tmp_path / "tinygrad_edu").mkdir()
    a, b = tmp_path / "tinygrad_edu" / "a.py", tmp_path / "tinygrad_edu" / "b.py"
    a.write_text("from . import b\n")
    b.write_text("def f():\n    from .a import x\n")
    modules = {"tinygrad_edu.a": a, "tinygrad_edu.b": b}
    assert imported_modules("tinygrad_edu.a", a, modules) == {"tinygrad_edu.b"}
    assert imported_modules("tinygrad_edu.b", b, modules) == {"tinygrad_edu.a"}


def test_no_module_or_function_over_the_limits() -> None:
    over = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            over.add(path.relative_to(ROOT).as_posix())
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kernel = any("njit" in ast.unparse(d) for d in node.decorator_list)
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES and not kernel:
                    over.add(node.name)
    assert over <= OVER_THE_LIMIT, f"over {MAX_MODULE_LINES} lines (module) or {MAX_FUNCTION_LINES} (function)"
    assert over == OVER_THE_LIMIT, f"back under the limits: drop {sorted(OVER_THE_LIMIT - over)} from OVER_THE_LIMIT"


def test_mypy_passes_over_the_package() -> None:
    """The type checker over the package, as configured in pyproject.toml (its override list names the
    modules not yet passing; every other module must)."""
    pytest.importorskip("mypy", reason="mypy not installed (pip install -e '.[test]')")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:]
