"""residual_coding() (H.265 7.3.8.11): written and parsed next to each other.

HEVC v1 / Main profile semantics: no RExt tools (persistent_rice_adaptation,
explicit/implicit RDPCM, extended_precision_processing, cabac_bypass_alignment,
transform_skip_context and transform_skip_rotation are all off), so
Log2MaxTransformSkipSize = 2.

Contents
  * scan orders (6.5.3 up-right diagonal, 6.5.4 horizontal, 6.5.5 vertical):
    ``SCAN_ORDER[log2BlkSize, scanIdx, sPos, sComp]`` (sComp 0 = x, 1 = y) for
    block sizes 1, 2, 4, 8 (coefficients inside a 4x4 sub-block and sub-block
    positions inside a TB), and ``TB_SCAN[log2TrafoSize - 2, scanIdx, n, sComp]``,
    the scan position n = (subBlock << 4) + scanPosInSubBlock of a whole TB;
  * ``scan_idx()`` (7.4.9.11);
  * the ctxInc derivations 9.3.4.2.3 (last_sig_coeff prefix), 9.3.4.2.4
    (coded_sub_block_flag), 9.3.4.2.5 (sig_coeff_flag), 9.3.4.2.6 / 9.3.4.2.7
    (greater1 / greater2) and the binarisations 9.3.3.2 (TR), 9.3.3.3 (EGk),
    9.3.3.11 (coeff_abs_level_remaining), shared with the RDOQ of
    ``dlvc/encoder/quant.py``;
  * ``write_residual_coding`` (also the RD estimator: pass a writer in estimate
    mode) and ``read_residual_coding``.

Coefficient blocks are 2-D arrays ``coeff[y, x]`` of TransCoeffLevel values.
Sign data hiding (7.3.8.11, signHidden): the writer omits the sign of the
first significant coefficient (lowest scan position) of a sub-block when
lastSigScanPos - firstSigScanPos > 3; the decoder infers it from the parity
of the sub-block's sum of absolute levels.  Making that parity consistent is
the encoder's job (``dlvc.encoder.quant.sign_data_hiding``); the writer does
not check it.
"""
import numpy as np
from ..jit import njit

from .cabac import (
    CODED_SUB_BLOCK_FLAG, COEFF_ABS_LEVEL_GREATER1_FLAG, COEFF_ABS_LEVEL_GREATER2_FLAG,
    LAST_SIG_COEFF_X_PREFIX, LAST_SIG_COEFF_Y_PREFIX, SIG_COEFF_FLAG, TRANSFORM_SKIP_FLAG,
    decode_bypass, decode_bypass_bins, decode_decision, encode_bypass, encode_bypass_bins,
    encode_decision,
)

SCAN_DIAG = 0
SCAN_HOR = 1
SCAN_VER = 2

# Largest |TransCoeffLevel| (7.4.9.11: CoeffMinY/C .. CoeffMaxY/C = -32768..32767)
COEFF_MIN = -32768
COEFF_MAX = 32767


# ----------------------------------------------------------------------------
# 6.5.3 - 6.5.5 scan order arrays
# ----------------------------------------------------------------------------
def _diag_scan(blk):
    """6.5.3 up-right diagonal scan order array initialisation."""
    out = []
    x = y = 0
    while len(out) < blk * blk:
        while y >= 0:
            if x < blk and y < blk:
                out.append((x, y))
            y -= 1
            x += 1
        y = x
        x = 0
    return out


def _hor_scan(blk):
    """6.5.4 horizontal scan order array initialisation."""
    return [(x, y) for y in range(blk) for x in range(blk)]


def _ver_scan(blk):
    """6.5.5 vertical scan order array initialisation."""
    return [(x, y) for x in range(blk) for y in range(blk)]


def _build_scan_order():
    so = np.zeros((4, 3, 64, 2), dtype=np.int32)
    for log2_blk in range(4):
        blk = 1 << log2_blk
        for s, fn in enumerate((_diag_scan, _hor_scan, _ver_scan)):
            for p, (x, y) in enumerate(fn(blk)):
                so[log2_blk, s, p, 0] = x
                so[log2_blk, s, p, 1] = y
    return so


