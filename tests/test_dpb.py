"""dlvc/core/dpb.py: POC (8.3.1), RPS and marking (8.3.2), reference picture lists (8.3.4) and
output / removal of pictures (C.5.2), by hand-worked cases and against HM's anchor streams
(the reference lists HM's encoder logged, and output in POC order)."""
import glob
import os
import re

import pytest

from dlvc.core.bitstream import (BitstreamError, CRA_NUT, IDR_W_RADL, RASL_N, TRAIL_R, split_annexb)
from dlvc.core.dpb import (LONG_TERM, SHORT_TERM, Dpb, build_ref_pic_lists, derive_poc,
                           rps_poc_lists)
from dlvc.core.syntax import (PPS, SPS, parse_pps, parse_slice_header, parse_sps)
from dlvc.core.syntax.slice_header import B_SLICE, I_SLICE, P_SLICE, SliceHeader
from dlvc.core.syntax.st_rps import explicit_st_rps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANCHORS = os.path.join(ROOT, "..", "shared", "anchors", "hm")
STREAMS = sorted(glob.glob(os.path.join(ANCHORS, "streams", "*.bin")))
needs_hm = pytest.mark.skipif(not STREAMS, reason="../shared/anchors/hm not present")

# HM encoder log: "POC   8 TId: 1 ( B-SLICE, nQP 35 QP 35 ) ... [L0 0 16 ] [L1 16 0 ]"
LOG_LINE = re.compile(r"POC\s+(-?\d+) TId: (\d) \( (\w)-SLICE, nQP (\d+) QP (\d+) \).*"
                      r"\[L0 ([-\d ]*)\] \[L1 ([-\d ]*)\]")


def hm_log(name):
    """[(poc, tid, 'I'/'P'/'B', qp, [L0 POCs], [L1 POCs])] of an HM encoder log."""
    out = []
    with open(os.path.join(ANCHORS, "logs", name + ".log")) as f:
        for line in f:
            m = LOG_LINE.search(line)
            if m:
                poc, tid, st, _, qp, l0, l1 = m.groups()
                out.append((int(poc), int(tid), st, int(qp), [int(x) for x in l0.split()],
                            [int(x) for x in l1.split()]))
    return out


def decode_headers(data, dpb=None):
    """Run a stream's slice headers through a Dpb: [(poc, L0 POCs, L1 POCs)] in decoding order,
    the output order, and the Dpb."""
    dpb = dpb or Dpb()
    sps = pps = None
    decoded, output = [], []
    for nal in split_annexb(data):
        t = nal.nal_unit_type
        if t == 33:
            sps = parse_sps(nal.rbsp)
        elif t == 34:
            pps = parse_pps(nal.rbsp)
        elif t == 36:
            dpb.end_of_sequence()
        elif t < 32:
            sh, _ = parse_slice_header(nal.rbsp, sps, pps, t)
            r = dpb.start_picture(sps, pps, sh, t, nal.temporal_id)
            if r is None:
                continue
            pic, L0, L1 = r
            assert len(dpb.pictures) <= sps.sps_max_dec_pic_buffering_minus1[-1]
            decoded.append((pic.poc, [p.poc for p in L0], [p.poc for p in L1]))
            assert pic.ref_pocs == ([p.poc for p in L0], [p.poc for p in L1])
            dpb.store(pic)
            waiting = sum(p.needed_for_output for p in dpb.pictures)
            assert waiting <= sps.sps_max_num_reorder_pics[-1]
            output += [p.poc for p in dpb.output_ready()]
    output += [p.poc for p in dpb.flush()]
    return decoded, output, dpb


# --- 8.3.1 -----------------------------------------------------------------------------------

def test_derive_poc_hand_worked():
    M = 16
    assert derive_poc(5, M, 3, 0, False) == (5, 0)
    assert derive_poc(1, M, 14, 0, False) == (17, 16)            # lsb wrapped forwards
    assert derive_poc(15, M, 1, 16, False) == (15, 0)            # and backwards
    assert derive_poc(9, M, 1, 16, False) == (25, 16)            # 9 - 1 = 8: not more than M/2
    assert derive_poc(10, M, 1, 16, False) == (10, 0)            # 10 - 1 = 9 > M/2
    assert derive_poc(2, M, 10, 32, False) == (50, 48)           # 10 - 2 = 8 >= M/2: forwards
    assert derive_poc(3, M, 10, 32, False) == (35, 32)           # 7 < M/2
    assert derive_poc(3, M, 12, 48, True) == (3, 0)              # IRAP with NoRaslOutputFlag


