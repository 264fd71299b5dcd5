"""Convolution and pooling kernels (work in progress: moves into ``tinygrad_edu/kernels/conv.py``).

Every kernel works on images of shape (N, C, H, W) in C order and takes its window geometry per
axis: kernel (kh, kw), stride (sh, sw), the padding before the first row and column (ph, pw) and
dilation (dh, dw). Output size, as PyTorch (``ceil_mode=False``):

    OH = ⌊(H + ph + ph' − dh·(kh − 1) − 1)/sh⌋ + 1,   with ph' the padding after the last row,

so "same" padding with an even kernel (ph' = ph + 1) needs nothing but the right OH. Window
element (i, j) of output position (y, x) reads input row y·sh − ph + i·dh and column
x·sw − pw + j·dw; positions outside the image are the padding (0 for convolution and average
pooling, −∞ for max pooling) and are never stored.

Layout of the columns ("im2col"): (N, C·kh·kw, OH·OW), one matrix per image whose rows are the
kernel's weights' order (c, i, j). The convolution is then one batched GEMM per direction, each
straight into the layout the next step wants, with no transposed copy:

    y[n] = W_flat · cols[n]                (O, OH·OW): already NCHW
    ∂L/∂cols[n] = W_flatᵀ · G[n],  ∂L/∂W = Σ_n G[n] · cols[n]ᵀ

Measured against the alternatives (``bench/cnn_kernels.py``, CPU ms of forward + backward, one
thread, batch 64): cols as (N·OH·OW, C·kh·kw) with a transposed copy back to NCHW (the path
before) took 7.7 / 13.5 ms for the small CNN's two convolutions against 0.7 / 8.7 ms batched;
cols as (C·kh·kw, N·OH·OW) with one large GEMM per direction plus transposes took 5.3 / 5.4 ms:
a little faster on the 16-channel layer, 8x slower on the 1-channel one (a GEMM with an inner
dimension of 9). Batched wins the network; the bias is added in place into the GEMM's output
(folding it into the GEMM as a row of ones costs a copy of the columns and was slower).

Each kernel has a numpy twin (suffix ``_np``) that computes the same numbers with
``sliding_window_view`` and strided slices; the dispatchers pick the numba kernel unless
``TINYGRAD_EDU_JIT=0``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import kernels

Pair = tuple[int, int]

try:
    import numba as nb
except ImportError:  # pragma: no cover - numba is a dependency
    nb = None


def conv_out_size(size: int, k: int, stride: int, pad_before: int, pad_after: int, dilation: int) -> int:
    """PyTorch's output length along one axis (``ceil_mode=False``).

    >>> conv_out_size(28, 3, 1, 0, 0, 1), conv_out_size(28, 2, 2, 0, 0, 1), conv_out_size(7, 3, 2, 1, 1, 1)
    (26, 14, 4)
    """
    return (size + pad_before + pad_after - dilation * (k - 1) - 1) // stride + 1


# --------------------------------------------------------------------------- numpy twins
def _padded_windows(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair, fill: float) -> np.ndarray:
    """View (N, C, OH, OW, kh, kw) of the windows of x padded with ``fill`` (a copy only for the padding)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = k, s, p, d, out_hw
    h, w = x.shape[2:]
    after_h = max(0, (oh - 1) * sh + dh * (kh - 1) + 1 - ph - h)
    after_w = max(0, (ow - 1) * sw + dw * (kw - 1) + 1 - pw - w)
    if ph or pw or after_h or after_w:
        x = np.pad(x, ((0, 0), (0, 0), (ph, after_h), (pw, after_w)), constant_values=fill)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    win = sliding_window_view(x, (span_h, span_w), axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    return win[:, :, :oh, :ow]


def im2col_np(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> np.ndarray:
    """Columns (N, C·kh·kw, OH·OW): cols[n, (c·kh + i)·kw + j, y·OW + x] = x_pad[n, c, y·sh + i·dh, x·sw + j·dw]."""
    win = _padded_windows(x, k, s, p, d, out_hw, 0.0)
    n, c = x.shape[:2]
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k[0] * k[1], out_hw[0] * out_hw[1])


def col2im_np(dcols: np.ndarray, shape: tuple[int, ...], k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair):
    """The adjoint of `im2col_np`: scatter-add (N, C·kh·kw, OH·OW) back onto an image of ``shape``
    (each pixel gets the sum over the windows that contain it; padding positions are dropped)."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow) = k, s, p, d, out_hw
    n, c, h, w = shape
    hp = max(h + ph, (oh - 1) * sh + dh * (kh - 1) + 1)
    wp = max(w + pw, (ow - 1) * sw + dw * (kw - 1) + 1)
    out = np.zeros((n, c, hp, wp), dtype=dcols.dtype)
    d6 = dcols.reshape(n, c, kh, kw, oh, ow)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh : i * dh + sh * oh : sh, j * dw : j * dw + sw * ow : sw] += d6[:, :, i, j]
    return out[:, :, ph : ph + h, pw : pw + w]


def max_pool2d_np(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """Max over each window (padding is −∞) and where it came from, as a flat index y·W + x into
    each (H, W) image (PyTorch's ``return_indices``). Ties go to the first element in row order,
    as PyTorch; a NaN wins its window."""
    win = _padded_windows(x, k, s, p, d, out_hw, -np.inf)
    flat = win.reshape(*win.shape[:4], k[0] * k[1])
    pos = flat.argmax(axis=-1)  # argmax returns the first NaN, so NaN propagates as in PyTorch
    out = np.take_along_axis(flat, pos[..., None], axis=-1)[..., 0]
    oh, ow = out_hw
    rows = np.arange(oh)[:, None] * s[0] - p[0] + (pos // k[1]) * d[0]
    cols = np.arange(ow)[None, :] * s[1] - p[1] + (pos % k[1]) * d[1]
    return out, (rows * x.shape[3] + cols).astype(np.int64)


def max_pool2d_backward_np(g: np.ndarray, indices: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Route each output gradient (N, C, OH, OW) to the input element that won its window."""
    n, c, h, w = shape
    out = np.zeros((n * c, h * w), dtype=g.dtype)
    rows = np.repeat(np.arange(n * c), g.shape[2] * g.shape[3])
    np.add.at(out, (rows, indices.reshape(-1)), g.reshape(-1))
    return out.reshape(shape)


def avg_pool2d_np(x: np.ndarray, k: Pair, s: Pair, p: Pair, out_hw: Pair) -> np.ndarray:
    """Mean over each kh×kw window, zero padding counted (PyTorch's ``count_include_pad=True``)."""
    win = _padded_windows(x, k, s, p, (1, 1), out_hw, 0.0)
    return win.mean(axis=(-2, -1), dtype=x.dtype)


def avg_pool2d_backward_np(g: np.ndarray, shape: tuple[int, ...], k: Pair, s: Pair, p: Pair) -> np.ndarray:
    """Each input element receives G/(kh·kw) from every window that contains it."""
    n, c, oh, ow = g.shape
    share = np.broadcast_to((g / g.dtype.type(k[0] * k[1]))[:, :, None, None], (n, c, *k, oh, ow))
    return col2im_np(share.reshape(n, c * k[0] * k[1], oh * ow), shape, k, s, p, (1, 1), (oh, ow))


def batch_norm_np(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float):
    """Batch normalisation of x (N, C, M) over N and M, per channel c:

        μ = mean x,  σ² = mean (x − μ)² (biased),  x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β.

    Returns y, x̂, μ, σ² and 1/√(σ² + ε), all in x's dtype."""
    mean = x.mean(axis=(0, 2))
    var = x.var(axis=(0, 2))
    invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
    xhat = (x - mean[:, None]) * invstd[:, None]
    return xhat * gamma[:, None] + beta[:, None], xhat, mean, var, invstd


def batch_norm_backward_np(g: np.ndarray, xhat: np.ndarray, gamma: np.ndarray, invstd: np.ndarray):
    """With d = G·γ and means over N and M (Ioffe & Szegedy 2015, section 3):

    ∂L/∂x = (γ/√(σ² + ε))·(G − mean G − x̂·mean(G·x̂)),  ∂L/∂γ = Σ G·x̂,  ∂L/∂β = Σ G."""
    count = g.shape[0] * g.shape[2]
    gbeta = g.sum(axis=(0, 2))
    ggamma = (g * xhat).sum(axis=(0, 2))
    gx = (g - (gbeta / count)[:, None] - xhat * (ggamma / count)[:, None]) * (gamma * invstd)[:, None]
    return gx, ggamma, gbeta


# --------------------------------------------------------------------------- numba kernels
if nb is not None:
    _jit = nb.njit(cache=True, error_model="numpy")

    @_jit
    def _im2col_nb(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
        # innermost loop: one output row of one kernel tap, a strided copy (contiguous when sw = 1)
        n, c, h, w = x.shape
        out = np.empty((n, c * kh * kw, oh * ow), x.dtype)
        zero = np.zeros(1, x.dtype)[0]
        for b in range(n):
            for ch in range(c):
                for i in range(kh):
                    for j in range(kw):
                        r = (ch * kh + i) * kw + j
                        for y in range(oh):
                            yy = y * sh - ph + i * dh
                            base = y * ow
                            if yy < 0 or yy >= h:
                                for z in range(ow):
                                    out[b, r, base + z] = zero
                            else:
                                for z in range(ow):
                                    xx = z * sw - pw + j * dw
                                    out[b, r, base + z] = x[b, ch, yy, xx] if 0 <= xx < w else zero
        return out

    @_jit
    def _col2im_nb(dcols, out, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
        n, c, h, w = out.shape
        for b in range(n):
            for ch in range(c):
                for i in range(kh):
                    for j in range(kw):
                        r = (ch * kh + i) * kw + j
                        for y in range(oh):
                            yy = y * sh - ph + i * dh
                            if 0 <= yy < h:
                                base = y * ow
                                for z in range(ow):
                                    xx = z * sw - pw + j * dw
                                    if 0 <= xx < w:
                                        out[b, ch, yy, xx] += dcols[b, r, base + z]
        return out

    @_jit
    def _valid(size, stride, offset, n):
        # the t in [lo, hi) ⊂ [0, n) whose position t·stride + offset lies inside [0, size)
        lo = 0 if offset >= 0 else (stride - 1 - offset) // stride
        hi = 0 if size - 1 - offset < 0 else (size - 1 - offset) // stride + 1
        lo, hi = min(lo, n), min(hi, n)
        return lo, max(lo, hi)

    @_jit
    def _window_ranges(size, k, stride, pad, dilation, n_out):
        # for each output position, the range of window taps that fall inside the image
        lo = np.empty(n_out, np.int64)
        hi = np.empty(n_out, np.int64)
        for t in range(n_out):
            lo[t], hi[t] = _valid(size, dilation, t * stride - pad, k)
        return lo, hi

    @_jit
    def _max_pool2d_nb(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
        # Per output: the taps inside the image come from precomputed ranges (no bounds check in the
        # loop), and the running maximum is a branch-free select (a branch mispredicts half the time
        # on random data): 2x faster than a bounds-checked, branching loop (bench/cnn_kernels.py).
        n, c, h, w = x.shape
        out = np.empty((n, c, oh, ow), x.dtype)
        idx = np.empty((n, c, oh, ow), np.int64)
        ilo, ihi = _window_ranges(h, kh, sh, ph, dh, oh)
        jlo, jhi = _window_ranges(w, kw, sw, pw, dw, ow)
        xf, of, idf = x.reshape(n * c, h * w), out.reshape(n * c, oh * ow), idx.reshape(n * c, oh * ow)
        for m in range(n * c):
            for y in range(oh):
                i0, i1 = ilo[y], ihi[y]
                for z in range(ow):
                    j0, j1 = jlo[z], jhi[z]
                    o = y * ow + z
                    if i0 == i1 or j0 == j1:  # all padding: impossible with padding ≤ kernel/2
                        of[m, o] = -np.inf
                        idf[m, o] = -1
                        continue
                    where = (y * sh - ph + i0 * dh) * w + z * sw - pw + j0 * dw
                    best = xf[m, where]
                    for i in range(i0, i1):
                        row = (y * sh - ph + i * dh) * w + z * sw - pw
                        for j in range(j0, j1):
                            q = row + j * dw
                            v = xf[m, q]
                            # strict >: the first of equal maxima wins; the first NaN wins
                            take = (v > best) | (np.isnan(v) & (not np.isnan(best)))
                            best = v if take else best
                            where = q if take else where
                    of[m, o] = best
                    idf[m, o] = where
        return out, idx

    @_jit
    def _max_pool2d_2x2_nb(x, oh, ow):
        # the common case (2x2 windows, stride 2, no padding or dilation) unrolled: 30-45% faster than
        # the general loop (bench/cnn_kernels.py); same tie and NaN rule
        n, c, _, w = x.shape
        out = np.empty((n, c, oh, ow), x.dtype)
        idx = np.empty((n, c, oh, ow), np.int64)
        for b in range(n):
            for ch in range(c):
                for y in range(oh):
                    r = 2 * y
                    for z in range(ow):
                        q = 2 * z
                        best = x[b, ch, r, q]
                        where = r * w + q
                        for i, j in ((0, 1), (1, 0), (1, 1)):
                            v = x[b, ch, r + i, q + j]
                            take = (v > best) | (np.isnan(v) & (not np.isnan(best)))
                            best = v if take else best
                            where = (r + i) * w + q + j if take else where
                        out[b, ch, y, z] = best
                        idx[b, ch, y, z] = where
        return out, idx

    @_jit
    def _max_pool2d_backward_nb(g, idx, out):
        n, c, oh, ow = g.shape
        w = out.shape[3]
        for b in range(n):
            for ch in range(c):
                for y in range(oh):
                    for z in range(ow):
                        k = idx[b, ch, y, z]
                        if k >= 0:
                            out[b, ch, k // w, k % w] += g[b, ch, y, z]
        return out

    @_jit
    def _avg_pool2d_nb(x, kh, kw, sh, sw, ph, pw, oh, ow):
        n, c, h, w = x.shape
        out = np.empty((n, c, oh, ow), x.dtype)
        inv = np.ones(1, x.dtype)[0] / (kh * kw)
        for b in range(n):
            for ch in range(c):
                for y in range(oh):
                    for z in range(ow):
                        acc = np.zeros(1, x.dtype)[0]
                        for i in range(kh):
                            yy = y * sh - ph + i
                            if 0 <= yy < h:
                                for j in range(kw):
                                    xx = z * sw - pw + j
                                    if 0 <= xx < w:
                                        acc += x[b, ch, yy, xx]
                        out[b, ch, y, z] = acc * inv
        return out

    @_jit
    def _avg_pool2d_backward_nb(g, out, kh, kw, sh, sw, ph, pw):
        n, c, oh, ow = g.shape
        h, w = out.shape[2], out.shape[3]
        inv = np.ones(1, g.dtype)[0] / (kh * kw)
        for b in range(n):
            for ch in range(c):
                for y in range(oh):
                    for z in range(ow):
                        share = g[b, ch, y, z] * inv
                        for i in range(kh):
                            yy = y * sh - ph + i
                            if 0 <= yy < h:
                                for j in range(kw):
                                    xx = z * sw - pw + j
                                    if 0 <= xx < w:
                                        out[b, ch, yy, xx] += share
        return out

    @_jit
    def _batch_norm_nb(x, gamma, beta, eps):
        # per channel: the mean, then the variance about it (two passes over the channel: stable),
        # accumulated in float64 (returned in x's dtype); then x̂ and y in one pass
        n, c, m = x.shape
        count = n * m
        mean = np.empty(c, x.dtype)
        var = np.empty(c, x.dtype)
        invstd = np.empty(c, x.dtype)
        xhat = np.empty_like(x)
        out = np.empty_like(x)
        for ch in range(c):
            total = 0.0
            for b in range(n):
                for i in range(m):
                    total += x[b, ch, i]
            mu = total / count
            sq = 0.0
            for b in range(n):
                for i in range(m):
                    dv = x[b, ch, i] - mu
                    sq += dv * dv
            mean[ch], var[ch] = mu, sq / count
            invstd[ch] = 1.0 / np.sqrt(sq / count + eps)
            mu_x, inv, gam, bet = x.dtype.type(mu), invstd[ch], gamma[ch], beta[ch]
            for b in range(n):
                for i in range(m):
                    h = (x[b, ch, i] - mu_x) * inv
                    xhat[b, ch, i] = h
                    out[b, ch, i] = h * gam + bet
        return out, xhat, mean, var, invstd

    @_jit
    def _batch_norm_backward_nb(g, xhat, gamma, invstd):
        n, c, m = g.shape
        count = n * m
        gx = np.empty_like(g)
        ggamma = np.empty(c, g.dtype)
        gbeta = np.empty(c, g.dtype)
        for ch in range(c):
            sg = 0.0
            sgx = 0.0
            for b in range(n):
                for i in range(m):
                    sg += g[b, ch, i]
                    sgx += g[b, ch, i] * xhat[b, ch, i]
            ggamma[ch], gbeta[ch] = sgx, sg
            mg, mgx, scale = g.dtype.type(sg / count), g.dtype.type(sgx / count), gamma[ch] * invstd[ch]
            for b in range(n):
                for i in range(m):
                    gx[b, ch, i] = scale * (g[b, ch, i] - mg - xhat[b, ch, i] * mgx)
        return gx, ggamma, gbeta


# --------------------------------------------------------------------------- dispatch
def _check_image(name: str, x: np.ndarray) -> np.ndarray:
    if x.ndim != 4:
        raise ValueError(f"{name}: expected an array of shape (N, C, H, W), got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating-point array, got dtype {x.dtype}")
    return np.ascontiguousarray(x)


def im2col(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> np.ndarray:
    """See `im2col_np`; one numba pass writes the columns in place of a padded copy plus a reshape copy."""
    x = _check_image("im2col", x)
    if kernels.JIT_ENABLED:
        return _im2col_nb(x, *k, *s, *p, *d, *out_hw)
    return im2col_np(x, k, s, p, d, out_hw)


def col2im(dcols: np.ndarray, shape: tuple[int, ...], k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> np.ndarray:
    """See `col2im_np`; one numba pass adds straight into the unpadded image."""
    n, c = shape[:2]
    expected = (n, c * k[0] * k[1], out_hw[0] * out_hw[1])
    if dcols.shape != expected:
        raise ValueError(f"col2im: expected columns of shape {expected}, got {dcols.shape}")
    if kernels.JIT_ENABLED:
        out = np.zeros(shape, dtype=dcols.dtype)
        return _col2im_nb(np.ascontiguousarray(dcols), out, *k, *s, *p, *d, *out_hw)
    return col2im_np(dcols, shape, k, s, p, d, out_hw)


def _check_pool_padding(name: str, k: Pair, p: Pair) -> None:
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{name}: padding {p} must be at most half the window {k} (as in PyTorch)")


def max_pool2d(x: np.ndarray, k: Pair, s: Pair, p: Pair, d: Pair, out_hw: Pair) -> tuple[np.ndarray, np.ndarray]:
    """See `max_pool2d_np`; one numba pass finds each maximum and its index together."""
    x = _check_image("max_pool2d", x)
    _check_pool_padding("max_pool2d", k, p)
    if kernels.JIT_ENABLED:
        if k == s == (2, 2) and p == (0, 0) and d == (1, 1):
            return _max_pool2d_2x2_nb(x, *out_hw)
        return _max_pool2d_nb(x, *k, *s, *p, *d, *out_hw)
    return max_pool2d_np(x, k, s, p, d, out_hw)


def max_pool2d_backward(g: np.ndarray, indices: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """See `max_pool2d_backward_np`; numba replaces ``np.add.at``, which is slow."""
    if g.shape != indices.shape or g.shape[:2] != tuple(shape[:2]):
        raise ValueError(f"max_pool2d_backward: gradient {g.shape}, indices {indices.shape}, input {tuple(shape)}")
    if kernels.JIT_ENABLED:
        out = np.zeros(shape, dtype=g.dtype)
        return _max_pool2d_backward_nb(np.ascontiguousarray(g), np.ascontiguousarray(indices), out)
    return max_pool2d_backward_np(g, indices, shape)


def avg_pool2d(x: np.ndarray, k: Pair, s: Pair, p: Pair, out_hw: Pair) -> np.ndarray:
    """See `avg_pool2d_np`."""
    x = _check_image("avg_pool2d", x)
    _check_pool_padding("avg_pool2d", k, p)
    if kernels.JIT_ENABLED:
        return _avg_pool2d_nb(x, *k, *s, *p, *out_hw)
    return avg_pool2d_np(x, k, s, p, out_hw)


def avg_pool2d_backward(g: np.ndarray, shape: tuple[int, ...], k: Pair, s: Pair, p: Pair) -> np.ndarray:
    """See `avg_pool2d_backward_np`."""
    if g.ndim != 4 or g.shape[:2] != tuple(shape[:2]):
        raise ValueError(f"avg_pool2d_backward: gradient {g.shape} does not match input {tuple(shape)}")
    if kernels.JIT_ENABLED:
        return _avg_pool2d_backward_nb(np.ascontiguousarray(g), np.zeros(shape, dtype=g.dtype), *k, *s, *p)
    return avg_pool2d_backward_np(g, shape, k, s, p)


def batch_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float):
    """See `batch_norm_np`; x of shape (N, C, M). Two numba passes per channel instead of numpy's six."""
    if x.ndim != 3 or gamma.shape != (x.shape[1],) or beta.shape != (x.shape[1],):
        raise ValueError(f"batch_norm: expected x (N, C, M) and γ, β (C,), got {x.shape}, {gamma.shape}, {beta.shape}")
    if kernels.JIT_ENABLED and x.dtype in (np.float32, np.float64):
        t = x.dtype
        return _batch_norm_nb(np.ascontiguousarray(x), gamma.astype(t, copy=False), beta.astype(t, copy=False), eps)
    return batch_norm_np(x, gamma, beta, eps)


def batch_norm_backward(g: np.ndarray, xhat: np.ndarray, gamma: np.ndarray, invstd: np.ndarray):
    """See `batch_norm_backward_np`."""
    if g.shape != xhat.shape or g.ndim != 3:
        raise ValueError(f"batch_norm_backward: gradient {g.shape} and x̂ {xhat.shape} must match, as (N, C, M)")
    if kernels.JIT_ENABLED and g.dtype in (np.float32, np.float64) and g.dtype == xhat.dtype:
        t = g.dtype
        return _batch_norm_backward_nb(np.ascontiguousarray(g), xhat, gamma.astype(t, copy=False), invstd)
    return batch_norm_backward_np(g, xhat, gamma, invstd)
