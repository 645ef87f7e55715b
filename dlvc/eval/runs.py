"""One run (codec x sequence x QP x cfg x frames), its cache key, and the result cache.

The key is a SHA-256 over everything that can change the result: the codec and its
fingerprint (for dlvc: every source/weight/cfg file of the package outside ``dlvc/eval``;
for PyAV: the library versions; for HM: the binary's hash), the bytes of the frames used,
the QP, frame count, the *contents* of every cfg file, the ``--Key=value`` overrides and the
codec parameters.  Change a tool, a cfg or a sequence and only the affected runs re-run.
Results are JSON files ``CACHE/ab/abcd....json`` written atomically, so an interrupted sweep
leaves no half-written result and any number of workers may share the cache.
"""
import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field

from .sequences import Sequence

SCHEMA = 1
# RunSpec params "points" of a learned codec: its RD points are this cfg key's values, not QPs
POINT_KEY = "LearnedRatePoint"
RESULT_FIELDS = ("bits", "psnr_y", "psnr_u", "psnr_v", "psnr_yuv", "encode_s", "decode_s")


@dataclass(frozen=True)
class RunSpec:
    codec: str  # dlvc | x264 | x265 | svtav1 | hm
    label: str  # the curve's name in reports ("dlvc", "dlvc CnnLF=0", "x265")
    seq: Sequence
    qp: int  # the QP, or the rate point of a learned codec (params "points")
    frames: int
    cfgs: tuple = ()
    overrides: tuple = ()  # ("Key=value", ...)
    params: tuple = ()  # sorted (name, value) pairs, codec specific (preset, mode, paths)
    fingerprint: str = ""
    seq_hash: str = ""
    ms_ssim: bool = False
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def param(self):
        return dict(self.params)

    def key(self):
        blob = {
            "schema": SCHEMA, "codec": self.codec, "fingerprint": self.fingerprint,
            "seq": [self.seq.width, self.seq.height, self.seq.fps, self.seq_hash],
            "qp": self.qp, "frames": self.frames,
            "cfgs": [file_sha(c) for c in self.cfgs], "overrides": list(self.overrides),
            "params": [list(p) for p in self.params], "ms_ssim": self.ms_ssim,
        }
        return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()

    @property
    def point(self):
        """The RD point's name: QP32, or rate point 2 of a learned codec (RP2)."""
        return f"RP{self.qp}" if self.param.get("points") == POINT_KEY else f"QP{self.qp}"

    def describe(self):
        return f"{self.label} {self.seq.name} {self.point} ({self.frames} frames)"

    def to_json(self):
        d = asdict(self)
        d["seq"] = {k: d["seq"][k] for k in ("name", "path", "width", "height", "fps")}
        d.pop("extra")
        return d


def file_sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def tree_fingerprint(root, exclude=(), suffixes=(".py", ".npz", ".json", ".cfg")):
    """Hash of every file under root with one of the suffixes (paths and contents)."""
    h = hashlib.sha256()
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__"
                             and os.path.join(dirpath, d) not in exclude)
        for f in sorted(files):
            p = os.path.join(dirpath, f)
            if f.endswith(suffixes) and p not in exclude:
                h.update(os.path.relpath(p, root).encode() + b"\0" + file_sha(p).encode())
    return h.hexdigest()


def atomic_write_text(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Cache:
    def __init__(self, root):
        self.root = os.path.abspath(os.path.expanduser(root))

    def path(self, key):
        return os.path.join(self.root, key[:2], key + ".json")

    def get(self, key):
        try:
            with open(self.path(key)) as f:
                res = json.load(f)
        except (OSError, ValueError):
            return None  # missing or unreadable: run it again
        return res if res.get("key") == key and all(k in res for k in RESULT_FIELDS) else None

    def put(self, key, result):
        result = dict(result, key=key, cached_at=time.strftime("%Y-%m-%dT%H:%M:%S"))
        atomic_write_text(self.path(key), json.dumps(result, indent=1, sort_keys=True))
        return result
