"""Motion estimation (encoder decisions only): HM 16.x's TZ search, fractional refinement and
bi-prediction refinement (TEncSearch::xMotionEstimation, xTZSearch, xPatternSearch,
xPatternSearchFracDIF, xEstimateMvPredAMVP, xCheckBestMVP, predInterSearch).

Nothing here is normative: the MVs chosen are coded by the normative syntax and reconstructed
by dlvc.core; the predicted samples ME compares with are exactly the normative uni-prediction
samples (dlvc.core.interp.interpolate_plane_pixels = Clip3(0, 255, (predSamplesLX + 32) >> 6)).

Conventions
-----------
* Luma only.  MVs are in quarter luma samples (HEVC's mvLX); "integer MV" means a multiple of 4.
* ``org`` is the original: any 2-D integer array (the int16 picture plane, or an int32 block
  such as the bi-prediction target) with the PU's top-left sample at ``org[oy, ox]``.
* ``(x, y, w, h)``: the PU in luma picture samples.
* ``fp`` ("fractional planes"): ``int16[16, H + 2 pad, W + 2 pad]`` made by
  :func:`make_fractional_planes` from one reference picture's luma plane (H x W = coded size):
  ``fp[(yFrac << 2) | xFrac, yi + pad, xi + pad]`` is the uni-predicted sample of integer
  position (xi, yi) plus (xFrac/4, yFrac/4), identical to predict_block + weighted_default
  (uni) of dlvc.core.interp.  ``fp[0]`` is the padded integer reference (edge-extended as in
  8-228/8-229).  A block displaced by ``mv`` reads ``fp[((mv_y & 3) << 2) | (mv_x & 3)]`` at
  ``(x + (mv_x >> 2) + pad, y + (mv_y >> 2) + pad)``.  The picture size is ``fp.shape[1:] - 2 pad``.
  Several reference pictures: slots of one array, ``fp_all[slot]`` (``int16[S, 16, Hp, Wp]``;
  the encoder's RefStore), with ``ref_slot[X, refIdx]`` naming the slot of RefPicListX[refIdx].
* Memory: one picture's planes take 16 * (W + 2 pad) * (H + 2 pad) * 2 bytes; at 1280x720 with
  pad = PAD = 80 that is 16 * 1440 * 880 * 2 = 40.6 MB, 162 MB for 4 reference pictures (a
  16-picture DPB: 649 MB), well under 2 GiB.  Making them costs 16 whole-plane interpolations
  (one int32 temporary plane, 5 MB, at a time), once per reference picture.
* MV range.  A displaced PU's top-left (xr, yr) = (x + mv_x >> 2, y + mv_y >> 2) is kept within
  [-(w + 7), W + 7] x [-(h + 7), H + 7] (HM's TComDataCU::clipMv: up to 8 samples wholly
  outside the picture, taken per PU instead of per CU) and within what the padding can serve
  (``[1 - pad, W + pad - w]``, so that the quarter-pel neighbours of any integer candidate are
  inside ``fp``).  pad >= w + 8 (72 for 64x64) gives HM's range; PAD = 80 is HM's margin.
  Beyond that margin every candidate predicts the same edge-extended samples, so the clip
  loses nothing.
* Lambda: ``lam`` is HM's motion lambda for SAD/SATD in 1/65536 units,
  ``lam = round(65536 * sqrt(lambda))`` (:func:`lambda_motion_sad`; TComRdCost::setLambda,
  m_dLambdaMotionSAD).  The cost of ``b`` bits is ``(lam * b) >> 16`` (:func:`bits_cost`;
  HM: Distortion(m_motionLambda * b / 65536.0)).
* MV bits: :func:`mv_bits` = TComRdCost::getBitsOfVectorWithPredictor at cost scale 0, i.e.
  the signed Exp-Golomb length (xGetExpGolombNumberOfBits) of each component of
  mvd = mv - mvp in quarter samples.  HM's integer and half-pel stages use cost scales 2 and 1,
  which are the same numbers for integer / half-pel MVs written in quarter samples.
* Costs are int64.  Every function below is ``@njit(cache=True, nogil=True)`` unless marked
  (Python), so CTU-level njit code can call them.

API
---
lambda_motion_sad(lam) (Python) -> int        round(65536 * sqrt(lam))
mv_bits(dx, dy) -> int                        bits of an mvd (quarter samples)
bits_cost(lam, bits) -> int                   (lam * bits) >> 16
mvp_idx_bits(idx, num) -> int                 TEncSearch::xGetMvpIdxBits
ref_idx_bits(ref_idx, num_ref) -> int         the refIdx bits of predInterSearch
blk_bits(part_mode, is_p, part_idx, last_mode, out3) -> None
                                              TEncSearch::xGetBlkBits into out3 (int32[3])
make_fractional_planes(ref, pad, out, first, stop) -> None
                                              planes first..stop - 1 into out (int16[16, Hp, Wp])
mv_limits(x, y, w, h, fp, pad) -> (xmin, xmax, ymin, ymax)
                                              allowed integer displacements (samples)
clip_mv(mv_x, mv_y, x, y, w, h, fp, pad) -> (mv_x, mv_y)   quarter-sample MV clipped to them
pred_block(fp, pad, x, y, w, h, mv_x, mv_y, out) -> None
                                              uni-prediction samples into out[:h, :w]
select_amvp(org, ox, oy, x, y, w, h, fp, pad, amvp, num, lam) -> idx
                                              xEstimateMvPredAMVP (amvp = int32[2, 2])
check_best_mvp(mv_x, mv_y, amvp, num, idx, bits, cost, lam) -> (idx, bits, cost)
                                              xCheckBestMVP
tz_search(org, ox, oy, x, y, w, h, fp, pad, mvp_x, mvp_y, cands, n_cands, mv2n_x, mv2n_y,
          has_2n, search_range, lam, first_search_stop, sub_sad) -> (mv_x, mv_y, sad)
    Integer TZ search (xTZSearch, MESEARCH_DIAMOND defaults).  Start: the predictor (clipped,
    rounded to integer), then the ``cands[:n_cands]`` (int32[n, 2], quarter samples; HM's
    bTestOtherPredictedMV starts, normally none), the zero MV (bTestZeroVector), and, if
    ``has_2n``, the integer MV of the CU's 2Nx2N search (m_integerMv2Nx2N; the raster window is
    then re-centred on the best start).  Then 8-point diamonds at distances 1, 2, 4, ..
    <= search_range around the best start (stopping 3 rounds after the last improvement if
    ``first_search_stop`` = FastMEAssumingSmootherMVEnabled), the 2-point search, a raster
    search with step 5 if the best distance exceeds 5, and star refinement (diamonds around
    the best until it stops moving).  Window: predictor +- search_range (clipped to
    mv_limits, as xSetSearchRange; with has_2n it also covers the re-centred raster window).
    Search points are tested only inside it; the start candidates are clipped to mv_limits and
    tested wherever they are (so the result may be the zero MV outside the window, as in HM;
    unlike HM, diamonds around such a start do not leave the window).  Cost of a point:
    SAD + bits_cost(lam, mv_bits(mv - mvp)); ``sub_sad`` (HM's FEN = 1/3) computes the SAD of
    blocks with h > 8 on even rows only, doubled.  Returns the integer MV (quarter samples)
    and its SAD (without MV cost).
full_search(org, ox, oy, x, y, w, h, fp, pad, mvp_x, mvp_y, ctr_x, ctr_y, search_range, lam,
            sub_sad) -> (mv_x, mv_y, sad)
    xPatternSearch: every integer MV of ctr +- search_range (clipped), raster order, cost as
    above.  Used by bi-prediction refinement (BipredSearchRange around the current MV).
refine_fractional(org, ox, oy, x, y, w, h, fp, pad, mv_x, mv_y, mvp_x, mvp_y, lam, use_had)
    -> (mv_x, mv_y, cost)
    xPatternSearchFracDIF: the 9 half-sample positions around the integer MV (its own position
    first, HM's order), then the 9 quarter-sample positions around the best; cost =
    SATD (dlvc.encoder.cost.satd, HM's xGetHADs; SAD if not use_had) of org against the
    prediction + bits_cost(lam, mv_bits(mv - mvp)).  Returns the MV and that cost.
motion_search(org, ox, oy, x, y, w, h, fp, pad, mvp_x, mvp_y, cands, n_cands, mv2n_x, mv2n_y,
              has_2n, search_range, lam, first_search_stop, sub_sad, use_had, extra_bits)
    -> (mv_x, mv_y, cost, mv_bits, int_mv_x, int_mv_y)
    xMotionEstimation for a uni-predicted PU: tz_search + refine_fractional.
    cost = distortion + bits_cost(lam, extra_bits + mv_bits) (HM's ruiCost with
    ruiBits = extra_bits + mv_bits; pass block, refIdx and mvp_idx bits as extra_bits);
    int_mv is the integer-search MV (HM keeps it as m_integerMv2Nx2N).
bipred_refine(org, x, y, w, h, fp_all, pad, ref_slot, num_ref, amvp, amvp_num, mv_temp,
              mvp_idx, mv_bi, ref_bi, mot_bits, blk_bits_bi, cost_uni, lam, bipred_range,
              num_iter, fen, use_had, mvp_idx_bi) -> (cost_bi, bits_bi)
    predInterSearch's bi-prediction loop.  ``org`` is the picture plane (PU at (x, y)).
    Inputs (X = list, r = refIdx): ref_slot int32[2, 16]; num_ref int32[2]; amvp
    int32[2, 16, 2, 2] the AMVP lists, amvp_num int32[2, 16] their sizes (2); mv_temp
    int32[2, 16, 2] the uni MV found for every (X, r); mvp_idx int32[2, 16] the predictor chosen
    for it; mv_bi int32[2, 2] / ref_bi int32[2] the best uni MV / refIdx of each list;
    mot_bits int32[2] its bits less the block bits (uiBits[X] - uiMbBits[X]); blk_bits_bi =
    uiMbBits[2]; cost_uni int64[2] the best uni costs.  Iteration i refines list i % 2 (list 0
    first; with ``fen`` (FEN = 1/2) one iteration of the list with the larger uni cost) for every
    refIdx: full search of BipredSearchRange around the current MV, then fractional refinement,
    against the target 2 * org - pred(other list) (unclipped, HM's removeHighFreq); cost =
    (distortion >> 1) + bits_cost(lam, bits); stops when no refIdx improves.  Outputs: mv_bi,
    ref_bi (overwritten with the bi motion) and mvp_idx_bi int32[2]; returns the bi cost (int64
    max if never better) and bits.  The input arrays other than the outputs are not modified.
    Assumes mvd_l1_zero_flag = 0 and no weighted prediction.
search_pu(org, x, y, w, h, fp_all, pad, ref_slot, num_ref, l1_to_l0, amvp, amvp_num, is_b,
          bi_allowed, blk3, lam, search_range, bipred_range, first_search_stop, fen, use_had,
          mv2n, use_2n, store_2n, res) -> None
    The motion-estimation part of predInterSearch for one PU (no merge): for every list and
    refIdx, select_amvp, motion_search (or, for an L1 picture that is also in L0,
    l1_to_l0[r] >= 0, HM's FastMEForGenBLowDelay reuse of the L0 result), check_best_mvp; then
    bipred_refine when ``is_b and bi_allowed`` (not 8x4/4x8).  ``blk3`` = blk_bits output;
    ``mv2n`` int32[2, 16, 2] the 2Nx2N integer MVs (read if use_2n, written if store_2n).
    ``res`` int64[3, 10], one row per candidate inter_pred_idc (0 PRED_L0, 1 PRED_L1, 2 PRED_BI):
    (cost, bits, mv0x, mv0y, mv1x, mv1y, refIdx0, refIdx1, mvp_l0_flag, mvp_l1_flag); cost is
    int64 max where not available (L1: no refIdx that is not in L0, bi: P slice or disallowed).
    HM's choice is the smallest of bi, L0, L1 with ties to bi, then L0.
"""
import math

