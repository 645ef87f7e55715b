"""Quantisation decisions (not normative): sign data hiding and RDOQ.

* :func:`sign_data_hiding` - HM's ``TComTrQuant::signBitHidingHDQ``: after plain
  dead-zone quantisation (``dlvc.core.transform.quantize_with_deltas``), per 4x4
  sub-block whose sign is hidden (7.3.8.11: lastSigScanPos - firstSigScanPos > 3)
  change one level by +-1 (the cheapest in rounding error) when the parity of the
  sum of absolute levels does not give the sign of the first coefficient.
* :func:`rdoq` - HM's ``TComTrQuant::xRateDistOptQuant`` (flat scaling lists,
  no RExt tools): per-coefficient level decision among {0, maxAbs-1, maxAbs},
  coded-sub-block zeroing, last-position optimisation, then the RD variant of
  sign hiding.  Rates come from the current context states through
  ``cabac.bin_cost`` with the ctxInc derivations of ``dlvc.core.residual``.  The
  same function serves transform-skip blocks (HM RDOQTS: same quantiser, the
  coefficients being the transform-skip "transform" output).

Distortion is measured in the transform domain scaled as HM's errScale
(2^15 * 2^(-2*transformShift) / quantScale^2), i.e. in units of 1/32768 squared
residual samples, so that cost = D + lambda * R with R in 1/32768 bit.
"""
import numpy as np
from ..jit import njit

from ..core.cabac import (
    CODED_SUB_BLOCK_FLAG, COEFF_ABS_LEVEL_GREATER1_FLAG, COEFF_ABS_LEVEL_GREATER2_FLAG,
    FRAC_BITS_SCALE, LAST_SIG_COEFF_X_PREFIX, LAST_SIG_COEFF_Y_PREFIX, SIG_COEFF_FLAG, bin_cost, est_bits,
    set_est_bits,
)
from ..core.constants import BIT_DEPTH
from ..core.residual import (
    COEFF_MAX, COEFF_MIN, LAST_PREFIX, SCAN_ORDER, TB_SCAN, abs_remaining_nbins, csbf_bit, csbf_ctx_inc,
    greater1_ctx_inc, greater1_ctx_set, greater2_ctx_inc, last_prefix_ctx, prev_csbf, sig_ctx_inc, with_csbf,
    write_residual_coding,
)
from ..core.transform import LEVEL_SCALE, MAX_TR_DYNAMIC_RANGE, QUANT_SCALES, QUANT_SHIFT

SBH_THRESHOLD = 4          # HM: hide when lastNZPosInCG - firstNZPosInCG >= 4
C1FLAG_NUMBER = 8          # greater1 flags per sub-block
C2FLAG_NUMBER = 1          # greater2 flags per sub-block
ONE_BIT = 1 << 15          # one bypass bin in 1/32768 bit
INT64_MAX = np.iinfo(np.int64).max


