"""``torch.nn.utils``: gradient clipping under PyTorch's names (the rules live in `tinygrad_edu.optim.clip`).

>>> from tinygrad_edu import nn, Tensor
>>> w = nn.Parameter(Tensor([0.0, 0.0]))
>>> (w * Tensor([3.0, 4.0])).sum().backward()
>>> round(float(nn.utils.clip_grad_norm_([w], 1.0)), 6)   # ‖(3, 4)‖ = 5, scaled to 1
5.0
"""

from ..optim.clip import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