def _sps(log2_lsb=4, dpb_minus1=4, reorder=0, latency_plus1=0, lt=False):
    return SPS(pic_width_in_luma_samples=64, pic_height_in_luma_samples=64,
               log2_max_pic_order_cnt_lsb_minus4=log2_lsb - 4,
               sps_max_dec_pic_buffering_minus1=[dpb_minus1], sps_max_num_reorder_pics=[reorder],
               sps_max_latency_increase_plus1=[latency_plus1],
               st_ref_pic_sets=[explicit_st_rps([-1, -2], [1, 1], [], [])],
               long_term_ref_pics_present_flag=int(lt))


def _sh(poc, slice_type=P_SLICE, rps=None, sps_idx=None, n0=1, n1=1, MaxLsb=16, **kw):
    sh = SliceHeader(slice_type=slice_type, slice_pic_order_cnt_lsb=poc % MaxLsb,
                     num_ref_idx_l0_active_minus1=n0 - 1, num_ref_idx_l1_active_minus1=n1 - 1, **kw)
    if sps_idx is not None:
        sh.short_term_ref_pic_set_sps_flag, sh.short_term_ref_pic_set_idx = 1, sps_idx
    else:
        sh.st_ref_pic_set = rps if rps is not None else explicit_st_rps([], [], [], [])
    return sh


def test_poc_wraps_over_a_long_low_delay_sequence():
    sps, pps = _sps(), PPS()
    dpb = Dpb()
    pic, L0, L1 = dpb.start_picture(sps, pps, _sh(0, I_SLICE), IDR_W_RADL)
    dpb.store(pic)
    out = [p.poc for p in dpb.output_ready()]
    for poc in range(1, 50):
        rps = explicit_st_rps([-1], [1], [], []) if poc == 1 else None
        sh = _sh(poc, P_SLICE, rps=rps, sps_idx=None if poc == 1 else 0, n0=2 if poc > 1 else 1)
        pic, L0, L1 = dpb.start_picture(sps, pps, sh, TRAIL_R)
        assert pic.poc == poc and pic.PicOrderCntMsb == poc - poc % 16
        assert [p.poc for p in L0] == ([0] if poc == 1 else [poc - 1, poc - 2]) and L1 == []
        dpb.store(pic)
        assert sorted(p.poc for p in dpb.pictures if p.is_reference) == [q for q in (poc - 2, poc - 1, poc) if q >= 0]
        out += [p.poc for p in dpb.output_ready()]
    assert out == list(range(50))         # sps_max_num_reorder_pics 0: output at once
    assert dpb.flush() == []


# --- 8.3.2 / 8.3.4 -----------------------------------------------------------------------------

def test_rps_poc_lists_hand_worked():
    st = explicit_st_rps([-1, -3, -9], [1, 0, 1], [2, 5], [1, 0])
    r = rps_poc_lists(20, st, [(4, 1, 0, 0), (2, 0, 1, 1)], 16)
    assert (r.PocStCurrBefore, r.PocStCurrAfter, r.PocStFoll) == ([19, 11], [22], [17, 25])
    # long-term: lsb only; with delta_poc_msb_cycle_lt 1: 20 - 16 - 4 + 2 = 2
    assert (r.PocLtCurr, r.PocLtFoll) == ([4], [2])
    assert (r.CurrDeltaPocMsbPresentFlag, r.FollDeltaPocMsbPresentFlag) == ([0], [1])
    assert r.NumPicTotalCurr == 4


def test_build_ref_pic_lists_hand_worked():
    before, after, lt = [8, 4], [16], [0]
    L0, L1, lt0, lt1 = build_ref_pic_lists(B_SLICE, before, after, lt, 5, 2)
    assert L0 == [8, 4, 16, 0, 8] and lt0 == [False, False, False, True, False]   # repeats (8-8)
    assert L1 == [16, 8] and lt1 == [False, False]
    # ref_pic_lists_modification: list_entry indexes RefPicListTemp
    L0, L1, _, lt1 = build_ref_pic_lists(B_SLICE, before, after, lt, 2, 2, [3, 1], [3, 0])
    assert L0 == [0, 4] and L1 == [0, 16] and lt1 == [True, False]
    L0, L1, _, _ = build_ref_pic_lists(P_SLICE, before, after, lt, 3, 3)
    assert L0 == [8, 4, 16] and L1 == []
    assert build_ref_pic_lists(I_SLICE, before, after, lt, 3, 3) == ([], [], [], [])
    with pytest.raises(BitstreamError):
        build_ref_pic_lists(P_SLICE, [], [], [], 1, 1)
    with pytest.raises(BitstreamError):
        build_ref_pic_lists(P_SLICE, before, after, lt, 1, 1, [4])


