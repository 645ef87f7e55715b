"""SAO decisions as HM makes them (TEncSampleAdaptiveOffset), not normative.

Per CTB and component, statistics of the deblocked picture against the original for each
SAO type (edge classes 0..3, band offset): per category the sum of (org - rec) and the
sample count.  Offsets are estimated from them with a rate-distortion search, then each CTB
chooses by RD cost among "new" parameters (luma: off or the best of the five types; Cb/Cr
together: off or the best shared type) and merge-left / merge-up, in raster order with CABAC
rates from the sao() writer in estimate mode (contexts carried from CTB to CTB as HM does).
Lambdas: the picture's lambda for luma, lambda / chroma weight for Cb and Cr (HM's
setUpLambda).

As HM (SAOLcuBoundary off) the statistics leave out the last 5 luma (3 chroma) columns and
4 luma (2 chroma) rows of a CTB that has a right / lower neighbour, which deblocking of
later CTBs would still change in a CTB-pipelined encoder; with SAOLcuBoundary on, those
samples are counted from the picture before deblocking instead.

Usage, per picture (see ``decide_sao_picture``):
    lf[:, LF_SAO_LUMA/CHROMA] = slice flags to try (SAO on: 1, 1)
    sao = decide_sao_picture(org, deblocked, pre_deblocking_or_None, prm, lf, lambdas, slice_qp, ...)
lf's SAO flags are cleared when the picture-level test disables SAO.
"""
import numpy as np
from ..jit import njit

from ..core.cabac import encode_decision, est_bits, init_contexts, new_writer, set_est_bits
from ..core.cabac import SAO_MERGE_FLAG
from ..core.deblocking import LF_SAO_CHROMA, LF_SAO_LUMA, LF_SLICE_ADDR
from ..core.params import P_CTB_LOG2, P_PIC_H, P_PIC_W
from ..core.sao import (
    MERGE_LEFT, MERGE_UP, SAO_AUX, SAO_BAND, SAO_EDGE, SAO_MERGE, SAO_NFIELDS, SAO_OFFSET, SAO_OFFSET_CMAX,
    SAO_TYPE, BAND_SHIFT, new_sao_params, sao_merge_candidates, write_sao_offsets, write_sao_params,
)

NUM_TYPES = 5            # HM's SAO_TYPE_EO_0, _EO_90, _EO_135, _EO_45, SAO_TYPE_BO
TYPE_BO = 4
EO_CLASS_OF_OFFSET = (0, 1, 3, 4)    # HM edge category of SaoOffsetVal[1..4]
# neighbour offsets (dx, dy) of the two samples compared, per edge class (Table 8-13)
_EO_D = np.array([[-1, 0, 1, 0], [0, -1, 0, 1], [-1, -1, 1, 1], [1, -1, -1, 1]], np.int64)

# HM's skipped columns / rows per type: [component kind (0 luma, 1 chroma), type]
SKIP_R = np.array([[5, 5, 5, 5, 5], [3, 3, 3, 3, 3]], np.int64)
SKIP_B = np.array([[4, 4, 4, 4, 4], [2, 2, 2, 2, 2]], np.int64)
# with SAOLcuBoundary (isPreDBFSamplesUsed)
SKIP_R_PRE = np.array([[5, 4, 5, 5, 4], [3, 2, 3, 3, 2]], np.int64)
SKIP_B_PRE = np.array([[3, 4, 4, 4, 3], [1, 2, 2, 2, 1]], np.int64)


# ------------------------------------------------------------------------------ statistics

