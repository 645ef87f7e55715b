"""Motion vector prediction (H.265 8.5.3.2): merge candidates, AMVP, temporal MV
prediction, MV reconstruction.  Normative: encoder and decoder call the same functions.

Scope: one slice and one tile per picture (6.4.1 availability is the z-scan order test
alone, and the collocated picture's reference lists are those of its only slice).

Motion data
-----------
* ``meta`` (current picture) and ``col_meta`` (the collocated picture, ColPic) are the
  per-4x4 ``np.int16`` arrays of dlvc.core.picture; used fields: F_PRED_MODE,
  F_MV0X..F_MV1Y, F_REF0, F_REF1 (RefIdxLX = -1 when predFlagLX = 0).  The MVs of an
  unused list are never read.
* Before the motion of PU partIdx k of a CU is derived, the motion of partIdx 0..k-1 of
  the same CU must be stored in ``meta`` (see ``store_pu_motion``); blocks of other CUs are
  read only where 6.4.1 says they are available (earlier in z-scan order), where
  F_PRED_MODE must be valid (MODE_INTRA or NOT_CODED = not available).
* A motion record (``cand`` rows, ``out`` of pu_motion) is ``int32[6]``:
  (mvL0x, mvL0y, mvL1x, mvL1y, refIdxL0, refIdxL1); refIdxLX = -1 <=> predFlagLX = 0.
  Indices C_MV0X .. C_REF1 below.

Slice parameters ``sp`` (``np.int32[SP_SIZE]``, built by :func:`make_mv_params`)
-------------------------------------------------------------------------------
SP_POC            PicOrderCntVal of the current picture
SP_SLICE_TYPE     0 B, 1 P (2 I: no inter)
SP_NUM_REF0/1     num_ref_idx_l0/l1_active_minus1 + 1 (0 for L1 in P slices)
SP_MAX_MERGE      MaxNumMergeCand
SP_LOG2_PAR_MRG   Log2ParMrgLevel
SP_TMVP           slice_temporal_mvp_enabled_flag
SP_COL_FROM_L0    collocated_from_l0_flag (1 in P slices)
SP_NO_BACKWARD    NoBackwardPredFlag (all refs of both lists have POC <= current POC)
SP_PIC_W/H        pic_width/height_in_luma_samples
SP_CTB_LOG2       CtbLog2SizeY
SP_COL_POC        PicOrderCntVal of ColPic
SP_REF_POC + 16 X + i      POC of RefPicListX[i] of the current slice
SP_REF_LT + 16 X + i       1 if RefPicListX[i] is a long-term reference picture
SP_COL_REF_POC + 16 X + i  POC of RefPicListX[i] of ColPic's slice
SP_COL_REF_LT + 16 X + i   1 if that picture was long-term when ColPic was decoded

API (all ``@njit(cache=True, nogil=True)`` unless noted)
--------------------------------------------------------
merge_cand_list(meta, col_meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
                part_mode, cand) -> MaxNumMergeCand
    8.5.3.2.2-8.5.3.2.5: mergeCandList into cand[:MaxNumMergeCand, :6] (int32[>=5, 6]),
    including the 8x4/4x8 bi -> L0 restriction of step 10 on every entry, so
    cand[merge_idx] is the PU's motion.
amvp_cand_list(meta, col_meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
               X, ref_idx, mvp) -> None
    8.5.3.2.6-8.5.3.2.7: mvpListLX into mvp[0..1, 0..1] (int32[2, 2], [candIdx, (x, y)]).
mv_add(mvp, mvd) -> int
    8.5.3.2.1 (8-200..8-203): (mvp + mvd + 2^16) % 2^16 as signed 16 bit (one component).
pu_motion(meta, col_meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
          part_mode, merge_flag, merge_idx, inter_pred_idc, ref_idx_l0, ref_idx_l1,
          mvp_l0_flag, mvp_l1_flag, mvd, out) -> None
    8.5.3.2.1: the PU's motion record from its syntax (mvd = int32[4]: L0 x, y, L1 x, y;
    inter_pred_idc PRED_L0 / PRED_L1 / PRED_BI).
store_pu_motion(meta, x_pb, y_pb, n_pbw, n_pbh, mot, merge_flag) -> None
    writes F_MV0X..F_REF1 and F_MERGE of the PU's 4x4 units.
scale_mv(mv, tb, td) -> int
    the distScaleFactor scaling of 8-211..8-214 (one component, tb/td already clipped).
chroma_mv(mv) -> int
    8.5.3.2.10 for 4:2:0: mvCLX = mvLX (units of 1/8 chroma sample).
make_mv_params(...) (Python) -> sp
"""
import numpy as np
from ..jit import njit

