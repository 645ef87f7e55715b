"""video_parameter_set_rbsp() (7.3.2.1 / 7.4.3.1) and hrd_parameters() (E.2.2 / E.2.3),
which the VPS and the SPS VUI share."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..bitstream import BitReader, BitWriter, BitstreamError
from .ptl import ProfileTierLevel, parse_profile_tier_level, write_profile_tier_level


# ---------------------------------------------------------------------------------------------
# hrd_parameters, E.2.2 / E.2.3
# ---------------------------------------------------------------------------------------------
@dataclass
class SubLayerHrd:
    """sub_layer_hrd_parameters( subLayerId ), E.2.3: lists of length CpbCnt."""
    bit_rate_value_minus1: list[int] = field(default_factory=list)
    cpb_size_value_minus1: list[int] = field(default_factory=list)
    cpb_size_du_value_minus1: list[int] = field(default_factory=list)
    bit_rate_du_value_minus1: list[int] = field(default_factory=list)
    cbr_flag: list[int] = field(default_factory=list)


@dataclass
class SubLayerTiming:
    """Per sub-layer part of hrd_parameters (E.2.2 loop over i)."""
    fixed_pic_rate_general_flag: int = 0
    fixed_pic_rate_within_cvs_flag: int = 0    # inferred 1 when fixed_pic_rate_general_flag
    elemental_duration_in_tc_minus1: int = 0
    low_delay_hrd_flag: int = 0
    cpb_cnt_minus1: int = 0
    nal: SubLayerHrd | None = None
    vcl: SubLayerHrd | None = None


@dataclass
class HrdParameters:
    nal_hrd_parameters_present_flag: int = 0
    vcl_hrd_parameters_present_flag: int = 0
    sub_pic_hrd_params_present_flag: int = 0
    tick_divisor_minus2: int = 0
    du_cpb_removal_delay_increment_length_minus1: int = 0
    sub_pic_cpb_params_in_pic_timing_sei_flag: int = 0
    dpb_output_delay_du_length_minus1: int = 0
    bit_rate_scale: int = 0
    cpb_size_scale: int = 0
    cpb_size_du_scale: int = 0
    initial_cpb_removal_delay_length_minus1: int = 23
    au_cpb_removal_delay_length_minus1: int = 23
    dpb_output_delay_length_minus1: int = 23
    sub_layers: list[SubLayerTiming] = field(default_factory=list)


def _write_sub_layer_hrd(w: BitWriter, s: SubLayerHrd, cpb_cnt: int, sub_pic: int) -> None:
    for i in range(cpb_cnt):
        w.ue(s.bit_rate_value_minus1[i])
        w.ue(s.cpb_size_value_minus1[i])
        if sub_pic:
            w.ue(s.cpb_size_du_value_minus1[i])
            w.ue(s.bit_rate_du_value_minus1[i])
        w.u(1, s.cbr_flag[i])


def _parse_sub_layer_hrd(r: BitReader, cpb_cnt: int, sub_pic: int) -> SubLayerHrd:
    s = SubLayerHrd()
    for _ in range(cpb_cnt):
        s.bit_rate_value_minus1.append(r.ue())
        s.cpb_size_value_minus1.append(r.ue())
        if sub_pic:
            s.cpb_size_du_value_minus1.append(r.ue())
            s.bit_rate_du_value_minus1.append(r.ue())
        s.cbr_flag.append(r.u(1))
    return s


_HRD_COMMON = ("nal_hrd_parameters_present_flag", "vcl_hrd_parameters_present_flag",
               "sub_pic_hrd_params_present_flag", "tick_divisor_minus2",
               "du_cpb_removal_delay_increment_length_minus1",
               "sub_pic_cpb_params_in_pic_timing_sei_flag", "dpb_output_delay_du_length_minus1",
               "bit_rate_scale", "cpb_size_scale", "cpb_size_du_scale",
               "initial_cpb_removal_delay_length_minus1", "au_cpb_removal_delay_length_minus1",
               "dpb_output_delay_length_minus1")


def write_hrd_parameters(w: BitWriter, h: HrdParameters, commonInfPresentFlag: int,
                         maxNumSubLayersMinus1: int, prev: HrdParameters | None = None) -> None:
    """E.2.2.  Without common info (VPS cprms_present_flag[ i ] == 0) the common fields are
    those of the previous hrd_parameters( ) (7.4.3.1), passed as prev; they must match h's."""
    if not commonInfPresentFlag and prev is not None:
        for k in _HRD_COMMON:
            if getattr(h, k) != getattr(prev, k):
                raise ValueError(f"hrd_parameters without common info: {k} differs from the previous one")
    if commonInfPresentFlag:
        w.u(1, h.nal_hrd_parameters_present_flag)
        w.u(1, h.vcl_hrd_parameters_present_flag)
        if h.nal_hrd_parameters_present_flag or h.vcl_hrd_parameters_present_flag:
            w.u(1, h.sub_pic_hrd_params_present_flag)
            if h.sub_pic_hrd_params_present_flag:
                w.u(8, h.tick_divisor_minus2)
                w.u(5, h.du_cpb_removal_delay_increment_length_minus1)
                w.u(1, h.sub_pic_cpb_params_in_pic_timing_sei_flag)
                w.u(5, h.dpb_output_delay_du_length_minus1)
            w.u(4, h.bit_rate_scale)
            w.u(4, h.cpb_size_scale)
            if h.sub_pic_hrd_params_present_flag:
                w.u(4, h.cpb_size_du_scale)
            w.u(5, h.initial_cpb_removal_delay_length_minus1)
            w.u(5, h.au_cpb_removal_delay_length_minus1)
            w.u(5, h.dpb_output_delay_length_minus1)
    for i in range(maxNumSubLayersMinus1 + 1):
        s = h.sub_layers[i]
        w.u(1, s.fixed_pic_rate_general_flag)
        if not s.fixed_pic_rate_general_flag:
            w.u(1, s.fixed_pic_rate_within_cvs_flag)
        low_delay = 0
        if s.fixed_pic_rate_general_flag or s.fixed_pic_rate_within_cvs_flag:
            w.ue(s.elemental_duration_in_tc_minus1)
        else:
            low_delay = s.low_delay_hrd_flag
            w.u(1, low_delay)
        if not low_delay:
            w.ue(s.cpb_cnt_minus1)
        if h.nal_hrd_parameters_present_flag:
            _write_sub_layer_hrd(w, s.nal, s.cpb_cnt_minus1 + 1, h.sub_pic_hrd_params_present_flag)
        if h.vcl_hrd_parameters_present_flag:
            _write_sub_layer_hrd(w, s.vcl, s.cpb_cnt_minus1 + 1, h.sub_pic_hrd_params_present_flag)


