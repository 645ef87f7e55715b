"""Coding-tree syntax (7.3.8.2-7.3.8.10): written and parsed next to each other.

The writer codes a CTU whose decisions are already in ``meta`` and the
coefficient planes; the same writer in CABAC estimate mode gives the encoder
its rates.  The parser fills ``meta`` and the coefficient planes; reconstruction
(``core/recon.py``) then runs on them, identically in encoder and decoder.
"""
from numba import njit

from .cabac import (
    CBF_CHROMA, CBF_LUMA, INTRA_CHROMA_PRED_MODE, PART_MODE, PREV_INTRA_LUMA_PRED_FLAG,
    SPLIT_CU_FLAG, SPLIT_TRANSFORM_FLAG, decode_bypass, decode_bypass_bins, decode_decision,
    encode_bypass, encode_bypass_bins, encode_decision,
)
from .intra import chroma_pred_mode, luma_mode_from_mpm, mpm_candidates, mpm_code
from .params import (
    P_CTB_LOG2, P_MAX_TB_LOG2, P_MAX_TH_DEPTH_INTRA, P_MIN_CB_LOG2, P_MIN_TB_LOG2, P_PIC_H,
    P_PIC_W, P_SIGN_HIDING, P_SLICE_QP, P_TS_ENABLED,
)
from .picture import (
    F_CBF, F_CHROMA_MODE, F_CT_DEPTH, F_CU_LOG2, F_INTRA_MODE, F_PART_MODE, F_PRED_MODE, F_QP,
    F_TS, F_TU_LOG2, MODE_INTRA, PART_2Nx2N, PART_NxN,
)
from .residual import read_residual_coding, scan_idx, write_residual_coding

INTRA_DC = 1


@njit(cache=True, nogil=True)
def fill(meta, field, x0, y0, size, value):
    """Set a metadata field over the size x size luma area at (x0, y0)."""
    n = max(size >> 2, 1)
    meta[field, y0 >> 2:(y0 >> 2) + n, x0 >> 2:(x0 >> 2) + n] = value


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
def write_coding_quadtree(w, buf, ctx, meta, coef, prm, x0, y0, log2_cb, cqt_depth, cand):
    """7.3.8.4 coding_quadtree(); ``coef`` is a tuple (Y, Cb, Cr) of level planes."""
    size = 1 << log2_cb
    if x0 + size <= prm[P_PIC_W] and y0 + size <= prm[P_PIC_H] and log2_cb > prm[P_MIN_CB_LOG2]:
        split = 1 if meta[F_CU_LOG2, y0 >> 2, x0 >> 2] < log2_cb else 0
        encode_decision(w, buf, ctx, SPLIT_CU_FLAG + split_cu_ctx_inc(meta, x0, y0, cqt_depth), split)
    else:
        split = 1 if log2_cb > prm[P_MIN_CB_LOG2] else 0
    if split:
        x1 = x0 + (size >> 1)
        y1 = y0 + (size >> 1)
        write_coding_quadtree(w, buf, ctx, meta, coef, prm, x0, y0, log2_cb - 1, cqt_depth + 1, cand)
        if x1 < prm[P_PIC_W]:
            write_coding_quadtree(w, buf, ctx, meta, coef, prm, x1, y0, log2_cb - 1, cqt_depth + 1, cand)
        if y1 < prm[P_PIC_H]:
            write_coding_quadtree(w, buf, ctx, meta, coef, prm, x0, y1, log2_cb - 1, cqt_depth + 1, cand)
        if x1 < prm[P_PIC_W] and y1 < prm[P_PIC_H]:
            write_coding_quadtree(w, buf, ctx, meta, coef, prm, x1, y1, log2_cb - 1, cqt_depth + 1, cand)
    else:
        write_coding_unit(w, buf, ctx, meta, coef, prm, x0, y0, log2_cb, cand)


