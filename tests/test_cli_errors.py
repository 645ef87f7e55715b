"""Bad input: one clear line on stderr, a non-zero exit, no traceback, no output file."""
import os
import subprocess
import sys

import pytest

from codec_util import ROOT, sequence_path

ENC = [sys.executable, "-c", "from dlvc.cli.enc import main; main()"]
DEC = [sys.executable, "-c", "from dlvc.cli.dec import main; main()"]


def run(cmd, *args):
    p = subprocess.run(cmd + list(args), capture_output=True, text=True, cwd=ROOT)
    return p.returncode, p.stderr


def assert_one_line_error(rc, err, *words):
    assert rc != 0
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], lines[0]


def enc_args(tmp_path, src, *extra):
    return ["-c", "cfg/intra.cfg", "-i", str(src), "-b", str(tmp_path / "out.bin"),
            "-o", str(tmp_path / "rec.yuv")] + list(extra)


def no_outputs(tmp_path):
    return not any(p.name.startswith(("out.bin", "rec.yuv", "dec.yuv", ".out.bin", ".rec.yuv", ".dec.yuv"))
                   for p in tmp_path.iterdir())


def test_yuv_not_whole_frames(tmp_path):
    src = tmp_path / "in.yuv"
    src.write_bytes(b"\x80" * (176 * 144 * 3 // 2 + 7))
    rc, err = run(ENC, *enc_args(tmp_path, src, "-wdt", "176", "-hgt", "144", "-fr", "30"))
    assert_one_line_error(rc, err, "whole number of")
    assert no_outputs(tmp_path)


def test_more_frames_than_file(tmp_path):
    src = tmp_path / "in.yuv"
    src.write_bytes(b"\x80" * (176 * 144 * 3 // 2 * 2))
    rc, err = run(ENC, *enc_args(tmp_path, src, "-wdt", "176", "-hgt", "144", "-fr", "30", "-f", "3"))
    assert_one_line_error(rc, err, "3 frames")
    assert no_outputs(tmp_path)


def test_missing_input(tmp_path):
    rc, err = run(ENC, *enc_args(tmp_path, tmp_path / "nope.yuv", "-wdt", "176", "-hgt", "144", "-fr", "30"))
    assert_one_line_error(rc, err, "nope.yuv")
    assert no_outputs(tmp_path)


@pytest.mark.parametrize("qp", ["-1", "52"])
def test_qp_out_of_range(tmp_path, qp):
    rc, err = run(ENC, *enc_args(tmp_path, sequence_path("Carphone"), "-wdt", "176", "-hgt", "144",
                                 "-fr", "30", "-q", qp))
    assert_one_line_error(rc, err, "QP")
    assert no_outputs(tmp_path)


def test_odd_size(tmp_path):
    rc, err = run(ENC, *enc_args(tmp_path, sequence_path("Carphone"), "-wdt", "175", "-hgt", "144", "-fr", "30"))
    assert_one_line_error(rc, err, "175")
    assert no_outputs(tmp_path)


@pytest.fixture(scope="module")
def good_stream(tmp_path_factory):
    d = tmp_path_factory.mktemp("stream")
    rc, err = run(ENC, "-c", "cfg/intra.cfg", "-i", sequence_path("Carphone"), "-wdt", "176", "-hgt", "144",
                  "-fr", "30", "-f", "2", "-q", "37", "-b", str(d / "good.bin"), "--Verbose=0",
                  "--SEIDecodedPictureHash=1")   # the hash catches damage the syntax does not
    assert rc == 0, err
    return (d / "good.bin").read_bytes()


@pytest.mark.parametrize("damage", ["truncated", "corrupted", "garbage", "empty"])
def test_bad_bitstream(tmp_path, good_stream, damage):
    data = {"truncated": good_stream[:len(good_stream) * 2 // 3],
            "corrupted": good_stream[:200] + bytes(b ^ 0x5A for b in good_stream[200:260]) + good_stream[260:],
            "garbage": b"this is not a video stream at all",
            "empty": b""}[damage]
    src = tmp_path / "bad.bin"
    src.write_bytes(data)
    rc, err = run(DEC, "-b", str(src), "-o", str(tmp_path / "dec.yuv"))
    assert_one_line_error(rc, err)
    assert no_outputs(tmp_path)


def test_missing_bitstream(tmp_path):
    rc, err = run(DEC, "-b", str(tmp_path / "none.bin"), "-o", str(tmp_path / "dec.yuv"))
    assert_one_line_error(rc, err, "none.bin")
    assert no_outputs(tmp_path)


@pytest.mark.parametrize("flag", ["--init", "--data-filter"])
def test_train_cnnlf_missing_weights(tmp_path, flag):
    pytest.importorskip("torch")
    train = [sys.executable, "-c", "from dlvc.cli.train import main; main()"]
    rc, err = run(train, "cnnlf", flag, str(tmp_path / "none.npz"), "-o", str(tmp_path / "w"))
    assert_one_line_error(rc, err, flag, "none.npz")
    assert not any(tmp_path.iterdir())
