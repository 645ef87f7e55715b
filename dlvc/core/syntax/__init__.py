"""High-level syntax of H.265: one module per structure, writer and parser side by side with
the spec's element names.

    ptl.py           profile_tier_level (7.3.3), choose_level (Annex A)
    vps.py           video_parameter_set_rbsp (7.3.2.1), hrd_parameters (E.2.2)
    sps.py           seq_parameter_set_rbsp (7.3.2.2), scaling_list_data (7.3.4), VUI (E.2.1)
    pps.py           pic_parameter_set_rbsp (7.3.2.3)
    st_rps.py        st_ref_pic_set (7.3.7, 7.4.8)
    slice_header.py  slice_segment_header (7.3.6.1), pred_weight_table (7.3.6.3)
    sei.py           sei_rbsp (7.3.5), decoded picture hash (D.2.19), user data unregistered
"""
from .ptl import (ProfileTierLevel, SubLayerPTL, choose_level, main_profile_ptl,
                  parse_profile_tier_level, write_profile_tier_level)
from .vps import VPS, HrdParameters, parse_vps, write_vps
from .sps import (SPS, VUI, ScalingListData, ceil_log2, default_scaling_list_data, parse_sps,
                  scaling_factors, write_sps)
from .pps import PPS, parse_pps, write_pps
from .st_rps import (StRps, derive_st_rps, explicit_st_rps, parse_st_ref_pic_set,
                     predicted_st_rps, write_st_ref_pic_set)
from .slice_header import (B_SLICE, I_SLICE, P_SLICE, PredWeightTable, SliceHeader,
                           parse_slice_header, peek_slice_pps_id, write_slice_header)
from .sei import (DecodedPictureHash, compute_picture_hash, decoded_picture_hash_nal,
                  parse_decoded_picture_hash, parse_sei_messages, parse_user_data_unregistered,
                  picture_checksum, picture_crc, picture_md5, write_decoded_picture_hash_sei,
                  write_sei_rbsp)
