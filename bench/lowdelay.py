#!/usr/bin/env python3
"""Benchmark: low-delay P dlvc against HM's LDP anchors (issue: inter coding).

Runs ``dlvc-eval report --anchor-config LDP --cfg cfg/lowdelay.cfg`` over the sequences of
../shared/sequences (QP 22, 27, 32, 37; frame counts of HM's anchor logs unless --frames
is given).  dlvc-eval caches runs, checks that dlvc-dec and FFmpeg decode every stream
bit-exactly and writes the CTC-style report; this script then prints the BD-rates against
HM and dlvc's encode / decode frames per second.  HM's LDP anchors use TemporalFilter 1,
which dlvc does not implement; what it is worth to HM itself is measured by
bench/hm_temporal_filter.py (filter off vs on: Carphone +0.47 % Y, BunnyCrop -0.37 % Y).

    python bench/lowdelay.py [--jobs N] [--only Carphone] [--frames 9] [--codecs x265,x264] [--out reports/lowdelay]
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def _fps(report):
    """(encode fps, decode fps) of dlvc's runs when the report records times."""
    enc = dec = frames = 0.0
    for run in report.get("runs", []):
        if run.get("codec", "dlvc") != "dlvc" and run.get("config", "dlvc") != "dlvc":
            continue
        n = run.get("frames") or 0
        frames += n
        enc += run.get("encode_s", 0.0) or 0.0
        dec += run.get("decode_s", 0.0) or 0.0
    return (frames / enc if enc else None, frames / dec if dec else None)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--only", default="")
    ap.add_argument("--frames", default="anchor")
    ap.add_argument("--out", default=os.path.join(ROOT, "reports", "lowdelay"))
    ap.add_argument("--cfg", default=os.path.join(ROOT, "cfg", "lowdelay.cfg"))
    ap.add_argument("--codecs", default="x265,x264",
                    help="other codecs on the plots, as in the committed reports/lowdelay ('' for none)")
    args, extra = ap.parse_known_args(argv)
    cmd = [sys.executable, "-m", "dlvc.cli.eval", "report",
           "--sequences", os.path.join(SHARED, "sequences"), "--yuv-dir", os.path.join(ROOT, "sequences"),
           "--anchor-config", "LDP", "--cfg", args.cfg, "--codecs", args.codecs, "--frames", args.frames,
           "--jobs", str(args.jobs), "--out", args.out] + (["--only", args.only] if args.only else []) + extra
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    with open(os.path.join(args.out, "report.json")) as f:
        report = json.load(f)
    print(json.dumps(report.get("summary", report), indent=1)[:4000])
    enc_fps, dec_fps = _fps(report)
    if enc_fps:
        print(f"dlvc encode: {enc_fps:.3f} fps" + (f", decode: {dec_fps:.2f} fps" if dec_fps else ""))


if __name__ == "__main__":
    main()
