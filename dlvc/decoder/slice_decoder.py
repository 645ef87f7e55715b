"""Slice data parsing and reconstruction of a picture, CTU by CTU (compiled)."""
from ..jit import njit

from ..core.cabac import decode_terminate, decoder_init, reader_byte_pos, reader_overrun
from ..core.ctu_syntax import CS_QP_PREV, parse_coding_quadtree
from ..core.params import P_CTB_LOG2, P_ENTROPY_SYNC, P_PIC_H, P_PIC_W, P_SLICE_QP
from ..core.recon import reconstruct_ctu
from ..core.sao import parse_sao
from ..core.tool_syntax import parse_cnnlf_flags

OK = 0
ERR_OVERRUN = 1       # the slice data ended before the last CTU
ERR_EARLY_END = 2     # end_of_slice_segment_flag before the last CTU (several slices)
ERR_NO_END = 3        # no end_of_slice_segment_flag after the last CTU
ERR_NO_SUBSET_END = 4  # no end_of_subset_one_bit at the end of a CTU row (WPP)


@njit(cache=True, nogil=True)
def decode_slice_data(d, data, ctx, meta, coef, prm, planes, pred, work, cand, sao, sao_luma, sao_chroma,
                      col_meta, sp, refs, ref_slot, wp, wp_den, explicit_wp, cnnlf, cnnlf_on):
    """7.3.8.1 slice_segment_data() for a picture coded as one slice; returns an error code.
    Inter arguments: see core/recon.py (dummies for I slices).  With entropy_coding_sync
    (WPP) each CTU row is a substream: contexts synchronized from the second CTU of the row
    above (9.3.1), the arithmetic decoder re-initialized after end_of_subset_one_bit."""
    log2 = prm[P_CTB_LOG2]
    size = 1 << log2
    ctbs_w = (prm[P_PIC_W] + size - 1) >> log2
    ctbs_h = (prm[P_PIC_H] + size - 1) >> log2
    wpp = prm[P_ENTROPY_SYNC]
    ctx_init = ctx.copy()
    ctx_wpp = ctx.copy()
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            if wpp and rx == 0 and ry > 0:
                # 9.3.1: sync with the CTB above-right when it is available, else initialize
                ctx[:] = ctx_wpp if ctbs_w > 1 else ctx_init
                cand[CS_QP_PREV] = prm[P_SLICE_QP]        # 8.6.1: first QG of a CTB row
            if sao_luma or sao_chroma:
                parse_sao(d, data, ctx, sao, rx, ry, ctbs_w, 0, sao_luma, sao_chroma)
            parse_cnnlf_flags(d, data, ctx, cnnlf, rx, ry, ctbs_w, 0, cnnlf_on)   # dlvc tool 1 (core/tool_syntax.py)
            parse_coding_quadtree(d, data, ctx, meta, coef, prm, rx << log2, ry << log2, log2, cand)
            if reader_overrun(d):
                return ERR_OVERRUN
            if wpp and rx == 1:
                ctx_wpp[:] = ctx                           # 9.3.2.4 storage
            reconstruct_ctu(planes, coef, meta, prm, rx << log2, ry << log2, log2, pred, work, col_meta, sp,
                            refs, ref_slot, wp, wp_den, explicit_wp, True)
            end = decode_terminate(d, data)
            last = ry == ctbs_h - 1 and rx == ctbs_w - 1
            if end and not last:
                return ERR_EARLY_END
            if last and not end:
                return ERR_NO_END
            if wpp and rx == ctbs_w - 1 and not last:
                if not decode_terminate(d, data):          # end_of_subset_one_bit
                    return ERR_NO_SUBSET_END
                decoder_init(d, data, reader_byte_pos(d))
    return ERR_OVERRUN if reader_overrun(d) else OK
