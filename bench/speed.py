#!/usr/bin/env python3
"""Encode and decode speed in frames per second, next to HM's recorded times.

Runs in one process and times the second of two runs, so Python start-up and loading
Numba's compiled code are not counted (the first run pays them); HM's times in
../shared/anchors/hm.csv are process times of its encoder and wall times of its decoder.

    python bench/speed.py [--seq sequences/Carphone_176x144_30.yuv] [--qp 32] [--frames 9]
                          [--cfg cfg/intra.cfg] [--threads 0] [--anchor AI]
"""
import argparse
import csv
import os
import re
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HM_CSV = os.path.join(os.path.dirname(ROOT), "shared", "anchors", "hm.csv")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seq", default=os.path.join(ROOT, "sequences", "Carphone_176x144_30.yuv"))
    ap.add_argument("--qp", type=int, default=32)
    ap.add_argument("--frames", type=int, default=9)
    ap.add_argument("--cfg", default=os.path.join(ROOT, "cfg", "intra.cfg"))
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--anchor", default="AI", help="HM anchor configuration to compare with (AI, LDP, ...)")
    args = ap.parse_args()
    name, w, h, fps = re.match(r"(\w+?)_(\d+)x(\d+)_(\d+)", os.path.basename(args.seq)).groups()

    from dlvc.config import parse_args
    from dlvc.decoder.decoder import Decoder
    from dlvc.encoder.encoder import encode
    cfg = parse_args(["-c", args.cfg, "-i", args.seq, "-wdt", w, "-hgt", h, "-fr", fps, "-f", str(args.frames),
                      "-q", str(args.qp), "--Verbose=0", f"--Threads={args.threads}"], warn=False)
    with tempfile.TemporaryDirectory() as tmp:
        bs = os.path.join(tmp, "s.bin")
        times = []
        for _ in range(2):
            t = time.perf_counter()
            stats = encode(cfg, bs)
            times.append(time.perf_counter() - t)
        stream = open(bs, "rb").read()
        dtimes = []
        for _ in range(2):
            t = time.perf_counter()
            n = len(list(Decoder().decode(stream)))
            dtimes.append(time.perf_counter() - t)
    enc_s, dec_s = times[1], dtimes[1]
    print(f"{name} {w}x{h} QP {args.qp}, {args.frames} frames, {os.path.basename(args.cfg)}: "
          f"{stats['bitrate_kbps']:.1f} kbps, Y {stats['psnr_y']:.2f} dB")
    print(f"  dlvc encode {enc_s:.2f} s ({args.frames / enc_s:.2f} fps, threads {cfg.Threads or os.cpu_count()}), "
          f"decode {dec_s:.3f} s ({n / dec_s:.1f} fps)")
    if os.path.exists(HM_CSV):
        for r in csv.DictReader(open(HM_CSV)):
            if (r["config"], r["sequence"], int(r["qp"])) == (args.anchor, name, args.qp):
                he, hd, hf = float(r["encode_s"]), float(r["decode_s"]), int(r["frames"])
                print(f"  HM {args.anchor} ({hf} frames): encode {he:.2f} s ({hf / he:.2f} fps), decode {hd:.3f} s "
                      f"({hf / hd:.1f} fps); dlvc/HM time per frame: encode {enc_s / args.frames / (he / hf):.2f}x, "
                      f"decode {dec_s / n / (hd / hf):.2f}x")


if __name__ == "__main__":
    main()