def parse_hrd_parameters(r: BitReader, commonInfPresentFlag: int,
                         maxNumSubLayersMinus1: int, prev: HrdParameters | None = None) -> HrdParameters:
    """E.2.2; prev: the previous hrd_parameters( ) of the VPS, whose common fields are inherited
    when commonInfPresentFlag is 0 (7.4.3.1 cprms_present_flag semantics)."""
    h = HrdParameters()
    if not commonInfPresentFlag and prev is not None:
        for k in _HRD_COMMON:
            setattr(h, k, getattr(prev, k))
    if commonInfPresentFlag:
        h.nal_hrd_parameters_present_flag = r.u(1)
        h.vcl_hrd_parameters_present_flag = r.u(1)
        if h.nal_hrd_parameters_present_flag or h.vcl_hrd_parameters_present_flag:
            h.sub_pic_hrd_params_present_flag = r.u(1)
            if h.sub_pic_hrd_params_present_flag:
                h.tick_divisor_minus2 = r.u(8)
                h.du_cpb_removal_delay_increment_length_minus1 = r.u(5)
                h.sub_pic_cpb_params_in_pic_timing_sei_flag = r.u(1)
                h.dpb_output_delay_du_length_minus1 = r.u(5)
            h.bit_rate_scale = r.u(4)
            h.cpb_size_scale = r.u(4)
            if h.sub_pic_hrd_params_present_flag:
                h.cpb_size_du_scale = r.u(4)
            h.initial_cpb_removal_delay_length_minus1 = r.u(5)
            h.au_cpb_removal_delay_length_minus1 = r.u(5)
            h.dpb_output_delay_length_minus1 = r.u(5)
    for i in range(maxNumSubLayersMinus1 + 1):
        s = SubLayerTiming()
        s.fixed_pic_rate_general_flag = r.u(1)
        if not s.fixed_pic_rate_general_flag:
            s.fixed_pic_rate_within_cvs_flag = r.u(1)
        else:
            s.fixed_pic_rate_within_cvs_flag = 1           # E.3.2 inference
        if s.fixed_pic_rate_within_cvs_flag:
            s.elemental_duration_in_tc_minus1 = r.ue()
        else:
            s.low_delay_hrd_flag = r.u(1)
        if not s.low_delay_hrd_flag:
            s.cpb_cnt_minus1 = r.ue()
            if s.cpb_cnt_minus1 > 31:
                raise BitstreamError(f"cpb_cnt_minus1 {s.cpb_cnt_minus1} > 31")
        if h.nal_hrd_parameters_present_flag:
            s.nal = _parse_sub_layer_hrd(r, s.cpb_cnt_minus1 + 1, h.sub_pic_hrd_params_present_flag)
        if h.vcl_hrd_parameters_present_flag:
            s.vcl = _parse_sub_layer_hrd(r, s.cpb_cnt_minus1 + 1, h.sub_pic_hrd_params_present_flag)
        h.sub_layers.append(s)
    return h


