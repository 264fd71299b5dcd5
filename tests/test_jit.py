"""tinygrad_edu.compile: a traced tape replayed by the numba kernel and by its numpy twin.

References come from outside the tape: eager mode (engine.py, `Value.backward`), float64 central
differences of eager forward values, `math.fsum` / Python's `sum` on known inputs, and by-hand math.
Every test runs on each replay (the numba kernel; the numpy twin, level by level; the generated
replay run by Python, row by row).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Value, jit, kernels, nn
from tinygrad_edu.compiled import twin
from tinygrad_edu.datasets import make_moons
from tinygrad_edu.engine import _new


@pytest.fixture(params=["numba", "numpy", "rows"])
def use_jit(request, monkeypatch) -> bool:
    """Each replay: the numba kernel, the numpy twin level by level (made to take every tape, however
    narrow), and the generated replay run by Python row by row (made to take every tape)."""
    if request.param == "numpy":
        monkeypatch.setattr(twin, "MIN_ROWS_PER_LEVEL", 0)
    elif request.param == "rows":
        monkeypatch.setattr(twin, "MIN_ROWS_PER_LEVEL", math.inf)
    return request.param == "numba"


REL = 1e-12

# name, function of a list of Values, trace-time inputs, replay-time inputs (other branch where there is one)
OPS = [
    ("add", lambda v: v[0] + v[1], [1.5, -2.25], [0.3, 0.7]),
    ("radd", lambda v: 3.0 + v[0], [1.5], [-4.0]),
    ("mul", lambda v: v[0] * v[1], [1.5, -2.25], [-0.3, 0.7]),
    ("square by mul", lambda v: v[0] * v[0], [1.5], [-0.7]),
    ("sub", lambda v: v[0] - v[1], [1.5, -2.25], [0.3, 0.7]),
    ("rsub", lambda v: 1 - v[0], [1.5], [0.25]),
    ("div", lambda v: v[0] / v[1], [1.5, -2.25], [0.3, 0.7]),
    ("rtruediv", lambda v: 2.0 / v[0], [1.5], [-0.6]),
    ("neg", lambda v: -v[0], [1.5], [-3.0]),
    ("pow 2", lambda v: v[0] ** 2, [1.5], [-0.7]),
    ("pow 3", lambda v: v[0] ** 3, [1.5], [-0.7]),
    ("pow 0.5", lambda v: v[0] ** 0.5, [1.5], [0.3]),
    ("pow -1", lambda v: v[0] ** -1, [1.5], [-0.3]),
    ("pow -2.5", lambda v: v[0] ** -2.5, [1.5], [0.3]),
    ("pow 0", lambda v: v[0] ** 0 + v[0], [1.5], [0.3]),
    ("pow 1", lambda v: v[0] ** 1, [1.5], [0.3]),
    ("pow Value", lambda v: v[0] ** v[1], [1.5, 2.5], [0.4, -1.3]),
    ("rpow", lambda v: 2.0 ** v[0], [1.5], [-0.4]),
    ("exp", lambda v: v[0].exp(), [1.5], [-2.0]),
    ("log", lambda v: v[0].log(), [1.5], [0.2]),
    ("log10", lambda v: v[0].log10(), [1.5], [0.2]),
    ("sqrt", lambda v: v[0].sqrt(), [1.5], [0.2]),
    ("tanh", lambda v: v[0].tanh(), [0.5], [-1.3]),
    ("sigmoid", lambda v: v[0].sigmoid(), [0.5], [-1.3]),
    ("relu", lambda v: v[0].relu() * v[1], [0.5, 2.0], [-1.3, 2.0]),
    ("leaky_relu", lambda v: v[0].leaky_relu() * v[1], [0.5, 2.0], [-1.3, 2.0]),
    ("leaky_relu 0.2", lambda v: v[0].leaky_relu(0.2) * v[1], [-0.5, 2.0], [1.3, 2.0]),
    ("abs", lambda v: abs(v[0]) * v[1], [0.5, 2.0], [-1.3, 2.0]),
    ("sum", lambda v: Value.sum([v[0], v[1] * v[0], v[2], 1.0]), [0.5, 2.0, -3.0], [1.1, -0.2, 0.3]),
    ("dot", lambda v: Value.dot(v[:3], v[3:6], v[6]), [0.5, -2.0, 1.5, 0.1, 0.2, -0.3, 0.4], [1.0, 2, 3, 4, 5, 6, 7]),
    ("dot no bias", lambda v: Value.dot(v[:2], v[2:4]), [0.5, -2.0, 1.5, 0.1], [1.0, 2, 3, 4]),
    ("chain", lambda v: ((v[0] * v[1]).tanh() + v[0].exp() / v[1]).sigmoid(), [0.3, 0.8], [-0.6, 1.9]),
]


def eager(fn, xs: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    out = fn(leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


def central_difference(fn, xs: list[float], h: float = 1e-6) -> list[float]:
    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        grads.append((fn([Value(x) for x in up]).data - fn([Value(x) for x in down]).data) / (2 * h))
    return grads


def assert_close(got, want, rel: float = REL) -> None:
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=rel, atol=0.0)


@pytest.mark.parametrize("name, fn, x0, x1", OPS, ids=[op[0] for op in OPS])
def test_every_op_matches_eager_and_central_differences(name, fn, x0, x1, use_jit) -> None:
    leaves = [Value(x) for x in x0]
    step = tg.compile(lambda: fn(leaves), jit=use_jit)
    for xs in (x0, x1):  # x1 is replayed with the tape traced at x0: the local derivatives are recomputed
        for leaf, x in zip(leaves, xs):
            leaf.data = x
        value = step()
        want_value, want_grads = eager(fn, xs)
        assert_close(value, want_value)
        assert_close([v.grad for v in leaves], want_grads)
        assert_close([v.grad for v in leaves], central_difference(fn, xs), rel=1e-6)


def test_fsum_and_dot_keep_their_summation_order(use_jit) -> None:
    """Value.sum is math.fsum (correctly rounded: 1e16 + 1 − 1e16 = 1, and sum([1e-16, 1, 1e16]) rounds
    up to 1e16 + 2, fsum's own example); Value.dot adds left to right (here 1e16 + 1 + 1 − 1e16 = 0)."""
    xs = [Value(x) for x in (1e16, 1.0, -1e16)]
    s = tg.compile(lambda: Value.sum(xs), jit=use_jit)
    assert s() == 1.0
    for x, new in zip(xs, (1e-16, 1.0, 1e16)):
        x.data = new
    assert s() == 1e16 + 2.0
    w = [Value(x) for x in (1e16, 1.0, 1.0, -1e16)]
    ones = [Value(1.0) for _ in w]
    d = tg.compile(lambda: Value.dot(w, ones), jit=use_jit)
    assert d() == 0.0  # the order Python's sum() takes (3.11: no compensation)
    assert [x.grad for x in ones] == [1e16, 1.0, 1.0, -1e16]


def test_grads_are_set_not_accumulated_and_match_repeated_eager(use_jit) -> None:
    a, b = Value(2.0), Value(-3.0)
    step = tg.compile(lambda: a * b + b**2, jit=use_jit)
    for _ in range(3):
        assert step() == -6.0 + 9.0
        assert (a.grad, b.grad) == (-3.0, 2.0 + 2 * -3.0)  # ∂/∂a = b, ∂/∂b = a + 2b


# ------------------------------------------------------------------ micrograd's demo, several steps
def demo_loss(model: nn.MLP, X: list, y: list) -> Value:
    """micrograd demo.ipynb's loss: mean max-margin hinge + 1e-4·Σ p²."""
    scores = [model(x) for x in X]
    losses = [(1 - yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = Value.sum(losses) * (1.0 / len(losses))
    return data_loss + 1e-4 * Value.sum(p * p for p in model.parameters())


def demo_model() -> nn.MLP:
    tg.manual_seed(1337)
    return nn.MLP(2, [16, 16, 1], activation="relu")


def sgd(model: nn.MLP, k: int, steps: int) -> None:
    lr = 1.0 - 0.9 * k / steps
    for p in model.parameters():
        p.data -= lr * p.grad


@pytest.fixture(scope="module")
def moons() -> tuple[list, list]:
    X, y = make_moons(40, noise=0.1, seed=1)
    return X.tolist(), (2 * y - 1).tolist()


@pytest.fixture(scope="module")
def eager_run(moons) -> list[tuple[float, list[float]]]:
    X, y = moons
    model, out = demo_model(), []
    for k in range(4):
        loss = demo_loss(model, X, y)
        model.zero_grad()
        loss.backward()
        out.append((loss.data, [p.grad for p in model.parameters()]))
        sgd(model, k, 4)
    return out


def test_micrograd_demo_sgd_steps_equal_eager(moons, eager_run, use_jit) -> None:
    X, y = moons
    model = demo_model()
    step = tg.compile(lambda: demo_loss(model, X, y), jit=use_jit)
    assert len(step.inputs) == model.num_params()  # X, y and the numbers are constants of the tape
    for k, (want_loss, want_grads) in enumerate(eager_run):
        assert_close(step(), want_loss)
        assert_close([p.grad for p in model.parameters()], want_grads)
        sgd(model, k, 4)


def test_feed_mini_batches_without_retracing(moons, use_jit) -> None:
    X, y = moons
    model = demo_model()
    xb = [[Value(0.0), Value(0.0)] for _ in range(8)]  # placeholders for a batch of 8
    yb = [Value(0.0) for _ in range(8)]
    step = tg.compile(lambda: demo_loss(model, xb, yb), jit=use_jit)
    assert len(step.inputs) == model.num_params() + 8 * 3
    for start in (0, 8, 16):
        step.feed(xb, X[start : start + 8])
        step.feed(yb, y[start : start + 8])
        got = step()
        grads = [p.grad for p in model.parameters()]
        ref = demo_loss(model, X[start : start + 8], y[start : start + 8])  # eager, same batch
        model.zero_grad()
        ref.backward()
        assert_close(got, ref.data)
        assert_close(grads, [p.grad for p in model.parameters()])
    with pytest.raises(ValueError, match=r"16 leaves of shape \(8, 2\) but values of shape \(15,\)"):
        step.feed(xb, np.zeros(15))
    with pytest.raises(ValueError, match="not an input of this tape"):
        step.feed([Value(1.0)], [2.0])


# ------------------------------------------------------------------------------ trace and listing
def test_listing_of_a_neuron() -> None:
    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    b = Value(0.1, label="b")
    x = [Value(2.0, label="x1"), Value(3.0, label="x2")]
    tape = jit.trace(Value.dot(w, x, b).tanh() * 2, inputs=[*w, b, *x])
    assert str(tape) == "\n".join(
        [
            "t0 = input               # w1 = 0.5",
            "t1 = input               # w2 = -1",
            "t2 = input               # x1 = 2",
            "t3 = input               # x2 = 3",
            "t4 = input               # b = 0.1",
            "t5 = dot([t0, t1], [t2, t3], t4)",
            "t6 = tanh(t5)",
            "t7 = const 2",
            "t8 = mul(t6, t7)",
            "return t8",
        ]
    )
    assert repr(tape) == "Tape(3 instructions, 8 operands, 6 leaves: 5 inputs, 1 constants)"
    assert list(tape.op) == [jit.DOT, jit.TANH, jit.MUL] and list(tape.out) == [5, 6, 8]
    assert list(tape.args) == [0, 1, 2, 3, 4, 5, 6, 7]
    assert list(tape.ptr) == [0, 5, 6, 8]


def test_listing_shows_constants_of_pow_and_leaky_relu() -> None:
    x = Value(-2.0)
    tape = jit.trace((x**3).leaky_relu(0.2))
    assert str(tape).splitlines()[1:3] == ["t1 = pow(t0, 3)", "t2 = leaky_relu(t1, alpha=0.2)"]


def test_listing_shortens_long_rows() -> None:
    xs = [Value(float(i)) for i in range(10)]
    assert str(jit.trace(Value.sum(xs))).splitlines()[-2] == "t10 = sum(t0, t1, t2, …, t8, t9)  # 10 terms"


def test_unknown_op_fails_at_trace_time_naming_it() -> None:
    a = Value(2.0)
    odd = _new(8.0, (a,), (12.0,), "cube")
    with pytest.raises(jit.TraceError, match="op 'cube'"):
        tg.compile(odd * 2)
    with pytest.raises(jit.TraceError, match="op 'cube'"):
        tg.compile(lambda: _new(8.0, (a,), (12.0,), "cube"))


def test_tape_traced_from_a_root_keeps_an_exponent_exactly(use_jit) -> None:
    """The node's label holds k to the last bit, so the replay at a new x computes x**k with the very
    k: compared bit for bit with C's pow (Python's ** on floats) and k·x^(k−1)."""
    k = 1.23456789
    x = Value(2.0)
    step = tg.compile(x**k, jit=use_jit)
    assert "pow(t0, 1.23456789)" in str(step.tape)
    x.data = 3.7
    assert step() == 3.7**k and x.grad == k * 3.7 ** (k - 1.0)


def test_compile_records_exponent_and_slope_that_the_graph_cannot_show(use_jit) -> None:
    """Traced at x = 2 > 0, leaky_relu's slope leaves no trace in the graph; compile notes it while
    fn runs, so the replay at x = −3 uses 0.2: (5 − 0.2x)^k and its derivative −0.2k(5 − 0.2x)^(k−1) by hand."""
    x = Value(2.0)
    k = 0.123456789  # more digits than the op name "**0.123457" keeps
    step = tg.compile(lambda: (5 - x.leaky_relu(0.2)) ** k, jit=use_jit)
    x.data = -3.0
    assert_close([step(), x.grad], [5.6**k, -0.2 * k * 5.6 ** (k - 1)], rel=1e-14)


def test_bad_function_and_inputs_are_refused() -> None:
    with pytest.raises(TypeError, match="must return a Value"):
        tg.compile(lambda: 3.0)
    with tg.no_grad():
        a = Value(1.0)
        with pytest.raises(jit.TraceError, match="no_grad"):
            tg.compile(lambda: a * 2)
    b = Value(1.0)
    c = b * 2
    with pytest.raises(jit.TraceError, match="intermediate result"):
        jit.trace(c + 1, inputs=[c])
    with pytest.raises(jit.TraceError, match="not in the graph"):
        jit.trace(c + 1, inputs=[Value(0.0)])
    with pytest.raises(TypeError, match="expected a function"):
        tg.compile(42)


def test_compile_from_an_existing_root_writes_root_and_every_leaf() -> None:
    a, b = Value(2.0), Value(3.0)
    root = (a * b).log()
    step = tg.compile(root, jit=False)
    a.data = 4.0
    assert step() == math.log(12.0) == root.data and root.grad == 1.0
    assert_close([a.grad, b.grad], [1 / 4.0, 1 / 3.0])  # ∂ log(ab)/∂a = 1/a
    with pytest.raises(jit.TraceError, match="check=True needs compile"):
        step(check=True)


# ------------------------------------------------------------------- what tracing assumes, checked
def test_python_branch_on_data_is_frozen_and_check_catches_it() -> None:
    x = Value(1.0)

    def f() -> Value:
        return x * 2 if x.data > 0 else x * x  # Python control flow on the data

    step = tg.compile(f)
    x.data = -3.0
    assert step() == -6.0  # the branch taken at trace time, not f's answer (9.0)
    with pytest.raises(jit.TraceError, match="structure changed"):
        step(check=True)


def test_relu_branch_is_part_of_the_op_not_of_the_structure() -> None:
    x = Value(1.0)
    step = tg.compile(lambda: (x * 3).relu())
    x.data = -1.0
    assert step(check=True) == 0.0 and x.grad == 0.0
    x.data = 2.0
    assert step(check=True) == 6.0 and x.grad == 3.0


def test_constant_that_changes_between_calls_is_refused() -> None:
    x = Value(1.0)
    draws = iter([0.25, 0.5, 0.75])
    with pytest.raises(jit.TraceError, match=r"constant t1 was 0\.25, now 0\.5"):
        tg.compile(lambda: x * next(draws))


# ---------------------------------------------------------------------------- errors at replay
@pytest.mark.parametrize(
    "fn, bad, error, message",
    [
        (lambda v: v.log(), 0.0, ValueError, "log: input must be positive"),
        (lambda v: v.sqrt(), -1.0, ValueError, "sqrt: input must be non-negative"),
        (lambda v: 1.0 / v, 0.0, ZeroDivisionError, "division of 1.0 by zero"),
        (lambda v: v**0.5, -4.0, ValueError, "non-integer power"),
        (lambda v: v**-1, 0.0, ValueError, "zero to the negative power"),
        (lambda v: v ** Value(1.5), -1.0, ValueError, "needs a positive base"),
    ],
    ids=["log", "sqrt", "div", "pow-domain", "pow-zero", "pow-value"],
)
def test_replay_raises_eager_errors_naming_the_row(fn, bad, error, message, use_jit) -> None:
    x = Value(2.0)
    step = tg.compile(lambda: fn(x), jit=use_jit)
    x.data = bad
    with pytest.raises(error, match=message) as info:
        step()
    assert "in the compiled tape" in str(info.value)


def test_overflow_and_nan_edges_follow_eager(use_jit) -> None:
    """Where engine.py returns ±inf or NaN instead of raising (pow overflow, an fsum with no finite
    exact sum, relu of NaN), the replay returns the same: compared with eager at each point."""
    cases = [
        (lambda v: v[0] ** 3.0, [1e200]),
        (lambda v: Value.sum([v[0], v[0], -v[0]]), [1e308]),
        (lambda v: Value.sum([v[0].exp(), -(v[0].exp())]), [1000.0]),
        (lambda v: v[0].relu() * 2, [math.nan]),
        (lambda v: v[0].sqrt(), [0.0]),
        (lambda v: v[0] / 3.0, [1e-310]),
    ]
    for fn, xs in cases:
        leaves = [Value(1.0) for _ in xs]
        step = tg.compile(lambda fn=fn, leaves=leaves: fn(leaves), jit=use_jit)
        for leaf, x in zip(leaves, xs):
            leaf.data = x
        want_value, want_grads = eager(fn, xs)
        got = [step(), *(leaf.grad for leaf in leaves)]
        np.testing.assert_array_equal(got, [want_value, *want_grads])


def test_random_points_match_eager_bit_for_bit(use_jit) -> None:
    """Every op of the table at 20 random points (signs and magnitudes mixed), against eager."""
    rng = np.random.default_rng(7)
    for name, fn, x0, _ in OPS:
        leaves = [Value(x) for x in x0]
        step = tg.compile(lambda fn=fn, leaves=leaves: fn(leaves), jit=use_jit)
        for _ in range(20):
            xs = [float(x) * float(rng.uniform(0.5, 2.0)) for x in x0]
            for leaf, x in zip(leaves, xs):
                leaf.data = x
            want_value, want_grads = eager(fn, xs)
            np.testing.assert_array_equal([step(), *(leaf.grad for leaf in leaves)], [want_value, *want_grads], name)


def test_twin_is_chosen_by_tinygrad_edu_jit(monkeypatch) -> None:
    x = Value(1.0)
    monkeypatch.setattr(kernels, "JIT_ENABLED", False)
    assert tg.compile(lambda: x * 2).jit is False
    monkeypatch.setattr(kernels, "JIT_ENABLED", True)
    assert tg.compile(lambda: x * 2).jit is True
    assert tg.compile(lambda: x * 2, jit=False).jit is False


def test_replay_under_no_grad_still_gives_gradients(use_jit) -> None:
    x = Value(0.5)
    step = tg.compile(lambda: x.exp() * x, jit=use_jit)
    with tg.no_grad():
        value = step()
    assert_close([value, x.grad], [0.5 * math.exp(0.5), 1.5 * math.exp(0.5)])  # d/dx x eˣ = (1 + x) eˣ


def test_exponent_at_base_zero_is_noted_while_fn_runs() -> None:
    """x = 0 at trace time: 0 ** k = 0 for every k > 1, so only the argument tells k = 2.0000001."""
    x = Value(0.0)
    step = tg.compile(lambda: x.relu() ** 2.0000001)
    x.data = 3.0
    assert_close([step(), x.grad], [3.0**2.0000001, 2.0000001 * 3.0**1.0000001], rel=1e-15)
