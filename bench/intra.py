#!/usr/bin/env python3
"""Benchmark: all-intra dlvc against HM's all-intra anchors (issue: intra foundation).

Encodes every sequence of ../shared/sequences (first 9 frames, as HM's AI anchors) with
cfg/intra.cfg at QP 22, 27, 32 and 37 through dlvc-eval, which caches runs, checks
that dlvc-dec and FFmpeg decode every stream bit-exactly and writes the CTC-style
report; then prints BD-rate (Y, YUV; piecewise cubic) and encode/decode frames per
second next to HM's recorded times (../shared/anchors/hm.csv).

    python bench/intra.py [--jobs N] [--only Carphone,BunnyCrop] [--out reports/intra]
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--only", default="")
    ap.add_argument("--out", default=os.path.join(ROOT, "reports", "intra"))
    ap.add_argument("--cfg", default=os.path.join(ROOT, "cfg", "intra.cfg"))
    args, extra = ap.parse_known_args(argv)
    cmd = [sys.executable, "-m", "dlvc.cli.eval", "report",
           "--sequences", os.path.join(SHARED, "sequences"), "--yuv-dir", os.path.join(ROOT, "sequences"),
           "--anchor-config", "AI", "--cfg", args.cfg, "--codecs", "", "--frames", "anchor",
           "--jobs", str(args.jobs), "--out", args.out] + (["--only", args.only] if args.only else []) + extra
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    with open(os.path.join(args.out, "report.json")) as f:
        report = json.load(f)
    print(json.dumps(report.get("summary", report), indent=1)[:4000])


if __name__ == "__main__":
    main()
