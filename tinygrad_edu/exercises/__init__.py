"""Checks for the course's exercises: each takes the function a learner wrote and either prints one
"✓" line or raises `ExerciseError` naming the input, the entry, and the expected against the got value.

In a notebook::

    def slope(f, x, h=1e-6):
        return (f(x + h) - f(x)) / h

    from tinygrad_edu.exercises import check_slope
    check_slope(slope)          # ✓ slope(f, x) matches f'(x) at three points

The expected values come from the math (calculus on the formula, closed forms, the textbook's worked
example), not from the package's own autodiff, so a check also tests the idea, not our code.
"""

from .feedback import ExerciseError, expect_array, expect_number, passed
from .graphs import (
    check_add_backward,
    check_backward,
    check_hidden_delta,
    check_mul_backward,
    check_neuron_gradients,
    check_output_delta,
    check_slope,
    check_tanh_backward,
    check_tanh_node_backward,
    check_topo_sort,
    check_training_step,
)
from .keras_models import check_dense_layer, check_train_step
from .layers import (
    TAPE,
    check_central_difference,
    check_conv2d,
    check_max_pool,
    check_relative_error,
    check_rnn_step,
    check_run_tape,
    check_run_tape_backward,
    check_silu_backward,
    check_train_epoch,
)
from .manual_backward import check_batchnorm_backward, check_cross_entropy_backward, check_embedding_backward
from .training import (
    check_accuracy,
    check_adam_step,
    check_batch_norm,
    check_clip_grad_norm,
    check_cross_entropy,
    check_dropout,
    check_he_normal,
    check_momentum_step,
    check_xavier_uniform,
)
from .units import check_log_sum_exp, check_perceptron_update, check_stable_softmax, check_step

__all__ = [
    "TAPE",
    "ExerciseError",
    "check_accuracy",
    "check_adam_step",
    "check_add_backward",
    "check_backward",
    "check_batch_norm",
    "check_batchnorm_backward",
    "check_central_difference",
    "check_clip_grad_norm",
    "check_conv2d",
    "check_cross_entropy",
    "check_cross_entropy_backward",
    "check_dense_layer",
    "check_dropout",
    "check_embedding_backward",
    "check_he_normal",
    "check_hidden_delta",
    "check_log_sum_exp",
    "check_max_pool",
    "check_momentum_step",
    "check_mul_backward",
    "check_neuron_gradients",
    "check_output_delta",
    "check_perceptron_update",
    "check_relative_error",
    "check_rnn_step",
    "check_run_tape",
    "check_run_tape_backward",
    "check_silu_backward",
    "check_slope",
    "check_stable_softmax",
    "check_step",
    "check_tanh_backward",
    "check_tanh_node_backward",
    "check_topo_sort",
    "check_train_epoch",
    "check_train_step",
    "check_training_step",
    "check_xavier_uniform",
    "expect_array",
    "expect_number",
    "passed",
]
