"""Intra decisions for one CTU, as HM makes them (TEncCu / TEncSearch).

CU split, PART_2Nx2N against PART_NxN, luma modes (rough SATD pass over the 35
modes, then RD over the best few and the MPMs), the residual quadtree, transform
skip and the chroma mode, all by RD cost J = D + lambda * R.  Every trial
reconstructs with core/ functions; rates come from the CABAC estimator running
the same syntax writer that codes the stream.
"""
import numpy as np
from ..jit import njit

from ..core.cabac import (
    PREV_INTRA_LUMA_PRED_FLAG, SPLIT_CU_FLAG, SPLIT_TRANSFORM_FLAG, CBF_LUMA, FRAC_BITS_SCALE,
    bin_cost, est_bits, set_est_bits,
)
from ..core.ctu_syntax import (
    fill, mpm_list, split_cu_ctx_inc, split_transform_inferred, split_transform_present,
    subtree_cbf, write_coding_unit,
)
from ..core.intra import predict_intra_in, predict_with_refs, reference_samples
from ..core.params import (
    P_CTB_LOG2, P_MAX_TB_LOG2, P_MAX_TH_DEPTH_INTRA, P_MIN_CB_LOG2, P_MIN_TB_LOG2, P_PIC_H,
    P_PIC_W, P_SIGN_HIDING, P_SLICE_QP, P_SLICE_TYPE, P_STRONG_INTRA, P_TS_ENABLED,
)
from ..core.picture import (
    F_CBF, F_CHROMA_MODE, F_CT_DEPTH, F_CU_LOG2, F_INTRA_MODE, F_PART_MODE, F_PRED_MODE, F_QP,
    F_TS, F_TU_LOG2, MODE_INTRA, PART_2Nx2N, PART_NxN,
)
from ..core.params import SLICE_I
from ..core.recon import add_residual, component_qp, copy_pred
from ..core.residual import scan_idx
from ..core.transform import forward_transform, quantize_with_deltas, transform_skip_forward
from .cost import satd_in, sse
from .inter_search import NUM_INTER_SLOTS, PART_NONE, SLOT_INTER_BEST, inter_modes
from .snapshot import copy_block, restore, save, zero_block
from .quant import rdoq, residual_bits, sign_data_hiding
from .workspace import (
    WK_BEST_LEVELS, WK_CHROMA_STACK, WK_COEFF, WK_CTX, WK_DELTA, WK_INTRA, WK_LEVELS, WK_PRED, WK_RD_COSTS,
    WK_RD_MODES, WK_RDOQ_F, WK_RDOQ_I, WK_RESID, WK_RQT_F, WK_RQT_I, WK_SATD, WK_TRANSFORM, WK_WORK,
)

# encoder parameters (float64 array ``ep``)
E_LAMBDA = 0
E_SQRT_LAMBDA = 1
E_W_CB = 2          # chroma distortion weights 2^((QP - QPc)/3), as HM
E_W_CR = 3
E_RDOQ = 4
E_RDOQ_TS = 5
E_FAST_MPM = 6      # FastUDIUseMPMEnabled
E_TS_FAST = 7       # TransformSkipFast
NUM_EPARAMS = 8

# snapshot slots: CU depth d uses 2d (before) and 2d + 1 (best no-split);
# TU node of log2 size s uses 8 + s; chroma trials use 15; inter_search uses 16..23
SLOT_CU = 0
SLOT_TU = 8
SLOT_CHROMA = 15
NUM_SLOTS = NUM_INTER_SLOTS

# full-RD candidates after the SATD pass, by log2 PU size (HM g_aucIntraModeNumFast_UseMPM)
NUM_RD_MODES = np.array([0, 0, 8, 8, 3, 3, 3], np.int64)

INF = 1e300


@njit(cache=True, nogil=True, _nrt=False)
def set_bit(meta, field, x0, y0, size, bit, value):
    n = max(size >> 2, 1)
    for j in range(n):
        for i in range(n):
            v = meta[field, (y0 >> 2) + j, (x0 >> 2) + i]
            meta[field, (y0 >> 2) + j, (x0 >> 2) + i] = (v & ~(1 << bit)) | (value << bit)


