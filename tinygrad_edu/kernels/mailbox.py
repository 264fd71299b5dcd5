"""The mailbox: the int64 array through which `team`'s threads share a job, field by field.

Fields 0-15 are the team's (which job, who took which chunk, who sleeps); the rest describe a job's
chunks: a convolution's (`conv_parts`: sizes, geometry, flags) or a ReLU's or 2x2 max-pool's (`spread`: the
number of elements or image planes, the sizes), and the addresses of its arrays.
"""

# team: the job word (sequence number << 32 | next unclaimed chunk), chunks done, stop, kind, itemsize,
# chunk count; from ASLEEP one flag per helper thread (at most MAX_HELPERS)
WORD, DONE, STOP, KIND, ITEMSIZE, CHUNKS = range(6)
ASLEEP, MAX_HELPERS = 8, 8
# a convolution's job: sizes, geometry (as `kernels.conv`), flags
(
    BATCH,
    CHANNELS,
    HEIGHT,
    WIDTH,
    OUT_CHANNELS,
    KH,
    KW,
    SH,
    SW,
    PH,
    PW,
    DH,
    DW,
    OH,
    OW,
    INSIDE,
    BIAS,
    NEED_GW,
    NEED_GX,
) = range(16, 35)
# the arrays' addresses (``a.ctypes.data``); the columns' one per chunk, from COLS; a max-pool's indices
# (IDX) and its backward's first bad index per chunk (BAD)
X, W_EXT, OUT, G, GX, GW, TMP, IDX, BAD = range(35, 44)
COLS, MAX_CHUNKS = 48, 16
SIZE = COLS + MAX_CHUNKS
# job kinds: a convolution's forward and backward (`conv_parts`), then `spread`'s
FORWARD, BACKWARD, RELU, RELU_BACKWARD, MAX_POOL_2X2, MAX_POOL_BACKWARD = range(1, 7)
