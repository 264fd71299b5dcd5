"""The parts of `tinygrad_edu.compile` (the public door is `tinygrad_edu.jit`).

- `tape`: a `Value` graph recorded as flat arrays, one row per op (`trace`, `Tape`, `TraceError`);
- `kernel`: the replay, generated from the op table `tinygrad_edu.scalar_ops`: compiled by numba,
  or run by Python over lists (for deep, narrow tapes without numba);
- `twin`: the numpy twin (``TINYGRAD_EDU_JIT=0``), the rows run level by level;
- `inputs`: where a traced function finds its input Values, checked before each replay.
"""
