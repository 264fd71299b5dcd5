"""Gated recurrent layers as PyTorch: `LSTM`, `GRU` (any number of stacked layers, batch_first,
PyTorch's parameter names and layouts, so state_dicts move across) and their cells.

LSTM (gates i, f, g, o stacked in that order in W_ih (4H, in), W_hh (4H, H), b_ih, b_hh (4H)):

    i, f, g, o = σ(·), σ(·), tanh(·), σ(·) of x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh (each its H rows)
    c' = f ⊙ c + i ⊙ g,    h' = o ⊙ tanh(c')

GRU (gates r, z, n in W_ih (3H, in), W_hh (3H, H)):

    r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr),   z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
    n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn)),   h' = (1 − z) ⊙ n + z ⊙ h

(the formulas of ``torch.nn.LSTM``/``torch.nn.GRU``' documentation). Every weight starts
~ U(±1/√H), as PyTorch. Unrolling over time builds an ordinary graph: backward() is
backpropagation through time.
"""

from __future__ import annotations

from typing import Any

from ..tensor import DEFAULT_DTYPE, Tensor
from . import functional as F
from .module import Module
from .recurrent import _weights


def _gate(gates: Tensor, k: int, hidden: int) -> Tensor:
    """The k-th block of ``hidden`` columns."""
    return gates[:, k * hidden : (k + 1) * hidden]


def lstm_step(
    x: Tensor, h: Tensor, c: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any
) -> tuple[Tensor, Tensor]:
    """One LSTM step (see the module docstring): (h', c')."""
    gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
    n = h.shape[-1]
    i, f, g, o = (_gate(gates, k, n) for k in range(4))
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def gru_step(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any) -> Tensor:
    """One GRU step (see the module docstring): h'."""
    gi, gh = F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh)
    n_ = h.shape[-1]
    r = (_gate(gi, 0, n_) + _gate(gh, 0, n_)).sigmoid()
    z = (_gate(gi, 1, n_) + _gate(gh, 1, n_)).sigmoid()
    n = (_gate(gi, 2, n_) + r * _gate(gh, 2, n_)).tanh()
    return n + z * (h - n)


def _check_sizes(name: str, input_size: int, hidden_size: int) -> None:
    for what, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: {what} must be a positive integer, got {value!r}")


