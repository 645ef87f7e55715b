"""Reconstruction of transform blocks and of CTUs: intra (8.4.4.1), inter (8.5: motion
derivation, motion-compensated prediction) and residuals (8.6).

Encoder and decoder both call these, so their pictures cannot drift apart.

Inter reference data (per slice, built by the caller, e.g. ``make_ref_planes``):
``refs`` = (Y, Cb, Cr) stacks ``np.int16 [slots, H, W]`` of the reference pictures' planes,
``ref_slot`` = ``np.int32 [2, 16]``: the slot of RefPicListX[refIdx] in ``refs``;
``wp`` / ``wp_den`` = interp.make_weight_table(...) and ``explicit_wp`` = weighted_pred_flag
(P) or weighted_bipred_flag (B); ``col_meta`` / ``sp`` = ColPic's meta and
mvpred.make_mv_params(...) (for derive_cu_motion).
"""
import numpy as np
from ..jit import njit

from .constants import MAX_SAMPLE
from .ctu_syntax import num_pus, pu_rect
from .interp import make_weight_table, predict_pu
from .intra import predict_intra
from .mvpred import make_mv_params, pu_motion, store_pu_motion
from .params import (
    P_CB_QP_OFFSET, P_CR_QP_OFFSET, P_CTB_LOG2, P_PIC_H, P_PIC_W, P_STRONG_INTRA, SLICE_B, SLICE_I,
    SLICE_P,
)
from .picture import (
    F_CBF, F_CHROMA_MODE, F_CU_LOG2, F_INTER_DIR, F_INTRA_MODE, F_MERGE, F_MERGE_IDX, F_MV0X,
    F_MV0Y, F_MV1X, F_MV1Y, F_MVD0X, F_MVD0Y, F_MVD1X, F_MVD1Y, F_MVP_FLAGS, F_PART_MODE,
    F_PRED_MODE, F_QP, F_REF0, F_REF1, F_TS, F_TU_LOG2, MODE_INTRA,
)
from .transform import dequantize, inverse_transform, qp_for_component, transform_skip_inverse


@njit(cache=True, nogil=True)
def component_qp(prm, qp_y, c_idx):
    return qp_for_component(qp_y, c_idx, prm[P_CB_QP_OFFSET], prm[P_CR_QP_OFFSET])


@njit(cache=True, nogil=True, _nrt=False)
def add_residual(levels, log2, c_idx, qp, ts, is_intra, pred, rec, x0, y0, work):
    """8.6.2-8.6.4 then 8.6.7: rec[y0.., x0..] = clip(pred + residual(levels)).  ``work``
    (int32 [3, 32, 32], new_work) holds the scaled coefficients, the residual and the
    inverse transform's intermediate."""
    n = 1 << log2
    coeff = work[0]
    resid = work[1]
    dequantize(levels, log2, qp, coeff)
    if ts:
        transform_skip_inverse(coeff, log2, resid)
    else:
        inverse_transform(coeff, log2, 1 if (is_intra and c_idx == 0 and log2 == 2) else 0, resid,
                          work[2])
    for y in range(n):
        for x in range(n):
            v = pred[y, x] + resid[y, x]
            rec[y0 + y, x0 + x] = 0 if v < 0 else (MAX_SAMPLE if v > MAX_SAMPLE else v)


@njit(cache=True, nogil=True, _nrt=False)
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
def reconstruct_intra_tree(planes, coef, meta, prm, x0, y0, log2_ctb, pred, work):
    """Reconstruct the CTB at (x0, y0) transform unit by transform unit in decoding order."""
    stack = np.empty((4 * (log2_ctb - 1) + 1, 3), np.int64)
    stack[0, 0], stack[0, 1], stack[0, 2] = x0, y0, log2_ctb
    top = 1
    while top > 0:
        top -= 1
        x, y, log2 = stack[top, 0], stack[top, 1], stack[top, 2]
        if x >= prm[P_PIC_W] or y >= prm[P_PIC_H]:
            continue
        f = meta[:, y >> 2, x >> 2]
        if f[F_CU_LOG2] < log2 or f[F_TU_LOG2] < log2:
            h = 1 << (log2 - 1)
            for j in range(3, -1, -1):
                stack[top, 0], stack[top, 1], stack[top, 2] = x + (j & 1) * h, y + (j >> 1) * h, log2 - 1
                top += 1
        else:
            reconstruct_intra_tu(planes, coef, meta, prm, x, y, log2, pred, work)


