"""dlvc runs: dlvc-enc and dlvc-dec as child processes (realistic timing; a crash fails one run).

Contract: ``dlvc-enc -c CFG [-c CFG2] -i SEQ.yuv -wdt W -hgt H -fr FPS -f N -q QP -b OUT.bin
-o REC.yuv --StatsFile=STATS.json [--Key=value ...]`` (a learned codec: ``--LearnedRatePoint=N``
instead of ``-q``) and ``dlvc-dec -b OUT.bin -o DEC.yuv [--CNNLFWeights=.. --LearnedWeights=..]``.
Nothing the encoder says is taken on trust: bits are the size of OUT.bin, quality is
measured here on DEC.yuv (what a decoder produces) against the source, and the encoder's
stats must agree with the file size and with the PSNR of REC.yuv measured here.
``bit_exact`` is DEC.yuv == REC.yuv; ``ffmpeg_exact`` is FFmpeg's HEVC decoder giving the
same frames (None when FFmpeg cannot decode the stream, e.g. with a normative deep tool on).
"""
import json
import os
import shlex
import shutil
import sys
import time

from ..aot import BUILD_MESSAGES
from ..learned.stream import is_learned_stream
from .errors import EvalError
from .proc import run_timed
from .quality import measure
from .runs import tree_fingerprint
from .sequences import as_yuv_file, read_yuv_file, split_planes
from .sweep import RUN_CORES_ENV

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../dlvc
REPO = os.path.dirname(PKG)
PSNR_TOL = 0.01  # dB between the encoder's stats and our measurement of REC.yuv
# overrides dlvc-dec gets too: where to find the weights that a configuration's streams name
DECODER_KEYS = ("CNNLFWeights", "LearnedWeights")


def fingerprint():
    """Hash of the codec: every .py/.npz/.json/.cfg of the dlvc package but the evaluation tool."""
    return tree_fingerprint(PKG, exclude={os.path.join(PKG, "eval"), os.path.join(PKG, "cli", "eval.py")})


def default_command(tool):
    """dlvc-enc / dlvc-dec installed beside this Python, else on PATH (a wrapper there, such as
    pyenv's shim, would add its own start-up to every timed run), else the console-script
    entry point through this Python."""
    beside = os.path.join(os.path.dirname(sys.executable), tool)
    exe = beside if os.access(beside, os.X_OK) else shutil.which(tool)
    if exe:
        return [exe]
    mod = {"dlvc-enc": "enc", "dlvc-dec": "dec"}[tool]
    return [sys.executable, "-c", f"from dlvc.cli.{mod} import console; console()"]


def child_env():
    """The children's environment: dlvc importable from this checkout; Python may keep its
    bytecode cache (as any installed package has one) instead of compiling dlvc's modules
    again in every timed run."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def decode_with_ffmpeg(path, seq):
    """Decode an HEVC Annex-B file with FFmpeg (PyAV). Returns (frames, cpu seconds)."""
    import av
    ctx = av.CodecContext.create("hevc", "r")
    ctx.thread_count = 1
    with open(path, "rb") as f:
        data = f.read()
    out = []
    t0 = time.process_time()
    for pk in ctx.parse(data) + ctx.parse(None):
        out += ctx.decode(pk)
    out += ctx.decode(None)
    cpu = time.process_time() - t0
    frames = []
    for fr in out:
        if (fr.width, fr.height) != (seq.width, seq.height):
            raise EvalError(f"{path}: FFmpeg decodes {fr.width}x{fr.height}, expected {seq.width}x{seq.height}")
        frames.append(split_planes(fr.reformat(format="yuv420p").to_ndarray().ravel(), seq.width, seq.height))
    return frames, cpu


def point_args(spec):
    """-q QP, or a learned codec's rate point (plan.LEARNED_POINTS)."""
    key = spec.param.get("points")
    return [f"--{key}={spec.qp}"] if key else ["-q", str(spec.qp)]


def command_line(spec, src, out, rec, stats):
    p, seq = spec.param, spec.seq
    enc = shlex.split(p["dlvc_enc"]) if p.get("dlvc_enc") else default_command("dlvc-enc")
    return [*enc, *sum((["-c", c] for c in spec.cfgs), []), "-i", src,
            "-wdt", str(seq.width), "-hgt", str(seq.height), "-fr", str(seq.fps_arg()),
            "-f", str(spec.frames), *point_args(spec), "-b", out, "-o", rec,
            f"--StatsFile={stats}", *("--" + o for o in spec.overrides)]