@njit(cache=True, nogil=True)
def sao_statistics(org, src, log2c, skip_r, skip_b, pre_region, diff, count):
    """Accumulate into diff/count (np.int64 [ctbs_h, ctbs_w, 5, 32]) the statistics of one
    component: org the original, src the deblocked plane (or, with pre_region, the plane
    before deblocking, counted only over the skipped columns / rows).  Edge types are
    indexed by HM's category 0..4 (2 + the two signs), band offset by band 0..31.  Samples
    whose edge neighbours lie outside the picture are not counted."""
    hgt = src.shape[0]
    wdt = src.shape[1]
    size = 1 << log2c
    ctbs_h = diff.shape[0]
    ctbs_w = diff.shape[1]
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            x0 = rx << log2c
            y0 = ry << log2c
            w = min(size, wdt - x0)
            h = min(size, hgt - y0)
            right = x0 + size < wdt
            below = y0 + size < hgt
            for t in range(NUM_TYPES):
                end_x = w - skip_r[t] if right else w
                end_y = h - skip_b[t] if below else h
                for y in range(h):
                    for x in range(w):
                        inside = x < end_x and y < end_y
                        if inside == pre_region:
                            continue
                        xs = x0 + x
                        ys = y0 + y
                        v = np.int64(src[ys, xs])
                        if t == TYPE_BO:
                            k = v >> BAND_SHIFT
                        else:
                            xa = xs + _EO_D[t, 0]
                            ya = ys + _EO_D[t, 1]
                            xb = xs + _EO_D[t, 2]
                            yb = ys + _EO_D[t, 3]
                            if xa < 0 or xb < 0 or ya < 0 or yb < 0 or xa >= wdt or xb >= wdt \
                                    or ya >= hgt or yb >= hgt:
                                continue
                            a = np.int64(src[ya, xa])
                            b = np.int64(src[yb, xb])
                            k = 2 + (1 if v > a else (-1 if v < a else 0)) + (1 if v > b else (-1 if v < b else 0))
                        diff[ry, rx, t, k] += np.int64(org[ys, xs]) - v
                        count[ry, rx, t, k] += 1


# ------------------------------------------------------------------------------ offsets

@njit(cache=True, nogil=True)
def _est_dist(cnt, off, dsum):
    """HM estSaoDist: change of the SSE when adding `off` to cnt samples (8-bit: no shift)."""
    return cnt * off * off - dsum * off * 2


@njit(cache=True, nogil=True)
def _est_iter_offset(is_bo, lam, offset, cnt, dsum, best_cost_in):
    """HM estIterOffset: the offset between the estimate and 0 with the lowest
    dist + lambda * rate (rate in bits of the TR code); returns (offset, cost)."""
    it = offset
    min_cost = lam
    out = 0
    best_cost = best_cost_in
    while it != 0:
        rate = abs(it) + 2 if is_bo else abs(it) + 1
        if abs(it) == SAO_OFFSET_CMAX:
            rate -= 1
        cost = float(_est_dist(cnt, it, dsum)) + lam * rate
        if cost < min_cost:
            min_cost = cost
            out = it
            best_cost = cost
        it = it - 1 if it > 0 else it + 1
    return out, best_cost


@njit(cache=True, nogil=True)
def derive_offsets(t, dsum, cnt, lam, offs):
    """HM deriveOffsets for type t (0..3 edge class, 4 band) from dsum/cnt ([32]); fills
    offs ([32], by category / band) and returns the band position (0 for edge types)."""
    offs[:] = 0
    ncls = 32 if t == TYPE_BO else 5
    for k in range(ncls):
        if (t != TYPE_BO and k == 2) or cnt[k] == 0:
            continue
        x = float(dsum[k]) / float(cnt[k])
        q = int(x + 0.5) if x >= 0 else int(x - 0.5)
        offs[k] = max(-SAO_OFFSET_CMAX, min(SAO_OFFSET_CMAX, q))
    if t != TYPE_BO:
        for k in range(5):
            if (k <= 1 and offs[k] < 0) or (k >= 3 and offs[k] > 0):
                offs[k] = 0
            if offs[k] != 0:
                o, _c = _est_iter_offset(False, lam, offs[k], cnt[k], dsum[k], 0.0)
                offs[k] = o
        return 0
    costs = np.empty(32, np.float64)
    for k in range(32):
        costs[k] = lam
        if offs[k] != 0:
            o, cst = _est_iter_offset(True, lam, offs[k], cnt[k], dsum[k], lam)
            offs[k] = o
            costs[k] = cst
    best = 1e300
    pos = 0
    for band in range(32 - 4 + 1):
        c = costs[band] + costs[band + 1] + costs[band + 2] + costs[band + 3]
        if c < best:
            best = c
            pos = band
    for k in range(32):
        if k < pos or k >= pos + 4:
            offs[k] = 0
    return pos


@njit(cache=True, nogil=True)
def params_from_offsets(t, pos, offs, p, c):
    """Store type t's offsets (by category / band) as SAO parameters of component c."""
    if t == TYPE_BO:
        p[c, SAO_TYPE] = SAO_BAND
        p[c, SAO_AUX] = pos
        for i in range(4):
            p[c, SAO_OFFSET + i] = offs[(pos + i) & 31]
    else:
        p[c, SAO_TYPE] = SAO_EDGE
        p[c, SAO_AUX] = t
        for i in range(4):
            p[c, SAO_OFFSET + i] = offs[EO_CLASS_OF_OFFSET[i]]


