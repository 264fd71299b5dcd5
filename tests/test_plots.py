"""Plots render to real PNG files; the numbers behind them come from outside the plotting code."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import metrics, plots

pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"


def test_activation_derivatives_from_autograd_are_the_textbook_formulas() -> None:
    x = np.linspace(-4, 4, 81)
    curves = plots.activation_curves(x)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(curves["sigmoid"][1], s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(curves["tanh"][1], 1 - np.tanh(x) ** 2, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(curves["relu"][1], (x > 0).astype(float))
    np.testing.assert_array_equal(curves["leaky relu (0.1)"][1], np.where(x > 0, 1.0, 0.1))
    assert all(type(v) is np.ndarray and type(g) is np.ndarray for v, g in curves.values())  # as annotated


def test_confusion_matrix() -> None:
    m = metrics.confusion_matrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    np.testing.assert_array_equal(m, [[1, 0, 0], [0, 1, 1], [0, 0, 2]])
    assert metrics.accuracy([0, 1, 2, 2, 1], [0, 2, 2, 2, 1]) == 0.8
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        metrics.confusion_matrix([0, 2], [0, 1], num_classes=2)


def test_every_plot_saves_a_png(tmp_path) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 2, 30)
    history = {
        "loss": [1.0, 0.5, 0.3],
        "val_loss": [1.1, 0.7, 0.5],
        "accuracy": [0.5, 0.8, 0.9],
        "val_accuracy": [0.4, 0.7, 0.8],
    }
    made = {
        "history": plots.plot_history(history, path=tmp_path / "history.png"),
        "curves": plots.plot_curves({"a": [3, 2, 1], "b": [3, 1, 0.5]}, log=True, path=tmp_path / "curves.png"),
        "confusion": plots.plot_confusion_matrix(y, 1 - y, path=tmp_path / "confusion.png"),
        "boundary": plots.plot_decision_boundary(
            lambda p: (p[:, 0] > 0).astype(int), X, y, 50, path=tmp_path / "boundary.png"
        ),
        "activations": plots.plot_activations(path=tmp_path / "activations.png"),
        "digits": plots.plot_digits(rng.random((10, 784)), list(range(10)), [0] * 10, path=tmp_path / "digits.png"),
    }
    for name, fig in made.items():
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == PNG
        assert fig.axes  # a Figure with something drawn
    assert len(made["history"].axes) == 2  # loss and accuracy panels, each with its validation curve


def test_figures_display_as_png_in_ipython() -> None:
    """What Jupyter does with a cell's last value: IPython's display formatter must produce a PNG of
    the figure's size (figsize in inches × 100 dpi), not just the text ``<Figure size ...>``."""
    formatters = pytest.importorskip("IPython.core.formatters")
    fig = plots.plot_curves({"a": [3, 2, 1]})
    data, _ = formatters.DisplayFormatter().format(fig)
    png = data["image/png"]
    assert png[:8] == PNG
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (650, 400)  # plot_curves' 6.5 x 4 inch figure (1.5 in for the legend beside it)
    own, ax = plots.subplots(figsize=(3, 2))
    ax.plot([0, 1], [1, 0])
    assert "image/png" in formatters.DisplayFormatter().format(own)[0]


def test_plots_never_touch_pyplot_state() -> None:
    pyplot = pytest.importorskip("matplotlib.pyplot")
    before = pyplot.get_fignums()
    plots.plot_activations()
    assert pyplot.get_fignums() == before  # no figure in pyplot's list, so no double display inline


def test_a_failed_save_keeps_the_previous_picture(tmp_path) -> None:
    from tinygrad_edu.figure import Figure

    target = tmp_path / "curve.png"
    good = plots.plot_history({"loss": [1.0, 0.5]}, path=target)
    before = target.read_bytes()
    assert before[:8] == b"\x89PNG\r\n\x1a\n" and isinstance(good, Figure)
    with pytest.raises(ValueError):  # matplotlib refuses the format after the temporary file is open
        good.savefig(target, format="no-such-format")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["curve.png"]  # no temporary file left behind
