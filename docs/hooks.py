"""MkDocs hook that makes the course's site from the repository as it is: the README becomes the home
page, and every chapter in notebooks/ a page, executed with its reference solutions filled in (the
site is the worked edition; the notebooks keep the blanks) in quick mode (CI=true).

If ``TINYGRAD_EDU_EXECUTED_NOTEBOOKS`` names a folder that holds already executed chapters (the
notebook tests write one, see tests/test_notebook_outputs.py), those are used as they are instead of
running the chapters again; chapters missing from it are run here.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
_build_dir = Path(tempfile.mkdtemp(prefix="tinygrad_edu_site_"))


def _executed(path: Path) -> Path:
    ready = os.environ.get("TINYGRAD_EDU_EXECUTED_NOTEBOOKS")
    if ready and (Path(ready) / path.name).exists():
        return Path(ready) / path.name
    import nbclient
    import nbformat

    sys.path.insert(0, str(ROOT))
    from tests.exercise_solutions import fill_solutions

    nb = fill_solutions(nbformat.read(path, as_version=4))
    os.environ["CI"] = "true"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    work = _build_dir / path.stem
    work.mkdir(exist_ok=True)
    client = nbclient.NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()
    out = work / path.name
    nbformat.write(nb, out)
    return out


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns the chapters into pages
def on_files(files: Files, config) -> Files:
    readme = (ROOT / "README.md").read_text(encoding="utf-8").replace("](docs/", "](")
    (_build_dir / "index.md").write_text(readme, encoding="utf-8")
    (_build_dir / "notebooks").mkdir(exist_ok=True)
    pages = ["index.md"]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy(_executed(path), _build_dir / "notebooks" / path.name)
        pages.append(f"notebooks/{path.name}")
    for page in pages:  # plain Files under the build folder (mkdocs-jupyter wraps only those)
        files.append(File(page, str(_build_dir), config["site_dir"], config["use_directory_urls"]))
    return files
