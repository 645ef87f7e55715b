"""seq_parameter_set_rbsp() (7.3.2.2 / 7.4.3.2), scaling_list_data() (7.3.4 / 7.4.5, shared
with the PPS) and vui_parameters() (E.2.1 / E.3.1)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..bitstream import BitReader, BitWriter, BitstreamError
from .ptl import ProfileTierLevel, parse_profile_tier_level, write_profile_tier_level
from .st_rps import StRps, parse_st_ref_pic_set, write_st_ref_pic_set
from .vps import (HrdParameters, parse_hrd_parameters, read_extension_data,
                  write_extension_data, write_hrd_parameters)


def ceil_log2(x: int) -> int:
    """Ceil( Log2( x ) ) for x >= 1."""
    return (x - 1).bit_length() if x > 1 else 0


# ---------------------------------------------------------------------------------------------
# scaling_list_data, 7.3.4 / 7.4.5
# ---------------------------------------------------------------------------------------------
# Table 7-6, default ScalingList[1..3][matrixId][i] (i in up-right diagonal scan order)
DEFAULT_SCALING_LIST_INTRA = (
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 17, 16, 17, 16, 17, 18, 17, 18, 18, 17, 18, 21, 19, 20,
    21, 20, 19, 21, 24, 22, 22, 24, 24, 22, 22, 24, 25, 25, 27, 30, 27, 25, 25, 29, 31, 35, 35, 31,
    29, 36, 41, 44, 41, 36, 47, 54, 54, 47, 65, 70, 65, 88, 88, 115)
DEFAULT_SCALING_LIST_INTER = (
    16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 17, 17, 17, 17, 17, 18, 18, 18, 18, 18, 18, 20, 20, 20,
    20, 20, 20, 20, 24, 24, 24, 24, 24, 24, 24, 24, 25, 25, 25, 25, 25, 25, 25, 28, 28, 28, 28, 28,
    28, 33, 33, 33, 33, 33, 41, 41, 41, 41, 54, 54, 54, 71, 71, 91)


def default_scaling_list(sizeId: int, matrixId: int) -> list[int]:
    """Table 7-5 (4x4: flat 16) and Table 7-6 (matrixId 0..2 intra, 3..5 inter)."""
    if sizeId == 0:
        return [16] * 16
    return list(DEFAULT_SCALING_LIST_INTRA if matrixId < 3 else DEFAULT_SCALING_LIST_INTER)


def _matrix_ids(sizeId: int) -> range:
    return range(0, 6, 3 if sizeId == 3 else 1)


@dataclass
class ScalingListData:
    """scaling_list_data(); dict keys are (sizeId, matrixId) for the coded lists
    (sizeId 0..2: matrixId 0..5; sizeId 3: matrixId 0 and 3)."""
    scaling_list_pred_mode_flag: dict = field(default_factory=dict)
    scaling_list_pred_matrix_id_delta: dict = field(default_factory=dict)
    scaling_list_dc_coef_minus8: dict = field(default_factory=dict)     # sizeId 2, 3 only
    scaling_list_delta_coef: dict = field(default_factory=dict)         # list per (sizeId, matrixId)

    def scaling_lists(self) -> tuple[dict, dict]:
        """ScalingList[sizeId][matrixId][i] (scan order) and the DC values (sizeId 2, 3) as
        dicts keyed by (sizeId, matrixId), per 7.4.5."""
        sl, dc = {}, {}
        for sizeId in range(4):
            for matrixId in _matrix_ids(sizeId):
                key = (sizeId, matrixId)
                if not self.scaling_list_pred_mode_flag[key]:
                    delta = self.scaling_list_pred_matrix_id_delta[key]
                    if delta == 0:
                        sl[key] = default_scaling_list(sizeId, matrixId)
                        if sizeId > 1:
                            dc[key] = 16
                    else:
                        ref = (sizeId, matrixId - delta * (3 if sizeId == 3 else 1))
                        sl[key] = list(sl[ref])
                        if sizeId > 1:
                            dc[key] = dc[ref]
                else:
                    nextCoef = 8
                    if sizeId > 1:
                        nextCoef = self.scaling_list_dc_coef_minus8[key] + 8
                        dc[key] = nextCoef
                    lst = []
                    for d in self.scaling_list_delta_coef[key]:
                        nextCoef = (nextCoef + d + 256) % 256
                        lst.append(nextCoef)
                    sl[key] = lst
        return sl, dc


def default_scaling_list_data() -> ScalingListData:
    """scaling_list_data() that selects the default lists everywhere (pred_mode 0, delta 0)."""
    d = ScalingListData()
    for sizeId in range(4):
        for matrixId in _matrix_ids(sizeId):
            d.scaling_list_pred_mode_flag[(sizeId, matrixId)] = 0
            d.scaling_list_pred_matrix_id_delta[(sizeId, matrixId)] = 0
    return d


def _diag_scan(blk: int) -> list[tuple[int, int]]:
    """6.5.3 up-right diagonal scan, list of (x, y)."""
    out = []
    x = y = 0
    while len(out) < blk * blk:
        while y >= 0:
            if x < blk and y < blk:
                out.append((x, y))
            y -= 1
            x += 1
        y, x = x, 0
    return out


def scaling_factors(sld: ScalingListData | None) -> dict:
    """ScalingFactor (7.4.5) as np.int32 arrays indexed [y, x], keyed by (sizeId, matrixId)
    (sizeId 3: matrixId 0 and 3 only, 4:2:0).  sld None = flat 16 (scaling lists off)."""
    out = {}
    if sld is None:
        for sizeId in range(4):
            for matrixId in _matrix_ids(sizeId):
                n = 4 << sizeId
                out[(sizeId, matrixId)] = np.full((n, n), 16, np.int32)
        return out
    sl, dc = sld.scaling_lists()
    s4, s8 = _diag_scan(4), _diag_scan(8)
    for (sizeId, matrixId), lst in sl.items():
        n = 4 << sizeId
        m = np.zeros((n, n), np.int32)
        if sizeId == 0:
            for i, (x, y) in enumerate(s4):
                m[y, x] = lst[i]
        else:
            rep = n // 8
            for i, (x, y) in enumerate(s8):
                m[y * rep:(y + 1) * rep, x * rep:(x + 1) * rep] = lst[i]
            if sizeId > 1:
                m[0, 0] = dc[(sizeId, matrixId)]
        out[(sizeId, matrixId)] = m
    return out


def write_scaling_list_data(w: BitWriter, d: ScalingListData) -> None:
    for sizeId in range(4):
        for matrixId in _matrix_ids(sizeId):
            key = (sizeId, matrixId)
            w.u(1, d.scaling_list_pred_mode_flag[key])
            if not d.scaling_list_pred_mode_flag[key]:
                w.ue(d.scaling_list_pred_matrix_id_delta[key])
            else:
                if sizeId > 1:
                    w.se(d.scaling_list_dc_coef_minus8[key])
                for v in d.scaling_list_delta_coef[key]:
                    w.se(v)


def parse_scaling_list_data(r: BitReader) -> ScalingListData:
    d = ScalingListData()
    for sizeId in range(4):
        for matrixId in _matrix_ids(sizeId):
            key = (sizeId, matrixId)
            d.scaling_list_pred_mode_flag[key] = r.u(1)
            if not d.scaling_list_pred_mode_flag[key]:
                delta = r.ue()
                if delta > (matrixId // 3 if sizeId == 3 else matrixId):
                    raise BitstreamError(f"scaling_list_pred_matrix_id_delta {delta} out of range")
                d.scaling_list_pred_matrix_id_delta[key] = delta
            else:
                coefNum = min(64, 1 << (4 + (sizeId << 1)))
                if sizeId > 1:
                    d.scaling_list_dc_coef_minus8[key] = r.se()
                d.scaling_list_delta_coef[key] = [r.se() for _ in range(coefNum)]
    return d


# ---------------------------------------------------------------------------------------------
# VUI, E.2.1
# ---------------------------------------------------------------------------------------------
EXTENDED_SAR = 255


@dataclass
class VUI:
    aspect_ratio_info_present_flag: int = 0
    aspect_ratio_idc: int = 0
    sar_width: int = 0
    sar_height: int = 0
    overscan_info_present_flag: int = 0
    overscan_appropriate_flag: int = 0
    video_signal_type_present_flag: int = 0
    video_format: int = 5
    video_full_range_flag: int = 0
    colour_description_present_flag: int = 0
    colour_primaries: int = 2
    transfer_characteristics: int = 2
    matrix_coeffs: int = 2
    chroma_loc_info_present_flag: int = 0
    chroma_sample_loc_type_top_field: int = 0
    chroma_sample_loc_type_bottom_field: int = 0
    neutral_chroma_indication_flag: int = 0
    field_seq_flag: int = 0
    frame_field_info_present_flag: int = 0
    default_display_window_flag: int = 0
    def_disp_win_left_offset: int = 0
    def_disp_win_right_offset: int = 0
    def_disp_win_top_offset: int = 0
    def_disp_win_bottom_offset: int = 0
    vui_timing_info_present_flag: int = 0
    vui_num_units_in_tick: int = 0
    vui_time_scale: int = 0
    vui_poc_proportional_to_timing_flag: int = 0
    vui_num_ticks_poc_diff_one_minus1: int = 0
    vui_hrd_parameters_present_flag: int = 0
    hrd_parameters: HrdParameters | None = None
    bitstream_restriction_flag: int = 0
    tiles_fixed_structure_flag: int = 0
    motion_vectors_over_pic_boundaries_flag: int = 1
    restricted_ref_pic_lists_flag: int = 0
    min_spatial_segmentation_idc: int = 0
    max_bytes_per_pic_denom: int = 2
    max_bits_per_min_cu_denom: int = 1
    log2_max_mv_length_horizontal: int = 15
    log2_max_mv_length_vertical: int = 15


def write_vui_parameters(w: BitWriter, v: VUI, sps_max_sub_layers_minus1: int) -> None:
    w.u(1, v.aspect_ratio_info_present_flag)
    if v.aspect_ratio_info_present_flag:
        w.u(8, v.aspect_ratio_idc)
        if v.aspect_ratio_idc == EXTENDED_SAR:
            w.u(16, v.sar_width)
            w.u(16, v.sar_height)
    w.u(1, v.overscan_info_present_flag)
    if v.overscan_info_present_flag:
        w.u(1, v.overscan_appropriate_flag)
    w.u(1, v.video_signal_type_present_flag)
    if v.video_signal_type_present_flag:
        w.u(3, v.video_format)
        w.u(1, v.video_full_range_flag)
        w.u(1, v.colour_description_present_flag)
        if v.colour_description_present_flag:
            w.u(8, v.colour_primaries)
            w.u(8, v.transfer_characteristics)
            w.u(8, v.matrix_coeffs)
    w.u(1, v.chroma_loc_info_present_flag)
    if v.chroma_loc_info_present_flag:
        w.ue(v.chroma_sample_loc_type_top_field)
        w.ue(v.chroma_sample_loc_type_bottom_field)
    w.u(1, v.neutral_chroma_indication_flag)
    w.u(1, v.field_seq_flag)
    w.u(1, v.frame_field_info_present_flag)
    w.u(1, v.default_display_window_flag)
    if v.default_display_window_flag:
        w.ue(v.def_disp_win_left_offset)
        w.ue(v.def_disp_win_right_offset)
        w.ue(v.def_disp_win_top_offset)
        w.ue(v.def_disp_win_bottom_offset)
    w.u(1, v.vui_timing_info_present_flag)
    if v.vui_timing_info_present_flag:
        w.u(32, v.vui_num_units_in_tick)
        w.u(32, v.vui_time_scale)
        w.u(1, v.vui_poc_proportional_to_timing_flag)
        if v.vui_poc_proportional_to_timing_flag:
            w.ue(v.vui_num_ticks_poc_diff_one_minus1)
        w.u(1, v.vui_hrd_parameters_present_flag)
        if v.vui_hrd_parameters_present_flag:
            write_hrd_parameters(w, v.hrd_parameters, 1, sps_max_sub_layers_minus1)
    w.u(1, v.bitstream_restriction_flag)
    if v.bitstream_restriction_flag:
        w.u(1, v.tiles_fixed_structure_flag)
        w.u(1, v.motion_vectors_over_pic_boundaries_flag)
        w.u(1, v.restricted_ref_pic_lists_flag)
        w.ue(v.min_spatial_segmentation_idc)
        w.ue(v.max_bytes_per_pic_denom)
        w.ue(v.max_bits_per_min_cu_denom)
        w.ue(v.log2_max_mv_length_horizontal)
        w.ue(v.log2_max_mv_length_vertical)


def parse_vui_parameters(r: BitReader, sps_max_sub_layers_minus1: int) -> VUI:
    v = VUI()
    v.aspect_ratio_info_present_flag = r.u(1)
    if v.aspect_ratio_info_present_flag:
        v.aspect_ratio_idc = r.u(8)
        if v.aspect_ratio_idc == EXTENDED_SAR:
            v.sar_width = r.u(16)
            v.sar_height = r.u(16)
    v.overscan_info_present_flag = r.u(1)
    if v.overscan_info_present_flag:
        v.overscan_appropriate_flag = r.u(1)
    v.video_signal_type_present_flag = r.u(1)
    if v.video_signal_type_present_flag:
        v.video_format = r.u(3)
        v.video_full_range_flag = r.u(1)
        v.colour_description_present_flag = r.u(1)
        if v.colour_description_present_flag:
            v.colour_primaries = r.u(8)
            v.transfer_characteristics = r.u(8)
            v.matrix_coeffs = r.u(8)
    v.chroma_loc_info_present_flag = r.u(1)
    if v.chroma_loc_info_present_flag:
        v.chroma_sample_loc_type_top_field = r.ue()
        v.chroma_sample_loc_type_bottom_field = r.ue()
    v.neutral_chroma_indication_flag = r.u(1)
    v.field_seq_flag = r.u(1)
    v.frame_field_info_present_flag = r.u(1)
    v.default_display_window_flag = r.u(1)
    if v.default_display_window_flag:
        v.def_disp_win_left_offset = r.ue()
        v.def_disp_win_right_offset = r.ue()
        v.def_disp_win_top_offset = r.ue()
        v.def_disp_win_bottom_offset = r.ue()
    v.vui_timing_info_present_flag = r.u(1)
    if v.vui_timing_info_present_flag:
        v.vui_num_units_in_tick = r.u(32)
        v.vui_time_scale = r.u(32)
        v.vui_poc_proportional_to_timing_flag = r.u(1)
        if v.vui_poc_proportional_to_timing_flag:
            v.vui_num_ticks_poc_diff_one_minus1 = r.ue()
        v.vui_hrd_parameters_present_flag = r.u(1)
        if v.vui_hrd_parameters_present_flag:
            v.hrd_parameters = parse_hrd_parameters(r, 1, sps_max_sub_layers_minus1)
    v.bitstream_restriction_flag = r.u(1)
    if v.bitstream_restriction_flag:
        v.tiles_fixed_structure_flag = r.u(1)
        v.motion_vectors_over_pic_boundaries_flag = r.u(1)
        v.restricted_ref_pic_lists_flag = r.u(1)
        v.min_spatial_segmentation_idc = r.ue()
        v.max_bytes_per_pic_denom = r.ue()
        v.max_bits_per_min_cu_denom = r.ue()
        v.log2_max_mv_length_horizontal = r.ue()
        v.log2_max_mv_length_vertical = r.ue()
    return v


# ---------------------------------------------------------------------------------------------
# SPS, 7.3.2.2
# ---------------------------------------------------------------------------------------------
@dataclass
class SPS:
    sps_video_parameter_set_id: int = 0
    sps_max_sub_layers_minus1: int = 0
    sps_temporal_id_nesting_flag: int = 1
    profile_tier_level: ProfileTierLevel = field(default_factory=ProfileTierLevel)
    sps_seq_parameter_set_id: int = 0
    chroma_format_idc: int = 1
    separate_colour_plane_flag: int = 0
    pic_width_in_luma_samples: int = 0
    pic_height_in_luma_samples: int = 0
    conformance_window_flag: int = 0
    conf_win_left_offset: int = 0
    conf_win_right_offset: int = 0
    conf_win_top_offset: int = 0
    conf_win_bottom_offset: int = 0
    bit_depth_luma_minus8: int = 0
    bit_depth_chroma_minus8: int = 0
    log2_max_pic_order_cnt_lsb_minus4: int = 4
    sps_sub_layer_ordering_info_present_flag: int = 1
    # per sub-layer, length sps_max_sub_layers_minus1 + 1 (lower entries inferred, 7.4.3.2)
    sps_max_dec_pic_buffering_minus1: list[int] = field(default_factory=lambda: [0])
    sps_max_num_reorder_pics: list[int] = field(default_factory=lambda: [0])
    sps_max_latency_increase_plus1: list[int] = field(default_factory=lambda: [0])
    log2_min_luma_coding_block_size_minus3: int = 0
    log2_diff_max_min_luma_coding_block_size: int = 3
    log2_min_luma_transform_block_size_minus2: int = 0
    log2_diff_max_min_luma_transform_block_size: int = 3
    max_transform_hierarchy_depth_inter: int = 0
    max_transform_hierarchy_depth_intra: int = 0
    scaling_list_enabled_flag: int = 0
    sps_scaling_list_data_present_flag: int = 0
    scaling_list_data: ScalingListData | None = None
    amp_enabled_flag: int = 1
    sample_adaptive_offset_enabled_flag: int = 1
    pcm_enabled_flag: int = 0
    pcm_sample_bit_depth_luma_minus1: int = 7
    pcm_sample_bit_depth_chroma_minus1: int = 7
    log2_min_pcm_luma_coding_block_size_minus3: int = 0
    log2_diff_max_min_pcm_luma_coding_block_size: int = 0
    pcm_loop_filter_disabled_flag: int = 0
    # st_ref_pic_set( i ) for i < num_short_term_ref_pic_sets (with derived variables)
    st_ref_pic_sets: list[StRps] = field(default_factory=list)
    long_term_ref_pics_present_flag: int = 0
    lt_ref_pic_poc_lsb_sps: list[int] = field(default_factory=list)
    used_by_curr_pic_lt_sps_flag: list[int] = field(default_factory=list)
    sps_temporal_mvp_enabled_flag: int = 1
    strong_intra_smoothing_enabled_flag: int = 1
    vui_parameters_present_flag: int = 0
    vui: VUI | None = None
    sps_extension_present_flag: int = 0
    sps_range_extension_flag: int = 0
    sps_multilayer_extension_flag: int = 0
    sps_3d_extension_flag: int = 0
    sps_scc_extension_flag: int = 0
    sps_extension_4bits: int = 0
    # sps_range_extension( ), 7.3.2.2.2
    transform_skip_rotation_enabled_flag: int = 0
    transform_skip_context_enabled_flag: int = 0
    implicit_rdpcm_enabled_flag: int = 0
    explicit_rdpcm_enabled_flag: int = 0
    extended_precision_processing_flag: int = 0
    intra_smoothing_disabled_flag: int = 0
    high_precision_offsets_enabled_flag: int = 0
    persistent_rice_adaptation_enabled_flag: int = 0
    cabac_bypass_alignment_enabled_flag: int = 0
    # sps_multilayer_extension( ), F.7.3.2.2.4
    inter_view_mv_vert_constraint_flag: int = 0
    # everything after the parsed extensions when sps_3d/scc_extension_flag or
    # sps_extension_4bits is set: the raw bits up to rbsp_trailing_bits (dlvc's own tool
    # signalling goes in sps_extension_4bits' sps_extension_data_flag bits)
    sps_extension_data_flag: list[int] = field(default_factory=list)

    # --- derived variables (7.4.3.2) ---
    @property
    def num_short_term_ref_pic_sets(self) -> int:
        return len(self.st_ref_pic_sets)

    @property
    def num_long_term_ref_pics_sps(self) -> int:
        return len(self.lt_ref_pic_poc_lsb_sps)

    @property
    def ChromaArrayType(self) -> int:
        return 0 if self.separate_colour_plane_flag else self.chroma_format_idc

    @property
    def SubWidthC(self) -> int:
        return 2 if self.chroma_format_idc in (1, 2) and not self.separate_colour_plane_flag else 1

    @property
    def SubHeightC(self) -> int:
        return 2 if self.chroma_format_idc == 1 and not self.separate_colour_plane_flag else 1

    @property
    def BitDepthY(self) -> int:
        return 8 + self.bit_depth_luma_minus8

    @property
    def BitDepthC(self) -> int:
        return 8 + self.bit_depth_chroma_minus8

    @property
    def MaxPicOrderCntLsb(self) -> int:
        return 1 << (self.log2_max_pic_order_cnt_lsb_minus4 + 4)

    @property
    def MinCbLog2SizeY(self) -> int:
        return self.log2_min_luma_coding_block_size_minus3 + 3

    @property
    def CtbLog2SizeY(self) -> int:
        return self.MinCbLog2SizeY + self.log2_diff_max_min_luma_coding_block_size

    @property
    def MinCbSizeY(self) -> int:
        return 1 << self.MinCbLog2SizeY

    @property
    def CtbSizeY(self) -> int:
        return 1 << self.CtbLog2SizeY

    @property
    def PicWidthInMinCbsY(self) -> int:
        return self.pic_width_in_luma_samples // self.MinCbSizeY

    @property
    def PicHeightInMinCbsY(self) -> int:
        return self.pic_height_in_luma_samples // self.MinCbSizeY

    @property
    def PicWidthInCtbsY(self) -> int:
        return -(-self.pic_width_in_luma_samples // self.CtbSizeY)

    @property
    def PicHeightInCtbsY(self) -> int:
        return -(-self.pic_height_in_luma_samples // self.CtbSizeY)

    @property
    def PicSizeInCtbsY(self) -> int:
        return self.PicWidthInCtbsY * self.PicHeightInCtbsY

    @property
    def Log2MinTrafoSize(self) -> int:
        return self.log2_min_luma_transform_block_size_minus2 + 2

    @property
    def Log2MaxTrafoSize(self) -> int:
        return self.Log2MinTrafoSize + self.log2_diff_max_min_luma_transform_block_size

    @property
    def Log2MinIpcmCbSizeY(self) -> int:
        return self.log2_min_pcm_luma_coding_block_size_minus3 + 3

    @property
    def Log2MaxIpcmCbSizeY(self) -> int:
        return self.Log2MinIpcmCbSizeY + self.log2_diff_max_min_pcm_luma_coding_block_size

    @property
    def PcmBitDepthY(self) -> int:
        return self.pcm_sample_bit_depth_luma_minus1 + 1

    @property
    def PcmBitDepthC(self) -> int:
        return self.pcm_sample_bit_depth_chroma_minus1 + 1

    def conformance_window(self) -> tuple[int, int, int, int]:
        """Cropping in luma samples (left, right, top, bottom): offsets times SubWidthC /
        SubHeightC (7.4.3.2)."""
        if not self.conformance_window_flag:
            return (0, 0, 0, 0)
        sw, sh = self.SubWidthC, self.SubHeightC
        return (sw * self.conf_win_left_offset, sw * self.conf_win_right_offset,
                sh * self.conf_win_top_offset, sh * self.conf_win_bottom_offset)

    def output_size(self) -> tuple[int, int]:
        """(width, height) of the cropped (output) picture."""
        left, right, top, bottom = self.conformance_window()
        return (self.pic_width_in_luma_samples - left - right,
                self.pic_height_in_luma_samples - top - bottom)


def write_sps(s: SPS) -> bytes:
    w = BitWriter()
    w.u(4, s.sps_video_parameter_set_id)
    w.u(3, s.sps_max_sub_layers_minus1)
    w.u(1, s.sps_temporal_id_nesting_flag)
    write_profile_tier_level(w, s.profile_tier_level, 1, s.sps_max_sub_layers_minus1)
    w.ue(s.sps_seq_parameter_set_id)
    w.ue(s.chroma_format_idc)
    if s.chroma_format_idc == 3:
        w.u(1, s.separate_colour_plane_flag)
    w.ue(s.pic_width_in_luma_samples)
    w.ue(s.pic_height_in_luma_samples)
    w.u(1, s.conformance_window_flag)
    if s.conformance_window_flag:
        w.ue(s.conf_win_left_offset)
        w.ue(s.conf_win_right_offset)
        w.ue(s.conf_win_top_offset)
        w.ue(s.conf_win_bottom_offset)
    w.ue(s.bit_depth_luma_minus8)
    w.ue(s.bit_depth_chroma_minus8)
    w.ue(s.log2_max_pic_order_cnt_lsb_minus4)
    w.u(1, s.sps_sub_layer_ordering_info_present_flag)
    first = 0 if s.sps_sub_layer_ordering_info_present_flag else s.sps_max_sub_layers_minus1
    for i in range(first, s.sps_max_sub_layers_minus1 + 1):
        w.ue(s.sps_max_dec_pic_buffering_minus1[i])
        w.ue(s.sps_max_num_reorder_pics[i])
        w.ue(s.sps_max_latency_increase_plus1[i])
    w.ue(s.log2_min_luma_coding_block_size_minus3)
    w.ue(s.log2_diff_max_min_luma_coding_block_size)
    w.ue(s.log2_min_luma_transform_block_size_minus2)
    w.ue(s.log2_diff_max_min_luma_transform_block_size)
    w.ue(s.max_transform_hierarchy_depth_inter)
    w.ue(s.max_transform_hierarchy_depth_intra)
    w.u(1, s.scaling_list_enabled_flag)
    if s.scaling_list_enabled_flag:
        w.u(1, s.sps_scaling_list_data_present_flag)
        if s.sps_scaling_list_data_present_flag:
            write_scaling_list_data(w, s.scaling_list_data)
    w.u(1, s.amp_enabled_flag)
    w.u(1, s.sample_adaptive_offset_enabled_flag)
    w.u(1, s.pcm_enabled_flag)
    if s.pcm_enabled_flag:
        w.u(4, s.pcm_sample_bit_depth_luma_minus1)
        w.u(4, s.pcm_sample_bit_depth_chroma_minus1)
        w.ue(s.log2_min_pcm_luma_coding_block_size_minus3)
        w.ue(s.log2_diff_max_min_pcm_luma_coding_block_size)
        w.u(1, s.pcm_loop_filter_disabled_flag)
    n = s.num_short_term_ref_pic_sets
    w.ue(n)
    for i in range(n):
        write_st_ref_pic_set(w, s.st_ref_pic_sets[i], i, n)
    w.u(1, s.long_term_ref_pics_present_flag)
    if s.long_term_ref_pics_present_flag:
        w.ue(s.num_long_term_ref_pics_sps)
        for i in range(s.num_long_term_ref_pics_sps):
            w.u(s.log2_max_pic_order_cnt_lsb_minus4 + 4, s.lt_ref_pic_poc_lsb_sps[i])
            w.u(1, s.used_by_curr_pic_lt_sps_flag[i])
    w.u(1, s.sps_temporal_mvp_enabled_flag)
    w.u(1, s.strong_intra_smoothing_enabled_flag)
    w.u(1, s.vui_parameters_present_flag)
    if s.vui_parameters_present_flag:
        write_vui_parameters(w, s.vui, s.sps_max_sub_layers_minus1)
    w.u(1, s.sps_extension_present_flag)
    if s.sps_extension_present_flag:
        w.u(1, s.sps_range_extension_flag)
        w.u(1, s.sps_multilayer_extension_flag)
        w.u(1, s.sps_3d_extension_flag)
        w.u(1, s.sps_scc_extension_flag)
        w.u(4, s.sps_extension_4bits)
        if s.sps_range_extension_flag:
            w.u(1, s.transform_skip_rotation_enabled_flag)
            w.u(1, s.transform_skip_context_enabled_flag)
            w.u(1, s.implicit_rdpcm_enabled_flag)
            w.u(1, s.explicit_rdpcm_enabled_flag)
            w.u(1, s.extended_precision_processing_flag)
            w.u(1, s.intra_smoothing_disabled_flag)
            w.u(1, s.high_precision_offsets_enabled_flag)
            w.u(1, s.persistent_rice_adaptation_enabled_flag)
            w.u(1, s.cabac_bypass_alignment_enabled_flag)
        if s.sps_multilayer_extension_flag:
            w.u(1, s.inter_view_mv_vert_constraint_flag)
        if s.sps_3d_extension_flag or s.sps_scc_extension_flag or s.sps_extension_4bits:
            write_extension_data(w, s.sps_extension_data_flag)
    w.rbsp_trailing_bits()
    return w.getvalue()


def parse_sps(rbsp: bytes) -> SPS:
    r = BitReader(rbsp)
    s = SPS()
    s.sps_video_parameter_set_id = r.u(4)
    s.sps_max_sub_layers_minus1 = r.u(3)
    if s.sps_max_sub_layers_minus1 > 6:
        raise BitstreamError(f"sps_max_sub_layers_minus1 {s.sps_max_sub_layers_minus1} > 6")
    s.sps_temporal_id_nesting_flag = r.u(1)
    s.profile_tier_level = parse_profile_tier_level(r, 1, s.sps_max_sub_layers_minus1)
    s.sps_seq_parameter_set_id = r.ue()
    if s.sps_seq_parameter_set_id > 15:
        raise BitstreamError(f"sps_seq_parameter_set_id {s.sps_seq_parameter_set_id} > 15")
    s.chroma_format_idc = r.ue()
    if s.chroma_format_idc > 3:
        raise BitstreamError(f"chroma_format_idc {s.chroma_format_idc} > 3")
    if s.chroma_format_idc == 3:
        s.separate_colour_plane_flag = r.u(1)
    s.pic_width_in_luma_samples = r.ue()
    s.pic_height_in_luma_samples = r.ue()
    if not (0 < s.pic_width_in_luma_samples <= 16888 and 0 < s.pic_height_in_luma_samples <= 16888):
        raise BitstreamError(f"bad picture size {s.pic_width_in_luma_samples}x{s.pic_height_in_luma_samples}")
    s.conformance_window_flag = r.u(1)
    if s.conformance_window_flag:
        s.conf_win_left_offset = r.ue()
        s.conf_win_right_offset = r.ue()
        s.conf_win_top_offset = r.ue()
        s.conf_win_bottom_offset = r.ue()
    s.bit_depth_luma_minus8 = r.ue()
    s.bit_depth_chroma_minus8 = r.ue()
    if s.bit_depth_luma_minus8 > 8 or s.bit_depth_chroma_minus8 > 8:
        raise BitstreamError("bit depth > 16")
    s.log2_max_pic_order_cnt_lsb_minus4 = r.ue()
    if s.log2_max_pic_order_cnt_lsb_minus4 > 12:
        raise BitstreamError(f"log2_max_pic_order_cnt_lsb_minus4 {s.log2_max_pic_order_cnt_lsb_minus4} > 12")
    s.sps_sub_layer_ordering_info_present_flag = r.u(1)
    n = s.sps_max_sub_layers_minus1 + 1
    dpb, reo, lat = [0] * n, [0] * n, [0] * n
    first = 0 if s.sps_sub_layer_ordering_info_present_flag else n - 1
    for i in range(first, n):
        dpb[i], reo[i], lat[i] = r.ue(), r.ue(), r.ue()
    for i in range(first):          # 7.4.3.2 inference
        dpb[i], reo[i], lat[i] = dpb[n - 1], reo[n - 1], lat[n - 1]
    s.sps_max_dec_pic_buffering_minus1, s.sps_max_num_reorder_pics = dpb, reo
    s.sps_max_latency_increase_plus1 = lat
    s.log2_min_luma_coding_block_size_minus3 = r.ue()
    s.log2_diff_max_min_luma_coding_block_size = r.ue()
    s.log2_min_luma_transform_block_size_minus2 = r.ue()
    s.log2_diff_max_min_luma_transform_block_size = r.ue()
    if s.CtbLog2SizeY > 6 or s.Log2MaxTrafoSize > 5:
        raise BitstreamError(f"unsupported CTB/TU size (CtbLog2SizeY {s.CtbLog2SizeY}, "
                             f"Log2MaxTrafoSize {s.Log2MaxTrafoSize})")
    s.max_transform_hierarchy_depth_inter = r.ue()
    s.max_transform_hierarchy_depth_intra = r.ue()
    s.scaling_list_enabled_flag = r.u(1)
    if s.scaling_list_enabled_flag:
        s.sps_scaling_list_data_present_flag = r.u(1)
        if s.sps_scaling_list_data_present_flag:
            s.scaling_list_data = parse_scaling_list_data(r)
    s.amp_enabled_flag = r.u(1)
    s.sample_adaptive_offset_enabled_flag = r.u(1)
    s.pcm_enabled_flag = r.u(1)
    if s.pcm_enabled_flag:
        s.pcm_sample_bit_depth_luma_minus1 = r.u(4)
        s.pcm_sample_bit_depth_chroma_minus1 = r.u(4)
        s.log2_min_pcm_luma_coding_block_size_minus3 = r.ue()
        s.log2_diff_max_min_pcm_luma_coding_block_size = r.ue()
        s.pcm_loop_filter_disabled_flag = r.u(1)
    num = r.ue()
    if num > 64:
        raise BitstreamError(f"num_short_term_ref_pic_sets {num} > 64")
    s.st_ref_pic_sets = []
    for i in range(num):
        s.st_ref_pic_sets.append(parse_st_ref_pic_set(r, i, num, s.st_ref_pic_sets, dpb[n - 1]))
    s.long_term_ref_pics_present_flag = r.u(1)
    if s.long_term_ref_pics_present_flag:
        nlt = r.ue()
        if nlt > 32:
            raise BitstreamError(f"num_long_term_ref_pics_sps {nlt} > 32")
        for _ in range(nlt):
            s.lt_ref_pic_poc_lsb_sps.append(r.u(s.log2_max_pic_order_cnt_lsb_minus4 + 4))
            s.used_by_curr_pic_lt_sps_flag.append(r.u(1))
    s.sps_temporal_mvp_enabled_flag = r.u(1)
    s.strong_intra_smoothing_enabled_flag = r.u(1)
    s.vui_parameters_present_flag = r.u(1)
    if s.vui_parameters_present_flag:
        s.vui = parse_vui_parameters(r, s.sps_max_sub_layers_minus1)
    s.sps_extension_present_flag = r.u(1)
    if s.sps_extension_present_flag:
        s.sps_range_extension_flag = r.u(1)
        s.sps_multilayer_extension_flag = r.u(1)
        s.sps_3d_extension_flag = r.u(1)
        s.sps_scc_extension_flag = r.u(1)
        s.sps_extension_4bits = r.u(4)
        if s.sps_range_extension_flag:
            s.transform_skip_rotation_enabled_flag = r.u(1)
            s.transform_skip_context_enabled_flag = r.u(1)
            s.implicit_rdpcm_enabled_flag = r.u(1)
            s.explicit_rdpcm_enabled_flag = r.u(1)
            s.extended_precision_processing_flag = r.u(1)
            s.intra_smoothing_disabled_flag = r.u(1)
            s.high_precision_offsets_enabled_flag = r.u(1)
            s.persistent_rice_adaptation_enabled_flag = r.u(1)
            s.cabac_bypass_alignment_enabled_flag = r.u(1)
        if s.sps_multilayer_extension_flag:
            s.inter_view_mv_vert_constraint_flag = r.u(1)
        if s.sps_3d_extension_flag or s.sps_scc_extension_flag or s.sps_extension_4bits:
            s.sps_extension_data_flag = read_extension_data(r)
    r.rbsp_trailing_bits()
    return s