from dlvc.core.intra import min_tb_addr_zs
from dlvc.core.picture import (F_MERGE, F_MV0X, F_MV0Y, F_MV1X, F_MV1Y, F_PRED_MODE, F_REF0,
                               F_REF1, MODE_INTRA, NOT_CODED, PART_2NxN, PART_2NxnD, PART_2NxnU,
                               PART_Nx2N, PART_nLx2N, PART_nRx2N)

# motion record layout
C_MV0X, C_MV0Y, C_MV1X, C_MV1Y, C_REF0, C_REF1 = 0, 1, 2, 3, 4, 5
# inter_pred_idc (Table 7-10)
PRED_L0, PRED_L1, PRED_BI = 0, 1, 2

SP_POC = 0
SP_SLICE_TYPE = 1
SP_NUM_REF0 = 2
SP_NUM_REF1 = 3
SP_MAX_MERGE = 4
SP_LOG2_PAR_MRG = 5
SP_TMVP = 6
SP_COL_FROM_L0 = 7
SP_NO_BACKWARD = 8
SP_PIC_W = 9
SP_PIC_H = 10
SP_CTB_LOG2 = 11
SP_COL_POC = 12
SP_REF_POC = 16
SP_REF_LT = 48
SP_COL_REF_POC = 80
SP_COL_REF_LT = 112
SP_SIZE = 144

SLICE_B, SLICE_P = 0, 1

# Table 8-6: l0CandIdx / l1CandIdx of combIdx 0..11
COMB_L0 = np.array([0, 1, 0, 2, 1, 2, 0, 3, 1, 3, 2, 3], np.int32)
COMB_L1 = np.array([1, 0, 2, 0, 2, 1, 3, 0, 3, 1, 3, 2], np.int32)


def make_mv_params(poc, slice_type, ref_poc, ref_is_lt, num_ref_idx, max_num_merge_cand,
                   log2_par_mrg_level, slice_temporal_mvp_enabled_flag, collocated_from_l0_flag,
                   pic_w, pic_h, ctb_log2, col_poc=0, col_ref_poc=None, col_ref_is_lt=None):
    """Pack the slice-level MV prediction inputs (Python, once per slice).

    ref_poc / ref_is_lt: [2][<=16] sequences for RefPicList0/1 of the current slice;
    num_ref_idx: (num_ref_idx_l0_active, num_ref_idx_l1_active) (L1 ignored in P slices);
    col_*: POC of ColPic and the POCs / long-term flags of its slice's lists."""
    sp = np.zeros(SP_SIZE, np.int32)
    sp[SP_POC] = poc
    sp[SP_SLICE_TYPE] = slice_type
    n0 = int(num_ref_idx[0])
    n1 = int(num_ref_idx[1]) if slice_type == SLICE_B else 0
    sp[SP_NUM_REF0] = n0
    sp[SP_NUM_REF1] = n1
    sp[SP_MAX_MERGE] = max_num_merge_cand
    sp[SP_LOG2_PAR_MRG] = log2_par_mrg_level
    sp[SP_TMVP] = slice_temporal_mvp_enabled_flag
    sp[SP_COL_FROM_L0] = collocated_from_l0_flag if slice_type == SLICE_B else 1
    sp[SP_PIC_W] = pic_w
    sp[SP_PIC_H] = pic_h
    sp[SP_CTB_LOG2] = ctb_log2
    sp[SP_COL_POC] = col_poc
    no_backward = 1
    for X, n in ((0, n0), (1, n1)):
        for i in range(n):
            sp[SP_REF_POC + 16 * X + i] = ref_poc[X][i]
            sp[SP_REF_LT + 16 * X + i] = 1 if ref_is_lt[X][i] else 0
            if ref_poc[X][i] > poc:          # DiffPicOrderCnt(aPic, CurrPic) > 0
                no_backward = 0
    sp[SP_NO_BACKWARD] = no_backward
    for X in range(2):
        if col_ref_poc is not None:
            for i, v in enumerate(col_ref_poc[X]):
                sp[SP_COL_REF_POC + 16 * X + i] = v
        if col_ref_is_lt is not None:
            for i, v in enumerate(col_ref_is_lt[X]):
                sp[SP_COL_REF_LT + 16 * X + i] = 1 if v else 0
    return sp


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, inline="always")
def _clip3(lo, hi, v):
    return lo if v < lo else (hi if v > hi else v)


