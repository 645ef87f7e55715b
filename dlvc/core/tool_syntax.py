"""CTU-level syntax of dlvc's normative deep tools, next to sao() in slice_segment_data().

coding_tree_unit() of a slice whose slice header extension switches the CNN in-loop filter
(dlvc tool 1) on for a component carries, right after sao( rx, ry ):

    if( slice_cnnlf_luma_flag )    cnnlf_luma_flag[ rx ][ ry ]      ae(v)
    if( slice_cnnlf_chroma_flag )  cnnlf_chroma_flag[ rx ][ ry ]    ae(v)

Each flag is one context-coded bin; ctxInc = condL + condA, the flags of the same
component of the left and the above CTB when those are available (in the picture and in
the slice), as split_cu_flag does (9.3.4.2.2).  Contexts: EXT_BASE + 0..2 (luma),
EXT_BASE + 3..5 (chroma), initValue 154 (cabac.py).  A flag that is absent is 0.

Flags of a picture live in ``flags = np.int32 [PicHeightInCtbsY, PicWidthInCtbsY, 2]``
([..., 0] luma, [..., 1] chroma); ``merge_filtered`` takes the filtered samples of the CTBs
whose flag is 1.
"""
import numpy as np
from ..jit import njit

from .cabac import EXT_BASE, decode_decision, encode_decision
from .sao import sao_merge_candidates

CNNLF_LUMA_CTX = EXT_BASE + 0
CNNLF_CHROMA_CTX = EXT_BASE + 3


def new_cnnlf_flags(ctbs_h, ctbs_w):
    return np.zeros((ctbs_h, ctbs_w, 2), np.int32)


@njit(cache=True, nogil=True)
def cnnlf_ctx_inc(flags, rx, ry, c, ctbs_w, slice_addr_rs):
    """condL + condA; the left / above CTB is available where sao() could merge with it."""
    left, up = sao_merge_candidates(rx, ry, ctbs_w, slice_addr_rs)
    inc = 0
    if left and flags[ry, rx - 1, c]:
        inc += 1
    if up and flags[ry - 1, rx, c]:
        inc += 1
    return inc


@njit(cache=True, nogil=True)
def write_cnnlf_flags(w, buf, ctx, flags, rx, ry, ctbs_w, slice_addr_rs, on_luma, on_chroma):
    """The CNN filter's CTU flags of CTB (rx, ry) (call after sao())."""
    if on_luma:
        encode_decision(w, buf, ctx, CNNLF_LUMA_CTX + cnnlf_ctx_inc(flags, rx, ry, 0, ctbs_w, slice_addr_rs),
                        flags[ry, rx, 0])
    if on_chroma:
        encode_decision(w, buf, ctx, CNNLF_CHROMA_CTX + cnnlf_ctx_inc(flags, rx, ry, 1, ctbs_w, slice_addr_rs),
                        flags[ry, rx, 1])


@njit(cache=True, nogil=True)
def parse_cnnlf_flags(d, data, ctx, flags, rx, ry, ctbs_w, slice_addr_rs, on_luma, on_chroma):
    flags[ry, rx, 0] = 0
    flags[ry, rx, 1] = 0
    if on_luma:
        flags[ry, rx, 0] = decode_decision(d, data, ctx, CNNLF_LUMA_CTX +
                                           cnnlf_ctx_inc(flags, rx, ry, 0, ctbs_w, slice_addr_rs))
    if on_chroma:
        flags[ry, rx, 1] = decode_decision(d, data, ctx, CNNLF_CHROMA_CTX +
                                           cnnlf_ctx_inc(flags, rx, ry, 1, ctbs_w, slice_addr_rs))


def merge_filtered(planes, filtered, flags, ctb_log2):
    """In place: planes take the filtered samples of every CTB whose flag is set."""
    for c in range(3):
        k = 0 if c == 0 else 1
        f = flags[:, :, k]
        if not f.any():
            continue
        s = ctb_log2 - (0 if c == 0 else 1)
        h, w = planes[c].shape
        mask = np.repeat(np.repeat(f.astype(bool), 1 << s, 0), 1 << s, 1)[:h, :w]
        np.copyto(planes[c], filtered[c], where=mask)
