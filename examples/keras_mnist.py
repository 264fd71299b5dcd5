"""The textbook's Keras MNIST notebook, run on tinygrad_edu by changing only the imports.

784-512(relu)-BN-Dropout(0.5)-128(relu)-BN-Dropout(0.5)-64(relu)-BN-10(softmax), SGD, batch 128,
categorical cross-entropy, 10% of the training set held out for validation. Runs offline on the
10,000 bundled digits (8,000 train / 2,000 test) unless the full MNIST is in the data cache.

    python examples/keras_mnist.py [--epochs 20] [--quick] [--out DIR]

Writes the learning curves and the test confusion matrix to DIR (with matplotlib).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

# In a Keras notebook these read `from keras...`; nothing else changes.
from tinygrad_edu.keras.datasets import mnist
from tinygrad_edu.keras.layers import BatchNormalization, Dense, Dropout
from tinygrad_edu.keras.models import Sequential
from tinygrad_edu.keras.utils import to_categorical
from tinygrad_edu.random import manual_seed


def build_model() -> Sequential:
    model = Sequential()
    model.add(Dense(512, activation="relu", input_shape=(784,)))
    model.add(BatchNormalization())
    model.add(Dropout(0.5))
    model.add(Dense(128, activation="relu"))
    model.add(BatchNormalization())
    model.add(Dropout(0.5))
    model.add(Dense(64, activation="relu"))
    model.add(BatchNormalization())
    model.add(Dense(10, activation="softmax"))
    return model


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("CI") == "true",
        help="10 epochs (the default when CI=true)",
    )
    parser.add_argument("--out", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    epochs = 10 if args.quick else args.epochs
    manual_seed(0)

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
    y_train, y_test = to_categorical(y_train, 10), to_categorical(y_test, 10)

    model = build_model()
    model.summary()
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=2, validation_split=0.1)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f}")
    print("history keys:", sorted(history.history))
    predicted = model.predict(x_test, verbose=0).argmax(axis=1)
    true = np.argmax(y_test, axis=1)
    print("first ten test digits, predicted:", predicted[:10].tolist(), "true:", true[:10].tolist())
    try:
        from tinygrad_edu import plots

        args.out.mkdir(parents=True, exist_ok=True)
        plots.plot_history(history, path=args.out / "keras_mnist_history.png")
        plots.plot_confusion_matrix(true, predicted, path=args.out / "keras_mnist_confusion.png")
        print(
            "learning curves and confusion matrix:",
            args.out / "keras_mnist_history.png",
            args.out / "keras_mnist_confusion.png",
        )
    except ImportError:
        print("(install matplotlib for the learning curves and the confusion matrix)")
    return accuracy


if __name__ == "__main__":
    main()
