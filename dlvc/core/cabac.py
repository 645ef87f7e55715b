"""CABAC engine (H.265 clause 9.3): context tables and initialisation, the
arithmetic encoder (with an RD bit-estimation mode) and the arithmetic decoder.

Only the engine lives here; binarisation and ctxInc derivation stay with the
callers, which pass ``ci = <ELEMENT BASE> + ctxInc``.

Context states
--------------
``ctx`` is an ``np.uint8`` array of length ``NUM_CTX``; entry = ``(pStateIdx << 1) | valMps``.
Base index constants are named after the syntax element (upper case); the
``N_<ELEMENT>`` constants give the number of contexts per initType.

Layout notes (deviations from the v1 tables are additions at the end of an element):
  * CBF_CHROMA has 5 contexts: ctxInc 0..3 of the v1 table 9-22 plus the 5th
    context of the RExt-era table (initValue 154 for all initTypes); Main-profile
    callers only ever use ctxInc 0..3 (ctxInc = trafoDepth).
  * SIG_COEFF_FLAG has 44 contexts: 0..26 luma, 27..41 chroma (v1, Table 9-29
    order, ctxInc of 9.3.4.2.5 with chroma ctxInc already offset by +27) followed
    by the two RExt transform_skip_context_enabled contexts (42: luma, 43: chroma).
  * Elements that do not occur in I slices (cu_skip_flag, merge_*, ...) and
    PART_MODE ctxInc 1..3 for initType 0 get initValue 154 there (never used).
  * EXT_BASE .. EXT_BASE+15 are reserved for dlvc tool extensions (initValue 154).

Writer state ``w`` (np.int64 array, see W_* constants) + output buffer ``buf``
(np.uint8).  The engine is HM's low/range/bitsLeft/bufferedByte/numBufferedBytes
formulation of 9.3.4.3 (outstanding bytes rather than outstanding bits); it writes
exactly the bit string of the spec's EncodeDecision/EncodeBypass/EncodeTerminate/
EncodeFlush.  All state is in ``w``/``buf``/``ctx``: ``w.copy()``, ``ctx.copy()``
(and ``buf`` when real bytes must be restored) checkpoint an RD trial.

Reader state ``d`` (np.int64 array, see D_* constants), data = np.uint8 array of
RBSP bytes (emulation prevention removed).  Reading past the end of ``data``
yields zero bits and sets ``d[D_ERROR]`` (see ``reader_overrun``).

Engine functions are compiled with ``_nrt=False`` (they never allocate): this
removes NumPy reference-count traffic inside them, which otherwise costs more
than the arithmetic coding itself.  All bins are plain ints (0/1), ``ci`` an int.
"""
import numpy as np
from ..jit import njit

# ----------------------------------------------------------------------------
# Context index layout (counts from the tables of 9.3.2.2, per initType)
# ----------------------------------------------------------------------------
N_SAO_MERGE_FLAG = 1               # sao_merge_left_flag and sao_merge_up_flag share it
N_SAO_TYPE_IDX = 1                 # sao_type_idx_luma / _chroma
N_SPLIT_CU_FLAG = 3
N_CU_TRANSQUANT_BYPASS_FLAG = 1
N_CU_SKIP_FLAG = 3
N_PRED_MODE_FLAG = 1
N_PART_MODE = 4
N_PREV_INTRA_LUMA_PRED_FLAG = 1
N_INTRA_CHROMA_PRED_MODE = 1
N_RQT_ROOT_CBF = 1
N_MERGE_FLAG = 1
N_MERGE_IDX = 1
N_INTER_PRED_IDC = 5
N_REF_IDX = 2                      # ref_idx_l0 and ref_idx_l1 share them
N_MVP_FLAG = 1                     # mvp_l0_flag and mvp_l1_flag share it
N_SPLIT_TRANSFORM_FLAG = 3
N_CBF_LUMA = 2
N_CBF_CHROMA = 5                   # cbf_cb / cbf_cr; 0..3 v1, 4 = RExt-table extra
N_ABS_MVD_GREATER0_FLAG = 1
N_ABS_MVD_GREATER1_FLAG = 1
N_CU_QP_DELTA_ABS = 2
N_TRANSFORM_SKIP_FLAG = 2          # 0 luma, 1 chroma
N_LAST_SIG_COEFF_X_PREFIX = 18
N_LAST_SIG_COEFF_Y_PREFIX = 18
N_CODED_SUB_BLOCK_FLAG = 4
N_SIG_COEFF_FLAG = 44              # 27 luma + 15 chroma (v1) + 2 transform-skip (RExt)
N_COEFF_ABS_LEVEL_GREATER1_FLAG = 24
N_COEFF_ABS_LEVEL_GREATER2_FLAG = 6
N_EXT = 16                         # dlvc tool extension contexts

