"""Deblocking filter (H.265 8.7.2), over a whole picture.

Normative: encoder and decoder run exactly this on the reconstructed picture
(``core/loopfilter.py`` sequences it with SAO).  Inputs are flat arrays:

* ``planes``: tuple (Y, Cb, Cr) of ``np.int16`` planes (4:2:0, 8-bit), filtered in place.
* ``meta``: the per-4x4 metadata of ``core/picture.py``.  Used fields: F_PRED_MODE (intra or
  not), F_CU_LOG2 and F_PART_MODE (coding/prediction block edges), F_TU_LOG2 (transform block
  edges; a CU without a transform tree, e.g. skipped, should carry its CU size or
  min(CU size, MaxTbLog2SizeY)), F_CBF bit 0 (luma cbf of the transform block), F_QP (QpY),
  F_MV0X..F_MV1Y and F_REF0/F_REF1 (inter).
* ``lf``: ``np.int32 [num_slices, LF_NUM]``, one row per slice, the LF_* fields below
  (``loopfilter.make_lf_params`` fills one from the parameter sets and slice header).
* ``slice_map``: ``np.int32 [PicHeightInCtbsY, PicWidthInCtbsY]``, the row of ``lf`` (the
  slice) each CTB belongs to; all zeros for a one-slice picture.
* ``ref_pic_ids``: ``np.int32 [num_slices, 2, 16]``: a picture identifier (>= 0, e.g. the
  POC or DPB slot; equal ids = same reference picture) for RefPicList0/1[ref_idx] of each
  slice.  Only read for inter blocks.

Edges lie on the 8x8 luma grid (8.7.2.2, 8.7.2.3); bS is derived per 4-sample edge segment
(8.7.2.4) into ``bs_ver[H/4, W/8]`` (edge at x = 8 * i, rows 4 * j .. 4 * j + 3) and
``bs_hor[H/8, W/4]``.  All vertical edges of the picture are filtered first, then the
horizontal ones on the result (8.7.2 general).  Chroma (4:2:0) edges are filtered where the
chroma coordinate is a multiple of 8 and bS == 2, two chroma lines per luma segment, as HM and
FFmpeg do.  Not supported (never used by dlvc streams): pcm_loop_filter_disabled_flag with
PCM CUs, cu_transquant_bypass, tiles.
"""
import numpy as np
from ..jit import njit

from .constants import MAX_SAMPLE
from .picture import (
    F_CBF, F_CU_LOG2, F_MV0X, F_MV0Y, F_MV1X, F_MV1Y, F_PART_MODE, F_PRED_MODE, F_QP, F_REF0, F_REF1,
    F_TU_LOG2, MODE_INTRA, PART_2NxN, PART_2NxnD, PART_2NxnU, PART_Nx2N, PART_NxN, PART_nLx2N,
    PART_nRx2N,
)

# ---- per-slice loop-filter parameters: rows of the ``lf`` array ---------------------------
LF_DEBLOCK_DISABLED = 0   # slice_deblocking_filter_disabled_flag (after inference from the PPS)
LF_BETA_OFFSET_DIV2 = 1   # slice_beta_offset_div2 (after inference)
LF_TC_OFFSET_DIV2 = 2     # slice_tc_offset_div2 (after inference)
LF_ACROSS_SLICES = 3      # slice_loop_filter_across_slices_enabled_flag (after inference)
LF_SAO_LUMA = 4           # slice_sao_luma_flag
LF_SAO_CHROMA = 5         # slice_sao_chroma_flag
LF_CB_QP_OFFSET = 6       # pps_cb_qp_offset (cQpPicOffset of 8.7.2.5.5)
LF_CR_QP_OFFSET = 7       # pps_cr_qp_offset
LF_SLICE_ADDR = 8         # SliceAddrRs: raster address of the slice's first CTB
LF_NUM = 9

# Table 8-12: beta' for Q = 0..51 and tC' for Q = 0..53
BETA_TABLE = np.array([0] * 16 + list(range(6, 19)) + list(range(20, 65, 2)), np.int32)
TC_TABLE = np.array([0] * 18 + [1] * 9 + [2] * 4 + [3] * 4 + [4] * 3 + [5, 5, 6, 6, 7, 8, 9, 10, 11, 13,
                                                                     14, 16, 18, 20, 22, 24], np.int32)
