"""dlvc/encoder/motion.py: HM-style motion estimation on synthetic pictures, against slow
numpy references (normative prediction from dlvc.core.interp, HM's MV bits and SATD)."""
import numpy as np
import pytest

from dlvc.core.interp import predict_block, weighted_default
from dlvc.encoder import motion as M

PAD = M.PAD


def fractional_planes(ref, pad, parts=1):
    """All 16 planes, filled in ``parts`` ranges (as the encoder's threads do)."""
    H, W = ref.shape
    out = np.zeros((16, H + 2 * pad, W + 2 * pad), np.int16)
    for i in range(parts):
        M.make_fractional_planes(ref, pad, out, 16 * i // parts, 16 * (i + 1) // parts)
    return out


NOC = np.zeros((0, 2), np.int32)
LAM = M.lambda_motion_sad(0.57 * 2 ** ((32 - 12) / 3))      # QP 32 I-slice-like lambda


# ---------------------------------------------------------------------------------------------
# slow references
# ---------------------------------------------------------------------------------------------
def ref_eg_bits(v):
    """HM's xGetExpGolombNumberOfBits, spelled as the Exp-Golomb code of the signed mapping."""
    v = int(v)
    u = 2 * v if v > 0 else -2 * v + 1          # 1-based code number
    return 2 * (u.bit_length() - 1) + 1


def ref_mv_cost(lam, mx, my, px, py):
    return (lam * (ref_eg_bits(mx - px) + ref_eg_bits(my - py))) >> 16


def hadamard(k):
    h = np.array([[1]], np.int64)
    while h.shape[0] < k:
        h = np.block([[h, h], [h, -h]])
    return h


def ref_satd(a, b):
    d = a.astype(np.int64) - b.astype(np.int64)
    h, w = d.shape
    if h % 8 == 0 and w % 8 == 0:
        k, norm = 8, lambda s: (s + 2) >> 2
    elif h % 4 == 0 and w % 4 == 0:
        k, norm = 4, lambda s: (s + 1) >> 1
    else:
        k, norm = 2, lambda s: s
    hk = hadamard(k)
    return sum(norm(int(np.abs(hk @ d[y:y + k, x:x + k] @ hk.T).sum()))
               for y in range(0, h, k) for x in range(0, w, k))


def ref_pred(ref, x, y, w, h, mx, my):
    """Normative uni-prediction (8.5.3.3.3 + 8.5.3.3.4.2) of a w x h luma block."""
    p = np.zeros((h, w), np.int32)
    predict_block(ref, x, y, w, h, mx, my, 0, p)
    out = np.zeros((h, w), np.int32)
    weighted_default(p, p, 0, w, h, out, 0, 0)
    return out


def ref_sad(a, b, sub=False):
    d = np.abs(a.astype(np.int64) - b.astype(np.int64))
    if sub and a.shape[0] > 8:
        return 2 * int(d[::2].sum())
    return int(d.sum())


def texture(shape, seed, alpha=1.5):
    """Random picture-like texture, 0..255: Gaussian noise with a 1 / f^alpha amplitude
    spectrum (natural pictures have alpha ~ 1..2), so that SAD has basins a search can
    descend at every scale, and fine detail so that quarter samples matter."""
    rng = np.random.default_rng(seed)
    H, W = shape
    f = np.sqrt(np.fft.fftfreq(H)[:, None] ** 2 + np.fft.rfftfreq(W)[None, :] ** 2)
    f[0, 0] = 1.0
    spec = (rng.normal(size=f.shape) + 1j * rng.normal(size=f.shape)) / f ** alpha
    spec[0, 0] = 0.0
    n = np.fft.irfft2(spec, s=(H, W))
    n = (n - n.mean()) / n.std()
    return np.clip(128 + 45 * n, 0, 255).astype(np.int16)


@pytest.fixture(scope="module")
def scene():
    """A reference picture and its fractional planes (96 x 160)."""
    big = texture((96 + 2 * 40, 160 + 2 * 40), 1)
    ref = big[40:40 + 96, 40:40 + 160].copy()
    return big, ref, fractional_planes(ref, PAD)


# ---------------------------------------------------------------------------------------------
# bits, lambda, helpers
# ---------------------------------------------------------------------------------------------
def test_mv_bits_and_costs():
    for v in range(-300, 301):
        assert M.mv_bits(v, 0) == ref_eg_bits(v) + 1
    assert [ref_eg_bits(v) for v in (0, 1, -1, 2, -2, 3, 4)] == [1, 3, 3, 5, 5, 5, 7]
    assert M.lambda_motion_sad(4.0) == 131072
    assert M.bits_cost(131072, 7) == 14 and M.bits_cost(100000, 3) == (300000 >> 16)
    assert [M.mvp_idx_bits(i, 2) for i in range(2)] == [1, 1] and M.mvp_idx_bits(0, 1) == 0
    assert [M.ref_idx_bits(r, 4) for r in range(4)] == [1, 2, 3, 3]
    assert M.ref_idx_bits(0, 1) == 0
    out = np.zeros(3, np.int32)
    M.blk_bits(0, False, 0, 0, out)
    assert list(out) == [3, 3, 5]
    M.blk_bits(1, False, 1, 2, out)
    assert list(out) == [6, 6, 6]
    M.blk_bits(2, False, 0, 0, out)
    assert list(out) == [0, 2, 3]


def test_fractional_planes_are_normative(scene):
    _, ref, fp = scene
    np.testing.assert_array_equal(fractional_planes(ref, PAD, parts=3), fp)
    rng = np.random.default_rng(3)
    H, W = ref.shape
    for _ in range(40):
        w, h = [(8, 8), (16, 8), (4, 8), (16, 16), (12, 16)][int(rng.integers(5))]
        x = int(rng.integers(0, W - w + 1)) & ~3
        y = int(rng.integers(0, H - h + 1)) & ~3
        xmin, xmax, ymin, ymax = M.mv_limits(x, y, w, h, fp, PAD)
        mx = int(rng.integers(4 * xmin, 4 * xmax + 1))
        my = int(rng.integers(4 * ymin, 4 * ymax + 1))
        got = np.zeros((h, w), np.int32)
        M.pred_block(fp, PAD, x, y, w, h, mx, my, got)
        np.testing.assert_array_equal(got, ref_pred(ref, x, y, w, h, mx, my))


def test_mv_limits_follow_hm_margin(scene):
    _, ref, fp = scene
    H, W = ref.shape
    assert M.mv_limits(0, 0, 16, 16, fp, PAD) == (-23, W + 7, -23, H + 7)
    assert M.mv_limits(32, 16, 64, 64, fp, PAD) == (-71 - 32, W + 7 - 32, -71 - 16, H + 7 - 16)
    # a small pad limits the range to what the planes can serve
    fp8 = fractional_planes(ref[:16, :16].copy(), 8)
    assert M.mv_limits(0, 0, 8, 8, fp8, 8) == (-7, 16, -7, 16)
    assert M.clip_mv(-1000, 1000, 0, 0, 8, 8, fp8, 8) == (-28, 64)


# ---------------------------------------------------------------------------------------------
# integer and fractional search on shifted pictures
# ---------------------------------------------------------------------------------------------
# TZ is a fast search, not an exhaustive one: it finds small shifts with any block size and far
# ones (beyond the first diamonds: raster + star refinement) with large blocks; a small block far
# from its match can stop in a local minimum, as HM's does.
@pytest.mark.parametrize("dx,dy,w,h", [(0, 0, 8, 8), (3, -2, 8, 8), (-3, 2, 8, 8), (-7, 5, 8, 8),
                                       (2, 6, 8, 16), (-1, 1, 16, 8), (-22, -17, 32, 16),
                                       (37, 4, 16, 16), (-30, 20, 32, 32), (-19, 22, 32, 32),
                                       (25, -33, 64, 32), (33, 12, 64, 64)])
def test_integer_shift_found(scene, dx, dy, w, h):
    big, ref, fp = scene
    H, W = ref.shape
    cur = big[40 + dy:40 + dy + H, 40 + dx:40 + dx + W].copy()   # cur(x, y) = ref(x + dx, y + dy)
    x, y = 48, 40 if h < 64 else 16
    for mvp in [(0, 0), (4 * dx + 6, 4 * dy - 5)]:
        mx, my, cost, bits, ix, iy = M.motion_search(cur, x, y, x, y, w, h, fp, PAD, mvp[0],
                                                     mvp[1], NOC, 0, 0, 0, False, 64, LAM, True,
                                                     False, True, 0)
        assert (ix, iy) == (4 * dx, 4 * dy)
        assert (mx, my) == (4 * dx, 4 * dy)
        assert cost == ref_mv_cost(LAM, mx, my, *mvp)          # zero distortion
        assert bits == ref_eg_bits(mx - mvp[0]) + ref_eg_bits(my - mvp[1])


@pytest.mark.parametrize("ix,iy,fx,fy", [(0, 0, 1, 0), (2, -3, 2, 2), (-5, 4, 3, 1),
                                         (11, -6, 0, 3), (-17, 12, 1, 3), (6, 1, 2, 0)])
def test_fractional_shift_found(scene, ix, iy, fx, fy):
    _, ref, fp = scene
    H, W = ref.shape
    # cur = the normative uni-prediction of the whole picture at MV (4 ix + fx, 4 iy + fy)
    cur = fp[(fy << 2) | fx, PAD + iy:PAD + iy + H, PAD + ix:PAD + ix + W].copy()
    true = (4 * ix + fx, 4 * iy + fy)
    for (x, y, w, h) in [(48, 32, 16, 16), (80, 40, 32, 32), (24, 16, 8, 8), (64, 48, 16, 8)]:
        np.testing.assert_array_equal(cur[y:y + h, x:x + w],
                                      ref_pred(ref, x, y, w, h, *true))
        mvps = [(true[0] - 3, true[1] + 2)]
        if max(abs(ix), abs(iy)) <= 8 or w * h >= 1024:     # see test_integer_shift_found
            mvps.append((0, 0))
        for mvp in mvps:
            mx, my, cost, bits, _, _ = M.motion_search(cur, x, y, x, y, w, h, fp, PAD, mvp[0],
                                                       mvp[1], NOC, 0, 0, 0, False, 64, LAM,
                                                       True, True, True, 2)
            assert (mx, my) == true
            assert cost == (LAM * (2 + bits)) >> 16
            assert bits == ref_eg_bits(mx - mvp[0]) + ref_eg_bits(my - mvp[1])


def test_search_respects_range_and_margins(scene):
    big, ref, fp = scene
    H, W = ref.shape
    rng = np.random.default_rng(7)
    for it in range(60):
        w, h = [(8, 8), (16, 16), (32, 32), (16, 8), (8, 16)][it % 5]
        x = int(rng.integers(0, (W - w) // 8 + 1)) * 8
        y = int(rng.integers(0, (H - h) // 8 + 1)) * 8
        dx, dy = (int(v) for v in rng.integers(-40, 41, 2))
        cur = big[40 + dy:40 + dy + H, 40 + dx:40 + dx + W].copy() if it % 2 else \
            texture((H, W), 100 + it)
        mvp = (int(rng.integers(-400, 401)), int(rng.integers(-300, 301)))
        sr = int(rng.choice([4, 8, 16, 64]))
        xmin, xmax, ymin, ymax = M.mv_limits(x, y, w, h, fp, PAD)
        mx, my, _, _, ix, iy = M.motion_search(cur, x, y, x, y, w, h, fp, PAD, mvp[0], mvp[1],
                                               NOC, 0, 0, 0, False, sr, LAM, True, True, True, 0)
        assert ix % 4 == 0 and iy % 4 == 0
        # integer result: inside the picture margin and, unless it is the zero start
        # candidate, inside the window (clipped predictor +- range, HM's xSetSearchRange)
        assert xmin <= ix // 4 <= xmax and ymin <= iy // 4 <= ymax
        cpx = min(max(mvp[0], 4 * xmin), 4 * xmax)
        cpy = min(max(mvp[1], 4 * ymin), 4 * ymax)
        lo_x = (min(max(cpx - 4 * sr, 4 * xmin), 4 * xmax) + 2) >> 2
        hi_x = (min(max(cpx + 4 * sr, 4 * xmin), 4 * xmax) + 2) >> 2
        lo_y = (min(max(cpy - 4 * sr, 4 * ymin), 4 * ymax) + 2) >> 2
        hi_y = (min(max(cpy + 4 * sr, 4 * ymin), 4 * ymax) + 2) >> 2
        if (ix, iy) != (0, 0):
            assert lo_x <= ix // 4 <= hi_x and lo_y <= iy // 4 <= hi_y, (it, ix, iy, mvp, sr)
        assert abs(mx - ix) <= 3 and abs(my - iy) <= 3
        # the block the MV addresses is within the padded planes (and HM's margin)
        assert -(w + 8) <= x + (mx >> 2) and x + (mx >> 2) + w <= W + w + 8
        assert -(h + 8) <= y + (my >> 2) and y + (my >> 2) + h <= H + h + 8


def test_motion_into_the_padding_found(scene):
    _, ref, fp = scene
    H, W = ref.shape
    cur = texture((H, W), 9)
    true = (-40, -24)                        # block at (0, 0) reads mostly edge-extended samples
    cur[:16, :16] = ref_pred(ref, 0, 0, 16, 16, *true)
    mx, my, cost, bits, _, _ = M.motion_search(cur, 0, 0, 0, 0, 16, 16, fp, PAD, 0, 0, NOC, 0,
                                               0, 0, False, 64, LAM, True, False, True, 0)
    assert (mx, my) == true and cost == (LAM * bits) >> 16


# ---------------------------------------------------------------------------------------------
# costs against slow references
# ---------------------------------------------------------------------------------------------
def test_full_search_matches_exhaustive_reference(scene):
    big, ref, fp = scene
    H, W = ref.shape
    cur = texture((H, W), 11)
    cur[20:60, 30:90] = big[40 + 20 + 3:40 + 60 + 3, 40 + 30 - 2:40 + 90 - 2]
    for (x, y, w, h, sub) in [(40, 24, 16, 16, False), (48, 32, 16, 16, True), (0, 0, 8, 8, False),
                              (152, 88, 8, 8, True), (56, 24, 8, 16, True)]:
        mvp = (-9, 13)
        for ctr in [(0, 0), (-10, 7), (-300, 0)]:
            mx, my, sad = M.full_search(cur, x, y, x, y, w, h, fp, PAD, mvp[0], mvp[1], ctr[0],
                                        ctr[1], 4, LAM, sub)
            xmin, xmax, ymin, ymax = M.mv_limits(x, y, w, h, fp, PAD)
            cx = min(max(ctr[0], 4 * xmin), 4 * xmax)
            cy = min(max(ctr[1], 4 * ymin), 4 * ymax)
            best = None
            for sy in range((min(max(cy - 16, 4 * ymin), 4 * ymax) + 2) >> 2,
                            ((min(max(cy + 16, 4 * ymin), 4 * ymax) + 2) >> 2) + 1):
                for sx in range((min(max(cx - 16, 4 * xmin), 4 * xmax) + 2) >> 2,
                                ((min(max(cx + 16, 4 * xmin), 4 * xmax) + 2) >> 2) + 1):
                    p = ref_pred(ref, x, y, w, h, 4 * sx, 4 * sy)
                    c = ref_sad(cur[y:y + h, x:x + w], p, sub) + \
                        ref_mv_cost(LAM, 4 * sx, 4 * sy, *mvp)
                    if best is None or c < best[0]:
                        best = (c, 4 * sx, 4 * sy)
            assert (mx, my) == best[1:]
            assert sad + ref_mv_cost(LAM, mx, my, *mvp) == best[0]


def test_tz_and_fractional_costs_match_reference(scene):
    big, ref, fp = scene
    H, W = ref.shape
    rng = np.random.default_rng(5)
    for it in range(12):
        w, h = [(16, 16), (8, 8), (32, 16), (16, 4)][it % 4]
        x, y = 8 * int(rng.integers(0, (W - w) // 8)), 8 * int(rng.integers(0, (H - h) // 8))
        dx, dy = (int(v) for v in rng.integers(-12, 13, 2))
        cur = big[40 + dy:40 + dy + H, 40 + dx:40 + dx + W] + \
            rng.integers(-6, 7, (H, W)).astype(np.int16)          # noisy: nothing is exact
        mvp = (int(rng.integers(-40, 41)), int(rng.integers(-40, 41)))
        org = cur[y:y + h, x:x + w]
        ix, iy, sad = M.tz_search(cur, x, y, x, y, w, h, fp, PAD, mvp[0], mvp[1], NOC, 0, 0, 0,
                                  False, 64, LAM, True, False)
        assert sad == ref_sad(org, ref_pred(ref, x, y, w, h, ix, iy))
        for use_had in (True, False):
            mx, my, cost = M.refine_fractional(cur, x, y, x, y, w, h, fp, PAD, ix, iy, mvp[0],
                                               mvp[1], LAM, use_had)
            dist = ref_satd if use_had else ref_sad

            def c_of(cx, cy):
                return dist(org, ref_pred(ref, x, y, w, h, cx, cy)) + \
                    ref_mv_cost(LAM, cx, cy, *mvp)
            # HM's two 9-point stages, first strict minimum in HM's order
            order_h = [(0, 0), (0, -1), (0, 1), (-1, 0), (1, 0), (-1, -1), (1, -1), (-1, 1), (1, 1)]
            order_q = [(0, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (1, 1)]
            hb = min(((c_of(ix + 2 * a, iy + 2 * b), k) for k, (a, b) in enumerate(order_h)))
            hx, hy = ix + 2 * order_h[hb[1]][0], iy + 2 * order_h[hb[1]][1]
            qb = min(((c_of(hx + a, hy + b), k) for k, (a, b) in enumerate(order_q)))
            assert (mx, my) == (hx + order_q[qb[1]][0], hy + order_q[qb[1]][1])
            assert cost == qb[0]


def test_select_amvp_and_check_best_mvp(scene):
    big, ref, fp = scene
    H, W = ref.shape
    cur = big[40 + 5:40 + 5 + H, 40 - 3:40 - 3 + W].copy()
    amvp = np.array([[40, -8], [-12, 21]], np.int32)         # candidate 1 is the true motion
    assert M.select_amvp(cur, 64, 32, 64, 32, 16, 16, fp, PAD, amvp, 2, LAM) == 1
    assert M.select_amvp(cur, 64, 32, 64, 32, 16, 16, fp, PAD, amvp, 1, LAM) == 0
    # MV (-12, 20): mvd bits 1+3 from candidate 1 vs 11+9 from candidate 0
    idx, bits, cost = M.check_best_mvp(-12, 20, amvp, 2, 0, 30, 1000, LAM)
    b0 = ref_eg_bits(-52) + ref_eg_bits(28) + 1
    b1 = ref_eg_bits(0) + ref_eg_bits(-1) + 1
    assert idx == 1 and bits == 30 - b0 + b1
    assert cost == 1000 - ((LAM * 30) >> 16) + ((LAM * bits) >> 16)


# ---------------------------------------------------------------------------------------------
# bi-prediction
# ---------------------------------------------------------------------------------------------
def _bi_setup():
    H, W = 64, 96
    bigA = texture((H + 80, W + 80), 21)
    bigB = texture((H + 80, W + 80), 22)
    refA = bigA[40:40 + H, 40:40 + W].copy()
    refB = bigB[40:40 + H, 40:40 + W].copy()
    fp_all = np.stack([fractional_planes(refA, PAD), fractional_planes(refB, PAD)])
    return refA, refB, fp_all


def _bi_cost_ref(cur, x, y, w, h, refs, slots, mv, X, mvp, bits, lam):
    """HM's bi cost of list X's MV: SATD(2 org - pred_other, pred_X) >> 1 + bits cost."""
    Y = 1 - X
    tgt = 2 * cur[y:y + h, x:x + w].astype(np.int64) - \
        ref_pred(refs[slots[Y]], x, y, w, h, *mv[Y])
    d = ref_satd(tgt, ref_pred(refs[slots[X]], x, y, w, h, *mv[X]))
    return (d >> 1) + ((lam * bits) >> 16)


def test_bipred_finds_true_motion_and_never_increases_cost():
    refA, refB, fp_all = _bi_setup()
    refs = [refA, refB]
    H, W = refA.shape
    x, y, w, h = 32, 24, 16, 16
    true = np.array([[9, -6], [-14, 7]], np.int32)            # L0 -> refA, L1 -> refB
    pA = np.zeros((h, w), np.int32)
    pB = np.zeros((h, w), np.int32)
    cur = texture((H, W), 23)
    predict_block(refA, x, y, w, h, *true[0], 0, pA)
    predict_block(refB, x, y, w, h, *true[1], 0, pB)
    weighted_default(pA, pB, 1, w, h, cur, x, y)
    ref_slot = np.zeros((2, 16), np.int32)
    ref_slot[1, 0] = 1
    num_ref = np.array([1, 1], np.int32)
    amvp = np.zeros((2, 16, 2, 2), np.int32)
    amvp[0, 0] = [[4, -4], [0, 0]]
    amvp[1, 0] = [[-8, 4], [0, 0]]
    amvp_num = np.full((2, 16), 2, np.int32)
    blk3 = np.zeros(3, np.int32)
    M.blk_bits(0, False, 0, 0, blk3)
    res = np.zeros((3, 10), np.int64)
    mv2n = np.zeros((2, 16, 2), np.int32)
    M.search_pu(cur, x, y, w, h, fp_all, PAD, ref_slot, num_ref, np.full(16, -1, np.int32), amvp,
                amvp_num, True, True, blk3, LAM, 64, 4, True, False, True, mv2n, False, True, res)
    assert res[2, 0] < res[0, 0] and res[2, 0] < res[1, 0]
    assert (res[2, 2], res[2, 3], res[2, 4], res[2, 5]) == (9, -6, -14, 7)
    assert (res[2, 6], res[2, 7]) == (0, 0)
    assert res[0, 6] == 0 and res[0, 7] == -1 and res[1, 6] == -1 and res[1, 7] == 0
    # uni rows: cost = SATD + bits cost, bits = blk + mvp idx + mvd bits
    for X in range(2):
        mv = (int(res[X, 2 + 2 * X]), int(res[X, 3 + 2 * X]))
        pi = int(res[X, 8 + X])
        mvp = amvp[X, 0, pi]
        bits = blk3[X] + 1 + ref_eg_bits(mv[0] - mvp[0]) + ref_eg_bits(mv[1] - mvp[1])
        assert res[X, 1] == bits
        d = ref_satd(cur[y:y + h, x:x + w], ref_pred(refs[X], x, y, w, h, *mv))
        assert res[X, 0] == d + ((LAM * bits) >> 16)
        # the integer MV kept for later PUs (m_integerMv2Nx2N) is the one refined
        assert mv2n[X, 0, 0] % 4 == 0 and abs(mv2n[X, 0, 0] - mv[0]) <= 3
        assert mv2n[X, 0, 1] % 4 == 0 and abs(mv2n[X, 0, 1] - mv[1]) <= 3

    # bipred_refine directly, from deliberately wrong starting MVs: more iterations never cost
    # more, and the returned cost is HM's cost of the returned motion
    start = true + np.array([[3, -2], [-2, 5]], np.int32)
    mv_temp = np.zeros((2, 16, 2), np.int32)
    mv_temp[:, 0] = start
    mvp_idx = np.zeros((2, 16), np.int32)
    cost_uni = np.array([10 ** 9, 10 ** 9], np.int64)
    costs = []
    for n_iter in (1, 2, 3, 4):
        mv_bi = start.copy()
        ref_bi = np.zeros(2, np.int32)
        mvp_bi = np.zeros(2, np.int32)
        mot = np.array([1 + M.mv_bits(*(start[X] - amvp[X, 0, 0])) for X in range(2)], np.int32)
        mvt_before = mv_temp.copy()
        c, b = M.bipred_refine(cur, x, y, w, h, fp_all, PAD, ref_slot, num_ref, amvp, amvp_num,
                               mv_temp, mvp_idx, mv_bi, ref_bi, mot, blk3[2], cost_uni, LAM, 4,
                               n_iter, False, True, mvp_bi)
        np.testing.assert_array_equal(mv_temp, mvt_before)       # inputs untouched
        costs.append(c)
        mvp = [amvp[X, 0, mvp_bi[X]] for X in range(2)]
        bits = blk3[2] + sum(1 + ref_eg_bits(mv_bi[X, 0] - mvp[X][0]) +
                             ref_eg_bits(mv_bi[X, 1] - mvp[X][1]) for X in range(2))
        assert b == bits
        # the cost is that of the last list refined, against the other list's prediction
        assert c in [_bi_cost_ref(cur, x, y, w, h, refs, [0, 1], mv_bi, X, mvp, bits, LAM)
                     for X in range(2)]
    assert all(costs[i + 1] <= costs[i] for i in range(3))
    np.testing.assert_array_equal(mv_bi, true)


def test_bipred_cost_matches_reference_after_one_iteration():
    refA, refB, fp_all = _bi_setup()
    refs = [refA, refB]
    H, W = refA.shape
    cur = texture((H, W), 31)
    x, y, w, h = 40, 16, 16, 8
    ref_slot = np.zeros((2, 16), np.int32)
    ref_slot[1, 0] = 1
    num_ref = np.array([1, 1], np.int32)
    amvp = np.zeros((2, 16, 2, 2), np.int32)
    amvp[0, 0] = [[5, 2], [-3, 0]]
    amvp[1, 0] = [[0, 0], [6, -7]]
    amvp_num = np.full((2, 16), 2, np.int32)
    mv_temp = np.zeros((2, 16, 2), np.int32)
    mv_temp[0, 0] = [7, 1]
    mv_temp[1, 0] = [2, -6]
    mvp_idx = np.zeros((2, 16), np.int32)
    mv_bi = mv_temp[:, 0].copy()
    ref_bi = np.zeros(2, np.int32)
    mvp_bi = np.zeros(2, np.int32)
    mot = np.array([9, 8], np.int32)
    c, b = M.bipred_refine(cur, x, y, w, h, fp_all, PAD, ref_slot, num_ref, amvp, amvp_num,
                           mv_temp, mvp_idx, mv_bi, ref_bi, mot, 5, np.array([0, 0], np.int64),
                           LAM, 4, 1, False, True, mvp_bi)
    # list 0 was refined against 2 org - pred1(mv (2, -6)); list 1 kept its motion and bits
    assert list(mv_bi[1]) == [2, -6]
    pi = int(mvp_bi[0])
    mvp0 = amvp[0, 0, pi]
    bits = 5 + 8 + 1 + ref_eg_bits(mv_bi[0, 0] - mvp0[0]) + ref_eg_bits(mv_bi[0, 1] - mvp0[1])
    assert b == bits
    assert c == _bi_cost_ref(cur, x, y, w, h, refs, [0, 1], mv_bi, 0, [mvp0, None], bits, LAM)
