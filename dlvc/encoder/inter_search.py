"""Inter decisions for one CU in P and B slices, as HM makes them (TEncCu / TEncSearch).

Per CU (called from intra_search.try_no_split before the intra modes):

* merge / skip 2Nx2N (HM xCheckRDCostMerge2Nx2N): every merge candidate with residual, then
  without (skip), with HM's FDM shortcut (once the best is a skip, no more trials with
  residual) and the "no residual anyway" marks;
* inter 2Nx2N with motion search (xCheckRDCostInter): AMVP predictors per list and refIdx,
  TZ search and fractional refinement, bi-prediction refinement in B slices
  (dlvc.encoder.motion.search_pu);
* 2NxN and Nx2N (and the AMP shapes when amp_enabled_flag) with HM's merge-versus-AMVP choice
  per PU (xMergeEstimation: SAD/SATD of the merge prediction + merge_idx bits against the
  motion-search cost), HM's CbfFast-like shortcut is not used;
* the inter residual quadtree (luma and chroma per TU, RDOQ with the inter rounding) compared
  with no residual (rqt_root_cbf = 0); a merge 2Nx2N CU without residual is coded as a skip.

Every trial is motion compensated with core/ (interp.predict_pu) and its rate comes from the
normative syntax writer (ctu_syntax.write_coding_unit) in CABAC estimate mode: J = D + lambda R.
Hot code only (``@njit``); no recursion (Numba's cache cannot hold it).

The per-picture inter context ``inter`` is a tuple built by :func:`make_inter_context`
(Python, once per picture):

    (refs_y int16[S, H, W], refs_cb int16[S, H/2, W/2], refs_cr int16[S, H/2, W/2],
     fp_all int16[S, 16, H + 2 PAD, W + 2 PAD]   fractional planes of each slot (motion.py),
     ref_slot int32[2, 16]                        slot of RefPicListX[refIdx],
     num_ref int32[2]                             num_ref_idx_lX_active (L1: 0 in P slices),
     l1_to_l0 int32[16]                           L0 index of RefPicList1[r] when also in L0, else -1,
     col_meta int16[NUM_FIELDS, H/4, W/4]         metadata of the collocated picture,
     sp int32[SP_SIZE]                            mvpred slice parameters (make_mv_params),
     ip int64[NUM_IP]                             encoder inter options (IP_* below),
     wp int32[2, 16, 3, 2], wp_denom int32[3])    weighted prediction tables (unused: flags 0)
"""
import numpy as np
from ..jit import njit

from ..core.cabac import (
    CBF_CHROMA, CBF_LUMA, FRAC_BITS_SCALE, SPLIT_CU_FLAG, SPLIT_TRANSFORM_FLAG, bin_cost, est_bits,
    set_est_bits,
)
from ..core.ctu_syntax import fill, split_cu_ctx_inc, subtree_cbf, write_coding_unit
from ..core.interp import predict_pu
from ..core.mvpred import (
    C_MV0X, C_MV0Y, C_MV1X, C_MV1Y, C_REF0, C_REF1, SP_SLICE_TYPE, amvp_cand_list,
    merge_cand_list, store_pu_motion,
)
from ..core.params import (
    P_MAX_TB_LOG2, P_MAX_TH_DEPTH_INTER, P_MIN_CB_LOG2, P_MIN_TB_LOG2, P_PIC_H, P_PIC_W,
    P_SIGN_HIDING, P_SLICE_QP,
)
from ..core.picture import (
    F_CBF, F_CT_DEPTH, F_CU_LOG2, F_INTER_DIR, F_MERGE_IDX, F_MVD0X, F_MVD0Y, F_MVD1X, F_MVD1Y,
    F_MERGE, F_MVP_FLAGS, F_PART_MODE, F_PRED_MODE, F_QP, F_TS, F_TU_LOG2, MODE_INTER, MODE_SKIP,
    PART_2Nx2N, PART_2NxN, PART_2NxnD, PART_2NxnU, PART_Nx2N, PART_nLx2N, PART_nRx2N,
)
from ..core.recon import add_residual, component_qp, copy_pred
from ..core.transform import forward_transform, quantize_with_deltas
from .cost import satd_in, sse
from .motion import COST_MAX, PAD, bits_cost, blk_bits, lambda_motion_sad, pred_block, search_pu
from .quant import rdoq, residual_bits, sign_data_hiding
from .snapshot import copy_block, restore, save, zero_block
from .workspace import (
    WK_COEFF, WK_CTX, WK_DELTA, WK_LEVELS, WK_RDOQ_F, WK_RDOQ_I, WK_RESID, WK_RQT_F, WK_RQT_I, WK_TRANSFORM,
    WK_WORK,
)

# encoder parameter indices of ``ep`` (the same as intra_search's E_*; checked by the tests)
E_LAMBDA = 0
E_SQRT_LAMBDA = 1
E_W_CB = 2
E_W_CR = 3
E_RDOQ = 4

