"""dlvc/config.py: the option table, HM cfg compatibility, validation, help and README."""
import glob
import os
import re

import pytest

from dlvc import config as C
from dlvc.config import DECODER, ENCODER, parse_args
from dlvc.errors import DlvcError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HM_CFG_DIR = os.path.join(ROOT, "..", "shared", "anchors", "hm", "cfg")
HM_CFGS = sorted(glob.glob(os.path.join(HM_CFG_DIR, "*.cfg")))
INTRA_CFG = os.path.join(ROOT, "cfg", "intra.cfg")
YUV = ["-i", "in.yuv", "-wdt", "176", "-hgt", "144", "-fr", "30"]
needs_hm = pytest.mark.skipif(not HM_CFGS, reason="../shared/anchors/hm/cfg not present")


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def error_of(argv, **kw):
    with pytest.raises(DlvcError) as e:
        parse_args(argv, prog="dlvc-enc", **kw)
    msg = str(e.value)
    assert "\n" not in msg and msg
    return msg


# --- the table ------------------------------------------------------------------------------

def test_defaults_and_explicit():
    cfg = parse_args(["-i", "a.y4m"])
    for o in ENCODER.options:
        if o.name != "InputFile":
            assert cfg[o.name] == o.default, o.name
    assert cfg.explicit == {"InputFile"}
    assert cfg.QP == 32 and cfg.SAO is True and cfg.IntraPeriod == -1


def test_table_keys_are_hm_keys_except_dlvc_own():
    names = {o.name for o in ENCODER.options}
    assert names - set(C.HM_ENCODER_KEYS) == {"CTUSize", "StatsFile", "Verbose", "Threads", "AMPFast",
                                              "Codec", "LearnedRatePoint", "LearnedGOP", "LearnedIntra", "LearnedIntraQP", "LearnedThreads", "LearnedWeights",
                                              "CNNLoopFilter", "CNNLFSlot", "CNNLFEnsemble", "CNNLFQpSearch",
                                              "CNNLFWeights", "CNNLFThreads"}
    for o in ENCODER.options:
        for a in o.aliases:
            assert a in C.HM_ENCODER_KEYS
    for o in DECODER.options:
        assert o.name in C.HM_DECODER_KEYS or o.name in ("StatsFile", "Verbose", "LearnedThreads", "LearnedWeights",
                                                         "CNNLFWeights", "CNNLFThreads")


def test_hm_key_list_is_plain_names():
    assert len(C.HM_ENCODER_KEYS) > 400
    assert len(set(C.HM_ENCODER_KEYS)) == len(C.HM_ENCODER_KEYS)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", k) for k in C.HM_ENCODER_KEYS)
    for k in ("QP", "SourceWidth", "MaxCUWidth", "AMP", "SearchRange", "WaveFrontSynchro"):
        assert k in C.HM_ENCODER_KEYS
    assert ENCODER.is_hm_key("Frame1") and ENCODER.is_hm_key("Frame64")
    assert not ENCODER.is_hm_key("Frame65") and not ENCODER.is_hm_key("Frame0")
    assert ENCODER.is_hm_key("TemporalFilterStrengthFrame8")


def test_config_attribute_access_and_setattr():
    cfg = parse_args(["-i", "a.y4m", "-q", "27"])
    assert cfg.QP == cfg["QP"] == 27 and "QP" in cfg
    cfg.SourceWidth = 176
    assert cfg.SourceWidth == 176
    with pytest.raises(AttributeError):
        cfg.Qp = 3
    with pytest.raises(AttributeError):
        cfg.NoSuchKey
    assert cfg.as_dict()["QP"] == 27


def test_make_config_and_replace():
    cfg = C.make_config(InputFile="a.y4m", QP=22, SAO=0, FrameRate="30000/1001")
    assert cfg.QP == 22 and cfg.SAO is False and abs(cfg.FrameRate - 29.97) < 0.01
    assert cfg.explicit == {"InputFile", "QP", "SAO", "FrameRate"}
    c2 = cfg.replace(QP=37)
    assert c2.QP == 37 and cfg.QP == 22
    with pytest.raises(DlvcError, match="QP=60"):
        cfg.replace(QP=60)
    with pytest.raises(DlvcError, match="did you mean 'QP'"):
        C.make_config(InputFile="a.y4m", Qp=3)
    assert C.make_config(InputFile="a.y4m", MaxCUWidth=64).CTUSize == 64


# --- command line ---------------------------------------------------------------------------

def test_short_flags():
    cfg = parse_args(["-i", "x.yuv", "-b", "x.bin", "-o", "r.yuv", "-q", "22", "-f", "9", "-fs", "2",
                      "-wdt", "176", "-hgt", "144", "-fr", "25"])
    assert (cfg.InputFile, cfg.BitstreamFile, cfg.ReconFile) == ("x.yuv", "x.bin", "r.yuv")
    assert (cfg.QP, cfg.FramesToBeEncoded, cfg.FrameSkip) == (22, 9, 2)
    assert (cfg.SourceWidth, cfg.SourceHeight, cfg.FrameRate) == (176, 144, 25.0)


