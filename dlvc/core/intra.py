"""Intra prediction (H.265 clause 8.4), 8-bit 4:2:0, HEVC Main.

Normative: the encoder and the decoder call the same functions.

Scope: one slice, one tile, constrained_intra_pred_flag = 0, ChromaArrayType 1,
BitDepth 8, disableIntraBoundaryFilter = 0 (no range extensions).

Conventions (see docs/internals.md):

* ``rec`` is the reconstructed ``np.int16`` plane ``[y, x]`` of component ``c_idx``
  (0 = Y, 1 = Cb, 2 = Cr) whose coded size is ``pic_w`` x ``pic_h`` *in that
  component's samples* (for chroma: half the luma coded size).
* ``(x0, y0)`` is the top-left sample of the transform block in that component.
* ``pred`` is an ``np.int32`` array ``[y, x]`` of at least ``N x N`` samples,
  ``N = 1 << log2_size``; only ``pred[:N, :N]`` is written.
* Intra modes: 0 = INTRA_PLANAR, 1 = INTRA_DC, 2..34 = INTRA_ANGULAR2..34.
"""
import numpy as np
from ..jit import njit

from dlvc.core.constants import BIT_DEPTH

INTRA_PLANAR = 0
INTRA_DC = 1
INTRA_ANGULAR10 = 10  # pure horizontal
INTRA_ANGULAR26 = 26  # pure vertical
NUM_INTRA_MODES = 35

_MAX_VAL = (1 << BIT_DEPTH) - 1


def _make_zscan():
    """z-scan order of the 16x16 4x4-units of a 64x64 CTB, ``ZSCAN[y4, x4]``.

    6.5.2 (MinTbAddrZs, inside one CTB): bit i of x contributes (1 << 2i),
    bit i of y contributes (2 << 2i).  For a CTB of 2^k 4x4 units per side the
    low k bits of (x4, y4) give the same order, so one table serves CTB 16..64.
    """
    z = np.zeros((16, 16), np.int32)
    for y in range(16):
        for x in range(16):
            p = 0
            for i in range(4):
                m = 1 << i
                if x & m:
                    p += m * m
                if y & m:
                    p += 2 * m * m
            z[y, x] = p
    return z


ZSCAN = _make_zscan()

# Table 8-5: intraPredAngle for predModeIntra 0..34 (0, 1 unused).
INTRA_PRED_ANGLE = np.array(
    [0, 0, 32, 26, 21, 17, 13, 9, 5, 2, 0, -2, -5, -9, -13, -17, -21, -26,
     -32, -26, -21, -17, -13, -9, -5, -2, 0, 2, 5, 9, 13, 17, 21, 26, 32],
    np.int32)

# Table 8-6: invAngle for predModeIntra 11..25 (0 elsewhere).
INV_ANGLE = np.zeros(35, np.int32)
INV_ANGLE[11:26] = [-4096, -1638, -910, -630, -482, -390, -315, -256,
                    -315, -390, -482, -630, -910, -1638, -4096]

# Table 8-4: intraHorVerDistThres[nTbS] indexed by log2(nTbS) (8 -> 7, 16 -> 1, 32 -> 0).
INTRA_HOR_VER_DIST_THRES = np.array([0, 0, 0, 7, 1, 0], np.int32)


@njit(cache=True, nogil=True, inline="always")
def min_tb_addr_zs(x_l, y_l, pic_w_in_ctbs, log2_ctb_size):
    """MinTbAddrZs (6.5.2) of the 4x4 luma unit holding luma sample (x_l, y_l);
    CTBs in raster order (one tile, so CtbAddrRsToTs is the identity)."""
    ctb_addr = (y_l >> log2_ctb_size) * pic_w_in_ctbs + (x_l >> log2_ctb_size)
    mask = (1 << (log2_ctb_size - 2)) - 1
    return (ctb_addr << (2 * (log2_ctb_size - 2))) + ZSCAN[(y_l >> 2) & mask, (x_l >> 2) & mask]


