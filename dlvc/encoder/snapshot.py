"""Save and restore the coded state of a square region for RD trials.

A slot holds the reconstructed samples, the coefficient levels and the metadata
of a luma square (and its chroma) so that an alternative can be tried in place
and the better one kept, as HM does with its per-depth buffers.
"""
import numpy as np
from ..jit import njit

from ..core.picture import NUM_FIELDS


def new_snapshots(slots, size=64):
    return (np.zeros((slots, size, size), np.int16),
            np.zeros((slots, 2, size // 2, size // 2), np.int16),
            np.zeros((slots, NUM_FIELDS, size // 4, size // 4), np.int16),
            np.zeros((slots, size, size), np.int32),
            np.zeros((slots, 2, size // 2, size // 2), np.int32))


@njit(cache=True, nogil=True, _nrt=False)
def copy_block(dst, dy, dx, src, sy, sx, h, w):
    """dst[dy.., dx..] = src[sy.., sx..] over h x w, 2-D arrays.  Explicit loops rather than
    slice assignment (a view per operand and Numba's generic array copy on every RD trial);
    unsigned indices, so that the rows vectorise."""
    for y in range(h):
        a = np.uintp(dy + y)
        b = np.uintp(sy + y)
        for x in range(np.uintp(w)):
            dst[a, np.uintp(dx) + x] = src[b, np.uintp(sx) + x]


@njit(cache=True, nogil=True, _nrt=False)
def zero_block(dst, dy, dx, h, w):
    """dst[dy.., dx..] = 0 over h x w (loops, as copy_block)."""
    for y in range(h):
        for x in range(w):
            dst[dy + y, dx + x] = 0


@njit(cache=True, nogil=True, _nrt=False)
def _copy_meta(dst, dy, dx, src, sy, sx, m):
    """As copy_block for every field of a metadata array (fields first)."""
    for f in range(dst.shape[0]):
        copy_block(dst[f], dy, dx, src[f], sy, sx, m, m)


@njit(cache=True, nogil=True, _nrt=False)
def save(snaps, slot, planes, coef, meta, x0, y0, log2, chroma):
    n = 1 << log2
    sy, sc, sm, scy, scc = snaps
    copy_block(sy[slot], 0, 0, planes[0], y0, x0, n, n)
    copy_block(scy[slot], 0, 0, coef[0], y0, x0, n, n)
    m = max(n >> 2, 1)
    _copy_meta(sm[slot], 0, 0, meta, y0 >> 2, x0 >> 2, m)
    if chroma:
        h = n >> 1
        for c in range(2):
            copy_block(sc[slot, c], 0, 0, planes[c + 1], y0 >> 1, x0 >> 1, h, h)
            copy_block(scc[slot, c], 0, 0, coef[c + 1], y0 >> 1, x0 >> 1, h, h)


@njit(cache=True, nogil=True, _nrt=False)
def restore(snaps, slot, planes, coef, meta, x0, y0, log2, chroma):
    n = 1 << log2
    sy, sc, sm, scy, scc = snaps
    copy_block(planes[0], y0, x0, sy[slot], 0, 0, n, n)
    copy_block(coef[0], y0, x0, scy[slot], 0, 0, n, n)
    m = max(n >> 2, 1)
    _copy_meta(meta, y0 >> 2, x0 >> 2, sm[slot], 0, 0, m)
    if chroma:
        h = n >> 1
        for c in range(2):
            copy_block(planes[c + 1], y0 >> 1, x0 >> 1, sc[slot, c], 0, 0, h, h)
            copy_block(coef[c + 1], y0 >> 1, x0 >> 1, scc[slot, c], 0, 0, h, h)
