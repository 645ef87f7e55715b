"""Encode and decode sequences with the learned codecs (SSF, DVC).

``encode_sequence(cfg)``: cfg is dlvc's Config (or any object/dict with the keys
InputFile, SourceWidth, SourceHeight, FrameRate, FrameSkip, FramesToBeEncoded,
BitstreamFile, ReconFile, StatsFile, Codec, LearnedRatePoint, LearnedGOP, LearnedIntra,
LearnedIntraQP, LearnedThreads, LearnedWeights).  ``decode_stream(path, out_path)``.

Pictures are 8-bit I420 in and out.  Each frame is padded (edge replication, as HM)
to a multiple of 64, coded as YUV 4:4:4 with chroma repeated 2x2, and the
reconstruction is rounded to 8 bits with chroma as the 2x2 mean, then cropped.  The
8-bit padded picture is the reference of the next frame, at the encoder and the
decoder alike.  PSNR is measured against the source exactly as HM does.
"""
import json
import os
import time
from contextlib import nullcontext

import numpy as np

from dlvc.errors import DlvcError

from . import stream as st
from .hevc_intra import IntraEncoder
from .hevc_intra import decode as decode_hevc_intra
from .hevc_intra import intra_qp as hevc_intra_qp

PAD = 64


def _get(cfg, key, default=None):
    if isinstance(cfg, dict):
        return cfg.get(key, default)
    try:
        v = getattr(cfg, key)
    except (AttributeError, KeyError):
        return default
    return default if v is None else v


def _torch(threads):
    import torch
    torch.set_num_threads(int(threads))
    return torch


def _weights_folders(extra):
    from .registry import weights_dir
    folders = [weights_dir()]
    if extra:
        folders.append(extra)
    return folders


def _padded(frame, pw, ph):
    from dlvc.io import pad_frame
    return pad_frame(frame, pw, ph, dtype=np.uint8)


def _psnrs(src, rec):
    from dlvc.metrics import mse, psnr_from_mse
    ms = [mse(o, r) for o, r in zip(src, rec)]
    return ms, [psnr_from_mse(m) for m in ms]


