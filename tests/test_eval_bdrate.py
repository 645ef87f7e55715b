"""BD-rate / BD-PSNR on analytic cases, and the inputs they must refuse."""
import math

import pytest

from dlvc.eval.bdrate import METHODS, bd_psnr, bd_rate
from dlvc.eval.errors import EvalError

ANCHOR = [(100.0, 30.1), (180.0, 33.0), (320.0, 35.7), (600.0, 38.9)]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("factor", [0.5, 0.9, 1.0, 1.25])
def test_constant_rate_factor_gives_that_factor(method, factor):
    test = [(r * factor, d) for r, d in ANCHOR]
    assert bd_rate(ANCHOR, test, method) == pytest.approx(100 * (factor - 1), abs=1e-9)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shift", [-0.7, 0.25, 1.0])
def test_psnr_shift_gives_bd_psnr(method, shift):
    test = [(r, d + shift) for r, d in ANCHOR]
    assert bd_psnr(ANCHOR, test, method) == pytest.approx(shift, abs=1e-9)


def test_psnr_shift_on_a_loglinear_curve_gives_exact_bd_rate():
    # PSNR = a + b*log10(R): shifting PSNR by s equals scaling rate by 10^(-s/b).
    a, b, s = 10.0, 12.0, 0.6
    anchor = [(r, a + b * math.log10(r)) for r in (90, 200, 450, 1000)]
    test = [(r, d + s) for r, d in anchor]
    # over the overlapping PSNR range the test curve is the anchor's with rate x 10^(-s/b)
    assert bd_rate(anchor, test, "pchip") == pytest.approx(100 * (10 ** (-s / b) - 1), abs=1e-6)


def test_order_of_points_does_not_matter():
    test = [(r * 0.8, d) for r, d in ANCHOR]
    assert bd_rate(ANCHOR[::-1], test[::-1]) == pytest.approx(-20.0)


def test_fewer_than_four_points_is_an_error_naming_the_curve():
    with pytest.raises(EvalError, match=r"Carphone.*test: 3 RD point"):
        bd_rate(ANCHOR, ANCHOR[:3], what="dlvc vs HM Carphone")


def test_non_monotonic_curve_is_an_error():
    bad = [(100, 30), (180, 33), (320, 32), (600, 38)]
    with pytest.raises(EvalError, match="not monotonic"):
        bd_rate(ANCHOR, bad)


@pytest.mark.parametrize("pt", [(0.0, 35.0), (-5.0, 35.0), (float("nan"), 35.0), (250.0, float("inf"))])
def test_bad_points_are_errors(pt):
    with pytest.raises(EvalError, match="bad RD point"):
        bd_rate(ANCHOR, ANCHOR[:3] + [pt])


def test_no_overlap_is_nan_with_a_note_never_a_number():
    notes = []
    far = [(r, d + 20) for r, d in ANCHOR]
    assert math.isnan(bd_rate(ANCHOR, far, notes=notes))
    assert notes


def test_unknown_method():
    with pytest.raises(EvalError, match="interpolation"):
        bd_rate(ANCHOR, ANCHOR, "linear")


def test_report_cell_of_a_non_monotonic_curve_is_na_with_a_note():
    """In a report (notes collected) a curve BD cannot use is n/a for its cells and a note,
    the other cells and sequences keep their figures; without notes it stays an error."""
    from dlvc.eval.report import compare

    def recs(pts, u_bad=False):
        return [{"frames": 3, "bitrate_kbps": r, "psnr_y": d, "psnr_u": d + (5 - 3 * i if u_bad else 5),
                 "psnr_v": d + 6, "psnr_yuv": d + 1, "encode_s": 1.0, "decode_s": 1.0, "bit_exact": True}
                for i, (r, d) in enumerate(pts)]
    anchor = {"A": recs(ANCHOR), "B": recs(ANCHOR)}
    test = {"A": recs([(r * 0.9, d) for r, d in ANCHOR], u_bad=True), "B": recs([(r * 0.8, d) for r, d in ANCHOR])}
    notes = []
    rows = compare(anchor, test, ["A", "B"], notes=notes)
    assert math.isnan(rows[0]["bd_u"]) and rows[0]["bd_y"] == pytest.approx(-10.0)
    assert rows[1]["bd_u"] == pytest.approx(-20.0) and math.isnan(rows[2]["bd_u"])
    assert rows[2]["bd_y"] == pytest.approx(-15.0)
    assert len(notes) == 1 and "A psnr_u" in notes[0] and "not monotonic" in notes[0]
    with pytest.raises(EvalError, match="not monotonic"):
        compare(anchor, test, ["A", "B"])
