"""keras.io's "Simple MNIST convnet" in tinygrad_edu's Keras door and in Keras 3 (torch backend), same run.

Conv2D(32, 3, relu) · MaxPooling2D(2) · Conv2D(64, 3, relu) · MaxPooling2D(2) · Flatten · Dropout(0.5) ·
Dense(10, softmax): 34,826 parameters, Adam (Keras' defaults), batch 128, categorical cross-entropy, on
the bundled 10,000 digits (8,000 train / 2,000 test), as keras.io trains it (there: 15 epochs on the full
MNIST). Both models start from the same weights (Keras' are copied into ours). Prints the seconds of
each epoch (one epoch of each in turn), the median, the ratio ours/Keras and the test accuracy of each
after the same epochs.

    python bench/keras_cnn.py [--epochs 3] [--limit N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np

from tinygrad_edu import keras as K
from tinygrad_edu.datasets import load_bundled_mnist
from tinygrad_edu.experiments import keras_io_convnet
from tinygrad_edu.kernels import threads
from tinygrad_edu.random import manual_seed


def train(models: dict[str, tuple], x, y_onehot, x_test, y_test, epochs: int) -> dict[str, tuple[list[float], float]]:
    """Train each (model, its keras module) for ``epochs``, one epoch of each in turn, so that a change in
    the machine's load falls on both alike; the seconds of each epoch and the test accuracy at the end."""
    for model, mod in models.values():
        model.compile(loss="categorical_crossentropy", optimizer=mod.optimizers.Adam(), metrics=["accuracy"])
    times: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(epochs):
        for name, (model, _) in models.items():
            t0 = time.perf_counter()
            model.fit(x, y_onehot, batch_size=128, epochs=1, verbose=0)
            times[name].append(time.perf_counter() - t0)
    accuracy = {
        name: float(np.mean(np.asarray(m.predict(x_test, verbose=0)).argmax(1) == y_test))
        for name, (m, _) in models.items()
    }
    return {name: (times[name], accuracy[name]) for name in models}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=None, help="train on the first N digits only (a quick check)")
    args = ap.parse_args()
    images, labels = load_bundled_mnist()
    (x, y), (x_test, y_test) = (images[:8000], labels[:8000]), (images[8000:], labels[8000:])
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    x = (x[..., None] / np.float32(255)).astype(np.float32)
    x_test = (x_test[..., None] / np.float32(255)).astype(np.float32)
    y_onehot = K.utils.to_categorical(y, 10)

    import keras
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    keras.utils.set_random_seed(0)
    manual_seed(0)
    theirs, ours = keras_io_convnet(keras), keras_io_convnet(K)
    assert ours.count_params() == theirs.count_params() == 34_826
    ours.set_weights(theirs.get_weights())  # the same start
    results = train(
        {"tinygrad_edu": (ours, K), "Keras 3 (torch)": (theirs, keras)}, x, y_onehot, x_test, y_test, args.epochs
    )
    print(f"keras.io MNIST convnet, {len(x)} digits, batch 128, Adam, {args.epochs} epochs (interleaved)")
    print(threads.openblas_description())
    for name, (times, acc) in results.items():
        per_epoch = " ".join(f"{t:.2f}" for t in times)
        print(f"{name:<16} s/epoch {per_epoch}  median {statistics.median(times):.2f}  test accuracy {acc:.3f}")
    ratio = statistics.median(results["tinygrad_edu"][0]) / statistics.median(results["Keras 3 (torch)"][0])
    print(f"ratio (ours / Keras, median epoch): {ratio:.2f}x")


if __name__ == "__main__":
    main()
