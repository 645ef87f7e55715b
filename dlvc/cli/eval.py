"""dlvc-eval: RD sweeps against anchors, BD-rate tables and RD plots in one command.

    dlvc-eval report   --sequences ../shared/sequences --anchor-config LDP --cfg cfg/lowdelay.cfg \\
                       --frames anchor --out reports/lowdelay
    dlvc-eval ablation --sequences ../shared/sequences --cfg cfg/lowdelay.cfg \\
                       --ref off:DeepLF=0 --test on:DeepLF=1 --frames 9 --out reports/ablation
    dlvc-eval run      --sequences clip_176x144_30.yuv --codecs x265 --frames 3 --qps 22 27 32 37

Unknown ``--Key=value`` options are dlvc cfg overrides for every dlvc configuration.
"""
import argparse
import os
import sys

from dlvc.cli.common import run_main
from dlvc.eval import anchors_hm, plan, report, sequences, sweep
from dlvc.eval.errors import EvalError
from dlvc.eval.runs import Cache

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_ANCHORS = os.environ.get("DLVC_ANCHORS") or os.path.normpath(os.path.join(REPO, "..", "shared", "anchors"))
DEFAULT_CACHE = os.environ.get("DLVC_EVAL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "dlvc-eval")
DEFAULT_CFG = {"AI": "intra.cfg", "LDP": "lowdelay.cfg", "LDB": "lowdelay_b.cfg", "RA": "randomaccess.cfg"}
PYAV_CODECS = ("x265", "x264", "svtav1")


def _parser():
    ap = argparse.ArgumentParser(prog="dlvc-eval", description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    for name, help_ in (("run", "run a sweep and print its RD points"),
                        ("report", "sweep + anchor: CTC BD-rate tables, CSV, JSON, RD plots"),
                        ("ablation", "compare two dlvc configurations (--test vs --ref)")):
        p = sub.add_parser(name, help=help_)
        g = p.add_argument_group("what to run")
        g.add_argument("--sequences", nargs="+", required=True, metavar="PATH",
                       help="folders (with manifest.csv, or Name_WxH_fps.yuv / .y4m files) or files")
        g.add_argument("--yuv-dir", action="append", default=[], metavar="DIR",
                       help="more folders to find manifest files in (also $DLVC_SEQUENCES, ':'-separated)")
        g.add_argument("--only", default="", metavar="NAMES", help="comma-separated sequence names")
        g.add_argument("--qps", nargs="+", type=int, default=list(plan.QPS))
        g.add_argument("--frames", default="anchor" if name != "run" else None, required=name == "run",
                       help="N, NAME=N,..., or 'anchor' (the HM log's count per sequence)")
        g.add_argument("--anchor-config", choices=sorted(DEFAULT_CFG), default="LDP",
                       help="coding structure: HM anchor logs/cfg, PyAV structure, default dlvc cfg")
        g.add_argument("--cfg", action="append", default=[], metavar="CFG",
                       help="dlvc cfg file(s), in order (default cfg/<structure>.cfg)")
        g.add_argument("--variant", action="append", default=[], metavar="[LABEL:]ITEMS",
                       help="another dlvc configuration: items Key=value or extra .cfg, comma-separated")
        g.add_argument("--codecs", default="x265,x264" if name == "report" else "",
                       help="PyAV codecs to run beside dlvc (x265,x264,svtav1); '' for none")
        g.add_argument("--no-dlvc", action="store_true", help="leave dlvc out (anchors and PyAV codecs only)")
        g.add_argument("--preset", default=None, help="x264/x265 preset (medium) / SVT-AV1 preset (8)")
        g.add_argument("--dlvc-enc", default=None, help="encoder command (default dlvc-enc)")
        g.add_argument("--dlvc-dec", default=None, help="decoder command (default dlvc-dec)")
        g.add_argument("--ms-ssim", action="store_true", help="also measure MS-SSIM (Y)")
        if name == "ablation":
            g.add_argument("--ref", required=True, metavar="[LABEL:]ITEMS", help="reference (tool off)")
            g.add_argument("--test", required=True, metavar="[LABEL:]ITEMS", help="test (tool on)")
        a = p.add_argument_group("anchor")
        a.add_argument("--anchors", default=DEFAULT_ANCHORS, help="HM anchors folder (default %(default)s)")
        a.add_argument("--anchor", default="hm", help="hm (logs, or --hm-encoder), x265, x264, svtav1")
        a.add_argument("--hm-encoder", default=None, metavar="PATH", help="run this HM encoder binary")
        a.add_argument("--hm-cfg", default=None, help="HM cfg (default anchors/hm/cfg/<structure cfg>)")
        e = p.add_argument_group("execution and output")
        e.add_argument("--jobs", type=int, default=None, help="parallel runs (default: cores, or cluster threads)")
        e.add_argument("--scheduler", default=None, metavar="ADDR", help="Dask scheduler, e.g. tcp://host:8786")
        e.add_argument("--cache", default=DEFAULT_CACHE, help="result cache (default %(default)s)")
        e.add_argument("--out", default=None, help="report folder")
        e.add_argument("--bd-method", choices=("pchip", "cubic", "akima"), default="pchip",
                       help="pchip = piecewise cubic, the JCT-VC/JVET spreadsheet (default); cubic = VCEG-M33")
        e.add_argument("--yuv-weights", choices=("hm", "611"), default="hm",
                       help="YUV-PSNR weighting: hm = 4:1:1 (default), 611 = 6:1:1")
        e.add_argument("--no-progress", action="store_true")
        e.add_argument("--no-warmup", action="store_true",
                       help="skip the untimed 1-frame dlvc encode that fills Numba's cache first")
    return ap


def _split_overrides(argv):
    known, overrides = [], []
    for a in argv:
        if a.startswith("--") and "=" in a and a[2:3].isupper():
            overrides.append(plan.parse_override(a, "override"))
        else:
            known.append(a)
    return known, overrides


def _frames_of(args, seqs):
    spec = args.frames
    if spec == "anchor":
        if args.hm_encoder or args.anchor != "hm":
            raise EvalError("--frames anchor needs HM anchor logs; give a number")
        return {s.name: anchors_hm.log_frames(args.anchors, args.anchor_config, s.name, args.qps) for s in seqs}
    try:
        if "=" in spec:
            out = {k: int(v) for k, v in (i.split("=") for i in spec.split(","))}
            missing = [s.name for s in seqs if s.name not in out]
            if missing:
                raise EvalError(f"--frames {spec}: no count for {', '.join(missing)}")
            return out
        return {s.name: int(spec) for s in seqs}
    except ValueError:
        raise EvalError(f"--frames {spec!r}: expected N, NAME=N,... or 'anchor'") from None


def _configs(args, overrides):
    cfgs = args.cfg or [os.path.join(REPO, "cfg", DEFAULT_CFG[args.anchor_config])]
    dparams = {k: v for k, v in (("dlvc_enc", args.dlvc_enc), ("dlvc_dec", args.dlvc_dec)) if v}
    out = []
    if args.command == "ablation":
        for v in (args.ref, args.test):
            out.append(plan.parse_variant(v, cfgs, overrides))
    elif not args.no_dlvc:
        out.append(plan.Config("dlvc", "dlvc", tuple(cfgs), tuple(overrides)))
    out += [plan.parse_variant(v, cfgs, overrides) for v in args.variant]
    for c in out:
        c.params.update(dparams)
    codecs = [c for c in args.codecs.split(",") if c]
    if args.command == "report" and args.anchor in PYAV_CODECS and args.anchor not in codecs:
        codecs.insert(0, args.anchor)
    for c in codecs:
        if c not in PYAV_CODECS:
            raise EvalError(f"--codecs: unknown codec {c!r} (one of {', '.join(PYAV_CODECS)})")
        params = {"mode": args.anchor_config}
        if args.preset:
            params["preset"] = args.preset
        out.append(plan.Config(c, c, params=params))
    if args.command == "report" and args.hm_encoder:
        hm_cfg = args.hm_cfg or os.path.join(args.anchors, "hm", "cfg", anchors_hm.CFG_FILES[args.anchor_config])
        if not os.path.isfile(hm_cfg):
            raise EvalError(f"HM cfg {hm_cfg} not found")
        out.append(plan.Config("HM", "hm", params={"hm_encoder": os.path.abspath(args.hm_encoder),
                                                    "hm_cfg": os.path.abspath(hm_cfg)}))
    labels = [c.label for c in out]
    dup = {x for x in labels if labels.count(x) > 1}
    if dup:
        raise EvalError(f"two configurations are labelled {', '.join(sorted(dup))}; give LABEL: prefixes")
    if not out:
        raise EvalError("nothing to run")
    return out


def _main(argv):
    args, extra = _parser().parse_known_args(_split_overrides(argv)[0])
    overrides = _split_overrides(argv)[1]
    args.argv = list(argv)
    if extra:
        raise EvalError(f"unknown option(s): {' '.join(extra)} (cfg overrides are --Key=value)")
    yuv_dirs = args.yuv_dir + [d for d in os.environ.get("DLVC_SEQUENCES", "").split(os.pathsep) if d]
    names = [n for n in args.only.split(",") if n]
    seqs = sequences.discover(args.sequences, yuv_dirs, names)
    frames_of = _frames_of(args, seqs)
    configs = _configs(args, overrides)
    specs = plan.build_specs(configs, seqs, args.qps, frames_of, args.ms_ssim)
    cache = Cache(args.cache)
    if not (args.scheduler or args.no_warmup):
        sweep.warmup(specs, cache)
    results, failures, _ = sweep.run_specs(specs, cache, args.jobs, args.scheduler, not args.no_progress)
    if failures:
        for s, msg in failures:
            print(f"dlvc-eval: FAILED {s.describe()}: {msg}", file=sys.stderr)
        raise EvalError(f"{len(failures)} of {len(specs)} runs failed (the others are cached); "
                        f"first: {failures[0][1]}")
    records = [dict(results[s.key()], label=s.label) for s in specs]   # a cached run may carry another label
    for r in records:
        if r.get("bit_exact") is False:
            print(f"dlvc-eval: WARNING {r['label']} {r['sequence']} QP{r['qp']}: "
                  "decoder output differs from the encoder's reconstruction", file=sys.stderr)
    names = [s.name for s in seqs]
    if args.command == "run":
        curves = report.group(records)
        print(report.points_table(curves, names, [c.label for c in configs]))
        return 0
    return _report(args, configs, seqs, records, frames_of)


def _report(args, configs, seqs, records, frames_of):
    from dlvc.eval.plot import rd_plots
    names = [s.name for s in seqs]
    notes = []
    if args.command == "ablation":
        anchor_label, tests = configs[0].label, [configs[1].label]
        title = f"Ablation: {configs[1].label} vs {configs[0].label} ({args.anchor_config})"
    elif args.anchor == "hm" and not args.hm_encoder:
        anchor_label = "HM"
        for s in seqs:
            for qp in args.qps:
                r = anchors_hm.load_from_logs(args.anchors, args.anchor_config, s, qp, frames_of[s.name])
                r.update(label="HM", sequence=s.name, qp=qp, codec="hm-log")
                records.append(r)
        version = next(r["hm_version"] for r in records if r["label"] == "HM")
        notes.append(f"HM anchor: HM {version} encoder logs in {os.path.relpath(args.anchors)}; its times were "
                     "measured on another machine (see its README), so EncT/DecT are indicative only.")
        tests = [c.label for c in configs]
        title = f"{args.anchor_config}: BD-rate against the HM anchor"
    else:
        anchor_label = "HM" if args.anchor == "hm" else args.anchor
        tests = [c.label for c in configs if c.label != anchor_label]
        title = f"{args.anchor_config}: BD-rate against {anchor_label}"
    curves = report.group(records)
    sections = [{"test": t, "anchor": anchor_label,
                 "rows": report.compare(curves[anchor_label], curves[t], names, args.bd_method,
                                        args.yuv_weights, f"{t} vs {anchor_label}", notes)}
                for t in tests]
    out = args.out or os.path.join("reports", args.anchor_config.lower())
    plots = rd_plots(curves, names, [anchor_label] + tests, out, args.anchor_config)
    sizes = {s.name: f"{s.width}x{s.height}" for s in seqs}
    intro = [
        f"Structure {args.anchor_config}; QPs {' '.join(map(str, args.qps))}"
        + ("".join(f" ({c.label}: rate points {' '.join(map(str, plan.points(c, args.qps)))})"
                   for c in configs if c.params.get("points")))
        + "; frames " + ", ".join(f"{k} {v}" for k, v in frames_of.items()) + ".",
        f"BD-rate: {args.bd_method} interpolation ({'piecewise cubic, as the JCT-VC/JVET CTC spreadsheet' if args.bd_method == 'pchip' else 'not the CTC default'}), "
        "rate = all bits of the stream; negative = fewer bits than the anchor at equal PSNR. "
        f"Y/U/V-PSNR: mean of per-frame PSNRs; YUV: {report.YUV_KEYS[args.yuv_weights][1]}.",
        "EncT/DecT: sum of test times over the QPs / sum of anchor times (process CPU time); "
        "averages: arithmetic mean of BD-rates, geometric mean of time ratios. "
        "'Dec = Rec': the decoder's output is identical to the encoder's reconstruction at every QP.",
        "Configurations: " + "; ".join(
            f"`{c.label}` = {c.codec}" + (f" -c {' -c '.join(os.path.relpath(x) for x in c.cfgs)}" if c.cfgs else "")
            + (f" {' '.join('--' + o for o in c.overrides)}" if c.overrides else "")
            + (f" {c.params}" if c.codec != "dlvc" and c.params else "") for c in configs) + ".",
        "Regenerate: `dlvc-eval " + " ".join(args.argv) + "`",
    ]
    settings = {k: v for k, v in vars(args).items()}
    path = report.write(out, "report", title, intro, sections, curves, names, sizes, settings, notes, plots)
    print(f"report: {path}")
    for sec in sections:
        print(f"\n{sec['test']} vs {sec['anchor']}\n" + report.markdown_table(sec["rows"], sizes))
    return 0


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt  # stop the pool cleanly; finished runs are already cached


def main(argv=None):
    import signal
    signal.signal(signal.SIGTERM, _on_sigterm)
    run_main(_main, argv, "dlvc-eval")


if __name__ == "__main__":
    main()