@njit(cache=True, nogil=True, _nrt=False)
def reference_samples(rec, x0, y0, log2_size, c_idx, pic_w, pic_h, log2_ctb_size, ref):
    """8.4.4.2.1/8.4.4.2.2: gather the neighbouring samples p[][] with 6.4.1 z-scan
    availability and substitute the unavailable ones.

    ``ref`` (np.int32, length >= 4N+1) receives the samples in the order of the
    substitution search of 8.4.4.2.2: ``ref[0] = p[-1][2N-1]`` ... ``ref[2N-1] =
    p[-1][0]``, ``ref[2N] = p[-1][-1]``, ``ref[2N+1+x] = p[x][-1]`` (x = 0..2N-1).
    Returns the number of available samples.  The available samples form runs: the left
    column from p[-1][0] down, the corner, the top row from p[0][-1] right (z-order is
    monotonic down a column and along a row of equally-sized units), which the
    substitution reads instead of a per-sample flag.
    """
    n = 1 << log2_size
    n2 = 2 * n
    sub = 1 if c_idx > 0 else 0          # component -> luma coordinate shift (4:2:0)
    unit = 4 >> sub                      # component samples per 4x4 luma unit
    pic_w_l = pic_w << sub
    pic_w_in_ctbs = (pic_w_l + (1 << log2_ctb_size) - 1) >> log2_ctb_size
    cur = min_tb_addr_zs(x0 << sub, y0 << sub, pic_w_in_ctbs, log2_ctb_size)
    n_left = 0                           # available: ref[n2 - n_left .. n2 - 1]
    corner = 0                           # ref[n2]
    n_top = 0                            # ref[n2 + 1 .. n2 + n_top]
    # left column p[-1][y], y = 0..2N-1 (ref index 2N-1-y), per 4x4 luma unit
    xl = x0 - 1
    if xl >= 0:
        for yy in range(0, n2, unit):
            y = y0 + yy
            if y >= pic_h:
                break
            if min_tb_addr_zs(xl << sub, y << sub, pic_w_in_ctbs, log2_ctb_size) <= cur:
                for k in range(unit):
                    ref[n2 - 1 - (yy + k)] = rec[y + k, xl]
                n_left += unit
            else:
                break  # z-order is monotonic down a column of equally-sized units
    # corner p[-1][-1]
    yt = y0 - 1
    if xl >= 0 and yt >= 0:
        if min_tb_addr_zs(xl << sub, yt << sub, pic_w_in_ctbs, log2_ctb_size) <= cur:
            ref[n2] = rec[yt, xl]
            corner = 1
    # top row p[x][-1], x = 0..2N-1 (ref index 2N+1+x)
    if yt >= 0:
        for xx in range(0, n2, unit):
            x = x0 + xx
            if x >= pic_w:
                break
            if min_tb_addr_zs(x << sub, yt << sub, pic_w_in_ctbs, log2_ctb_size) <= cur:
                for k in range(unit):
                    ref[n2 + 1 + xx + k] = rec[yt, x + k]
                n_top += unit
            else:
                break  # z-order is monotonic along a row of equally-sized units
    # 8.4.4.2.2 substitution
    total = 2 * n2 + 1
    n_avail = n_left + corner + n_top
    if n_avail == 0:
        for i in range(total):
            ref[i] = 1 << (BIT_DEPTH - 1)
    elif n_avail < total:
        first = n2 - n_left if n_left else (n2 if corner else n2 + 1)   # first available
        if first > 0:
            ref[0] = ref[first]
        for i in range(1, total):
            if i < n2 - n_left or (i == n2 and not corner) or i > n2 + n_top:
                ref[i] = ref[i - 1]
    return n_avail


