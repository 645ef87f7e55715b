"""HM anchors: parse HM encoder logs (TAppEncoder stdout) or run an HM encoder binary.

A log is validated against the run it stands for -- input file name, picture size, frame
rate, frame count and QP -- and against itself (per-picture lines vs SUMMARY, SUMMARY
bitrate vs "Bytes written"), so a log of another sequence, another frame count or a crashed
encode is an error naming the log, never a wrong anchor point.

Bits are ``Bytes written to file`` x 8 (every NAL unit, parameter sets included); PSNRs are
the SUMMARY line (HM: mean of per-frame PSNRs, YUV 4:1:1 from pooled MSE); encode time is
HM's ``Total Time`` (process CPU time); decode time is the wall time in
``wall_times.csv`` when the logs folder has one, else the decoder log's ``Total Time``.
"""
import csv
import os
import re

from .errors import EvalError
from .proc import run_timed
from .quality import from_frame_psnrs, measure
from .sequences import as_yuv_file, read_yuv_file

CFG_FILES = {"AI": "encoder_intra_main.cfg", "LDP": "encoder_lowdelay_P_main.cfg",
             "LDB": "encoder_lowdelay_main.cfg", "RA": "encoder_randomaccess_main.cfg"}

_POC = re.compile(r"^POC\s+(\d+)\s+TId:\s*(\d+)\s+\(\s*(\w)-SLICE,\s*nQP\s+(-?\d+)\s+QP\s+(-?\d+)\s*\)\s+"
                  r"(\d+)\s+bits\s+\[Y\s+([\d.]+)\s+dB\s+U\s+([\d.]+)\s+dB\s+V\s+([\d.]+)\s+dB\]")
_SUMMARY_VALUES = re.compile(r"^\s*(\d+)\s+a\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)")


def _field(text, label, path):
    m = re.search(r"^" + re.escape(label) + r"\s*:\s*(.*?)\s*$", text, re.M)
    if not m:
        raise EvalError(f"{path}: not an HM encoder log (no '{label}' line)")
    return m.group(1)


def parse_encoder_log(path):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError as e:
        raise EvalError(f"HM log {path}: {e.strerror}") from None
    fmt = re.match(r"(\d+)x(\d+)\s+(\d+)Hz", _field(text, "Real     Format", path))
    idx = re.search(r"\((\d+) frames\)", _field(text, "Frame index", path))
    pics = []
    for line in text.splitlines():
        m = _POC.match(line)
        if m:
            pics.append({"poc": int(m[1]), "type": m[3], "qp": int(m[5]), "bits": int(m[6]),
                         "psnr_y": float(m[7]), "psnr_u": float(m[8]), "psnr_v": float(m[9])})
    summ = re.search(r"SUMMARY -+\n[^\n]*\n([^\n]*)", text)
    sv = _SUMMARY_VALUES.match(summ.group(1)) if summ else None
    written = re.search(r"Bytes written to file:\s*(\d+)", text)
    total = re.search(r"Total Time:\s*([\d.]+)\s*sec", text)
    if not (sv and written and total):
        raise EvalError(f"{path}: HM log has no complete SUMMARY / 'Bytes written' / 'Total Time' "
                        "(did the encode finish?)")
    version = re.search(r"Encoder Version \[([^\]]+)\]", text)
    return {
        "log": path, "version": version.group(1) if version else "?",
        "input": _field(text, "Input          File", path),
        "width": int(fmt[1]), "height": int(fmt[2]), "fps": int(fmt[3]),
        "frames": int(idx[1]), "qp": int(_field(text, "QP", path)),
        "pictures": pics,
        "summary": {"frames": int(sv[1]), "bitrate_kbps": float(sv[2]), "psnr_y": float(sv[3]),
                    "psnr_u": float(sv[4]), "psnr_v": float(sv[5]), "psnr_yuv": float(sv[6])},
        "bytes": int(written[1]), "encode_s": float(total[1]),
    }


def parse_decoder_time(path):
    with open(path, errors="replace") as f:
        m = re.search(r"Total Time:\s*([\d.]+)\s*sec", f.read())
    if not m:
        raise EvalError(f"{path}: HM decoder log has no 'Total Time'")
    return float(m[1])


def validate(log, seq, qp, frames, path):
    """The checks that make a log stand for (seq, qp, frames); returns the result record."""
    base = os.path.basename(log["input"])
    if not (base == os.path.basename(seq.path) or base.startswith(seq.name + "_")):
        raise EvalError(f"{path}: HM encoded {base}, not sequence {seq.name}")
    if (log["width"], log["height"]) != (seq.width, seq.height) or log["fps"] != seq.fps_arg():
        raise EvalError(f"{path}: HM encoded {log['width']}x{log['height']}@{log['fps']}, "
                        f"{seq.name} is {seq.width}x{seq.height}@{seq.fps_arg()}")
    if log["qp"] != qp:
        raise EvalError(f"{path}: HM encoded QP {log['qp']}, expected {qp}")
    n = log["frames"]
    if frames is not None and n != frames:
        raise EvalError(f"{path}: HM encoded {n} frames, the sweep uses {frames} "
                        "(--frames anchor follows the anchor's frame count)")
    pics, s = log["pictures"], log["summary"]
    if len(pics) != n or s["frames"] != n or sorted(p["poc"] for p in pics) != list(range(n)):
        raise EvalError(f"{path}: {len(pics)} picture lines / SUMMARY {s['frames']} frames, "
                        f"header says {n}")
    implied = s["bitrate_kbps"] * 1000 * n / log["fps"] / 8
    if abs(implied - log["bytes"]) > 1:
        raise EvalError(f"{path}: SUMMARY bitrate implies {implied:.1f} bytes, log wrote {log['bytes']}")
    q = from_frame_psnrs([[p["psnr_y"], p["psnr_u"], p["psnr_v"]] for p in pics])
    for c in ("y", "u", "v"):
        if abs(q["psnr_" + c] - s["psnr_" + c]) > 0.001:
            raise EvalError(f"{path}: mean of per-picture {c.upper()}-PSNR {q['psnr_' + c]:.4f} "
                            f"!= SUMMARY {s['psnr_' + c]}")
    if abs(q["psnr_yuv"] - s["psnr_yuv"]) > 0.01:
        raise EvalError(f"{path}: YUV-PSNR from per-picture PSNRs {q['psnr_yuv']:.4f} "
                        f"!= SUMMARY {s['psnr_yuv']}")
    q.update({k: s[k] for k in ("psnr_y", "psnr_u", "psnr_v", "psnr_yuv")})
    bits = 8 * log["bytes"]
    q.update(bits=bits, bitrate_kbps=bits * seq.fps_arg() / n / 1000.0, frames=n,
             encode_s=log["encode_s"], encode_wall_s=None, hm_version=log["version"])
    return q