@njit(cache=True, nogil=True, inline="always")
def _div_trunc(a, b):
    """'/' of the spec: integer division with truncation toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


@njit(cache=True, nogil=True)
def scale_mv(mv, tb, td):
    """8-211..8-214 (also 8-185..8-187 of AMVP): scale one MV component by tb / td
    (tb, td = Clip3(-128, 127, POC differences))."""
    tx = _div_trunc(16384 + (abs(td) >> 1), td)
    dsf = _clip3(-4096, 4095, (tb * tx + 32) >> 6)
    p = dsf * mv
    s = 1 if p > 0 else (-1 if p < 0 else 0)
    return _clip3(-32768, 32767, s * ((abs(p) + 127) >> 8))


@njit(cache=True, nogil=True)
def mv_add(mvp, mvd):
    """8-200..8-203: uLX = (mvpLX + mvdLX + 2^16) % 2^16; mvLX = uLX - 2^16 if uLX >= 2^15."""
    u = (mvp + mvd + 65536) & 0xFFFF
    return u - 65536 if u >= 32768 else u


@njit(cache=True, nogil=True)
def chroma_mv(mv):
    """8.5.3.2.10, 4:2:0: mvCLX = mvLX * 2 / SubWidthC = mvLX (eighth chroma samples)."""
    return mv


@njit(cache=True, nogil=True, _nrt=False)
def _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx, x_nb, y_nb):
    """6.4.2 prediction block availability (with 6.4.1 z-scan availability)."""
    if x_cb <= x_nb < x_cb + n_cbs and y_cb <= y_nb < y_cb + n_cbs:     # sameCb
        if ((n_pbw << 1) == n_cbs and (n_pbh << 1) == n_cbs and part_idx == 1
                and y_cb + n_pbh <= y_nb and x_cb + n_pbw > x_nb):
            return False
        return True          # CuPredMode of the current CU is inter
    if x_nb < 0 or y_nb < 0 or x_nb >= sp[SP_PIC_W] or y_nb >= sp[SP_PIC_H]:
        return False
    log2_ctb = sp[SP_CTB_LOG2]
    w_ctbs = (sp[SP_PIC_W] + (1 << log2_ctb) - 1) >> log2_ctb
    if min_tb_addr_zs(x_nb, y_nb, w_ctbs, log2_ctb) > min_tb_addr_zs(x_pb, y_pb, w_ctbs, log2_ctb):
        return False
    m = meta[F_PRED_MODE, y_nb >> 2, x_nb >> 2]
    if m == MODE_INTRA or m == NOT_CODED:
        return False
    return True


@njit(cache=True, nogil=True, _nrt=False)
def _same_motion(meta, xa, ya, xb, yb):
    """'the prediction units covering (xa, ya) and (xb, yb) have the same motion vectors
    and the same reference indices' (used lists only)."""
    ya >>= 2
    xa >>= 2
    yb >>= 2
    xb >>= 2
    r0 = meta[F_REF0, ya, xa]
    r1 = meta[F_REF1, ya, xa]
    if r0 != meta[F_REF0, yb, xb] or r1 != meta[F_REF1, yb, xb]:
        return False
    if r0 >= 0 and (meta[F_MV0X, ya, xa] != meta[F_MV0X, yb, xb]
                    or meta[F_MV0Y, ya, xa] != meta[F_MV0Y, yb, xb]):
        return False
    if r1 >= 0 and (meta[F_MV1X, ya, xa] != meta[F_MV1X, yb, xb]
                    or meta[F_MV1Y, ya, xa] != meta[F_MV1Y, yb, xb]):
        return False
    return True


