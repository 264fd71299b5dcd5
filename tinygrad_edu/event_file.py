"""TensorBoard event files, written without TensorFlow: the one place for their format.

An event file is a stream of TFRecords, each holding one serialized protobuf ``Event``:

- a **record** is ``uint64 length``, ``uint32 masked CRC-32C of those 8 bytes``, ``length`` payload
  bytes, ``uint32 masked CRC-32C of the payload``, all little-endian (TensorFlow's
  ``tensorflow/core/lib/io/record_writer.cc``; tensorboard's ``summary/writer/record_writer.py``);
- **CRC-32C** is the CRC with Castagnoli's polynomial 0x1EDC6F41 (bit-reversed 0x82F63B78; RFC 3720
  §12.1 and its appendix B.4, whose check value is crc32c(b"123456789") = 0xE3069283), and the
  **mask** is ``((crc >> 15 | crc << 17) + 0xA282EAD8) mod 2**32`` (TensorFlow's
  ``tensorflow/core/lib/hash/crc32c.h``, ``kMaskDelta``), so that a CRC stored inside CRC'd data
  does not look like one;
- the **first event** carries ``file_version = "brain.Event:2"``; each later one a ``wall_time``
  (seconds, a double), a ``step`` (int64) and a ``Summary`` of tagged values.

The messages are encoded by hand in protobuf's wire format (varint keys ``field << 3 | wire type``;
wire types 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit). Field numbers are those of
tensorboard's ``compat/proto/event.proto``, ``summary.proto``, ``tensor.proto``: Event{wall_time=1,
step=2, file_version=3, summary=5, session_log=7, source_metadata=10}, Summary{value=1},
Summary.Value{tag=1, simple_value=2, histo=5, tensor=8, metadata=9}, HistogramProto{min=1, max=2,
num=3, sum=4, sum_squares=5, bucket_limit=6, bucket=7 (packed)}, SummaryMetadata{plugin_data=1},
PluginData{plugin_name=1, content=2}, TensorProto{dtype=1, tensor_shape=2, tensor_content=4,
string_val=8}, TensorShapeProto{dim=2}, Dim{size=1}; DataType DT_FLOAT=1, DT_DOUBLE=2, DT_STRING=7.

Two styles of summary are written, as the two writers they stand in for:

- PyTorch's ``SummaryWriter``: scalars as ``simple_value`` (a float32), histograms as a
  ``HistogramProto`` (`simple_value`, `histogram_proto`);
- TensorFlow 2's ``tf.summary`` (which Keras' TensorBoard callback calls): every value a
  ``TensorProto`` with the plugin's name in its metadata: a float32 scalar for ``scalars``,
  a ``[k, 3]`` float64 table of (left edge, right edge, count) for ``histograms``
  (`scalar_tensor`, `histogram_tensor`, `string_tensor`).

A file is an **append stream**, not a whole file: it cannot be written atomically, and need not be.
Records are appended whole (a flush writes complete records only), and TensorBoard's reader stops at
a record still being written and reads it once it is complete.

>>> hex(crc32c(b"123456789"))
'0xe3069283'
>>> len(record(b"abc"))  # 8 + 4 + 3 + 4
19
"""

from __future__ import annotations

import math
import numbers
import os
import socket
import struct
import time
import weakref
from collections.abc import Iterable
from itertools import count
from typing import Any

import numpy as np

FILE_VERSION = "brain.Event:2"
WRITER_NAME = "tinygrad_edu.event_file"  # Event.source_metadata.writer: who wrote the file
MASK_DELTA = 0xA282EAD8
DT_FLOAT, DT_DOUBLE, DT_STRING = 1, 2, 7


def _crc32c_table() -> tuple[int, ...]:
    """The byte-at-a-time table of the reflected CRC-32C (polynomial 0x82F63B78)."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table.append(crc)
    return tuple(table)


_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C of ``data`` (initial value and final xor 0xFFFFFFFF, reflected, as RFC 3720).

    >>> crc32c(b"")
    0
    """
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TensorFlow's masked CRC: the CRC rotated right by 15 bits, plus 0xA282EAD8, mod 2**32."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + MASK_DELTA) & 0xFFFFFFFF


