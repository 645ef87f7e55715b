"""Slice data of an intra picture: decisions then CABAC coding, CTU by CTU (compiled)."""
from numba import njit

from ..core.cabac import encode_terminate, finish
from ..core.ctu_syntax import write_coding_quadtree
from ..core.params import P_CTB_LOG2, P_PIC_H, P_PIC_W
from .intra_search import compress_cu


@njit(cache=True, nogil=True)
def encode_slice_data(org, planes, coef, meta, prm, ep, ctx, w, buf, we, bufe, wk, snaps, cand):
    """7.3.8.1 slice_segment_data(): every CTU of the picture in raster order.

    Decisions run on a copy of the contexts as they stand at the CTU's start; the
    chosen CTU is then coded for real.  Returns the number of bytes in buf."""
    log2 = prm[P_CTB_LOG2]
    size = 1 << log2
    ctbs_w = (prm[P_PIC_W] + size - 1) >> log2
    ctbs_h = (prm[P_PIC_H] + size - 1) >> log2
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            c = ctx.copy()
            compress_cu(org, planes, coef, meta, prm, ep, c, we, bufe, wk, snaps, cand,
                        rx << log2, ry << log2, log2, 0)
            write_coding_quadtree(w, buf, ctx, meta, coef, prm, rx << log2, ry << log2, log2, 0, cand)
            encode_terminate(w, buf, 1 if (ry == ctbs_h - 1 and rx == ctbs_w - 1) else 0)
    return finish(w, buf)
