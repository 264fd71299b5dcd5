"""Writing files so that a failure never destroys the copy that was there.

Every writer in the package goes through `atomic_write`: the bytes go to a temporary file in the
target's own folder, which is flushed, synced and then renamed over the target (`os.replace`, atomic
on POSIX and Windows). A full disk, a killed process or an exception in the middle of writing leaves
the old file untouched and no half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on success, rename it over ``path``.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_write(target, "w") as f:
    ...     _ = f.write("kept")
    >>> try:
    ...     with atomic_write(target, "w") as f:
    ...         _ = f.write("half")
    ...         raise OSError("disk full")
    ... except OSError:
    ...     pass
    >>> target.read_text()
    'kept'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', got {mode!r}")
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"cannot write {target}: it is a folder; give a file name")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual permissions
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
