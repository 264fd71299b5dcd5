"""`backward_steps`: the backward pass played one node at a time, as an offline HTML player."""

from __future__ import annotations

import html
import itertools
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..engine import Value
from .chain_rule import _describe
from .draw import _dot_source
from .nodes import _Node, _prepare
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

    def __init__(
        self, sources: list[str], captions: list[str], numbers: list[int] | None = None, total: int = 0, note: str = ""
    ) -> None:
        self.sources = sources
        self.captions = captions
        #: the step number of each frame (0: the forward pass done; k: the k-th node of the backward pass)
        self.numbers = list(range(len(sources))) if numbers is None else numbers
        #: how many steps the whole backward pass has (one per node)
        self.total = total or len(sources) - 1
        #: a line shown above the player (what a local view draws), or ""
        self.note = note

    def __len__(self) -> int:
        return len(self.sources)

    def __repr__(self) -> str:
        part = ""
        if len(self.sources) != self.total + 1:
            part = f" (steps {self.numbers[0]} to {self.numbers[-1]} of {self.total})"
        return f"BackwardSteps({len(self.sources)} frames{part}; displays as a player in a notebook, .save_html(path))"

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
            f"step {n} of {self.total}: {html.escape(cap)}</p>{_strip_xml_header(svg)}</div>"
            for k, (n, svg, cap) in enumerate(zip(self.numbers, svgs, self.captions))
        )
        note = f'<p style="font:13px sans-serif;margin:4px 0">{html.escape(self.note)}</p>' if self.note else ""
        script = _PLAYER_JS.replace("UID", uid)
        return (
            f'<div id="{uid}">{note}<div class="ctl" style="display:none;font:13px sans-serif">'
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


#: Views of a frame: the whole graph, or the node whose gradient is complete with its inputs and its users.
VIEWS = ("auto", "graph", "local")


@dataclass
class _Step:
    """One step of the backward pass: ``node`` is complete with gradient ``g``; ``shown`` holds what each
    box's grad line says after it in the whole graph (a number, or a partial sum "… so far (i of n)")."""

    node: _Node | None
    g: float
    shown: dict[int, Any]
    caption: str
    received: dict[int, str]  # what each input of ``node`` holds once its share has arrived


def _tag_unnamed(nodes: list[_Node]) -> None:
    """Give every node that has neither a name nor a short expression a tag (``tanh#3``), written in its
    box, so that a caption's name can be found on the picture."""
    tags = itertools.count(1)
    for n in nodes:
        if not n.title and not _describe(n).startswith("("):
            n.title = f"{n.op or 'leaf'}#{next(tags)}"


def _play(nodes: list[_Node], precision: int) -> list[_Step]:
    """The backward pass over ``nodes`` (inputs first): dL/dparent += ∂node/∂parent · dL/dnode, outputs first."""
    pending = {id(n): 0.0 for n in nodes}
    pending[id(nodes[-1])] = 1.0
    uses = {id(n): 0 for n in nodes}  # how many edges lead out of each node (a reused node has several)
    for n in nodes:
        for parent, _ in n.parents:
            uses[id(parent)] += 1
    arrived = dict.fromkeys(uses, 0)
    done: dict[int, Any] = {}
    name, fmt = _describe, lambda v: format_number(v, precision)
    rname = name(nodes[-1])
    steps = [_Step(None, 1.0, {}, f"forward pass done; backward starts at {rname} with ∂{rname}/∂{rname} = 1", {})]
    partial: set[int] = set()  # reused nodes that hold some, not all, of their shares
    for node in reversed(nodes):
        g = pending[id(node)]
        done[id(node)] = g
        partial.discard(id(node))
        sums = []
        for parent, d in node.parents:
            assert d is not None, "a Value graph's edges each hold their local derivative"
            pending[id(parent)] += d * g
            arrived[id(parent)] += 1
            if uses[id(parent)] > 1:  # a reused node: show the sum so far and how many shares are in
                sums.append(
                    f"{name(parent)} now holds {fmt(pending[id(parent)])} ({arrived[id(parent)]} of "
                    f"{uses[id(parent)]} shares)"
                )
                partial.add(id(parent))
        shown = dict(done)
        for i in partial:
            if arrived[i] < uses[i]:
                shown[i] = f"{fmt(pending[i])} so far ({arrived[i]} of {uses[i]})"
        received = {id(p): shown.get(id(p), fmt(pending[id(p)])) for p, _ in node.parents}
        caption = f"{name(node)}: ∂{rname}/∂{name(node)} = {fmt(g)} is complete"
        steps.append(_Step(node, g, shown, caption + "".join(f"; {s}" for s in sums), received))
    return steps


def _neighbourhood(nodes: list[_Node], node: _Node | None) -> tuple[list[_Node], _Node]:
    """The nodes of a local frame: ``node`` (the root at step 0), its inputs, and its users drawn with
    only their edge from ``node``; copies, so the whole graph's nodes keep their edges."""
    node = node or nodes[-1]
    users = [n for n in nodes if any(p is node for p, _ in n.parents)]
    inputs = list(dict.fromkeys(id(p) for p, _ in node.parents))
    by_id = {id(n): n for n in nodes}
    copies = {i: replace(by_id[i], op="", parents=[]) for i in inputs}
    me = replace(node, parents=[(copies[id(p)], d) for p, d in node.parents])
    drawn = [*copies.values(), me]
    for user in users:
        drawn.append(replace(user, parents=[(me, d) for p, d in user.parents if p is node]))
    return drawn, me


def backward_steps(
    root: Any,
    rankdir: str | None = None,
    precision: int = 4,
    *,
    params: Any = None,
    local: bool = True,
    expand_dot: bool = True,
    view: str = "auto",
    max_nodes: int = 60,
    start: int = 0,
    stop: int | None = None,
    max_frames: int = 200,
    width: float = WIDTH_INCHES,
) -> BackwardSteps:
    """The backward pass of a `Value` graph, one node at a time (see `BackwardSteps`).

    The gradients are computed here from the stored local derivatives, exactly as
    `Value.backward` does (dL/dparent += ∂node/∂parent · dL/dnode, outputs before inputs); the
    graph's own ``.grad`` values are not read or changed, so it works before ``backward()`` too. A
    node used more than once shows its partial sum while its shares arrive ("grad 3.0000 so far (1 of
    2)"), and the caption says what it holds after each share. Unnamed nodes get a tag (``tanh#2``) in
    their box, so each caption's names can be found on the picture.

    Args:
        view: "graph" draws the whole graph in every frame (refused over ``max_nodes`` nodes: a
            frame of a bigger graph is too small to read, and the page grows with frames × nodes);
            "local" draws only the node whose gradient just became complete, its inputs (receiving
            their shares, with the local derivatives on the edges) and its users (which sent it
            theirs), so frames stay small at any size; "auto" is "graph" up to ``max_nodes`` nodes,
            else "local".
        start, stop: play only steps ``start`` to ``stop - 1`` (step 0 is the forward pass done, step
            k the k-th node in reverse topological order); every gradient is still computed from
            the root down. More than ``max_frames`` frames are refused, with the way to page through.

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
    if view not in VIEWS:
        raise ValueError(f"backward_steps: view must be one of {', '.join(VIEWS)}, got {view!r}")
    drawing = _prepare(root, rankdir, params, expand_dot, 10**9, False)
    nodes = drawing.nodes
    if view == "auto":
        view = "graph" if len(nodes) <= max_nodes else "local"
    if view == "graph" and len(nodes) > max_nodes:
        raise ValueError(
            f"backward_steps: the graph has {len(nodes)} boxes, over max_nodes={max_nodes}: every frame of the whole "
            f"graph would be too small to read. Use view='local' (each frame shows one node, its inputs and its "
            f"users), or backward_steps(root, max_nodes={len(nodes)})"
        )
    _tag_unnamed(nodes)
    steps = _play(nodes, precision)
    chosen = range(len(steps))[start:stop]
    if len(chosen) > max_frames:
        page = f"start={chosen.start}, stop={chosen.start + max_frames}"
        raise ValueError(
            f"backward_steps: {len(chosen)} frames (the backward pass of this graph has {len(steps) - 1} steps), "
            f"over max_frames={max_frames}: play part of it, e.g. backward_steps(root, {page}), then the next "
            f"part, or raise max_frames"
        )
    sources = _frame_sources(nodes, [steps[k] for k in chosen], view, drawing.rankdir, precision, width, local)
    note = ""
    if view == "local":
        note = (
            f"local view of a {len(nodes)}-box graph: each frame shows the node whose gradient is complete (red), "
            f"its inputs, which receive their shares along the edges (local derivatives on them), and the nodes "
            f"that used it, which sent it theirs"
        )
    return BackwardSteps(sources, [steps[k].caption for k in chosen], list(chosen), len(steps) - 1, note)


def _frame_sources(
    nodes: list[_Node], steps: list[_Step], view: str, rankdir: str, precision: int, width: float, local: bool
) -> list[str]:
    """The DOT text of each step's frame: the whole graph, or the step's node with its inputs and users."""
    sources, by_key = [], {n.key: id(n) for n in nodes}
    for step in steps:
        if view == "graph":
            frame, shown, current, direction = nodes, step.shown, step.node, rankdir
        else:
            frame, current = _neighbourhood(nodes, step.node)
            now = {**step.shown, **step.received}  # the inputs show the share they just received
            shown = {id(c): now[by_key[c.key]] for c in frame if by_key[c.key] in now}
            direction = "TB"
        sources.append(_dot_source(frame, direction, precision, 16, width, local, shown, None, current))
    return sources
