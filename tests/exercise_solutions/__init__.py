"""Reference solutions of the course's exercises, one file per exercise cell (named by the cell's
``exercise_id`` metadata), and the helpers CI uses to put them into a chapter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def exercise_cells(nb: Any) -> list[tuple[int, Any]]:
    """(index, cell) of every code cell tagged ``exercise``."""
    return [
        (i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and "exercise" in c.metadata.get("tags", [])
    ]


def solution(exercise_id: str) -> str:
    """The solution's source, without the file's docstring line."""
    text = (HERE / f"{exercise_id}.py").read_text()
    return text.split('"""\n\n', 1)[1] if text.startswith('"""') else text


def fill_solutions(nb: Any) -> Any:
    """Replace every exercise cell's source with its reference solution (in place); returns nb."""
    for _, cell in exercise_cells(nb):
        cell.source = solution(cell.metadata["exercise_id"])
    return nb
