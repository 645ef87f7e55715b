"""Picture buffers and per-4x4 metadata (flat arrays, as in HM).

``meta`` is one ``np.int16`` array ``[NUM_FIELDS, H/4, W/4]``; each field holds the
value of the block that covers that 4x4 luma unit.  Coefficient planes hold each
transform block's TransCoeffLevel values at the block's own sample positions.
"""
import numpy as np

F_CT_DEPTH = 0      # CtDepth (cqtDepth of the CU)
F_PRED_MODE = 1     # CuPredMode: MODE_INTER / MODE_INTRA / MODE_SKIP; NOT_CODED before coding
F_PART_MODE = 2     # PartMode
F_INTRA_MODE = 3    # IntraPredModeY of the PU
F_CHROMA_MODE = 4   # IntraPredModeC of the CU
F_TU_LOG2 = 5       # log2 size of the luma transform block
F_CBF = 6           # bit 0: cbf_luma, bit 1: cbf_cb, bit 2: cbf_cr of the transform unit
F_TS = 7            # bit c: transform_skip_flag of component c
F_QP = 8            # QpY
F_CU_LOG2 = 9       # log2CbSize
F_MV0X = 10         # MvL0 (quarter luma samples) of the PU covering the unit
F_MV0Y = 11
F_MV1X = 12         # MvL1
F_MV1Y = 13
F_REF0 = 14         # RefIdxL0, -1 when predFlagL0 is 0
F_REF1 = 15         # RefIdxL1, -1 when predFlagL1 is 0
F_MERGE = 16        # merge_flag of the PU
# prediction_unit() syntax of inter PUs (what write_coding_quadtree codes; the decoder's
# derive_cu_motion turns it into F_MV*/F_REF*).  For an AMVP PU, ref_idx_lX is F_REFX.
F_MERGE_IDX = 17    # merge_idx (merge PUs, skip CUs)
F_INTER_DIR = 18    # inter_pred_idc of an AMVP PU: PRED_L0 0, PRED_L1 1, PRED_BI 2
F_MVP_FLAGS = 19    # bit 0 mvp_l0_flag, bit 1 mvp_l1_flag
F_MVD0X = 20        # MvdL0 (x, y); MvdL1 (x, y) (0 when mvd_l1_zero_flag applies)
F_MVD0Y = 21
F_MVD1X = 22
F_MVD1Y = 23
NUM_FIELDS = 24

MODE_INTER = 0
MODE_INTRA = 1
MODE_SKIP = 2
NOT_CODED = -1

PART_2Nx2N = 0
PART_2NxN = 1
PART_Nx2N = 2
PART_NxN = 3
PART_2NxnU = 4
PART_2NxnD = 5
PART_nLx2N = 6
PART_nRx2N = 7


def new_meta(width, height):
    meta = np.zeros((NUM_FIELDS, height // 4, width // 4), np.int16)
    meta[F_PRED_MODE] = NOT_CODED
    meta[F_REF0] = -1
    meta[F_REF1] = -1
    return meta