# inter options ``ip`` (int64)
IP_LAM_SAD = 0          # motion lambda, round(65536 sqrt(lambda)) (motion.lambda_motion_sad)
IP_SEARCH_RANGE = 1     # SearchRange
IP_BIPRED_RANGE = 2     # BipredSearchRange
IP_FEN = 3              # FEN (fast encoder decisions: sub-sampled SAD, one bi iteration)
IP_FDM = 4              # FDM (fast decision for merge)
IP_HADAMARD = 5         # HadamardME
IP_FIRST_STOP = 6       # FastMEAssumingSmootherMVEnabled
IP_PARTS = 7            # try 2NxN / Nx2N
IP_AMP = 8              # try the AMP shapes (amp_enabled_flag)
IP_MVD_L1_ZERO = 9      # mvd_l1_zero_flag of the slice
IP_AMP_FAST = 10        # AMPFast: HM's AMP speed-up (derive_test_mode_amp)
NUM_IP = 11
PART_NONE = 8           # HM's NUMBER_OF_PART_SIZES as a parent's partitioning: intra, or not coded whole

# snapshot slots used here (intra_search uses 0..15)
SLOT_INTER_BEST = 16    # + depth: best inter coding of the CU so far
SLOT_INTER_TMP = 20     # + depth: residual trial
NUM_INTER_SLOTS = 24

# PU syntax record (int32[8]) of a trial, per PU
S_MERGE, S_MERGE_IDX, S_DIR, S_MVP, S_MVD0X, S_MVD0Y, S_MVD1X, S_MVD1Y = range(8)

INF = 1e300


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def fill_rect(meta, field, x0, y0, w, h, value):
    meta[field, y0 >> 2:(y0 + h) >> 2, x0 >> 2:(x0 + w) >> 2] = value


@njit(cache=True, nogil=True)
def num_parts(part_mode):
    return 1 if part_mode == PART_2Nx2N else (4 if part_mode == 3 else 2)


@njit(cache=True, nogil=True)
def pu_rect(part_mode, x0, y0, n, k):
    """(x, y, w, h) of PU k of a CU of size n (Table 7-10's shapes)."""
    h2 = n >> 1
    q = n >> 2
    if part_mode == PART_2NxN:
        return x0, y0 + k * h2, n, h2
    if part_mode == PART_Nx2N:
        return x0 + k * h2, y0, h2, n
    if part_mode == PART_2NxnU:
        return (x0, y0, n, q) if k == 0 else (x0, y0 + q, n, n - q)
    if part_mode == PART_2NxnD:
        return (x0, y0, n, n - q) if k == 0 else (x0, y0 + n - q, n, q)
    if part_mode == PART_nLx2N:
        return (x0, y0, q, n) if k == 0 else (x0 + q, y0, n - q, n)
    if part_mode == PART_nRx2N:
        return (x0, y0, n - q, n) if k == 0 else (x0 + n - q, y0, q, n)
    if part_mode == 3:
        return x0 + (k & 1) * h2, y0 + (k >> 1) * h2, h2, h2
    return x0, y0, n, n


@njit(cache=True, nogil=True)
def motion_compensate(planes, inter, xp, yp, w, h, mot):
    """The PU's prediction of all three components into the picture planes (core 8.5.3.3).
    A uni-predicted luma block is copied from its reference's fractional planes where they
    hold it: the same samples as interp.predict_pu's (motion.py's docstring)."""
    refs_y, refs_cb, refs_cr, fp_all = inter[0], inter[1], inter[2], inter[3]
    ref_slot = inter[4]
    wp, wpd = inter[10], inter[11]
    r0 = mot[C_REF0]
    r1 = mot[C_REF1]
    s0 = ref_slot[0, r0] if r0 >= 0 else 0
    s1 = ref_slot[1, r1] if r1 >= 0 else 0
    uni = -1 if (r0 >= 0) == (r1 >= 0) else (0 if r0 >= 0 else 1)
    mvx = mot[C_MV0X] if uni == 0 else mot[C_MV1X]
    mvy = mot[C_MV0Y] if uni == 0 else mot[C_MV1Y]
    xi = xp + (mvx >> 2) + PAD
    yi = yp + (mvy >> 2) + PAD
    if uni >= 0 and xi >= 0 and yi >= 0 and xi + w <= fp_all.shape[3] and yi + h <= fp_all.shape[2]:
        pred_block(fp_all[s0 if uni == 0 else s1], PAD, xp, yp, w, h, mvx, mvy,
                   planes[0][yp:yp + h, xp:xp + w])
    else:
        predict_pu(refs_y[s0], refs_y[s1], xp, yp, w, h, 0, mot[C_MV0X], mot[C_MV0Y], mot[C_MV1X],
                   mot[C_MV1Y], r0, r1, 0, wp, wpd, planes[0], xp, yp)
    xc, yc, wc, hc = xp >> 1, yp >> 1, w >> 1, h >> 1
    predict_pu(refs_cb[s0], refs_cb[s1], xc, yc, wc, hc, 1, mot[C_MV0X], mot[C_MV0Y], mot[C_MV1X],
               mot[C_MV1Y], r0, r1, 0, wp, wpd, planes[1], xc, yc)
    predict_pu(refs_cr[s0], refs_cr[s1], xc, yc, wc, hc, 2, mot[C_MV0X], mot[C_MV0Y], mot[C_MV1X],
               mot[C_MV1Y], r0, r1, 0, wp, wpd, planes[2], xc, yc)


@njit(cache=True, nogil=True, _nrt=False)
def code_inter_tb(o, rec, coefp, p, x0, y0, log2, c_idx, qp, wd, ep, prm, ctx, w, buf, wk):
    """Transform, quantise (RDOQ, inter rounding) and reconstruct one inter TB on its
    prediction p (int32 [n, n]); keeps the levels only when they lower the RD cost.
    Returns (cost, distortion, bits, cbf)."""
    r, c, lv, delta, work = wk[WK_RESID], wk[WK_COEFF], wk[WK_LEVELS], wk[WK_DELTA], wk[WK_WORK]
    n = 1 << log2
    for y in range(n):
        for x in range(n):
            r[y, x] = o[y0 + y, x0 + x] - p[y, x]
    dist0 = float(sse(o, x0, y0, p, 0, 0, n, n))
    forward_transform(r, log2, 0, c, wk[WK_TRANSFORM])
    lam = ep[E_LAMBDA] / wd
    if ep[E_RDOQ] != 0:
        nnz = rdoq(c, lv, log2, c_idx, qp, 0, 0, ctx, lam, prm[P_SIGN_HIDING], wk[WK_RDOQ_F], wk[WK_RDOQ_I])
    else:
        nnz = quantize_with_deltas(c, log2, qp, 0, lv, delta)
        if nnz > 0 and prm[P_SIGN_HIDING]:
            sign_data_hiding(lv, c, delta, log2, 0)
    if nnz > 0:
        add_residual(lv, log2, c_idx, qp, 0, 0, p, rec, x0, y0, work)
        dist = float(sse(o, x0, y0, rec, x0, y0, n, n))
        bits = residual_bits(w, buf, ctx, wk[WK_CTX], lv, log2, c_idx, 0, prm[P_SIGN_HIDING], 0, 0)
        cost = dist * wd + ep[E_LAMBDA] * bits
        if cost < dist0 * wd:
            copy_block(coefp, y0, x0, lv, 0, 0, n, n)
            return cost, dist, bits, 1
    zero_block(coefp, y0, x0, n, n)
    copy_pred(p, rec, x0, y0, n)
    return dist0 * wd, dist0, 0.0, 0


@njit(cache=True, nogil=True, _nrt=False)
def inter_rqt(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, pred, x_cu, y_cu, log2_cb):
    """Residual quadtree of an inter CU (HM xEstimateInterResidualQT, luma and chroma per TU),
    bottom-up with an explicit stack; TUs of 8x8 luma and larger (an encoder choice).
    The chosen levels, cbfs, TU sizes and reconstruction are left in place."""
    lam = ep[E_LAMBDA]
    max_depth = prm[P_MAX_TH_DEPTH_INTER]
    si = wk[WK_RQT_I]
    sf = wk[WK_RQT_F]
    si[0, 0], si[0, 1], si[0, 2], si[0, 3], si[0, 4], si[0, 5] = x_cu, y_cu, log2_cb, 0, 0, 0
    top = 1
    ret = 0.0
    qp_y = prm[P_SLICE_QP]
    while top > 0:
        k = top - 1
        x, y, log2, depth = si[k, 0], si[k, 1], si[k, 2], si[k, 3]
        n = 1 << log2
        if si[k, 4] == 0:
            present = (log2 <= prm[P_MAX_TB_LOG2] and log2 > prm[P_MIN_TB_LOG2] and depth < max_depth)
            forced = log2 > prm[P_MAX_TB_LOG2]
            can_split = forced or (present and log2 > 3)
            cost_leaf = INF
            if not forced:
                px, py = x - x_cu, y - y_cu
                ry = code_inter_tb(org[0], planes[0], coef[0], pred[0, py:py + n, px:px + n], x, y,
                                   log2, 0, qp_y, 1.0, ep, prm, ctx, w, buf, wk)
                h = n >> 1
                rcb = code_inter_tb(org[1], planes[1], coef[1], pred[1, py >> 1:(py >> 1) + h, px >> 1:(px >> 1) + h],
                                    x >> 1, y >> 1, log2 - 1, 1, component_qp(prm, qp_y, 1), ep[E_W_CB],
                                    ep, prm, ctx, w, buf, wk)
                rcr = code_inter_tb(org[2], planes[2], coef[2], pred[2, py >> 1:(py >> 1) + h, px >> 1:(px >> 1) + h],
                                    x >> 1, y >> 1, log2 - 1, 2, component_qp(prm, qp_y, 2), ep[E_W_CR],
                                    ep, prm, ctx, w, buf, wk)
                bits = ry[2] + rcb[2] + rcr[2]
                bits += bin_cost(ctx, CBF_LUMA + (1 if depth == 0 else 0), ry[3]) / FRAC_BITS_SCALE
                bits += bin_cost(ctx, CBF_CHROMA + depth, rcb[3]) / FRAC_BITS_SCALE
                bits += bin_cost(ctx, CBF_CHROMA + depth, rcr[3]) / FRAC_BITS_SCALE
                if present:
                    bits += bin_cost(ctx, SPLIT_TRANSFORM_FLAG + 5 - log2, 0) / FRAC_BITS_SCALE
                dist = ry[1] + ep[E_W_CB] * rcb[1] + ep[E_W_CR] * rcr[1]
                cost_leaf = dist + lam * bits
                fill(meta, F_TU_LOG2, x, y, n, log2)
                fill(meta, F_CBF, x, y, n, ry[3] | (rcb[3] << 1) | (rcr[3] << 2))
                if not can_split:
                    ret = cost_leaf
                    top -= 1
                    continue
                save(snaps, 8 + log2, planes, coef, meta, x, y, log2, True)
            sf[k, 0] = cost_leaf
            sf[k, 1] = lam * bin_cost(ctx, SPLIT_TRANSFORM_FLAG + 5 - log2, 1) / FRAC_BITS_SCALE if present else 0.0
            si[k, 4] = 1
            si[k, 5] = 0
        else:
            sf[k, 1] += ret
            si[k, 5] += 1
            if si[k, 5] == 4 or sf[k, 1] >= sf[k, 0]:
                if sf[k, 0] <= sf[k, 1]:
                    restore(snaps, 8 + log2, planes, coef, meta, x, y, log2, True)
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


