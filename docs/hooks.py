"""MkDocs hook that makes the course's site from the repository as it is: the README becomes the home
page, and every chapter in notebooks/ a page, executed with its reference solutions filled in (the
site is the worked edition; the notebooks keep the blanks) in quick mode (CI=true).

Formulas are typeset here, when the site is built, not in the reader's browser: every ``$...$`` and
``$$...$$`` of a chapter's markdown (and of the markdown pages) becomes MathML with ``latex2mathml``
(PyPI), which browsers draw natively. The site loads no script and no font from another host, so it
reads the same offline.

If ``TINYGRAD_EDU_EXECUTED_NOTEBOOKS`` names a folder that holds already executed chapters (the
notebook tests write one, see tests/test_notebook_outputs.py), those are used as they are instead of
running the chapters again; chapters missing from it are run here.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
_build_dir = Path(tempfile.mkdtemp(prefix="tinygrad_edu_site_"))
#: A code span or fence (group 1, kept as written), then $$display$$ (group 2) or $inline$ math (group 3,
#: which may wrap onto the next line of its paragraph, not across a blank line).
MATH = re.compile(r"(`+)[\s\S]*?\1|\$\$([\s\S]+?)\$\$|(?<![\\$])\$((?:[^$\n]|\n(?![ \t]*\n))+?)\$")
#: What nbconvert writes into each chapter's page to fetch MathJax, and mermaid for diagrams, from a CDN:
#: the math is MathML already, and the chapters draw no mermaid diagram.
CDN_LOADERS = re.compile(
    r"<!-- Load mathjax -->[\s\S]*?<!-- End of mathjax configuration -->"
    r'|<script type="module">(?:(?!</script>)[\s\S])*?jp-Mermaid[\s\S]*?</script>'
)


def mathml(markdown: str) -> str:
    """``markdown`` with each TeX formula replaced by its MathML (code spans and fences untouched).

    >>> mathml("$x^2$ and `$HOME`").replace('xmlns="http://www.w3.org/1998/Math/MathML" ', "")
    '<math display="inline"><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math> and `$HOME`'
    """
    from latex2mathml.converter import convert

    def one(match: re.Match) -> str:
        if match.group(1):
            return match.group(0)
        display = match.group(2) is not None
        tex = (match.group(2) if display else match.group(3)).strip()
        return convert(tex, display="block" if display else "inline")

    return MATH.sub(one, markdown)


def _typeset(path: Path) -> Path:
    """A copy of the executed chapter ``path`` whose markdown cells hold MathML instead of TeX."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = mathml(cell.source)
    out = _build_dir / "notebooks" / path.name
    nbformat.write(nb, out)
    return out


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
        _typeset(_executed(path))
        pages.append(f"notebooks/{path.name}")
    for page in pages:  # plain Files under the build folder (mkdocs-jupyter wraps only those)
        files.append(File(page, str(_build_dir), config["site_dir"], config["use_directory_urls"]))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    """The markdown pages' formulas as MathML (the chapters' were typeset in `on_files`)."""
    return mathml(markdown)


def on_post_page(output: str, page, config) -> str:
    """Drop the CDN loaders nbconvert puts on a chapter's page (see `CDN_LOADERS`)."""
    return CDN_LOADERS.sub("", output)