# Table 8-10 (ChromaArrayType 1) for qPi = 30..42
_QPC_MID = np.array([29, 30, 31, 32, 33, 33, 34, 34, 35, 35, 36, 36, 37], np.int32)

assert BETA_TABLE.size == 52 and BETA_TABLE[51] == 64
assert TC_TABLE.size == 54 and TC_TABLE[53] == 24


@njit(cache=True, nogil=True)
def chroma_qpc(qpi):
    """Table 8-10, ChromaArrayType 1 (qPi may be negative: QpC = qPi)."""
    if qpi < 30:
        return qpi
    if qpi > 42:
        return qpi - 6
    return _QPC_MID[qpi - 30]


# ------------------------------------------------------------------ edges and bS (8.7.2.2-4)

@njit(cache=True, nogil=True)
def edge_kind(meta, xq, yq, vertical):
    """Kind of the 8x8-grid edge whose q0 sample is (xq, yq): 2 a transform block edge
    (coding block edges included), 1 a prediction block edge only, 0 no edge."""
    u = yq >> 2
    v = xq >> 2
    pos = xq if vertical else yq
    cu = 1 << meta[F_CU_LOG2, u, v]
    if (pos & (cu - 1)) == 0:
        return 2
    if (pos & ((1 << meta[F_TU_LOG2, u, v]) - 1)) == 0:
        return 2
    rel = pos & (cu - 1)
    pm = meta[F_PART_MODE, u, v]
    if vertical:
        if (pm == PART_Nx2N or pm == PART_NxN) and rel == (cu >> 1):
            return 1
        if pm == PART_nLx2N and rel == (cu >> 2):
            return 1
        if pm == PART_nRx2N and rel == ((3 * cu) >> 2):
            return 1
    else:
        if (pm == PART_2NxN or pm == PART_NxN) and rel == (cu >> 1):
            return 1
        if pm == PART_2NxnU and rel == (cu >> 2):
            return 1
        if pm == PART_2NxnD and rel == ((3 * cu) >> 2):
            return 1
    return 0


@njit(cache=True, nogil=True)
def _mv_far(ax, ay, bx, by):
    return abs(ax - bx) >= 4 or abs(ay - by) >= 4


@njit(cache=True, nogil=True)
def motion_bs(meta, up, vp, uq, vq, ref_pic_ids, sp, sq):
    """8.7.2.4 for two inter blocks without coefficients at the edge: 1 when they use
    different reference pictures or numbers of motion vectors, or a motion vector
    component differs by 4 or more quarter samples; else 0."""
    r = meta[F_REF0, up, vp]
    p0 = ref_pic_ids[sp, 0, r] if r >= 0 else -1
    r = meta[F_REF1, up, vp]
    p1 = ref_pic_ids[sp, 1, r] if r >= 0 else -1
    r = meta[F_REF0, uq, vq]
    q0 = ref_pic_ids[sq, 0, r] if r >= 0 else -1
    r = meta[F_REF1, uq, vq]
    q1 = ref_pic_ids[sq, 1, r] if r >= 0 else -1
    # motion vectors of unused lists count as zero
    p0x = np.int32(meta[F_MV0X, up, vp]) if p0 >= 0 else 0
    p0y = np.int32(meta[F_MV0Y, up, vp]) if p0 >= 0 else 0
    p1x = np.int32(meta[F_MV1X, up, vp]) if p1 >= 0 else 0
    p1y = np.int32(meta[F_MV1Y, up, vp]) if p1 >= 0 else 0
    q0x = np.int32(meta[F_MV0X, uq, vq]) if q0 >= 0 else 0
    q0y = np.int32(meta[F_MV0Y, uq, vq]) if q0 >= 0 else 0
    q1x = np.int32(meta[F_MV1X, uq, vq]) if q1 >= 0 else 0
    q1y = np.int32(meta[F_MV1Y, uq, vq]) if q1 >= 0 else 0
    if not ((p0 == q0 and p1 == q1) or (p0 == q1 and p1 == q0)):
        return 1   # different reference pictures or a different number of motion vectors
    if p0 != p1:
        if p0 == q0:
            far = (_mv_far(q0x, q0y, p0x, p0y) or _mv_far(q1x, q1y, p1x, p1y))
        else:
            far = (_mv_far(q1x, q1y, p0x, p0y) or _mv_far(q0x, q0y, p1x, p1y))
        return 1 if far else 0
    # both blocks use the same picture twice (or once, the other list unused on both sides)
    far_a = _mv_far(q0x, q0y, p0x, p0y) or _mv_far(q1x, q1y, p1x, p1y)
    far_b = _mv_far(q1x, q1y, p0x, p0y) or _mv_far(q0x, q0y, p1x, p1y)
    return 1 if (far_a and far_b) else 0


