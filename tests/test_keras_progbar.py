"""What ``fit``/``evaluate``/``predict`` print, against real Keras 3 (its ``Progbar`` and
``ProgbarLogger``), captured off a terminal: ``verbose`` 1, 2 and "auto", the ``Epoch i/n`` headers,
the redrawn line (ANSI bold/green/grey, backspaces and a carriage return, as Keras writes on POSIX),
the final line of each epoch with the validation entries, evaluate's and predict's lines.

The clocks are made deterministic: each side's progress module reads a fake clock that moves 0.1 s
per reading, so every update is drawn (Keras' 0.05 s throttle never skips one) and the times printed
are the same on both sides; the whole text is compared. Metric values are masked in the runs of
whole models (two float32 implementations may part in the 4th decimal); `Progbar` fed the same
numbers is compared unmasked.
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import numpy as np
import pytest

from tests.keras_ref import KERAS_NOTICE, keras
from tinygrad_edu import keras as K
from tinygrad_edu.keras.models import progbar as our_progbar

keras_progbar = pytest.importorskip("keras.src.utils.progbar")

pytestmark = KERAS_NOTICE


class Clock:
    """``time.time`` of a progress module: 0.1 s later at each reading."""

    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
        self.now += 0.1
        return self.now


@pytest.fixture(autouse=True)
def fake_clocks(monkeypatch):
    monkeypatch.setattr(keras_progbar, "time", Clock())
    monkeypatch.setattr(our_progbar, "time", Clock())


def printed(call) -> str:
    buf = io.StringIO()
    with redirect_stdout(buf):
        call()
    return buf.getvalue()


def masked(text: str) -> str:
    return re.sub(r"(\w+): -?[\d.]+(e[-+]\d+)?", r"\1: N", text)


def step_time_masked(text: str) -> str:
    """`masked`, and the time per step too: in a whole training loop, real Keras reads its clock a
    varying number of times between two updates now and then (seen in CI: 75 and 133 ms/step where the
    fake clock makes 100; the elapsed seconds move with it), so only the loops' layout is compared; the
    times themselves are pinned by the Progbar tests below, which drive both bars update by update."""
    return re.sub(r"\b\d+(ms|us|s)\b", "T", masked(text))


def final_frames(text: str) -> str:
    """Each printed line as it is left on the screen: what follows its last carriage return. Real
    Keras now and then draws one update of a whole loop more or fewer than the fake clock should
    allow (seen once in CI: evaluate's 3/4 drawn after 4/4 on one side only), so the loops compare
    the lines a user is left with; every intermediate draw is pinned by the Progbar tests below."""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def twins():
    """The same small classifier on both sides, compiled alike."""
    models = []
    for M in (keras, K):
        model = M.Sequential([M.Input((4,)), M.layers.Dense(2, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    return models


X = np.random.default_rng(0).random((100, 4)).astype("float32")
Y = np.arange(100) % 2

CALLS = {
    "fit verbose=1, validation": lambda m: m.fit(X, Y, epochs=2, verbose=1, validation_split=0.2, batch_size=16),
    "fit verbose=2": lambda m: m.fit(X, Y, epochs=2, verbose=2, batch_size=16, shuffle=False),
    "fit auto, one epoch": lambda m: m.fit(X, Y, batch_size=16, shuffle=False),
    "fit verbose=0": lambda m: m.fit(X, Y, verbose=0),
    "evaluate auto": lambda m: m.evaluate(X, Y),
    "evaluate verbose=2": lambda m: m.evaluate(X, Y, verbose=2),
    "predict auto": lambda m: m.predict(X),
    "predict verbose=2": lambda m: m.predict(X, verbose=2),
    "predict verbose=0": lambda m: m.predict(X, verbose=0),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_training_loops_print_what_keras_prints(name) -> None:
    theirs, ours = twins()
    ours_text = final_frames(step_time_masked(printed(lambda: CALLS[name](ours))))
    assert ours_text == final_frames(step_time_masked(printed(lambda: CALLS[name](theirs))))


def test_a_one_step_epoch_reads_as_keras() -> None:
    """One step per epoch: the time per step is the whole step's (no first step to leave out)."""
    theirs, ours = twins()
    lines = [masked(printed(lambda m=m: m.fit(X, Y, verbose=2, batch_size=100, shuffle=False))) for m in (ours, theirs)]
    assert lines[0] == lines[1] == "1/1 - 0s - 100ms/step - accuracy: N - loss: N\n"


def feed(module, target, updates, **options) -> str:
    def run():
        bar = module.Progbar(target, **options)
        for current, values, *finalize in updates:
            bar.update(current, values, *finalize)

    return printed(run)


PROGBARS = {
    "averaged values": (5, [(1, [("loss", 1.0)]), (3, [("loss", 0.5)]), (5, [("loss", 0.25)])], {}),
    "stateful and tiny": (
        3,
        [
            (1, [("acc", 0.5), ("tiny", 1e-5)]),
            (2, [("acc", 0.75), ("tiny", -2e-4)]),
            (3, [("acc", 1.0), ("tiny", 0.0)]),
        ],
        {"stateful_metrics": ["acc"]},
    ),
    "unknown target": (None, [(1, [("loss", 2.0)]), (2, [("loss", 1.0)]), (2, [("loss", 1.0)], True)], {}),
    "hours left": (100_000, [(1, [("loss", 1.0)]), (2, [("loss", 1.0)]), (100_000, [])], {}),
    "seconds left, cut": (40, [(k, [("loss", 1.0 / k)]) for k in (1, 2, 3, 5, 8)] + [(40, [])], {}),
    "verbose 2": (4, [(2, [("loss", 1.0), ("neg", -0.5)]), (4, [("loss", 1e-4), ("neg", -0.5)])], {"verbose": 2}),
    "samples, wide bar": (1000, [(250, [("mae", 3.0)]), (1000, [("mae", 2.0)])], {"unit_name": "sample", "width": 30}),
}


@pytest.mark.parametrize("name", list(PROGBARS))
def test_progbar_prints_keras_text(name) -> None:
    target, updates, options = PROGBARS[name]
    assert feed(our_progbar, target, updates, **options) == feed(keras_progbar, target, updates, **options)


def test_off_posix_each_update_is_a_new_line(monkeypatch) -> None:
    """Where Keras cannot redraw (no terminal, notebook or POSIX system) each update starts a line."""
    monkeypatch.setattr(our_progbar, "dynamic_display", lambda: False)
    text = feed(our_progbar, 2, [(1, [("loss", 1.0)]), (2, [("loss", 0.5)])])
    assert "\r" not in text and "\b" not in text and text.count("\n") == 3  # one before each line, one at the end