@njit(cache=True, nogil=True)
def params_dist(p, c, dsum, cnt):
    """Estimated SSE change of applying component c of p to a CTB with statistics
    dsum/cnt ([5, 32]) (HM getDistortion)."""
    t = p[c, SAO_TYPE]
    d = 0
    if t == SAO_BAND:
        for i in range(4):
            k = (p[c, SAO_AUX] + i) & 31
            d += _est_dist(cnt[TYPE_BO, k], np.int64(p[c, SAO_OFFSET + i]), dsum[TYPE_BO, k])
    elif t == SAO_EDGE:
        e = p[c, SAO_AUX]
        for i in range(4):
            k = EO_CLASS_OF_OFFSET[i]
            d += _est_dist(cnt[e, k], np.int64(p[c, SAO_OFFSET + i]), dsum[e, k])
    return d


# ------------------------------------------------------------------------------ RDO

# coder states kept during the search (HM's SAO_CABACSTATE_BLK_*)
_CUR, _NEXT, _MID, _TEMP = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _store(ctx, w, states, fracs, k):
    states[k, :] = ctx
    fracs[k] = est_bits(w)


@njit(cache=True, nogil=True)
def _load(ctx, w, states, fracs, k):
    ctx[:] = states[k, :]
    set_est_bits(w, fracs[k])


@njit(cache=True, nogil=True)
def _reset_bits(w):
    set_est_bits(w, est_bits(w) & 32767)     # HM resetBits keeps the fractional bits


@njit(cache=True, nogil=True)
def _bits(w):
    return est_bits(w) >> 15                 # HM getNumberOfWrittenBits (whole bits)


