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


@pytest.mark.parametrize("codec", ["ssf", "dvc"])
def test_round_trip_bits_and_psnr(env, codec):
    from dlvc.io import read_video
    from dlvc.learned.codec import decode_stream, encode_sequence
    from dlvc.metrics import mse, psnr_from_mse, yuv_psnr
    cfg = _cfg(env, codec, codec)
    stats = encode_sequence(cfg)
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
    assert [t for t, _ in s.frames] == [0, 1, 1, 0]
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
    from dlvc.learned.cli import main
    with pytest.raises(SystemExit) as e:
        main(args)
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
