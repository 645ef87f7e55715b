"""Deblocking (8.7.2) against a slow pure-Python reference written from the standard's text.

Random pictures get a random block structure (CU quadtree with partial CTBs at the picture
edges, prediction partitions incl. AMP, transform trees, intra / inter, cbf, QpY, motion);
the reference derives edges from that structure (8.7.2.3 transform and prediction block
boundaries), bS (8.7.2.4) and filters sample by sample (8.7.2.5); the compiled filter gets
only the flat ``meta`` array."""
import numpy as np
import pytest

from dlvc.core.deblocking import (
    BETA_TABLE, LF_ACROSS_SLICES, LF_BETA_OFFSET_DIV2, LF_CB_QP_OFFSET, LF_CR_QP_OFFSET,
    LF_DEBLOCK_DISABLED, LF_NUM, LF_TC_OFFSET_DIV2, TC_TABLE, deblock_picture, derive_bs, new_bs_arrays,
)
from dlvc.core.loopfilter import apply_loop_filters, make_lf_params
from dlvc.core.params import NUM_PARAMS, P_CTB_LOG2, P_PIC_H, P_PIC_W
from dlvc.core.picture import (
    F_CBF, F_CU_LOG2, F_MV0X, F_MV0Y, F_MV1X, F_MV1Y, F_PART_MODE, F_PRED_MODE, F_QP, F_REF0, F_REF1,
    F_TU_LOG2, MODE_INTER, MODE_INTRA, MODE_SKIP, new_meta,
)

# ---------------------------------------------------------------------------------------
# tables, typed from Table 8-12
# ---------------------------------------------------------------------------------------
SPEC_BETA = {16: 6, 17: 7, 18: 8, 19: 9, 20: 10, 21: 11, 22: 12, 23: 13, 24: 14, 25: 15, 26: 16, 27: 17,
             28: 18, 29: 20, 30: 22, 31: 24, 32: 26, 33: 28, 34: 30, 35: 32, 36: 34, 37: 36, 38: 38,
             39: 40, 40: 42, 41: 44, 42: 46, 43: 48, 44: 50, 45: 52, 46: 54, 47: 56, 48: 58, 49: 60,
             50: 62, 51: 64}
SPEC_TC = {18: 1, 19: 1, 20: 1, 21: 1, 22: 1, 23: 1, 24: 1, 25: 1, 26: 1, 27: 2, 28: 2, 29: 2, 30: 2,
           31: 3, 32: 3, 33: 3, 34: 3, 35: 4, 36: 4, 37: 4, 38: 5, 39: 5, 40: 6, 41: 6, 42: 7, 43: 8,
           44: 9, 45: 10, 46: 11, 47: 13, 48: 14, 49: 16, 50: 18, 51: 20, 52: 22, 53: 24}
QPC_TABLE_8_10 = {30: 29, 31: 30, 32: 31, 33: 32, 34: 33, 35: 33, 36: 34, 37: 34, 38: 35, 39: 35, 40: 36,
                  41: 36, 42: 37}


def beta_prime(q):
    return SPEC_BETA.get(q, 0)


def tc_prime(q):
    return SPEC_TC.get(q, 0)


def qpc_of(qpi):
    if qpi < 30:
        return qpi
    if qpi > 42:
        return qpi - 6
    return QPC_TABLE_8_10[qpi]


def test_tables():
    assert [beta_prime(q) for q in range(52)] == list(BETA_TABLE)
    assert [tc_prime(q) for q in range(54)] == list(TC_TABLE)


# ---------------------------------------------------------------------------------------
# random block structures
# ---------------------------------------------------------------------------------------
INTER_PARTS = {0: [(0, 0, 1, 1)], 1: [(0, 0, 1, .5), (0, .5, 1, .5)], 2: [(0, 0, .5, 1), (.5, 0, .5, 1)],
               3: [(0, 0, .5, .5), (.5, 0, .5, .5), (0, .5, .5, .5), (.5, .5, .5, .5)],
               4: [(0, 0, 1, .25), (0, .25, 1, .75)], 5: [(0, 0, 1, .75), (0, .75, 1, .25)],
               6: [(0, 0, .25, 1), (.25, 0, .75, 1)], 7: [(0, 0, .75, 1), (.75, 0, .25, 1)]}


