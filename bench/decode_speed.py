#!/usr/bin/env python3
"""dlvc-dec against HM's decoder on HM's own anchor streams, process for process.

HM's decode times in ../shared/anchors/streams.csv are wall-clock seconds of a whole
TAppDecoder process (decode and write the .yuv).  This runs the installed dlvc-dec the same
way on the same streams, checks every output against HM's decoded MD5, and prints wall and
CPU time (median of --runs) with the ratio to HM.  The first decode builds dlvc-dec's
ahead-of-time library if it is missing (dlvc/aot.py); it is not timed.

    python bench/decode_speed.py [--configs AI,LDP] [--runs 3] [--anchors ../shared/anchors]
"""
import argparse
import csv
import hashlib
import os
import statistics
import tempfile

from dlvc.aot import DECODER
from dlvc.eval.proc import run_timed
from dlvc.eval.runner_dlvc import child_env, default_command

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--anchors", default=os.path.join(os.path.dirname(ROOT), "shared", "anchors"))
    ap.add_argument("--configs", default="AI,LDP")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    env = child_env()                # as dlvc-eval times its children (bytecode kept)
    rows = [r for r in csv.DictReader(open(os.path.join(args.anchors, "streams.csv")))
            if r["config"] in args.configs.split(",")]
    cmd = default_command("dlvc-dec")
    print(f"dlvc-dec: {' '.join(cmd)}")
    print(f"{'stream':28s} {'frames':>6s} {'HM s':>7s} {'dlvc wall':>9s} {'CPU':>7s} {'wall/HM':>8s} {'fps':>7s} md5")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        out, log = os.path.join(tmp, "dec.yuv"), os.path.join(tmp, "dec.log")
        for i, r in enumerate(rows):
            name = f"{r['config']}_{r['sequence']}_QP{r['qp']}"
            bs = os.path.join(args.anchors, "hm", "streams", name + ".bin")
            if i == 0:
                run_timed(cmd + ["-b", bs, "-o", out], log, env=env)     # builds the library if missing
                if DECODER.build_message in open(log).read():
                    print(f"  (first run: dlvc-dec: {DECODER.build_message})")
            walls, cpus = [], []
            for _ in range(args.runs):
                wall, cpu = run_timed(cmd + ["-b", bs, "-o", out], log, env=env)
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