import numpy as np
from ..jit import njit

from dlvc.core.interp import interpolate_source, plane_source, uni_pixels
from dlvc.encoder.cost import SAD_NO_BOUND, sad, sad_bounded, satd_in

PAD = 80                      # default padding of the fractional planes (HM's luma margin)
MAX_REFS = 16
COST_MAX = np.int64(0x7FFFFFFFFFFFFFFF)

# TZ search constants (HM xTZSearch, MESEARCH_DIAMOND)
TZ_RASTER = 5                 # iRaster
TZ_FIRST_SEARCH_ROUNDS = 3    # uiFirstSearchRounds

# fractional refinement orders (TEncSearch.cpp s_acMvRefineH / s_acMvRefineQ)
_REFINE_H = np.array([[0, 0], [0, -1], [0, 1], [-1, 0], [1, 0], [-1, -1], [1, -1], [-1, 1],
                      [1, 1]], np.int32)
_REFINE_Q = np.array([[0, 0], [0, -1], [0, 1], [-1, -1], [1, -1], [-1, 0], [1, 0], [-1, 1],
                      [1, 1]], np.int32)

# TZ search state (int64[8])
_S_BEST_SAD, _S_BEST_X, _S_BEST_Y, _S_BEST_DIST, _S_BEST_ROUND, _S_POINT_NR = 0, 1, 2, 3, 4, 5
# search context (int64[15]): block, predictor, lambda, bounds of the search points
(_C_OX, _C_OY, _C_X, _C_Y, _C_W, _C_H, _C_MVPX, _C_MVPY, _C_LAM, _C_SUB, _C_XMIN, _C_XMAX,
 _C_YMIN, _C_YMAX, _C_PAD) = range(15)


