"""What ``fit``/``evaluate``/``predict`` print, as Keras 3 prints it (``keras/src/utils/progbar.py``
and ``callbacks/progbar_logger.py`` read for the rules): `Progbar` draws one line per update,
`ProgbarLogger` is the callback the training loops add to drive it.

``verbose=1`` (and ``"auto"``): a line redrawn in place, at most every 0.05 s and at the end::

    Epoch 1/3
    5/5 ━━━━━━━━━━━━━━━━━━━━ 0s 12ms/step - accuracy: 0.4500 - loss: 0.8205 - val_accuracy: 0.5000 - val_loss: 0.8287

(``Epoch i/n`` only when there are several epochs); the count is bold, the bar green then grey (ANSI
colour codes); the line is redrawn with backspaces and a carriage return wherever Keras does so: on a
terminal, in a notebook, and on any POSIX system (Keras tests ``"posix" in sys.modules``), i.e. also
into a log file there; elsewhere each update starts a new line. Before the end, the time is the
estimated time left; at the end, the time taken. ``verbose=2``: one line per epoch,
``5/5 - 0s - 12ms/step - accuracy: 0.4500 - loss: 0.8205``. The time per step leaves out the first
step (compilation, in Keras) once there are more.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import Any

import numpy as np

from ..callbacks import Callback

_BOLD, _GREEN, _GREY, _END = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def dynamic_display() -> bool:
    """Keras' test for redrawing a line in place (true on every POSIX system, whatever stdout is)."""
    return (
        (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
        or "ipykernel" in sys.modules
        or os.name == "posix"
        or "PYCHARM_HOSTED" in os.environ
    )


def format_time(seconds_per_unit: float, unit_name: str) -> str:
    """`` 12ms/step``: seconds at 1 s or more (and for 0), else ms, else µs (written us), as Keras.

    >>> format_time(0.0123, "step"), format_time(2.5, "step"), format_time(4e-5, "step")
    (' 12ms/step', ' 2s/step', ' 40us/step')
    """
    if seconds_per_unit >= 1 or seconds_per_unit == 0:
        return f" {seconds_per_unit:.0f}s/{unit_name}"
    if seconds_per_unit >= 1e-3:
        return f" {seconds_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {seconds_per_unit * 1e6:.0f}us/{unit_name}"


def _number(value: float, verbose: int) -> str:
    """Keras' 4 decimals, or 4 significant digits in exponent form for small values (|v| ≤ 1e-3 with
    verbose 1; v ≤ 1e-3, negatives included, with verbose 2)."""
    small = abs(value) <= 1e-3 if verbose == 1 else value <= 1e-3
    return f" {value:.4e}" if small else f" {value:.4f}"


class Progbar:
    """Keras' ``keras.utils.Progbar``: ``update(current, values)`` after each step, ``values`` a list of
    (name, value); a name in ``stateful_metrics`` is shown as given, any other is averaged over the
    steps so far (weighted by the steps each value covers), unless ``stateless_metrics`` is given, which
    then names the averaged ones.

    >>> import io, contextlib
    >>> buf = io.StringIO()
    >>> with contextlib.redirect_stdout(buf):
    ...     bar = Progbar(4, verbose=2)
    ...     bar.update(4, [("loss", 0.5)])
    >>> buf.getvalue().split(" - ")[0], buf.getvalue().split(" - ")[-1]
    ('4/4', 'loss: 0.5000\\n')
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Any = None,
        stateless_metrics: Any = None,
        unit_name: str = "step",
    ) -> None:
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be provided.")
        self.target, self.width, self.verbose, self.interval, self.unit_name = (
            target, width, verbose, interval, unit_name
        )  # fmt: skip
        self.stateful = set(stateful_metrics or ()) if stateless_metrics is None else None
        self.stateless = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic = dynamic_display()
        self._values: dict[str, list[float]] = {}
        self._seen = 0
        self._start = time.time()
        self._last_update = 0.0
        self._after_first_step: float | None = None
        self._prev_width = 0

    def _averaged(self, name: str) -> bool:
        return name not in self.stateful if self.stateful is not None else name in self.stateless

    def _record(self, current: int, values: Any, finalize: bool) -> None:
        for name, value in values or []:
            if not self._averaged(name) or finalize:
                self._values[name] = [value, 1]
                continue
            steps = max(current - self._seen, 1)
            total = self._values.setdefault(name, [0.0, 0])
            total[0] += value * steps
            total[1] += steps
        self._seen = current

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Show step ``current`` of ``target`` (``finalize``, by default current ≥ target, ends the line)."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values, finalize)
        now = time.time()
        per_step = self._step_time(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._print_line(current, now, per_step, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            info = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            info += format_time(per_step, self.unit_name) + self._metrics(2)
            _write(info + "\n")
        self._last_update = now

    def add(self, n: int, values: Any = None) -> None:
        self.update(self._seen + n, values)

    def _metrics(self, verbose: int) -> str:
        return "".join(
            f" - {name}:{_number(float(np.mean(total)) / max(1, count), verbose)}"
            for name, (total, count) in self._values.items()
        )

    def _print_line(self, current: int, now: float, per_step: float, finalize: bool) -> None:
        message = "\b" * self._prev_width + "\r" if self._dynamic else "\n"
        if self.target:
            digits = int(math.log10(self.target)) + 1
            done = int(self.width * current / self.target)
            bar = f"{_BOLD}{current:{digits}d}/{self.target}{_END} "
            bar += f"{_GREEN}{'━' * done}{_END}" if done > 0 else ""
            bar += f"{_GREY}{'━' * (self.width - done)}{_END}"
            hidden = 8 + (9 if done > 0 else 0) + 9
        else:
            bar, hidden = f"{current:7d}/Unknown", 0
        if self.target and not finalize:
            info = f" {_BOLD}{_eta(per_step * (self.target - current))}{_END}"
        else:
            info = f" {_BOLD}{now - self._start:.0f}s{_END}"
        info += format_time(per_step, self.unit_name) + self._metrics(1)
        width = len(bar) + len(info) - hidden - 8
        message += bar + info + " " * max(self._prev_width - width, 0) + ("\n" if finalize else "")
        _write(message)
        self._prev_width = width

    def _step_time(self, current: int, now: float) -> float:
        """Seconds per step: from the end of the first step once there are two or more."""
        if not current:
            return 0.0
        if self._after_first_step is not None and current > 1:
            per_step = (now - self._after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._after_first_step = now
        return per_step


def _eta(seconds: float) -> str:
    """Keras' time left, whole units cut (not rounded): ``1:02:03``, ``2:05`` or ``7s``."""
    whole = int(seconds)
    if seconds > 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if seconds > 60:
        return f"{whole // 60}:{whole % 60:02d}"
    return f"{whole}s"


def _write(message: str) -> None:
    sys.stdout.write(message)
    sys.stdout.flush()


class ProgbarLogger(Callback):
    """Keras' ``keras.callbacks.ProgbarLogger``: the training loops add it last; it reads ``verbose``,
    ``epochs`` and ``steps`` from the params the loop gives (``set_params``) and prints nothing at
    ``verbose=0``. Inside ``fit`` the validation pass prints nothing of its own. The logs show in the
    order the loop hands them (Keras' ``pythonify_logs``: top-level keys sorted, a dict result such
    as compile_metrics' spread out in its place), each first seen keeping its place."""

    def __init__(self) -> None:
        self.verbose: Any = 1
        self.epochs, self.target, self.seen = 1, None, 0
        self.progbar: Progbar | None = None
        self._in_fit = False

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        self.verbose = 1 if params["verbose"] == "auto" else params["verbose"]
        self.epochs, self.target = params["epochs"], params["steps"]

    def _start(self) -> None:
        self.seen, self.progbar = 0, Progbar(self.target, verbose=self.verbose, stateless_metrics=set())

    def _update(self, batch: int, logs: dict | None) -> None:
        self.seen = batch + 1
        if self.verbose == 1 and self.progbar is not None:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finish(self, logs: dict | None) -> None:
        if self.progbar is None:
            return
        if self.target is None:
            self.target = self.progbar.target = self.seen
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._start()
        if self.verbose and self.epochs > 1:
            _write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finish(None)
