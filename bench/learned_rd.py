#!/usr/bin/env python3
"""SSF and DVC on the same RD table as HM's low-delay P anchors and x264/x265 (PyAV).

    python bench/learned_rd.py [--sequences BunnyCrop Carphone ...] [--models ssf dvc]
        [--gop 12] [--threads-check] [--out out/learned_rd]

For every sequence of ../shared/anchors/hm.csv's LDP rows (same frame count as HM):
the learned codecs at their 4 rate points (encode, decode, decoded == encoder recon
checked), x264 and x265 (preset medium, tune psnr, no B-frames, one I-frame, constant
QP 22..47, one thread; the options of dlvc.eval.anchors_pyav when present), HM from
hm.csv.  BD-rate (Y and YUV PSNR, pchip) of every codec against HM, and of the
learned codecs against x264 where the curves do not overlap HM's.  Times: wall
seconds of the encode and decode loops (model loading excluded), one torch thread,
on a machine shared with other jobs: relative numbers.

Rows are cached in OUT/rows.csv (keyed by codec, sequence, point, frames, weights) so
a second run only adds what is missing.  Asserts nothing.
"""
import argparse
import csv
import json
import math
import os
import sys
import time
from fractions import Fraction

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

SHARED = os.path.join(ROOT, "..", "shared")
SEQ_DIRS = [os.path.join(SHARED, "sequences"), os.path.join(ROOT, "sequences"),
            os.path.join(ROOT, "..", "seqs")]
X_QPS = (22, 27, 32, 37, 42, 47)
FIELDS = ["codec", "sequence", "point", "frames", "weights", "bits", "bitrate_kbps", "psnr_y",
          "psnr_u", "psnr_v", "psnr_yuv", "encode_s", "decode_s", "bit_exact"]


def find_seq(name, w, h, fps):
    fn = f"{name}_{w}x{h}_{fps}.yuv"
    for d in SEQ_DIRS:
        p = os.path.join(d, fn)
        if os.path.exists(p):
            return p
    raise SystemExit(f"{fn} not found in {SEQ_DIRS} (run ../shared/sequences/make_sequences.py)")


def hm_rows(config="LDP"):
    out = {}
    with open(os.path.join(SHARED, "anchors", "hm.csv")) as f:
        for r in csv.DictReader(f):
            if r["config"] == config:
                out.setdefault(r["sequence"], []).append(r)
    return out


def seq_size():
    with open(os.path.join(SHARED, "sequences", "manifest.csv")) as f:
        return {r["name"]: (int(r["width"]), int(r["height"]), int(r["fps"])) for r in csv.DictReader(f)}