_ORDER = (
    "SAO_MERGE_FLAG", "SAO_TYPE_IDX", "SPLIT_CU_FLAG", "CU_TRANSQUANT_BYPASS_FLAG",
    "CU_SKIP_FLAG", "PRED_MODE_FLAG", "PART_MODE", "PREV_INTRA_LUMA_PRED_FLAG",
    "INTRA_CHROMA_PRED_MODE", "RQT_ROOT_CBF", "MERGE_FLAG", "MERGE_IDX",
    "INTER_PRED_IDC", "REF_IDX", "MVP_FLAG", "SPLIT_TRANSFORM_FLAG", "CBF_LUMA",
    "CBF_CHROMA", "ABS_MVD_GREATER0_FLAG", "ABS_MVD_GREATER1_FLAG",
    "CU_QP_DELTA_ABS", "TRANSFORM_SKIP_FLAG", "LAST_SIG_COEFF_X_PREFIX",
    "LAST_SIG_COEFF_Y_PREFIX", "CODED_SUB_BLOCK_FLAG", "SIG_COEFF_FLAG",
    "COEFF_ABS_LEVEL_GREATER1_FLAG", "COEFF_ABS_LEVEL_GREATER2_FLAG",
)

SAO_MERGE_FLAG = 0
SAO_TYPE_IDX = SAO_MERGE_FLAG + N_SAO_MERGE_FLAG                                  # 1
SPLIT_CU_FLAG = SAO_TYPE_IDX + N_SAO_TYPE_IDX                                     # 2
CU_TRANSQUANT_BYPASS_FLAG = SPLIT_CU_FLAG + N_SPLIT_CU_FLAG                       # 5
CU_SKIP_FLAG = CU_TRANSQUANT_BYPASS_FLAG + N_CU_TRANSQUANT_BYPASS_FLAG            # 6
PRED_MODE_FLAG = CU_SKIP_FLAG + N_CU_SKIP_FLAG                                    # 9
PART_MODE = PRED_MODE_FLAG + N_PRED_MODE_FLAG                                     # 10
PREV_INTRA_LUMA_PRED_FLAG = PART_MODE + N_PART_MODE                               # 14
INTRA_CHROMA_PRED_MODE = PREV_INTRA_LUMA_PRED_FLAG + N_PREV_INTRA_LUMA_PRED_FLAG  # 15
RQT_ROOT_CBF = INTRA_CHROMA_PRED_MODE + N_INTRA_CHROMA_PRED_MODE                  # 16
MERGE_FLAG = RQT_ROOT_CBF + N_RQT_ROOT_CBF                                        # 17
MERGE_IDX = MERGE_FLAG + N_MERGE_FLAG                                             # 18
INTER_PRED_IDC = MERGE_IDX + N_MERGE_IDX                                          # 19
REF_IDX = INTER_PRED_IDC + N_INTER_PRED_IDC                                       # 24
MVP_FLAG = REF_IDX + N_REF_IDX                                                    # 26
SPLIT_TRANSFORM_FLAG = MVP_FLAG + N_MVP_FLAG                                      # 27
CBF_LUMA = SPLIT_TRANSFORM_FLAG + N_SPLIT_TRANSFORM_FLAG                          # 30
CBF_CHROMA = CBF_LUMA + N_CBF_LUMA                                                # 32
ABS_MVD_GREATER0_FLAG = CBF_CHROMA + N_CBF_CHROMA                                 # 37
ABS_MVD_GREATER1_FLAG = ABS_MVD_GREATER0_FLAG + N_ABS_MVD_GREATER0_FLAG           # 38
CU_QP_DELTA_ABS = ABS_MVD_GREATER1_FLAG + N_ABS_MVD_GREATER1_FLAG                 # 39
TRANSFORM_SKIP_FLAG = CU_QP_DELTA_ABS + N_CU_QP_DELTA_ABS                         # 41
LAST_SIG_COEFF_X_PREFIX = TRANSFORM_SKIP_FLAG + N_TRANSFORM_SKIP_FLAG             # 43
LAST_SIG_COEFF_Y_PREFIX = LAST_SIG_COEFF_X_PREFIX + N_LAST_SIG_COEFF_X_PREFIX     # 61
CODED_SUB_BLOCK_FLAG = LAST_SIG_COEFF_Y_PREFIX + N_LAST_SIG_COEFF_Y_PREFIX        # 79
SIG_COEFF_FLAG = CODED_SUB_BLOCK_FLAG + N_CODED_SUB_BLOCK_FLAG                    # 83
COEFF_ABS_LEVEL_GREATER1_FLAG = SIG_COEFF_FLAG + N_SIG_COEFF_FLAG                 # 127
COEFF_ABS_LEVEL_GREATER2_FLAG = (COEFF_ABS_LEVEL_GREATER1_FLAG
                                 + N_COEFF_ABS_LEVEL_GREATER1_FLAG)               # 151
EXT_BASE = COEFF_ABS_LEVEL_GREATER2_FLAG + N_COEFF_ABS_LEVEL_GREATER2_FLAG        # 157
NUM_CTX = EXT_BASE + N_EXT                                                        # 173