def run_built(cmd, log, env, what):
    """run_timed(cmd), again when the first run built a compiled library (dlvc/aot.py): a
    one-off build is not coding time.  Returns (wall, cpu) seconds."""
    for _ in range(2):
        wall, cpu = run_timed(cmd, log, env=env, what=what)
        with open(log, "rb") as f:
            text = f.read()
        if not any(m.encode() in text for m in BUILD_MESSAGES):
            break
    return wall, cpu


def run(spec, workdir):
    seq, p = spec.seq, spec.param
    src = as_yuv_file(seq, spec.frames, workdir)
    out, rec, dec, stats_path = (os.path.join(workdir, n) for n in ("out.bin", "rec.yuv", "dec.yuv", "stats.json"))
    env = child_env()
    ewall, ecpu = run_built(command_line(spec, src, out, rec, stats_path), os.path.join(workdir, "enc.log"),
                            env, f"dlvc-enc ({spec.describe()})")
    dec_cmd = shlex.split(p["dlvc_dec"]) if p.get("dlvc_dec") else default_command("dlvc-dec")
    dec_overrides = ["--" + o for o in spec.overrides if o.split("=")[0] in DECODER_KEYS]
    if os.environ.get(RUN_CORES_ENV):          # in a local pool: the CNN filter on this run's share
        dec_overrides.append(f"--CNNLFThreads={os.environ[RUN_CORES_ENV]}")
    dwall, dcpu = run_built([*dec_cmd, "-b", out, "-o", dec, *dec_overrides], os.path.join(workdir, "dec.log"),
                            env, f"dlvc-dec ({spec.describe()})")
    try:
        with open(stats_path) as f:
            stats = json.load(f)
    except (OSError, ValueError) as e:
        raise EvalError(f"dlvc-enc ({spec.describe()}): unreadable stats file: {e}") from None
    bits = 8 * os.path.getsize(out)
    where = f"dlvc-enc ({spec.describe()})"
    if stats.get("frames") != spec.frames:
        raise EvalError(f"{where}: stats say {stats.get('frames')} frames, asked for {spec.frames}")
    if stats.get("bits") != bits:
        raise EvalError(f"{where}: stats say {stats.get('bits')} bits, the bitstream has {bits}")
    recq = measure(seq, spec.frames, read_yuv_file(rec, seq.width, seq.height), what="REC.yuv")
    for k in ("psnr_y", "psnr_u", "psnr_v", "psnr_yuv"):
        if not isinstance(stats.get(k), (int, float)) or abs(stats[k] - recq[k]) > PSNR_TOL:
            raise EvalError(f"{where}: stats {k}={stats.get(k)} but REC.yuv measures {recq[k]:.4f}")
    dec_frames = read_yuv_file(dec, seq.width, seq.height)
    with open(rec, "rb") as a, open(dec, "rb") as b:
        bit_exact = a.read() == b.read()
    res = measure(seq, spec.frames, dec_frames, spec.ms_ssim, what="dlvc-dec output")
    with open(out, "rb") as f:
        learned = is_learned_stream(f.read(4))   # FFmpeg would decode its HEVC I-frames alone
    ffmpeg_exact = None
    if not learned:
        try:
            ff, _ = decode_with_ffmpeg(out, seq)
            ffmpeg_exact = len(ff) == len(dec_frames) and all(
                (x == y).all() for fa, fb in zip(ff, dec_frames) for x, y in zip(fa, fb))
        except Exception:  # not an HEVC stream FFmpeg can decode (normative deep tool on)
            pass
    res.update(bits=bits, bitrate_kbps=bits * seq.fps_arg() / spec.frames / 1000.0,
               encode_s=ecpu, decode_s=dcpu, encode_wall_s=ewall, decode_wall_s=dwall,
               encoder_reported_s=stats.get("encode_s"), bit_exact=bit_exact,
               ffmpeg_exact=ffmpeg_exact, checks=["stats vs REC.yuv", "DEC.yuv vs REC.yuv"])
    return res
