"""Reconstruction of transform blocks and of intra CTUs (8.4.4.1, 8.6).

Encoder and decoder both call these, so their pictures cannot drift apart.
"""
import numpy as np
from numba import njit

from .constants import MAX_SAMPLE
from .intra import predict_intra
from .params import P_CB_QP_OFFSET, P_CR_QP_OFFSET, P_CTB_LOG2, P_PIC_H, P_PIC_W, P_STRONG_INTRA
from .picture import F_CBF, F_CHROMA_MODE, F_CU_LOG2, F_INTRA_MODE, F_QP, F_TS, F_TU_LOG2
from .transform import dequantize, inverse_transform, qp_for_component, transform_skip_inverse


@njit(cache=True, nogil=True)
def component_qp(prm, qp_y, c_idx):
    return qp_for_component(qp_y, c_idx, prm[P_CB_QP_OFFSET], prm[P_CR_QP_OFFSET])


@njit(cache=True, nogil=True)
def add_residual(levels, log2, c_idx, qp, ts, is_intra, pred, rec, x0, y0, work):
    """8.6.2-8.6.4 then 8.6.7: rec[y0.., x0..] = clip(pred + residual(levels))."""
    n = 1 << log2
    coeff = work[0, :n, :n]
    resid = work[1, :n, :n]
    dequantize(levels, log2, qp, coeff)
    if ts:
        transform_skip_inverse(coeff, log2, resid)
    else:
        inverse_transform(coeff, log2, 1 if (is_intra and c_idx == 0 and log2 == 2) else 0, resid)
    for y in range(n):
        for x in range(n):
            v = pred[y, x] + resid[y, x]
            rec[y0 + y, x0 + x] = 0 if v < 0 else (MAX_SAMPLE if v > MAX_SAMPLE else v)


@njit(cache=True, nogil=True)
def copy_pred(pred, rec, x0, y0, n):
    for y in range(n):
        for x in range(n):
            rec[y0 + y, x0 + x] = pred[y, x]


@njit(cache=True, nogil=True)
def reconstruct_intra_tb(planes, coef, prm, x0, y0, log2, c_idx, mode, qp_y, cbf, ts, pred, work):
    """Predict one intra transform block from its reconstructed neighbours and add its residual.

    (x0, y0) and log2 are in the component's own samples."""
    rec = planes[c_idx]
    n = 1 << log2
    sub = 0 if c_idx == 0 else 1
    p = pred[:n, :n]
    predict_intra(rec, x0, y0, log2, c_idx, mode, prm[P_PIC_W] >> sub, prm[P_PIC_H] >> sub,
                  prm[P_CTB_LOG2], prm[P_STRONG_INTRA], p)
    if cbf:
        add_residual(coef[c_idx][y0:y0 + n, x0:x0 + n], log2, c_idx, component_qp(prm, qp_y, c_idx),
                     ts, 1, p, rec, x0, y0, work)
    else:
        copy_pred(p, rec, x0, y0, n)


@njit(cache=True, nogil=True)
def reconstruct_intra_tu(planes, coef, meta, prm, x0, y0, log2, pred, work):
    """Reconstruct the luma TB of the transform unit at (x0, y0) and its chroma TBs (7.3.8.10 order)."""
    f = meta[:, y0 >> 2, x0 >> 2]
    cbf = f[F_CBF]
    ts = f[F_TS]
    qp_y = f[F_QP]
    reconstruct_intra_tb(planes, coef, prm, x0, y0, log2, 0, f[F_INTRA_MODE], qp_y, cbf & 1, ts & 1,
                         pred, work)
    if log2 > 2:
        xc, yc, log2c = x0 >> 1, y0 >> 1, log2 - 1
    elif (x0 & 4) and (y0 & 4):          # blkIdx 3 of a split 8x8: chroma of the whole 8x8
        xc, yc, log2c = (x0 - 4) >> 1, (y0 - 4) >> 1, 2
    else:
        return
    for c in (1, 2):
        reconstruct_intra_tb(planes, coef, prm, xc, yc, log2c, c, f[F_CHROMA_MODE], qp_y,
                             (cbf >> c) & 1, (ts >> c) & 1, pred, work)


@njit(cache=True, nogil=True)
def reconstruct_intra_tree(planes, coef, meta, prm, x0, y0, log2, pred, work):
    """Walk the coding and transform trees below (x0, y0, log2) in decoding order."""
    if x0 >= prm[P_PIC_W] or y0 >= prm[P_PIC_H]:
        return
    f = meta[:, y0 >> 2, x0 >> 2]
    if f[F_CU_LOG2] < log2 or f[F_TU_LOG2] < log2:
        h = 1 << (log2 - 1)
        for j in range(4):
            reconstruct_intra_tree(planes, coef, meta, prm, x0 + (j & 1) * h, y0 + (j >> 1) * h,
                                   log2 - 1, pred, work)
    else:
        reconstruct_intra_tu(planes, coef, meta, prm, x0, y0, log2, pred, work)


def new_work():
    """Scratch buffers for the reconstruction functions (prediction, coefficients, residual)."""
    return np.zeros((32, 32), np.int32), np.zeros((2, 32, 32), np.int32)
