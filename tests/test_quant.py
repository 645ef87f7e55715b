"""Encoder quantisation decisions: sign data hiding (HM signBitHidingHDQ) and RDOQ
(HM xRateDistOptQuant)."""
import numpy as np
import pytest

from dlvc.core import cabac as C
from dlvc.core.residual import TB_SCAN, read_residual_coding, write_residual_coding
from dlvc.core.transform import (
    MAX_TR_DYNAMIC_RANGE, QUANT_SCALES, QUANT_SHIFT, dequantize, forward_transform,
    inverse_transform, quantize_with_deltas, transform_skip_forward, transform_skip_inverse,
)
from dlvc.encoder.quant import new_rdoq_scratch, rdoq, rdoq_cbf, sign_data_hiding, sign_data_hiding_qp

SCRATCH = new_rdoq_scratch()      # reused by every call, as one encoder thread does


def hm_lambda(qp):
    return 0.57 * 2.0 ** ((qp - 12) / 3.0)


def residual_block(rng, n):
    kind = rng.integers(0, 3)
    if kind == 0:
        r = rng.laplace(0, rng.choice([2, 6, 20, 60]), (n, n))
    elif kind == 1:                                 # smooth ramp + noise
        y, x = np.mgrid[0:n, 0:n]
        r = rng.normal(0, 20) + rng.normal(0, 3) * x + rng.normal(0, 3) * y + rng.normal(0, 2, (n, n))
    else:                                           # edge
        r = np.where(np.arange(n)[None, :] < rng.integers(1, n), 40.0, -25.0) + rng.normal(0, 4, (n, n))
    return np.clip(np.round(r), -255, 255).astype(np.int32)


def transform(res, log2, c_idx, ts):
    n = 1 << log2
    c = np.zeros((n, n), np.int32)
    if ts:
        transform_skip_forward(res, log2, c)
    else:
        forward_transform(res, log2, 1 if (c_idx == 0 and log2 == 2) else 0, c, np.zeros((n, n), np.int32))
    return c


def reconstruct(levels, log2, c_idx, qp, ts):
    n = 1 << log2
    d = np.zeros((n, n), np.int32)
    r = np.zeros((n, n), np.int32)
    dequantize(levels, log2, qp, d)
    if ts:
        transform_skip_inverse(d, log2, r)
    else:
        inverse_transform(d, log2, 1 if (c_idx == 0 and log2 == 2) else 0, r, np.zeros((n, n), np.int32))
    return r


def est_bits(levels, log2, c_idx, sidx, sdh, ctx, ts=0):
    if not levels.any():
        return 0.0
    w, buf = C.new_writer(0, estimate=True)
    write_residual_coding(w, buf, ctx.copy(), levels, log2, c_idx, sidx, sdh, 1 if ts else 0, ts, 0)
    return C.est_bits(w) / C.FRAC_BITS_SCALE


def check_hidden_parity(levels, log2, sidx):
    for i in range(1 << (2 * (log2 - 2))):
        pos = [(TB_SCAN[log2 - 2, sidx, (i << 4) + n, 1], TB_SCAN[log2 - 2, sidx, (i << 4) + n, 0])
               for n in range(16)]
        nz = [n for n in range(16) if levels[pos[n]] != 0]
        if nz and nz[-1] - nz[0] > 3:
            s = sum(abs(int(levels[p])) for p in pos)
            assert (levels[pos[nz[0]]] < 0) == (s % 2 == 1), (i, nz)


def decodes_to(levels, log2, c_idx, sidx, sdh):
    ctx = C.init_contexts(0, 30)
    w, buf = C.new_writer(1 << 16)
    write_residual_coding(w, buf, ctx.copy(), levels, log2, c_idx, sidx, sdh, 0, 0, 0)
    C.encode_terminate(w, buf, 1)
    data = buf[:C.finish(w, buf)].copy()
    out = np.zeros_like(levels)
    d = C.new_reader()
    C.decoder_init(d, data, 0)
    read_residual_coding(d, data, ctx.copy(), out, log2, c_idx, sidx, sdh, 0, 0)
    return np.array_equal(out, levels)


