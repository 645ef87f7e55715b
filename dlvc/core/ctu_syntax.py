"""Coding-tree syntax (7.3.8.2-7.3.8.10, 7.3.8.6 prediction_unit, 7.3.8.9 mvd_coding):
written and parsed next to each other.

The writer codes a CTU whose decisions are already in ``meta`` and the
coefficient planes; the same writer in CABAC estimate mode gives the encoder
its rates.  The parser fills ``meta`` and the coefficient planes; reconstruction
(``core/recon.py``) then runs on them, identically in encoder and decoder.

How a CU is described in ``meta`` (per 4x4 unit of the CU / PU / TU):

* every CU: F_CT_DEPTH, F_CU_LOG2, F_PRED_MODE (MODE_INTRA, MODE_INTER, MODE_SKIP),
  F_PART_MODE (PART_2Nx2N for skip), F_QP (QpY of the CU).
* intra CU: F_INTRA_MODE (per PU), F_CHROMA_MODE.
* inter PU (each PU of an inter CU; a skip CU is one 2Nx2N merge PU): F_MERGE (merge_flag,
  1 for skip), F_MERGE_IDX; for an AMVP PU (F_MERGE 0): F_INTER_DIR (PRED_L0 / PRED_L1 /
  PRED_BI), F_REF0 / F_REF1 = ref_idx_l0 / ref_idx_l1 (-1 for an unused list), F_MVP_FLAGS
  (bit 0 mvp_l0_flag, bit 1 mvp_l1_flag), F_MVD0X..F_MVD1Y (MvdLX).  The writer codes only
  these syntax fields; ``recon.derive_cu_motion`` turns them into F_MV*/F_REF* (for merge
  PUs F_REF* then holds the derived motion; for AMVP PUs it is unchanged).
* transform tree (intra and non-skip inter CUs): F_TU_LOG2, F_CBF, F_TS per TU; an inter CU
  has rqt_root_cbf = 1 iff any of its TUs has a cbf bit.  A skip CU / an inter CU without
  residual carries F_TU_LOG2 = min(log2CbSize, MaxTbLog2SizeY), F_CBF = F_TS = 0.

``cand`` is the coding-tree state array (``new_cu_state``): [0:3] MPM scratch, then the
cu_qp_delta state of 8.6.1 (only touched when cu_qp_delta_enabled_flag is 1, so a 3-entry
array still works with it off).
"""
import numpy as np
from ..jit import njit

from .cabac import (
    ABS_MVD_GREATER0_FLAG, ABS_MVD_GREATER1_FLAG, CBF_CHROMA, CBF_LUMA, CU_QP_DELTA_ABS,
    CU_SKIP_FLAG, INTER_PRED_IDC, INTRA_CHROMA_PRED_MODE, MERGE_FLAG, MERGE_IDX, MVP_FLAG,
    PART_MODE, PRED_MODE_FLAG, PREV_INTRA_LUMA_PRED_FLAG, REF_IDX, RQT_ROOT_CBF, SPLIT_CU_FLAG,
    SPLIT_TRANSFORM_FLAG, decode_bypass, decode_bypass_bins, decode_decision, encode_bypass,
    encode_bypass_bins, encode_decision,
)
from .intra import chroma_pred_mode, luma_mode_from_mpm, mpm_candidates, mpm_code
from .params import (
    P_AMP, P_CTB_LOG2, P_CU_QP_DELTA, P_LOG2_MIN_CU_QP_DELTA, P_MAX_MERGE, P_MAX_TB_LOG2,
    P_MAX_TH_DEPTH_INTER, P_MAX_TH_DEPTH_INTRA, P_MIN_CB_LOG2, P_MIN_TB_LOG2, P_MVD_L1_ZERO,
    P_NUM_REF0, P_NUM_REF1, P_PIC_H, P_PIC_W, P_SIGN_HIDING, P_SLICE_QP, P_SLICE_TYPE,
    P_TS_ENABLED, SLICE_B, SLICE_I,
)
from .picture import (
    F_CBF, F_CHROMA_MODE, F_CT_DEPTH, F_CU_LOG2, F_INTER_DIR, F_INTRA_MODE, F_MERGE, F_MERGE_IDX,
    F_MVD0X, F_MVD0Y, F_MVD1X, F_MVD1Y, F_MVP_FLAGS, F_PART_MODE, F_PRED_MODE, F_QP, F_REF0,
    F_REF1, F_TS, F_TU_LOG2, MODE_INTER, MODE_INTRA, MODE_SKIP, PART_2NxN, PART_2Nx2N,
    PART_2NxnD, PART_2NxnU, PART_Nx2N, PART_NxN, PART_nLx2N, PART_nRx2N,
)
from .residual import read_residual_coding, scan_idx, write_residual_coding

INTRA_DC = 1
PRED_L0, PRED_L1, PRED_BI = 0, 1, 2          # inter_pred_idc (Table 7-10)

# cand[] layout (coding-tree state); 0..2: MPM candidates
CS_QP_PREV = 3        # QpY of the previous CU in decoding order (qPY_PREV at a QG start)
CS_QP_PRED = 4        # qPY_PRED of the current quantization group
CS_QP_DELTA = 5       # CuQpDeltaVal
CS_QP_CODED = 6       # IsCuQpDeltaCoded
CAND_SIZE = 8


def new_cu_state(slice_qp):
    """The ``cand`` array for one slice: MPM scratch and the QP prediction state."""
    c = np.zeros(CAND_SIZE, np.int64)
    c[CS_QP_PREV] = slice_qp
    c[CS_QP_PRED] = slice_qp
    return c


@njit(cache=True, nogil=True)
def fill_rect(meta, field, x0, y0, w, h, value):
    """Set a metadata field over the w x h luma area at (x0, y0) (multiples of 4)."""
    meta[field, y0 >> 2:(y0 + h) >> 2, x0 >> 2:(x0 + w) >> 2] = value


@njit(cache=True, nogil=True)
def num_pus(part_mode):
    if part_mode == PART_2Nx2N:
        return 1
    if part_mode == PART_NxN:
        return 4
    return 2