# Useful sub-offsets inside SIG_COEFF_FLAG (9.3.4.2.5 ctxInc conventions)
SIG_COEFF_FLAG_CHROMA_OFFSET = 27     # chroma sigCtx += 27
SIG_COEFF_FLAG_TS_LUMA = 42           # transform_skip_context_enabled (RExt only)
SIG_COEFF_FLAG_TS_CHROMA = 43

# ----------------------------------------------------------------------------
# Writer / reader state field indices
# ----------------------------------------------------------------------------
W_LOW = 0            # ivlLow, HM scaled form
W_RANGE = 1          # ivlCurrRange (9 bits)
W_BITS_LEFT = 2      # HM bitsLeft
W_BUFFERED_BYTE = 3  # byte held back for carry propagation
W_NUM_BUFFERED = 4   # number of buffered bytes (first + run of 0xff)
W_POS = 5            # next write offset in buf
W_ESTIMATE = 6       # 1: estimate mode (nothing written)
W_FRAC_BITS = 7      # estimate mode: accumulated bits in 1/32768 units
W_OVERFLOW = 8       # 1: buf capacity exceeded, bytes were dropped
W_START = 9          # byte offset where the current (sub)stream started
W_NFIELDS = 10

D_VALUE = 0          # HM scaled ivlOffset (offset << 7 plus look-ahead bits)
D_RANGE = 1          # ivlCurrRange
D_BITS_NEEDED = 2    # HM bitsNeeded (-8..-1)
D_POS = 3            # next byte to read from data
D_ERROR = 4          # 1: read past the end of data
D_NFIELDS = 5

FRAC_BITS_SCALE = 32768   # 1 bit in estimate units (1 << 15)
CNU = 154                 # "context not used" initValue

# ----------------------------------------------------------------------------
# Table 9-46 rangeTabLps[pStateIdx][qRangeIdx] and Table 9-47 state transitions
# ----------------------------------------------------------------------------
RANGE_TAB_LPS = np.array([
    [128, 176, 208, 240], [128, 167, 197, 227], [128, 158, 187, 216], [123, 150, 178, 205],
    [116, 142, 169, 195], [111, 135, 160, 185], [105, 128, 152, 175], [100, 122, 144, 166],
    [95, 116, 137, 158], [90, 110, 130, 150], [85, 104, 123, 142], [81, 99, 117, 135],
    [77, 94, 111, 128], [73, 89, 105, 122], [69, 85, 100, 116], [66, 80, 95, 110],
    [62, 76, 90, 104], [59, 72, 86, 99], [56, 69, 81, 94], [53, 65, 77, 89],
    [51, 62, 73, 85], [48, 59, 69, 80], [46, 56, 66, 76], [43, 53, 63, 72],
    [41, 50, 59, 69], [39, 48, 56, 65], [37, 45, 54, 62], [35, 43, 51, 59],
    [33, 41, 48, 56], [32, 39, 46, 53], [30, 37, 43, 50], [29, 35, 41, 48],
    [27, 33, 39, 45], [26, 31, 37, 43], [24, 30, 35, 41], [23, 28, 33, 39],
    [22, 27, 32, 37], [21, 26, 30, 35], [20, 24, 29, 33], [19, 23, 27, 31],
    [18, 22, 26, 30], [17, 21, 25, 28], [16, 20, 23, 27], [15, 19, 22, 25],
    [14, 18, 21, 24], [14, 17, 20, 23], [13, 16, 19, 22], [12, 15, 18, 21],
    [12, 14, 17, 20], [11, 14, 16, 19], [11, 13, 15, 18], [10, 12, 15, 17],
    [10, 12, 14, 16], [9, 11, 13, 15], [9, 11, 12, 14], [8, 10, 12, 14],
    [8, 9, 11, 13], [7, 9, 11, 12], [7, 9, 10, 12], [7, 8, 10, 11],
    [6, 8, 9, 11], [6, 7, 9, 10], [6, 7, 8, 9], [2, 2, 2, 2],
], dtype=np.int64)

TRANS_IDX_LPS = np.array([
    0, 0, 1, 2, 2, 4, 4, 5, 6, 7, 8, 9, 9, 11, 11, 12,
    13, 13, 15, 15, 16, 16, 18, 18, 19, 19, 21, 21, 22, 22, 23, 24,
    24, 25, 26, 26, 27, 27, 28, 29, 29, 30, 30, 30, 31, 32, 32, 33,
    33, 33, 34, 34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 63,
], dtype=np.int64)

TRANS_IDX_MPS = np.array([min(s + 1, 62) for s in range(63)] + [63], dtype=np.int64)

# Renormalisation shift for an LPS sub-range (number of doublings to reach >= 256),
# indexed by rLps >> 3 (rLps in 2..240).
# rLps >= 6 in Table 9-46 (2 only for the terminate state, which never uses this).
RENORM_TAB = np.array([6] + [9 - (i << 3).bit_length() for i in range(1, 32)], dtype=np.int64)
# exact per-value check: for v in 6..255, v << RENORM_TAB[v >> 3] lies in 256..511
for _v in range(6, 256):
    assert 256 <= (_v << RENORM_TAB[_v >> 3]) < 512, _v
