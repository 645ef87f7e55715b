"""Stand-alone command lines of the learned path (dlvc-enc/dlvc-dec call codec.py directly
once config.py carries options.py's keys):

    python -m dlvc.learned.cli enc -c cfg/learned/ssf.cfg -i in.yuv -wdt 416 -hgt 240 -fr 25 \\
        -f 33 -b out.bin -o rec.yuv --StatsFile=stats.json [--LearnedRatePoint=3]
    python -m dlvc.learned.cli dec -b out.bin -o dec.yuv

HM-style: cfg files of ``Key : value`` lines, then ``--Key=value`` / ``--Key value`` and the
short flags -i -wdt -hgt -fr -fs -f -b -o, which override the cfg files.  Errors are one
line on stderr and exit status 1; outputs are written under a temporary name.
"""
import sys

from dlvc.errors import DlvcError

from .options import DECODER_ITEMS, ENCODER_ITEMS

SHORT = {"i": "InputFile", "wdt": "SourceWidth", "hgt": "SourceHeight", "fr": "FrameRate",
         "fs": "FrameSkip", "f": "FramesToBeEncoded", "b": "BitstreamFile", "o": "ReconFile"}
BASE = {"InputFile": (str, ""), "SourceWidth": (int, 0), "SourceHeight": (int, 0),
        "FrameRate": (float, 0.0), "FrameSkip": (int, 0), "FramesToBeEncoded": (int, 0),
        "BitstreamFile": (str, ""), "ReconFile": (str, ""), "StatsFile": (str, ""),
        "Verbose": (int, 1)}


def _table(items):
    t = dict(BASE)
    for it in items:
        if isinstance(it, dict):
            t[it["name"]] = (it["type"], it["default"], it.get("choices"), it.get("range"))
    return t


def _conv(table, key, raw, where):
    if key not in table:
        raise DlvcError(f"{where}unknown key {key}")
    typ = table[key][0]
    try:
        if typ is float:
            from fractions import Fraction
            v = float(Fraction(str(raw).strip()))
        else:
            v = typ(str(raw).strip())
    except ValueError:
        raise DlvcError(f"{where}{key}={raw!r} is not a {typ.__name__}") from None
    spec = table[key]
    if len(spec) > 2 and spec[2] and v not in spec[2]:
        raise DlvcError(f"{where}{key}={v} is not supported (choices: {', '.join(map(str, spec[2]))})")
    if len(spec) > 3 and spec[3]:
        lo, hi = spec[3]
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise DlvcError(f"{where}{key}={v} is out of range {lo}..{hi}")
    return v


def parse(argv, items):
    table = _table(items)
    vals = {k: spec[1] for k, spec in table.items()}
    cfgs, cli = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-c":
            cfgs.append(argv[i + 1])
            i += 2
        elif a.startswith("--"):
            if "=" in a:
                k, v = a[2:].split("=", 1)
                i += 1
            else:
                k, v = a[2:], argv[i + 1]
                i += 2
            cli.append((k, v))
        elif a.startswith("-") and a[1:] in SHORT and i + 1 < len(argv):
            cli.append((SHORT[a[1:]], argv[i + 1]))
            i += 2
        else:
            raise DlvcError(f"unexpected argument {a!r}")
    for path in cfgs:
        with open(path) as fh:
            for n, line in enumerate(fh, 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                if ":" not in line:
                    raise DlvcError(f"{path}:{n}: expected 'Key : value'")
                k, v = (s.strip() for s in line.split(":", 1))
                vals[k] = _conv(table, k, v, f"{path}:{n}: ")
    for k, v in cli:
        vals[k] = _conv(table, k, v, "command line: ")
    return vals


def enc_main(argv):
    from .codec import encode_sequence
    cfg = parse(argv, ENCODER_ITEMS)
    encode_sequence(cfg)
    return 0


def dec_main(argv):
    from .codec import decode_stream
    cfg = parse(argv, DECODER_ITEMS)
    if not cfg["BitstreamFile"]:
        raise DlvcError("no input bitstream: give -b FILE (BitstreamFile)")
    s = decode_stream(cfg["BitstreamFile"], cfg["ReconFile"] or None, cfg)
    if cfg.get("Verbose"):
        print(f"decoded {s['frames']} frames ({s['codec']} rate point {s['rate_point']}) "
              f"in {s['decode_s']:.3f} s [{s['decode_fps']:.2f} fps]")
    return 0


def main(argv=None):
    from dlvc.cli.common import run_main
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("enc", "dec"):
        print("usage: python -m dlvc.learned.cli enc|dec [HM-style options]", file=sys.stderr)
        raise SystemExit(2)
    fn = enc_main if argv[0] == "enc" else dec_main
    run_main(fn, argv[1:], f"dlvc-learned-{argv[0]}")


if __name__ == "__main__":
    main()
