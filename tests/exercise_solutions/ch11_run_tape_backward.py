"""Reference solution of exercise ch11_run_tape_backward (CI puts it into the exercise cell and runs the chapter)."""


def run_tape_backward(rows, values):
    grads = [0.0] * len(values)
    grads[rows[-1][1]] = 1.0
    for op, out, a, b in reversed(rows):
        g = grads[out]
        if op == "add":
            grads[a] += g
            grads[b] += g
        elif op == "mul":
            grads[a] += values[b] * g
            grads[b] += values[a] * g
        else:
            grads[a] += (1 - values[out] ** 2) * g
    return grads