@njit(cache=True, nogil=True)
def derive_cu_motion(meta, col_meta, sp, x0, y0, log2_cb):
    """8.5.3.2.1 for every PU of the inter CU at (x0, y0): its motion from the prediction_unit
    syntax fields (F_MERGE, F_MERGE_IDX, F_INTER_DIR, F_REF0/1, F_MVP_FLAGS, F_MVD*) into
    F_MV*/F_REF* (mvpred.store_pu_motion), PU by PU."""
    n = 1 << log2_cb
    pm = meta[F_PART_MODE, y0 >> 2, x0 >> 2]
    mvd = np.empty(4, np.int32)
    out = np.empty(6, np.int32)
    for idx in range(num_pus(pm)):
        xp, yp, wp, hp = pu_rect(pm, x0, y0, n, idx)
        u = yp >> 2
        v = xp >> 2
        merge = np.int32(meta[F_MERGE, u, v])
        mvd[0] = meta[F_MVD0X, u, v]
        mvd[1] = meta[F_MVD0Y, u, v]
        mvd[2] = meta[F_MVD1X, u, v]
        mvd[3] = meta[F_MVD1Y, u, v]
        flags = np.int32(meta[F_MVP_FLAGS, u, v])
        pu_motion(meta, col_meta, sp, x0, y0, n, xp, yp, wp, hp, idx, np.int32(pm), merge,
                  np.int32(meta[F_MERGE_IDX, u, v]), np.int32(meta[F_INTER_DIR, u, v]),
                  np.int32(meta[F_REF0, u, v]), np.int32(meta[F_REF1, u, v]), flags & 1,
                  (flags >> 1) & 1, mvd, out)
        store_pu_motion(meta, xp, yp, wp, hp, out, merge)


@njit(cache=True, nogil=True)
def predict_inter_cu(planes, meta, x0, y0, log2_cb, refs, ref_slot, wp, wp_den, explicit_wp):
    """8.5.3.3: the motion-compensated prediction of every PU of the CU (motion from meta)
    written into the picture planes."""
    n = 1 << log2_cb
    pm = meta[F_PART_MODE, y0 >> 2, x0 >> 2]
    for idx in range(num_pus(pm)):
        xp, yp, w, h = pu_rect(pm, x0, y0, n, idx)
        u = yp >> 2
        v = xp >> 2
        r0 = np.int32(meta[F_REF0, u, v])
        r1 = np.int32(meta[F_REF1, u, v])
        s0 = ref_slot[0, r0] if r0 >= 0 else 0
        s1 = ref_slot[1, r1] if r1 >= 0 else 0
        m0x = np.int32(meta[F_MV0X, u, v])
        m0y = np.int32(meta[F_MV0Y, u, v])
        m1x = np.int32(meta[F_MV1X, u, v])
        m1y = np.int32(meta[F_MV1Y, u, v])
        for c in range(3):
            sh = 0 if c == 0 else 1
            rc = refs[c]
            predict_pu(rc[s0], rc[s1], xp >> sh, yp >> sh, w >> sh, h >> sh, c, m0x, m0y, m1x, m1y,
                       r0, r1, explicit_wp, wp, wp_den, planes[c], xp >> sh, yp >> sh)


