"""Optimizers: update parameters from their gradients, with PyTorch's update rules and defaults.

One file per algorithm, each holding the algorithm as math in its docstring, the update rule (and, for
SGD and Adam, its numba kernel beside the numpy reference), and the class:

==============  ==================================================================
``sgd.py``       SGD with momentum, dampening, Nesterov, weight decay
``adam.py``      Adam
``adamw.py``     AdamW (Adam with decoupled weight decay)
``nadam.py``     Nadam (Adam with Nesterov momentum)
``adagrad.py``   Adagrad
``rmsprop.py``   RMSprop (plain, centered, with momentum)
``adadelta.py``  Adadelta
``optimizer.py`` the base class ``Optimizer`` (with PyTorch's ``param_groups``) and the argument checks
``clip.py``      ``clip_grad_norm_`` and ``clip_grad_value_``
``lr_scheduler.py``  ``StepLR``, ``MultiStepLR``, ``ExponentialLR``, ``CosineAnnealingLR``, ``LambdaLR``
==============  ==================================================================

`OPTIMIZERS` maps each lower-case name (Keras' names: "sgd", "adam", ...) to its class.

How to add an optimizer: a new file with the docstring, a ``<name>_step`` rule that starts with
``kernels._check.update`` and changes its arrays in place, and an `Optimizer` subclass whose ``_update``
keeps the state and calls the rule; import it here and add it to `OPTIMIZERS`; add its configurations to
``tests/test_optim.py`` (50 steps against ``torch.optim``) and its bad arguments to ``tests/test_robust_optim.py``.
"""

from __future__ import annotations

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .clip import clip_grad_norm_, clip_grad_value_
from .nadam import Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

#: name → class, for the CLI (``--optimizer adam``), Keras' string identifiers and the examples.
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "nadam": Nadam,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adadelta": Adadelta,
}

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "clip_grad_norm_",
    "clip_grad_value_",
    "lr_scheduler",
]
