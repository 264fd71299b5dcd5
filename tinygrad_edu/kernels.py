"""Hot-path kernels: numba-compiled loops, each with a pure-numpy twin that computes the same thing.

numpy evaluates ``g * (y > 0)`` in two passes over memory and allocates a temporary for the mask;
a numba loop does it in one pass. GEMM stays with BLAS (numpy's ``@``): a hand-written loop
reaches a quarter of its speed. The numba versions are used when ``TINYGRAD_EDU_JIT`` is not ``0``;
the elementwise ones only for arrays of at least `JIT_MIN_SIZE` elements (below that the call
overhead eats the gain). The optimizer updates replace three or four numpy calls and win at every
size (`sgd_step` with momentum on 128 floats: 2.6 µs against the twin's 3.9 µs), so they have no size cut.
Every kernel is compiled with ``cache=True``, so the compilation cost is paid once per machine.

The kernels are serial on purpose. A ``prange`` ReLU on a 128x512 array takes 7 µs alone, but
between two BLAS calls numba's OpenMP threads and OpenBLAS's threads spin-wait against each other
on two cores, and a GEMM followed by that ReLU took 8.8 ms instead of 0.67 ms. Serial, the ReLU
takes 12 µs (numpy: 33 µs) and costs the GEMM nothing (``bench/kernels.py`` measures both).
Where numpy wins (``tanh``: 175 µs against 1.2 ms for a numba loop on 128x512 float32) there is no kernel.

Each public function here takes and returns numpy arrays and dispatches to one of the twins.
"""

from __future__ import annotations

import math
import os

import numpy as np

JIT_ENABLED = os.environ.get("TINYGRAD_EDU_JIT", "1") != "0"
JIT_MIN_SIZE = 16_384

try:
    import numba as nb
except ImportError:  # numba is a dependency, but the numpy twins keep the library usable without it
    nb = None
    JIT_ENABLED = False


# --------------------------------------------------------------------------- numpy twins
def relu_np(x: np.ndarray) -> np.ndarray:
    """max(x, 0)."""
    return np.maximum(x, 0)