@njit(cache=True, nogil=True, _nrt=False)
def quantize_block(coeff, levels, delta, log2, c_idx, qp, sidx, ctx, lam, prm, ep, ts, wk):
    """Levels for one TB: RDOQ when enabled, else dead-zone quantisation, then sign hiding."""
    if ep[E_RDOQ] != 0 and (ts == 0 or ep[E_RDOQ_TS] != 0):
        return rdoq(coeff, levels, log2, c_idx, qp, 1, sidx, ctx, lam, prm[P_SIGN_HIDING], wk[WK_RDOQ_F],
                    wk[WK_RDOQ_I])
    nnz = quantize_with_deltas(coeff, log2, qp, 1, levels, delta)
    if nnz > 0 and prm[P_SIGN_HIDING]:
        sign_data_hiding(levels, coeff, delta, log2, sidx)
    return nnz


@njit(cache=True, nogil=True, _nrt=False)
def code_intra_tb(org, planes, coef, prm, ep, ctx, w, buf, x0, y0, log2, c_idx, mode, try_ts, wk):
    """Predict, transform, quantise and reconstruct one intra TB in place.

    Returns (cost, distortion, bits, cbf, transform_skip_flag) with the chosen levels
    in coef and the reconstruction in planes."""
    p, r, c, lv = wk[WK_PRED], wk[WK_RESID], wk[WK_COEFF], wk[WK_LEVELS]
    delta, bl, work = wk[WK_DELTA], wk[WK_BEST_LEVELS], wk[WK_WORK]
    n = 1 << log2
    sub = 0 if c_idx == 0 else 1
    rec = planes[c_idx]
    o = org[c_idx]
    predict_intra_in(wk[WK_INTRA], rec, x0, y0, log2, c_idx, mode, prm[P_PIC_W] >> sub, prm[P_PIC_H] >> sub,
                     prm[P_CTB_LOG2], prm[P_STRONG_INTRA], p)
    qp = component_qp(prm, prm[P_SLICE_QP], c_idx)
    wd = 1.0 if c_idx == 0 else ep[E_W_CB + c_idx - 1]
    lam = ep[E_LAMBDA] / wd
    sidx = scan_idx(log2, c_idx, 1, mode)
    for y in range(n):
        for x in range(n):
            r[y, x] = o[y0 + y, x0 + x] - p[y, x]
    dist0 = sse(o, x0, y0, p, 0, 0, n, n)
    best = (dist0 * wd, dist0, 0.0, 0, 0)
    n_ts = 2 if (try_ts and log2 == 2 and prm[P_TS_ENABLED]) else 1
    for ts in range(n_ts):
        if ts:
            transform_skip_forward(r, log2, c)
        else:
            forward_transform(r, log2, 1 if (c_idx == 0 and log2 == 2) else 0, c, wk[WK_TRANSFORM])
        nnz = quantize_block(c, lv, delta, log2, c_idx, qp, sidx, ctx, lam, prm, ep, ts, wk)
        if nnz == 0:
            continue
        add_residual(lv, log2, c_idx, qp, ts, 1, p, rec, x0, y0, work)
        dist = sse(o, x0, y0, rec, x0, y0, n, n)
        bits = residual_bits(w, buf, ctx, wk[WK_CTX], lv, log2, c_idx, sidx, prm[P_SIGN_HIDING],
                             prm[P_TS_ENABLED], ts)
        cost = dist * wd + ep[E_LAMBDA] * bits
        if cost < best[0]:
            best = (cost, dist, bits, 1, ts)
            copy_block(bl, 0, 0, lv, 0, 0, n, n)
    if best[3]:
        copy_block(coef[c_idx], y0, x0, bl, 0, 0, n, n)
        add_residual(bl, log2, c_idx, qp, best[4], 1, p, rec, x0, y0, work)
    else:
        zero_block(coef[c_idx], y0, x0, n, n)
        copy_pred(p, rec, x0, y0, n)
    return best


