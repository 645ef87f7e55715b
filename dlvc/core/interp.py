"""Inter sample prediction (H.265 8.5.3.3): fractional sample interpolation and
weighted sample prediction, 8-bit 4:2:0 (HEVC Main).

Normative: the encoder and the decoder call the same functions.

Conventions
-----------
* ``ref`` is one component plane (``np.int16`` or any integer dtype) ``[y, x]`` of a
  reference picture; its shape is the coded picture size of that component
  (pic_width_in_luma_samples x pic_height_in_luma_samples for luma, half for chroma).
  Reference samples outside the plane are taken from the nearest edge sample
  (xInt = Clip3(0, pic_width - 1, ...), equations 8-228/8-229 and 8-240/8-241), so no
  padded planes are needed.
* MVs are the luma motion vectors mvLX in quarter luma samples.  For 4:2:0 the chroma
  vector mvCLX (8.5.3.2.10) has the same value, in eighth chroma samples, so every
  function takes the luma vector for both components.
* ``predSamplesLX`` (the 14-bit intermediate) are ``np.int32`` arrays ``[y, x]``; the
  2-D luma filter can reach 33150, beyond int16, so int32 is required.
* Block coordinates ``(x0, y0)``, ``w``, ``h`` are in the component's own samples.

API summary (all ``@njit(cache=True, nogil=True)``)
-----------------------------------------------------
predict_block(ref, x0, y0, w, h, mv_x, mv_y, c_idx, out)
    8.5.3.3.3: predSamplesLX of one list into ``out[:h, :w]`` (int32).
interp_at(ref, x_int, y_int, x_frac, y_frac, w, h, c_idx, out)
    same, from an integer position and a fraction (0..3 luma, 0..7 chroma).
interpolate_plane(ref, x_frac, y_frac, c_idx, pad) -> int32[H + 2 pad, W + 2 pad]
    the whole plane at one fractional phase: ``out[y + pad, x + pad]`` is the 14-bit
    sample at (x + x_frac/4, y + y_frac/4) (luma) - for motion search.
interpolate_plane_pixels(ref, x_frac, y_frac, c_idx, pad) -> int16[...]
    same but already rounded to samples as uni-prediction would ((v + 32) >> 6, clipped).
plane_source(ref, c_idx, pad), interpolate_source(src, x_frac, y_frac, c_idx, out),
uni_pixels(v, out)
    the steps of the two above, for callers making several phases of one plane.
weighted_default(pred0, pred1, bi, w, h, out, x0, y0)
    8.5.3.3.4.2: out[y0 + y, x0 + x] = Clip((pred0 + 32) >> 6) or Clip((pred0 + pred1 + 64) >> 7).
weighted_explicit_uni(pred, wgt, ofs, log2_denom, w, h, out, x0, y0)
weighted_explicit_bi(pred0, pred1, w0, o0, w1, o1, log2_denom, w, h, out, x0, y0)
    8.5.3.3.4.3 with log2WD = log2_denom + 6 (log2_denom = luma_log2_weight_denom or
    ChromaLog2WeightDenom; ofs already scaled by << (BitDepth - 8), i.e. unchanged at 8 bit).
predict_pu(ref0, ref1, x0, y0, w, h, c_idx, mv0x, mv0y, mv1x, mv1y, ref_idx0, ref_idx1,
           explicit_wp, wp, wp_log2_denom, out, ox, oy)
    8.5.3.3.1 for one component of one PU: both lists + weighting, written into
    ``out[oy:oy + h, ox:ox + w]`` (a picture plane or an int32 prediction buffer).
    ``ref_idx0/1 = -1`` means predFlagLX = 0 (the matching ``ref`` plane is then ignored).
    ``wp`` is the weight table ``int32[2, 16, 3, 2]`` ([X, refIdx, cIdx, 0] = LumaWeightLX /
    ChromaWeightLX, [..., 1] = luma_offset_lX / ChromaOffsetLX), ``wp_log2_denom``
    ``int32[3]`` = (luma_log2_weight_denom, ChromaLog2WeightDenom, ChromaLog2WeightDenom);
    see :func:`make_weight_table`.  ``explicit_wp`` = weighted_pred_flag (P slices) or
    weighted_bipred_flag (B slices).
"""
import numpy as np
from ..jit import njit