@njit(cache=True, nogil=True)
def write_part_mode_intra(w, buf, ctx, prm, log2_cb, part_mode):
    # 7.3.8.5: part_mode is present for intra CUs only at the minimum CU size (9.3.3.7).
    if log2_cb == prm[P_MIN_CB_LOG2]:
        encode_decision(w, buf, ctx, PART_MODE, 1 if part_mode == PART_2Nx2N else 0)


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
def write_coding_unit(w, buf, ctx, meta, coef, prm, x0, y0, log2_cb, cand):
    """7.3.8.5 coding_unit() for intra slices."""
    part_mode = meta[F_PART_MODE, y0 >> 2, x0 >> 2]
    write_part_mode_intra(w, buf, ctx, prm, log2_cb, part_mode)
    write_intra_luma_modes(w, buf, ctx, meta, prm, x0, y0, log2_cb, part_mode, cand)
    write_intra_chroma_pred_mode(w, buf, ctx, intra_chroma_pred_mode_of(
        meta[F_CHROMA_MODE, y0 >> 2, x0 >> 2], meta[F_INTRA_MODE, y0 >> 2, x0 >> 2]))
    intra_split = 1 if part_mode == PART_NxN else 0
    write_transform_tree(w, buf, ctx, meta, coef, prm, x0, y0, x0, y0, log2_cb, 0, 0,
                         prm[P_MAX_TH_DEPTH_INTRA] + intra_split, intra_split, 1, 1)


@njit(cache=True, nogil=True)
def split_transform_present(prm, log2, depth, max_depth, intra_split):
    return (log2 <= prm[P_MAX_TB_LOG2] and log2 > prm[P_MIN_TB_LOG2] and depth < max_depth
            and not (intra_split and depth == 0))


@njit(cache=True, nogil=True)
def split_transform_inferred(prm, log2, depth, intra_split):
    # 7.4.9.8 (interSplitFlag is 0 for intra CUs)
    return 1 if (log2 > prm[P_MAX_TB_LOG2] or (intra_split and depth == 0)) else 0


@njit(cache=True, nogil=True)
def write_transform_tree(w, buf, ctx, meta, coef, prm, x0, y0, x_base, y_base, log2, depth,
                         blk_idx, max_depth, intra_split, parent_cbf_cb, parent_cbf_cr):
    """7.3.8.8 transform_tree()."""
    split = 1 if meta[F_TU_LOG2, y0 >> 2, x0 >> 2] < log2 else 0
    if split_transform_present(prm, log2, depth, max_depth, intra_split):
        encode_decision(w, buf, ctx, SPLIT_TRANSFORM_FLAG + 5 - log2, split)
    cbf_bits = subtree_cbf(meta, x0, y0, log2)
    cbf_cb = parent_cbf_cb
    cbf_cr = parent_cbf_cr
    if log2 > 2:
        cbf_cb = (cbf_bits >> 1) & 1 if parent_cbf_cb else 0
        cbf_cr = (cbf_bits >> 2) & 1 if parent_cbf_cr else 0
        if depth == 0 or parent_cbf_cb:
            encode_decision(w, buf, ctx, CBF_CHROMA + depth, cbf_cb)
        if depth == 0 or parent_cbf_cr:
            encode_decision(w, buf, ctx, CBF_CHROMA + depth, cbf_cr)
    if split:
        h = 1 << (log2 - 1)
        for j in range(4):
            write_transform_tree(w, buf, ctx, meta, coef, prm, x0 + (j & 1) * h, y0 + (j >> 1) * h,
                                 x0, y0, log2 - 1, depth + 1, j, max_depth, intra_split, cbf_cb, cbf_cr)
    else:
        cbf_luma = meta[F_CBF, y0 >> 2, x0 >> 2] & 1
        # intra CU: cbf_luma is always coded (7.3.8.8)
        encode_decision(w, buf, ctx, CBF_LUMA + (1 if depth == 0 else 0), cbf_luma)
        write_transform_unit(w, buf, ctx, meta, coef, prm, x0, y0, x_base, y_base, log2, blk_idx,
                             cbf_luma, cbf_cb, cbf_cr)


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
    mode = meta[F_INTRA_MODE, y >> 2, x >> 2] if c_idx == 0 else meta[F_CHROMA_MODE, y >> 2, x >> 2]
    return scan_idx(log2, c_idx, 1, mode)


