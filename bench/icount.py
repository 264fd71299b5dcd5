"""Instructions per call of Python statements, counted by valgrind's callgrind: repeatable on a busy
machine, where wall-clock times are not.

Each statement runs in a loop of N and then of 2N iterations inside ``eval`` (callgrind collects only
while ``builtin_eval`` runs, and dumps after each call); the per-call count is the difference of the two
totals divided by N, so the loop's own cost and a one-off first call drop out. The setup code runs
once, outside any counting, with ``PYTHONHASHSEED=0`` so that two runs count the same.

    python bench/icount.py --setup "from tinygrad_edu import nn; m = nn.MLP(2, [16, 16, 1])" \\
        "m.parameters()" "m.zero_grad()"

Prints one line per statement: ``instructions/call  statement``. Needs ``valgrind`` on the PATH.
Counts depend on the Python build and the library versions, so compare statements from one run (as
ratios), not counts across machines.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile


def _script(setup: str, statements: list[str], n: int) -> str:
    lines = [setup, "import gc", "gc.collect()"]
    for stmt in statements:
        for reps in (n, 2 * n):
            loop = f"for _ in range({reps}):\n    {stmt}\n"
            lines.append(f"eval(compile({loop!r}, '<icount>', 'exec'))")
    return "\n".join(lines) + "\n"


def count(setup: str, statements: list[str], n: int = 200) -> dict[str, int]:
    """Instructions per call of each statement (after ``setup``), as described in the module doc."""
    if shutil.which("valgrind") is None:
        raise SystemExit("icount: valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "run.py")
        with open(script, "w") as f:
            f.write(_script(setup, statements, n))
        cmd = [
            "valgrind", "--tool=callgrind", "--toggle-collect=builtin_eval", "--dump-after=builtin_eval",
            f"--callgrind-out-file={tmp}/cg.out", sys.executable, script,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise SystemExit(f"icount: the run failed:\n{done.stderr[-3000:]}")
        dumps = sorted(glob.glob(f"{tmp}/cg.out.*"), key=lambda p: int(p.rsplit(".", 1)[1]))
        totals = []
        for path in dumps:
            with open(path) as f:
                totals += [int(line.split()[1]) for line in f if line.startswith("totals:")]
    totals = totals[-2 * len(statements) :]  # the last dumps are ours (imports may call eval too)
    return {stmt: (totals[2 * i + 1] - totals[2 * i]) // n for i, stmt in enumerate(statements)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("statements", nargs="+", help="Python statements, each counted alone")
    parser.add_argument("--setup", default="", help="code run once first (imports, models)")
    parser.add_argument("--setup-file", help="a file of setup code, run after --setup")
    parser.add_argument("-n", type=int, default=200, help="calls in the shorter loop (default 200)")
    args = parser.parse_args()
    setup = args.setup
    if args.setup_file:
        with open(args.setup_file) as f:
            setup += "\n" + f.read()
    for stmt, instructions in count(setup, args.statements, args.n).items():
        print(f"{instructions:>14,}  {stmt}")


if __name__ == "__main__":
    main()