class CU:
    def __init__(self, x, y, log2):
        self.x, self.y, self.log2 = x, y, log2
        self.tus = []      # (x, y, log2, cbf_luma)
        self.pus = []      # (x, y, w, h, (ref0, mv0x, mv0y, ref1, mv1x, mv1y))


def random_structure(rng, w, h, ctb_log2, inter=True, n_ref=3):
    cus = []

    def tu_tree(cu, x, y, log2):
        if log2 > 5 or (log2 > 2 and rng.random() < 0.45):
            s = 1 << (log2 - 1)
            for j in range(4):
                tu_tree(cu, x + (j & 1) * s, y + (j >> 1) * s, log2 - 1)
        else:
            cu.tus.append((x, y, log2, int(rng.random() < 0.5)))

    def cu_tree(x, y, log2):
        size = 1 << log2
        if x >= w or y >= h:
            return
        must = x + size > w or y + size > h
        if log2 > 3 and (must or rng.random() < 0.5):
            s = size >> 1
            for j in range(4):
                cu_tree(x + (j & 1) * s, y + (j >> 1) * s, log2 - 1)
            return
        cu = CU(x, y, log2)
        cu.intra = (not inter) or rng.random() < 0.35
        cu.skip = (not cu.intra) and rng.random() < 0.3
        cu.qp = int(rng.integers(15, 52))
        if cu.intra:
            cu.part = 3 if (log2 == 3 and rng.random() < 0.4) else 0
        elif cu.skip:
            cu.part = 0
        else:
            cu.part = int(rng.choice([0, 1, 2, 3] + ([4, 5, 6, 7] if log2 > 3 else [])))
        if cu.skip:
            cu.tus.append((x, y, min(log2, 5), 0))
            if log2 > 5:
                cu.tus = [(x + i, y + j, 5, 0) for j in (0, 32) for i in (0, 32)]
        elif cu.intra and cu.part == 3:
            s = size >> 1
            for j in range(4):
                tu_tree(cu, x + (j & 1) * s, y + (j >> 1) * s, log2 - 1)
        else:
            tu_tree(cu, x, y, log2)
        for (px, py, pw, ph) in INTER_PARTS[cu.part] if not cu.intra else [(0, 0, 1, 1)]:
            motion = None
            if not cu.intra:
                r0 = int(rng.integers(-1, n_ref))
                r1 = int(rng.integers(-1, n_ref)) if r0 >= 0 else int(rng.integers(0, n_ref))
                mv = [int(v) for v in rng.choice([-5, -4, -3, 0, 1, 3, 4, 8], 4)]
                motion = (r0, mv[0], mv[1], r1, mv[2], mv[3])
            cu.pus.append((x + int(px * size), y + int(py * size), int(pw * size), int(ph * size), motion))
        cus.append(cu)

    ctb = 1 << ctb_log2
    for y in range(0, h, ctb):
        for x in range(0, w, ctb):
            cu_tree(x, y, ctb_log2)
    return cus


def fill_meta(cus, w, h):
    meta = new_meta(w, h)
    for cu in cus:
        n = 1 << (cu.log2 - 2)
        sl = (slice(None), slice(cu.y >> 2, (cu.y >> 2) + n), slice(cu.x >> 2, (cu.x >> 2) + n))
        meta[(F_CU_LOG2,) + sl[1:]] = cu.log2
        meta[(F_PRED_MODE,) + sl[1:]] = MODE_INTRA if cu.intra else (MODE_SKIP if cu.skip else MODE_INTER)
        meta[(F_PART_MODE,) + sl[1:]] = cu.part
        meta[(F_QP,) + sl[1:]] = cu.qp
        for (x, y, log2, cbf) in cu.tus:
            m = 1 << (log2 - 2)
            meta[F_TU_LOG2, y >> 2:(y >> 2) + m, x >> 2:(x >> 2) + m] = log2
            meta[F_CBF, y >> 2:(y >> 2) + m, x >> 2:(x >> 2) + m] = cbf | (int(cbf) << 1)
        for (x, y, pw, ph, mo) in cu.pus:
            if mo is None:
                continue
            r = (slice(y >> 2, (y + ph) >> 2), slice(x >> 2, (x + pw) >> 2))
            for f, v in zip((F_REF0, F_MV0X, F_MV0Y, F_REF1, F_MV1X, F_MV1Y), mo):
                meta[(f,) + r] = v
    return meta


