"""Every tensor op, as an `Op` with its forward and its backward side by side.

| file               | holds                                                                         |
|--------------------|-------------------------------------------------------------------------------|
| `op.py`            | `Op` (the base class), `AccumulateGrad`, and the broadcast and axis helpers   |
| `elementwise.py`   | one value per position: `Add`, `Mul`, `Pow`, `Exp`, `Log`, `Sin`, `Relu`, `Where`, ... |
| `matmul.py`        | `MatMul` (``@``) and `matmul_backward`, the one GEMM gradient                 |
| `reduce.py`        | reductions over axes: `Sum`, `Mean`, `Max`, `Min`                             |
| `softmax.py`       | `Softmax`, `LogSoftmax`                                                       |
| `movement.py`      | shape and indexing: `Reshape`, `Transpose`, `GetItem`, `Cat`, ..., and the index helpers |
| `nn.py`            | the fused layers `Addmm`, `NativeBatchNorm`, `NativeDropout`                  |
| `cross_entropy.py` | `SoftmaxCrossEntropy`, `BinaryCrossEntropy`, `BinaryCrossEntropyWithLogits`   |
| `conv.py`          | `Convolution`, `MaxPool2DWithIndices`, `AvgPool2D` (im2col + GEMM, col2im)    |

Each of these modules lists what it exports in its ``__all__``; this package star-imports them all, so
a new op is exported by adding its class and its name to its module's ``__all__`` (``ops.Log10``).

This package sits below `tinygrad_edu.tensor`: it imports the kernels and the graph core, never
`Tensor`; ops map numpy arrays to numpy arrays. `tinygrad_edu.tensor.apply` runs one on tensors and
records the graph. Models call ops through `Tensor` methods and `tinygrad_edu.nn.functional`.
"""

from . import conv, cross_entropy, elementwise, matmul, movement, nn, op, reduce, rounding, softmax
from .conv import *  # noqa: F403
from .cross_entropy import *  # noqa: F403
from .elementwise import *  # noqa: F403
from .matmul import *  # noqa: F403
from .movement import *  # noqa: F403
from .nn import *  # noqa: F403
from .op import *  # noqa: F403
from .reduce import *  # noqa: F403
from .rounding import *  # noqa: F403
from .softmax import *  # noqa: F403

__all__: list[str] = []
__all__ += op.__all__
__all__ += elementwise.__all__
__all__ += matmul.__all__
__all__ += reduce.__all__
__all__ += rounding.__all__
__all__ += softmax.__all__
__all__ += movement.__all__
__all__ += nn.__all__
__all__ += cross_entropy.__all__
__all__ += conv.__all__
