"""dlvc's options: ONE table drives parsing, validation, defaults, ``--help``,
HM cfg compatibility and the README's key list (DESIGN.md, Principle 8).

Command line (HM's conventions, so HM cfg files and command lines work as is)::

    dlvc-enc -c cfg/intra.cfg [-c more.cfg ...] -i in.yuv -wdt 176 -hgt 144 -fr 30 \\
             -q 32 --SAO=0 --RDOQ 1 -b out.bin -o rec.yuv

* cfg files hold ``Key : value   # comment`` lines; several ``-c FILE`` are
  applied in the order given, and every ``--Key=value`` / ``--Key value`` /
  short flag (``-q 32``) on the command line overrides all cfg files, wherever
  it stands on the line.
* Keys are HM's spellings (``QP``, ``SourceWidth``).  A key HM knows but dlvc does
  not implement is accepted and ignored; all such keys are listed once, in one
  warning line on stderr.  A key unknown to both is a DlvcError that names the
  closest known key.

Adding an option is one line in ``ENCODER_OPTIONS`` (or ``DECODER_OPTIONS``);
cross-key rules are small functions in ``_ENCODER_CHECKS``.  After changing the
table run ``python -m dlvc.config --update-readme`` (a test checks the README).

API: ``parse_args(argv, prog) -> Config``, ``load_cfg_files(paths)``,
``format_help()``, ``option_table_markdown()``, ``make_config(**values)``.
"""
import difflib
import math
import os
import re
import sys
import textwrap
from dataclasses import dataclass
from fractions import Fraction

from dlvc.errors import DlvcError
from dlvc.learned.options import DECODER_ITEMS as LEARNED_DECODER_ITEMS
from dlvc.learned.options import ENCODER_ITEMS as LEARNED_ENCODER_ITEMS
from dlvc.tools.options import DECODER_ITEMS as TOOLS_DECODER_ITEMS
from dlvc.tools.options import ENCODER_ITEMS as TOOLS_ENCODER_ITEMS

__all__ = [
    "Option", "OptionTable", "Config", "ENCODER", "DECODER", "ENCODER_OPTIONS",
    "DECODER_OPTIONS", "HM_ENCODER_KEYS", "HM_DECODER_KEYS", "parse_args",
    "load_cfg_files", "make_config", "format_help", "option_table_markdown",
    "update_readme", "README_BEGIN", "README_END",
]


# ---------------------------------------------------------------------------------------------
# The option record
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    """One option.  ``name`` is HM's key spelling; ``short`` HM's short flag, without '-'.

    type: int, float, bool or str.  range: (lo, hi) inclusive, either None for unbounded.
    choices: the values dlvc accepts (checked after range).  aliases: other HM keys that set
    this option (e.g. MaxCUWidth for CTUSize).  implemented: False for an option dlvc parses
    and checks but does not act on yet (setting it gives the not-implemented warning).
    """
    name: str
    type: type
    default: object
    help: str
    short: str = None
    range: tuple = None
    choices: tuple = None
    aliases: tuple = ()
    implemented: bool = True
    group: str = ""


def _table(*items):
    """A group heading (str) followed by its options; returns the options with group set."""
    group, out = "", []
    for it in items:
        if isinstance(it, str):
            group = it
        else:
            out.append(Option(**{**it.__dict__, "group": group}))
    return tuple(out)


O = Option

