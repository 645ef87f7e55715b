"""CTU-level syntax of dlvc's normative deep tools, next to sao() in slice_segment_data().

coding_tree_unit() of a slice whose slice header switches the CNN in-loop filter (dlvc
tool 1) on for a colour component carries, right after sao( rx, ry ):

    for( cIdx = 0; cIdx < 3; cIdx++ )
        if( slice_cnnlf_flag[ cIdx ]  &&  !slice_cnnlf_all_ctbs_flag )
            cnnlf_flag[ cIdx ][ rx ][ ry ]                                  ae(v)

Each flag is one context-coded bin; ctxInc = condL + condA, the flags of the same
component of the left and the above CTB when those are available (in the picture and in
the slice), as split_cu_flag does (9.3.4.2.2).  Contexts: EXT_BASE + 3 * cIdx + 0..2
(initValue 154, cabac.py).  A flag that is absent is slice_cnnlf_flag[ cIdx ] &&
slice_cnnlf_all_ctbs_flag.  Cb and Cr have a flag each: the
filter may help one and not the other.

Flags of a picture live in ``flags = np.int32 [PicHeightInCtbsY, PicWidthInCtbsY, 3]``
([..., cIdx]); ``merge_filtered`` takes the filtered samples of the CTBs whose flag is 1.
"""
import numpy as np
from ..jit import njit

from .cabac import EXT_BASE, decode_decision, encode_decision
from .sao import sao_merge_candidates
from .syntax.tools_ext import CNNLF_ALL_CTBS, CNNLF_CTU_FLAGS

CNNLF_CTX = EXT_BASE            # + 3 * cIdx + ctxInc


def new_cnnlf_flags(ctbs_h, ctbs_w):
    return np.zeros((ctbs_h, ctbs_w, 3), np.int32)


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
def write_cnnlf_flags(w, buf, ctx, flags, rx, ry, ctbs_w, slice_addr_rs, slice_on):
    """The CNN filter's CTU flags of CTB (rx, ry) (call after sao()); ``slice_on``: the
    components' modes (tools_ext.cnnlf_slice_flags)."""
    for c in range(3):
        if slice_on[c] == CNNLF_CTU_FLAGS:
            encode_decision(w, buf, ctx, CNNLF_CTX + 3 * c + cnnlf_ctx_inc(flags, rx, ry, c, ctbs_w, slice_addr_rs),
                            flags[ry, rx, c])


@njit(cache=True, nogil=True)
def parse_cnnlf_flags(d, data, ctx, flags, rx, ry, ctbs_w, slice_addr_rs, slice_on):
    for c in range(3):
        flags[ry, rx, c] = 1 if slice_on[c] == CNNLF_ALL_CTBS else 0
        if slice_on[c] == CNNLF_CTU_FLAGS:
            flags[ry, rx, c] = decode_decision(d, data, ctx, CNNLF_CTX + 3 * c +
                                               cnnlf_ctx_inc(flags, rx, ry, c, ctbs_w, slice_addr_rs))


def merge_filtered(planes, filtered, flags, ctb_log2):
    """In place: planes take the filtered samples of every CTB whose flag is set."""
    for c in range(3):
        f = flags[:, :, c]
        if not f.any():
            continue
        s = ctb_log2 - (0 if c == 0 else 1)
        h, w = planes[c].shape
        mask = np.repeat(np.repeat(f.astype(bool), 1 << s, 0), 1 << s, 1)[:h, :w]
        np.copyto(planes[c], filtered[c], where=mask)