# ---------------------------------------------------------------------------------------------
# extension data helpers (vps/sps/pps_extension_data_flag: everything up to the trailing bits)
# ---------------------------------------------------------------------------------------------
def read_extension_data(r: BitReader) -> list[int]:
    """*_extension_data_flag: while( more_rbsp_data( ) ) read u(1)."""
    bits = []
    while r.more_rbsp_data():
        bits.append(r.u(1))
    return bits


def write_extension_data(w: BitWriter, bits: list[int]) -> None:
    for b in bits:
        w.u(1, b)


# ---------------------------------------------------------------------------------------------
# VPS, 7.3.2.1
# ---------------------------------------------------------------------------------------------
@dataclass
class VPS:
    vps_video_parameter_set_id: int = 0
    vps_base_layer_internal_flag: int = 1
    vps_base_layer_available_flag: int = 1
    vps_max_layers_minus1: int = 0
    vps_max_sub_layers_minus1: int = 0
    vps_temporal_id_nesting_flag: int = 1
    vps_reserved_0xffff_16bits: int = 0xFFFF
    profile_tier_level: ProfileTierLevel = field(default_factory=ProfileTierLevel)
    vps_sub_layer_ordering_info_present_flag: int = 1
    # per sub-layer, length vps_max_sub_layers_minus1 + 1 (lower entries inferred, 7.4.3.1)
    vps_max_dec_pic_buffering_minus1: list[int] = field(default_factory=lambda: [0])
    vps_max_num_reorder_pics: list[int] = field(default_factory=lambda: [0])
    vps_max_latency_increase_plus1: list[int] = field(default_factory=lambda: [0])
    vps_max_layer_id: int = 0
    vps_num_layer_sets_minus1: int = 0
    layer_id_included_flag: list[list[int]] = field(default_factory=list)  # [i-1][j], i >= 1
    vps_timing_info_present_flag: int = 0
    vps_num_units_in_tick: int = 0
    vps_time_scale: int = 0
    vps_poc_proportional_to_timing_flag: int = 0
    vps_num_ticks_poc_diff_one_minus1: int = 0
    vps_num_hrd_parameters: int = 0
    hrd_layer_set_idx: list[int] = field(default_factory=list)
    cprms_present_flag: list[int] = field(default_factory=list)  # [0] inferred 1
    hrd_parameters: list[HrdParameters] = field(default_factory=list)
    vps_extension_flag: int = 0
    vps_extension_data_flag: list[int] = field(default_factory=list)


def write_vps(v: VPS) -> bytes:
    w = BitWriter()
    w.u(4, v.vps_video_parameter_set_id)
    w.u(1, v.vps_base_layer_internal_flag)
    w.u(1, v.vps_base_layer_available_flag)
    w.u(6, v.vps_max_layers_minus1)
    w.u(3, v.vps_max_sub_layers_minus1)
    w.u(1, v.vps_temporal_id_nesting_flag)
    w.u(16, v.vps_reserved_0xffff_16bits)
    write_profile_tier_level(w, v.profile_tier_level, 1, v.vps_max_sub_layers_minus1)
    w.u(1, v.vps_sub_layer_ordering_info_present_flag)
    first = 0 if v.vps_sub_layer_ordering_info_present_flag else v.vps_max_sub_layers_minus1
    for i in range(first, v.vps_max_sub_layers_minus1 + 1):
        w.ue(v.vps_max_dec_pic_buffering_minus1[i])
        w.ue(v.vps_max_num_reorder_pics[i])
        w.ue(v.vps_max_latency_increase_plus1[i])
    w.u(6, v.vps_max_layer_id)
    w.ue(v.vps_num_layer_sets_minus1)
    for i in range(1, v.vps_num_layer_sets_minus1 + 1):
        for j in range(v.vps_max_layer_id + 1):
            w.u(1, v.layer_id_included_flag[i - 1][j])
    w.u(1, v.vps_timing_info_present_flag)
    if v.vps_timing_info_present_flag:
        w.u(32, v.vps_num_units_in_tick)
        w.u(32, v.vps_time_scale)
        w.u(1, v.vps_poc_proportional_to_timing_flag)
        if v.vps_poc_proportional_to_timing_flag:
            w.ue(v.vps_num_ticks_poc_diff_one_minus1)
        w.ue(v.vps_num_hrd_parameters)
        for i in range(v.vps_num_hrd_parameters):
            w.ue(v.hrd_layer_set_idx[i])
            if i > 0:
                w.u(1, v.cprms_present_flag[i])
            write_hrd_parameters(w, v.hrd_parameters[i], 1 if i == 0 else v.cprms_present_flag[i],
                                 v.vps_max_sub_layers_minus1,
                                 v.hrd_parameters[i - 1] if i > 0 else None)
    w.u(1, v.vps_extension_flag)
    if v.vps_extension_flag:
        write_extension_data(w, v.vps_extension_data_flag)
    w.rbsp_trailing_bits()
    return w.getvalue()