@njit(cache=True, nogil=True)
def cu_cost(org, planes, coef, meta, prm, ep, ctx, w, buf, cand, x0, y0, log2, depth):
    """J = D + lambda R of the CU as it stands in meta / coef / planes; R from the syntax
    writer in estimate mode (ctx advances with it)."""
    size = 1 << log2
    set_est_bits(w, 0)
    if log2 > prm[P_MIN_CB_LOG2] and x0 + size <= prm[P_PIC_W] and y0 + size <= prm[P_PIC_H]:
        from_split = bin_cost(ctx, SPLIT_CU_FLAG + split_cu_ctx_inc(meta, x0, y0, depth), 0)
    else:
        from_split = 0
    write_coding_unit(w, buf, ctx, meta, coef, prm, x0, y0, log2, cand)
    bits = (est_bits(w) + from_split) / FRAC_BITS_SCALE
    h = size >> 1
    d = float(sse(org[0], x0, y0, planes[0], x0, y0, size, size))
    d += ep[E_W_CB] * sse(org[1], x0 >> 1, y0 >> 1, planes[1], x0 >> 1, y0 >> 1, h, h)
    d += ep[E_W_CR] * sse(org[2], x0 >> 1, y0 >> 1, planes[2], x0 >> 1, y0 >> 1, h, h)
    return d + ep[E_LAMBDA] * bits


@njit(cache=True, nogil=True)
def set_cu_fields(meta, prm, x0, y0, log2, depth, part_mode, mode):
    size = 1 << log2
    fill(meta, F_CT_DEPTH, x0, y0, size, depth)
    fill(meta, F_CU_LOG2, x0, y0, size, log2)
    fill(meta, F_PRED_MODE, x0, y0, size, mode)
    fill(meta, F_PART_MODE, x0, y0, size, part_mode)
    fill(meta, F_QP, x0, y0, size, prm[P_SLICE_QP])
    fill(meta, F_CBF, x0, y0, size, 0)
    fill(meta, F_TS, x0, y0, size, 0)
    fill(meta, F_TU_LOG2, x0, y0, size, min(log2, prm[P_MAX_TB_LOG2]))


@njit(cache=True, nogil=True)
def set_pu(meta, xp, yp, wp, hp, mot, syn):
    """The PU's motion (F_MV*, F_REF*, F_MERGE) and prediction_unit() syntax fields."""
    store_pu_motion(meta, xp, yp, wp, hp, mot, syn[S_MERGE])
    fill_rect(meta, F_MERGE_IDX, xp, yp, wp, hp, syn[S_MERGE_IDX])
    fill_rect(meta, F_INTER_DIR, xp, yp, wp, hp, syn[S_DIR])
    fill_rect(meta, F_MVP_FLAGS, xp, yp, wp, hp, syn[S_MVP])
    fill_rect(meta, F_MVD0X, xp, yp, wp, hp, syn[S_MVD0X])
    fill_rect(meta, F_MVD0Y, xp, yp, wp, hp, syn[S_MVD0Y])
    fill_rect(meta, F_MVD1X, xp, yp, wp, hp, syn[S_MVD1X])
    fill_rect(meta, F_MVD1Y, xp, yp, wp, hp, syn[S_MVD1Y])


@njit(cache=True, nogil=True)
def inter_cu(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, cand, x0, y0, log2, depth,
             part_mode, mots, syns, no_residual, inter):
    """Code the CU with the given PU motion: motion compensation, then no residual (skip when
    a merge 2Nx2N) or the residual quadtree against no residual.  Returns the RD cost; ctx
    advances with the chosen coding.  (HM: motionCompensation + encodeResAndCalcRdInterCU.)"""
    size = 1 << log2
    skip = no_residual and part_mode == PART_2Nx2N and syns[0, S_MERGE] == 1
    set_cu_fields(meta, prm, x0, y0, log2, depth, part_mode, MODE_SKIP if skip else MODE_INTER)
    for k in range(num_parts(part_mode)):
        xp, yp, wp, hp = pu_rect(part_mode, x0, y0, size, k)
        set_pu(meta, xp, yp, wp, hp, mots[k], syns[k])
        motion_compensate(planes, inter, xp, yp, wp, hp, mots[k])
    h = size >> 1
    if no_residual:
        coef[0][y0:y0 + size, x0:x0 + size] = 0
        coef[1][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h] = 0
        coef[2][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h] = 0
        return cu_cost(org, planes, coef, meta, prm, ep, ctx, w, buf, cand, x0, y0, log2, depth)
    pred = np.empty((3, size, size), np.int32)
    pred[0] = planes[0][y0:y0 + size, x0:x0 + size]
    pred[1, :h, :h] = planes[1][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h]
    pred[2, :h, :h] = planes[2][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h]
    inter_rqt(org, planes, coef, meta, prm, ep, ctx, w, buf, wk, snaps, pred, x0, y0, log2)
    c_res = ctx.copy()
    cost_res = INF
    has_res = subtree_cbf(meta, x0, y0, log2) != 0
    if has_res:
        cost_res = cu_cost(org, planes, coef, meta, prm, ep, c_res, w, buf, cand, x0, y0, log2, depth)
        save(snaps, SLOT_INTER_TMP + depth, planes, coef, meta, x0, y0, log2, True)
    # the CU without residual (rqt_root_cbf = 0; a merge 2Nx2N becomes a skip)
    coef[0][y0:y0 + size, x0:x0 + size] = 0
    coef[1][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h] = 0
    coef[2][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h] = 0
    fill(meta, F_CBF, x0, y0, size, 0)
    fill(meta, F_TU_LOG2, x0, y0, size, min(log2, prm[P_MAX_TB_LOG2]))
    copy_pred(pred[0], planes[0], x0, y0, size)
    copy_pred(pred[1], planes[1], x0 >> 1, y0 >> 1, h)
    copy_pred(pred[2], planes[2], x0 >> 1, y0 >> 1, h)
    if part_mode == PART_2Nx2N and syns[0, S_MERGE] == 1:
        fill(meta, F_PRED_MODE, x0, y0, size, MODE_SKIP)
    c0 = ctx.copy()
    cost0 = cu_cost(org, planes, coef, meta, prm, ep, c0, w, buf, cand, x0, y0, log2, depth)
    if cost0 <= cost_res:
        ctx[:] = c0
        return cost0
    restore(snaps, SLOT_INTER_TMP + depth, planes, coef, meta, x0, y0, log2, True)
    ctx[:] = c_res
    return cost_res


