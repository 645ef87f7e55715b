"""The CTU scheduler (encoder/wavefront.py): dependencies, context hand-over between rows,
several pictures at once, errors.  compress_ctu is replaced by a recorder, so these tests
check the scheduling itself."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from dlvc.core.params import NUM_PARAMS, P_CTB_LOG2, P_PIC_H, P_PIC_W
from dlvc.encoder import wavefront


class Recorder:
    """Stands in for compress_ctu: checks that the left, above and above-right CTUs were done
    before, and counts CTUs in the row's contexts (ctx[0])."""

    def __init__(self, fail_at=None):
        self.lock = threading.Lock()
        self.done = {}
        self.seen = {}
        self.fail_at = fail_at

    def __call__(self, org, planes, coef, meta, prm, ep, ctx, we, bufe, wk, snaps, cand, x, y, inter):
        pic, size = id(meta), 1 << int(prm[P_CTB_LOG2])
        c, r = x // size, y // size
        last = (int(prm[P_PIC_W]) - 1) // size
        if (pic, c, r) == self.fail_at:
            raise ValueError("CTU failed")
        with self.lock:
            done = self.done.setdefault(pic, set())
            needed = [(c - 1, r)] * (c > 0) + [(min(c + 1, last), r - 1)] * (r > 0)
            assert all(n in done for n in needed), (c, r, sorted(done))
            self.seen[(pic, c, r)] = int(ctx[0])
        ctx[0] += 1
        time.sleep(0.002)      # let other workers run meanwhile
        with self.lock:
            done.add((c, r))


def picture(width, height, log2=4):
    prm = np.zeros(NUM_PARAMS, np.int32)
    prm[P_PIC_W], prm[P_PIC_H], prm[P_CTB_LOG2] = width, height, log2
    return (None, None, None, np.zeros(1), prm, None)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("width, height", [(80, 48), (16, 64), (64, 16), (100, 70)])
def test_order_and_contexts(monkeypatch, threads, width, height):
    rec = Recorder()
    monkeypatch.setattr(wavefront, "compress_ctu", rec)
    dec = wavefront.CtuDecider(threads)
    args = picture(width, height)
    ctx0 = np.zeros(4, np.uint8)
    dec.decide(*args, ctx0, None)
    dec.close()
    cols, rows = -(-width // 16), -(-height // 16)
    sync = min(1, cols - 1)
    # row r starts from the contexts row r - 1 had after its CTU ``sync`` (WPP's storage)
    assert {(c, r): v for (_, c, r), v in rec.seen.items()} == \
        {(c, r): r * (sync + 1) + c for c in range(cols) for r in range(rows)}
    assert ctx0[0] == 0


def test_pictures_at_once(monkeypatch):
    """Pictures handed to one decider from several threads are all decided, each as alone."""
    rec = Recorder()
    monkeypatch.setattr(wavefront, "compress_ctu", rec)
    dec = wavefront.CtuDecider(2)
    pics = [picture(96, 64) for _ in range(5)]
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda a: dec.decide(*a, np.zeros(4, np.uint8), None), pics))
    dec.close()
    for a in pics:
        assert {(c, r): v for (p, c, r), v in rec.seen.items() if p == id(a[3])} == \
            {(c, r): r * 2 + c for c in range(6) for r in range(4)}


@pytest.mark.parametrize("threads", [1, 2])
def test_error_reaches_caller(monkeypatch, threads):
    bad, good = picture(64, 64), picture(64, 64)
    rec = Recorder(fail_at=(id(bad[3]), 1, 2))
    monkeypatch.setattr(wavefront, "compress_ctu", rec)
    dec = wavefront.CtuDecider(threads)
    with pytest.raises(ValueError, match="CTU failed"):
        dec.decide(*bad, np.zeros(4, np.uint8), None)
    dec.decide(*good, np.zeros(4, np.uint8), None)      # the decider still works
    dec.close()
    assert len([k for k in rec.seen if k[0] == id(good[3])]) == 16
