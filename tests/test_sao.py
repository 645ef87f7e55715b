"""SAO (8.7.3): the picture process against a slow sample-by-sample reference written from the
standard (every type and edge class, picture and slice boundaries, partial CTBs), sao()
syntax round trips (7.3.8.3, merges included), and HM-style encoder decisions on a real
frame."""
import os

import numpy as np
import pytest

from dlvc.core import cabac as C
from dlvc.core.deblocking import LF_ACROSS_SLICES, LF_NUM, LF_SAO_CHROMA, LF_SAO_LUMA, LF_SLICE_ADDR
from dlvc.core.loopfilter import apply_loop_filters
from dlvc.core.params import NUM_PARAMS, P_CTB_LOG2, P_PIC_H, P_PIC_W
from dlvc.core.picture import new_meta
from dlvc.core.sao import (
    MERGE_LEFT, MERGE_UP, SAO_AUX, SAO_MERGE, SAO_OFFSET, SAO_TYPE, new_sao_params, parse_sao, sao_picture,
    write_sao,
)
from dlvc.encoder.sao_decision import SaoDecider, collect_statistics, sao_lambdas

# Table 8-13
H_POS = {0: (-1, 1), 1: (0, 0), 2: (-1, 1), 3: (1, -1)}
V_POS = {0: (0, 0), 1: (-1, 1), 2: (-1, 1), 3: (-1, 1)}


def sign(v):
    return (v > 0) - (v < 0)


def ref_sao(planes, sao, ctb_log2, lf, slice_map):
    """8.7.3.1 / 8.7.3.2 sample by sample, on lists."""
    out = []
    ctbs_w = len(slice_map[0])
    for c, plane in enumerate(planes):
        rec = plane.astype(int).tolist()
        res = [row[:] for row in rec]
        hgt, wdt = len(rec), len(rec[0])
        lc = ctb_log2 - (1 if c else 0)
        for y in range(hgt):
            for x in range(wdt):
                ry, rx = y >> lc, x >> lc
                s = slice_map[ry][rx]
                if not lf[s][LF_SAO_LUMA if c == 0 else LF_SAO_CHROMA]:
                    continue
                t = sao[ry][rx][c][SAO_TYPE]
                if t == 0:
                    continue
                off = [0] + [sao[ry][rx][c][SAO_OFFSET + i] for i in range(4)]
                if t == 2:
                    cls = sao[ry][rx][c][SAO_AUX]
                    skip = False
                    for k in range(2):
                        xs, ys = x + H_POS[cls][k], y + V_POS[cls][k]
                        if not (0 <= xs < wdt and 0 <= ys < hgt):
                            skip = True
                            break
                        sn = slice_map[ys >> lc][xs >> lc]
                        if sn != s:
                            an, ac = (ys >> lc) * ctbs_w + (xs >> lc), ry * ctbs_w + rx
                            if (an < ac and not lf[s][LF_ACROSS_SLICES]) or (ac < an and not lf[sn][LF_ACROSS_SLICES]):
                                skip = True
                                break
                    if skip:
                        continue
                    e = 2
                    for k in range(2):
                        e += sign(rec[y][x] - rec[y + V_POS[cls][k]][x + H_POS[cls][k]])
                    if e in (0, 1, 2):
                        e = 0 if e == 2 else e + 1
                    res[y][x] = min(255, max(0, rec[y][x] + off[e]))
                else:
                    table = [0] * 32
                    for k in range(4):
                        table[(k + sao[ry][rx][c][SAO_AUX]) & 31] = k + 1
                    res[y][x] = min(255, max(0, rec[y][x] + off[table[rec[y][x] >> 3]]))
        out.append(np.array(res, np.int16))
    return out


def random_sao(rng, ctbs_h, ctbs_w, p_merge=0.25):
    """Random parameters, merged entries copying their source (as the standard infers)."""
    sao = new_sao_params(ctbs_h, ctbs_w)
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            m = rng.random()
            if rx > 0 and m < p_merge:
                sao[ry, rx] = sao[ry, rx - 1]
                sao[ry, rx, 0, SAO_MERGE] = MERGE_LEFT
                continue
            if ry > 0 and m < 2 * p_merge:
                sao[ry, rx] = sao[ry - 1, rx]
                sao[ry, rx, 0, SAO_MERGE] = MERGE_UP
                continue
            for c in range(3):
                t = int(rng.integers(0, 3)) if c < 2 else int(sao[ry, rx, 1, SAO_TYPE])
                sao[ry, rx, c, SAO_TYPE] = t
                if t == 0:
                    continue
                mags = rng.integers(0, 8, 4)
                if t == 1:
                    sao[ry, rx, c, SAO_AUX] = rng.integers(0, 32)
                    sao[ry, rx, c, SAO_OFFSET:SAO_OFFSET + 4] = mags * rng.choice([-1, 1], 4)
                else:
                    sao[ry, rx, c, SAO_AUX] = rng.integers(0, 4) if c < 2 else sao[ry, rx, 1, SAO_AUX]
                    sao[ry, rx, c, SAO_OFFSET:SAO_OFFSET + 4] = mags * np.array([1, 1, -1, -1])
    return sao


