"""`backward_steps`: the backward pass played one node at a time, as an offline HTML player."""

from __future__ import annotations

import html
import uuid
from pathlib import Path
from typing import Any

from ..engine import Value
from .chain_rule import _describe
from .draw import _dot_source
from .nodes import _prepare
from .render import HINT, WIDTH_INCHES, Graph, _pipe, _write
from .text import format_number


# ----------------------------------------------------------------------------- backward, step by step
class BackwardSteps:
    """The backward pass as a sequence of pictures, one per node in reverse topological order.

    Frame 0 shows the forward values with every gradient unknown ("grad ·"); frame k shows the
    gradients that are complete after the first k nodes have passed theirs back to their inputs:
    a node's gradient is final once every node that used it has been visited. In a notebook it
    displays as a slider and ◀ ▶ buttons (plain HTML and JavaScript, no network, no kernel); with
    scripts off, the frames are shown one below the other. ``frames`` holds the DOT sources.
    """

    def __init__(self, sources: list[str], captions: list[str]) -> None:
        self.sources = sources
        self.captions = captions

    def __len__(self) -> int:
        return len(self.sources)

    def __repr__(self) -> str:
        return f"BackwardSteps({len(self.sources)} frames; displays as a player in a notebook, .save_html(path))"

    def frame(self, k: int, format: str = "svg") -> Graph:
        """Frame ``k`` as a `Graph`."""
        return Graph(self.sources[k], 0, format)

    def _repr_html_(self) -> str:
        try:
            svgs = [_pipe(s, "svg").decode() for s in self.sources]
        except Exception as err:  # display must never break a notebook
            return f"<pre>{html.escape(HINT)} ({html.escape(str(err))})</pre>"
        uid = f"bwsteps{uuid.uuid4().hex[:12]}"  # unique per display, so two players never clash
        frames = "".join(
            f'<div class="{uid}-f" data-k="{k}"><p style="font:13px sans-serif;margin:4px 0">'
            f"step {k} of {len(svgs) - 1}: {html.escape(cap)}</p>{_strip_xml_header(svg)}</div>"
            for k, (svg, cap) in enumerate(zip(svgs, self.captions))
        )
        script = _PLAYER_JS.replace("UID", uid)
        return (
            f'<div id="{uid}"><div class="ctl" style="display:none;font:13px sans-serif">'
            f'<button class="prev">◀</button> <input type="range" min="0" max="{len(svgs) - 1}" value="0" '
            f'style="width:60%;vertical-align:middle"> <button class="next">▶</button></div>'
            f"{frames}<script>{script}</script></div>"
        )

    def save_html(self, path: str | Path) -> Path:
        """Write the player as a standalone HTML page."""
        path = Path(path)
        _write(path, f"<!DOCTYPE html><html><meta charset='utf-8'><body>{self._repr_html_()}</body></html>".encode())
        return path


#: The player's script: show one frame, driven by the slider and the ◀ ▶ buttons (UID: the player's id).
_PLAYER_JS = (
    "(function(){var r=document.getElementById('UID');if(!r)return;"
    "var f=r.querySelectorAll('.UID-f'),s=r.querySelector('input');"
    "function show(k){k=Math.max(0,Math.min(f.length-1,k));s.value=k;"
    "for(var i=0;i<f.length;i++)f[i].style.display=(i==k)?'block':'none';}"
    "r.querySelector('.prev').onclick=function(){show(+s.value-1)};"
    "r.querySelector('.next').onclick=function(){show(+s.value+1)};"
    "s.oninput=function(){show(+s.value)};r.querySelector('.ctl').style.display='block';show(0);})();"
)


def _strip_xml_header(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def backward_steps(
    root: Any,
    rankdir: str | None = None,
    precision: int = 4,
    *,
    params: Any = None,
    local: bool = True,
    expand_dot: bool = True,
    max_nodes: int = 60,
    width: float = WIDTH_INCHES,
) -> BackwardSteps:
    """The backward pass of a `Value` graph, one node at a time (see `BackwardSteps`).

    The gradients are computed here from the stored local derivatives, exactly as
    `Value.backward` does (dL/dparent += ∂node/∂parent · dL/dnode, outputs before inputs); the
    graph's own ``.grad`` values are not read or changed, so it works before ``backward()`` too. A
    node used more than once shows its partial sum while its shares arrive ("grad 3.0000 so far (1 of
    2)"), and the caption says what it holds after each share.

    >>> from tinygrad_edu import Value
    >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
    >>> steps = backward_steps(y)
    >>> len(steps), steps.captions[1]
    (3, 'y: ∂y/∂y = 1.0000 is complete; x now holds 3.0000 (1 of 2 shares); x now holds 6.0000 (2 of 2 shares)')
    >>> steps.captions[-1]
    'x: ∂y/∂x = 6.0000 is complete'
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__}")
    drawing = _prepare(root, rankdir, params, expand_dot, max_nodes, False)
    nodes = drawing.nodes
    pending = {id(n): 0.0 for n in nodes}
    pending[id(nodes[-1])] = 1.0
    uses = {id(n): 0 for n in nodes}  # how many edges lead out of each node (a reused node has several)
    for n in nodes:
        for parent, _ in n.parents:
            uses[id(parent)] += 1
    arrived = dict.fromkeys(uses, 0)
    done: dict[int, Any] = {}
    name = _describe
    rname = name(nodes[-1])
    sources = [_dot_source(nodes, drawing.rankdir, precision, 16, width, local, done, None)]
    captions = [f"forward pass done; backward starts at {rname} with ∂{rname}/∂{rname} = 1"]
    for node in reversed(nodes):
        g = pending[id(node)]
        done = {**done, id(node): g}
        shown, sums = dict(done), []
        for parent, d in node.parents:
            pending[id(parent)] += d * g
            arrived[id(parent)] += 1
            if uses[id(parent)] > 1:  # a reused node: show the sum so far and how many shares are in
                so_far = f"{arrived[id(parent)]} of {uses[id(parent)]}"
                sums.append(
                    f"{name(parent)} now holds {format_number(pending[id(parent)], precision)} ({so_far} shares)"
                )
        for n in nodes:
            if id(n) not in done and 1 <= arrived[id(n)] < uses[id(n)]:
                shown[id(n)] = f"{format_number(pending[id(n)], precision)} so far ({arrived[id(n)]} of {uses[id(n)]})"
        sources.append(_dot_source(nodes, drawing.rankdir, precision, 16, width, local, shown, None, node))
        caption = f"{name(node)}: ∂{rname}/∂{name(node)} = {format_number(g, precision)} is complete"
        captions.append(caption + "".join(f"; {s}" for s in sums))
    return BackwardSteps(sources, captions)