# ----------------------------------------------------------------------------
# Sign data hiding after plain quantisation (HM signBitHidingHDQ)
# ----------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def sign_data_hiding(levels, coeff, delta_u, log2_size, scan_idx_):
    """Adjust levels[y, x] in place so that every sub-block with a hidden sign
    has sum-of-|level| parity equal to the sign of its first (lowest scan
    position) nonzero level.  coeff: transform coefficients (their signs pick
    the sign of new nonzero levels); delta_u: HM's deltaU per position,
    (|c| * quantScale - (|level| << qBits)) >> (qBits - 8), as written by
    ``transform.quantize_with_deltas``."""
    tb = log2_size - 2
    n_coef = 1 << (2 * log2_size)
    last_cg = -1
    for sub in range((n_coef - 1) >> 4, -1, -1):
        sub_pos = sub << 4
        first_nz = 16
        last_nz = -1
        for n in range(15, -1, -1):
            p = sub_pos + n
            if levels[TB_SCAN[tb, scan_idx_, p, 1], TB_SCAN[tb, scan_idx_, p, 0]] != 0:
                last_nz = n
                break
        for n in range(16):
            p = sub_pos + n
            if levels[TB_SCAN[tb, scan_idx_, p, 1], TB_SCAN[tb, scan_idx_, p, 0]] != 0:
                first_nz = n
                break
        abs_sum = 0
        for n in range(first_nz, last_nz + 1):
            p = sub_pos + n
            abs_sum += levels[TB_SCAN[tb, scan_idx_, p, 1], TB_SCAN[tb, scan_idx_, p, 0]]
        if last_nz >= 0 and last_cg == -1:
            last_cg = 1
        if last_nz - first_nz >= SBH_THRESHOLD:
            pf = sub_pos + first_nz
            signbit = 0 if levels[TB_SCAN[tb, scan_idx_, pf, 1], TB_SCAN[tb, scan_idx_, pf, 0]] > 0 else 1
            if signbit != (abs_sum & 1):
                min_cost = INT64_MAX
                min_y = -1
                min_x = -1
                final_change = 0
                cur_change = 0
                start = last_nz if last_cg == 1 else 15
                for n in range(start, -1, -1):
                    p = sub_pos + n
                    y = TB_SCAN[tb, scan_idx_, p, 1]
                    x = TB_SCAN[tb, scan_idx_, p, 0]
                    lv = np.int64(levels[y, x])
                    du = np.int64(delta_u[y, x])
                    if lv != 0:
                        if du > 0:
                            cur = -du
                            cur_change = 1
                        elif n == first_nz and abs(lv) == 1:
                            cur = INT64_MAX
                        else:
                            cur = du
                            cur_change = -1
                    else:
                        cur = -du
                        cur_change = 1
                        if n < first_nz:
                            this_sign = 0 if coeff[y, x] >= 0 else 1
                            if this_sign != signbit:
                                cur = INT64_MAX
                    if cur < min_cost:
                        min_cost = cur
                        final_change = cur_change
                        min_y = y
                        min_x = x
                if min_y >= 0:
                    lv = levels[min_y, min_x]
                    if lv == COEFF_MAX or lv == COEFF_MIN:
                        final_change = -1
                    if coeff[min_y, min_x] >= 0:
                        levels[min_y, min_x] = lv + final_change
                    else:
                        levels[min_y, min_x] = lv - final_change
        if last_cg == 1:
            last_cg = 0


@njit(cache=True, nogil=True)
def sign_data_hiding_qp(levels, coeff, log2_size, qp, scan_idx_):
    """sign_data_hiding() for levels from ``transform.quantize`` (deltaU
    recomputed from coeff, levels and qp).  Transform-skip blocks use the same
    quantiser, so the same call applies."""
    n = 1 << log2_size
    transform_shift = MAX_TR_DYNAMIC_RANGE - BIT_DEPTH - log2_size
    q_bits = QUANT_SHIFT + qp // 6 + transform_shift
    scale = QUANT_SCALES[qp % 6]
    du = np.empty((n, n), np.int32)
    for y in range(n):
        for x in range(n):
            a = np.int64(abs(coeff[y, x]))
            lv = np.int64(abs(levels[y, x]))
            du[y, x] = (a * scale - (lv << q_bits)) >> (q_bits - 8)
    sign_data_hiding(levels, coeff, du, log2_size, scan_idx_)


# ----------------------------------------------------------------------------
# RDOQ (HM xRateDistOptQuant)
# ----------------------------------------------------------------------------
@njit(cache=True, nogil=True, _nrt=False)
def _ic_rate(ctx, abs_level, one_ci, abs_ci, rice, c1_idx, c2_idx):
    """HM xGetICRate: bits (1/32768) of a level's greater1/greater2/remaining/sign."""
    if abs_level == 0:
        return np.int64(0)
    rate = np.int64(ONE_BIT)                       # sign
    base = (2 + (1 if c2_idx < C2FLAG_NUMBER else 0)) if c1_idx < C1FLAG_NUMBER else 1
    if abs_level >= base:
        rate += np.int64(abs_remaining_nbins(abs_level - base, rice)) << 15
        if c1_idx < C1FLAG_NUMBER:
            rate += bin_cost(ctx, one_ci, 1)
            if c2_idx < C2FLAG_NUMBER:
                rate += bin_cost(ctx, abs_ci, 1)
    elif abs_level == 1:
        rate += bin_cost(ctx, one_ci, 0)
    else:                                           # abs_level == 2 < base == 3
        rate += bin_cost(ctx, one_ci, 1) + bin_cost(ctx, abs_ci, 0)
    return rate


@njit(cache=True, nogil=True, _nrt=False)
def last_pos_rate(ctx, pos_x, pos_y, log2_size, c_idx):
    """Bits (1/32768) of last_sig_coeff_{x,y}_prefix/suffix for coded
    coordinates (already swapped for the vertical scan)."""
    off, shift = last_prefix_ctx(log2_size, c_idx)
    c_max = (log2_size << 1) - 1
    r = np.int64(0)
    for k in range(2):
        pos = pos_x if k == 0 else pos_y
        base = LAST_SIG_COEFF_X_PREFIX if k == 0 else LAST_SIG_COEFF_Y_PREFIX
        pre = LAST_PREFIX[pos]
        for b in range(pre):
            r += bin_cost(ctx, base + off + (b >> shift), 1)
        if pre < c_max:
            r += bin_cost(ctx, base + off + (pre >> shift), 0)
        if pre > 3:
            r += np.int64((pre >> 1) - 1) << 15
    return r


@njit(cache=True, nogil=True, _nrt=False)
def _coded_level(ctx, lam, cost0, lvl_d, max_abs, sig_ci, one_ci, abs_ci, rice, c1_idx, c2_idx,
                 q_bits, err_scale, is_last):
    """HM xGetCodedLevel: best level in {0 (not last, maxAbs < 3), maxAbs-1, maxAbs}.
    Returns (level, cost, sig cost)."""
    best = 0
    cost_sig = 0.0
    if not is_last and max_abs < 3:
        cost_sig = lam * bin_cost(ctx, sig_ci, 0)
        cost = cost0 + cost_sig
        if max_abs == 0:
            return 0, cost, cost_sig
    else:
        cost = 1e300
    cur_sig = 0.0
    if not is_last:
        cur_sig = lam * bin_cost(ctx, sig_ci, 1)
    min_abs = max_abs - 1 if max_abs > 1 else 1
    for a in range(max_abs, min_abs - 1, -1):
        err = float(lvl_d - (np.int64(a) << q_bits))
        c = err * err * err_scale + lam * _ic_rate(ctx, a, one_ci, abs_ci, rice, c1_idx, c2_idx) + cur_sig
        if c < cost:
            best = a
            cost = c
            cost_sig = cur_sig
    return best, cost, cost_sig


@njit(cache=True, nogil=True, _nrt=False)
def residual_bits(w, buf, ctx, trial_ctx, levels, log2, c_idx, sidx, sign_hiding, ts_enabled, ts):
    """Estimated bits of residual_coding() for levels, with the context states of ``ctx``
    (copied to ``trial_ctx``, which the estimate adapts; ``ctx`` is not changed).
    ``ts_enabled`` 0 leaves transform_skip_flag out of the estimate."""
    for i in range(ctx.shape[0]):
        trial_ctx[i] = ctx[i]
    set_est_bits(w, 0)
    write_residual_coding(w, buf, trial_ctx, levels, log2, c_idx, sidx, sign_hiding, ts_enabled, ts, 0)
    return est_bits(w) / FRAC_BITS_SCALE


def new_rdoq_scratch():
    """RDOQ's per-coefficient state for TBs up to 32x32: float64 [4, 1024] (costs) and
    int64 [5, 1024] (rate deltas, deltaU, levels); one per thread."""
    return np.zeros((4, 1024), np.float64), np.zeros((5, 1024), np.int64)


@njit(cache=True, nogil=True, _nrt=False)
def rdoq_cbf(coeff, levels, log2_size, c_idx, qp, is_intra, scan_idx_, ctx, lam, sign_hiding, cbf_ci,
             fbuf, ibuf):
    """RDOQ of one TB (HM xRateDistOptQuant).  coeff: forward-transform (or
    transform-skip) output [N, N]; levels (out): TransCoeffLevel [N, N]; qp: the
    component's qP (Qp'Y / Qp'Cb / Qp'Cr); ctx: current context states (read
    only); lam: the component's lambda (luma lambda / chroma weight);
    cbf_ci: context index of the cbf_luma / cbf_cb / cbf_cr (or rqt_root_cbf)
    bin coding this TB's cbf, whose rate enters the all-zero decision, or -1
    to ignore it; fbuf, ibuf: scratch (:func:`new_rdoq_scratch`; no allocation here, this
    runs for every TB trial).  Returns the number of nonzero levels."""
    n = 1 << log2_size
    n_coef = n * n
    tb = log2_size - 2
    log2_sb = log2_size - 2
    sb_w = 1 << log2_sb
    transform_shift = MAX_TR_DYNAMIC_RANGE - BIT_DEPTH - log2_size
    q_bits = QUANT_SHIFT + qp // 6 + transform_shift
    qs = QUANT_SCALES[qp % 6]
    err_scale = 32768.0 * 2.0 ** (-2.0 * transform_shift) / (float(qs) * float(qs))
    half = np.int64(1) << (q_bits - 1)

    a_max = 0
    for y in range(n):
        for x in range(n):
            levels[y, x] = 0
            a_max = max(a_max, abs(coeff[y, x]))
    if (np.int64(a_max) * qs + half) >> q_bits == 0:
        return 0          # every maxAbs is 0: the search below would find no last position
    # the coefficients after the last one that quantises to nonzero (in reverse scan order)
    # only add their uncoded distortion, to both sums: found first, in a lean loop
    scan = TB_SCAN[tb, scan_idx_]
    block_uncoded = 0.0
    last_scan_pos = -1
    for sp in range(n_coef - 1, -1, -1):
        lvl_d = np.int64(abs(coeff[scan[sp, 1], scan[sp, 0]])) * qs
        if (lvl_d + half) >> q_bits != 0:
            last_scan_pos = sp
            break
        err = float(lvl_d)
        block_uncoded += err * err * err_scale
    base_cost = block_uncoded
    # per-coefficient state from the last position on: each entry is written before it is
    # read (the zeros of HM's memsets are written where they are needed: sig_rate_delta at
    # the last position, cg_sig_cost per sub-block); only the coded_sub_block_flags are
    # cleared up front (a bit mask, residual.csbf_bit)
    cost_coeff, cost_coeff0, cost_sig, cg_sig_cost = fbuf[0], fbuf[1], fbuf[2], fbuf[3]
    rate_inc_up, rate_inc_down, sig_rate_delta, delta_u, abs_lv = ibuf[0], ibuf[1], ibuf[2], ibuf[3], ibuf[4]
    csbf = np.int64(0)
    cg_last = last_scan_pos >> 4
    ctx_set = greater1_ctx_set(cg_last, c_idx, False)
    c1_idx = 0
    c2_idx = 0
    c1 = 1
    rice = 0
    for cg in range(cg_last, -1, -1):
        x_s = SCAN_ORDER[log2_sb, scan_idx_, cg, 0]
        y_s = SCAN_ORDER[log2_sb, scan_idx_, cg, 1]
        st_sig_cost = 0.0
        st_sig_cost0 = 0.0
        st_coded_level_and_dist = 0.0
        st_uncoded_dist = 0.0
        st_nnz_before_pos0 = 0
        cg_sig_cost[cg] = 0.0
        pc = prev_csbf(csbf, x_s, y_s, sb_w)
        for pin in range((last_scan_pos & 15) if cg == cg_last else 15, -1, -1):
            sp = (cg << 4) + pin
            xc = scan[sp, 0]
            yc = scan[sp, 1]
            lvl_d = np.int64(abs(coeff[yc, xc])) * qs
            max_abs = (lvl_d + half) >> q_bits
            err = float(lvl_d)
            cost_coeff0[sp] = err * err * err_scale
            block_uncoded += cost_coeff0[sp]
            one_ci = COEFF_ABS_LEVEL_GREATER1_FLAG + greater1_ctx_inc(ctx_set, c1, c_idx)
            abs_ci = COEFF_ABS_LEVEL_GREATER2_FLAG + greater2_ctx_inc(ctx_set, c_idx)
            if sp == last_scan_pos:
                lv, cc, cs = _coded_level(ctx, lam, cost_coeff0[sp], lvl_d, max_abs, 0, one_ci, abs_ci,
                                          rice, c1_idx, c2_idx, q_bits, err_scale, True)
                sig_rate_delta[sp] = 0
            else:
                sig_ci = SIG_COEFF_FLAG + sig_ctx_inc(xc, yc, log2_size, c_idx, scan_idx_, pc)
                lv, cc, cs = _coded_level(ctx, lam, cost_coeff0[sp], lvl_d, max_abs, sig_ci, one_ci,
                                          abs_ci, rice, c1_idx, c2_idx, q_bits, err_scale, False)
                sig_rate_delta[sp] = bin_cost(ctx, sig_ci, 1) - bin_cost(ctx, sig_ci, 0)
            cost_coeff[sp] = cc
            cost_sig[sp] = cs
            delta_u[sp] = (lvl_d - (np.int64(lv) << q_bits)) >> (q_bits - 8)
            if lv > 0:
                rate_now = _ic_rate(ctx, lv, one_ci, abs_ci, rice, c1_idx, c2_idx)
                rate_inc_up[sp] = _ic_rate(ctx, lv + 1, one_ci, abs_ci, rice, c1_idx, c2_idx) - rate_now
                rate_inc_down[sp] = _ic_rate(ctx, lv - 1, one_ci, abs_ci, rice, c1_idx, c2_idx) - rate_now
            else:
                rate_inc_up[sp] = bin_cost(ctx, one_ci, 0)
            abs_lv[sp] = lv
            base_cost += cc
            base_level = (2 + (1 if c2_idx < C2FLAG_NUMBER else 0)) if c1_idx < C1FLAG_NUMBER else 1
            if lv >= base_level and lv > 3 * (1 << rice):
                rice = min(rice + 1, 4)
            if lv >= 1:
                c1_idx += 1
            if lv > 1:
                c1 = 0
                c2_idx += 1
            elif c1 < 3 and c1 > 0 and lv:
                c1 += 1
            if pin == 0 and sp > 0:          # context set of the next sub-block
                ctx_set = greater1_ctx_set(cg - 1, c_idx, c1 == 0)
                c1 = 1
                c1_idx = 0
                c2_idx = 0
                rice = 0
            st_sig_cost += cost_sig[sp]
            if pin == 0:
                st_sig_cost0 = cost_sig[sp]
            if abs_lv[sp] != 0:
                csbf = with_csbf(csbf, x_s, y_s, 1)
                st_coded_level_and_dist += cost_coeff[sp] - cost_sig[sp]
                st_uncoded_dist += cost_coeff0[sp]
                if pin != 0:
                    st_nnz_before_pos0 += 1
        if cg > 0:
            csbf_ci = CODED_SUB_BLOCK_FLAG + csbf_ctx_inc(csbf, x_s, y_s, sb_w, c_idx)
            if csbf_bit(csbf, x_s, y_s) == 0:
                c0 = lam * bin_cost(ctx, csbf_ci, 0)
                base_cost += c0 - st_sig_cost
                cg_sig_cost[cg] = c0
            elif cg < cg_last:
                if st_nnz_before_pos0 == 0:
                    base_cost -= st_sig_cost0
                    st_sig_cost -= st_sig_cost0
                cost_zero_cg = base_cost
                c1cost = lam * bin_cost(ctx, csbf_ci, 1)
                c0 = lam * bin_cost(ctx, csbf_ci, 0)
                base_cost += c1cost
                cost_zero_cg += c0
                cg_sig_cost[cg] = c1cost
                cost_zero_cg += st_uncoded_dist - st_coded_level_and_dist - st_sig_cost
                if cost_zero_cg < base_cost:
                    csbf = with_csbf(csbf, x_s, y_s, 0)
                    base_cost = cost_zero_cg
                    cg_sig_cost[cg] = c0
                    for pin in range(16):
                        sp = (cg << 4) + pin
                        if abs_lv[sp] != 0:
                            abs_lv[sp] = 0
                            cost_coeff[sp] = cost_coeff0[sp]
                            cost_sig[sp] = 0.0
        else:
            csbf = with_csbf(csbf, x_s, y_s, 1)

    # ===== last position =====
    if cbf_ci >= 0:
        best_cost = block_uncoded + lam * bin_cost(ctx, cbf_ci, 0)
        base_cost += lam * bin_cost(ctx, cbf_ci, 1)
    else:
        best_cost = block_uncoded
    best_last_p1 = 0
    found_last = False
    for cg in range(cg_last, -1, -1):
        x_s = SCAN_ORDER[log2_sb, scan_idx_, cg, 0]
        y_s = SCAN_ORDER[log2_sb, scan_idx_, cg, 1]
        base_cost -= cg_sig_cost[cg]
        if csbf_bit(csbf, x_s, y_s):
            for pin in range(15, -1, -1):
                sp = (cg << 4) + pin
                if sp > last_scan_pos:
                    continue
                if abs_lv[sp] != 0:
                    xc = scan[sp, 0]
                    yc = scan[sp, 1]
                    if scan_idx_ == 2:
                        cl = lam * last_pos_rate(ctx, yc, xc, log2_size, c_idx)
                    else:
                        cl = lam * last_pos_rate(ctx, xc, yc, log2_size, c_idx)
                    total = base_cost + cl - cost_sig[sp]
                    if total < best_cost:
                        best_last_p1 = sp + 1
                        best_cost = total
                    if abs_lv[sp] > 1:
                        found_last = True
                        break
                    base_cost -= cost_coeff[sp]
                    base_cost += cost_coeff0[sp]
                else:
                    base_cost -= cost_sig[sp]
            if found_last:
                break

    abs_sum = 0
    nnz = 0
    for sp in range(best_last_p1):
        a = abs_lv[sp]
        if a != 0:
            if a > COEFF_MAX:
                a = COEFF_MAX
            xc = scan[sp, 0]
            yc = scan[sp, 1]
            abs_sum += a
            nnz += 1
            levels[yc, xc] = -a if coeff[yc, xc] < 0 else a

    # ===== sign data hiding, RD version (HM, after RDOQ) =====
    if sign_hiding and abs_sum >= 2:
        inv = float(LEVEL_SCALE[qp % 6])
        rd_factor = np.int64(inv * inv * float(1 << (2 * (qp // 6))) / lam / 16.0 + 0.5)
        last_cg = -1
        for sub in range((n_coef - 1) >> 4, -1, -1):
            sub_pos = sub << 4
            first_nz = 16
            last_nz = -1
            for k in range(15, -1, -1):
                p = sub_pos + k
                if levels[scan[p, 1], scan[p, 0]] != 0:
                    last_nz = k
                    break
            for k in range(16):
                p = sub_pos + k
                if levels[scan[p, 1], scan[p, 0]] != 0:
                    first_nz = k
                    break
            s = 0
            for k in range(first_nz, last_nz + 1):
                p = sub_pos + k
                s += abs(levels[scan[p, 1], scan[p, 0]])
            if last_nz >= 0 and last_cg == -1:
                last_cg = 1
            if last_nz - first_nz >= SBH_THRESHOLD:
                pf = sub_pos + first_nz
                signbit = 0 if levels[scan[pf, 1], scan[pf, 0]] > 0 else 1
                if signbit != (s & 1):
                    min_cost = INT64_MAX
                    min_p = -1
                    final_change = 0
                    cur_change = 0
                    start = last_nz if last_cg == 1 else 15
                    for k in range(start, -1, -1):
                        p = sub_pos + k
                        y = scan[p, 1]
                        x = scan[p, 0]
                        lv = np.int64(levels[y, x])
                        if lv != 0:
                            cost_up = rd_factor * (-delta_u[p]) + rate_inc_up[p]
                            cost_down = rd_factor * delta_u[p] + rate_inc_down[p]
                            if abs(lv) == 1:
                                cost_down -= sig_rate_delta[p]
                            if last_cg == 1 and last_nz == k and abs(lv) == 1:
                                cost_down -= 4 << 15
                            if cost_up < cost_down:
                                cur = cost_up
                                cur_change = 1
                            else:
                                cur_change = -1
                                if k == first_nz and abs(lv) == 1:
                                    cur = INT64_MAX
                                else:
                                    cur = cost_down
                        else:
                            cur = rd_factor * (-abs(delta_u[p])) + ONE_BIT + rate_inc_up[p] + sig_rate_delta[p]
                            cur_change = 1
                            if k < first_nz:
                                this_sign = 0 if coeff[y, x] >= 0 else 1
                                if this_sign != signbit:
                                    cur = INT64_MAX
                        if cur < min_cost:
                            min_cost = cur
                            final_change = cur_change
                            min_p = p
                    if min_p >= 0:
                        y = scan[min_p, 1]
                        x = scan[min_p, 0]
                        lv = levels[y, x]
                        if lv == COEFF_MAX or lv == COEFF_MIN:
                            final_change = -1
                        if coeff[y, x] >= 0:
                            nl = lv + final_change
                        else:
                            nl = lv - final_change
                        if lv == 0 and nl != 0:
                            nnz += 1
                        elif lv != 0 and nl == 0:
                            nnz -= 1
                        levels[y, x] = nl
            if last_cg == 1:
                last_cg = 0
    return nnz


@njit(cache=True, nogil=True, _nrt=False)
def rdoq(coeff, levels, log2_size, c_idx, qp, is_intra, scan_idx_, ctx, lam, sign_hiding, fbuf, ibuf):
    """RDOQ without the cbf rate (see :func:`rdoq_cbf`).  Returns the number of
    nonzero levels written to levels[y, x]."""
    return rdoq_cbf(coeff, levels, log2_size, c_idx, qp, is_intra, scan_idx_, ctx, lam, sign_hiding, -1,
                    fbuf, ibuf)
