"""Reference solution of exercise ch09_relative_error (CI puts it into the exercise cell and runs the chapter)."""


def relative_error(a, b):
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale
