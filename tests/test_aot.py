"""The ahead-of-time compiled libraries of dlvc-dec and dlvc-enc (dlvc/aot.py, dlvc/jit.py)."""
import os
import shutil
import subprocess
import sys
import sysconfig

import numpy as np
import pytest

from codec_util import ROOT, encode_sequence, sequence_path
from dlvc.aot import DECODER, ENCODER

# a program's main in a fresh process; reports on stdout whether Numba was imported
MAIN = ("import sys\nfrom dlvc.cli.{} import main\ntry:\n    main()\nfinally:\n"
        "    print('numba imported:', 'numba' in sys.modules)\n")


def run_program(program, args, env):
    """dlvc-``program`` ('enc' or 'dec') with args in a fresh process."""
    return subprocess.run([sys.executable, "-c", MAIN.format(program)] + args, capture_output=True,
                          text=True, cwd=ROOT, env=env)


CAN_BUILD = (shutil.which("cc") or shutil.which("gcc")) and os.path.exists(
    os.path.join(sysconfig.get_paths()["include"], "Python.h"))


@pytest.mark.skipif(not CAN_BUILD, reason="no C compiler or Python headers for Numba's pycc")
def test_library_built_then_used_and_decodes_exactly(tmp_path):
    stream, rec, _ = encode_sequence(tmp_path, "Carphone", 3, 32, ("cfg/lowdelay.cfg",))
    bs = tmp_path / "s.bin"
    env = dict(os.environ, DLVC_AOT="1", DLVC_AOT_DIR=str(tmp_path / "aot"))
    os.makedirs(tmp_path / "aot")
    stale = tmp_path / "aot" / ("dlvc_dec_0123456789abcdef0123" + sysconfig.get_config_var("EXT_SUFFIX"))
    stale.write_bytes(b"an older library")
    first = run_program("dec", ["-b", str(bs), "-o", str(tmp_path / "jit.yuv")], env)
    assert first.returncode == 0, first.stderr
    assert "numba imported: True" in first.stdout
    assert DECODER.build_message in first.stderr
    libs = [f for f in os.listdir(tmp_path / "aot") if f.startswith("dlvc_dec_")]
    assert len(libs) == 1 and not libs[0].endswith(".failed"), libs      # the stale one removed
    second = run_program("dec", ["-b", str(bs), "-o", str(tmp_path / "aot.yuv")], env)
    assert second.returncode == 0, second.stderr
    assert "numba imported: False" in second.stdout
    assert second.stderr == ""
    for name in ("jit.yuv", "aot.yuv"):
        assert np.array_equal(np.fromfile(tmp_path / name, np.uint8), rec), name
    # a corrupt stream is still one clear line, through the library too
    (tmp_path / "bad.bin").write_bytes(stream[:len(stream) // 2])
    bad = run_program("dec", ["-b", str(tmp_path / "bad.bin"), "-o", str(tmp_path / "bad.yuv")], env)
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1 and "error" in bad.stderr
    assert not (tmp_path / "bad.yuv").exists()


@pytest.mark.skipif(not CAN_BUILD, reason="no C compiler or Python headers for Numba's pycc")
def test_encoder_library_built_then_used_and_encodes_exactly(tmp_path):
    """An all-intra run builds the library (its priming types the motion search too); later
    runs, all-intra and low-delay P on two threads, never import Numba and write the same
    streams and reconstructions as the JIT."""
    env = dict(os.environ, DLVC_AOT="1", DLVC_AOT_DIR=str(tmp_path / "aot"))
    seq = ["-i", sequence_path("Carphone"), "-wdt", "176", "-hgt", "144", "-fr", "30", "-q", "32"]
    for k, (cfg, frames) in enumerate((("cfg/intra.cfg", 2), ("cfg/lowdelay.cfg", 3))):
        jit_stream, jit_rec, _ = encode_sequence(tmp_path / f"jit{k}", "Carphone", frames, 32, (cfg,))
        args = ["-c", cfg, *seq, "-f", str(frames), "-b", str(tmp_path / f"{k}.bin"),
                "-o", str(tmp_path / f"{k}.yuv"), "--Threads=2"]
        if k == 0:
            first = run_program("enc", args, env)
            assert first.returncode == 0, first.stderr
            assert "numba imported: True" in first.stdout
            assert ENCODER.build_message in first.stderr
            assert [f for f in os.listdir(tmp_path / "aot") if f.startswith("dlvc_enc_")
                    and not f.endswith(".failed")]
        later = run_program("enc", args, env)
        assert later.returncode == 0, later.stderr
        assert "numba imported: False" in later.stdout, cfg
        assert later.stderr == ""
        assert (tmp_path / f"{k}.bin").read_bytes() == jit_stream, cfg
        assert np.array_equal(np.fromfile(tmp_path / f"{k}.yuv", np.uint8), jit_rec), cfg
    bad = run_program("enc", ["-c", "cfg/intra.cfg", *seq, "-f", "999", "-b", str(tmp_path / "x.bin")], env)
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1 and "error" in bad.stderr
    assert not (tmp_path / "x.bin").exists()


def test_deferred_function_without_library_code_falls_back_to_numba():
    code = ("import numpy as np, sys\nfrom dlvc import jit\njit.defer({})\n"
            "from dlvc.encoder.cost import satd, sad\n"
            "assert isinstance(satd, jit.Deferred) and 'numba' not in sys.modules\n"
            "a = np.arange(64, dtype=np.int16).reshape(8, 8); b = np.zeros((8, 8), np.int16)\n"
            "print(sad(a, 0, 0, b, 0, 0, 8, 8), satd(a, 0, 0, b, 0, 0, 8, 8))\n"
            "import dlvc.encoder.cost as c\n"
            "print(type(c.satd).__name__, 'numba' in sys.modules)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    a = np.arange(64).reshape(8, 8)
    # SATD of a ramp: the 8x8 Hadamard of a - 0, (sum |.| + 2) >> 2, as tests/test_cost.py
    from dlvc.encoder.cost import satd
    expected_satd = satd(a.astype(np.int16), 0, 0, np.zeros((8, 8), np.int16), 0, 0, 8, 8)
    assert p.stdout.split("\n")[0] == f"{a.sum()} {expected_satd}"
    assert p.stdout.split("\n")[1] == "CPUDispatcher True"


def test_failed_build_is_one_warning_and_not_retried(tmp_path):
    """No working C compiler: the decode still succeeds on Numba, one line says why the
    library is missing, and later runs neither retry nor repeat the warning."""
    stream, rec, _ = encode_sequence(tmp_path, "Carphone", 1, 37, ("cfg/intra.cfg",))
    env = dict(os.environ, DLVC_AOT="1", DLVC_AOT_DIR=str(tmp_path / "aot"), CC="/nonexistent/cc",
               LDSHARED="/nonexistent/cc -shared")
    args = ["-b", str(tmp_path / "s.bin"), "-o", str(tmp_path / "d.yuv")]
    first = run_program("dec", args, env)
    assert first.returncode == 0, first.stderr
    lines = first.stderr.strip().splitlines()
    assert len(lines) == 2 and DECODER.build_message in lines[0], lines
    assert "could not build the compiled decoder library" in lines[1] and "keeps using Numba" in lines[1]
    assert [f for f in os.listdir(tmp_path / "aot") if f.endswith(".failed")]
    assert np.array_equal(np.fromfile(tmp_path / "d.yuv", np.uint8), rec)
    second = run_program("dec", args, env)
    assert second.returncode == 0 and second.stderr == ""


def test_priming_that_leaves_an_entry_point_with_two_types_fails_once(tmp_path, monkeypatch):
    """A primed library whose entry point has several argument types cannot be built: the
    build raises with the entry's name and leaves a failure marker, so runs do not retry."""
    monkeypatch.setenv("DLVC_AOT", "1")
    monkeypatch.setenv("DLVC_AOT_DIR", str(tmp_path))
    from dlvc.aot import Library, failed_marker
    from dlvc.encoder.cost import sad
    for dtype in (np.int16, np.int32):
        sad(np.zeros((4, 4), dtype), 0, 0, np.zeros((4, 4), dtype), 0, 0, 4, 4)
    lib = Library("test", "dlvc-test", "test", ("dlvc.encoder.cost.sad",), "building",
                  prime="dlvc.encoder.prime._clip")
    assert lib.wanted()
    with pytest.raises(RuntimeError, match=r"sad \([2-9] types\)"):
        lib.build()
    with open(failed_marker(lib.path()), encoding="utf-8") as f:
        assert "sad" in f.read()
    assert not lib.wanted()


def test_stamp_recorded_and_remade_when_a_source_changes(tmp_path, monkeypatch):
    """A library's stamp is read back from its record while no source file changed, and
    hashed afresh (to a new value) when one did."""
    from dlvc import _stamps, aot
    pkg = tmp_path / "dlvc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("X = 1\n")
    (pkg / "b.py").write_text("from .a import X\n\ndef f():\n    return X\n")
    monkeypatch.setattr(_stamps, "PACKAGE", str(pkg))
    monkeypatch.setattr(aot, "PACKAGE", str(pkg))
    monkeypatch.setenv("DLVC_AOT_DIR", str(tmp_path / "libs"))
    _stamps.forget()

    def stamp():
        return aot.Library("t", "prog", "test", ["dlvc.b.f"], "").stamp

    first = stamp()
    assert (tmp_path / "libs" / "dlvc_t.stamp").is_file()
    real = aot.dependency_stamp
    monkeypatch.setattr(aot, "dependency_stamp", lambda path: pytest.fail("sources read again"))
    assert stamp() == first
    monkeypatch.setattr(aot, "dependency_stamp", real)
    (pkg / "a.py").write_text("X = 22\n")
    _stamps.forget()
    assert stamp() != first
    (pkg / "a.py").write_text("X = 1\n")
    _stamps.forget()
    assert stamp() == first
    _stamps.forget()
