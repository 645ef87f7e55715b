#!/usr/bin/env python3
"""dlvc-enc against HM timed side by side: process wall-clock time, alternating per QP.

This machine's speed drifts (HM's own Carphone all-intra sweep took 0.88x and, an hour
later, 0.60x its recorded time in ../shared/anchors/hm.csv), so a ratio to HM's recorded
times mixes dlvc's speed with the machine's.  Here each QP is encoded by dlvc-enc and then by
HM's TAppEncoder right after it, both as whole processes (start-up included), and the
ratio of the sums is printed per repetition; at the end, the median of those ratios and the
ratio of the sums of each QP's fastest run (the machine's interference only ever adds time).

    python bench/side_by_side.py --hm /path/to/TAppEncoderStatic [--seq sequences/Carphone_176x144_30.yuv]
        [--cfg cfg/intra.cfg] [--hm-cfg ../shared/anchors/hm/cfg/encoder_intra_main.cfg]
        [--qps 22,27,32,37] [--frames 9] [--reps 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HM_CFG = os.path.join(os.path.dirname(ROOT), "shared", "anchors", "hm", "cfg", "encoder_intra_main.cfg")


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hm", default=os.environ.get("HM_ENCODER"), help="HM's TAppEncoder (or $HM_ENCODER)")
    ap.add_argument("--seq", default=os.path.join(ROOT, "sequences", "Carphone_176x144_30.yuv"))
    ap.add_argument("--cfg", default=os.path.join(ROOT, "cfg", "intra.cfg"))
    ap.add_argument("--hm-cfg", default=HM_CFG)
    ap.add_argument("--qps", default="22,27,32,37")
    ap.add_argument("--frames", type=int, default=9)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    if not args.hm:
        ap.error("give HM's encoder binary with --hm or $HM_ENCODER")
    from dlvc.eval.sequences import discover
    seq = discover([args.seq], verify_md5=False)[0]
    common = ["-i", seq.path, "-wdt", str(seq.width), "-hgt", str(seq.height), "-fr", str(seq.fps_arg()),
              "-f", str(args.frames)]
    enc = [sys.executable, "-c", "from dlvc.cli.enc import console; console()"]     # the dlvc-enc command
    ratios = []
    runs = {}                       # (program, qp) -> times
    with tempfile.TemporaryDirectory() as tmp:
        out = ["-b", os.path.join(tmp, "s.bin"), "-o", os.devnull]
        timed(enc + ["-c", args.cfg] + common + ["-q", "32"] + out)     # builds the compiled library if needed
        for rep in range(args.reps):
            dlvc = hm = 0.0
            for qp in args.qps.split(","):
                t_dlvc = timed(enc + ["-c", args.cfg] + common + ["-q", qp] + out)
                t_hm = timed([args.hm, "-c", args.hm_cfg] + common + ["-q", qp] + out)
                runs.setdefault(("dlvc", qp), []).append(t_dlvc)
                runs.setdefault(("hm", qp), []).append(t_hm)
                dlvc += t_dlvc
                hm += t_hm
            ratios.append(dlvc / hm)
            print(f"rep {rep}: dlvc-enc {dlvc:.2f} s, HM {hm:.2f} s, ratio {dlvc / hm:.2f}", flush=True)
    fastest = {p: sum(min(t) for (q, _), t in runs.items() if q == p) for p in ("dlvc", "hm")}
    print(f"median ratio dlvc-enc / HM: {statistics.median(ratios):.2f}; fastest runs: dlvc-enc "
          f"{fastest['dlvc']:.2f} s, HM {fastest['hm']:.2f} s, ratio {fastest['dlvc'] / fastest['hm']:.2f}")


if __name__ == "__main__":
    main()
