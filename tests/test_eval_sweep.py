"""End to end: a tiny sweep through the process pool, the cache and resumption, the dlvc
runner's contract (with a stand-in dlvc-enc/dlvc-dec), and the Dask path on a LocalCluster."""
import json
import os
import sys
import textwrap

import pytest

from dlvc.eval import plan, sweep
from dlvc.eval.errors import EvalError
from dlvc.eval.runs import Cache
from dlvc.eval.sequences import discover
from dlvc.eval.testclip import write_clip

QPS = (22, 27, 32, 37)

FAKE = textwrap.dedent('''
    """Stand-in for dlvc-enc / dlvc-dec: quantise samples, zlib them; stats HM-style."""
    import json, os, sys, zlib
    import numpy as np
    from dlvc import metrics
    args = sys.argv[2:]
    if sys.argv[1] == "dec":
        b, o = args[args.index("-b") + 1], args[args.index("-o") + 1]
        if os.environ.get("FAKE_DEC_ARGS"):
            open(os.path.join(os.environ["FAKE_DEC_ARGS"], os.path.basename(os.path.dirname(b))), "w").write(" ".join(args))
        data = zlib.decompress(open(b, "rb").read())
        if os.environ.get("FAKE_BUG") == "dec":
            data = bytes([data[0] ^ 1]) + data[1:]
        open(o, "wb").write(data)
        sys.exit(0)
    opt = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("-") and "=" not in args[i]}
    kv = dict(a[2:].split("=", 1) for a in args if a.startswith("--") and "=" in a)
    w, h, n, qp = int(opt["-wdt"]), int(opt["-hgt"]), int(opt["-f"]), int(opt["-q"])
    fs = w * h * 3 // 2
    src = np.fromfile(opt["-i"], np.uint8)[: n * fs]
    step = 1 + qp // 3 + int(kv.get("Coarser", 0))
    rec = np.clip((src.astype(np.int32) // step) * step + step // 2, 0, 255).astype(np.uint8)
    open(opt["-o"], "wb").write(rec.tobytes())
    open(opt["-b"], "wb").write(zlib.compress(rec.tobytes(), 9))
    pics, mses = [], []
    for i in range(n):
        s, r = src[i * fs:(i + 1) * fs], rec[i * fs:(i + 1) * fs]
        cut = (0, w * h, w * h * 5 // 4, fs)
        m = [metrics.mse(s[cut[k]:cut[k + 1]], r[cut[k]:cut[k + 1]]) for k in range(3)]
        mses.append(m)
        pics.append([metrics.psnr_from_mse(x) for x in m])
    mm = np.mean(mses, axis=0)
    stats = {"frames": n, "bits": 8 * os.path.getsize(opt["-b"]),
             "psnr_y": float(np.mean([p[0] for p in pics])), "psnr_u": float(np.mean([p[1] for p in pics])),
             "psnr_v": float(np.mean([p[2] for p in pics])), "psnr_yuv": metrics.yuv_psnr(*mm),
             "encode_s": 0.0, "pictures": []}
    if os.environ.get("FAKE_BUG") == "stats":
        stats["psnr_y"] += 0.5
    json.dump(stats, open(kv["StatsFile"], "w"))
''')


@pytest.fixture
def clip(tmp_path):
    return discover([write_clip(str(tmp_path / "seq"), "Synth", 96, 64, 30, 3)])[0]


@pytest.fixture
def fake_dlvc(tmp_path):
    p = tmp_path / "fake_dlvc.py"
    p.write_text(FAKE)
    cfg = tmp_path / "fake.cfg"
    cfg.write_text("# stand-in cfg\n")
    return {"dlvc_enc": f"{sys.executable} {p} enc", "dlvc_dec": f"{sys.executable} {p} dec"}, str(cfg)


def _specs(clip, codecs=("x265", "x264")):
    configs = [plan.Config(c, c, params={"mode": "LDP"}) for c in codecs]
    return plan.build_specs(configs, [clip], QPS, {clip.name: 3})


def test_tiny_sweep_caches_and_resumes(clip, tmp_path):
    cache = Cache(str(tmp_path / "cache"))
    specs = _specs(clip)
    res, fail, ran = sweep.run_specs(specs, cache, jobs=2, progress=False)
    assert not fail and len(ran) == 8 and len(res) == 8
    for r in res.values():
        assert r["bits"] > 0 and 25 < r["psnr_y"] < 60 and r["frames"] == 3 and r["encode_s"] >= 0
    # an interrupted sweep = some results missing: only those run again, with the same answer
    lost = [specs[1].key(), specs[6].key()]
    for k in lost:
        os.unlink(cache.path(k))
    res2, fail2, ran2 = sweep.run_specs(specs, cache, jobs=2, progress=False)
    assert not fail2 and sorted(ran2) == sorted(lost)
    for k in lost:
        assert (res2[k]["bits"], res2[k]["psnr_y"]) == (res[k]["bits"], res[k]["psnr_y"])
    # a complete sweep runs nothing; a corrupt cache entry is simply run again
    open(cache.path(specs[0].key()), "w").write("{truncated")
    _, _, ran3 = sweep.run_specs(specs, cache, jobs=2, progress=False)
    assert ran3 == [specs[0].key()]


