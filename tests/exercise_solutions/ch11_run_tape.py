"""Reference solution of exercise ch11_run_tape (CI puts it into the exercise cell and runs the chapter)."""

import math


def run_tape(rows, values):
    for op, out, a, b in rows:
        if op == "add":
            values[out] = values[a] + values[b]
        elif op == "mul":
            values[out] = values[a] * values[b]
        else:
            values[out] = math.tanh(values[a])
    return values
