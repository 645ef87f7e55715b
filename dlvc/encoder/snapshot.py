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


@njit(cache=True, nogil=True)
def save(snaps, slot, planes, coef, meta, x0, y0, log2, chroma):
    n = 1 << log2
    sy, sc, sm, scy, scc = snaps
    sy[slot, :n, :n] = planes[0][y0:y0 + n, x0:x0 + n]
    scy[slot, :n, :n] = coef[0][y0:y0 + n, x0:x0 + n]
    m = max(n >> 2, 1)
    sm[slot, :, :m, :m] = meta[:, y0 >> 2:(y0 >> 2) + m, x0 >> 2:(x0 >> 2) + m]
    if chroma:
        h = n >> 1
        for c in range(2):
            sc[slot, c, :h, :h] = planes[c + 1][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h]
            scc[slot, c, :h, :h] = coef[c + 1][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h]


@njit(cache=True, nogil=True)
def restore(snaps, slot, planes, coef, meta, x0, y0, log2, chroma):
    n = 1 << log2
    sy, sc, sm, scy, scc = snaps
    planes[0][y0:y0 + n, x0:x0 + n] = sy[slot, :n, :n]
    coef[0][y0:y0 + n, x0:x0 + n] = scy[slot, :n, :n]
    m = max(n >> 2, 1)
    meta[:, y0 >> 2:(y0 >> 2) + m, x0 >> 2:(x0 >> 2) + m] = sm[slot, :, :m, :m]
    if chroma:
        h = n >> 1
        for c in range(2):
            planes[c + 1][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h] = sc[slot, c, :h, :h]
            coef[c + 1][y0 >> 1:(y0 >> 1) + h, x0 >> 1:(x0 >> 1) + h] = scc[slot, c, :h, :h]
