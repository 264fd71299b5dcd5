"""TensorBoard logging with PyTorch's names: ``from tinygrad_edu.utils.tensorboard import SummaryWriter``.

`SummaryWriter` writes the event files PyTorch's ``torch.utils.tensorboard.SummaryWriter`` writes
(scalars as ``simple_value``, histograms as ``HistogramProto``; the format is in
`tinygrad_edu.event_file`), without TensorFlow and without the ``tensorboard`` package; view them
with ``tensorboard --logdir runs``.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as logs, SummaryWriter(logs) as writer:
...     for step in range(3):
...         writer.add_scalar("Loss/train", 1.0 / (step + 1), step)
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any

from .. import event_file

# PyTorch's SummaryWriter methods this one does not have: asking for one says so, by name
_NOT_HERE = (
    "add_audio", "add_custom_scalars", "add_custom_scalars_marginchart", "add_custom_scalars_multilinechart",
    "add_embedding", "add_figure", "add_graph", "add_histogram_raw", "add_hparams", "add_image",
    "add_image_with_boxes", "add_images", "add_mesh", "add_onnx_graph", "add_pr_curve", "add_pr_curve_raw",
    "add_tensor", "add_text", "add_video",
)  # fmt: skip


class SummaryWriter:
    """PyTorch's ``SummaryWriter``: an event file in ``log_dir`` that `add_scalar`, `add_scalars` and
    `add_histogram` append to.

    - ``log_dir`` defaults to ``runs/<Mon><DD>_<HH>-<MM>-<SS>_<host><comment>`` (the local time), as PyTorch;
    - ``purge_step``: the file starts with an event at that step that tells TensorBoard to hide the
      events of an earlier run from that step on (a restarted run);
    - ``max_queue`` events wait in memory before they are appended (``flush_secs``: or once that
      many seconds have passed, checked at each add); `flush` and `close` write them at once;
    - ``filename_suffix`` ends every event file's name.

    A scalar is one number (a float, an int, an array or tensor of one element; NaN and ±inf are
    kept, as TensorBoard draws them); anything else is a ValueError. After `close`, adding opens a
    new event file in the same directory, as PyTorch's writer does.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
    ) -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.purge_step, self.max_queue, self.flush_secs = purge_step, max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self.all_writers: dict[str, event_file.EventFileWriter] | None = None
        self._get_file_writer()

    def _new_writer(self, logdir: str) -> event_file.EventFileWriter:
        return event_file.EventFileWriter(logdir, self.max_queue, self.flush_secs, self.filename_suffix)

    def _get_file_writer(self) -> event_file.EventFileWriter:
        """The main directory's writer (made again after `close`)."""
        if self.all_writers is None:
            writer = self._new_writer(self.log_dir)
            self.all_writers = {self.log_dir: writer}
            if self.purge_step is not None:
                step = event_file.as_step(self.purge_step)
                writer.add_event(event_file.event(time.time(), step, file_version=event_file.FILE_VERSION))
                writer.add_event(event_file.event(time.time(), step, session_log_start=True))
                self.purge_step = None
        return self.all_writers[self.log_dir]

    def get_logdir(self) -> str:
        return self.log_dir

    def add_scalar(
        self, tag: str, scalar_value: Any, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        """Record one number under ``tag`` at ``global_step``."""
        value = event_file.scalar_value(scalar_value, "add_scalar")
        self._get_file_writer().add_summary([event_file.simple_value(_tag(tag), value)], global_step, walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: dict[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Several numbers in one chart: each ``tag`` goes, under the tag ``main_tag``, to its own run
        directory ``<log_dir>/<main_tag with / as _>_<tag>``, as PyTorch."""
        if not isinstance(tag_scalar_dict, dict):
            raise TypeError(f"add_scalars: tag_scalar_dict must be a dict, got {type(tag_scalar_dict).__name__}")
        values = {tag: event_file.scalar_value(v, "add_scalars") for tag, v in tag_scalar_dict.items()}
        walltime = time.time() if walltime is None else walltime
        self._get_file_writer()
        writers = self.all_writers or {}
        for tag, value in values.items():
            run = self.log_dir + "/" + _tag(main_tag).replace("/", "_") + "_" + str(tag)
            if run not in writers:
                writers[run] = self._new_writer(run)
            writers[run].add_summary([event_file.simple_value(main_tag, value)], global_step, walltime)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """The distribution of ``values`` (any shape) under ``tag``: ``bins="tensorflow"`` uses TensorBoard's
        exponential limits (`event_file.default_bins`); any other ``bins`` is numpy's (a count, edges, "auto", ...)."""
        bins = event_file.default_bins() if isinstance(bins, str) and bins == "tensorflow" else bins
        value = event_file.histogram_proto(_tag(tag), values, bins, max_bins)
        self._get_file_writer().add_summary([value], global_step, walltime)

    def flush(self) -> None:
        """Append every queued event to its file."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self) -> None:
        """Write what is queued and close every file (closing twice does nothing)."""
        for writer in (self.all_writers or {}).values():
            writer.close()
        self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        if name in _NOT_HERE:
            raise NotImplementedError(
                f"SummaryWriter.{name} is not available in tinygrad_edu: it writes scalars "
                "(add_scalar, add_scalars) and histograms (add_histogram)"
            )
        raise AttributeError(f"'SummaryWriter' object has no attribute '{name}'")


def _tag(tag: Any) -> str:
    if not isinstance(tag, str):
        raise TypeError(f"a tag must be a str, got {type(tag).__name__}")
    return tag