# ScanOrder[log2BlockSize][scanIdx][sPos][sComp] of 6.5.3 (log2BlockSize 0..3)
SCAN_ORDER = _build_scan_order()


def _build_tb_scan():
    tb = np.zeros((4, 3, 1024, 2), dtype=np.int32)
    for log2 in range(2, 6):
        log2_sb = log2 - 2
        for s in range(3):
            for i in range(1 << (2 * log2_sb)):
                xs, ys = SCAN_ORDER[log2_sb, s, i]
                for n in range(16):
                    tb[log2 - 2, s, (i << 4) + n, 0] = (xs << 2) + SCAN_ORDER[2, s, n, 0]
                    tb[log2 - 2, s, (i << 4) + n, 1] = (ys << 2) + SCAN_ORDER[2, s, n, 1]
    return tb


# Whole-TB scan: TB_SCAN[log2TrafoSize - 2, scanIdx, (i << 4) + n] = (xC, yC)
TB_SCAN = _build_tb_scan()

# 9.3.4.2.5 ctxIdxMap for 4x4 TBs (index (yC << 2) + xC; entry 15 never used)
CTX_IDX_MAP = np.array([0, 1, 4, 5, 2, 3, 4, 5, 6, 6, 8, 8, 7, 7, 8, 8], dtype=np.int32)

# last_sig_coeff prefix of a position (the "group index") and the smallest
# position of each prefix value (7.4.9.11 LastSignificantCoeffX derivation)
LAST_PREFIX = np.array([0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7,
                        8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9], dtype=np.int32)
LAST_MIN_IN_PREFIX = np.array([0, 1, 2, 3, 4, 6, 8, 12, 16, 24], dtype=np.int32)


# ----------------------------------------------------------------------------
# 7.4.9.11 scanIdx
# ----------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def scan_idx(log2_trafo_size, c_idx, is_intra, pred_mode_intra):
    """7.4.9.11 scanIdx (ChromaArrayType 1).  log2_trafo_size is the size of the
    TB being coded (the chroma TB size for chroma); pred_mode_intra is
    IntraPredModeY (c_idx 0) or IntraPredModeC.  0 diagonal, 1 horizontal,
    2 vertical."""
    if is_intra and (log2_trafo_size == 2 or (log2_trafo_size == 3 and c_idx == 0)):
        if 6 <= pred_mode_intra <= 14:
            return 2
        if 22 <= pred_mode_intra <= 30:
            return 1
    return 0


# ----------------------------------------------------------------------------
# ctxInc derivations (9.3.4.2.3 - 9.3.4.2.7)
# ----------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def last_prefix_ctx(log2_size, c_idx):
    """9.3.4.2.3: (ctxOffset, ctxShift); ctxInc = (binIdx >> ctxShift) + ctxOffset."""
    if c_idx == 0:
        return 3 * (log2_size - 2) + ((log2_size - 1) >> 2), (log2_size + 1) >> 2
    return 15, log2_size - 2


@njit(cache=True, nogil=True, _nrt=False)
def csbf_bit(csbf, x_s, y_s):
    """coded_sub_block_flag[xS][yS] from ``csbf``, the flags of a TB as one int64 bit mask
    (bit yS * 8 + xS: a 32x32 TB has 8x8 sub-blocks)."""
    return (csbf >> (y_s * 8 + x_s)) & 1


@njit(cache=True, nogil=True, _nrt=False)
def with_csbf(csbf, x_s, y_s, flag):
    """``csbf`` with coded_sub_block_flag[xS][yS] set to ``flag`` (0 or 1)."""
    bit = np.int64(1) << (y_s * 8 + x_s)
    return (csbf | bit) if flag else (csbf & ~bit)


@njit(cache=True, nogil=True, _nrt=False)
def prev_csbf(csbf, x_s, y_s, sb_width):
    """9.3.4.2.5 prevCsbf: bit 0 right sub-block coded, bit 1 below coded."""
    p = 0
    if x_s < sb_width - 1:
        p += csbf_bit(csbf, x_s + 1, y_s)
    if y_s < sb_width - 1:
        p += csbf_bit(csbf, x_s, y_s + 1) << 1
    return p


