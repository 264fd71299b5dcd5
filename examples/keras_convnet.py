"""The textbook's convnet in Keras, run on tinygrad_edu by changing only the imports.

F. Chollet, *Deep Learning with Python* (Manning, 2017), §5.1 "Introduction to convnets", listings
5.1-5.3: three 3x3 convolutions (32, 64, 64 filters, ReLU) with 2x2 max-pooling after the first two,
then Dense(64, relu) and Dense(10, softmax); 93,322 parameters; RMSprop, categorical cross-entropy
on one-hot labels, batches of 64, 5 epochs. The model is `tinygrad_edu.experiments.textbook_convnet`,
written with the book's own ``model.add`` lines. Runs offline on the 10,000 bundled digits (8,000
train / 2,000 test) unless the full MNIST is in the data cache; the book reports about 0.99 test
accuracy after 5 epochs on all 60,000.

    python examples/keras_convnet.py [--epochs 5] [--quick] [--keras-input]

``--quick`` (the default when CI=true) trains 3 epochs on the first 3,000 training digits.
"""

from __future__ import annotations

import argparse
import os

# In the book these read `from keras import models, layers` and so on; nothing else changes.
from tinygrad_edu import keras
from tinygrad_edu.experiments import textbook_convnet
from tinygrad_edu.keras.datasets import mnist
from tinygrad_edu.keras.utils import to_categorical
from tinygrad_edu.random import manual_seed


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("CI") == "true",
        help="3 epochs on 3,000 training digits (the default when CI=true)",
    )
    parser.add_argument(
        "--keras-input",
        action="store_true",
        help="start the model with keras.Input(shape=(28, 28, 1)), Keras 3's form, instead of input_shape=",
    )
    args = parser.parse_args(argv)
    epochs, n_train = (3, 3000) if args.quick else (args.epochs, None)
    manual_seed(0)

    # listings 5.1 and 5.2: the convolutional base, then the classifier on top
    model = textbook_convnet(keras, input_form="Input" if args.keras_input else "input_shape")
    model.summary()

    # listing 5.3: images as (28, 28, 1) floats in [0, 1], labels one-hot; then compile and fit
    (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    train_images = train_images[:n_train].reshape((-1, 28, 28, 1)).astype("float32") / 255
    test_images = test_images.reshape((-1, 28, 28, 1)).astype("float32") / 255
    train_labels = to_categorical(train_labels[:n_train])
    test_labels = to_categorical(test_labels)

    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train_images, train_labels, epochs=epochs, batch_size=64, verbose=2)
    print("history:", {k: [round(v, 4) for v in vs] for k, vs in history.history.items()})

    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    print(f"trained on {len(train_images):,} digits; test loss {test_loss:.4f}, test accuracy {test_acc:.4f}")
    return test_acc


if __name__ == "__main__":
    main()