# ---------------------------------------------------------------------------------------------
# bits and lambda
# ---------------------------------------------------------------------------------------------
def lambda_motion_sad(lam):
    """HM's m_dLambdaMotionSAD as an integer: round(65536 * sqrt(lambda))."""
    return int(math.floor(65536.0 * math.sqrt(lam) + 0.5))


@njit(cache=True, nogil=True)
def _eg_bits(v):
    """TComRdCost::xGetExpGolombNumberOfBits."""
    t = (((-v) << 1) + 1) if v <= 0 else (v << 1)
    n = 1
    while t != 1:
        t >>= 1
        n += 2
    return n


@njit(cache=True, nogil=True)
def mv_bits(dx, dy):
    """Bits HM charges for an mvd (dx, dy) in quarter samples."""
    return _eg_bits(dx) + _eg_bits(dy)


@njit(cache=True, nogil=True)
def bits_cost(lam, bits):
    return (np.int64(lam) * bits) >> 16


@njit(cache=True, nogil=True)
def mvp_idx_bits(idx, num):
    """TEncSearch::xGetMvpIdxBits (truncated unary)."""
    if num <= 1:
        return 0
    if idx == 0:
        return 1
    n = 1 + idx - 1
    if num - 1 > idx:
        n += 1
    return n


@njit(cache=True, nogil=True)
def ref_idx_bits(ref_idx, num_ref):
    """refIdx bits of TEncSearch::predInterSearch (truncated unary)."""
    if num_ref <= 1:
        return 0
    n = ref_idx + 1
    if ref_idx == num_ref - 1:
        n -= 1
    return n


@njit(cache=True, nogil=True)
def blk_bits(part_mode, is_p, part_idx, last_mode, out3):
    """TEncSearch::xGetBlkBits: estimated bits of inter_pred_idc for L0, L1, BI into out3.
    part_mode: PART_* of dlvc.core.picture; last_mode: 0/1/2 = mode chosen for partIdx 0."""
    if part_mode == 0 or part_mode == 3:                       # 2Nx2N, NxN
        out3[0] = 1 if is_p else 3
        out3[1] = 3
        out3[2] = 5
        return
    if is_p:
        out3[0] = 3
        out3[1] = 0
        out3[2] = 0
        return
    horizontal = part_mode == 1 or part_mode == 4 or part_mode == 5   # 2NxN, 2NxnU, 2NxnD
    if part_idx == 0:
        out3[0] = 0
        out3[1] = 0 if horizontal else 2
        out3[2] = 3
        return
    if last_mode == 0:
        out3[0] = 5
        out3[1] = 7
        out3[2] = 7
    elif last_mode == 1:
        if horizontal:
            out3[0] = 7
            out3[1] = 5
            out3[2] = 7
        else:
            out3[0] = 5
            out3[1] = 5
            out3[2] = 7
    else:
        out3[0] = 6
        out3[1] = 6
        out3[2] = 6


# ---------------------------------------------------------------------------------------------
# reference planes, limits, prediction
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def make_fractional_planes(ref, pad, out, first, stop):
    """Planes first..stop - 1 of the 16 uni-prediction planes of one luma reference plane into
    out: int16[16, H + 2 pad, W + 2 pad], index (yFrac << 2) | xFrac (see the module
    docstring).  Threads may fill disjoint ranges of one out."""
    src = plane_source(ref, 0, pad)                  # the edge extension, once
    v = np.empty(out.shape[1:], np.int32)
    for k in range(first, stop):
        interpolate_source(src, k & 3, k >> 2, 0, v)
        uni_pixels(v, out[k])


@njit(cache=True, nogil=True, _nrt=False)
def mv_limits(x, y, w, h, fp, pad):
    """Allowed integer displacements (xmin, xmax, ymin, ymax) in samples (module docstring)."""
    H = fp.shape[1] - 2 * pad
    W = fp.shape[2] - 2 * pad
    xlo = max(-(w + 7), 1 - pad)
    xhi = min(W + 7, W + pad - w)
    ylo = max(-(h + 7), 1 - pad)
    yhi = min(H + 7, H + pad - h)
    return xlo - x, xhi - x, ylo - y, yhi - y


@njit(cache=True, nogil=True, _nrt=False)
def clip_mv(mv_x, mv_y, x, y, w, h, fp, pad):
    xmin, xmax, ymin, ymax = mv_limits(x, y, w, h, fp, pad)
    mv_x = min(max(mv_x, xmin << 2), xmax << 2)
    mv_y = min(max(mv_y, ymin << 2), ymax << 2)
    return mv_x, mv_y


@njit(cache=True, nogil=True, _nrt=False)
def pred_block(fp, pad, x, y, w, h, mv_x, mv_y, out):
    """Uni-prediction samples of the PU displaced by (mv_x, mv_y) (must be within mv_limits)
    into out[:h, :w]."""
    p = fp[((mv_y & 3) << 2) | (mv_x & 3)]
    xi = x + (mv_x >> 2) + pad
    yi = y + (mv_y >> 2) + pad
    for j in range(h):
        for i in range(w):
            out[j, i] = p[yi + j, xi + i]