def test_marking_long_term_and_unused():
    sps, pps = _sps(dpb_minus1=5, lt=True), PPS()
    dpb = Dpb()
    pic, _, _ = dpb.start_picture(sps, pps, _sh(0, I_SLICE), IDR_W_RADL)
    dpb.store(pic)
    for poc in (1, 2, 3):      # keep POC 0 as short-term (not used) until POC 4
        rps = explicit_st_rps([-1] if poc == 1 else [-1, -poc], [1] if poc == 1 else [1, 0], [], [])
        pic, L0, _ = dpb.start_picture(sps, pps, _sh(poc, rps=rps), TRAIL_R)
        dpb.store(pic)
    # POC 4: short-term -1 (3), keep 2 as foll, POC 0 as a long-term reference (lsb 0)
    sh = _sh(4, rps=explicit_st_rps([-1, -2], [1, 0], [], []), n0=3, num_long_term_pics=1,
             poc_lsb_lt=[0], used_by_curr_pic_lt_flag=[1], delta_poc_msb_present_flag=[0],
             delta_poc_msb_cycle_lt=[0], lt_idx_sps=[0])
    pic, L0, _ = dpb.start_picture(sps, pps, sh, TRAIL_R)
    assert [p.poc for p in L0] == [3, 0, 3]
    assert pic.ref_is_long_term[0] == [False, True, False]
    marks = {p.poc: p.marking for p in dpb.pictures}
    assert marks[0] == LONG_TERM and marks[3] == SHORT_TERM and marks[2] == SHORT_TERM
    assert 1 not in marks                     # unused and already output: removed (C.5.2.2)
    dpb.store(pic)
    # POC 5 with no long-term picture: POC 0 becomes unused
    pic, L0, _ = dpb.start_picture(sps, pps, _sh(5, rps=explicit_st_rps([-1], [1], [], [])), TRAIL_R)
    assert [(p.poc, p.marking) for p in dpb.pictures] == [(4, SHORT_TERM)]    # 0, 2, 3 unused: gone
    dpb.store(pic)


def test_missing_reference_is_an_error_or_generated():
    sps, pps = _sps(), PPS()
    dpb = Dpb()
    pic, _, _ = dpb.start_picture(sps, pps, _sh(0, I_SLICE), IDR_W_RADL)
    dpb.store(pic)
    with pytest.raises(BitstreamError, match="POC 2"):
        dpb.start_picture(sps, pps, _sh(3, rps=explicit_st_rps([-1, -3], [1, 1], [], [])), TRAIL_R)
    dpb = Dpb(generate_missing=lambda sps, poc: ("grey", poc))
    pic, _, _ = dpb.start_picture(sps, pps, _sh(0, I_SLICE), IDR_W_RADL)
    dpb.store(pic)
    pic, L0, _ = dpb.start_picture(sps, pps, _sh(3, rps=explicit_st_rps([-1, -3], [1, 1], [], []), n0=2),
                                   TRAIL_R)
    assert [p.poc for p in L0] == [2, 0] and L0[0].generated and L0[0].planes == ("grey", 2)
    dpb.store(pic)
    assert [p.poc for p in dpb.flush()] == [0, 3]     # generated pictures are never output


# --- C.5.2: output ---------------------------------------------------------------------------

def test_bumping_by_reorder_and_by_dpb_size():
    pps = PPS()
    # reorder 1: decode 0, 2, 1, 4, 3 -> output in POC order, each as soon as allowed
    sps = _sps(dpb_minus1=3, reorder=1)
    dpb = Dpb()
    seq = [(0, I_SLICE, None, IDR_W_RADL), (2, P_SLICE, ([-2], []), TRAIL_R), (1, B_SLICE, ([-1], [1]), TRAIL_R),
           (4, P_SLICE, ([-2], []), TRAIL_R), (3, B_SLICE, ([-1], [1]), TRAIL_R)]
    after = []
    for poc, st, d, nut in seq:
        rps = None if d is None else explicit_st_rps(d[0], [1] * len(d[0]), d[1], [1] * len(d[1]))
        pic, _, _ = dpb.start_picture(sps, pps, _sh(poc, st, rps=rps), nut)
        dpb.store(pic)
        after.append([p.poc for p in dpb.output_ready()])
    assert after == [[], [0], [1], [2], [3]]
    assert [p.poc for p in dpb.flush()] == [4]
    # latency: decode 0 4 1 2 3 with sps_max_num_reorder_pics 3; with sps_max_latency_increase_plus1
    # 1 (SpsMaxLatencyPictures = 3) picture 4 may not wait for more than 3 later-decoded pictures
    # that precede it in output order
    seq = [(0, I_SLICE, None, IDR_W_RADL), (4, P_SLICE, ([-4], []), TRAIL_R),
           (1, B_SLICE, ([-1], [3]), TRAIL_R), (2, B_SLICE, ([-1], [2]), TRAIL_R),
           (3, B_SLICE, ([-1], [1]), TRAIL_R)]
    for latency_plus1, expect, rest in ((0, [[], [], [], [0], [1]], [2, 3, 4]),
                                        (1, [[], [], [], [0], [1, 2, 3, 4]], [])):
        sps = _sps(dpb_minus1=5, reorder=3, latency_plus1=latency_plus1)
        dpb = Dpb()
        after = []
        for poc, st, d, nut in seq:
            rps = None if d is None else explicit_st_rps(d[0], [1] * len(d[0]), d[1], [1] * len(d[1]))
            pic, _, _ = dpb.start_picture(sps, pps, _sh(poc, st, rps=rps, n0=1, n1=1), nut)
            dpb.store(pic)
            after.append([p.poc for p in dpb.output_ready()])
        assert after == expect and [p.poc for p in dpb.flush()] == rest


