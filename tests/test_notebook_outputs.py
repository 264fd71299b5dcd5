"""Every notebook runs on its own and shows its pictures.

Each notebook is copied alone into an empty temporary folder (no ``../examples``, no data files
beside it) and executed there with nbclient under ``CI=true`` (the chapters' small settings). Then
its outputs are read as a learner would see them:

- no cell fails (each chapter asserts its key numbers in its cells);
- every cell that makes a plot or a graph displays a picture: ``image/png`` or ``image/svg+xml``
  (or, for the step-by-step backward player, HTML that embeds SVG pictures);
- every exercise cell holds its reference solution (``tests/exercise_solutions``) and every check
  cell prints its "✓" line (tests/test_exercises.py runs the blanks, whose checks must fail);
- no output is only the text ``<Figure size ... with N Axes>``, which is what a matplotlib figure
  without a notebook display hook shows.

The kernel imports this checkout's package (PYTHONPATH points at the repository root), so the test
checks the code beside it even where another copy is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.exercise_solutions import fill_solutions

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: A cell whose source calls one of these makes a picture, and must display one.
PICTURE_CALLS = re.compile(r"\b(plot_\w+|draw_dot|backward_steps|subplots)\(")
BARE_FIGURE = re.compile(r"^<(matplotlib\.figure\.)?Figure size [\d.]+x[\d.]+ with \d+ Axes>$")
IMAGES = ("image/png", "image/svg+xml")
#: Where each executed chapter is kept for this pytest process; tests/test_site.py builds the site from it.
EXECUTED = Path(tempfile.gettempdir()) / f"tinygrad_edu_executed_notebooks_{os.getpid()}"


def shows_picture(output: dict) -> bool:
    data = output.get("data", {})
    return any(kind in data for kind in IMAGES) or "<svg" in data.get("text/html", "")


def test_every_notebook_is_found() -> None:
    assert len(NOTEBOOKS) >= 10 and NOTEBOOKS[0].name.startswith("01_")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_alone_and_displays_its_pictures(path: Path, tmp_path: Path, monkeypatch) -> None:
    alone = tmp_path / path.name
    shutil.copy(path, alone)
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.chdir(tmp_path)
    nb = fill_solutions(nbformat.read(alone, as_version=4))
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": tmp_path}})
    client.execute()
    EXECUTED.mkdir(exist_ok=True)
    nbformat.write(nb, EXECUTED / path.name)

    picture_cells = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        shown = [o for o in cell.outputs if o.output_type in ("display_data", "execute_result")]
        for output in shown:
            text = output.get("data", {}).get("text/plain", "")
            assert not (BARE_FIGURE.match(text) and not shows_picture(output)), (
                f"{path.name} cell {index} shows only {text!r}, not the picture"
            )
        if "check" in cell.metadata.get("tags", []):
            printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert "✓" in printed, f"{path.name} cell {index}: the check printed {printed!r}"
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("#", "from ")))
        if PICTURE_CALLS.search(code):
            picture_cells += 1
            assert any(shows_picture(o) for o in shown), (
                f"{path.name} cell {index} makes a picture but displays none: {cell.source[-200:]!r}"
            )
    if path.stem[:2] in {"01", "02", "03", "04", "05", "06", "07", "08"}:
        assert picture_cells >= 1, f"{path.name}: no picture cells found (the pattern is out of date?)"
