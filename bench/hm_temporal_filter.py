#!/usr/bin/env python3
"""What HM's temporal pre-filter is worth in its own low-delay P anchors.

HM's LDP cfg switches on ``TemporalFilter`` (motion-compensated filtering of the source
before coding; encoder-only), which dlvc does not implement.  This encodes the clips again
with HM and ``--TemporalFilter=0`` (otherwise the anchors' command line, see
../shared/anchors/README.md) and prints the BD-rate (pchip, Y and YUV) of those encodes
against HM's anchor logs (filter on): a positive figure is the rate the filter saves HM, a
part of dlvc's gap to the anchors that is not the codec's.

    python bench/hm_temporal_filter.py --hm PATH/TAppEncoderStatic [--only Carphone,BunnyCrop]
        [--workdir DIR]   (complete logs already in DIR are reused)
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANCHORS = os.path.join(os.path.dirname(ROOT), "shared", "anchors")
QPS = (22, 27, 32, 37)


def main():
    from dlvc.eval.anchors_hm import CFG_FILES, log_frames, log_path, parse_encoder_log
    from dlvc.eval.bdrate import bd_rate
    from dlvc.eval.errors import EvalError
    from dlvc.eval.sequences import discover
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hm", default=os.environ.get("HM_ENCODER"), help="HM's TAppEncoder (or $HM_ENCODER)")
    ap.add_argument("--sequences", default=os.environ.get("DLVC_SEQUENCES", os.path.join(ROOT, "sequences")))
    ap.add_argument("--anchors", default=ANCHORS)
    ap.add_argument("--only", default="", help="comma-separated sequence names")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    if not args.hm:
        ap.error("give HM's encoder binary with --hm or $HM_ENCODER")
    work = args.workdir or tempfile.mkdtemp(prefix="hm_tf_")
    os.makedirs(work, exist_ok=True)
    cfg = os.path.join(args.anchors, "hm", "cfg", CFG_FILES["LDP"])
    only = set(filter(None, args.only.split(",")))
    try:
        seqs = [s for s in discover([args.sequences], verify_md5=False) if not only or s.name in only]
        for seq in seqs:
            frames = log_frames(args.anchors, "LDP", seq.name, QPS)
            on, off = [], []
            for qp in QPS:
                log = os.path.join(work, f"{seq.name}_QP{qp}.log")
                try:
                    parse_encoder_log(log)
                except EvalError:
                    with open(log, "w") as f:
                        subprocess.run([args.hm, "-c", cfg, "-i", seq.path, "-wdt", str(seq.width),
                                        "-hgt", str(seq.height), "-fr", str(seq.fps_arg()), "-f", str(frames),
                                        "-q", str(qp), "--InputBitDepth=8", "--InputChromaFormat=420",
                                        "--TemporalFilter=0", "-b", os.path.join(work, "s.bin"),
                                        "-o", os.devnull], stdout=f, stderr=subprocess.STDOUT, check=True)
                for dest, path in ((on, log_path(args.anchors, "LDP", seq.name, qp)), (off, log)):
                    s = parse_encoder_log(path)["summary"]
                    dest.append((s["bitrate_kbps"], s["psnr_y"], s["psnr_yuv"]))
            y = bd_rate([(r, p) for r, p, _ in on], [(r, p) for r, p, _ in off])
            yuv = bd_rate([(r, q) for r, _, q in on], [(r, q) for r, _, q in off])
            print(f"{seq.name}: TemporalFilter off vs on (HM, LDP, {frames} frames): BD-rate Y {y:+.2f} %, "
                  f"YUV {yuv:+.2f} %", flush=True)
    except EvalError as e:
        sys.exit(f"hm_temporal_filter: {e}")


if __name__ == "__main__":
    main()
