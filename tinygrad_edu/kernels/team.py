"""A team of helper threads that take a job's chunks without the GIL or a system call.

`threads.run_parts` hands a part to a pool thread through Python: a queue, a condition variable, the GIL
between every numpy call of the part. On a virtual machine every wake-up of a sleeping thread costs tens
of µs (a LeNet-5 step made some 40 futex calls), and the two threads took turns at the GIL inside the
parts. A team instead:

- keeps one helper per extra BLAS thread polling, in a ``nogil`` numba loop, the mailbox (`mailbox`),
  for about `SPIN_POLLS` polls (some ms) after its last chunk, then sleeping on an event. Each idle
  poll yields the core (``sched_yield``): a thread that needs it, OpenBLAS's own worker in a
  multi-threaded GEMM, gets it at once instead of sharing it with a spinning helper (a 256x784 by
  784x2048 GEMM right after a ReLU job took 8.3 ms against 4.0 while the helper spun without yielding);
- runs a job by writing it into the mailbox and bumping the job word (sequence number << 32 | next chunk);
  every thread, the caller included, then claims chunks by compare-and-swap on that word and runs
  them (`chunks.run_chunk`) until none is left, and the caller waits (polling, yielding) until all are done.
  A sleeping helper does not hold the job up: the caller claims the chunks it would have run, and wakes
  it afterwards for the next job.

Which thread runs which chunk varies; what a chunk computes does not, and the caller combines the
chunks in their order, so results do not depend on the timing. BLAS runs single-threaded during a job
whose chunks call it (`threads.single_threaded_blas`). One job runs at a time; a second user thread that
wants the team while it is busy runs its job's chunks itself, with a mailbox of its own. After a fork the
child makes a new team (threads do not survive a fork).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import os
import threading
from collections.abc import Callable

import numpy as np

from . import blas, threads
from . import mailbox as box
from ._numba import nb, njit
from .chunks import run_chunk

#: polls of the job word before a helper sleeps: 2^14, each one ``sched_yield`` (0.4-0.9 µs here when no
#: other thread wants the core), 7-14 ms. A LeNet-5 step leaves up to 1.5 ms between two convolutions' jobs; a
#: helper asleep there made the caller run the whole job alone
SPIN_POLLS = 1 << 14


def _register_yield() -> bool:
    """Register the C library's ``sched_yield`` with LLVM under a name of ours, which the loops declare as an
    external function (so numba can cache them, as `blas` does for GEMM); False where there is none."""
    if nb is None or nb.config.DISABLE_JIT:  # type: ignore[attr-defined]  # NUMBA_DISABLE_JIT=1
        return False
    try:
        address = ctypes.cast(ctypes.CDLL(None).sched_yield, ctypes.c_void_p).value
    except (AttributeError, OSError, TypeError):  # no C library of that name (Windows)
        return False
    import llvmlite.binding as llvm

    llvm.add_symbol("tinygrad_edu_sched_yield", address)
    return True


YIELD_AVAILABLE = _register_yield()

if nb is not None:
    from numba import types

    from . import atomics

    _sched_yield = types.ExternalFunction("tinygrad_edu_sched_yield", types.intc())


@functools.partial(njit, nogil=True)
def _take_chunks(mb, seq):
    """Claim and run chunks of job ``seq`` until none is left."""
    while True:
        word = atomics.load(mb, box.WORD)
        if word >> 32 != seq or (word & 0xFFFFFFFF) >= mb[box.CHUNKS]:
            return
        if atomics.compare_and_swap(mb, box.WORD, word, word + 1):
            run_chunk(mb, word & 0xFFFFFFFF)
            atomics.fetch_add(mb, box.DONE, 1)


@functools.partial(njit, nogil=True)
def _serve(mb, helper, seq, polls):
    """A helper's loop: run each new job's chunks; after ``polls`` idle polls set its sleep flag and return
    the last job seen (or return at once when told to stop)."""
    idle = 0
    while not atomics.load(mb, box.STOP):
        latest = atomics.load(mb, box.WORD) >> 32
        if latest != seq:
            seq = latest
            _take_chunks(mb, seq)
            idle = 0
        elif idle < polls:
            _sched_yield()
            idle += 1
        else:  # flag first, then look again: a job posted meanwhile is seen here or by the caller's check
            atomics.store(mb, box.ASLEEP + helper, 1)
            if atomics.load(mb, box.WORD) >> 32 == seq:
                return seq
            atomics.store(mb, box.ASLEEP + helper, 0)
    return seq


@functools.partial(njit, nogil=True)
def _run(mb, seq, helpers):
    """Post job ``seq`` (described already), take chunks with the helpers, wait for them all; returns
    a bit mask of the helpers that were asleep (to be woken)."""
    atomics.store(mb, box.DONE, 0)
    atomics.store(mb, box.WORD, seq << 32)
    asleep = 0
    for h in range(helpers):
        if atomics.load(mb, box.ASLEEP + h):
            asleep |= 1 << h
    _take_chunks(mb, seq)
    while atomics.load(mb, box.DONE) < mb[box.CHUNKS]:
        _sched_yield()
    return asleep


@functools.partial(njit, nogil=True)
def _run_chunks(mb):
    for j in range(mb[box.CHUNKS]):
        run_chunk(mb, j)


def _run_alone(describe: Callable[[np.ndarray], object]) -> None:
    """The job describe(mailbox) writes, every chunk in this thread, with a mailbox of its own."""
    mb = np.zeros(box.SIZE, np.int64)
    keep = describe(mb)  # alive until the chunks are done
    _run_chunks(mb)
    del keep


class Team:
    """The helper threads of one process and their mailbox."""

    def __init__(self, helpers: int) -> None:
        self.pid, self.helpers, self.seq = os.getpid(), helpers, 0
        self.mb = np.zeros(box.SIZE, np.int64)
        self.busy = threading.Lock()
        self.wake = [threading.Event() for _ in range(helpers)]
        self.threads = [
            threading.Thread(target=self._helper, args=(h,), daemon=True, name=f"tinygrad_edu-team-{h}")
            for h in range(helpers)
        ]
        for thread in self.threads:
            thread.start()

    def _helper(self, h: int) -> None:
        seq = 0
        while not self.mb[box.STOP]:
            seq = _serve(self.mb, h, seq, SPIN_POLLS)
            self.wake[h].wait()
            self.wake[h].clear()
            self.mb[box.ASLEEP + h] = 0

    def run(self, describe: Callable[[np.ndarray], object], blas: bool = True) -> None:
        """describe(mailbox) writes a job (and returns what must stay alive until it is done); run its chunks
        (with BLAS single-threaded meanwhile when ``blas``: the job's chunks call it)."""
        if not self.busy.acquire(blocking=False):  # another user thread has the team: run alone
            _run_alone(describe)
            return
        try:
            keep = describe(self.mb)
            self.seq += 1
            with threads.single_threaded_blas() if blas else contextlib.nullcontext():
                asleep = _run(self.mb, self.seq, self.helpers)
            del keep
        finally:
            self.busy.release()
        for h in range(self.helpers):
            if asleep >> h & 1:
                self.wake[h].set()

    def stop(self, timeout: float = 1.0) -> None:
        """End the helper threads and wait for them (each up to ``timeout`` s): a polling one leaves its loop at
        its next poll, a sleeping one when woken, one still compiling its loop when that is done. At exit
        (`_stop_at_exit`), when a team is replaced by a larger one, and in tests."""
        self.mb[box.STOP] = 1
        for event in self.wake:
            event.set()
        for thread in self.threads:
            thread.join(timeout)


_team: Team | None = None
_lock = threading.Lock()


#: how long the interpreter's exit waits for a helper: one that is still compiling its loop (`_serve`, the
#: first time ever: 20 s here, as it holds every kind of chunk in both dtypes; 0.3 s from numba's cache)
EXIT_WAIT_S = 120.0


@atexit.register
def _stop_at_exit() -> None:
    """Stop this process's team before the interpreter tears down: a helper thread that was still compiling
    its loop in numba (LLVM) when the process ended crashed it at exit, a segfault or an LLVM assertion,
    in every one of 6 runs that ended within 20 s of the first job on a fresh numba cache."""
    if _team is not None and _team.pid == os.getpid():
        _team.stop(EXIT_WAIT_S)


def available() -> bool:
    """Whether jobs can run on a team: numba on, numpy's BLAS reachable from numba (`blas`), and the C
    library's ``sched_yield`` for the helpers' idle loop."""
    return nb is not None and blas.available() and YIELD_AVAILABLE


def run(describe: Callable[[np.ndarray], object], chunks: int, blas: bool = True) -> None:
    """Run a job of ``chunks`` chunks that describe(mailbox) writes: in this thread alone when there is one
    chunk, else on this process's team (one helper per extra BLAS thread, started at the first job). Pass
    ``blas=False`` for a job whose chunks call no BLAS (it need not be made single-threaded)."""
    global _team
    if chunks == 1:
        _run_alone(describe)
        if blas:  # its GEMMs ran with BLAS's thread count as the user set it
            threads.note_threaded_gemm()
        return
    helpers = min(box.MAX_HELPERS, threads.blas_threads() - 1)
    with _lock:
        if _team is None or _team.pid != os.getpid() or _team.helpers < helpers or _team.mb[box.STOP]:
            if _team is not None and _team.pid == os.getpid() and not _team.mb[box.STOP]:
                _team.stop()
            _team = Team(helpers)
        team = _team
    team.run(describe, blas)