from dlvc.core.constants import BIT_DEPTH

_MAX_VAL = (1 << BIT_DEPTH) - 1
SHIFT1 = BIT_DEPTH - 8        # 8.5.3.3.3.1: shift1 = Min(4, BitDepth - 8)
SHIFT2 = 6                    # shift2 = 6
SHIFT3 = 14 - BIT_DEPTH       # shift3 = Max(2, 14 - BitDepth)

# Table 8-11 (luma, fL[xFrac][i], i = 0..7 -> taps at xInt + i - 3); row 0 = integer.
LUMA_FILTER = np.array([[0, 0, 0, 64, 0, 0, 0, 0],
                        [-1, 4, -10, 58, 17, -5, 1, 0],
                        [-1, 4, -11, 40, 40, -11, 4, -1],
                        [0, 1, -5, 17, 58, -10, 4, -1]], np.int32)
# Table 8-12 (chroma, fC[xFrac][i], i = 0..3 -> taps at xInt + i - 1); row 0 = integer.
CHROMA_FILTER = np.array([[0, 64, 0, 0],
                          [-2, 58, 10, -2],
                          [-4, 54, 16, -2],
                          [-6, 46, 28, -4],
                          [-4, 36, 36, -4],
                          [-4, 28, 46, -6],
                          [-2, 16, 54, -4],
                          [-2, 10, 58, -2]], np.int32)


# ---------------------------------------------------------------------------------------------
# 8.5.3.3.3 fractional sample interpolation
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True, inline="always")
def _filter_kernel(src, sx, sy, cx, cy, nt, fx, fy, w, h, out):
    """Separable 8.5.3.3.3.1 / 8.5.3.3.3.2 on a source whose sample
    src[sy + nt/2 - 1 + y, sx + nt/2 - 1 + x] is the integer sample (xInt + x, yInt + y);
    all taps inside ``src``.  cx / cy: filter rows of xFrac / yFrac (nt taps)."""
    o = nt // 2 - 1
    if fx == 0 and fy == 0:                          # 8-230 / 8-242
        for y in range(h):
            s = src[sy + o + y, sx + o:sx + o + w]
            d = out[y]
            for x in range(w):
                d[x] = np.int32(s[x]) << SHIFT3
        return
    if fy == 0:                                      # horizontal only
        for y in range(h):
            s = src[sy + o + y, sx:sx + w + nt - 1]
            d = out[y]
            for x in range(w):
                acc = np.int32(0)
                for k in range(nt):
                    acc += cx[k] * np.int32(s[x + k])
                d[x] = acc >> SHIFT1
        return
    if fx == 0:                                      # vertical only
        for y in range(h):
            d = out[y]
            for x in range(w):
                d[x] = 0
            for k in range(nt):
                ck = cy[k]
                s = src[sy + y + k, sx + o:sx + o + w]
                for x in range(w):
                    d[x] += ck * np.int32(s[x])
            if SHIFT1:
                for x in range(w):
                    d[x] >>= SHIFT1
        return
    tmp = np.empty((h + nt - 1, w), np.int32)        # horizontal pass, rows yInt - o ..
    for y in range(h + nt - 1):
        s = src[sy + y, sx:sx + w + nt - 1]
        t = tmp[y]
        for x in range(w):
            acc = np.int32(0)
            for k in range(nt):
                acc += cx[k] * np.int32(s[x + k])
            t[x] = acc >> SHIFT1
    for y in range(h):                               # vertical pass, >> shift2
        d = out[y]
        for x in range(w):
            d[x] = 0
        for k in range(nt):
            ck = cy[k]
            t = tmp[y + k]
            for x in range(w):
                d[x] += ck * t[x]
        for x in range(w):
            d[x] >>= SHIFT2