@njit(cache=True, nogil=True)
def pu_rect(part_mode, x0, y0, n, idx):
    """(xPb, yPb, nPbW, nPbH) of prediction unit idx of the n x n CU at (x0, y0) (7.3.8.5)."""
    h = n >> 1
    q = n >> 2
    if part_mode == PART_2NxN:
        return x0, y0 + idx * h, n, h
    if part_mode == PART_Nx2N:
        return x0 + idx * h, y0, h, n
    if part_mode == PART_2NxnU:
        return (x0, y0, n, q) if idx == 0 else (x0, y0 + q, n, n - q)
    if part_mode == PART_2NxnD:
        return (x0, y0, n, n - q) if idx == 0 else (x0, y0 + n - q, n, q)
    if part_mode == PART_nLx2N:
        return (x0, y0, q, n) if idx == 0 else (x0 + q, y0, n - q, n)
    if part_mode == PART_nRx2N:
        return (x0, y0, n - q, n) if idx == 0 else (x0 + n - q, y0, q, n)
    if part_mode == PART_NxN:
        return x0 + (idx & 1) * h, y0 + (idx >> 1) * h, h, h
    return x0, y0, n, n


@njit(cache=True, nogil=True)
def cu_skip_ctx_inc(meta, x0, y0):
    # 9.3.4.2.2: condL / condA = cu_skip_flag of the available left / above neighbour
    inc = 0
    if x0 > 0 and meta[F_PRED_MODE, y0 >> 2, (x0 - 1) >> 2] == MODE_SKIP:
        inc += 1
    if y0 > 0 and meta[F_PRED_MODE, (y0 - 1) >> 2, x0 >> 2] == MODE_SKIP:
        inc += 1
    return inc


@njit(cache=True, nogil=True)
def qg_start(meta, prm, cand, x_qg, y_qg):
    """A quantization group starts at (x_qg, y_qg) (7.3.8.4: IsCuQpDeltaCoded = 0,
    CuQpDeltaVal = 0) and its qPY_PRED (8.6.1) is derived."""
    log2_ctb = prm[P_CTB_LOG2]
    prev = cand[CS_QP_PREV]
    qa = prev
    if x_qg > 0 and ((x_qg - 1) >> log2_ctb) == (x_qg >> log2_ctb):       # same CTB
        qa = meta[F_QP, y_qg >> 2, (x_qg - 1) >> 2]
    qb = prev
    if y_qg > 0 and ((y_qg - 1) >> log2_ctb) == (y_qg >> log2_ctb):
        qb = meta[F_QP, (y_qg - 1) >> 2, x_qg >> 2]
    cand[CS_QP_PRED] = (qa + qb + 1) >> 1
    cand[CS_QP_DELTA] = 0
    cand[CS_QP_CODED] = 0


@njit(cache=True, nogil=True)
def cu_qp_y(prm, cand):
    """QpY of the CU just coded (8-283, 8-bit: QpBdOffsetY = 0); remembered as qPY_PREV."""
    if prm[P_CU_QP_DELTA] == 0:
        return prm[P_SLICE_QP]
    qp = (cand[CS_QP_PRED] + cand[CS_QP_DELTA] + 52) % 52
    cand[CS_QP_PREV] = qp
    return qp


@njit(cache=True, nogil=True, _nrt=False)
def fill(meta, field, x0, y0, size, value):
    """Set a metadata field over the size x size luma area at (x0, y0)."""
    n = max(size >> 2, 1)
    for j in range(n):
        for i in range(n):
            meta[field, (y0 >> 2) + j, (x0 >> 2) + i] = value


@njit(cache=True, nogil=True)
def split_cu_ctx_inc(meta, x0, y0, cqt_depth):
    # 9.3.4.2.2: left and above neighbours are available when inside the picture
    # (they precede the current block in z-scan order within one slice).
    inc = 0
    if x0 > 0 and meta[F_CT_DEPTH, y0 >> 2, (x0 - 1) >> 2] > cqt_depth:
        inc += 1
    if y0 > 0 and meta[F_CT_DEPTH, (y0 - 1) >> 2, x0 >> 2] > cqt_depth:
        inc += 1
    return inc


@njit(cache=True, nogil=True)
def mpm_list(meta, prm, x_pb, y_pb, cand):
    """8.4.2 steps 1-3: candIntraPredModeX from the left and above neighbours."""
    cand_a = INTRA_DC
    if x_pb > 0 and meta[F_PRED_MODE, y_pb >> 2, (x_pb - 1) >> 2] == MODE_INTRA:
        cand_a = meta[F_INTRA_MODE, y_pb >> 2, (x_pb - 1) >> 2]
    cand_b = INTRA_DC
    ctb_top = (y_pb >> prm[P_CTB_LOG2]) << prm[P_CTB_LOG2]
    if y_pb > 0 and y_pb - 1 >= ctb_top and meta[F_PRED_MODE, (y_pb - 1) >> 2, x_pb >> 2] == MODE_INTRA:
        cand_b = meta[F_INTRA_MODE, (y_pb - 1) >> 2, x_pb >> 2]
    mpm_candidates(cand_a, cand_b, cand)


# ---------------------------------------------------------------------------------- writer

@njit(cache=True, nogil=True)
def write_coding_quadtree(w, buf, ctx, meta, coef, prm, x0, y0, log2_ctb, cand):
    """7.3.8.4 coding_quadtree() of the CTB at (x0, y0); ``coef`` is a tuple (Y, Cb, Cr) of
    level planes.  Walked with an explicit stack in z-scan order (Numba's cache cannot hold
    recursive functions)."""
    stack = np.empty((4 * (log2_ctb - 2) + 1, 3), np.int64)
    stack[0, 0], stack[0, 1], stack[0, 2] = x0, y0, log2_ctb
    top = 1
    while top > 0:
        top -= 1
        x, y, log2 = stack[top, 0], stack[top, 1], stack[top, 2]
        if x >= prm[P_PIC_W] or y >= prm[P_PIC_H]:
            continue
        size = 1 << log2
        depth = log2_ctb - log2
        if x + size <= prm[P_PIC_W] and y + size <= prm[P_PIC_H] and log2 > prm[P_MIN_CB_LOG2]:
            split = 1 if meta[F_CU_LOG2, y >> 2, x >> 2] < log2 else 0
            encode_decision(w, buf, ctx, SPLIT_CU_FLAG + split_cu_ctx_inc(meta, x, y, depth), split)
        else:
            split = 1 if log2 > prm[P_MIN_CB_LOG2] else 0
        if prm[P_CU_QP_DELTA] and log2 >= prm[P_LOG2_MIN_CU_QP_DELTA]:
            qg_start(meta, prm, cand, x, y)
        if split:
            top = push_quadrants(stack, top, x, y, log2 - 1)
        else:
            write_coding_unit(w, buf, ctx, meta, coef, prm, x, y, log2, cand)


