"""Every tensor op, as an `Op` with its forward and its backward side by side.

| file             | holds                                                                      |
|------------------|----------------------------------------------------------------------------|
| `op.py`          | `Op` (the base class), `AccumulateGrad`, and the broadcast and axis helpers |
| `elementwise.py` | `Add`, `Sub`, `Mul`, `Div`, `Pow`, `PowConst`, `Neg`, `Exp`, `Log`, `Sqrt`, `Abs`, |
|                  | `Sin`, `Cos`, `Tanh`, `Sigmoid`, `ReLU`, `LeakyReLU`, `Clip`, `Where`                    |
| `matmul.py`      | `MatMul` (``@``) and `matmul_backward`, the one GEMM gradient               |
| `reduce.py`      | `Sum`, `Mean`, `Max`, `Min`                                                |
| `softmax.py`     | `Softmax`, `LogSoftmax`                                                    |
| `movement.py`    | `Reshape`, `Transpose`, `Expand`, `Repeat`, `GetItem`, `Cat`, `Stack`,     |
|                  | `Cast`, `Clone`                                                            |
| `nn.py`          | the fused layers `Linear`, `BatchNorm`, `Dropout`                          |
| `losses.py`      | `SoftmaxCrossEntropy`, `BinaryCrossEntropy`, `BinaryCrossEntropyWithLogits`|
| `conv.py`        | `Conv2d`, `MaxPool2d`, `AvgPool2d` (im2col + GEMM, col2im)                  |

This package sits below `tinygrad_edu.tensor`: it imports the kernels and the graph core, never
`Tensor`; ops map numpy arrays to numpy arrays. `tinygrad_edu.tensor.apply` runs one on tensors and
records the graph. Models call ops through `Tensor` methods and `tinygrad_edu.nn.functional`.
"""

from .conv import AvgPool2d, Conv2d, MaxPool2d
from .elementwise import (
    Abs,
    Add,
    Clip,
    Cos,
    Div,
    Exp,
    LeakyReLU,
    Log,
    Mul,
    Neg,
    Pow,
    PowConst,
    ReLU,
    Sigmoid,
    Sin,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .losses import BinaryCrossEntropy, BinaryCrossEntropyWithLogits, SoftmaxCrossEntropy
from .matmul import MatMul, matmul_backward
from .movement import Cast, Cat, Clone, Expand, GetItem, Repeat, Reshape, Stack, Transpose
from .nn import BatchNorm, Dropout, Linear
from .op import AccumulateGrad, Op, check_broadcast, node_of, normalize_axis, unbroadcast
from .reduce import Max, Mean, Min, Sum
from .softmax import LogSoftmax, Softmax

__all__ = [
    "Abs",
    "AccumulateGrad",
    "Add",
    "AvgPool2d",
    "BatchNorm",
    "BinaryCrossEntropy",
    "BinaryCrossEntropyWithLogits",
    "Cast",
    "Cat",
    "Clip",
    "Clone",
    "Conv2d",
    "Cos",
    "Div",
    "Dropout",
    "Exp",
    "Expand",
    "GetItem",
    "LeakyReLU",
    "Linear",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "MaxPool2d",
    "Mean",
    "Min",
    "Mul",
    "Neg",
    "Op",
    "Pow",
    "PowConst",
    "ReLU",
    "Repeat",
    "Reshape",
    "Sigmoid",
    "Sin",
    "Softmax",
    "SoftmaxCrossEntropy",
    "Sqrt",
    "Stack",
    "Sub",
    "Sum",
    "Tanh",
    "Transpose",
    "Where",
    "check_broadcast",
    "matmul_backward",
    "node_of",
    "normalize_axis",
    "unbroadcast",
]
