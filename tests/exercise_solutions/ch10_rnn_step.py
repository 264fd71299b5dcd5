"""Reference solution of exercise ch10_rnn_step (CI puts it into the exercise cell and runs the chapter)."""

import numpy as np


def rnn_step(x, h, W_ih, W_hh, b):
    return np.tanh(W_ih @ x + W_hh @ h + b)
