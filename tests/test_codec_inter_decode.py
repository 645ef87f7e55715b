"""dlvc-dec on inter-coded streams (P and B slices), and the inter coding-unit syntax.

* HM's low-delay P / low-delay B / random-access streams (../shared/anchors/hm/streams)
  decode to exactly the MD5 HM's decoder gave (anchors/streams.csv: MD5 of the cropped
  8-bit I420 output in output order).
* x265 streams written through PyAV (P only, B pyramids with AMP, cu_qp_delta from AQ,
  explicit weighted prediction on a fade) decode to exactly what FFmpeg decodes, and
  every picture passes its MD5 SEI.
* write_coding_quadtree / parse_coding_quadtree round trip on random inter CTUs.
"""
import csv
import hashlib
import io
import os

import av
import numpy as np
import pytest

from codec_util import pyav_decode, sequence_path
from dlvc.core import cabac as cb
from dlvc.core.ctu_syntax import new_cu_state, parse_coding_quadtree, subtree_cbf, write_coding_quadtree
from dlvc.core.params import (
    NUM_PARAMS, P_AMP, P_CTB_LOG2, P_CU_QP_DELTA, P_LOG2_MIN_CU_QP_DELTA, P_MAX_MERGE, P_MAX_TB_LOG2,
    P_MAX_TH_DEPTH_INTER, P_MAX_TH_DEPTH_INTRA, P_MIN_CB_LOG2, P_MIN_TB_LOG2, P_MVD_L1_ZERO, P_NUM_REF0,
    P_NUM_REF1, P_PIC_H, P_PIC_W, P_SIGN_HIDING, P_SLICE_QP, P_SLICE_TYPE, P_TS_ENABLED, SLICE_B, SLICE_P,
)
from dlvc.core.picture import (
    F_CBF, F_CU_LOG2, F_INTER_DIR, F_MERGE, F_MERGE_IDX, F_MVD0X, F_MVD0Y, F_MVD1X, F_MVD1Y, F_MVP_FLAGS,
    F_PRED_MODE, F_QP, F_REF0, F_REF1, F_TS, F_TU_LOG2, new_meta,
)
from dlvc.decoder.decoder import Decoder
from dlvc.errors import DlvcError
from dlvc.io import read_frames

ANCHORS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "anchors")
HM_STREAMS = os.path.join(ANCHORS, "hm", "streams")


def hm_rows():
    path = os.path.join(ANCHORS, "streams.csv")
    if not os.path.exists(path):
        return {}
    return {f"{r['config']}_{r['sequence']}_QP{r['qp']}": r for r in csv.DictReader(open(path))}


def decoded_md5(stream):
    m = hashlib.md5()
    n = 0
    checked = 0
    for pic in Decoder().decode(stream):
        for p in pic.cropped():
            m.update(np.ascontiguousarray(p).astype(np.uint8).tobytes())
        n += 1
        checked += pic.hash_checked
    return m.hexdigest(), n, checked


def check_hm_stream(name):
    rows = hm_rows()
    path = os.path.join(HM_STREAMS, name + ".bin")
    if name not in rows or not os.path.exists(path):
        pytest.skip(f"{name}: HM anchor stream missing")
    md5, n, _ = decoded_md5(open(path, "rb").read())
    assert n == int(rows[name]["frames"])
    assert md5 == rows[name]["hm_decoded_md5"]


@pytest.mark.parametrize("name", ["LDP_Carphone_QP37", "LDB_Carphone_QP37", "RA_Carphone_QP37"])
def test_hm_streams(name):
    check_hm_stream(name)


SLOW_HM = [f"{c}_{s}_QP{q}" for c in ("LDP", "LDB", "RA") for s in ("Carphone", "BunnyCrop", "Bikes")
           for q in (22, 27, 32, 37)] + [f"LDP_BigBuckBunny_QP{q}" for q in (22, 37)]


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW_HM)
def test_hm_streams_all(name):
    check_hm_stream(name)


# ----------------------------------------------------------------------------- x265 via PyAV