@njit(cache=True, nogil=True)
def reconstruct_inter_tu(planes, coef, meta, prm, x0, y0, log2, work):
    """Add the residuals of the transform unit at (x0, y0) to the inter prediction already in
    the planes (8.6.2-8.6.7: DCT at every size, no DST)."""
    f = meta[:, y0 >> 2, x0 >> 2]
    cbf = f[F_CBF]
    ts = f[F_TS]
    qp_y = f[F_QP]
    if cbf & 1:
        n = 1 << log2
        rec = planes[0]
        add_residual(coef[0][y0:y0 + n, x0:x0 + n], log2, 0, component_qp(prm, qp_y, 0), ts & 1, 0,
                     rec[y0:y0 + n, x0:x0 + n], rec, x0, y0, work)
    if log2 > 2:
        xc, yc, log2c = x0 >> 1, y0 >> 1, log2 - 1
    elif (x0 & 4) and (y0 & 4):          # blkIdx 3 of a split 8x8: chroma of the whole 8x8
        xc, yc, log2c = (x0 - 4) >> 1, (y0 - 4) >> 1, 2
    else:
        return
    nc = 1 << log2c
    for c in (1, 2):
        if (cbf >> c) & 1:
            rec = planes[c]
            add_residual(coef[c][yc:yc + nc, xc:xc + nc], log2c, c, component_qp(prm, qp_y, c),
                         (ts >> c) & 1, 0, rec[yc:yc + nc, xc:xc + nc], rec, xc, yc, work)


@njit(cache=True, nogil=True)
def reconstruct_cu_residuals(planes, coef, meta, prm, x0, y0, log2_cb, is_intra, pred, work):
    """The transform units of the CU at (x0, y0) in decoding order: intra prediction plus
    residual (intra CU) or residual added to the prediction in the planes (inter CU)."""
    stack = np.empty((4 * 5 + 1, 3), np.int64)
    stack[0, 0], stack[0, 1], stack[0, 2] = x0, y0, log2_cb
    top = 1
    while top > 0:
        top -= 1
        x, y, log2 = stack[top, 0], stack[top, 1], stack[top, 2]
        if meta[F_TU_LOG2, y >> 2, x >> 2] < log2:
            h = 1 << (log2 - 1)
            for j in range(3, -1, -1):
                stack[top, 0], stack[top, 1], stack[top, 2] = x + (j & 1) * h, y + (j >> 1) * h, log2 - 1
                top += 1
        elif is_intra:
            reconstruct_intra_tu(planes, coef, meta, prm, x, y, log2, pred, work)
        else:
            reconstruct_inter_tu(planes, coef, meta, prm, x, y, log2, work)


@njit(cache=True, nogil=True)
def reconstruct_ctu(planes, coef, meta, prm, x0, y0, log2_ctb, pred, work, col_meta, sp, refs,
                    ref_slot, wp, wp_den, explicit_wp, derive):
    """Reconstruct the CTB at (x0, y0) CU by CU in decoding order (any slice type).  With
    ``derive`` the motion of inter CUs is first derived from their syntax (decoder); without,
    the motion already in meta is used (an encoder that stored it)."""
    stack = np.empty((4 * (log2_ctb - 2) + 1, 3), np.int64)
    stack[0, 0], stack[0, 1], stack[0, 2] = x0, y0, log2_ctb
    top = 1
    while top > 0:
        top -= 1
        x, y, log2 = stack[top, 0], stack[top, 1], stack[top, 2]
        if x >= prm[P_PIC_W] or y >= prm[P_PIC_H]:
            continue
        if meta[F_CU_LOG2, y >> 2, x >> 2] < log2:
            h = 1 << (log2 - 1)
            for j in range(3, -1, -1):
                stack[top, 0], stack[top, 1], stack[top, 2] = x + (j & 1) * h, y + (j >> 1) * h, log2 - 1
                top += 1
        elif meta[F_PRED_MODE, y >> 2, x >> 2] == MODE_INTRA:
            reconstruct_cu_residuals(planes, coef, meta, prm, x, y, log2, 1, pred, work)
        else:
            if derive:
                derive_cu_motion(meta, col_meta, sp, x, y, log2)
            predict_inter_cu(planes, meta, x, y, log2, refs, ref_slot, wp, wp_den, explicit_wp)
            reconstruct_cu_residuals(planes, coef, meta, prm, x, y, log2, 0, pred, work)


