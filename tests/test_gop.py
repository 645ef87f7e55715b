"""dlvc/encoder/gop.py: HM's coding structure.  The plans for HM's LDP / LDB / RA cfg files
reproduce HM's logs (POC order, temporal id, slice type, QP, reference lists) and HM's streams
(SPS RPS list, DPB sizes, NAL unit types, slice header RPS fields); the plans fed through
dlvc.core.dpb give the same lists the encoder planned, for complete and incomplete GOPs,
CRA and IDR refreshes."""
import glob
import math
import os
from dataclasses import fields

import pytest

from dlvc.config import parse_args
from dlvc.core.bitstream import CRA_NUT, IDR_W_RADL, RADL_N, RASL_N, TRAIL_R, TSA_N, split_annexb
from dlvc.core.dpb import Dpb
from dlvc.core.syntax import (PPS, SPS, parse_pps, parse_slice_header, parse_sps, write_pps,
                              write_slice_header, write_sps)
from dlvc.core.syntax.slice_header import I_SLICE, SLICE_TYPE_NAMES
from dlvc.encoder.lambdas import hm_lambda
from dlvc.encoder.gop import (CodingStructure, _hm_depth, gop_config_error,
                              hm_qp, parse_gop_entry)
from dlvc.errors import DlvcError

from test_dpb import ANCHORS, hm_log

CFG_DIR = os.path.join(ANCHORS, "cfg")
LDP, LDB, RA = "encoder_lowdelay_P_main.cfg", "encoder_lowdelay_main.cfg", "encoder_randomaccess_main.cfg"
needs_hm = pytest.mark.skipif(not os.path.isdir(CFG_DIR), reason="../shared/anchors/hm not present")
YUV = ["-i", "in.yuv", "-wdt", "176", "-hgt", "144", "-fr", "30"]


def hm_cfg(name, *more):
    return parse_args(["-c", os.path.join(CFG_DIR, name)] + YUV + list(more), warn=False)


LDP_FRAME2 = ("P    2   4       -6.5                      0.2590         0          0          1.0      0   "
              "         0               0           4                4         -1 -2 -10 -18       1      -1   "
              "    5         1 1 1 0 1")


# --- GOP entries and the cfg ---------------------------------------------------------------------

def test_parse_gop_entry():
    e = parse_gop_entry(LDP_FRAME2)
    assert (e.type, e.poc, e.qp_offset, e.qp_offset_model_offset, e.qp_offset_model_scale) == ("P", 2, 4, -6.5, 0.259)
    assert (e.qp_factor, e.temporal_id, e.num_ref_pics_active, e.ref_pics) == (1.0, 0, 4, [-1, -2, -10, -18])
    assert (e.predict, e.delta_rps, e.ref_idcs) == (1, -1, [1, 1, 1, 0, 1])
    e = parse_gop_entry("B 8 1 -4.8848 0.2061 0 0 1.0 0 0 1 2 3 -8 -24 8 2 8")
    assert (e.predict, e.delta_rps, e.ref_idcs) == (2, 8, [])
    for text, words in [("X 1 0 0 0 0 0 1 0 0 0 1 1 -1 0", "Type"),
                        ("B 1 0 0 0 0 0 1 0 0 0 1 2 -1", "missing"),
                        ("B 1 0 0 0 0 0 1 0 0 0 1 1 -1 0 7", "unexpected"),
                        ("B 1 0 0 0 0 0 1 0 0 0 1 2 -2 -1 0", "decreasing"),
                        ("B 1 0 0 0 0 0 1 0 0 0 1 2 1 -1 0", "decreasing"),
                        ("B 1 0 0 0 0 0 1 0 0 0 1 1 -1 3", "predict"),
                        ("B 1 0.5 0 0 0 0 1 0 0 0 1 1 -1 0", "QPoffset"),
                        ("B 1 0 0 0 13 0 1 0 0 0 1 1 -1 0", "CbQPoffset"),
                        ("B 1 0 0 0 0 0 1 0 0 0 0 1 -1 0", "#ref_pics_active"),
                        ("B 1 0 0 0 0 0 1 0 0 0 1 1 -1 1 0 2 1 1", "deltaRPS")]:
        with pytest.raises(ValueError, match=words):
            parse_gop_entry(text)