del _v

# Packed state transitions on the 7-bit state (pStateIdx << 1 | valMps), 9.3.4.3.2.2
NEXT_STATE_MPS = np.zeros(128, dtype=np.uint8)
NEXT_STATE_LPS = np.zeros(128, dtype=np.uint8)
for _s in range(64):
    for _m in range(2):
        NEXT_STATE_MPS[(_s << 1) | _m] = (TRANS_IDX_MPS[_s] << 1) | _m
        _mps = 1 - _m if _s == 0 else _m        # valMps flips on LPS in state 0
        NEXT_STATE_LPS[(_s << 1) | _m] = (TRANS_IDX_LPS[_s] << 1) | _mps
del _s, _m, _mps
# NEXT_STATE[(state << 1) | isLps]: both transitions in one table
NEXT_STATE = np.zeros(256, dtype=np.uint8)
NEXT_STATE[0::2] = NEXT_STATE_MPS
NEXT_STATE[1::2] = NEXT_STATE_LPS


# ----------------------------------------------------------------------------
# Entropy estimate table: ENTROPY_BITS[state ^ bin] in 1/32768 bit.
# Even index (bin == valMps): -log2(1 - pLPS); odd index: -log2(pLPS).
# pLPS of state s is the probability model the table of 9-46 approximates:
# pLPS(s) = 0.5 * alpha^s, alpha = (0.01875 / 0.5)^(1/63) (as HM's table);
# state 63 (the terminate state, rLps = 2) uses pLPS = 2/range averaged over
# the range interval 256..510.
# ----------------------------------------------------------------------------
def _make_entropy_bits():
    alpha = (0.01875 / 0.5) ** (1.0 / 63.0)
    p = 0.5 * alpha ** np.arange(64, dtype=np.float64)
    p[63] = np.mean(2.0 / np.arange(256, 511, dtype=np.float64))
    t = np.zeros(128, dtype=np.int64)
    t[0::2] = np.round(-np.log2(1.0 - p) * FRAC_BITS_SCALE).astype(np.int64)
    t[1::2] = np.round(-np.log2(p) * FRAC_BITS_SCALE).astype(np.int64)
    return t


ENTROPY_BITS = _make_entropy_bits()
# encode_terminate cost as HM (state 63, valMps 0): bin 0 cheap, bin 1 ~7.6 bits
TERM_BITS = np.array([ENTROPY_BITS[126], ENTROPY_BITS[127]], dtype=np.int64)