@njit(cache=True, nogil=True)
def push_quadrants(stack, top, x, y, log2_child):
    """Push the four children of a quadtree node so that they pop in z-scan order."""
    h = 1 << log2_child
    for j in range(3, -1, -1):
        stack[top, 0] = x + (j & 1) * h
        stack[top, 1] = y + (j >> 1) * h
        stack[top, 2] = log2_child
        top += 1
    return top


@njit(cache=True, nogil=True)
def write_part_mode_intra(w, buf, ctx, prm, log2_cb, part_mode):
    # 7.3.8.5: part_mode is present for intra CUs only at the minimum CU size (9.3.3.7).
    if log2_cb == prm[P_MIN_CB_LOG2]:
        encode_decision(w, buf, ctx, PART_MODE, 1 if part_mode == PART_2Nx2N else 0)


@njit(cache=True, nogil=True)
def write_part_mode_inter(w, buf, ctx, prm, log2_cb, part_mode):
    """9.3.3.7 (Table 9-43) part_mode of an inter CU; bins 0, 1 ctxInc 0, 1; bin 2 ctxInc 2
    at the minimum size, ctxInc 3 (the AMP bin) above it; the AMP position bin bypass."""
    if part_mode == PART_2Nx2N:
        encode_decision(w, buf, ctx, PART_MODE, 1)
        return
    encode_decision(w, buf, ctx, PART_MODE, 0)
    if log2_cb == prm[P_MIN_CB_LOG2]:
        if part_mode == PART_2NxN:
            encode_decision(w, buf, ctx, PART_MODE + 1, 1)
        else:
            encode_decision(w, buf, ctx, PART_MODE + 1, 0)
            if log2_cb > 3:
                encode_decision(w, buf, ctx, PART_MODE + 2, 1 if part_mode == PART_Nx2N else 0)
        return
    hor = part_mode == PART_2NxN or part_mode == PART_2NxnU or part_mode == PART_2NxnD
    encode_decision(w, buf, ctx, PART_MODE + 1, 1 if hor else 0)
    if prm[P_AMP]:
        if part_mode == PART_2NxN or part_mode == PART_Nx2N:
            encode_decision(w, buf, ctx, PART_MODE + 3, 1)
        else:
            encode_decision(w, buf, ctx, PART_MODE + 3, 0)
            encode_bypass(w, buf, 1 if (part_mode == PART_2NxnD or part_mode == PART_nRx2N) else 0)


@njit(cache=True, nogil=True)
def write_intra_luma_modes(w, buf, ctx, meta, prm, x0, y0, log2_cb, part_mode, cand):
    """prev_intra_luma_pred_flag, mpm_idx and rem_intra_luma_pred_mode of each PU (7.3.8.5)."""
    n_parts = 4 if part_mode == PART_NxN else 1
    pb = (1 << log2_cb) >> (1 if part_mode == PART_NxN else 0)
    flags = (0, 0, 0, 0)
    codes = (0, 0, 0, 0)
    for j in range(n_parts):
        xp = x0 + (j & 1) * pb
        yp = y0 + (j >> 1) * pb
        mpm_list(meta, prm, xp, yp, cand)
        mode = meta[F_INTRA_MODE, yp >> 2, xp >> 2]
        flag, code = mpm_code(mode, cand)
        flags = set_tuple(flags, j, flag)
        codes = set_tuple(codes, j, code)
        encode_decision(w, buf, ctx, PREV_INTRA_LUMA_PRED_FLAG, flag)
    for j in range(n_parts):
        if flags[j]:
            # mpm_idx: truncated Rice, cMax 2, bypass (9.3.3.2)
            encode_bypass(w, buf, 1 if codes[j] > 0 else 0)
            if codes[j] > 0:
                encode_bypass(w, buf, 1 if codes[j] > 1 else 0)
        else:
            encode_bypass_bins(w, buf, codes[j], 5)


@njit(cache=True, nogil=True)
def set_tuple(t, i, v):
    return (v if i == 0 else t[0], v if i == 1 else t[1], v if i == 2 else t[2], v if i == 3 else t[3])


@njit(cache=True, nogil=True)
def write_intra_chroma_pred_mode(w, buf, ctx, value):
    # 9.3.3.8: 4 -> "0", 0..3 -> "1" + two bypass bins
    if value == 4:
        encode_decision(w, buf, ctx, INTRA_CHROMA_PRED_MODE, 0)
    else:
        encode_decision(w, buf, ctx, INTRA_CHROMA_PRED_MODE, 1)
        encode_bypass_bins(w, buf, value, 2)


@njit(cache=True, nogil=True)
def intra_chroma_pred_mode_of(chroma_mode, luma_mode):
    """The intra_chroma_pred_mode value that signals chroma_mode (inverse of 8.4.3)."""
    if chroma_mode == luma_mode:
        return 4
    for v in range(4):
        if chroma_pred_mode(v, luma_mode) == chroma_mode:
            return v
    return 4


@njit(cache=True, nogil=True)
def write_tr_idx(w, buf, ctx, ci, n_ctx, value, c_max):
    """Truncated rice (cRice 0, 9.3.3.2) with the first n_ctx bins in contexts ci, ci + 1, ..
    and the rest bypass (merge_idx: 1 context, ref_idx_lX: 2)."""
    for i in range(c_max):
        b = 1 if value > i else 0
        if i < n_ctx:
            encode_decision(w, buf, ctx, ci + i, b)
        else:
            encode_bypass(w, buf, b)
        if not b:
            break


@njit(cache=True, nogil=True)
def write_exp_golomb_bypass(w, buf, value, k):
    """k-th order Exp-Golomb, bypass bins (9.3.3.3)."""
    while value >= (1 << k):
        encode_bypass(w, buf, 1)
        value -= 1 << k
        k += 1
    encode_bypass(w, buf, 0)
    while k > 0:
        k -= 1
        encode_bypass(w, buf, (value >> k) & 1)