# ---------------------------------------------------------------------------------------------
# motion search of one PU (predInterSearch for one partition)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def search_amvp_pu(org, meta, inter, x_cb, y_cb, n_cbs, xp, yp, wp, hp, part_idx, part_mode,
                   last_mode, mv2n, use_2n, store_2n, mot, syn):
    """Motion estimation of one PU; the best of L0 / L1 / bi into mot (motion record) and syn
    (syntax).  Returns (HM's ME cost, inter_pred_idc)."""
    fp_all, ref_slot, num_ref, l1_to_l0, col_meta, sp, ip = (inter[3], inter[4], inter[5], inter[6],
                                                              inter[7], inter[8], inter[9])
    is_b = sp[SP_SLICE_TYPE] == 0
    amvp = np.zeros((2, 16, 2, 2), np.int32)
    amvp_num = np.full((2, 16), 2, np.int32)
    for X in range(2 if is_b else 1):
        for r in range(num_ref[X]):
            amvp_cand_list(meta, col_meta, sp, x_cb, y_cb, n_cbs, xp, yp, wp, hp, part_idx, X, r,
                           amvp[X, r])
    blk3 = np.zeros(3, np.int32)
    blk_bits(part_mode, 0 if is_b else 1, part_idx, last_mode, blk3)
    res = np.zeros((3, 10), np.int64)
    search_pu(org[0], xp, yp, wp, hp, fp_all, PAD, ref_slot, num_ref, l1_to_l0, amvp, amvp_num,
              is_b, wp + hp != 12, blk3, ip[IP_LAM_SAD], ip[IP_SEARCH_RANGE], ip[IP_BIPRED_RANGE],
              ip[IP_FIRST_STOP], ip[IP_FEN], ip[IP_HADAMARD], mv2n, use_2n, store_2n, res)
    if res[2, 0] <= res[0, 0] and res[2, 0] <= res[1, 0]:
        k = 2
    elif res[0, 0] <= res[1, 0]:
        k = 0
    else:
        k = 1
    mot[C_MV0X] = res[k, 2] if k != 1 else 0
    mot[C_MV0Y] = res[k, 3] if k != 1 else 0
    mot[C_MV1X] = res[k, 4] if k != 0 else 0
    mot[C_MV1Y] = res[k, 5] if k != 0 else 0
    mot[C_REF0] = res[k, 6] if k != 1 else -1
    mot[C_REF1] = res[k, 7] if k != 0 else -1
    syn[:] = 0
    syn[S_DIR] = k
    f0 = res[k, 8] if k != 1 else 0
    f1 = res[k, 9] if k != 0 else 0
    syn[S_MVP] = f0 | (f1 << 1)
    if k != 1:
        syn[S_MVD0X] = mot[C_MV0X] - amvp[0, mot[C_REF0], f0, 0]
        syn[S_MVD0Y] = mot[C_MV0Y] - amvp[0, mot[C_REF0], f0, 1]
    if k == 2 and ip[IP_MVD_L1_ZERO]:
        # MvdL1 is not coded (inferred 0): the L1 vector is the chosen predictor
        mot[C_MV1X] = amvp[1, mot[C_REF1], f1, 0]
        mot[C_MV1Y] = amvp[1, mot[C_REF1], f1, 1]
    if k != 0:
        syn[S_MVD1X] = mot[C_MV1X] - amvp[1, mot[C_REF1], f1, 0]
        syn[S_MVD1Y] = mot[C_MV1Y] - amvp[1, mot[C_REF1], f1, 1]
    return res[k, 0], k


@njit(cache=True, nogil=True)
def merge_estimation(org, planes, meta, inter, x_cb, y_cb, n_cbs, xp, yp, wp, hp, part_idx,
                     part_mode, mot, syn):
    """HM xMergeEstimation: the merge candidate of a PU with the least SATD (SAD without
    HadamardME) of its luma prediction + lambda * merge_idx bits.  Returns that cost
    (motion-lambda units, comparable with the ME cost) with mot / syn set; the prediction is
    left in the planes."""
    col_meta, sp, ip = inter[7], inter[8], inter[9]
    mcand = np.zeros((5, 6), np.int32)
    num = merge_cand_list(meta, col_meta, sp, x_cb, y_cb, n_cbs, xp, yp, wp, hp, part_idx,
                          part_mode, mcand)
    best = COST_MAX
    best_k = 0
    had = np.empty((8, 8), np.int32)
    for k in range(num):
        motion_compensate(planes, inter, xp, yp, wp, hp, mcand[k])
        if ip[IP_HADAMARD]:
            d = satd_in(org[0], xp, yp, planes[0], xp, yp, wp, hp, had)
        else:
            d = 0
            for y in range(hp):
                for x in range(wp):
                    d += abs(np.int64(org[0][yp + y, xp + x]) - planes[0][yp + y, xp + x])
        bits = k + 1 if k < num - 1 else k        # truncated unary merge_idx
        c = np.int64(d) + bits_cost(ip[IP_LAM_SAD], bits)
        if c < best:
            best = c
            best_k = k
    for i in range(6):
        mot[i] = mcand[best_k, i]
    syn[:] = 0
    syn[S_MERGE] = 1
    syn[S_MERGE_IDX] = best_k
    return best


# ---------------------------------------------------------------------------------------------
# the CU's inter modes
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def keep_if_better(cost, best, c, ctx_best, snaps, planes, coef, meta, x0, y0, log2, depth):
    """After a trial: keep it (snapshot + contexts) when cheaper, else restore the best."""
    if cost < best:
        ctx_best[:] = c
        save(snaps, SLOT_INTER_BEST + depth, planes, coef, meta, x0, y0, log2, True)
        return cost
    restore(snaps, SLOT_INTER_BEST + depth, planes, coef, meta, x0, y0, log2, True)
    return best


