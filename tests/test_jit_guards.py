"""The compiled tape's guards and scale: a stale graph refused, feed's shapes checked, a 200,000-row
chain replayed in linear time. References: eager mode's arithmetic written out, or the math."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Value, jit, nn

BACKENDS = [pytest.param(True, id="numba"), pytest.param(False, id="twin")]


@pytest.mark.parametrize("use_jit", BACKENDS)
def test_a_parameter_replaced_after_compile_is_refused(use_jit) -> None:
    """A weight replaced inside the model: the tape would read the old object and the new one would
    never get a gradient. The replay refuses, naming where, and a new compile gives the new weight
    its gradient: d/dw₀ Σ (w·x + b) over the points = Σ x₀, by hand."""
    model = nn.MLP(2, [1], activation=None)
    X = [[0.5, -1.0], [2.0, 3.0], [-1.5, 0.25]]
    step = tg.compile(lambda: Value.sum(model(x) for x in X), jit=use_jit)
    step()
    for p in model.parameters():  # an optimizer's update changes .data only: still the same graph
        p.data -= 0.1 * p.grad
    step()
    new = Value(0.3)
    model.layers[0].neurons[0].w[0] = new
    with pytest.raises(jit.TraceError, match=r"layers\[0\]\.neurons\[0\]\.w\[0\].*compile again"):
        step()
    step = tg.compile(lambda: Value.sum(model(x) for x in X), jit=use_jit)
    step()
    assert new.grad == sum(x[0] for x in X)


@pytest.mark.parametrize("use_jit", BACKENDS)
def test_a_rebound_variable_and_a_replaced_list_are_refused(use_jit) -> None:
    w = Value(2.0)
    step = tg.compile(lambda: w * 3.0, jit=use_jit)
    assert step() == 6.0
    w = Value(5.0)  # the function now multiplies another Value
    with pytest.raises(jit.TraceError, match=r"`w`.*compile again"):
        step()
    ws = [Value(1.0), Value(2.0)]
    holder = {"ws": ws}
    step = tg.compile(lambda: holder["ws"][0] * holder["ws"][1], jit=use_jit)
    holder["ws"] = list(ws)  # a new list holding the same Values: nothing is stale
    assert step() == 2.0
    holder["ws"] = [Value(1.0), ws[1]]
    with pytest.raises(jit.TraceError, match=r"holder\['ws'\]\[0\]"):
        step()


@pytest.mark.parametrize("use_jit", BACKENDS)
def test_feed_checks_shapes_not_only_the_count(use_jit) -> None:
    """Four placeholders of two features: a (2, 4) array has the right count and the wrong shape."""
    xb = [[Value(0.0), Value(0.0)] for _ in range(4)]
    step = tg.compile(lambda: Value.sum(x[0] * 2.0 + x[1] * 3.0 for x in xb), jit=use_jit)
    batch = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match=r"shape \(4, 2\) but values of shape \(2, 4\)"):
        step.feed(xb, batch.reshape(2, 4))
    with pytest.raises(ValueError, match=r"shape \(4, 2\) but values of shape \(8,\)"):
        step.feed(xb, batch.ravel())
    with pytest.raises(ValueError, match="ragged"):
        step.feed([xb[0], xb[1][:1]], [[1.0, 2.0], [3.0]])
    step.feed(xb, batch)
    assert step() == sum(2.0 * a + 3.0 * b for a, b in batch.tolist())


def test_a_chain_of_200000_rows_replays() -> None:
    """Depth 200,000: the twin's former plan took time proportional to depth × rows (100,000 rows:
    29 s; 500,000: never ended); the replay is linear in the rows, so this finishes in seconds.
    One chain for both replays (building and tracing it is most of the time). Value and derivative
    of x·1.00001ⁿ by the math; 1e-9 relative covers n roundings of 2⁻⁵³."""
    n = 200_000
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.00001
    tape = jit.trace(y)
    for use_jit in (True, False):
        step = jit.CompiledStep(tape, None, y, use_jit, 0.0)
        x.data = 2.0
        assert step() == pytest.approx(2.0 * 1.00001**n, rel=1e-9)
        assert x.grad == pytest.approx(1.00001**n, rel=1e-9)