def test_config_frame_options(tmp_path):
    p = tmp_path / "g.cfg"
    p.write_text("GOPSize : 2\nIntraPeriod : -1\n"
                 "Frame1: P 1 3 0 0 0 0 1 0 0 0 1 1 -1 0\n"
                 "Frame2: P 2 2 0 0 0 0 1 0 0 0 1 2 -1 -2 0\n")
    cfg = parse_args(["-c", str(p)] + YUV, warn=False)
    assert cfg.Frame2.split()[:2] == ["P", "2"] and cfg.Frame3 == ""
    assert [q.poc for q in CodingStructure(cfg, 5)] == [0, 1, 2, 3, 4]
    p.write_text("GOPSize : 2\nFrame1: P 1 3 0 0 0 0 1 0 0 0 1 1 -1 0\nFrame2: Q 2 2 0 0 0 0 1 0 0 0 1 1 -1 0\n")
    with pytest.raises(DlvcError, match=rf"{p}:3: Frame2: Type 'Q'"):
        parse_args(["-c", str(p)] + YUV, warn=False)
    p.write_text("GOPSize : 4\nFrame1: P 1 3 0 0 0 0 1 0 0 0 1 1 -1 0\n")
    with pytest.raises(DlvcError, match="Frame2 is missing"):
        parse_args(["-c", str(p)] + YUV, warn=False)
    with pytest.raises(DlvcError, match="multiple of 2"):
        parse_args(YUV + ["--GOPSize=3", "--Frame1=P 1 0 0 0 0 0 1 0 0 0 1 1 -1 0"], warn=False)
    with pytest.raises(DlvcError, match="up to 16"):
        parse_args(YUV + ["--GOPSize=32", "--Frame1=P 1 0 0 0 0 0 1 0 0 0 1 1 -1 0"], warn=False)
    # a structure HM rejects (POC 5 would reference POC 0, which POC 4's RPS dropped)
    p.write_text("Frame1: P 1 3 0.4624 0 0 0 1 0 0 0 4 4 -1 -5 -9 -13 0\n")
    cfg = parse_args(["-c", str(p)] + YUV, warn=False)
    assert gop_config_error(cfg) is None
    with pytest.raises(DlvcError, match=rf"{p}:1: Frame1: reference picture -5 is not available"):
        CodingStructure(cfg, 10)


# --- QP, lambda, depth ---------------------------------------------------------------------------

def test_hm_qp_lambda_depth():
    e = parse_gop_entry(LDP_FRAME2)
    assert hm_qp(32, False, e) == 39 and hm_qp(22, False, e) == 26          # floor(26*0.259-6.5+.5) = 0
    assert hm_qp(32, True, e, -1) == 31 and hm_qp(50, False, e) == 51
    # LambdaFromQpEnable: 0.57 * 2^((QP-12)/3) for every slice
    assert math.isclose(hm_lambda(39, False, 1.0, 3, 8, True), 0.57 * 2 ** (27 / 3))
    # otherwise: I slices 0.57 * (1 - 0.05 * (GOPSize - 1)), others QPfactor, and the depth scaling
    assert math.isclose(hm_lambda(31, True, 1.0, 0, 8, False), 0.57 * 0.65 * 2 ** (19 / 3))
    assert math.isclose(hm_lambda(37, False, 0.4624, 0, 4, False), 0.4624 * 2 ** (25 / 3))
    assert math.isclose(hm_lambda(30, False, 0.4624, 2, 4, False), 0.4624 * 2 ** 6 * 3.0)   # clip(18 / 6, 2, 4)
    assert math.isclose(hm_lambda(45, False, 0.68, 4, 16, False), 0.68 * 2 ** 11 * 4.0)
    assert [_hm_depth(p, 8) for p in range(9)] == [0, 3, 2, 3, 1, 3, 2, 3, 0]
    assert [_hm_depth(p, 16) for p in (16, 8, 4, 12, 2, 6, 1, 15)] == [0, 1, 2, 2, 3, 3, 4, 4]
    assert [_hm_depth(p, 1) for p in range(3)] == [0, 0, 0]


