"""Distortion measures for encoder decisions (not normative).

All functions take two 2-D arrays with explicit top-left offsets so that a
picture plane (np.int16) can be compared with a prediction / reconstruction
block (np.int32 or np.int16) without slicing copies:

    satd(a, ax, ay, b, bx, by, w, h)   Hadamard SATD of a[ay:ay+h, ax:ax+w] - b[by:by+h, bx:bx+w]
    sse(a, ax, ay, b, bx, by, w, h)    sum of squared differences
    sad(a, ax, ay, b, bx, by, w, h)    sum of absolute differences
    sad_bounded(a, ax, ay, b, bx, by, w, h, sub, best)
                                       the motion search's SAD: HM's row sub-sampling, early exit

SATD follows HM's TComRdCost::xGetHADs (8-bit, no weighting): the block is tiled
with 8x8 Hadamards when w and h are multiples of 8 (each (sum + 2) >> 2), else
4x4 ones when multiples of 4 (each (sum + 1) >> 1), else 2x2 ones (unnormalised).
Results are Python/Numba ints (int64).
"""
import numpy as np
from ..jit import njit


@njit(cache=True, nogil=True)
def _bfly4(x0, x1, x2, x3):
    """4-point Hadamard butterflies (HM's ordering; only the sum of magnitudes matters)."""
    a0 = x0 + x2
    a1 = x1 + x3
    a2 = x0 - x2
    a3 = x1 - x3
    return a0 + a1, a0 - a1, a2 + a3, a2 - a3


@njit(cache=True, nogil=True, _nrt=False)
def _row4(a, ax, y, b, bx, v):
    """Butterflies of one row of 4 differences (int32: 8-bit differences stay below 2^15)."""
    return _bfly4(np.int32(a[y, ax]) - np.int32(b[v, bx]),
                  np.int32(a[y, ax + 1]) - np.int32(b[v, bx + 1]),
                  np.int32(a[y, ax + 2]) - np.int32(b[v, bx + 2]),
                  np.int32(a[y, ax + 3]) - np.int32(b[v, bx + 3]))


@njit(cache=True, nogil=True)
def _abs_bfly4(x0, x1, x2, x3):
    c0, c1, c2, c3 = _bfly4(x0, x1, x2, x3)
    return abs(c0) + abs(c1) + abs(c2) + abs(c3)


@njit(cache=True, nogil=True, _nrt=False)
def _hads4x4(a, ax, ay, b, bx, by):
    """Rows, then columns, all in registers."""
    r0 = _row4(a, ax, ay, b, bx, by)
    r1 = _row4(a, ax, ay + 1, b, bx, by + 1)
    r2 = _row4(a, ax, ay + 2, b, bx, by + 2)
    r3 = _row4(a, ax, ay + 3, b, bx, by + 3)
    s = (_abs_bfly4(r0[0], r1[0], r2[0], r3[0]) + _abs_bfly4(r0[1], r1[1], r2[1], r3[1])
         + _abs_bfly4(r0[2], r1[2], r2[2], r3[2]) + _abs_bfly4(r0[3], r1[3], r2[3], r3[3]))
    return (np.int64(s) + 1) >> 1


@njit(cache=True, nogil=True)
def _bfly8(x0, x1, x2, x3, x4, x5, x6, x7):
    """8-point Hadamard: a 2-point stage on (k, k + 4), then two 4-point ones."""
    a0, a1, a2, a3 = _bfly4(x0 + x4, x1 + x5, x2 + x6, x3 + x7)
    a4, a5, a6, a7 = _bfly4(x0 - x4, x1 - x5, x2 - x6, x3 - x7)
    return a0, a1, a2, a3, a4, a5, a6, a7


@njit(cache=True, nogil=True, _nrt=False)
def _hads8x8(a, ax, ay, b, bx, by, d):
    """Rows transformed into the scratch d (int32 holds 64 * 255 * 8), then columns.  Unsigned
    indices (no negative-index wraparound test per sample): the column stage vectorises."""
    uax = np.uintp(ax)
    ubx = np.uintp(bx)
    for i in range(np.uintp(8)):
        y = np.uintp(ay) + i
        v = np.uintp(by) + i
        (d[i, 0], d[i, 1], d[i, 2], d[i, 3],
         d[i, 4], d[i, 5], d[i, 6], d[i, 7]) = _bfly8(
            np.int32(a[y, uax]) - np.int32(b[v, ubx]),
            np.int32(a[y, uax + 1]) - np.int32(b[v, ubx + 1]),
            np.int32(a[y, uax + 2]) - np.int32(b[v, ubx + 2]),
            np.int32(a[y, uax + 3]) - np.int32(b[v, ubx + 3]),
            np.int32(a[y, uax + 4]) - np.int32(b[v, ubx + 4]),
            np.int32(a[y, uax + 5]) - np.int32(b[v, ubx + 5]),
            np.int32(a[y, uax + 6]) - np.int32(b[v, ubx + 6]),
            np.int32(a[y, uax + 7]) - np.int32(b[v, ubx + 7]))
    s = np.int32(0)             # 64 coefficients of magnitude <= 64 * 255: < 2^31
    for j in range(np.uintp(8)):
        c0, c1, c2, c3, c4, c5, c6, c7 = _bfly8(d[0, j], d[1, j], d[2, j], d[3, j],
                                                d[4, j], d[5, j], d[6, j], d[7, j])
        s += abs(c0) + abs(c1) + abs(c2) + abs(c3) + abs(c4) + abs(c5) + abs(c6) + abs(c7)
    return (np.int64(s) + 2) >> 2


