"""dlvc-eval end to end through its command line: reports, ablation, and one-line errors."""
import csv
import json
import os
import sys

import pytest

from dlvc.cli.eval import main
from dlvc.eval.testclip import write_clip

ANCHORS = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "anchors"))
needs_anchors = pytest.mark.skipif(not os.path.isfile(os.path.join(ANCHORS, "hm.csv")),
                                   reason="../shared/anchors not present")


def run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    out, err = capsys.readouterr()
    return e.value.code, out, err


def common(tmp_path):
    return ["--cache", str(tmp_path / "cache"), "--no-progress", "--jobs", "2"]


def test_report_x264_against_x265_anchor(tmp_path, capsys):
    seq = write_clip(str(tmp_path / "s"), "Synth", 96, 64, 30, 3)
    out = tmp_path / "rep"
    argv = ["report", "--sequences", seq, "--frames", "3", "--anchor", "x265", "--codecs", "x264",
            "--no-dlvc", "--out", str(out), *common(tmp_path)]
    code, stdout, err = run(argv, capsys)
    assert code == 0, err
    md = (out / "report.md").read_text()
    assert "## x264 vs x265" in md and "| Synth 96x64 |" in md and "**Average**" in md
    assert (out / "rd_Synth.png").stat().st_size > 1000
    rows = list(csv.DictReader(open(out / "report.csv")))
    assert [r["sequence"] for r in rows] == ["Synth", "Average"]
    data = json.load(open(out / "report.json"))
    assert len(data["points"]) == 8 and data["sections"][0]["test"] == "x264"
    # repeated: everything from the cache, same table
    code, stdout2, _ = run(argv, capsys)
    assert code == 0 and stdout2 == stdout


@needs_anchors
def test_report_against_hm_logs(tmp_path, capsys):
    # a synthetic clip under Carphone's name and size: exercises the HM-log path end to end
    seq = write_clip(str(tmp_path / "s"), "Carphone", 176, 144, 30, 9)
    out = tmp_path / "rep"
    code, stdout, err = run(["report", "--sequences", seq, "--anchor-config", "AI", "--anchors", ANCHORS,
                             "--codecs", "x264", "--no-dlvc", "--out", str(out), *common(tmp_path)], capsys)
    assert code == 0, err
    md = (out / "report.md").read_text()
    assert "## x264 vs HM" in md and "HM 16.25" in md and "frames Carphone 9" in md
    assert "| HM | Carphone | 32 | 9 | 341.467 | 35.7813 |" in md  # hm.csv: AI Carphone QP32


@needs_anchors
def test_hm_log_with_other_frame_count_is_one_line_error(tmp_path, capsys):
    seq = write_clip(str(tmp_path / "s"), "Carphone", 176, 144, 30, 5)
    code, _, err = run(["report", "--sequences", seq, "--anchor-config", "AI", "--anchors", ANCHORS,
                        "--frames", "5", "--codecs", "x264", "--no-dlvc", *common(tmp_path)], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "AI_Carphone_QP22.log: HM encoded 9 frames, the sweep uses 5" in err


def test_missing_sequence_is_one_line_error(tmp_path, capsys):
    code, _, err = run(["run", "--sequences", str(tmp_path / "Nope_96x64_30.yuv"), "--frames", "3",
                        "--no-dlvc", "--codecs", "x264", *common(tmp_path)], capsys)
    assert code == 1 and err.strip() == f"dlvc-eval: error: sequence {tmp_path}/Nope_96x64_30.yuv: no such file or folder"


def test_too_few_qps_and_bad_options(tmp_path, capsys):
    seq = write_clip(str(tmp_path / "s"), "Synth", 96, 64, 30, 3)
    base = ["run", "--sequences", seq, "--frames", "3", "--no-dlvc", "--codecs", "x264", *common(tmp_path)]
    code, _, err = run(base + ["--qps", "22", "27", "32"], capsys)
    assert code == 1 and "3 QP(s) given; BD-rate needs at least 4 RD points" in err
    code, _, err = run(base + ["--frames", "9"], capsys)
    assert code == 1 and "Synth: 9 frames asked for" in err
    code, _, err = run(base + ["--codecs", "vp9"], capsys)
    assert code == 1 and "unknown codec 'vp9'" in err
    code, _, err = run(base + ["--bogus"], capsys)
    assert code == 1 and "unknown option(s): --bogus" in err


def test_ablation_with_stand_in_dlvc(tmp_path, capsys):
    from test_eval_sweep import FAKE  # the stand-in dlvc-enc/dlvc-dec
    fake = tmp_path / "fake.py"
    fake.write_text(FAKE)
    cfg = tmp_path / "base.cfg"
    cfg.write_text("# base\n")
    seq = write_clip(str(tmp_path / "s"), "Synth", 96, 64, 30, 2)
    out = tmp_path / "abl"
    code, stdout, err = run(["ablation", "--sequences", seq, "--frames", "2", "--cfg", str(cfg),
                             "--ref", "off:Coarser=0", "--test", "on:Coarser=1", "--no-warmup",
                             "--dlvc-enc", f"{sys.executable} {fake} enc",
                             "--dlvc-dec", f"{sys.executable} {fake} dec", "--out", str(out),
                             *common(tmp_path)], capsys)
    assert code == 0, err
    md = (out / "report.md").read_text()
    assert "## on vs off" in md and "| Synth 96x64 |" in md and "--Coarser=1" in md
    row = next(r for r in csv.DictReader(open(out / "report.csv")) if r["sequence"] == "Synth")
    assert row["bit_exact"] == "True"
    # the same runs under other labels come from the cache and carry the new labels
    code, stdout, err = run(["ablation", "--sequences", seq, "--frames", "2", "--cfg", str(cfg),
                             "--ref", "base:Coarser=0", "--test", "coarse:Coarser=1", "--no-warmup",
                             "--dlvc-enc", f"{sys.executable} {fake} enc",
                             "--dlvc-dec", f"{sys.executable} {fake} dec", "--out", str(out),
                             *common(tmp_path)], capsys)
    assert code == 0, err
    assert "## coarse vs base" in (out / "report.md").read_text()
