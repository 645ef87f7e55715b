"""Test sequences: discovery (manifest folder, ``Name_WxH_fps.yuv`` files, ``.y4m``) and reading.

A sequence spec on the command line is one of

* a folder with ``manifest.csv`` (columns name,file,width,height,fps,frames[,md5]) -- the
  layout of ../shared/sequences; files listed there that are missing from the folder are
  looked up in the extra ``yuv_dirs`` (a read-only shared folder plus a local copy);
* a folder without a manifest: every ``*.yuv`` named ``Name_WxH_fps.yuv`` and every ``*.y4m``;
* a single ``.yuv`` / ``.y4m`` file, or a ``manifest.csv`` file.

Only 8-bit 4:2:0 is supported (the profile dlvc codes).  Every size is checked against the
file, so a wrong manifest entry or a truncated file is an error naming it, never a sweep
over garbage.
"""
import csv
import hashlib
import os
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import EvalError

NAME_RE = re.compile(r"^(?P<name>.+?)_(?P<w>\d+)x(?P<h>\d+)_(?P<fps>\d+(?:\.\d+)?)(?:_[^.]*)?\.yuv$")
Y4M_420 = {None, "420", "420jpeg", "420paldv", "420mpeg2"}


@dataclass(frozen=True)
class Sequence:
    name: str
    path: str
    width: int
    height: int
    fps: float
    frames: int  # frames available in the file
    md5: str = ""  # whole-file MD5 from a manifest, when there is one
    y4m_header: int = 0  # bytes of the stream header (.y4m only)
    y4m_frame_header: int = 0  # bytes of each "FRAME\n" (.y4m only)
    origin: str = field(default="", compare=False)  # where it was described (for messages)

    @property
    def frame_size(self):
        return self.width * self.height * 3 // 2

    @property
    def is_y4m(self):
        return self.path.endswith(".y4m")

    def fps_arg(self):
        """fps as the integer the HM-style command lines take (-fr)."""
        return int(round(self.fps))


def _y4m_info(path):
    with open(path, "rb") as f:
        head = f.readline(4096)
    if not head.startswith(b"YUV4MPEG2 ") or not head.endswith(b"\n"):
        raise EvalError(f"{path}: not a YUV4MPEG2 file")
    tags = {t[:1]: t[1:] for t in head[10:].decode("ascii", "replace").split()}
    try:
        w, h = int(tags["W"]), int(tags["H"])
    except (KeyError, ValueError):
        raise EvalError(f"{path}: y4m header lacks W/H") from None
    chroma = tags.get("C")
    if chroma not in Y4M_420:
        raise EvalError(f"{path}: y4m colour space C{chroma} is not 8-bit 4:2:0")
    num, _, den = tags.get("F", "25:1").partition(":")
    fps = float(num) / float(den or 1)
    size = os.path.getsize(path)
    frame = w * h * 3 // 2
    fh = len(b"FRAME\n")
    body = size - len(head)
    if body % (frame + fh):
        raise EvalError(f"{path}: size {size} is not a whole number of {w}x{h} frames "
                        "(frame parameters in FRAME lines are not supported)")
    name = os.path.splitext(os.path.basename(path))[0]
    return Sequence(name, path, w, h, fps, body // (frame + fh), y4m_header=len(head),
                    y4m_frame_header=fh, origin=path)


def _yuv_from_name(path):
    m = NAME_RE.match(os.path.basename(path))
    if not m:
        raise EvalError(f"{path}: cannot tell the size; name it Name_WxH_fps.yuv or use a manifest")
    w, h, fps = int(m["w"]), int(m["h"]), float(m["fps"])
    return _checked_yuv(m["name"], path, w, h, fps, None, "", origin=path)


def _checked_yuv(name, path, w, h, fps, frames, md5, origin):
    if w % 2 or h % 2:
        raise EvalError(f"{origin}: {name} is {w}x{h}; 4:2:0 needs even sizes")
    size = os.path.getsize(path)
    frame = w * h * 3 // 2
    if frames is None:
        if size % frame:
            raise EvalError(f"{path}: size {size} is not a whole number of {w}x{h} 4:2:0 frames")
        frames = size // frame
    elif size != frames * frame:
        raise EvalError(f"{origin}: entry {name} says {frames} frames of {w}x{h} "
                        f"({frames * frame} bytes) but {path} has {size} bytes")
    return Sequence(name, path, w, h, fps, frames, md5=md5, origin=origin)


