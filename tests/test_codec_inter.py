"""Inter coding end to end (P and B slices): the encoder's reconstruction, dlvc-dec's output
and FFmpeg's HEVC decoder (PyAV) must agree byte for byte (DESIGN.md, Principle 3), for
the three inter structures (cfg/lowdelay.cfg, cfg/lowdelay_b.cfg, cfg/randomaccess.cfg)."""
import numpy as np
import pytest

from codec_util import dlvc_decode, encode_sequence, pyav_decode

FAST = dict(SearchRange=16, AMP=0)


def check_round_trip(tmp_path, name, frames, qp, cfg, **overrides):
    stream, rec, stats = encode_sequence(tmp_path, name, frames, qp, cfg_files=(cfg,), **overrides)
    ref = pyav_decode(stream)
    assert rec.size == ref.size
    assert np.array_equal(rec, ref), "FFmpeg differs from the encoder's reconstruction"
    dec = dlvc_decode(stream)
    assert rec.size == dec.size
    assert np.array_equal(rec, dec), "dlvc-dec differs from the encoder's reconstruction"
    assert stats["bits"] == len(stream) * 8
    return stats


def test_inter_params_match_intra_search():
    from dlvc.encoder import inter_search as A, intra_search as B
    assert (A.E_LAMBDA, A.E_SQRT_LAMBDA, A.E_W_CB, A.E_W_CR, A.E_RDOQ) == \
        (B.E_LAMBDA, B.E_SQRT_LAMBDA, B.E_W_CB, B.E_W_CR, B.E_RDOQ)


def test_lowdelay_p_short(tmp_path):
    stats = check_round_trip(tmp_path, "Carphone", 3, 37, "cfg/lowdelay.cfg", **FAST)
    types = [p["type"] for p in stats["pictures"]]
    assert types == ["I", "P", "P"]
    # inter pictures must be much cheaper than the intra picture
    assert max(p["bits"] for p in stats["pictures"][1:]) < stats["pictures"][0]["bits"] / 2


@pytest.mark.parametrize("amp_fast", [0, 1])
def test_amp_shapes_round_trip(tmp_path, amp_fast):
    """AMP on, every shape tried (AMPFast=0) or HM's AMP speed-up (merge-only trials too)."""
    stats = check_round_trip(tmp_path, "Carphone", 3, 32, "cfg/lowdelay.cfg", SearchRange=16, AMP=1,
                             AMPFast=amp_fast)
    assert [p["type"] for p in stats["pictures"]] == ["I", "P", "P"]


@pytest.mark.parametrize("cfg, frames", [("cfg/lowdelay.cfg", 2), ("cfg/intra.cfg", 3)])
def test_stream_independent_of_threads(tmp_path, cfg, frames):
    """CTUs are decided in a wavefront on several threads (of several intra pictures at once);
    the stream must not depend on how many (wavefront.CtuDecider)."""
    one, rec1, _ = encode_sequence(tmp_path / "a", "BunnyCrop", frames, 32, cfg_files=(cfg,), Threads=1, **FAST)
    three, rec3, _ = encode_sequence(tmp_path / "b", "BunnyCrop", frames, 32, cfg_files=(cfg,), Threads=3, **FAST)
    assert one == three and np.array_equal(rec1, rec3)


@pytest.mark.slow
@pytest.mark.parametrize("cfg", ["cfg/lowdelay.cfg", "cfg/lowdelay_b.cfg", "cfg/randomaccess.cfg"])
@pytest.mark.parametrize("name", ["Carphone", "BunnyCrop"])
@pytest.mark.parametrize("qp", [27, 37])
def test_structures(tmp_path, cfg, name, qp):
    frames = 9 if cfg == "cfg/randomaccess.cfg" else 5
    check_round_trip(tmp_path, name, frames, qp, cfg)


@pytest.mark.slow
def test_lowdelay_b_short(tmp_path):
    check_round_trip(tmp_path, "Carphone", 3, 27, "cfg/lowdelay_b.cfg", **FAST)


def test_randomaccess_short(tmp_path):
    """A hierarchical-B GOP of 8 after the intra picture: references kept across the GOP
    (the encoder's RefStore slots), reordered output, PyAV decodes the same."""
    stats = check_round_trip(tmp_path, "Carphone", 9, 37, "cfg/randomaccess.cfg", **FAST)
    assert sorted(p["poc"] for p in stats["pictures"]) == list(range(9))