def record(payload: bytes) -> bytes:
    """One TFRecord: length, masked CRC of the length, the payload, masked CRC of the payload."""
    header = struct.pack("<Q", len(payload))
    return header + struct.pack("<I", masked_crc32c(header)) + payload + struct.pack("<I", masked_crc32c(payload))


# ------------------------------------------------------------------ protobuf wire format
def _varint(n: int) -> bytes:
    """A base-128 varint; a negative int64 is written as its 64-bit two's complement (10 bytes)."""
    n &= (1 << 64) - 1
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _int(field: int, n: int) -> bytes:
    return _key(field, 0) + _varint(n)


def _double(field: int, x: float) -> bytes:
    return _key(field, 1) + struct.pack("<d", x)


def _float(field: int, x: float) -> bytes:
    return _key(field, 5) + struct.pack("<f", x)


def _bytes(field: int, data: bytes | str) -> bytes:
    data = data.encode() if isinstance(data, str) else data
    return _key(field, 2) + _varint(len(data)) + data


def _packed_doubles(field: int, xs: np.ndarray) -> bytes:
    return _bytes(field, np.asarray(xs, dtype="<f8").tobytes())


# ------------------------------------------------------------------ messages
def event(
    wall_time: float,
    step: int | None = None,
    summary: bytes | None = None,
    file_version: str | None = None,
    session_log_start: bool = False,
) -> bytes:
    """A serialized ``Event``; ``summary`` is a serialized ``Summary`` (see `summary`)."""
    out = _double(1, wall_time)
    if step is not None:
        out += _int(2, step)
    if file_version is not None:
        out += _bytes(3, file_version) + _bytes(10, _bytes(1, WRITER_NAME))
    if summary is not None:
        out += _bytes(5, summary)
    if session_log_start:
        out += _bytes(7, _int(1, 1))  # SessionLog{status: START}: TensorBoard purges later steps
    return out


def summary(values: Iterable[bytes]) -> bytes:
    """A serialized ``Summary`` of serialized ``Summary.Value``s."""
    return b"".join(_bytes(1, v) for v in values)


def _metadata(plugin: str, content: bytes = b"") -> bytes:
    plugin_data = _bytes(1, plugin) + (_bytes(2, content) if content else b"")
    return _bytes(9, _bytes(1, plugin_data))


def _tensor(dtype: int, shape: tuple[int, ...], body: bytes) -> bytes:
    dims = b"".join(_bytes(2, _int(1, n)) for n in shape)
    return _int(1, dtype) + _bytes(2, dims) + body


def scalar_value(value: Any, name: str = "add_scalar") -> float:
    """One number as a Python float: a real number, or an array/tensor with exactly one element.
    NaN and ±inf pass, as TensorBoard stores and draws them; anything else is a ValueError
    (PyTorch asserts "Tensor should contain one element (0 dimensions)")."""
    if isinstance(value, numbers.Real):
        return float(value)
    array = _as_array(value, name)
    if array.size != 1 or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ValueError(
            f"{name}: the value should contain one number (0 dimensions); was given "
            f"shape {array.shape} of dtype {array.dtype}"
        )
    return float(array.reshape(()))


def _as_array(value: Any, name: str) -> np.ndarray:
    if hasattr(value, "detach"):  # a tensor that may carry a graph: its data only
        value = value.detach()
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: expected a number, an array or a tensor, got {type(value).__name__}") from err


def simple_value(tag: str, value: float) -> bytes:
    """``Summary.Value{tag, simple_value}``: a scalar as PyTorch's ``add_scalar`` writes it (float32)."""
    return _bytes(1, tag) + _float(2, value)


def scalar_tensor(tag: str, value: float) -> bytes:
    """A scalar as TF 2's ``tf.summary.scalar``: a float32 ``TensorProto`` of shape ``[]``,
    plugin ``scalars`` (its ``ScalarPluginData`` at version 0 serializes to no bytes)."""
    return _bytes(1, tag) + _bytes(8, _tensor(DT_FLOAT, (), _bytes(4, struct.pack("<f", value)))) + _metadata("scalars")


