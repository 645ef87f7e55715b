"""x264 / x265 / SVT-AV1 anchors through PyAV, decoded with FFmpeg and measured here.

Settings: constant QP (the sweep's QP; SVT-AV1 maps it, see ``av1_qp``), one thread, no
scene-cut I pictures, ``tune=psnr`` for x264/x265 (no psycho-visual tuning against a PSNR
metric).  Structure by ``mode``: AI = every picture intra; LDP and LDB = one I picture then
P pictures, no B pictures and so no reordering (x264/x265 have no low-delay B); RA = the
encoder's default B pyramid with keyint 32.  Bits are the whole elementary stream
(parameter sets included, as HM counts them) except x264's informational SEI, which carries
its option string and no coded data.  PSNR is measured on the frames FFmpeg decodes from
that stream, against the source.  Times are process CPU seconds of the encode and decode
loops, like HM's ``Total Time`` (clock()).
"""
import os
import time
from fractions import Fraction

import numpy as np

from .errors import EvalError
from .quality import measure
from .sequences import read_frames

ENCODERS = {"x264": ("libx264", "h264"), "x265": ("libx265", "hevc"),
            "svtav1": ("libsvtav1", "libdav1d")}


def available():
    import av
    out = []
    for name, (enc, dec) in ENCODERS.items():
        try:
            av.codec.Codec(enc, "w"), av.codec.Codec(dec, "r")
            out.append(name)
        except Exception:
            pass
    return out


def fingerprint(codec):
    import av
    return f"pyav {av.__version__} ffmpeg {av.library_versions.get('libavcodec')} {ENCODERS[codec][0]}"


def av1_qp(qp):
    """SVT-AV1's qp (1..63) for an HEVC QP: linear over the two ranges."""
    return max(1, min(63, round(qp * 63 / 51)))


def encoder_options(codec, qp, mode, preset):
    keyint = {"AI": 1, "LDP": -1, "LDB": -1, "RA": 32}[mode]
    if codec == "x264":
        p = [f"qp={qp}", "scenecut=0", "threads=1", "sync-lookahead=0", "rc-lookahead=0"]
        p += ["keyint=1"] if keyint == 1 else ["keyint=infinite"] if keyint < 0 else ["keyint=32"]
        p += [] if mode == "RA" else ["bframes=0"]
        return {"preset": preset or "medium", "tune": "psnr", "x264-params": ":".join(p)}
    if codec == "x265":
        p = [f"qp={qp}", "scenecut=0", "frame-threads=1", "pools=none", "info=0",
             "log-level=error", f"keyint={keyint}"]
        p += [] if mode == "RA" else ["bframes=0"]
        return {"preset": preset or "medium", "tune": "psnr", "x265-params": ":".join(p)}
    if codec == "svtav1":
        p = ["rc=0", f"qp={av1_qp(qp)}", "lp=1", f"keyint={keyint}", "scd=0"]
        p += ["pred-struct=1"] if mode in ("LDP", "LDB") else []
        return {"preset": str(preset or 8), "svtav1-params": ":".join(p)}
    raise EvalError(f"unknown PyAV codec {codec}")


def strip_x264_info_sei(data):
    """Drop H.264 SEI NAL units whose payload is user_data_unregistered (x264's option string).
    Start codes cannot occur inside a NAL unit (emulation prevention), so splitting is exact."""
    parts = data.split(b"\x00\x00\x01")
    keep = [parts[0]] + [n for n in parts[1:] if not (len(n) > 1 and n[0] & 0x1F == 6 and n[1] == 5)]
    return b"\x00\x00\x01".join(keep)


def run(spec, workdir):
    import av

    seq, p = spec.seq, spec.param
    enc_name, dec_name = ENCODERS[spec.codec]
    fps = seq.fps_arg()
    frames = []
    for y, u, v in read_frames(seq, spec.frames):
        f = av.VideoFrame.from_ndarray(np.concatenate([y.ravel(), u.ravel(), v.ravel()])
                                       .reshape(seq.height * 3 // 2, seq.width), format="yuv420p")
        frames.append(f)
    ctx = av.CodecContext.create(enc_name, "w")
    ctx.width, ctx.height, ctx.pix_fmt = seq.width, seq.height, "yuv420p"
    ctx.time_base, ctx.framerate = Fraction(1, fps), Fraction(fps, 1)
    ctx.thread_count = 1
    ctx.options = encoder_options(spec.codec, spec.qp, p.get("mode", "LDP"), p.get("preset"))
    packets = []
    t0 = time.process_time()
    for i, f in enumerate(frames):
        f.pts = i
        packets += [bytes(pk) for pk in ctx.encode(f)]
    packets += [bytes(pk) for pk in ctx.encode(None)]
    encode_s = time.process_time() - t0
    if spec.codec == "x264":
        packets = [strip_x264_info_sei(pk) for pk in packets]
    with open(os.path.join(workdir, "stream.bin"), "wb") as f:
        f.write(b"".join(packets))
    dec = av.CodecContext.create(dec_name, "r")
    dec.thread_count = 1
    decoded = []
    t0 = time.process_time()
    for pk in packets:
        decoded += dec.decode(av.Packet(pk))
    decoded += dec.decode(None)
    decode_s = time.process_time() - t0
    planes = []
    for f in decoded:
        a = f.reformat(format="yuv420p").to_ndarray() if f.format.name != "yuv420p" else f.to_ndarray()
        h, w = seq.height, seq.width
        flat = a.ravel()
        planes.append((flat[:w * h].reshape(h, w), flat[w * h:w * h * 5 // 4].reshape(h // 2, w // 2),
                       flat[w * h * 5 // 4:].reshape(h // 2, w // 2)))
    bits = 8 * sum(len(pk) for pk in packets)
    res = measure(seq, spec.frames, planes, spec.ms_ssim, what=f"{dec_name} output")
    res.update(bits=bits, bitrate_kbps=bits * fps / spec.frames / 1000.0, encode_s=encode_s,
               decode_s=decode_s, encode_wall_s=None, decode_wall_s=None, bit_exact=None,
               checks=[f"decoded by FFmpeg {dec_name}"])
    return res