@njit(cache=True, nogil=True)
def _round_int_mv(v):
    """TComMv::divideByPowerOf2(2) (ME_ENABLE_ROUNDING_OF_MVS): quarter -> integer, rounded."""
    return (v + 2) >> 2


@njit(cache=True, nogil=True, _nrt=False)
def _block_dist(org, ox, oy, fp, pad, x, y, w, h, mv_x, mv_y, use_had, d):
    """SATD (or SAD) of the original against the uni-prediction at a quarter-sample MV; ``d``
    SATD's scratch (cost.satd_in)."""
    p = fp[((mv_y & 3) << 2) | (mv_x & 3)]
    rx = x + (mv_x >> 2) + pad
    ry = y + (mv_y >> 2) + pad
    if use_had:
        return np.int64(satd_in(org, ox, oy, p, rx, ry, w, h, d))
    return sad(org, ox, oy, p, rx, ry, w, h)


# ---------------------------------------------------------------------------------------------
# AMVP choice
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, _nrt=False)
def select_amvp(org, ox, oy, x, y, w, h, fp, pad, amvp, num, lam):
    """xEstimateMvPredAMVP: the candidate whose (clipped) MV predicts the PU with the lowest
    SAD + cost of the mvp_idx bits (HM charges 1 bit for either index)."""
    if num <= 1:
        return 0
    best = COST_MAX
    best_i = 0
    for i in range(num):
        mx, my = clip_mv(amvp[i, 0], amvp[i, 1], x, y, w, h, fp, pad)
        p = fp[((my & 3) << 2) | (mx & 3)]
        d = sad(org, ox, oy, p, x + (mx >> 2) + pad, y + (my >> 2) + pad, w, h)
        c = d + bits_cost(lam, mvp_idx_bits(i, 2))
        if c < best:
            best = c
            best_i = i
    return best_i


@njit(cache=True, nogil=True, _nrt=False)
def check_best_mvp(mv_x, mv_y, amvp, num, idx, bits, cost, lam):
    """xCheckBestMVP: once the MV is known, the predictor giving the fewest mvd + mvp_idx bits;
    returns (idx, bits, cost) with bits / cost corrected for the change."""
    if num < 2:
        return idx, bits, cost
    org_bits = mv_bits(mv_x - amvp[idx, 0], mv_y - amvp[idx, 1]) + mvp_idx_bits(idx, 2)
    best_bits = org_bits
    best_i = idx
    for i in range(num):
        if i == idx:
            continue
        b = mv_bits(mv_x - amvp[i, 0], mv_y - amvp[i, 1]) + mvp_idx_bits(i, 2)
        if b < best_bits:
            best_bits = b
            best_i = i
    if best_i != idx:
        nb = bits - org_bits + best_bits
        cost = cost - bits_cost(lam, bits) + bits_cost(lam, nb)
        return best_i, nb, cost
    return idx, bits, cost


# ---------------------------------------------------------------------------------------------
# integer search
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, _nrt=False)
def _help(st, ctx, org, ref0, sx, sy, point_nr, dist):
    """xTZSearchHelp for a search point: tested only inside the search window (HM checks most
    points against the window too, but not all: a diamond around a start outside it, e.g. the
    zero MV, could leave it)."""
    if sx < ctx[_C_XMIN] or sx > ctx[_C_XMAX] or sy < ctx[_C_YMIN] or sy > ctx[_C_YMAX]:
        return
    _eval(st, ctx, org, ref0, sx, sy, point_nr, dist)


@njit(cache=True, nogil=True, _nrt=False)
def _eval(st, ctx, org, ref0, sx, sy, point_nr, dist):
    """xTZSearchHelp: test integer displacement (sx, sy) (within mv_limits)."""
    pad = ctx[_C_PAD]
    best = st[_S_BEST_SAD]
    s = sad_bounded(org, ctx[_C_OX], ctx[_C_OY], ref0, ctx[_C_X] + sx + pad, ctx[_C_Y] + sy + pad,
                   ctx[_C_W], ctx[_C_H], ctx[_C_SUB], best)
    if s < best:
        s += bits_cost(ctx[_C_LAM], mv_bits((sx << 2) - ctx[_C_MVPX], (sy << 2) - ctx[_C_MVPY]))
        if s < best:
            st[_S_BEST_SAD] = s
            st[_S_BEST_X] = sx
            st[_S_BEST_Y] = sy
            st[_S_BEST_DIST] = dist
            st[_S_BEST_ROUND] = 0
            st[_S_POINT_NR] = point_nr


@njit(cache=True, nogil=True, _nrt=False)
def _two_point(st, ctx, org, ref0, win):
    """xTZ2PointSearch: the 2 points next to the best not yet tested by the distance-1 diamond."""
    l, r, t, b = win[0], win[1], win[2], win[3]
    sx = st[_S_BEST_X]
    sy = st[_S_BEST_Y]
    nr = st[_S_POINT_NR]
    if nr == 1:
        if sx - 1 >= l:
            _help(st, ctx, org, ref0, sx - 1, sy, 0, 2)
        if sy - 1 >= t:
            _help(st, ctx, org, ref0, sx, sy - 1, 0, 2)
    elif nr == 2:
        if sy - 1 >= t:
            if sx - 1 >= l:
                _help(st, ctx, org, ref0, sx - 1, sy - 1, 0, 2)
            if sx + 1 <= r:
                _help(st, ctx, org, ref0, sx + 1, sy - 1, 0, 2)
    elif nr == 3:
        if sy - 1 >= t:
            _help(st, ctx, org, ref0, sx, sy - 1, 0, 2)
        if sx + 1 <= r:
            _help(st, ctx, org, ref0, sx + 1, sy, 0, 2)
    elif nr == 4:
        if sx - 1 >= l:
            if sy + 1 <= b:
                _help(st, ctx, org, ref0, sx - 1, sy + 1, 0, 2)
            if sy - 1 >= t:
                _help(st, ctx, org, ref0, sx - 1, sy - 1, 0, 2)
    elif nr == 5:
        if sx + 1 <= r:
            if sy - 1 >= t:
                _help(st, ctx, org, ref0, sx + 1, sy - 1, 0, 2)
            if sy + 1 <= b:
                _help(st, ctx, org, ref0, sx + 1, sy + 1, 0, 2)
    elif nr == 6:
        if sx - 1 >= l:
            _help(st, ctx, org, ref0, sx - 1, sy, 0, 2)
        if sy + 1 <= b:
            _help(st, ctx, org, ref0, sx, sy + 1, 0, 2)
    elif nr == 7:
        if sy + 1 <= b:
            if sx - 1 >= l:
                _help(st, ctx, org, ref0, sx - 1, sy + 1, 0, 2)
            if sx + 1 <= r:
                _help(st, ctx, org, ref0, sx + 1, sy + 1, 0, 2)
    elif nr == 8:
        if sx + 1 <= r:
            _help(st, ctx, org, ref0, sx + 1, sy, 0, 2)
        if sy + 1 <= b:
            _help(st, ctx, org, ref0, sx, sy + 1, 0, 2)


