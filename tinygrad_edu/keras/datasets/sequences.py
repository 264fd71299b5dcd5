"""What ``keras.datasets.imdb`` and ``reuters`` share: reading Keras' cached files (never the
network) and Keras' recipe for turning stored word ranks into the sequences a model reads.

A text is stored as the ranks of its words by frequency (0 the most frequent word). `load_data`
shuffles with ``np.random.RandomState(seed)``, prepends ``start_char`` and shifts every rank by
``index_from`` (so 0, 1 and 2 stay free for padding, start and "unknown"), drops texts of
``maxlen`` words or more, and replaces each index outside ``[skip_top, num_words)`` by ``oov_char``
(or drops it when ``oov_char`` is None): the steps and their order are Keras 3's
(keras/src/datasets/imdb.py), so the same file and seed give the same arrays as Keras.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ... import datasets
from ...serialization import read_npz

MAX_FILE_BYTES = 256 << 20  # imdb.npz is 17 MB and unpacks to 60 MB; reuters.npz is 2 MB
MAX_INDEX_BYTES = 16 << 20  # imdb_word_index.json is 1.6 MB


def cached_file(path: str, name: str) -> Path:
    """Keras' ``get_file(path)`` without the download: ``path`` in Keras' cache folder (an absolute
    ``path`` as it is); FileNotFoundError naming the command that fetches it when it is not there."""
    target = datasets.keras_datasets_dir() / path
    if not target.is_file():
        raise FileNotFoundError(
            f"keras.datasets.{name}: {target} is not there, and tinygrad_edu never downloads while loading. "
            f"`tinygrad-edu data download {name}` fetches it, checksum-checked, from Keras' own source "
            f"({datasets.KERAS_ORIGIN}); a copy that Keras downloaded is found there too"
        )
    return target


def read_arrays(path: str, name: str, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays ``keys`` of a cached ``.npz`` whose texts are object arrays of integer lists,
    read without running pickled code (`tinygrad_edu.serialization.read_npz`)."""
    where = cached_file(path, name)
    arrays = read_npz(where, MAX_FILE_BYTES, f"keras.datasets.{name}", ragged=True)
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise ValueError(f"keras.datasets.{name}: {where} holds {sorted(arrays)}, not {missing}")
    return arrays


def shuffled(rng: np.random.RandomState, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays in one order, drawn as Keras draws it (``rng.shuffle`` of ``arange``)."""
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return [a[order] for a in arrays]


def numbered(texts: np.ndarray, start_char: int | None, index_from: int) -> list[list[int]]:
    """Each text's ranks shifted by ``index_from``, after ``start_char`` unless that is None."""
    start = [] if start_char is None else [start_char]
    return [start + [w + index_from for w in text] for text in texts]


def shorter_than(maxlen: int | None, texts: list[list[int]], labels: np.ndarray) -> tuple[list[list[int]], np.ndarray]:
    """The texts of fewer than ``maxlen`` words, with their labels (all of them when maxlen is falsy)."""
    if not maxlen:
        return texts, labels
    keep = [k for k, text in enumerate(texts) if len(text) < maxlen]
    return [texts[k] for k in keep], np.asarray(labels)[keep]


def vocabulary_cut(
    texts: list[list[int]], num_words: int | None, skip_top: int, oov_char: int | None
) -> list[list[int]]:
    """Indices outside ``[skip_top, num_words)`` replaced by ``oov_char`` (dropped when it is None).

    Without ``num_words`` the bound is the largest index present, which is therefore cut too: that
    is Keras' rule (``max(max(x) for x in xs)``), kept so the arrays equal Keras'.
    """
    if not num_words:
        num_words = max(max(text) for text in texts if text)
    if oov_char is None:
        return [[w for w in text if skip_top <= w < num_words] for text in texts]
    return [[w if skip_top <= w < num_words else oov_char for w in text] for text in texts]


def ragged(texts: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists, as Keras returns texts (``np.array(..., dtype=object)``, but
    one-dimensional even when every text has the same length)."""
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out


def read_word_index(path: str, name: str) -> dict[str, int]:
    """A cached word index (JSON of word → rank), checked to be that before it is returned."""
    where = cached_file(path, name)
    if where.stat().st_size > MAX_INDEX_BYTES:
        raise ValueError(f"keras.datasets.{name}: {where} is larger than {MAX_INDEX_BYTES >> 20} MiB; not a word index")
    try:
        index = json.loads(where.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"keras.datasets.{name}: {where} is not a JSON word index ({err})") from None
    if not isinstance(index, dict) or not all(type(v) is int for v in index.values()):
        raise ValueError(f"keras.datasets.{name}: {where} is not a word index (an object of word: integer)")
    return index
