"""The base class: parameters, per-parameter state, ``zero_grad()`` and ``step()``, and the argument checks.

An optimizer works on `Tensor` parameters and on scalar `Value` parameters alike (a `Value` is treated as
a 0-d array), so ``SGD(mlp.parameters(), lr=0.1)`` trains a micrograd-style MLP too. A subclass writes one
method, ``_update(key, data, grad)``, which changes ``data`` in place; ``key`` identifies the parameter's
state in ``self.state``.

The checks answer as PyTorch's ``torch.optim`` does: a bare tensor instead of a list is a TypeError, a
parameter listed twice a ValueError (PyTorch raises it for one listed in two groups; listed twice in one
list it warns and steps it once, which hides the mistake), hyperparameters outside their range (a negative
or NaN learning rate, β = 1, ε < 0) a ValueError at construction. ``step`` checks every gradient against
its parameter before it updates any, so a gradient of the wrong shape leaves every parameter unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

import numpy as np

from ..engine import Value
from ..kernels import _check


def check_range(
    owner: str, name: str, value: Any, low: float = 0.0, high: float = math.inf, high_open: bool = False
) -> None:
    """Raise unless ``low ≤ value ≤ high`` (``< high`` when ``high_open``); NaN fails every comparison.

    >>> check_range("Adam", "beta1", 1.0, 0.0, 1.0, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: Adam: beta1 must lie in [0.0, 1.0), got 1.0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__} {value!r}")
    inside = low <= value < high if high_open else low <= value <= high
    if not inside:
        if high == math.inf:
            where = "must be non-negative" if low == 0 else f"must be ≥ {low}"
        else:
            where = f"must lie in [{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{owner}: {name} {where}, got {value}")


def check_positive_int(owner: str, name: str, value: Any) -> None:
    """Raise unless ``value`` is an int of at least 1 (a period or a count of epochs)."""
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


def check_betas(owner: str, betas: Any) -> tuple[float, float]:
    """Adam-family coefficients: two numbers, each in [0, 1) (β = 1 would freeze an average forever)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    for name, b in zip(("beta1", "beta2"), betas, strict=True):
        check_range(owner, name, b, 0.0, 1.0, high_open=True)
    return float(betas[0]), float(betas[1])


class Optimizer:
    """Base: holds the parameters and per-parameter state; ``zero_grad()`` and ``step()``."""

    def __init__(self, params: Iterable[Any], **defaults: Any) -> None:
        """Keep ``params`` (a list, generator, ``model.parameters()``) and ``defaults``, the
        hyperparameters, each of which must be a number ≥ 0 (NaN is refused)."""
        name = type(self).__name__
        if isinstance(params, (np.ndarray, Value)) or hasattr(params, "grad"):
            raise TypeError(
                f"{name}: params argument given to the optimizer should be an iterable of Tensors, "
                f"but got a single {type(params).__name__}; pass [p] or model.parameters()"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not hasattr(p, "grad") or not hasattr(p, "data"):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor or Value")
            if id(p) in seen:
                raise ValueError(
                    f"{name}: parameter {i} appears more than once in the parameter list "
                    "(it would be stepped twice per step); list each parameter once"
                )
            seen.add(id(p))
        for key, value in defaults.items():  # every hyperparameter given here must be ≥ 0 (PyTorch's checks)
            check_range(name, key, value)
        self.defaults = defaults
        self.state: dict[int, dict[str, Any]] = {}

    @property
    def param_groups(self) -> list[ParamGroup]:
        """PyTorch's ``optimizer.param_groups``: here always one group, all the parameters, whose entries
        read and write the optimizer's hyperparameters (``for g in opt.param_groups: g["lr"] = 0.01``)."""
        return [ParamGroup(self)]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: None for tensors (PyTorch's default), or zeros in place with ``set_to_none=False``;
        0.0 for Values (as `tinygrad_edu.nn.Module.zero_grad`)."""
        for p in self.params:
            if isinstance(p, Value):
                p.grad = 0.0
            elif set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.zero_()

    def _check_grads(self) -> None:
        """Every gradient is an array of its parameter's shape, and every parameter is floating-point."""
        for i, p in enumerate(self.params):
            if type(p) is Value or p._grad is None:
                continue
            data, grad = p._data, getattr(p._grad, "_data", p._grad)  # a Tensor (or what got past its setter)
            if (
                type(grad) is np.ndarray
                and type(data) is np.ndarray
                and grad.shape == data.shape
                and grad.dtype.kind == data.dtype.kind == "f"
            ):
                continue  # the common case; the checks below name what is wrong
            op = f"{type(self).__name__}.step"
            data = _check.array(op, f"parameter {i}", data)
            grad = _check.array(op, f"the gradient of parameter {i}", grad)
            _check.floating(op, f"parameter {i}", data)
            _check.floating(op, f"the gradient of parameter {i}", grad)
            _check.same_shape(op, **{f"parameter {i}": data, "its gradient": grad})

    def step(self) -> None:
        """Update every parameter that has a gradient (after checking all of them)."""
        self._check_grads()
        update = self._update
        for p in self.params:
            if type(p) is Value:
                data = np.array(p.data)
                update(id(p), data, np.array(p.grad))
                p.data = float(data)
            elif p._grad is not None:
                update(id(p), p._data, getattr(p._grad, "_data", p._grad))
                p._vc[0] += 1  # changed in place, as PyTorch's optimizers: a version for backward's checks

    def _update(self, key: int, data: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError


class ParamGroup(MutableMapping):
    """The one parameter group of an `Optimizer`, as a dict: ``"params"`` and each hyperparameter the optimizer
    was given (``"lr"``, ``"betas"``, ``"momentum"``, ...), read from and written to the optimizer, with its
    checks (a negative learning rate is a ValueError). Keys cannot be added or removed."""

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.names = ("params", *optimizer.defaults, *(("betas",) if hasattr(optimizer, "betas") else ()))

    def __getitem__(self, key: str) -> Any:
        if key not in self.names:
            raise KeyError(key)
        return self.optimizer.params if key == "params" else getattr(self.optimizer, key)

    def __setitem__(self, key: str, value: Any) -> None:
        owner = type(self.optimizer).__name__
        if key not in self.names or key == "params":
            raise KeyError(f"{owner}: param_groups[0][{key!r}] cannot be set here (one group, fixed entries)")
        if key == "betas":
            value = check_betas(owner, value)
        else:
            check_range(owner, key, value)
        setattr(self.optimizer, key, value)

    def __delitem__(self, key: str) -> None:
        raise KeyError(f"param_groups[0][{key!r}] cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