@njit(cache=True, nogil=True)
def inter_modes(org, planes, coef, meta, prm, ep, ctx_in, ctx_best, w, buf, wk, snaps, cand,
                x0, y0, log2, depth, parent_part, inter):
    """HM's inter part of xCompressCU for one CU: merge/skip 2Nx2N, inter 2Nx2N, then the
    rectangular and AMP partitions (parent_part: see derive_test_mode_amp).  Leaves the best coding in place (also saved in slot
    SLOT_INTER_BEST + depth) and its contexts in ctx_best; returns its cost."""
    size = 1 << log2
    ip = inter[9]
    col_meta, sp = inter[7], inter[8]
    best = INF
    mots = np.zeros((4, 6), np.int32)
    syns = np.zeros((4, 8), np.int32)
    # ---- merge / skip 2Nx2N (xCheckRDCostMerge2Nx2N)
    mcand = np.zeros((5, 6), np.int32)
    num = merge_cand_list(meta, col_meta, sp, x0, y0, size, x0, y0, size, size, 0, PART_2Nx2N, mcand)
    no_res_anyway = np.zeros(5, np.bool_)
    best_is_skip = False
    save(snaps, SLOT_INTER_BEST + depth, planes, coef, meta, x0, y0, log2, True)
    for no_res in range(2):
        for k in range(num):
            if no_res == 1 and no_res_anyway[k]:
                continue
            if best_is_skip and no_res == 0:
                continue
            for i in range(6):
                mots[0, i] = mcand[k, i]
            syns[0, :] = 0
            syns[0, S_MERGE] = 1
            syns[0, S_MERGE_IDX] = k
            c = ctx_in.copy()
            cost = inter_cu(org, planes, coef, meta, prm, ep, c, w, buf, wk, snaps, cand, x0, y0,
                            log2, depth, PART_2Nx2N, mots, syns, no_res, inter)
            if no_res == 0 and subtree_cbf(meta, x0, y0, log2) == 0:
                no_res_anyway[k] = True
            best = keep_if_better(cost, best, c, ctx_best, snaps, planes, coef, meta, x0, y0, log2, depth)
            if ip[IP_FDM] and not best_is_skip:
                best_is_skip = meta[F_PRED_MODE, y0 >> 2, x0 >> 2] == MODE_SKIP
    # ---- inter 2Nx2N with motion search (xCheckRDCostInter)
    mv2n = np.zeros((2, 16, 2), np.int32)
    mot = np.zeros(6, np.int32)
    syn = np.zeros(8, np.int32)
    search_amvp_pu(org, meta, inter, x0, y0, size, x0, y0, size, size, 0, PART_2Nx2N, 0, mv2n,
                   0, 1, mot, syn)
    mots[0, :] = mot
    syns[0, :] = syn
    c = ctx_in.copy()
    cost = inter_cu(org, planes, coef, meta, prm, ep, c, w, buf, wk, snaps, cand, x0, y0, log2,
                    depth, PART_2Nx2N, mots, syns, 0, inter)
    best = keep_if_better(cost, best, c, ctx_best, snaps, planes, coef, meta, x0, y0, log2, depth)
    # ---- rectangular partitions, then the asymmetric ones HM's AMP speed-up selects
    if ip[IP_PARTS] and prm[P_MAX_TH_DEPTH_INTER] > 0:
        for part_mode in (PART_Nx2N, PART_2NxN):
            best = part_trial(org, planes, coef, meta, prm, ep, ctx_in, ctx_best, w, buf, wk, snaps,
                              cand, x0, y0, log2, depth, part_mode, mv2n, inter, mots, syns, best, 0)
        if ip[IP_AMP] and log2 > prm[P_MIN_CB_LOG2]:
            amp = (True, True, False, False)
            if ip[IP_AMP_FAST]:
                amp = derive_test_mode_amp(meta, x0, y0, size, parent_part)
            for d in range(2):                       # horizontal (2NxnU, 2NxnD), then vertical
                if amp[d] or amp[2 + d]:
                    for part_mode in ((PART_2NxnU, PART_2NxnD) if d == 0 else (PART_nLx2N, PART_nRx2N)):
                        best = part_trial(org, planes, coef, meta, prm, ep, ctx_in, ctx_best, w, buf,
                                          wk, snaps, cand, x0, y0, log2, depth, part_mode, mv2n, inter,
                                          mots, syns, best, 0 if amp[d] else 1)
    return best


@njit(cache=True, nogil=True)
def derive_test_mode_amp(meta, x0, y0, size, parent_part):
    """HM's deriveTestModeAMP (AMP_ENC_SPEEDUP with AMP_MRG) from the best coding so far and
    the partitioning of the parent CU's best (PART_NONE: intra, or not coded whole).
    Returns (horizontal AMP with motion search, vertical with search, horizontal with merge
    only, vertical with merge only)."""
    part = meta[F_PART_MODE, y0 >> 2, x0 >> 2]
    skipped = meta[F_PRED_MODE, y0 >> 2, x0 >> 2] == MODE_SKIP
    merge = meta[F_MERGE, y0 >> 2, x0 >> 2] != 0
    hor = ver = mrg_hor = mrg_ver = False
    if part == PART_2NxN:
        hor = True
    elif part == PART_Nx2N:
        ver = True
    elif part == PART_2Nx2N and not merge and not skipped:
        hor = ver = True
    if PART_2NxnU <= parent_part <= PART_nRx2N:
        mrg_hor = mrg_ver = True
    if parent_part == PART_NONE:
        if part == PART_2NxN:
            mrg_hor = True
        elif part == PART_Nx2N:
            mrg_ver = True
    if part == PART_2Nx2N and not skipped:
        mrg_hor = mrg_ver = True
    if size == 64:
        hor = ver = False
    return hor, ver, mrg_hor, mrg_ver


