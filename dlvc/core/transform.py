"""Transforms, scaling (dequantisation) and quantisation, 8-bit HEVC Main.

Normative parts (decoder): :func:`dequantize` (8.6.2/8.6.3, flat scaling),
:func:`inverse_transform` (8.6.4.2), :func:`transform_skip_inverse`,
:func:`chroma_qp` / :func:`qp_for_component` (8.6.1).
Encoder parts (decisions, HM-compatible): :func:`forward_transform`,
:func:`transform_skip_forward`, :func:`quantize`, :func:`quantize_with_deltas`.

Arrays are 2-D ``[y, x]`` (row = vertical frequency / sample row); coefficient,
level and residual blocks are ``np.int32`` with at least ``N x N`` entries,
``N = 1 << log2_size``; only ``[:N, :N]`` is read / written.
"""
import numpy as np
from ..jit import njit

from dlvc.core.constants import BIT_DEPTH

COEFF_MIN = -(1 << 15)       # coeffMinY/C (8.6.2), 16-bit signed
COEFF_MAX = (1 << 15) - 1


def _make_trans_matrix():
    """8.6.4.2, transMatrix (32x32): ``TRANS_MATRIX[k, n]`` = basis k at sample n.

    Every entry of the spec's table is +/- one of the integers below: the entry
    of row k, column n is c[(2n+1)k mod 128] folded with cos symmetry, where c[j]
    approximates 64*sqrt(2)*cos(j*pi/64) (row 0 is 64).  These are exactly the
    values of the spec's transMatrixCol0to15 / Col16to31 tables."""
    c = np.zeros(33, np.int64)
    c[0] = 64
    c[16] = 64
    c[8], c[24] = 83, 36                                           # 4-point
    c[4], c[12], c[20], c[28] = 89, 75, 50, 18                      # 8-point odd
    c[2], c[6], c[10], c[14], c[18], c[22], c[26], c[30] = 90, 87, 80, 70, 57, 43, 25, 9
    c[1::2] = [90, 90, 88, 85, 82, 78, 73, 67, 61, 54, 46, 38, 31, 22, 13, 4]
    m = np.zeros((32, 32), np.int32)
    for k in range(32):
        for n in range(32):
            if k == 0:
                m[k, n] = 64
                continue
            j = ((2 * n + 1) * k) % 128
            if j > 64:
                j = 128 - j           # cos(2*pi - a) = cos(a)
            m[k, n] = c[j] if j <= 32 else -c[64 - j]   # cos(pi - a) = -cos(a)
    return m


TRANS_MATRIX = _make_trans_matrix()
# The nTbS-point DCT uses rows k * (32 / nTbS) and columns 0..nTbS-1.
DCT_MATRICES = tuple(np.ascontiguousarray(TRANS_MATRIX[:: 32 >> l, : 1 << l]) for l in range(2, 6))
# 8.6.4.2, DST-VII for 4x4 intra luma (trType = 1): DST4[k, n].
DST4 = np.array([[29, 55, 74, 84],
                 [74, 74, 0, -74],
                 [84, -29, -74, 55],
                 [55, -84, 74, -29]], np.int32)

LEVEL_SCALE = np.array([40, 45, 51, 57, 64, 72], np.int64)          # 8.6.3
QUANT_SCALES = np.array([26214, 23302, 20560, 18396, 16384, 14564], np.int64)  # HM g_quantScales
QUANT_SHIFT = 14
MAX_TR_DYNAMIC_RANGE = 15     # HM maxLog2TrDynamicRange for Main

# 8.6.1 Table 8-10: QpC as a function of qPi for ChromaArrayType == 1 (qPi 0..57)
QPC_TABLE = np.array(list(range(30)) + [29, 30, 31, 32, 33, 33, 34, 34, 35, 35, 36, 36, 37, 37]
                     + [q - 6 for q in range(44, 58)], np.int32)


# Every matrix in one array, taken by index (_matrix_index) in the transforms, which are
# compiled without reference counting and so cannot return a global array from a function:
# MATRICES[i] holds the DCT of nTbS = 4 << i (i = 0..3) and the DST (i = 4) in its top-left
# nTbS x nTbS; MATRICES_T the transposed copies (sample index first) for contiguous inner loops.
MATRICES = np.zeros((5, 32, 32), np.int32)
for _i, _m in enumerate(DCT_MATRICES + (DST4,)):
    MATRICES[_i, :_m.shape[0], :_m.shape[1]] = _m
MATRICES_T = np.ascontiguousarray(MATRICES.transpose(0, 2, 1))
del _i, _m


@njit(cache=True, nogil=True, _nrt=False)
def _matrix_index(log2_size, use_dst):
    return 4 if use_dst else log2_size - 2


# ---------------------------------------------------------------------------
# normative: inverse transform (8.6.4.2) and the final bdShift of 8.6.2
# ---------------------------------------------------------------------------

