"""Every tensor op, as a `Function` with its forward and its backward side by side.

| file             | holds                                                                      |
|------------------|----------------------------------------------------------------------------|
| `function.py`    | `Function` (the base class) and `apply` (runs one, records the graph)      |
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
| `cases.py`       | the op-case registry read by the tests and ``tinygrad-edu gradcheck``      |

These are the autograd Functions; the layers of the same name (`tinygrad_edu.nn.Linear`,
`tinygrad_edu.nn.ReLU`, ...) are Modules that call them. Models call ops through `Tensor` methods
and `tinygrad_edu.nn.functional`; subclass `Function` and call `apply` to define a new op.
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
from .function import Function, apply, check_broadcast, normalize_axis, unbroadcast
from .losses import BinaryCrossEntropy, BinaryCrossEntropyWithLogits, SoftmaxCrossEntropy
from .matmul import MatMul, matmul_backward
from .movement import Cast, Cat, Clone, Expand, GetItem, Repeat, Reshape, Stack, Transpose
from .nn import BatchNorm, Dropout, Linear
from .reduce import Max, Mean, Min, Sum
from .softmax import LogSoftmax, Softmax

__all__ = [
    "Abs",
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
    "Function",
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
    "apply",
    "check_broadcast",
    "matmul_backward",
    "normalize_axis",
    "unbroadcast",
]