# --- against HM's logs and streams ----------------------------------------------------------------

def _log_cases():
    cases = []
    for prefix, cfg in (("LDP", LDP), ("LDB", LDB), ("RA", RA)):
        for path in sorted(glob.glob(os.path.join(ANCHORS, "logs", f"{prefix}_*_QP*.log"))):
            name = os.path.basename(path)[:-4]
            if not name.endswith(".dec"):
                cases.append((name, cfg))
    return cases


@needs_hm
@pytest.mark.parametrize("name, cfg_name", _log_cases())
def test_plans_reproduce_hm_logs(name, cfg_name):
    log = hm_log(name)
    qp = name.rsplit("QP", 1)[1]
    cs = CodingStructure(hm_cfg(cfg_name, "-q", qp), len(log))
    got = [(p.poc, p.temporal_id, SLICE_TYPE_NAMES[p.slice_type], p.qp, list(p.ref_pocs[0]), list(p.ref_pocs[1]))
           for p in cs]
    assert got == log
    for p in cs:
        assert math.isclose(p.lam, 0.57 * 2 ** ((p.qp - 12) / 3))     # LambdaFromQpEnable : 1


def _syntax(rps):
    return None if rps is None else {f.name: getattr(rps, f.name) for f in fields(rps)}


HEADER_FIELDS = ("slice_type", "slice_pic_order_cnt_lsb", "short_term_ref_pic_set_sps_flag",
                 "short_term_ref_pic_set_idx", "num_ref_idx_active_override_flag",
                 "num_ref_idx_l0_active_minus1", "num_ref_idx_l1_active_minus1", "collocated_from_l0_flag",
                 "collocated_ref_idx", "mvd_l1_zero_flag", "slice_qp_delta", "slice_temporal_mvp_enabled_flag")


@needs_hm
@pytest.mark.parametrize("stream, cfg_name", [("LDP_Carphone_QP32", LDP), ("LDB_Carphone_QP32", LDB),
                                              ("RA_Carphone_QP32", RA), ("LDP_BigBuckBunny_QP27", LDP),
                                              ("AI_Carphone_QP32", "encoder_intra_main.cfg")])
def test_plans_reproduce_hm_streams(stream, cfg_name):
    with open(os.path.join(ANCHORS, "streams", stream + ".bin"), "rb") as f:
        nals = split_annexb(f.read())
    sps = pps = None
    slices = []
    for n in nals:
        if n.nal_unit_type == 33:
            sps = parse_sps(n.rbsp)
        elif n.nal_unit_type == 34:
            pps = parse_pps(n.rbsp)
        elif n.nal_unit_type < 32:
            slices.append((n, parse_slice_header(n.rbsp, sps, pps, n.nal_unit_type)[0], sps, pps))
    cs = CodingStructure(hm_cfg(cfg_name, "-q", stream.rsplit("QP", 1)[1]), len(slices))
    assert [_syntax(r) for r in cs.sps_st_rps_list()] == [_syntax(r) for r in sps.st_ref_pic_sets]
    assert cs.sps_max_sub_layers_minus1 == sps.sps_max_sub_layers_minus1
    assert cs.sps_temporal_id_nesting_flag == sps.sps_temporal_id_nesting_flag
    assert cs.sps_max_dec_pic_buffering_minus1 == sps.sps_max_dec_pic_buffering_minus1
    assert cs.sps_max_num_reorder_pics == sps.sps_max_num_reorder_pics
    assert cs.sps_max_latency_increase_plus1 == sps.sps_max_latency_increase_plus1
    assert cs.num_ref_idx_default_active - 1 == pps.num_ref_idx_l0_default_active_minus1
    assert int(cs.slice_chroma_qp_offsets_present) == pps.pps_slice_chroma_qp_offsets_present_flag
    for plan, (nal, sh, s, p) in zip(cs, slices):
        assert (plan.nal_unit_type, plan.temporal_id) == (nal.nal_unit_type, nal.temporal_id), plan.poc
        mine = plan.slice_header(s, p)
        assert {k: getattr(mine, k) for k in HEADER_FIELDS} == {k: getattr(sh, k) for k in HEADER_FIELDS}, plan.poc
        assert _syntax(mine.st_ref_pic_set) == _syntax(sh.st_ref_pic_set), plan.poc
        assert plan.is_reference == (nal.nal_unit_type % 2 == 1 or nal.nal_unit_type >= 16)


