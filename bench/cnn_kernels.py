"""Micro-benchmarks behind the convolution and pooling kernels' design (issue 13): each choice measured.

For the convolutions of ``bench/cnn_mnist.py`` (batch 64) and of keras.io's MNIST convnet (batch 128),
float32, forward + backward (∂/∂W, ∂/∂b, and ∂/∂x when x is not data):

1. GEMM layout of the columns (``kernels.im2col``):
   - ``batched``: (N, C·kh·kw, OH·OW), one GEMM per image whose output is already NCHW (``np.matmul``
     over the stack), ∂/∂W summed over the images as (Σ_n cols[n]·G[n]ᵀ)ᵀ;
   - ``one-gemm``: (C·kh·kw, N·OH·OW), a single large GEMM per direction, plus moving the batch axis
     of the output and of the upstream gradient; ∂/∂W as (cols·Gᵀ)ᵀ (``gT@cols`` column: as G·colsᵀ);
   - ``op``: `ops.Convolution` itself, which picks one-gemm from depth C·kh·kw ≥ 289 (``ONE_GEMM_DEPTH``).
2. The bias: added into the GEMM's output in place (``+b``), or folded into the GEMM as a row of ones
   that `im2col` writes (``row``, what the op does: ∂/∂b is then a column of the extended ∂/∂W).
3. Max-pool 2x2 with indices: numpy (window view, argmax, take_along_axis); the general numba kernel
   with NaN tested at every tap (the kernel before; kept here to measure it) and as it is now (NaN
   tested once per window, from the sum of the taps); the unrolled 2x2 kernel; PyTorch's
   ``max_pool2d(return_indices=True)``; and the backward scatter with 4-D against flat indexing.
4. ReLU and the 2x2 max-pool, forward and backward, on one thread (the dispatchers `kernels.relu`, ...)
   and spread over the team's threads (`kernels.spread`, what the ops do from 2^17 elements), against
   PyTorch's ops on ``--threads`` threads.

Times are wall-clock medians: with two threads, the CPU time of the process would also count the
time BLAS's threads spin while waiting, and what a layout gains is how well BLAS spreads one GEMM
over the threads. BLAS and PyTorch get ``--threads`` threads (default 2, CI's cores); run it on a quiet
machine.

    python bench/cnn_kernels.py [--threads 2] [--reps 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--reps", type=int, default=20)
ARGS = ap.parse_args() if __name__ == "__main__" else ap.parse_args([])
os.environ.setdefault("OMP_NUM_THREADS", str(ARGS.threads))

import numba as nb  # noqa: E402 (after the thread count is set)
import numpy as np  # noqa: E402 (after the thread count is set)
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402 (after the thread count is set)

from tinygrad_edu import ops  # noqa: E402 (after the thread count is set)
from tinygrad_edu.kernels import activations as KA  # noqa: E402 (after the thread count is set)
from tinygrad_edu.kernels import conv as K  # noqa: E402 (after the thread count is set)
from tinygrad_edu.kernels import pooling as KP  # noqa: E402 (after the thread count is set)
from tinygrad_edu.kernels import spread  # noqa: E402 (after the thread count is set)

SHAPES = [  # name, batch, in channels, out channels, kernel, image side, input needs a gradient
    ("small conv1", 64, 1, 16, 3, 28, False),
    ("small conv2", 64, 16, 32, 3, 13, True),
    ("LeNet conv1", 64, 1, 6, 5, 32, False),
    ("LeNet conv2", 64, 6, 16, 5, 14, True),
    ("keras conv2", 128, 32, 64, 3, 13, True),
]
_jit = nb.njit(cache=True, error_model="numpy")


def conv(x, w, b, g, need_dx, one_gemm: bool, bias_row: bool, gw_order: str = "cols@gT") -> None:
    """Forward and backward of a stride-1 unpadded convolution in one layout, the bias one way."""
    n, o, k = x.shape[0], w.shape[0], w.shape[2]
    oh = x.shape[2] - k + 1
    geom = ((k, k), (1, 1), (0, 0), (1, 1), (oh, oh))
    cols = K.im2col(x, *geom, batch_inside=one_gemm, ones_row=bias_row)
    wf = w.reshape(o, -1)
    we = np.concatenate([wf, b[:, None]], axis=1) if bias_row else wf
    if one_gemm:
        y = np.ascontiguousarray((we @ cols).reshape(o, n, -1).transpose(1, 0, 2))
        g2 = np.ascontiguousarray(g.reshape(n, o, -1).transpose(1, 0, 2)).reshape(o, -1)
        grads = (cols @ g2.T).T if gw_order == "cols@gT" else g2 @ cols.T
    else:
        y = np.matmul(we, cols)
        g2 = g.reshape(n, o, -1)
        grads = np.matmul(cols, g2.transpose(0, 2, 1)).sum(axis=0).T
    if not bias_row:
        y += b[:, None]
        g2.sum(axis=-1) if one_gemm else np.add.reduce(g2, axis=0).sum(axis=1)
    if need_dx:
        K.col2im(np.matmul(wf.T, g2), x.shape, *geom, batch_inside=one_gemm)
    return grads


def conv_op(x, w, b, g, need_dx) -> None:
    """`ops.Convolution` as the network runs it (it picks the layout)."""
    fn = ops.Convolution((1, 1), ((0, 0), (0, 0)), (1, 1))
    fn.needs_input_grad = (need_dx, True, True)
    fn.forward(x, w, b)
    fn.backward(g)


@_jit
def _max_pool_nan_per_tap(x, oh, ow):
    # the general kernel before: NaN tested at every tap (2x2, stride 2)
    n, c, _, w = x.shape
    out = np.empty((n, c, oh, ow), x.dtype)
    idx = np.empty((n, c, oh, ow), np.int64)
    for b in range(n):
        for ch in range(c):
            for y in range(oh):
                for z in range(ow):
                    best = x[b, ch, 2 * y, 2 * z]
                    where = 2 * y * w + 2 * z
                    for i in range(2):
                        for j in range(2):
                            v = x[b, ch, 2 * y + i, 2 * z + j]
                            take = (v > best) | (np.isnan(v) & (not np.isnan(best)))
                            best = v if take else best
                            where = (2 * y + i) * w + 2 * z + j if take else where
                    out[b, ch, y, z] = best
                    idx[b, ch, y, z] = where
    return out, idx


@_jit
def _max_pool_backward_4d(g, idx, out):
    # the backward scatter before: the flat index split into row and column for a 4-D store
    n, c, oh, ow = g.shape
    w = out.shape[3]
    for b in range(n):
        for ch in range(c):
            for y in range(oh):
                for z in range(ow):
                    q = idx[b, ch, y, z]
                    out[b, ch, q // w, q % w] += g[b, ch, y, z]
    return out


def pool_numpy(x):
    win = sliding_window_view(x, (2, 2), axis=(2, 3))[:, :, ::2, ::2]
    flat = win.reshape(*win.shape[:4], 4)
    pos = flat.argmax(axis=-1)
    return np.take_along_axis(flat, pos[..., None], axis=-1)[..., 0], pos


def wall_ms(fn, reps: int) -> float:
    fn()  # warm-up (numba loads its cached machine code)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def main() -> None:
    import torch

    torch.set_num_threads(ARGS.threads)
    rng = np.random.default_rng(0)
    print(f"median wall ms over {ARGS.reps} runs, float32, {ARGS.threads} thread(s)")
    heads = ("batched+b", "batched", "1gemm+b", "1gemm", "gT@cols", "op", "torch")
    print(f"{'':<12} {'depth':>5} " + " ".join(f"{h:>9}" for h in heads) + "   (conv forward + backward)")
    for name, n, c, o, k, h, need_dx in SHAPES:
        x = rng.standard_normal((n, c, h, h), dtype=np.float32)
        w = rng.standard_normal((o, c, k, k), dtype=np.float32)
        b = rng.standard_normal(o, dtype=np.float32)
        g = rng.standard_normal((n, o, h - k + 1, h - k + 1), dtype=np.float32)
        xt, wt, bt = (torch.from_numpy(a).requires_grad_(r) for a, r in ((x, need_dx), (w, True), (b, True)))
        gt = torch.from_numpy(g)
        args = (x, w, b, g, need_dx)
        variants = [(False, False), (False, True), (True, False), (True, True)]
        row = [wall_ms(lambda v=v, a=args: conv(*a, *v), ARGS.reps) for v in variants]
        row.append(wall_ms(lambda a=args: conv(*a, True, True, gw_order="gT@cols"), ARGS.reps))
        row.append(wall_ms(lambda a=args: conv_op(*a), ARGS.reps))
        row.append(wall_ms(lambda t=(xt, wt, bt), gt=gt: torch.nn.functional.conv2d(*t).backward(gt), ARGS.reps))
        print(f"{name:<12} {c * k * k:>5} " + " ".join(f"{v:9.2f}" for v in row))
    heads = ("numpy", "per-tap", "general", "2x2", "torch", "bw 4-D", "bw flat")
    print(f"{'':<12} " + " ".join(f"{h:>9}" for h in heads) + "   (max-pool 2x2 with indices; backward)")
    for name, c, side in [("small pool1", 16, 26), ("small pool2", 32, 11), ("LeNet pool1", 6, 28)]:
        x = rng.standard_normal((64, c, side, side), dtype=np.float32)
        o = side // 2
        xt = torch.from_numpy(x)
        y, idx = KP._max_pool2d_2x2_nb(x, o, o)
        row = [
            wall_ms(lambda x=x: pool_numpy(x), ARGS.reps),
            wall_ms(lambda x=x, o=o: _max_pool_nan_per_tap(x, o, o), ARGS.reps),
            wall_ms(lambda x=x, o=o: KP._max_pool2d_nb(x, 2, 2, 2, 2, 0, 0, 1, 1, o, o), ARGS.reps),
            wall_ms(lambda x=x, o=o: KP._max_pool2d_2x2_nb(x, o, o), ARGS.reps),
            wall_ms(lambda xt=xt: torch.nn.functional.max_pool2d(xt, 2, return_indices=True), ARGS.reps),
            wall_ms(lambda y=y, i=idx, x=x: _max_pool_backward_4d(y, i, np.zeros_like(x)), ARGS.reps),
            wall_ms(lambda y=y, i=idx, x=x: KP._max_pool2d_backward_nb(y, i, np.zeros_like(x)), ARGS.reps),
        ]
        print(f"{name:<12} " + " ".join(f"{v:9.2f}" for v in row))
    spread_table(rng)


def spread_table(rng) -> None:
    """Section 4: each op on one thread, spread over the team, and PyTorch's."""
    heads = ("relu 1T", "relu team", "torch", "relu' 1T", "team", "pool 1T", "pool team", "torch", "pool' 1T", "team")
    print(f"{'':<12} " + " ".join(f"{h:>9}" for h in heads) + "   (ReLU, max-pool 2x2; ' backward)")
    for name, c, side in [("LeNet 1", 6, 28), ("small 1", 16, 26), ("small 2", 32, 11)]:
        row = spread_row(rng.standard_normal((64, c, side, side), dtype=np.float32))
        print(f"{name:<12} " + " ".join(f"{v:9.3f}" for v in row))


