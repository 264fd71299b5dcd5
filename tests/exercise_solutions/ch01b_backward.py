"""Reference solution of exercise ch01b_backward (CI puts it into the exercise cell and runs the chapter)."""


def backward(root):
    root.grad = 1.0
    for node in reversed(topo_sort(root)):  # noqa: F821 (the exercise before this one)
        node._backward()