# --- hand-worked structures ------------------------------------------------------------------------

@needs_hm
def test_first_gop_and_sequence_end_hand_worked():
    # LDP: POC 3's own RPS (-1 -3 -11 -19) is replaced by HM's extra set 10 (-1 -2 -3)
    p3 = next(p for p in CodingStructure(hm_cfg(LDP), 9) if p.poc == 3)
    assert (p3.short_term_ref_pic_set_idx, p3.st_rps.DeltaPocS0, p3.ref_pocs) == (10, [-1, -2, -3], ((2, 1, 0), ()))
    # RA with 30 frames: the last GOP lacks POC 32; POC 24 (Frame2: -8 -24 8) gets an explicit
    # set of the available pictures, inter-predicted from SPS set 0 as HM does
    cs = CodingStructure(hm_cfg(RA), 30)
    assert sorted(p.poc for p in cs) == list(range(30))
    assert [p.poc for p in cs][17:20] == [24, 20, 18]
    p24 = next(p for p in cs if p.poc == 24)
    assert p24.short_term_ref_pic_set_sps_flag == 0
    r = p24.st_ref_pic_set
    assert (r.inter_ref_pic_set_prediction_flag, r.delta_idx_minus1, r.delta_rps_sign, r.abs_delta_rps_minus1) == \
        (1, len(cs.sps_st_rps_list()) - 1, 0, 7)
    assert (r.used_by_curr_pic_flag, r.use_delta_flag) == ([1, 1, 0], [1, 1, 0])
    assert (r.DeltaPocS0, r.DeltaPocS1, p24.ref_pocs) == ([-8, -24], [], ((16, 0), (16, 0)))
    p28 = next(p for p in cs if p.poc == 28)
    assert (p28.st_rps.DeltaPocS0, p28.st_rps.DeltaPocS1, p28.ref_pocs) == ([-4, -12], [], ((24, 16), (24, 16)))


@needs_hm
def test_idr_and_cra_refresh_hand_worked():
    cs = CodingStructure(hm_cfg(RA, "--DecodingRefreshType=2"), 40)
    by = {p.poc: p for p in cs}
    assert by[32].nal_unit_type == IDR_W_RADL and by[32].slice_type == I_SLICE
    p24 = by[24]
    assert (p24.nal_unit_type, p24.last_idr, p24.pic_order_cnt_val) == (RADL_N, 32, -8)
    assert (p24.st_rps.DeltaPocS0, p24.st_rps.DeltaPocS1, p24.ref_pocs) == ([], [8], ((32,), (32,)))
    assert by[36].ref_pocs == ((32,), (32,)) and by[36].nal_unit_type == TSA_N
    cs = CodingStructure(hm_cfg(RA, "--IntraPeriod=16"), 36)
    by = {p.poc: p for p in cs}
    assert [by[q].nal_unit_type for q in (0, 16, 32, 24, 31, 34)] == \
        [IDR_W_RADL, CRA_NUT, CRA_NUT, RASL_N, RASL_N, TSA_N]
    assert by[16].st_ref_pic_set.DeltaPocS0 == [-16] and by[16].st_ref_pic_set.UsedByCurrPicS0 == [0]
    assert by[24].ref_pocs == ((16, 32), (32, 16))       # RASL pictures use the previous CRA
    assert by[34].ref_pocs == ((32,), (32,))             # after the CRA: only the CRA remains


