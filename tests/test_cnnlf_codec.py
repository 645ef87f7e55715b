"""CNN in-loop filter (dlvc tool 1) in the codec: the encoder's reconstruction and dlvc-dec's
output are identical with the filter on (all-intra and low-delay P); streams with weights
dlvc-dec does not hold are refused clearly; with the tool off the stream is plain HEVC."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from codec_util import ROOT, dlvc_decode, encode_sequence, pyav_decode, sequence_path
from dlvc.core.bitstream import SPS_NUT, split_annexb
from dlvc.core.syntax.sps import parse_sps
from dlvc.core.syntax.tools_ext import HASH_BYTES, ToolRecord, sps_tool_records
from dlvc.decoder.decoder import Decoder
from dlvc.errors import DlvcError
from dlvc.tools import CNNLF

pytest.importorskip("torch")
shipped = pytest.mark.skipif(not os.path.exists(CNNLF.weights_path()), reason="no shipped CNN filter weights")

TOOL = ("cfg/tools/cnn_loopfilter.cfg",)


def smoothing_weights(path, info=False, offset=0):
    """A hand-made 2-layer integer model (a mild smoothing of each input plane): weights
    independent of the shipped ones, for the syntax tests.  ``info``: with the
    coding-information plane as an 8th input, which moves the hidden activations; ``offset``:
    added to every output sample (a harmful filter)."""
    from dlvc.tools.cnnlf.infer import IntModel, save_models
    w0, b0, s0 = np.zeros((6, 8 if info else 7, 3, 3), np.int64), np.full(6, 257, np.int64), np.ones(6, np.int64)
    w0[:, 7:, 1, 1] = 1
    w1 = np.zeros((6, 6, 3, 3), np.int64)
    for c in range(6):
        w0[c, c, 1, 1] = 2
        w1[c, c] = 1
        w1[c, c, 1, 1] = -8
    save_models(path, [IntModel([w0, w1], [b0, np.full(6, 32 + 64 * offset, np.int64)], [s0, np.full(6, 6, np.int64)])],
                np.zeros((2, 52), np.int32))
    return str(path)


def decode_with(stream, weights):
    out = []
    for pic in Decoder(cnnlf_weights=weights).decode(stream):
        out.extend(np.ascontiguousarray(p).astype(np.uint8).ravel() for p in pic.cropped())
    return np.concatenate(out)


@pytest.mark.parametrize("structure,frames", [("cfg/intra.cfg", 2), ("cfg/lowdelay.cfg", 4)])
@pytest.mark.parametrize("slot", ["B", pytest.param("A", marks=pytest.mark.slow)])
def test_random_ctu_flags_round_trip(tmp_path, monkeypatch, structure, frames, slot):
    """Whatever flags the encoder decides (here random, slice flags on), dlvc-dec parses them
    and reconstructs exactly what the encoder did, at either stage, intra and inter."""
    from dlvc.tools.cnnlf import codec
    rng = np.random.default_rng(0)
    monkeypatch.setattr(codec, "decide_flags", lambda gain, lam, ctx, c: (rng.integers(0, 2, gain.shape).astype(np.int32),
                                                                          True, rng.random()))
    w = smoothing_weights(tmp_path / "smooth.npz")
    stream, rec, _ = encode_sequence(tmp_path, "Carphone", frames, 37, (structure,) + TOOL, CNNLFWeights=w, CNNLFSlot=slot)
    assert np.array_equal(decode_with(stream, w), rec)


@pytest.mark.parametrize("structure,frames", [("cfg/intra.cfg", 2), ("cfg/lowdelay.cfg", 4)])
def test_random_slice_modes_round_trip(tmp_path, monkeypatch, structure, frames):
    """Random modes per slice and component (off, CTU flags, every CTB with no flags coded:
    slice_cnnlf_all_ctbs_flag) and random CTU flags: dlvc-dec follows the encoder."""
    from dlvc.tools.cnnlf import codec
    rng = np.random.default_rng(1)
    choices = ((0, 0, 0), (1, 0, 1), (2, 2, 0), (1, 1, 1), (2, 0, 2), (0, 2, 0))
    used = []

    def decide(self, before, filtered, ctx, ch, cw):
        modes = choices[len(used) % len(choices)]
        used.append(modes)
        flags = rng.integers(0, 2, (ch, cw, 3)).astype(np.int32)
        for c, m in enumerate(modes):
            flags[:, :, c] = flags[:, :, c] if m == 1 else (m == 2)
        stats = {"ctbs": ch * cw, "all_ctbs": int(2 in modes)} | {f"{k}_{n}": 0 for k in ("on", "gain")
                                                                  for n in ("y", "cb", "cr")}
        return flags, modes, -len(used), stats

    monkeypatch.setattr(codec.EncoderStage, "decide", decide)
    w = smoothing_weights(tmp_path / "smooth.npz")
    stream, rec, _ = encode_sequence(tmp_path, "Carphone", frames, 37, (structure,) + TOOL, CNNLFWeights=w,
                                     CNNLFQpSearch=1)
    assert len(used) == frames
    assert np.array_equal(decode_with(stream, w), rec)


def test_coding_information_input_round_trip(tmp_path, monkeypatch):
    """A model taking the coding-information plane (8 inputs): the encoder builds the plane
    from its CU decisions and dlvc-dec from the parsed CUs, so the low-delay P
    reconstructions agree (intra, inter with and without residual all occur); the plane
    changes the filtered pictures."""
    from dlvc.tools.cnnlf import codec
    seen = []
    monkeypatch.setattr(codec, "decide_flags", lambda gain, lam, ctx, c: (np.ones(gain.shape, np.int32), True, 1.0))
    plane = codec.coding_info_plane
    monkeypatch.setattr(codec, "coding_info_plane", lambda meta: seen.append(set(np.unique(plane(meta)))) or plane(meta))
    w8 = smoothing_weights(tmp_path / "smooth8.npz", info=True)
    stream, rec, _ = encode_sequence(tmp_path, "Carphone", 3, 32, ("cfg/lowdelay.cfg",) + TOOL, CNNLFWeights=w8)
    assert seen and set().union(*seen) == {-128, 0, 127}
    monkeypatch.setattr(codec, "coding_info_plane", plane)
    assert np.array_equal(decode_with(stream, w8), rec)
    w7 = smoothing_weights(tmp_path / "smooth7.npz")
    _, rec7, _ = encode_sequence(tmp_path, "Carphone", 3, 32, ("cfg/lowdelay.cfg",) + TOOL, CNNLFWeights=w7)
    assert not np.array_equal(rec7, rec)


def test_two_model_sets_round_trip(tmp_path, monkeypatch):
    """Weights of two model sets: the PPS carries slice_cnnlf_set_idx (7 extra slice header
    bits); with every CTU flag forced on (and the RD saving still ranking the choices) the
    encoder picks set 1 everywhere, since set 0 adds 12 to every sample, so its
    reconstruction is the one of set 1's weights alone, and dlvc-dec follows the signalled
    set to the same samples.  A set the weights do not hold is refused."""
    from dlvc.core.bitstream import PPS_NUT
    from dlvc.core.syntax.pps import parse_pps
    from dlvc.core.syntax.tools_ext import CNNLF_SET_BITS
    from dlvc.tools.cnnlf import codec
    from dlvc.tools.cnnlf.codec import CnnLoopFilter, DecoderStage
    from dlvc.tools.cnnlf.infer import merge_sets, save_models
    monkeypatch.setattr(codec, "decide_flags", lambda gain, lam, ctx, c: (np.ones(gain.shape, np.int32), True,
                                                                          float(gain.sum()) + 1e12))
    bad = smoothing_weights(tmp_path / "bad.npz", offset=12)
    good = smoothing_weights(tmp_path / "good.npz")
    both = str(tmp_path / "both.npz")
    save_models(both, *merge_sets([bad, good]))
    stream, rec, _ = encode_sequence(tmp_path / "a", "Carphone", 4, 37, ("cfg/lowdelay.cfg",) + TOOL, CNNLFWeights=both)
    ppss = [parse_pps(n.rbsp) for n in split_annexb(stream) if n.nal_unit_type == PPS_NUT]
    assert ppss and all(p.num_extra_slice_header_bits == CNNLF_SET_BITS for p in ppss)
    _, rec_good, _ = encode_sequence(tmp_path / "b", "Carphone", 4, 37, ("cfg/lowdelay.cfg",) + TOOL, CNNLFWeights=good)
    _, rec_bad, _ = encode_sequence(tmp_path / "c", "Carphone", 4, 37, ("cfg/lowdelay.cfg",) + TOOL, CNNLFWeights=bad)
    assert np.array_equal(rec, rec_good) and not np.array_equal(rec, rec_bad)
    assert np.array_equal(decode_with(stream, both), rec)
    with pytest.raises(DlvcError, match="slice_cnnlf_set_idx 1, but the CNN loop filter weights hold 1 model set"):
        DecoderStage(CnnLoopFilter.get(good), "A", None, 32, 0, False, 6, 1)


def _records(stream):
    return [sps_tool_records(parse_sps(n.rbsp)) for n in split_annexb(stream) if n.nal_unit_type == SPS_NUT]


@shipped
@pytest.mark.parametrize("slot", ["B", pytest.param("A", marks=pytest.mark.slow)])
def test_all_intra_encoder_and_decoder_agree(tmp_path, slot):
    stream, rec, stats = encode_sequence(tmp_path, "Carphone", 2, 37, ("cfg/intra.cfg",) + TOOL, CNNLFSlot=slot)
    recs = _records(stream)
    assert recs and recs[0][0].tool_id == 1 and recs[0][0].weights_hash == CNNLF.weights_sha256()[:HASH_BYTES]
    assert recs[0][0].params == bytes([0 if slot == "A" else 1, 3])      # stage, log2 of 8 symmetries
    assert np.array_equal(dlvc_decode(stream), rec)


@shipped
@pytest.mark.parametrize("ensemble", [8, 2])
def test_low_delay_p_encoder_and_decoder_agree(tmp_path, ensemble):
    stream, rec, stats = encode_sequence(tmp_path, "Carphone", 4, 32, ("cfg/lowdelay.cfg",) + TOOL,
                                         CNNLFEnsemble=ensemble)
    assert _records(stream)[0][0].params == bytes([1, ensemble.bit_length() - 1])    # slot B, the default
    assert np.array_equal(dlvc_decode(stream), rec)


@shipped
def test_sps_record_parameters_read_by_the_decoder():
    """The stage and self-ensemble size come from the record's bytes (a record without the
    second byte: one symmetry); undefined values are refused."""
    from dlvc.tools.cnnlf.codec import decoder_filter
    h = CNNLF.weights_sha256()[:HASH_BYTES]
    for params, slot, k in ((b"\x00", "A", 1), (b"\x01\x00", "B", 1), (b"\x01\x02", "B", 4), (b"\x00\x03", "A", 8)):
        flt, got = decoder_filter(ToolRecord(1, h, params))
        assert (got, flt.ensemble) == (slot, k)
    for params, msg in ((b"\x02\x00", "stage 2"), (b"\x01\x04", "size 2\\^4")):
        with pytest.raises(DlvcError, match=msg):
            decoder_filter(ToolRecord(1, h, params))


@pytest.mark.slow
@shipped
def test_filter_changes_the_reconstruction(tmp_path):
    """The filter is used (some CTU flag on) and does not raise the distortion (its flags are
    on only where it lowers it, luma or chroma)."""
    stream_on, rec_on, st_on = encode_sequence(tmp_path, "Carphone", 1, 37, ("cfg/intra.cfg",) + TOOL)
    stream_off, rec_off, st_off = encode_sequence(tmp_path, "Carphone", 1, 37, ("cfg/intra.cfg",))
    assert not np.array_equal(rec_on, rec_off)
    assert st_on["psnr_yuv"] > st_off["psnr_yuv"] - 0.005


def test_tool_off_stream_is_plain_hevc(tmp_path):
    stream, rec, _ = encode_sequence(tmp_path, "Carphone", 2, 32, ("cfg/lowdelay.cfg",), CNNLoopFilter=0)
    assert _records(stream) == [[]]
    assert np.array_equal(pyav_decode(stream), rec)
    assert np.array_equal(dlvc_decode(stream), rec)


@shipped
def test_unknown_weights_refused(tmp_path):
    other = tmp_path / "other.npz"
    with np.load(CNNLF.weights_path()) as z:
        d = dict(z)
    d["note"] = np.int32(1)                        # same network, other bytes: other sha256
    with open(other, "wb") as f:
        np.savez(f, **d)
    stream, rec, _ = encode_sequence(tmp_path, "Carphone", 1, 37, ("cfg/intra.cfg",) + TOOL,
                                     CNNLFWeights=str(other))
    with pytest.raises(DlvcError, match="weights"):
        list(Decoder().decode(stream))
    # given the weights, dlvc-dec decodes it
    out = [np.concatenate([np.asarray(p, np.uint8).ravel() for p in pic.cropped()])
           for pic in Decoder(cnnlf_weights=str(other)).decode(stream)]
    assert np.array_equal(np.concatenate(out), rec)
    # the command line: one line on stderr, non-zero exit, no traceback
    bs = tmp_path / "s.bin"
    bs.write_bytes(stream)
    p = subprocess.run([sys.executable, "-c", "from dlvc.cli.dec import main; main()", "-b", str(bs),
                        "-o", str(tmp_path / "dec.yuv")], capture_output=True, text=True, cwd=ROOT)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert p.returncode != 0 and len(lines) == 1 and "Traceback" not in p.stderr, p.stderr
    assert "weights" in lines[0] and "CNNLFWeights" in lines[0]
    assert not (tmp_path / "dec.yuv").exists()
