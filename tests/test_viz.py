"""draw_dot: DOT text holds every node's label, value and gradient; rendering and display."""

from __future__ import annotations

import re

import pytest

from tinygrad_edu import Value, draw_dot, viz

from .conftest import needs_dot


def small_graph() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = (c + Value(7.0, label="k")).tanh()
    d.label = "d"
    d.backward()
    return d


def test_dot_text_shows_label_value_and_gradient() -> None:
    d = small_graph()
    src = draw_dot(d).source
    # a = 2, ∂d/∂a = b·(1 − tanh²(1)); values from the math, printed to 4 decimals
    import math

    dd = 1 - math.tanh(1.0) ** 2
    assert "{ a | data 2.0000 | grad " + f"{-3 * dd:.4f}" + " }" in src
    assert "{ b | data -3.0000 | grad " + f"{2 * dd:.4f}" + " }" in src
    assert f"{{ d | data {math.tanh(1.0):.4f} | grad 1.0000 }}" in src
    assert 'label="tanh"' in src and 'label="*"' in src and 'label="+"' in src
    assert src.count("shape=record") == 6  # a, b, c, k, c+k, d


def test_small_numbers_switch_to_scientific_notation() -> None:
    assert viz.format_number(0.000438568, 4) == "4.3857e-04"
    assert viz.format_number(0.000438568, 6) == "0.000439"
    assert viz.format_number(0.0075, 4) == "7.5000e-03"
    assert viz.format_number(0.0, 4) == "0.0000"


def test_same_graph_same_text() -> None:
    assert draw_dot(small_graph()).source == draw_dot(small_graph()).source


def test_edges_follow_the_computation() -> None:
    src = draw_dot(small_graph(), rankdir="TB").source
    assert "rankdir=TB" in src
    names = dict(re.findall(r'(n\d+) \[shape=record, label="\{ (\w+) \|', src))
    inv = {v: k for k, v in names.items()}
    assert f"{inv['a']} -> {inv['c']}_op" in src and f"{inv['c']}_op -> {inv['c']}" in src


def test_labels_with_record_characters_are_escaped() -> None:
    src = draw_dot(Value(1.0, label="x{1}|<y>")).source
    assert r"x\{1\}\|\<y\>" in src


def test_bad_rankdir_and_suffix() -> None:
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0), rankdir="XY")
    with pytest.raises(ValueError, match=r"unknown suffix '\.gif'"):
        draw_dot(Value(1.0)).save("graph.gif")


def test_large_graph_warns() -> None:
    x = Value(1.0)
    for _ in range(300):
        x = x * 1.0
    with pytest.warns(UserWarning, match="601 nodes"):
        draw_dot(x)


def test_display_without_renderer_falls_back_to_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(viz, "find_renderer", lambda: None)
    bundle = draw_dot(small_graph())._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "apt-get install graphviz" in bundle["text/plain"] and "digraph {" in bundle["text/plain"]


def test_save_dot_needs_no_renderer(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(viz, "find_renderer", lambda: None)
    g = draw_dot(small_graph())
    assert g.save(tmp_path / "g.dot").read_text() == g.source
    with pytest.raises(RuntimeError, match="no Graphviz renderer"):
        g.save(tmp_path / "g.svg")


@needs_dot
def test_svg_and_png_render(tmp_path) -> None:
    g = draw_dot(small_graph())
    svg = g.svg()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "data 2.0000" in svg  # the record text survives into the picture
    assert g._repr_mimebundle_()["image/svg+xml"] == svg
    png = g.save(tmp_path / "g.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@needs_dot
@pytest.mark.parametrize("program", ["dot", "graphviz-pure"])
def test_each_renderer_draws(program: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} not installed")
    monkeypatch.setattr(viz, "find_renderer", lambda: path)
    assert "<svg" in draw_dot(small_graph()).svg()