# ---------------------------------------------------------------------------------------------
# THE encoder option table.  Defaults are HM 16.25's unless the help says otherwise.
# ---------------------------------------------------------------------------------------------
ENCODER_OPTIONS = _table(
    "File I/O",
    O("InputFile", str, "", "input video: 8-bit 4:2:0 .yuv (needs SourceWidth, SourceHeight, FrameRate) or .y4m", short="i"),
    O("BitstreamFile", str, "", "output HEVC bitstream (Annex B)", short="b"),
    O("ReconFile", str, "", "reconstructed video, 8-bit 4:2:0 .yuv (empty: not written)", short="o"),
    O("StatsFile", str, "", "dlvc: JSON file with the run's statistics (bits, PSNR, times per frame; empty: none)"),
    "Source",
    O("SourceWidth", int, 0, "picture width in luma samples (taken from the header of a .y4m)", short="wdt", range=(0, 16888)),
    O("SourceHeight", int, 0, "picture height in luma samples (taken from the header of a .y4m)", short="hgt", range=(0, 16888)),
    O("FrameRate", float, 0.0, "frame rate in Hz, e.g. 30 or 30000/1001 (taken from the header of a .y4m)", short="fr", range=(0, 1000)),
    O("FrameSkip", int, 0, "number of frames to skip at the start of the input", short="fs", range=(0, None)),
    O("FramesToBeEncoded", int, 0, "number of frames to encode (0: all)", short="f", range=(0, None)),
    O("InputBitDepth", int, 8, "bit depth of the input file", choices=(8,)),
    O("InternalBitDepth", int, 8, "bit depth the codec operates at (dlvc: Main profile)", choices=(8,)),
    O("InputChromaFormat", int, 420, "chroma format of the input file", choices=(420,)),
    O("ConformanceWindowMode", int, 0, "0: no window, 1: pad to a multiple of the minimum CU size and signal a conformance window", choices=(0, 1)),
    "Profile",
    O("Profile", str, "main", "profile written to the stream (dlvc: main; HM's default is none)", choices=("none", "main")),
    O("Level", str, "none", "level limit written to the stream, e.g. 4.1 (none: not set)", choices=("none", "1", "2", "2.1", "3", "3.1", "4", "4.1", "5", "5.1", "5.2", "6", "6.1", "6.2", "8.5")),
    O("Tier", str, "main", "tier for the interpretation of Level", choices=("main", "high")),
    "Unit definition",
    O("CTUSize", int, 64, "CTU size in luma samples (HM: MaxCUWidth, MaxCUHeight, MaxCUSize)", short="s", choices=(64,), aliases=("MaxCUWidth", "MaxCUHeight", "MaxCUSize")),
    O("MaxPartitionDepth", int, 4, "CU quadtree depth: minimum CU size is CTUSize >> (MaxPartitionDepth - 1)", choices=(4,)),
    O("QuadtreeTULog2MaxSize", int, 5, "log2 of the maximum transform size (HM's default is 6, which HM then rejects)", choices=(5,)),
    O("QuadtreeTULog2MinSize", int, 2, "log2 of the minimum transform size", choices=(2,)),
    O("QuadtreeTUMaxDepthIntra", int, 1, "depth of the TU tree in intra CUs", range=(1, 4)),
    O("QuadtreeTUMaxDepthInter", int, 2, "depth of the TU tree in inter CUs", range=(1, 4)),
    "Coding structure",
    O("IntraPeriod", int, -1, "intra period in frames (-1: only the first frame)", short="ip", range=(-1, None)),
    O("DecodingRefreshType", int, 0, "random access pictures: 0 none, 1 CRA, 2 IDR", short="dr", choices=(0, 1, 2)),
    O("GOPSize", int, 1, "GOP size of the temporal structure", short="g", range=(1, 64)),
    *(O(f"Frame{i}", str, "", "GOP entry 1, as HM reads it: Type POC QPoffset QPOffsetModelOff QPOffsetModelScale CbQPoffset CrQPoffset QPfactor tcOffsetDiv2 betaOffsetDiv2 temporal_id #ref_pics_active #ref_pics reference_pictures predict [deltaRPS [#ref_idcs reference_idcs]] (none: all-intra)" if i == 1 else f"GOP entry {i} (as Frame1)") for i in range(1, 17)),
    "Quantization",
    O("QP", int, 32, "quantization parameter (HM's default is 30)", short="q", range=(0, 51)),
    O("IntraQPOffset", int, 0, "QP offset of intra slices", range=(-51, 51)),
    O("CbQpOffset", int, 0, "chroma Cb QP offset (PPS)", short="cbqpofs", range=(-12, 12)),
    O("CrQpOffset", int, 0, "chroma Cr QP offset (PPS)", short="crqpofs", range=(-12, 12)),
    O("LambdaFromQpEnable", bool, False, "derive lambda from the QP including QP offsets"),
    O("RDOQ", bool, True, "rate-distortion optimised quantization"),
    O("RDOQTS", bool, True, "RDOQ for transform-skip blocks"),
    O("SignHideFlag", bool, True, "sign data hiding", short="SBH"),
    "Motion search",
    O("FastSearch", int, 1, "motion search: 1 TZ search (dlvc implements TZ only)", choices=(1,)),
    O("SearchRange", int, 96, "motion search range in integer luma samples", short="sr", range=(0, 1024)),
    O("BipredSearchRange", int, 4, "search range of the bi-prediction refinement", range=(0, 1024)),
    O("HadamardME", bool, True, "Hadamard SATD for the fractional motion search and merge estimation"),
    O("FEN", bool, False, "fast encoder decisions (sub-sampled SAD in the search, one bi-prediction iteration)"),
    O("FDM", bool, True, "fast decision for merge: no merge trial with residual once the best is a skip"),
    "Inter coding",
    O("AMP", bool, True, "asymmetric motion partitions"),
    O("AMPFast", bool, True, "dlvc: HM's AMP encoder speed-up (AMP_ENC_SPEEDUP with AMP_MRG): AMP shapes only where the best partitioning so far (and the parent CU's) points at them, some with merge only; 0 tries every AMP shape with motion search"),
    O("MaxNumMergeCand", int, 5, "maximum number of merge candidates", range=(1, 5)),
    O("TMVPMode", int, 1, "temporal motion vector prediction: 0 off, 1 on", choices=(0, 1)),
    "Coding tools",
    O("TransformSkip", bool, False, "transform skip for 4x4 blocks"),
    O("TransformSkipFast", bool, False, "transform skip tried only for the luma of NxN PUs, and for chroma only where a 4x4 luma TB of the 8x8 area uses it (HM)"),
    O("StrongIntraSmoothing", bool, True, "strong intra smoothing of 32x32 reference samples", short="sis"),
    O("FastUDIUseMPMEnabled", bool, True, "fast intra mode search that accounts for the most probable modes"),
    "Loop filters",
    O("LoopFilterDisable", bool, False, "disable the deblocking filter"),
    O("LoopFilterOffsetInPPS", bool, True, "deblocking offsets in the PPS (1) or in each slice header (0)"),
    O("LoopFilterBetaOffset_div2", int, 0, "deblocking beta offset / 2", range=(-6, 6)),
    O("LoopFilterTcOffset_div2", int, 0, "deblocking tc offset / 2", range=(-6, 6)),
    O("SAO", bool, True, "sample adaptive offset"),
    O("SAOLcuBoundary", bool, False, "SAO statistics of CTU boundary samples from the non-deblocked picture (HM)"),
    "SEI",
    O("SEIDecodedPictureHash", int, 0, "decoded picture hash SEI: 0 off (HM's default, as in its anchors), 1 MD5", choices=(0, 1)),
    "dlvc",
    O("Verbose", int, 1, "0: errors and warnings only, 1: one line per frame and a summary, 2: debug", range=(0, 2)),
    O("Threads", int, 0, "dlvc: all-intra pictures coded in parallel, or CTU rows of a picture decided in parallel (wavefront) in GOP structures; the stream does not depend on it (0: one per CPU core)", range=(0, 256)),
    *[i if isinstance(i, str) else O(**i) for i in TOOLS_ENCODER_ITEMS],
    *[i if isinstance(i, str) else O(**i) for i in LEARNED_ENCODER_ITEMS],
)

DECODER_OPTIONS = _table(
    "File I/O",
    O("BitstreamFile", str, "", "input HEVC bitstream (Annex B)", short="b"),
    O("ReconFile", str, "", "decoded video, 8-bit 4:2:0 .yuv (empty: not written)", short="o"),
    O("StatsFile", str, "", "dlvc: JSON file with the run's statistics (empty: none)"),
    O("OutputBitDepth", int, 0, "bit depth of the output file (0: the stream's)", short="d", choices=(0, 8)),
    "SEI",
    O("SEIDecodedPictureHash", int, 1, "check decoded picture hash SEI: 0 ignore, 1 check (a mismatch is an error)", choices=(0, 1)),
    "dlvc",
    O("Verbose", int, 1, "0: errors and warnings only, 1: one line per frame and a summary, 2: debug", range=(0, 2)),
    *[i if isinstance(i, str) else O(**i) for i in TOOLS_DECODER_ITEMS],
    *[i if isinstance(i, str) else O(**i) for i in LEARNED_DECODER_ITEMS],
)

del O


# ---------------------------------------------------------------------------------------------
# Cross-key checks: each returns an error message (str) or None.
# ---------------------------------------------------------------------------------------------

def _is_y4m(path):
    return str(path).lower().endswith(".y4m")


def _check_source(c):
    y4m = _is_y4m(c.InputFile)
    for key in ("SourceWidth", "SourceHeight"):
        v = c[key]
        if v == 0 and not y4m:
            return f"{key} must be given for a .yuv input (-{'wdt' if key == 'SourceWidth' else 'hgt'})"
        if v % 2:
            return f"{key}={v} is odd: 4:2:0 video needs an even {key}"
        if v % 8 and c.ConformanceWindowMode == 0:
            return (f"{key}={v} is not a multiple of the minimum CU size 8: "
                    f"use ConformanceWindowMode=1 (pad and crop)")
    if c.FrameRate <= 0 and not y4m:
        return "FrameRate must be given for a .yuv input (-fr)"
    return None


def _check_structure(c):
    p, g = c.IntraPeriod, c.GOPSize
    if p == 0:
        return "IntraPeriod=0 is invalid: use -1 (only the first frame) or a period >= 1"
    if p > 0 and p < g:
        return f"IntraPeriod={p} must not be smaller than GOPSize={g}"
    if p > 0 and p % g:
        return f"IntraPeriod={p} must be a multiple of GOPSize={g} (or -1)"
    if c.DecodingRefreshType == 2 and 0 < p <= g and g > 1:
        return f"IntraPeriod={p} must be larger than GOPSize={g} for periodic IDR pictures"
    return None


