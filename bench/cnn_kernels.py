"""Micro-benchmarks behind the convolution and pooling kernels' design (issue 13): each choice measured.

For the four convolutions of ``bench/cnn_mnist.py`` (batch 64, float32) and their max-pools:

1. GEMM layout of a convolution's forward + backward (∂/∂W, ∂/∂b, and ∂/∂x when x is not data):
   - ``rows``: cols (N·OH·OW, C·kh·kw) from ``sliding_window_view`` + a reshape copy, one GEMM,
     then a transposed copy back to NCHW (the path before issue 13);
   - ``batched``: the kernel's im2col into (N, C·kh·kw, OH·OW), one GEMM per image whose output
     is already NCHW (``np.matmul`` over the stack), ∂/∂W summed over the images as
     (Σ_n cols[n]·G[n]ᵀ)ᵀ, which BLAS reads faster than Σ_n G[n]·cols[n]ᵀ (kept);
   - ``one-gemm``: cols (C·kh·kw, N·OH·OW), a single large GEMM per direction, plus transposed
     copies of the output and of the upstream gradient.
2. The bias: added to the GEMM's output in place, or folded into the GEMM as a row of ones in
   the columns (and a column of b in W).
3. Max-pool 2x2 with indices: numpy (window view, argmax, take_along_axis), the general numba
   kernel, the unrolled 2x2 one (kept for that case), and PyTorch's ``max_pool2d(return_indices=True)``.

Times are the median CPU time of this process (``time.process_time``), which other processes on a
busy machine do not inflate; BLAS and PyTorch get ``--threads`` threads (default 1).

    python bench/cnn_kernels.py [--threads 1] [--reps 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--reps", type=int, default=20)
ARGS = ap.parse_args() if __name__ == "__main__" else ap.parse_args([])
os.environ.setdefault("OMP_NUM_THREADS", str(ARGS.threads))

import numba as nb  # noqa: E402 (after the thread count is set)
import numpy as np  # noqa: E402 (after the thread count is set)
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402 (after the thread count is set)

from tinygrad_edu.kernels import conv as K  # noqa: E402 (after the thread count is set)

SHAPES = [  # name, in channels, out channels, kernel, image side, input needs a gradient
    ("small conv1", 1, 16, 3, 28, False),
    ("small conv2", 16, 32, 3, 13, True),
    ("LeNet conv1", 1, 6, 5, 32, False),
    ("LeNet conv2", 6, 16, 5, 14, True),
]
N = 64
_jit = nb.njit(cache=True, error_model="numpy")


@_jit
def _im2col_one_gemm(x, k, oh, ow):
    n, c = x.shape[:2]
    out = np.empty((c * k * k, n * oh * ow), x.dtype)
    for ch in range(c):
        for i in range(k):
            for j in range(k):
                r = (ch * k + i) * k + j
                for b in range(n):
                    for y in range(oh):
                        for z in range(ow):
                            out[r, (b * oh + y) * ow + z] = x[b, ch, y + i, z + j]
    return out


@_jit
def _col2im_one_gemm(d, out, k, oh, ow):
    n, c = out.shape[:2]
    for ch in range(c):
        for i in range(k):
            for j in range(k):
                r = (ch * k + i) * k + j
                for b in range(n):
                    for y in range(oh):
                        for z in range(ow):
                            out[b, ch, y + i, z + j] += d[r, (b * oh + y) * ow + z]
    return out


def conv_rows(x, w, b, g, need_dx):
    n, c, h, _ = x.shape
    o, _, k, _ = w.shape
    oh = h - k + 1
    cols = sliding_window_view(x, (k, k), axis=(2, 3)).transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * oh, -1)
    y = cols @ w.reshape(o, -1).T
    y += b
    np.ascontiguousarray(y.reshape(n, oh, oh, o).transpose(0, 3, 1, 2))
    g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)
    g2.T @ cols, g2.sum(0)
    if need_dx:
        dcols = (g2 @ w.reshape(o, -1)).reshape(n, oh, oh, c * k * k).transpose(0, 3, 1, 2).reshape(n, c * k * k, -1)
        K.col2im(dcols, x.shape, (k, k), (1, 1), (0, 0), (1, 1), (oh, oh))


def conv_batched(x, w, b, g, need_dx, fold_bias=False):
    n = x.shape[0]
    o, _, k, _ = w.shape
    oh = x.shape[2] - k + 1
    cols = K.im2col(x, (k, k), (1, 1), (0, 0), (1, 1), (oh, oh))
    wf = w.reshape(o, -1)
    if fold_bias:  # a row of ones under the columns, b as the last column of W
        cols1 = np.empty((n, cols.shape[1] + 1, cols.shape[2]), cols.dtype)
        cols1[:, :-1], cols1[:, -1] = cols, 1
        np.matmul(np.concatenate([wf, b[:, None]], axis=1), cols1)
    else:
        y = np.matmul(wf, cols)
        y += b[:, None]
    g3 = g.reshape(n, o, -1)
    np.matmul(cols, g3.transpose(0, 2, 1)).sum(axis=0).T, np.add.reduce(g3, axis=0).sum(axis=1)
    if need_dx:
        K.col2im(np.matmul(wf.T, g3), x.shape, (k, k), (1, 1), (0, 0), (1, 1), (oh, oh))


def conv_one_gemm(x, w, b, g, need_dx):
    n = x.shape[0]
    o, _, k, _ = w.shape
    oh = x.shape[2] - k + 1
    cols = _im2col_one_gemm(x, k, oh, oh)
    wf = w.reshape(o, -1)
    y = wf @ cols
    y += b[:, None]
    np.ascontiguousarray(y.reshape(o, n, -1).transpose(1, 0, 2))
    gt = np.ascontiguousarray(g.reshape(n, o, -1).transpose(1, 0, 2)).reshape(o, -1)
    gt @ cols.T, gt.sum(1)
    if need_dx:
        _col2im_one_gemm(wf.T @ gt, np.zeros(x.shape, x.dtype), k, oh, oh)


def pool_numpy(x):
    win = sliding_window_view(x, (2, 2), axis=(2, 3))[:, :, ::2, ::2]
    flat = win.reshape(*win.shape[:4], 4)
    pos = flat.argmax(axis=-1)
    return np.take_along_axis(flat, pos[..., None], axis=-1)[..., 0], pos


def cpu_ms(fn, reps: int) -> float:
    fn()  # warm-up (numba loads its cached machine code)
    times = []
    for _ in range(reps):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return 1e3 * float(np.median(times))


def main() -> None:
    import torch

    torch.set_num_threads(ARGS.threads)
    rng = np.random.default_rng(0)
    print(f"median CPU ms over {ARGS.reps} runs, batch {N}, float32, {ARGS.threads} thread(s)")
    heads = ("rows", "batched", "one-gemm", "bias fold", "torch")
    print(f"{'':<12} " + " ".join(f"{h:>9}" for h in heads) + "   (conv forward + backward)")
    for name, c, o, k, h, need_dx in SHAPES:
        x = rng.standard_normal((N, c, h, h), dtype=np.float32)
        w = rng.standard_normal((o, c, k, k), dtype=np.float32)
        b = rng.standard_normal(o, dtype=np.float32)
        g = rng.standard_normal((N, o, h - k + 1, h - k + 1), dtype=np.float32)
        xt, wt, bt = (torch.from_numpy(a).requires_grad_(r) for a, r in ((x, need_dx), (w, True), (b, True)))

        gt = torch.from_numpy(g)
        args = (x, w, b, g, need_dx)
        row = [cpu_ms(lambda f=f, a=args: f(*a), ARGS.reps) for f in (conv_rows, conv_batched, conv_one_gemm)]
        row.append(cpu_ms(lambda a=args: conv_batched(*a, fold_bias=True), ARGS.reps))
        row.append(cpu_ms(lambda t=(xt, wt, bt), gt=gt: torch.nn.functional.conv2d(*t).backward(gt), ARGS.reps))
        print(f"{name:<12} " + " ".join(f"{v:9.2f}" for v in row))
    heads = ("numpy", "general", "2x2", "torch")
    print(f"{'':<12} " + " ".join(f"{h:>9}" for h in heads) + "   (max-pool 2x2 with indices)")
    for name, c, side in [("small pool1", 16, 26), ("small pool2", 32, 11), ("LeNet pool1", 6, 28)]:
        x = rng.standard_normal((N, c, side, side), dtype=np.float32)
        o = side // 2
        xt = torch.from_numpy(x)
        row = [
            cpu_ms(lambda x=x: pool_numpy(x), ARGS.reps),
            cpu_ms(lambda x=x, o=o: K._max_pool2d_nb(x, 2, 2, 2, 2, 0, 0, 1, 1, o, o), ARGS.reps),
            cpu_ms(lambda x=x, o=o: K._max_pool2d_2x2_nb(x, o, o), ARGS.reps),
            cpu_ms(lambda xt=xt: torch.nn.functional.max_pool2d(xt, 2, return_indices=True), ARGS.reps),
        ]
        print(f"{name:<12} " + " ".join(f"{v:9.2f}" for v in row))


if __name__ == "__main__":
    sys.exit(main())
