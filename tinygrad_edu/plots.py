"""Pictures for the textbook chapters: learning curves, confusion matrices, decision boundaries,
activation functions with their derivatives, and digit grids.

matplotlib is imported only when a plot is made (``pip install tinygrad_edu[plots]``). Each
function returns a `tinygrad_edu.figure.Figure` (a ``matplotlib.figure.Figure`` that Jupyter,
VS Code and nbconvert display as a picture with no ``%matplotlib`` magic) and, given ``path``,
also saves it as PNG. Figures are made without pyplot, so scripts that draw many do not leak.
`subplots` gives the same kind of figure for a plot of your own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import activations
from .metrics import confusion_matrix
from .tensor import Tensor


def subplots(
    nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] | None = None, squeeze: bool = True
) -> tuple[Any, Any]:
    """``(figure, axes)`` as ``matplotlib.pyplot.subplots`` gives, but without pyplot's global state,
    and the figure displays itself in a notebook (it is a `tinygrad_edu.figure.Figure`).

    >>> fig, ax = subplots(figsize=(3, 2))
    >>> _ = ax.plot([0, 1, 2], [0, 1, 4])
    >>> type(fig).__name__, hasattr(fig, "_repr_png_")
    ('Figure', True)
    """
    try:
        from .figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib: pip install matplotlib (or tinygrad_edu[plots])") from None
    fig = Figure(figsize=figsize or (5 * ncols, 4 * nrows), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=squeeze)


def _figure(ncols: int = 1, nrows: int = 1, size: tuple[float, float] | None = None) -> tuple[Any, Any]:
    return subplots(nrows, ncols, size, squeeze=False)


def _done(fig: Any, path: str | Path | None) -> Any:
    if path is not None:
        fig.savefig(Path(path), dpi=100)
    return fig


def plot_history(history: Any, metrics: Sequence[str] | None = None, path: str | Path | None = None) -> Any:
    """Training and validation curves per epoch from a Keras `History` (or its ``.history`` dict)."""
    logs = getattr(history, "history", history)
    names = list(metrics) if metrics else [k for k in logs if not k.startswith("val_")]
    fig, axes = _figure(len(names))
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], "o-", label=f"training {name}")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], "s--", label=f"validation {name}")
        ax.set(xlabel="epoch", ylabel=name, title=name)
        ax.legend()
    return _done(fig, path)


def plot_curves(
    curves: dict[str, Sequence[float]],
    xlabel: str = "step",
    ylabel: str = "loss",
    log: bool = False,
    title: str = "",
    path: str | Path | None = None,
) -> Any:
    """Several named curves on one axis (e.g. the loss of each optimizer)."""
    fig, axes = _figure()
    ax = axes[0, 0]
    for name, values in curves.items():
        ax.plot(values, label=name)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if log:
        ax.set_yscale("log")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)  # outside, never over a curve
    fig.set_size_inches(6.5, 4)
    return _done(fig, path)


def plot_confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str] | None = None, path: str | Path | None = None
) -> Any:
    """The confusion matrix as a heat map with the counts written in (rows: true, columns: predicted)."""
    matrix = confusion_matrix(y_true, y_pred, len(labels) if labels is not None else None)
    n = len(matrix)
    fig, axes = _figure(size=(0.6 * n + 2.5, 0.6 * n + 2))
    ax = axes[0, 0]
    ax.imshow(matrix, cmap="Blues")
    ticks = list(labels) if labels is not None else [str(i) for i in range(n)]
    ax.set(xticks=range(n), yticks=range(n), xticklabels=ticks, yticklabels=ticks, xlabel="predicted", ylabel="true")
    high = matrix.max() / 2
    for i in range(n):
        for j in range(n):
            ax.text(
                j,
                i,
                str(matrix[i, j]),
                ha="center",
                va="center",
                color="white" if matrix[i, j] > high else "black",
                fontsize=8,
            )
    return _done(fig, path)


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    resolution: int = 200,
    path: str | Path | None = None,
    title: str = "",
) -> Any:
    """Colour the plane by ``predict`` (points (N, 2) → labels or scores) and draw the data on top, each
    class with its own colour and marker and a legend outside the axes; predicted labels colour their
    regions in the same class colours."""
    X = np.asarray(X, dtype=np.float64)
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    z = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    fig, axes = _figure()
    ax = axes[0, 0]
    y = np.asarray(y)
    classes = np.unique(y)
    colours = _class_colours(len(classes))
    if np.isin(np.unique(z), classes).all():  # predicted labels: each region in its class's colour
        edges = np.concatenate([classes - 0.5, [classes[-1] + 0.5]])
        ax.contourf(gx, gy, z, levels=edges, colors=colours, alpha=0.35)
    else:  # scores: a graded map, blue (low) to red (high), as the class colours
        ax.contourf(gx, gy, z, levels=20, cmap="coolwarm", alpha=0.4)
    for k, (label, marker) in enumerate(zip(classes, "os^vD<>ph*")):
        pts = X[y == label]
        ax.scatter(
            pts[:, 0], pts[:, 1], color=colours[k], marker=marker, edgecolors="k", s=45, label=f"class {label:g}"
        )
    ax.legend(title="data (regions: predicted)", loc="upper left", bbox_to_anchor=(1.02, 1))
    ax.set(xlabel="x₁", ylabel="x₂", title=title)
    fig.set_size_inches(6, 4)
    return _done(fig, path)


def _class_colours(n: int) -> list[Any]:
    """``n`` colours from the blue and red ends of ``coolwarm``, the map under a decision boundary."""
    from matplotlib import colormaps

    return [colormaps["coolwarm"](v) for v in np.linspace(0.0, 1.0, n)] if n > 1 else [colormaps["coolwarm"](0.0)]


#: How each activation is drawn: relu wide and pale under leaky relu's dashes, so relu′ = 1 and
#: leaky relu′ = 1 (x > 0) are both seen where they coincide.
_STYLES: dict[str, dict[str, str | float]] = {
    "step": {"linestyle": ":", "linewidth": 2},
    "relu": {"linewidth": 5, "alpha": 0.45},
    "leaky relu (0.1)": {"linestyle": "--", "linewidth": 1.6},
}


def activation_curves(x: np.ndarray | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each activation's values and derivative on ``x``; the derivatives come from ``backward()``."""
    x = np.linspace(-5, 5, 401) if x is None else np.asarray(x, dtype=np.float64)
    table = activations.ACTIVATIONS  # the one activations table (nn, Keras, plots)
    functions: dict[str, Callable[[Tensor], Tensor]] = {
        **{name: table[name].tensor for name in ("sigmoid", "tanh", "relu")},
        "leaky relu (0.1)": lambda t: t.leaky_relu(0.1),  # table["leaky_relu"].tensor, a slope that shows
    }
    out = {"step": (np.where(x >= 0, 1.0, 0.0), np.zeros_like(x))}
    for name, fn in functions.items():
        t = Tensor(x.copy(), requires_grad=True)
        y = fn(t)
        y.sum().backward()
        assert t.grad is not None, "backward() fills the gradient of a leaf that requires it"
        out[name] = (y.numpy(), t.grad.numpy())
    return out