class _CellBase(Module):
    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, dtype: type = DEFAULT_DTYPE) -> None:
        _check_sizes(type(self).__name__, input_size, hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh = _weights(
            input_size, hidden_size, bias, dtype, self.gates
        )

    def _zeros(self, x: Tensor) -> Tensor:
        return Tensor.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)

    def _params(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + (", bias=False" if self.bias_ih is None else "")


class LSTMCell(_CellBase):
    """One LSTM step on (N, input): ``h, c = cell(x, (h, c))`` (zeros when the state is None).

    >>> import numpy as np
    >>> cell = LSTMCell(3, 2)
    >>> h, c = cell(Tensor(np.ones((4, 3))))
    >>> h.shape, c.shape
    (torch.Size([4, 2]), torch.Size([4, 2]))
    """

    gates = 4

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        h, c = (self._zeros(x), self._zeros(x)) if hx is None else hx
        return lstm_step(x, h, c, *self._params())


class GRUCell(_CellBase):
    """One GRU step on (N, input): ``h = cell(x, h)`` (zeros when h is None)."""

    gates = 3

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        return gru_step(x, self._zeros(x) if hx is None else hx, *self._params())


class _RecurrentBase(Module):
    """Stacked recurrent layers over (T, N, input) (or (N, T, input) with batch_first, or an
    unbatched (T, input)); layer k reads layer k−1's outputs (with dropout between layers in training)."""

    gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: type = DEFAULT_DTYPE,
    ) -> None:
        name = type(self).__name__
        _check_sizes(name, input_size, hidden_size)
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be a positive integer, got {num_layers!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1], got {dropout!r}")
        if bidirectional:
            raise NotImplementedError(f"{name}: bidirectional=True is not supported")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.batch_first, self.dropout = batch_first, dropout
        for k in range(num_layers):  # PyTorch's names and order: weight_ih_l0, weight_hh_l0, bias_ih_l0, …
            params = _weights(input_size if k == 0 else hidden_size, hidden_size, bias, dtype, self.gates)
            for prefix, param in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), params):
                setattr(self, f"{prefix}_l{k}", param)

    def layer_params(self, k: int) -> tuple:
        return tuple(getattr(self, f"{p}_l{k}") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def step(self, x: Tensor, state: Any, k: int) -> tuple[Tensor, Any]:
        """(h', state') of layer k; the subclasses' cell."""
        raise NotImplementedError

    def initial(self, hx: Any, batch: int, dtype: Any, unbatched: bool = False) -> list[Any]:
        """The state of each layer at t = 0: from hx (shape (num_layers, N, H)), or zeros."""
        raise NotImplementedError

    def check_hidden(self, h: Tensor, batch: int, unbatched: bool) -> None:
        expected = (self.num_layers, self.hidden_size) if unbatched else (self.num_layers, batch, self.hidden_size)
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected hidden size {expected}, got {list(h.shape)}")

    def run(self, x: Tensor, hx: Any) -> tuple[Tensor, list[Any]]:
        """The last layer's outputs, shaped as x, and each layer's final state."""
        name = type(self).__name__
        if x.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {x.ndim}D instead")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {x.shape[-1]}"
            )
        unbatched = x.ndim == 2
        time_axis = 0 if unbatched or not self.batch_first else 1
        if unbatched:
            x = x.reshape(x.shape[0], 1, x.shape[1])
        batch = x.shape[1 - time_axis]
        states = self.initial(hx, batch, x.dtype, unbatched)
        steps = [x[t] if time_axis == 0 else x[:, t] for t in range(x.shape[time_axis])]
        for k in range(self.num_layers):
            if k and self.dropout and self.training:
                steps = [F.dropout(s, self.dropout, True) for s in steps]
            state, outputs = states[k], []
            for s in steps:
                h, state = self.step(s, state, k)
                outputs.append(h)
            steps, states[k] = outputs, state
        out = Tensor.stack(steps, axis=time_axis)
        return (out.reshape(out.shape[0], self.hidden_size) if unbatched else out), states

    def _stack(self, per_layer: list[Tensor], unbatched: bool) -> Tensor:
        out = Tensor.stack(per_layer, axis=0)
        return out.reshape(self.num_layers, self.hidden_size) if unbatched else out

    def _layer_states(self, h: Tensor | None, batch: int, dtype: Any, unbatched: bool) -> list[Tensor]:
        if h is None:
            return [Tensor.zeros(batch, self.hidden_size, dtype=dtype) for _ in range(self.num_layers)]
        self.check_hidden(h, batch, unbatched)
        return [h[k].reshape(batch, self.hidden_size) for k in range(self.num_layers)]

    def extra_repr(self) -> str:
        extra = [] if self.num_layers == 1 else [f"num_layers={self.num_layers}"]
        extra += ["bias=False"] if self.layer_params(0)[2] is None else []
        extra += ["batch_first=True"] if self.batch_first else []
        extra += [f"dropout={self.dropout}"] if self.dropout else []
        return ", ".join([f"{self.input_size}, {self.hidden_size}", *extra])


class LSTM(_RecurrentBase):
    """``output, (h_n, c_n) = lstm(x, (h_0, c_0))`` as ``torch.nn.LSTM``: output (T, N, H) holds the
    last layer's h at every step; h_n and c_n (num_layers, N, H) the last step of every layer.

    >>> import numpy as np
    >>> lstm = LSTM(3, 5, num_layers=2, batch_first=True)
    >>> out, (h, c) = lstm(Tensor(np.ones((4, 7, 3))))
    >>> out.shape, h.shape, c.shape
    (torch.Size([4, 7, 5]), torch.Size([2, 4, 5]), torch.Size([2, 4, 5]))
    """

    gates = 4

    def initial(self, hx: Any, batch: int, dtype: Any, unbatched: bool = False) -> list[Any]:
        h0, c0 = (None, None) if hx is None else hx
        return list(
            zip(self._layer_states(h0, batch, dtype, unbatched), self._layer_states(c0, batch, dtype, unbatched))
        )

    def step(self, x: Tensor, state: Any, k: int) -> tuple[Tensor, Any]:
        h, c = lstm_step(x, *state, *self.layer_params(k))
        return h, (h, c)

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        out, states = self.run(x, hx)
        unbatched = x.ndim == 2
        return out, (self._stack([h for h, _ in states], unbatched), self._stack([c for _, c in states], unbatched))


class GRU(_RecurrentBase):
    """``output, h_n = gru(x, h_0)`` as ``torch.nn.GRU`` (shapes as `LSTM`'s, without c)."""

    gates = 3

    def initial(self, hx: Any, batch: int, dtype: Any, unbatched: bool = False) -> list[Any]:
        return self._layer_states(hx, batch, dtype, unbatched)

    def step(self, x: Tensor, state: Any, k: int) -> tuple[Tensor, Any]:
        h = gru_step(x, state, *self.layer_params(k))
        return h, h

    def forward(self, x: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        out, states = self.run(x, hx)
        return out, self._stack(states, x.ndim == 2)