def read_frames(path, w, h, n):
    fs = w * h * 3 // 2
    raw = np.fromfile(path, np.uint8, count=fs * n)
    out = []
    for i in range(n):
        f = raw[i * fs:(i + 1) * fs]
        out.append((f[:w * h].reshape(h, w), f[w * h:w * h * 5 // 4].reshape(h // 2, w // 2),
                    f[w * h * 5 // 4:].reshape(h // 2, w // 2)))
    return out


def measure(src, dec):
    from dlvc.metrics import mse, psnr_from_mse, yuv_psnr
    ms = np.array([[mse(o, r) for o, r in zip(a, b)] for a, b in zip(src, dec)])
    ps = np.array([[psnr_from_mse(m) for m in row] for row in ms])
    return {"psnr_y": ps[:, 0].mean(), "psnr_u": ps[:, 1].mean(), "psnr_v": ps[:, 2].mean(),
            "psnr_yuv": yuv_psnr(*ms.mean(0))}


# ---------------------------------------------------------------------------------------------

def run_learned(model, rate, seq, path, w, h, fps, n, gop, work, threads=1):
    from dlvc.learned.codec import decode_stream, encode_sequence
    base = os.path.join(work, f"{model}_q{rate}_{seq}")
    cfg = {"InputFile": path, "SourceWidth": w, "SourceHeight": h, "FrameRate": fps,
           "FramesToBeEncoded": n, "BitstreamFile": base + ".bin", "ReconFile": base + ".rec.yuv",
           "Codec": model, "LearnedRatePoint": rate, "LearnedGOP": gop, "LearnedThreads": threads}
    s = encode_sequence(cfg)
    d = decode_stream(base + ".bin", base + ".dec.yuv", {"LearnedThreads": threads})
    same = open(base + ".rec.yuv", "rb").read() == open(base + ".dec.yuv", "rb").read()
    for ext in (".rec.yuv", ".dec.yuv"):
        os.remove(base + ext)
    return {"bits": s["bits"], "bitrate_kbps": s["bitrate_kbps"], "psnr_y": s["psnr_y"],
            "psnr_u": s["psnr_u"], "psnr_v": s["psnr_v"], "psnr_yuv": s["psnr_yuv"],
            "encode_s": s["encode_s"], "decode_s": d["decode_s"], "bit_exact": int(same),
            "weights": s["weights_sha256"][:16]}


def _x_options(codec, qp, mode="LDP"):
    try:
        from dlvc.eval.anchors_pyav import encoder_options
        return encoder_options(codec, qp, mode, "medium")
    except Exception:  # the eval package's copy is the reference; this is the same setting
        p = [f"qp={qp}", "scenecut=0", "bframes=0"]
        if codec == "x264":
            p += ["threads=1", "keyint=infinite", "sync-lookahead=0", "rc-lookahead=0"]
            return {"preset": "medium", "tune": "psnr", "x264-params": ":".join(p)}
        p += ["frame-threads=1", "pools=none", "keyint=-1", "log-level=error"]
        return {"preset": "medium", "tune": "psnr", "x265-params": ":".join(p)}


def run_x(codec, qp, src, w, h, fps, mode="LDP"):
    import av
    enc_name, dec_name = {"x264": ("libx264", "h264"), "x265": ("libx265", "hevc")}[codec]
    ctx = av.CodecContext.create(enc_name, "w")
    ctx.width, ctx.height, ctx.pix_fmt = w, h, "yuv420p"
    ctx.time_base, ctx.framerate = Fraction(1, fps), Fraction(fps, 1)
    ctx.thread_count = 1
    ctx.options = _x_options(codec, qp, mode)
    frames = []
    for y, u, v in src:
        f = av.VideoFrame.from_ndarray(np.concatenate([y.ravel(), u.ravel(), v.ravel()])
                                       .reshape(h * 3 // 2, w), format="yuv420p")
        frames.append(f)
    pk = []
    t0 = time.perf_counter()
    for i, f in enumerate(frames):
        f.pts = i
        pk += [bytes(p) for p in ctx.encode(f)]
    pk += [bytes(p) for p in ctx.encode(None)]
    enc_s = time.perf_counter() - t0
    if codec == "x264":
        try:
            from dlvc.eval.anchors_pyav import strip_x264_info_sei
            pk = [strip_x264_info_sei(p) for p in pk]
        except Exception:
            pass
    dec = av.CodecContext.create(dec_name, "r")
    out = []
    t0 = time.perf_counter()
    for p in pk:
        out += dec.decode(av.Packet(p))
    out += dec.decode(None)
    dec_s = time.perf_counter() - t0
    planes = []
    for f in out:
        a = f.to_ndarray().ravel()
        planes.append((a[:w * h].reshape(h, w), a[w * h:w * h * 5 // 4].reshape(h // 2, w // 2),
                       a[w * h * 5 // 4:].reshape(h // 2, w // 2)))
    bits = 8 * sum(map(len, pk))
    r = measure(src, planes)
    r.update(bits=bits, bitrate_kbps=bits * fps / len(src) / 1000.0, encode_s=enc_s,
             decode_s=dec_s, bit_exact="", weights="")
    return r


# ---------------------------------------------------------------------------------------------

def bd(anchor, test, key):
    a = sorted((float(r["bitrate_kbps"]), float(r[key])) for r in anchor)
    t = sorted((float(r["bitrate_kbps"]), float(r[key])) for r in test)
    notes = []
    try:
        from dlvc.eval.bdrate import bd_rate
        return bd_rate(a, t, notes=notes), notes
    except ImportError:
        import bjontegaard
        return float(bjontegaard.bd_rate([p[0] for p in a], [p[1] for p in a], [p[0] for p in t],
                                         [p[1] for p in t], method="pchip",
                                         require_matching_points=False)), notes
    except Exception as e:  # not monotonic, too few points
        return float("nan"), [" ".join(str(e).split())]


def load_rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def save_rows(path, rows):
    tmp = path + ".part"
    with open(tmp, "w", newline="") as f:
        wr = csv.DictWriter(f, FIELDS)
        wr.writeheader()
        for r in rows:
            wr.writerow({k: r.get(k, "") for k in FIELDS})
    os.replace(tmp, path)


def threads_check(path, w, h, fps, work, model, rate=2, n=9):
    """Encode with 1 and 2 threads, decode each stream with 1 and 2 threads."""
    from dlvc.learned.codec import decode_stream, encode_sequence
    res = {}
    for te in (1, 2):
        b = os.path.join(work, f"thr_{model}_{te}.bin")
        encode_sequence({"InputFile": path, "SourceWidth": w, "SourceHeight": h, "FrameRate": fps,
                         "FramesToBeEncoded": n, "BitstreamFile": b, "ReconFile": b + ".rec",
                         "Codec": model, "LearnedRatePoint": rate, "LearnedGOP": 12,
                         "LearnedThreads": te})
        for td in (1, 2):
            try:
                decode_stream(b, b + f".dec{td}", {"LearnedThreads": td})
                same = open(b + ".rec", "rb").read() == open(b + f".dec{td}", "rb").read()
                res[f"enc{te}_dec{td}"] = "identical" if same else "DIFFERENT"
            except Exception as e:  # a mismatch can desynchronise the entropy decoder
                res[f"enc{te}_dec{td}"] = f"failed: {' '.join(str(e).split())[:80]}"
    s1 = open(os.path.join(work, f"thr_{model}_1.bin"), "rb").read()
    s2 = open(os.path.join(work, f"thr_{model}_2.bin"), "rb").read()
    res["streams_1_vs_2_threads"] = "identical" if s1 == s2 else "DIFFERENT"
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sequences", nargs="*", default=None)
    ap.add_argument("--models", nargs="*", default=["ssf", "dvc"])
    ap.add_argument("--anchors", nargs="*", default=["x264", "x265"])
    ap.add_argument("--gop", type=int, default=12)
    ap.add_argument("--hm-config", default="LDP", help="HM anchor rows: LDP, or AI (with --gop 1: "
                    "the learned I-frame model alone against HM intra)")
    ap.add_argument("--frames", type=int, default=0, help="override HM's frame count (0: HM's)")
    ap.add_argument("--threads-check", action="store_true")
    ap.add_argument("--curves", action="store_true", help="fit the validation curves and exit")
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "learned_rd"))
    a = ap.parse_args()
    if a.curves:
        print(json.dumps(fit_curves(), indent=1))
        return
    import torch
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    rows_path = os.path.join(a.out, "rows.csv")
    rows = load_rows(rows_path)
    hm = hm_rows(a.hm_config)
    sizes = seq_size()
    seqs = a.sequences or list(hm)
    from dlvc.learned.registry import available
    av_w = available()

    def have(codec, seq, point, n, weights=""):
        return any(r["codec"] == codec and r["sequence"] == seq and str(r["point"]) == str(point)
                   and int(r["frames"]) == n and r["weights"] == weights for r in rows)

    for seq in seqs:
        w, h, fps = sizes[seq]
        n = a.frames or int(hm[seq][0]["frames"])
        path = find_seq(seq, w, h, fps)
        src = read_frames(path, w, h, n)
        for codec in a.anchors:
            for qp in X_QPS:
                tag = codec if a.hm_config == "LDP" else f"{codec}_{a.hm_config}"
                if have(tag, seq, qp, n):
                    continue
                r = run_x(codec, qp, src, w, h, fps, a.hm_config)
                rows.append({"codec": tag, "sequence": seq, "point": qp, "frames": n, **r})
                save_rows(rows_path, rows)
                print(f"{codec} {seq} qp{qp}: {r['bitrate_kbps']:.1f} kbps {r['psnr_yuv']:.2f} dB", flush=True)
        for m in a.models:
            for rate in (1, 2, 3, 4):
                if (m, rate) not in av_w:
                    continue
                wh = av_w[(m, rate)][2].hex()[:16]
                tag = f"{m}_gop{a.gop}"
                if have(tag, seq, rate, n, wh):
                    continue
                r = run_learned(m, rate, seq, path, w, h, fps, n, a.gop, a.out)
                rows.append({"codec": tag, "sequence": seq, "point": rate, "frames": n, **r})
                save_rows(rows_path, rows)
                print(f"{tag} {seq} q{rate}: {r['bitrate_kbps']:.1f} kbps {r['psnr_yuv']:.2f} dB "
                      f"enc {n / r['encode_s']:.2f} fps dec {n / r['decode_s']:.2f} fps "
                      f"exact={r['bit_exact']}", flush=True)
    report(rows, hm, seqs, a)
    if a.threads_check:
        w, h, fps = sizes["BunnyCrop"]
        res = {m: threads_check(find_seq("BunnyCrop", w, h, fps), w, h, fps, a.out, m)
               for m in a.models if (m, 2) in av_w}
        print("threads check (BunnyCrop, 9 frames, rate point 2):", json.dumps(res, indent=1))
        with open(os.path.join(a.out, "threads.json"), "w") as f:
            json.dump(res, f, indent=1)


def report(rows, hm, seqs, a):
    lines = ["| sequence | codec | points (kbps / YUV-PSNR dB) | BD-rate Y vs HM | BD-rate YUV vs HM "
             "| BD-rate YUV vs x264 | enc fps | dec fps |", "|---|---|---|---|---|---|---|---|"]
    summary = {}
    for seq in seqs:
        anchor = [{"bitrate_kbps": r["bitrate_kbps"], "psnr_y": r["psnr_y"], "psnr_yuv": r["psnr_yuv"]}
                  for r in hm[seq]]
        n = a.frames or int(hm[seq][0]["frames"])
        xs = [c if a.hm_config == "LDP" else f"{c}_{a.hm_config}" for c in a.anchors]
        codecs = ["HM"] + xs + [f"{m}_gop{a.gop}" for m in a.models]
        x264 = [r for r in rows if r["codec"] == (xs[0] if xs else "x264") and r["sequence"] == seq and int(r["frames"]) == n]
        for c in codecs:
            if c == "HM":
                pts = hm[seq]
                enc = np.mean([float(r["encode_s"]) for r in pts])
                dec = np.mean([float(r["decode_s"]) for r in pts])
            else:
                pts = [r for r in rows if r["codec"] == c and r["sequence"] == seq and int(r["frames"]) == n]
                if not pts:
                    continue
                enc = np.mean([float(r["encode_s"]) for r in pts])
                dec = np.mean([float(r["decode_s"]) for r in pts])
            pts = sorted(pts, key=lambda r: float(r["bitrate_kbps"]))
            ptxt = ", ".join(f"{float(r['bitrate_kbps']):.0f}/{float(r['psnr_yuv']):.2f}" for r in pts)
            if c == "HM":
                by = byuv = bx = ""
            else:
                vy, _ = bd(anchor, pts, "psnr_y")
                vyuv, notes = bd(anchor, pts, "psnr_yuv")
                by, byuv = _pct(vy), _pct(vyuv)
                bx = "" if c.startswith("x264") or not x264 else _pct(bd(x264, pts, "psnr_yuv")[0])
                summary.setdefault(c, []).append((seq, vy, vyuv))
            lines.append(f"| {seq} | {c} | {ptxt} | {by} | {byuv} | {bx} | {n / enc:.2f} | {n / dec:.2f} |")
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(a.out, f"table_{a.hm_config}_gop{a.gop}.md"), "w") as f:
        f.write(text + "\n")


def fit_curves(folder=None):
    """Fit validation RD cost J(steps) = a + b * steps**-c to each base model's record and
    predict J at 10x, 100x, 1000x the steps trained (a rough extrapolation: the fit sees
    only the start of training)."""
    from scipy.optimize import curve_fit
    from dlvc.learned.registry import weights_dir
    folder = folder or weights_dir()
    out = {}
    for f in sorted(os.listdir(folder)):
        if not f.endswith("_q2.json"):
            continue
        rec = json.load(open(os.path.join(folder, f)))
        pts = [(v["step"], v["rd_cost"]) for v in rec["validation_curve"] if v["step"] > 0]
        if len(pts) < 3:
            continue
        x = np.array([p[0] for p in pts], float)
        y = np.array([p[1] for p in pts], float)
        try:
            (a_, b_, c_), _ = curve_fit(lambda s, a, b, c: a + b * s ** -c, x, y,
                                        p0=(y[-1] * 0.5, y[0] * x[0] ** 0.5, 0.5),
                                        bounds=([0, 0, 0.01], [np.inf, np.inf, 3]), maxfev=20000)
        except Exception as e:
            out[f] = {"error": str(e)}
            continue
        last = x[-1]
        out[f] = {"steps": int(last), "J_last": float(y[-1]), "a": a_, "b": b_, "c": c_,
                  "J_pred": {f"{int(k * last)}": float(a_ + b_ * (k * last) ** -c_)
                             for k in (10, 100, 1000)},
                  "last_val": rec["validation"]}
    return out


def _pct(v):
    return "n/a (no overlap)" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:+.1f}%"


if __name__ == "__main__":
    main()
