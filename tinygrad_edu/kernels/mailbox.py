"""The mailbox: the int64 array through which `team`'s threads share a job, field by field.

Fields 0-15 are the team's (which job, who took which chunk, who sleeps); the rest describe a
convolution's chunk (`conv_parts`): sizes, geometry, flags and the addresses of its arrays.
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
# the arrays' addresses (``a.ctypes.data``); the columns' one per chunk, from COLS
X, W_EXT, OUT, G, GX, GW, TMP = range(35, 42)
COLS, MAX_CHUNKS = 48, 16
SIZE = COLS + MAX_CHUNKS
# job kinds
FORWARD, BACKWARD = 1, 2