@njit(cache=True, nogil=True, _nrt=False)
def luma_rqt(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, x0, y0, log2_0, depth0,
             max_depth, intra_split, mode, full):
    """Residual quadtree for the luma of one intra PU (HM xRecurIntraCodingLumaQT).

    With full == 0 only the largest allowed TU is tried (HM's first pass).  The tree is
    searched bottom-up with an explicit stack (Numba's cache cannot hold recursion):
    node entries are x, y, log2, depth, phase (0 entered, 1 children under way), child
    index; their costs are (leaf, split so far)."""
    lam = ep[E_LAMBDA]
    # transform skip is tried in both passes; with TransformSkipFast for NxN PUs only (HM)
    try_ts = 1 if (intra_split or ep[E_TS_FAST] == 0) else 0
    si = wk[WK_RQT_I]
    sf = wk[WK_RQT_F]
    si[0, 0], si[0, 1], si[0, 2], si[0, 3], si[0, 4], si[0, 5] = x0, y0, log2_0, depth0, 0, 0
    top = 1
    ret = 0.0
    while top > 0:
        k = top - 1
        x, y, log2, depth = si[k, 0], si[k, 1], si[k, 2], si[k, 3]
        n = 1 << log2
        if si[k, 4] == 0:
            present = split_transform_present(prm, log2, depth, max_depth, intra_split)
            forced = split_transform_inferred(prm, log2, depth, intra_split)
            can_split = forced == 1 or (present and full)
            cost_leaf = INF
            if forced == 0:
                cost, dist, bits, cbf, ts = code_intra_tb(org, planes, coef, prm, ep, ctx, w, buf, x, y,
                                                          log2, 0, mode, try_ts, wk)
                bits += bin_cost(ctx, CBF_LUMA + (1 if depth == 0 else 0), cbf) / FRAC_BITS_SCALE
                if present:
                    bits += bin_cost(ctx, SPLIT_TRANSFORM_FLAG + 5 - log2, 0) / FRAC_BITS_SCALE
                cost_leaf = dist + lam * bits
                fill(meta, F_TU_LOG2, x, y, n, log2)
                set_bit(meta, F_CBF, x, y, n, 0, cbf)
                set_bit(meta, F_TS, x, y, n, 0, ts)
                if not can_split:
                    ret = cost_leaf
                    top -= 1
                    continue
                save(snaps, SLOT_TU + log2, planes, coef, meta, x, y, log2, False)
            sf[k, 0] = cost_leaf
            sf[k, 1] = lam * bin_cost(ctx, SPLIT_TRANSFORM_FLAG + 5 - log2, 1) / FRAC_BITS_SCALE if present else 0.0
            si[k, 4] = 1
            si[k, 5] = 0
        else:
            sf[k, 1] += ret
            si[k, 5] += 1
            if si[k, 5] == 4 or sf[k, 1] >= sf[k, 0]:
                if sf[k, 0] <= sf[k, 1]:
                    restore(snaps, SLOT_TU + log2, planes, coef, meta, x, y, log2, False)
                    ret = sf[k, 0]
                else:
                    ret = sf[k, 1]
                top -= 1
                continue
        j = si[k, 5]
        h = n >> 1
        si[top, 0], si[top, 1], si[top, 2] = x + (j & 1) * h, y + (j >> 1) * h, log2 - 1
        si[top, 3], si[top, 4], si[top, 5] = depth + 1, 0, 0
        top += 1
    return ret


@njit(cache=True, nogil=True, _nrt=False)
def mode_bits(ctx, cand, mode):
    """Estimated bits of the luma mode syntax of one PU (prev_intra_luma_pred_flag and
    mpm_idx or rem_intra_luma_pred_mode)."""
    for i in range(3):
        if cand[i] == mode:
            return (bin_cost(ctx, PREV_INTRA_LUMA_PRED_FLAG, 1) / FRAC_BITS_SCALE) + (1 if i == 0 else 2)
    return bin_cost(ctx, PREV_INTRA_LUMA_PRED_FLAG, 0) / FRAC_BITS_SCALE + 5


