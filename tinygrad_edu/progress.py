"""The progress bar of ``tinygrad-edu train`` (the PyTorch-style loop): tqdm's. The Keras door prints
Keras 3's own bar instead (`tinygrad_edu.keras.models.progbar`).

Drawn in place on a terminal or in a notebook (``96/375 [=======>......] - 00:02, loss: 0.3125``);
elsewhere (logs, CI) it draws nothing, and the loop prints its one summary line.
"""

from __future__ import annotations

import sys

from tqdm import tqdm


def interactive() -> bool:
    """True on a terminal or in a Jupyter kernel, where a line can be redrawn in place."""
    return sys.stdout.isatty() or "ipykernel" in sys.modules


def progress_bar(total: int, enabled: bool | None = None) -> tqdm:
    """A bar of ``total`` steps; ``update(1)`` after each, ``set_postfix_str("loss: …")`` for the
    numbers, ``close()`` at the end (the bar is then erased: the caller prints its summary line).
    ``enabled`` (default: `interactive()`) False gives a bar whose every call is a no-op.

    >>> bar = progress_bar(3, enabled=False)
    >>> bar.update(1); bar.close(); bar.disable
    True
    """
    return tqdm(
        total=total,
        file=sys.stdout,
        disable=not (interactive() if enabled is None else enabled),
        leave=False,
        ascii=".>=",
        bar_format="{n_fmt}/{total_fmt} [{bar:30}] - {elapsed}{postfix}",  # tqdm puts ", " before the postfix
    )