def parse_vps(rbsp: bytes) -> VPS:
    r = BitReader(rbsp)
    v = VPS()
    v.vps_video_parameter_set_id = r.u(4)
    v.vps_base_layer_internal_flag = r.u(1)
    v.vps_base_layer_available_flag = r.u(1)
    v.vps_max_layers_minus1 = r.u(6)
    v.vps_max_sub_layers_minus1 = r.u(3)
    if v.vps_max_sub_layers_minus1 > 6:
        raise BitstreamError(f"vps_max_sub_layers_minus1 {v.vps_max_sub_layers_minus1} > 6")
    v.vps_temporal_id_nesting_flag = r.u(1)
    v.vps_reserved_0xffff_16bits = r.u(16)
    v.profile_tier_level = parse_profile_tier_level(r, 1, v.vps_max_sub_layers_minus1)
    v.vps_sub_layer_ordering_info_present_flag = r.u(1)
    n = v.vps_max_sub_layers_minus1 + 1
    dpb, reo, lat = [0] * n, [0] * n, [0] * n
    first = 0 if v.vps_sub_layer_ordering_info_present_flag else n - 1
    for i in range(first, n):
        dpb[i], reo[i], lat[i] = r.ue(), r.ue(), r.ue()
    for i in range(first):          # 7.4.3.1 inference: equal to the highest sub-layer's values
        dpb[i], reo[i], lat[i] = dpb[n - 1], reo[n - 1], lat[n - 1]
    v.vps_max_dec_pic_buffering_minus1, v.vps_max_num_reorder_pics = dpb, reo
    v.vps_max_latency_increase_plus1 = lat
    v.vps_max_layer_id = r.u(6)
    v.vps_num_layer_sets_minus1 = r.ue()
    if v.vps_num_layer_sets_minus1 > 1023:
        raise BitstreamError("vps_num_layer_sets_minus1 > 1023")
    v.layer_id_included_flag = [[r.u(1) for _ in range(v.vps_max_layer_id + 1)]
                                for _ in range(v.vps_num_layer_sets_minus1)]
    v.vps_timing_info_present_flag = r.u(1)
    if v.vps_timing_info_present_flag:
        v.vps_num_units_in_tick = r.u(32)
        v.vps_time_scale = r.u(32)
        v.vps_poc_proportional_to_timing_flag = r.u(1)
        if v.vps_poc_proportional_to_timing_flag:
            v.vps_num_ticks_poc_diff_one_minus1 = r.ue()
        v.vps_num_hrd_parameters = r.ue()
        if v.vps_num_hrd_parameters > v.vps_num_layer_sets_minus1 + 1:
            raise BitstreamError("vps_num_hrd_parameters too large")
        for i in range(v.vps_num_hrd_parameters):
            v.hrd_layer_set_idx.append(r.ue())
            v.cprms_present_flag.append(r.u(1) if i > 0 else 1)
            v.hrd_parameters.append(parse_hrd_parameters(
                r, v.cprms_present_flag[i], v.vps_max_sub_layers_minus1,
                v.hrd_parameters[i - 1] if i > 0 else None))
    v.vps_extension_flag = r.u(1)
    if v.vps_extension_flag:
        v.vps_extension_data_flag = read_extension_data(r)
    r.rbsp_trailing_bits()
    return v