# ----------------------------------------------------------------------------
# 9.3.2.2 initialisation: initValue tables, indexed [initType, ctxIdx]
# Values per element in the order initType 0, 1, 2 (the per-element initValue
# tables of 9.3.2.2; cross-checked against HM's ContextTables.h).
# ----------------------------------------------------------------------------
_C = CNU
_INIT = {
    "SAO_MERGE_FLAG": ([153], [153], [153]),
    "SAO_TYPE_IDX": ([200], [185], [160]),
    "SPLIT_CU_FLAG": ([139, 141, 157], [107, 139, 126], [107, 139, 126]),
    "CU_TRANSQUANT_BYPASS_FLAG": ([154], [154], [154]),
    "CU_SKIP_FLAG": ([_C, _C, _C], [197, 185, 201], [197, 185, 201]),
    "PRED_MODE_FLAG": ([_C], [149], [134]),
    # initType 0 has one context (184)
    "PART_MODE": ([184, _C, _C, _C], [154, 139, 154, 154], [154, 139, 154, 154]),
    "PREV_INTRA_LUMA_PRED_FLAG": ([184], [154], [183]),
    "INTRA_CHROMA_PRED_MODE": ([63], [152], [152]),
    "RQT_ROOT_CBF": ([_C], [79], [79]),
    "MERGE_FLAG": ([_C], [110], [154]),
    "MERGE_IDX": ([_C], [122], [137]),
    "INTER_PRED_IDC": ([_C] * 5, [95, 79, 63, 31, 31], [95, 79, 63, 31, 31]),
    "REF_IDX": ([_C, _C], [153, 153], [153, 153]),
    "MVP_FLAG": ([_C], [168], [168]),
    "SPLIT_TRANSFORM_FLAG": ([153, 138, 138], [124, 138, 94], [224, 167, 122]),
    "CBF_LUMA": ([111, 141], [153, 111], [153, 111]),
    # (+ the RExt-table 5th context, 154)
    "CBF_CHROMA": ([94, 138, 182, 154, 154], [149, 107, 167, 154, 154],
                   [149, 92, 167, 154, 154]),
    "ABS_MVD_GREATER0_FLAG": ([_C], [140], [169]),
    "ABS_MVD_GREATER1_FLAG": ([_C], [198], [198]),
    "CU_QP_DELTA_ABS": ([154, 154], [154, 154], [154, 154]),
    "TRANSFORM_SKIP_FLAG": ([139, 139], [139, 139], [139, 139]),
    "LAST_SIG_COEFF_X_PREFIX": (
        [110, 110, 124, 125, 140, 153, 125, 127, 140, 109, 111, 143, 127, 111, 79, 108, 123, 63],
        [125, 110, 94, 110, 95, 79, 125, 111, 110, 78, 110, 111, 111, 95, 94, 108, 123, 108],
        [125, 110, 124, 110, 95, 94, 125, 111, 111, 79, 125, 126, 111, 111, 79, 108, 123, 93]),
    "LAST_SIG_COEFF_Y_PREFIX": None,   # same values as X (filled below)
    "CODED_SUB_BLOCK_FLAG": ([91, 171, 134, 141], [121, 140, 61, 154], [121, 140, 61, 154]),
    # (v1 42 contexts; then the 2 RExt transform_skip_context ones)
    "SIG_COEFF_FLAG": (
        [111, 111, 125, 110, 110, 94, 124, 108, 124, 107, 125, 141, 179, 153,
         125, 107, 125, 141, 179, 153, 125, 107, 125, 141, 179, 153, 125,
         140, 139, 182, 182, 152, 136, 152, 136, 153, 136, 139, 111, 136, 139, 111,
         141, 111],
        [155, 154, 139, 153, 139, 123, 123, 63, 153, 166, 183, 140, 136, 153,
         154, 166, 183, 140, 136, 153, 154, 166, 183, 140, 136, 153, 154,
         170, 153, 123, 123, 107, 121, 107, 121, 167, 151, 183, 140, 151, 183, 140,
         140, 140],
        [170, 154, 139, 153, 139, 123, 123, 63, 124, 166, 183, 140, 136, 153,
         154, 166, 183, 140, 136, 153, 154, 166, 183, 140, 136, 153, 154,
         170, 153, 138, 138, 122, 121, 122, 121, 167, 151, 183, 140, 151, 183, 140,
         140, 140]),
    "COEFF_ABS_LEVEL_GREATER1_FLAG": (
        [140, 92, 137, 138, 140, 152, 138, 139, 153, 74, 149, 92, 139, 107,
         122, 152, 140, 179, 166, 182, 140, 227, 122, 197],
        [154, 196, 196, 167, 154, 152, 167, 182, 182, 134, 149, 136, 153, 121,
         136, 137, 169, 194, 166, 167, 154, 167, 137, 182],
        [154, 196, 167, 167, 154, 152, 167, 182, 182, 134, 149, 136, 153, 121,
         136, 122, 169, 208, 166, 167, 154, 152, 167, 182]),
    "COEFF_ABS_LEVEL_GREATER2_FLAG": ([138, 153, 136, 167, 152, 152],
                                      [107, 167, 91, 122, 107, 167],
                                      [107, 167, 91, 107, 107, 167]),
}
_INIT["LAST_SIG_COEFF_Y_PREFIX"] = _INIT["LAST_SIG_COEFF_X_PREFIX"]


def _build_init_values():
    iv = np.full((3, NUM_CTX), CNU, dtype=np.uint8)
    for name in _ORDER:
        base = globals()[name]
        n = globals()["N_" + name]
        rows = _INIT[name]
        for t in range(3):
            assert len(rows[t]) == n, (name, t)
            iv[t, base:base + n] = rows[t]
    return iv


INIT_VALUES = _build_init_values()          # shape (3, NUM_CTX), EXT contexts = 154
del _C


@njit(cache=True, nogil=True)
def _init_contexts(init_values, init_type, slice_qp):
    n = init_values.shape[1]
    ctx = np.empty(n, dtype=np.uint8)
    qp = min(max(slice_qp, 0), 51)                     # Clip3(0, 51, SliceQpY)
    for i in range(n):
        v = np.int64(init_values[init_type, i])
        slope_idx = v >> 4                             # (9-5)
        offset_idx = v & 15
        m = slope_idx * 5 - 45
        nn = (offset_idx << 3) - 16
        pre = min(max(((m * qp) >> 4) + nn, 1), 126)   # preCtxState (9-6)
        if pre <= 63:
            ctx[i] = ((63 - pre) << 1) | 0             # valMps = 0
        else:
            ctx[i] = ((pre - 64) << 1) | 1             # valMps = 1
    return ctx


def init_contexts(init_type, slice_qp):
    """9.3.2.2: context states for initType 0 (I), 1, 2 and SliceQpY."""
    if init_type not in (0, 1, 2):
        raise ValueError("init_type must be 0, 1 or 2")
    return _init_contexts(INIT_VALUES, int(init_type), int(slice_qp))


