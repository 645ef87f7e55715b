"""Helpers for tests that encode and decode whole streams."""
import os

import av
import numpy as np
import pytest

from dlvc.config import parse_args
from dlvc.decoder.decoder import Decoder
from dlvc.encoder.encoder import encode
from dlvc.io import read_frames

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEQUENCES = {"Carphone": (176, 144, 30), "BunnyCrop": (416, 240, 25), "Bikes": (640, 272, 25),
             "BigBuckBunny": (1280, 720, 25)}


def sequence_path(name):
    """The .yuv of a test sequence, made by `python sequences/make.py --all`."""
    w, h, fps = SEQUENCES[name]
    for folder in (os.environ.get("DLVC_SEQUENCES", ""), os.path.join(ROOT, "sequences")):
        p = os.path.join(folder, f"{name}_{w}x{h}_{fps}.yuv")
        if folder and os.path.exists(p):
            return p
    pytest.skip(f"{name} missing: run python sequences/make.py --all")


def encode_sequence(tmp_path, name, frames, qp, cfg_files=("cfg/intra.cfg",), **overrides):
    """Encode; returns (stream bytes, reconstructed frames as one uint8 array, stats)."""
    w, h, fps = SEQUENCES[name]
    argv = []
    for c in cfg_files:
        argv += ["-c", os.path.join(ROOT, c)]
    argv += ["-i", sequence_path(name), "-wdt", str(w), "-hgt", str(h), "-fr", str(fps),
             "-f", str(frames), "-q", str(qp), "--Verbose=0"]
    argv += [f"--{k}={v}" for k, v in overrides.items()]
    cfg = parse_args(argv, "dlvc-enc", warn=False)
    os.makedirs(tmp_path, exist_ok=True)
    bs, rec = tmp_path / "s.bin", tmp_path / "rec.yuv"
    stats = encode(cfg, str(bs), str(rec))
    return bs.read_bytes(), np.fromfile(rec, np.uint8), stats


def dlvc_decode(stream):
    out = []
    for pic in Decoder().decode(stream):
        out.extend(np.ascontiguousarray(p).astype(np.uint8).ravel() for p in pic.cropped())
    return np.concatenate(out)


def pyav_decode(stream):
    import io
    out = []
    with av.open(io.BytesIO(stream), format="hevc") as c:
        for f in c.decode(video=0):
            out.append(f.to_ndarray().ravel())
    return np.concatenate(out)
