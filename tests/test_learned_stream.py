"""Learned-codec stream format, option list and shipped weights: no torch needed."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from dlvc.errors import DlvcError
from dlvc.learned import stream as st

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = os.path.join(ROOT, "dlvc", "learned", "weights")


def _stream(model="ssf", n=3):
    h = st.Header(model, 2, bytes(range(32)), 96, 64, n, 2, 25.0)
    frames = []
    for i in range(n):
        t = 0 if i % 2 == 0 else 1
        frames.append((t, [bytes([i, j]) * (50 * j + 1) for j in range(st.N_STRINGS[(model, t)])]))
    data = h.pack() + b"".join(st.frame_record(t, s) for t, s in frames)
    return h, frames, data


@pytest.mark.parametrize("model", ["ssf", "dvc"])
def test_pack_parse_roundtrip_and_size_accounting(model):
    h, frames, data = _stream(model)
    assert st.is_learned_stream(data[:8]) and not st.is_learned_stream(b"\x00\x00\x00\x01")
    s = st.parse(data)
    assert s.header == h and s.frames == frames
    counted = st.HEADER_BYTES + sum(st.framing_bytes(t, ss) + sum(map(len, ss)) for t, ss in frames)
    assert counted == len(data)


def test_bad_streams_are_one_line_errors():
    _, _, data = _stream()
    for cut in (3, 20, st.HEADER_BYTES, len(data) - 1):
        with pytest.raises(DlvcError) as e:
            st.parse(data[:cut], "x.bin")
        assert "\n" not in str(e.value)
    with pytest.raises(DlvcError, match="garbage"):
        st.parse(data + b"\x00", "x.bin")
    with pytest.raises(DlvcError, match="version"):
        st.parse(data[:4] + b"\x09" + data[5:], "x.bin")
    with pytest.raises(DlvcError, match="model"):
        st.parse(data[:5] + b"\x07" + data[6:], "x.bin")


def test_hevc_i_frames_need_version_2():
    """Frame type 2 (an HEVC I-frame: one string) is read in version 2 streams only, and a
    P-frame cannot open a stream."""
    h = st.Header("ssf", 2, bytes(32), 96, 64, 2, 0, 25.0)
    frames = [(st.I_HEVC, [b"\x00\x00\x01hevc"]), (st.P, [b"a", b"b", b"c", b"d"])]
    data = h.pack() + b"".join(st.frame_record(t, s) for t, s in frames)
    assert data[4] == st.FORMAT_VERSION == 2 and st.parse(data).frames == frames
    with pytest.raises(DlvcError, match="frame 0 has type 2"):
        st.parse(data[:4] + b"\x01" + data[5:], "x.bin")
    p_first = h.pack() + st.frame_record(st.P, [b"a", b"b", b"c", b"d"]) * 2
    with pytest.raises(DlvcError, match="frame 0 has type 1"):
        st.parse(p_first, "x.bin")


def test_no_torch_at_import():
    code = ("import sys, dlvc.learned, dlvc.learned.stream, dlvc.learned.options, "
            "dlvc.learned.registry, dlvc.cli.train; "
            "assert 'torch' not in sys.modules and 'compressai' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_option_items_have_config_form():
    from dlvc.learned.options import DECODER_ITEMS, ENCODER_ITEMS
    names = [i["name"] for i in ENCODER_ITEMS if isinstance(i, dict)]
    assert names[0] == "Codec" and "LearnedRatePoint" in names and "LearnedGOP" in names
    try:
        from dlvc.config import Option
    except ImportError:
        pytest.skip("dlvc.config not present")
    for it in ENCODER_ITEMS + DECODER_ITEMS:
        if isinstance(it, dict):
            Option(**it)


def test_cfg_files_parse():
    from dlvc.config import ENCODER, parse_args
    for m in ("ssf", "dvc"):
        cfg = parse_args(["-c", os.path.join(ROOT, "cfg", "learned", f"{m}.cfg"), "-i", "a.yuv",
                          "-wdt", "416", "-hgt", "240", "-fr", "25", "-f", "3", "-b", "o.bin",
                          "--LearnedRatePoint=3"], "dlvc-enc", ENCODER, validate=False)
        assert cfg.Codec == m and cfg.LearnedRatePoint == 3 and cfg.SourceWidth == 416
    with pytest.raises(DlvcError, match="LearnedRatePoint"):
        parse_args(["-c", os.path.join(ROOT, "cfg", "learned", "ssf.cfg"), "--LearnedRatePoint=9"],
                   "dlvc-enc", ENCODER)


def test_shipped_weights_small_and_recorded():
    if not os.path.isdir(WEIGHTS) or not any(f.endswith(".npz") for f in os.listdir(WEIGHTS)):
        pytest.skip("no shipped weights yet")
    from dlvc.learned.registry import available
    files = [f for f in os.listdir(WEIGHTS) if f.endswith(".npz")]
    total = sum(os.path.getsize(os.path.join(WEIGHTS, f)) for f in files)
    assert total <= 20 * 1024 * 1024
    for f in files:
        with open(os.path.join(WEIGHTS, f[:-4] + ".json")) as fh:
            rec = json.load(fh)
        for k in ("data", "steps", "seed", "lmbda", "width", "validation", "weights_sha256"):
            assert k in rec, (f, k)
        with np.load(os.path.join(WEIGHTS, f)) as z:
            arrays = {k: z[k] for k in z.files}
        assert all(a.dtype != np.float32 or k.rsplit(".", 1)[-1] in
                   ("scale_table", "scale_bound", "target", "bound", "pedestal") for k, a in arrays.items())
    assert len(available()) >= 1