def relu_backward_np(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · 1[y > 0], from the forward output y."""
    return g * (y > 0)


def sigmoid_np(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e^{−x}), evaluated as e^{−|x|}-based so that nothing overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sigmoid_backward_np(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · σ(1 − σ), from the forward output y = σ(x)."""
    return g * y * (1 - y)


def tanh_backward_np(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """g · (1 − tanh²), from the forward output y = tanh(x)."""
    return g * (1 - y * y)


def softmax_xent_np(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Σᵢ −log softmax(zᵢ)[yᵢ] over rows, and the softmax probabilities.

    Log-sum-exp: log Σⱼ e^{zⱼ} = m + log Σⱼ e^{zⱼ − m} with m = maxⱼ zⱼ, so no exponent overflows.
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    probs = exp / total
    picked = shifted[np.arange(len(labels)), labels]
    return float(np.sum(np.log(total[:, 0]) - picked, dtype=np.float64)), probs


def softmax_xent_backward_np(probs: np.ndarray, labels: np.ndarray, scale: float) -> np.ndarray:
    """∂loss/∂z = scale · (softmax(z) − onehot(y)), the classic "A − Y"."""
    grad = probs.copy()
    grad[np.arange(len(labels)), labels] -= 1
    grad *= scale
    return grad


def sgd_step_np(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    """PyTorch's SGD, in place: d = g + wd·p; b = μ·b + (1 − τ)·d (b = d at the first step);
    p −= lr·(d + μ·b) with Nesterov, else p −= lr·b."""
    d = g + weight_decay * p if weight_decay else g
    if momentum:
        if first:
            buf[...] = d
        else:
            buf *= momentum
            buf += (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    p -= lr * d


def adam_step_np(p, g, m, v, lr, beta1, beta2, eps, weight_decay, bias1, bias2):
    """PyTorch's Adam, in place: d = g + wd·p; m = β₁m + (1 − β₁)d; v = β₂v + (1 − β₂)d²;
    p −= (lr/bias1)·m / (√v/√bias2 + ε), with bias_k = 1 − β_kᵗ."""
    d = g + weight_decay * p if weight_decay else g
    m *= beta1
    m += (1 - beta1) * d
    v *= beta2
    v += (1 - beta2) * d * d
    p -= (lr / bias1) * m / (np.sqrt(v) / math.sqrt(bias2) + eps)  # math.sqrt: np.sqrt(float) is float64


def col2im_np(dcols: np.ndarray, padded_shape: tuple[int, ...], stride: int) -> np.ndarray:
    """Scatter-add window gradients (N, OH, OW, C, kh, kw) back onto the padded image (N, C, Hp, Wp):
    the adjoint of cutting an image into overlapping windows (each pixel gets the sum over the
    windows that contain it)."""
    _n, oh, ow, _c, kh, kw = dcols.shape
    out = np.zeros(padded_shape, dtype=dcols.dtype)
    d = dcols.transpose(0, 3, 4, 5, 1, 2)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i : i + stride * oh : stride, j : j + stride * ow : stride] += d[:, :, i, j]
    return out


def maxpool_backward_np(g: np.ndarray, argmax: np.ndarray, padded_shape: tuple[int, ...], k: int, stride: int):
    """Route each output gradient (N, C, OH, OW) to the input position that won its window."""
    n, c, oh, ow = g.shape
    out = np.zeros(padded_shape, dtype=g.dtype)
    rows = np.arange(oh)[:, None] * stride + argmax // k
    cols = np.arange(ow)[None, :] * stride + argmax % k
    nn_, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    np.add.at(out, (nn_[:, :, None, None], cc[:, :, None, None], rows, cols), g)
    return out


# --------------------------------------------------------------------------- numba kernels
if nb is not None:
    # error_model="numpy": x/0 gives inf or nan as in numpy (and the twins) instead of a Python-style
    # ZeroDivisionError check, whose branch keeps LLVM from vectorizing a loop (Adam 512x784: 1.57 ms -> 0.21 ms)
    _jit = nb.njit(cache=True, error_model="numpy")

    @_jit
    def _relu_nb(x):
        flat = x.reshape(-1)
        out = np.empty_like(flat)
        for i in range(flat.size):
            v = flat[i]
            out[i] = v if v > 0 else 0
        return out.reshape(x.shape)

    @_jit
    def _sigmoid_nb(x):
        # the twin's formula in one pass: z = e^{−|x|}, σ = 1/(1 + z) for x ≥ 0, else z/(1 + z)
        flat = x.reshape(-1)
        out = np.empty_like(flat)
        one = np.ones(1, flat.dtype)[0]
        for i in range(flat.size):
            v = flat[i]
            z = np.exp(-abs(v))
            out[i] = one / (one + z) if v >= 0 else z / (one + z)
        return out.reshape(x.shape)

    @_jit
    def _relu_backward_nb(y, g):
        fy, fg = y.reshape(-1), g.reshape(-1)
        out = np.empty_like(fg)
        for i in range(fg.size):
            out[i] = fg[i] if fy[i] > 0 else 0
        return out.reshape(g.shape)

    @_jit
    def _sigmoid_backward_nb(y, g):
        fy, fg = y.reshape(-1), g.reshape(-1)
        out = np.empty_like(fg)
        one = np.ones(1, fg.dtype)[0]  # a literal 1 would promote float32 work to float64
        for i in range(fg.size):
            out[i] = fg[i] * fy[i] * (one - fy[i])
        return out.reshape(g.shape)

    @_jit
    def _tanh_backward_nb(y, g):
        fy, fg = y.reshape(-1), g.reshape(-1)
        out = np.empty_like(fg)
        one = np.ones(1, fg.dtype)[0]
        for i in range(fg.size):
            out[i] = fg[i] * (one - fy[i] * fy[i])
        return out.reshape(g.shape)

    @_jit
    def _softmax_xent_nb(logits, labels):
        n, c = logits.shape
        probs = np.empty_like(logits)
        losses = np.empty(n, dtype=np.float64)
        for i in range(n):
            m = logits[i, 0]
            for j in range(1, c):
                m = max(m, logits[i, j])
            total = 0.0
            for j in range(c):
                e = np.exp(logits[i, j] - m)
                probs[i, j] = e
                total += e
            inv = 1.0 / total
            for j in range(c):
                probs[i, j] *= inv
            losses[i] = np.log(total) - (logits[i, labels[i]] - m)
        return losses.sum(), probs

    @_jit
    def _softmax_xent_backward_nb(probs, labels, scale):
        n, c = probs.shape
        grad = np.empty_like(probs)
        for i in range(n):
            for j in range(c):
                grad[i, j] = probs[i, j] * scale
            grad[i, labels[i]] -= scale
        return grad

    @_jit
    def _sgd_step_nb(p, g, buf, lr, momentum, damp, weight_decay, nesterov, first):
        # Scalars arrive in p's dtype and ``damp`` = 1 − dampening is precomputed: a Python constant
        # such as ``1 - dampening`` would promote float32 to float64 inside the loop and halve its
        # speed. Each case gets its own branch-free loop, which LLVM vectorizes.
        fp, fg, fb = p.reshape(-1), g.reshape(-1), buf.reshape(-1)
        if momentum == 0:
            for i in range(fp.size):
                fp[i] -= lr * (fg[i] + weight_decay * fp[i])
        elif first:
            for i in range(fp.size):
                d = fg[i] + weight_decay * fp[i]
                fb[i] = d
                fp[i] -= lr * (d + momentum * d) if nesterov else lr * d
        elif nesterov:
            for i in range(fp.size):
                d = fg[i] + weight_decay * fp[i]
                b = momentum * fb[i] + damp * d
                fb[i] = b
                fp[i] -= lr * (d + momentum * b)
        else:
            for i in range(fp.size):
                b = momentum * fb[i] + damp * (fg[i] + weight_decay * fp[i])
                fb[i] = b
                fp[i] -= lr * b

    @_jit
    def _adam_step_nb(p, g, m, v, lr, beta1, beta2, c1, c2, eps, weight_decay, bias1, bias2):
        # c1 = 1 − β₁ and c2 = 1 − β₂ are precomputed in p's dtype, as in the SGD kernel
        fp, fg, fm, fv = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
        step = lr / bias1
        root2 = np.sqrt(bias2)
        for i in range(fp.size):
            d = fg[i] + weight_decay * fp[i]
            fm[i] = beta1 * fm[i] + c1 * d
            fv[i] = beta2 * fv[i] + c2 * d * d
            fp[i] -= step * fm[i] / (np.sqrt(fv[i]) / root2 + eps)

    @_jit
    def _col2im_nb(dcols, out, stride):
        n, oh, ow, c, kh, kw = dcols.shape
        for b in range(n):
            for y in range(oh):
                for x in range(ow):
                    for ch in range(c):
                        for i in range(kh):
                            for j in range(kw):
                                out[b, ch, y * stride + i, x * stride + j] += dcols[b, y, x, ch, i, j]
        return out

    @_jit
    def _maxpool_backward_nb(g, argmax, out, k, stride):
        n, c, oh, ow = g.shape
        for b in range(n):
            for ch in range(c):
                for y in range(oh):
                    for x in range(ow):
                        a = argmax[b, ch, y, x]
                        out[b, ch, y * stride + a // k, x * stride + a % k] += g[b, ch, y, x]
        return out


def _use_jit(x: np.ndarray) -> bool:
    return JIT_ENABLED and x.size >= JIT_MIN_SIZE


def _jit_update(p: np.ndarray, g: np.ndarray) -> bool:
    """An optimizer kernel can update ``p`` in place from ``g`` (flat loops need C order)."""
    return JIT_ENABLED and p.flags.c_contiguous and g.flags.c_contiguous and g.dtype == p.dtype


# --------------------------------------------------------------------------- dispatch
def _elementwise(jit_fn, np_fn, *arrays: np.ndarray) -> np.ndarray:
    """Call the numba kernel on contiguous copies of large arrays, else the numpy twin."""
    if _use_jit(arrays[-1]):
        return jit_fn(*(np.ascontiguousarray(a) for a in arrays))
    return np_fn(*arrays)


def relu(x: np.ndarray) -> np.ndarray:
    return _elementwise(_relu_nb, relu_np, x)


def relu_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    return _elementwise(_relu_backward_nb, relu_backward_np, y, g)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return _elementwise(_sigmoid_nb, sigmoid_np, x)


def sigmoid_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    return _elementwise(_sigmoid_backward_nb, sigmoid_backward_np, y, g)


def tanh_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    return _elementwise(_tanh_backward_nb, tanh_backward_np, y, g)


def softmax_xent(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    if JIT_ENABLED and logits.flags.c_contiguous:
        return _softmax_xent_nb(logits, labels)
    return softmax_xent_np(logits, labels)


def softmax_xent_backward(probs: np.ndarray, labels: np.ndarray, scale: float) -> np.ndarray:
    if JIT_ENABLED:
        return _softmax_xent_backward_nb(probs, labels, probs.dtype.type(scale))
    return softmax_xent_backward_np(probs, labels, scale)


def sgd_step(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first) -> None:
    """In-place SGD update of ``p`` (and the momentum buffer ``buf``); see `sgd_step_np`."""
    if _jit_update(p, g):
        t = p.dtype.type
        if buf is None:  # no momentum: the kernel never reads the buffer, but numba needs an array
            buf = np.empty(0, dtype=p.dtype)
        _sgd_step_nb(p, g, buf, t(lr), t(momentum), t(1 - dampening), t(weight_decay), nesterov, first)
    else:
        sgd_step_np(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first)


def adam_step(p, g, m, v, lr, beta1, beta2, eps, weight_decay, bias1, bias2) -> None:
    """In-place Adam update of ``p`` and its moments ``m``, ``v``; see `adam_step_np`."""
    if _jit_update(p, g):
        t = p.dtype.type
        scalars = (lr, beta1, beta2, 1 - beta1, 1 - beta2, eps, weight_decay, bias1, bias2)
        _adam_step_nb(p, g, m, v, *[t(a) for a in scalars])
    else:
        adam_step_np(p, g, m, v, lr, beta1, beta2, eps, weight_decay, bias1, bias2)


def col2im(dcols: np.ndarray, padded_shape: tuple[int, ...], stride: int) -> np.ndarray:
    """See `col2im_np`; one numba pass instead of kh·kw strided numpy passes."""
    if JIT_ENABLED:
        return _col2im_nb(np.ascontiguousarray(dcols), np.zeros(padded_shape, dtype=dcols.dtype), stride)
    return col2im_np(dcols, padded_shape, stride)


def maxpool_backward(g: np.ndarray, argmax: np.ndarray, padded_shape: tuple[int, ...], k: int, stride: int):
    """See `maxpool_backward_np`; numba avoids ``np.add.at``, which is slow."""
    if JIT_ENABLED:
        out = np.zeros(padded_shape, dtype=g.dtype)
        return _maxpool_backward_nb(np.ascontiguousarray(g), np.ascontiguousarray(argmax), out, k, stride)
    return maxpool_backward_np(g, argmax, padded_shape, k, stride)
