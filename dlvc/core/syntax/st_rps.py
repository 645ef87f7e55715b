"""st_ref_pic_set( stRpsIdx ) (7.3.7) and its semantics (7.4.8), shared by the SPS (candidate
sets 0..num_short_term_ref_pic_sets-1) and the slice segment header (stRpsIdx ==
num_short_term_ref_pic_sets)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..bitstream import BitReader, BitWriter, BitstreamError


@dataclass
class StRps:
    # --- syntax elements (7.3.7) ---
    inter_ref_pic_set_prediction_flag: int = 0
    delta_idx_minus1: int = 0                 # only coded in the slice header (stRpsIdx == num)
    delta_rps_sign: int = 0
    abs_delta_rps_minus1: int = 0
    used_by_curr_pic_flag: list[int] = field(default_factory=list)   # j = 0..NumDeltaPocs[RefRpsIdx]
    use_delta_flag: list[int] = field(default_factory=list)          # inferred 1 when absent
    num_negative_pics: int = 0
    num_positive_pics: int = 0
    delta_poc_s0_minus1: list[int] = field(default_factory=list)
    used_by_curr_pic_s0_flag: list[int] = field(default_factory=list)
    delta_poc_s1_minus1: list[int] = field(default_factory=list)
    used_by_curr_pic_s1_flag: list[int] = field(default_factory=list)
    # --- derived variables (7.4.8) ---
    NumNegativePics: int = 0
    NumPositivePics: int = 0
    DeltaPocS0: list[int] = field(default_factory=list)
    UsedByCurrPicS0: list[int] = field(default_factory=list)
    DeltaPocS1: list[int] = field(default_factory=list)
    UsedByCurrPicS1: list[int] = field(default_factory=list)

    @property
    def NumDeltaPocs(self) -> int:
        return self.NumNegativePics + self.NumPositivePics

    def num_used(self) -> int:
        """Pictures of this set used by the current picture (part of NumPicTotalCurr, 7-55)."""
        return sum(self.UsedByCurrPicS0) + sum(self.UsedByCurrPicS1)

    def same_sets(self, other: "StRps") -> bool:
        return (self.DeltaPocS0 == other.DeltaPocS0 and self.DeltaPocS1 == other.DeltaPocS1
                and self.UsedByCurrPicS0 == other.UsedByCurrPicS0
                and self.UsedByCurrPicS1 == other.UsedByCurrPicS1)


def explicit_st_rps(delta_s0: list[int], used_s0: list[int], delta_s1: list[int],
                    used_s1: list[int]) -> StRps:
    """Build an explicitly coded set (inter_ref_pic_set_prediction_flag = 0) from its POC deltas:
    delta_s0 strictly decreasing negatives (-1, -3, ...), delta_s1 strictly increasing
    positives."""
    rps = StRps(num_negative_pics=len(delta_s0), num_positive_pics=len(delta_s1))
    prev = 0
    for d in delta_s0:
        if d >= prev:
            raise ValueError(f"DeltaPocS0 must be strictly decreasing negatives: {delta_s0}")
        rps.delta_poc_s0_minus1.append(prev - d - 1)
        prev = d
    prev = 0
    for d in delta_s1:
        if d <= prev:
            raise ValueError(f"DeltaPocS1 must be strictly increasing positives: {delta_s1}")
        rps.delta_poc_s1_minus1.append(d - prev - 1)
        prev = d
    rps.used_by_curr_pic_s0_flag = [1 if u else 0 for u in used_s0]
    rps.used_by_curr_pic_s1_flag = [1 if u else 0 for u in used_s1]
    derive_st_rps(rps, 0, [])
    return rps


def derive_st_rps(rps: StRps, stRpsIdx: int, rps_list: list[StRps]) -> StRps:
    """Fill the derived variables of rps (7.4.8).  rps_list holds the SPS sets (derived), used
    as reference when inter_ref_pic_set_prediction_flag is 1."""
    if not rps.inter_ref_pic_set_prediction_flag:
        s0, s1 = [], []
        d = 0
        for m in rps.delta_poc_s0_minus1:          # (7-63)
            d -= m + 1
            s0.append(d)
        d = 0
        for m in rps.delta_poc_s1_minus1:          # (7-64)
            d += m + 1
            s1.append(d)
        rps.NumNegativePics, rps.NumPositivePics = len(s0), len(s1)
        rps.DeltaPocS0, rps.DeltaPocS1 = s0, s1
        rps.UsedByCurrPicS0 = list(rps.used_by_curr_pic_s0_flag)
        rps.UsedByCurrPicS1 = list(rps.used_by_curr_pic_s1_flag)
        return rps
    # inter RPS prediction (7-59 .. 7-62)
    RefRpsIdx = stRpsIdx - (rps.delta_idx_minus1 + 1)
    if not 0 <= RefRpsIdx < len(rps_list):
        raise BitstreamError(f"st_ref_pic_set {stRpsIdx}: RefRpsIdx {RefRpsIdx} out of range")
    ref = rps_list[RefRpsIdx]
    deltaRps = (1 - 2 * rps.delta_rps_sign) * (rps.abs_delta_rps_minus1 + 1)
    used, use = rps.used_by_curr_pic_flag, rps.use_delta_flag
    nneg, npos, ndp = ref.NumNegativePics, ref.NumPositivePics, ref.NumDeltaPocs
    s0, u0, s1, u1 = [], [], [], []
    for j in range(npos - 1, -1, -1):
        dPoc = ref.DeltaPocS1[j] + deltaRps
        if dPoc < 0 and use[nneg + j]:
            s0.append(dPoc)
            u0.append(used[nneg + j])
    if deltaRps < 0 and use[ndp]:
        s0.append(deltaRps)
        u0.append(used[ndp])
    for j in range(nneg):
        dPoc = ref.DeltaPocS0[j] + deltaRps
        if dPoc < 0 and use[j]:
            s0.append(dPoc)
            u0.append(used[j])
    for j in range(nneg - 1, -1, -1):
        dPoc = ref.DeltaPocS0[j] + deltaRps
        if dPoc > 0 and use[j]:
            s1.append(dPoc)
            u1.append(used[j])
    if deltaRps > 0 and use[ndp]:
        s1.append(deltaRps)
        u1.append(used[ndp])
    for j in range(npos):
        dPoc = ref.DeltaPocS1[j] + deltaRps
        if dPoc > 0 and use[nneg + j]:
            s1.append(dPoc)
            u1.append(used[nneg + j])
    rps.NumNegativePics, rps.NumPositivePics = len(s0), len(s1)
    rps.DeltaPocS0, rps.UsedByCurrPicS0 = s0, u0
    rps.DeltaPocS1, rps.UsedByCurrPicS1 = s1, u1
    return rps


def predicted_st_rps(target: StRps, stRpsIdx: int, rps_list: list[StRps],
                     delta_idx_minus1: int = 0) -> StRps | None:
    """Encoder helper: try to code `target` (derived) by inter RPS prediction from
    rps_list[stRpsIdx - delta_idx_minus1 - 1] with deltaRps = (POC delta between the two
    sets).  Returns a derived StRps whose derived sets equal target's, or None if impossible.
    Like HM, deltaRps is chosen as target's offset so that the reference picture's own entry
    (j == NumDeltaPocs[RefRpsIdx]) is the reference set's picture."""
    RefRpsIdx = stRpsIdx - delta_idx_minus1 - 1
    if RefRpsIdx < 0 or RefRpsIdx >= len(rps_list):
        return None
    ref = rps_list[RefRpsIdx]
    ref_deltas = ref.DeltaPocS0 + ref.DeltaPocS1 + [0]
    tgt = dict(zip(target.DeltaPocS0 + target.DeltaPocS1,
                   target.UsedByCurrPicS0 + target.UsedByCurrPicS1))
    # candidate deltaRps values: any value that maps some ref delta onto a target delta
    cands = sorted({t - rd for t in tgt for rd in ref_deltas} - {0}, key=abs)
    for deltaRps in cands:
        if abs(deltaRps) > (1 << 15):
            continue
        used, use = [], []
        covered = set()
        for rd in ref_deltas:
            d = rd + deltaRps
            if d in tgt and d != 0:
                used.append(tgt[d])
                use.append(1)
                covered.add(d)
            else:
                used.append(0)
                use.append(0)
        if covered != set(tgt):
            continue
        cand = StRps(inter_ref_pic_set_prediction_flag=1, delta_idx_minus1=delta_idx_minus1,
                     delta_rps_sign=1 if deltaRps < 0 else 0,
                     abs_delta_rps_minus1=abs(deltaRps) - 1,
                     used_by_curr_pic_flag=used, use_delta_flag=use)
        derive_st_rps(cand, stRpsIdx, rps_list)
        if cand.same_sets(target):
            return cand
    return None