def init_type_for(slice_type, cabac_init_flag):
    """9.3.2.2 initType from slice_type (0 B, 1 P, 2 I) and cabac_init_flag."""
    if slice_type == 2:
        return 0
    if slice_type == 1:
        return 2 if cabac_init_flag else 1
    return 1 if cabac_init_flag else 2


# ----------------------------------------------------------------------------
# Encoder (9.3.4.3 arithmetic encoding, HM formulation)
# ----------------------------------------------------------------------------
def new_writer(capacity, estimate=False):
    """Return (w, buf): a writer state and a `capacity`-byte output buffer."""
    w = np.zeros(W_NFIELDS, dtype=np.int64)
    buf = np.zeros(max(int(capacity), 0), dtype=np.uint8)
    w[W_ESTIMATE] = 1 if estimate else 0
    writer_reset(w, 0)
    return w, buf


@njit(cache=True, nogil=True, _nrt=False)
def writer_reset(w, pos=0):
    """9.3.2.5-style (re)start of the encoding engine for a new slice segment /
    substream, writing from byte offset `pos` of buf; clears the estimate count."""
    w[W_LOW] = 0
    w[W_RANGE] = 510
    w[W_BITS_LEFT] = 23
    w[W_BUFFERED_BYTE] = 0xff
    w[W_NUM_BUFFERED] = 0
    w[W_POS] = pos
    w[W_START] = pos
    w[W_FRAC_BITS] = 0
    w[W_OVERFLOW] = 0


@njit(cache=True, nogil=True, _nrt=False)
def _put_byte(w, buf, b):
    p = w[W_POS]
    if p < buf.shape[0]:
        buf[p] = b & 0xff
    else:
        w[W_OVERFLOW] = 1
    w[W_POS] = p + 1


@njit(cache=True, nogil=True, _nrt=False)
def _write_out(w, buf):
    # emit the top byte of low; 0xff bytes are held until the carry is known
    bits_left = w[W_BITS_LEFT]
    lead = w[W_LOW] >> (24 - bits_left)
    bits_left += 8
    w[W_BITS_LEFT] = bits_left
    w[W_LOW] &= 0xffffffff >> bits_left
    if lead == 0xff:
        w[W_NUM_BUFFERED] += 1
    elif w[W_NUM_BUFFERED] > 0:
        carry = lead >> 8
        _put_byte(w, buf, w[W_BUFFERED_BYTE] + carry)
        w[W_BUFFERED_BYTE] = lead & 0xff
        fill = (0xff + carry) & 0xff
        while w[W_NUM_BUFFERED] > 1:
            _put_byte(w, buf, fill)
            w[W_NUM_BUFFERED] -= 1
    else:
        w[W_NUM_BUFFERED] = 1
        w[W_BUFFERED_BYTE] = lead


@njit(cache=True, nogil=True, _nrt=False)
def encode_decision(w, buf, ctx, ci, binval):
    """9.3.4.3.2 EncodeDecision of one bin with context ctx[ci] (updates ctx)."""
    s = np.int64(ctx[ci])
    is_lps = (s ^ binval) & 1
    ctx[ci] = NEXT_STATE[(s << 1) | is_lps]          # 9.3.4.3.2.2
    if w[W_ESTIMATE]:
        w[W_FRAC_BITS] += ENTROPY_BITS[s ^ binval]
        return
    rng = w[W_RANGE]
    lps = RANGE_TAB_LPS[s >> 1, (rng >> 6) & 3]
    rng -= lps
    if is_lps:
        nb = RENORM_TAB[lps >> 3]
        w[W_LOW] = (w[W_LOW] + rng) << nb
        rng = lps
    elif rng >= 256:
        w[W_RANGE] = rng
        return
    else:
        nb = 1
        w[W_LOW] <<= 1
    w[W_RANGE] = rng << nb                            # RenormE (9.3.4.3.2.3)
    bl = w[W_BITS_LEFT] - nb
    w[W_BITS_LEFT] = bl
    if bl < 12:
        _write_out(w, buf)


@njit(cache=True, nogil=True, _nrt=False)
def encode_bypass(w, buf, binval):
    """9.3.4.3.4 EncodeBypass."""
    if w[W_ESTIMATE]:
        w[W_FRAC_BITS] += FRAC_BITS_SCALE
        return
    w[W_LOW] <<= 1
    if binval:
        w[W_LOW] += w[W_RANGE]
    w[W_BITS_LEFT] -= 1
    if w[W_BITS_LEFT] < 12:
        _write_out(w, buf)


@njit(cache=True, nogil=True, _nrt=False)
def encode_bypass_bins(w, buf, value, n):
    """n (0..32) bypass bins of `value`, most significant bin first."""
    if w[W_ESTIMATE]:
        w[W_FRAC_BITS] += FRAC_BITS_SCALE * n
        return
    value = np.int64(value) & ((np.int64(1) << n) - 1)
    while n > 8:
        n -= 8
        pattern = value >> n
        w[W_LOW] = (w[W_LOW] << 8) + w[W_RANGE] * pattern
        value -= pattern << n
        w[W_BITS_LEFT] -= 8
        if w[W_BITS_LEFT] < 12:
            _write_out(w, buf)
    if n > 0:
        w[W_LOW] = (w[W_LOW] << n) + w[W_RANGE] * value
        w[W_BITS_LEFT] -= n
        if w[W_BITS_LEFT] < 12:
            _write_out(w, buf)


