"""BD-rate and BD-PSNR through the ``bjontegaard`` package, with the checks it lacks.

Methods: ``pchip`` -- piecewise cubic (Hermite) interpolation, the method of the JCT-VC /
JVET CTC spreadsheets (default); ``cubic`` -- the cubic polynomial fit of VCEG-M33;
``akima``.  Rates enter as log10; BD-rate is in percent (negative = fewer bits than the
anchor), BD-PSNR in dB (positive = better).  Inputs are refused, with the curve named, when
there are fewer than four points, a rate is not positive, a value is not finite, or PSNR
does not rise strictly with rate (the interpolation would be meaningless).  Curves that do
not overlap give NaN and a note, never a number.
"""
import math
import re
import warnings

import bjontegaard as bd
import numpy as np

from .errors import EvalError

METHODS = ("pchip", "cubic", "akima")
MIN_POINTS = 4


def check_curve(points, what):
    """points: iterable of (rate, psnr). Returns (rates, psnrs) sorted by rate."""
    pts = sorted((float(r), float(d)) for r, d in points)
    if len(pts) < MIN_POINTS:
        raise EvalError(f"{what}: {len(pts)} RD point(s), BD needs at least {MIN_POINTS}")
    for r, d in pts:
        if not (math.isfinite(r) and math.isfinite(d)) or r <= 0:
            raise EvalError(f"{what}: bad RD point (rate {r}, PSNR {d})")
    for (r0, d0), (r1, d1) in zip(pts, pts[1:]):
        if not (r1 > r0 and d1 > d0):
            raise EvalError(f"{what}: PSNR does not rise with rate between ({r0:g}, {d0:.4f}) "
                            f"and ({r1:g}, {d1:.4f}); the RD curve is not monotonic")
    return np.array([p[0] for p in pts]), np.array([p[1] for p in pts])


def _call(fn, anchor, test, method, what, notes):
    if method not in METHODS:
        raise EvalError(f"unknown BD interpolation {method!r} (one of {', '.join(METHODS)})")
    ra, da = check_curve(anchor, f"{what}: anchor")
    rt, dt = check_curve(test, f"{what}: test")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        v = float(fn(ra, da, rt, dt, method=method, require_matching_points=False))
    for w in caught:
        if notes is not None:
            m = re.search(r"overlap: '([\d.]+)'", str(w.message))
            notes.append(f"{what}: the curves overlap on only {m[1]}% of their range" if m
                         else f"{what}: {w.message}")
    return v


def bd_rate(anchor, test, method="pchip", what="BD-rate", notes=None):
    """Average rate difference in % of test vs anchor at equal quality (NaN if no overlap)."""
    return _call(bd.bd_rate, anchor, test, method, what, notes)


def bd_psnr(anchor, test, method="pchip", what="BD-PSNR", notes=None):
    """Average quality difference in dB of test vs anchor at equal rate (NaN if no overlap)."""
    return _call(bd.bd_psnr, anchor, test, method, what, notes)
