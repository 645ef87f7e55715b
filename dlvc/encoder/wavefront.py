"""The CTU decisions of a picture in wavefront order, on one or several threads.

A CTU's decisions read the reconstruction and metadata of its left, above-left, above and
above-right neighbours (intra reference samples, MPMs, merge and AMVP candidates), so CTU
rows can be decided in parallel as long as row r stays two CTUs behind row r - 1, the
dependency of WPP (H.265 6.5.2, 9.3.1).  Each row starts its CABAC *estimate* from the
contexts row r - 1 had after its second CTU, as WPP's storage process does (9.3.2.4): the
decisions, and therefore the stream, are the same for every thread count.  The stream
itself does not use WPP (entropy_coding_sync_enabled_flag = 0): slice data is written
afterwards in raster order with the true contexts, so only the rate estimates of the first
CTU of a row differ from a sequential pass.

Per CTU one call into compiled code (intra_search.compress_ctu, which releases the GIL);
Python only sequences rows.
"""
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..core.cabac import new_writer
from ..core.ctu_syntax import CAND_SIZE
from ..core.params import P_CTB_LOG2, P_PIC_H, P_PIC_W
from .intra_search import NUM_SLOTS, compress_ctu, new_workspace
from .snapshot import new_snapshots


class _Scratch:
    """One thread's buffers: RD workspace, snapshots, MPM/QP scratch, estimating writer."""

    def __init__(self):
        self.wk = new_workspace()
        self.snaps = new_snapshots(NUM_SLOTS)
        self.cand = np.zeros(CAND_SIZE, np.int64)
        self.we, self.bufe = new_writer(16, estimate=True)


class CtuDecider:
    """Decides and reconstructs every CTU of a picture (wavefront order, ``threads`` rows at
    once).  Keep one per encoder: it owns the thread pool and the per-thread buffers."""

    def __init__(self, threads=1):
        self.threads = max(1, int(threads))
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="dlvc-wpp") if self.threads > 1 else None
        self.scratch = queue.SimpleQueue()
        for _ in range(self.threads):
            self.scratch.put(_Scratch())

    def close(self):
        if self.pool is not None:
            self.pool.shutdown()

    def decide(self, org, planes, coef, meta, prm, ep, ctx0, inter):
        """org, planes, coef: (Y, Cb, Cr); meta: the picture's metadata; prm, ep: slice and
        encoder parameters; ctx0: the slice's initial contexts (not modified); inter: the
        picture's inter context (inter_search.make_inter_context)."""
        log2 = int(prm[P_CTB_LOG2])
        size = 1 << log2
        rows = (int(prm[P_PIC_H]) + size - 1) >> log2
        cols = (int(prm[P_PIC_W]) + size - 1) >> log2
        sync = min(1, cols - 1)                 # WPP: contexts after the row's second CTU
        done = [-1] * rows                      # last finished CTU of each row
        row_ctx = [None] * rows
        failed = []
        cond = threading.Condition()

        def wait_above(r, x):
            with cond:
                cond.wait_for(lambda: failed or done[r - 1] >= x)
                if failed:
                    raise RuntimeError("another CTU row failed")

        def run_row(r):
            s = self.scratch.get()
            try:
                for x in range(cols):
                    if r > 0:
                        wait_above(r, min(x + 1, cols - 1))     # at x = 0 that is the sync CTU
                    if x == 0:
                        ctx = (ctx0 if r == 0 else row_ctx[r - 1]).copy()
                    compress_ctu(org, planes, coef, meta, prm, ep, ctx, s.we, s.bufe, s.wk, s.snaps, s.cand,
                                 x << log2, r << log2, inter)
                    if x == sync:
                        row_ctx[r] = ctx.copy()
                    with cond:
                        done[r] = x
                        cond.notify_all()
            except BaseException:
                with cond:
                    failed.append(r)
                    cond.notify_all()
                raise
            finally:
                self.scratch.put(s)

        if self.pool is None:
            for r in range(rows):
                run_row(r)
            return
        futures = [self.pool.submit(run_row, r) for r in range(rows)]
        for f in futures:
            f.result()