@njit(cache=True, nogil=True, _nrt=False)
def encode_terminate(w, buf, binval):
    """9.3.4.3.5 EncodeTerminate (end_of_slice_segment_flag,
    end_of_subset_one_bit, pcm_flag).  After binval == 1 call finish()."""
    if w[W_ESTIMATE]:
        w[W_FRAC_BITS] += TERM_BITS[1 if binval else 0]
        return
    rng = w[W_RANGE] - 2
    if binval:
        w[W_LOW] = (w[W_LOW] + rng) << 7
        w[W_RANGE] = 2 << 7
        w[W_BITS_LEFT] -= 7
    elif rng >= 256:
        w[W_RANGE] = rng
        return
    else:
        w[W_LOW] <<= 1
        w[W_RANGE] = rng << 1
        w[W_BITS_LEFT] -= 1
    if w[W_BITS_LEFT] < 12:
        _write_out(w, buf)


@njit(cache=True, nogil=True, _nrt=False)
def finish(w, buf):
    """9.3.4.3.5 EncodeFlush after a terminate bin equal to 1, followed by the
    rbsp stop bit and zero alignment (rbsp_slice_segment_trailing_bits, or
    end_of_subset_one_bit's byte_alignment(), or pcm_alignment after pcm_flag).
    Returns the byte offset just past the written data: buf[W_START:nbytes] is
    the (sub)stream; nbytes == w[W_POS].  Estimate mode: writes nothing, returns 0."""
    if w[W_ESTIMATE]:
        return 0
    bits_left = w[W_BITS_LEFT]
    low = w[W_LOW]
    if (low >> (32 - bits_left)) != 0:                 # carry into buffered bytes
        if w[W_NUM_BUFFERED] > 0:
            _put_byte(w, buf, w[W_BUFFERED_BYTE] + 1)
            while w[W_NUM_BUFFERED] > 1:
                _put_byte(w, buf, 0x00)
                w[W_NUM_BUFFERED] -= 1
        low -= np.int64(1) << (32 - bits_left)
    else:
        if w[W_NUM_BUFFERED] > 0:
            _put_byte(w, buf, w[W_BUFFERED_BYTE])
        while w[W_NUM_BUFFERED] > 1:
            _put_byte(w, buf, 0xff)
            w[W_NUM_BUFFERED] -= 1
    w[W_NUM_BUFFERED] = 0
    # remaining 24 - bitsLeft bits of low, then the stop bit 1, then zero bits
    nbits = 24 - bits_left
    acc = ((low >> 8) << 1) | 1
    nbits += 1
    pad = (8 - (nbits & 7)) & 7
    acc <<= pad
    nbits += pad
    while nbits > 0:
        nbits -= 8
        _put_byte(w, buf, (acc >> nbits) & 0xff)
    w[W_LOW] = 0
    w[W_BITS_LEFT] = 23
    w[W_RANGE] = 510
    return w[W_POS]


@njit(cache=True, nogil=True, _nrt=False)
def est_bits(w):
    """Estimate mode: accumulated bits in 1/32768 units."""
    return w[W_FRAC_BITS]


@njit(cache=True, nogil=True, _nrt=False)
def set_est_bits(w, v):
    w[W_FRAC_BITS] = v


@njit(cache=True, nogil=True, _nrt=False)
def written_bits(w):
    """Bits produced so far in this (sub)stream incl. pending ones (as HM's
    getNumberOfWrittenBits).  In estimate mode: est_bits >> 15."""
    if w[W_ESTIMATE]:
        return w[W_FRAC_BITS] >> 15
    return ((w[W_POS] - w[W_START]) * 8 + 8 * w[W_NUM_BUFFERED]
            + 23 - w[W_BITS_LEFT])


@njit(cache=True, nogil=True, _nrt=False)
def writer_overflow(w):
    return w[W_OVERFLOW] != 0


@njit(cache=True, nogil=True, _nrt=False)
def bin_cost(ctx, ci, binval):
    """Cost of coding `binval` with context ctx[ci], in 1/32768 bit (no update)."""
    return ENTROPY_BITS[np.int64(ctx[ci]) ^ binval]


# ----------------------------------------------------------------------------
# Decoder (9.3.2.5 initialisation, 9.3.4.3 arithmetic decoding), HM formulation:
# value = ivlOffset << 7 plus up to 7 look-ahead bits; bitsNeeded counts them.
# ----------------------------------------------------------------------------
def new_reader():
    return np.zeros(D_NFIELDS, dtype=np.int64)