def test_long_forms_and_bools():
    cfg = parse_args(YUV + ["--QP=27", "--GOPSize", "1", "--SAO=0", "--RDOQ", "false", "--TransformSkip",
                            "--SignHideFlag", "0", "--FrameRate=30000/1001"])
    assert cfg.QP == 27 and cfg.SAO is False and cfg.RDOQ is False
    assert cfg.TransformSkip is True and cfg.SignHideFlag is False
    assert abs(cfg.FrameRate - 30000 / 1001) < 1e-9
    assert parse_args(YUV + ["--CbQpOffset", "-3"]).CbQpOffset == -3   # a negative value is a value
    assert parse_args(YUV + ["--SAO"]).SAO is True                      # bare bool at the end


def test_cfg_files_stack_and_command_line_wins(tmp_path):
    a = write(tmp_path, "a.cfg", "QP : 22\nGOPSize: 1   # comment\nSAO : 0\n")
    b = write(tmp_path, "b.cfg", "# only a comment line\n\nQP : 37\n")
    cfg = parse_args(YUV + ["-c", a, "-c", b])
    assert cfg.QP == 37 and cfg.SAO is False
    cfg = parse_args(YUV + ["-c", b, "-c", a])
    assert cfg.QP == 22
    # the command line overrides every cfg file wherever it stands
    assert parse_args(["-q", "30"] + YUV + ["-c", a, "-c", b]).QP == 30
    assert parse_args(YUV + ["-c", a, "--QP=31", "-c", b]).QP == 31
    assert parse_args(YUV + ["-c", a]).origin["QP"] == f"{a}:1"


def test_load_cfg_files(tmp_path):
    a = write(tmp_path, "a.cfg", "QP : 22\nAMP : 1\nTileColumnWidthArray : 2 3   # list\nFrame1: B 1 3 -2\n")
    b = write(tmp_path, "b.cfg", "QP : 27\n")
    d = C.load_cfg_files([a, b])
    assert d == {"AMP": "1", "TileColumnWidthArray": "2 3", "Frame1": "B 1 3 -2", "QP": "27"}
    assert list(d)[-1] == "QP"
    assert C.load_cfg_files(a)["QP"] == "22"


def test_ctu_aliases(tmp_path):
    assert parse_args(YUV + ["--MaxCUWidth=64", "--MaxCUHeight=64"]).CTUSize == 64
    assert parse_args(YUV + ["-s", "64"]).CTUSize == 64
    msg = error_of(YUV + ["--MaxCUWidth=64", "--MaxCUHeight=32"])
    assert "MaxCUWidth=64" in msg and "MaxCUHeight=32" in msg
    msg = error_of(YUV + ["--MaxCUWidth=32", "--MaxCUHeight=32"])
    assert "MaxCUHeight=32" in msg or "MaxCUWidth=32" in msg
    assert "64" in msg
    msg = error_of(YUV + ["--CTUSize=32"])
    assert "CTUSize=32" in msg and "64" in msg
    msg = error_of(YUV + ["--MaxPartitionDepth=3"])
    assert "MaxPartitionDepth=3" in msg


# --- unknown and unimplemented keys ----------------------------------------------------------

def test_unknown_key_in_cfg_names_closest(tmp_path):
    p = write(tmp_path, "bad.cfg", "QP : 30\nSourceWidht : 176\n")
    with pytest.raises(DlvcError) as e:
        C.load_cfg_files([p])
    msg = str(e.value)
    assert f"{p}:2" in msg and "SourceWidht" in msg and "'SourceWidth'" in msg
    assert error_of(YUV + ["-c", p]) == msg


def test_unknown_key_on_command_line():
    msg = error_of(YUV + ["--QPP=30"])
    assert "QPP" in msg and "did you mean 'QP'" in msg
    assert "'QP'" in error_of(YUV + ["--qp", "30"])
    msg = error_of(YUV + ["-qq", "30"])
    assert "-qq" in msg and "'-q'" in msg
    assert "unexpected argument 'stray'" in error_of(YUV + ["stray"])
    assert "needs a value" in error_of(YUV + ["--QP"])
    assert "needs a cfg file" in error_of(YUV + ["-c"])


