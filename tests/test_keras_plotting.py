"""``keras.utils.plot_model``/``model_to_dot`` against real Keras 3: the same boxes and arrows, with
and without ``expand_nested`` (a nested model drawn as a dashed cluster of its layers, arrows into
its first and out of its last layers), Keras' arguments and refusals. Keras draws with pydot (and,
without it, raises ImportError, or prints that in IPython); this door draws with its own DOT text,
so Keras' side of the comparison is skipped where pydot is not installed.
"""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tests.test_keras_summary import nested  # the same nested model the summary tests print
from tinygrad_edu import keras as K
from tinygrad_edu.viz import find_renderer

pytestmark = KERAS_NOTICE
needs_pydot = pytest.mark.skipif(importlib.util.find_spec("pydot") is None, reason="Keras draws with pydot")
needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer (dot or graphviz-pure)")


def nested_functional(M):
    """A nested model of two inputs and two outputs, its outputs used in the other order."""
    a, b = M.Input((3,), name="a"), M.Input((2,), name="b")
    inner = M.Model([a, b], [M.layers.Dense(2, name="p")(a), M.layers.Dense(1, name="q")(b)], name="split")
    y, z = M.Input((3,), name="y"), M.Input((2,), name="z")
    p, q = inner([y, z])
    return M.Model([y, z], M.layers.Concatenate(name="c")([q, p]), name="m2")


def keras_drawing(model, expand_nested: bool) -> tuple[set, dict]:
    """Keras' arrows as (source name, destination name), and each cluster's layer names."""

    def walk(layers):
        for layer in layers:
            yield layer
            yield from walk(getattr(layer, "layers", []))

    names = {str(id(layer)): layer.name for layer in walk(model.layers)}
    dot = keras.utils.model_to_dot(model, expand_nested=expand_nested)
    edges = [*dot.get_edges(), *(e for g in dot.get_subgraphs() for e in g.get_edges())]
    clusters = {
        g.get_name().strip('"'): sorted(names[n.get_name()] for n in g.get_nodes() if n.get_name() in names)
        for g in dot.get_subgraphs()
    }
    return {(names[e.get_source()], names[e.get_destination()]) for e in edges}, clusters


def our_drawing(model, expand_nested: bool) -> tuple[set, dict]:
    source = K.utils.model_to_dot(model, expand_nested=expand_nested).source
    ids = dict(re.findall(r"(L\d+) \[label=<.*?<b>(\w+) \(", source))
    clusters = {}
    for name, body in re.findall(r'subgraph "(cluster_\w+)" \{(.*?)\n\s*\}', source, flags=re.S):
        clusters[name] = sorted(ids[i] for i in re.findall(r"(L\d+) \[label", body))
    return {(ids[a], ids[b]) for a, b in re.findall(r"(L\d+) -> (L\d+);", source)}, clusters


@needs_pydot
@pytest.mark.parametrize("make", [nested, nested_functional])
@pytest.mark.parametrize("expand_nested", [False, True])
def test_boxes_arrows_and_clusters_are_keras(make, expand_nested: bool) -> None:
    ours, theirs = our_drawing(make(K), expand_nested), keras_drawing(make(keras), expand_nested)
    assert ours == theirs
    assert bool(ours[1]) == expand_nested


@needs_pydot
def test_keyword_refusals_are_keras() -> None:
    for kwargs, words in (({"layer_range": ("a", "b")}, "no longer supported"), ({"colour": 1}, "Unrecognized")):
        for M in (keras, K):
            with pytest.raises(ValueError, match=words):
                M.utils.model_to_dot(nested(M), **kwargs)
    for M in (keras, K):
        with pytest.raises(ValueError, match="This model has not yet been built"):
            M.utils.plot_model(M.Sequential([M.layers.Dense(2)]), "m.png")


@needs_renderer
def test_plot_model_takes_keras_arguments_and_writes_png_without_a_suffix(tmp_path) -> None:
    """Keras' signature (expand_nested, splines, dpi, ...) and, for a name without a suffix, a PNG."""
    path = tmp_path / "model"
    K.utils.plot_model(
        nested(K), to_file=path, show_shapes=True, show_layer_names=True, rankdir="LR",
        expand_nested=True, dpi=96, show_layer_activations=True, show_trainable=True, splines="polyline",
    )  # fmt: skip
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob("*.tmp.png"))
    svg = K.utils.model_to_dot(nested(K), expand_nested=True).pipe("svg").decode()
    assert "cluster" in svg and ">inner<" in svg and "i1 (Dense)" in svg
