"""All-intra coding end to end: the encoder's reconstruction, dlvc-dec's output and
FFmpeg's HEVC decoder (PyAV) must agree byte for byte (DESIGN.md, Principle 3)."""
import os

import numpy as np
import pytest

from codec_util import ROOT, dlvc_decode, encode_sequence, pyav_decode
from dlvc.config import parse_args
from dlvc.core.picture import F_PART_MODE, F_TS, PART_NxN
from dlvc.decoder.decoder import Decoder
from dlvc.encoder.encoder import encode


def check_round_trip(tmp_path, name, frames, qp, **overrides):
    stream, rec, stats = encode_sequence(tmp_path, name, frames, qp, **overrides)
    dec = dlvc_decode(stream)
    ref = pyav_decode(stream)
    assert rec.size == dec.size == ref.size
    assert np.array_equal(rec, dec), "dlvc-dec differs from the encoder's reconstruction"
    assert np.array_equal(rec, ref), "FFmpeg differs from the encoder's reconstruction"
    assert stats["bits"] == len(stream) * 8
    return stats


@pytest.mark.parametrize("qp", [22, 27, 32, 37])
def test_carphone_all_qps(tmp_path, qp):
    stats = check_round_trip(tmp_path, "Carphone", 2, qp)
    assert stats["psnr_y"] > {22: 41, 27: 37, 32: 33, 37: 30}[qp]


@pytest.mark.parametrize("name,qp", [("BunnyCrop", 22), ("BunnyCrop", 37), ("Bikes", 22), ("Bikes", 37)])
def test_other_sizes(tmp_path, name, qp):
    # 416x240 and 640x272: partial CTUs at the right and bottom picture edges
    check_round_trip(tmp_path, name, 1, qp)


def test_tools_off(tmp_path):
    # plain quantisation, no sign hiding, no transform skip, no strong smoothing
    check_round_trip(tmp_path, "Carphone", 1, 30, RDOQ=0, SignHideFlag=0, TransformSkip=0,
                     StrongIntraSmoothing=0)


def test_conformance_window(tmp_path):
    # 172x140 is not a multiple of the 8x8 minimum CU: padded, coded and cropped
    import os
    from dlvc.io import read_frames, write_yuv
    from codec_util import sequence_path
    src = tmp_path / "crop_172x140.yuv"
    frames = [f._replace(y=f.y[:140, :172], u=f.u[:70, :86], v=f.v[:70, :86])
              for f in read_frames(sequence_path("Carphone"), 176, 144, count=1)]
    write_yuv(src, frames)
    from dlvc.config import parse_args
    from dlvc.encoder.encoder import encode
    from codec_util import ROOT
    cfg = parse_args(["-c", os.path.join(ROOT, "cfg/intra.cfg"), "-i", str(src), "-wdt", "172", "-hgt", "140",
                      "-fr", "30", "-q", "32", "--ConformanceWindowMode=1", "--Verbose=0"], warn=False)
    bs, rec = tmp_path / "s.bin", tmp_path / "rec.yuv"
    encode(cfg, str(bs), str(rec))
    stream = bs.read_bytes()
    rec = np.fromfile(rec, np.uint8)
    assert rec.size == 172 * 140 * 3 // 2
    assert np.array_equal(rec, dlvc_decode(stream))
    assert np.array_equal(rec, pyav_decode(stream))


def test_picture_hash_sei(tmp_path):
    """Off by default (HM's default: its anchors carry none); on request every picture carries
    an MD5 SEI that dlvc-dec checks, and the pictures are the same."""
    from dlvc.decoder.decoder import Decoder
    plain, rec, _ = encode_sequence(tmp_path, "Carphone", 2, 37)
    hashed, rec_h, _ = encode_sequence(tmp_path, "Carphone", 2, 37, SEIDecodedPictureHash=1)
    assert np.array_equal(rec, rec_h)
    pics_plain, pics_hashed = list(Decoder().decode(plain)), list(Decoder().decode(hashed))
    assert not any(p.hash_checked for p in pics_plain)
    assert len(pics_hashed) == 2 and all(p.hash_checked for p in pics_hashed)
    # one SUFFIX_SEI NAL (type 40) per picture: 2-byte NAL header + payload of 3 x 16-byte MD5s
    assert len(hashed) - len(plain) >= 2 * (2 + 3 * 16)
    assert np.array_equal(dlvc_decode(hashed), rec)


class MetaDecoder(Decoder):
    """dlvc-dec keeping every decoded picture's syntax metadata."""

    def __init__(self):
        super().__init__()
        self.metas = []

    def finish_picture(self):
        if self.current is not None:
            self.metas.append(self.current.meta.copy())
        return super().finish_picture()


def transform_skip_uses(meta):
    """(luma TS in a 2Nx2N CU, chroma TS with no luma TS in its 8x8 area, any TS) over a
    picture's 4x4 grid."""
    ts = meta[F_TS]
    luma_2nx2n = bool(np.any((ts & 1) & (meta[F_PART_MODE] != PART_NxN)))
    chroma = (ts & 6) != 0
    luma_in_8x8 = (ts & 1).reshape(ts.shape[0] // 2, 2, ts.shape[1] // 2, 2).max(axis=(1, 3))
    chroma_alone = bool(np.any(chroma & (np.repeat(np.repeat(luma_in_8x8, 2, 0), 2, 1) == 0)))
    return luma_2nx2n, chroma_alone, bool(np.any(ts))


def screen_content(path, w=128, h=64, frames=1, seed=0):
    """Two-level random pixels (where transform skip wins) beside smooth gradients, 4:2:0."""
    rng = np.random.default_rng(seed)
    with open(path, "wb") as f:
        for _ in range(frames):
            y = np.where(rng.random((h, w)) < 0.5, 16, 235).astype(np.uint8)
            y[:, w // 2:] = np.linspace(40, 200, w // 2).astype(np.uint8)
            c = np.where(rng.random((2, h // 2, w // 2)) < 0.5, 64, 192).astype(np.uint8)
            f.write(y.tobytes() + c.tobytes())


@pytest.mark.parametrize("fast", [0, 1])
def test_transform_skip_fast(tmp_path, fast):
    """TransformSkipFast as HM: transform skip only for the luma of NxN PUs, and for chroma
    only where a luma TB of the 8x8 area uses it; off, the encoder tries it on every 4x4 TB
    (and two-level content then uses it in both places, so the check can fail)."""
    src = tmp_path / "screen.yuv"
    screen_content(src)
    cfg = parse_args(["-c", os.path.join(ROOT, "cfg", "intra.cfg"), "-i", str(src), "-wdt", "128", "-hgt", "64",
                      "-fr", "30", "-f", "1", "-q", "27", "--Verbose=0", f"--TransformSkipFast={fast}"],
                     "dlvc-enc", warn=False)
    encode(cfg, str(tmp_path / "s.bin"), str(tmp_path / "rec.yuv"))
    dec = MetaDecoder()
    assert len(list(dec.decode((tmp_path / "s.bin").read_bytes()))) == len(dec.metas) == 1
    luma_2nx2n, chroma_alone, any_ts = transform_skip_uses(dec.metas[0])
    assert any_ts
    assert (luma_2nx2n, chroma_alone) == ((False, False) if fast else (True, True))