@njit(cache=True, nogil=True, _nrt=False)
def csbf_ctx_inc(csbf, x_s, y_s, sb_width, c_idx):
    """9.3.4.2.4 coded_sub_block_flag ctxInc: csSbfCtx = right + below flags, capped at 1."""
    p = prev_csbf(csbf, x_s, y_s, sb_width)
    return min((p & 1) + (p >> 1), 1) + (0 if c_idx == 0 else 2)


@njit(cache=True, nogil=True)
def sig_ctx_inc(x_c, y_c, log2_size, c_idx, scan_idx_, prev_csbf_):
    """9.3.4.2.5 sig_coeff_flag ctxInc (transform_skip_context_enabled_flag 0),
    chroma already offset by 27."""
    if log2_size == 2:
        sig = CTX_IDX_MAP[(y_c << 2) + x_c]
    elif x_c + y_c == 0:
        sig = 0
    else:
        x_p = x_c & 3
        y_p = y_c & 3
        if prev_csbf_ == 0:
            sig = 2 if x_p + y_p == 0 else (1 if x_p + y_p < 3 else 0)
        elif prev_csbf_ == 1:
            sig = 2 if y_p == 0 else (1 if y_p == 1 else 0)
        elif prev_csbf_ == 2:
            sig = 2 if x_p == 0 else (1 if x_p == 1 else 0)
        else:
            sig = 2
        if c_idx == 0:
            if (x_c >> 2) + (y_c >> 2) > 0:
                sig += 3
            if log2_size == 3:
                sig += 9 if scan_idx_ == 0 else 15
            else:
                sig += 21
        else:
            sig += 9 if log2_size == 3 else 12
    return sig if c_idx == 0 else 27 + sig


@njit(cache=True, nogil=True)
def greater1_ctx_set(i, c_idx, prev_greater1_ctx_zero):
    """9.3.4.2.6 ctxSet at the first coeff_abs_level_greater1_flag of sub-block i;
    prev_greater1_ctx_zero: lastGreater1Ctx == 0 (a greater1 flag equal to 1 in
    the previous sub-block that coded greater1 flags)."""
    cs = 0 if (i == 0 or c_idx > 0) else 2
    if prev_greater1_ctx_zero:
        cs += 1
    return cs


@njit(cache=True, nogil=True)
def greater1_ctx_inc(ctx_set, greater1_ctx, c_idx):
    """9.3.4.2.6: ctxInc = ctxSet * 4 + Min(3, greater1Ctx), +16 for chroma."""
    return ctx_set * 4 + min(3, greater1_ctx) + (0 if c_idx == 0 else 16)


@njit(cache=True, nogil=True)
def greater2_ctx_inc(ctx_set, c_idx):
    """9.3.4.2.7: ctxInc = ctxSet, +4 for chroma."""
    return ctx_set + (0 if c_idx == 0 else 4)


@njit(cache=True, nogil=True)
def next_rice(c_rice, abs_level):
    """9.3.3.11 cRiceParam for the next coeff_abs_level_remaining of the sub-block
    (cLastAbsLevel = baseLevel + coeff_abs_level_remaining)."""
    if abs_level > 3 * (1 << c_rice):
        return min(c_rice + 1, 4)
    return c_rice


@njit(cache=True, nogil=True)
def abs_remaining_nbins(value, c_rice):
    """Number of (bypass) bins of coeff_abs_level_remaining = value (9.3.3.11)."""
    if value < (4 << c_rice):
        return (value >> c_rice) + 1 + c_rice
    v = value - (4 << c_rice)
    k = c_rice + 1
    m = 0
    while v >= (1 << k):
        v -= 1 << k
        k += 1
        m += 1
    return 4 + m + 1 + k


@njit(cache=True, nogil=True)
def last_pos_prefix(pos):
    return LAST_PREFIX[pos]


@njit(cache=True, nogil=True)
def last_pos_nbins_suffix(prefix):
    """Number of bypass bins of last_sig_coeff_{x,y}_suffix for a prefix."""
    return (prefix >> 1) - 1 if prefix > 3 else 0