@njit(cache=True, nogil=True, _nrt=False)
def search_luma_pu(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, cand, xp, yp, log2_pb,
                   depth, max_depth, intra_split):
    """Choose the luma mode of one PU and leave its best coding in place; returns its RD cost."""
    pred = wk[WK_PRED]
    o = org[0]
    rec = planes[0]
    log2_tb = min(log2_pb, prm[P_MAX_TB_LOG2])
    nt = 1 << log2_tb
    mpm_list(meta, prm, xp, yp, cand)
    n_rd = NUM_RD_MODES[log2_pb]
    rd_modes = wk[WK_RD_MODES]
    rd_costs = wk[WK_RD_COSTS]
    for i in range(n_rd + 3):
        rd_modes[i] = -1
        rd_costs[i] = INF
    # rough pass: Hadamard cost of the prediction of the first TB, all 35 modes, from one
    # derivation of its reference samples (HM's initIntraPatternChType once per PU)
    samples = wk[WK_INTRA]
    reference_samples(rec, xp, yp, log2_tb, 0, prm[P_PIC_W], prm[P_PIC_H], prm[P_CTB_LOG2], samples)
    p = pred[:nt, :nt]
    for mode in range(35):
        predict_with_refs(samples, log2_tb, 0, mode, prm[P_STRONG_INTRA], p)
        cost = satd_in(o, xp, yp, p, 0, 0, nt, nt, wk[WK_SATD]) + ep[E_SQRT_LAMBDA] * mode_bits(ctx, cand, mode)
        i = n_rd - 1
        if cost < rd_costs[i]:
            while i > 0 and cost < rd_costs[i - 1]:
                rd_costs[i] = rd_costs[i - 1]
                rd_modes[i] = rd_modes[i - 1]
                i -= 1
            rd_costs[i] = cost
            rd_modes[i] = mode
    n_cand = n_rd
    if ep[E_FAST_MPM] != 0:
        for k in range(3):
            present = False
            for i in range(n_cand):
                if rd_modes[i] == cand[k]:
                    present = True
            if not present:
                rd_modes[n_cand] = cand[k]
                n_cand += 1
    # RD pass with the largest TU only, then the full residual quadtree for the best mode
    best_mode = rd_modes[0]
    best_cost = INF
    size = 1 << log2_pb
    for i in range(n_cand):
        mode = rd_modes[i]
        fill(meta, F_INTRA_MODE, xp, yp, size, mode)
        cost = luma_rqt(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, xp, yp, log2_pb,
                        1 if intra_split else 0, max_depth, intra_split, mode, 0)
        cost += ep[E_LAMBDA] * mode_bits(ctx, cand, mode)
        if cost < best_cost:
            best_cost = cost
            best_mode = mode
    fill(meta, F_INTRA_MODE, xp, yp, size, best_mode)
    cost = luma_rqt(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, xp, yp, log2_pb,
                    1 if intra_split else 0, max_depth, intra_split, best_mode, 1)
    return cost + ep[E_LAMBDA] * mode_bits(ctx, cand, best_mode)


@njit(cache=True, nogil=True, _nrt=False)
def chroma_ts_allowed(meta, ep, x0, y0):
    """Whether the chroma TBs of the luma area at (x0, y0) try transform skip.  With
    TransformSkipFast (HM) only 4x4 chroma TBs whose 8x8 luma area is coded as 4x4 luma TBs,
    at least one of them with transform skip; else every 4x4 chroma TB (code_intra_tb
    checks the size)."""
    if ep[E_TS_FAST] == 0:
        return 1
    xb, yb = x0 >> 2, y0 >> 2
    if meta[F_TU_LOG2, yb, xb] != 2:
        return 0
    return (meta[F_TS, yb, xb] | meta[F_TS, yb, xb + 1] | meta[F_TS, yb + 1, xb] | meta[F_TS, yb + 1, xb + 1]) & 1


