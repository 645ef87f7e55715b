"""profile_tier_level() (7.3.3 / 7.4.4) and level selection (Annex A, A.4)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..bitstream import BitReader, BitWriter

# general_profile_idc values, A.3
PROFILE_MAIN = 1
PROFILE_MAIN10 = 2
PROFILE_MAIN_STILL_PICTURE = 3
PROFILE_RANGE_EXTENSIONS = 4


def _compat(*idcs: int) -> int:
    """general_profile_compatibility_flag[j] packed MSB-first as a 32-bit integer (j=0 is the
    most significant bit, as in the bitstream)."""
    v = 0
    for j in idcs:
        v |= 1 << (31 - j)
    return v


@dataclass
class SubLayerPTL:
    """Per sub-layer part of profile_tier_level (7.3.3), i in 0..maxNumSubLayersMinus1-1."""
    sub_layer_profile_present_flag: int = 0
    sub_layer_level_present_flag: int = 0
    sub_layer_profile_space: int = 0
    sub_layer_tier_flag: int = 0
    sub_layer_profile_idc: int = 0
    sub_layer_profile_compatibility_flags: int = 0     # 32 flags, j=0 is the MSB
    sub_layer_progressive_source_flag: int = 0
    sub_layer_interlaced_source_flag: int = 0
    sub_layer_non_packed_constraint_flag: int = 0
    sub_layer_frame_only_constraint_flag: int = 0
    sub_layer_reserved_zero_43bits: int = 0            # RExt constraint flags live here, kept raw
    sub_layer_inbld_flag: int = 0                      # (sub_layer_reserved_zero_bit)
    sub_layer_level_idc: int = 0


@dataclass
class ProfileTierLevel:
    """profile_tier_level( profilePresentFlag, maxNumSubLayersMinus1 ), 7.3.3."""
    general_profile_space: int = 0
    general_tier_flag: int = 0
    general_profile_idc: int = PROFILE_MAIN
    # general_profile_compatibility_flag[ j ] for j = 0..31, packed MSB-first (j=0 first bit).
    general_profile_compatibility_flags: int = _compat(1, 2)
    general_progressive_source_flag: int = 1
    general_interlaced_source_flag: int = 0
    general_non_packed_constraint_flag: int = 0
    general_frame_only_constraint_flag: int = 1
    # 43 bits: reserved zero in v1; max_12bit_constraint_flag... for RExt profiles.  Kept raw so
    # that any stream round-trips exactly.
    general_reserved_zero_43bits: int = 0
    general_inbld_flag: int = 0                        # (general_reserved_zero_bit)
    general_level_idc: int = 93                        # 30 * level (93 = level 3.1)
    sub_layers: list[SubLayerPTL] = field(default_factory=list)

    def general_profile_compatibility_flag(self, j: int) -> int:
        return (self.general_profile_compatibility_flags >> (31 - j)) & 1


def write_profile_tier_level(w: BitWriter, ptl: ProfileTierLevel, profilePresentFlag: int,
                             maxNumSubLayersMinus1: int) -> None:
    if profilePresentFlag:
        w.u(2, ptl.general_profile_space)
        w.u(1, ptl.general_tier_flag)
        w.u(5, ptl.general_profile_idc)
        w.u(32, ptl.general_profile_compatibility_flags)
        w.u(1, ptl.general_progressive_source_flag)
        w.u(1, ptl.general_interlaced_source_flag)
        w.u(1, ptl.general_non_packed_constraint_flag)
        w.u(1, ptl.general_frame_only_constraint_flag)
        w.u(43, ptl.general_reserved_zero_43bits)
        w.u(1, ptl.general_inbld_flag)
    w.u(8, ptl.general_level_idc)
    subs = list(ptl.sub_layers) + [SubLayerPTL() for _ in range(maxNumSubLayersMinus1 - len(ptl.sub_layers))]
    for i in range(maxNumSubLayersMinus1):
        w.u(1, subs[i].sub_layer_profile_present_flag)
        w.u(1, subs[i].sub_layer_level_present_flag)
    if maxNumSubLayersMinus1 > 0:
        for i in range(maxNumSubLayersMinus1, 8):
            w.u(2, 0)                                  # reserved_zero_2bits
    for i in range(maxNumSubLayersMinus1):
        s = subs[i]
        if s.sub_layer_profile_present_flag:
            w.u(2, s.sub_layer_profile_space)
            w.u(1, s.sub_layer_tier_flag)
            w.u(5, s.sub_layer_profile_idc)
            w.u(32, s.sub_layer_profile_compatibility_flags)
            w.u(1, s.sub_layer_progressive_source_flag)
            w.u(1, s.sub_layer_interlaced_source_flag)
            w.u(1, s.sub_layer_non_packed_constraint_flag)
            w.u(1, s.sub_layer_frame_only_constraint_flag)
            w.u(43, s.sub_layer_reserved_zero_43bits)
            w.u(1, s.sub_layer_inbld_flag)
        if s.sub_layer_level_present_flag:
            w.u(8, s.sub_layer_level_idc)


def parse_profile_tier_level(r: BitReader, profilePresentFlag: int,
                             maxNumSubLayersMinus1: int) -> ProfileTierLevel:
    ptl = ProfileTierLevel()
    if profilePresentFlag:
        ptl.general_profile_space = r.u(2)
        ptl.general_tier_flag = r.u(1)
        ptl.general_profile_idc = r.u(5)
        ptl.general_profile_compatibility_flags = r.u(32)
        ptl.general_progressive_source_flag = r.u(1)
        ptl.general_interlaced_source_flag = r.u(1)
        ptl.general_non_packed_constraint_flag = r.u(1)
        ptl.general_frame_only_constraint_flag = r.u(1)
        ptl.general_reserved_zero_43bits = r.u(43)
        ptl.general_inbld_flag = r.u(1)
    ptl.general_level_idc = r.u(8, "general_level_idc")
    subs = [SubLayerPTL() for _ in range(maxNumSubLayersMinus1)]
    for s in subs:
        s.sub_layer_profile_present_flag = r.u(1)
        s.sub_layer_level_present_flag = r.u(1)
    if maxNumSubLayersMinus1 > 0:
        for i in range(maxNumSubLayersMinus1, 8):
            r.u(2, "reserved_zero_2bits")
    for s in subs:
        if s.sub_layer_profile_present_flag:
            s.sub_layer_profile_space = r.u(2)
            s.sub_layer_tier_flag = r.u(1)
            s.sub_layer_profile_idc = r.u(5)
            s.sub_layer_profile_compatibility_flags = r.u(32)
            s.sub_layer_progressive_source_flag = r.u(1)
            s.sub_layer_interlaced_source_flag = r.u(1)
            s.sub_layer_non_packed_constraint_flag = r.u(1)
            s.sub_layer_frame_only_constraint_flag = r.u(1)
            s.sub_layer_reserved_zero_43bits = r.u(43)
            s.sub_layer_inbld_flag = r.u(1)
        if s.sub_layer_level_present_flag:
            s.sub_layer_level_idc = r.u(8)
    ptl.sub_layers = subs
    return ptl


# ---------------------------------------------------------------------------------------------
# Levels, Annex A (A.4.1, Table A.8 "General tier and level limits" and Table A.9 "Tier and
# level limits for the Main ... profiles" in the 2016+ editions; Tables A.4/A.5 in v1)
# ---------------------------------------------------------------------------------------------
# level_idc: (MaxLumaPs, MaxLumaSr)
LEVEL_LIMITS = {
    30: (36864, 552960),            # 1
    60: (122880, 3686400),          # 2
    63: (245760, 7372800),          # 2.1
    90: (552960, 16588800),         # 3
    93: (983040, 33177600),         # 3.1
    120: (2228224, 66846720),       # 4
    123: (2228224, 133693440),      # 4.1
    150: (8912896, 267386880),      # 5
    153: (8912896, 534773760),      # 5.1
    156: (8912896, 1069547520),     # 5.2
    180: (35651584, 1069547520),    # 6
    183: (35651584, 2139095040),    # 6.1
    186: (35651584, 4278190080),    # 6.2
}


def choose_level(width: int, height: int, fps: float) -> int:
    """Lowest general_level_idc (= 30 * level) whose limits (A.4.1) admit the picture size and
    luma sample rate: PicSizeInSamplesY <= MaxLumaPs, width and height <= Sqrt(MaxLumaPs * 8),
    and PicSizeInSamplesY * fps <= MaxLumaSr (Main tier)."""
    ps = width * height
    sr = ps * fps
    for idc in sorted(LEVEL_LIMITS):
        max_ps, max_sr = LEVEL_LIMITS[idc]
        dim = math.isqrt(max_ps * 8)
        if ps <= max_ps and width <= dim and height <= dim and sr <= max_sr:
            return idc
    return 186   # beyond level 6.2: signal the highest level


def main_profile_ptl(level_idc: int, max_sub_layers_minus1: int = 0) -> ProfileTierLevel:
    """PTL as HM writes it for the Main profile, Main tier: general_profile_idc = 1,
    general_profile_compatibility_flag[1] and [2] set (a Main stream also conforms to Main 10,
    A.3.2), progressive source, frame only."""
    return ProfileTierLevel(general_profile_idc=PROFILE_MAIN,
                            general_profile_compatibility_flags=_compat(1, 2),
                            general_level_idc=level_idc,
                            sub_layers=[SubLayerPTL() for _ in range(max_sub_layers_minus1)])
