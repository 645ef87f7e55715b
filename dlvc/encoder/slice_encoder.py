"""Slice data of a picture (I, P or B slice), CTU by CTU (compiled).

The second of two passes, as HM: the decisions of every CTU (wavefront.CtuDecider) come
first, since the in-loop filters and SAO's decisions need the whole reconstructed picture;
then the CABAC coding of SAO parameters and coding trees here.
"""
from ..jit import njit

from ..core.cabac import encode_terminate, finish
from ..core.ctu_syntax import write_coding_quadtree
from ..core.params import P_CTB_LOG2, P_PIC_H, P_PIC_W
from ..core.sao import write_sao
from ..core.tool_syntax import write_cnnlf_flags


@njit(cache=True, nogil=True)
def write_slice_data(w, buf, ctx, meta, coef, prm, sao, sao_luma, sao_chroma, cand, cnnlf, cnnlf_on):
    """7.3.8.1 slice_segment_data(): sao(), the CNN filter's flags (core/tool_syntax.py;
    ``cnnlf`` [ctbs_h, ctbs_w, 3], written for the components whose slice flag in
    ``cnnlf_on`` [3] is on) and coding_quadtree() of every CTU.  Returns the number of bytes in buf."""
    log2 = prm[P_CTB_LOG2]
    size = 1 << log2
    ctbs_w = (prm[P_PIC_W] + size - 1) >> log2
    ctbs_h = (prm[P_PIC_H] + size - 1) >> log2
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            if sao_luma or sao_chroma:
                write_sao(w, buf, ctx, sao, rx, ry, ctbs_w, 0, sao_luma, sao_chroma)
            write_cnnlf_flags(w, buf, ctx, cnnlf, rx, ry, ctbs_w, 0, cnnlf_on)
            write_coding_quadtree(w, buf, ctx, meta, coef, prm, rx << log2, ry << log2, log2, cand)
            encode_terminate(w, buf, 1 if (ry == ctbs_h - 1 and rx == ctbs_w - 1) else 0)
    return finish(w, buf)