@njit(cache=True, nogil=True)
def edge_bs(meta, ctb_log2, lf, slice_map, ref_pic_ids, xq, yq, vertical):
    """bS of the 4-sample edge segment whose first q0 sample is (xq, yq) (0: not filtered)."""
    xp = xq - 1 if vertical else xq
    yp = yq if vertical else yq - 1
    if xp < 0 or yp < 0:
        return 0                                   # picture boundary
    sq = slice_map[yq >> ctb_log2, xq >> ctb_log2]
    if lf[sq, LF_DEBLOCK_DISABLED]:
        return 0                                   # edges of CUs in the slice are not filtered
    sp = slice_map[yp >> ctb_log2, xp >> ctb_log2]
    if sp != sq and lf[sq, LF_ACROSS_SLICES] == 0:
        return 0                                   # left / upper boundary of the slice
    kind = edge_kind(meta, xq, yq, vertical)
    if kind == 0:
        return 0
    uq, vq, up, vp = yq >> 2, xq >> 2, yp >> 2, xp >> 2
    if meta[F_PRED_MODE, up, vp] == MODE_INTRA or meta[F_PRED_MODE, uq, vq] == MODE_INTRA:
        return 2
    if kind == 2 and ((meta[F_CBF, up, vp] & 1) or (meta[F_CBF, uq, vq] & 1)):
        return 1
    return motion_bs(meta, up, vp, uq, vq, ref_pic_ids, sp, sq)


@njit(cache=True, nogil=True)
def derive_bs(meta, ctb_log2, lf, slice_map, ref_pic_ids, bs_ver, bs_hor):
    """bS of every edge segment of the picture (8.7.2.2-8.7.2.4)."""
    h4 = meta.shape[1]
    w4 = meta.shape[2]
    bs_ver[:, :] = 0
    bs_hor[:, :] = 0
    for j in range(h4):
        for i in range(1, w4 >> 1):
            bs_ver[j, i] = edge_bs(meta, ctb_log2, lf, slice_map, ref_pic_ids, i << 3, j << 2, True)
    for j in range(1, h4 >> 1):
        for i in range(w4):
            bs_hor[j, i] = edge_bs(meta, ctb_log2, lf, slice_map, ref_pic_ids, i << 2, j << 3, False)


# ------------------------------------------------------------------ sample filters (8.7.2.5)

@njit(cache=True, nogil=True)
def _clip3(lo, hi, v):
    return lo if v < lo else (hi if v > hi else v)


@njit(cache=True, nogil=True)
def _px(img, ver, x, y, k, i):
    """Sample i of line k across the edge at (x, y): i < 0 on the p side, i >= 0 on q."""
    if ver:
        return np.int32(img[y + k, x + i])
    return np.int32(img[y + i, x + k])


@njit(cache=True, nogil=True)
def _put(img, ver, x, y, k, i, v):
    if ver:
        img[y + k, x + i] = v
    else:
        img[y + i, x + k] = v