@njit(cache=True, nogil=True, _nrt=False)
def _diamond(st, ctx, org, ref0, win, cx, cy, dist, corners1):
    """xTZ8PointDiamondSearch around (cx, cy) at distance dist."""
    l, r, t, b = win[0], win[1], win[2], win[3]
    top = cy - dist
    bot = cy + dist
    lft = cx - dist
    rgt = cx + dist
    st[_S_BEST_ROUND] += 1
    if dist == 1:
        if top >= t:
            if corners1:
                if lft >= l:
                    _help(st, ctx, org, ref0, lft, top, 1, dist)
                _help(st, ctx, org, ref0, cx, top, 2, dist)
                if rgt <= r:
                    _help(st, ctx, org, ref0, rgt, top, 3, dist)
            else:
                _help(st, ctx, org, ref0, cx, top, 2, dist)
        if lft >= l:
            _help(st, ctx, org, ref0, lft, cy, 4, dist)
        if rgt <= r:
            _help(st, ctx, org, ref0, rgt, cy, 5, dist)
        if bot <= b:
            if corners1:
                if lft >= l:
                    _help(st, ctx, org, ref0, lft, bot, 6, dist)
                _help(st, ctx, org, ref0, cx, bot, 7, dist)
                if rgt <= r:
                    _help(st, ctx, org, ref0, rgt, bot, 8, dist)
            else:
                _help(st, ctx, org, ref0, cx, bot, 7, dist)
    elif dist <= 8:
        h2 = dist >> 1
        top2 = cy - h2
        bot2 = cy + h2
        lft2 = cx - h2
        rgt2 = cx + h2
        if top >= t and lft >= l and rgt <= r and bot <= b:
            _help(st, ctx, org, ref0, cx, top, 2, dist)
            _help(st, ctx, org, ref0, lft2, top2, 1, h2)
            _help(st, ctx, org, ref0, rgt2, top2, 3, h2)
            _help(st, ctx, org, ref0, lft, cy, 4, dist)
            _help(st, ctx, org, ref0, rgt, cy, 5, dist)
            _help(st, ctx, org, ref0, lft2, bot2, 6, h2)
            _help(st, ctx, org, ref0, rgt2, bot2, 8, h2)
            _help(st, ctx, org, ref0, cx, bot, 7, dist)
        else:
            if top >= t:
                _help(st, ctx, org, ref0, cx, top, 2, dist)
            if top2 >= t:
                if lft2 >= l:
                    _help(st, ctx, org, ref0, lft2, top2, 1, h2)
                if rgt2 <= r:
                    _help(st, ctx, org, ref0, rgt2, top2, 3, h2)
            if lft >= l:
                _help(st, ctx, org, ref0, lft, cy, 4, dist)
            if rgt <= r:
                _help(st, ctx, org, ref0, rgt, cy, 5, dist)
            if bot2 <= b:
                if lft2 >= l:
                    _help(st, ctx, org, ref0, lft2, bot2, 6, h2)
                if rgt2 <= r:
                    _help(st, ctx, org, ref0, rgt2, bot2, 8, h2)
            if bot <= b:
                _help(st, ctx, org, ref0, cx, bot, 7, dist)
    else:
        q = dist >> 2
        inside = top >= t and lft >= l and rgt <= r and bot <= b
        if inside or top >= t:
            _help(st, ctx, org, ref0, cx, top, 0, dist)
        if inside or lft >= l:
            _help(st, ctx, org, ref0, lft, cy, 0, dist)
        if inside or rgt <= r:
            _help(st, ctx, org, ref0, rgt, cy, 0, dist)
        if inside or bot <= b:
            _help(st, ctx, org, ref0, cx, bot, 0, dist)
        for k in range(1, 4):
            yt = top + q * k
            yb = bot - q * k
            xl = cx - q * k
            xr = cx + q * k
            if inside or yt >= t:
                if inside or xl >= l:
                    _help(st, ctx, org, ref0, xl, yt, 0, dist)
                if inside or xr <= r:
                    _help(st, ctx, org, ref0, xr, yt, 0, dist)
            if inside or yb <= b:
                if inside or xl >= l:
                    _help(st, ctx, org, ref0, xl, yb, 0, dist)
                if inside or xr <= r:
                    _help(st, ctx, org, ref0, xr, yb, 0, dist)


@njit(cache=True, nogil=True)
def _search_window(cmv_x, cmv_y, search_range, lim):
    """xSetSearchRange: (left, right, top, bottom) integer window around a quarter-sample MV,
    clipped to the MV limits (lim = (xmin, xmax, ymin, ymax) in samples)."""
    qx0, qx1, qy0, qy1 = lim[0] << 2, lim[1] << 2, lim[2] << 2, lim[3] << 2
    cx = min(max(cmv_x, qx0), qx1)
    cy = min(max(cmv_y, qy0), qy1)
    win = np.empty(4, np.int64)
    win[0] = _round_int_mv(min(max(cx - (search_range << 2), qx0), qx1))
    win[1] = _round_int_mv(min(max(cx + (search_range << 2), qx0), qx1))
    win[2] = _round_int_mv(min(max(cy - (search_range << 2), qy0), qy1))
    win[3] = _round_int_mv(min(max(cy + (search_range << 2), qy0), qy1))
    return win