# ----------------------------------------------------------------------------
# Binarisations (writer / reader pairs)
# ----------------------------------------------------------------------------
@njit(cache=True, nogil=True, _nrt=False)
def _write_last_prefix(w, buf, ctx, base, prefix, log2_size, c_idx):
    # TR, cMax = (log2TrafoSize << 1) - 1, cRiceParam 0 (9.3.3.2)
    c_max = (log2_size << 1) - 1
    off, shift = last_prefix_ctx(log2_size, c_idx)
    for b in range(prefix):
        encode_decision(w, buf, ctx, base + off + (b >> shift), 1)
    if prefix < c_max:
        encode_decision(w, buf, ctx, base + off + (prefix >> shift), 0)


@njit(cache=True, nogil=True)
def _read_last_prefix(d, data, ctx, base, log2_size, c_idx):
    c_max = (log2_size << 1) - 1
    off, shift = last_prefix_ctx(log2_size, c_idx)
    p = 0
    while p < c_max and decode_decision(d, data, ctx, base + off + (p >> shift)):
        p += 1
    return p


@njit(cache=True, nogil=True, _nrt=False)
def write_abs_remaining(w, buf, value, c_rice):
    """9.3.3.11 coeff_abs_level_remaining: prefix TR (cMax = 4 << cRiceParam),
    then, when the prefix is '1111', suffix EGk with k = cRiceParam + 1 (9.3.3.3)."""
    if value < (4 << c_rice):
        q = value >> c_rice
        encode_bypass_bins(w, buf, (1 << (q + 1)) - 2, q + 1)    # q ones, a zero
        if c_rice > 0:
            encode_bypass_bins(w, buf, value & ((1 << c_rice) - 1), c_rice)
        return
    v = value - (4 << c_rice)
    k = c_rice + 1
    m = 0
    while v >= (1 << k):
        v -= 1 << k
        k += 1
        m += 1
    n1 = 4 + m                                                   # '1111' + EGk unary part
    encode_bypass_bins(w, buf, (1 << (n1 + 1)) - 2, n1 + 1)
    encode_bypass_bins(w, buf, v, k)


@njit(cache=True, nogil=True)
def read_abs_remaining(d, data, c_rice):
    """Inverse of write_abs_remaining (prefix length capped at 32 for corrupt data)."""
    p = 0
    while p < 32 and decode_bypass(d, data):
        p += 1
    if p < 4:
        v = p << c_rice
        if c_rice > 0:
            v += decode_bypass_bins(d, data, c_rice)
        return v
    m = p - 4
    k = c_rice + 1 + m
    if k > 24:                        # corrupt: beyond any conforming level
        k = 24
        m = k - c_rice - 1
    return (4 << c_rice) + ((((1 << m) - 1)) << (c_rice + 1)) + decode_bypass_bins(d, data, k)


# ----------------------------------------------------------------------------
# 7.3.8.11 residual_coding() writer
# ----------------------------------------------------------------------------
@njit(cache=True, nogil=True, _nrt=False)
def _sb_level(coeff, x_s, y_s, scan_idx_, n):
    """TransCoeffLevel at scan position n of sub-block (xS, yS)."""
    return coeff[(y_s << 2) + SCAN_ORDER[2, scan_idx_, n, 1], (x_s << 2) + SCAN_ORDER[2, scan_idx_, n, 0]]


