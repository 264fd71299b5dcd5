"""Every tensor op, as an `Op` with its forward and its backward side by side.

| file             | holds                                                                      |
|------------------|----------------------------------------------------------------------------|
| `op.py`          | `Op` (the base class), `AccumulateGrad`, and the broadcast and axis helpers |
| `elementwise.py` | `Add`, `Sub`, `Mul`, `Div`, `Pow`, `PowConst`, `Neg`, `Exp`, `Log`, `Log10`, `Sqrt`, `Abs`, |
|                  | `Sin`, `Cos`, `Tanh`, `Sigmoid`, `Relu`, `LeakyRelu`, `Clip`, `Where`                    |
| `matmul.py`      | `MatMul` (``@``) and `matmul_backward`, the one GEMM gradient               |
| `reduce.py`      | `Sum`, `Mean`, `Max`, `Min`                                                |
| `softmax.py`     | `Softmax`, `LogSoftmax`                                                    |
| `movement.py`    | `Reshape`, `Transpose`, `Expand`, `Repeat`, `GetItem`, `IndexPut`, `Cat`,  |
|                  | `Stack`, `Cast`, `Clone`, and the index helpers (`index`, `fit_value`)     |
| `nn.py`          | the fused layers `Addmm`, `NativeBatchNorm`, `NativeDropout`                          |
| `cross_entropy.py` | `SoftmaxCrossEntropy`, `BinaryCrossEntropy`, `BinaryCrossEntropyWithLogits`|
| `conv.py`        | `Convolution`, `MaxPool2DWithIndices`, `AvgPool2D` (im2col + GEMM, col2im)                  |

This package sits below `tinygrad_edu.tensor`: it imports the kernels and the graph core, never
`Tensor`; ops map numpy arrays to numpy arrays. `tinygrad_edu.tensor.apply` runs one on tensors and
records the graph. Models call ops through `Tensor` methods and `tinygrad_edu.nn.functional`.
"""

from .conv import AvgPool2D, Convolution, MaxPool2DWithIndices
from .cross_entropy import BinaryCrossEntropy, BinaryCrossEntropyWithLogits, SoftmaxCrossEntropy
from .elementwise import (
    Abs,
    Add,
    Clip,
    Cos,
    Div,
    Exp,
    LeakyRelu,
    Log,
    Log10,
    Mul,
    Neg,
    Pow,
    PowConst,
    Relu,
    Sigmoid,
    Sin,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .matmul import MatMul, matmul_backward
from .movement import (
    Cast,
    Cat,
    Clone,
    Expand,
    GetItem,
    IndexPut,
    Repeat,
    Reshape,
    Stack,
    Transpose,
    fit_value,
    index,
    is_basic_index,
    normalize_index,
)
from .nn import Addmm, NativeBatchNorm, NativeDropout, Normal
from .op import (
    AccumulateGrad,
    Op,
    array_axis,
    broadcast_shape,
    check_broadcast,
    dim_error,
    node_of,
    normalize_axis,
    normalize_dim,
    reduction_axes,
    rename_node,
    unbroadcast,
)
from .reduce import Cumsum, Max, Mean, Min, Prod, Sum
from .rounding import Remainder, floor_divide
from .softmax import LogSoftmax, Softmax

__all__ = [
    "Abs",
    "AccumulateGrad",
    "Add",
    "Addmm",
    "AvgPool2D",
    "BinaryCrossEntropy",
    "BinaryCrossEntropyWithLogits",
    "Cast",
    "Cat",
    "Clip",
    "Clone",
    "Convolution",
    "Cos",
    "Cumsum",
    "Div",
    "Exp",
    "Expand",
    "GetItem",
    "IndexPut",
    "LeakyRelu",
    "Log",
    "Log10",
    "LogSoftmax",
    "MatMul",
    "Max",
    "MaxPool2DWithIndices",
    "Mean",
    "Min",
    "Mul",
    "NativeBatchNorm",
    "NativeDropout",
    "Neg",
    "Normal",
    "Op",
    "Pow",
    "PowConst",
    "Prod",
    "Relu",
    "Remainder",
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
    "array_axis",
    "broadcast_shape",
    "check_broadcast",
    "dim_error",
    "fit_value",
    "floor_divide",
    "index",
    "is_basic_index",
    "matmul_backward",
    "node_of",
    "normalize_axis",
    "normalize_dim",
    "normalize_index",
    "reduction_axes",
    "rename_node",
    "unbroadcast",
]