@njit(cache=True, nogil=True)
def sao_rdo(dsum, cnt, lambdas, ctx, w, buf, lf, slice_map, sao):
    """HM decideBlkParams: choose every CTB's SAO parameters into sao (raster order).

    dsum/cnt: np.int64 [ctbs_h, ctbs_w, 3, 5, 32]; lambdas: float64 [3]; ctx: the contexts
    at the start of the slice (updated); w/buf: an estimate-mode writer.  Returns the total
    normalised cost (sum over CTBs of distortion / lambda + bits)."""
    ctbs_h = slice_map.shape[0]
    ctbs_w = slice_map.shape[1]
    states = np.zeros((4, ctx.size), np.uint8)
    fracs = np.zeros(4, np.int64)
    offs = np.zeros(32, np.int64)
    test = np.zeros((3, SAO_NFIELDS), np.int32)
    newp = np.zeros((3, SAO_NFIELDS), np.int32)
    best = np.zeros((3, SAO_NFIELDS), np.int32)
    mdist = np.zeros(3, np.int64)
    cdist = np.zeros(3, np.int64)
    total = 0.0
    set_est_bits(w, 0)
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            s = slice_map[ry, rx]
            lum = lf[s, LF_SAO_LUMA]
            chrm = lf[s, LF_SAO_CHROMA]
            sao[ry, rx, :, :] = 0
            if not (lum or chrm):
                continue
            left, up = sao_merge_candidates(rx, ry, ctbs_w, lf[s, LF_SLICE_ADDR])
            _store(ctx, w, states, fracs, _CUR)
            # ---------------- new parameters (HM deriveModeNewRDO)
            newp[:, :] = 0
            mdist[:] = 0
            if left:
                encode_decision(w, buf, ctx, SAO_MERGE_FLAG, 0)
            if up:
                encode_decision(w, buf, ctx, SAO_MERGE_FLAG, 0)
            _store(ctx, w, states, fracs, _MID)
            # luma
            test[:, :] = 0
            _reset_bits(w)
            if lum:
                write_sao_offsets(w, buf, ctx, test, 0)
            min_cost = lambdas[0] * _bits(w)
            _store(ctx, w, states, fracs, _TEMP)
            if lum:
                for t in range(NUM_TYPES):
                    pos = derive_offsets(t, dsum[ry, rx, 0, t], cnt[ry, rx, 0, t], lambdas[0], offs)
                    params_from_offsets(t, pos, offs, test, 0)
                    dist = params_dist(test, 0, dsum[ry, rx, 0], cnt[ry, rx, 0])
                    _load(ctx, w, states, fracs, _MID)
                    _reset_bits(w)
                    write_sao_offsets(w, buf, ctx, test, 0)
                    cost = float(dist) + lambdas[0] * _bits(w)
                    if cost < min_cost:
                        min_cost = cost
                        mdist[0] = dist
                        newp[0, :] = test[0, :]
                        _store(ctx, w, states, fracs, _TEMP)
            _load(ctx, w, states, fracs, _TEMP)
            _store(ctx, w, states, fracs, _MID)
            # chroma: Cb and Cr share the type
            test[:, :] = 0
            _reset_bits(w)
            prev = 0
            cost = 0.0
            if chrm:
                for c in range(1, 3):
                    write_sao_offsets(w, buf, ctx, test, c)
                    cur = _bits(w)
                    cost += lambdas[c] * (cur - prev)
                    prev = cur
            min_cost = cost
            if chrm:
                for t in range(NUM_TYPES):
                    _load(ctx, w, states, fracs, _MID)
                    _reset_bits(w)
                    prev = 0
                    cost = 0.0
                    for c in range(1, 3):
                        pos = derive_offsets(t, dsum[ry, rx, c, t], cnt[ry, rx, c, t], lambdas[c], offs)
                        params_from_offsets(t, pos, offs, test, c)
                        cdist[c] = params_dist(test, c, dsum[ry, rx, c], cnt[ry, rx, c])
                        write_sao_offsets(w, buf, ctx, test, c)
                        cur = _bits(w)
                        cost += float(cdist[c]) + lambdas[c] * (cur - prev)
                        prev = cur
                    if cost < min_cost:
                        min_cost = cost
                        newp[1, :] = test[1, :]
                        newp[2, :] = test[2, :]
                        mdist[1] = cdist[1]
                        mdist[2] = cdist[2]
            new_cost = 0.0
            for c in range(3):
                new_cost += float(mdist[c]) / lambdas[c]
            _load(ctx, w, states, fracs, _CUR)
            _reset_bits(w)
            write_sao_params(w, buf, ctx, newp, left, up, lum, chrm)
            new_cost += _bits(w)
            best[:, :] = newp[:, :]
            best_cost = new_cost
            _store(ctx, w, states, fracs, _NEXT)
            # ---------------- merge candidates (HM deriveModeMergeRDO)
            merge_cost = 1e300
            for m in range(MERGE_LEFT, MERGE_UP + 1):
                if m == MERGE_LEFT and not left:
                    continue
                if m == MERGE_UP and not up:
                    continue
                if m == MERGE_LEFT:
                    test[:, :] = sao[ry, rx - 1, :, :]
                else:
                    test[:, :] = sao[ry - 1, rx, :, :]
                test[0, SAO_MERGE] = m
                nd = 0.0
                for c in range(3):
                    if test[c, SAO_TYPE] != 0:
                        nd += float(params_dist(test, c, dsum[ry, rx, c], cnt[ry, rx, c])) / lambdas[c]
                _load(ctx, w, states, fracs, _CUR)
                _reset_bits(w)
                write_sao_params(w, buf, ctx, test, left, up, lum, chrm)
                cost = nd + _bits(w)
                if cost < merge_cost:
                    merge_cost = cost
                    if cost < best_cost:
                        best[:, :] = test[:, :]
                        best_cost = cost
                        _store(ctx, w, states, fracs, _NEXT)
            total += best_cost
            _load(ctx, w, states, fracs, _NEXT)
            sao[ry, rx, :, :] = best[:, :]
    return total


# ------------------------------------------------------------------------------ picture

def sao_lambdas(lam, w_cb, w_cr):
    """HM's per-component lambdas: lambda, lambda / chroma weight (Cb, Cr)."""
    return np.array([lam, lam / w_cb, lam / w_cr], np.float64)


