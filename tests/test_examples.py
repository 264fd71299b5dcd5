"""Every example runs (quick mode) and its figures are the ones the textbooks lead us to expect."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example(name: str) -> dict:
    return runpy.run_path(str(EXAMPLES / f"{name}.py"))


def test_single_neuron_matches_the_textbooks_numpy_loop() -> None:
    """The reference is the textbook's own loop, w += Xᵀ((y − o)·o·(1 − o)), in plain NumPy."""
    start, trained, new = example("single_neuron")["main"]()
    np.random.seed(2)
    w = 2 * np.random.random((3, 1)) - 1
    np.testing.assert_array_equal(start, w)
    X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
    y = np.array([[0, 1, 1, 0]]).T
    for _ in range(10_000):
        o = 1 / (1 + np.exp(-(X @ w)))
        w += X.T @ ((y - o) * o * (1 - o))
    np.testing.assert_allclose(trained, w, atol=1e-6)
    assert new == pytest.approx(1 / (1 + np.exp(-w[0, 0])), abs=1e-6)


def test_perceptron_gates(tmp_path) -> None:
    out = example("perceptron_gates")["main"](["--out", str(tmp_path)])
    assert out["mp"] == {"OR": [0, 1, 1, 1], "AND": [0, 0, 0, 1], "x AND NOT y": [0, 0, 1, 0]}
    assert out["perceptron"]["and"].converged and out["perceptron"]["or"].converged
    assert not out["perceptron"]["xor"].converged
    assert np.sign(out["mlp"]).tolist() == [-1, 1, 1, -1]  # the MLP solves XOR


def test_mnist_from_scratch_reaches_85_percent(capsys) -> None:
    accuracy = example("mnist_from_scratch")["main"]([])
    text = capsys.readouterr().out
    assert accuracy >= 0.85
    assert text.count("training accuracy") == 10  # every 50 of 500 iterations
    worst = float(text.split("largest difference: ")[1].split()[0])
    assert worst < 1e-12  # the hand-derived gradients are autograd's, to float64 rounding


def test_optimizers(tmp_path) -> None:
    curves = example("optimizers")["main"](["--quick", "--out", str(tmp_path)])
    assert len(curves) == 8
    first = {c[0] for c in curves.values()}
    assert len(first) == 1  # the same start for every optimizer
    assert all(c[-1] < 0.5 * c[0] for c in curves.values())
    assert curves["momentum"][-1] < curves["SGD"][-1]  # momentum speeds up plain SGD here


def test_initialisation() -> None:
    r = example("initialisation")["main"](["--quick"])
    assert r["zeros: hidden units identical"] and r["zeros accuracy"] <= 0.6
    assert r["large: saturated fraction"] > 0.3
    assert r["xavier accuracy"] > 0.95 and r["he accuracy"] > 0.95
    sig, relu = r["gradient norms sigmoid, Xavier"], r["gradient norms ReLU, He"]
    assert sig[-1] / sig[0] > 1e4  # vanishing: the input layer's gradient is 10,000x smaller
    assert max(relu) / min(relu) < 100


def test_dropout_rates() -> None:
    results = example("dropout_rates")["main"](["--quick"])
    assert set(results) == {1.0, 0.8, 0.5, 0.3}
    assert all(te < 0.25 for _, te in results.values())  # every setting learns (chance: 0.9 error)
    assert results[0.3][0] > results[1.0][0]  # heavy dropout raises the training error


def test_regularisation(tmp_path) -> None:
    w = example("regularisation")["main"](["--quick", "--out", str(tmp_path)])
    sparsity = {k: float(np.mean(np.abs(v) < 1e-3)) for k, v in w.items()}
    assert sparsity["L1"] > 0.4 and sparsity["L1"] > 10 * sparsity["L2"]
    assert np.mean(np.abs(w["L2"])) < np.mean(np.abs(w["none"]))


def test_cnn_mnist() -> None:
    assert example("cnn_mnist")["main"](["--quick"]) > 0.8


def test_keras_convnet_reaches_90_percent(capsys) -> None:
    """The textbook's Keras convnet (Chollet, §5.1), quick mode: 3 epochs on 3,000 bundled digits."""
    assert example("keras_convnet")["main"](["--quick"]) > 0.9
    assert "Total params: 93,322" in capsys.readouterr().out