def test_pic_output_flag_and_idr_with_and_without_prior_output():
    sps, pps = _sps(dpb_minus1=4, reorder=2), PPS(output_flag_present_flag=1)
    for no_output in (0, 1):
        dpb = Dpb()
        pic, _, _ = dpb.start_picture(sps, pps, _sh(0, I_SLICE), IDR_W_RADL)
        dpb.store(pic)
        pic, _, _ = dpb.start_picture(sps, pps, _sh(2, rps=explicit_st_rps([-2], [1], [], [])), TRAIL_R)
        dpb.store(pic)
        pic, _, _ = dpb.start_picture(sps, pps, _sh(1, rps=explicit_st_rps([-1], [1], [1], [1]),
                                                    pic_output_flag=0), TRAIL_R)
        assert pic.pic_output_flag == 0
        dpb.store(pic)
        assert dpb.output_ready() == []
        sh = _sh(0, I_SLICE, no_output_of_prior_pics_flag=no_output)
        pic, _, _ = dpb.start_picture(sps, pps, sh, IDR_W_RADL)
        assert pic.poc == 0 and dpb.pictures == []
        assert [p.poc for p in dpb.output_ready()] == ([] if no_output else [0, 2])
        dpb.store(pic)
        assert [p.poc for p in dpb.flush()] == [0]


# --- HM's anchor streams -----------------------------------------------------------------------

@needs_hm
@pytest.mark.parametrize("path", STREAMS, ids=[os.path.basename(p)[:-4] for p in STREAMS])
def test_hm_streams_ref_lists_and_output_order(path):
    name = os.path.basename(path)[:-4]
    with open(path, "rb") as f:
        decoded, output, _ = decode_headers(f.read())
    log = hm_log(name)
    assert decoded == [(poc, l0, l1) for poc, _, _, _, l0, l1 in log]
    assert output == sorted(output) == sorted(poc for poc, *_ in log)


@needs_hm
def test_cra_at_start_skips_its_rasl_pictures():
    """The RA stream cut at its CRA (POC 32): the RASL pictures 17..31 are not decoded (as
    HM's decoder), the CRA is, and only it is output."""
    with open(os.path.join(ANCHORS, "streams", "RA_Carphone_QP32.bin"), "rb") as f:
        data = f.read()
    nals = split_annexb(data)
    cra = next(i for i, n in enumerate(nals) if n.nal_unit_type == CRA_NUT)
    vps = max(i for i in range(cra) if nals[i].nal_unit_type == 32)
    cut = data[nals[vps].offset - 3:]
    dpb = Dpb()
    decoded, output, dpb = decode_headers(cut, dpb)
    assert decoded == [(32, [], [])] and output == [32]
    assert [t for t, _ in dpb.skipped] == [RASL_N] * 15
    # the stream cut before its first IRAP: pictures before the CRA are skipped too
    assert [n.nal_unit_type for n in nals[:5]] == [32, 33, 34, IDR_W_RADL, TRAIL_R]
    cut2 = data[:nals[3].offset - 3] + data[nals[4].offset - 3:]      # without the IDR picture
    dpb = Dpb()
    decoded, output, dpb = decode_headers(cut2, dpb)
    assert decoded == [(32, [], [])] and len(dpb.skipped) == 16 + 15


@needs_hm
def test_end_of_sequence_restarts_poc_and_outputs_everything():
    with open(os.path.join(ANCHORS, "streams", "LDP_Carphone_QP32.bin"), "rb") as f:
        data = f.read()
    eos = b"\x00\x00\x00\x01" + bytes([36 << 1, 1])
    decoded, output, _ = decode_headers(data + eos + data)
    assert [d[0] for d in decoded] == list(range(33)) * 2
    assert output == list(range(33)) * 2
