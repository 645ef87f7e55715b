"""Quality of a decoded sequence against its source, measured by dlvc-eval itself.

HM's conventions (TEncAnalyze): Y/U/V-PSNR are the arithmetic mean of per-frame PSNRs
(peak 255, a perfect frame counts 999.99 dB); YUV-PSNR comes from the per-plane MSE
averaged over frames, weighted Y:U:V = 4:1:1 (``psnr_yuv``).  The 6:1:1 weighting of
learned-codec papers is kept beside it (``psnr_yuv_611``).  MS-SSIM (Y) is optional.
"""
import numpy as np

from dlvc import metrics

from .errors import EvalError
from .sequences import read_frames


def measure(seq, frames, decoded, with_ms_ssim=False, what="decoded output"):
    """decoded: list of (Y, U, V) uint8 arrays, at least ``frames`` of them."""
    if len(decoded) != frames:
        raise EvalError(f"{seq.name}: {what} has {len(decoded)} frames, expected {frames}")
    mses, psnrs, ssim = [], [], []
    for i, (src, dec) in enumerate(zip(read_frames(seq, frames), decoded)):
        if any(s.shape != d.shape for s, d in zip(src, dec)):
            raise EvalError(f"{seq.name}: {what} frame {i} is {dec[0].shape[::-1]}, "
                            f"source is {src[0].shape[::-1]}")
        m = [metrics.mse(s, d) for s, d in zip(src, dec)]
        mses.append(m)
        psnrs.append([metrics.psnr_from_mse(x) for x in m])
        if with_ms_ssim:
            ssim.append(metrics.ms_ssim(src[0], dec[0]))
    return summarize(np.array(mses), np.array(psnrs), ssim)


def summarize(mses, psnrs, ssim=()):
    mse_y, mse_u, mse_v = (float(v) for v in mses.mean(axis=0))
    out = {
        "psnr_y": float(psnrs[:, 0].mean()),
        "psnr_u": float(psnrs[:, 1].mean()),
        "psnr_v": float(psnrs[:, 2].mean()),
        "psnr_yuv": metrics.yuv_psnr(mse_y, mse_u, mse_v, "hm"),
        "psnr_yuv_611": metrics.yuv_psnr(mse_y, mse_u, mse_v, "611"),
        "mse_y": mse_y, "mse_u": mse_u, "mse_v": mse_v,
        "frame_psnr_y": [round(float(p), 4) for p in psnrs[:, 0]],
    }
    if len(ssim):
        out["ms_ssim_y"] = float(np.mean(ssim))
    return out


def from_frame_psnrs(psnrs):
    """Quality record from per-frame PSNRs only (HM logs): MSE recovered as 255^2/10^(p/10)."""
    p = np.asarray(psnrs, np.float64)
    mses = metrics.PEAK ** 2 / np.power(10.0, p / 10.0)
    mses[p >= 999.99] = 0.0
    return summarize(mses, p)