@njit(cache=True, nogil=True, _nrt=False)
def inverse_transform(coeff, log2_size, use_dst, resid, e):
    """8.6.4.2 + 8.6.2 step 4: scaled coefficients d -> residual r.

    Stage 1 (vertical, per column) then ``(e + 64) >> 7`` clipped to 16-bit
    signed; stage 2 (horizontal, per row) then ``(r + 2048) >> 12``
    (bdShift = 20 - BitDepth).  ``use_dst``: DST-VII (4x4 intra luma).
    Only the bounding box of nonzero coefficients is multiplied.  Accumulators
    are int32: exact because |d| <= 2^15 (dequantize clips) gives
    |sum| <= 32 * 90 * 2^15 < 2^27 in both stages.  ``e`` (int32, at least N x N) is the
    intermediate; coeff, resid and e must not overlap."""
    n = 1 << log2_size
    m = MATRICES[_matrix_index(log2_size, use_dst)]
    # bounding box of nonzero coefficients
    max_r = -1
    max_c = -1
    for y in range(n):
        for x in range(n):
            if coeff[y, x] != 0:
                if y > max_r:
                    max_r = y
                if x > max_c:
                    max_c = x
    if max_r < 0:
        for y in range(n):
            for x in range(n):
                resid[y, x] = 0
        return
    nc = max_c + 1
    # stage 1 (columns): e[y, k] = sum_j m[j, y] * d[j, k], k = 0..max_c (other
    # columns are zero); loops ordered for contiguous inner access.  |e| < 2^31.
    for y in range(n):
        for k in range(nc):
            e[y, k] = 0
    for j in range(max_r + 1):
        for y in range(n):
            mj = m[j, y]
            if mj != 0:
                for k in range(nc):
                    e[y, k] += mj * coeff[j, k]
    for y in range(n):
        for k in range(nc):
            v = (e[y, k] + 64) >> 7
            if v < COEFF_MIN:
                v = COEFF_MIN
            elif v > COEFF_MAX:
                v = COEFF_MAX
            e[y, k] = v
    # stage 2 (rows): r[y, x] = sum_k m[k, x] * g[y, k], accumulated in resid
    for y in range(n):
        for x in range(n):
            resid[y, x] = 2048
        for k in range(nc):
            gk = e[y, k]
            if gk != 0:
                for x in range(n):
                    resid[y, x] += m[k, x] * gk
        for x in range(n):
            resid[y, x] >>= 12


@njit(cache=True, nogil=True)
def transform_skip_inverse(coeff, log2_size, resid):
    """8.6.4.2 (transform_skip_flag = 1) + 8.6.2: r = (d << tsShift) then
    (r + 2048) >> 12, tsShift = 5 + log2(nTbS) (= 7 for the 4x4 blocks Main allows)."""
    n = 1 << log2_size
    ts_shift = 5 + log2_size
    for y in range(n):
        for x in range(n):
            resid[y, x] = ((np.int64(coeff[y, x]) << ts_shift) + 2048) >> 12