def spread_row(x: np.ndarray) -> list[float]:
    import torch

    y, xt, pool = KA.relu(x), torch.from_numpy(x), ((2, 2), (2, 2), (0, 0), (1, 1), (x.shape[2] // 2, x.shape[3] // 2))
    out, idx = KP.max_pool2d(x, *pool)
    g = np.ones_like(out)
    return [
        wall_ms(lambda: KA.relu(x), ARGS.reps),
        wall_ms(lambda: spread.relu(x), ARGS.reps),
        wall_ms(lambda: torch.relu(xt), ARGS.reps),
        wall_ms(lambda: KA.relu_backward(y, x), ARGS.reps),
        wall_ms(lambda: spread.relu_backward(y, x), ARGS.reps),
        wall_ms(lambda: KP.max_pool2d(x, *pool), ARGS.reps),
        wall_ms(lambda: spread.max_pool2d(x, *pool), ARGS.reps),
        wall_ms(lambda: torch.nn.functional.max_pool2d(xt, 2, return_indices=True), ARGS.reps),
        wall_ms(lambda: KP.max_pool2d_backward(g, idx, x.shape), ARGS.reps),
        wall_ms(lambda: spread.max_pool2d_backward(g, idx, x.shape), ARGS.reps),
    ]


if __name__ == "__main__":
    sys.exit(main())
