"""CTC-layout comparison tables: Markdown, CSV and JSON.

Per sequence: BD-rate on Y, U, V and YUV PSNR (rate = bits x fps / frames), BD-PSNR (Y),
and the CTC time ratios EncT / DecT = sum of the test's times over the QPs / the anchor's,
in percent.  The average row is the arithmetic mean of the BD-rates and the geometric mean
of the time ratios (as the JCT-VC/JVET spreadsheets compute class averages).  YUV-PSNR is
HM's (per-plane MSE pooled over frames, Y:U:V = 4:1:1) unless 6:1:1 is asked for.
"""
import csv
import io
import json
import math

from .bdrate import bd_psnr, bd_rate
from .errors import EvalError
from .runs import atomic_write_text

YUV_KEYS = {"hm": ("psnr_yuv", "YUV-PSNR weighted Y:U:V = 4:1:1 on pooled MSE (HM)"),
            "611": ("psnr_yuv_611", "YUV-PSNR weighted Y:U:V = 6:1:1 on pooled MSE")}
COLUMNS = ("sequence", "bd_y", "bd_u", "bd_v", "bd_yuv", "bd_psnr_y", "enc_t", "dec_t", "bit_exact")


def group(records):
    out = {}
    for r in records:
        out.setdefault(r["label"], {}).setdefault(r["sequence"], []).append(r)
    for curves in out.values():
        for pts in curves.values():
            pts.sort(key=lambda r: r["qp"])
    return out


def _ratio(test, anchor, key):
    a = [r.get(key) for r in anchor]
    t = [r.get(key) for r in test]
    if None in a or None in t or sum(a) <= 0:
        return None
    return sum(t) / sum(a)


def compare(anchor, test, seqs, method="pchip", yuv="hm", what="test vs anchor", notes=None):
    """anchor, test: {sequence: [records]}. Returns a list of rows, the average last."""
    ykey = YUV_KEYS[yuv][0]
    rows = []
    for s in seqs:
        if s not in anchor:
            raise EvalError(f"{what}: the anchor has no results for {s}")
        if s not in test:
            raise EvalError(f"{what}: the test has no results for {s}")
        a, t = anchor[s], test[s]
        fa, ft = {r["frames"] for r in a}, {r["frames"] for r in t}
        if len(fa | ft) != 1:
            raise EvalError(f"{what} {s}: frame counts differ (anchor {sorted(fa)}, test {sorted(ft)})")
        row = {"sequence": s}

        def cell(fn, key, name):
            """A BD figure; with notes, a curve it cannot be computed on (not monotonic, too
            few points) is n/a and a note instead of an error for the whole report."""
            try:
                return fn([(r["bitrate_kbps"], r[key]) for r in a], [(r["bitrate_kbps"], r[key]) for r in t],
                          method, f"{what} {s} {name}", notes)
            except EvalError as e:
                if notes is None:
                    raise
                notes.append(f"n/a: {e}")
                return float("nan")
        for col, key in (("bd_y", "psnr_y"), ("bd_u", "psnr_u"), ("bd_v", "psnr_v"), ("bd_yuv", ykey)):
            row[col] = cell(bd_rate, key, key)
        row["bd_psnr_y"] = cell(bd_psnr, "psnr_y", "BD-PSNR")
        if all("ms_ssim_y" in r for r in a + t):
            row["bd_msssim"] = cell(bd_rate, "ms_ssim_y", "MS-SSIM")
        row["enc_t"] = _ratio(t, a, "encode_s")
        row["dec_t"] = _ratio(t, a, "decode_s")
        flags = [r.get("bit_exact") for r in t]
        row["bit_exact"] = None if None in flags else all(flags)
        rows.append(row)
    avg = {"sequence": "Average"}
    for col in rows[0]:
        if col.startswith("bd_"):
            vals = [r.get(col) for r in rows]
            avg[col] = None if None in vals else sum(vals) / len(vals)
    for col in ("enc_t", "dec_t"):
        vals = [r[col] for r in rows]
        avg[col] = None if None in vals or min(vals) <= 0 else math.exp(sum(map(math.log, vals)) / len(vals))
    flags = [r["bit_exact"] for r in rows]
    avg["bit_exact"] = None if None in flags else all(flags)
    return rows + [avg]