@njit(cache=True, nogil=True)
def write_mvd_coding(w, buf, ctx, mvd_x, mvd_y):
    """7.3.8.9 mvd_coding()."""
    ax = abs(mvd_x)
    ay = abs(mvd_y)
    encode_decision(w, buf, ctx, ABS_MVD_GREATER0_FLAG, 1 if ax > 0 else 0)
    encode_decision(w, buf, ctx, ABS_MVD_GREATER0_FLAG, 1 if ay > 0 else 0)
    if ax > 0:
        encode_decision(w, buf, ctx, ABS_MVD_GREATER1_FLAG, 1 if ax > 1 else 0)
    if ay > 0:
        encode_decision(w, buf, ctx, ABS_MVD_GREATER1_FLAG, 1 if ay > 1 else 0)
    if ax > 0:
        if ax > 1:
            write_exp_golomb_bypass(w, buf, ax - 2, 1)
        encode_bypass(w, buf, 1 if mvd_x < 0 else 0)
    if ay > 0:
        if ay > 1:
            write_exp_golomb_bypass(w, buf, ay - 2, 1)
        encode_bypass(w, buf, 1 if mvd_y < 0 else 0)


@njit(cache=True, nogil=True)
def write_prediction_unit(w, buf, ctx, meta, prm, xp, yp, wp, hp, ct_depth, skip):
    """7.3.8.6 prediction_unit() from the PU's syntax fields in meta."""
    f = meta[:, yp >> 2, xp >> 2]
    merge = 1 if skip else f[F_MERGE]
    if not skip:
        encode_decision(w, buf, ctx, MERGE_FLAG, merge)
    if merge:
        if prm[P_MAX_MERGE] > 1:
            write_tr_idx(w, buf, ctx, MERGE_IDX, 1, f[F_MERGE_IDX], prm[P_MAX_MERGE] - 1)
        return
    idc = f[F_INTER_DIR] if prm[P_SLICE_TYPE] == SLICE_B else PRED_L0
    if prm[P_SLICE_TYPE] == SLICE_B:
        # 9.3.3.7 / Table 9-36: nPbW + nPbH == 12 allows no bi-prediction
        if wp + hp != 12:
            encode_decision(w, buf, ctx, INTER_PRED_IDC + ct_depth, 1 if idc == PRED_BI else 0)
            if idc != PRED_BI:
                encode_decision(w, buf, ctx, INTER_PRED_IDC + 4, idc)
        else:
            encode_decision(w, buf, ctx, INTER_PRED_IDC + 4, idc)
    if idc != PRED_L1:
        if prm[P_NUM_REF0] > 1:
            write_tr_idx(w, buf, ctx, REF_IDX, 2, f[F_REF0], prm[P_NUM_REF0] - 1)
        write_mvd_coding(w, buf, ctx, f[F_MVD0X], f[F_MVD0Y])
        encode_decision(w, buf, ctx, MVP_FLAG, f[F_MVP_FLAGS] & 1)
    if idc != PRED_L0:
        if prm[P_NUM_REF1] > 1:
            write_tr_idx(w, buf, ctx, REF_IDX, 2, f[F_REF1], prm[P_NUM_REF1] - 1)
        if not (prm[P_MVD_L1_ZERO] and idc == PRED_BI):
            write_mvd_coding(w, buf, ctx, f[F_MVD1X], f[F_MVD1Y])
        encode_decision(w, buf, ctx, MVP_FLAG, (f[F_MVP_FLAGS] >> 1) & 1)


@njit(cache=True, nogil=True)
def write_coding_unit(w, buf, ctx, meta, coef, prm, x0, y0, log2_cb, cand):
    """7.3.8.5 coding_unit() (intra, inter and skipped CUs)."""
    pred_mode = meta[F_PRED_MODE, y0 >> 2, x0 >> 2]
    part_mode = meta[F_PART_MODE, y0 >> 2, x0 >> 2]
    n = 1 << log2_cb
    if prm[P_SLICE_TYPE] != SLICE_I:
        encode_decision(w, buf, ctx, CU_SKIP_FLAG + cu_skip_ctx_inc(meta, x0, y0),
                        1 if pred_mode == MODE_SKIP else 0)
        if pred_mode == MODE_SKIP:
            write_prediction_unit(w, buf, ctx, meta, prm, x0, y0, n, n,
                                  meta[F_CT_DEPTH, y0 >> 2, x0 >> 2], 1)
            cu_qp_y(prm, cand)
            return
        encode_decision(w, buf, ctx, PRED_MODE_FLAG, 1 if pred_mode == MODE_INTRA else 0)
    if pred_mode == MODE_INTRA:
        write_part_mode_intra(w, buf, ctx, prm, log2_cb, part_mode)
        write_intra_luma_modes(w, buf, ctx, meta, prm, x0, y0, log2_cb, part_mode, cand)
        write_intra_chroma_pred_mode(w, buf, ctx, intra_chroma_pred_mode_of(
            meta[F_CHROMA_MODE, y0 >> 2, x0 >> 2], meta[F_INTRA_MODE, y0 >> 2, x0 >> 2]))
        intra_split = 1 if part_mode == PART_NxN else 0
        write_transform_tree(w, buf, ctx, meta, coef, prm, x0, y0, log2_cb,
                             prm[P_MAX_TH_DEPTH_INTRA] + intra_split, intra_split, 0, 1, cand)
        cu_qp_y(prm, cand)
        return
    write_part_mode_inter(w, buf, ctx, prm, log2_cb, part_mode)
    ct_depth = meta[F_CT_DEPTH, y0 >> 2, x0 >> 2]
    for idx in range(num_pus(part_mode)):
        xp, yp, wp, hp = pu_rect(part_mode, x0, y0, n, idx)
        write_prediction_unit(w, buf, ctx, meta, prm, xp, yp, wp, hp, ct_depth, 0)
    root_cbf = 1 if subtree_cbf(meta, x0, y0, log2_cb) else 0
    if not (part_mode == PART_2Nx2N and meta[F_MERGE, y0 >> 2, x0 >> 2]):
        encode_decision(w, buf, ctx, RQT_ROOT_CBF, root_cbf)
    else:
        # rqt_root_cbf inferred 1: a 2Nx2N merge CU without residual must be a skip CU
        root_cbf = 1
    if root_cbf:
        inter_split = 1 if (prm[P_MAX_TH_DEPTH_INTER] == 0 and part_mode != PART_2Nx2N) else 0
        write_transform_tree(w, buf, ctx, meta, coef, prm, x0, y0, log2_cb,
                             prm[P_MAX_TH_DEPTH_INTER], 0, inter_split, 0, cand)
    cu_qp_y(prm, cand)