@njit(cache=True, nogil=True)
def _make_ctx(ox, oy, x, y, w, h, mvp_x, mvp_y, lam, sub, lim, pad):
    ctx = np.empty(15, np.int64)
    ctx[_C_OX] = ox
    ctx[_C_OY] = oy
    ctx[_C_X] = x
    ctx[_C_Y] = y
    ctx[_C_W] = w
    ctx[_C_H] = h
    ctx[_C_MVPX] = mvp_x
    ctx[_C_MVPY] = mvp_y
    ctx[_C_LAM] = lam
    ctx[_C_SUB] = sub
    ctx[_C_XMIN] = lim[0]
    ctx[_C_XMAX] = lim[1]
    ctx[_C_YMIN] = lim[2]
    ctx[_C_YMAX] = lim[3]
    ctx[_C_PAD] = pad
    return ctx


@njit(cache=True, nogil=True)
def _limits_arr(x, y, w, h, fp, pad):
    lim = np.empty(4, np.int64)
    lim[0], lim[1], lim[2], lim[3] = mv_limits(x, y, w, h, fp, pad)
    return lim


@njit(cache=True, nogil=True)
def tz_search(org, ox, oy, x, y, w, h, fp, pad, mvp_x, mvp_y, cands, n_cands, mv2n_x, mv2n_y,
              has_2n, search_range, lam, first_search_stop, sub_sad):
    """Integer TZ search (see the module docstring).  Returns (mv_x, mv_y, sad), MV in quarter
    samples (multiples of 4), sad without the MV cost."""
    lim = _limits_arr(x, y, w, h, fp, pad)
    ctx = _make_ctx(ox, oy, x, y, w, h, mvp_x, mvp_y, lam, sub_sad, lim, pad)
    ref0 = fp[0]
    st = np.zeros(8, np.int64)
    st[_S_BEST_SAD] = SAD_NO_BOUND
    win = _search_window(mvp_x, mvp_y, search_range, lim)

    # start point: the predictor, clipped and rounded to integer
    px = _round_int_mv(min(max(mvp_x, lim[0] << 2), lim[1] << 2))
    py = _round_int_mv(min(max(mvp_y, lim[2] << 2), lim[3] << 2))
    _eval(st, ctx, org, ref0, px, py, 0, 0)
    # other predicted MVs (bTestOtherPredictedMV)
    for k in range(n_cands):
        cx = _round_int_mv(min(max(cands[k, 0], lim[0] << 2), lim[1] << 2))
        cy = _round_int_mv(min(max(cands[k, 1], lim[2] << 2), lim[3] << 2))
        if (cx != px or cy != py) and (cx != st[_S_BEST_X] or cy != st[_S_BEST_Y]):
            _eval(st, ctx, org, ref0, cx, cy, 0, 0)
    # zero MV (bTestZeroVector)
    if (px != 0 or py != 0) and (st[_S_BEST_X] != 0 or st[_S_BEST_Y] != 0):
        _eval(st, ctx, org, ref0, 0, 0, 0, 0)
    raster = win
    if has_2n:
        cx = _round_int_mv(min(max(mv2n_x, lim[0] << 2), lim[1] << 2))
        cy = _round_int_mv(min(max(mv2n_y, lim[2] << 2), lim[3] << 2))
        if (cx != px or cy != py) and (cx != st[_S_BEST_X] or cy != st[_S_BEST_Y]):
            _eval(st, ctx, org, ref0, cx, cy, 0, 0)
        raster = _search_window(st[_S_BEST_X] << 2, st[_S_BEST_Y] << 2, search_range, lim)
    # search points: inside the window (or the re-centred raster window), within the limits
    ctx[_C_XMIN] = min(win[0], raster[0])
    ctx[_C_XMAX] = max(win[1], raster[1])
    ctx[_C_YMIN] = min(win[2], raster[2])
    ctx[_C_YMAX] = max(win[3], raster[3])

    # first search: diamonds of doubling distance around the best start
    sx = st[_S_BEST_X]
    sy = st[_S_BEST_Y]
    dist = 1
    while dist <= search_range:
        _diamond(st, ctx, org, ref0, win, sx, sy, dist, False)
        if first_search_stop and st[_S_BEST_ROUND] >= TZ_FIRST_SEARCH_ROUNDS:
            break
        dist *= 2

    if st[_S_BEST_DIST] == 1:
        st[_S_BEST_DIST] = 0
        _two_point(st, ctx, org, ref0, win)

    # raster search when the best is far from the start
    if st[_S_BEST_DIST] > TZ_RASTER:
        st[_S_BEST_DIST] = TZ_RASTER
        yy = raster[2]
        while yy <= raster[3]:
            xx = raster[0]
            while xx <= raster[1]:
                _help(st, ctx, org, ref0, xx, yy, 0, TZ_RASTER)
                xx += TZ_RASTER
            yy += TZ_RASTER

    # star refinement
    while st[_S_BEST_DIST] > 0:
        sx = st[_S_BEST_X]
        sy = st[_S_BEST_Y]
        st[_S_BEST_DIST] = 0
        st[_S_POINT_NR] = 0
        dist = 1
        while dist < search_range + 1:
            _diamond(st, ctx, org, ref0, win, sx, sy, dist, False)
            dist *= 2
        if st[_S_BEST_DIST] == 1:
            st[_S_BEST_DIST] = 0
            if st[_S_POINT_NR] != 0:
                _two_point(st, ctx, org, ref0, win)

    bx = st[_S_BEST_X]
    by = st[_S_BEST_Y]
    sad = st[_S_BEST_SAD] - bits_cost(lam, mv_bits((bx << 2) - mvp_x, (by << 2) - mvp_y))
    return bx << 2, by << 2, sad


@njit(cache=True, nogil=True)
def full_search(org, ox, oy, x, y, w, h, fp, pad, mvp_x, mvp_y, ctr_x, ctr_y, search_range, lam,
                sub_sad):
    """xPatternSearch around the quarter-sample MV (ctr_x, ctr_y).  Returns (mv_x, mv_y, sad)."""
    lim = _limits_arr(x, y, w, h, fp, pad)
    win = _search_window(ctr_x, ctr_y, search_range, lim)
    ref0 = fp[0]
    best = SAD_NO_BOUND
    bx = win[0]
    by = win[2]
    for sy in range(win[2], win[3] + 1):
        for sx in range(win[0], win[1] + 1):
            s = sad_bounded(org, ox, oy, ref0, x + sx + pad, y + sy + pad, w, h, sub_sad, best)
            if s < best:
                s += bits_cost(lam, mv_bits((sx << 2) - mvp_x, (sy << 2) - mvp_y))
                if s < best:
                    best = s
                    bx = sx
                    by = sy
    sad = best - bits_cost(lam, mv_bits((bx << 2) - mvp_x, (by << 2) - mvp_y))
    return bx << 2, by << 2, sad


