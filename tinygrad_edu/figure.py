"""A matplotlib `Figure` that shows itself in Jupyter without pyplot or ``%matplotlib``.

`plots` builds figures without pyplot (so scripts that draw many leak nothing), but Jupyter knows
how to display only pyplot's figures: a bare ``matplotlib.figure.Figure`` shows as the text
``<Figure size 500x400 with 1 Axes>``. This subclass adds IPython's rich-display hook
``_repr_png_`` (PNG only: one rendering per display, and a small notebook file), so the last
expression of a cell displays as a picture in classic Jupyter, JupyterLab, VS Code and nbconvert
HTML alike. When IPython's inline backend has
registered its own printer for ``Figure`` that printer is used instead (it finds this class through
the MRO), and as the figure is not in pyplot's list, the backend does not draw it a second time.

Importing this module imports matplotlib; `plots` does so only when a plot is made.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure as _MplFigure

#: Resolution of the PNG a notebook displays (matplotlib's inline backend uses 72-100 dpi).
DISPLAY_DPI = 100


class Figure(_MplFigure):
    """``matplotlib.figure.Figure`` plus ``_repr_png_`` for notebook display.

    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.subplots().plot([0, 1], [1, 0])
    >>> fig._repr_png_()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """

    def _repr_png_(self) -> bytes:
        """The figure as PNG bytes (Jupyter's ``image/png``); ``savefig`` writes other formats."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=DISPLAY_DPI)
        return buf.getvalue()
