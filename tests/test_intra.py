"""Intra prediction (dlvc/core/intra.py) against a slow pure-Python reference
written straight from H.265 clauses 6.4.1, 6.5.2, 8.4.2, 8.4.3 and 8.4.4.2."""
import numpy as np
import pytest

from dlvc.core.intra import (chroma_pred_mode, luma_mode_from_mpm, mpm_candidates,
                             mpm_code, predict_intra)

# ---------------------------------------------------------------------------
# slow reference
# ---------------------------------------------------------------------------
BIT_DEPTH = 8
ANGLE = {2: 32, 3: 26, 4: 21, 5: 17, 6: 13, 7: 9, 8: 5, 9: 2, 10: 0, 11: -2, 12: -5,
         13: -9, 14: -13, 15: -17, 16: -21, 17: -26, 18: -32, 19: -26, 20: -21,
         21: -17, 22: -13, 23: -9, 24: -5, 25: -2, 26: 0, 27: 2, 28: 5, 29: 9,
         30: 13, 31: 17, 32: 21, 33: 26, 34: 32}
INV_ANGLE = {11: -4096, 12: -1638, 13: -910, 14: -630, 15: -482, 16: -390, 17: -315,
             18: -256, 19: -315, 20: -390, 21: -482, 22: -630, 23: -910, 24: -1638,
             25: -4096}


def ref_min_tb_addr_zs(x, y, pic_w_in_ctbs, ctb_log2, min_tb_log2=2):
    """6.5.2, equation for MinTbAddrZs (x, y in min-TB units; one tile)."""
    tb_x = (x << min_tb_log2) >> ctb_log2
    tb_y = (y << min_tb_log2) >> ctb_log2
    ctb_addr_rs = pic_w_in_ctbs * tb_y + tb_x
    addr = ctb_addr_rs << ((ctb_log2 - min_tb_log2) * 2)
    p = 0
    for i in range(ctb_log2 - min_tb_log2):
        m = 1 << i
        p += (m * m if m & x else 0) + (2 * m * m if m & y else 0)
    return addr + p