@njit(cache=True, nogil=True, inline="always")
def _load(meta, x, y, cand, k):
    y >>= 2
    x >>= 2
    r0 = meta[F_REF0, y, x]
    r1 = meta[F_REF1, y, x]
    cand[k, C_REF0] = r0
    cand[k, C_REF1] = r1
    cand[k, C_MV0X] = meta[F_MV0X, y, x] if r0 >= 0 else 0
    cand[k, C_MV0Y] = meta[F_MV0Y, y, x] if r0 >= 0 else 0
    cand[k, C_MV1X] = meta[F_MV1X, y, x] if r1 >= 0 else 0
    cand[k, C_MV1Y] = meta[F_MV1Y, y, x] if r1 >= 0 else 0


# ---------------------------------------------------------------------------------------------
# 8.5.3.2.8 / 8.5.3.2.9 temporal luma motion vector prediction
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _collocated_mv(col_meta, sp, x_col, y_col, X, ref_idx, res):
    """8.5.3.2.9 for colPb covering (x_col, y_col) of ColPic; res[0:2] = mvLXCol.
    Returns availableFlagLXCol."""
    yc = y_col >> 2
    xc = x_col >> 2
    m = col_meta[F_PRED_MODE, yc, xc]
    if m == MODE_INTRA or m == NOT_CODED:
        return False
    r0 = col_meta[F_REF0, yc, xc]
    r1 = col_meta[F_REF1, yc, xc]
    if r0 < 0 and r1 < 0:
        return False
    if r0 < 0:
        list_col = 1
    elif r1 < 0:
        list_col = 0
    elif sp[SP_NO_BACKWARD]:
        list_col = X
    else:
        list_col = sp[SP_COL_FROM_L0]          # N = collocated_from_l0_flag
    if list_col == 0:
        mvx = np.int32(col_meta[F_MV0X, yc, xc])
        mvy = np.int32(col_meta[F_MV0Y, yc, xc])
        ref_col = r0
    else:
        mvx = np.int32(col_meta[F_MV1X, yc, xc])
        mvy = np.int32(col_meta[F_MV1Y, yc, xc])
        ref_col = r1
    cur_lt = sp[SP_REF_LT + 16 * X + ref_idx]
    col_lt = sp[SP_COL_REF_LT + 16 * list_col + ref_col]
    if cur_lt != col_lt:
        return False
    col_poc_diff = sp[SP_COL_POC] - sp[SP_COL_REF_POC + 16 * list_col + ref_col]
    curr_poc_diff = sp[SP_POC] - sp[SP_REF_POC + 16 * X + ref_idx]
    if cur_lt or col_poc_diff == curr_poc_diff:
        res[0] = mvx
        res[1] = mvy
    else:
        td = _clip3(-128, 127, col_poc_diff)
        tb = _clip3(-128, 127, curr_poc_diff)
        res[0] = scale_mv(mvx, tb, td)
        res[1] = scale_mv(mvy, tb, td)
    return True