@njit(cache=True, nogil=True, _nrt=False)
def filter_reference_samples(ref, log2_size, c_idx, mode,
                             strong_intra_smoothing_enabled_flag, out):
    """8.4.4.2.3: filter ``ref`` (layout of :func:`reference_samples`) into ``out``.

    Returns True when filtering was applied (filterFlag), else copies ``ref``.
    Only luma is filtered (ChromaArrayType != 3).
    """
    n = 1 << log2_size
    n2 = 2 * n
    total = 2 * n2 + 1
    filter_flag = False
    if c_idx == 0 and mode != INTRA_DC and n != 4:
        d_ver = abs(mode - 26)
        d_hor = abs(mode - 10)
        min_dist_ver_hor = d_ver if d_ver < d_hor else d_hor
        filter_flag = min_dist_ver_hor > INTRA_HOR_VER_DIST_THRES[log2_size]
    if not filter_flag:
        for i in range(total):
            out[i] = ref[i]
        return False
    corner = ref[n2]
    left_end = ref[0]            # p[-1][2N-1]
    top_end = ref[2 * n2]        # p[2N-1][-1]
    thr = 1 << (BIT_DEPTH - 5)
    bi_int_flag = (strong_intra_smoothing_enabled_flag != 0 and n == 32
                   and abs(corner + top_end - 2 * ref[n2 + n]) < thr      # p[nTbS-1][-1]
                   and abs(corner + left_end - 2 * ref[n]) < thr)        # p[-1][nTbS-1]
    if bi_int_flag:
        # strong intra smoothing (nTbS = 32): bilinear between corner and ends
        out[n2] = corner
        for y in range(63):        # pF[-1][y], ref index 63-y
            out[63 - y] = ((63 - y) * corner + (y + 1) * left_end + 32) >> 6
        out[0] = left_end
        for x in range(63):        # pF[x][-1], ref index 65+x
            out[65 + x] = ((63 - x) * corner + (x + 1) * top_end + 32) >> 6
        out[128] = top_end
    else:
        # [1 2 1] along the search-order line; both ends kept (the corner's
        # neighbours in this order are p[-1][0] and p[0][-1], as in (8-41)).
        out[0] = ref[0]
        out[total - 1] = ref[total - 1]
        for i in range(1, total - 1):
            out[i] = (ref[i - 1] + 2 * ref[i] + ref[i + 1] + 2) >> 2
    return True


@njit(cache=True, nogil=True, _nrt=False)
def predict_from_refs(p, log2_size, c_idx, mode, pred, rm):
    """8.4.4.2.4-6: planar / DC / angular prediction from the (filtered)
    neighbouring samples ``p`` in the layout of :func:`reference_samples`
    (``p[-1][y] = p[2N-1-y]``, ``p[x][-1] = p[2N+1+x]``, both for -1..2N-1).
    ``rm`` (int32 [3N + 1]): scratch for the angular modes' reference array."""
    n = 1 << log2_size
    n2 = 2 * n
    if mode == INTRA_PLANAR:
        # 8.4.4.2.5
        top_right = p[n2 + 1 + n]     # p[nTbS][-1]
        bottom_left = p[n2 - 1 - n]   # p[-1][nTbS]
        sh = log2_size + 1
        for y in range(n):
            left = p[n2 - 1 - y]
            for x in range(n):
                pred[y, x] = ((n - 1 - x) * left + (x + 1) * top_right
                              + (n - 1 - y) * p[n2 + 1 + x] + (y + 1) * bottom_left + n) >> sh
        return
    if mode == INTRA_DC:
        # 8.4.4.2.6 (DC)
        s = n
        for i in range(n):
            s += p[n2 + 1 + i] + p[n2 - 1 - i]
        dc = s >> (log2_size + 1)
        for y in range(n):
            for x in range(n):
                pred[y, x] = dc
        if c_idx == 0 and n < 32:
            pred[0, 0] = (p[n2 - 1] + 2 * dc + p[n2 + 1] + 2) >> 2
            for x in range(1, n):
                pred[0, x] = (p[n2 + 1 + x] + 3 * dc + 2) >> 2
            for y in range(1, n):
                pred[y, 0] = (p[n2 - 1 - y] + 3 * dc + 2) >> 2
        return
    # 8.4.4.2.6 angular: ref[k], k = -N..2N stored at rm[N + k]
    angle = INTRA_PRED_ANGLE[mode]
    inv_angle = INV_ANGLE[mode]
    vertical = mode >= 18
    if vertical:
        for k in range(n + 1):
            rm[n + k] = p[n2 + k]               # p[-1+k][-1]
    else:
        for k in range(n + 1):
            rm[n + k] = p[n2 - k]               # p[-1][-1+k]
    if angle < 0:
        lo = (n * angle) >> 5
        if lo < -1:
            for k in range(lo, 0):
                j = (k * inv_angle + 128) >> 8
                if vertical:
                    rm[n + k] = p[n2 - j]       # p[-1][-1+j]
                else:
                    rm[n + k] = p[n2 + j]       # p[-1+j][-1]
    else:
        for k in range(n + 1, n2 + 1):
            if vertical:
                rm[n + k] = p[n2 + k]
            else:
                rm[n + k] = p[n2 - k]
    for j in range(n):            # j = y for vertical modes, x for horizontal ones
        pos = (j + 1) * angle
        i_idx = pos >> 5
        i_fact = pos & 31
        base = n + i_idx + 1
        if i_fact != 0:
            w0 = 32 - i_fact
            for i in range(n):
                v = (w0 * rm[base + i] + i_fact * rm[base + i + 1] + 16) >> 5
                if vertical:
                    pred[j, i] = v
                else:
                    pred[i, j] = v
        else:
            for i in range(n):
                if vertical:
                    pred[j, i] = rm[base + i]
                else:
                    pred[i, j] = rm[base + i]
    if c_idx == 0 and n < 32:
        corner = p[n2]
        if mode == INTRA_ANGULAR26:
            top0 = p[n2 + 1]
            for y in range(n):
                v = top0 + ((p[n2 - 1 - y] - corner) >> 1)
                pred[y, 0] = 0 if v < 0 else (_MAX_VAL if v > _MAX_VAL else v)
        elif mode == INTRA_ANGULAR10:
            left0 = p[n2 - 1]
            for x in range(n):
                v = left0 + ((p[n2 + 1 + x] - corner) >> 1)
                pred[0, x] = 0 if v < 0 else (_MAX_VAL if v > _MAX_VAL else v)