@njit(cache=True, nogil=True)
def _luma_kernel(src, sx, sy, fx, fy, w, h, out):
    _filter_kernel(src, sx, sy, LUMA_FILTER[fx], LUMA_FILTER[fy], 8, fx, fy, w, h, out)


@njit(cache=True, nogil=True)
def _chroma_kernel(src, sx, sy, fx, fy, w, h, out):
    _filter_kernel(src, sx, sy, CHROMA_FILTER[fx], CHROMA_FILTER[fy], 4, fx, fy, w, h, out)


@njit(cache=True, nogil=True)
def _edge_patch(ref, x_start, y_start, pw, ph):
    """ref samples (x_start.., y_start..) of size pw x ph with coordinates clipped to the
    plane (8-228/8-229): the reference picture's edge padding."""
    H, W = ref.shape
    patch = np.empty((ph, pw), np.int32)
    for y in range(ph):
        yy = y_start + y
        yy = 0 if yy < 0 else (H - 1 if yy > H - 1 else yy)
        for x in range(pw):
            xx = x_start + x
            xx = 0 if xx < 0 else (W - 1 if xx > W - 1 else xx)
            patch[y, x] = ref[yy, xx]
    return patch


@njit(cache=True, nogil=True)
def interp_at(ref, x_int, y_int, x_frac, y_frac, w, h, c_idx, out):
    """predSamplesLX[0..w-1][0..h-1] -> out[:h, :w] for integer position (x_int, y_int)
    (xIntL/xIntC of the block's top-left sample) and fraction (x_frac, y_frac)
    (quarter luma / eighth chroma)."""
    H, W = ref.shape
    half = 3 if c_idx == 0 else 1            # taps before the integer sample
    nt = 8 if c_idx == 0 else 4
    xs = x_int - half
    ys = y_int - half
    if xs >= 0 and ys >= 0 and xs + w + nt - 1 <= W and ys + h + nt - 1 <= H:
        if c_idx == 0:
            _luma_kernel(ref, xs, ys, x_frac, y_frac, w, h, out)
        else:
            _chroma_kernel(ref, xs, ys, x_frac, y_frac, w, h, out)
    else:
        patch = _edge_patch(ref, xs, ys, w + nt - 1, h + nt - 1)
        if c_idx == 0:
            _luma_kernel(patch, 0, 0, x_frac, y_frac, w, h, out)
        else:
            _chroma_kernel(patch, 0, 0, x_frac, y_frac, w, h, out)


@njit(cache=True, nogil=True)
def predict_block(ref, x0, y0, w, h, mv_x, mv_y, c_idx, out):
    """8.5.3.3.3.1 / 8.5.3.3.3.2: predSamplesLX (14-bit, int32) of the w x h block at
    (x0, y0) (component samples) displaced by the luma MV (mv_x, mv_y) (quarter luma
    samples; for 4:2:0 chroma the same numbers are eighth chroma samples, 8.5.3.2.10)
    into out[:h, :w]."""
    if c_idx == 0:
        interp_at(ref, x0 + (mv_x >> 2), y0 + (mv_y >> 2), mv_x & 3, mv_y & 3, w, h, 0, out)
    else:
        interp_at(ref, x0 + (mv_x >> 3), y0 + (mv_y >> 3), mv_x & 7, mv_y & 7, w, h, c_idx, out)


@njit(cache=True, nogil=True)
def plane_source(ref, c_idx, pad):
    """``ref`` edge-extended (8-228/8-229) by ``pad`` samples plus the filter's taps: what
    :func:`interpolate_source` filters, the same for every phase of a plane."""
    H, W = ref.shape
    half = 3 if c_idx == 0 else 1            # taps before the integer sample
    nt = 8 if c_idx == 0 else 4
    return _edge_patch(ref, -pad - half, -pad - half, W + 2 * pad + nt - 1, H + 2 * pad + nt - 1)