@njit(cache=True, nogil=True)
def temporal_mv(col_meta, sp, x_pb, y_pb, n_pbw, n_pbh, X, ref_idx, res):
    """8.5.3.2.8: mvLXCol into res[0:2]; returns availableFlagLXCol."""
    res[0] = 0
    res[1] = 0
    if sp[SP_TMVP] == 0:
        return False
    log2_ctb = sp[SP_CTB_LOG2]
    x_br = x_pb + n_pbw
    y_br = y_pb + n_pbh
    if (y_pb >> log2_ctb) == (y_br >> log2_ctb) and y_br < sp[SP_PIC_H] and x_br < sp[SP_PIC_W]:
        if _collocated_mv(col_meta, sp, (x_br >> 4) << 4, (y_br >> 4) << 4, X, ref_idx, res):
            return True
    x_ct = x_pb + (n_pbw >> 1)
    y_ct = y_pb + (n_pbh >> 1)
    if _collocated_mv(col_meta, sp, (x_ct >> 4) << 4, (y_ct >> 4) << 4, X, ref_idx, res):
        return True
    res[0] = 0
    res[1] = 0
    return False


# ---------------------------------------------------------------------------------------------
# 8.5.3.2.2 - 8.5.3.2.5 merge mode
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def merge_cand_list(meta, col_meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
                    part_mode, cand):
    """8.5.3.2.2: mergeCandList into cand[:MaxNumMergeCand] (step 10's 8x4/4x8 uni
    restriction applied to each entry).  Returns MaxNumMergeCand."""
    max_cand = sp[SP_MAX_MERGE]
    orig_sum = n_pbw + n_pbh
    par = sp[SP_LOG2_PAR_MRG]
    if par > 2 and n_cbs == 8:               # singleMCLFlag
        x_pb = x_cb
        y_pb = y_cb
        n_pbw = n_cbs
        n_pbh = n_cbs
        part_idx = 0
    n = 0
    # 8.5.3.2.3 spatial candidates -------------------------------------------------------
    xa1 = x_pb - 1
    ya1 = y_pb + n_pbh - 1
    if (x_pb >> par) == (xa1 >> par) and (y_pb >> par) == (ya1 >> par):
        av_a1 = False
    elif part_idx == 1 and (part_mode == PART_Nx2N or part_mode == PART_nLx2N
                            or part_mode == PART_nRx2N):
        av_a1 = False
    else:
        av_a1 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
                              xa1, ya1)
    if av_a1:
        _load(meta, xa1, ya1, cand, n)
        n += 1
    xb1 = x_pb + n_pbw - 1
    yb1 = y_pb - 1
    if (x_pb >> par) == (xb1 >> par) and (y_pb >> par) == (yb1 >> par):
        av_b1 = False
    elif part_idx == 1 and (part_mode == PART_2NxN or part_mode == PART_2NxnU
                            or part_mode == PART_2NxnD):
        av_b1 = False
    else:
        av_b1 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
                              xb1, yb1)
    flag_b1 = av_b1 and not (av_a1 and _same_motion(meta, xa1, ya1, xb1, yb1))
    if flag_b1:
        _load(meta, xb1, yb1, cand, n)
        n += 1
    xb0 = x_pb + n_pbw
    yb0 = y_pb - 1
    if (x_pb >> par) == (xb0 >> par) and (y_pb >> par) == (yb0 >> par):
        av_b0 = False
    else:
        av_b0 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
                              xb0, yb0)
    flag_b0 = av_b0 and not (av_b1 and _same_motion(meta, xb1, yb1, xb0, yb0))
    if flag_b0:
        _load(meta, xb0, yb0, cand, n)
        n += 1
    xa0 = x_pb - 1
    ya0 = y_pb + n_pbh
    if (x_pb >> par) == (xa0 >> par) and (y_pb >> par) == (ya0 >> par):
        av_a0 = False
    else:
        av_a0 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
                              xa0, ya0)
    flag_a0 = av_a0 and not (av_a1 and _same_motion(meta, xa1, ya1, xa0, ya0))
    if flag_a0:
        _load(meta, xa0, ya0, cand, n)
        n += 1
    xb2 = x_pb - 1
    yb2 = y_pb - 1
    if (x_pb >> par) == (xb2 >> par) and (y_pb >> par) == (yb2 >> par):
        av_b2 = False
    else:
        av_b2 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
                              xb2, yb2)
    flag_b2 = (av_b2 and not (av_a1 and _same_motion(meta, xa1, ya1, xb2, yb2))
               and not (av_b1 and _same_motion(meta, xb1, yb1, xb2, yb2)) and n < 4)
    if flag_b2:
        _load(meta, xb2, yb2, cand, n)
        n += 1
    # temporal candidate (refIdxLXCol = 0) -----------------------------------------------
    is_b = sp[SP_SLICE_TYPE] == SLICE_B
    if n < max_cand:
        res = np.zeros(2, np.int32)
        av_l0 = temporal_mv(col_meta, sp, x_pb, y_pb, n_pbw, n_pbh, 0, 0, res)
        m0x = res[0]
        m0y = res[1]
        av_l1 = False
        if is_b:
            av_l1 = temporal_mv(col_meta, sp, x_pb, y_pb, n_pbw, n_pbh, 1, 0, res)
        if av_l0 or av_l1:
            cand[n, C_MV0X] = m0x if av_l0 else 0
            cand[n, C_MV0Y] = m0y if av_l0 else 0
            cand[n, C_REF0] = 0 if av_l0 else -1
            cand[n, C_MV1X] = res[0] if av_l1 else 0
            cand[n, C_MV1Y] = res[1] if av_l1 else 0
            cand[n, C_REF1] = 0 if av_l1 else -1
            n += 1
    # 8.5.3.2.4 combined bi-predictive candidates ----------------------------------------
    if is_b and 1 < n < max_cand:
        n_orig = n
        comb_idx = 0
        while True:
            l0 = COMB_L0[comb_idx]
            l1 = COMB_L1[comb_idx]
            r0 = cand[l0, C_REF0]
            r1 = cand[l1, C_REF1]
            if r0 >= 0 and r1 >= 0 and (
                    sp[SP_REF_POC + r0] != sp[SP_REF_POC + 16 + r1]
                    or cand[l0, C_MV0X] != cand[l1, C_MV1X] or cand[l0, C_MV0Y] != cand[l1, C_MV1Y]):
                cand[n, C_MV0X] = cand[l0, C_MV0X]
                cand[n, C_MV0Y] = cand[l0, C_MV0Y]
                cand[n, C_REF0] = r0
                cand[n, C_MV1X] = cand[l1, C_MV1X]
                cand[n, C_MV1Y] = cand[l1, C_MV1Y]
                cand[n, C_REF1] = r1
                n += 1
            comb_idx += 1
            if comb_idx == n_orig * (n_orig - 1) or n == max_cand:
                break
    # 8.5.3.2.5 zero candidates ----------------------------------------------------------
    if is_b:
        num_ref = min(sp[SP_NUM_REF0], sp[SP_NUM_REF1])
    else:
        num_ref = sp[SP_NUM_REF0]
    zero_idx = 0
    while n < max_cand:
        r = zero_idx if zero_idx < num_ref else 0
        cand[n, C_MV0X] = 0
        cand[n, C_MV0Y] = 0
        cand[n, C_MV1X] = 0
        cand[n, C_MV1Y] = 0
        cand[n, C_REF0] = r
        cand[n, C_REF1] = r if is_b else -1
        n += 1
        zero_idx += 1
    # step 10: 8x4 / 4x8 PUs are uni-predicted
    if orig_sum == 12:
        for k in range(max_cand):
            if cand[k, C_REF0] >= 0 and cand[k, C_REF1] >= 0:
                cand[k, C_REF1] = -1
                cand[k, C_MV1X] = 0
                cand[k, C_MV1Y] = 0
    return max_cand


