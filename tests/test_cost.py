"""dlvc/encoder/cost.py against slow numpy references (HM TComRdCost semantics)."""
import numpy as np
import pytest

from dlvc.encoder.cost import sad, satd, sse


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
    tot = 0
    for y in range(0, h, k):
        for x in range(0, w, k):
            tot += norm(int(np.abs(hk @ d[y:y + k, x:x + k] @ hk.T).sum()))
    return tot


@pytest.mark.parametrize("w,h", [(4, 4), (8, 8), (16, 16), (32, 32), (64, 64), (8, 4), (4, 8),
                                 (16, 4), (12, 8), (32, 8), (24, 16), (2, 2), (6, 2), (2, 6)])
def test_satd_sse_sad_vs_reference(w, h):
    rng = np.random.default_rng(w * 100 + h)
    plane = rng.integers(0, 256, (80, 96)).astype(np.int16)
    for _ in range(4):
        pred = rng.integers(0, 256, (h + 3, w + 5)).astype(np.int32)
        x, y = int(rng.integers(0, 96 - w + 1)), int(rng.integers(0, 80 - h + 1))
        px, py = int(rng.integers(0, 6)), int(rng.integers(0, 4))
        a = plane[y:y + h, x:x + w]
        b = pred[py:py + h, px:px + w]
        assert satd(plane, x, y, pred, px, py, w, h) == ref_satd(a, b)
        d = a.astype(np.int64) - b
        assert sse(plane, x, y, pred, px, py, w, h) == int((d * d).sum())
        assert sad(plane, x, y, pred, px, py, w, h) == int(np.abs(d).sum())


def test_satd_zero_and_dc():
    a = np.full((8, 8), 100, np.int16)
    b = np.full((8, 8), 100, np.int32)
    assert satd(a, 0, 0, b, 0, 0, 8, 8) == 0
    b[:] = 99   # DC difference 1 -> Hadamard DC 64 -> (64 + 2) >> 2
    assert satd(a, 0, 0, b, 0, 0, 8, 8) == 16
    assert satd(a, 0, 0, b, 0, 0, 4, 4) == 8