@njit(cache=True, nogil=True)
def interpolate_source(src, x_frac, y_frac, c_idx, out):
    """The whole plane at one fractional phase from ``src = plane_source(ref, c_idx, pad)``
    into ``out`` (int32 [H + 2 pad, W + 2 pad]): see :func:`interpolate_plane`."""
    h, w = out.shape
    if c_idx == 0:
        _luma_kernel(src, 0, 0, x_frac, y_frac, w, h, out)
    else:
        _chroma_kernel(src, 0, 0, x_frac, y_frac, w, h, out)


@njit(cache=True, nogil=True)
def interpolate_plane(ref, x_frac, y_frac, c_idx, pad):
    """The whole plane at one fractional phase: out[y + pad, x + pad] =
    predSample at integer (x, y) (x, y may be negative / beyond the plane by up to pad)
    plus (x_frac, y_frac) (quarter luma / eighth chroma).  int32[H + 2 pad, W + 2 pad]."""
    H, W = ref.shape
    out = np.empty((H + 2 * pad, W + 2 * pad), np.int32)
    interpolate_source(plane_source(ref, c_idx, pad), x_frac, y_frac, c_idx, out)
    return out


@njit(cache=True, nogil=True)
def uni_pixels(v, out):
    """predSamples ``v`` rounded to samples as default uni-prediction does (8-252 with
    weights off: Clip3(0, 255, (v + 32) >> 6)) into ``out`` (same shape)."""
    H, W = v.shape
    sh = 14 - BIT_DEPTH
    off = 1 << (sh - 1)
    for y in range(H):
        for x in range(W):
            t = (v[y, x] + off) >> sh
            out[y, x] = 0 if t < 0 else (_MAX_VAL if t > _MAX_VAL else t)


@njit(cache=True, nogil=True)
def interpolate_plane_pixels(ref, x_frac, y_frac, c_idx, pad):
    """interpolate_plane rounded to samples like default uni-prediction
    (Clip3(0, 255, (v + 32) >> 6)), as int16 - what a uni-predicted block would look like."""
    v = interpolate_plane(ref, x_frac, y_frac, c_idx, pad)
    out = np.empty(v.shape, np.int16)
    uni_pixels(v, out)
    return out


# ---------------------------------------------------------------------------------------------
# 8.5.3.3.4 weighted sample prediction
# ---------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def weighted_default(pred0, pred1, bi, w, h, out, x0, y0):
    """8.5.3.3.4.2.  bi = 0: uni-prediction from pred0 (pass the list actually used as
    pred0); bi = 1: average of pred0 and pred1.  Writes out[y0 + y, x0 + x]."""
    if bi:
        shift2 = 15 - BIT_DEPTH
        offset2 = 1 << (shift2 - 1)
        for y in range(h):
            for x in range(w):
                v = (pred0[y, x] + pred1[y, x] + offset2) >> shift2
                out[y0 + y, x0 + x] = 0 if v < 0 else (_MAX_VAL if v > _MAX_VAL else v)
    else:
        shift1 = 14 - BIT_DEPTH
        offset1 = 1 << (shift1 - 1)
        for y in range(h):
            for x in range(w):
                v = (pred0[y, x] + offset1) >> shift1
                out[y0 + y, x0 + x] = 0 if v < 0 else (_MAX_VAL if v > _MAX_VAL else v)


@njit(cache=True, nogil=True)
def weighted_explicit_uni(pred, wgt, ofs, log2_denom, w, h, out, x0, y0):
    """8.5.3.3.4.3 uni-prediction (8-252): log2WD = log2_denom + shift1 (>= 6 > 1)."""
    log2wd = log2_denom + 14 - BIT_DEPTH
    rnd = 1 << (log2wd - 1)
    o = ofs << (BIT_DEPTH - 8)
    for y in range(h):
        for x in range(w):
            v = ((pred[y, x] * wgt + rnd) >> log2wd) + o
            out[y0 + y, x0 + x] = 0 if v < 0 else (_MAX_VAL if v > _MAX_VAL else v)