def _pct(v, sign=True):
    if v is None:
        return "-"
    if isinstance(v, float) and math.isnan(v):
        return "n/a"
    if sign:
        return f"{v:+.2f}%"
    return f"{100 * v:.0f}%" if v >= 0.1 else f"{100 * v:.2g}%"


def markdown_table(rows, sizes=None):
    ms = "bd_msssim" in rows[0]
    head = ["Sequence", "Y", "U", "V", "YUV", "BD-PSNR Y"] + (["MS-SSIM"] if ms else []) + \
           ["EncT", "DecT", "Dec = Rec"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        name = r["sequence"] + (f" {sizes[r['sequence']]}" if sizes and r["sequence"] in sizes else "")
        if r["sequence"] == "Average":
            name = "**Average**"
        cells = [name, *(_pct(r[c]) for c in ("bd_y", "bd_u", "bd_v", "bd_yuv"))]
        cells.append("-" if r["bd_psnr_y"] is None or math.isnan(r["bd_psnr_y"]) else f"{r['bd_psnr_y']:+.3f} dB")
        if ms:
            cells.append(_pct(r.get("bd_msssim")))
        cells += [_pct(r["enc_t"], False), _pct(r["dec_t"], False),
                  {None: "-", True: "yes", False: "**NO**"}[r["bit_exact"]]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _point(r):
    """The QP, or a learned codec's rate point (RP1..RP4)."""
    return r["point"] if r.get("point", "").startswith("RP") else r["qp"]


def points_table(curves, seqs, labels):
    lines = ["| Codec | Sequence | QP | frames | kbps | Y-PSNR | U-PSNR | V-PSNR | YUV-PSNR | enc s | dec s |",
             "|" + "---|" * 11]
    for lab in labels:
        for s in seqs:
            for r in curves.get(lab, {}).get(s, []):
                t = [("-" if r.get(k) is None else f"{r[k]:.3f}") for k in ("encode_s", "decode_s")]
                lines.append(f"| {lab} | {s} | {_point(r)} | {r['frames']} | {r['bitrate_kbps']:.3f} | "
                             f"{r['psnr_y']:.4f} | {r['psnr_u']:.4f} | {r['psnr_v']:.4f} | "
                             f"{r['psnr_yuv']:.4f} | {t[0]} | {t[1]} |")
    return "\n".join(lines)


def rows_csv(sections):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["test", "anchor", *COLUMNS, "bd_msssim"])
    for sec in sections:
        for r in sec["rows"]:
            w.writerow([sec["test"], sec["anchor"], *(r.get(c) for c in COLUMNS), r.get("bd_msssim")])
    return buf.getvalue()


def write(out_dir, stem, title, intro, sections, curves, seqs, sizes, settings, notes, plots):
    """Write STEM.md / STEM.csv / STEM.json into out_dir. Returns the Markdown path."""
    import os
    md = [f"# {title}", "", *intro, ""]
    for sec in sections:
        md += [f"## {sec['test']} vs {sec['anchor']}", "", markdown_table(sec["rows"], sizes), ""]
    if notes:
        md += ["## Notes", "", *(f"- {n}" for n in notes), ""]
    if plots:
        md += ["## RD curves", "", *(f"![{s}]({os.path.basename(p)})" for s, p in plots.items()), ""]
    labels = list(dict.fromkeys([sec["anchor"] for sec in sections] + [sec["test"] for sec in sections]))
    md += ["## RD points", "", points_table(curves, seqs, labels), ""]
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, stem + ".md")
    atomic_write_text(path, "\n".join(md))
    atomic_write_text(os.path.join(out_dir, stem + ".csv"), rows_csv(sections))
    pts = [{k: v for k, v in r.items() if k not in ("frame_psnr_y", "spec")}
           for lab in labels for s in seqs for r in curves.get(lab, {}).get(s, [])]
    atomic_write_text(os.path.join(out_dir, stem + ".json"), json.dumps(
        {"title": title, "settings": settings, "sections": sections, "notes": notes,
         "points": pts}, indent=1, sort_keys=True, default=str))
    return path
