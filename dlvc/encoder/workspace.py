"""The scratch arrays one thread's CTU decisions work in (``wk``), made once per thread."""
import numpy as np

from .quant import new_rdoq_scratch

# wk[i]: int32 [32, 32] pred, resid, coeff, levels, delta, best levels; int32 [2, 32, 32] work
# (add_residual's); RDOQ's float64 and int64 state (quant.new_rdoq_scratch)
WK_PRED, WK_RESID, WK_COEFF, WK_LEVELS, WK_DELTA, WK_BEST_LEVELS, WK_WORK, WK_RDOQ_F, WK_RDOQ_I = range(9)


def new_workspace():
    z = lambda: np.zeros((32, 32), np.int32)
    return (z(), z(), z(), z(), z(), z(), np.zeros((2, 32, 32), np.int32)) + new_rdoq_scratch()