# ---------------------------------------------------------------------------------------------
# 8.5.3.2.6 / 8.5.3.2.7 AMVP
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, _nrt=False)
def _amvp_nb_noscale(meta, sp, x, y, X, target_poc, res):
    """First search of 8.5.3.2.7: a neighbour list whose reference picture is
    RefPicListX[refIdxLX] itself (LX first, then LY)."""
    y >>= 2
    x >>= 2
    Y = 1 - X
    rx = meta[F_REF0 + X, y, x]
    if rx >= 0 and sp[SP_REF_POC + 16 * X + rx] == target_poc:
        res[0] = meta[F_MV0X + 2 * X, y, x]
        res[1] = meta[F_MV0Y + 2 * X, y, x]
        return True
    ry = meta[F_REF0 + Y, y, x]
    if ry >= 0 and sp[SP_REF_POC + 16 * Y + ry] == target_poc:
        res[0] = meta[F_MV0X + 2 * Y, y, x]
        res[1] = meta[F_MV0Y + 2 * Y, y, x]
        return True
    return False


@njit(cache=True, nogil=True, _nrt=False)
def _amvp_nb_scale(meta, sp, x, y, X, ref_idx, res):
    """Second search of 8.5.3.2.7: a neighbour list whose reference has the same
    long-term status as RefPicListX[refIdxLX]; its MV scaled when both are short-term."""
    y >>= 2
    x >>= 2
    cur_lt = sp[SP_REF_LT + 16 * X + ref_idx]
    found = False
    lst = 0
    rn = 0
    for L in (X, 1 - X):
        r = meta[F_REF0 + L, y, x]
        if r >= 0 and sp[SP_REF_LT + 16 * L + r] == cur_lt:
            found = True
            lst = L
            rn = r
            break
    if not found:
        return False
    mvx = np.int32(meta[F_MV0X + 2 * lst, y, x])
    mvy = np.int32(meta[F_MV0Y + 2 * lst, y, x])
    if cur_lt == 0 and sp[SP_REF_LT + 16 * lst + rn] == 0:
        td = _clip3(-128, 127, sp[SP_POC] - sp[SP_REF_POC + 16 * lst + rn])
        tb = _clip3(-128, 127, sp[SP_POC] - sp[SP_REF_POC + 16 * X + ref_idx])
        mvx = scale_mv(mvx, tb, td)
        mvy = scale_mv(mvy, tb, td)
    res[0] = mvx
    res[1] = mvy
    return True


