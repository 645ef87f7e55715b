"""CNN in-loop filter training (dlvc-train cnnlf): the training clips drawn from the
training pictures, training steps reducing the loss, QAT and quantisation agreeing with the
integer model."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dlvc.tools.cnnlf import train as T  # noqa: E402
from dlvc.tools.cnnlf.infer import dihedral, infer_residual, infer_residual_reference, make_input  # noqa: E402
from dlvc.tools.cnnlf.model import FloatNet, deepened, from_int, quantise, with_coding_info  # noqa: E402


def write_i420(path, w, h, frames, rng):
    with open(path, "wb") as f:
        for _ in range(frames):
            f.write(rng.integers(0, 256, w * h * 3 // 2, dtype=np.uint8).tobytes())


def test_source_clips_use_whole_images_and_hold_out_validation(tmp_path):
    rng = np.random.default_rng(1)
    write_i420(tmp_path / "Big_900x700.yuv", 900, 700, 1, rng)
    write_i420(tmp_path / "Small_130x98.yuv", 130, 98, 1, rng)
    write_i420(tmp_path / "Chelsea_450x300.yuv", 450, 300, 1, rng)
    write_i420(tmp_path / "Ruins_600x500.yuv", 600, 500, 1, rng)
    write_i420(tmp_path / "World_480x270_30.yuv", 480, 270, 30, rng)
    clips = T.source_clips(str(tmp_path))
    # every training image whole, sides cut to multiples of 8 and at most MAX_SIDE
    assert clips["ai_big"][1][0][0].shape == (T.MAX_SIDE, T.MAX_SIDE)
    y, cb, cr = clips["ai_small"][1][0]
    assert y.shape == (96, 128) and cb.shape == cr.shape == (48, 64)
    big = np.fromfile(tmp_path / "Big_900x700.yuv", np.uint8)[:900 * 700].reshape(700, 900)
    x0, y0 = (900 - 640) // 2, (700 - 640) // 2
    assert np.array_equal(clips["ai_big"][1][0][0], big[y0:y0 + 640, x0:x0 + 640])
    # validation images never train; they are the validation crop
    assert "ai_chelsea" not in clips and len(clips["ai_val"][1]) == 1
    assert clips["ai_val"][1][0][0].shape == (T.CROP, T.CROP)
    # World: frames 0..15 train, 20..28 validate
    assert len(clips["ldp_world16"][1]) == 16 and clips["ldp_world16"][1][0][0].shape == (264, 480)
    assert len(clips["ldp_world_val"][1]) == 9
    # every image large enough also moves as a low-delay clip; validation images' clips validate
    # (two motions each; a half-size one where the half picture is large enough)
    assert {n for n in clips if n.startswith("ldp_")} == {"ldp_world16", "ldp_world_val", "ldp_big", "ldp_big_b",
                                                          "ldp_big_half", "ldp_chelsea_val", "ldp_ruins",
                                                          "ldp_ruins_b"}
    assert not np.array_equal(clips["ldp_ruins"][1][0][0], clips["ldp_ruins_b"][1][0][0])
    # and at half size, all-intra
    assert {n for n in clips if n.endswith("_half")} == {"ai_big_half", "ai_ruins_half", "ldp_big_half"}
    assert clips["ai_big_half"][1][0][0].shape == (344, 448)
    ruins = clips["ldp_ruins"][1]
    assert len(ruins) == T.MOTION_FRAMES
    assert all(f[0].shape == (T.CROP, T.CROP) and f[1].shape == f[2].shape == (T.CROP // 2, T.CROP // 2)
               for f in ruins)
    assert all(not np.array_equal(a[0], b[0]) for a, b in zip(ruins, ruins[1:]))   # it moves


def test_half_scale_takes_the_rounded_mean_of_each_2x2_block():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 256, (10, 14)).astype(np.uint8)          # cut to 8 x 12 first
    c = rng.integers(0, 256, (5, 7)).astype(np.uint8)            # cut to 4 x 6
    hy, hc, _ = T.half_scale((y, c, c))
    assert hy.shape == (4, 6) and hc.shape == (2, 3)
    for i in range(4):
        for j in range(6):
            assert hy[i, j] == int(np.floor(y[2 * i:2 * i + 2, 2 * j:2 * j + 2].astype(float).mean() + 0.5))
    assert hc[1, 2] == int(np.floor(c[2:4, 4:6].astype(float).mean() + 0.5))


def test_moving_crops_follow_a_known_motion_of_the_picture():
    """On a linear ramp (exact under bilinear resampling) a clip's frames are ramps whose
    offset moves by the same step every frame, and the clip depends only on the name."""
    h, w = 500, 600
    yy, xx = np.mgrid[0:h, 0:w]
    y = (16 + 0.3 * xx + 0.1 * yy).astype(np.uint8)
    c = np.full((h // 2, w // 2), 128, np.uint8)
    clip = T.moving_crops((y, c, c), "Ramp")
    again = T.moving_crops((y, c, c), "Ramp")
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(clip, again))
    assert not np.array_equal(T.moving_crops((y, c, c), "Other")[0][0], clip[0][0])
    means = np.array([f[0][64:-64, 64:-64].astype(np.float64).mean() for f in clip])
    steps = np.diff(means)
    assert np.abs(steps).max() > 0.05                       # the content moves ...
    assert np.ptp(steps) < 0.5                              # ... by a steady motion (zoom keeps the centre)
    assert all(np.array_equal(f[1], c[:T.CROP // 2, :T.CROP // 2]) for f in clip)   # flat chroma stays flat


def synthetic_pictures(rng, n=4):
    """Pictures whose 'reconstruction' is the original with a constant offset and mild
    noise: a filter can learn to take the offset back within a few steps."""
    pics = []
    for k in range(n):
        org = tuple(rng.integers(40, 216, s).astype(np.uint8) for s in ((128, 128), (64, 64), (64, 64)))
        rec = tuple(np.clip(o.astype(np.int32) + 6 + rng.integers(-1, 2, o.shape), 0, 255).astype(np.uint8)
                    for o in org)
        pics.append({"org": org, "A": rec, "B": rec, "qp": 32 + k, "intra": 1})
    return pics


def test_augmented_batches_are_flipped_pictures():
    """Patches as large as the picture: each augmented input (and its target, alike) is one
    of the 8 symmetries of the picture's planes, and several symmetries occur."""
    pics = synthetic_pictures(np.random.default_rng(3), n=1)
    patches = T.Patches(pics, np.random.default_rng(5), size=128, augment=True)
    x0, t0 = patches.x[0], patches.t[0]
    xs, ts = (a.numpy() for a in patches.batch(24))
    seen = set()
    for x, t in zip(xs, ts):
        ks = [k for k in range(8) if np.array_equal(x, dihedral(x0, k))]
        assert len(ks) == 1 and np.array_equal(t, dihedral(t0, ks[0]))
        seen.add(ks[0])
    assert len(seen) >= 4
    plain = T.Patches(pics, np.random.default_rng(5), size=128, augment=False).batch(4)[0].numpy()
    assert all(np.array_equal(x, x0) for x in plain)