def test_hm_keys_not_implemented_warn_once(tmp_path, capsys):
    p = write(tmp_path, "hm.cfg", "SliceMode : 1\nTemporalFilter : 1\nTemporalFilterStrengthFrame8 : 0.1\n"
                                  "TemporalFilterStrengthFrame16 : 0.2\n")
    cfg = parse_args(YUV + ["-c", p, "--WaveFrontSynchro=1", "--WaveFrontSynchro", "2"], prog="dlvc-enc")
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("dlvc-enc: warning:")
    for k in ("SliceMode", "TemporalFilter", "WaveFrontSynchro", "TemporalFilterStrengthFrame8"):
        assert k in lines[0]
    assert lines[0].count("WaveFrontSynchro") == 1
    assert cfg.ignored["WaveFrontSynchro"] == "2" and cfg.ignored["SliceMode"] == "1"
    assert "SliceMode" not in cfg.explicit
    parse_args(YUV + ["-c", p], warn=False)
    assert capsys.readouterr().err == ""
    parse_args(YUV)
    assert capsys.readouterr().err == ""


def test_malformed_cfg_and_missing_file(tmp_path):
    p = write(tmp_path, "m.cfg", "QP : 30\nthis line has no colon\n")
    msg = error_of(["-c", p] + YUV)
    assert f"{p}:2" in msg and "Key : value" in msg
    missing = str(tmp_path / "nope.cfg")
    msg = error_of(["-c", missing] + YUV)
    assert missing in msg and "no such file" in msg


# --- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, words", [
    (["-q", "52"], ["QP=52", "0..51"]),
    (["-q", "-1"], ["QP=-1", "0..51"]),
    (["-q", "3x"], ["QP", "3x", "integer"]),
    (["--SAO=2"], ["SAO", "'2'", "boolean"]),
    (["-fr", "abc"], ["FrameRate", "abc"]),
    (["--InputBitDepth=10"], ["InputBitDepth=10", "8"]),
    (["--InternalBitDepth=10"], ["InternalBitDepth=10"]),
    (["--InputChromaFormat=444"], ["InputChromaFormat=444", "420"]),
    (["--Profile=main10"], ["Profile=main10", "main"]),
    (["--Level=7"], ["Level=7"]),
    (["--IntraPeriod=0"], ["IntraPeriod=0"]),
    (["--IntraPeriod=-2"], ["IntraPeriod=-2"]),
    (["--GOPSize=4", "--IntraPeriod=6"], ["IntraPeriod=6", "GOPSize=4"]),
    (["--GOPSize=4", "--IntraPeriod=2"], ["IntraPeriod=2", "GOPSize=4"]),
    (["--GOPSize=0"], ["GOPSize=0"]),
    (["--DecodingRefreshType=3"], ["DecodingRefreshType=3"]),
    (["--CbQpOffset=13"], ["CbQpOffset=13", "-12..12"]),
    (["--QuadtreeTULog2MaxSize=6"], ["QuadtreeTULog2MaxSize=6"]),
    (["--QuadtreeTUMaxDepthIntra=0"], ["QuadtreeTUMaxDepthIntra=0"]),
    (["--SEIDecodedPictureHash=5"], ["SEIDecodedPictureHash=5"]),
    (["-f", "-3"], ["FramesToBeEncoded=-3"]),
    (["--Verbose=9"], ["Verbose=9"]),
])
def test_value_errors_name_key_and_value(argv, words):
    msg = error_of(YUV + argv)
    for w in words:
        assert w in msg, (w, msg)


def test_source_size_rules():
    assert "SourceWidth=175" in error_of(["-i", "a.yuv", "-wdt", "175", "-hgt", "144", "-fr", "30"])
    assert "SourceHeight=143" in error_of(["-i", "a.yuv", "-wdt", "176", "-hgt", "143", "-fr", "30"])
    assert "SourceWidth must be given" in error_of(["-i", "a.yuv", "-hgt", "144", "-fr", "30"])
    assert "SourceHeight must be given" in error_of(["-i", "a.yuv", "-wdt", "176", "-fr", "30"])
    assert "FrameRate must be given" in error_of(["-i", "a.yuv", "-wdt", "176", "-hgt", "144"])
    msg = error_of(["-i", "a.yuv", "-wdt", "180", "-hgt", "144", "-fr", "30"])
    assert "SourceWidth=180" in msg and "ConformanceWindowMode" in msg
    cfg = parse_args(["-i", "a.yuv", "-wdt", "180", "-hgt", "144", "-fr", "30", "--ConformanceWindowMode=1"])
    assert cfg.SourceWidth == 180
    assert "no input file" in error_of([])
    cfg = parse_args(["-i", "a.Y4M"])            # size and rate come from the y4m header
    assert cfg.SourceWidth == 0 and cfg.FrameRate == 0


def test_validate_false_defers_checks():
    cfg = parse_args(["--QP=60"], validate=False)
    assert cfg.QP == 60
    with pytest.raises(DlvcError, match="QP=60"):
        cfg.validate()


def test_cfg_value_error_names_file_and_line(tmp_path):
    p = write(tmp_path, "q.cfg", "\n\nQP : 99\n")
    msg = error_of(YUV + ["-c", p])
    assert f"{p}:3" in msg and "QP=99" in msg