def test_cache_key_follows_inputs(clip, tmp_path, fake_dlvc):
    params, cfg = fake_dlvc
    base = plan.Config("dlvc", "dlvc", (cfg,), (), dict(params))
    other = plan.Config("coarse", "dlvc", (cfg,), ("Coarser=2",), dict(params))
    a, b = (plan.build_specs([c], [clip], QPS, {clip.name: 3}) for c in (base, other))
    assert len({s.key() for s in a + b}) == 8
    k = a[0].key()
    open(cfg, "a").write("Changed : 1\n")  # a cfg edit invalidates
    assert plan.build_specs([base], [clip], QPS, {clip.name: 3})[0].key() != k


def test_dlvc_runner_contract_and_checks(clip, tmp_path, fake_dlvc, monkeypatch):
    params, cfg = fake_dlvc
    cache = Cache(str(tmp_path / "cache"))
    on = plan.Config("dlvc", "dlvc", (cfg,), ("Coarser=1",), dict(params))
    specs = plan.build_specs([on], [clip], QPS, {clip.name: 3})
    args = tmp_path / "dec_args"
    args.mkdir()
    monkeypatch.setenv("FAKE_DEC_ARGS", str(args))
    res, fail, _ = sweep.run_specs(specs, cache, jobs=2, progress=False)
    assert not fail
    for r in res.values():
        assert r["bit_exact"] is True and r["ffmpeg_exact"] is None and r["encode_wall_s"] > 0
    # two runs at once: each dlvc-dec's CNN filter gets half the cores, not one thread per core each
    seen = [f.read_text().split() for f in args.iterdir()]
    assert len(seen) == 4
    assert all(f"--CNNLFThreads={max(1, (os.cpu_count() or 1) // 2)}" in a for a in seen)
    # one run outside a pool: dlvc-dec's own default
    for f in args.iterdir():
        f.unlink()
    assert sweep.execute(specs[0])[0] == "ok"
    assert not any(a.startswith("--CNNLFThreads") for f in args.iterdir() for a in f.read_text().split())
    # a decoder that disagrees with the encoder is flagged, not hidden
    monkeypatch.setenv("FAKE_BUG", "dec")
    st, r = sweep.execute(specs[0])
    assert st == "ok" and r["bit_exact"] is False
    # an encoder whose stats disagree with its reconstruction fails the run
    monkeypatch.setenv("FAKE_BUG", "stats")
    st, msg = sweep.execute(specs[0])
    assert st == "error" and "stats psnr_y=" in msg and "REC.yuv measures" in msg


def test_a_crashing_run_fails_alone(clip, tmp_path, fake_dlvc):
    params, cfg = fake_dlvc
    broken = plan.Config("broken", "dlvc", (cfg,), (), {"dlvc_enc": f"{sys.executable} -c 'import sys; sys.exit(\"boom\")'"})
    specs = plan.build_specs([broken], [clip], QPS, {clip.name: 3}) + _specs(clip, ("x264",))
    res, fail, _ = sweep.run_specs(specs, Cache(str(tmp_path / "c")), jobs=2, progress=False)
    assert len(res) == 4 and len(fail) == 4
    assert all("dlvc-enc (broken Synth" in m and "boom" in m for _, m in fail)


def test_dask_local_cluster(clip, tmp_path):
    distributed = pytest.importorskip("distributed")
    cache = Cache(str(tmp_path / "cache"))
    specs = _specs(clip, ("x264",))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        res, fail, ran = sweep.run_specs(specs, cache, scheduler=cluster.scheduler_address, progress=False)
    assert not fail and len(ran) == 4
    for s in specs:  # results landed in the shared cache
        assert json.load(open(cache.path(s.key())))["bits"] == res[s.key()]["bits"]
    _, _, ran2 = sweep.run_specs(specs, cache, jobs=1, progress=False)
    assert ran2 == []


def test_fewer_than_four_qps_refused(clip):
    with pytest.raises(EvalError, match="3 QP"):
        plan.build_specs([plan.Config("x264", "x264", params={"mode": "LDP"})], [clip], (22, 27, 32), {clip.name: 3})
