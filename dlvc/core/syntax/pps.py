"""pic_parameter_set_rbsp() (7.3.2.3 / 7.4.3.3) with pps_range_extension() (7.3.2.3.2) and the
tile layout derivation (6.5.1)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..bitstream import BitReader, BitWriter, BitstreamError
from .sps import ScalingListData, parse_scaling_list_data, write_scaling_list_data
from .vps import read_extension_data, write_extension_data


@dataclass
class PPS:
    pps_pic_parameter_set_id: int = 0
    pps_seq_parameter_set_id: int = 0
    dependent_slice_segments_enabled_flag: int = 0
    output_flag_present_flag: int = 0
    num_extra_slice_header_bits: int = 0
    sign_data_hiding_enabled_flag: int = 1
    cabac_init_present_flag: int = 0
    num_ref_idx_l0_default_active_minus1: int = 0
    num_ref_idx_l1_default_active_minus1: int = 0
    init_qp_minus26: int = 0
    constrained_intra_pred_flag: int = 0
    transform_skip_enabled_flag: int = 0
    cu_qp_delta_enabled_flag: int = 0
    diff_cu_qp_delta_depth: int = 0
    pps_cb_qp_offset: int = 0
    pps_cr_qp_offset: int = 0
    pps_slice_chroma_qp_offsets_present_flag: int = 0
    weighted_pred_flag: int = 0
    weighted_bipred_flag: int = 0
    transquant_bypass_enabled_flag: int = 0
    tiles_enabled_flag: int = 0
    entropy_coding_sync_enabled_flag: int = 0
    num_tile_columns_minus1: int = 0
    num_tile_rows_minus1: int = 0
    uniform_spacing_flag: int = 1
    column_width_minus1: list[int] = field(default_factory=list)
    row_height_minus1: list[int] = field(default_factory=list)
    loop_filter_across_tiles_enabled_flag: int = 1
    pps_loop_filter_across_slices_enabled_flag: int = 0
    deblocking_filter_control_present_flag: int = 0
    deblocking_filter_override_enabled_flag: int = 0
    pps_deblocking_filter_disabled_flag: int = 0
    pps_beta_offset_div2: int = 0
    pps_tc_offset_div2: int = 0
    pps_scaling_list_data_present_flag: int = 0
    scaling_list_data: ScalingListData | None = None
    lists_modification_present_flag: int = 0
    log2_parallel_merge_level_minus2: int = 0
    slice_segment_header_extension_present_flag: int = 0
    pps_extension_present_flag: int = 0
    pps_range_extension_flag: int = 0
    pps_multilayer_extension_flag: int = 0
    pps_3d_extension_flag: int = 0
    pps_scc_extension_flag: int = 0
    pps_extension_4bits: int = 0
    # pps_range_extension( ), 7.3.2.3.2
    log2_max_transform_skip_block_size_minus2: int = 0
    cross_component_prediction_enabled_flag: int = 0
    chroma_qp_offset_list_enabled_flag: int = 0
    diff_cu_chroma_qp_offset_depth: int = 0
    chroma_qp_offset_list_len_minus1: int = 0
    cb_qp_offset_list: list[int] = field(default_factory=list)
    cr_qp_offset_list: list[int] = field(default_factory=list)
    log2_sao_offset_scale_luma: int = 0
    log2_sao_offset_scale_chroma: int = 0
    # raw bits after the parsed extensions (multilayer/3d/scc/4bits), up to the trailing bits
    pps_extension_data_flag: list[int] = field(default_factory=list)

    @property
    def Log2ParMrgLevel(self) -> int:
        return self.log2_parallel_merge_level_minus2 + 2

    def tile_layout(self, sps) -> tuple[list[int], list[int]]:
        """(colWidth, rowHeight) in CTBs, 6.5.1 (6-3, 6-4)."""
        W, H = sps.PicWidthInCtbsY, sps.PicHeightInCtbsY
        nc, nr = self.num_tile_columns_minus1 + 1, self.num_tile_rows_minus1 + 1
        if not self.tiles_enabled_flag:
            return [W], [H]
        if self.uniform_spacing_flag:
            cw = [((i + 1) * W) // nc - (i * W) // nc for i in range(nc)]
            rh = [((j + 1) * H) // nr - (j * H) // nr for j in range(nr)]
        else:
            cw = [c + 1 for c in self.column_width_minus1]
            cw.append(W - sum(cw))
            rh = [r + 1 for r in self.row_height_minus1]
            rh.append(H - sum(rh))
            if cw[-1] <= 0 or rh[-1] <= 0:
                raise BitstreamError("tile columns/rows exceed the picture")
        return cw, rh


def write_pps(p: PPS) -> bytes:
    w = BitWriter()
    w.ue(p.pps_pic_parameter_set_id)
    w.ue(p.pps_seq_parameter_set_id)
    w.u(1, p.dependent_slice_segments_enabled_flag)
    w.u(1, p.output_flag_present_flag)
    w.u(3, p.num_extra_slice_header_bits)
    w.u(1, p.sign_data_hiding_enabled_flag)
    w.u(1, p.cabac_init_present_flag)
    w.ue(p.num_ref_idx_l0_default_active_minus1)
    w.ue(p.num_ref_idx_l1_default_active_minus1)
    w.se(p.init_qp_minus26)
    w.u(1, p.constrained_intra_pred_flag)
    w.u(1, p.transform_skip_enabled_flag)
    w.u(1, p.cu_qp_delta_enabled_flag)
    if p.cu_qp_delta_enabled_flag:
        w.ue(p.diff_cu_qp_delta_depth)
    w.se(p.pps_cb_qp_offset)
    w.se(p.pps_cr_qp_offset)
    w.u(1, p.pps_slice_chroma_qp_offsets_present_flag)
    w.u(1, p.weighted_pred_flag)
    w.u(1, p.weighted_bipred_flag)
    w.u(1, p.transquant_bypass_enabled_flag)
    w.u(1, p.tiles_enabled_flag)
    w.u(1, p.entropy_coding_sync_enabled_flag)
    if p.tiles_enabled_flag:
        w.ue(p.num_tile_columns_minus1)
        w.ue(p.num_tile_rows_minus1)
        w.u(1, p.uniform_spacing_flag)
        if not p.uniform_spacing_flag:
            for i in range(p.num_tile_columns_minus1):
                w.ue(p.column_width_minus1[i])
            for i in range(p.num_tile_rows_minus1):
                w.ue(p.row_height_minus1[i])
        w.u(1, p.loop_filter_across_tiles_enabled_flag)
    w.u(1, p.pps_loop_filter_across_slices_enabled_flag)
    w.u(1, p.deblocking_filter_control_present_flag)
    if p.deblocking_filter_control_present_flag:
        w.u(1, p.deblocking_filter_override_enabled_flag)
        w.u(1, p.pps_deblocking_filter_disabled_flag)
        if not p.pps_deblocking_filter_disabled_flag:
            w.se(p.pps_beta_offset_div2)
            w.se(p.pps_tc_offset_div2)
    w.u(1, p.pps_scaling_list_data_present_flag)
    if p.pps_scaling_list_data_present_flag:
        write_scaling_list_data(w, p.scaling_list_data)
    w.u(1, p.lists_modification_present_flag)
    w.ue(p.log2_parallel_merge_level_minus2)
    w.u(1, p.slice_segment_header_extension_present_flag)
    w.u(1, p.pps_extension_present_flag)
    if p.pps_extension_present_flag:
        w.u(1, p.pps_range_extension_flag)
        w.u(1, p.pps_multilayer_extension_flag)
        w.u(1, p.pps_3d_extension_flag)
        w.u(1, p.pps_scc_extension_flag)
        w.u(4, p.pps_extension_4bits)
        if p.pps_range_extension_flag:
            if p.transform_skip_enabled_flag:
                w.ue(p.log2_max_transform_skip_block_size_minus2)
            w.u(1, p.cross_component_prediction_enabled_flag)
            w.u(1, p.chroma_qp_offset_list_enabled_flag)
            if p.chroma_qp_offset_list_enabled_flag:
                w.ue(p.diff_cu_chroma_qp_offset_depth)
                w.ue(p.chroma_qp_offset_list_len_minus1)
                for i in range(p.chroma_qp_offset_list_len_minus1 + 1):
                    w.se(p.cb_qp_offset_list[i])
                    w.se(p.cr_qp_offset_list[i])
            w.ue(p.log2_sao_offset_scale_luma)
            w.ue(p.log2_sao_offset_scale_chroma)
        if (p.pps_multilayer_extension_flag or p.pps_3d_extension_flag or p.pps_scc_extension_flag
                or p.pps_extension_4bits):
            write_extension_data(w, p.pps_extension_data_flag)
    w.rbsp_trailing_bits()
    return w.getvalue()


def parse_pps(rbsp: bytes) -> PPS:
    r = BitReader(rbsp)
    p = PPS()
    p.pps_pic_parameter_set_id = r.ue()
    if p.pps_pic_parameter_set_id > 63:
        raise BitstreamError(f"pps_pic_parameter_set_id {p.pps_pic_parameter_set_id} > 63")
    p.pps_seq_parameter_set_id = r.ue()
    if p.pps_seq_parameter_set_id > 15:
        raise BitstreamError(f"pps_seq_parameter_set_id {p.pps_seq_parameter_set_id} > 15")
    p.dependent_slice_segments_enabled_flag = r.u(1)
    p.output_flag_present_flag = r.u(1)
    p.num_extra_slice_header_bits = r.u(3)
    p.sign_data_hiding_enabled_flag = r.u(1)
    p.cabac_init_present_flag = r.u(1)
    p.num_ref_idx_l0_default_active_minus1 = r.ue()
    p.num_ref_idx_l1_default_active_minus1 = r.ue()
    if p.num_ref_idx_l0_default_active_minus1 > 14 or p.num_ref_idx_l1_default_active_minus1 > 14:
        raise BitstreamError("num_ref_idx_lX_default_active_minus1 > 14")
    p.init_qp_minus26 = r.se()
    p.constrained_intra_pred_flag = r.u(1)
    p.transform_skip_enabled_flag = r.u(1)
    p.cu_qp_delta_enabled_flag = r.u(1)
    if p.cu_qp_delta_enabled_flag:
        p.diff_cu_qp_delta_depth = r.ue()
    p.pps_cb_qp_offset = r.se()
    p.pps_cr_qp_offset = r.se()
    p.pps_slice_chroma_qp_offsets_present_flag = r.u(1)
    p.weighted_pred_flag = r.u(1)
    p.weighted_bipred_flag = r.u(1)
    p.transquant_bypass_enabled_flag = r.u(1)
    p.tiles_enabled_flag = r.u(1)
    p.entropy_coding_sync_enabled_flag = r.u(1)
    if p.tiles_enabled_flag:
        p.num_tile_columns_minus1 = r.ue()
        p.num_tile_rows_minus1 = r.ue()
        if p.num_tile_columns_minus1 > 19 or p.num_tile_rows_minus1 > 21:
            raise BitstreamError("too many tile columns/rows")
        p.uniform_spacing_flag = r.u(1)
        if not p.uniform_spacing_flag:
            p.column_width_minus1 = [r.ue() for _ in range(p.num_tile_columns_minus1)]
            p.row_height_minus1 = [r.ue() for _ in range(p.num_tile_rows_minus1)]
        p.loop_filter_across_tiles_enabled_flag = r.u(1)
    p.pps_loop_filter_across_slices_enabled_flag = r.u(1)
    p.deblocking_filter_control_present_flag = r.u(1)
    if p.deblocking_filter_control_present_flag:
        p.deblocking_filter_override_enabled_flag = r.u(1)
        p.pps_deblocking_filter_disabled_flag = r.u(1)
        if not p.pps_deblocking_filter_disabled_flag:
            p.pps_beta_offset_div2 = r.se()
            p.pps_tc_offset_div2 = r.se()
    p.pps_scaling_list_data_present_flag = r.u(1)
    if p.pps_scaling_list_data_present_flag:
        p.scaling_list_data = parse_scaling_list_data(r)
    p.lists_modification_present_flag = r.u(1)
    p.log2_parallel_merge_level_minus2 = r.ue()
    p.slice_segment_header_extension_present_flag = r.u(1)
    p.pps_extension_present_flag = r.u(1)
    if p.pps_extension_present_flag:
        p.pps_range_extension_flag = r.u(1)
        p.pps_multilayer_extension_flag = r.u(1)
        p.pps_3d_extension_flag = r.u(1)
        p.pps_scc_extension_flag = r.u(1)
        p.pps_extension_4bits = r.u(4)
        if p.pps_range_extension_flag:
            if p.transform_skip_enabled_flag:
                p.log2_max_transform_skip_block_size_minus2 = r.ue()
            p.cross_component_prediction_enabled_flag = r.u(1)
            p.chroma_qp_offset_list_enabled_flag = r.u(1)
            if p.chroma_qp_offset_list_enabled_flag:
                p.diff_cu_chroma_qp_offset_depth = r.ue()
                p.chroma_qp_offset_list_len_minus1 = r.ue()
                if p.chroma_qp_offset_list_len_minus1 > 5:
                    raise BitstreamError("chroma_qp_offset_list_len_minus1 > 5")
                for _ in range(p.chroma_qp_offset_list_len_minus1 + 1):
                    p.cb_qp_offset_list.append(r.se())
                    p.cr_qp_offset_list.append(r.se())
            p.log2_sao_offset_scale_luma = r.ue()
            p.log2_sao_offset_scale_chroma = r.ue()
        if (p.pps_multilayer_extension_flag or p.pps_3d_extension_flag or p.pps_scc_extension_flag
                or p.pps_extension_4bits):
            p.pps_extension_data_flag = read_extension_data(r)
    r.rbsp_trailing_bits()
    return p
