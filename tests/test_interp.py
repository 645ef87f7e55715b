"""Inter sample prediction (dlvc/core/interp.py) against a slow pure-Python reference
written from H.265 8.5.3.3.3 (fractional sample interpolation, equations 8-228..8-250)
and 8.5.3.3.4 (default and explicit weighted sample prediction)."""
import numpy as np
import pytest

from dlvc.core.interp import (interp_at, interpolate_plane, interpolate_plane_pixels,
                              make_weight_table, predict_block, predict_pu, weighted_default,
                              weighted_explicit_bi, weighted_explicit_uni)

BIT_DEPTH = 8
FL = {1: [-1, 4, -10, 58, 17, -5, 1, 0], 2: [-1, 4, -11, 40, 40, -11, 4, -1],
      3: [0, 1, -5, 17, 58, -10, 4, -1]}
FC = {1: [-2, 58, 10, -2], 2: [-4, 54, 16, -2], 3: [-6, 46, 28, -4], 4: [-4, 36, 36, -4],
      5: [-4, 28, 46, -6], 6: [-2, 16, 54, -4], 7: [-2, 10, 58, -2]}


def clip3(a, b, v):
    return a if v < a else (b if v > b else v)


def ref_luma_sample(ref, xint, yint, xfrac, yfrac):
    """8.5.3.3.3.1, one sample (xIntL, yIntL, xFracL, yFracL); ref: list of rows."""
    h, w = len(ref), len(ref[0])
    shift1, shift2, shift3 = BIT_DEPTH - 8, 6, 14 - BIT_DEPTH

    def s(x, y):
        return ref[clip3(0, h - 1, y)][clip3(0, w - 1, x)]

    if xfrac == 0 and yfrac == 0:
        return s(xint, yint) << shift3
    if yfrac == 0:
        return sum(FL[xfrac][i] * s(xint + i - 3, yint) for i in range(8)) >> shift1
    if xfrac == 0:
        return sum(FL[yfrac][i] * s(xint, yint + i - 3) for i in range(8)) >> shift1
    temp = [sum(FL[xfrac][i] * s(xint + i - 3, yint + n - 3) for i in range(8)) >> shift1
            for n in range(8)]
    return sum(FL[yfrac][i] * temp[i] for i in range(8)) >> shift2


def ref_chroma_sample(ref, xint, yint, xfrac, yfrac):
    """8.5.3.3.3.2, one sample; ref: list of rows."""
    h, w = len(ref), len(ref[0])
    shift1, shift2, shift3 = BIT_DEPTH - 8, 6, 14 - BIT_DEPTH

    def s(x, y):
        return ref[clip3(0, h - 1, y)][clip3(0, w - 1, x)]

    if xfrac == 0 and yfrac == 0:
        return s(xint, yint) << shift3
    if yfrac == 0:
        return sum(FC[xfrac][i] * s(xint + i - 1, yint) for i in range(4)) >> shift1
    if xfrac == 0:
        return sum(FC[yfrac][i] * s(xint, yint + i - 1) for i in range(4)) >> shift1
    temp = [sum(FC[xfrac][i] * s(xint + i - 1, yint + n - 1) for i in range(4)) >> shift1
            for n in range(4)]
    return sum(FC[yfrac][i] * temp[i] for i in range(4)) >> shift2


def ref_pred_block(ref, x0, y0, w, h, mvx, mvy, c_idx):
    """8.5.3.3.3.1 (luma, xIntL = xPb + (mvLX[0] >> 2) + xL) / 8.5.3.3.3.2 (chroma,
    xIntC = xPb / SubWidthC + (mvCLX[0] >> 3) + xC with mvCLX = mvLX for 4:2:0)."""
    out = np.zeros((h, w), np.int64)
    ref = ref.tolist()
    for y in range(h):
        for x in range(w):
            if c_idx == 0:
                out[y, x] = ref_luma_sample(ref, x0 + (mvx >> 2) + x, y0 + (mvy >> 2) + y,
                                            mvx & 3, mvy & 3)
            else:
                out[y, x] = ref_chroma_sample(ref, x0 + (mvx >> 3) + x, y0 + (mvy >> 3) + y,
                                              mvx & 7, mvy & 7)
    return out


def ref_weighted_default(p0, p1):
    """8.5.3.3.4.2."""
    shift1, shift2 = 14 - BIT_DEPTH, 15 - BIT_DEPTH
    if p1 is None:
        return np.clip((p0 + (1 << (shift1 - 1))) >> shift1, 0, 255)
    return np.clip((p0 + p1 + (1 << (shift2 - 1))) >> shift2, 0, 255)