def collect_statistics(org, deblocked, log2, pre_deblocking=None):
    """dsum, cnt: np.int64 [ctbs_h, ctbs_w, 3, 5, 32] over the picture (tuples of planes)."""
    hgt, wdt = deblocked[0].shape
    size = 1 << log2
    ctbs_h, ctbs_w = (hgt + size - 1) >> log2, (wdt + size - 1) >> log2
    dsum = np.zeros((ctbs_h, ctbs_w, 3, NUM_TYPES, 32), np.int64)
    cnt = np.zeros_like(dsum)
    pre = pre_deblocking is not None
    for c in range(3):
        kind = 0 if c == 0 else 1
        lc = log2 if c == 0 else log2 - 1
        skip_r = (SKIP_R_PRE if pre else SKIP_R)[kind]
        skip_b = (SKIP_B_PRE if pre else SKIP_B)[kind]
        dc, cc = dsum[:, :, c], cnt[:, :, c]
        o = np.ascontiguousarray(org[c][:deblocked[c].shape[0], :deblocked[c].shape[1]])
        sao_statistics(o, deblocked[c], lc, skip_r, skip_b, False, dc, cc)
        if pre:
            sao_statistics(o, pre_deblocking[c], lc, skip_r, skip_b, True, dc, cc)
    return dsum, cnt


class SaoDecider:
    """HM's SAO encoder state across pictures (SaoEncodingRate: slice-level on/off from
    the share of CTBs that chose no SAO in the previous picture of the lower temporal
    layer) plus the per-picture decision."""

    def __init__(self, encoding_rate=0.75, encoding_rate_chroma=0.5, test_disable_at_picture_level=False):
        self.rate = encoding_rate
        self.rate_chroma = encoding_rate_chroma
        self.test_disable = test_disable_at_picture_level
        self.disabled_rate = np.zeros((3, 8))        # [component, temporal layer]

    def slice_enable(self, temporal_layer=0):
        """HM decidePicParams: (luma, chroma) slice SAO flags to try."""
        en = [True, True, True]
        if self.rate > 0.0 and temporal_layer > 0:
            for c in range(3):
                if self.rate_chroma > 0.0:
                    lim = self.rate if c == 0 else self.rate_chroma
                    if self.disabled_rate[c, temporal_layer - 1] > lim:
                        en[c] = False
                elif self.disabled_rate[0, 0] > self.rate:
                    en[c] = False
        return int(en[0]), int(en[1] and en[2])

    def decide(self, org, deblocked, pre_deblocking, prm, lf, lambdas, slice_qp, init_type=0,
               slice_map=None, temporal_layer=0):
        """The sao array for a picture; sets lf[:, LF_SAO_LUMA/CHROMA] to the slice flags.

        org: original planes (at least the coded size); deblocked: the deblocked planes;
        pre_deblocking: the planes before deblocking (SAOLcuBoundary) or None; lambdas:
        sao_lambdas(...); slice_qp / init_type: as the slice's CABAC initialisation."""
        log2 = int(prm[P_CTB_LOG2])
        size = 1 << log2
        ctbs_h = (int(prm[P_PIC_H]) + size - 1) >> log2
        ctbs_w = (int(prm[P_PIC_W]) + size - 1) >> log2
        if slice_map is None:
            slice_map = np.zeros((ctbs_h, ctbs_w), np.int32)
        luma, chroma = self.slice_enable(temporal_layer)
        lf[:, LF_SAO_LUMA] = luma
        lf[:, LF_SAO_CHROMA] = chroma
        sao = new_sao_params(ctbs_h, ctbs_w)
        if not (luma or chroma):
            return sao
        dsum, cnt = collect_statistics(org, deblocked, log2, pre_deblocking)
        ctx = init_contexts(init_type, slice_qp)
        w, buf = new_writer(16, estimate=True)
        total = sao_rdo(dsum, cnt, np.asarray(lambdas, np.float64), ctx, w, buf, lf, slice_map, sao)
        if self.test_disable and total >= 0:
            sao[:] = 0
            lf[:, LF_SAO_LUMA] = 0
            lf[:, LF_SAO_CHROMA] = 0
        if self.rate > 0.0:
            off = [(sao[:, :, c, SAO_TYPE] == 0).sum() for c in range(3)]
            n = ctbs_h * ctbs_w
            if not lf[0, LF_SAO_LUMA]:
                off[0] = n
            if not lf[0, LF_SAO_CHROMA]:
                off[1] = off[2] = n
            if self.rate_chroma > 0.0:
                for c in range(3):
                    self.disabled_rate[c, temporal_layer] = off[c] / n
            elif temporal_layer == 0:
                self.disabled_rate[0, 0] = sum(off) / (3 * n)
        return sao


def decide_sao_picture(org, deblocked, pre_deblocking, prm, lf, lambdas, slice_qp, init_type=0):
    """One-shot decision for a picture with HM's defaults (no cross-picture state)."""
    return SaoDecider().decide(org, deblocked, pre_deblocking, prm, lf, lambdas, slice_qp, init_type)