def write_st_ref_pic_set(w: BitWriter, rps: StRps, stRpsIdx: int,
                         num_short_term_ref_pic_sets: int) -> None:
    """7.3.7."""
    if stRpsIdx != 0:
        w.u(1, rps.inter_ref_pic_set_prediction_flag)
    if stRpsIdx != 0 and rps.inter_ref_pic_set_prediction_flag:
        if stRpsIdx == num_short_term_ref_pic_sets:
            w.ue(rps.delta_idx_minus1)
        w.u(1, rps.delta_rps_sign)
        w.ue(rps.abs_delta_rps_minus1)
        for j in range(len(rps.used_by_curr_pic_flag)):
            w.u(1, rps.used_by_curr_pic_flag[j])
            if not rps.used_by_curr_pic_flag[j]:
                w.u(1, rps.use_delta_flag[j])
    else:
        w.ue(rps.num_negative_pics)
        w.ue(rps.num_positive_pics)
        for i in range(rps.num_negative_pics):
            w.ue(rps.delta_poc_s0_minus1[i])
            w.u(1, rps.used_by_curr_pic_s0_flag[i])
        for i in range(rps.num_positive_pics):
            w.ue(rps.delta_poc_s1_minus1[i])
            w.u(1, rps.used_by_curr_pic_s1_flag[i])