def ref_weighted_explicit(p0, p1, w0, o0, w1, o1, denom):
    """8.5.3.3.4.3 (p1 None: uni from the list of p0)."""
    log2wd = denom + 14 - BIT_DEPTH
    o0 <<= BIT_DEPTH - 8
    o1 <<= BIT_DEPTH - 8
    if p1 is None:
        if log2wd >= 1:
            v = ((p0 * w0 + (1 << (log2wd - 1))) >> log2wd) + o0
        else:
            v = p0 * w0 + o0
        return np.clip(v, 0, 255)
    return np.clip((p0 * w0 + p1 * w1 + ((o0 + o1 + 1) << log2wd)) >> (log2wd + 1), 0, 255)


@pytest.fixture(scope="module")
def planes():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 256, (24, 40)).astype(np.int16)
    # add extreme checkerboards so the 2-D filter reaches its range limits
    y[0:8, 0:8] = np.where((np.add.outer(np.arange(8), np.arange(8)) % 2) == 0, 255, 0)
    c = rng.integers(0, 256, (12, 20)).astype(np.int16)
    return y, c


def test_luma_all_fractions_and_edges(planes):
    y, _ = planes
    rng = np.random.default_rng(2)
    out = np.zeros((16, 16), np.int32)
    for fy in range(4):
        for fx in range(4):
            # interior, at edges, and far outside (every side)
            for (x0, y0, w, h) in [(10, 8, 8, 4), (0, 0, 4, 8), (36, 20, 4, 4), (-9, 5, 12, 4),
                                   (30, -6, 16, 8), (38, 18, 8, 8)]:
                ix = int(rng.integers(-3, 4))
                iy = int(rng.integers(-3, 4))
                mvx, mvy = 4 * ix + fx, 4 * iy + fy
                out[:] = -1
                predict_block(y, x0, y0, w, h, mvx, mvy, 0, out)
                exp = ref_pred_block(y, x0, y0, w, h, mvx, mvy, 0)
                assert np.array_equal(out[:h, :w], exp), (fx, fy, x0, y0, w, h)


def test_luma_extreme_range():
    # alternating rows of +/- taps patterns drive the 2-D half-pel filter beyond int16
    ref = np.zeros((16, 16), np.int16)
    pos = np.array([0, 255, 0, 255, 255, 0, 255, 0], np.int16)      # maximises a half-pel row
    neg = 255 - pos
    rows = [neg, pos, neg, pos, pos, neg, pos, neg]
    for r in range(8):
        ref[r, :8] = rows[r]
    out = np.zeros((1, 1), np.int32)
    interp_at(ref, 3, 3, 2, 2, 1, 1, 0, out)
    assert out[0, 0] == ref_luma_sample(ref.tolist(), 3, 3, 2, 2) == 33150


def test_chroma_all_fractions_and_edges(planes):
    _, c = planes
    rng = np.random.default_rng(3)
    out = np.zeros((8, 8), np.int32)
    for fy in range(8):
        for fx in range(8):
            for (x0, y0, w, h) in [(5, 4, 4, 2), (0, 0, 2, 4), (18, 10, 2, 2), (-5, 3, 8, 4),
                                   (16, -3, 8, 8)]:
                ix = int(rng.integers(-2, 3))
                iy = int(rng.integers(-2, 3))
                mvx, mvy = 8 * ix + fx, 8 * iy + fy
                out[:] = -1
                predict_block(c, x0, y0, w, h, mvx, mvy, 1, out)
                exp = ref_pred_block(c, x0, y0, w, h, mvx, mvy, 1)
                assert np.array_equal(out[:h, :w], exp), (fx, fy, x0, y0, w, h)


def test_interpolate_plane(planes):
    y, c = planes
    for fx, fy in [(0, 0), (1, 2), (3, 3), (2, 0)]:
        p = interpolate_plane(y, fx, fy, 0, 5)
        assert p.shape == (34, 50)
        for (yy, xx) in [(0, 0), (5, 5), (33, 49), (12, 20), (30, 3)]:
            assert p[yy, xx] == ref_luma_sample(y.tolist(), xx - 5, yy - 5, fx, fy)
        px = interpolate_plane_pixels(y, fx, fy, 0, 5)
        assert np.array_equal(px, np.clip((p + 32) >> 6, 0, 255))
    p = interpolate_plane(c, 5, 3, 1, 2)
    for (yy, xx) in [(0, 0), (15, 23), (7, 9)]:
        assert p[yy, xx] == ref_chroma_sample(c.tolist(), xx - 2, yy - 2, 5, 3)