def test_all_intra_without_gop_entries():
    cfg = parse_args(YUV + ["--IntraQPOffset=-2"], warn=False)
    cs = CodingStructure(cfg, 4)
    assert [(p.poc, p.slice_type, p.nal_unit_type, p.qp) for p in cs] == \
        [(0, I_SLICE, IDR_W_RADL, 30)] + [(i, I_SLICE, TRAIL_R, 30) for i in (1, 2, 3)]
    assert cs.sps_max_dec_pic_buffering_minus1 == [0] and cs.sps_max_num_reorder_pics == [0]
    assert len(cs.sps_st_rps_list()) == 2 and all(p.short_term_ref_pic_set_idx == 0 for p in cs)
    cs = CodingStructure(parse_args(YUV + ["--DecodingRefreshType=1"], warn=False), 3)
    assert [p.nal_unit_type for p in cs] == [IDR_W_RADL, CRA_NUT, CRA_NUT]
    cs = CodingStructure(parse_args(YUV + ["--DecodingRefreshType=2"], warn=False), 3)
    assert [p.nal_unit_type for p in cs] == [IDR_W_RADL] * 3


# --- encoder plans through the decoder's DPB --------------------------------------------------

def _parameter_sets(cs, log2_max_poc_lsb):
    sps = SPS(pic_width_in_luma_samples=64, pic_height_in_luma_samples=64,
              log2_max_pic_order_cnt_lsb_minus4=log2_max_poc_lsb - 4,
              sps_max_sub_layers_minus1=cs.sps_max_sub_layers_minus1,
              sps_temporal_id_nesting_flag=cs.sps_temporal_id_nesting_flag,
              sps_max_dec_pic_buffering_minus1=cs.sps_max_dec_pic_buffering_minus1,
              sps_max_num_reorder_pics=cs.sps_max_num_reorder_pics,
              sps_max_latency_increase_plus1=cs.sps_max_latency_increase_plus1,
              st_ref_pic_sets=cs.sps_st_rps_list(), sps_temporal_mvp_enabled_flag=1)
    n = cs.num_ref_idx_default_active
    pps = PPS(num_ref_idx_l0_default_active_minus1=n - 1, num_ref_idx_l1_default_active_minus1=n - 1)
    return parse_sps(write_sps(sps)), parse_pps(write_pps(pps))


@needs_hm
@pytest.mark.parametrize("cfg_name, more, frames, log2_lsb", [
    (LDP, [], 40, 4), (LDB, [], 21, 4), (RA, [], 33, 6), (RA, [], 30, 6), (RA, [], 57, 6),
    (RA, ["--DecodingRefreshType=2"], 45, 6), (RA, ["--IntraPeriod=16"], 50, 6),
    (LDB, ["--IntraPeriod=8", "--DecodingRefreshType=1"], 20, 5),
    (LDP, ["--IntraPeriod=16", "--DecodingRefreshType=2"], 40, 4), (LDP, ["--GOPSize=8"], 3, 4)])
def test_plans_through_the_decoder_dpb(cfg_name, more, frames, log2_lsb):
    """Write each plan's slice header, parse it back, run the decoder's DPB: its lists are the
    planned ones, the DPB never overflows HM's sps_max_dec_pic_buffering, and the output is in
    display order."""
    cs = CodingStructure(hm_cfg(cfg_name, *more), frames)
    sps, pps = _parameter_sets(cs, log2_lsb)
    dpb = Dpb()
    out = []
    for plan in cs:
        rbsp = write_slice_header(plan.slice_header(sps, pps), sps, pps, plan.nal_unit_type)
        sh, _ = parse_slice_header(rbsp, sps, pps, plan.nal_unit_type)
        pic, L0, L1 = dpb.start_picture(sps, pps, sh, plan.nal_unit_type, plan.temporal_id)
        assert pic.poc == plan.pic_order_cnt_val
        assert len(dpb.pictures) <= sps.sps_max_dec_pic_buffering_minus1[-1]
        assert ([q.poc + plan.last_idr for q in L0], [q.poc + plan.last_idr for q in L1]) == \
            (list(plan.ref_pocs[0]), list(plan.ref_pocs[1])), plan.poc
        pic.hm_poc = plan.poc
        dpb.store(pic)
        out += [q.hm_poc for q in dpb.output_ready()]
    out += [q.hm_poc for q in dpb.flush()]
    assert out == list(range(frames))