# ---------------------------------------------------------------------------------------
# sign data hiding after plain quantisation
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("log2", [2, 3, 4, 5])
def test_sign_data_hiding(log2):
    rng = np.random.default_rng(100 + log2)
    n = 1 << log2
    changed_any = False
    for it in range(40):
        sidx = it % 3
        c_idx = it % 2
        qp = int(rng.integers(15, 45))
        coeff = transform(residual_block(rng, n), log2, c_idx, 0)
        levels = np.zeros((n, n), np.int32)
        du = np.zeros((n, n), np.int32)
        if quantize_with_deltas(coeff, log2, qp, it & 1, levels, du) == 0:
            continue
        plain = levels.copy()
        sign_data_hiding(levels, coeff, du, log2, sidx)
        diff = levels - plain
        assert np.abs(diff).max() <= 1
        # at most one change per sub-block, and new/changed levels keep the coefficient's sign
        for i in range(1 << (2 * (log2 - 2))):
            ys = TB_SCAN[log2 - 2, sidx, i << 4:(i + 1) << 4, 1]
            xs = TB_SCAN[log2 - 2, sidx, i << 4:(i + 1) << 4, 0]
            assert np.count_nonzero(diff[ys, xs]) <= 1
        nzl = levels != 0
        assert np.all(np.sign(levels[nzl]) == np.where(coeff[nzl] >= 0, 1, -1))
        changed_any |= bool(diff.any())
        check_hidden_parity(levels, log2, sidx)
        assert decodes_to(levels, log2, c_idx, sidx, 1)
        # the qp variant recomputes deltaU itself
        lv2 = plain.copy()
        sign_data_hiding_qp(lv2, coeff, log2, qp, sidx)
        np.testing.assert_array_equal(lv2, levels)
    assert changed_any


# ---------------------------------------------------------------------------------------
# RDOQ
# ---------------------------------------------------------------------------------------

def rounding_levels(coeff, log2, qp):
    """maxAbsLevel of HM's RDOQ: |c| quantised with rounding offset 1/2."""
    q_bits = QUANT_SHIFT + qp // 6 + MAX_TR_DYNAMIC_RANGE - 8 - log2
    a = np.abs(coeff.astype(np.int64)) * QUANT_SCALES[qp % 6]
    return ((a + (1 << (q_bits - 1))) >> q_bits) * np.where(coeff < 0, -1, 1)


