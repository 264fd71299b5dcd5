"""``keras.datasets.reuters``: 11,228 Reuters newswires (1986) labelled with one of 46 topics, each
a list of word indices, as Keras 3 returns them (the recipe: `sequences`).

The file is Keras' ``reuters.npz``, read from Keras' cache folder (``~/.keras/datasets``, or
``$KERAS_HOME/datasets``); ``tinygrad-edu data download reuters`` puts it there.
"""

from __future__ import annotations

import numpy as np

from . import sequences

Split = tuple[np.ndarray, np.ndarray]

#: The 46 topics in label order, as keras.datasets.reuters.get_label_names lists them.
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
    "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
    "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
    "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
) -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)``: newswires as a 1-D object array of lists of word
    indices, topics as integers 0..45; the last ``test_split`` of the shuffled wires are the test
    split (``int(n * (1 - test_split))`` go to training). The other arguments are `imdb.load_data`'s.

    Raises:
        FileNotFoundError: ``reuters.npz`` is not in Keras' cache folder (the message says how to get it).
        ValueError: the file is damaged or not Keras' Reuters file.
    """
    arrays = sequences.read_arrays(path, "reuters", ("x", "y"))
    x, y = sequences.shuffled(np.random.RandomState(seed), arrays["x"], arrays["y"])
    texts, labels = sequences.shorter_than(maxlen, sequences.numbered(x, start_char, index_from), y)
    texts = sequences.vocabulary_cut(texts, num_words, skip_top, oov_char)
    n = int(len(texts) * (1 - test_split))
    labels = np.asarray(labels)
    return (sequences.ragged(texts[:n]), labels[:n]), (sequences.ragged(texts[n:]), labels[n:])


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The word → frequency rank table of the newswires (see `imdb.get_word_index`).

    Raises:
        FileNotFoundError: the file is not in Keras' cache folder (``tinygrad-edu data download reuters``).
    """
    return sequences.read_word_index(path, "reuters")


def get_label_names() -> tuple[str, ...]:
    """The topic of each label, in label order: ``get_label_names()[3]`` is "earn"."""
    return LABEL_NAMES