def string_tensor(tag: str, text: str, plugin: str, content: bytes) -> bytes:
    """A string scalar ``TensorProto`` with a plugin's metadata (Keras' model JSON, plugin
    ``graph_keras_model`` with content b"1")."""
    return _bytes(1, tag) + _bytes(8, _tensor(DT_STRING, (), _bytes(8, text))) + _metadata(plugin, content)


def histogram_buckets(values: np.ndarray, bucket_count: int = 30) -> np.ndarray:
    """TF 2's histogram: ``bucket_count`` equal-width buckets from min to max, as a ``[k, 3]`` table
    of (left edge, right edge, count); a value falls in bucket ⌊(x − min)/width⌋, the maximum in
    the last. One distinct value: every edge is that value and the last bucket holds all; no
    values: zeros (tensorboard's ``plugins/histogram/summary_v2.py``, 30 buckets by default).

    >>> histogram_buckets(np.array([0.0, 1.0, 1.0, 3.0]), 3).tolist()
    [[0.0, 1.0, 1.0], [1.0, 2.0, 2.0], [2.0, 3.0, 1.0]]
    """
    data = np.asarray(values, dtype=np.float64).reshape(-1)
    if data.size == 0 or bucket_count == 0:
        return np.zeros((bucket_count, 3))
    lo, hi = data.min(), data.max()
    if hi == lo:
        counts = np.zeros(bucket_count)
        counts[-1] = data.size
        return np.stack([np.full(bucket_count, hi), np.full(bucket_count, hi), counts], axis=1)
    index = np.minimum(np.floor((data - lo) / ((hi - lo) / bucket_count)).astype(np.int64), bucket_count - 1)
    edges = np.linspace(lo, hi, bucket_count + 1)  # numpy's ends exactly at hi (TF's needs fixing)
    return np.stack([edges[:-1], edges[1:], np.bincount(index, minlength=bucket_count)], axis=1).astype(np.float64)


def histogram_tensor(tag: str, values: Any, bucket_count: int = 30) -> bytes:
    """A histogram as TF 2's ``tf.summary.histogram``: a float64 ``[k, 3]`` tensor (`histogram_buckets`),
    plugin ``histograms``."""
    table = histogram_buckets(_finite(values, tag), bucket_count)
    body = _bytes(4, table.astype("<f8").tobytes())
    return _bytes(1, tag) + _bytes(8, _tensor(DT_DOUBLE, table.shape, body)) + _metadata("histograms")


def _finite(values: Any, tag: str) -> np.ndarray:
    data = _as_array(values, "histogram").astype(np.float64).reshape(-1)
    if not np.all(np.isfinite(data)):
        raise ValueError(f"histogram {tag!r}: {int(np.sum(~np.isfinite(data)))} values are NaN or infinite")
    return data


def default_bins() -> list[float]:
    """TensorBoard's default histogram limits, which PyTorch's ``bins="tensorflow"`` uses: ±1e-12·1.1**k
    up to 1e20, and 0 (tensorboard's ``generate_testdata.py``)."""
    v, positive = 1e-12, []
    while v < 1e20:
        positive.append(v)
        v *= 1.1
    return [-v for v in reversed(positive)] + [0.0] + positive