def test_training_steps_reduce_the_loss():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    patches = T.Patches(synthetic_pictures(rng), rng, size=64)
    x, t = patches.batch(8)
    net = FloatNet(channels=8, layers=3)
    before = float(T._loss(net, x, t, qat=False).detach())
    steps = T._train_phase(net, patches, None, 0, 1e-2, 8, 0.0, lambda s: None, "test", steps_cap=60)
    assert steps == 60
    after = float(T._loss(net, x, t, qat=False).detach())
    assert after < 0.25 * before, (before, after)


def test_quantised_model_matches_its_qat_forward():
    """The integer model computes what quantisation-aware training saw (up to the float
    rounding of the QAT sums: a few residual values may differ by one)."""
    torch.manual_seed(0)
    rng = np.random.default_rng(2)
    patches = T.Patches(synthetic_pictures(rng), rng, size=64)
    net = FloatNet(channels=8, layers=3)
    T._train_phase(net, patches, None, 0, 1e-2, 8, 0.5, lambda s: None, "test", steps_cap=20)
    model = quantise(net)
    x = make_input(tuple(p.astype(np.int32) for p in synthetic_pictures(rng, 1)[0]["A"]), 33)
    r_int = infer_residual(model, x)
    assert np.array_equal(r_int, infer_residual_reference(model, x))
    with torch.no_grad():
        r_qat = net(torch.from_numpy(x.astype(np.float32) / 128.0)[None], qat=True)[0].numpy() * 128.0
    assert np.mean(np.abs(r_int - np.round(r_qat)) > 0) < 0.01
    assert np.max(np.abs(r_int - r_qat)) <= 1.0


