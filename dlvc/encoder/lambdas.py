"""Lagrange multipliers as HM computes them (TEncSlice::initEncSlice, setUpLambda)."""
import math

from ..core.transform import chroma_qp


def hm_lambda(qp, is_intra, num_b_frames=0, qp_factor=None, depth=0):
    """HM's lambda for a slice at ``qp`` (8-bit, SHIFT_QP = 12).

    I slices use 0.57 scaled by 1 - 0.05 * (number of B frames in the GOP), clipped
    to [0.5, 1]; other slices the GOP entry's QPfactor, times clip(qp_temp / 6, 2, 4)
    for pictures at depth > 0."""
    qp_temp = qp - 12
    if is_intra or qp_factor is None:
        factor = 0.57 * (1.0 - min(max(0.05 * num_b_frames, 0.0), 0.5))
    else:
        factor = qp_factor
    lam = factor * 2.0 ** (qp_temp / 3.0)
    if depth > 0 and not is_intra:
        lam *= min(max(qp_temp / 6.0, 2.0), 4.0)
    return lam


def chroma_weight(qp, qp_offset):
    """HM's chroma distortion weight 2^((QP - QPc) / 3)."""
    return 2.0 ** ((qp - int(chroma_qp(qp, qp_offset))) / 3.0)


def lambda_params(qp, lam, cb_offset, cr_offset):
    return {"lambda": lam, "sqrt_lambda": math.sqrt(lam),
            "w_cb": chroma_weight(qp, cb_offset), "w_cr": chroma_weight(qp, cr_offset)}