# ---------------------------------------------------------------------------------------------
# fractional refinement
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def refine_fractional(org, ox, oy, x, y, w, h, fp, pad, mv_x, mv_y, mvp_x, mvp_y, lam, use_had):
    """xPatternSearchFracDIF around the integer MV (mv_x, mv_y) (quarter samples, multiple of
    4, within mv_limits).  Returns (mv_x, mv_y, cost = distortion + MV cost)."""
    bx = mv_x
    by = mv_y
    best = COST_MAX
    d = np.empty((8, 8), np.int32)
    for k in range(9):                               # half-sample positions
        cx = mv_x + 2 * _REFINE_H[k, 0]
        cy = mv_y + 2 * _REFINE_H[k, 1]
        c = _block_dist(org, ox, oy, fp, pad, x, y, w, h, cx, cy, use_had, d)
        c += bits_cost(lam, mv_bits(cx - mvp_x, cy - mvp_y))
        if c < best:
            best = c
            bx = cx
            by = cy
    hx = bx
    hy = by
    for k in range(1, 9):       # quarter-sample positions; the centre (k = 0) is the half one's best
        cx = hx + _REFINE_Q[k, 0]
        cy = hy + _REFINE_Q[k, 1]
        c = _block_dist(org, ox, oy, fp, pad, x, y, w, h, cx, cy, use_had, d)
        c += bits_cost(lam, mv_bits(cx - mvp_x, cy - mvp_y))
        if c < best:
            best = c
            bx = cx
            by = cy
    return bx, by, best


@njit(cache=True, nogil=True)
def motion_search(org, ox, oy, x, y, w, h, fp, pad, mvp_x, mvp_y, cands, n_cands, mv2n_x, mv2n_y,
                  has_2n, search_range, lam, first_search_stop, sub_sad, use_had, extra_bits):
    """xMotionEstimation (uni-prediction).  Returns
    (mv_x, mv_y, cost, mv_bits, int_mv_x, int_mv_y) - see the module docstring."""
    ix, iy, _ = tz_search(org, ox, oy, x, y, w, h, fp, pad, mvp_x, mvp_y, cands, n_cands,
                          mv2n_x, mv2n_y, has_2n, search_range, lam, first_search_stop, sub_sad)
    mx, my, c = refine_fractional(org, ox, oy, x, y, w, h, fp, pad, ix, iy, mvp_x, mvp_y, lam,
                                  use_had)
    b = mv_bits(mx - mvp_x, my - mvp_y)
    dist = c - bits_cost(lam, b)
    return mx, my, dist + bits_cost(lam, extra_bits + b), b, ix, iy


# ---------------------------------------------------------------------------------------------
# bi-prediction
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _bi_target(org, x, y, w, h, pred_other, tgt):
    """TComYuv::removeHighFreq without clipping: tgt = 2 org - pred_other."""
    for j in range(h):
        for i in range(w):
            tgt[j, i] = 2 * np.int32(org[y + j, x + i]) - pred_other[j, i]


@njit(cache=True, nogil=True)
def bipred_refine(org, x, y, w, h, fp_all, pad, ref_slot, num_ref, amvp, amvp_num, mv_temp,
                  mvp_idx, mv_bi, ref_bi, mot_bits, blk_bits_bi, cost_uni, lam, bipred_range,
                  num_iter, fen, use_had, mvp_idx_bi):
    """predInterSearch's iterative bi-prediction search (see the module docstring).
    Returns (cost_bi, bits_bi)."""
    mvt = mv_temp.copy()
    mvpi = mvp_idx.copy()
    mbits = np.empty(2, np.int64)
    mbits[0] = mot_bits[0]
    mbits[1] = mot_bits[1]
    bits_bi = np.int64(blk_bits_bi) + mbits[0] + mbits[1]
    cost_bi = COST_MAX
    n_iter = 1 if fen else num_iter
    pred_other = np.empty((h, w), np.int32)
    tgt = np.empty((h, w), np.int32)
    for X in range(2):
        mvp_idx_bi[X] = mvpi[X, ref_bi[X]]
    # the other list's prediction is always that of the current (mv_bi, ref_bi)
    for it in range(n_iter):
        X = it % 2
        if fen:
            X = 1 if cost_uni[0] <= cost_uni[1] else 0
        Y = 1 - X
        pred_block(fp_all[ref_slot[Y, ref_bi[Y]]], pad, x, y, w, h, mv_bi[Y, 0], mv_bi[Y, 1],
                   pred_other)
        _bi_target(org, x, y, w, h, pred_other, tgt)
        changed = False
        for r in range(num_ref[X]):
            fp = fp_all[ref_slot[X, r]]
            bits = np.int64(blk_bits_bi) + mbits[Y] + ref_idx_bits(r, num_ref[X])
            bits += mvp_idx_bits(mvpi[X, r], 2)
            pi = mvpi[X, r]
            mvp_x = amvp[X, r, pi, 0]
            mvp_y = amvp[X, r, pi, 1]
            # xMotionEstimation(bBi): full search around the current MV, then fractional
            ix, iy, _ = full_search(tgt, 0, 0, x, y, w, h, fp, pad, mvp_x, mvp_y, mvt[X, r, 0],
                                    mvt[X, r, 1], bipred_range, lam, 1 if fen else 0)
            mx, my, c = refine_fractional(tgt, 0, 0, x, y, w, h, fp, pad, ix, iy, mvp_x, mvp_y,
                                          lam, use_had)
            mb = mv_bits(mx - mvp_x, my - mvp_y)
            dist = c - bits_cost(lam, mb)
            bits += mb
            cost = (dist >> 1) + bits_cost(lam, bits)
            mvt[X, r, 0] = mx
            mvt[X, r, 1] = my
            pi, bits, cost = check_best_mvp(mx, my, amvp[X, r], amvp_num[X, r], pi, bits, cost,
                                            lam)
            mvpi[X, r] = pi
            if cost < cost_bi:
                changed = True
                mv_bi[X, 0] = mx
                mv_bi[X, 1] = my
                ref_bi[X] = r
                mvp_idx_bi[X] = pi
                cost_bi = cost
                mbits[X] = bits - blk_bits_bi - mbits[Y]
                bits_bi = bits
        if not changed:
            if cost_bi <= cost_uni[0] and cost_bi <= cost_uni[1]:
                for Z in range(2):
                    pi, bits_bi, cost_bi = check_best_mvp(
                        mv_bi[Z, 0], mv_bi[Z, 1], amvp[Z, ref_bi[Z]], amvp_num[Z, ref_bi[Z]],
                        mvp_idx_bi[Z], bits_bi, cost_bi, lam)
                    mvp_idx_bi[Z] = pi
            break
    return cost_bi, bits_bi


