#!/usr/bin/env python3
"""The learned codecs (SSF, DVC): what dlvc-eval does not measure.  Prints figures, asserts nothing.

    python bench/learned.py threads [--seq PATH W H FPS] [--frames 9] [--rate 2]
    python bench/learned.py curves [--weights DIR]

``threads``: encode with 1 and 2 torch threads, decode each stream with 1 and 2 threads;
says which decodes equal the encoder's reconstruction and whether the two streams are
identical (the README's "Thread determinism").
``curves``: fits the validation RD cost J(steps) = a + b * steps^-c of every rate-point-2
training record (dlvc/learned/weights/*_q2.json, whose curves go on across --init runs of
the same lambda) and predicts J at 10x, 100x and 1000x the steps trained.

RD, speed and BD-rate against HM, x264 and x265: dlvc-eval (reports/README.md, "Learned").
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def bunny_crop():
    """BunnyCrop from ../shared/sequences' manifest, its .yuv found as dlvc-eval finds it (there,
    in DLVC_SEQUENCES or in ../seqs), MD5 checked."""
    from dlvc.eval.sequences import discover
    dirs = [d for d in os.environ.get("DLVC_SEQUENCES", "").split(os.pathsep) if d]
    s = discover([os.path.join(ROOT, "..", "shared", "sequences")], dirs + [os.path.join(ROOT, "..", "seqs")],
                 ["BunnyCrop"])[0]
    return s.path, s.width, s.height, s.fps


def threads_check(path, w, h, fps, model, rate, n):
    from dlvc.learned.codec import decode_stream, encode_sequence
    res = {}
    with tempfile.TemporaryDirectory() as work:
        streams = {}
        for te in (1, 2):
            b = os.path.join(work, f"{te}.bin")
            encode_sequence({"InputFile": path, "SourceWidth": w, "SourceHeight": h, "FrameRate": fps,
                             "FramesToBeEncoded": n, "BitstreamFile": b, "ReconFile": b + ".rec",
                             "Codec": model, "LearnedRatePoint": rate, "LearnedThreads": te})
            with open(b, "rb") as f:
                streams[te] = f.read()
            for td in (1, 2):
                try:
                    decode_stream(b, b + f".dec{td}", {"LearnedThreads": td})
                    with open(b + ".rec", "rb") as x, open(b + f".dec{td}", "rb") as y:
                        res[f"encode {te} -> decode {td} threads"] = "identical" if x.read() == y.read() else "DIFFERENT"
                except Exception as e:  # a mismatch can desynchronise the entropy decoder
                    res[f"encode {te} -> decode {td} threads"] = f"failed: {' '.join(str(e).split())[:80]}"
        res["streams of 1 and 2 threads"] = "identical" if streams[1] == streams[2] else "DIFFERENT"
    return res


def fit_curves(folder):
    from scipy.optimize import curve_fit
    out = {}
    for f in sorted(os.listdir(folder)):
        if not f.endswith("_q2.json"):
            continue
        with open(os.path.join(folder, f)) as fh:
            rec = json.load(fh)
        pts = [(v["step"], v["rd_cost"]) for v in rec["validation_curve"]
               if v["step"] > 0 and np.isfinite(v["rd_cost"])]
        if len(pts) < 3:
            continue
        x, y = (np.array(c, float) for c in zip(*pts))
        try:
            (a, b, c), _ = curve_fit(lambda s, a, b, c: a + b * s ** -c, x, y,
                                     p0=(y[-1] * 0.5, y[0] * x[0] ** 0.5, 0.5),
                                     bounds=([0, 0, 0.01], [np.inf, np.inf, 3]), maxfev=20000)
        except (RuntimeError, ValueError) as e:
            out[f] = {"error": str(e)}
            continue
        out[f] = {"steps": int(x[-1]), "J_last": float(y[-1]), "a": a, "b": b, "c": c,
                  "J_predicted": {int(k * x[-1]): float(a + b * (k * x[-1]) ** -c) for k in (10, 100, 1000)},
                  "validation": rec["validation"]}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("threads")
    t.add_argument("--seq", nargs=4, metavar=("PATH", "W", "H", "FPS"))
    t.add_argument("--frames", type=int, default=9)
    t.add_argument("--rate", type=int, default=2)
    t.add_argument("--models", nargs="+", default=["ssf", "dvc"])
    c = sub.add_parser("curves")
    c.add_argument("--weights", default=os.path.join(ROOT, "dlvc", "learned", "weights"))
    a = ap.parse_args()
    if a.cmd == "threads":
        path, w, h, fps = a.seq or bunny_crop()
        for m in a.models:
            print(m, json.dumps(threads_check(path, int(w), int(h), float(fps), m, a.rate, a.frames), indent=1))
    else:
        print(json.dumps(fit_curves(a.weights), indent=1))


if __name__ == "__main__":
    main()
