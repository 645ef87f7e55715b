"""Quality measured by dlvc-eval: HM-style PSNR pooling, YUV weightings, MS-SSIM."""
import numpy as np
import pytest

from dlvc import metrics
from dlvc.eval.quality import from_frame_psnrs, measure
from dlvc.eval.sequences import discover
from dlvc.eval.testclip import frames, write_clip


def test_measure_pools_like_hm(tmp_path):
    seq = discover([write_clip(str(tmp_path), "S", 64, 48, 30, 2)])[0]
    src = list(frames(64, 48, 2))
    dec = [tuple(np.clip(p.astype(int) + d, 0, 255).astype(np.uint8) for p, d in zip(f, (2, 1, 0)))
           for f in src]
    q = measure(seq, 2, dec, with_ms_ssim=True)
    per = [[metrics.psnr_from_mse(metrics.mse(a, b)) for a, b in zip(s, d)] for s, d in zip(src, dec)]
    assert q["psnr_y"] == pytest.approx(np.mean([p[0] for p in per]))
    assert q["psnr_v"] == 999.99  # perfect plane, capped as HM does
    mse_y = np.mean([metrics.mse(s[0], d[0]) for s, d in zip(src, dec)])
    mse_u = np.mean([metrics.mse(s[1], d[1]) for s, d in zip(src, dec)])
    assert q["psnr_yuv"] == pytest.approx(metrics.psnr_from_mse((4 * mse_y + mse_u) / 6))
    assert q["psnr_yuv_611"] == pytest.approx(metrics.psnr_from_mse((6 * mse_y + mse_u) / 8))
    assert 0.9 < q["ms_ssim_y"] < 1.0


def test_ms_ssim_identity_and_order():
    y = next(frames(176, 144, 1))[0]
    assert metrics.ms_ssim(y, y) == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    a = np.clip(y + rng.normal(0, 3, y.shape), 0, 255)
    b = np.clip(y + rng.normal(0, 12, y.shape), 0, 255)
    assert 1.0 > metrics.ms_ssim(y, a) > metrics.ms_ssim(y, b) > 0.0


def test_from_frame_psnrs_round_trips():
    q = from_frame_psnrs([[40.0, 42.0, 43.0], [38.0, 41.0, 44.0]])
    assert q["psnr_y"] == pytest.approx(39.0)
    m = [metrics.PEAK ** 2 / 10 ** (p / 10) for p in (40.0, 38.0)]
    assert q["mse_y"] == pytest.approx(np.mean(m))
