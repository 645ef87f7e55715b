"""Motion vector prediction (dlvc/core/mvpred.py) against a slow, straightforward
Python transcription of H.265 6.4.1, 6.4.2, 8.5.3.2.1-8.5.3.2.9 on random synthetic
pictures: random CU trees, modes (intra / inter / skip), all part modes and partIdx,
random motion (uni / bi, repeated vectors to exercise pruning), random reference
structures with long-term pictures, a random collocated picture, parallel merge levels
2..4, MaxNumMergeCand 1..5, P and B slices."""
import numpy as np
import pytest

from dlvc.core.mvpred import (PRED_BI, PRED_L0, amvp_cand_list, make_mv_params, mv_add,
                              merge_cand_list, pu_motion, scale_mv, store_pu_motion)
from dlvc.core.picture import (F_CU_LOG2, F_MV0X, F_MV0Y, F_MV1X, F_MV1Y, F_PART_MODE,
                               F_PRED_MODE, F_REF0, F_REF1, MODE_INTER, MODE_INTRA, MODE_SKIP,
                               new_meta)

# ---------------------------------------------------------------------------------------------
# random synthetic pictures
# ---------------------------------------------------------------------------------------------
PARTS = {  # PartMode -> list of (x, y, w, h) in units of nCbS/4
    0: [(0, 0, 4, 4)],
    1: [(0, 0, 4, 2), (0, 2, 4, 2)],
    2: [(0, 0, 2, 4), (2, 0, 2, 4)],
    3: [(0, 0, 2, 2), (2, 0, 2, 2), (0, 2, 2, 2), (2, 2, 2, 2)],
    4: [(0, 0, 4, 1), (0, 1, 4, 3)],
    5: [(0, 0, 4, 3), (0, 3, 4, 1)],
    6: [(0, 0, 1, 4), (1, 0, 3, 4)],
    7: [(0, 0, 3, 4), (3, 0, 1, 4)],
}


def pu_geometry(x_cb, y_cb, n, part_mode):
    q = n // 4
    return [(x_cb + px * q, y_cb + py * q, pw * q, ph * q) for (px, py, pw, ph) in PARTS[part_mode]]