def x265_encode(frames, w, h, params):
    """Raw HEVC (Annex B) from libx265; ``params`` is an x265-params string."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="hevc") as c:
        s = c.add_stream("libx265", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        if "wpp" not in params:
            params += ":wpp=0"
        s.options = {"x265-params": params + ":hash=1:log-level=error"}
        for y, u, v in frames:
            a = np.concatenate([y.ravel(), u.ravel(), v.ravel()]).astype(np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(a.reshape(h * 3 // 2, w), format="yuv420p")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return buf.getvalue()


def carphone(n, fade=False):
    out = []
    for i, f in enumerate(read_frames(sequence_path("Carphone"), 176, 144, count=n)):
        y, u, v = (np.asarray(p).astype(np.int32) for p in (f.y, f.u, f.v))
        if fade:                        # a fade to black: explicit weighted prediction pays
            k = 64 - 5 * i
            y = (y * k) >> 6
            u = 128 + (((u - 128) * k) >> 6)
            v = 128 + (((v - 128) * k) >> 6)
        out.append((y, u, v))
    return out


def check_x265(params, n=8, fade=False):
    stream = x265_encode(carphone(n, fade), 176, 144, params)
    pics = list(Decoder().decode(stream))
    dec = np.concatenate([np.ascontiguousarray(p).astype(np.uint8).ravel() for pic in pics for p in pic.cropped()])
    ref = pyav_decode(stream)
    assert len(pics) == n
    assert all(p.hash_checked for p in pics), "x265 wrote MD5 SEI for every picture"
    assert dec.size == ref.size and np.array_equal(dec, ref), "dlvc-dec differs from FFmpeg"
    return stream


def test_x265_low_delay_p():
    # bframes=0, AQ (cu_qp_delta), weightp, TMVP, 3 references
    check_x265("bframes=0:crf=30:ref=3")


def test_x265_b_frames():
    # B pyramid, AMP and rectangular partitions, weighted bi-prediction, cu_qp_delta
    check_x265("bframes=4:b-pyramid=1:amp=1:rect=1:weightb=1:crf=28:ref=3")


def test_x265_weighted_prediction_fade():
    from dlvc.core.bitstream import PPS_NUT, SPS_NUT, is_vcl, split_annexb
    from dlvc.core.syntax.pps import parse_pps
    from dlvc.core.syntax.slice_header import parse_slice_header
    from dlvc.core.syntax.sps import parse_sps
    stream = check_x265("bframes=0:qp=30:weightp=1", n=6, fade=True)
    used = False
    for nal in split_annexb(stream):
        if nal.nal_unit_type == SPS_NUT:
            sps = parse_sps(nal.rbsp)
        elif nal.nal_unit_type == PPS_NUT:
            pps = parse_pps(nal.rbsp)
        elif is_vcl(nal.nal_unit_type):
            sh, _ = parse_slice_header(nal.rbsp, sps, pps, nal.nal_unit_type)
            t = sh.pred_weight_table
            used |= t is not None and any(t.luma_weight_flag[0])
    assert used, "the fade should make x265 send explicit weights"


def test_x265_wavefronts():
    # x265's default: entropy_coding_sync (one substream per CTU row), 16x16 CTUs so that
    # there are several rows and columns
    check_x265("bframes=2:wpp=1:ctu=16:crf=30", n=5)


def test_several_slices_rejected_clearly():
    stream = x265_encode(carphone(2), 176, 144, "bframes=0:qp=32:slices=2:wpp=1")
    with pytest.raises(DlvcError, match="several slices"):
        list(Decoder().decode(stream))


# ----------------------------------------------------------------------------- syntax round trip

SYNTAX_FIELDS = [F_CU_LOG2, F_PRED_MODE, F_MERGE, F_MERGE_IDX, F_INTER_DIR, F_MVP_FLAGS, F_MVD0X, F_MVD0Y,
                 F_MVD1X, F_MVD1Y, F_REF0, F_REF1, F_CBF]


def inter_params(rng, slice_type, w, h):
    prm = np.zeros(NUM_PARAMS, np.int32)
    prm[P_PIC_W], prm[P_PIC_H] = w, h
    prm[P_CTB_LOG2] = 6 if rng.random() < 0.5 else 5
    prm[P_MIN_CB_LOG2] = 3
    prm[P_MAX_TB_LOG2] = 5 if rng.random() < 0.7 else 4
    prm[P_MIN_TB_LOG2] = 2
    prm[P_MAX_TH_DEPTH_INTRA] = int(rng.integers(0, 3))
    prm[P_MAX_TH_DEPTH_INTER] = int(rng.integers(0, 3))
    prm[P_SLICE_QP] = int(rng.integers(20, 40))
    prm[P_SIGN_HIDING] = int(rng.integers(0, 2))
    prm[P_TS_ENABLED] = int(rng.integers(0, 2))
    prm[P_SLICE_TYPE] = slice_type
    prm[P_AMP] = int(rng.integers(0, 2))
    prm[P_NUM_REF0] = int(rng.integers(1, 5))
    prm[P_NUM_REF1] = int(rng.integers(1, 4)) if slice_type == SLICE_B else 0
    prm[P_MAX_MERGE] = int(rng.integers(1, 6))
    prm[P_MVD_L1_ZERO] = int(rng.integers(0, 2)) if slice_type == SLICE_B else 0
    prm[P_CU_QP_DELTA] = int(rng.integers(0, 2))
    prm[P_LOG2_MIN_CU_QP_DELTA] = prm[P_CTB_LOG2] - int(rng.integers(0, 3))
    return prm


def parse_all(prm, data, w, h):
    meta = new_meta(w, h)
    coef = tuple(np.zeros(s, np.int32) for s in ((h, w), (h // 2, w // 2), (h // 2, w // 2)))
    log2 = int(prm[P_CTB_LOG2])
    cand = new_cu_state(int(prm[P_SLICE_QP]))
    d = cb.new_reader()
    cb.decoder_init(d, data, 0)
    ctx = cb.init_contexts(1, 30)
    for y in range(0, h, 1 << log2):
        for x in range(0, w, 1 << log2):
            parse_coding_quadtree(d, data, ctx, meta, coef, prm, x, y, log2, cand)
            cb.decode_terminate(d, data)
    return meta, coef, bool(cb.reader_overrun(d))


def write_all(prm, meta, coef, w, h, estimate=False):
    log2 = int(prm[P_CTB_LOG2])
    cand = new_cu_state(int(prm[P_SLICE_QP]))
    wr, buf = cb.new_writer(1 << 20, estimate)
    ctx = cb.init_contexts(1, 30)
    ctbs = [(x, y) for y in range(0, h, 1 << log2) for x in range(0, w, 1 << log2)]
    for i, (x, y) in enumerate(ctbs):
        write_coding_quadtree(wr, buf, ctx, meta, coef, prm, x, y, log2, cand)
        cb.encode_terminate(wr, buf, 1 if i == len(ctbs) - 1 else 0)
    if estimate:
        return cb.est_bits(wr)
    return buf[:cb.finish(wr, buf)].copy()


def residual_cus(meta, w, h):
    """Mask of the 4x4 units of CUs that carry residual (elsewhere the transform tree of a CU
    without any cbf need not survive the round trip: rqt_root_cbf = 0 codes it)."""
    keep = np.zeros((h // 4, w // 4), bool)
    for v in range(h // 4):
        for u in range(w // 4):
            log2 = meta[F_CU_LOG2, v, u]
            s = 1 << (log2 - 2)
            v0, u0 = v & ~(s - 1), u & ~(s - 1)
            if v == v0 and u == u0:
                keep[v0:v0 + s, u0:u0 + s] = subtree_cbf(meta, u0 * 4, v0 * 4, log2) != 0
    return keep


@pytest.mark.parametrize("seed", range(6))
def test_inter_syntax_round_trip(seed):
    """Random bins parsed as inter CTUs give a meta; writing it and parsing the result must
    give the same syntax, and writing that again the same bytes (real and estimate mode)."""
    rng = np.random.default_rng(seed)
    w, h = 136, 72                        # partial CTUs at the right and bottom edges
    prm = inter_params(rng, SLICE_B if seed % 2 else SLICE_P, w, h)
    data = rng.integers(0, 256, 1 << 16).astype(np.uint8)
    meta1, coef1, overrun = parse_all(prm, data, w, h)
    assert not overrun
    modes = set(np.unique(meta1[F_PRED_MODE]).tolist())
    assert len(modes) >= 2
    s2 = write_all(prm, meta1, coef1, w, h)
    meta2, coef2, overrun = parse_all(prm, s2, w, h)
    assert not overrun
    for f in SYNTAX_FIELDS:
        assert np.array_equal(meta1[f], meta2[f]), f
    keep = residual_cus(meta1, w, h)
    assert np.array_equal(meta1[F_TU_LOG2][keep], meta2[F_TU_LOG2][keep])
    assert np.array_equal(meta1[F_TS][keep], meta2[F_TS][keep])
    for c in range(3):
        assert np.array_equal(coef1[c], coef2[c])
    assert np.array_equal(meta1[F_QP], meta2[F_QP])
    s3 = write_all(prm, meta2, coef2, w, h)
    assert np.array_equal(s2, s3)
    bits = write_all(prm, meta2, coef2, w, h, estimate=True) / cb.FRAC_BITS_SCALE
    assert abs(bits - 8 * len(s3)) < 0.05 * 8 * len(s3) + 64
