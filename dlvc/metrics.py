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
