"""Inter prediction (H.265 8.5.3), one import point for the CTU coders.

The code lives in two modules:

* dlvc.core.interp  - 8.5.3.3: fractional sample interpolation, default and explicit
  weighted sample prediction (predict_block, predict_pu, interpolate_plane, ...).
* dlvc.core.mvpred  - 8.5.3.2: merge candidates, AMVP, temporal MV prediction, MV
  reconstruction (merge_cand_list, amvp_cand_list, pu_motion, make_mv_params, ...).
"""
from dlvc.core.interp import (CHROMA_FILTER, LUMA_FILTER, interp_at, interpolate_plane,  # noqa: F401
                              interpolate_plane_pixels, make_weight_table, predict_block,
                              predict_pu, weighted_default, weighted_explicit_bi,
                              weighted_explicit_uni)
from dlvc.core.mvpred import (C_MV0X, C_MV0Y, C_MV1X, C_MV1Y, C_REF0, C_REF1,  # noqa: F401
                              PRED_BI, PRED_L0, PRED_L1, SP_SIZE, amvp_cand_list, chroma_mv,
                              make_mv_params, merge_cand_list, mv_add, pu_motion, scale_mv,
                              store_pu_motion, temporal_mv)