@njit(cache=True, nogil=True, _nrt=False)
def write_residual_coding(w, buf, ctx, coeff, log2_size, c_idx, scan_idx_,
                          sign_data_hiding_enabled_flag, transform_skip_enabled_flag,
                          transform_skip_flag, cu_transquant_bypass_flag):
    """7.3.8.11 residual_coding(x0, y0, log2TrafoSize, cIdx) for coeff[y, x]
    (TransCoeffLevel, at least one nonzero).  Works in real and estimate mode."""
    if transform_skip_enabled_flag and not cu_transquant_bypass_flag and log2_size == 2:
        encode_decision(w, buf, ctx, TRANSFORM_SKIP_FLAG + (0 if c_idx == 0 else 1),
                        1 if transform_skip_flag else 0)
    log2_sb = log2_size - 2
    sb_w = 1 << log2_sb
    n_sb = sb_w * sb_w
    tb = log2_size - 2

    # LastSignificantCoeffX/Y: the last nonzero coefficient in scan order
    last = -1
    for p in range((n_sb << 4) - 1, -1, -1):
        if coeff[TB_SCAN[tb, scan_idx_, p, 1], TB_SCAN[tb, scan_idx_, p, 0]] != 0:
            last = p
            break
    if last < 0:
        return
    last_sb = last >> 4
    last_pos = last & 15
    lx = TB_SCAN[tb, scan_idx_, last, 0]
    ly = TB_SCAN[tb, scan_idx_, last, 1]
    if scan_idx_ == 2:                   # 7.4.9.11: coordinates swapped for vertical scan
        lx, ly = ly, lx
    px = LAST_PREFIX[lx]
    py = LAST_PREFIX[ly]
    _write_last_prefix(w, buf, ctx, LAST_SIG_COEFF_X_PREFIX, px, log2_size, c_idx)
    _write_last_prefix(w, buf, ctx, LAST_SIG_COEFF_Y_PREFIX, py, log2_size, c_idx)
    if px > 3:                            # FL, cMax = (1 << ((prefix >> 1) - 1)) - 1
        encode_bypass_bins(w, buf, lx - LAST_MIN_IN_PREFIX[px], (px >> 1) - 1)
    if py > 3:
        encode_bypass_bins(w, buf, ly - LAST_MIN_IN_PREFIX[py], (py >> 1) - 1)

    csbf = np.int64(0)                   # coded_sub_block_flag bit mask (csbf_bit)
    g1_zero = False                      # lastGreater1Ctx == 0 carried between sub-blocks
    for i in range(last_sb, -1, -1):
        x_s = SCAN_ORDER[log2_sb, scan_idx_, i, 0]
        y_s = SCAN_ORDER[log2_sb, scan_idx_, i, 1]
        # the sub-block's levels in scan order are read from coeff where needed (_sb_level);
        # sig: bit n set when the level at scan position n is nonzero
        sig = 0
        for n in range(16):
            if _sb_level(coeff, x_s, y_s, scan_idx_, n) != 0:
                sig |= 1 << n
        infer_dc = False
        if i < last_sb and i > 0:
            flag = 1 if sig else 0
            encode_decision(w, buf, ctx,
                            CODED_SUB_BLOCK_FLAG + csbf_ctx_inc(csbf, x_s, y_s, sb_w, c_idx), flag)
            csbf = with_csbf(csbf, x_s, y_s, flag)
            infer_dc = True
        else:
            csbf = with_csbf(csbf, x_s, y_s, 1)       # inferred
        if csbf_bit(csbf, x_s, y_s) == 0:
            continue
        # sig_coeff_flag
        pc = prev_csbf(csbf, x_s, y_s, sb_w)
        start = last_pos - 1 if i == last_sb else 15
        for n in range(start, -1, -1):
            if n > 0 or not infer_dc:
                x_c = (x_s << 2) + SCAN_ORDER[2, scan_idx_, n, 0]
                y_c = (y_s << 2) + SCAN_ORDER[2, scan_idx_, n, 1]
                s = (sig >> n) & 1
                encode_decision(w, buf, ctx,
                                SIG_COEFF_FLAG + sig_ctx_inc(x_c, y_c, log2_size, c_idx, scan_idx_, pc), s)
                if s:
                    infer_dc = False
        if sig == 0:                     # DC sub-block with no coefficient
            continue
        # coeff_abs_level_greater1_flag (first 8), 9.3.4.2.6
        ctx_set = greater1_ctx_set(i, c_idx, g1_zero)
        g1c = 1
        num_g1 = 0
        first_sig = 16
        last_sig = -1
        last_g1_pos = -1
        for n in range(15, -1, -1):
            if (sig >> n) & 1:
                if num_g1 < 8:
                    g1 = 1 if abs(_sb_level(coeff, x_s, y_s, scan_idx_, n)) > 1 else 0
                    encode_decision(w, buf, ctx,
                                    COEFF_ABS_LEVEL_GREATER1_FLAG + greater1_ctx_inc(ctx_set, g1c, c_idx),
                                    g1)
                    num_g1 += 1
                    if g1:
                        g1c = 0
                        if last_g1_pos == -1:
                            last_g1_pos = n
                    elif g1c > 0:
                        g1c += 1
                if last_sig == -1:
                    last_sig = n
                first_sig = n
        g1_zero = g1c == 0
        sign_hidden = (sign_data_hiding_enabled_flag and not cu_transquant_bypass_flag
                       and last_sig - first_sig > 3)
        # coeff_abs_level_greater2_flag, 9.3.4.2.7
        if last_g1_pos != -1:
            encode_decision(w, buf, ctx,
                            COEFF_ABS_LEVEL_GREATER2_FLAG + greater2_ctx_inc(ctx_set, c_idx),
                            1 if abs(_sb_level(coeff, x_s, y_s, scan_idx_, last_g1_pos)) > 2 else 0)
        # coeff_sign_flag (bypass)
        for n in range(15, -1, -1):
            if (sig >> n) & 1 and (not sign_hidden or n != first_sig):
                encode_bypass(w, buf, 1 if _sb_level(coeff, x_s, y_s, scan_idx_, n) < 0 else 0)
        # coeff_abs_level_remaining
        num_sig = 0
        c_rice = 0
        for n in range(15, -1, -1):
            if (sig >> n) & 1:
                a = abs(_sb_level(coeff, x_s, y_s, scan_idx_, n))
                if num_sig >= 8:
                    base = 1
                elif n == last_g1_pos:
                    base = 3
                else:
                    base = 2
                if a >= base:
                    write_abs_remaining(w, buf, a - base, c_rice)
                    c_rice = next_rice(c_rice, a)
                num_sig += 1


