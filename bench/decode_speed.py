#!/usr/bin/env python3
"""dlvc-dec against HM's decoder on HM's own anchor streams, process for process.

HM's decode times in ../shared/anchors/streams.csv are wall-clock seconds of a whole
TAppDecoder process (decode and write the .yuv).  This runs the installed dlvc-dec the same
way on the same streams, checks every output against HM's decoded MD5, and prints wall and
CPU time (median of --runs) with the ratio to HM.  The first decode builds dlvc-dec's
ahead-of-time library if it is missing (dlvc/decoder/aot.py); it is not timed.

    python bench/decode_speed.py [--configs AI,LDP] [--runs 3] [--anchors ../shared/anchors]
"""
import argparse
import csv
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def dlvc_dec():
    beside = os.path.join(os.path.dirname(sys.executable), "dlvc-dec")
    if os.access(beside, os.X_OK):
        return [beside]
    return [sys.executable, "-c", "import sys; from dlvc.cli.dec import main; sys.exit(main())"]


def timed(cmd, env):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode()
    p.stderr.close()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(cmd)} failed: {err.strip()}")
    return wall, ru.ru_utime + ru.ru_stime, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--anchors", default=os.path.join(os.path.dirname(ROOT), "shared", "anchors"))
    ap.add_argument("--configs", default="AI,LDP")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)       # an installed package keeps its bytecode
    rows = [r for r in csv.DictReader(open(os.path.join(args.anchors, "streams.csv")))
            if r["config"] in args.configs.split(",")]
    cmd = dlvc_dec()
    print(f"dlvc-dec: {' '.join(cmd)}")
    print(f"{'stream':28s} {'frames':>6s} {'HM s':>7s} {'dlvc wall':>9s} {'CPU':>7s} {'wall/HM':>8s} {'fps':>7s} md5")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "dec.yuv")
        for i, r in enumerate(rows):
            name = f"{r['config']}_{r['sequence']}_QP{r['qp']}"
            bs = os.path.join(args.anchors, "hm", "streams", name + ".bin")
            if i == 0:
                _, _, err = timed(cmd + ["-b", bs, "-o", out], env)    # builds the library if missing
                if err:
                    print(f"  (first run: {err.strip()})")
            walls, cpus = [], []
            for _ in range(args.runs):
                wall, cpu, _ = timed(cmd + ["-b", bs, "-o", out], env)
                walls.append(wall)
                cpus.append(cpu)
            md5 = hashlib.md5(open(out, "rb").read()).hexdigest()
            ok = "ok" if md5 == r["hm_decoded_md5"] else "MISMATCH"
            hm, wall, n = float(r["hm_decode_s"]), statistics.median(walls), int(r["frames"])
            ratios.append(wall / hm)
            print(f"{name:28s} {n:6d} {hm:7.3f} {wall:9.3f} {statistics.median(cpus):7.3f} "
                  f"{wall / hm:8.2f} {n / wall:7.1f} {ok}")
    print(f"wall time / HM's: mean {statistics.mean(ratios):.2f}, max {max(ratios):.2f} "
          f"(a quarter of HM's speed is 4.00)")


if __name__ == "__main__":
    main()
