"""CNN in-loop filter (dlvc tool 1): integer inference against the slow reference, thread
independence, the exactness bound, the tool signalling and the CTU flag syntax."""
import os

import numpy as np
import pytest

from dlvc.core.syntax.sps import SPS, parse_sps, write_sps
from dlvc.core.syntax.tools_ext import (
    CNNLF_SET_BITS, CNNLF_SLICE_BITS, HASH_BYTES, ToolRecord, cnnlf_slice_flags, parse_tools_extension, set_cnnlf_slice_flags,
    set_sps_tools, sps_tool_records, write_tools_extension,
)
from dlvc.core.bitstream import BitstreamError
from dlvc.tools import CNNLF, REGISTRY

torch = pytest.importorskip("torch")

from dlvc.tools.cnnlf.infer import (  # noqa: E402
    ENSEMBLE_ORDER, ENSEMBLE_SIZES, EXACT_LIMIT, IntModel, coding_info_plane, dihedral, ensemble_residual,
    filter_planes, infer_residual, infer_residual_reference, load_models, make_input, save_models,
)


def random_model(rng, channels=32, layers=6, wmax=127, n_in=7, shifts=(9, 14)):
    ch = [n_in] + [channels] * (layers - 1) + [6]
    ws, bs, ss = [], [], []
    for i in range(layers):
        w = rng.integers(-wmax, wmax + 1, (ch[i + 1], ch[i], 3, 3))
        amax = 128 if i == 0 else 255
        room = EXACT_LIMIT - 1 - np.abs(w).reshape(ch[i + 1], -1).sum(1) * amax
        ws.append(w)
        bs.append(rng.integers(-1, 2, ch[i + 1]) * np.minimum(room, 100000))
        ss.append(rng.integers(*shifts, ch[i + 1]))
    return IntModel(ws, bs, ss)


