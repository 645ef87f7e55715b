"""The in-loop filter stage of a picture (8.7): deblocking, then SAO.

Encoder and decoder call ``apply_loop_filters`` once per picture, after every CTU of the
picture is reconstructed and (decoder) every sao() syntax structure is parsed.  The stage is

    reconstruction --> deblocking (8.7.2) --> [slot A] --> SAO (8.7.3) --> [slot B] --> DPB

Slots A and B are where normative deep filters (``dlvc/tools/cnnlf``) go: a tool registered
for slot A reads the deblocked planes and writes the planes SAO then reads (SAO decisions in
the encoder must then see its output); one for slot B filters SAO's output.  Such a filter
must be bit-exact (DESIGN.md Principle 6) and, like the ones here, run over whole pictures.

Per-slice parameters are one ``lf`` row (``make_lf_params``); several slices stack rows and
pass ``slice_map`` (the lf row of every CTB).  See deblocking.py for the ``meta`` fields used
and ``ref_pic_ids``, sao.py for the layout of the ``sao`` array.
"""
import numpy as np

from .deblocking import (  # noqa: F401  (re-exported: the LF_* fields belong to this stage)
    LF_ACROSS_SLICES, LF_BETA_OFFSET_DIV2, LF_CB_QP_OFFSET, LF_CR_QP_OFFSET, LF_DEBLOCK_DISABLED, LF_NUM,
    LF_SAO_CHROMA, LF_SAO_LUMA, LF_SLICE_ADDR, LF_TC_OFFSET_DIV2, deblock_picture, new_bs_arrays,
)
from .params import P_CTB_LOG2, P_PIC_H, P_PIC_W
from .sao import new_sao_params, sao_picture  # noqa: F401


def make_lf_params(sps, pps, sh, slice_addr_rs=0):
    """One ``lf`` row from the parameter sets and a slice header, applying the inference
    rules of 7.4.7.1 itself (so an encoder-built header and a parsed one give the same row)."""
    lf = np.zeros((1, LF_NUM), np.int32)
    disabled = pps.pps_deblocking_filter_disabled_flag
    beta, tc = pps.pps_beta_offset_div2, pps.pps_tc_offset_div2
    if pps.deblocking_filter_override_enabled_flag and sh.deblocking_filter_override_flag:
        disabled = sh.slice_deblocking_filter_disabled_flag
        if not disabled:
            beta, tc = sh.slice_beta_offset_div2, sh.slice_tc_offset_div2
    sao_luma = sh.slice_sao_luma_flag if sps.sample_adaptive_offset_enabled_flag else 0
    sao_chroma = sh.slice_sao_chroma_flag if sps.sample_adaptive_offset_enabled_flag else 0
    across = pps.pps_loop_filter_across_slices_enabled_flag
    if across and (sao_luma or sao_chroma or not disabled):
        across = sh.slice_loop_filter_across_slices_enabled_flag
    lf[0, LF_DEBLOCK_DISABLED] = disabled
    lf[0, LF_BETA_OFFSET_DIV2] = beta
    lf[0, LF_TC_OFFSET_DIV2] = tc
    lf[0, LF_ACROSS_SLICES] = across
    lf[0, LF_SAO_LUMA] = sao_luma
    lf[0, LF_SAO_CHROMA] = sao_chroma
    lf[0, LF_CB_QP_OFFSET] = pps.pps_cb_qp_offset
    lf[0, LF_CR_QP_OFFSET] = pps.pps_cr_qp_offset
    lf[0, LF_SLICE_ADDR] = slice_addr_rs
    return lf


def ctb_grid(prm):
    """(PicHeightInCtbsY, PicWidthInCtbsY)."""
    log2 = int(prm[P_CTB_LOG2])
    size = 1 << log2
    return (int(prm[P_PIC_H]) + size - 1) >> log2, (int(prm[P_PIC_W]) + size - 1) >> log2


def apply_loop_filters(planes, meta, prm, lf, sao=None, slice_map=None, ref_pic_ids=None,
                       decide_sao=None, keep_pre_deblocking=False, deep=()):
    """Run the in-loop filters on a reconstructed picture, in place.

    planes: tuple (Y, Cb, Cr) of np.int16 planes of the coded picture size.
    meta, prm: the picture's metadata and slice parameters (P_CTB_LOG2, P_PIC_W/H used).
    lf: np.int32 [num_slices, LF_NUM] (make_lf_params).
    sao: the parsed SAO parameters (sao.py layout), or None when no slice uses SAO.
    slice_map: np.int32 [ctbs_h, ctbs_w] (default: one slice); ref_pic_ids:
        np.int32 [num_slices, 2, 16] or [2, 16] (default: none, intra pictures).
    decide_sao: encoder only: called as decide_sao(deblocked_planes, pre_deblocking_planes)
        between the stages; returns the sao array to apply (and to write).  The planes it
        gets must not be modified.  pre_deblocking_planes is a copy of the reconstruction
        when keep_pre_deblocking (HM's SAOLcuBoundary statistics), else None.
    deep: the deep filter stages of the picture: callables ``stage(planes, meta)`` with a
        ``slot`` attribute ("A" or "B") that filter the planes in place
        (dlvc/tools/cnnlf/codec.py; the encoder's stages also decide their flags there, so
        SAO's decision sees a slot-A output).
    Returns the sao array applied (None when SAO is off)."""
    log2 = int(prm[P_CTB_LOG2])
    ctbs_h, ctbs_w = ctb_grid(prm)
    if slice_map is None:
        slice_map = np.zeros((ctbs_h, ctbs_w), np.int32)
    if ref_pic_ids is None:
        ref_pic_ids = np.zeros((lf.shape[0], 2, 16), np.int32)
    elif ref_pic_ids.ndim == 2:   # a fresh writable array: one type for the compiled code
        ref_pic_ids = np.tile(ref_pic_ids.astype(np.int32), (lf.shape[0], 1, 1))
    pre = tuple(p.copy() for p in planes) if keep_pre_deblocking else None

    # 8.7.2 deblocking
    if not np.all(lf[:, LF_DEBLOCK_DISABLED]):
        bs_ver, bs_hor = new_bs_arrays(planes[0].shape[1], planes[0].shape[0])
        deblock_picture(planes, meta, log2, lf, slice_map, ref_pic_ids, bs_ver, bs_hor)

    # slot A: normative deep filters on the deblocked picture
    for stage in deep:
        if stage.slot == "A":
            stage(planes, meta)

    # 8.7.3 SAO
    if decide_sao is not None:
        sao = decide_sao(planes, pre)
    if sao is not None and (np.any(lf[:, LF_SAO_LUMA]) or np.any(lf[:, LF_SAO_CHROMA])):
        src = tuple(p.copy() for p in planes)
        sao_picture(src, planes, sao, log2, lf, slice_map)

    # slot B: normative deep filters on the SAO output
    for stage in deep:
        if stage.slot == "B":
            stage(planes, meta)
    return sao