# --- HM's own cfg files and dlvc's ------------------------------------------------------------

@needs_hm
@pytest.mark.parametrize("path", HM_CFGS, ids=os.path.basename)
def test_every_hm_cfg_loads(path, capsys):
    raw = C.load_cfg_files([path])
    assert "QP" in raw
    cfg = parse_args(["-c", path] + YUV, validate=False, warn=False)
    assert cfg.QP == int(raw["QP"])
    name = os.path.basename(path)
    if "main10" in name or "rext" in name:
        # 10-bit / RExt cfgs load, but dlvc refuses to encode them, in one line naming the key
        msg = error_of(["-c", path] + YUV, warn=False)
        assert "InternalBitDepth=10" in msg or "Profile=" in msg or "ChromaFormat" in msg
    else:
        cfg = parse_args(["-c", path] + YUV, prog="dlvc-enc")
        assert cfg.CTUSize == 64 and cfg.InternalBitDepth == 8
        warning = capsys.readouterr().err.strip().splitlines()
        assert len(warning) == 1 and warning[0].startswith("dlvc-enc: warning:")


@needs_hm
def test_hm_cfg_keys_all_known():
    for path in HM_CFGS:
        for key in C.load_cfg_files([path]):
            assert ENCODER.canonical(key) or ENCODER.is_hm_key(key), (path, key)


def test_intra_cfg_loads_without_warnings(capsys):
    cfg = parse_args(["-c", INTRA_CFG] + YUV)
    assert capsys.readouterr().err == ""
    assert (cfg.IntraPeriod, cfg.GOPSize, cfg.DecodingRefreshType, cfg.QP) == (1, 1, 1, 32)
    assert cfg.LoopFilterDisable is False and cfg.SAO is True
    assert cfg.QuadtreeTUMaxDepthIntra == 3 and cfg.TransformSkip is True


@needs_hm
def test_intra_cfg_mirrors_hm():
    hm = C.load_cfg_files([os.path.join(HM_CFG_DIR, "encoder_intra_main.cfg")])
    ours = C.load_cfg_files([INTRA_CFG])
    deviations = set()
    for key, value in ours.items():
        assert key in hm, key
        if key not in deviations:
            assert value.split() == hm[key].split(), key
    for key in hm:   # every key of HM's file that dlvc implements is in intra.cfg
        name = ENCODER.canonical(key)
        if name and ENCODER.by_name[name].implemented:
            assert key in ours, key
    with open(INTRA_CFG) as f:
        text = f.read()
    for section in ("#======== File I/O", "#======== Unit definition", "#======== Coding Structure",
                    "#======== Quantization", "#=========== Deblock Filter", "#=========== Coding Tools"):
        assert section in text


# --- decoder table ---------------------------------------------------------------------------

def test_decoder_table():
    cfg = parse_args(["-b", "x.bin", "-o", "y.yuv"], prog="dlvc-dec", table=DECODER)
    assert (cfg.BitstreamFile, cfg.ReconFile, cfg.SEIDecodedPictureHash) == ("x.bin", "y.yuv", 1)
    with pytest.raises(DlvcError, match="no bitstream file"):
        parse_args([], table=DECODER)
    with pytest.raises(DlvcError, match="'QP'"):
        parse_args(["-b", "x.bin", "--QP=3"], table=DECODER)


# --- help and README --------------------------------------------------------------------------

def test_help(capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(["-c", "whatever.cfg", "--help"], prog="dlvc-enc")
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: dlvc-enc")
    for o in ENCODER.options:
        assert f"--{o.name}=" in out
        if o.short:
            assert f"-{o.short}, --{o.name}" in out
    assert max(len(line) for line in out.splitlines()) <= 110
    assert C.format_help() == out


def test_markdown_table_lists_every_option():
    md = C.option_table_markdown()
    for o in ENCODER.options:
        assert f"`{o.name}`" in md
    assert "| `QP` | `-q` | 32 | 0..51 |" in md


def test_readme_key_table_up_to_date():
    readme = os.path.join(ROOT, "README.md")
    assert not C.update_readme(readme, check=True), \
        "README.md's cfg-key table is stale: run python -m dlvc.config --update-readme"


def test_update_readme(tmp_path):
    p = tmp_path / "R.md"
    p.write_text(f"# x\n\n{C.README_BEGIN}\nSTALE-TABLE\n{C.README_END}\ntail\n")
    assert C.update_readme(str(p)) is True
    text = p.read_text()
    assert "`QP`" in text and "STALE-TABLE" not in text and text.endswith("tail\n")
    assert C.update_readme(str(p)) is False
    p.write_text("no markers\n")
    with pytest.raises(DlvcError, match="markers"):
        C.update_readme(str(p))