def random_picture(rng, w, h):
    def plane(pw, ph):
        p = rng.integers(0, 256, (ph // 4 + 1, pw // 4 + 1))
        p = np.kron(p, np.ones((4, 4), np.int64))[:ph, :pw] + rng.integers(-6, 7, (ph, pw))
        return np.clip(p, 0, 255).astype(np.int16)
    return (plane(w, h), plane(w // 2, h // 2), plane(w // 2, h // 2))


def lf_rows(n, luma=1, chroma=1, across=1):
    lf = np.zeros((n, LF_NUM), np.int32)
    lf[:, LF_SAO_LUMA] = luma
    lf[:, LF_SAO_CHROMA] = chroma
    lf[:, LF_ACROSS_SLICES] = across
    return lf


@pytest.mark.parametrize("w,h,log2", [(96, 72, 5), (72, 40, 4), (136, 64, 6), (48, 48, 4)])
def test_sao_process_vs_reference(w, h, log2):
    rng = np.random.default_rng(w * h + log2)
    ctbs_h, ctbs_w = -(-h >> log2), -(-w >> log2)
    planes = random_picture(rng, w, h)
    sao = random_sao(rng, ctbs_h, ctbs_w)
    lf = lf_rows(1)
    slice_map = np.zeros((ctbs_h, ctbs_w), np.int32)
    expect = ref_sao(planes, sao.tolist(), log2, lf.tolist(), slice_map.tolist())
    got = tuple(p.copy() for p in planes)
    sao_picture(planes, got, sao, log2, lf, slice_map)
    for c in range(3):
        assert np.array_equal(got[c], expect[c]), c
    assert any(not np.array_equal(got[c], planes[c]) for c in range(3))


@pytest.mark.parametrize("t", [1, 2])
@pytest.mark.parametrize("aux", [0, 1, 2, 3, 29, 31])
def test_every_type_and_class(t, aux):
    if t == 2 and aux > 3:
        return
    rng = np.random.default_rng(t * 100 + aux)
    w, h, log2 = 40, 24, 4                       # partial CTBs right and bottom
    planes = random_picture(rng, w, h)
    sao = new_sao_params(2, 3)
    for c in range(3):
        sao[:, :, c, SAO_TYPE] = t
        sao[:, :, c, SAO_AUX] = aux
        sao[:, :, c, SAO_OFFSET:SAO_OFFSET + 4] = [7, 3, -2, -7] if t == 2 else [-7, 5, 0, 7]
    lf = lf_rows(1)
    slice_map = np.zeros((2, 3), np.int32)
    expect = ref_sao(planes, sao.tolist(), log2, lf.tolist(), slice_map.tolist())
    got = tuple(p.copy() for p in planes)
    sao_picture(planes, got, sao, log2, lf, slice_map)
    for c in range(3):
        assert np.array_equal(got[c], expect[c])
    if t == 2:
        # picture boundary samples that need an outside neighbour are unchanged
        if aux in (0, 2, 3):
            assert np.array_equal(got[0][:, 0], planes[0][:, 0]) and np.array_equal(got[0][:, -1], planes[0][:, -1])
        if aux in (1, 2, 3):
            assert np.array_equal(got[0][0], planes[0][0]) and np.array_equal(got[0][-1], planes[0][-1])


def test_slice_flags_and_boundaries():
    rng = np.random.default_rng(5)
    w, h, log2 = 96, 64, 4
    ctbs_h, ctbs_w = 4, 6
    slice_map = np.zeros((ctbs_h, ctbs_w), np.int32)
    slice_map.reshape(-1)[7:15] = 1
    slice_map.reshape(-1)[15:] = 2
    lf = lf_rows(3)
    lf[1, LF_ACROSS_SLICES] = 0
    lf[2, LF_SAO_CHROMA] = 0
    planes = random_picture(rng, w, h)
    sao = random_sao(rng, ctbs_h, ctbs_w, p_merge=0)
    sao[:, :, :, SAO_TYPE] = 2
    sao[:, :, :, SAO_AUX] = rng.integers(0, 4, (ctbs_h, ctbs_w, 1))
    sao[:, :, :, SAO_OFFSET:SAO_OFFSET + 4] = np.abs(sao[:, :, :, SAO_OFFSET:SAO_OFFSET + 4]) * [1, 1, -1, -1]
    expect = ref_sao(planes, sao.tolist(), log2, lf.tolist(), slice_map.tolist())
    got = tuple(p.copy() for p in planes)
    sao_picture(planes, got, sao, log2, lf, slice_map)
    for c in range(3):
        assert np.array_equal(got[c], expect[c])


# ---------------------------------------------------------------------------------------
# syntax
# ---------------------------------------------------------------------------------------
def code_and_parse(sao, luma, chroma, slice_addr=0, seed=0):
    ctbs_h, ctbs_w = sao.shape[:2]
    rng = np.random.default_rng(seed)
    ctx0 = ((rng.integers(0, 63, C.NUM_CTX) << 1) | rng.integers(0, 2, C.NUM_CTX)).astype(np.uint8)
    w, buf = C.new_writer(1 << 16)
    we, bufe = C.new_writer(16, estimate=True)
    ctx, ctxe = ctx0.copy(), ctx0.copy()
    n = 0
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            if ry * ctbs_w + rx < slice_addr:
                continue
            write_sao(w, buf, ctx, sao, rx, ry, ctbs_w, slice_addr, luma, chroma)
            write_sao(we, bufe, ctxe, sao, rx, ry, ctbs_w, slice_addr, luma, chroma)
            C.encode_decision(w, buf, ctx, C.SPLIT_CU_FLAG, n & 1)   # something between CTUs
            C.encode_decision(we, bufe, ctxe, C.SPLIT_CU_FLAG, n & 1)
            n += 1
    C.encode_terminate(w, buf, 1)
    nbytes = C.finish(w, buf)
    assert np.array_equal(ctx, ctxe)
    out = new_sao_params(ctbs_h, ctbs_w)
    d = C.new_reader()
    data = buf[:nbytes].copy()
    C.decoder_init(d, data, 0)
    ctx = ctx0.copy()
    n = 0
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            if ry * ctbs_w + rx < slice_addr:
                continue
            parse_sao(d, data, ctx, out, rx, ry, ctbs_w, slice_addr, luma, chroma)
            assert C.decode_decision(d, data, ctx, C.SPLIT_CU_FLAG) == (n & 1)
            n += 1
    assert C.decode_terminate(d, data) == 1
    return out, nbytes, C.est_bits(we) / 32768.0


@pytest.mark.parametrize("seed", range(4))
def test_syntax_round_trip(seed):
    rng = np.random.default_rng(seed)
    sao = random_sao(rng, 5, 7, p_merge=0.3)
    out, nbytes, est = code_and_parse(sao, 1, 1, seed=seed)
    assert np.array_equal(out, sao)
    assert (sao[:, :, 0, SAO_MERGE] == MERGE_LEFT).any() and (sao[:, :, 0, SAO_MERGE] == MERGE_UP).any()
    assert abs(nbytes * 8 - est) < 0.05 * est + 64


@pytest.mark.parametrize("luma,chroma", [(1, 0), (0, 1)])
def test_syntax_one_channel(luma, chroma):
    rng = np.random.default_rng(luma * 2 + chroma)
    sao = random_sao(rng, 3, 4, p_merge=0.3)
    for c in range(3):
        if not (luma if c == 0 else chroma):
            sao[:, :, c, :SAO_MERGE] = 0
    out, _, _ = code_and_parse(sao, luma, chroma, seed=7)
    assert np.array_equal(out, sao)


def test_syntax_merge_candidates_follow_slice_start():
    # a slice starting at CTB 9 of a 6-wide grid: no merge-up in its first row part, no
    # merge-left at its first CTB
    rng = np.random.default_rng(9)
    sao = random_sao(rng, 4, 6, p_merge=0.0)
    sao[2, 3] = sao[1, 3]
    sao[2, 3, 0, SAO_MERGE] = MERGE_UP        # CTB 15 merges up into CTB 9 (same slice)
    sao[2, 2] = sao[2, 1]
    sao[2, 2, 0, SAO_MERGE] = MERGE_LEFT
    out, _, _ = code_and_parse(sao, 1, 1, slice_addr=9)
    assert np.array_equal(out.reshape(-1, 3, 7)[9:], sao.reshape(-1, 3, 7)[9:])


# ---------------------------------------------------------------------------------------
# encoder decisions
# ---------------------------------------------------------------------------------------
def carphone_frame():
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sequences",
                        "Carphone_176x144_30.yuv")
    if not os.path.exists(path):
        pytest.skip("Carphone missing: run python sequences/make.py --all")
    raw = np.fromfile(path, np.uint8, 176 * 144 * 3 // 2)
    y = raw[:176 * 144].reshape(144, 176)
    u = raw[176 * 144:176 * 144 * 5 // 4].reshape(72, 88)
    v = raw[176 * 144 * 5 // 4:].reshape(72, 88)
    return tuple(p.astype(np.int16) for p in (y, u, v))


def degrade(org, rng):
    """A stand-in for a decoded picture: blurred (peaks and valleys flattened, what edge
    offsets repair), requantised with a bias (what band offsets repair), plus noise."""
    out = []
    for p in org:
        q = p.astype(np.int64)
        b = (q + np.roll(q, 1, 0) + np.roll(q, -1, 0) + np.roll(q, 1, 1) + np.roll(q, -1, 1) + 2) // 5
        b = (b // 6) * 6 + 1 + rng.integers(-1, 2, q.shape)
        out.append(np.clip(b, 0, 255).astype(np.int16))
    return tuple(out)


def sse(a, b):
    return int(((a.astype(np.int64) - b.astype(np.int64)) ** 2).sum())


@pytest.mark.parametrize("pre", [False, True])
def test_decisions_reduce_sse(pre):
    org = carphone_frame()
    rng = np.random.default_rng(1)
    rec = degrade(org, rng)
    prm = np.zeros(NUM_PARAMS, np.int32)
    prm[P_CTB_LOG2], prm[P_PIC_W], prm[P_PIC_H] = 5, 176, 144
    lf = lf_rows(1, 0, 0)
    qp = 32
    lam = 0.57 * 2 ** ((qp - 12) / 3)
    dec = SaoDecider()
    sao = dec.decide(org, rec, rec if pre else None, prm, lf, sao_lambdas(lam, 1.2, 1.2), qp)
    assert lf[0, LF_SAO_LUMA] == 1 and lf[0, LF_SAO_CHROMA] == 1
    types = set(sao[:, :, :, SAO_TYPE].ravel().tolist())
    assert {1, 2} <= types
    assert (sao[:, :, 0, SAO_MERGE] > 0).any()
    out = tuple(p.copy() for p in rec)
    sao_picture(rec, out, sao, 5, lf, np.zeros(sao.shape[:2], np.int32))
    for c in range(3):
        assert sse(out[c], org[c]) < 0.97 * sse(rec[c], org[c]), c
    # what was decided codes and parses back to itself
    back, _, _ = code_and_parse(sao, 1, 1)
    assert np.array_equal(back, sao)


def test_decisions_through_the_stage_and_slice_flags():
    org = carphone_frame()
    rec = degrade(org, np.random.default_rng(2))
    prm = np.zeros(NUM_PARAMS, np.int32)
    prm[P_CTB_LOG2], prm[P_PIC_W], prm[P_PIC_H] = 6, 176, 144
    meta = new_meta(176, 144)
    lf = lf_rows(1)
    lf[0, 0] = 1                                   # deblocking disabled: SAO only
    lf[0, LF_SLICE_ADDR] = 0
    lam = 0.57 * 2 ** ((37 - 12) / 3)
    dec = SaoDecider()
    planes = tuple(p.copy() for p in rec)
    sao = apply_loop_filters(planes, meta, prm, lf, decide_sao=lambda dbk, pre: dec.decide(
        org, dbk, pre, prm, lf, sao_lambdas(lam, 1.0, 1.0), 37), keep_pre_deblocking=True)
    assert sum(sse(planes[c], org[c]) for c in range(3)) < sum(sse(rec[c], org[c]) for c in range(3))
    # luma only: chroma parameters stay zero
    lf[0, LF_SAO_LUMA], lf[0, LF_SAO_CHROMA] = 1, 0
    dsum, cnt = collect_statistics(org, rec, 6)
    assert cnt.sum() > 0 and cnt[0, 0, 0, 4].sum() < 64 * 64
    dec2 = SaoDecider(test_disable_at_picture_level=True)
    dec2.slice_enable = lambda tl=0: (1, 0)
    sao2 = dec2.decide(org, rec, None, prm, lf, sao_lambdas(lam, 1.0, 1.0), 37)
    assert not sao2[:, :, 1:, :].any() and lf[0, LF_SAO_CHROMA] == 0
    assert sao is not None