@njit(cache=True, nogil=True)
def split_transform_present(prm, log2, depth, max_depth, intra_split):
    return (log2 <= prm[P_MAX_TB_LOG2] and log2 > prm[P_MIN_TB_LOG2] and depth < max_depth
            and not (intra_split and depth == 0))


@njit(cache=True, nogil=True)
def split_transform_inferred(prm, log2, depth, intra_split):
    # 7.4.9.8 (interSplitFlag is 0 for intra CUs)
    return 1 if (log2 > prm[P_MAX_TB_LOG2] or (intra_split and depth == 0)) else 0


@njit(cache=True, nogil=True)
def split_transform_inferred_inter(prm, log2, depth, intra_split, inter_split):
    # 7.4.9.8 with interSplitFlag (max_transform_hierarchy_depth_inter 0, not 2Nx2N)
    return 1 if (split_transform_inferred(prm, log2, depth, intra_split) or
                 (inter_split and depth == 0)) else 0


# transform-tree stack entries: x0, y0, xBase, yBase, log2TrafoSize, trafoDepth, blkIdx,
# cbf_cb and cbf_cr of the parent
TT_FIELDS = 9


@njit(cache=True, nogil=True)
def push_transform_children(stack, top, x0, y0, log2, depth, cbf_cb, cbf_cr):
    h = 1 << (log2 - 1)
    for j in range(3, -1, -1):
        stack[top, 0] = x0 + (j & 1) * h
        stack[top, 1] = y0 + (j >> 1) * h
        stack[top, 2] = x0
        stack[top, 3] = y0
        stack[top, 4] = log2 - 1
        stack[top, 5] = depth + 1
        stack[top, 6] = j
        stack[top, 7] = cbf_cb
        stack[top, 8] = cbf_cr
        top += 1
    return top


@njit(cache=True, nogil=True)
def transform_tree_root(x0, y0, log2):
    stack = np.empty((4 * 5 + 1, TT_FIELDS), np.int64)
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = x0, y0, x0, y0
    stack[0, 4], stack[0, 5], stack[0, 6], stack[0, 7], stack[0, 8] = log2, 0, 0, 1, 1
    return stack


@njit(cache=True, nogil=True)
def write_transform_tree(w, buf, ctx, meta, coef, prm, x_cu, y_cu, log2_cb, max_depth, intra_split,
                         inter_split, is_intra, cand):
    """7.3.8.8 transform_tree() of the CU at (x_cu, y_cu)."""
    stack = transform_tree_root(x_cu, y_cu, log2_cb)
    top = 1
    while top > 0:
        top -= 1
        x0, y0, x_base, y_base = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        log2, depth, blk_idx = stack[top, 4], stack[top, 5], stack[top, 6]
        parent_cbf_cb, parent_cbf_cr = stack[top, 7], stack[top, 8]
        split = 1 if meta[F_TU_LOG2, y0 >> 2, x0 >> 2] < log2 else 0
        if split_transform_present(prm, log2, depth, max_depth, intra_split):
            encode_decision(w, buf, ctx, SPLIT_TRANSFORM_FLAG + 5 - log2, split)
        cbf_cb = parent_cbf_cb
        cbf_cr = parent_cbf_cr
        if log2 > 2:
            cbf_bits = subtree_cbf(meta, x0, y0, log2)
            cbf_cb = (cbf_bits >> 1) & 1 if parent_cbf_cb else 0
            cbf_cr = (cbf_bits >> 2) & 1 if parent_cbf_cr else 0
            if depth == 0 or parent_cbf_cb:
                encode_decision(w, buf, ctx, CBF_CHROMA + depth, cbf_cb)
            if depth == 0 or parent_cbf_cr:
                encode_decision(w, buf, ctx, CBF_CHROMA + depth, cbf_cr)
        if split:
            top = push_transform_children(stack, top, x0, y0, log2, depth, cbf_cb, cbf_cr)
        else:
            cbf_luma = meta[F_CBF, y0 >> 2, x0 >> 2] & 1
            # cbf_luma is inferred 1 at the root of an inter CU without chroma cbf (7.3.8.8)
            if is_intra or depth != 0 or cbf_cb or cbf_cr:
                encode_decision(w, buf, ctx, CBF_LUMA + (1 if depth == 0 else 0), cbf_luma)
            if (cbf_luma or cbf_cb or cbf_cr) and prm[P_CU_QP_DELTA] and cand[CS_QP_CODED] == 0:
                write_cu_qp_delta(w, buf, ctx, meta, cand, x0, y0)
            write_transform_unit(w, buf, ctx, meta, coef, prm, x0, y0, x_base, y_base, log2, blk_idx,
                                 cbf_luma, cbf_cb, cbf_cr)


@njit(cache=True, nogil=True)
def write_cu_qp_delta(w, buf, ctx, meta, cand, x0, y0):
    """cu_qp_delta_abs (prefix TU cMax 5, ctxInc 0 then 1; suffix EG0 bypass) and
    cu_qp_delta_sign_flag, coding F_QP of the CU minus qPY_PRED (9.3.3.10)."""
    d = meta[F_QP, y0 >> 2, x0 >> 2] - cand[CS_QP_PRED]
    d = ((d + 26 + 52) % 52) - 26
    a = abs(d)
    prefix = min(a, 5)
    for i in range(5):
        b = 1 if prefix > i else 0
        encode_decision(w, buf, ctx, CU_QP_DELTA_ABS + (0 if i == 0 else 1), b)
        if not b:
            break
    if prefix > 4:
        write_exp_golomb_bypass(w, buf, a - 5, 0)
    if a > 0:
        encode_bypass(w, buf, 1 if d < 0 else 0)
    cand[CS_QP_DELTA] = d
    cand[CS_QP_CODED] = 1