@njit(cache=True, nogil=True, _nrt=False)
def predict_intra_in(samples, rec, x0, y0, log2_size, c_idx, mode, pic_w, pic_h, log2_ctb_size,
                     strong_intra_smoothing_enabled_flag, pred):
    """General intra sample prediction, 8.4.4.2.1 (whole normative process).

    rec: np.int16 plane [y, x] of component ``c_idx`` (size pic_w x pic_h of that
    component); (x0, y0): TB top-left in that component; log2_size 2..5;
    mode: predModeIntra 0..34 (for chroma: the derived mode of 8.4.3);
    log2_ctb_size: CtbLog2SizeY (4..6); pred: np.int32 [>=N, >=N] output;
    samples: the process's int32 buffers (:func:`new_intra_samples`).
    """
    reference_samples(rec, x0, y0, log2_size, c_idx, pic_w, pic_h, log2_ctb_size, samples)
    predict_with_refs(samples, log2_size, c_idx, mode, strong_intra_smoothing_enabled_flag, pred)


@njit(cache=True, nogil=True)
def predict_intra(rec, x0, y0, log2_size, c_idx, mode, pic_w, pic_h, log2_ctb_size,
                  strong_intra_smoothing_enabled_flag, pred):
    """:func:`predict_intra_in` with buffers of its own."""
    predict_intra_in(new_intra_samples(log2_size), rec, x0, y0, log2_size, c_idx, mode, pic_w, pic_h,
                     log2_ctb_size, strong_intra_smoothing_enabled_flag, pred)


INTRA_SAMPLES_32 = 11 * 32 + 3     # new_intra_samples' length for a 32x32 TB (enough for any TB)


@njit(cache=True, nogil=True)
def new_intra_samples(log2_size):
    """The int32 buffers of one TB's prediction, in one array of 11N + 3: the reference
    samples (4N + 1, :func:`reference_samples` writes them first), then the filtered samples
    (4N + 1) and the angular modes' reference array (3N + 1) of :func:`predict_with_refs`."""
    return np.empty(11 * (1 << log2_size) + 3, np.int32)