def log_path(anchors, config, seq_name, qp):
    return os.path.join(anchors, "hm", "logs", f"{config}_{seq_name}_QP{qp}.log")


def _wall_times(anchors):
    p = os.path.join(anchors, "hm", "logs", "wall_times.csv")
    if not os.path.isfile(p):
        return {}
    with open(p, newline="") as f:
        return {(r["config"], r["sequence"], int(r["qp"])): r for r in csv.DictReader(f)}


def log_frames(anchors, config, seq_name, qps):
    """Frame count of the HM anchor for a sequence (all QPs must agree)."""
    counts = {}
    for qp in qps:
        p = log_path(anchors, config, seq_name, qp)
        counts[p] = parse_encoder_log(_existing(p, anchors, config, seq_name, qp))["frames"]
    if len(set(counts.values())) != 1:
        raise EvalError(f"HM anchor {config} {seq_name}: frame counts differ between logs: "
                        + ", ".join(f"{os.path.basename(k)}={v}" for k, v in counts.items()))
    return next(iter(counts.values()))


def _existing(p, anchors, config, seq_name, qp):
    if not os.path.isfile(p):
        folder = os.path.dirname(p)
        have = sorted(f for f in os.listdir(folder) if f.startswith(f"{config}_{seq_name}_QP")
                      and f.endswith(".log") and not f.endswith(".dec.log")) if os.path.isdir(folder) else []
        raise EvalError(f"no HM log for {config} {seq_name} QP{qp}: {p} is missing"
                        + (f" (there are: {', '.join(have)})" if have else ""))
    return p


def load_from_logs(anchors, config, seq, qp, frames):
    """Result record of one HM anchor point from the logs under anchors/hm/logs."""
    p = _existing(log_path(anchors, config, seq.name, qp), anchors, config, seq.name, qp)
    res = validate(parse_encoder_log(p), seq, qp, frames, p)
    wall = _wall_times(anchors).get((config, seq.name, qp))
    dec_log = p[:-4] + ".dec.log"
    if wall:
        res["decode_s"] = float(wall["decode_wall_s"])
        res["encode_wall_s"] = float(wall["encode_wall_s"])
    elif os.path.isfile(dec_log):
        res["decode_s"] = parse_decoder_time(dec_log)
    else:
        res["decode_s"] = None
    res.update(decode_wall_s=res["decode_s"], bit_exact=None, checks=[f"from HM log {p}"])
    return res


def run(spec, workdir):
    """Encode with an HM binary (spec.param: hm_encoder, hm_cfg), validate its log, measure
    its reconstruction here, and decode its stream with FFmpeg's HEVC decoder as the oracle."""
    seq, p = spec.seq, spec.param
    src = as_yuv_file(seq, spec.frames, workdir)
    rec, out, log = (os.path.join(workdir, n) for n in ("rec.yuv", "str.bin", "enc.log"))
    cmd = [p["hm_encoder"], "-c", p["hm_cfg"], *sum((["-c", c] for c in spec.cfgs), []),
           "-i", src, "-wdt", str(seq.width), "-hgt", str(seq.height), "-fr", str(seq.fps_arg()),
           "-f", str(spec.frames), "-q", str(spec.qp), "--InputBitDepth=8",
           "--InputChromaFormat=420", "-b", out, "-o", rec,
           *("--" + o for o in spec.overrides)]
    wall, cpu = run_timed(cmd, log, env=dict(os.environ, OMP_NUM_THREADS="1"), cwd=workdir,
                          what=f"HM encoder ({spec.describe()})")
    res = validate(parse_encoder_log(log), seq, spec.qp, spec.frames, log)
    mine = measure(seq, spec.frames, read_yuv_file(rec, seq.width, seq.height), spec.ms_ssim,
                   what="HM reconstruction")
    if abs(mine["psnr_y"] - res["psnr_y"]) > 0.01:
        raise EvalError(f"{log}: HM reports Y-PSNR {res['psnr_y']}, its reconstruction measures "
                        f"{mine['psnr_y']:.4f}")
    from .runner_dlvc import decode_with_ffmpeg
    dec_frames, decode_s = decode_with_ffmpeg(out, seq)
    exact = len(dec_frames) == spec.frames and all(
        (a == b).all() for fa, fb in zip(dec_frames, read_yuv_file(rec, seq.width, seq.height))
        for a, b in zip(fa, fb))
    res.update(mine)
    res.update(encode_s=cpu, encode_wall_s=wall, decode_s=decode_s, decode_wall_s=None,
               bit_exact=exact, checks=["HM log validated", "FFmpeg hevc decode vs HM recon"])
    return res