@njit(cache=True, nogil=True)
def amvp_cand_list(meta, col_meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
                   X, ref_idx, mvp):
    """8.5.3.2.6: mvpListLX (2 candidates) into mvp[2, 2]."""
    target_poc = sp[SP_REF_POC + 16 * X + ref_idx]
    res = np.zeros(2, np.int32)
    # A: A0, A1
    xa0 = x_pb - 1
    ya0 = y_pb + n_pbh
    xa1 = x_pb - 1
    ya1 = y_pb + n_pbh - 1
    av_a0 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx, xa0, ya0)
    av_a1 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx, xa1, ya1)
    is_scaled = av_a0 or av_a1
    flag_a = False
    ax = 0
    ay = 0
    if av_a0 and _amvp_nb_noscale(meta, sp, xa0, ya0, X, target_poc, res):
        flag_a = True
    elif av_a1 and _amvp_nb_noscale(meta, sp, xa1, ya1, X, target_poc, res):
        flag_a = True
    elif av_a0 and _amvp_nb_scale(meta, sp, xa0, ya0, X, ref_idx, res):
        flag_a = True
    elif av_a1 and _amvp_nb_scale(meta, sp, xa1, ya1, X, ref_idx, res):
        flag_a = True
    if flag_a:
        ax = res[0]
        ay = res[1]
    # B: B0, B1, B2
    xb0 = x_pb + n_pbw
    yb0 = y_pb - 1
    xb1 = x_pb + n_pbw - 1
    yb1 = y_pb - 1
    xb2 = x_pb - 1
    yb2 = y_pb - 1
    av_b0 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx, xb0, yb0)
    av_b1 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx, xb1, yb1)
    av_b2 = _pb_available(meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx, xb2, yb2)
    flag_b = False
    bx = 0
    by = 0
    if av_b0 and _amvp_nb_noscale(meta, sp, xb0, yb0, X, target_poc, res):
        flag_b = True
    elif av_b1 and _amvp_nb_noscale(meta, sp, xb1, yb1, X, target_poc, res):
        flag_b = True
    elif av_b2 and _amvp_nb_noscale(meta, sp, xb2, yb2, X, target_poc, res):
        flag_b = True
    if flag_b:
        bx = res[0]
        by = res[1]
    if not is_scaled:
        if flag_b:
            flag_a = True
            ax = bx
            ay = by
        flag_b = False
        if av_b0 and _amvp_nb_scale(meta, sp, xb0, yb0, X, ref_idx, res):
            flag_b = True
        elif av_b1 and _amvp_nb_scale(meta, sp, xb1, yb1, X, ref_idx, res):
            flag_b = True
        elif av_b2 and _amvp_nb_scale(meta, sp, xb2, yb2, X, ref_idx, res):
            flag_b = True
        if flag_b:
            bx = res[0]
            by = res[1]
    # list construction
    n = 0
    if flag_a:
        mvp[n, 0] = ax
        mvp[n, 1] = ay
        n += 1
    if flag_b and not (flag_a and ax == bx and ay == by):
        mvp[n, 0] = bx
        mvp[n, 1] = by
        n += 1
    if n < 2:
        if temporal_mv(col_meta, sp, x_pb, y_pb, n_pbw, n_pbh, X, ref_idx, res):
            mvp[n, 0] = res[0]
            mvp[n, 1] = res[1]
            n += 1
    while n < 2:
        mvp[n, 0] = 0
        mvp[n, 1] = 0
        n += 1