def encode_sequence(cfg):
    """Encode cfg.InputFile to cfg.BitstreamFile (+ ReconFile, StatsFile); -> stats dict."""
    from dlvc.cli.common import atomic_output
    from dlvc.io import crop_frame, probe, read_frames
    from dlvc.metrics import yuv_psnr
    codec = str(_get(cfg, "Codec", "ssf")).lower()
    if codec not in st.MODEL_IDS:
        raise DlvcError(f"Codec={codec} is not a learned codec (use ssf or dvc)")
    rate = int(_get(cfg, "LearnedRatePoint", 2))
    gop = int(_get(cfg, "LearnedGOP", 12))
    hevc_intra = str(_get(cfg, "LearnedIntra", "hevc")).lower() == "hevc"
    iqp = hevc_intra_qp(rate, _get(cfg, "LearnedIntraQP", 0))
    threads = int(_get(cfg, "LearnedThreads", 1))
    src = _get(cfg, "InputFile", "")
    if not src:
        raise DlvcError("no input file: give -i FILE (InputFile)")
    out_bin = _get(cfg, "BitstreamFile", "")
    if not out_bin:
        raise DlvcError("no output bitstream: give -b FILE (BitstreamFile)")
    width, height = int(_get(cfg, "SourceWidth", 0)), int(_get(cfg, "SourceHeight", 0))
    fps = float(_get(cfg, "FrameRate", 0) or 0)
    skip, count = int(_get(cfg, "FrameSkip", 0)), int(_get(cfg, "FramesToBeEncoded", 0))
    info = probe(src, width, height, fps)
    width, height, fps = info.width, info.height, info.fps or fps
    frames_in = list(read_frames(src, width, height, skip, count, fps))
    if not frames_in:
        raise DlvcError(f"{src}: no frames to encode")
    torch = _torch(threads)
    from .registry import load_pair
    folder = _get(cfg, "LearnedWeights", "") or None
    t_load = time.perf_counter()
    iframe, inter, whash, rec = load_pair(codec, rate, folder)
    if rec["inter"]["model"] != codec or rec["iframe"]["model"] != "iframe":
        raise DlvcError(f"model/cfg mismatch: Codec={codec} but the weights for rate point "
                        f"{rate} are a {rec['inter']['model']} model")
    t_load = time.perf_counter() - t_load
    pw, ph = -(-width // PAD) * PAD, -(-height // PAD) * PAD
    header = st.Header(codec, rate, whash, width, height, len(frames_in), gop, fps, threads)
    from .nets import frame_to_tensor, tensor_to_planes
    records, pictures, recon = [], [], []
    mses = []
    ref = None
    t0 = time.perf_counter()
    intra_enc = IntraEncoder(width, height) if hevc_intra else None
    with torch.no_grad(), (intra_enc or nullcontext()):
        for i, f in enumerate(frames_in):
            intra = i == 0 or (gop > 0 and i % gop == 0)
            if intra and hevc_intra:
                ftype = st.I_HEVC
                data, out = intra_enc.encode(f, iqp)
                strings = [data]
                ref = frame_to_tensor(*_padded(out, pw, ph))
            else:
                x = frame_to_tensor(*_padded(f, pw, ph))
                ftype = st.I_LEARNED if intra else st.P
                strings, xr = iframe.encode(x) if intra else inter.encode_p(x, ref)
                planes = tensor_to_planes(xr)
                ref = frame_to_tensor(*planes)
                out = crop_frame(planes, width, height)
            recon.append(out)
            rec_bytes = st.frame_record(ftype, strings)
            records.append(rec_bytes)
            m, p = _psnrs(f, out)
            mses.append(m)
            pictures.append({"poc": i, "type": "I" if intra else "P", "bits": 8 * len(rec_bytes),
                             "payload_bits": 8 * sum(len(s) for s in strings),
                             "psnr_y": p[0], "psnr_u": p[1], "psnr_v": p[2]})
    encode_s = time.perf_counter() - t0
    data = header.pack() + b"".join(records)
    with atomic_output(out_bin) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
    recon_file = _get(cfg, "ReconFile", "")
    if recon_file:
        _write_yuv(recon_file, recon)
    n = len(frames_in)
    bits = 8 * len(data)
    mm = np.mean(np.array(mses), axis=0)
    stats = {
        "codec": codec, "rate_point": rate, "gop": gop, "threads": threads,
        "intra": "hevc" if hevc_intra else "learned", "intra_qp": iqp if hevc_intra else None,
        "frames": n, "width": width, "height": height, "fps": fps,
        "bits": bits, "header_bits": 8 * st.HEADER_BYTES,
        "payload_bits": sum(p["payload_bits"] for p in pictures),
        "bitrate_kbps": bits * fps / n / 1000.0 if fps else 0.0,
        "bpp": bits / (n * width * height),
        "psnr_y": float(np.mean([p["psnr_y"] for p in pictures])),
        "psnr_u": float(np.mean([p["psnr_u"] for p in pictures])),
        "psnr_v": float(np.mean([p["psnr_v"] for p in pictures])),
        "psnr_yuv": yuv_psnr(*mm),
        "encode_s": encode_s, "encode_fps": n / encode_s if encode_s else 0.0, "load_s": t_load,
        "weights_sha256": whash.hex(), "pictures": pictures,
    }
    sf = _get(cfg, "StatsFile", "")
    if sf:
        with atomic_output(sf) as tmp:
            with open(tmp, "w") as fh:
                json.dump(stats, fh, indent=1)
    if int(_get(cfg, "Verbose", 0) or 0):
        for p in pictures:
            print(f"POC {p['poc']:4d} {p['type']} {p['bits']:9d} bits  Y {p['psnr_y']:.4f} "
                  f"U {p['psnr_u']:.4f} V {p['psnr_v']:.4f}")
        print(f"{codec} rate {rate}: {n} frames {stats['bitrate_kbps']:.4f} kbps "
              f"YUV-PSNR {stats['psnr_yuv']:.4f} dB, {stats['encode_fps']:.2f} fps")
    return stats


def _write_yuv(path, frames):
    from dlvc.cli.common import atomic_output
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as fh:
            for y, u, v in frames:
                fh.write(np.ascontiguousarray(y, np.uint8).tobytes())
                fh.write(np.ascontiguousarray(u, np.uint8).tobytes())
                fh.write(np.ascontiguousarray(v, np.uint8).tobytes())


def _resolve_weights(header, extra_folder, name):
    from .registry import available, load_pair
    for folder in _weights_folders(extra_folder):
        for (m, r), (_, _, h) in available(folder).items():
            if h == header.weights:
                if m != header.model or r != header.rate:
                    raise DlvcError(f"{name}: model mismatch: the header says {header.model} rate "
                                    f"point {header.rate} but its weights are {m} rate point {r}")
                return load_pair(m, r, folder)
    raise DlvcError(f"{name}: the stream needs weights sha256 {header.weights.hex()[:16]}... "
                    f"({header.model} rate point {header.rate}) which dlvc does not hold")


def decode_stream(path, out_path, cfg=None):
    """Decode a learned stream to 8-bit I420 out_path (None: decode only); -> stats dict."""
    from dlvc.cli.common import atomic_output
    from dlvc.io import crop_frame
    with open(path, "rb") as fh:
        data = fh.read()
    stream = st.parse(data, os.path.basename(path))
    h = stream.header
    threads = int(_get(cfg, "LearnedThreads", 0) or 0) if cfg is not None else 0
    threads = threads or h.threads  # default: as many as the encoder used
    torch = _torch(threads)
    iframe, inter, _, _ = _resolve_weights(h, _get(cfg, "LearnedWeights", "") if cfg else "",
                                           os.path.basename(path))
    from .nets import frame_to_tensor, tensor_to_planes
    pw, ph = -(-h.width // PAD) * PAD, -(-h.height // PAD) * PAD
    t0 = time.perf_counter()
    ref = None
    n = 0
    with atomic_output(out_path) as tmp, torch.no_grad():
        fh = open(tmp, "wb") if tmp else None
        try:
            for ftype, strings in stream.frames:
                if ftype == st.I_HEVC:
                    out = decode_hevc_intra(strings[0], h.width, h.height,
                                            f"{os.path.basename(path)}: frame {n}")
                    ref = frame_to_tensor(*_padded(out, pw, ph))
                else:
                    try:
                        xr = iframe.decode(strings, (ph, pw)) if ftype == st.I_LEARNED else inter.decode_p(strings, ref)
                    except (RuntimeError, ValueError, IndexError) as e:
                        raise DlvcError(f"{os.path.basename(path)}: corrupt stream in frame {n}: "
                                        f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
                    planes = tensor_to_planes(xr)
                    ref = frame_to_tensor(*planes)
                    out = crop_frame(planes, h.width, h.height)
                if fh:
                    for p in out:
                        fh.write(np.ascontiguousarray(p).tobytes())
                n += 1
        finally:
            if fh:
                fh.close()
    dt = time.perf_counter() - t0
    return {"frames": n, "decode_s": dt, "threads": threads, "decode_fps": n / dt if dt else 0.0,
            "codec": h.model, "rate_point": h.rate, "width": h.width, "height": h.height}