@njit(cache=True, nogil=True, _nrt=False)
def chroma_tree(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, x_cu, y_cu, log2_cb, mode):
    """Code the chroma TBs of a CU along its (already chosen) luma transform tree."""
    stack = wk[WK_CHROMA_STACK]
    stack[0, 0], stack[0, 1], stack[0, 2] = x_cu, y_cu, log2_cb
    top = 1
    cost = 0.0
    while top > 0:
        top -= 1
        x0, y0, log2 = stack[top, 0], stack[top, 1], stack[top, 2]
        if x0 >= prm[P_PIC_W] or y0 >= prm[P_PIC_H]:
            continue
        if meta[F_TU_LOG2, y0 >> 2, x0 >> 2] < log2 and log2 > 3:
            h = 1 << (log2 - 1)
            for j in range(3, -1, -1):
                stack[top, 0], stack[top, 1], stack[top, 2] = x0 + (j & 1) * h, y0 + (j >> 1) * h, log2 - 1
                top += 1
            continue
        # a luma TU of log2 >= 3, or an 8x8 area split into 4x4 luma TUs: chroma TB of log2 - 1
        n = 1 << log2
        for c in (1, 2):
            r = code_intra_tb(org, planes, coef, prm, ep, ctx, w, buf, x0 >> 1, y0 >> 1, log2 - 1, c,
                              mode, chroma_ts_allowed(meta, ep, x0, y0), wk)
            cost += r[0]
            set_bit(meta, F_CBF, x0, y0, n, c, r[3])
            set_bit(meta, F_TS, x0, y0, n, c, r[4])
    return cost


@njit(cache=True, nogil=True, _nrt=False)
def search_chroma(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, x0, y0, log2):
    """Choose the chroma mode among planar, 26, 10, DC (34 when equal to luma) and DM."""
    luma_mode = meta[F_INTRA_MODE, y0 >> 2, x0 >> 2]
    size = 1 << log2
    best_mode = luma_mode
    best_cost = INF
    for v in range(5):
        if v == 4:
            mode = luma_mode
        else:
            mode = (0, 26, 10, 1)[v]
            if mode == luma_mode:
                mode = 34
        fill(meta, F_CHROMA_MODE, x0, y0, size, mode)
        cost = chroma_tree(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, x0, y0, log2, mode)
        cost += ep[E_LAMBDA] * (1.0 if v == 4 else 3.0)
        if cost < best_cost:
            best_cost = cost
            best_mode = mode
    fill(meta, F_CHROMA_MODE, x0, y0, size, best_mode)
    chroma_tree(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, x0, y0, log2, best_mode)


@njit(cache=True, nogil=True, _nrt=False)
def cu_distortion(org, planes, ep, x0, y0, log2):
    n = 1 << log2
    h = n >> 1
    d = float(sse(org[0], x0, y0, planes[0], x0, y0, n, n))
    d += ep[E_W_CB] * sse(org[1], x0 >> 1, y0 >> 1, planes[1], x0 >> 1, y0 >> 1, h, h)
    d += ep[E_W_CR] * sse(org[2], x0 >> 1, y0 >> 1, planes[2], x0 >> 1, y0 >> 1, h, h)
    return d


@njit(cache=True, nogil=True)
def intra_cu(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, cand, x0, y0, log2, depth,
             part_mode):
    """Code the CU with the given partitioning; returns its RD cost (ctx is updated)."""
    size = 1 << log2
    fill(meta, F_CT_DEPTH, x0, y0, size, depth)
    fill(meta, F_CU_LOG2, x0, y0, size, log2)
    fill(meta, F_PRED_MODE, x0, y0, size, MODE_INTRA)
    fill(meta, F_PART_MODE, x0, y0, size, part_mode)
    fill(meta, F_QP, x0, y0, size, prm[P_SLICE_QP])
    fill(meta, F_CBF, x0, y0, size, 0)
    fill(meta, F_TS, x0, y0, size, 0)
    intra_split = 1 if part_mode == PART_NxN else 0
    max_depth = prm[P_MAX_TH_DEPTH_INTRA] + intra_split
    if intra_split:
        h = size >> 1
        for j in range(4):
            search_luma_pu(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, cand,
                           x0 + (j & 1) * h, y0 + (j >> 1) * h, log2 - 1, depth, max_depth, 1)
    else:
        search_luma_pu(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, cand, x0, y0, log2,
                       depth, max_depth, 0)
    search_chroma(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, x0, y0, log2)
    # the CU's rate from the real syntax writer in estimate mode; contexts advance with it
    set_est_bits(w, 0)
    if log2 > prm[P_MIN_CB_LOG2] and x0 + size <= prm[P_PIC_W] and y0 + size <= prm[P_PIC_H]:
        from_split = bin_cost(ctx, SPLIT_CU_FLAG + split_cu_ctx_inc(meta, x0, y0, depth), 0)
    else:
        from_split = 0
    write_coding_unit(w, buf, ctx, meta, coef, prm, x0, y0, log2, cand)
    bits = (est_bits(w) + from_split) / FRAC_BITS_SCALE
    return cu_distortion(org, planes, ep, x0, y0, log2) + ep[E_LAMBDA] * bits