@njit(cache=True, nogil=True)
def subtree_cbf(meta, x0, y0, log2):
    """OR of the cbf bits of every transform unit inside the square at (x0, y0)."""
    n = max(1 << (log2 - 2), 1)
    v = 0
    for j in range(n):
        for i in range(n):
            v |= meta[F_CBF, (y0 >> 2) + j, (x0 >> 2) + i]
    return v


@njit(cache=True, nogil=True)
def residual_args(meta, prm, x, y, c_idx, log2):
    """scanIdx (7.4.9.11) of the TB: mode dependent for intra CUs, diagonal for inter."""
    if meta[F_PRED_MODE, y >> 2, x >> 2] != MODE_INTRA:
        return 0
    mode = meta[F_INTRA_MODE, y >> 2, x >> 2] if c_idx == 0 else meta[F_CHROMA_MODE, y >> 2, x >> 2]
    return scan_idx(log2, c_idx, 1, mode)


@njit(cache=True, nogil=True)
def write_transform_unit(w, buf, ctx, meta, coef, prm, x0, y0, x_base, y_base, log2, blk_idx,
                         cbf_luma, cbf_cb, cbf_cr):
    """7.3.8.10 transform_unit() residuals (cu_qp_delta is written by the caller)."""
    sdh = prm[P_SIGN_HIDING]
    tse = prm[P_TS_ENABLED]
    if cbf_luma:
        ts = meta[F_TS, y0 >> 2, x0 >> 2] & 1
        n = 1 << log2
        write_residual_coding(w, buf, ctx, coef[0][y0:y0 + n, x0:x0 + n], log2, 0,
                              residual_args(meta, prm, x0, y0, 0, log2), sdh, tse, ts, 0)
    if log2 > 2:
        xc, yc, log2c = x0 >> 1, y0 >> 1, log2 - 1
    elif blk_idx == 3:
        xc, yc, log2c = x_base >> 1, y_base >> 1, 2
    else:
        return
    nc = 1 << log2c
    for c in (1, 2):
        if (cbf_cb if c == 1 else cbf_cr):
            ts = (meta[F_TS, (yc << 1) >> 2, (xc << 1) >> 2] >> c) & 1
            write_residual_coding(w, buf, ctx, coef[c][yc:yc + nc, xc:xc + nc], log2c, c,
                                  residual_args(meta, prm, xc << 1, yc << 1, c, log2c), sdh, tse, ts, 0)


# ---------------------------------------------------------------------------------- parser

@njit(cache=True, nogil=True)
def parse_coding_quadtree(d, data, ctx, meta, coef, prm, x0, y0, log2_ctb, cand):
    """7.3.8.4 coding_quadtree() of the CTB at (x0, y0), filling meta and the level planes.
    Inter PUs get their syntax fields only; recon.derive_cu_motion derives their motion."""
    stack = np.empty((4 * (log2_ctb - 2) + 1, 3), np.int64)
    stack[0, 0], stack[0, 1], stack[0, 2] = x0, y0, log2_ctb
    top = 1
    while top > 0:
        top -= 1
        x, y, log2 = stack[top, 0], stack[top, 1], stack[top, 2]
        if x >= prm[P_PIC_W] or y >= prm[P_PIC_H]:
            continue
        size = 1 << log2
        depth = log2_ctb - log2
        if x + size <= prm[P_PIC_W] and y + size <= prm[P_PIC_H] and log2 > prm[P_MIN_CB_LOG2]:
            split = decode_decision(d, data, ctx, SPLIT_CU_FLAG + split_cu_ctx_inc(meta, x, y, depth))
        else:
            split = 1 if log2 > prm[P_MIN_CB_LOG2] else 0
        if prm[P_CU_QP_DELTA] and log2 >= prm[P_LOG2_MIN_CU_QP_DELTA]:
            qg_start(meta, prm, cand, x, y)
        if split:
            top = push_quadrants(stack, top, x, y, log2 - 1)
        else:
            fill(meta, F_CT_DEPTH, x, y, size, depth)
            parse_coding_unit(d, data, ctx, meta, coef, prm, x, y, log2, cand)


@njit(cache=True, nogil=True)
def read_tr_idx(d, data, ctx, ci, n_ctx, c_max):
    v = 0
    while v < c_max:
        b = decode_decision(d, data, ctx, ci + v) if v < n_ctx else decode_bypass(d, data)
        if not b:
            break
        v += 1
    return v


@njit(cache=True, nogil=True)
def read_exp_golomb_bypass(d, data, k):
    v = 0
    while decode_bypass(d, data):
        v += 1 << k
        k += 1
        if k > 31:              # corrupt stream
            return v
    if k > 0:
        v += decode_bypass_bins(d, data, k)
    return v


@njit(cache=True, nogil=True)
def parse_mvd_coding(d, data, ctx):
    gx = decode_decision(d, data, ctx, ABS_MVD_GREATER0_FLAG)
    gy = decode_decision(d, data, ctx, ABS_MVD_GREATER0_FLAG)
    g1x = decode_decision(d, data, ctx, ABS_MVD_GREATER1_FLAG) if gx else 0
    g1y = decode_decision(d, data, ctx, ABS_MVD_GREATER1_FLAG) if gy else 0
    mx = 0
    my = 0
    if gx:
        mx = 1 + (read_exp_golomb_bypass(d, data, 1) + 1 if g1x else 0)
        if decode_bypass(d, data):
            mx = -mx
    if gy:
        my = 1 + (read_exp_golomb_bypass(d, data, 1) + 1 if g1y else 0)
        if decode_bypass(d, data):
            my = -my
    return mx, my