# ---------------------------------------------------------------------------------------------
# one PU: uni searches of every list / refIdx, then bi
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def search_pu(org, x, y, w, h, fp_all, pad, ref_slot, num_ref, l1_to_l0, amvp, amvp_num, is_b,
              bi_allowed, blk3, lam, search_range, bipred_range, first_search_stop, fen, use_had,
              mv2n, use_2n, store_2n, res):
    """Motion estimation of one PU as predInterSearch (see the module docstring)."""
    mv_temp = np.zeros((2, MAX_REFS, 2), np.int32)
    mvp_idx = np.zeros((2, MAX_REFS), np.int32)
    cost_t0 = np.zeros(MAX_REFS, np.int64)
    bits_t0 = np.zeros(MAX_REFS, np.int64)
    cost_u = np.empty(2, np.int64)
    cost_u[0] = COST_MAX
    cost_u[1] = COST_MAX
    bits_u = np.zeros(2, np.int64)
    mv_u = np.zeros((2, 2), np.int32)
    ref_u = np.zeros(2, np.int32)
    cost_v1 = COST_MAX                  # best L1 among refs not also in L0 (mvValidList1)
    bits_v1 = np.int64(0)
    mv_v1 = np.zeros(2, np.int32)
    ref_v1 = 0
    no_cands = np.zeros((0, 2), np.int32)
    n_lists = 2 if is_b else 1
    sub = 1 if fen else 0
    for X in range(n_lists):
        for r in range(num_ref[X]):
            fp = fp_all[ref_slot[X, r]]
            bits = np.int64(blk3[X]) + ref_idx_bits(r, num_ref[X])
            pi = select_amvp(org, x, y, x, y, w, h, fp, pad, amvp[X, r], amvp_num[X, r], lam)
            bits += mvp_idx_bits(pi, 2)
            mvp_x = amvp[X, r, pi, 0]
            mvp_y = amvp[X, r, pi, 1]
            if X == 1 and l1_to_l0[r] >= 0:
                r0 = l1_to_l0[r]
                mx = np.int64(mv_temp[0, r0, 0])
                my = np.int64(mv_temp[0, r0, 1])
                bits += mv_bits(mx - mvp_x, my - mvp_y)
                cost = cost_t0[r0] - bits_cost(lam, bits_t0[r0]) + bits_cost(lam, bits)
            else:
                mx, my, cost, mb, ix, iy = motion_search(
                    org, x, y, x, y, w, h, fp, pad, mvp_x, mvp_y, no_cands, 0,
                    mv2n[X, r, 0], mv2n[X, r, 1], use_2n, search_range, lam, first_search_stop,
                    sub, use_had, bits)
                bits += mb
                if store_2n:
                    mv2n[X, r, 0] = ix
                    mv2n[X, r, 1] = iy
            pi, bits, cost = check_best_mvp(mx, my, amvp[X, r], amvp_num[X, r], pi, bits, cost,
                                            lam)
            mv_temp[X, r, 0] = mx
            mv_temp[X, r, 1] = my
            mvp_idx[X, r] = pi
            if X == 0:
                cost_t0[r] = cost
                bits_t0[r] = bits
            if cost < cost_u[X]:
                cost_u[X] = cost
                bits_u[X] = bits
                mv_u[X, 0] = mx
                mv_u[X, 1] = my
                ref_u[X] = r
            if X == 1 and cost < cost_v1 and l1_to_l0[r] < 0:
                cost_v1 = cost
                bits_v1 = bits
                mv_v1[0] = mx
                mv_v1[1] = my
                ref_v1 = r

    res[:, :] = 0
    res[:, 0] = COST_MAX
    # PRED_L0
    res[0, 0] = cost_u[0]
    res[0, 1] = bits_u[0]
    res[0, 2] = mv_u[0, 0]
    res[0, 3] = mv_u[0, 1]
    res[0, 6] = ref_u[0]
    res[0, 7] = -1
    res[0, 8] = mvp_idx[0, ref_u[0]]
    # PRED_L1 (HM's mvValidList1)
    res[1, 0] = cost_v1
    res[1, 1] = bits_v1
    res[1, 4] = mv_v1[0]
    res[1, 5] = mv_v1[1]
    res[1, 6] = -1
    res[1, 7] = ref_v1
    res[1, 9] = mvp_idx[1, ref_v1]
    if is_b and bi_allowed:
        mv_bi = mv_u.copy()
        ref_bi = ref_u.copy()
        mot = np.empty(2, np.int32)
        mot[0] = bits_u[0] - blk3[0]
        mot[1] = bits_u[1] - blk3[1]
        mvp_bi = np.zeros(2, np.int32)
        c, b = bipred_refine(org, x, y, w, h, fp_all, pad, ref_slot, num_ref, amvp, amvp_num,
                             mv_temp, mvp_idx, mv_bi, ref_bi, mot, blk3[2], cost_u, lam,
                             bipred_range, 4, fen, use_had, mvp_bi)
        res[2, 0] = c
        res[2, 1] = b
        res[2, 2] = mv_bi[0, 0]
        res[2, 3] = mv_bi[0, 1]
        res[2, 4] = mv_bi[1, 0]
        res[2, 5] = mv_bi[1, 1]
        res[2, 6] = ref_bi[0]
        res[2, 7] = ref_bi[1]
        res[2, 8] = mvp_bi[0]
        res[2, 9] = mvp_bi[1]