@njit(cache=True, nogil=True)
def try_no_split(org, planes, coef, meta, prm, ep, ctx_in, ctx_best, w, buf, wk, snaps, cand, x0, y0,
                 log2, depth, parent_part, inter):
    """The CU coded whole: PART_2Nx2N and, at the minimum size, PART_NxN. Leaves the better
    in place and its contexts in ctx_best; returns its cost.  In P and B slices the inter
    modes come first (inter_search.inter_modes; parent_part: the partitioning of the parent
    CU's best, for HM's AMP speed-up) and, as HM, intra is tried only when the best inter
    coding has residual."""
    if prm[P_SLICE_TYPE] != SLICE_I:
        best = inter_modes(org, planes, coef, meta, prm, ep, ctx_in, ctx_best, w, buf, wk, snaps,
                           cand, x0, y0, log2, depth, parent_part, inter)
        if subtree_cbf(meta, x0, y0, log2) == 0:
            return best
        c = ctx_in.copy()
        cost = intra_cu(org, planes, coef, meta, prm, ep, c, w, buf, wk, snaps, cand, x0, y0, log2,
                        depth, PART_2Nx2N)
        if cost < best:
            best = cost
            ctx_best[:] = c
            save(snaps, SLOT_INTER_BEST + depth, planes, coef, meta, x0, y0, log2, True)
        else:
            restore(snaps, SLOT_INTER_BEST + depth, planes, coef, meta, x0, y0, log2, True)
        if log2 == prm[P_MIN_CB_LOG2] and log2 - 1 >= prm[P_MIN_TB_LOG2]:
            c = ctx_in.copy()
            cost = intra_cu(org, planes, coef, meta, prm, ep, c, w, buf, wk, snaps, cand, x0, y0,
                            log2, depth, PART_NxN)
            if cost < best:
                best = cost
                ctx_best[:] = c
            else:
                restore(snaps, SLOT_INTER_BEST + depth, planes, coef, meta, x0, y0, log2, True)
        return best
    c = ctx_in.copy()
    best = intra_cu(org, planes, coef, meta, prm, ep, c, w, buf, wk, snaps, cand, x0, y0, log2,
                    depth, PART_2Nx2N)
    ctx_best[:] = c
    if log2 == prm[P_MIN_CB_LOG2] and log2 - 1 >= prm[P_MIN_TB_LOG2]:
        save(snaps, SLOT_CU + 2 * depth + 1, planes, coef, meta, x0, y0, log2, True)
        c = ctx_in.copy()
        cost = intra_cu(org, planes, coef, meta, prm, ep, c, w, buf, wk, snaps, cand, x0, y0,
                        log2, depth, PART_NxN)
        if cost < best:
            best = cost
            ctx_best[:] = c
        else:
            restore(snaps, SLOT_CU + 2 * depth + 1, planes, coef, meta, x0, y0, log2, True)
    return best