@njit(cache=True, nogil=True)
def parse_prediction_unit(d, data, ctx, meta, prm, xp, yp, wp, hp, ct_depth, skip):
    """7.3.8.6 prediction_unit(): the PU's syntax fields into meta."""
    merge = 1 if skip else decode_decision(d, data, ctx, MERGE_FLAG)
    fill_rect(meta, F_MERGE, xp, yp, wp, hp, merge)
    mvd0x = mvd0y = mvd1x = mvd1y = 0
    merge_idx = 0
    idc = PRED_L0
    r0 = -1
    r1 = -1
    flags = 0
    if merge:
        if prm[P_MAX_MERGE] > 1:
            merge_idx = read_tr_idx(d, data, ctx, MERGE_IDX, 1, prm[P_MAX_MERGE] - 1)
    else:
        if prm[P_SLICE_TYPE] == SLICE_B:
            if wp + hp != 12:
                if decode_decision(d, data, ctx, INTER_PRED_IDC + ct_depth):
                    idc = PRED_BI
                else:
                    idc = decode_decision(d, data, ctx, INTER_PRED_IDC + 4)
            else:
                idc = decode_decision(d, data, ctx, INTER_PRED_IDC + 4)
        if idc != PRED_L1:
            r0 = read_tr_idx(d, data, ctx, REF_IDX, 2, prm[P_NUM_REF0] - 1) if prm[P_NUM_REF0] > 1 else 0
            mvd0x, mvd0y = parse_mvd_coding(d, data, ctx)
            flags |= decode_decision(d, data, ctx, MVP_FLAG)
        if idc != PRED_L0:
            r1 = read_tr_idx(d, data, ctx, REF_IDX, 2, prm[P_NUM_REF1] - 1) if prm[P_NUM_REF1] > 1 else 0
            if not (prm[P_MVD_L1_ZERO] and idc == PRED_BI):
                mvd1x, mvd1y = parse_mvd_coding(d, data, ctx)
            flags |= decode_decision(d, data, ctx, MVP_FLAG) << 1
    fill_rect(meta, F_MERGE_IDX, xp, yp, wp, hp, merge_idx)
    fill_rect(meta, F_INTER_DIR, xp, yp, wp, hp, idc)
    fill_rect(meta, F_REF0, xp, yp, wp, hp, r0)
    fill_rect(meta, F_REF1, xp, yp, wp, hp, r1)
    fill_rect(meta, F_MVP_FLAGS, xp, yp, wp, hp, flags)
    fill_rect(meta, F_MVD0X, xp, yp, wp, hp, mvd0x)
    fill_rect(meta, F_MVD0Y, xp, yp, wp, hp, mvd0y)
    fill_rect(meta, F_MVD1X, xp, yp, wp, hp, mvd1x)
    fill_rect(meta, F_MVD1Y, xp, yp, wp, hp, mvd1y)


@njit(cache=True, nogil=True)
def parse_part_mode_inter(d, data, ctx, prm, log2_cb):
    if decode_decision(d, data, ctx, PART_MODE):
        return PART_2Nx2N
    if log2_cb == prm[P_MIN_CB_LOG2]:
        if decode_decision(d, data, ctx, PART_MODE + 1):
            return PART_2NxN
        if log2_cb > 3 and not decode_decision(d, data, ctx, PART_MODE + 2):
            return PART_NxN
        return PART_Nx2N
    hor = decode_decision(d, data, ctx, PART_MODE + 1)
    if prm[P_AMP] == 0 or decode_decision(d, data, ctx, PART_MODE + 3):
        return PART_2NxN if hor else PART_Nx2N
    b = decode_bypass(d, data)
    if hor:
        return PART_2NxnD if b else PART_2NxnU
    return PART_nRx2N if b else PART_nLx2N


@njit(cache=True, nogil=True)
def no_residual(meta, prm, x0, y0, size, log2_cb):
    fill(meta, F_TU_LOG2, x0, y0, size, min(log2_cb, prm[P_MAX_TB_LOG2]))
    fill(meta, F_CBF, x0, y0, size, 0)
    fill(meta, F_TS, x0, y0, size, 0)


@njit(cache=True, nogil=True)
def parse_coding_unit(d, data, ctx, meta, coef, prm, x0, y0, log2_cb, cand):
    size = 1 << log2_cb
    fill(meta, F_CU_LOG2, x0, y0, size, log2_cb)
    pred_mode = MODE_INTRA
    if prm[P_SLICE_TYPE] != SLICE_I:
        if decode_decision(d, data, ctx, CU_SKIP_FLAG + cu_skip_ctx_inc(meta, x0, y0)):
            fill(meta, F_PRED_MODE, x0, y0, size, MODE_SKIP)
            fill(meta, F_PART_MODE, x0, y0, size, PART_2Nx2N)
            parse_prediction_unit(d, data, ctx, meta, prm, x0, y0, size, size,
                                  meta[F_CT_DEPTH, y0 >> 2, x0 >> 2], 1)
            no_residual(meta, prm, x0, y0, size, log2_cb)
            fill(meta, F_QP, x0, y0, size, cu_qp_y(prm, cand))
            return
        pred_mode = MODE_INTRA if decode_decision(d, data, ctx, PRED_MODE_FLAG) else MODE_INTER
    fill(meta, F_PRED_MODE, x0, y0, size, pred_mode)
    if pred_mode == MODE_INTER:
        part_mode = parse_part_mode_inter(d, data, ctx, prm, log2_cb)
        fill(meta, F_PART_MODE, x0, y0, size, part_mode)
        ct_depth = meta[F_CT_DEPTH, y0 >> 2, x0 >> 2]
        for idx in range(num_pus(part_mode)):
            xp, yp, wp, hp = pu_rect(part_mode, x0, y0, size, idx)
            parse_prediction_unit(d, data, ctx, meta, prm, xp, yp, wp, hp, ct_depth, 0)
        root_cbf = 1
        if not (part_mode == PART_2Nx2N and meta[F_MERGE, y0 >> 2, x0 >> 2]):
            root_cbf = decode_decision(d, data, ctx, RQT_ROOT_CBF)
        if root_cbf:
            inter_split = 1 if (prm[P_MAX_TH_DEPTH_INTER] == 0 and part_mode != PART_2Nx2N) else 0
            parse_transform_tree(d, data, ctx, meta, coef, prm, x0, y0, log2_cb,
                                 prm[P_MAX_TH_DEPTH_INTER], 0, inter_split, 0, cand)
        else:
            no_residual(meta, prm, x0, y0, size, log2_cb)
        fill(meta, F_QP, x0, y0, size, cu_qp_y(prm, cand))
        return
    fill(meta, F_REF0, x0, y0, size, -1)
    fill(meta, F_REF1, x0, y0, size, -1)
    part_mode = PART_2Nx2N
    if log2_cb == prm[P_MIN_CB_LOG2]:
        part_mode = PART_2Nx2N if decode_decision(d, data, ctx, PART_MODE) else PART_NxN
    fill(meta, F_PART_MODE, x0, y0, size, part_mode)
    n_parts = 4 if part_mode == PART_NxN else 1
    pb = size >> (1 if part_mode == PART_NxN else 0)
    flags = (0, 0, 0, 0)
    for j in range(n_parts):
        flags = set_tuple(flags, j, decode_decision(d, data, ctx, PREV_INTRA_LUMA_PRED_FLAG))
    for j in range(n_parts):
        xp = x0 + (j & 1) * pb
        yp = y0 + (j >> 1) * pb
        mpm_list(meta, prm, xp, yp, cand)
        idx = 0
        rem = 0
        if flags[j]:
            # mpm_idx: truncated Rice, cMax 2, bypass (9.3.3.2)
            idx = decode_bypass(d, data)
            if idx:
                idx += decode_bypass(d, data)
        else:
            rem = decode_bypass_bins(d, data, 5)
        mode = luma_mode_from_mpm(flags[j], idx, rem, cand)
        fill(meta, F_INTRA_MODE, xp, yp, pb, mode)
    luma_mode = meta[F_INTRA_MODE, y0 >> 2, x0 >> 2]
    if decode_decision(d, data, ctx, INTRA_CHROMA_PRED_MODE):
        v = decode_bypass_bins(d, data, 2)
    else:
        v = 4
    fill(meta, F_CHROMA_MODE, x0, y0, size, chroma_pred_mode(v, luma_mode))
    intra_split = 1 if part_mode == PART_NxN else 0
    parse_transform_tree(d, data, ctx, meta, coef, prm, x0, y0, log2_cb,
                         prm[P_MAX_TH_DEPTH_INTRA] + intra_split, intra_split, 0, 1, cand)
    fill(meta, F_QP, x0, y0, size, cu_qp_y(prm, cand))


