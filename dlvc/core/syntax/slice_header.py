"""slice_segment_header() (7.3.6.1 / 7.4.7.1), ref_pic_lists_modification() (7.3.6.2) and
pred_weight_table() (7.3.6.3 / 7.4.7.3).

The header ends with byte_alignment(); write_slice_header() returns those byte-aligned header
bytes (RBSP, no emulation prevention) and the caller appends the CABAC slice_segment_data()
before building the NAL unit.  parse_slice_header() returns the header and the byte offset of
slice_segment_data() in the RBSP.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ..bitstream import (BitReader, BitWriter, BitstreamError, BLA_W_LP, IDR_N_LP, IDR_W_RADL,
                         RSV_IRAP_VCL23)
from .pps import PPS
from .sps import SPS, ceil_log2
from .st_rps import StRps, derive_st_rps, parse_st_ref_pic_set, write_st_ref_pic_set

# slice_type, Table 7-7
B_SLICE = 0
P_SLICE = 1
I_SLICE = 2
SLICE_TYPE_NAMES = {B_SLICE: "B", P_SLICE: "P", I_SLICE: "I"}


# ---------------------------------------------------------------------------------------------
# pred_weight_table, 7.3.6.3
# ---------------------------------------------------------------------------------------------
@dataclass
class PredWeightTable:
    luma_log2_weight_denom: int = 0
    delta_chroma_log2_weight_denom: int = 0
    # index [X][i] with X = 0 (L0) / 1 (L1); chroma entries are [X][i][j], j = 0 (Cb), 1 (Cr)
    luma_weight_flag: list[list[int]] = field(default_factory=lambda: [[], []])
    chroma_weight_flag: list[list[int]] = field(default_factory=lambda: [[], []])
    delta_luma_weight: list[list[int]] = field(default_factory=lambda: [[], []])
    luma_offset: list[list[int]] = field(default_factory=lambda: [[], []])
    delta_chroma_weight: list[list[list[int]]] = field(default_factory=lambda: [[], []])
    delta_chroma_offset: list[list[list[int]]] = field(default_factory=lambda: [[], []])

    @property
    def ChromaLog2WeightDenom(self) -> int:
        return self.luma_log2_weight_denom + self.delta_chroma_log2_weight_denom

    def derive(self, X: int, sps: SPS) -> tuple[list[int], list[int], list[list[int]], list[list[int]]]:
        """(LumaWeightLX[i], luma_offset_lX[i], ChromaWeightLX[i][j], ChromaOffsetLX[i][j])
        per 7.4.7.3 (offsets before the << (BitDepth - 8) scaling of 8.5.3.3.4.3)."""
        lw, lo, cw, co = [], [], [], []
        cden = self.ChromaLog2WeightDenom
        half_c = 1 << (sps.BitDepthC - 1 if sps.high_precision_offsets_enabled_flag else 7)
        for i in range(len(self.luma_weight_flag[X])):
            if self.luma_weight_flag[X][i]:
                lw.append((1 << self.luma_log2_weight_denom) + self.delta_luma_weight[X][i])
                lo.append(self.luma_offset[X][i])
            else:
                lw.append(1 << self.luma_log2_weight_denom)
                lo.append(0)
            cwi, coi = [], []
            for j in range(2):
                if self.chroma_weight_flag[X] and self.chroma_weight_flag[X][i]:
                    wgt = (1 << cden) + self.delta_chroma_weight[X][i][j]
                    off = half_c - ((half_c * wgt) >> cden) + self.delta_chroma_offset[X][i][j]
                    off = max(-half_c, min(half_c - 1, off))
                else:
                    wgt, off = 1 << cden, 0
                cwi.append(wgt)
                coi.append(off)
            cw.append(cwi)
            co.append(coi)
        return lw, lo, cw, co


def _pwt_lists(sh: "SliceHeader") -> list[int]:
    n = [sh.num_ref_idx_l0_active_minus1 + 1]
    if sh.slice_type == B_SLICE:
        n.append(sh.num_ref_idx_l1_active_minus1 + 1)
    return n


def write_pred_weight_table(w: BitWriter, t: PredWeightTable, sh: "SliceHeader", sps: SPS) -> None:
    chroma = sps.ChromaArrayType != 0
    w.ue(t.luma_log2_weight_denom)
    if chroma:
        w.se(t.delta_chroma_log2_weight_denom)
    for X, n in enumerate(_pwt_lists(sh)):
        # luma_weight_lX_flag[i] is conditioned on the reference being a different picture
        # (pic_layer_id / PicOrderCnt differ); always true for single-layer streams without
        # current-picture referencing, so it is always present here.
        for i in range(n):
            w.u(1, t.luma_weight_flag[X][i])
        if chroma:
            for i in range(n):
                w.u(1, t.chroma_weight_flag[X][i])
        for i in range(n):
            if t.luma_weight_flag[X][i]:
                w.se(t.delta_luma_weight[X][i])
                w.se(t.luma_offset[X][i])
            if chroma and t.chroma_weight_flag[X][i]:
                for j in range(2):
                    w.se(t.delta_chroma_weight[X][i][j])
                    w.se(t.delta_chroma_offset[X][i][j])


def parse_pred_weight_table(r: BitReader, sh: "SliceHeader", sps: SPS) -> PredWeightTable:
    chroma = sps.ChromaArrayType != 0
    t = PredWeightTable()
    t.luma_log2_weight_denom = r.ue()
    if t.luma_log2_weight_denom > 7:
        raise BitstreamError(f"luma_log2_weight_denom {t.luma_log2_weight_denom} > 7")
    if chroma:
        t.delta_chroma_log2_weight_denom = r.se()
        if not 0 <= t.ChromaLog2WeightDenom <= 7:
            raise BitstreamError("ChromaLog2WeightDenom out of range")
    for X, n in enumerate(_pwt_lists(sh)):
        t.luma_weight_flag[X] = [r.u(1) for _ in range(n)]
        t.chroma_weight_flag[X] = [r.u(1) for _ in range(n)] if chroma else [0] * n
        t.delta_luma_weight[X] = [0] * n
        t.luma_offset[X] = [0] * n
        t.delta_chroma_weight[X] = [[0, 0] for _ in range(n)]
        t.delta_chroma_offset[X] = [[0, 0] for _ in range(n)]
        for i in range(n):
            if t.luma_weight_flag[X][i]:
                t.delta_luma_weight[X][i] = r.se()
                t.luma_offset[X][i] = r.se()
            if t.chroma_weight_flag[X][i]:
                for j in range(2):
                    t.delta_chroma_weight[X][i][j] = r.se()
                    t.delta_chroma_offset[X][i][j] = r.se()
    return t


# ---------------------------------------------------------------------------------------------
# slice_segment_header, 7.3.6.1
# ---------------------------------------------------------------------------------------------
@dataclass
class SliceHeader:
    first_slice_segment_in_pic_flag: int = 1
    no_output_of_prior_pics_flag: int = 0
    slice_pic_parameter_set_id: int = 0
    dependent_slice_segment_flag: int = 0
    slice_segment_address: int = 0
    slice_reserved_flag: list[int] = field(default_factory=list)
    slice_type: int = I_SLICE
    pic_output_flag: int = 1
    colour_plane_id: int = 0
    slice_pic_order_cnt_lsb: int = 0
    short_term_ref_pic_set_sps_flag: int = 0
    st_ref_pic_set: StRps | None = None           # explicit set (short_term_ref_pic_set_sps_flag 0)
    short_term_ref_pic_set_idx: int = 0
    num_long_term_sps: int = 0
    num_long_term_pics: int = 0
    # long-term lists, all of length num_long_term_sps + num_long_term_pics (unused entries 0)
    lt_idx_sps: list[int] = field(default_factory=list)
    poc_lsb_lt: list[int] = field(default_factory=list)
    used_by_curr_pic_lt_flag: list[int] = field(default_factory=list)
    delta_poc_msb_present_flag: list[int] = field(default_factory=list)
    delta_poc_msb_cycle_lt: list[int] = field(default_factory=list)
    slice_temporal_mvp_enabled_flag: int = 0
    slice_sao_luma_flag: int = 0
    slice_sao_chroma_flag: int = 0
    num_ref_idx_active_override_flag: int = 0
    num_ref_idx_l0_active_minus1: int = 0
    num_ref_idx_l1_active_minus1: int = 0
    ref_pic_list_modification_flag_l0: int = 0
    list_entry_l0: list[int] = field(default_factory=list)
    ref_pic_list_modification_flag_l1: int = 0
    list_entry_l1: list[int] = field(default_factory=list)
    mvd_l1_zero_flag: int = 0
    cabac_init_flag: int = 0
    collocated_from_l0_flag: int = 1
    collocated_ref_idx: int = 0
    pred_weight_table: PredWeightTable | None = None
    five_minus_max_num_merge_cand: int = 0
    slice_qp_delta: int = 0
    slice_cb_qp_offset: int = 0
    slice_cr_qp_offset: int = 0
    cu_chroma_qp_offset_enabled_flag: int = 0
    deblocking_filter_override_flag: int = 0
    slice_deblocking_filter_disabled_flag: int = 0
    slice_beta_offset_div2: int = 0
    slice_tc_offset_div2: int = 0
    slice_loop_filter_across_slices_enabled_flag: int = 0
    offset_len_minus1: int = 0
    entry_point_offset_minus1: list[int] = field(default_factory=list)
    slice_segment_header_extension_data_byte: bytes = b""
    # --- derived (filled by parse_slice_header / finalize_slice_header) ---
    st_rps: StRps | None = None                     # the short-term RPS in use (7.4.7.1)

    @property
    def num_entry_point_offsets(self) -> int:
        return len(self.entry_point_offset_minus1)

    @property
    def MaxNumMergeCand(self) -> int:
        return 5 - self.five_minus_max_num_merge_cand

    def SliceQpY(self, pps: PPS) -> int:
        return 26 + pps.init_qp_minus26 + self.slice_qp_delta

    @property
    def is_intra(self) -> bool:
        return self.slice_type == I_SLICE

    def current_st_rps(self, sps: SPS) -> StRps | None:
        """The short-term RPS of this picture, with its derived variables (7.4.8): the SPS set
        short_term_ref_pic_set_idx, or the explicit st_ref_pic_set( num_short_term_ref_pic_sets )
        (derived here, on a copy, so hand-built sets need not be derived by the caller)."""
        if self.short_term_ref_pic_set_sps_flag:
            return sps.st_ref_pic_sets[self.short_term_ref_pic_set_idx]
        if self.st_ref_pic_set is None:
            return None
        nst = sps.num_short_term_ref_pic_sets
        return derive_st_rps(copy.copy(self.st_ref_pic_set), nst, sps.st_ref_pic_sets)

    def long_term_pics(self, sps: SPS) -> list[tuple[int, int, int, int]]:
        """[(PocLsbLt, UsedByCurrPicLt, delta_poc_msb_present_flag, DeltaPocMsbCycleLt)]
        per (7-52)."""
        out = []
        prev_cycle = 0
        for i in range(self.num_long_term_sps + self.num_long_term_pics):
            if i < self.num_long_term_sps:
                lsb = sps.lt_ref_pic_poc_lsb_sps[self.lt_idx_sps[i]]
                used = sps.used_by_curr_pic_lt_sps_flag[self.lt_idx_sps[i]]
            else:
                lsb = self.poc_lsb_lt[i]
                used = self.used_by_curr_pic_lt_flag[i]
            cyc = self.delta_poc_msb_cycle_lt[i]
            if i != 0 and i != self.num_long_term_sps:
                cyc += prev_cycle
            prev_cycle = cyc
            out.append((lsb, used, self.delta_poc_msb_present_flag[i], cyc))
        return out

    def NumPicTotalCurr(self, sps: SPS) -> int:
        """(7-55), without pps_curr_pic_ref_enabled_flag (SCC)."""
        rps = self.current_st_rps(sps)
        n = rps.num_used() if rps is not None else 0
        return n + sum(lt[1] for lt in self.long_term_pics(sps))


def _is_idr(nut: int) -> bool:
    return nut in (IDR_W_RADL, IDR_N_LP)


def peek_slice_pps_id(rbsp: bytes, nal_unit_type: int) -> tuple[int, int]:
    """(first_slice_segment_in_pic_flag, slice_pic_parameter_set_id) without the parameter
    sets, so the decoder can pick the PPS/SPS before parsing the header."""
    r = BitReader(rbsp)
    first = r.u(1)
    if BLA_W_LP <= nal_unit_type <= RSV_IRAP_VCL23:
        r.u(1)
    return first, r.ue("slice_pic_parameter_set_id")


def write_slice_header(sh: SliceHeader, sps: SPS, pps: PPS, nal_unit_type: int) -> bytes:
    """slice_segment_header() incl. the final byte_alignment(); returns the RBSP bytes."""
    w = BitWriter()
    write_slice_header_bits(w, sh, sps, pps, nal_unit_type)
    return w.getvalue()


def write_slice_header_bits(w: BitWriter, sh: SliceHeader, sps: SPS, pps: PPS,
                            nal_unit_type: int) -> None:
    if sh.slice_type != I_SLICE and not sh.num_ref_idx_active_override_flag and (
            sh.num_ref_idx_l0_active_minus1 != pps.num_ref_idx_l0_default_active_minus1 or
            (sh.slice_type == B_SLICE and
             sh.num_ref_idx_l1_active_minus1 != pps.num_ref_idx_l1_default_active_minus1)):
        # not coded: the decoder infers the PPS defaults (7.4.7.1), so write with those
        sh = copy.copy(sh)
        sh.num_ref_idx_l0_active_minus1 = pps.num_ref_idx_l0_default_active_minus1
        sh.num_ref_idx_l1_active_minus1 = pps.num_ref_idx_l1_default_active_minus1
    w.u(1, sh.first_slice_segment_in_pic_flag)
    if BLA_W_LP <= nal_unit_type <= RSV_IRAP_VCL23:
        w.u(1, sh.no_output_of_prior_pics_flag)
    w.ue(sh.slice_pic_parameter_set_id)
    dependent = 0
    if not sh.first_slice_segment_in_pic_flag:
        if pps.dependent_slice_segments_enabled_flag:
            dependent = sh.dependent_slice_segment_flag
            w.u(1, dependent)
        w.u(ceil_log2(sps.PicSizeInCtbsY), sh.slice_segment_address)
    if not dependent:
        for i in range(pps.num_extra_slice_header_bits):
            w.u(1, sh.slice_reserved_flag[i] if i < len(sh.slice_reserved_flag) else 0)
        w.ue(sh.slice_type)
        if pps.output_flag_present_flag:
            w.u(1, sh.pic_output_flag)
        if sps.separate_colour_plane_flag:
            w.u(2, sh.colour_plane_id)
        if not _is_idr(nal_unit_type):
            w.u(sps.log2_max_pic_order_cnt_lsb_minus4 + 4, sh.slice_pic_order_cnt_lsb)
            w.u(1, sh.short_term_ref_pic_set_sps_flag)
            nst = sps.num_short_term_ref_pic_sets
            if not sh.short_term_ref_pic_set_sps_flag:
                write_st_ref_pic_set(w, sh.st_ref_pic_set, nst, nst)
            elif nst > 1:
                w.u(ceil_log2(nst), sh.short_term_ref_pic_set_idx)
            if sps.long_term_ref_pics_present_flag:
                if sps.num_long_term_ref_pics_sps > 0:
                    w.ue(sh.num_long_term_sps)
                w.ue(sh.num_long_term_pics)
                for i in range(sh.num_long_term_sps + sh.num_long_term_pics):
                    if i < sh.num_long_term_sps:
                        if sps.num_long_term_ref_pics_sps > 1:
                            w.u(ceil_log2(sps.num_long_term_ref_pics_sps), sh.lt_idx_sps[i])
                    else:
                        w.u(sps.log2_max_pic_order_cnt_lsb_minus4 + 4, sh.poc_lsb_lt[i])
                        w.u(1, sh.used_by_curr_pic_lt_flag[i])
                    w.u(1, sh.delta_poc_msb_present_flag[i])
                    if sh.delta_poc_msb_present_flag[i]:
                        w.ue(sh.delta_poc_msb_cycle_lt[i])
            if sps.sps_temporal_mvp_enabled_flag:
                w.u(1, sh.slice_temporal_mvp_enabled_flag)
        if sps.sample_adaptive_offset_enabled_flag:
            w.u(1, sh.slice_sao_luma_flag)
            if sps.ChromaArrayType != 0:
                w.u(1, sh.slice_sao_chroma_flag)
        if sh.slice_type in (P_SLICE, B_SLICE):
            w.u(1, sh.num_ref_idx_active_override_flag)
            if sh.num_ref_idx_active_override_flag:
                w.ue(sh.num_ref_idx_l0_active_minus1)
                if sh.slice_type == B_SLICE:
                    w.ue(sh.num_ref_idx_l1_active_minus1)
            if pps.lists_modification_present_flag:
                total = sh.NumPicTotalCurr(sps)
                if total > 1:
                    _write_ref_pic_lists_modification(w, sh, ceil_log2(total))
            if sh.slice_type == B_SLICE:
                w.u(1, sh.mvd_l1_zero_flag)
            if pps.cabac_init_present_flag:
                w.u(1, sh.cabac_init_flag)
            if sh.slice_temporal_mvp_enabled_flag:
                col_l0 = 1
                if sh.slice_type == B_SLICE:
                    col_l0 = sh.collocated_from_l0_flag
                    w.u(1, col_l0)
                if (col_l0 and sh.num_ref_idx_l0_active_minus1 > 0) or \
                        (not col_l0 and sh.num_ref_idx_l1_active_minus1 > 0):
                    w.ue(sh.collocated_ref_idx)
            if (pps.weighted_pred_flag and sh.slice_type == P_SLICE) or \
                    (pps.weighted_bipred_flag and sh.slice_type == B_SLICE):
                write_pred_weight_table(w, sh.pred_weight_table, sh, sps)
            w.ue(sh.five_minus_max_num_merge_cand)
        w.se(sh.slice_qp_delta)
        if pps.pps_slice_chroma_qp_offsets_present_flag:
            w.se(sh.slice_cb_qp_offset)
            w.se(sh.slice_cr_qp_offset)
        if pps.chroma_qp_offset_list_enabled_flag:
            w.u(1, sh.cu_chroma_qp_offset_enabled_flag)
        override = 0
        if pps.deblocking_filter_override_enabled_flag:
            override = sh.deblocking_filter_override_flag
            w.u(1, override)
        dbk_disabled = pps.pps_deblocking_filter_disabled_flag
        if override:
            dbk_disabled = sh.slice_deblocking_filter_disabled_flag
            w.u(1, dbk_disabled)
            if not dbk_disabled:
                w.se(sh.slice_beta_offset_div2)
                w.se(sh.slice_tc_offset_div2)
        if pps.pps_loop_filter_across_slices_enabled_flag and \
                (sh.slice_sao_luma_flag or sh.slice_sao_chroma_flag or not dbk_disabled):
            w.u(1, sh.slice_loop_filter_across_slices_enabled_flag)
    if pps.tiles_enabled_flag or pps.entropy_coding_sync_enabled_flag:
        w.ue(sh.num_entry_point_offsets)
        if sh.num_entry_point_offsets > 0:
            w.ue(sh.offset_len_minus1)
            for off in sh.entry_point_offset_minus1:
                w.u(sh.offset_len_minus1 + 1, off)
    if pps.slice_segment_header_extension_present_flag:
        w.ue(len(sh.slice_segment_header_extension_data_byte))
        w.bytes(sh.slice_segment_header_extension_data_byte)
    w.byte_alignment()


def _write_ref_pic_lists_modification(w: BitWriter, sh: SliceHeader, nbits: int) -> None:
    """7.3.6.2."""
    w.u(1, sh.ref_pic_list_modification_flag_l0)
    if sh.ref_pic_list_modification_flag_l0:
        for i in range(sh.num_ref_idx_l0_active_minus1 + 1):
            w.u(nbits, sh.list_entry_l0[i])
    if sh.slice_type == B_SLICE:
        w.u(1, sh.ref_pic_list_modification_flag_l1)
        if sh.ref_pic_list_modification_flag_l1:
            for i in range(sh.num_ref_idx_l1_active_minus1 + 1):
                w.u(nbits, sh.list_entry_l1[i])


def _parse_ref_pic_lists_modification(r: BitReader, sh: SliceHeader, nbits: int) -> None:
    sh.ref_pic_list_modification_flag_l0 = r.u(1)
    if sh.ref_pic_list_modification_flag_l0:
        sh.list_entry_l0 = [r.u(nbits) for _ in range(sh.num_ref_idx_l0_active_minus1 + 1)]
    if sh.slice_type == B_SLICE:
        sh.ref_pic_list_modification_flag_l1 = r.u(1)
        if sh.ref_pic_list_modification_flag_l1:
            sh.list_entry_l1 = [r.u(nbits) for _ in range(sh.num_ref_idx_l1_active_minus1 + 1)]


def parse_slice_header(rbsp: bytes, sps: SPS, pps: PPS, nal_unit_type: int,
                       prev: SliceHeader | None = None) -> tuple[SliceHeader, int]:
    """Parse slice_segment_header(); returns (sh, byte offset of slice_segment_data in rbsp).
    For a dependent slice segment the elements it does not code are inferred from `prev`, the
    header of the preceding independent slice segment (7.4.7.1), which is then required."""
    r = BitReader(rbsp)
    sh = SliceHeader()
    sh.first_slice_segment_in_pic_flag = r.u(1)
    if BLA_W_LP <= nal_unit_type <= RSV_IRAP_VCL23:
        sh.no_output_of_prior_pics_flag = r.u(1)
    sh.slice_pic_parameter_set_id = r.ue()
    if sh.slice_pic_parameter_set_id != pps.pps_pic_parameter_set_id:
        raise BitstreamError(f"slice_pic_parameter_set_id {sh.slice_pic_parameter_set_id} does not "
                             f"match the PPS given ({pps.pps_pic_parameter_set_id})")
    if not sh.first_slice_segment_in_pic_flag:
        if pps.dependent_slice_segments_enabled_flag:
            sh.dependent_slice_segment_flag = r.u(1)
        sh.slice_segment_address = r.u(ceil_log2(sps.PicSizeInCtbsY), "slice_segment_address")
        if sh.slice_segment_address >= sps.PicSizeInCtbsY:
            raise BitstreamError(f"slice_segment_address {sh.slice_segment_address} >= PicSizeInCtbsY")
    if sh.dependent_slice_segment_flag:
        if prev is None:
            raise BitstreamError("dependent slice segment without a preceding independent slice segment")
        dep = sh
        sh = copy.deepcopy(prev)
        sh.first_slice_segment_in_pic_flag = dep.first_slice_segment_in_pic_flag
        sh.no_output_of_prior_pics_flag = dep.no_output_of_prior_pics_flag
        sh.dependent_slice_segment_flag = 1
        sh.slice_segment_address = dep.slice_segment_address
        sh.entry_point_offset_minus1 = []
        sh.offset_len_minus1 = 0
        sh.slice_segment_header_extension_data_byte = b""
    else:
        _parse_independent(r, sh, sps, pps, nal_unit_type)
    if pps.tiles_enabled_flag or pps.entropy_coding_sync_enabled_flag:
        n = r.ue("num_entry_point_offsets")
        if n > sps.PicSizeInCtbsY:
            raise BitstreamError(f"num_entry_point_offsets {n} too large")
        if n > 0:
            sh.offset_len_minus1 = r.ue()
            if sh.offset_len_minus1 > 31:
                raise BitstreamError(f"offset_len_minus1 {sh.offset_len_minus1} > 31")
            sh.entry_point_offset_minus1 = [r.u(sh.offset_len_minus1 + 1) for _ in range(n)]
    if pps.slice_segment_header_extension_present_flag:
        n = r.ue("slice_segment_header_extension_length")
        if n > 256:
            raise BitstreamError(f"slice_segment_header_extension_length {n} > 256")
        sh.slice_segment_header_extension_data_byte = r.read_bytes(n)
    r.byte_alignment()
    return sh, r.position >> 3


def _parse_independent(r: BitReader, sh: SliceHeader, sps: SPS, pps: PPS, nut: int) -> None:
    sh.slice_reserved_flag = [r.u(1) for _ in range(pps.num_extra_slice_header_bits)]
    sh.slice_type = r.ue("slice_type")
    if sh.slice_type > 2:
        raise BitstreamError(f"slice_type {sh.slice_type} > 2")
    if pps.output_flag_present_flag:
        sh.pic_output_flag = r.u(1)
    if sps.separate_colour_plane_flag:
        sh.colour_plane_id = r.u(2)
    if not _is_idr(nut):
        sh.slice_pic_order_cnt_lsb = r.u(sps.log2_max_pic_order_cnt_lsb_minus4 + 4)
        sh.short_term_ref_pic_set_sps_flag = r.u(1)
        nst = sps.num_short_term_ref_pic_sets
        if not sh.short_term_ref_pic_set_sps_flag:
            sh.st_ref_pic_set = parse_st_ref_pic_set(
                r, nst, nst, sps.st_ref_pic_sets,
                sps.sps_max_dec_pic_buffering_minus1[sps.sps_max_sub_layers_minus1])
        else:
            if nst == 0:
                raise BitstreamError("short_term_ref_pic_set_sps_flag with no SPS sets")
            if nst > 1:
                sh.short_term_ref_pic_set_idx = r.u(ceil_log2(nst))
                if sh.short_term_ref_pic_set_idx >= nst:
                    raise BitstreamError("short_term_ref_pic_set_idx out of range")
        if sps.long_term_ref_pics_present_flag:
            if sps.num_long_term_ref_pics_sps > 0:
                sh.num_long_term_sps = r.ue()
                if sh.num_long_term_sps > sps.num_long_term_ref_pics_sps:
                    raise BitstreamError("num_long_term_sps > num_long_term_ref_pics_sps")
            sh.num_long_term_pics = r.ue()
            n = sh.num_long_term_sps + sh.num_long_term_pics
            if n > 32:
                raise BitstreamError("too many long-term pictures")
            sh.lt_idx_sps, sh.poc_lsb_lt = [0] * n, [0] * n
            sh.used_by_curr_pic_lt_flag = [0] * n
            sh.delta_poc_msb_present_flag, sh.delta_poc_msb_cycle_lt = [0] * n, [0] * n
            for i in range(n):
                if i < sh.num_long_term_sps:
                    if sps.num_long_term_ref_pics_sps > 1:
                        sh.lt_idx_sps[i] = r.u(ceil_log2(sps.num_long_term_ref_pics_sps))
                        if sh.lt_idx_sps[i] >= sps.num_long_term_ref_pics_sps:
                            raise BitstreamError("lt_idx_sps out of range")
                else:
                    sh.poc_lsb_lt[i] = r.u(sps.log2_max_pic_order_cnt_lsb_minus4 + 4)
                    sh.used_by_curr_pic_lt_flag[i] = r.u(1)
                sh.delta_poc_msb_present_flag[i] = r.u(1)
                if sh.delta_poc_msb_present_flag[i]:
                    sh.delta_poc_msb_cycle_lt[i] = r.ue()
        if sps.sps_temporal_mvp_enabled_flag:
            sh.slice_temporal_mvp_enabled_flag = r.u(1)
    sh.st_rps = sh.current_st_rps(sps)
    if sps.sample_adaptive_offset_enabled_flag:
        sh.slice_sao_luma_flag = r.u(1)
        if sps.ChromaArrayType != 0:
            sh.slice_sao_chroma_flag = r.u(1)
    # 7.4.7.1 inference of the active reference counts
    sh.num_ref_idx_l0_active_minus1 = pps.num_ref_idx_l0_default_active_minus1
    sh.num_ref_idx_l1_active_minus1 = pps.num_ref_idx_l1_default_active_minus1
    if sh.slice_type in (P_SLICE, B_SLICE):
        sh.num_ref_idx_active_override_flag = r.u(1)
        if sh.num_ref_idx_active_override_flag:
            sh.num_ref_idx_l0_active_minus1 = r.ue()
            if sh.slice_type == B_SLICE:
                sh.num_ref_idx_l1_active_minus1 = r.ue()
        if sh.num_ref_idx_l0_active_minus1 > 14 or sh.num_ref_idx_l1_active_minus1 > 14:
            raise BitstreamError("num_ref_idx_lX_active_minus1 > 14")
        total = sh.NumPicTotalCurr(sps)
        if total == 0:
            raise BitstreamError("P/B slice with NumPicTotalCurr == 0")
        if pps.lists_modification_present_flag and total > 1:
            _parse_ref_pic_lists_modification(r, sh, ceil_log2(total))
        if sh.slice_type == B_SLICE:
            sh.mvd_l1_zero_flag = r.u(1)
        if pps.cabac_init_present_flag:
            sh.cabac_init_flag = r.u(1)
        if sh.slice_temporal_mvp_enabled_flag:
            if sh.slice_type == B_SLICE:
                sh.collocated_from_l0_flag = r.u(1)
            if (sh.collocated_from_l0_flag and sh.num_ref_idx_l0_active_minus1 > 0) or \
                    (not sh.collocated_from_l0_flag and sh.num_ref_idx_l1_active_minus1 > 0):
                sh.collocated_ref_idx = r.ue()
                lim = sh.num_ref_idx_l0_active_minus1 if sh.collocated_from_l0_flag \
                    else sh.num_ref_idx_l1_active_minus1
                if sh.collocated_ref_idx > lim:
                    raise BitstreamError("collocated_ref_idx out of range")
        if (pps.weighted_pred_flag and sh.slice_type == P_SLICE) or \
                (pps.weighted_bipred_flag and sh.slice_type == B_SLICE):
            sh.pred_weight_table = parse_pred_weight_table(r, sh, sps)
        sh.five_minus_max_num_merge_cand = r.ue()
        if sh.five_minus_max_num_merge_cand > 4:
            raise BitstreamError("five_minus_max_num_merge_cand > 4")
    else:
        sh.num_ref_idx_l0_active_minus1 = sh.num_ref_idx_l1_active_minus1 = 0
    sh.slice_qp_delta = r.se()
    qp = 26 + pps.init_qp_minus26 + sh.slice_qp_delta
    if not -6 * sps.bit_depth_luma_minus8 <= qp <= 51:
        raise BitstreamError(f"SliceQpY {qp} out of range")
    if pps.pps_slice_chroma_qp_offsets_present_flag:
        sh.slice_cb_qp_offset = r.se()
        sh.slice_cr_qp_offset = r.se()
    if pps.chroma_qp_offset_list_enabled_flag:
        sh.cu_chroma_qp_offset_enabled_flag = r.u(1)
    if pps.deblocking_filter_override_enabled_flag:
        sh.deblocking_filter_override_flag = r.u(1)
    # 7.4.7.1 inference from the PPS
    sh.slice_deblocking_filter_disabled_flag = pps.pps_deblocking_filter_disabled_flag
    sh.slice_beta_offset_div2 = pps.pps_beta_offset_div2
    sh.slice_tc_offset_div2 = pps.pps_tc_offset_div2
    if sh.deblocking_filter_override_flag:
        sh.slice_deblocking_filter_disabled_flag = r.u(1)
        if not sh.slice_deblocking_filter_disabled_flag:
            sh.slice_beta_offset_div2 = r.se()
            sh.slice_tc_offset_div2 = r.se()
    sh.slice_loop_filter_across_slices_enabled_flag = pps.pps_loop_filter_across_slices_enabled_flag
    if pps.pps_loop_filter_across_slices_enabled_flag and \
            (sh.slice_sao_luma_flag or sh.slice_sao_chroma_flag or
             not sh.slice_deblocking_filter_disabled_flag):
        sh.slice_loop_filter_across_slices_enabled_flag = r.u(1)
