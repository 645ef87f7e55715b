"""VPS, SPS and PPS for an encoder configuration."""
from ..core.syntax.ptl import choose_level, main_profile_ptl
from ..core.syntax.pps import PPS
from ..core.syntax.sps import SPS
from ..core.syntax.tools_ext import CNNLF_SET_BITS, CNNLF_SLICE_BITS, set_sps_tools
from ..core.syntax.vps import VPS
from ..io import coded_size


def build_parameter_sets(cfg, cs=None):
    """-> (vps, sps, pps) for cfg (one slice, one tile).  With ``cs`` (a gop.CodingStructure of
    a configuration with a GOP table) the SPS carries HM's RPS list, DPB sizes, AMP and TMVP
    and the PPS the default num_ref_idx, as TEncTop::xInitSPS / xInitPPS write them; without
    it, the all-intra parameter sets."""
    w, h = cfg.SourceWidth, cfg.SourceHeight
    cw, ch = coded_size(w, h, 8)
    level = choose_level(cw, ch, cfg.FrameRate)
    ptl = main_profile_ptl(level)
    vps = VPS(profile_tier_level=ptl)
    sps = SPS(
        profile_tier_level=ptl,
        pic_width_in_luma_samples=cw,
        pic_height_in_luma_samples=ch,
        # 7.4.3.2: offsets in chroma sample units (SubWidthC = SubHeightC = 2)
        conformance_window_flag=int((cw, ch) != (w, h)),
        conf_win_right_offset=(cw - w) // 2,
        conf_win_bottom_offset=(ch - h) // 2,
        log2_min_luma_coding_block_size_minus3=0,
        log2_diff_max_min_luma_coding_block_size=cfg.CTUSize.bit_length() - 1 - 3,
        log2_min_luma_transform_block_size_minus2=cfg.QuadtreeTULog2MinSize - 2,
        log2_diff_max_min_luma_transform_block_size=cfg.QuadtreeTULog2MaxSize - cfg.QuadtreeTULog2MinSize,
        max_transform_hierarchy_depth_inter=cfg.QuadtreeTUMaxDepthInter - 1,
        max_transform_hierarchy_depth_intra=cfg.QuadtreeTUMaxDepthIntra - 1,
        amp_enabled_flag=0,
        sample_adaptive_offset_enabled_flag=int(cfg.SAO),
        sps_temporal_mvp_enabled_flag=0,
        strong_intra_smoothing_enabled_flag=int(cfg.StrongIntraSmoothing),
    )
    if cs is not None:
        sps.st_ref_pic_sets = cs.sps_st_rps_list()
        sps.sps_max_sub_layers_minus1 = cs.sps_max_sub_layers_minus1
        sps.sps_temporal_id_nesting_flag = cs.sps_temporal_id_nesting_flag
        sps.sps_max_dec_pic_buffering_minus1 = cs.sps_max_dec_pic_buffering_minus1
        sps.sps_max_num_reorder_pics = cs.sps_max_num_reorder_pics
        sps.sps_max_latency_increase_plus1 = cs.sps_max_latency_increase_plus1
        sps.amp_enabled_flag = int(cfg.AMP)
        sps.sps_temporal_mvp_enabled_flag = int(cfg.TMVPMode != 0)
        vps.vps_max_sub_layers_minus1 = sps.sps_max_sub_layers_minus1
        vps.vps_temporal_id_nesting_flag = sps.sps_temporal_id_nesting_flag
        vps.vps_max_num_reorder_pics = list(sps.sps_max_num_reorder_pics)
        vps.vps_max_latency_increase_plus1 = list(sps.sps_max_latency_increase_plus1)
    vps.vps_max_dec_pic_buffering_minus1 = list(sps.sps_max_dec_pic_buffering_minus1)
    pps = PPS(
        sign_data_hiding_enabled_flag=int(cfg.SignHideFlag),
        transform_skip_enabled_flag=int(cfg.TransformSkip),
        pps_cb_qp_offset=cfg.CbQpOffset,
        pps_cr_qp_offset=cfg.CrQpOffset,
        init_qp_minus26=0,
        pps_loop_filter_across_slices_enabled_flag=1,
        deblocking_filter_control_present_flag=1,
        pps_deblocking_filter_disabled_flag=int(cfg.LoopFilterDisable),
        pps_beta_offset_div2=cfg.LoopFilterBetaOffset_div2,
        pps_tc_offset_div2=cfg.LoopFilterTcOffset_div2,
    )
    if cs is not None:
        n = cs.num_ref_idx_default_active
        pps.num_ref_idx_l0_default_active_minus1 = n - 1
        pps.num_ref_idx_l1_default_active_minus1 = n - 1
        pps.pps_slice_chroma_qp_offsets_present_flag = int(cs.slice_chroma_qp_offsets_present)
    loaded = normative_tools(cfg)
    if loaded:      # dlvc's normative deep tools (core/syntax/tools_ext.py); none: plain HEVC
        set_sps_tools(sps, [record for record, _ in loaded])
        sets = max(getattr(obj, "sets", 1) for _, obj in loaded)
        # slice_reserved_flag: the CNN filter's slice flags, and its set index for two model sets
        pps.num_extra_slice_header_bits = CNNLF_SET_BITS if sets > 1 else CNNLF_SLICE_BITS
    return vps, sps, pps


def normative_tools(cfg):
    """(SPS extension record, tool object) of each normative deep tool switched on in cfg."""
    from ..tools import enabled_tools
    return [t.load().sps_record(cfg) for t in enabled_tools(cfg) if t.normative]
