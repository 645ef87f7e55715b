"""HM anchors: the logs in ../shared/anchors parse to exactly the numbers of hm.csv, and a
log that does not stand for the run asked for is an error naming it."""
import csv
import os
import shutil

import pytest

from dlvc.eval import anchors_hm
from dlvc.eval.errors import EvalError
from dlvc.eval.sequences import Sequence

ANCHORS = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "anchors"))
needs_anchors = pytest.mark.skipif(not os.path.isfile(os.path.join(ANCHORS, "hm.csv")),
                                   reason="../shared/anchors not present")
SIZES = {"Carphone": (176, 144, 30), "Bikes": (640, 272, 25), "BunnyCrop": (416, 240, 25),
         "BigBuckBunny": (1280, 720, 25)}


def seq(name, frames=120):
    w, h, fps = SIZES[name]
    return Sequence(name, f"/nowhere/{name}_{w}x{h}_{fps}.yuv", w, h, fps, frames)


@needs_anchors
def test_all_logs_match_hm_csv():
    with open(os.path.join(ANCHORS, "hm.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 48
    for r in rows:
        res = anchors_hm.load_from_logs(ANCHORS, r["config"], seq(r["sequence"]), int(r["qp"]), int(r["frames"]))
        assert res["bits"] == 8 * int(r["bytes"])
        assert res["bitrate_kbps"] == pytest.approx(float(r["bitrate_kbps"]), abs=1e-4)
        for k in ("psnr_y", "psnr_u", "psnr_v", "psnr_yuv", "encode_s", "decode_s"):
            assert res[k] == float(r[k]), (r["config"], r["sequence"], r["qp"], k)
        # YUV-PSNR recomputed from per-picture PSNRs agrees with HM's SUMMARY (4:1:1 pooled MSE)
        assert len(res["frame_psnr_y"]) == int(r["frames"])


@needs_anchors
def test_frame_count_of_the_anchor():
    assert anchors_hm.log_frames(ANCHORS, "LDP", "BigBuckBunny", (22, 27, 32, 37)) == 17
    assert anchors_hm.log_frames(ANCHORS, "AI", "Carphone", (22, 27, 32, 37)) == 9


@needs_anchors
def test_parse_one_log_in_detail():
    log = anchors_hm.parse_encoder_log(os.path.join(ANCHORS, "hm", "logs", "LDP_Carphone_QP32.log"))
    assert (log["width"], log["height"], log["fps"], log["frames"], log["qp"]) == (176, 144, 30, 33, 32)
    assert log["pictures"][0] == {"poc": 0, "type": "I", "qp": 31, "bits": 13688,
                                  "psnr_y": 36.1889, "psnr_u": 39.7494, "psnr_v": 40.4420}
    assert log["bytes"] == 5001 and log["encode_s"] == 10.94


@needs_anchors
def test_log_of_another_sequence_is_an_error():
    with pytest.raises(EvalError, match=r"LDP_Carphone_QP32\.log: HM encoded Carphone_176x144_30\.yuv, not sequence Bikes"):
        p = os.path.join(ANCHORS, "hm", "logs", "LDP_Carphone_QP32.log")
        anchors_hm.validate(anchors_hm.parse_encoder_log(p), seq("Bikes"), 32, 33, p)


@needs_anchors
def test_log_with_another_frame_count_is_an_error():
    with pytest.raises(EvalError, match=r"LDP_BigBuckBunny_QP22\.log: HM encoded 17 frames, the sweep uses 33"):
        anchors_hm.load_from_logs(ANCHORS, "LDP", seq("BigBuckBunny"), 22, 33)


@needs_anchors
def test_renamed_log_is_caught(tmp_path):
    # a Bikes log copied under Carphone's name: the content, not the name, decides
    logs = tmp_path / "hm" / "logs"
    logs.mkdir(parents=True)
    shutil.copy(os.path.join(ANCHORS, "hm", "logs", "LDP_Bikes_QP27.log"), logs / "LDP_Carphone_QP27.log")
    with pytest.raises(EvalError, match="not sequence Carphone"):
        anchors_hm.load_from_logs(str(tmp_path), "LDP", seq("Carphone"), 27, None)
    shutil.copy(os.path.join(ANCHORS, "hm", "logs", "LDP_Carphone_QP32.log"), logs / "LDP_Carphone_QP27.log")
    with pytest.raises(EvalError, match="HM encoded QP 32, expected 27"):
        anchors_hm.load_from_logs(str(tmp_path), "LDP", seq("Carphone"), 27, None)


@needs_anchors
def test_truncated_or_edited_logs_are_errors(tmp_path):
    text = open(os.path.join(ANCHORS, "hm", "logs", "LDP_Carphone_QP32.log")).read()
    p = tmp_path / "cut.log"
    p.write_text(text[: text.index("SUMMARY")])
    with pytest.raises(EvalError, match="cut.log: HM log has no complete SUMMARY"):
        anchors_hm.parse_encoder_log(str(p))
    p.write_text(text.replace("Bytes written to file: 5001", "Bytes written to file: 5101"))
    with pytest.raises(EvalError, match="SUMMARY bitrate implies"):
        anchors_hm.validate(anchors_hm.parse_encoder_log(str(p)), seq("Carphone"), 32, 33, str(p))
    lines = text.splitlines(keepends=True)
    p.write_text("".join(line for line in lines if not line.startswith("POC   17")))
    with pytest.raises(EvalError, match="32 picture lines"):
        anchors_hm.validate(anchors_hm.parse_encoder_log(str(p)), seq("Carphone"), 32, 33, str(p))


def test_missing_log_names_the_path(tmp_path):
    (tmp_path / "hm" / "logs").mkdir(parents=True)
    with pytest.raises(EvalError, match=r"no HM log for LDP Carphone QP42: .*LDP_Carphone_QP42\.log is missing"):
        anchors_hm.load_from_logs(str(tmp_path), "LDP", seq("Carphone"), 42, 33)