def read_manifest(path, yuv_dirs=()):
    folder = os.path.dirname(os.path.abspath(path))
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    need = {"name", "file", "width", "height", "fps"}
    if not rows or not need <= set(rows[0]):
        raise EvalError(f"{path}: a manifest needs the columns {', '.join(sorted(need))}")
    out = []
    for i, r in enumerate(rows, 2):
        where = f"{path} line {i}"
        cands = [os.path.join(d, r["file"]) for d in (folder, *yuv_dirs)]
        found = next((c for c in cands if os.path.isfile(c)), None)
        if found is None:
            raise EvalError(f"{where}: sequence file {r['file']} not found in "
                            + ", ".join(dict.fromkeys([folder, *yuv_dirs]))
                            + " (make it with make_sequences.py, or add --yuv-dir)")
        try:
            w, h, fps = int(r["width"]), int(r["height"]), float(r["fps"])
            frames = int(r["frames"]) if r.get("frames") else None
        except ValueError as e:
            raise EvalError(f"{where}: {e}") from None
        if found.endswith(".y4m"):
            seq = _y4m_info(found)
            if (seq.width, seq.height) != (w, h):
                raise EvalError(f"{where}: {r['file']} is {seq.width}x{seq.height}, manifest says {w}x{h}")
            out.append(seq)
        else:
            out.append(_checked_yuv(r["name"], found, w, h, fps, frames, r.get("md5", ""), where))
    return out


def discover(specs, yuv_dirs=(), names=None, verify_md5=True):
    """Resolve sequence specs to a list of Sequence (order kept, duplicates by name refused)."""
    seqs = []
    for spec in specs:
        if os.path.isdir(spec):
            man = os.path.join(spec, "manifest.csv")
            if os.path.isfile(man):
                seqs += read_manifest(man, yuv_dirs)
                continue
            files = sorted(f for f in os.listdir(spec) if f.endswith((".yuv", ".y4m")))
            if not files:
                raise EvalError(f"{spec}: no manifest.csv and no .yuv/.y4m files")
            for f in files:
                p = os.path.join(spec, f)
                seqs.append(_y4m_info(p) if f.endswith(".y4m") else _yuv_from_name(p))
        elif os.path.isfile(spec):
            if spec.endswith(".csv"):
                seqs += read_manifest(spec, yuv_dirs)
            elif spec.endswith(".y4m"):
                seqs.append(_y4m_info(spec))
            else:
                seqs.append(_yuv_from_name(spec))
        else:
            raise EvalError(f"sequence {spec}: no such file or folder")
    if names:
        known = {s.name for s in seqs}
        missing = [n for n in names if n not in known]
        if missing:
            raise EvalError(f"sequence(s) {', '.join(missing)} not among {', '.join(sorted(known))}")
        seqs = [s for s in seqs if s.name in names]
    dup = {s.name for s in seqs if [t.name for t in seqs].count(s.name) > 1}
    if dup:
        raise EvalError(f"sequence name(s) {', '.join(sorted(dup))} given twice")
    if verify_md5:
        for s in seqs:
            if s.md5 and file_md5(s.path) != s.md5:
                raise EvalError(f"{s.origin}: {s.path} has MD5 {file_md5(s.path)}, manifest says {s.md5}")
    return seqs


_MD5 = {}


def file_md5(path):
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime_ns)
    if key not in _MD5:
        h = hashlib.md5()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 22), b""):
                h.update(chunk)
        _MD5[key] = h.hexdigest()
    return _MD5[key]


def content_hash(seq, n):
    """SHA-256 of the first n frames as I420 bytes: the sequence part of a run's cache key."""
    h = hashlib.sha256()
    for planes in read_frames(seq, n):
        for p in planes:
            h.update(p.tobytes())
    return h.hexdigest()


def check_frames(seq, n):
    if n < 1 or n > seq.frames:
        raise EvalError(f"{seq.name}: {n} frames asked for, {seq.path} has {seq.frames}")


def read_frames(seq, n, start=0):
    """Yield n frames as (Y, U, V) uint8 arrays."""
    check_frames(seq, start + n)
    w, h = seq.width, seq.height
    fs = seq.frame_size
    step = fs + seq.y4m_frame_header
    with open(seq.path, "rb") as f:
        f.seek(seq.y4m_header + start * step)
        for _ in range(n):
            if seq.y4m_frame_header:
                f.read(seq.y4m_frame_header)
            buf = np.frombuffer(f.read(fs), np.uint8)
            if buf.size != fs:
                raise EvalError(f"{seq.path}: truncated frame")
            yield split_planes(buf, w, h)


def split_planes(buf, w, h):
    ys, cs = w * h, (w // 2) * (h // 2)
    return (buf[:ys].reshape(h, w), buf[ys:ys + cs].reshape(h // 2, w // 2),
            buf[ys + cs:ys + 2 * cs].reshape(h // 2, w // 2))


def read_yuv_file(path, w, h):
    """All frames of a raw I420 file as a list of (Y, U, V); error if the size is not whole."""
    data = np.fromfile(path, np.uint8)
    fs = w * h * 3 // 2
    if data.size % fs:
        raise EvalError(f"{path}: {data.size} bytes is not a whole number of {w}x{h} frames")
    return [split_planes(data[i * fs:(i + 1) * fs], w, h) for i in range(data.size // fs)]


def as_yuv_file(seq, n, folder):
    """Path of a raw .yuv holding (at least) the first n frames: the file itself, or an I420
    copy of the first n frames of a .y4m written into folder."""
    if not seq.is_y4m:
        return seq.path
    out = os.path.join(folder, f"{seq.name}_{seq.width}x{seq.height}_{seq.fps_arg()}.yuv")
    with open(out, "wb") as f:
        for planes in read_frames(seq, n):
            for p in planes:
                f.write(p.tobytes())
    return out