def _check_units(c):
    min_cu = c.CTUSize >> (c.MaxPartitionDepth - 1)
    if min_cu != 8:
        return (f"CTUSize={c.CTUSize} with MaxPartitionDepth={c.MaxPartitionDepth} gives a "
                f"minimum CU of {min_cu}: dlvc needs 8")
    if (1 << c.QuadtreeTULog2MaxSize) > c.CTUSize:
        return f"QuadtreeTULog2MaxSize={c.QuadtreeTULog2MaxSize} is larger than log2(CTUSize={c.CTUSize})"
    for key in ("QuadtreeTUMaxDepthIntra", "QuadtreeTUMaxDepthInter"):
        if c.CTUSize < (1 << (c.QuadtreeTULog2MinSize + c[key] - 1)):
            return f"{key}={c[key]} is too deep for CTUSize={c.CTUSize} and QuadtreeTULog2MinSize={c.QuadtreeTULog2MinSize}"
    return None


def _check_required_input(c):
    return None if c.InputFile else "no input file: give -i FILE (InputFile)"


def _check_required_bitstream(c):
    return None if c.BitstreamFile else "no bitstream file: give -b FILE (BitstreamFile)"


def _check_gop(c):
    from dlvc.encoder.gop import gop_config_error    # HM's checks of the GOP entries (FrameN)
    return gop_config_error(c)


_ENCODER_CHECKS = (_check_required_input, _check_source, _check_units, _check_structure, _check_gop)
_DECODER_CHECKS = (_check_required_bitstream,)


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------

class OptionTable:
    """An option table plus the HM key set it is compatible with."""

    def __init__(self, tool, options, hm_keys, hm_key_patterns, hm_short_flags, checks, usage):
        self.tool = tool
        self.options = tuple(options)
        self.by_name = {}
        self.alias_of = {}          # alias key -> option name
        self.short = {}             # short flag (no dash) -> key
        for o in self.options:
            if o.default is not None and o.type is not bool and not isinstance(o.default, o.type):
                raise TypeError(f"{o.name}: default {o.default!r} is not {o.type.__name__}")
            for k in (o.name,) + tuple(o.aliases):
                if k in self.by_name or k in self.alias_of:
                    raise ValueError(f"duplicate option key {k}")
                if k != o.name:
                    self.alias_of[k] = o.name
            self.by_name[o.name] = o
            if o.short:
                self.short[o.short] = o.name
        # HM's short flags for keys dlvc does not implement (accepted, warned about, ignored)
        for s, k in hm_short_flags.items():
            self.short.setdefault(s, k)
        self.hm_keys = frozenset(hm_keys)
        self.hm_key_patterns = tuple(re.compile(p) for p in hm_key_patterns)
        self.checks = tuple(checks)
        self.usage = usage

    def is_hm_key(self, key):
        return key in self.hm_keys or any(p.fullmatch(key) for p in self.hm_key_patterns)

    def known_keys(self):
        return sorted(set(self.by_name) | set(self.alias_of) | self.hm_keys)

    def canonical(self, key):
        """Option name for key (itself or an alias), or None for a non-table key."""
        if key in self.by_name:
            return key
        return self.alias_of.get(key)

    def closest(self, key):
        keys = self.known_keys()
        low = {k.lower(): k for k in keys}
        if key.lower() in low:
            return low[key.lower()]
        return (difflib.get_close_matches(key, keys, n=1, cutoff=0.0) or [None])[0]


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

def _parse_value(opt, text, where, key=None):
    key = key or opt.name
    s = str(text).strip()
    if opt.type is str:
        return s
    if opt.type is bool:
        low = s.lower()
        if low in ("1", "true"):
            return True
        if low in ("0", "false"):
            return False
        raise DlvcError(f"{where}{key}={s!r} is not a boolean (use 0 or 1)")
    if opt.type is int:
        try:
            return int(s, 10)
        except ValueError:
            raise DlvcError(f"{where}{key}={s!r} is not an integer") from None
    if opt.type is float:
        try:
            v = float(Fraction(s))
        except (ValueError, ZeroDivisionError):
            raise DlvcError(f"{where}{key}={s!r} is not a number") from None
        if not math.isfinite(v):
            raise DlvcError(f"{where}{key}={s!r} is not a finite number")
        return v
    raise TypeError(f"option {opt.name}: unsupported type {opt.type}")


def _coerce(opt, value, where=""):
    """Accept a Python value (or a string) for opt; return it in opt's type."""
    if isinstance(value, str) and opt.type is not str:
        return _parse_value(opt, value, where)
    if opt.type is bool:
        if value in (0, 1) and not isinstance(value, float):
            return bool(value)
        raise DlvcError(f"{where}{opt.name}={value!r} is not a boolean (use 0 or 1)")
    if opt.type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DlvcError(f"{where}{opt.name}={value!r} is not an integer")
        return int(value)
    if opt.type is float:
        if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
            raise DlvcError(f"{where}{opt.name}={value!r} is not a number")
        return float(value)
    if opt.type is str:
        return os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    raise TypeError(opt.type)


def _fmt(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _check_value(opt, value, where, key=None):
    key = key or opt.name
    if opt.range is not None:
        lo, hi = opt.range
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"{_fmt(lo) if lo is not None else ''}..{_fmt(hi) if hi is not None else ''}"
            raise DlvcError(f"{where}{key}={_fmt(value)} is out of range {rng}")
    if opt.choices is not None and value not in opt.choices:
        allowed = ", ".join(_fmt(c) for c in opt.choices)
        raise DlvcError(f"{where}{key}={_fmt(value)} is not supported (dlvc supports: {allowed})")


# ---------------------------------------------------------------------------------------------
# Config
# ---------------------------------------------------------------------------------------------

class Config:
    """The options of one run: ``cfg.QP``, ``cfg["QP"]``.

    explicit: keys (option names) set by a cfg file or the command line.
    ignored:  {HM key: raw value} for keys HM knows and dlvc does not implement.
    origin:   {option name: where it was set, e.g. 'cfg/intra.cfg:31' or 'command line'}.
    Assigning an unknown attribute is an error (catches typos); assigned values are not
    re-validated (call ``validate()``).
    """

    __slots__ = ("_table", "_values", "explicit", "ignored", "origin", "_spelled")

    def __init__(self, table, values, explicit=(), ignored=None, origin=None, spelled=None):
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_spelled", dict(spelled or {}))  # name -> alias key used
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "explicit", set(explicit))
        object.__setattr__(self, "ignored", dict(ignored or {}))
        object.__setattr__(self, "origin", dict(origin or {}))

    def __getattr__(self, key):
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"Config has no option {key!r}") from None

    def __setattr__(self, key, value):
        if key not in self._values:
            raise AttributeError(f"Config has no option {key!r}")
        self._values[key] = _coerce(self._table.by_name[key], value)

    def __getitem__(self, key):
        return self._values[key]

    def __contains__(self, key):
        return key in self._values

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other):
        return isinstance(other, Config) and self._values == other._values

    def __repr__(self):
        items = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Config({items})"

    @property
    def table(self):
        return self._table

    def as_dict(self):
        """{name: value} for every option, in table order (JSON-serialisable)."""
        return dict(self._values)

    def replace(self, **values):
        """A copy with some options changed (validated)."""
        origin = {k: v for k, v in self.origin.items() if k not in values}
        spelled = {k: v for k, v in self._spelled.items() if k not in values}
        new = Config(self._table, self._values, self.explicit | set(values), self.ignored, origin, spelled)
        for k, v in values.items():
            if k not in new._values:
                raise DlvcError(_unknown_key_message(self._table, k, ""))
            opt = self._table.by_name[k]
            v = _coerce(opt, v)
            _check_value(opt, v, "")
            new._values[k] = v
        new.validate()
        return new

    def validate(self):
        """Per-option range/choices and the table's cross-key checks; DlvcError on failure."""
        for name, v in self._values.items():
            _check_value(self._table.by_name[name], v, self._where(name), self._spelled.get(name))
        for check in self._table.checks:
            msg = check(self)
            if msg:
                raise DlvcError(msg)
        return self

    def _where(self, name):
        w = self.origin.get(name)
        return f"{w}: " if w else ""


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------