def random_picture(rng, w, h, ctb_log2, n0, n1, is_b, intra_p=0.2):
    meta = new_meta(w, h)
    cus = []
    pool = [tuple(int(v) for v in rng.integers(-20, 21, 2)) for _ in range(3)]

    def motion():
        while True:
            r0 = int(rng.integers(-1, n0))
            r1 = int(rng.integers(-1, n1)) if is_b else -1
            if r0 >= 0 or r1 >= 0:
                break
        mv = []
        for _ in range(2):
            if rng.random() < 0.6:
                mv.append(pool[int(rng.integers(0, len(pool)))])
            else:
                mv.append(tuple(int(v) for v in rng.integers(-3000, 3000, 2)))
        return r0, r1, mv

    prev = [None]

    def leaf(x, y, n):
        mode = MODE_INTRA if rng.random() < intra_p else (MODE_SKIP if rng.random() < 0.2 else MODE_INTER)
        if mode == MODE_INTER:
            choices = [0, 1, 2] + ([3] if n == 16 else []) + ([4, 5, 6, 7] if n >= 16 else [])
            pm = int(rng.choice(choices))
        else:
            pm = 0
        sl = np.s_[y // 4:(y + n) // 4, x // 4:(x + n) // 4]
        meta[F_PRED_MODE][sl] = mode
        meta[F_PART_MODE][sl] = pm
        meta[F_CU_LOG2][sl] = n.bit_length() - 1
        if mode == MODE_INTRA:
            meta[F_REF0][sl] = -1
            meta[F_REF1][sl] = -1
            meta[F_MV0X][sl] = int(rng.integers(-5, 5))   # junk never to be read
        else:
            for (px, py, pw, ph) in pu_geometry(x, y, n, pm):
                if prev[0] is not None and rng.random() < 0.3:
                    r0, r1, mv = prev[0]
                else:
                    r0, r1, mv = motion()
                prev[0] = (r0, r1, mv)
                s = np.s_[py // 4:(py + ph) // 4, px // 4:(px + pw) // 4]
                meta[F_REF0][s] = r0
                meta[F_REF1][s] = r1
                # unused lists hold junk: the code must not read them
                meta[F_MV0X][s], meta[F_MV0Y][s] = mv[0] if r0 >= 0 else (7, -7)
                meta[F_MV1X][s], meta[F_MV1Y][s] = mv[1] if r1 >= 0 else (-9, 9)
        cus.append((x, y, n, mode, pm))

    def quad(x, y, n):
        if x >= w or y >= h:
            return
        must = x + n > w or y + n > h
        if n > 8 and (must or rng.random() < 0.6):
            for dy in (0, n // 2):
                for dx in (0, n // 2):
                    quad(x + dx, y + dy, n // 2)
        else:
            leaf(x, y, n)

    c = 1 << ctb_log2
    for y in range(0, h, c):
        for x in range(0, w, c):
            quad(x, y, c)
    return meta, cus


def random_slice(rng, w, h, ctb_log2):
    """POC structure: a DPB of pictures (POC, long-term); lists drawn from it."""
    is_b = rng.random() < 0.6
    poc = int(rng.integers(8, 40))
    dpb = sorted(set(int(v) for v in rng.integers(poc - 30, poc + (20 if is_b else 0), 6)) - {poc})
    lt = {p: bool(rng.random() < 0.2) for p in dpb}
    n0 = int(rng.integers(1, min(4, len(dpb)) + 1))
    n1 = int(rng.integers(1, min(4, len(dpb)) + 1)) if is_b else 0
    l0 = [dpb[int(i)] for i in rng.permutation(len(dpb))[:n0]]
    l1 = [dpb[int(i)] for i in rng.permutation(len(dpb))[:n1]]
    col_from_l0 = int(rng.integers(0, 2)) if is_b else 1
    col_poc = l0[0] if (col_from_l0 or not is_b) else l1[0]
    # ColPic's own lists
    cn = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
    col_ref = [[int(v) for v in rng.choice([p for p in range(col_poc - 20, col_poc + 20) if p != col_poc],
                                           cn[X], replace=False)] for X in range(2)]
    col_lt = [[bool(rng.random() < 0.2) for _ in range(cn[X])] for X in range(2)]
    col_meta, _ = random_picture(rng, w, h, ctb_log2, cn[0], cn[1], True, intra_p=0.3)
    s = dict(poc=poc, is_b=is_b, l0=l0, l1=l1, lt0=[lt[p] for p in l0], lt1=[lt[p] for p in l1],
             max_merge=int(rng.integers(1, 6)), par=int(rng.choice([2, 2, 3, 4])),
             tmvp=int(rng.random() < 0.85), col_from_l0=col_from_l0, w=w, h=h, ctb_log2=ctb_log2,
             col_poc=col_poc, col_ref=col_ref, col_lt=col_lt, col_meta=col_meta)
    sp = make_mv_params(poc, 0 if is_b else 1, [l0, l1], [s["lt0"], s["lt1"]], (n0, n1),
                        s["max_merge"], s["par"], s["tmvp"], col_from_l0, w, h, ctb_log2,
                        col_poc, col_ref, col_lt)
    return s, sp


# ---------------------------------------------------------------------------------------------
# slow reference, straight from the spec
# ---------------------------------------------------------------------------------------------
def clip3(a, b, v):
    return a if v < a else (b if v > b else v)


def sign(v):
    return (v > 0) - (v < 0)


def min_tb_addr_zs(x, y, s):
    """6.5.2 (MinTbLog2SizeY = 2, one tile): x, y in luma samples."""
    ctb = s["ctb_log2"]
    w_ctbs = -(-s["w"] // (1 << ctb))
    addr = ((y >> ctb) * w_ctbs + (x >> ctb)) << (2 * (ctb - 2))
    tx, ty = x >> 2, y >> 2
    for i in range(ctb - 2):
        m = 1 << i
        addr += (m * m if m & tx else 0) + (2 * m * m if m & ty else 0)
    return addr


def zscan_available(s, xc, yc, xn, yn):
    """6.4.1"""
    if xn < 0 or yn < 0 or xn >= s["w"] or yn >= s["h"]:
        return False
    return min_tb_addr_zs(xn, yn, s) <= min_tb_addr_zs(xc, yc, s)


def pb_available(s, meta, xCb, yCb, nCbS, xPb, yPb, nPbW, nPbH, partIdx, xNbY, yNbY):
    """6.4.2"""
    sameCb = xCb <= xNbY < xCb + nCbS and yCb <= yNbY < yCb + nCbS
    if not sameCb:
        availableN = zscan_available(s, xPb, yPb, xNbY, yNbY)
    elif (nPbW << 1 == nCbS and nPbH << 1 == nCbS and partIdx == 1 and yCb + nPbH <= yNbY
          and xCb + nPbW > xNbY):
        availableN = False
    else:
        availableN = True
    if availableN and meta[F_PRED_MODE, yNbY >> 2, xNbY >> 2] == MODE_INTRA:
        availableN = False
    return availableN


def motion_at(meta, x, y):
    m = meta[:, y >> 2, x >> 2].tolist()
    ref = [m[F_REF0], m[F_REF1]]
    return dict(pf=[ref[0] >= 0, ref[1] >= 0], ref=ref,
                mv=[(m[F_MV0X], m[F_MV0Y]), (m[F_MV1X], m[F_MV1Y])])


def same_motion(a, b):
    if a["pf"] != b["pf"]:
        return False
    for X in range(2):
        if a["pf"][X] and (a["ref"][X] != b["ref"][X] or a["mv"][X] != b["mv"][X]):
            return False
    return True


def ref_list(s, X):
    return s["l0"] if X == 0 else s["l1"]


def ref_lt(s, X):
    return s["lt0"] if X == 0 else s["lt1"]


def scale(mv, tb, td):
    tx = int((16384 + (abs(td) >> 1)) / td)
    dsf = clip3(-4096, 4095, (tb * tx + 32) >> 6)
    return tuple(clip3(-32768, 32767, sign(dsf * c) * ((abs(dsf * c) + 127) >> 8)) for c in mv)


def collocated_mvs(s, X, refIdxLX, xCol, yCol):
    """8.5.3.2.9"""
    cm = s["col_meta"]
    if cm[F_PRED_MODE, yCol >> 2, xCol >> 2] == MODE_INTRA:
        return False, (0, 0)
    c = motion_at(cm, xCol, yCol)
    if not c["pf"][0]:
        listCol = 1
    elif c["pf"][0] and not c["pf"][1]:
        listCol = 0
    else:
        no_backward = all(p <= s["poc"] for p in s["l0"] + s["l1"])
        listCol = X if no_backward else s["col_from_l0"]
    mvCol, refIdxCol = c["mv"][listCol], c["ref"][listCol]
    if ref_lt(s, X)[refIdxLX] != s["col_lt"][listCol][refIdxCol]:
        return False, (0, 0)
    colPocDiff = s["col_poc"] - s["col_ref"][listCol][refIdxCol]
    currPocDiff = s["poc"] - ref_list(s, X)[refIdxLX]
    if ref_lt(s, X)[refIdxLX] or colPocDiff == currPocDiff:
        return True, mvCol
    return True, scale(mvCol, clip3(-128, 127, currPocDiff), clip3(-128, 127, colPocDiff))


def temporal(s, xPb, yPb, nPbW, nPbH, refIdxLX, X):
    """8.5.3.2.8"""
    if not s["tmvp"]:
        return False, (0, 0)
    ctb = s["ctb_log2"]
    xColBr, yColBr = xPb + nPbW, yPb + nPbH
    avail, mv = False, (0, 0)
    if yPb >> ctb == yColBr >> ctb and yColBr < s["h"] and xColBr < s["w"]:
        avail, mv = collocated_mvs(s, X, refIdxLX, (xColBr >> 4) << 4, (yColBr >> 4) << 4)
    if not avail:
        xColCtr, yColCtr = xPb + (nPbW >> 1), yPb + (nPbH >> 1)
        avail, mv = collocated_mvs(s, X, refIdxLX, (xColCtr >> 4) << 4, (yColCtr >> 4) << 4)
    return avail, (mv if avail else (0, 0))


def ref_merge_list(s, meta, xCb, yCb, nCbS, xPb, yPb, nPbW, nPbH, partIdx, part_mode):
    """8.5.3.2.2 - 8.5.3.2.5, the whole list, before truncation and step 10."""
    nOrigPbW, nOrigPbH = nPbW, nPbH
    L = s["par"]
    if L > 2 and nCbS == 8:
        xPb, yPb, nPbW, nPbH, partIdx = xCb, yCb, nCbS, nCbS, 0

    def par_same(xn, yn):
        return xPb >> L == xn >> L and yPb >> L == yn >> L

    def avail(xn, yn):
        return pb_available(s, meta, xCb, yCb, nCbS, xPb, yPb, nPbW, nPbH, partIdx, xn, yn)

    # 8.5.3.2.3
    A1 = (xPb - 1, yPb + nPbH - 1)
    if par_same(*A1):
        availableA1 = False
    elif part_mode in (2, 6, 7) and partIdx == 1:
        availableA1 = False
    else:
        availableA1 = avail(*A1)
    B1 = (xPb + nPbW - 1, yPb - 1)
    if par_same(*B1):
        availableB1 = False
    elif part_mode in (1, 4, 5) and partIdx == 1:
        availableB1 = False
    else:
        availableB1 = avail(*B1)
    B0 = (xPb + nPbW, yPb - 1)
    availableB0 = False if par_same(*B0) else avail(*B0)
    A0 = (xPb - 1, yPb + nPbH)
    availableA0 = False if par_same(*A0) else avail(*A0)
    B2 = (xPb - 1, yPb - 1)
    availableB2 = False if par_same(*B2) else avail(*B2)

    mot = {}
    for name, pos, av in (("A1", A1, availableA1), ("B1", B1, availableB1), ("B0", B0, availableB0),
                          ("A0", A0, availableA0), ("B2", B2, availableB2)):
        if av:
            mot[name] = motion_at(meta, *pos)
    fA1 = availableA1
    fB1 = availableB1 and not (availableA1 and same_motion(mot["A1"], mot["B1"]))
    fB0 = availableB0 and not (availableB1 and same_motion(mot["B1"], mot["B0"]))
    fA0 = availableA0 and not (availableA1 and same_motion(mot["A1"], mot["A0"]))
    fB2 = availableB2 and not (availableA1 and same_motion(mot["A1"], mot["B2"])) \
        and not (availableB1 and same_motion(mot["B1"], mot["B2"])) and (fA0 + fA1 + fB0 + fB1 != 4)
    lst = []
    for name, f in (("A1", fA1), ("B1", fB1), ("B0", fB0), ("A0", fA0), ("B2", fB2)):
        if f:
            m = mot[name]
            lst.append(dict(ref=list(m["ref"]), mv=[m["mv"][X] if m["pf"][X] else (0, 0) for X in range(2)]))
    # temporal
    a0, mv0 = temporal(s, xPb, yPb, nPbW, nPbH, 0, 0)
    a1, mv1 = (False, (0, 0))
    if s["is_b"]:
        a1, mv1 = temporal(s, xPb, yPb, nPbW, nPbH, 0, 1)
    if a0 or a1:
        lst.append(dict(ref=[0 if a0 else -1, 0 if a1 else -1], mv=[mv0 if a0 else (0, 0), mv1 if a1 else (0, 0)]))
    maxc = s["max_merge"]
    numOrig = len(lst)
    # 8.5.3.2.4
    if s["is_b"] and 1 < numOrig < maxc:
        l0i = [0, 1, 0, 2, 1, 2, 0, 3, 1, 3, 2, 3]
        l1i = [1, 0, 2, 0, 2, 1, 3, 0, 3, 1, 3, 2]
        combIdx = 0
        while True:
            c0, c1 = lst[l0i[combIdx]], lst[l1i[combIdx]]
            if c0["ref"][0] >= 0 and c1["ref"][1] >= 0 and (
                    s["l0"][c0["ref"][0]] != s["l1"][c1["ref"][1]] or c0["mv"][0] != c1["mv"][1]):
                lst.append(dict(ref=[c0["ref"][0], c1["ref"][1]], mv=[c0["mv"][0], c1["mv"][1]]))
            combIdx += 1
            if combIdx == numOrig * (numOrig - 1) or len(lst) == maxc:
                break
    # 8.5.3.2.5
    numRefIdx = min(len(s["l0"]), len(s["l1"])) if s["is_b"] else len(s["l0"])
    zeroIdx = 0
    while len(lst) < maxc:
        r = zeroIdx if zeroIdx < numRefIdx else 0
        lst.append(dict(ref=[r, r if s["is_b"] else -1], mv=[(0, 0), (0, 0)]))
        zeroIdx += 1
    out = []
    for c in lst[:maxc]:
        ref, mv = list(c["ref"]), list(c["mv"])
        if ref[0] >= 0 and ref[1] >= 0 and nOrigPbW + nOrigPbH == 12:      # step 10
            ref[1], mv[1] = -1, (0, 0)
        out.append((mv[0][0], mv[0][1], mv[1][0], mv[1][1], ref[0], ref[1]))
    return out


def ref_amvp(s, meta, xCb, yCb, nCbS, xPb, yPb, nPbW, nPbH, partIdx, X, refIdxLX):
    """8.5.3.2.6 / 8.5.3.2.7"""
    Y = 1 - X
    target = ref_list(s, X)[refIdxLX]
    cur_lt = ref_lt(s, X)[refIdxLX]

    def avail(p):
        return pb_available(s, meta, xCb, yCb, nCbS, xPb, yPb, nPbW, nPbH, partIdx, *p)

    def first(p):
        m = motion_at(meta, *p)
        if m["pf"][X] and ref_list(s, X)[m["ref"][X]] == target:
            return m["mv"][X]
        if m["pf"][Y] and ref_list(s, Y)[m["ref"][Y]] == target:
            return m["mv"][Y]
        return None

    def second(p):
        m = motion_at(meta, *p)
        for LL in (X, Y):
            if m["pf"][LL] and ref_lt(s, LL)[m["ref"][LL]] == cur_lt:
                mv = m["mv"][LL]
                nb_poc = ref_list(s, LL)[m["ref"][LL]]
                if not cur_lt and not ref_lt(s, LL)[m["ref"][LL]]:
                    td = clip3(-128, 127, s["poc"] - nb_poc)
                    tb = clip3(-128, 127, s["poc"] - target)
                    mv = scale(mv, tb, td)
                return mv
        return None

    A = [(xPb - 1, yPb + nPbH), (xPb - 1, yPb + nPbH - 1)]
    avA = [avail(p) for p in A]
    isScaled = avA[0] or avA[1]
    fA, mvA = False, None
    for k in range(2):
        if avA[k] and not fA:
            r = first(A[k])
            if r is not None:
                fA, mvA = True, r
    if not fA:
        for k in range(2):
            if avA[k] and not fA:
                r = second(A[k])
                if r is not None:
                    fA, mvA = True, r
    B = [(xPb + nPbW, yPb - 1), (xPb + nPbW - 1, yPb - 1), (xPb - 1, yPb - 1)]
    avB = [avail(p) for p in B]
    fB, mvB = False, None
    for k in range(3):
        if avB[k] and not fB:
            r = first(B[k])
            if r is not None:
                fB, mvB = True, r
    if not isScaled and fB:
        fA, mvA = True, mvB
    if not isScaled:
        fB = False
        for k in range(3):
            if avB[k] and not fB:
                r = second(B[k])
                if r is not None:
                    fB, mvB = True, r
    if fA and fB and mvA != mvB:
        fCol = False
    else:
        fCol, mvCol = temporal(s, xPb, yPb, nPbW, nPbH, refIdxLX, X)
    lst = []
    if fA:
        lst.append(mvA)
    if fB:
        lst.append(mvB)
    if fA and fB and mvA == mvB:
        lst.pop()
    if fCol:
        lst.append(mvCol)
    lst = lst[:2]
    while len(lst) < 2:
        lst.append((0, 0))
    return lst


# ---------------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------------
def _cases(seed, n_pics):
    rng = np.random.default_rng(seed)
    for _ in range(n_pics):
        ctb_log2 = int(rng.choice([4, 5, 6]))
        w = int(rng.integers(5, 17)) * 8
        h = int(rng.integers(4, 13)) * 8
        s, sp = random_slice(rng, w, h, ctb_log2)
        meta, cus = random_picture(rng, w, h, ctb_log2, len(s["l0"]), len(s["l1"]), s["is_b"])
        yield rng, s, sp, meta, cus


def test_merge_candidates():
    cand = np.zeros((5, 6), np.int32)
    checked = 0
    small = 0
    for rng, s, sp, meta, cus in _cases(11, 40):
        for (x, y, n, mode, pm) in cus:
            if mode == MODE_INTRA:
                continue
            for part_idx, (xp, yp, wp, hp) in enumerate(pu_geometry(x, y, n, pm)):
                exp = ref_merge_list(s, meta, x, y, n, xp, yp, wp, hp, part_idx, pm)
                cand[:] = -99
                k = merge_cand_list(meta, s["col_meta"], sp, x, y, n, xp, yp, wp, hp, part_idx,
                                    pm, cand)
                got = [tuple(int(v) for v in cand[i]) for i in range(k)]
                assert got == exp, (s, x, y, n, pm, part_idx)
                checked += 1
                small += wp + hp == 12
    assert checked > 1500 and small > 20


def test_amvp_candidates():
    mvp = np.zeros((2, 2), np.int32)
    checked = 0
    for rng, s, sp, meta, cus in _cases(12, 40):
        for (x, y, n, mode, pm) in cus:
            if mode == MODE_INTRA:
                continue
            for part_idx, (xp, yp, wp, hp) in enumerate(pu_geometry(x, y, n, pm)):
                for X in range(2 if s["is_b"] else 1):
                    r = int(rng.integers(0, len(s["l0"] if X == 0 else s["l1"])))
                    exp = ref_amvp(s, meta, x, y, n, xp, yp, wp, hp, part_idx, X, r)
                    mvp[:] = -99
                    amvp_cand_list(meta, s["col_meta"], sp, x, y, n, xp, yp, wp, hp, part_idx,
                                   X, r, mvp)
                    assert [tuple(int(v) for v in mvp[i]) for i in range(2)] == exp, \
                        (x, y, n, pm, part_idx, X, r)
                    checked += 1
    assert checked > 1500


def test_scale_mv():
    """8-211..8-214 at their clipping limits, against the reference transcription."""
    # direct check of the scaling equations at their clipping limits
    for mv in (-32768, -5, 0, 7, 32767):
        for tb, td in ((1, 2), (-3, 1), (127, -128), (-128, 1), (4, 4), (1, 127)):
            assert scale_mv(mv, tb, td) == scale((mv,), tb, td)[0]
    assert scale_mv(32767, 127, 1) == 32767 and scale_mv(-32768, 127, 1) == -32768


def test_mv_add_wrap():
    for mvp, mvd in ((0, 0), (32767, 1), (-32768, -1), (30000, 10000), (-30000, -10000),
                     (100, -32768), (-5, 3)):
        u = (mvp + mvd + 2 ** 16) % 2 ** 16
        assert mv_add(mvp, mvd) == (u - 2 ** 16 if u >= 2 ** 15 else u)


def test_pu_motion_and_store():
    rng = np.random.default_rng(13)
    out = np.zeros(6, np.int32)
    mvd = np.zeros(4, np.int32)
    done = 0
    for _, s, sp, meta, cus in _cases(14, 10):
        for (x, y, n, mode, pm) in cus:
            if mode == MODE_INTRA:
                continue
            for part_idx, (xp, yp, wp, hp) in enumerate(pu_geometry(x, y, n, pm)):
                if rng.random() < 0.5:
                    mi = int(rng.integers(0, s["max_merge"]))
                    pu_motion(meta, s["col_meta"], sp, x, y, n, xp, yp, wp, hp, part_idx, pm,
                              1, mi, 0, 0, 0, 0, 0, mvd, out)
                    exp = ref_merge_list(s, meta, x, y, n, xp, yp, wp, hp, part_idx, pm)[mi]
                else:
                    idc = int(rng.integers(0, 3)) if s["is_b"] and wp + hp != 12 else PRED_L0
                    r = [int(rng.integers(0, len(s["l0"]))), int(rng.integers(0, max(1, len(s["l1"]))))]
                    f = [int(v) for v in rng.integers(0, 2, 2)]
                    mvd[:] = rng.integers(-40000, 40000, 4)
                    pu_motion(meta, s["col_meta"], sp, x, y, n, xp, yp, wp, hp, part_idx, pm,
                              0, 0, idc, r[0], r[1], f[0], f[1], mvd, out)
                    e = [0, 0, 0, 0, -1, -1]
                    for X in range(2):
                        if idc == PRED_BI or idc == X:
                            p = ref_amvp(s, meta, x, y, n, xp, yp, wp, hp, part_idx, X, r[X])[f[X]]
                            for c in range(2):
                                u = (p[c] + int(mvd[2 * X + c]) + 65536) % 65536
                                e[2 * X + c] = u - 65536 if u >= 32768 else u
                            e[4 + X] = r[X]
                    exp = tuple(e)
                assert tuple(int(v) for v in out) == exp
                store_pu_motion(meta, xp, yp, wp, hp, out, 1)
                sl = np.s_[yp // 4:(yp + hp) // 4, xp // 4:(xp + wp) // 4]
                assert (meta[F_REF0][sl] == out[4]).all() and (meta[F_REF1][sl] == out[5]).all()
                assert (meta[F_MV0X][sl] == (out[0] if out[4] >= 0 else 0)).all()
                assert (meta[F_MV1Y][sl] == (out[3] if out[5] >= 0 else 0)).all()
                done += 1
    assert done > 200
