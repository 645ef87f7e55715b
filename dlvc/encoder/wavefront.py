"""The CTU decisions of pictures in wavefront order, on one or several threads.

A CTU's decisions read the reconstruction and metadata of its left, above-left, above and
above-right neighbours (intra reference samples, MPMs, merge and AMVP candidates), so CTU
rows can be decided in parallel as long as row r stays two CTUs behind row r - 1, the
dependency of WPP (H.265 6.5.2, 9.3.1).  Each row starts its CABAC *estimate* from the
contexts row r - 1 had after its second CTU, as WPP's storage process does (9.3.2.4): the
decisions, and therefore the stream, are the same for every thread count.  The stream
itself does not use WPP (entropy_coding_sync_enabled_flag = 0): slice data is written
afterwards in raster order with the true contexts, so only the rate estimates of the first
CTU of a row differ from a sequential pass.

Scheduling is per CTU: a worker goes on with its row while the row above is far enough
ahead, otherwise it takes the ready CTU (its row free, the row above far enough ahead) of
the lowest row of the oldest picture under way.  Several pictures may be decided
at once (intra pictures, from several threads): a worker never waits on a row while another
picture has work, and the last picture of a run still spreads over all workers.  Per CTU
one call into compiled code (intra_search.compress_ctu, which releases the GIL); Python
only sequences.
"""
import threading

import numpy as np

from ..core.cabac import new_writer
from ..core.ctu_syntax import CAND_SIZE
from ..core.params import P_CTB_LOG2, P_PIC_H, P_PIC_W
from .intra_search import NUM_SLOTS, compress_ctu
from .workspace import new_workspace
from .snapshot import new_snapshots


class _Scratch:
    """A CTU row's buffers: RD workspace, snapshots, MPM/QP scratch, estimating writer."""

    def __init__(self):
        self.wk = new_workspace()
        self.snaps = new_snapshots(NUM_SLOTS)
        self.cand = np.zeros(CAND_SIZE, np.int64)
        self.we, self.bufe = new_writer(16, estimate=True)


class _Picture:
    """One picture's decisions under way: per CTU row the last CTU done, whether a worker
    holds the row, its running contexts and scratch, and the contexts it hands to the row
    below (after its sync CTU)."""

    def __init__(self, args, ctx0, inter):
        self.args, self.ctx0, self.inter = args, ctx0, inter
        prm = args[4]
        self.log2 = int(prm[P_CTB_LOG2])
        size = 1 << self.log2
        self.rows = (int(prm[P_PIC_H]) + size - 1) >> self.log2
        self.cols = (int(prm[P_PIC_W]) + size - 1) >> self.log2
        self.sync = min(1, self.cols - 1)            # WPP: contexts after the row's second CTU
        self.done = [-1] * self.rows
        self.busy = [False] * self.rows
        self.ctx = [None] * self.rows
        self.below_ctx = [None] * self.rows
        self.scratch = [None] * self.rows
        self.remaining = self.rows * self.cols
        self.error = None

    def may_decide(self, r, x):
        """Whether CTU x of row r may be decided now: the row above is done up to the
        above-right neighbour (WPP's dependency)."""
        return x < self.cols and (r == 0 or self.done[r - 1] >= min(x + 1, self.cols - 1))

    def ready_row(self):
        """The lowest row whose next CTU may be decided now, or -1."""
        for r in range(self.rows):
            if not self.busy[r] and self.may_decide(r, self.done[r] + 1):
                return r
        return -1


class CtuDecider:
    """Decides and reconstructs every CTU of pictures handed to ``decide`` (from one thread or
    several), ``threads`` CTUs at once.  Keep one per encoder (or one shared by the encoders
    of parallel pictures): it owns the worker threads and the row buffers."""

    def __init__(self, threads=1):
        self.threads = max(1, int(threads))
        self.cond = threading.Condition()
        self.jobs = []                  # pictures under way, oldest first
        self.free = []                  # scratch not held by a row
        self.closed = False
        self.workers = []
        if self.threads > 1:
            self.workers = [threading.Thread(target=self._work, name=f"dlvc-wpp-{i}", daemon=True)
                            for i in range(self.threads)]
            for t in self.workers:
                t.start()

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def decide(self, org, planes, coef, meta, prm, ep, ctx0, inter):
        """org, planes, coef: (Y, Cb, Cr); meta: the picture's metadata; prm, ep: slice and
        encoder parameters; ctx0: the slice's initial contexts (not modified); inter: the
        picture's inter context (inter_search.make_inter_context)."""
        job = _Picture((org, planes, coef, meta, prm, ep), ctx0, inter)
        with self.cond:
            self.jobs.append(job)
            self.cond.notify_all()
            if self.workers:
                self.cond.wait_for(lambda: job.remaining == 0 or job.error is not None)
        if not self.workers:
            task = None
            while job.remaining and job.error is None:
                if task is None:
                    with self.cond:
                        r = job.ready_row()
                        job.busy[r] = True
                    task = (job, r)
                task = self._run(*task)
        if job.error is not None:
            raise job.error

    def _next(self):
        """The ready row of the oldest picture that has one, claimed (under the lock), or None."""
        for job in self.jobs:
            r = job.ready_row()
            if r >= 0:
                job.busy[r] = True
                return job, r
        return None

    def _work(self):
        task = None
        while True:
            if task is None:
                with self.cond:
                    task = self.cond.wait_for(lambda: self.closed or self._next())
                    if self.closed:
                        return
            task = self._run(*task)

    def _run(self, job, r):
        """Decide the next CTU of row r of job (the row is marked busy by the caller).  Returns
        the row's next CTU, claimed, when it may be decided at once: a worker keeps its row
        while it can (its contexts and scratch stay in its core's caches), or None."""
        x = job.done[r] + 1
        try:
            if x == 0:
                job.ctx[r] = (job.ctx0 if r == 0 else job.below_ctx[r - 1]).copy()
                with self.cond:
                    job.scratch[r] = self.free.pop() if self.free else None
                if job.scratch[r] is None:
                    job.scratch[r] = _Scratch()
            s, ctx = job.scratch[r], job.ctx[r]
            compress_ctu(*job.args, ctx, s.we, s.bufe, s.wk, s.snaps, s.cand, x << job.log2, r << job.log2,
                         job.inter)
            if x == job.sync:
                job.below_ctx[r] = ctx.copy()
        except BaseException as e:
            with self.cond:
                if job.error is None:
                    job.error = e
                    self.jobs.remove(job)
                self.cond.notify_all()
            if not self.workers:
                raise
            return None
        with self.cond:
            job.done[r] = x
            job.remaining -= 1
            keep = job.error is None and job.may_decide(r, x + 1)
            job.busy[r] = keep
            if x == job.cols - 1:
                self.free.append(job.scratch[r])
                job.scratch[r] = None
            if job.remaining == 0:
                self.jobs.remove(job)
            self.cond.notify_all()
        return (job, r) if keep else None