@pytest.mark.parametrize("log2", [2, 3, 4, 5])
def test_rdoq_bounds_and_signs(log2):
    rng = np.random.default_rng(200 + log2)
    n = 1 << log2
    for it in range(30):
        c_idx = it % 3
        sidx = (it // 3) % 3
        ts = int(log2 == 2 and it % 4 == 0)
        sdh = it & 1
        qp = int(rng.integers(12, 48))
        ctx = C.init_contexts(it % 3, qp)
        coeff = transform(residual_block(rng, n), log2, c_idx, ts)
        plain = np.zeros((n, n), np.int32)
        quantize_with_deltas(coeff, log2, qp, 1, plain, None)
        levels = np.full((n, n), 77, np.int32)
        nnz = rdoq(coeff, levels, log2, c_idx, qp, 1, sidx, ctx, hm_lambda(qp), sdh, *SCRATCH)
        assert nnz == np.count_nonzero(levels)
        assert np.all(np.abs(levels) <= np.abs(plain) + 1)
        assert np.all(np.abs(levels) <= np.abs(rounding_levels(coeff, log2, qp)) + 1)
        nzl = levels != 0
        assert np.all(np.sign(levels[nzl]) == np.where(coeff[nzl] >= 0, 1, -1))
        if sdh:
            check_hidden_parity(levels, log2, sidx)
        if nnz:
            assert decodes_to(levels, log2, c_idx, sidx, sdh)


def test_rdoq_scratch_contents_do_not_matter():
    """RDOQ writes every scratch entry it reads: the levels are the same with fresh zeros and
    with a scratch full of garbage (NaN costs, huge integers) or left by earlier blocks."""
    rng = np.random.default_rng(11)
    garbage = new_rdoq_scratch()
    garbage[0][:] = np.nan
    garbage[1][:] = 1 << 40
    for it in range(120):
        log2 = int(rng.integers(2, 6))
        n = 1 << log2
        c_idx, sidx, sdh = it % 3, int(rng.integers(0, 3)) if log2 <= 3 else 0, it & 1
        qp = int(rng.integers(12, 48))
        ctx = C.init_contexts(it % 3, qp)
        coeff = transform(residual_block(rng, n), log2, c_idx, 0)
        cbf_ci = C.CBF_LUMA + 1 if it % 4 == 0 else -1
        out = []
        for scratch in (new_rdoq_scratch(), garbage, SCRATCH):
            levels = np.zeros((n, n), np.int32)
            out.append((rdoq_cbf(coeff, levels, log2, c_idx, qp, 1, sidx, ctx, hm_lambda(qp), sdh, cbf_ci,
                                 *scratch), levels))
        for nnz, levels in out[1:]:
            assert nnz == out[0][0]
            np.testing.assert_array_equal(levels, out[0][1])


def test_rdoq_limits():
    """lambda -> 0: the rounding quantiser; huge lambda with the cbf rate: all zero."""
    rng = np.random.default_rng(7)
    for log2 in (2, 3, 4, 5):
        n = 1 << log2
        for it in range(6):
            qp = int(rng.integers(20, 40))
            ctx = C.init_contexts(0, qp)
            coeff = transform(residual_block(rng, n), log2, 0, 0)
            levels = np.zeros((n, n), np.int32)
            rdoq(coeff, levels, log2, 0, qp, 1, 0, ctx, 1e-9, 0, *SCRATCH)
            np.testing.assert_array_equal(levels, rounding_levels(coeff, log2, qp))
            nnz = rdoq_cbf(coeff, levels, log2, 0, qp, 1, 0, ctx, 1e12, 1, C.CBF_LUMA + 1, *SCRATCH)
            assert nnz == 0 and not levels.any()


@pytest.mark.parametrize("sdh", [0, 1])
def test_rdoq_rd_cost_not_worse_than_plain(sdh):
    """Average D + lambda * R (D: SSE after reconstruction, R: the CABAC estimate of
    residual_coding) of RDOQ is below that of dead-zone quantisation (+ SBH)."""
    rng = np.random.default_rng(300 + sdh)
    tot_plain = tot_rdoq = 0.0
    worse = 0
    n_blocks = 0
    for it in range(160):
        log2 = int(rng.integers(2, 6))
        n = 1 << log2
        c_idx = it % 3
        ts = int(log2 == 2 and it % 5 == 0)
        sidx = int(rng.integers(0, 3)) if log2 <= 3 else 0
        qp = int(rng.integers(22, 42))
        lam = hm_lambda(qp)
        ctx = C.init_contexts(it % 3, qp)
        res = residual_block(rng, n)
        coeff = transform(res, log2, c_idx, ts)
        plain = np.zeros((n, n), np.int32)
        du = np.zeros((n, n), np.int32)
        if quantize_with_deltas(coeff, log2, qp, 1, plain, du) and sdh:
            sign_data_hiding(plain, coeff, du, log2, sidx)
        levels = np.zeros((n, n), np.int32)
        rdoq(coeff, levels, log2, c_idx, qp, 1, sidx, ctx, lam, sdh, *SCRATCH)
        costs = []
        for lv in (plain, levels):
            d = float(((reconstruct(lv, log2, c_idx, qp, ts) - res) ** 2).sum())
            costs.append(d + lam * est_bits(lv, log2, c_idx, sidx, sdh, ctx, ts))
        tot_plain += costs[0]
        tot_rdoq += costs[1]
        worse += costs[1] > costs[0] * 1.05
        n_blocks += 1
    assert tot_rdoq < tot_plain, (tot_rdoq, tot_plain)
    assert worse < 0.2 * n_blocks
