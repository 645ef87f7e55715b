"""dlvc itself through the sweep (slow; enabled once dlvc-enc encodes): a 2-frame Carphone-sized
clip at four QPs with cfg/lowdelay.cfg, decoded bit-exactly by dlvc-dec and by FFmpeg."""
import os

import pytest

from dlvc.eval import plan, sweep
from dlvc.eval.runs import Cache
from dlvc.eval.sequences import discover
from dlvc.eval.testclip import write_clip

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow
def test_dlvc_end_to_end(tmp_path):
    cfg = os.path.join(REPO, "cfg", "lowdelay.cfg")
    clip = discover([write_clip(str(tmp_path), "Synth", 176, 144, 30, 2)])[0]
    specs = plan.build_specs([plan.Config("dlvc", "dlvc", (cfg,))], [clip], plan.QPS, {clip.name: 2})
    res, fail, _ = sweep.run_specs(specs, Cache(str(tmp_path / "cache")), jobs=2, progress=False)
    assert not fail, fail[0][1]
    rs = sorted(res.values(), key=lambda r: r["qp"])
    for r in rs:
        assert r["bit_exact"] is True
        assert r["ffmpeg_exact"] is True  # deep tools off in lowdelay.cfg: plain HEVC
    assert [r["bits"] for r in rs] == sorted((r["bits"] for r in rs), reverse=True)
    assert [r["psnr_y"] for r in rs] == sorted((r["psnr_y"] for r in rs), reverse=True)
