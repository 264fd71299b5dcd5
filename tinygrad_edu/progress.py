"""One progress bar for the training loops, Keras' ``fit(verbose=1)`` and ``tinygrad-edu train``: tqdm's.

Drawn in place on a terminal or in a notebook, in Keras' look (``96/375 [=======>......] - 00:02,
loss: 0.3125``); elsewhere (logs, CI) it draws nothing, and the loops print their one summary line.
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
