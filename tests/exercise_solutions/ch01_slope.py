"""Reference solution of exercise ch01_slope (CI puts it into the exercise cell and runs the chapter)."""


def slope(f, x, h=1e-6):
    return (f(x + h) - f(x)) / h