@njit(cache=True, nogil=True)
def compress_ctu(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, cand, x_ctb, y_ctb, inter):
    """HM's xCompressCU for intra over one CTU: at every CU, the best of coding it whole and
    splitting it, searched bottom-up with an explicit stack (Numba's cache cannot hold
    recursion).  The decisions, reconstruction and levels are left in place.

    Node entries: x, y, log2, phase (0 entered, 1 children under way), child index, inside,
    the parent's best partitioning, its own (PART_NONE when intra or not coded whole: HM's
    eParentPartSize); costs: (best unsplit, split so far).  Contexts per depth: input, best
    unsplit, split."""
    log2_ctb = prm[P_CTB_LOG2]
    nd = log2_ctb - prm[P_MIN_CB_LOG2] + 1
    ctx_in = np.empty((nd, ctx.size), np.uint8)
    ctx_best = np.empty((nd, ctx.size), np.uint8)
    ctx_split = np.empty((nd, ctx.size), np.uint8)
    si = np.empty((nd, 8), np.int64)
    sf = np.empty((nd, 2), np.float64)
    ctx_in[0] = ctx
    si[0, 0], si[0, 1], si[0, 2], si[0, 3], si[0, 4], si[0, 6] = x_ctb, y_ctb, log2_ctb, 0, 0, PART_NONE
    top = 1
    ret = 0.0
    while top > 0:
        k = top - 1
        x, y, log2 = si[k, 0], si[k, 1], si[k, 2]
        size = 1 << log2
        can_split = log2 > prm[P_MIN_CB_LOG2]
        if si[k, 3] == 0:
            inside = x + size <= prm[P_PIC_W] and y + size <= prm[P_PIC_H]
            best = INF
            si[k, 7] = PART_NONE
            if inside:
                save(snaps, SLOT_CU + 2 * k, planes, coef, meta, x, y, log2, True)
                best = try_no_split(org, planes, coef, meta, prm, ep, ctx_in[k], ctx_best[k], w, buf, wk,
                                    snaps, cand, x, y, log2, k, si[k, 6], inter)
                if meta[F_PRED_MODE, y >> 2, x >> 2] != MODE_INTRA:
                    si[k, 7] = meta[F_PART_MODE, y >> 2, x >> 2]
                if can_split:
                    save(snaps, SLOT_CU + 2 * k + 1, planes, coef, meta, x, y, log2, True)
                    restore(snaps, SLOT_CU + 2 * k, planes, coef, meta, x, y, log2, True)
            if not can_split:
                ret = best
                ctx_split[k] = ctx_best[k]
                top -= 1
                continue
            ctx_split[k] = ctx_in[k]
            sf[k, 0] = best
            sf[k, 1] = 0.0
            if inside:
                sf[k, 1] = ep[E_LAMBDA] * bin_cost(ctx_in[k], SPLIT_CU_FLAG + split_cu_ctx_inc(meta, x, y, k), 1) / FRAC_BITS_SCALE
            si[k, 3] = 1
            si[k, 4] = 0
            si[k, 5] = 1 if inside else 0
        else:
            # a child finished: its cost is ret, its final contexts are in ctx_split[k + 1]
            sf[k, 1] += ret
            ctx_split[k] = ctx_split[k + 1]
            si[k, 4] += 1
            h = size >> 1
            while si[k, 4] < 4 and (x + (si[k, 4] & 1) * h >= prm[P_PIC_W] or y + (si[k, 4] >> 1) * h >= prm[P_PIC_H]):
                si[k, 4] += 1
            if si[k, 4] == 4 or sf[k, 1] >= sf[k, 0]:
                if sf[k, 1] < sf[k, 0]:
                    ret = sf[k, 1]
                else:
                    restore(snaps, SLOT_CU + 2 * k + 1, planes, coef, meta, x, y, log2, True)
                    ret = sf[k, 0]
                    ctx_split[k] = ctx_best[k]
                top -= 1
                continue
        j = si[k, 4]
        h = size >> 1
        si[top, 0], si[top, 1], si[top, 2] = x + (j & 1) * h, y + (j >> 1) * h, log2 - 1
        si[top, 3], si[top, 4], si[top, 6] = 0, 0, si[k, 7]
        ctx_in[top] = ctx_split[k]
        top += 1
    ctx[:] = ctx_split[0]
    return ret
