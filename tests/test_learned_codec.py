"""Learned codecs (SSF, DVC): round trip, bit accounting, bad input, a training step.

Uses tiny untrained models (width 8) made here on synthetic pictures, so it needs
torch and CompressAI (the [learned] extra) but neither the shipped weights nor
../shared/training.
"""
import json
import os
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("compressai")

from dlvc.learned import stream as st  # noqa: E402

W, H, N = 96, 64, 4


def _fake_training(d, size=256, seed=0):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    for nm in ("A", "B", "C", "Chelsea"):
        f = rng.uniform(0.01, 0.06, 4)
        y = (128 + 60 * np.sin(xx * f[0] + yy * f[1]) + 30 * np.cos(xx * f[2] - yy * f[3])
             + rng.normal(0, 3, (size, size))).clip(16, 235).astype(np.uint8)
        u = (128 + 20 * np.sin(xx[::2, ::2] * f[1])).astype(np.uint8)
        v = (128 + 20 * np.cos(yy[::2, ::2] * f[0])).astype(np.uint8)
        with open(os.path.join(d, f"{nm}_{size}x{size}.yuv"), "wb") as fh:
            fh.write(y.tobytes() + u.tobytes() + v.tobytes())


def _clip(path):
    yy, xx = np.mgrid[0:H, 0:W]
    with open(path, "wb") as fh:
        for t in range(N):
            y = (128 + 70 * np.sin((xx + 2 * t) * 0.15) * np.cos((yy - t) * 0.1)).astype(np.uint8)
            u = np.full((H // 2, W // 2), 110 + t, np.uint8)
            v = np.full((H // 2, W // 2), 140 - t, np.uint8)
            fh.write(y.tobytes() + u.tobytes() + v.tobytes())


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from dlvc.learned.train import train
    d = tmp_path_factory.mktemp("learned")
    _fake_training(str(d / "data"))
    wd = d / "w"
    wd.mkdir()
    kw = dict(minutes=0, steps=1, lmbda=0.025, width=8, data_dir=str(d / "data"),
              val_every_s=1e9, log=lambda *a: None, batch=2)
    train("iframe", str(wd / "iframe_q2"), **kw)
    train("ssf", str(wd / "ssf_q2"), iframe_path=str(wd / "iframe_q2.npz"), hyper=8, **kw)
    train("dvc", str(wd / "dvc_q2"), iframe_path=str(wd / "iframe_q2.npz"), **kw)
    _clip(str(d / "clip.yuv"))
    return d


def _cfg(env, codec, name, **kw):
    c = {"InputFile": str(env / "clip.yuv"), "SourceWidth": W, "SourceHeight": H, "FrameRate": 25,
         "FramesToBeEncoded": N, "BitstreamFile": str(env / f"{name}.bin"),
         "ReconFile": str(env / f"{name}.rec.yuv"), "StatsFile": str(env / f"{name}.json"),
         "Codec": codec, "LearnedRatePoint": 2, "LearnedGOP": 3, "LearnedThreads": 1,
         "LearnedWeights": str(env / "w")}
    c.update(kw)
    return c


@pytest.mark.parametrize("codec,intra", [("ssf", "hevc"), ("dvc", "hevc"), ("ssf", "learned"),
                                         ("dvc", "learned")])
def test_round_trip_bits_and_psnr(env, codec, intra):
    from dlvc.io import read_video
    from dlvc.learned.codec import decode_stream, encode_sequence
    from dlvc.metrics import mse, psnr_from_mse, yuv_psnr
    cfg = _cfg(env, codec, f"{codec}_{intra}", LearnedIntra=intra)
    stats = encode_sequence(cfg)
    codec = f"{codec}_{intra}"
    with open(cfg["StatsFile"]) as fh:
        js = json.load(fh)
    for k in ("frames", "bits", "bitrate_kbps", "psnr_y", "psnr_u", "psnr_v", "psnr_yuv",
              "encode_s", "pictures"):
        assert k in js
    dec = str(env / f"{codec}.dec.yuv")
    decode_stream(cfg["BitstreamFile"], dec, {"LearnedWeights": str(env / "w")})
    with open(dec, "rb") as a, open(cfg["ReconFile"], "rb") as b:
        assert a.read() == b.read()                 # decoder output == encoder reconstruction
    # bits from the strings plus the header == the file size
    data = open(cfg["BitstreamFile"], "rb").read()
    s = st.parse(data)
    i_type = st.I_HEVC if intra == "hevc" else st.I_LEARNED
    assert [t for t, _ in s.frames] == [i_type, st.P, st.P, i_type]
    if intra == "hevc":  # an HEVC I-frame is a plain HEVC stream: FFmpeg decodes it to the same picture
        import av
        ctx = av.CodecContext.create("hevc", "r")
        pics = [f for pk in ctx.parse(s.frames[3][1][0]) + ctx.parse(None) for f in ctx.decode(pk)]
        pics += ctx.decode(None)
        assert len(pics) == 1
        ff = pics[0].reformat(format="yuv420p").to_ndarray().ravel()
        rec3 = open(cfg["ReconFile"], "rb").read()[3 * W * H * 3 // 2:]
        assert ff.tobytes() == rec3
    counted = st.HEADER_BYTES + sum(st.framing_bytes(t, ss) + sum(map(len, ss)) for t, ss in s.frames)
    assert counted == len(data) and stats["bits"] == 8 * len(data)
    assert stats["bits"] == stats["header_bits"] + sum(p["bits"] for p in stats["pictures"])
    # HM-style PSNR from the files
    _, src = read_video(cfg["InputFile"], W, H)
    _, rec = read_video(dec, W, H)
    ms = np.array([[mse(o, r) for o, r in zip(fs, fr)] for fs, fr in zip(src, rec)])
    py = np.mean([psnr_from_mse(m) for m in ms[:, 0]])
    assert abs(py - stats["psnr_y"]) < 1e-9
    assert abs(yuv_psnr(*ms.mean(0)) - stats["psnr_yuv"]) < 1e-9


def _cli(args, capsys):
    """dlvc-enc (args[0] == "enc") or dlvc-dec with args[1:]: exit status, stderr."""
    from dlvc.cli import dec, enc
    with pytest.raises(SystemExit) as e:
        {"enc": enc.main, "dec": dec.main}[args[0]](args[1:])
    err = capsys.readouterr().err.strip()
    return e.value.code, err


def test_unknown_weights_hash(env, capsys):
    from dlvc.learned.codec import encode_sequence
    cfg = _cfg(env, "ssf", "hash")
    encode_sequence(cfg)
    data = bytearray(open(cfg["BitstreamFile"], "rb").read())
    data[7] ^= 0xFF  # inside the weights sha256
    bad = env / "badhash.bin"
    bad.write_bytes(bytes(data))
    out = env / "badhash.yuv"
    code, err = _cli(["dec", "-b", str(bad), "-o", str(out), f"--LearnedWeights={env / 'w'}"], capsys)
    assert code != 0 and len(err.splitlines()) == 1 and "does not hold" in err
    assert not out.exists() and not [p for p in os.listdir(env) if p.startswith(".badhash")]


def test_corrupt_hevc_i_frame(env, capsys):
    """An HEVC I-frame string that does not decode to one picture of the stream's size:
    one line, non-zero exit, no output."""
    from dlvc.learned.codec import encode_sequence
    cfg = _cfg(env, "ssf", "hevc_bad", LearnedIntra="hevc")
    encode_sequence(cfg)
    s = st.parse(open(cfg["BitstreamFile"], "rb").read())
    other = _cfg(env, "ssf", "hevc_small", LearnedIntra="hevc", FramesToBeEncoded=1)
    for bad_string in (b"\x00\x00\x01\x40\x01garbage", None):
        if bad_string is None:  # a valid HEVC picture of another size
            small = env / "small.yuv"
            small.write_bytes(open(other["InputFile"], "rb").read()[:48 * 32 * 3 // 2])
            encode_sequence(dict(other, InputFile=str(small), SourceWidth=48, SourceHeight=32))
            bad_string = st.parse(open(other["BitstreamFile"], "rb").read()).frames[0][1][0]
        frames = [(s.frames[0][0], [bad_string])] + s.frames[1:]
        bad = env / "hevc_bad_i.bin"
        bad.write_bytes(s.header.pack() + b"".join(st.frame_record(t, ss) for t, ss in frames))
        out = env / "hevc_bad_i.yuv"
        code, err = _cli(["dec", "-b", str(bad), "-o", str(out), f"--LearnedWeights={env / 'w'}"], capsys)
        assert code != 0 and len(err.splitlines()) == 1 and "HEVC I-frame" in err, err
        assert not out.exists()


def test_truncated_stream(env, capsys):
    from dlvc.learned.codec import encode_sequence
    cfg = _cfg(env, "dvc", "trunc")
    encode_sequence(cfg)
    data = open(cfg["BitstreamFile"], "rb").read()
    for cut in (10, len(data) // 2, len(data) - 1):
        bad = env / "cut.bin"
        bad.write_bytes(data[:cut])
        out = env / "cut.yuv"
        code, err = _cli(["dec", "-b", str(bad), "-o", str(out), f"--LearnedWeights={env / 'w'}"], capsys)
        assert code != 0 and len(err.splitlines()) == 1 and "truncated" in err
        assert not out.exists()


def test_model_cfg_mismatch(env, capsys):
    # a weights folder whose "ssf" files hold a DVC model
    wd = env / "wrong"
    wd.mkdir(exist_ok=True)
    for f in ("iframe_q2.npz", "iframe_q2.json"):
        shutil.copy(env / "w" / f, wd / f)
    shutil.copy(env / "w" / "dvc_q2.npz", wd / "ssf_q2.npz")
    shutil.copy(env / "w" / "dvc_q2.json", wd / "ssf_q2.json")
    out = env / "mm.bin"
    code, err = _cli(["enc", "-i", str(env / "clip.yuv"), "-wdt", str(W), "-hgt", str(H), "-fr", "25",
                      "-f", "2", "-b", str(out), "--Codec=ssf", "--LearnedRatePoint=2",
                      f"--LearnedWeights={wd}"], capsys)
    assert code != 0 and len(err.splitlines()) == 1 and "mismatch" in err and not out.exists()
    # a stream whose header names the other model than its weights
    from dlvc.learned.codec import encode_sequence
    cfg = _cfg(env, "ssf", "mm2")
    encode_sequence(cfg)
    data = bytearray(open(cfg["BitstreamFile"], "rb").read())
    data[5] = st.MODEL_IDS["dvc"]
    bad = env / "mm2bad.bin"
    bad.write_bytes(bytes(data))
    code, err = _cli(["dec", "-b", str(bad), "-o", str(env / "mm2.yuv"),
                      f"--LearnedWeights={env / 'w'}"], capsys)
    assert code != 0 and len(err.splitlines()) == 1 and not (env / "mm2.yuv").exists()


@pytest.mark.parametrize("kind", ["iframe", "ssf", "dvc"])
def test_training_steps_reduce_loss(env, kind):
    from dlvc.learned.registry import load_iframe_file
    from dlvc.learned.train import Data, build_model, compute_loss, sample_batch
    torch.manual_seed(0)
    data = Data(str(env / "data"))
    seq = sample_batch(data, np.random.default_rng(0), 2, 128, 1 if kind == "iframe" else 3)
    model = build_model(kind, 8, **({"hyper": 8} if kind == "ssf" else {}))
    iframe = None if kind == "iframe" else load_iframe_file(str(env / "w" / "iframe_q2.npz"))[0]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    first = None
    for _ in range(6):
        loss = compute_loss(kind, model, iframe, seq, 0.025)
        first = float(loss.detach()) if first is None else first
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(compute_loss(kind, model, iframe, seq, 0.025)) < first


def test_dlvc_train_cli_writes_record(env):
    from dlvc.cli.train import _main
    out = env / "cli_iframe"
    assert _main(["iframe", "--steps", "2", "--minutes", "0", "--width", "8", "--batch", "2",
                  "--quality", "4", "--data", str(env / "data"), "--val-every", "1e9",
                  "-o", str(out)]) == 0
    rec = json.loads((env / "cli_iframe.json").read_text())
    assert rec["steps"] == 2 and rec["lmbda"] == 0.013 and rec["width"] == 8
    assert "bpp" in rec["validation"] and "psnr_yuv" in rec["validation"]
    assert rec["data"]["held_out"] and rec["seed"] == 0


def test_training_goes_on_from_shipped_weights(env, tmp_path):
    """--init takes an .npz with its record: the steps count on and, for the same lambda,
    the validation curve goes on from the record's."""
    from dlvc.learned.train import train
    prior = json.loads((env / "w" / "ssf_q2.json").read_text())
    rec = train("ssf", str(tmp_path / "more"), minutes=0, steps=2, lmbda=0.025,
                data_dir=str(env / "data"), init=str(env / "w" / "ssf_q2.npz"),
                iframe_path=str(env / "w" / "iframe_q2.npz"), val_every_s=1e9,
                log=lambda *a: None, batch=2)
    assert rec["init"]["from"] == "ssf_q2.npz"
    assert rec["init"]["weights_sha256"] == prior["weights_sha256"]
    assert rec["steps"] == prior["steps"] + 2 and rec["config"] == prior["config"]
    n = len(prior["validation_curve"])
    assert rec["validation_curve"][:n] == prior["validation_curve"]
    assert [c["step"] for c in rec["validation_curve"][n:]] == [prior["steps"], prior["steps"] + 2]
    other = train("ssf", str(tmp_path / "other"), minutes=0, steps=1, lmbda=0.013,
                  data_dir=str(env / "data"), init=str(env / "w" / "ssf_q2.npz"),
                  iframe_path=str(env / "w" / "iframe_q2.npz"),
                  val_every_s=1e9, log=lambda *a: None, batch=2)
    assert [c["step"] for c in other["validation_curve"]] == [prior["steps"], prior["steps"] + 1]


@pytest.mark.parametrize("kind", ["ssf", "dvc"])
def test_fine_tune_from_a_checkpoint(env, tmp_path, kind):
    """--init CK.pt of a run that went on from shipped weights (its entropy tables are sized)
    to another lambda."""
    from dlvc.learned.train import train
    kw = dict(minutes=0, steps=1, data_dir=str(env / "data"), iframe_path=str(env / "w" / "iframe_q2.npz"),
              val_every_s=1e9, log=lambda *a: None, batch=2)
    train(kind, str(tmp_path / "base"), lmbda=0.025, init=str(env / "w" / f"{kind}_q2.npz"), **kw)
    rec = train(kind, str(tmp_path / kind), lmbda=0.013, init=str(tmp_path / "base.pt"), **kw)
    assert rec["init"] == {"from": "base.pt", "steps": 2} and rec["steps"] == 3


def test_non_finite_loss_skips_the_update(env, tmp_path, monkeypatch):
    """A NaN loss (or gradient) must not reach the weights: the step is skipped and counted."""
    from dlvc.learned import train as tr
    real, calls = tr.compute_loss, []

    def flaky(*a, **k):
        calls.append(1)
        loss = real(*a, **k)
        return loss * float("nan") if len(calls) == 2 else loss
    monkeypatch.setattr(tr, "compute_loss", flaky)
    logs = []
    rec = tr.train("iframe", str(tmp_path / "nan"), minutes=0, steps=3, lmbda=0.025, width=8,
                   data_dir=str(env / "data"), val_every_s=1e9, log=logs.append, batch=2)
    assert rec["steps_skipped_non_finite"] == 1 and rec["steps"] == 3
    assert any("update skipped" in m for m in logs)
    assert np.isfinite(rec["validation"]["rd_cost"])
    ck = torch.load(str(tmp_path / "nan.pt"), weights_only=False)
    assert all(torch.isfinite(v).all() for v in ck["model"].values() if v.is_floating_point())


def test_eval_sweeps_a_learned_codec_over_its_rate_points(env, tmp_path):
    """dlvc-eval: a configuration with Codec = ssf has rate points, not QPs, as its RD points;
    dlvc-enc gets --LearnedRatePoint=N, dlvc-dec decodes exactly what the encoder reconstructed."""
    from dlvc.eval import plan, runner_dlvc, sweep
    from dlvc.eval.runs import Cache
    from dlvc.eval.sequences import discover
    from dlvc.eval.testclip import write_clip
    from dlvc.learned.train import train
    w = tmp_path / "w"
    w.mkdir()
    for r in (1, 2, 3, 4):  # tiny models: one I-frame model per rate point (seeds), one SSF
        train("iframe", str(w / f"iframe_q{r}"), minutes=0, steps=1, lmbda=0.025, width=8, seed=r,
              data_dir=str(env / "data"), val_every_s=1e9, log=lambda *a: None, batch=2)
        for ext in ("npz", "json"):
            shutil.copy(env / "w" / f"ssf_q2.{ext}", w / f"ssf_q{r}.{ext}")
    clip = discover([write_clip(str(tmp_path), "Synth", 64, 64, 25, 2)])[0]
    hevc = plan.parse_variant("hevc:Codec=hevc")
    ssf = plan.parse_variant(f"ssf:Codec=ssf,LearnedWeights={w}")
    specs = plan.build_specs([hevc, ssf], [clip], plan.QPS, {clip.name: 2})
    learned = [s for s in specs if s.label == "ssf"]
    assert [s.qp for s in learned] == list(plan.LEARNED_POINTS)
    assert [s.point for s in learned] == ["RP1", "RP2", "RP3", "RP4"]
    assert [s.qp for s in specs if s.label == "hevc"] == list(plan.QPS)
    cmd = runner_dlvc.command_line(learned[2], "in.yuv", "o.bin", "r.yuv", "s.json")
    assert "--LearnedRatePoint=3" in cmd and "-q" not in cmd
    res, fail, _ = sweep.run_specs(learned, Cache(str(tmp_path / "cache")), jobs=1, progress=False)
    assert not fail, fail[0][1]
    rs = sorted(res.values(), key=lambda r: r["qp"])
    assert [r["point"] for r in rs] == ["RP1", "RP2", "RP3", "RP4"]
    for r in rs:
        assert r["bit_exact"] is True and r["ffmpeg_exact"] is None  # not an HEVC stream