# ---------------------------------------------------------------------------------------
# the reference: 8.7.2 written out sample by sample
# ---------------------------------------------------------------------------------------
def clip3(lo, hi, v):
    return lo if v < lo else hi if v > hi else v


def ref_boundary_strength(cus, w, h, ctb_log2, lf, slice_map, ref_ids):
    """bS[dir][y][x] at luma sample positions (q0 of each 4-sample segment on the 8x8 grid)."""
    owner = {}
    for cu in cus:
        for y in range(cu.y, cu.y + (1 << cu.log2), 4):
            for x in range(cu.x, cu.x + (1 << cu.log2), 4):
                owner[(x, y)] = cu
    tb = {}
    for cu in cus:
        for (tx, ty, log2, cbf) in cu.tus:
            for y in range(ty, ty + (1 << log2), 4):
                for x in range(tx, tx + (1 << log2), 4):
                    tb[(x, y)] = (tx, ty, log2, cbf)
    pb = {}
    for cu in cus:
        for pu in cu.pus:
            for y in range(pu[1], pu[1] + pu[3], 4):
                for x in range(pu[0], pu[0] + pu[2], 4):
                    pb[(x, y)] = pu

    def slice_of(x, y):
        return slice_map[y >> ctb_log2][x >> ctb_log2]

    bs = {0: {}, 1: {}}
    for cu in cus:
        s = slice_of(cu.x, cu.y)
        if lf[s][LF_DEBLOCK_DISABLED]:
            continue
        size = 1 << cu.log2
        for vertical in (True, False):
            # 8.7.2.3 / 8.7.2.2: edge flags of this coding block
            edges = {}   # (x, y) of q0 -> 'tb' or 'pb'
            for (tx, ty, log2, _) in cu.tus:
                n = 1 << log2
                for k in range(0, n, 4):
                    edges[(tx, ty + k) if vertical else (tx + k, ty)] = "tb"
            for (px, py, pw, ph, _) in cu.pus:
                if vertical:
                    for k in range(0, ph, 4):
                        edges.setdefault((px, py + k), "pb")
                else:
                    for k in range(0, pw, 4):
                        edges.setdefault((px + k, py), "pb")
            for (x, y), kind in edges.items():
                if x >= w or y >= h:
                    continue
                pos = x if vertical else y
                if pos % 8:
                    continue
                at_left_or_top = (x == cu.x) if vertical else (y == cu.y)
                xp, yp = (x - 1, y) if vertical else (x, y - 1)
                if at_left_or_top:
                    if pos == 0:
                        continue                                    # picture edge
                    if slice_of(xp, yp) != s and not lf[s][LF_ACROSS_SLICES]:
                        continue                                    # slice edge
                p_cu, q_cu = owner[(xp & ~3, yp & ~3)], cu
                if p_cu.intra or q_cu.intra:
                    b = 2
                elif kind == "tb" and (tb[(xp & ~3, yp & ~3)][3] or tb[(x, y)][3]):
                    b = 1
                else:
                    b = motion_bs(pb[(xp & ~3, yp & ~3)][4], pb[(x, y)][4],
                                  ref_ids[slice_of(xp, yp)], ref_ids[s])
                bs[0 if vertical else 1][(x, y)] = b
    return bs