def test_weighted_default_and_explicit():
    rng = np.random.default_rng(4)
    h, w = 6, 10
    p0 = rng.integers(-16830, 33151, (h, w)).astype(np.int32)
    p1 = rng.integers(-16830, 33151, (h, w)).astype(np.int32)
    p0[0, :5] = rng.integers(0, 255 << 6, 5)
    p1[0, :5] = rng.integers(0, 255 << 6, 5)
    out = np.zeros((h + 3, w + 2), np.int16)
    weighted_default(p0, p1, 0, w, h, out, 2, 3)
    assert np.array_equal(out[3:, 2:], ref_weighted_default(p0, None))
    weighted_default(p0, p1, 1, w, h, out, 2, 3)
    assert np.array_equal(out[3:, 2:], ref_weighted_default(p0, p1))
    for _ in range(40):
        denom = int(rng.integers(0, 8))
        w0 = int(rng.integers(-128, 128)) + (1 << denom)
        w1 = int(rng.integers(-128, 128)) + (1 << denom)
        o0 = int(rng.integers(-128, 128))
        o1 = int(rng.integers(-128, 128))
        weighted_explicit_uni(p0, w0, o0, denom, w, h, out, 2, 3)
        assert np.array_equal(out[3:, 2:], ref_weighted_explicit(p0, None, w0, o0, 0, 0, denom))
        weighted_explicit_bi(p0, p1, w0, o0, w1, o1, denom, w, h, out, 2, 3)
        assert np.array_equal(out[3:, 2:], ref_weighted_explicit(p0, p1, w0, o0, w1, o1, denom))


def test_predict_pu(planes):
    y, c = planes
    y1 = np.ascontiguousarray(y[::-1])
    rng = np.random.default_rng(5)
    lw = [[64 + 5, 50], [70, 64]]
    lo = [[3, -7], [0, 12]]
    cw = [[[30, 40], [32, 32]], [[20, 33], [31, 35]]]
    co = [[[1, -2], [0, 0]], [[5, 3], [-4, 2]]]
    wp, den = make_weight_table(6, 5, [(lw[0], lo[0], cw[0], co[0]), (lw[1], lo[1], cw[1], co[1])])
    for _ in range(30):
        c_idx = int(rng.integers(0, 2))
        plane0 = y if c_idx == 0 else c
        plane1 = y1 if c_idx == 0 else np.ascontiguousarray(c[::-1])
        hh, ww = plane0.shape
        w = int(rng.choice([4, 8, 12]))
        h = int(rng.choice([4, 8]))
        x0 = int(rng.integers(0, ww - w + 1))
        y0 = int(rng.integers(0, hh - h + 1))
        mv = [int(v) for v in rng.integers(-40, 40, 4)]
        r0 = int(rng.integers(-1, 2))
        r1 = int(rng.integers(-1, 2)) if r0 >= 0 else int(rng.integers(0, 2))
        exp_wp = int(rng.integers(0, 2))
        out = np.zeros((h, w), np.int32)
        predict_pu(plane0, plane1, x0, y0, w, h, c_idx, mv[0], mv[1], mv[2], mv[3], r0, r1,
                   exp_wp, wp, den, out, 0, 0)
        q0 = ref_pred_block(plane0, x0, y0, w, h, mv[0], mv[1], c_idx) if r0 >= 0 else None
        q1 = ref_pred_block(plane1, x0, y0, w, h, mv[2], mv[3], c_idx) if r1 >= 0 else None
        d = 6 if c_idx == 0 else 5
        if exp_wp:
            def wo(X, r):
                return (lw[X][r], lo[X][r]) if c_idx == 0 else (cw[X][r][c_idx - 1], co[X][r][c_idx - 1])
            if q0 is not None and q1 is not None:
                exp = ref_weighted_explicit(q0, q1, *wo(0, r0), *wo(1, r1), d)
            elif q0 is not None:
                exp = ref_weighted_explicit(q0, None, *wo(0, r0), 0, 0, d)
            else:
                exp = ref_weighted_explicit(q1, None, *wo(1, r1), 0, 0, d)
        else:
            if q0 is not None and q1 is not None:
                exp = ref_weighted_default(q0, q1)
            else:
                exp = ref_weighted_default(q0 if q0 is not None else q1, None)
        assert np.array_equal(out, exp)
