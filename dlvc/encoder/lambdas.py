"""Lagrange multipliers as HM computes them (TEncSlice::initEncSlice, setUpLambda)."""
import math

from ..core.transform import chroma_qp


def hm_lambda(qp, is_intra, qp_factor=0.57, depth=0, gop_size=1, lambda_from_qp=False):
    """HM's lambda for a slice at ``qp`` (TEncSlice::calculateLambda; 8-bit, SHIFT_QP = 12,
    HadamardME on, LambdaModifiers 1).

    I slices use 0.57 scaled by 1 - 0.05 * (GOPSize - 1), clipped to [0.5, 1]; other slices
    the GOP entry's QPfactor, times clip(qp_temp / 6, 2, 4) for pictures at depth > 0.
    With LambdaFromQpEnable the factor is 0.57 and there is no depth scaling.  is_intra is
    the slice type at initEncSlice (I by IntraPeriod), not the GOP entry's type."""
    qp_temp = qp - 12
    if is_intra:
        factor = 0.57 if lambda_from_qp else 0.57 * (1.0 - min(max(0.05 * (gop_size - 1), 0.0), 0.5))
    else:
        factor = 0.57 if lambda_from_qp else qp_factor
    lam = factor * 2.0 ** (qp_temp / 3.0)
    if not lambda_from_qp and depth > 0:
        lam *= min(max(qp_temp / 6.0, 2.0), 4.0)
    return lam


def chroma_weight(qp, qp_offset):
    """HM's chroma distortion weight 2^((QP - QPc) / 3).  Once per picture, so chroma_qp's
    Python function: compiled, it would be an entry point of the encoder's AOT library, typed
    differently by compiled callers (a fresh Numba compile adds their argument types to its
    signatures, and the library then cannot be built)."""
    return 2.0 ** ((qp - int(chroma_qp.py_func(qp, qp_offset))) / 3.0)


def lambda_params(qp, lam, cb_offset, cr_offset):
    return {"lambda": lam, "sqrt_lambda": math.sqrt(lam),
            "w_cb": chroma_weight(qp, cb_offset), "w_cr": chroma_weight(qp, cr_offset)}