@njit(cache=True, nogil=True, _nrt=False)
def _hads2x2(a, ax, ay, b, bx, by):
    d0 = np.int64(a[ay, ax]) - np.int64(b[by, bx])
    d1 = np.int64(a[ay, ax + 1]) - np.int64(b[by, bx + 1])
    d2 = np.int64(a[ay + 1, ax]) - np.int64(b[by + 1, bx])
    d3 = np.int64(a[ay + 1, ax + 1]) - np.int64(b[by + 1, bx + 1])
    m0 = d0 + d2
    m1 = d1 + d3
    m2 = d0 - d2
    m3 = d1 - d3
    return abs(m0 + m1) + abs(m0 - m1) + abs(m2 + m3) + abs(m2 - m3)


@njit(cache=True, nogil=True)
def satd(a, ax, ay, b, bx, by, w, h):
    """HM-style Hadamard SATD (see module docstring); w, h even."""
    return satd_in(a, ax, ay, b, bx, by, w, h, np.empty((8, 8), np.int32))


@njit(cache=True, nogil=True, _nrt=False)
def satd_in(a, ax, ay, b, bx, by, w, h, d):
    """:func:`satd` with the 8x8 transforms' scratch ``d`` (int32 [8, 8]) given."""
    s = 0
    if (w & 7) == 0 and (h & 7) == 0:
        for y in range(0, h, 8):
            for x in range(0, w, 8):
                s += _hads8x8(a, ax + x, ay + y, b, bx + x, by + y, d)
    elif (w & 3) == 0 and (h & 3) == 0:
        for y in range(0, h, 4):
            for x in range(0, w, 4):
                s += _hads4x4(a, ax + x, ay + y, b, bx + x, by + y)
    else:
        for y in range(0, h, 2):
            for x in range(0, w, 2):
                s += _hads2x2(a, ax + x, ay + y, b, bx + x, by + y)
    return s


@njit(cache=True, nogil=True, _nrt=False)
def sse(a, ax, ay, b, bx, by, w, h):
    """Sum of squared differences over a w x h window (unsigned indices, see sad)."""
    s = 0
    for y in range(h):
        ya = np.uintp(ay + y)
        yb = np.uintp(by + y)
        r = np.int32(0)             # a row of 64 8-bit differences: < 2^22
        for x in range(np.uintp(w)):
            d = np.int32(a[ya, np.uintp(ax) + x]) - np.int32(b[yb, np.uintp(bx) + x])
            r += d * d
        s += r
    return s


SAD_NO_BOUND = np.int64(1) << 60


@njit(cache=True, nogil=True, _nrt=False)
def sad_bounded(a, ax, ay, b, bx, by, w, h, sub, best):
    """SAD of a[ay.., ax..] against b[by.., bx..]; with sub = 1 (and h > 8) even rows only,
    doubled (HM iSubShift = 1).  Returns a value >= best as soon as the partial sum reaches
    best (only 'is it smaller than best' matters to the motion search).  Unsigned indices:
    Numba then skips its negative-index wraparound test per sample and the rows vectorise."""
    step = 2 if (sub and h > 8) else 1
    sh = step - 1
    s = np.int64(0)
    uax = np.uintp(ax)
    ubx = np.uintp(bx)
    for j in range(0, h, step):
        ya = np.uintp(ay + j)
        yb = np.uintp(by + j)
        r = np.int32(0)
        for i in range(np.uintp(w)):
            r += abs(np.int32(a[ya, uax + i]) - np.int32(b[yb, ubx + i]))
        s += r
        if (s << sh) >= best:
            return s << sh
    return s << sh


@njit(cache=True, nogil=True, _nrt=False)
def sad(a, ax, ay, b, bx, by, w, h):
    """Sum of absolute differences over a w x h window."""
    return sad_bounded(a, ax, ay, b, bx, by, w, h, 0, SAD_NO_BOUND)