@njit(cache=True, nogil=True, _nrt=False)
def predict_with_refs(samples, log2_size, c_idx, mode, strong_intra_smoothing_enabled_flag, pred):
    """8.4.4.2.3 then the mode's prediction from the reference samples at the start of
    ``samples`` (8.4.4.2.2's output, not modified; layout of :func:`new_intra_samples`).  An
    encoder trying every mode of one TB derives the reference samples once."""
    n = 1 << log2_size
    ref = samples[:4 * n + 1]
    filt = samples[4 * n + 1:8 * n + 2]
    rm = samples[8 * n + 2:11 * n + 3]
    if filter_reference_samples(ref, log2_size, c_idx, mode,
                                strong_intra_smoothing_enabled_flag, filt):
        predict_from_refs(filt, log2_size, c_idx, mode, pred, rm)
    else:
        predict_from_refs(ref, log2_size, c_idx, mode, pred, rm)


# ---------------------------------------------------------------------------
# 8.4.2 luma intra mode derivation (most probable modes)
# ---------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def mpm_candidates(cand_a, cand_b, out3):
    """8.4.2 step 4: candModeList[0..2] from candIntraPredModeA (left) and B (above).

    The caller has already mapped unavailable / non-intra / pcm / above-in-another-
    CTB-row neighbours to INTRA_DC (steps 1-3)."""
    if cand_a == cand_b:
        if cand_a < 2:
            out3[0] = INTRA_PLANAR
            out3[1] = INTRA_DC
            out3[2] = INTRA_ANGULAR26
        else:
            out3[0] = cand_a
            out3[1] = 2 + ((cand_a + 29) % 32)
            out3[2] = 2 + ((cand_a - 2 + 1) % 32)
    else:
        out3[0] = cand_a
        out3[1] = cand_b
        if cand_a != INTRA_PLANAR and cand_b != INTRA_PLANAR:
            out3[2] = INTRA_PLANAR
        elif cand_a != INTRA_DC and cand_b != INTRA_DC:
            out3[2] = INTRA_DC
        else:
            out3[2] = INTRA_ANGULAR26


@njit(cache=True, nogil=True)
def luma_mode_from_mpm(prev_intra_luma_pred_flag, mpm_idx, rem_intra_luma_pred_mode, cand):
    """8.4.2 steps 5-6: IntraPredModeY from the syntax elements and candModeList."""
    if prev_intra_luma_pred_flag:
        return cand[mpm_idx]
    c0 = cand[0]
    c1 = cand[1]
    c2 = cand[2]
    # sort ascending (8.4.2 step 6a)
    if c0 > c1:
        c0, c1 = c1, c0
    if c0 > c2:
        c0, c2 = c2, c0
    if c1 > c2:
        c1, c2 = c2, c1
    mode = rem_intra_luma_pred_mode
    if mode >= c0:
        mode += 1
    if mode >= c1:
        mode += 1
    if mode >= c2:
        mode += 1
    return mode


@njit(cache=True, nogil=True)
def mpm_code(mode, cand):
    """Encoder inverse of :func:`luma_mode_from_mpm`: returns
    (prev_intra_luma_pred_flag, mpm_idx) when ``mode`` is in ``cand``, else
    (0, rem_intra_luma_pred_mode)."""
    for i in range(3):
        if cand[i] == mode:
            return 1, i
    rem = mode
    for i in range(3):
        if cand[i] < mode:
            rem -= 1
    return 0, rem


@njit(cache=True, nogil=True)
def chroma_pred_mode(intra_chroma_pred_mode, luma_mode):
    """8.4.3 (Table 8-2, ChromaArrayType 1): IntraPredModeC."""
    if intra_chroma_pred_mode == 4:
        return luma_mode
    if intra_chroma_pred_mode == 0:
        m = INTRA_PLANAR
    elif intra_chroma_pred_mode == 1:
        m = INTRA_ANGULAR26
    elif intra_chroma_pred_mode == 2:
        m = INTRA_ANGULAR10
    else:
        m = INTRA_DC
    return 34 if m == luma_mode else m
