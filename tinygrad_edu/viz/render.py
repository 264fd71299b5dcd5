"""Rendering DOT text with Graphviz (``dot``, else ``graphviz-pure``), and `Graph`, a drawn graph that
displays itself in a notebook."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..fileio import atomic_write

#: Graphs with more nodes than this are refused unless ``max_nodes`` is raised.
LARGE_GRAPH = 500
#: Graphs with at most this many nodes are drawn left to right by default, bigger ones top to bottom.
SMALL_GRAPH = 12
#: Default largest drawing width in inches (graphviz's ``size``); 960 px at a browser's 96 px/inch.
WIDTH_INCHES = 10.0
#: The most a drawing is shrunk to fit `WIDTH_INCHES`: 11 pt labels stay 8 pt (11 px) high. A graph
#: that would need more is drawn wider than the frame instead, and scrolls sideways in a notebook.
MIN_SCALE = 0.75
RENDERERS = ("dot", "graphviz-pure")
FORMATS = ("svg", "png")
HIGHLIGHT = "#d62728"
HINT = (
    "no Graphviz renderer found: `apt-get install graphviz` (or `pip install graphviz-pure`) "
    "to see this graph as a picture; its DOT text follows"
)


def find_renderer() -> str | None:
    """Path of the first available renderer program in `RENDERERS`, or None."""
    for name in RENDERERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _pipe(source: str, format: str) -> bytes:
    exe = find_renderer()
    if exe is None:
        raise RuntimeError(HINT.split(";")[0])
    done = subprocess.run([exe, f"-T{format}"], input=source.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(exe).name} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _svg_width_pt(svg: str) -> float | None:
    match = re.search(r'<svg width="([\d.]+)pt"', svg)
    return float(match.group(1)) if match else None


def keep_readable(source: str, width: float) -> str:
    """``source`` with its ``size`` widened where fitting ``width`` inches would shrink the drawing
    below `MIN_SCALE`: the drawing is then `MIN_SCALE` times its natural size (one extra layout run)."""
    exe = find_renderer()
    frame = f'size="{width:g},1000"'
    if exe is None or frame not in source:
        return source
    try:
        natural = _svg_width_pt(_pipe(source.replace(frame + ", ", ""), "svg").decode())
    except RuntimeError:
        return source
    if natural is None or natural * MIN_SCALE <= width * 72:
        return source
    return source.replace(frame, f'size="{natural * MIN_SCALE / 72:.2f},1000"')


def _scrolling(svg: str) -> str:
    """An SVG wider than the notebook's frame, in a box that scrolls instead of shrinking it."""
    body = svg[svg.find("<svg") :]
    return f'<div style="overflow-x:auto;max-width:100%"><div style="width:max-content">{body}</div></div>'


def _write(path: Path, data: bytes) -> None:
    """Write a picture or its DOT source atomically (a failed write keeps the previous file)."""
    with atomic_write(path) as f:
        f.write(data)


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"draw_dot: format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format


class Graph:
    """A drawn computation graph: DOT text plus rendering and notebook display, with the methods of
    ``graphviz.Digraph`` that micrograd's notebooks use (``format``, ``pipe``, ``render``)."""

    def __init__(self, source: str, n_nodes: int, format: str = "svg", chain_rule: Any = None) -> None:
        self.source = source
        self.n_nodes = n_nodes
        self.format = _check_format(format)
        #: the highlighted paths and their products (a `ChainRule`) when drawn with ``wrt=``, else None
        self.chain_rule = chain_rule

    def pipe(self, format: str | None = None) -> bytes:
        """The rendered picture as bytes (``format`` "svg" or "png"; default: ``self.format``)."""
        return _pipe(self.source, _check_format(format or self.format))

    def svg(self) -> str:
        """The picture as SVG text."""
        return self.pipe("svg").decode()

    def render(
        self, filename: str | Path = "graph", directory: str | Path | None = None, format: str | None = None
    ) -> str:
        """As ``graphviz.Digraph.render``: write the DOT source to ``filename`` and the picture to
        ``filename.<format>``; returns the picture's path. ``dot.render("gout")`` writes gout and gout.svg."""
        fmt = _check_format(format or self.format)
        base = Path(directory or ".") / filename
        base.parent.mkdir(parents=True, exist_ok=True)
        _write(base, self.source.encode())
        picture = base.with_name(f"{base.name}.{fmt}")
        _write(picture, self.pipe(fmt))
        return str(picture)

    def save(self, path: str | Path) -> Path:
        """Write the graph to ``path``; the suffix picks the format: .svg, .png or .dot."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".dot":
            _write(path, self.source.encode())
        elif suffix in (".svg", ".png"):
            _write(path, self.pipe(suffix[1:]))
        else:
            raise ValueError(f"save: unknown suffix {path.suffix!r}; use .svg, .png or .dot")
        return path

    def to_graphviz(self) -> Any:
        """The same graph as a ``graphviz.Source``, for that package's own API (``.view()`` ...)."""
        import graphviz

        return graphviz.Source(self.source, format=self.format)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Jupyter display: the picture in ``self.format`` when a renderer works, else the DOT text
        with a hint. Never raises."""
        try:
            if self.format == "png":
                return {"image/png": self.pipe("png")}
            svg = self.svg()
            if (_svg_width_pt(svg) or 0.0) > WIDTH_INCHES * 72 + 1:
                return {"text/html": _scrolling(svg)}
            return {"image/svg+xml": svg}
        except Exception as err:  # display must never break a notebook
            return {"text/plain": f"{HINT} ({err})\n{self.source}"}

    def __repr__(self) -> str:
        return f"Graph({self.n_nodes} nodes; .source for DOT, .render(filename) or .save(path) to write it)"
