"""Reference solution of exercise ch03_step (CI puts it into the exercise cell and runs the chapter)."""


def step(z):
    return 1.0 if z >= 0 else 0.0