@njit(cache=True, nogil=True)
def part_trial(org, planes, coef, meta, prm, ep, ctx_in, ctx_best, w, buf, wk, snaps, cand, x0, y0,
               log2, depth, part_mode, mv2n, inter, mots, syns, best, merge_only):
    """xCheckRDCostInter for a two-PU partition: the PUs' motion, then the CU's RD cost;
    returns the new best cost (the better coding left in place)."""
    partition_trial(org, planes, coef, meta, prm, ep, ctx_in, w, buf, wk, snaps, cand, x0, y0,
                    log2, depth, part_mode, mv2n, inter, mots, syns, merge_only)
    c = ctx_in.copy()
    cost = inter_cu(org, planes, coef, meta, prm, ep, c, w, buf, wk, snaps, cand, x0, y0, log2,
                    depth, part_mode, mots, syns, 0, inter)
    return keep_if_better(cost, best, c, ctx_best, snaps, planes, coef, meta, x0, y0, log2, depth)


@njit(cache=True, nogil=True)
def partition_trial(org, planes, coef, meta, prm, ep, ctx_in, w, buf, wk, snaps, cand, x0, y0,
                    log2, depth, part_mode, mv2n, inter, mots, syns, merge_only):
    """predInterSearch for a two-PU partition: per PU, motion search against merge estimation
    (the cheaper is kept), the PU's motion stored before the next PU's candidates are built;
    merge_only (HM's AMP_MRG trials): merge estimation alone.  Fills mots / syns."""
    size = 1 << log2
    # the PUs' candidate lists read the CU's own earlier PUs and its neighbours: mark the CU
    # as an inter CU of this partitioning first
    set_cu_fields(meta, prm, x0, y0, log2, depth, part_mode, MODE_INTER)
    mot = np.zeros(6, np.int32)
    syn = np.zeros(8, np.int32)
    mot_m = np.zeros(6, np.int32)
    syn_m = np.zeros(8, np.int32)
    last_mode = 0
    for k in range(2):
        xp, yp, wp, hp = pu_rect(part_mode, x0, y0, size, k)
        cost_me = COST_MAX
        if not merge_only:
            cost_me, last_mode = search_amvp_pu(org, meta, inter, x0, y0, size, xp, yp, wp, hp, k,
                                                part_mode, last_mode, mv2n, 1, 0, mot, syn)
        cost_m = merge_estimation(org, planes, meta, inter, x0, y0, size, xp, yp, wp, hp, k,
                                  part_mode, mot_m, syn_m)
        if cost_m < cost_me:
            mots[k, :] = mot_m
            syns[k, :] = syn_m
        else:
            mots[k, :] = mot
            syns[k, :] = syn
        set_pu(meta, xp, yp, wp, hp, mots[k], syns[k])
    return 0.0


def make_inter_context(refs, ref_slot, num_ref, l1_to_l0, col_meta, sp, ip):
    """The ``inter`` tuple (see the module docstring).  refs: the reference slot arrays
    (Y, Cb, Cr, fractional planes; encoder.RefStore.arrays) that ref_slot indexes; for an I
    slice pass None (small dummy arrays of the right types are made)."""
    if refs is None:
        refs = (np.zeros((1, 8, 8), np.int16), np.zeros((1, 4, 4), np.int16), np.zeros((1, 4, 4), np.int16),
                np.zeros((1, 16, 8, 8), np.int16))
    return (*refs, np.ascontiguousarray(ref_slot, np.int32),
            np.ascontiguousarray(num_ref, np.int32), np.ascontiguousarray(l1_to_l0, np.int32),
            col_meta, np.ascontiguousarray(sp, np.int32), np.ascontiguousarray(ip, np.int64),
            np.zeros((2, 16, 3, 2), np.int32), np.zeros(3, np.int32))


def inter_options(cfg, lam):
    ip = np.zeros(NUM_IP, np.int64)
    ip[IP_LAM_SAD] = lambda_motion_sad(lam)
    ip[IP_SEARCH_RANGE] = cfg.SearchRange
    ip[IP_BIPRED_RANGE] = cfg.BipredSearchRange
    ip[IP_FEN] = int(cfg.FEN)
    ip[IP_FDM] = int(cfg.FDM)
    ip[IP_HADAMARD] = int(cfg.HadamardME)
    ip[IP_FIRST_STOP] = 1
    ip[IP_PARTS] = int(getattr(cfg, "InterPartitions", 1))
    ip[IP_AMP] = int(cfg.AMP)
    ip[IP_AMP_FAST] = int(cfg.AMPFast)
    return ip