@njit(cache=True, nogil=True)
def parse_cu_qp_delta(d, data, ctx, cand):
    a = 0
    while a < 5 and decode_decision(d, data, ctx, CU_QP_DELTA_ABS + (0 if a == 0 else 1)):
        a += 1
    if a > 4:
        a += read_exp_golomb_bypass(d, data, 0)
    if a > 0 and decode_bypass(d, data):
        a = -a
    cand[CS_QP_DELTA] = a
    cand[CS_QP_CODED] = 1


@njit(cache=True, nogil=True)
def parse_transform_tree(d, data, ctx, meta, coef, prm, x_cu, y_cu, log2_cb, max_depth, intra_split,
                         inter_split, is_intra, cand):
    stack = transform_tree_root(x_cu, y_cu, log2_cb)
    top = 1
    while top > 0:
        top -= 1
        x0, y0, x_base, y_base = stack[top, 0], stack[top, 1], stack[top, 2], stack[top, 3]
        log2, depth, blk_idx = stack[top, 4], stack[top, 5], stack[top, 6]
        parent_cbf_cb, parent_cbf_cr = stack[top, 7], stack[top, 8]
        if split_transform_present(prm, log2, depth, max_depth, intra_split):
            split = decode_decision(d, data, ctx, SPLIT_TRANSFORM_FLAG + 5 - log2)
        else:
            split = split_transform_inferred_inter(prm, log2, depth, intra_split, inter_split)
        cbf_cb = parent_cbf_cb
        cbf_cr = parent_cbf_cr
        if log2 > 2:
            cbf_cb = decode_decision(d, data, ctx, CBF_CHROMA + depth) if (depth == 0 or parent_cbf_cb) else 0
            cbf_cr = decode_decision(d, data, ctx, CBF_CHROMA + depth) if (depth == 0 or parent_cbf_cr) else 0
        if split:
            top = push_transform_children(stack, top, x0, y0, log2, depth, cbf_cb, cbf_cr)
        else:
            if is_intra or depth != 0 or cbf_cb or cbf_cr:
                cbf_luma = decode_decision(d, data, ctx, CBF_LUMA + (1 if depth == 0 else 0))
            else:
                cbf_luma = 1
            n = 1 << log2
            fill(meta, F_TU_LOG2, x0, y0, n, log2)
            fill(meta, F_CBF, x0, y0, n, cbf_luma | (cbf_cb << 1) | (cbf_cr << 2))
            fill(meta, F_TS, x0, y0, n, 0)
            if (cbf_luma or cbf_cb or cbf_cr) and prm[P_CU_QP_DELTA] and cand[CS_QP_CODED] == 0:
                parse_cu_qp_delta(d, data, ctx, cand)
            parse_transform_unit(d, data, ctx, meta, coef, prm, x0, y0, x_base, y_base, log2, blk_idx,
                                 cbf_luma, cbf_cb, cbf_cr)


@njit(cache=True, nogil=True)
def parse_transform_unit(d, data, ctx, meta, coef, prm, x0, y0, x_base, y_base, log2, blk_idx,
                         cbf_luma, cbf_cb, cbf_cr):
    sdh = prm[P_SIGN_HIDING]
    tse = prm[P_TS_ENABLED]
    if cbf_luma:
        n = 1 << log2
        ts = read_residual_coding(d, data, ctx, coef[0][y0:y0 + n, x0:x0 + n], log2, 0,
                                  residual_args(meta, prm, x0, y0, 0, log2), sdh, tse, 0)
        fill(meta, F_TS, x0, y0, n, ts)
    if log2 > 2:
        xc, yc, log2c = x0 >> 1, y0 >> 1, log2 - 1
    elif blk_idx == 3:
        xc, yc, log2c = x_base >> 1, y_base >> 1, 2
    else:
        return
    nc = 1 << log2c
    for c in (1, 2):
        if (cbf_cb if c == 1 else cbf_cr):
            ts = read_residual_coding(d, data, ctx, coef[c][yc:yc + nc, xc:xc + nc], log2c, c,
                                      residual_args(meta, prm, xc << 1, yc << 1, c, log2c), sdh, tse, 0)
            if ts:
                # the chroma flag belongs to the whole luma area the chroma block covers
                area = nc << 1
                for j in range(area >> 2):
                    for i in range(area >> 2):
                        meta[F_TS, ((yc << 1) >> 2) + j, ((xc << 1) >> 2) + i] |= ts << c