def test_integer_model_goes_back_to_float_exactly():
    """--init: the float model made from an integer one quantises back to the same integers,
    and its quantisation-aware forward is the integer filter."""
    torch.manual_seed(3)
    net = FloatNet(channels=8, layers=4)
    torch.nn.init.normal_(net.convs[-1].weight, std=0.05)
    torch.nn.init.normal_(net.convs[-1].bias, std=0.01)
    net.act_exp = [7, 7, 7]
    model = quantise(net)
    back = from_int(model)
    back.act_exp = [7, 7, 7]
    again = quantise(back)
    for a, b in zip(model.weights + model.biases + model.shifts, again.weights + again.biases + again.shifts):
        assert np.array_equal(a, b)
    rng = np.random.default_rng(4)
    x = make_input(tuple(p.astype(np.int32) for p in synthetic_pictures(rng, 1)[0]["A"]), 30)
    with torch.no_grad():
        r = back(torch.from_numpy(x.astype(np.float32) / 128.0)[None], qat=True)[0].numpy() * 128.0
    assert np.array_equal(np.floor(r + 0.5), infer_residual(model, x))


def test_data_filter_codes_the_clips_with_the_filter_on(tmp_path):
    """--data-filter: the low-delay clip is coded with the filter on at --data-filter-slot's
    stage (default A), so the pictures captured (the filter's input: the deblocked ones only, as after
    SAO they are filtered) are the same for the I picture and differ once P pictures predict
    from filtered references (Carphone's first frames, the shipped weights)."""
    from codec_util import sequence_path
    from dlvc.tools import CNNLF
    w, h = 176, 144
    raw = np.fromfile(sequence_path("Carphone"), np.uint8, count=3 * w * h * 3 // 2).reshape(3, -1)
    frames = [(f[:w * h].reshape(h, w), f[w * h:w * h * 5 // 4].reshape(h // 2, w // 2),
               f[w * h * 5 // 4:].reshape(h // 2, w // 2)) for f in raw]
    _, _, off = T._encode_job(("clip", "ldp", frames, 37, str(tmp_path), None, "A"))
    _, _, on = T._encode_job(("clip", "ldp", frames, 37, str(tmp_path), CNNLF.weights_path(), T.DATA_FILTER_SLOT))
    assert len(off) == len(on) == 3 and on[0]["intra"] and not on[1]["intra"]
    assert all("B" in p for p in off) and not any("B" in p for p in on)
    _, _, on_b = T._encode_job(("clip", "ldp", frames, 37, str(tmp_path), CNNLF.weights_path(), "B"))
    assert all("B" in p for p in on_b) and np.array_equal(on_b[0]["B"][0], off[0]["B"][0])
    assert not np.array_equal(off[1]["A"][0], on_b[1]["A"][0])
    assert all(np.array_equal(a, b) for a, b in zip(off[0]["A"], on[0]["A"]))
    assert not np.array_equal(off[1]["A"][0], on[1]["A"][0])
    path = str(tmp_path / "c_%d.npz")
    T._save_pics(path % 37, on)
    back = T._load_pics(path % 37)
    assert [sorted(p) for p in back] == [sorted(p) for p in on]
    assert all(np.array_equal(a, b) for p, q in zip(on, back) for a, b in zip(p["A"], q["A"]))


def test_slice_type_models_learn_their_own_slices(tmp_path, monkeypatch):
    """--slice-types: a model per QP band and slice type, each trained on its slices only.
    I slices here are reconstructed 6 too bright and P slices 6 too dark: each type's model
    learns its own correction, and the selection table sends each slice to its model."""
    from dlvc.tools.cnnlf.infer import load_models

    def pics(rng, intra, offset):
        out = []
        for qp in T.QPS:
            org = tuple(rng.integers(60, 196, s).astype(np.uint8) for s in ((96, 96), (48, 48), (48, 48)))
            rec = tuple((o.astype(np.int32) + offset).astype(np.uint8) for o in org)
            out.append({"org": org, "A": rec, "B": rec, "qp": qp, "intra": intra})
        return out

    rng = np.random.default_rng(0)
    data = {name: {q: [p for p in pics(rng, intra, off) if p["qp"] == q] for q in T.QPS}
            for name, intra, off in (("ai_a", 1, 6), ("ldp_b", 0, -6), ("ai_c_val", 1, 6), ("ldp_d_val", 0, -6))}
    monkeypatch.setattr(T, "find_data", lambda d: str(tmp_path))
    monkeypatch.setattr(T, "make_data", lambda *a, **k: data)
    torch.manual_seed(0)
    out = str(tmp_path / "w")
    record = T.train(out, minutes=0, channels=8, layers=3, bands=(27,), lr=3e-2, steps=80, threads=1,
                     slice_types=True, log=lambda s: None)
    assert set(record["steps"]) == {"shared", "band0_P", "band0_I", "band1_P", "band1_I"}
    models, select = load_models(out + ".npz")
    assert len(models) == 4
    assert select.shape == (1, 2, 52) and list(select[0, :, 22]) == [0, 1] and list(select[0, :, 37]) == [2, 3]
    for qp in (22, 37):
        for intra, sign in ((1, -1), (0, 1)):
            p = pics(rng, intra, -6 * sign)[0]
            x = make_input(tuple(a.astype(np.int32) for a in p["B"]), qp)
            r = infer_residual(models[int(select[0, intra, qp])], x)
            assert sign * r.mean() > 3, (qp, intra, r.mean())


def train_from_init(tmp_path, monkeypatch, pics, rng, first, second):
    """Train on synthetic clips (make_data stubbed: all-intra pictures at the two lowest QPs,
    low-delay ones at all, a held-out low-delay clip; ``pics(rng, intra, qps)`` makes them):
    an 8-channel, 3-layer model with the options ``first``, then one from it (--init) with
    ``second``.  Returns (the first's models, the second's (models, select), its record, its
    log lines)."""
    from dlvc.tools.cnnlf.infer import load_models
    clips = {"ai_a": pics(rng, 1, T.QPS[:2]), "ldp_b": pics(rng, 0, T.QPS), "ldp_c_val": pics(rng, 0, T.QPS)}
    data = {n: {q: [p for p in ps if p["qp"] == q] for q in T.QPS} for n, ps in clips.items()}
    monkeypatch.setattr(T, "find_data", lambda d: str(tmp_path))
    monkeypatch.setattr(T, "make_data", lambda *a, **k: data)
    torch.manual_seed(0)
    w0, w1 = str(tmp_path / "w0"), str(tmp_path / "w1")
    T.train(w0, minutes=0, channels=8, layers=3, threads=1, log=lambda s: None, **first)
    logs = []
    record = T.train(w1, minutes=0, threads=1, init=w0 + ".npz", log=logs.append, **second)
    return load_models(w0 + ".npz")[0], load_models(w1 + ".npz"), record, logs


def offset_pics(rng, intra, qps):
    """Random pictures reconstructed 4 too bright, one per QP."""
    out = []
    for qp in qps:
        org = tuple(rng.integers(60, 196, s).astype(np.uint8) for s in ((96, 96), (48, 48), (48, 48)))
        rec = tuple((o.astype(np.int32) + 4).astype(np.uint8) for o in org)
        out.append({"org": org, "A": rec, "qp": qp, "intra": intra})
    return out


def same_model(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.weights + a.biases, b.weights + b.biases))


def test_slice_type_group_without_pictures_keeps_its_starting_model(tmp_path, monkeypatch):
    """--slice-types --init: I slices are coded at QP <= 36 only, so the top band's I model
    has nothing to learn from: it stays the --init file's model for that band, bit for bit,
    while the other groups train."""
    rng = np.random.default_rng(0)
    m0, (m1, s1), record, logs = train_from_init(tmp_path, monkeypatch, offset_pics, rng,
                                                 dict(bands=(27,), lr=1e-2, steps=20),
                                                 dict(bands=(27,), lr=1e-2, steps=20, slice_types=True))
    assert record["steps"] == {"band0_P": 20, "band0_I": 20, "band1_P": 20, "band1_I": 0}
    assert any("[band1_I] no training pictures" in line for line in logs)
    kept, trained = m1[int(s1[0, 1, 37])], m1[int(s1[0, 0, 37])]
    assert same_model(kept, m0[1]) and not same_model(trained, m0[1])


def test_slice_types_i_trains_only_the_i_models(tmp_path, monkeypatch):
    """--slice-types I --init: the I models train on I slices; the P models stay --init's
    bit for bit, and the record says so."""
    rng = np.random.default_rng(0)
    m0, (m1, s1), record, logs = train_from_init(tmp_path, monkeypatch, offset_pics, rng,
                                                 dict(bands=(), lr=1e-2, steps=5, slice_types=True),
                                                 dict(bands=(), lr=1e-2, steps=20, slice_types="I"))
    assert record["steps"] == {"band0_P": 0, "band0_I": 20}
    assert record["bands"]["slice_types"].endswith("; the P models kept from --init")
    assert any("[band0_P] --slice-types I: the starting model is kept" in line for line in logs)
    assert same_model(m1[int(s1[0, 0, 32])], m0[0]) and not same_model(m1[int(s1[0, 1, 32])], m0[1])


def test_coding_info_input_starts_as_the_same_function():
    """with_coding_info: an 8th input with zero weights, so the widened model computes what
    the 7-input one does whatever the plane holds, and quantises to the same integers plus
    zero weights."""
    torch.manual_seed(1)
    net = FloatNet(channels=8, layers=3)
    torch.nn.init.normal_(net.convs[-1].weight, std=0.05)
    net.act_exp = [6, 6]
    wide = with_coding_info(net)
    assert wide.n_in == 8 and wide.convs[0].weight.shape[1] == 8
    x = torch.randn(2, 7, 16, 16)
    info = torch.randn(2, 1, 16, 16)
    with torch.no_grad():
        for qat in (False, True):
            assert torch.equal(net(x, qat=qat), wide(torch.cat([x, info], 1), qat=qat))
    a, b = quantise(net), quantise(wide)
    assert b.n_in == 8 and not b.weights[0][:, 7].any() and np.array_equal(a.weights[0], b.weights[0][:, :7])
    assert all(np.array_equal(u, v) for u, v in zip(a.biases + a.shifts, b.biases + b.shifts))


def test_deepened_model_starts_as_the_same_function():
    """deepened: pass-through hidden layers before the output layer, so the deeper model
    computes what the shallower one does, in float, in QAT and as quantised integers."""
    torch.manual_seed(2)
    net = FloatNet(channels=8, layers=3)
    torch.nn.init.normal_(net.convs[-1].weight, std=0.05)
    x = torch.randn(2, 7, 16, 16)
    net.calibrate(x)
    deep = deepened(net, 5)
    assert len(deep.convs) == 5 and deep.act_exp == net.act_exp + net.act_exp[-1:] * 2
    with torch.no_grad():
        assert torch.allclose(net(x), deep(x), atol=1e-6)
        assert torch.equal(net(x, qat=True), deep(x, qat=True))
    xi = make_input(tuple(np.random.default_rng(2).integers(0, 256, s).astype(np.int32)
                          for s in ((32, 32), (16, 16), (16, 16))), 32)
    a, b = quantise(net), quantise(deep)
    assert b.layers == 5 and np.array_equal(infer_residual(a, xi), infer_residual(b, xi))
    assert np.array_equal(infer_residual(b, xi), infer_residual_reference(b, xi))
    with pytest.raises(ValueError, match="cannot make a 3-layer CNN filter 2 layers deep"):
        deepened(net, 2)


def test_layers_with_init_deepens_only_the_models_that_train(tmp_path, monkeypatch):
    """--init --layers 5 --slice-types P: the P models train 5 layers deep from the 3-layer
    file's, the I models stay its 3-layer ones bit for bit; the record lists each depth."""
    rng = np.random.default_rng(0)
    m0, (m1, s1), record, logs = train_from_init(tmp_path, monkeypatch, offset_pics, rng,
                                                 dict(bands=(), lr=1e-2, steps=5, slice_types=True),
                                                 dict(bands=(), lr=1e-2, steps=5, slice_types="P", layers=5))
    p_model, kept = m1[int(s1[0, 0, 32])], m1[int(s1[0, 1, 32])]
    assert p_model.layers == 5 and same_model(kept, m0[1])
    assert record["network"]["layers"] == [5, 3]


def test_coding_info_training_of_the_p_models_only(tmp_path, monkeypatch):
    """--coding-info --slice-types P: the P models take the coding-information plane and learn
    from it (P pictures are reconstructed too dark where the plane says 'copied' and exact
    elsewhere); the I models stay --init's bit for bit."""
    def pics(rng, intra, qps):
        out = []
        for qp in qps:
            org = tuple(rng.integers(60, 196, s).astype(np.uint8) for s in ((96, 96), (48, 48), (48, 48)))
            info = np.full((48, 48), 127 if intra else 0, np.int8)
            if not intra:
                info[:, :24] = -128
            dark = np.repeat(np.repeat(info == -128, 2, 0), 2, 1)
            rec = (np.where(dark, org[0].astype(np.int32) - 8, org[0]).astype(np.uint8),) + org[1:]
            out.append({"org": org, "A": rec, "qp": qp, "intra": intra, "info": info})
        return out

    rng = np.random.default_rng(0)
    m0, (m1, s1), record, logs = train_from_init(tmp_path, monkeypatch, pics, rng,
                                                 dict(bands=(), lr=1e-2, steps=5),
                                                 dict(bands=(), lr=3e-2, steps=150, slice_types="P",
                                                      coding_info=True))
    assert record["steps"] == {"band0_P": 150, "band0_I": 0} and record["network"]["inputs"] == [8, 7]
    assert any("[band0_I] --slice-types P: the starting model is kept" in line for line in logs)
    kept, p_model = m1[int(s1[0, 1, 32])], m1[int(s1[0, 0, 32])]
    assert same_model(kept, m0[0])
    p = pics(rng, 0, (32,))[0]
    r = infer_residual(p_model, make_input(tuple(a.astype(np.int32) for a in p["A"]), 32, p["info"]))
    left, right = r[:4, :, :24].mean(), r[:4, :, 24:].mean()        # luma phases, copied | coded halves
    assert left > 4 and abs(right) < 2, (left, right)


def test_cnnlf_sets_command_writes_two_sets_and_their_records(tmp_path):
    """dlvc-train cnnlf-sets A B -o OUT: OUT.npz holds A's models as set 0 and B's as set 1,
    OUT.json each set's sha256 and training record; a missing file is one clear line."""
    import json
    import subprocess
    import sys
    from dlvc.tools.cnnlf.infer import IntModel, load_models, save_models
    rng = np.random.default_rng(9)

    def model():
        return IntModel([rng.integers(-3, 4, (6, 7, 3, 3))], [np.full(6, 1, np.int64)], [np.full(6, 2, np.int64)])

    for name in ("a", "b"):
        save_models(tmp_path / f"{name}.npz", [model()], np.zeros((2, 52), np.int32))
    (tmp_path / "b.json").write_text(json.dumps({"command": "dlvc-train cnnlf --minutes 1"}))
    out = tmp_path / "ab"
    r = subprocess.run([sys.executable, "-m", "dlvc.cli.train", "cnnlf-sets", str(tmp_path / "a.npz"),
                        str(tmp_path / "b.npz"), "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    models, select = load_models(str(out) + ".npz")
    a, b = load_models(tmp_path / "a.npz")[0][0], load_models(tmp_path / "b.npz")[0][0]
    assert select.shape == (2, 2, 52) and same_model(models[select[0, 0, 30]], a) and same_model(models[select[1, 1, 30]], b)
    rec = json.loads((tmp_path / "ab.json").read_text())
    assert [s["file"] for s in rec["sets"]] == ["a.npz", "b.npz"] and "record" not in rec["sets"][0]
    assert rec["sets"][1]["record"]["command"] == "dlvc-train cnnlf --minutes 1"
    r = subprocess.run([sys.executable, "-m", "dlvc.cli.train", "cnnlf-sets", str(tmp_path / "none.npz"),
                        str(tmp_path / "b.npz"), "-o", str(tmp_path / "x")], capture_output=True, text=True)
    assert r.returncode != 0 and r.stderr.strip().count("\n") == 0 and "none.npz: no such weights file" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "x.npz").exists()