# ---------------------------------------------------------------------------
# normative: scaling (dequantisation), 8.6.2 / 8.6.3, flat (m = 16)
# ---------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def dequantize(levels, log2_size, qp, coeff):
    """8.6.3 with scaling_list_enabled_flag = 0: d = Clip3(-32768, 32767,
    (level * 16 * levelScale[qP % 6] << (qP / 6) + (1 << (bdShift - 1))) >> bdShift),
    bdShift = BitDepth + log2(nTbS) - 5.  ``qp`` is qP (Qp'Y or Qp'Cb/Cr).
    Returns the number of nonzero levels."""
    n = 1 << log2_size
    bd_shift = BIT_DEPTH + log2_size - 5
    scale = (16 * LEVEL_SCALE[qp % 6]) << (qp // 6)
    add = np.int64(1) << (bd_shift - 1)
    nz = 0
    for y in range(n):
        for x in range(n):
            lv = levels[y, x]
            if lv == 0:
                coeff[y, x] = 0
                continue
            nz += 1
            v = (np.int64(lv) * scale + add) >> bd_shift
            if v < COEFF_MIN:
                v = COEFF_MIN
            elif v > COEFF_MAX:
                v = COEFF_MAX
            coeff[y, x] = v
    return nz


# ---------------------------------------------------------------------------
# normative: QP derivation for chroma, 8.6.1
# ---------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def chroma_qp(qp_y, qp_offset):
    """8.6.1, ChromaArrayType 1: qPi = Clip3(-QpBdOffsetC, 57, QpY + offset) -> QpC
    (Table 8-10); with QpBdOffsetC = 0 this is also Qp'C.  ``qp_offset`` is
    pps_cb_qp_offset + slice_cb_qp_offset (or the Cr ones)."""
    qpi = qp_y + qp_offset
    if qpi < 0:
        qpi = 0
    elif qpi > 57:
        qpi = 57
    return QPC_TABLE[qpi]


@njit(cache=True, nogil=True)
def qp_for_component(qp_y, c_idx, cb_qp_offset, cr_qp_offset):
    """qP used for scaling of component c_idx (8.6.2): Qp'Y, Qp'Cb or Qp'Cr."""
    if c_idx == 0:
        return qp_y
    if c_idx == 1:
        return chroma_qp(qp_y, cb_qp_offset)
    return chroma_qp(qp_y, cr_qp_offset)


# ---------------------------------------------------------------------------
# encoder: forward transforms (HM TComTrQuant::xTrMxN / xTransformSkip)
# ---------------------------------------------------------------------------

@njit(cache=True, nogil=True, _nrt=False)
def forward_transform(resid, log2_size, use_dst, coeff, tmp):
    """Forward DCT/DST as HM: horizontal first with shift1 = log2 + BitDepth - 9,
    then vertical with shift2 = log2 + 6, each rounding (x + (1 << (s-1))) >> s.
    int32 accumulators: exact for |resid| <= 2047 (8-bit residuals are <= 255).  ``tmp``
    (int32, at least N x N) holds the first stage; resid, coeff and tmp must not overlap."""
    n = 1 << log2_size
    m = MATRICES[_matrix_index(log2_size, use_dst)]
    mt = MATRICES_T[_matrix_index(log2_size, use_dst)]
    shift1 = log2_size + BIT_DEPTH - 9
    shift2 = log2_size + 6
    add1 = 1 << (shift1 - 1)
    add2 = 1 << (shift2 - 1)
    # stage 1 (rows): tmp[y, k] = sum_x m[k, x] * resid[y, x]
    for y in range(n):
        for k in range(n):
            tmp[y, k] = add1
        for x in range(n):
            rx = resid[y, x]
            if rx != 0:
                for k in range(n):
                    tmp[y, k] += mt[x, k] * rx
        for k in range(n):
            tmp[y, k] >>= shift1
    # stage 2 (columns): coeff[j, k] = sum_y m[j, y] * tmp[y, k], accumulated in coeff
    for j in range(n):
        for k in range(n):
            coeff[j, k] = add2
        for y in range(n):
            mj = m[j, y]
            for k in range(n):
                coeff[j, k] += mj * tmp[y, k]
        for k in range(n):
            coeff[j, k] >>= shift2


@njit(cache=True, nogil=True)
def transform_skip_forward(resid, log2_size, coeff):
    """HM xTransformSkip: coeff = resid << (15 - BitDepth - log2) (shift >= 0 here)."""
    n = 1 << log2_size
    shift = MAX_TR_DYNAMIC_RANGE - BIT_DEPTH - log2_size
    for y in range(n):
        for x in range(n):
            coeff[y, x] = resid[y, x] << shift


# ---------------------------------------------------------------------------
# encoder: scalar dead-zone quantisation (HM TComTrQuant::xQuant, flat lists)
# ---------------------------------------------------------------------------

@njit(cache=True, nogil=True)
def quantize_with_deltas(coeff, log2_size, qp, is_intra, levels, delta_u):
    """HM xQuant: level = (|c| * quantScale[qp%6] + offset) >> qbits with
    qbits = 14 + qp/6 + (15 - BitDepth - log2), offset = (171 or 85) << (qbits - 9)
    (intra / inter), sign restored, clipped to 16-bit.  ``delta_u`` (np.int32
    [N, N] or None) receives HM's deltaU = (|c|*scale - (|level| << qbits)) >> (qbits-8),
    the rounding error used for sign data hiding.  Returns the number of nonzero levels."""
    n = 1 << log2_size
    transform_shift = MAX_TR_DYNAMIC_RANGE - BIT_DEPTH - log2_size
    q_bits = QUANT_SHIFT + qp // 6 + transform_shift
    scale = QUANT_SCALES[qp % 6]
    add = np.int64(171 if is_intra else 85) << (q_bits - 9)
    q_bits8 = q_bits - 8
    nz = 0
    for y in range(n):
        for x in range(n):
            c = np.int64(coeff[y, x])
            a = c if c >= 0 else -c
            tmp = a * scale
            q = (tmp + add) >> q_bits
            if delta_u is not None:
                delta_u[y, x] = (tmp - (q << q_bits)) >> q_bits8
            if q != 0:
                nz += 1
            if c < 0:
                q = -q
            if q < COEFF_MIN:
                q = COEFF_MIN
            elif q > COEFF_MAX:
                q = COEFF_MAX
            levels[y, x] = q
    return nz


@njit(cache=True, nogil=True)
def quantize(coeff, log2_size, qp, is_intra, levels):
    """:func:`quantize_with_deltas` without the deltaU output."""
    return quantize_with_deltas(coeff, log2_size, qp, is_intra, levels, None)
