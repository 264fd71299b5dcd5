"""PyTorch's device names: `device`, `check_device`, and the ``cuda``/``accelerator`` stand-ins.

A floor below `tinygrad_edu.tensor`: it imports nothing of tinygrad_edu's. Everything runs on the
CPU (numpy); ``device="cpu"`` (or ``device("cpu")``) is accepted everywhere a device is, and any
other device is an error that says so.
"""

from __future__ import annotations

from typing import Any

#: what a user who asks for a device other than the CPU is told
DEVICE_ERROR = "device {!r} is not supported: tinygrad_edu runs on the CPU only (numpy); use 'cpu'"


class device:  # noqa: N801 (PyTorch's name)
    """Where a tensor lives. Only ``"cpu"`` exists here: tinygrad_edu computes with numpy.

    >>> device("cpu")
    device(type='cpu')
    >>> device("cuda")
    Traceback (most recent call last):
    ...
    RuntimeError: device 'cuda' is not supported: tinygrad_edu runs on the CPU only (numpy); use 'cpu'
    """

    type: str  # always "cpu"
    index: int | None  # None or 0, as given

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            index = type.index
            type = type.type
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string like 'cpu', got {type!r}")
        name, _, idx = type.partition(":")
        if name != "cpu" or (idx not in ("", "0")) or index not in (None, 0):
            raise RuntimeError(DEVICE_ERROR.format(type))
        self.type, self.index = "cpu", index

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, (device, str)) and str(other).partition(":")[0] == "cpu"

    def __hash__(self) -> int:
        return hash("cpu")


def check_device(dev: Any) -> None:
    """Accept None, ``"cpu"`` or ``device("cpu")``; raise a clear error for anything else."""
    if dev is not None:
        device(dev)


class _NoAccelerator:
    """``torch.cuda`` / ``torch.accelerator`` stand-ins: no accelerator is ever available."""

    def __init__(self, name: str) -> None:
        self.name = name

    def is_available(self) -> bool:
        return False

    def device_count(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"<tinygrad_edu.{self.name}: not available (CPU only)>"


cuda = _NoAccelerator("cuda")
accelerator = _NoAccelerator("accelerator")
