"""Slice-level integer parameters handed to the per-CTU compiled code.

Per-CTU functions take one ``np.int32`` array ``prm`` instead of a long argument
list; these are its indices.  ``make_params`` fills it from the parameter sets
and slice header so that encoder and decoder build it the same way.
"""
import numpy as np

P_PIC_W = 0                   # pic_width_in_luma_samples
P_PIC_H = 1                   # pic_height_in_luma_samples
P_CTB_LOG2 = 2                # CtbLog2SizeY
P_MIN_CB_LOG2 = 3             # MinCbLog2SizeY
P_MAX_TB_LOG2 = 4             # MaxTbLog2SizeY
P_MIN_TB_LOG2 = 5             # MinTbLog2SizeY
P_MAX_TH_DEPTH_INTRA = 6      # max_transform_hierarchy_depth_intra
P_MAX_TH_DEPTH_INTER = 7      # max_transform_hierarchy_depth_inter
P_SLICE_QP = 8                # SliceQpY
P_CB_QP_OFFSET = 9            # pps_cb_qp_offset + slice_cb_qp_offset
P_CR_QP_OFFSET = 10           # pps_cr_qp_offset + slice_cr_qp_offset
P_SIGN_HIDING = 11            # sign_data_hiding_enabled_flag
P_TS_ENABLED = 12             # transform_skip_enabled_flag
P_STRONG_INTRA = 13           # strong_intra_smoothing_enabled_flag
P_SLICE_TYPE = 14             # slice_type (0 B, 1 P, 2 I)
P_AMP = 15                    # amp_enabled_flag
P_NUM_REF0 = 16               # num_ref_idx_l0_active_minus1 + 1 (0 in I slices)
P_NUM_REF1 = 17               # num_ref_idx_l1_active_minus1 + 1 (0 unless B)
P_MAX_MERGE = 18              # MaxNumMergeCand
P_MVD_L1_ZERO = 19            # mvd_l1_zero_flag
P_CU_QP_DELTA = 20            # cu_qp_delta_enabled_flag
P_LOG2_MIN_CU_QP_DELTA = 21   # Log2MinCuQpDeltaSize = CtbLog2SizeY - diff_cu_qp_delta_depth
P_ENTROPY_SYNC = 22           # entropy_coding_sync_enabled_flag (WPP)
NUM_PARAMS = 23

SLICE_B, SLICE_P, SLICE_I = 0, 1, 2


def make_params(sps, pps, slice_type, slice_qp, slice_cb_qp_offset=0, slice_cr_qp_offset=0, sh=None):
    """``sh`` (the slice header) gives the inter fields (reference counts, MaxNumMergeCand,
    mvd_l1_zero_flag); without it a P/B slice gets one reference per list and 5 merge
    candidates."""
    prm = np.zeros(NUM_PARAMS, np.int32)
    min_cb = sps.log2_min_luma_coding_block_size_minus3 + 3
    min_tb = sps.log2_min_luma_transform_block_size_minus2 + 2
    prm[P_PIC_W] = sps.pic_width_in_luma_samples
    prm[P_PIC_H] = sps.pic_height_in_luma_samples
    prm[P_CTB_LOG2] = min_cb + sps.log2_diff_max_min_luma_coding_block_size
    prm[P_MIN_CB_LOG2] = min_cb
    prm[P_MAX_TB_LOG2] = min_tb + sps.log2_diff_max_min_luma_transform_block_size
    prm[P_MIN_TB_LOG2] = min_tb
    prm[P_MAX_TH_DEPTH_INTRA] = sps.max_transform_hierarchy_depth_intra
    prm[P_MAX_TH_DEPTH_INTER] = sps.max_transform_hierarchy_depth_inter
    prm[P_SLICE_QP] = slice_qp
    prm[P_CB_QP_OFFSET] = pps.pps_cb_qp_offset + slice_cb_qp_offset
    prm[P_CR_QP_OFFSET] = pps.pps_cr_qp_offset + slice_cr_qp_offset
    prm[P_SIGN_HIDING] = pps.sign_data_hiding_enabled_flag
    prm[P_TS_ENABLED] = pps.transform_skip_enabled_flag
    prm[P_STRONG_INTRA] = sps.strong_intra_smoothing_enabled_flag
    prm[P_SLICE_TYPE] = slice_type
    prm[P_AMP] = sps.amp_enabled_flag
    if slice_type != SLICE_I:
        if sh is not None:
            prm[P_NUM_REF0] = sh.num_ref_idx_l0_active_minus1 + 1
            prm[P_NUM_REF1] = sh.num_ref_idx_l1_active_minus1 + 1 if slice_type == SLICE_B else 0
            prm[P_MAX_MERGE] = sh.MaxNumMergeCand
            prm[P_MVD_L1_ZERO] = sh.mvd_l1_zero_flag if slice_type == SLICE_B else 0
        else:
            prm[P_NUM_REF0] = 1
            prm[P_NUM_REF1] = 1 if slice_type == SLICE_B else 0
            prm[P_MAX_MERGE] = 5
    prm[P_CU_QP_DELTA] = pps.cu_qp_delta_enabled_flag
    prm[P_LOG2_MIN_CU_QP_DELTA] = prm[P_CTB_LOG2] - (pps.diff_cu_qp_delta_depth if pps.cu_qp_delta_enabled_flag else 0)
    prm[P_ENTROPY_SYNC] = pps.entropy_coding_sync_enabled_flag
    return prm