def parse_st_ref_pic_set(r: BitReader, stRpsIdx: int, num_short_term_ref_pic_sets: int,
                         rps_list: list[StRps], max_dec_pic_buffering_minus1: int = 16) -> StRps:
    """7.3.7; returns the set with its derived variables (7.4.8).  rps_list: the SPS's
    already-parsed sets 0..stRpsIdx-1 (all of them for the slice header)."""
    rps = StRps()
    if stRpsIdx != 0:
        rps.inter_ref_pic_set_prediction_flag = r.u(1)
    if rps.inter_ref_pic_set_prediction_flag:
        if stRpsIdx == num_short_term_ref_pic_sets:
            rps.delta_idx_minus1 = r.ue()
            if rps.delta_idx_minus1 > stRpsIdx - 1:
                raise BitstreamError(f"delta_idx_minus1 {rps.delta_idx_minus1} out of range")
        rps.delta_rps_sign = r.u(1)
        rps.abs_delta_rps_minus1 = r.ue()
        if rps.abs_delta_rps_minus1 > 2 ** 15 - 1:
            raise BitstreamError("abs_delta_rps_minus1 out of range")
        RefRpsIdx = stRpsIdx - (rps.delta_idx_minus1 + 1)
        if not 0 <= RefRpsIdx < len(rps_list):
            raise BitstreamError(f"st_ref_pic_set {stRpsIdx}: RefRpsIdx {RefRpsIdx} out of range")
        for j in range(rps_list[RefRpsIdx].NumDeltaPocs + 1):
            u = r.u(1)
            rps.used_by_curr_pic_flag.append(u)
            rps.use_delta_flag.append(1 if u else r.u(1))
    else:
        rps.num_negative_pics = r.ue()
        rps.num_positive_pics = r.ue()
        # 7.4.8: num_negative_pics <= sps_max_dec_pic_buffering_minus1[ sps_max_sub_layers_minus1 ],
        # num_positive_pics <= that - num_negative_pics
        if rps.num_negative_pics > max_dec_pic_buffering_minus1 or \
                rps.num_positive_pics > max_dec_pic_buffering_minus1 - rps.num_negative_pics:
            raise BitstreamError(
                f"st_ref_pic_set: {rps.num_negative_pics}+{rps.num_positive_pics} pictures "
                f"exceed sps_max_dec_pic_buffering_minus1 ({max_dec_pic_buffering_minus1})")
        for _ in range(rps.num_negative_pics):
            rps.delta_poc_s0_minus1.append(r.ue())
            rps.used_by_curr_pic_s0_flag.append(r.u(1))
        for _ in range(rps.num_positive_pics):
            rps.delta_poc_s1_minus1.append(r.ue())
            rps.used_by_curr_pic_s1_flag.append(r.u(1))
    return derive_st_rps(rps, stRpsIdx, rps_list)