# ----------------------------------------------------------------------------
# 7.3.8.11 residual_coding() parser
# ----------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def read_residual_coding(d, data, ctx, coeff, log2_size, c_idx, scan_idx_,
                         sign_data_hiding_enabled_flag, transform_skip_enabled_flag,
                         cu_transquant_bypass_flag):
    """7.3.8.11 residual_coding(): fills coeff[y, x] (zeroed first) with
    TransCoeffLevel values; returns transform_skip_flag."""
    n_tb = 1 << log2_size
    for y in range(n_tb):
        for x in range(n_tb):
            coeff[y, x] = 0
    ts = 0
    if transform_skip_enabled_flag and not cu_transquant_bypass_flag and log2_size == 2:
        ts = decode_decision(d, data, ctx, TRANSFORM_SKIP_FLAG + (0 if c_idx == 0 else 1))
    px = _read_last_prefix(d, data, ctx, LAST_SIG_COEFF_X_PREFIX, log2_size, c_idx)
    py = _read_last_prefix(d, data, ctx, LAST_SIG_COEFF_Y_PREFIX, log2_size, c_idx)
    lx = px
    ly = py
    if px > 3:
        lx = LAST_MIN_IN_PREFIX[px] + decode_bypass_bins(d, data, (px >> 1) - 1)
    if py > 3:
        ly = LAST_MIN_IN_PREFIX[py] + decode_bypass_bins(d, data, (py >> 1) - 1)
    if scan_idx_ == 2:
        lx, ly = ly, lx
    log2_sb = log2_size - 2
    sb_w = 1 << log2_sb
    n_sb = sb_w * sb_w
    tb = log2_size - 2
    last = (n_sb << 4) - 1
    while last > 0 and (TB_SCAN[tb, scan_idx_, last, 0] != lx or TB_SCAN[tb, scan_idx_, last, 1] != ly):
        last -= 1
    last_sb = last >> 4
    last_pos = last & 15

    csbf = np.int64(0)
    sigf = np.zeros(16, dtype=np.int32)
    absl = np.zeros(16, dtype=np.int32)
    neg = np.zeros(16, dtype=np.int32)
    g1_zero = False
    for i in range(last_sb, -1, -1):
        x_s = SCAN_ORDER[log2_sb, scan_idx_, i, 0]
        y_s = SCAN_ORDER[log2_sb, scan_idx_, i, 1]
        infer_dc = False
        if i < last_sb and i > 0:
            csbf = with_csbf(csbf, x_s, y_s, decode_decision(
                d, data, ctx, CODED_SUB_BLOCK_FLAG + csbf_ctx_inc(csbf, x_s, y_s, sb_w, c_idx)))
            infer_dc = True
        else:
            csbf = with_csbf(csbf, x_s, y_s, 1)
        if csbf_bit(csbf, x_s, y_s) == 0:
            continue
        for n in range(16):
            sigf[n] = 0
            absl[n] = 0
            neg[n] = 0
        pc = prev_csbf(csbf, x_s, y_s, sb_w)
        if i == last_sb:
            start = last_pos - 1
            sigf[last_pos] = 1            # inferred at the last position
        else:
            start = 15
        for n in range(start, -1, -1):
            if n > 0 or not infer_dc:
                x_c = (x_s << 2) + SCAN_ORDER[2, scan_idx_, n, 0]
                y_c = (y_s << 2) + SCAN_ORDER[2, scan_idx_, n, 1]
                sigf[n] = decode_decision(
                    d, data, ctx, SIG_COEFF_FLAG + sig_ctx_inc(x_c, y_c, log2_size, c_idx, scan_idx_, pc))
                if sigf[n]:
                    infer_dc = False
            else:
                sigf[n] = 1               # n == 0, inferSbDcSigCoeffFlag
        ctx_set = 0
        g1c = 1
        num_g1 = 0
        first_sig = 16
        last_sig = -1
        last_g1_pos = -1
        any_sig = False
        for n in range(15, -1, -1):
            if sigf[n]:
                if not any_sig:
                    ctx_set = greater1_ctx_set(i, c_idx, g1_zero)
                    any_sig = True
                absl[n] = 1
                if num_g1 < 8:
                    g1 = decode_decision(
                        d, data, ctx, COEFF_ABS_LEVEL_GREATER1_FLAG + greater1_ctx_inc(ctx_set, g1c, c_idx))
                    num_g1 += 1
                    if g1:
                        absl[n] = 2
                        g1c = 0
                        if last_g1_pos == -1:
                            last_g1_pos = n
                    elif g1c > 0:
                        g1c += 1
                if last_sig == -1:
                    last_sig = n
                first_sig = n
        if not any_sig:
            continue
        g1_zero = g1c == 0
        sign_hidden = (sign_data_hiding_enabled_flag and not cu_transquant_bypass_flag
                       and last_sig - first_sig > 3)
        if last_g1_pos != -1:
            if decode_decision(d, data, ctx,
                               COEFF_ABS_LEVEL_GREATER2_FLAG + greater2_ctx_inc(ctx_set, c_idx)):
                absl[last_g1_pos] = 3
        for n in range(15, -1, -1):
            if sigf[n] and (not sign_hidden or n != first_sig):
                neg[n] = decode_bypass(d, data)
        num_sig = 0
        c_rice = 0
        sum_abs = 0
        for n in range(15, -1, -1):
            if sigf[n]:
                base = absl[n]
                if num_sig >= 8:
                    thr = 1
                elif n == last_g1_pos:
                    thr = 3
                else:
                    thr = 2
                a = base
                if base == thr:
                    a = base + read_abs_remaining(d, data, c_rice)
                    if a > 1 << 20:       # corrupt stream: keep int32 arithmetic sane
                        a = 1 << 20
                    c_rice = next_rice(c_rice, a)
                sum_abs += a
                x_c = (x_s << 2) + SCAN_ORDER[2, scan_idx_, n, 0]
                y_c = (y_s << 2) + SCAN_ORDER[2, scan_idx_, n, 1]
                v = -a if neg[n] else a
                if sign_hidden and n == first_sig and (sum_abs & 1):
                    v = -v
                coeff[y_c, x_c] = v
                num_sig += 1
    return ts
