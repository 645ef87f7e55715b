"""Run a codec binary as a child process: wall and CPU time of that child alone, output logged.

CPU time (user+sys of the child, from wait4) is what HM's ``Total Time`` reports
(clock()), so it is the time the CTC ratios use; wall time is kept beside it.
"""
import os
import subprocess
import time

from .errors import EvalError


def run_timed(cmd, log_path, env=None, cwd=None, what="command"):
    """Run cmd, stdout+stderr to log_path. Returns (wall_s, cpu_s). Raises EvalError on failure."""
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        except OSError as e:
            raise EvalError(f"{what}: cannot start {cmd[0]}: {e.strerror}") from None
        try:
            _, status, ru = os.wait4(p.pid, 0)
        except BaseException:
            p.kill()
            p.wait()
            raise
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
    if p.returncode != 0:
        with open(log_path, "rb") as f:
            tail = f.read()[-2000:].decode("utf-8", "replace").strip().splitlines()
        last = tail[-1] if tail else "(no output)"
        raise EvalError(f"{what} failed (exit {p.returncode}): {last} [log: {log_path}]")
    return wall, ru.ru_utime + ru.ru_stime
