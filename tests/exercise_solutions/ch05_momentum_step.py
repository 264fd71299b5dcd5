"""Reference solution of exercise ch05_momentum_step (CI puts it into the exercise cell and runs the chapter)."""


def momentum_step(theta, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return theta - lr * velocity, velocity