def make_ref_planes(pictures, width, height):
    """``refs`` for reconstruct_ctu from a list of reference pictures' plane tuples (one slot
    each; at least one dummy slot when empty)."""
    n = max(len(pictures), 1)
    refs = (np.zeros((n, height, width), np.int16), np.zeros((n, height // 2, width // 2), np.int16),
            np.zeros((n, height // 2, width // 2), np.int16))
    for k, planes in enumerate(pictures):
        for c in range(3):
            refs[c][k] = planes[c]
    return refs


def slice_inter_inputs(sps, pps, sh, pic, L0, L1, meta):
    """The per-slice inter inputs of reconstruct_ctu (Python, once per slice), for the decoder
    and the encoder alike: (refs, ref_slot, col_meta, sp, wp, wp_den, explicit_wp).

    pic: the current picture (``poc``, ``ref_is_long_term`` as Dpb.ref_lists records them);
    L0 / L1: RefPicList0/1 as pictures with ``planes``, ``poc``, and for ColPic ``meta``,
    ``ref_pocs``, ``ref_is_long_term`` (dpb.DpbPicture); meta: the current picture's meta
    (stands in for col_meta when TMVP is off).  ref_slot doubles as the deblocking
    ``ref_pic_ids``."""
    w, h = sps.pic_width_in_luma_samples, sps.pic_height_in_luma_samples
    st = sh.slice_type
    uniq = []
    ref_slot = np.zeros((2, 16), np.int32)
    for X, lst in enumerate((L0, L1)):
        for i, p in enumerate(lst):
            k = next((j for j, q in enumerate(uniq) if q is p), None)
            if k is None:
                k = len(uniq)
                uniq.append(p)
            ref_slot[X, i] = k
    refs = make_ref_planes([p.planes for p in uniq], w, h)
    col_meta, col_poc, col_ref_poc, col_ref_lt = meta, 0, None, None
    tmvp = sh.slice_temporal_mvp_enabled_flag if st != SLICE_I else 0
    if tmvp:
        col_list = L1 if (st == SLICE_B and not sh.collocated_from_l0_flag) else L0
        col = col_list[sh.collocated_ref_idx]
        if col.meta is None:
            raise ValueError(f"collocated picture POC {col.poc} has no motion data")
        col_meta, col_poc, col_ref_poc, col_ref_lt = col.meta, col.poc, col.ref_pocs, col.ref_is_long_term
    ref_pocs = ([p.poc for p in L0], [p.poc for p in L1])
    n_active = (len(L0), len(L1))
    sp = make_mv_params(pic.poc, st if st != SLICE_I else SLICE_P, ref_pocs, pic.ref_is_long_term, n_active,
                        sh.MaxNumMergeCand, pps.Log2ParMrgLevel, tmvp,
                        sh.collocated_from_l0_flag, w, h,
                        sps.log2_min_luma_coding_block_size_minus3 + 3 + sps.log2_diff_max_min_luma_coding_block_size,
                        col_poc, col_ref_poc, col_ref_lt)
    explicit = (pps.weighted_pred_flag if st == SLICE_P else pps.weighted_bipred_flag if st == SLICE_B else 0)
    if explicit:
        t = sh.pred_weight_table
        wp, wp_den = make_weight_table(t.luma_log2_weight_denom, t.ChromaLog2WeightDenom,
                                       [t.derive(0, sps), t.derive(1, sps) if st == SLICE_B else None])
    else:
        wp, wp_den = np.zeros((2, 16, 3, 2), np.int32), np.zeros(3, np.int32)
    return refs, ref_slot, col_meta, sp, wp, wp_den, int(explicit)


def new_work():
    """Scratch buffers for the reconstruction functions: the prediction, and add_residual's
    ``work`` (coefficients, residual, transform intermediate)."""
    return np.zeros((32, 32), np.int32), np.zeros((3, 32, 32), np.int32)
