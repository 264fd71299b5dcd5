"""``keras.datasets.imdb``: 50,000 movie reviews labelled positive (1) or negative (0), each a list
of word indices, split 25,000/25,000, as Keras 3 returns them (the recipe: `sequences`).

The file is Keras' ``imdb.npz``, read from Keras' cache folder (``~/.keras/datasets``, or
``$KERAS_HOME/datasets``); ``tinygrad-edu data download imdb`` puts it there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import sequences

Split = tuple[np.ndarray, np.ndarray]


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs: Any,
) -> tuple[Split, Split]:
    """``(x_train, y_train), (x_test, y_test)``: texts as a 1-D object array of lists of word
    indices (``start_char``, then each word's frequency rank + ``index_from``), labels 0/1.

    ``num_words`` keeps the most frequent words (indices below it), ``skip_top`` drops the most
    frequent ones, both replaced by ``oov_char``; ``maxlen`` drops reviews of that many words or
    more. Each split is shuffled with ``np.random.RandomState(seed)``, train first, as Keras does.
    Extra keyword arguments are ignored, as Keras ignores them.

    Raises:
        FileNotFoundError: ``imdb.npz`` is not in Keras' cache folder (the message says how to get it).
        ValueError: the file is damaged or not Keras' IMDB file; no review is shorter than ``maxlen``.
    """
    arrays = sequences.read_arrays(path, "imdb", ("x_train", "y_train", "x_test", "y_test"))
    rng = np.random.RandomState(seed)
    x_train, y_train = sequences.shuffled(rng, arrays["x_train"], arrays["y_train"])
    x_test, y_test = sequences.shuffled(rng, arrays["x_test"], arrays["y_test"])
    train = sequences.shorter_than(maxlen, sequences.numbered(x_train, start_char, index_from), y_train)
    test = sequences.shorter_than(maxlen, sequences.numbered(x_test, start_char, index_from), y_test)
    if not train[0] or not test[0]:
        raise ValueError(
            f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. Increase maxlen."
        )
    texts = sequences.vocabulary_cut(train[0] + test[0], num_words, skip_top, oov_char)
    labels = np.concatenate([train[1], test[1]])
    n = len(train[0])
    return (sequences.ragged(texts[:n]), labels[:n]), (sequences.ragged(texts[n:]), labels[n:])


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """The word → frequency rank (from 1) table of the reviews. A review's index ``i`` (with the
    default ``index_from=3``) is the word of rank ``i - 3``; 0, 1 and 2 are padding, start and
    unknown.

    Raises:
        FileNotFoundError: the file is not in Keras' cache folder (``tinygrad-edu data download imdb``).
    """
    return sequences.read_word_index(path, "imdb")