def motion_bs(mp, mq, ids_p, ids_q):
    def mvs(m, ids):
        out = []
        if m[0] >= 0:
            out.append((ids[0][m[0]], m[1], m[2]))
        if m[3] >= 0:
            out.append((ids[1][m[3]], m[4], m[5]))
        return out

    P, Q = mvs(mp, ids_p), mvs(mq, ids_q)
    if sorted(p[0] for p in P) != sorted(q[0] for q in Q):
        return 1          # different reference pictures or number of motion vectors

    def far(a, b):
        return abs(a[1] - b[1]) >= 4 or abs(a[2] - b[2]) >= 4

    if len(P) == 1:
        return int(far(P[0], Q[0]))
    if P[0][0] != P[1][0]:
        # two motion vectors and two different reference pictures
        q_for = {q[0]: q for q in Q}
        return int(any(far(p, q_for[p[0]]) for p in P))
    # two motion vectors for the same reference picture
    return int((far(P[0], Q[0]) or far(P[1], Q[1])) and (far(P[0], Q[1]) or far(P[1], Q[0])))


def ref_filter(planes, cus, w, h, ctb_log2, lf, slice_map, ref_ids):
    Y, Cb, Cr = [p.astype(np.int64).tolist() for p in planes]
    bs = ref_boundary_strength(cus, w, h, ctb_log2, lf, slice_map, ref_ids)
    qp = {}
    for cu in cus:
        for y in range(cu.y, cu.y + (1 << cu.log2)):
            for x in range(cu.x, cu.x + (1 << cu.log2)):
                qp[(x, y)] = cu.qp

    def sl(x, y):
        return lf[slice_map[y >> ctb_log2][x >> ctb_log2]]

    for d, vertical in ((0, True), (1, False)):
        def get(img, x, y, k, i):
            return img[y + k][x + i] if vertical else img[y + i][x + k]

        def put(img, x, y, k, i, v):
            if vertical:
                img[y + k][x + i] = v
            else:
                img[y + i][x + k] = v

        for (x, y), b in sorted(bs[d].items(), key=lambda t: (t[0][1], t[0][0])):
            if b == 0:
                continue
            xp, yp = (x - 1, y) if vertical else (x, y - 1)
            QpQ, QpP = qp[(x, y)], qp[(xp, yp)]
            prm = sl(x, y)
            # 8.7.2.5.3
            qPL = (QpQ + QpP + 1) >> 1
            beta = beta_prime(clip3(0, 51, qPL + (prm[LF_BETA_OFFSET_DIV2] << 1)))
            tC = tc_prime(clip3(0, 53, qPL + 2 * (b - 1) + (prm[LF_TC_OFFSET_DIV2] << 1)))
            p = lambda i, k: get(Y, x, y, k, -1 - i)       # noqa: E731
            q = lambda i, k: get(Y, x, y, k, i)            # noqa: E731
            dp0 = abs(p(2, 0) - 2 * p(1, 0) + p(0, 0))
            dp3 = abs(p(2, 3) - 2 * p(1, 3) + p(0, 3))
            dq0 = abs(q(2, 0) - 2 * q(1, 0) + q(0, 0))
            dq3 = abs(q(2, 3) - 2 * q(1, 3) + q(0, 3))
            dpq0, dpq3, dp, dq = dp0 + dq0, dp3 + dq3, dp0 + dp3, dq0 + dq3
            dd = dpq0 + dpq3
            if dd < beta:
                def dsam(k, dpq):   # 8.7.2.5.6
                    return int(dpq < (beta >> 2) and abs(p(3, k) - p(0, k)) + abs(q(0, k) - q(3, k)) < (beta >> 3)
                               and abs(p(0, k) - q(0, k)) < ((5 * tC + 1) >> 1))
                dSam0, dSam3 = dsam(0, 2 * dpq0), dsam(3, 2 * dpq3)
                dE = 2 if (dSam0 == 1 and dSam3 == 1) else 1
                dEp = int(dp < (beta + (beta >> 1)) >> 3)
                dEq = int(dq < (beta + (beta >> 1)) >> 3)
                for k in range(4):   # 8.7.2.5.7
                    p0, p1, p2, p3 = p(0, k), p(1, k), p(2, k), p(3, k)
                    q0, q1, q2, q3 = q(0, k), q(1, k), q(2, k), q(3, k)
                    if dE == 2:
                        new_p = [clip3(p0 - 2 * tC, p0 + 2 * tC, (p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3),
                                 clip3(p1 - 2 * tC, p1 + 2 * tC, (p2 + p1 + p0 + q0 + 2) >> 2),
                                 clip3(p2 - 2 * tC, p2 + 2 * tC, (2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3)]
                        new_q = [clip3(q0 - 2 * tC, q0 + 2 * tC, (p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3),
                                 clip3(q1 - 2 * tC, q1 + 2 * tC, (p0 + q0 + q1 + q2 + 2) >> 2),
                                 clip3(q2 - 2 * tC, q2 + 2 * tC, (p0 + q0 + q1 + 3 * q2 + 2 * q3 + 4) >> 3)]
                    else:
                        delta = (9 * (q0 - p0) - 3 * (q1 - p1) + 8) >> 4
                        if abs(delta) >= tC * 10:
                            continue
                        delta = clip3(-tC, tC, delta)
                        new_p = [clip3(0, 255, p0 + delta)]
                        new_q = [clip3(0, 255, q0 - delta)]
                        if dEp:
                            dP = clip3(-(tC >> 1), tC >> 1, (((p2 + p0 + 1) >> 1) - p1 + delta) >> 1)
                            new_p.append(clip3(0, 255, p1 + dP))
                        if dEq:
                            dQ = clip3(-(tC >> 1), tC >> 1, (((q2 + q0 + 1) >> 1) - q1 - delta) >> 1)
                            new_q.append(clip3(0, 255, q1 + dQ))
                    for i, v in enumerate(new_p):
                        put(Y, x, y, k, -1 - i, v)
                    for i, v in enumerate(new_q):
                        put(Y, x, y, k, i, v)
            # 8.7.2.5.5 chroma: bS 2, edges on the chroma 8x8 grid
            if b == 2 and ((x >> 1) if vertical else (y >> 1)) % 8 == 0:
                for img, off in ((Cb, prm[LF_CB_QP_OFFSET]), (Cr, prm[LF_CR_QP_OFFSET])):
                    QpC = qpc_of(((QpQ + QpP + 1) >> 1) + off)
                    tc = tc_prime(clip3(0, 53, QpC + 2 * (b - 1) + (prm[LF_TC_OFFSET_DIV2] << 1)))
                    for k in range(2):
                        cx, cy = x >> 1, y >> 1
                        p0, p1 = get(img, cx, cy, k, -1), get(img, cx, cy, k, -2)
                        q0, q1 = get(img, cx, cy, k, 0), get(img, cx, cy, k, 1)
                        delta = clip3(-tc, tc, ((((q0 - p0) << 2) + p1 - q1 + 4) >> 3))
                        put(img, cx, cy, k, -1, clip3(0, 255, p0 + delta))
                        put(img, cx, cy, k, 0, clip3(0, 255, q0 - delta))
    return [np.array(a, np.int16) for a in (Y, Cb, Cr)]


# ---------------------------------------------------------------------------------------
# pictures
# ---------------------------------------------------------------------------------------
def random_planes(rng, w, h):
    """Blocky content with steps small enough for the filters to act, plus noise."""
    def plane(pw, ph, blk):
        base = rng.integers(40, 200, ((ph + blk - 1) // blk, (pw + blk - 1) // blk))
        p = np.kron(base, np.ones((blk, blk), np.int64))[:ph, :pw]
        p = p + rng.integers(-3, 4, (ph, pw)) + np.arange(pw)[None, :] // 3
        if rng.random() < 0.3:
            p = np.clip(p * 2 - 150, 0, 255)      # some saturation near 0 / 255
        return np.clip(p, 0, 255).astype(np.int16)
    return (plane(w, h, int(rng.choice([4, 8]))), plane(w // 2, h // 2, 4), plane(w // 2, h // 2, 4))


def smooth_steps(planes, rng):
    """Make the steps between blocks small (strong-filter cases need near-flat sides)."""
    out = []
    for p in planes:
        q = p.astype(np.int64)
        q = (q - q.mean()) // int(rng.choice([4, 8, 16])) + 128
        out.append(np.clip(q, 0, 255).astype(np.int16))
    return tuple(out)


def make_lf(rows, rng=None, **kw):
    lf = np.zeros((rows, LF_NUM), np.int32)
    lf[:, LF_ACROSS_SLICES] = 1
    for k, v in kw.items():
        lf[:, globals()[k]] = v
    return lf


def run_case(rng, w, h, ctb_log2, inter, lf, slice_map=None, ref_ids=None, smooth=True):
    cus = random_structure(rng, w, h, ctb_log2, inter=inter)
    meta = fill_meta(cus, w, h)
    planes = random_planes(rng, w, h)
    if smooth:
        planes = smooth_steps(planes, rng)
    ctbs_h, ctbs_w = -(-h >> ctb_log2), -(-w >> ctb_log2)
    if slice_map is None:
        slice_map = np.zeros((ctbs_h, ctbs_w), np.int32)
    if ref_ids is None:
        ref_ids = rng.integers(0, 3, (lf.shape[0], 2, 16)).astype(np.int32)
    expect = ref_filter(planes, cus, w, h, ctb_log2, lf.tolist(), slice_map.tolist(), ref_ids.tolist())
    got = tuple(p.copy() for p in planes)
    bv, bh = new_bs_arrays(w, h)
    deblock_picture(got, meta, ctb_log2, lf, slice_map, ref_ids, bv, bh)
    for c in range(3):
        assert np.array_equal(got[c], expect[c]), f"component {c} differs"
    changed = sum(int((g != p).sum()) for g, p in zip(got, planes))
    return changed, bv, bh


@pytest.mark.parametrize("seed", range(6))
def test_intra_random(seed):
    rng = np.random.default_rng(seed)
    w, h = [(72, 56), (104, 80), (128, 64), (136, 72), (64, 64), (200, 88)][seed]
    log2 = [4, 5, 6, 5, 4, 6][seed]
    lf = make_lf(1, LF_BETA_OFFSET_DIV2=int(rng.integers(-3, 4)), LF_TC_OFFSET_DIV2=int(rng.integers(-3, 4)),
                 LF_CB_QP_OFFSET=int(rng.integers(-6, 7)), LF_CR_QP_OFFSET=int(rng.integers(-6, 7)))
    changed, _, _ = run_case(rng, w, h, log2, False, lf)
    assert changed > 0


@pytest.mark.parametrize("seed", range(6))
def test_inter_random(seed):
    rng = np.random.default_rng(100 + seed)
    w, h = [(80, 72), (96, 104), (136, 64), (64, 48), (128, 128), (72, 40)][seed]
    log2 = [4, 5, 6, 4, 6, 5][seed]
    lf = make_lf(1, LF_BETA_OFFSET_DIV2=int(rng.integers(-2, 3)), LF_TC_OFFSET_DIV2=int(rng.integers(-2, 3)))
    changed, bv, bh = run_case(rng, w, h, log2, True, lf)
    assert changed > 0
    assert {0, 1, 2} <= set(np.unique(bv)) | set(np.unique(bh))


def test_unsmoothed_content():
    # large steps: mostly no filtering, exercises the d >= beta and |delta| >= 10 tc exits
    rng = np.random.default_rng(7)
    run_case(rng, 96, 64, 5, True, make_lf(1), smooth=False)


def test_strong_filter_taken():
    # flat blocks with small steps: the strong filter must be chosen somewhere
    rng = np.random.default_rng(11)
    w, h = 64, 64
    cus = random_structure(rng, w, h, 4, inter=False)
    meta = fill_meta(cus, w, h)
    meta[F_QP] = 45
    flat = np.kron(rng.integers(100, 110, (8, 8)), np.ones((8, 8), np.int64)).astype(np.int16)
    planes = (flat, flat[::2, ::2].copy(), flat[::2, ::2].copy())
    lf = make_lf(1)
    slice_map = np.zeros((4, 4), np.int32)
    ids = np.zeros((1, 2, 16), np.int32)
    for cu in cus:
        cu.qp = 45
    expect = ref_filter(planes, cus, w, h, 4, lf.tolist(), slice_map.tolist(), ids.tolist())
    got = tuple(p.copy() for p in planes)
    deblock_picture(got, meta, 4, lf, slice_map, ids, *new_bs_arrays(w, h))
    for c in range(3):
        assert np.array_equal(got[c], expect[c])
    # strong filtering modifies the third sample from the edge
    assert np.any(got[0][:, 5] != flat[:, 5]) or np.any(got[0][5, :] != flat[5, :])


def test_slices_across_and_disabled():
    # three slices: across-slice filtering off in slice 1, deblocking disabled in slice 2
    rng = np.random.default_rng(21)
    w, h, log2 = 96, 80, 4
    ctbs_h, ctbs_w = 5, 6
    slice_map = np.zeros((ctbs_h, ctbs_w), np.int32)
    flat = slice_map.reshape(-1)
    flat[8:17] = 1
    flat[17:] = 2
    lf = make_lf(3, LF_TC_OFFSET_DIV2=1)
    lf[1, LF_ACROSS_SLICES] = 0
    lf[1, LF_BETA_OFFSET_DIV2] = 3
    lf[2, LF_DEBLOCK_DISABLED] = 1
    changed, bv, bh = run_case(rng, w, h, log2, True, lf, slice_map=slice_map)
    assert changed > 0
    # no edge of a CU in slice 2 (CTB rows 3..4 are all in it)
    assert not bh[6:, :].any() and not bv[12:, :].any()
    # no edge on the left / upper boundary of slice 1 (CTB 8 = row 1, column 2)
    assert not bv[4:8, 4].any() and not bh[2, 8:].any() and not bh[4, :8].any()


def test_synthetic_motion_bs():
    """bS of inter edges from motion only (no coefficients), against 8.7.2.4 case by case."""
    w, h = 32, 16
    ids = np.array([[[5, 6, 5] + [0] * 13, [6, 7, 5] + [0] * 13]], np.int32)  # L0: 5,6,5  L1: 6,7,5
    cases = [
        # (p motion, q motion, expected bS); motion = (ref0, mv0x, mv0y, ref1, mv1x, mv1y)
        ((0, 0, 0, -1, 0, 0), (0, 3, -3, -1, 0, 0), 0),       # same picture, |dmv| < 4
        ((0, 0, 0, -1, 0, 0), (0, 4, 0, -1, 0, 0), 1),        # |dmv| = 4
        ((0, 0, 0, -1, 0, 0), (2, 0, 0, -1, 0, 0), 0),        # different ref_idx, same picture
        ((0, 0, 0, -1, 0, 0), (-1, 0, 0, 2, 1, 1), 0),        # L0 vs L1, same picture
        ((0, 0, 0, -1, 0, 0), (1, 0, 0, -1, 0, 0), 1),        # different pictures
        ((0, 0, 0, -1, 0, 0), (0, 0, 0, 0, 0, 0), 1),         # one vs two motion vectors
        ((0, 0, 0, 0, 8, 8), (1, 8, 8, 2, 0, 0), 0),          # {5,6} vs {6,5} swapped lists, matched mvs
        ((0, 0, 0, 0, 8, 8), (1, 8, 8, 2, 0, 4), 1),          # one matched mv differs
        ((0, 0, 0, 2, 8, 0), (2, 0, 0, 0, 8, 0), 1),          # pictures (5, 5) vs (5, 6)
        ((0, 0, 0, 2, 8, 0), (2, 8, 0, 2, 0, 0), 0),          # same picture twice: crossed match
        ((0, 0, 0, 2, 8, 0), (2, 4, 0, 2, 8, 0), 1),          # same picture twice: neither pairing close
        ((0, 0, 0, 2, 0, 0), (2, 1, 1, 2, 0, 0), 0),          # same picture twice: straight match
    ]
    for mp, mq, expected in cases:
        meta = new_meta(w, h)
        meta[F_CU_LOG2] = 4
        meta[F_TU_LOG2] = 4
        meta[F_QP] = 30
        meta[F_PRED_MODE] = MODE_INTER
        for x0, mo in ((0, mp), (16, mq)):
            for f, v in zip((F_REF0, F_MV0X, F_MV0Y, F_REF1, F_MV1X, F_MV1Y), mo):
                meta[f, :, x0 // 4:(x0 + 16) // 4] = v
        bv, bh = new_bs_arrays(w, h)
        derive_bs(meta, 4, make_lf(1), np.zeros((1, 2), np.int32), ids, bv, bh)
        ref = motion_bs(mp, mq, ids[0].tolist(), ids[0].tolist())
        assert ref == expected, (mp, mq, ref)
        assert bv[0, 2] == ref, (mp, mq)
        assert not bv[:, 1].any() and not bv[:, 3].any()


def test_cbf_only_on_transform_edges():
    # an AMP prediction edge inside one 32x32 TU with coefficients: bS from motion, not cbf
    w, h = 32, 32
    meta = new_meta(w, h)
    meta[F_CU_LOG2] = 5
    meta[F_TU_LOG2] = 5
    meta[F_CBF] = 1
    meta[F_QP] = 30
    meta[F_PRED_MODE] = MODE_INTER
    meta[F_PART_MODE] = 5                     # 2NxnD: prediction edge at y = 24
    meta[F_REF0] = 0
    ids = np.zeros((1, 2, 16), np.int32)
    bv, bh = new_bs_arrays(w, h)
    derive_bs(meta, 5, make_lf(1), np.zeros((1, 1), np.int32), ids, bv, bh)
    assert not bh.any()
    meta[F_MV0X, 6:, :] = 4
    derive_bs(meta, 5, make_lf(1), np.zeros((1, 1), np.int32), ids, bv, bh)
    assert bh[3].tolist() == [1] * 8 and not bh[:3].any()


def test_loopfilter_stage_deblocking_only():
    """apply_loop_filters with SAO off equals deblock_picture; disabled flag leaves the picture."""
    from types import SimpleNamespace as NS
    rng = np.random.default_rng(3)
    w, h, log2 = 72, 40, 5
    cus = random_structure(rng, w, h, log2, inter=False)
    meta = fill_meta(cus, w, h)
    planes = smooth_steps(random_planes(rng, w, h), rng)
    prm = np.zeros(NUM_PARAMS, np.int32)
    prm[P_CTB_LOG2], prm[P_PIC_W], prm[P_PIC_H] = log2, w, h
    sps = NS(sample_adaptive_offset_enabled_flag=0)
    pps = NS(pps_deblocking_filter_disabled_flag=0, pps_beta_offset_div2=1, pps_tc_offset_div2=-1,
             deblocking_filter_override_enabled_flag=1, pps_loop_filter_across_slices_enabled_flag=1,
             pps_cb_qp_offset=2, pps_cr_qp_offset=-2)
    sh = NS(deblocking_filter_override_flag=0, slice_deblocking_filter_disabled_flag=0, slice_beta_offset_div2=0,
            slice_tc_offset_div2=0, slice_sao_luma_flag=0, slice_sao_chroma_flag=0,
            slice_loop_filter_across_slices_enabled_flag=1)
    lf = make_lf_params(sps, pps, sh)
    assert lf[0, LF_BETA_OFFSET_DIV2] == 1 and lf[0, LF_TC_OFFSET_DIV2] == -1 and lf[0, LF_CB_QP_OFFSET] == 2
    got = tuple(p.copy() for p in planes)
    apply_loop_filters(got, meta, prm, lf)
    expect = ref_filter(planes, cus, w, h, log2, lf.tolist(), [[0] * 3] * 2, [[[0] * 16] * 2])
    for c in range(3):
        assert np.array_equal(got[c], expect[c])
    sh.deblocking_filter_override_flag, sh.slice_deblocking_filter_disabled_flag = 1, 1
    lf = make_lf_params(sps, pps, sh)
    got = tuple(p.copy() for p in planes)
    apply_loop_filters(got, meta, prm, lf)
    for c in range(3):
        assert np.array_equal(got[c], planes[c])
