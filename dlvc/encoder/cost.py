"""Distortion measures for encoder decisions (not normative).

All functions take two 2-D arrays with explicit top-left offsets so that a
picture plane (np.int16) can be compared with a prediction / reconstruction
block (np.int32 or np.int16) without slicing copies:

    satd(a, ax, ay, b, bx, by, w, h)   Hadamard SATD of a[ay:ay+h, ax:ax+w] - b[by:by+h, bx:bx+w]
    sse(a, ax, ay, b, bx, by, w, h)    sum of squared differences
    sad(a, ax, ay, b, bx, by, w, h)    sum of absolute differences

SATD follows HM's TComRdCost::xGetHADs (8-bit, no weighting): the block is tiled
with 8x8 Hadamards when w and h are multiples of 8 (each (sum + 2) >> 2), else
4x4 ones when multiples of 4 (each (sum + 1) >> 1), else 2x2 ones (unnormalised).
Results are Python/Numba ints (int64).
"""
import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _hads4x4(a, ax, ay, b, bx, by, d):
    for i in range(4):
        for j in range(4):
            d[i, j] = np.int64(a[ay + i, ax + j]) - np.int64(b[by + i, bx + j])
    # horizontal
    for i in range(4):
        a0 = d[i, 0] + d[i, 2]
        a1 = d[i, 1] + d[i, 3]
        a2 = d[i, 0] - d[i, 2]
        a3 = d[i, 1] - d[i, 3]
        d[i, 0] = a0 + a1
        d[i, 1] = a0 - a1
        d[i, 2] = a2 + a3
        d[i, 3] = a2 - a3
    # vertical and sum
    s = 0
    for j in range(4):
        a0 = d[0, j] + d[2, j]
        a1 = d[1, j] + d[3, j]
        a2 = d[0, j] - d[2, j]
        a3 = d[1, j] - d[3, j]
        s += abs(a0 + a1) + abs(a0 - a1) + abs(a2 + a3) + abs(a2 - a3)
    return (s + 1) >> 1


@njit(cache=True, nogil=True)
def _hads8x8(a, ax, ay, b, bx, by, d):
    for i in range(8):
        for j in range(8):
            d[i, j] = np.int64(a[ay + i, ax + j]) - np.int64(b[by + i, bx + j])
    # horizontal: three butterfly stages
    for i in range(8):
        for half in (4, 2, 1):
            for j in range(8):
                if (j & half) == 0:
                    u = d[i, j]
                    v = d[i, j + half]
                    d[i, j] = u + v
                    d[i, j + half] = u - v
    # vertical
    for j in range(8):
        for half in (4, 2, 1):
            for i in range(8):
                if (i & half) == 0:
                    u = d[i, j]
                    v = d[i + half, j]
                    d[i, j] = u + v
                    d[i + half, j] = u - v
    s = 0
    for i in range(8):
        for j in range(8):
            s += abs(d[i, j])
    return (s + 2) >> 2


@njit(cache=True, nogil=True)
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
    s = 0
    if (w & 3) == 0 and (h & 3) == 0:
        d = np.empty((8, 8), np.int64)      # the transforms' scratch, once per call
        if (w & 7) == 0 and (h & 7) == 0:
            for y in range(0, h, 8):
                for x in range(0, w, 8):
                    s += _hads8x8(a, ax + x, ay + y, b, bx + x, by + y, d)
        else:
            for y in range(0, h, 4):
                for x in range(0, w, 4):
                    s += _hads4x4(a, ax + x, ay + y, b, bx + x, by + y, d)
    else:
        for y in range(0, h, 2):
            for x in range(0, w, 2):
                s += _hads2x2(a, ax + x, ay + y, b, bx + x, by + y)
    return s


@njit(cache=True, nogil=True)
def sse(a, ax, ay, b, bx, by, w, h):
    """Sum of squared differences over a w x h window."""
    s = 0
    for y in range(h):
        for x in range(w):
            d = np.int64(a[ay + y, ax + x]) - np.int64(b[by + y, bx + x])
            s += d * d
    return s


@njit(cache=True, nogil=True)
def sad(a, ax, ay, b, bx, by, w, h):
    """Sum of absolute differences over a w x h window."""
    s = 0
    for y in range(h):
        for x in range(w):
            s += abs(np.int64(a[ay + y, ax + x]) - np.int64(b[by + y, bx + x]))
    return s