def ref_available(x_curr, y_curr, x_nb, y_nb, pic_w_l, pic_h_l, ctb_log2):
    """6.4.1 z-scan order block availability (one slice, one tile)."""
    if x_nb < 0 or y_nb < 0 or x_nb >= pic_w_l or y_nb >= pic_h_l:
        return False
    w_ctbs = -(-pic_w_l // (1 << ctb_log2))
    a_nb = ref_min_tb_addr_zs(x_nb >> 2, y_nb >> 2, w_ctbs, ctb_log2)
    a_cur = ref_min_tb_addr_zs(x_curr >> 2, y_curr >> 2, w_ctbs, ctb_log2)
    return not a_nb > a_cur


def clip1(v):
    return min(max(v, 0), (1 << BIT_DEPTH) - 1)


def ref_predict(rec, x_tb, y_tb, log2, c_idx, mode, pic_w, pic_h, ctb_log2, sis):
    n = 1 << log2
    sw = 1 if c_idx == 0 else 2          # SubWidthC = SubHeightC = 2 for 4:2:0
    # 8.4.4.2.1: neighbouring samples and their availability
    coords = [(-1, y) for y in range(2 * n - 1, -2, -1)] + [(x, -1) for x in range(2 * n)]
    p, avail = {}, {}
    for (x, y) in coords:
        x_nb, y_nb = x_tb + x, y_tb + y
        a = ref_available(x_tb * sw, y_tb * sw, x_nb * sw, y_nb * sw,
                          pic_w * sw, pic_h * sw, ctb_log2)
        avail[(x, y)] = a
        if a:
            p[(x, y)] = int(rec[y_nb, x_nb])
    # 8.4.4.2.2 substitution
    if not any(avail.values()):
        for c in coords:
            p[c] = 1 << (BIT_DEPTH - 1)
    else:
        if not avail[(-1, 2 * n - 1)]:
            for c in coords:
                if avail[c]:
                    p[(-1, 2 * n - 1)] = p[c]
                    break
        for y in range(2 * n - 2, -2, -1):
            if not avail[(-1, y)]:
                p[(-1, y)] = p[(-1, y + 1)]
        for x in range(0, 2 * n):
            if not avail[(x, -1)]:
                p[(x, -1)] = p[(x - 1, -1)]
    # 8.4.4.2.3 filtering (luma only for ChromaArrayType != 3)
    if c_idx == 0:
        if mode == 1 or n == 4:
            filter_flag = False
        else:
            min_dist = min(abs(mode - 26), abs(mode - 10))
            filter_flag = min_dist > {8: 7, 16: 1, 32: 0}[n]
        if filter_flag:
            pf = {}
            bi = (sis and c_idx == 0 and n == 32
                  and abs(p[(-1, -1)] + p[(2 * n - 1, -1)] - 2 * p[(n - 1, -1)]) < (1 << (BIT_DEPTH - 5))
                  and abs(p[(-1, -1)] + p[(-1, 2 * n - 1)] - 2 * p[(-1, n - 1)]) < (1 << (BIT_DEPTH - 5)))
            if bi:
                pf[(-1, -1)] = p[(-1, -1)]
                for y in range(63):
                    pf[(-1, y)] = ((63 - y) * p[(-1, -1)] + (y + 1) * p[(-1, 63)] + 32) >> 6
                pf[(-1, 63)] = p[(-1, 63)]
                for x in range(63):
                    pf[(x, -1)] = ((63 - x) * p[(-1, -1)] + (x + 1) * p[(63, -1)] + 32) >> 6
                pf[(63, -1)] = p[(63, -1)]
            else:
                pf[(-1, -1)] = (p[(-1, 0)] + 2 * p[(-1, -1)] + p[(0, -1)] + 2) >> 2
                for y in range(2 * n - 1):
                    pf[(-1, y)] = (p[(-1, y + 1)] + 2 * p[(-1, y)] + p[(-1, y - 1)] + 2) >> 2
                pf[(-1, 2 * n - 1)] = p[(-1, 2 * n - 1)]
                for x in range(2 * n - 1):
                    pf[(x, -1)] = (p[(x - 1, -1)] + 2 * p[(x, -1)] + p[(x + 1, -1)] + 2) >> 2
                pf[(2 * n - 1, -1)] = p[(2 * n - 1, -1)]
            p = pf
    pred = [[0] * n for _ in range(n)]    # pred[x][y], spec indexing
    if mode == 0:   # 8.4.4.2.5
        for x in range(n):
            for y in range(n):
                pred[x][y] = ((n - 1 - x) * p[(-1, y)] + (x + 1) * p[(n, -1)]
                              + (n - 1 - y) * p[(x, -1)] + (y + 1) * p[(-1, n)] + n) >> (log2 + 1)
    elif mode == 1:  # 8.4.4.2.6 DC
        dc = (sum(p[(x, -1)] for x in range(n)) + sum(p[(-1, y)] for y in range(n)) + n) >> (log2 + 1)
        for x in range(n):
            for y in range(n):
                pred[x][y] = dc
        if c_idx == 0 and n < 32:
            pred[0][0] = (p[(-1, 0)] + 2 * dc + p[(0, -1)] + 2) >> 2
            for x in range(1, n):
                pred[x][0] = (p[(x, -1)] + 3 * dc + 2) >> 2
            for y in range(1, n):
                pred[0][y] = (p[(-1, y)] + 3 * dc + 2) >> 2
    else:            # 8.4.4.2.6 angular
        ang = ANGLE[mode]
        ref = {}
        if mode >= 18:
            for x in range(n + 1):
                ref[x] = p[(-1 + x, -1)]
            if ang < 0:
                if (n * ang) >> 5 < -1:
                    for x in range((n * ang) >> 5, 0):
                        ref[x] = p[(-1, -1 + ((x * INV_ANGLE[mode] + 128) >> 8))]
            else:
                for x in range(n + 1, 2 * n + 1):
                    ref[x] = p[(-1 + x, -1)]
            for x in range(n):
                for y in range(n):
                    i_idx = ((y + 1) * ang) >> 5
                    i_fact = ((y + 1) * ang) & 31
                    if i_fact != 0:
                        pred[x][y] = ((32 - i_fact) * ref[x + i_idx + 1]
                                      + i_fact * ref[x + i_idx + 2] + 16) >> 5
                    else:
                        pred[x][y] = ref[x + i_idx + 1]
                    if mode == 26 and c_idx == 0 and n < 32 and x == 0:
                        pred[x][y] = clip1(p[(x, -1)] + ((p[(-1, y)] - p[(-1, -1)]) >> 1))
        else:
            for x in range(n + 1):
                ref[x] = p[(-1, -1 + x)]
            if ang < 0:
                if (n * ang) >> 5 < -1:
                    for x in range((n * ang) >> 5, 0):
                        ref[x] = p[(-1 + ((x * INV_ANGLE[mode] + 128) >> 8), -1)]
            else:
                for x in range(n + 1, 2 * n + 1):
                    ref[x] = p[(-1, -1 + x)]
            for x in range(n):
                for y in range(n):
                    i_idx = ((x + 1) * ang) >> 5
                    i_fact = ((x + 1) * ang) & 31
                    if i_fact != 0:
                        pred[x][y] = ((32 - i_fact) * ref[y + i_idx + 1]
                                      + i_fact * ref[y + i_idx + 2] + 16) >> 5
                    else:
                        pred[x][y] = ref[y + i_idx + 1]
                    if mode == 10 and c_idx == 0 and n < 32 and y == 0:
                        pred[x][y] = clip1(p[(-1, y)] + ((p[(x, -1)] - p[(-1, -1)]) >> 1))
    return np.array(pred, dtype=np.int64).T   # -> [y, x]


# ---------------------------------------------------------------------------
# test pictures and positions
# ---------------------------------------------------------------------------
LUMA_W, LUMA_H = 200, 136   # multiples of 8, partial CTBs at right and bottom


def make_planes(kind, seed):
    rng = np.random.default_rng(seed)
    h, w = LUMA_H, LUMA_W
    if kind == "random":
        y = rng.integers(0, 256, (h, w))
    else:  # smooth ramp with tiny noise: triggers strong intra smoothing
        yy, xx = np.mgrid[0:h, 0:w]
        y = 40 + (xx + yy) // 2 + rng.integers(0, 2, (h, w))
    cb = rng.integers(0, 256, (h // 2, w // 2)) if kind == "random" else y[::2, ::2] // 2 + 10
    return [np.ascontiguousarray(y, dtype=np.int16), np.ascontiguousarray(cb, dtype=np.int16)]


def positions(n, comp_w, comp_h, rng, count):
    """TB positions aligned to n: corners, edges, plus random ones."""
    xs = [0, (comp_w - n) // n * n]
    ys = [0, (comp_h - n) // n * n]
    pos = {(x, y) for x in xs for y in ys}
    pos |= {(n, n), (n, 0), (0, n)}
    while len(pos) < count:
        pos.add((int(rng.integers(0, comp_w // n)) * n, int(rng.integers(0, comp_h // n)) * n))
    return sorted(p for p in pos if p[0] + n <= comp_w and p[1] + n <= comp_h)


@pytest.mark.parametrize("kind", ["random", "smooth"])
@pytest.mark.parametrize("c_idx", [0, 1])
@pytest.mark.parametrize("log2", [2, 3, 4, 5])
def test_predict_intra_vs_reference(kind, c_idx, log2):
    planes = make_planes(kind, 1000 + 10 * log2 + c_idx)
    rec = planes[c_idx]
    h, w = rec.shape
    n = 1 << log2
    rng = np.random.default_rng(log2 * 7 + c_idx)
    pred = np.zeros((n, n), np.int32)
    poss = positions(n, w, h, rng, 9 if log2 < 5 else 6)
    n_checked = 0
    for i, (x0, y0) in enumerate(poss):
        ctb_log2 = [6, 5, 4][i % 3]
        if (log2 + (1 if c_idx else 0)) > ctb_log2:
            ctb_log2 = 6
        sis = (i % 2 == 0) or kind == "smooth"
        for mode in range(35):
            predict_intra(rec, x0, y0, log2, c_idx, mode, w, h, ctb_log2, int(sis), pred)
            exp = ref_predict(rec, x0, y0, log2, c_idx, mode, w, h, ctb_log2, sis)
            if not np.array_equal(pred, exp):
                raise AssertionError(f"mismatch c{c_idx} n{n} pos({x0},{y0}) ctb{ctb_log2} "
                                     f"mode{mode}\n{pred}\n{exp}")
            n_checked += 1
    assert n_checked >= 35 * 4


def test_partial_availability_inside_ctb():
    """Second/third/fourth quadrants of a split: above-right / below-left partly
    available, with neighbours decoded (z-scan) or not."""
    planes = make_planes("random", 7)
    rec = planes[0]
    h, w = rec.shape
    for log2 in (2, 3, 4):
        n = 1 << log2
        pred = np.zeros((n, n), np.int32)
        for (x0, y0) in [(64 + n, 0 + n), (64 + n, 64), (64, 64 + n), (64 + 3 * n, n),
                         (64 - n, 64 + n), (192 - n, 64 + 64 - n)]:
            if x0 + n > w or y0 + n > h:
                continue
            for mode in (0, 1, 2, 10, 18, 26, 34, 5, 30):
                predict_intra(rec, x0, y0, log2, 0, mode, w, h, 6, 1, pred)
                exp = ref_predict(rec, x0, y0, log2, 0, mode, w, h, 6, True)
                assert np.array_equal(pred, exp), (x0, y0, log2, mode)


def test_strong_smoothing_triggered():
    """On a smooth ramp the bilinear path must actually run (sanity of the test set)."""
    rec = make_planes("smooth", 3)[0]
    h, w = rec.shape
    pred = np.zeros((32, 32), np.int32)
    pred2 = np.zeros((32, 32), np.int32)
    predict_intra(rec, 64, 64, 5, 0, 0, w, h, 6, 1, pred)
    predict_intra(rec, 64, 64, 5, 0, 0, w, h, 6, 0, pred2)
    assert np.array_equal(pred, ref_predict(rec, 64, 64, 5, 0, 0, w, h, 6, True))
    assert np.array_equal(pred2, ref_predict(rec, 64, 64, 5, 0, 0, w, h, 6, False))


# ---------------------------------------------------------------------------
# 8.4.2 / 8.4.3
# ---------------------------------------------------------------------------

def ref_mpm(a, b):
    if b == a:
        if a < 2:
            return [0, 1, 26]
        return [a, 2 + ((a + 29) % 32), 2 + ((a - 2 + 1) % 32)]
    lst = [a, b]
    if a != 0 and b != 0:
        lst.append(0)
    elif a != 1 and b != 1:
        lst.append(1)
    else:
        lst.append(26)
    return lst


def test_mpm_all_pairs_and_roundtrip():
    cand = np.zeros(3, np.int32)
    for a in range(35):
        for b in range(35):
            mpm_candidates(a, b, cand)
            exp = ref_mpm(a, b)
            assert list(cand) == exp, (a, b)
            assert len(set(exp)) == 3
            others = [m for m in range(35) if m not in exp]
            for mode in range(35):
                flag, v = mpm_code(mode, cand)
                if mode in exp:
                    assert flag == 1 and exp[v] == mode
                else:
                    assert flag == 0 and others[v] == mode and 0 <= v < 32
                assert luma_mode_from_mpm(flag, v if flag else 0, 0 if flag else v, cand) == mode


def test_chroma_pred_mode():
    for luma in range(35):
        for icpm, m in enumerate([0, 26, 10, 1]):
            assert chroma_pred_mode(icpm, luma) == (34 if m == luma else m)
        assert chroma_pred_mode(4, luma) == luma
