"""Picture quality metrics shared by the encoder's report and the evaluation tool.

PSNR is computed per plane with peak 255 (8-bit).  YUV-PSNR follows HM
(TEncAnalyze::calculateCombinedValues): per-plane MSE averaged over frames, then
combined with weights Y:U:V = 4:1:1 for 4:2:0 (``weights="hm"``); the 6:1:1
weighting used in many learned-codec papers is ``weights="611"``.
"""
import math

import numpy as np

PEAK = 255.0
WEIGHTS = {"hm": (4.0, 1.0, 1.0), "611": (6.0, 1.0, 1.0)}


def mse(a, b):
    d = a.astype(np.int64) - b.astype(np.int64)
    return float(np.mean(d * d))


def psnr_from_mse(m, peak=PEAK):
    # HM caps a perfect match at 999.99 dB; report the same.
    return 999.99 if m == 0 else 10.0 * math.log10(peak * peak / m)


def plane_psnrs(orig, rec):
    """orig, rec: sequences of three planes (Y, U, V). Returns (psnr_y, psnr_u, psnr_v)."""
    return tuple(psnr_from_mse(mse(o, r)) for o, r in zip(orig, rec))


def yuv_psnr(mse_y, mse_u, mse_v, weights="hm"):
    wy, wu, wv = WEIGHTS[weights]
    return psnr_from_mse((wy * mse_y + wu * mse_u + wv * mse_v) / (wy + wu + wv))


# MS-SSIM (Wang, Simoncelli, Bovik 2003) on one plane: 11-tap Gaussian (sigma 1.5), 5 scales,
# 2x2 average down-sampling, symmetric padding so small pictures (QCIF) keep all scales.
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _gauss_blur(x, sigma=1.5, taps=11):
    t = np.arange(taps) - taps // 2
    k = np.exp(-(t * t) / (2 * sigma * sigma))
    k /= k.sum()
    r = taps // 2
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r, r)
        xp = np.pad(x, pad, mode="symmetric")
        win = np.lib.stride_tricks.sliding_window_view(xp, taps, axis=axis)
        x = win @ k
    return x


def ms_ssim(a, b, peak=PEAK):
    """MS-SSIM of two planes (float in [0, 1]); identical planes give 1.0."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    out = 1.0
    for i, w in enumerate(MS_SSIM_WEIGHTS):
        mx, my = _gauss_blur(x), _gauss_blur(y)
        sxx = _gauss_blur(x * x) - mx * mx
        syy = _gauss_blur(y * y) - my * my
        sxy = _gauss_blur(x * y) - mx * my
        cs = float(np.mean((2 * sxy + c2) / (sxx + syy + c2)))
        if i == len(MS_SSIM_WEIGHTS) - 1:
            lum = float(np.mean((2 * mx * my + c1) / (mx * mx + my * my + c1)))
            out *= (max(lum * cs, 0.0)) ** w
        else:
            out *= max(cs, 0.0) ** w
            h, v = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
            x = x[:h, :v].reshape(h // 2, 2, v // 2, 2).mean(axis=(1, 3))
            y = y[:h, :v].reshape(h // 2, 2, v // 2, 2).mean(axis=(1, 3))
    return out