# ---------------------------------------------------------------------------------------------
# 8.5.3.2.1 PU motion from its syntax
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def pu_motion(meta, col_meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh, part_idx,
              part_mode, merge_flag, merge_idx, inter_pred_idc, ref_idx_l0, ref_idx_l1,
              mvp_l0_flag, mvp_l1_flag, mvd, out):
    """8.5.3.2.1: motion record of a PU into out[6]."""
    if merge_flag:
        cand = np.empty((5, 6), np.int32)
        merge_cand_list(meta, col_meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh,
                        part_idx, part_mode, cand)
        for k in range(6):
            out[k] = cand[merge_idx, k]
        return
    mvp = np.empty((2, 2), np.int32)
    for k in range(6):
        out[k] = 0
    out[C_REF0] = -1
    out[C_REF1] = -1
    for X in range(2):
        if inter_pred_idc == PRED_BI or inter_pred_idc == X:
            r = ref_idx_l0 if X == 0 else ref_idx_l1
            f = mvp_l0_flag if X == 0 else mvp_l1_flag
            amvp_cand_list(meta, col_meta, sp, x_cb, y_cb, n_cbs, x_pb, y_pb, n_pbw, n_pbh,
                           part_idx, X, r, mvp)
            out[C_REF0 + X] = r
            out[C_MV0X + 2 * X] = mv_add(mvp[f, 0], mvd[2 * X])
            out[C_MV0Y + 2 * X] = mv_add(mvp[f, 1], mvd[2 * X + 1])


@njit(cache=True, nogil=True)
def store_pu_motion(meta, x_pb, y_pb, n_pbw, n_pbh, mot, merge_flag):
    """Write a PU's motion record into meta (F_MV*, F_REF*, F_MERGE); MVs of an unused
    list are stored as 0."""
    for y in range(y_pb >> 2, (y_pb + n_pbh) >> 2):
        for x in range(x_pb >> 2, (x_pb + n_pbw) >> 2):
            meta[F_REF0, y, x] = mot[C_REF0]
            meta[F_REF1, y, x] = mot[C_REF1]
            meta[F_MV0X, y, x] = mot[C_MV0X] if mot[C_REF0] >= 0 else 0
            meta[F_MV0Y, y, x] = mot[C_MV0Y] if mot[C_REF0] >= 0 else 0
            meta[F_MV1X, y, x] = mot[C_MV1X] if mot[C_REF1] >= 0 else 0
            meta[F_MV1Y, y, x] = mot[C_MV1Y] if mot[C_REF1] >= 0 else 0
            meta[F_MERGE, y, x] = merge_flag
