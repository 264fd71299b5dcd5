"""Reference solution of exercise ch01b_tanh_backward (CI puts it into the exercise cell and runs the chapter)."""


def tanh_backward(a, out):
    a.grad += (1 - out.data**2) * out.grad