def plot_activations(path: str | Path | None = None) -> Any:
    """Activation functions (top) and their derivatives (bottom), as computed by autograd."""
    curves = activation_curves()
    x = np.linspace(-5, 5, 401)
    fig, axes = _figure(1, 2, size=(7.5, 7))
    for name, (value, grad) in curves.items():
        axes[0, 0].plot(x, value, label=name, **_STYLES.get(name, {}))
        axes[1, 0].plot(x, grad, label=name, **_STYLES.get(name, {}))
    axes[0, 0].set(title="activation φ(x)", xlabel="x")
    axes[1, 0].set(title="derivative φ′(x), from backward()", xlabel="x")
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    return _done(fig, path)


def plot_digits(
    images: np.ndarray,
    labels: Sequence[int] | None = None,
    predictions: Sequence[int] | None = None,
    n: int = 25,
    path: str | Path | None = None,
) -> Any:
    """A grid of the first ``n`` images (28x28 or 784 long), titled "label" or "label → prediction"."""
    images = np.asarray(images)[:n]
    cols = int(np.ceil(np.sqrt(len(images))))
    rows = int(np.ceil(len(images) / cols))
    fig, axes = _figure(cols, rows, size=(1.4 * cols, 1.6 * rows))
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k >= len(images):
            continue
        ax.imshow(images[k].reshape(28, 28), cmap="gray_r")
        title = "" if labels is None else str(labels[k])
        if predictions is not None:
            title += f" → {predictions[k]}"
        ax.set_title(
            title,
            fontsize=9,
            color="red" if predictions is not None and labels is not None and predictions[k] != labels[k] else "black",
        )
    return _done(fig, path)
