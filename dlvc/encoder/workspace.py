"""The scratch arrays one thread's CTU decisions work in (``wk``), made once per thread, so
that the compiled decision functions neither allocate nor count references.  TB coding
passes the 32x32 blocks whole (the functions read their top-left N x N): a ``[:n, :n]`` view
would be typed with an unknown inner stride, and the transforms' inner loops would not
vectorise."""
import numpy as np

from ..core.cabac import NUM_CTX
from ..core.intra import INTRA_SAMPLES_32
from .quant import new_rdoq_scratch

# wk[i]: int32 [32, 32] pred, resid, coeff, levels, delta, best levels; int32 [3, 32, 32] work
# (add_residual's); RDOQ's float64 and int64 state (quant.new_rdoq_scratch); int32 [32, 32]
# the forward transform's intermediate; int32 intra prediction buffers of a 32x32 TB
# (core.intra.new_intra_samples' layout); uint8 [NUM_CTX] context states of a rate estimate;
# int32 [8, 8] SATD's scratch (cost.satd_in); the luma mode decision's candidates (int64 [11]
# modes, float64 [11] costs: NUM_RD_MODES + 3 MPMs at most); the stacks of the residual
# quadtrees (luma_rqt, inter_rqt: int64 [8, 6], float64 [8, 2]) and of the chroma transform
# tree (int64 [16, 3])
(WK_PRED, WK_RESID, WK_COEFF, WK_LEVELS, WK_DELTA, WK_BEST_LEVELS, WK_WORK, WK_RDOQ_F, WK_RDOQ_I,
 WK_TRANSFORM, WK_INTRA, WK_CTX, WK_SATD, WK_RD_MODES, WK_RD_COSTS, WK_RQT_I, WK_RQT_F,
 WK_CHROMA_STACK) = range(18)


def new_workspace():
    z = lambda: np.zeros((32, 32), np.int32)
    return ((z(), z(), z(), z(), z(), z(), np.zeros((3, 32, 32), np.int32)) + new_rdoq_scratch()
            + (z(), np.zeros(INTRA_SAMPLES_32, np.int32), np.zeros(NUM_CTX, np.uint8),
               np.zeros((8, 8), np.int32), np.zeros(11, np.int64), np.zeros(11, np.float64),
               np.zeros((8, 6), np.int64), np.zeros((8, 2), np.float64), np.zeros((16, 3), np.int64)))