def _unknown_key_message(table, key, where):
    best = table.closest(key)
    hint = f"; did you mean '{best}'?" if best else ""
    return f"{where}unknown key '{key}'{hint}"


def _read_cfg(path, table):
    """[(key, raw value, 'file:line')] of one HM-style cfg file."""
    p = os.fspath(path)
    try:
        with open(p, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        raise DlvcError(f"cfg file {p}: no such file") from None
    except IsADirectoryError:
        raise DlvcError(f"cfg file {p}: is a directory") from None
    except OSError as e:
        raise DlvcError(f"cfg file {p}: {e.strerror or e}") from None
    out = []
    for n, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        key, sep, value = text.partition(":")
        key = key.strip()
        where = f"{p}:{n}"
        if not sep or not key or any(ch.isspace() for ch in key):
            raise DlvcError(f"{where}: expected 'Key : value', got {text[:60]!r}")
        if table.canonical(key) is None and not table.is_hm_key(key):
            raise DlvcError(_unknown_key_message(table, key, where + ": "))
        out.append((key, value.strip(), where))
    return out


def load_cfg_files(paths, table=None):
    """Read HM-style cfg files in order; later files override earlier ones.

    Returns {key: raw value string} in the order the keys were (last) set, keys spelt as in
    the files (aliases not resolved).  Raises DlvcError for a missing file, a malformed line
    or a key neither dlvc nor HM knows.  Values are checked by ``parse_args``/``validate``.
    """
    table = table or ENCODER
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    merged = {}
    for p in paths:
        for key, value, _ in _read_cfg(p, table):
            merged.pop(key, None)
            merged[key] = value
    return merged


def _split_argv(argv, table, prog):
    """-> (cfg paths, [(key, raw value, where)] command-line settings, wants_help)."""
    cfgs, sets = [], []
    args = list(argv)
    i = 0
    where = "command line"

    def value_for(flag, key):
        nonlocal i
        opt = table.by_name.get(table.canonical(key) or "")
        if i + 1 < len(args):
            nxt = args[i + 1]
            # a bool flag followed by another option (or nothing) means 1
            if opt is not None and opt.type is bool and nxt.startswith("-") and not _looks_numeric(nxt):
                return "1"
            i += 1
            return nxt
        if opt is not None and opt.type is bool:
            return "1"
        raise DlvcError(f"option {flag} needs a value")

    while i < len(args):
        a = args[i]
        if a in ("-h", "--help", "-help"):
            return cfgs, sets, True
        if a in ("-c", "--c"):
            if i + 1 >= len(args):
                raise DlvcError(f"option {a} needs a cfg file name")
            cfgs.append(args[i + 1])
            i += 2
            continue
        if a.startswith("--c="):
            cfgs.append(a[4:])
            i += 1
            continue
        if a.startswith("-") and len(a) > 1 and not _looks_numeric(a):
            body = a[2:] if a.startswith("--") else a[1:]
            name, eq, val = body.partition("=")
            if name in table.short and not (a.startswith("--") and _is_long(table, name)):
                key = table.short[name]
            elif a.startswith("--") and (_is_long(table, name)):
                key = name
            elif _is_long(table, name):
                key = name           # -QP 32: tolerated, HM-style single-dash long key
            else:
                shorts = ["-" + s for s in table.short]
                best = (difflib.get_close_matches(a, shorts, n=1, cutoff=0.6) or [None])[0]
                if a.startswith("--") or best is None:
                    raise DlvcError(_unknown_key_message(table, name, f"{where}: "))
                raise DlvcError(f"{where}: unknown option '{a}'; did you mean '{best}'?")
            if not eq:
                val = value_for(a, key)
            sets.append((key, val, where))
            i += 1
            continue
        raise DlvcError(f"unexpected argument '{a}' (options are -c FILE, --Key=value, -flag value; see {prog} --help)")
    return cfgs, sets, False


def _is_long(table, name):
    return table.canonical(name) is not None or table.is_hm_key(name)


def _looks_numeric(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def _collapse(keys):
    """['Frame1', 'Frame2', 'Frame3', 'AMP'] -> ['Frame1..Frame3', 'AMP'] for the warning line."""
    out, runs = [], {}
    for k in keys:
        m = re.fullmatch(r"([A-Za-z_]+?)(\d+)", k)
        if m and m.group(1) in ("Frame",):
            runs.setdefault(m.group(1), []).append(int(m.group(2)))
            if len(runs[m.group(1)]) == 1:
                out.append(("run", m.group(1)))
        else:
            out.append(("key", k))
    text = []
    for kind, v in out:
        if kind == "key":
            text.append(v)
        else:
            nums = sorted(runs[v])
            if nums == list(range(nums[0], nums[-1] + 1)) and len(nums) > 2:
                text.append(f"{v}{nums[0]}..{v}{nums[-1]}")
            else:
                text.extend(f"{v}{n}" for n in nums)
    return text


def _build(table, settings, prog, warn):
    """settings: [(key, raw value, where)] in order of precedence (later wins)."""
    values = {o.name: o.default for o in table.options}
    explicit, origin, ignored = set(), {}, {}
    alias_last, spelled = {}, {}
    unimplemented = []
    for key, raw, where in settings:
        name = table.canonical(key)
        if name is None:
            if not table.is_hm_key(key):
                raise DlvcError(_unknown_key_message(table, key, f"{where}: "))
            ignored.pop(key, None)
            ignored[key] = raw
            if key not in unimplemented:
                unimplemented.append(key)
            continue
        opt = table.by_name[name]
        v = _parse_value(opt, raw, f"{where}: ", key)
        values[name] = v
        explicit.add(name)
        origin[name] = where
        spelled.pop(name, None)
        if key != name:
            alias_last[key] = (v, where)
            spelled[name] = key
        if not opt.implemented and name not in unimplemented:
            unimplemented.append(name)
    # HM's MaxCUWidth/MaxCUHeight must agree: dlvc's CTUs are square.
    if "MaxCUWidth" in alias_last and "MaxCUHeight" in alias_last:
        (w, ww), (h, wh) = alias_last["MaxCUWidth"], alias_last["MaxCUHeight"]
        if w != h:
            raise DlvcError(f"MaxCUWidth={w} ({ww}) and MaxCUHeight={h} ({wh}) differ: CTUs are square")
    cfg = Config(table, values, explicit, ignored, origin, spelled)
    if warn and unimplemented:
        print(f"{prog}: warning: keys not implemented by dlvc, ignored: {', '.join(_collapse(unimplemented))}",
              file=sys.stderr)
    return cfg


def parse_args(argv=None, prog=None, table=None, validate=True, warn=True):
    """Parse a command line (cfg files, --Key=value, short flags) into a validated Config.

    ``--help`` prints ``format_help()`` to stdout and raises SystemExit(0).  User errors
    raise DlvcError with a one-line message.  With ``warn`` the keys that HM knows and dlvc
    ignores are listed once on stderr (they are also in ``cfg.ignored``).
    """
    table = table or ENCODER
    prog = prog or table.tool
    if argv is None:
        argv = sys.argv[1:]
    cfg_paths, cli_sets, wants_help = _split_argv(argv, table, prog)
    if wants_help:
        sys.stdout.write(format_help(prog, table))
        raise SystemExit(0)
    settings = []
    for p in cfg_paths:
        settings.extend(_read_cfg(p, table))
    settings.extend(cli_sets)       # the command line overrides every cfg file
    cfg = _build(table, settings, prog, warn)
    if validate:
        cfg.validate()
    return cfg


def make_config(table=None, validate=True, **values):
    """A Config from defaults plus Python values, e.g. make_config(InputFile='a.y4m', QP=27).

    Values may be Python objects or strings (parsed as on the command line).
    """
    table = table or ENCODER
    cfg = Config(table, {o.name: o.default for o in table.options})
    for k, v in values.items():
        name = table.canonical(k)
        if name is None:
            raise DlvcError(_unknown_key_message(table, k, ""))
        opt = table.by_name[name]
        v = _coerce(opt, v)
        _check_value(opt, v, "", k)
        cfg._values[name] = v
        cfg.explicit.add(name)
    if validate:
        cfg.validate()
    return cfg


# ---------------------------------------------------------------------------------------------
# Help and README, generated from the table
# ---------------------------------------------------------------------------------------------

def _allowed(o):
    if o.choices is not None:
        return ", ".join(_fmt(c) for c in o.choices)
    if o.type is bool:
        return "0, 1"
    if o.range is not None:
        lo, hi = o.range
        return f"{_fmt(lo) if lo is not None else ''}..{_fmt(hi) if hi is not None else ''}"
    return ""


def _default_text(o):
    if o.type is str and o.default == "":
        return "(none)"
    return _fmt(o.default)


def format_help(prog=None, table=None):
    table = table or ENCODER
    prog = prog or table.tool
    lines = [table.usage.format(prog=prog), ""]
    lines += [
        "Options are HM's cfg keys.  -c FILE reads an HM-style cfg file ('Key : value  # comment');",
        "several -c are applied in order, and --Key=value, --Key value or a short flag on the command",
        "line overrides them all.  Keys that HM knows but dlvc does not implement are accepted and",
        "ignored with one warning.",
        "",
        "  -h, --help                       this help (HM's -h, MaxPartitionDepth, is --MaxPartitionDepth)",
        "  -c FILE                          cfg file (repeatable)",
    ]
    group = None
    for o in table.options:
        if o.group != group:
            group = o.group
            lines += ["", f"{group}:"]
        flag = f"-{o.short}, " if o.short else ""
        head = f"  {flag}--{o.name}"
        meta = {int: "INT", float: "NUM", bool: "0|1", str: "STR"}[o.type]
        head += f"={meta}"
        extra = []
        allowed = _allowed(o)
        if allowed and o.type is not bool:
            extra.append(f"allowed: {allowed}")
        extra.append(f"default: {_default_text(o)}")
        if o.aliases:
            extra.append("HM: " + ", ".join(o.aliases))
        if not o.implemented:
            extra.append("not implemented yet")
        text = f"{o.help} [{'; '.join(extra)}]"
        body = textwrap.wrap(text, width=max(40, 100 - 35))
        if len(head) < 34:
            lines.append(f"{head:<34} {body[0]}")
        else:
            lines += [head, f"{'':<34} {body[0]}"]
        lines += [f"{'':<34} {t}" for t in body[1:]]
    return "\n".join(lines) + "\n"


README_BEGIN = "<!-- BEGIN cfg-keys (generated by `python -m dlvc.config --update-readme`; do not edit) -->"
README_END = "<!-- END cfg-keys -->"


def _md(s):
    return str(s).replace("|", "\\|")


def option_table_markdown(table=None):
    """The README's key list: one Markdown table per option group."""
    table = table or ENCODER
    out = []
    group = None
    for o in table.options:
        if o.group != group:
            group = o.group
            if out:
                out.append("")
            out += [f"**{group}**", "", "| key | flag | default | allowed | meaning |", "|---|---|---|---|---|"]
        key = f"`{o.name}`" + ("".join(f"<br>`{a}`" for a in o.aliases))
        flag = f"`-{o.short}`" if o.short else ""
        allowed = _allowed(o)
        meaning = o.help + ("" if o.implemented else " (not implemented yet)")
        out.append(f"| {key} | {flag} | {_md(_default_text(o))} | {_md(allowed)} | {_md(meaning)} |")
    return "\n".join(out) + "\n"


def readme_section(table=None):
    return f"{README_BEGIN}\n{option_table_markdown(table)}{README_END}"


def update_readme(path, table=None, check=False):
    """Rewrite the generated key table between the README markers; True if it changed.

    With ``check`` nothing is written.  DlvcError if the markers are missing.
    """
    with open(path, encoding="utf-8") as f:
        text = f.read()
    b, e = text.find(README_BEGIN), text.find(README_END)
    if b < 0 or e < b:
        raise DlvcError(f"{path}: the cfg-key markers are missing")
    new = text[:b] + readme_section(table) + text[e + len(README_END):]
    if new != text and not check:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
    return new != text


# ---------------------------------------------------------------------------------------------
# HM 16.25's option names (names only), from TAppEncCfg.cpp / TAppDecCfg.cpp
# (xoorongrong/hm_16.25 @ ea9a2e53).  Keys in this list that the table above lacks are
# accepted and ignored.  Frame1..Frame64 (GOP entries, MAX_GOP = 64; dlvc's table has
# Frame1..Frame16) are appended to the key list and, like TemporalFilterStrengthFrame<N>,
# also matched by a pattern.
# ---------------------------------------------------------------------------------------------

HM_ENCODER_KEY_PATTERNS = (r"Frame([1-9]|[1-5][0-9]|6[0-4])", r"TemporalFilterStrengthFrame[0-9]+")

# HM's short flags (without the leading dash) of keys dlvc does not implement.  'h'
# (MaxPartitionDepth in HM) is left out: dlvc's -h is --help.
HM_ENCODER_SHORT_FLAGS = {
    "w": "WarnUnknowParameter", "ipp": "InputPathPrefix", "sii": "SEIShutterIntervalPreFilename",
    "xPS": "xPSNREnableFlag", "xPS0": "xPSNRYWeight", "xPS1": "xPSNRCbWeight", "xPS2": "xPSNRCrWeight",
    "cf": "ChromaFormatIDC", "pdx": "HorizontalPadding", "pdy": "VerticalPadding",
    "ts": "TemporalSubsampleRatio", "Tff": "TopFieldFirst", "sr": "SearchRange",
    "LM0": "LambdaModifier0", "LM1": "LambdaModifier1", "LM2": "LambdaModifier2",
    "LM3": "LambdaModifier3", "LM4": "LambdaModifier4", "LM5": "LambdaModifier5",
    "LM6": "LambdaModifier6", "LMI": "LambdaModifierI", "IQF": "IQPFactor",
    "qpif": "QPIncrementFrame", "dqr": "DeltaQpRD", "d": "MaxDeltaQP", "dqd": "MaxCuDQPDepth",
    "aqps": "AdaptiveQpSelection", "aq": "AdaptiveQP", "aqr": "MaxQPAdaptationRange",
    "m": "dQPFile", "wpP": "WeightedPredP", "wpB": "WeightedPredB", "wpM": "WeightedPredMethod",
    "vui": "VuiParametersPresent", "cri": "SEIColourRemappingInfoFileRoot",
    "rns": "SEIRegionalNestingFileRoot", "ar": "SEIAnnotatedRegionsFileRoot",
}

HM_DECODER_KEYS = (
    "BitstreamFile", "ReconFile", "WarnUnknowParameter", "SkipFrames", "OutputBitDepth",
    "OutputBitDepthC", "OutputColourSpaceConvert", "MaxTemporalLayer", "SEIDecodedPictureHash",
    "SEINoDisplay", "TarDecLayerIdSetFile", "RespectDefDispWindow", "SEIColourRemappingInfoFilename",
    "SEIFGSFilename", "SEIShutterIntervalPostFilename", "SEIAnnotatedRegionsInfoFilename",
    "ForceDecodeBitDepth", "OutputDecodedSEIMessagesFilename", "ClipOutputVideoToRec709Range",
    "TMCTSCheck",
)

HM_DECODER_SHORT_FLAGS = {"s": "SkipFrames", "t": "MaxTemporalLayer", "l": "TarDecLayerIdSetFile"}

HM_ENCODER_KEYS = (
    "WarnUnknowParameter", "InputFile", "InputPathPrefix", "BitstreamFile", "ReconFile",
    "SEIShutterIntervalPreFilename", "SourceWidth", "SourceHeight", "InputBitDepth",
    "OutputBitDepth", "MSBExtendedBitDepth", "InternalBitDepth", "InputBitDepthC",
    "OutputBitDepthC", "MSBExtendedBitDepthC", "InternalBitDepthC", "ExtendedPrecision",
    "HighPrecisionPredictionWeighting", "InputColourSpaceConvert", "SNRInternalColourSpace",
    "OutputInternalColourSpace", "InputChromaFormat", "MSEBasedSequencePSNR", "PrintHexPSNR",
    "PrintFrameMSE", "PrintSequenceMSE", "PrintMSSSIM", "xPSNREnableFlag", "xPSNRYWeight",
    "xPSNRCbWeight", "xPSNRCrWeight", "CabacZeroWordPaddingEnabled", "ChromaFormatIDC",
    "ConformanceWindowMode", "HorizontalPadding", "VerticalPadding", "ConfWinLeft",
    "ConfWinRight", "ConfWinTop", "ConfWinBottom", "AccessUnitDelimiter", "FrameRate",
    "FrameSkip", "TemporalSubsampleRatio", "FramesToBeEncoded", "ClipInputVideoToRec709Range",
    "ClipOutputVideoToRec709Range", "SummaryOutFilename", "SummaryPicFilenameBase",
    "SummaryVerboseness", "FieldCoding", "TopFieldFirst", "EfficientFieldIRAPEnabled",
    "HarmonizeGopFirstFieldCoupleEnabled", "Profile", "Level", "Tier", "MaxBitDepthConstraint",
    "MaxChromaFormatConstraint", "IntraConstraintFlag", "OnePictureOnlyConstraintFlag",
    "LowerBitRateConstraintFlag", "ProgressiveSource", "InterlacedSource", "NonPackedSource",
    "FrameOnly", "MaxCUWidth", "MaxCUHeight", "MaxCUSize", "MaxPartitionDepth",
    "QuadtreeTULog2MaxSize", "QuadtreeTULog2MinSize", "QuadtreeTUMaxDepthIntra",
    "QuadtreeTUMaxDepthInter", "IntraPeriod", "DecodingRefreshType", "GOPSize",
    "ReWriteParamSetsFlag", "DisableIntraInInter", "FastSearch", "SearchRange",
    "BipredSearchRange", "MinSearchWindow", "RestrictMESampling", "ClipForBiPredMEEnabled",
    "FastMEAssumingSmootherMVEnabled", "HadamardME", "ASR", "LambdaModifier0",
    "LambdaModifier1", "LambdaModifier2", "LambdaModifier3", "LambdaModifier4",
    "LambdaModifier5", "LambdaModifier6", "LambdaModifierI", "IQPFactor", "QP",
    "QPIncrementFrame", "IntraQPOffset", "LambdaFromQpEnable", "DeltaQpRD", "MaxDeltaQP",
    "MaxCuDQPDepth", "MaxCUChromaQpAdjustmentDepth", "FastDeltaQP", "LumaLevelToDeltaQPMode",
    "LumaLevelToDeltaQPMaxValWeight", "LumaLevelToDeltaQPMappingLuma",
    "LumaLevelToDeltaQPMappingDQP", "CbQpOffset", "CrQpOffset", "WCGPPSEnable",
    "WCGPPSCbQpScale", "WCGPPSCrQpScale", "WCGPPSChromaQpScale", "WCGPPSChromaQpOffset",
    "SliceChromaQPOffsetPeriodicity", "SliceCbQpOffsetIntraOrPeriodic",
    "SliceCrQpOffsetIntraOrPeriodic", "AdaptiveQpSelection", "SmoothQPReductionEnable",
    "SmoothQPReductionThreshold", "SmoothQPReductionModelScale", "SmoothQPReductionModelOffset",
    "SmoothQPReductionLimit", "SmoothQPReductionPeriodicity", "AdaptiveQP",
    "MaxQPAdaptationRange", "dQPFile", "RDOQ", "RDOQTS", "SelectiveRDOQ", "RDpenalty",
    "LoopFilterDisable", "LoopFilterOffsetInPPS", "LoopFilterBetaOffset_div2",
    "LoopFilterTcOffset_div2", "DeblockingFilterMetric", "AMP", "CrossComponentPrediction",
    "ReconBasedCrossCPredictionEstimate", "SaoLumaOffsetBitShift", "SaoChromaOffsetBitShift",
    "TransformSkip", "TransformSkipFast", "TransformSkipLog2MaxSize", "ImplicitResidualDPCM",
    "ExplicitResidualDPCM", "ResidualRotation", "SingleSignificanceMapContext",
    "GolombRiceParameterAdaptation", "AlignCABACBeforeBypass", "SAO",
    "TestSAODisableAtPictureLevel", "SaoEncodingRate", "SaoEncodingRateChroma",
    "MaxNumOffsetsPerPic", "SAOLcuBoundary", "ResetEncoderStateAfterIRAP", "SliceMode",
    "SliceArgument", "SliceSegmentMode", "SliceSegmentArgument", "LFCrossSliceBoundaryFlag",
    "ConstrainedIntraPred", "FastUDIUseMPMEnabled", "FastMEForGenBLowDelayEnabled",
    "UseBLambdaForNonKeyLowDelayPictures", "PCMEnabledFlag", "PCMLog2MaxSize", "PCMLog2MinSize",
    "PCMInputBitDepthFlag", "PCMFilterDisableFlag", "IntraReferenceSmoothing", "WeightedPredP",
    "WeightedPredB", "WeightedPredMethod", "Log2ParallelMergeLevel", "UniformSpacingIdc",
    "ColumnWidthArray", "RowHeightArray", "TileUniformSpacing", "NumTileColumnsMinus1",
    "NumTileRowsMinus1", "TileColumnWidthArray", "TileRowHeightArray",
    "LFCrossTileBoundaryFlag", "WaveFrontSynchro", "ScalingList", "ScalingListFile",
    "SignHideFlag", "MaxNumMergeCand", "SEIDecodedPictureHash", "TMVPMode", "FEN", "ECU", "FDM",
    "CFM", "ESD", "RateControl", "TargetBitrate", "KeepHierarchicalBit", "LCULevelRateControl",
    "RCLCUSeparateModel", "InitialQP", "RCForceIntraQP", "RCCpbSaturation", "RCCpbSize",
    "RCInitialCpbFullness", "TransquantBypassEnable", "TransquantBypassEnableFlag",
    "CUTransquantBypassFlagForce", "CostMode", "RecalculateQPAccordingToLambda",
    "StrongIntraSmoothing", "SEIActiveParameterSets", "VuiParametersPresent",
    "AspectRatioInfoPresent", "AspectRatioIdc", "SarWidth", "SarHeight", "OverscanInfoPresent",
    "OverscanAppropriate", "VideoSignalTypePresent", "VideoFormat", "VideoFullRange",
    "ColourDescriptionPresent", "ColourPrimaries", "TransferCharacteristics",
    "MatrixCoefficients", "ChromaLocInfoPresent", "ChromaSampleLocTypeTopField",
    "ChromaSampleLocTypeBottomField", "NeutralChromaIndication", "DefaultDisplayWindowFlag",
    "DefDispWinLeftOffset", "DefDispWinRightOffset", "DefDispWinTopOffset",
    "DefDispWinBottomOffset", "FrameFieldInfoPresentFlag", "PocProportionalToTimingFlag",
    "NumTicksPocDiffOneMinus1", "BitstreamRestriction", "TilesFixedStructure",
    "MotionVectorsOverPicBoundaries", "MaxBytesPerPicDenom", "MaxBitsPerMinCuDenom",
    "Log2MaxMvLengthHorizontal", "Log2MaxMvLengthVertical", "SEIColourRemappingInfoFileRoot",
    "SEIRecoveryPoint", "SEIBufferingPeriod", "SEIPictureTiming", "SEIToneMappingInfo",
    "SEIToneMapId", "SEIToneMapCancelFlag", "SEIToneMapPersistenceFlag",
    "SEIToneMapCodedDataBitDepth", "SEIToneMapTargetBitDepth", "SEIToneMapModelId",
    "SEIToneMapMinValue", "SEIToneMapMaxValue", "SEIToneMapSigmoidMidpoint",
    "SEIToneMapSigmoidWidth", "SEIToneMapStartOfCodedInterval", "SEIToneMapNumPivots",
    "SEIToneMapCodedPivotValue", "SEIToneMapTargetPivotValue", "SEIToneMapCameraIsoSpeedIdc",
    "SEIToneMapCameraIsoSpeedValue", "SEIToneMapExposureIndexIdc",
    "SEIToneMapExposureIndexValue", "SEIToneMapExposureCompensationValueSignFlag",
    "SEIToneMapExposureCompensationValueNumerator",
    "SEIToneMapExposureCompensationValueDenomIdc", "SEIToneMapRefScreenLuminanceWhite",
    "SEIToneMapExtendedRangeWhiteLevel", "SEIToneMapNominalBlackLevelLumaCodeValue",
    "SEIToneMapNominalWhiteLevelLumaCodeValue", "SEIToneMapExtendedWhiteLevelLumaCodeValue",
    "SEIChromaResamplingFilterHint", "SEIChromaResamplingHorizontalFilterType",
    "SEIChromaResamplingVerticalFilterType", "SEIFramePacking", "SEIFramePackingType",
    "SEIFramePackingId", "SEIFramePackingQuincunx", "SEIFramePackingInterpretation",
    "SEISegmentedRectFramePacking", "SEISegmentedRectFramePackingCancel",
    "SEISegmentedRectFramePackingType", "SEISegmentedRectFramePackingPersistence",
    "SEIDisplayOrientation", "SEITemporalLevel0Index", "SEIGradualDecodingRefreshInfo",
    "SEINoDisplay", "SEIDecodingUnitInfo", "SEISOPDescription", "SEIScalableNesting",
    "SEITempMotionConstrainedTileSets", "SEITMCTSTileConstraint", "SEITMCTSExtractionInfo",
    "SEITimeCodeEnabled", "SEITimeCodeNumClockTs", "SEITimeCodeTimeStampFlag",
    "SEITimeCodeFieldBasedFlag", "SEITimeCodeCountingType", "SEITimeCodeFullTsFlag",
    "SEITimeCodeDiscontinuityFlag", "SEITimeCodeCntDroppedFlag", "SEITimeCodeNumFrames",
    "SEITimeCodeSecondsValue", "SEITimeCodeMinutesValue", "SEITimeCodeHoursValue",
    "SEITimeCodeSecondsFlag", "SEITimeCodeMinutesFlag", "SEITimeCodeHoursFlag",
    "SEITimeCodeOffsetLength", "SEITimeCodeTimeOffset", "SEIKneeFunctionInfo",
    "SEIKneeFunctionId", "SEIKneeFunctionCancelFlag", "SEIKneeFunctionPersistenceFlag",
    "SEIKneeFunctionInputDrange", "SEIKneeFunctionInputDispLuminance",
    "SEIKneeFunctionOutputDrange", "SEIKneeFunctionOutputDispLuminance",
    "SEIKneeFunctionNumKneePointsMinus1", "SEIKneeFunctionInputKneePointValue",
    "SEIKneeFunctionOutputKneePointValue", "SEIMasteringDisplayColourVolume",
    "SEIMasteringDisplayMaxLuminance", "SEIMasteringDisplayMinLuminance",
    "SEIMasteringDisplayPrimaries", "SEIMasteringDisplayWhitePoint",
    "SEIPreferredTransferCharacteristics", "SEIGreenMetadataType", "SEIXSDMetricType",
    "SEICCVEnabled", "SEICCVCancelFlag", "SEICCVPersistenceFlag", "SEICCVPrimariesPresent",
    "m_ccvSEIPrimariesX0", "m_ccvSEIPrimariesY0", "m_ccvSEIPrimariesX1", "m_ccvSEIPrimariesY1",
    "m_ccvSEIPrimariesX2", "m_ccvSEIPrimariesY2", "SEICCVMinLuminanceValuePresent",
    "SEICCVMinLuminanceValue", "SEICCVMaxLuminanceValuePresent", "SEICCVMaxLuminanceValue",
    "SEICCVAvgLuminanceValuePresent", "SEICCVAvgLuminanceValue", "SEIShutterIntervalEnabled",
    "SEISiiTimeScale", "SEISiiInputNumUnitsInShutterInterval", "SEIFGCEnabled",
    "SEIFGCCancelFlag", "SEIFGCPersistenceFlag", "SEIFGCModelID",
    "SEIFGCSepColourDescPresentFlag", "SEIFGCBlendingModeID", "SEIFGCLog2ScaleFactor",
    "SEIFGCCompModelPresentComp0", "SEIFGCCompModelPresentComp1", "SEIFGCCompModelPresentComp2",
    "SEIFGCNumIntensityIntervalMinus1Comp0", "SEIFGCNumIntensityIntervalMinus1Comp1",
    "SEIFGCNumIntensityIntervalMinus1Comp2", "SEIFGCNumModelValuesMinus1Comp0",
    "SEIFGCNumModelValuesMinus1Comp1", "SEIFGCNumModelValuesMinus1Comp2",
    "SEIFGCIntensityIntervalLowerBoundComp0", "SEIFGCIntensityIntervalLowerBoundComp1",
    "SEIFGCIntensityIntervalLowerBoundComp2", "SEIFGCIntensityIntervalUpperBoundComp0",
    "SEIFGCIntensityIntervalUpperBoundComp1", "SEIFGCIntensityIntervalUpperBoundComp2",
    "SEIFGCCompModelValuesComp0", "SEIFGCCompModelValuesComp1", "SEIFGCCompModelValuesComp2",
    "SEICLLEnabled", "SEICLLMaxContentLightLevel", "SEICLLMaxPicAvgLightLevel", "SEIAVEEnabled",
    "SEIAVEAmbientIlluminance", "SEIAVEAmbientLightX", "SEIAVEAmbientLightY", "SEIErpEnabled",
    "SEIErpCancelFlag", "SEIErpPersistenceFlag", "SEIErpGuardBandFlag", "SEIErpGuardBandType",
    "SEIErpLeftGuardBandWidth", "SEIErpRightGuardBandWidth", "SEISphereRotationEnabled",
    "SEISphereRotationCancelFlag", "SEISphereRotationPersistenceFlag", "SEISphereRotationYaw",
    "SEISphereRotationPitch", "SEISphereRotationRoll", "SEIOmniViewportEnabled",
    "SEIOmniViewportId", "SEIOmniViewportCancelFlag", "SEIOmniViewportPersistenceFlag",
    "SEIOmniViewportCntMinus1", "SEIOmniViewportAzimuthCentre",
    "SEIOmniViewportElevationCentre", "SEIOmniViewportTiltCentre", "SEIOmniViewportHorRange",
    "SEIOmniViewportVerRange", "SEICmpEnabled", "SEICmpCancelFlag", "SEICmpPersistenceFlag",
    "SEIRwpEnabled", "SEIRwpCancelFlag", "SEIRwpPersistenceFlag",
    "SEIRwpConstituentPictureMatchingFlag", "SEIRwpNumPackedRegions", "SEIRwpProjPictureWidth",
    "SEIRwpProjPictureHeight", "SEIRwpPackedPictureWidth", "SEIRwpPackedPictureHeight",
    "SEIRwpTransformType", "SEIRwpGuardBandFlag", "SEIRwpProjRegionWidth",
    "SEIRwpProjRegionHeight", "SEIRwpProjRegionTop", "SEIRwpProjRegionLeft",
    "SEIRwpPackedRegionWidth", "SEIRwpPackedRegionHeight", "SEIRwpPackedRegionTop",
    "SEIRwpPackedRegionLeft", "SEIRwpLeftGuardBandWidth", "SEIRwpRightGuardBandWidth",
    "SEIRwpTopGuardBandHeight", "SEIRwpBottomGuardBandHeight",
    "SEIRwpGuardBandNotUsedForPredFlag", "SEIRwpGuardBandType", "SEIFviEnabled",
    "SEIFviCancelFlag", "SEIFviPersistenceFlag", "SEIFviViewDimensionIdc",
    "SEIFviNumActiveAreasMinus1", "SEIFviCircularRegionCentreX", "SEIFviCircularRegionCentreY",
    "SEIFviRectRegionTop", "SEIFviRectRegionLeft", "SEIFviRectRegionWidth",
    "SEIFviRectRegionHeight", "SEIFviCircularRegionRadius", "SEIFviSceneRadius",
    "SEIFviCameraCentreAzimuth", "SEIFviCameraCentreElevation", "SEIFviCameraCentreTilt",
    "SEIFviCameraCentreOffsetX", "SEIFviCameraCentreOffsetY", "SEIFviCameraCenterOffsetZ",
    "SEIFviFieldOfView", "SEIFviNumPolynomialCoeffs", "SEIFviPolynomialCoeff",
    "SEIRegionalNestingFileRoot", "SEIAnnotatedRegionsFileRoot", "TemporalFilter",
    "TemporalFilterFutureReference",
) + tuple(f"Frame{i}" for i in range(1, 65))      # the GOP entries (MAX_GOP = 64)

ENCODER = OptionTable(
    "dlvc-enc", ENCODER_OPTIONS, HM_ENCODER_KEYS, HM_ENCODER_KEY_PATTERNS, HM_ENCODER_SHORT_FLAGS,
    _ENCODER_CHECKS,
    "usage: {prog} [-c FILE]... [-i INPUT] [-b BITSTREAM] [-o RECON] [--Key=value]...",
)
DECODER = OptionTable(
    "dlvc-dec", DECODER_OPTIONS, HM_DECODER_KEYS, (), HM_DECODER_SHORT_FLAGS, _DECODER_CHECKS,
    "usage: {prog} -b BITSTREAM [-o OUTPUT] [--Key=value]...",
)


def _main(argv=None):
    import argparse

    ap = argparse.ArgumentParser(prog="python -m dlvc.config", description="dlvc's option table")
    ap.add_argument("--update-readme", nargs="?", const="README.md", metavar="README",
                    help="regenerate the cfg-key table in README.md")
    ap.add_argument("--check-readme", nargs="?", const="README.md", metavar="README",
                    help="exit 1 if the README's cfg-key table is out of date")
    ap.add_argument("--markdown", action="store_true", help="print the key table as Markdown")
    ap.add_argument("--decoder", action="store_true", help="the decoder's table")
    a = ap.parse_args(argv)
    table = DECODER if a.decoder else ENCODER
    if a.update_readme:
        changed = update_readme(a.update_readme, table)
        print(f"{a.update_readme}: {'updated' if changed else 'up to date'}")
    elif a.check_readme:
        if update_readme(a.check_readme, table, check=True):
            print(f"{a.check_readme}: cfg-key table out of date (run python -m dlvc.config --update-readme)")
            return 1
    elif a.markdown:
        sys.stdout.write(option_table_markdown(table))
    else:
        sys.stdout.write(format_help(table=table))
    return 0


if __name__ == "__main__":
    from dlvc.cli.common import run_main

    run_main(_main, prog="python -m dlvc.config")