@njit(cache=True, nogil=True, _nrt=False)
def _read_byte(d, data):
    p = d[D_POS]
    d[D_POS] = p + 1
    if p < data.shape[0]:
        return np.int64(data[p])
    d[D_ERROR] = 1
    return np.int64(0)


@njit(cache=True, nogil=True, _nrt=False)
def decoder_init(d, data, pos):
    """9.3.2.5: ivlCurrRange = 510, ivlOffset = read_bits(9), from byte `pos`."""
    d[D_POS] = pos
    d[D_ERROR] = 0
    d[D_RANGE] = 510
    d[D_BITS_NEEDED] = -8
    v = _read_byte(d, data) << 8
    d[D_VALUE] = v | _read_byte(d, data)


@njit(cache=True, nogil=True, _nrt=False)
def decode_decision(d, data, ctx, ci):
    """9.3.4.3.2 DecodeDecision with context ctx[ci] (updates ctx)."""
    s = np.int64(ctx[ci])
    rng = d[D_RANGE]
    lps = RANGE_TAB_LPS[s >> 1, (rng >> 6) & 3]
    rng -= lps
    scaled = rng << 7
    value = d[D_VALUE]
    if value < scaled:                                  # MPS path
        b = s & 1
        ctx[ci] = NEXT_STATE[s << 1]
        if scaled < (256 << 7):
            rng <<= 1
            value <<= 1
            d[D_BITS_NEEDED] += 1
            if d[D_BITS_NEEDED] == 0:
                d[D_BITS_NEEDED] = -8
                value += _read_byte(d, data)
        d[D_RANGE] = rng
        d[D_VALUE] = value
        return b
    nb = RENORM_TAB[lps >> 3]                           # LPS path
    value = (value - scaled) << nb
    d[D_RANGE] = lps << nb
    b = 1 - (s & 1)
    ctx[ci] = NEXT_STATE[(s << 1) | 1]
    bn = d[D_BITS_NEEDED] + nb
    if bn >= 0:
        value += _read_byte(d, data) << bn
        bn -= 8
    d[D_BITS_NEEDED] = bn
    d[D_VALUE] = value
    return b


@njit(cache=True, nogil=True, _nrt=False)
def decode_bypass(d, data):
    """9.3.4.3.4 DecodeBypass."""
    value = d[D_VALUE] << 1
    d[D_BITS_NEEDED] += 1
    if d[D_BITS_NEEDED] >= 0:
        d[D_BITS_NEEDED] = -8
        value += _read_byte(d, data)
    scaled = d[D_RANGE] << 7
    if value >= scaled:
        d[D_VALUE] = value - scaled
        return 1
    d[D_VALUE] = value
    return 0


@njit(cache=True, nogil=True, _nrt=False)
def decode_bypass_bins(d, data, n):
    """n (0..32) bypass bins, first decoded bin is the most significant bit."""
    bins = np.int64(0)
    value = d[D_VALUE]
    rng = d[D_RANGE]
    while n > 8:
        value = (value << 8) + (_read_byte(d, data) << (8 + d[D_BITS_NEEDED]))
        scaled = rng << 15
        for _ in range(8):
            bins += bins
            scaled >>= 1
            if value >= scaled:
                bins += 1
                value -= scaled
        n -= 8
    if n > 0:
        bn = d[D_BITS_NEEDED] + n
        value <<= n
        if bn >= 0:
            value += _read_byte(d, data) << bn
            bn -= 8
        d[D_BITS_NEEDED] = bn
        scaled = rng << (n + 7)
        for _ in range(n):
            bins += bins
            scaled >>= 1
            if value >= scaled:
                bins += 1
                value -= scaled
    d[D_VALUE] = value
    return bins


@njit(cache=True, nogil=True, _nrt=False)
def decode_terminate(d, data):
    """9.3.4.3.5 DecodeTerminate.  After a 1 the (sub)stream is finished: the
    rbsp stop bit has been consumed and reader_byte_pos() is the byte offset
    just past the byte-aligned end (where PCM samples / the next substream start)."""
    rng = d[D_RANGE] - 2
    scaled = rng << 7
    value = d[D_VALUE]
    if value >= scaled:
        d[D_RANGE] = rng
        return 1
    if scaled < (256 << 7):
        rng <<= 1
        value <<= 1
        d[D_BITS_NEEDED] += 1
        if d[D_BITS_NEEDED] == 0:
            d[D_BITS_NEEDED] = -8
            value += _read_byte(d, data)
    d[D_RANGE] = rng
    d[D_VALUE] = value
    return 0


@njit(cache=True, nogil=True, _nrt=False)
def reader_byte_pos(d):
    """Byte offset of the first byte holding no bit the spec's decoder has read
    (the spec decoder has read D_POS*8 + bitsNeeded + 1 bits in total)."""
    consumed_bits = d[D_POS] * 8 + d[D_BITS_NEEDED] + 1
    return (consumed_bits + 7) >> 3


@njit(cache=True, nogil=True, _nrt=False)
def reader_overrun(d):
    return d[D_ERROR] != 0