@njit(cache=True, nogil=True)
def write_transform_unit(w, buf, ctx, meta, coef, prm, x0, y0, x_base, y_base, log2, blk_idx,
                         cbf_luma, cbf_cb, cbf_cr):
    """7.3.8.10 transform_unit() (cu_qp_delta disabled: cu_qp_delta_enabled_flag = 0)."""
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
def parse_coding_quadtree(d, data, ctx, meta, coef, prm, x0, y0, log2_cb, cqt_depth, cand):
    """7.3.8.4 coding_quadtree(), filling meta and the level planes."""
    size = 1 << log2_cb
    if x0 + size <= prm[P_PIC_W] and y0 + size <= prm[P_PIC_H] and log2_cb > prm[P_MIN_CB_LOG2]:
        split = decode_decision(d, data, ctx, SPLIT_CU_FLAG + split_cu_ctx_inc(meta, x0, y0, cqt_depth))
    else:
        split = 1 if log2_cb > prm[P_MIN_CB_LOG2] else 0
    if split:
        x1 = x0 + (size >> 1)
        y1 = y0 + (size >> 1)
        parse_coding_quadtree(d, data, ctx, meta, coef, prm, x0, y0, log2_cb - 1, cqt_depth + 1, cand)
        if x1 < prm[P_PIC_W]:
            parse_coding_quadtree(d, data, ctx, meta, coef, prm, x1, y0, log2_cb - 1, cqt_depth + 1, cand)
        if y1 < prm[P_PIC_H]:
            parse_coding_quadtree(d, data, ctx, meta, coef, prm, x0, y1, log2_cb - 1, cqt_depth + 1, cand)
        if x1 < prm[P_PIC_W] and y1 < prm[P_PIC_H]:
            parse_coding_quadtree(d, data, ctx, meta, coef, prm, x1, y1, log2_cb - 1, cqt_depth + 1, cand)
    else:
        fill(meta, F_CT_DEPTH, x0, y0, size, cqt_depth)
        parse_coding_unit(d, data, ctx, meta, coef, prm, x0, y0, log2_cb, cand)


@njit(cache=True, nogil=True)
def parse_coding_unit(d, data, ctx, meta, coef, prm, x0, y0, log2_cb, cand):
    size = 1 << log2_cb
    fill(meta, F_CU_LOG2, x0, y0, size, log2_cb)
    fill(meta, F_PRED_MODE, x0, y0, size, MODE_INTRA)
    fill(meta, F_QP, x0, y0, size, prm[P_SLICE_QP])
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
    parse_transform_tree(d, data, ctx, meta, coef, prm, x0, y0, x0, y0, log2_cb, 0, 0,
                         prm[P_MAX_TH_DEPTH_INTRA] + intra_split, intra_split, 1, 1)


@njit(cache=True, nogil=True)
def parse_transform_tree(d, data, ctx, meta, coef, prm, x0, y0, x_base, y_base, log2, depth,
                         blk_idx, max_depth, intra_split, parent_cbf_cb, parent_cbf_cr):
    if split_transform_present(prm, log2, depth, max_depth, intra_split):
        split = decode_decision(d, data, ctx, SPLIT_TRANSFORM_FLAG + 5 - log2)
    else:
        split = split_transform_inferred(prm, log2, depth, intra_split)
    cbf_cb = parent_cbf_cb
    cbf_cr = parent_cbf_cr
    if log2 > 2:
        cbf_cb = decode_decision(d, data, ctx, CBF_CHROMA + depth) if (depth == 0 or parent_cbf_cb) else 0
        cbf_cr = decode_decision(d, data, ctx, CBF_CHROMA + depth) if (depth == 0 or parent_cbf_cr) else 0
    if split:
        h = 1 << (log2 - 1)
        for j in range(4):
            parse_transform_tree(d, data, ctx, meta, coef, prm, x0 + (j & 1) * h, y0 + (j >> 1) * h,
                                 x0, y0, log2 - 1, depth + 1, j, max_depth, intra_split, cbf_cb, cbf_cr)
    else:
        cbf_luma = decode_decision(d, data, ctx, CBF_LUMA + (1 if depth == 0 else 0))
        n = 1 << log2
        fill(meta, F_TU_LOG2, x0, y0, n, log2)
        fill(meta, F_CBF, x0, y0, n, cbf_luma | (cbf_cb << 1) | (cbf_cr << 2))
        fill(meta, F_TS, x0, y0, n, 0)
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