def random_planes(rng, w=64, h=48):
    y = rng.integers(0, 256, (h, w))
    y[: h // 2] = 255            # saturated and flat areas as well as noise
    y[:, : w // 4] = 0
    return (y.astype(np.int16), rng.integers(0, 256, (h // 2, w // 2)).astype(np.int16),
            rng.integers(0, 256, (h // 2, w // 2)).astype(np.int16))


def test_torch_inference_matches_integer_reference():
    rng = np.random.default_rng(1)
    for trial in range(3):
        m = random_model(rng, wmax=(20, 60, 127)[trial])
        x = make_input(random_planes(rng), 22 + 10 * trial)
        r = infer_residual(m, x)
        assert np.array_equal(r, infer_residual_reference(m, x))
        assert np.any(r != 0)


def symmetric_picture(p, k):
    """A full-resolution plane flipped horizontally (k & 1), vertically (k & 2), then
    transposed (k & 4)."""
    p = p[:, ::-1] if k & 1 else p
    p = p[::-1] if k & 2 else p
    return np.ascontiguousarray(p.T if k & 4 else p)


@pytest.mark.parametrize("k", range(8))
def test_dihedral_planes_are_the_network_planes_of_the_flipped_picture(k):
    """Flipping/transposing network planes (4 luma phases, Cb, Cr, QP) equals making the
    planes of the flipped/transposed picture (the luma phases trade places), on a picture
    that is not square; ``inverse`` undoes it."""
    rng = np.random.default_rng(k)
    planes = random_planes(rng, 20, 12)
    x = make_input(planes, 30)
    y = dihedral(x, k)
    assert np.array_equal(y, make_input(tuple(symmetric_picture(p, k) for p in planes), 30))
    assert np.array_equal(dihedral(x[:6], k), y[:6])                # the 6-plane residual
    assert np.array_equal(dihedral(y, k, inverse=True), x)


def test_self_ensemble_matches_reference_and_definition():
    """The self-ensemble equals the integer reference, equals the rounded mean of the single
    residuals of the symmetric pictures brought back, and K = 1 is the plain net."""
    rng = np.random.default_rng(11)
    m = random_model(rng, 16, 4, wmax=40)
    planes = random_planes(rng, 40, 24)
    x = make_input(planes, 27)
    assert np.array_equal(ensemble_residual(m, x, 1), infer_residual_reference(m, x))
    for count in ENSEMBLE_SIZES[1:]:
        r = ensemble_residual(m, x, count)
        assert np.array_equal(r, ensemble_residual(m, x, count, reference=True))
        total = sum(dihedral(infer_residual_reference(m, make_input(tuple(symmetric_picture(p, k) for p in planes), 27)),
                             k, inverse=True).astype(np.int64) for k in ENSEMBLE_ORDER[:count])
        assert np.array_equal(r, (total + count // 2) // count)
    assert sorted(ENSEMBLE_ORDER) == list(range(8))
    with pytest.raises(ValueError, match="self-ensemble of 3"):
        ensemble_residual(m, x, 3)


def test_self_ensemble_of_8_is_equivariant():
    """The mean over all 8 symmetries commutes with every symmetry of the picture (up to the
    rounding of the mean, which is exact here: the same integers are summed)."""
    rng = np.random.default_rng(12)
    m = random_model(rng, 16, 4, wmax=40)
    planes = random_planes(rng, 32, 16)
    r = ensemble_residual(m, make_input(planes, 32), 8)
    for k in (1, 4, 7):
        rk = ensemble_residual(m, make_input(tuple(symmetric_picture(p, k) for p in planes), 32), 8)
        assert np.array_equal(dihedral(rk, k, inverse=True), r)


def random_meta(rng, w, h):
    """CU metadata of 8x8 CUs of random prediction modes, transform units of 4x4 with random
    cbf bits."""
    from dlvc.core.picture import F_CBF, F_PRED_MODE, new_meta
    meta = new_meta(w, h)
    meta[F_PRED_MODE] = rng.integers(0, 3, (h // 8, w // 8)).repeat(2, 0).repeat(2, 1)
    meta[F_CBF] = rng.integers(0, 8, (h // 4, w // 4)) * (rng.random((h // 4, w // 4)) < 0.5)
    return meta


def test_coding_info_plane_of_cu_metadata():
    """Each luma sample's 2x2 half-resolution unit: 127 intra, 0 inter with a cbf in its
    transform unit, -128 inter (or skip) without; computed sample by sample here."""
    from dlvc.core.picture import F_CBF, F_PRED_MODE, MODE_INTRA
    rng = np.random.default_rng(5)
    w, h = 48, 32
    meta = random_meta(rng, w, h)
    info = coding_info_plane(meta)
    assert info.shape == (h // 2, w // 2)
    for y in range(0, h, 2):
        for x in range(0, w, 2):
            mode, cbf = meta[F_PRED_MODE, y // 4, x // 4], meta[F_CBF, y // 4, x // 4]
            assert info[y // 2, x // 2] == (127 if mode == MODE_INTRA else 0 if cbf else -128)
    assert set(np.unique(info)) == {-128, 0, 127}


def test_eight_input_model_uses_the_coding_information():
    """A model with 8 inputs: torch inference and self-ensemble equal the integer reference
    with the coding-information plane as the 8th input (flipped with the picture), the plane
    changes the output, and the model refuses to run without it."""
    rng = np.random.default_rng(13)
    m = random_model(rng, 16, 4, wmax=40, n_in=8)
    planes = random_planes(rng, 48, 32)
    info = coding_info_plane(random_meta(rng, 48, 32))
    x = make_input(planes, 30, info)
    assert x.shape[0] == 8 and np.array_equal(x[7], info) and np.array_equal(x[:7], make_input(planes, 30))
    assert np.array_equal(infer_residual(m, x), infer_residual_reference(m, x))
    for count in (2, 8):
        assert np.array_equal(ensemble_residual(m, x, count), ensemble_residual(m, x, count, reference=True))
    for k in range(8):
        assert np.array_equal(dihedral(x, k)[7], symmetric_picture(info, k))
    out = filter_planes(m, planes, 30, info=info, ensemble=2)
    other = filter_planes(m, planes, 30, info=np.full_like(info, 127), ensemble=2)
    assert not all(np.array_equal(a, b) for a, b in zip(out, other))
    with pytest.raises(ValueError, match="coding-information plane"):
        filter_planes(m, planes, 30)
    with pytest.raises(ValueError, match="9 inputs"):
        random_model(rng, 8, 2, n_in=9)


@pytest.mark.parametrize("shifts", [(9, 14), (1, 31)])
def test_partial_sums_near_the_bound_stay_exact(shifts):
    """Weights at +-127 with biases that bring the bound right up to 2^24 - 1; the shifts
    (folded into the float weights as 2^-S) over their whole range 1..30 too."""
    rng = np.random.default_rng(2)
    m = random_model(rng, wmax=127, shifts=shifts)
    x = make_input(random_planes(rng, 32, 32), 51)
    assert np.array_equal(infer_residual(m, x), infer_residual_reference(m, x))
    assert np.array_equal(ensemble_residual(m, x, 8), ensemble_residual(m, x, 8, reference=True))


def test_bound_check_refuses_inexact_models():
    rng = np.random.default_rng(3)
    m = random_model(rng)
    with pytest.raises(ValueError, match="not exact"):
        IntModel(m.weights, [b + EXACT_LIMIT for b in m.biases], m.shifts)


def test_same_output_with_1_and_2_threads():
    rng = np.random.default_rng(4)
    m = random_model(rng, wmax=90)
    planes = random_planes(rng, 416, 240)
    old = torch.get_num_threads()
    try:
        for ensemble in (1, 8):
            a = filter_planes(m, planes, 32, threads=1, ensemble=ensemble)
            b = filter_planes(m, planes, 32, threads=2, ensemble=ensemble)
            for p, q in zip(a, b):
                assert np.array_equal(p, q)
    finally:
        torch.set_num_threads(old)


def test_shipped_weights_load_and_match_reference():
    path = CNNLF.weights_path()
    if not os.path.exists(path):
        pytest.skip("no shipped weights")
    models, select = load_models(path)
    rng = np.random.default_rng(5)
    planes = random_planes(rng, 96, 64)
    info = coding_info_plane(random_meta(rng, 96, 64))
    for m in models:
        out = filter_planes(m, planes, 32, info=info)
        ref = filter_planes(m, planes, 32, reference=True, info=info)
        for p, q in zip(out, ref):
            assert np.array_equal(p, q)
            assert p.min() >= 0 and p.max() <= 255


def test_weights_file_round_trip(tmp_path):
    rng = np.random.default_rng(6)
    ms = [random_model(rng, 8, 3), random_model(rng, 8, 3)]
    sel = np.zeros((2, 52), np.int32)
    sel[:, 30:] = 1
    save_models(tmp_path / "w.npz", ms, sel)
    ms2, sel2 = load_models(tmp_path / "w.npz")
    assert np.array_equal(sel[None], sel2)                 # one model set
    for a, b in zip(ms, ms2):
        for la, lb in zip(a.weights + a.biases + a.shifts, b.weights + b.biases + b.shifts):
            assert np.array_equal(la, lb)


def test_merged_weights_hold_two_model_sets(tmp_path):
    """merge_sets: set i of the merged file selects what file i does, and a model both
    files hold is stored once; three sets, or a file of two, are refused."""
    from dlvc.tools.cnnlf.infer import merge_sets
    rng = np.random.default_rng(7)
    shared, a1, b1 = (random_model(rng, 8, 3) for _ in range(3))
    sel = np.zeros((2, 52), np.int32)
    sel[1] = 1                                                    # model 1 for I slices
    save_models(tmp_path / "a.npz", [a1, shared], sel)
    save_models(tmp_path / "b.npz", [b1, shared], sel)
    models, select = merge_sets([tmp_path / "a.npz", tmp_path / "b.npz"])
    assert len(models) == 3 and select.shape == (2, 2, 52)
    assert models[select[0, 0, 30]] is not models[select[1, 0, 30]]
    assert select[0, 1, 30] == select[1, 1, 30]
    for s, p_model in ((0, a1), (1, b1)):
        assert all(np.array_equal(u, v) for u, v in zip(models[select[s, 0, 30]].weights, p_model.weights))
    save_models(tmp_path / "ab.npz", models, select)
    ms2, sel2 = load_models(tmp_path / "ab.npz")
    assert np.array_equal(sel2, select) and len(ms2) == 3
    with pytest.raises(ValueError, match="1 to 2 model sets"):
        merge_sets([tmp_path / "a.npz"] * 3)
    with pytest.raises(ValueError, match="already holds 2 model sets"):
        merge_sets([tmp_path / "ab.npz", tmp_path / "a.npz"])


def test_registry():
    assert REGISTRY[1] is CNNLF and CNNLF.normative and CNNLF.cfg_key == "CNNLoopFilter"


def test_sps_tools_extension_round_trip():
    recs = [ToolRecord(1, bytes(range(HASH_BYTES)), b"\x01")]
    bits = write_tools_extension(recs)
    # magic u(8), num_tools ue(1), tool_id ue(1), hash 4 x u(8), param_bytes ue(1), param u(8)
    assert len(bits) == 8 + 3 + 3 + 32 + 3 + 8
    assert parse_tools_extension(bits) == recs
    sps = SPS(pic_width_in_luma_samples=176, pic_height_in_luma_samples=144)
    assert sps_tool_records(sps) == []
    set_sps_tools(sps, recs)
    back = parse_sps(write_sps(sps))
    assert sps_tool_records(back) == recs
    with pytest.raises(BitstreamError):
        parse_tools_extension([1, 0, 1, 1] * 8)


def test_slice_syntax_flags_and_qp_offset_index():
    """slice_cnnlf_flag[ 0..2 ], slice_cnnlf_qp_offset_idx and slice_cnnlf_all_ctbs_flag set
    in a slice header's slice_reserved_flag and read back as the components' modes (0 off,
    1 CTU flags, 2 every CTB; test_syntax writes and parses those bits); a PPS with only the
    three flags (older streams) means offset index 0, one with five no all-CTBs mode; one
    with fewer than three is refused."""
    from types import SimpleNamespace
    from dlvc.core.syntax.slice_header import SliceHeader
    from dlvc.tools.cnnlf.codec import filter_qp
    pps = SimpleNamespace(num_extra_slice_header_bits=CNNLF_SLICE_BITS)
    for on, idx, bits in (((1, 0, 1), 3, [1, 0, 1, 1, 1, 0]), ((0, 1, 0), 2, [0, 1, 0, 1, 0, 0]),
                          ((1, 1, 0), 1, [1, 1, 0, 0, 1, 0]), ((0, 0, 0), 0, [0] * 6),
                          ((2, 0, 2), 1, [1, 0, 1, 0, 1, 1]), ((2, 2, 2), 0, [1, 1, 1, 0, 0, 1])):
        sh = SliceHeader()
        set_cnnlf_slice_flags(sh, pps, on, idx)
        assert sh.slice_reserved_flag == bits
        flags, got, set_idx = cnnlf_slice_flags(sh, pps)
        assert tuple(flags) == on and got == idx and set_idx == 0
        older = tuple(min(m, 1) for m in on)
        flags, got, _ = cnnlf_slice_flags(sh, SimpleNamespace(num_extra_slice_header_bits=5))
        assert tuple(flags) == older and got == idx
        flags, got, _ = cnnlf_slice_flags(sh, SimpleNamespace(num_extra_slice_header_bits=3))
        assert tuple(flags) == older and got == 0
        for s in (0, 1):                  # weights of two model sets: slice_cnnlf_set_idx, a 7th bit
            pps7 = SimpleNamespace(num_extra_slice_header_bits=CNNLF_SET_BITS)
            set_cnnlf_slice_flags(sh, pps7, on, idx, s)
            assert sh.slice_reserved_flag == bits + [s]
            flags, got, set_idx = cnnlf_slice_flags(sh, pps7)
            assert tuple(flags) == on and got == idx and set_idx == s
    with pytest.raises(BitstreamError, match="slice flags"):
        cnnlf_slice_flags(sh, SimpleNamespace(num_extra_slice_header_bits=2))
    # QpCnn = Clip3(0, 51, SliceQpY + (0, -3, -6, -9)[idx])
    assert [filter_qp(32, i) for i in range(4)] == [32, 29, 26, 23]
    assert filter_qp(4, 3) == 0 and filter_qp(51, 0) == 51


def test_ctu_flag_syntax_round_trip():
    from dlvc.core.cabac import decoder_init, encode_terminate, finish, init_contexts, new_reader, new_writer
    from dlvc.core.tool_syntax import merge_filtered, new_cnnlf_flags, parse_cnnlf_flags, write_cnnlf_flags
    rng = np.random.default_rng(7)
    flags = new_cnnlf_flags(3, 5)
    flags[:] = rng.integers(0, 2, flags.shape)
    sizes = {}
    for on in ((0, 0, 0), (1, 1, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (2, 0, 2), (2, 2, 2)):
        on = np.array(on, np.int32)
        w, buf = new_writer(1000)
        ctx = init_contexts(1, 32)
        for ry in range(3):
            for rx in range(5):
                write_cnnlf_flags(w, buf, ctx, flags, rx, ry, 5, 0, on)
        encode_terminate(w, buf, 1)
        n = finish(w, buf)
        d = new_reader()
        data = np.ascontiguousarray(buf[:n])
        decoder_init(d, data, 0)
        ctx = init_contexts(1, 32)
        got = new_cnnlf_flags(3, 5)
        for ry in range(3):
            for rx in range(5):
                parse_cnnlf_flags(d, data, ctx, got, rx, ry, 5, 0, on)
        assert np.array_equal(got, np.where(on == 2, 1, flags * on))     # mode 2: no bins, every CTB on
        sizes[tuple(on)] = n
    assert sizes[(2, 2, 2)] == sizes[(2, 0, 2)] == sizes[(0, 0, 0)] < sizes[(1, 0, 0)]    # mode 2 codes no bins
    planes = tuple(np.zeros(s, np.int16) for s in ((144, 176), (72, 88), (72, 88)))
    filt = tuple(np.ones_like(p) for p in planes)
    f = new_cnnlf_flags(3, 3)
    f[1, 2, 0] = 1
    f[0, 0, 1] = 1
    f[2, 1, 2] = 1
    merge_filtered(planes, filt, f, 6)
    assert planes[0].sum() == 48 * 64 and planes[0][64:128, 128:].all()
    assert planes[1].sum() == 32 * 32 and planes[1][:32, :32].all()
    assert planes[2].sum() == 8 * 32 and planes[2][64:72, 32:64].all()


class OneSet:
    """What EncoderStage asks of a filter besides ``filter``: one model set, a model per QP."""
    sets = 1

    def model_index(self, intra, qp, set_idx=0):
        return qp + 52 * set_idx


def test_encoder_searches_model_sets_and_offsets():
    """With weights of two model sets the encoder stage tries both at each offset and keeps
    the set and offset saving most (a stand-in whose set 1 at QpCnn = SliceQpY - 3 gives the
    original picture); a set whose model is one already tried (I slices: both sets share the
    I models) is not filtered again."""
    from dlvc.tools.cnnlf.codec import EncoderStage
    rng = np.random.default_rng(8)
    org = [rng.integers(0, 256, (128, 192)).astype(np.int16)] + \
          [rng.integers(0, 256, (64, 96)).astype(np.int16) for _ in range(2)]

    class TwoSets:
        sets = 2

        def __init__(self):
            self.tried = []

        def model_index(self, intra, qp, set_idx=0):
            return qp + (0 if intra else 52 * set_idx)

        def filter(self, planes, qp, intra, meta, set_idx=0):
            self.tried.append((set_idx, qp))
            err = abs(qp - 29) + (0 if set_idx == 1 else 3)
            return tuple(np.clip(o + err * np.sign(p - o), 0, 255).astype(np.int16) for o, p in zip(org, planes))

    for intra, tried, best in ((False, [(0, 32), (0, 29), (1, 32), (1, 29)], (1, 1)), (True, [(0, 32), (0, 29)], (0, 1))):
        flt = TwoSets()
        planes = tuple(np.clip(o + 20, 0, 255).astype(np.int16) for o in org)
        st = EncoderStage(flt, "A", org, 32, intra, 6, 50.0, 1.0, 1.0, 1, 2)
        st(planes, None)
        assert flt.tried == tried and (st.set_idx, st.qp_offset_idx) == best and st.stats["set"] == best[0]
        expected = flt.filter(tuple(np.clip(o + 20, 0, 255).astype(np.int16) for o in org), 29, intra, None, best[0])
        assert all(np.array_equal(p, e) for p, e in zip(planes, expected))


def test_encoder_searches_filter_qp_offsets():
    """The encoder stage tries CNNLFQpSearch offsets 0, -3, -6, ... and keeps the one saving
    most RD cost: a stand-in filter whose output is the original picture at QpCnn = SliceQpY
    - 6 and worse the further QpCnn is from it keeps -6 of all 4; of the first 2, -3."""
    from dlvc.tools.cnnlf.codec import EncoderStage
    rng = np.random.default_rng(3)
    org = [rng.integers(0, 256, (128, 192)).astype(np.int16)] + \
          [rng.integers(0, 256, (64, 96)).astype(np.int16) for _ in range(2)]

    class Stand(OneSet):
        def __init__(self):
            self.tried = []

        def filter(self, planes, qp, intra, meta, set_idx=0):
            self.tried.append(qp)
            err = abs(qp - 26)
            return tuple(np.clip(o + err * np.sign(p - o), 0, 255).astype(np.int16) for o, p in zip(org, planes))

    def coded():
        return tuple(np.clip(o + 20, 0, 255).astype(np.int16) for o in org)

    for search, offsets, best in ((4, [32, 29, 26, 23], -6), (2, [32, 29], -3)):
        flt = Stand()
        planes = coded()
        st = EncoderStage(flt, "B", org, 32, False, 6, 50.0, 1.0, 1.0, 1, search)
        st(planes, None)
        assert flt.tried == offsets and st.stats["qp_offset"] == best
        assert st.slice_flags == (2, 2, 2) and st.flags.all()     # every CTB gains: no CTU flags
        expected = Stand().filter(coded(), 32 + best, False, None)
        assert all(np.array_equal(p, e) for p, e in zip(planes, expected))


def test_every_ctb_mode_when_the_flags_cost_more_than_they_save():
    """A luma gain spread thinly over the picture (each CTB saves less than lambda x a
    flag's bits, the picture much more) takes slice_cnnlf_all_ctbs_flag, mode 2, with no
    CTU flags, while the chroma the filter harms stays off; a gain in one CTB only keeps
    the CTU flags (mode 1)."""
    from dlvc.tools.cnnlf.codec import EncoderStage
    rng = np.random.default_rng(4)
    org = [rng.integers(10, 240, (128, 192)).astype(np.int16)] + \
          [rng.integers(10, 240, (64, 96)).astype(np.int16) for _ in range(2)]
    coded = [org[0] + 2, org[1] + 2, org[2]]

    class Stand(OneSet):
        def __init__(self, luma):
            self.luma = luma

        def filter(self, planes, qp, intra, meta, set_idx=0):
            return (self.luma.astype(np.int16), org[1] + 5, planes[2].copy())

    lam = 3 * 64 * 64 * 4.0                   # a CTB saves 3 x 4096 < lambda x 0.25 bit
    planes = tuple(p.copy() for p in coded)
    st = EncoderStage(Stand(org[0] + 1), "A", org, 37, False, 6, lam, 1.0, 1.0, 1, 1)
    st(planes, None)
    assert st.slice_flags == (2, 0, 0) and st.stats["all_ctbs"] == 1
    assert st.flags[:, :, 0].all() and not st.flags[:, :, 1:].any()
    assert np.array_equal(planes[0], org[0] + 1) and np.array_equal(planes[1], coded[1])
    one = org[0] + 2
    one[:64, :64] = org[0][:64, :64]         # saves 4 x 4096 in one CTB
    lam = 1000.0
    one[64:, :] = org[0][64:, :] + 3            # and loses in the bottom row of CTBs
    planes = tuple(p.copy() for p in coded)
    st = EncoderStage(Stand(one), "A", org, 37, False, 6, lam, 1.0, 1.0, 1, 1)
    st(planes, None)
    assert st.slice_flags == (1, 0, 0) and st.stats["all_ctbs"] == 0
    assert st.flags[0, 0, 0] == 1 and not st.flags[1, :, 0].any()


def test_flag_decisions_by_rate_distortion_cost():
    from dlvc.core.cabac import init_contexts
    from dlvc.tools.cnnlf.codec import decide_flags
    ctx = init_contexts(1, 32)
    lam = 100.0
    f, on, rd = decide_flags(np.full((3, 4), 1e6), lam, ctx, 0)
    assert on and f.all() and 12e6 - 12 * lam < rd < 12e6
    f, on, rd = decide_flags(np.full((3, 4), -5.0), lam, ctx, 0)
    assert not on and not f.any() and rd == 0
    # a saving below lambda x (one flag's bits) is not worth a flag
    f, on, rd = decide_flags(np.full((3, 4), 0.2 * lam), lam, ctx, 0)
    assert not on and not f.any() and rd == 0
    # one CTB saves a lot: on, but only the slice's worth is checked against all flags' bits
    g = np.zeros((3, 4))
    g[1, 2] = 50 * lam
    f, on, rd = decide_flags(g, lam, ctx, 0)
    assert on and f.sum() == 1 and f[1, 2] == 1 and 50 * lam - 12 * lam < rd < 50 * lam   # the 12 flags cost < 1 bit each
    g[1, 2] = 3 * lam             # saves less than the 12 flags cost: slice off
    f, on, rd = decide_flags(g, lam, ctx, 0)
    assert not on and not f.any() and rd == 0