@njit(cache=True, nogil=True)
def weighted_explicit_bi(pred0, pred1, w0, o0, w1, o1, log2_denom, w, h, out, x0, y0):
    """8.5.3.3.4.3 bi-prediction (8-254)."""
    log2wd = log2_denom + 14 - BIT_DEPTH
    sc = BIT_DEPTH - 8
    rnd = ((o0 << sc) + (o1 << sc) + 1) << log2wd
    for y in range(h):
        for x in range(w):
            v = (pred0[y, x] * w0 + pred1[y, x] * w1 + rnd) >> (log2wd + 1)
            out[y0 + y, x0 + x] = 0 if v < 0 else (_MAX_VAL if v > _MAX_VAL else v)


@njit(cache=True, nogil=True)
def predict_pu(ref0, ref1, x0, y0, w, h, c_idx, mv0x, mv0y, mv1x, mv1y, ref_idx0, ref_idx1,
               explicit_wp, wp, wp_log2_denom, out, ox, oy):
    """8.5.3.3.1: the prediction samples of one component of one PU into
    out[oy:oy + h, ox:ox + w].  (x0, y0, w, h) in component samples, MVs = luma MVs."""
    pf0 = ref_idx0 >= 0
    pf1 = ref_idx1 >= 0
    p0 = np.empty((h, w), np.int32)
    p1 = np.empty((h, w), np.int32) if (pf0 and pf1) else p0      # one list: one buffer
    if pf0:
        predict_block(ref0, x0, y0, w, h, mv0x, mv0y, c_idx, p0)
    if pf1:
        predict_block(ref1, x0, y0, w, h, mv1x, mv1y, c_idx, p1)
    if explicit_wp:
        den = wp_log2_denom[c_idx]
        if pf0 and pf1:
            weighted_explicit_bi(p0, p1, wp[0, ref_idx0, c_idx, 0], wp[0, ref_idx0, c_idx, 1],
                                 wp[1, ref_idx1, c_idx, 0], wp[1, ref_idx1, c_idx, 1], den, w, h,
                                 out, ox, oy)
        elif pf0:
            weighted_explicit_uni(p0, wp[0, ref_idx0, c_idx, 0], wp[0, ref_idx0, c_idx, 1], den,
                                  w, h, out, ox, oy)
        else:
            weighted_explicit_uni(p1, wp[1, ref_idx1, c_idx, 0], wp[1, ref_idx1, c_idx, 1], den,
                                  w, h, out, ox, oy)
    else:
        if pf0 and pf1:
            weighted_default(p0, p1, 1, w, h, out, ox, oy)
        elif pf0:
            weighted_default(p0, p0, 0, w, h, out, ox, oy)
        else:
            weighted_default(p1, p1, 0, w, h, out, ox, oy)


def make_weight_table(luma_log2_weight_denom, chroma_log2_weight_denom, lists):
    """Pack derived weights (7.4.7.3) for predict_pu.

    ``lists`` = [(LumaWeightL0, luma_offset_l0, ChromaWeightL0, ChromaOffsetL0), (... L1)]
    as returned by ``PredWeightTable.derive(X, sps)`` (per refIdx; chroma entries [i][j]).
    Returns (wp int32[2, 16, 3, 2], wp_log2_denom int32[3]).  Missing entries get the
    neutral weight 1 << denom and offset 0."""
    wp = np.zeros((2, 16, 3, 2), np.int32)
    wp[:, :, 0, 0] = 1 << luma_log2_weight_denom
    wp[:, :, 1:, 0] = 1 << chroma_log2_weight_denom
    for X, entry in enumerate(lists):
        if entry is None:
            continue
        lw, lo, cw, co = entry
        for i in range(len(lw)):
            wp[X, i, 0, 0] = lw[i]
            wp[X, i, 0, 1] = lo[i]
            for j in range(2):
                wp[X, i, 1 + j, 0] = cw[i][j]
                wp[X, i, 1 + j, 1] = co[i][j]
    den = np.array([luma_log2_weight_denom, chroma_log2_weight_denom, chroma_log2_weight_denom],
                   np.int32)
    return wp, den