@njit(cache=True, nogil=True)
def _strong_line(img, ver, x, y, k, beta, tc, dpq):
    """8.7.2.5.6 decision for one line (dSam)."""
    p0 = _px(img, ver, x, y, k, -1)
    p3 = _px(img, ver, x, y, k, -4)
    q0 = _px(img, ver, x, y, k, 0)
    q3 = _px(img, ver, x, y, k, 3)
    return (dpq < (beta >> 2) and abs(p3 - p0) + abs(q0 - q3) < (beta >> 3)
            and abs(p0 - q0) < ((5 * tc + 1) >> 1))


@njit(cache=True, nogil=True)
def filter_luma_segment(img, ver, x, y, bs, qp_p, qp_q, beta_offset_div2, tc_offset_div2):
    """8.7.2.5.3 decisions and 8.7.2.5.7 filtering of 4 luma lines across one edge."""
    qpl = (qp_q + qp_p + 1) >> 1
    beta = BETA_TABLE[_clip3(0, 51, qpl + (beta_offset_div2 << 1))]
    tc = TC_TABLE[_clip3(0, 53, qpl + 2 * (bs - 1) + (tc_offset_div2 << 1))]
    dp0 = abs(_px(img, ver, x, y, 0, -3) - 2 * _px(img, ver, x, y, 0, -2) + _px(img, ver, x, y, 0, -1))
    dp3 = abs(_px(img, ver, x, y, 3, -3) - 2 * _px(img, ver, x, y, 3, -2) + _px(img, ver, x, y, 3, -1))
    dq0 = abs(_px(img, ver, x, y, 0, 2) - 2 * _px(img, ver, x, y, 0, 1) + _px(img, ver, x, y, 0, 0))
    dq3 = abs(_px(img, ver, x, y, 3, 2) - 2 * _px(img, ver, x, y, 3, 1) + _px(img, ver, x, y, 3, 0))
    dpq0 = dp0 + dq0
    dpq3 = dp3 + dq3
    dp = dp0 + dp3
    dq = dq0 + dq3
    d = dpq0 + dpq3
    if d >= beta:
        return
    strong = (_strong_line(img, ver, x, y, 0, beta, tc, 2 * dpq0)
              and _strong_line(img, ver, x, y, 3, beta, tc, 2 * dpq3))
    side = (beta + (beta >> 1)) >> 3
    dep = dp < side
    deq = dq < side
    for k in range(4):
        p0 = _px(img, ver, x, y, k, -1)
        p1 = _px(img, ver, x, y, k, -2)
        p2 = _px(img, ver, x, y, k, -3)
        q0 = _px(img, ver, x, y, k, 0)
        q1 = _px(img, ver, x, y, k, 1)
        q2 = _px(img, ver, x, y, k, 2)
        if strong:
            p3 = _px(img, ver, x, y, k, -4)
            q3 = _px(img, ver, x, y, k, 3)
            t2 = 2 * tc
            _put(img, ver, x, y, k, -1, _clip3(p0 - t2, p0 + t2, (p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3))
            _put(img, ver, x, y, k, -2, _clip3(p1 - t2, p1 + t2, (p2 + p1 + p0 + q0 + 2) >> 2))
            _put(img, ver, x, y, k, -3, _clip3(p2 - t2, p2 + t2, (2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3))
            _put(img, ver, x, y, k, 0, _clip3(q0 - t2, q0 + t2, (p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3))
            _put(img, ver, x, y, k, 1, _clip3(q1 - t2, q1 + t2, (p0 + q0 + q1 + q2 + 2) >> 2))
            _put(img, ver, x, y, k, 2, _clip3(q2 - t2, q2 + t2, (p0 + q0 + q1 + 3 * q2 + 2 * q3 + 4) >> 3))
        else:
            delta = (9 * (q0 - p0) - 3 * (q1 - p1) + 8) >> 4
            if abs(delta) >= tc * 10:
                continue
            delta = _clip3(-tc, tc, delta)
            _put(img, ver, x, y, k, -1, _clip3(0, MAX_SAMPLE, p0 + delta))
            _put(img, ver, x, y, k, 0, _clip3(0, MAX_SAMPLE, q0 - delta))
            half = tc >> 1
            if dep:
                dlt = _clip3(-half, half, (((p2 + p0 + 1) >> 1) - p1 + delta) >> 1)
                _put(img, ver, x, y, k, -2, _clip3(0, MAX_SAMPLE, p1 + dlt))
            if deq:
                dlt = _clip3(-half, half, (((q2 + q0 + 1) >> 1) - q1 - delta) >> 1)
                _put(img, ver, x, y, k, 1, _clip3(0, MAX_SAMPLE, q1 + dlt))


@njit(cache=True, nogil=True)
def filter_chroma_segment(img, ver, x, y, nlines, tc):
    """8.7.2.5.8: the chroma filter on nlines lines across the edge at chroma (x, y)."""
    for k in range(nlines):
        p0 = _px(img, ver, x, y, k, -1)
        p1 = _px(img, ver, x, y, k, -2)
        q0 = _px(img, ver, x, y, k, 0)
        q1 = _px(img, ver, x, y, k, 1)
        delta = _clip3(-tc, tc, ((((q0 - p0) << 2) + p1 - q1 + 4) >> 3))
        _put(img, ver, x, y, k, -1, _clip3(0, MAX_SAMPLE, p0 + delta))
        _put(img, ver, x, y, k, 0, _clip3(0, MAX_SAMPLE, q0 - delta))


@njit(cache=True, nogil=True)
def chroma_tc(qp_p, qp_q, c_qp_pic_offset, tc_offset_div2):
    """tC of a chroma edge with bS 2 (8.7.2.5.5)."""
    qpc = chroma_qpc(((qp_q + qp_p + 1) >> 1) + c_qp_pic_offset)
    return TC_TABLE[_clip3(0, 53, qpc + 2 + (tc_offset_div2 << 1))]


@njit(cache=True, nogil=True)
def filter_edges(planes, meta, ctb_log2, lf, slice_map, bs, ver):
    """Filter every luma and chroma edge of one direction (8.7.2.5.1, 8.7.2.5.2)."""
    luma = planes[0]
    n_a = bs.shape[0]
    n_b = bs.shape[1]
    for a in range(n_a):
        for b in range(n_b):
            s = bs[a, b]
            if s == 0:
                continue
            if ver:
                x, y = b << 3, a << 2
                xp, yp = x - 1, y
            else:
                x, y = b << 2, a << 3
                xp, yp = x, y - 1
            sl = slice_map[y >> ctb_log2, x >> ctb_log2]
            qp_q = np.int32(meta[F_QP, y >> 2, x >> 2])
            qp_p = np.int32(meta[F_QP, yp >> 2, xp >> 2])
            filter_luma_segment(luma, ver, x, y, s, qp_p, qp_q,
                                lf[sl, LF_BETA_OFFSET_DIV2], lf[sl, LF_TC_OFFSET_DIV2])
            # chroma: bS 2 on the 8x8 chroma grid (luma position a multiple of 16 across)
            if s == 2 and ((x if ver else y) & 15) == 0:
                for c in range(1, 3):
                    off = lf[sl, LF_CB_QP_OFFSET] if c == 1 else lf[sl, LF_CR_QP_OFFSET]
                    tc = chroma_tc(qp_p, qp_q, off, lf[sl, LF_TC_OFFSET_DIV2])
                    filter_chroma_segment(planes[c], ver, x >> 1, y >> 1, 2, tc)


@njit(cache=True, nogil=True)
def deblock_picture(planes, meta, ctb_log2, lf, slice_map, ref_pic_ids, bs_ver, bs_hor):
    """8.7.2: the deblocking filter on a whole reconstructed picture, in place.

    bs_ver (np.int32 [H/4, W/8]) and bs_hor ([H/8, W/4]) are work arrays; on return they
    hold the boundary strengths used."""
    derive_bs(meta, ctb_log2, lf, slice_map, ref_pic_ids, bs_ver, bs_hor)
    filter_edges(planes, meta, ctb_log2, lf, slice_map, bs_ver, True)
    filter_edges(planes, meta, ctb_log2, lf, slice_map, bs_hor, False)


def new_bs_arrays(width, height):
    """Work arrays for deblock_picture for a width x height (multiples of 8) picture."""
    return (np.zeros((height // 4, width // 8), np.int32), np.zeros((height // 8, width // 4), np.int32))