def histogram_proto(tag: str, values: Any, bins: Any, max_bins: int | None = None) -> bytes:
    """A ``HistogramProto`` as PyTorch's ``add_histogram``: counts from ``np.histogram(values, bins)``
    (bucket i holds (limit[i−1], limit[i]]); ``max_bins`` merges neighbouring buckets, padding
    with empty ones; then only the buckets from the one before the first non-empty to the last
    non-empty are kept (a leading empty bucket is added when the first is non-empty, so the
    leftmost limit stays); min, max, num, sum and sum of squares of all the values.
    No values, or NaN/inf among them, is a ValueError."""
    data = _finite(values, tag)
    if data.size == 0:
        raise ValueError(f"histogram {tag!r}: the input has no element")
    counts, limits = np.histogram(data, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(axis=1)
        limits = np.append(limits[:-1:group], limits[-1])
    nonzero = np.flatnonzero(counts)
    if nonzero.size == 0:
        raise ValueError(f"histogram {tag!r}: no value falls inside the bins")
    start, end = int(nonzero[0]), int(nonzero[-1]) + 1
    counts = counts[start - 1 : end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start : end + 1]
    histo = (
        _double(1, data.min()) + _double(2, data.max()) + _double(3, data.size) + _double(4, data.sum())
        + _double(5, data @ data) + _packed_doubles(6, limits) + _packed_doubles(7, counts)
    )  # fmt: skip
    return _bytes(1, tag) + _bytes(5, histo)


# ------------------------------------------------------------------ the file
_uids = count()  # PyTorch's and TensorFlow's per-process counter in the file name


def as_step(step: Any) -> int | None:
    """A step as an int (None stays None): an integer, an integral float, or a one-element tensor of one."""
    if step is None:
        return None
    if hasattr(step, "item"):
        step = step.item()
    if isinstance(step, numbers.Integral) or (isinstance(step, float) and step.is_integer()):
        return int(step)
    raise TypeError(f"global_step must be an integer, got {step!r}")


def _write_out(state: dict) -> None:
    """Append the queued records and flush; close the file when asked (also run at exit)."""
    if state["file"] is None:
        return
    state["file"].write(b"".join(state["queue"]))
    state["queue"].clear()
    state["file"].flush()
    state["last_flush"] = time.monotonic()


def _close(state: dict) -> None:
    if state["file"] is not None:
        _write_out(state)
        state["file"].close()
        state["file"] = None


class EventFileWriter:
    """One event file in ``logdir`` (made if missing), named as TensorFlow and PyTorch name theirs:
    ``events.out.tfevents.<seconds, 10 digits>.<host>.<pid>.<n><filename_suffix>`` (tensorboard's
    ``summary/writer/event_file_writer.py``; TF 2's ``create_file_writer`` adds ".v2"); ``n``
    counts this process's writers, so two never share a name. The first event, written and flushed
    at once, carries the file version.

    Events wait in a queue of at most ``max_queue`` records (memory stays bounded); the queue is
    appended to the file when full, on `add` once ``flush_secs`` have passed since the last flush
    (PyTorch flushes from a thread instead), on `flush`, on `close`, and when the writer is
    collected or the program ends.
    """

    def __init__(
        self, logdir: str | os.PathLike, max_queue: int = 10, flush_secs: float = 120, filename_suffix: str = ""
    ) -> None:
        if isinstance(max_queue, bool) or not isinstance(max_queue, int) or max_queue < 0:
            raise ValueError(f"max_queue must be an integer >= 0, got {max_queue!r}")
        if not isinstance(flush_secs, numbers.Real) or not flush_secs >= 0:
            raise ValueError(f"flush_secs must be a number >= 0, got {flush_secs!r}")
        self.logdir: str = os.fspath(logdir)
        self.max_queue: int = max_queue
        self.flush_secs: float = float(flush_secs)
        os.makedirs(self.logdir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}.{next(_uids)}"
        self.path: str = os.path.join(self.logdir, name + filename_suffix)
        self._state: dict[str, Any] = {"file": open(self.path, "xb"), "queue": [], "last_flush": time.monotonic()}
        self._finalizer: weakref.finalize = weakref.finalize(self, _close, self._state)
        self.add_event(event(time.time(), file_version=FILE_VERSION))
        self.flush()

    @property
    def closed(self) -> bool:
        return self._state["file"] is None

    def add_event(self, serialized_event: bytes) -> None:
        if self.closed:
            raise ValueError(f"I/O operation on a closed event file: {self.path}")
        queue = self._state["queue"]
        queue.append(record(serialized_event))
        if len(queue) >= self.max_queue or time.monotonic() - self._state["last_flush"] >= self.flush_secs:
            self.flush()

    def add_summary(self, values: Iterable[bytes], step: Any = None, wall_time: float | None = None) -> None:
        """One event holding a ``Summary`` of the given serialized values, at ``step``."""
        wall_time = time.time() if wall_time is None else float(wall_time)
        if not math.isfinite(wall_time):
            raise ValueError(f"walltime must be finite, got {wall_time}")
        self.add_event(event(wall_time, as_step(step), summary(values)))

    def flush(self) -> None:
        _write_out(self._state)

    def close(self) -> None:
        """Write what is queued and close the file (closing twice does nothing)."""
        self._finalizer()
