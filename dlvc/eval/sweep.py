"""Execute runs: cache look-up, a local process pool or a Dask cluster, progress with ETA.

Every run is an independent task (``execute`` on a picklable RunSpec), so the same code
runs in a local ``ProcessPoolExecutor`` (``--jobs``, default the number of cores) or on a
Dask cluster (``--scheduler tcp://host:8786``; workers need the repo importable and the
sequences and cfgs at the same paths).  The coordinating process writes each result to the
cache the moment it arrives, so an interrupted sweep keeps every finished run and a
re-run executes only what is missing.  At most ``jobs`` runs are in flight, so the
progress bar's "running" count is exact.
"""
import concurrent.futures as cf
import multiprocessing
import os
import tempfile
import traceback

from .errors import EvalError

# set in each local pool worker: the cores one run may use, the machine's shared by the runs in
# flight (runner_dlvc gives them to dlvc-dec's CNN filter: torch's spinning thread pools,
# several per core, made its decode time 4x longer)
RUN_CORES_ENV = "DLVC_EVAL_RUN_CORES"


def _runner(codec):
    if codec == "dlvc":
        from . import runner_dlvc
        return runner_dlvc
    if codec == "hm":
        from . import anchors_hm
        return anchors_hm
    from . import anchors_pyav
    if codec in anchors_pyav.ENCODERS:
        return anchors_pyav
    raise EvalError(f"unknown codec {codec!r}")


def execute(spec, keep_dir=None):
    """Run one spec in a scratch folder. Returns ("ok", result) or ("error", one-line message)."""
    os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1: errors only
    try:
        with tempfile.TemporaryDirectory(prefix="dlvc-eval-") as d:
            res = _runner(spec.codec).run(spec, d)
        res.update(codec=spec.codec, label=spec.label, sequence=spec.seq.name, qp=spec.qp, point=spec.point,
                   frames=spec.frames, fps=spec.seq.fps_arg(), spec=spec.to_json(),
                   host=os.uname().nodename)
        return "ok", res
    except EvalError as e:
        return "error", str(e)
    except Exception as e:  # a runner bug must fail one run, not the sweep
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return "error", f"{spec.describe()}: {type(e).__name__}: {e} ({tb.filename}:{tb.lineno})"


def _init_worker(parent, cores):
    """Pool worker initializer: the cores a run may use (RUN_CORES_ENV); exit if the
    coordinating process dies (killed sweeps leave no orphaned workers behind)."""
    import threading
    import time
    os.environ[RUN_CORES_ENV] = str(cores)

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


class _Local:
    def __init__(self, jobs):
        self.jobs = jobs
        self.pool = cf.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_init_worker,
                                           initargs=(os.getpid(), max(1, (os.cpu_count() or 1) // jobs)))

    def submit(self, spec):
        return self.pool.submit(execute, spec)

    def wait(self, futs):
        done, _ = cf.wait(futs, return_when=cf.FIRST_COMPLETED)
        return done

    def close(self, cancel=False):
        if cancel:  # interrupted: stop the runs in flight now, not after they finish
            for p in list(getattr(self.pool, "_processes", {}).values()):
                p.terminate()
        self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _Dask:
    def __init__(self, scheduler, jobs):
        from distributed import Client
        self.client = scheduler if hasattr(scheduler, "submit") else Client(scheduler)
        self.own = self.client is not scheduler
        self.jobs = jobs or max(1, sum(self.client.nthreads().values()))

    def submit(self, spec):
        return self.client.submit(execute, spec, pure=False)

    def wait(self, futs):
        from distributed import wait
        return wait(list(futs), return_when="FIRST_COMPLETED").done

    def close(self, cancel=False):
        if self.own:
            self.client.close()


def run_specs(specs, cache, jobs=None, scheduler=None, progress=True, desc="runs"):
    """Run every spec not in the cache.
    Returns (results by key, failures [(spec, message)], keys of the runs executed now)."""
    results, todo, seen = {}, [], set()
    for s in specs:
        k = s.key()
        if k in seen:
            continue
        seen.add(k)
        hit = cache.get(k)
        if hit is not None:
            results[k] = hit
        else:
            todo.append((k, s))
    failures, executed = [], [k for k, _ in todo]
    if not todo:
        return results, failures, executed
    ex = _Dask(scheduler, jobs) if scheduler else _Local(jobs or os.cpu_count() or 1)
    bar = _bar(len(todo), len(results), progress, desc)
    pending, queue = {}, list(todo)
    try:
        while queue or pending:
            while queue and len(pending) < ex.jobs:
                k, s = queue.pop(0)
                pending[ex.submit(s)] = (k, s)
            _postfix(bar, len(pending), len(failures))
            for fut in ex.wait(pending):
                k, s = pending.pop(fut)
                status, payload = fut.result()
                if status == "ok":
                    results[k] = cache.put(k, payload)
                else:
                    failures.append((s, payload))
                bar.update(1)
        _postfix(bar, 0, len(failures))
    except BaseException:
        bar.close()
        ex.close(cancel=True)
        raise
    bar.close()
    ex.close()
    return results, failures, executed


def _bar(total, cached, progress, desc):
    from tqdm import tqdm
    return tqdm(total=total, desc=f"{desc} ({cached} cached)", unit="run", disable=not progress,
                dynamic_ncols=True, smoothing=0.1)


def _postfix(bar, running, failed):
    left = bar.total - bar.n - running
    bar.set_postfix_str(f"running {running}, left {left}" + (f", FAILED {failed}" if failed else ""))


def warmup(specs, cache):
    """Before timing dlvc, encode 1 frame once per dlvc configuration (not timed, not cached)
    so Numba's compile cache is filled and compile time stays out of measured times."""
    import dataclasses
    done = set()
    for s in specs:
        if (s.codec != "dlvc" or s.param.get("points") or (s.cfgs, s.overrides) in done
                or cache.get(s.key()) is not None):  # the learned codecs have nothing to compile
            continue
        done.add((s.cfgs, s.overrides))
        execute(dataclasses.replace(s, frames=1, qp=32))  # errors resurface in the real runs
