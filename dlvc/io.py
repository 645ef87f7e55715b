"""Raw video files: 8-bit 4:2:0 .yuv (I420) and .y4m, reading and writing.

    info = probe("in.yuv", 176, 144, 30)            # VideoInfo(width, height, fps, frames, ...)
    for f in read_frames("in.y4m", skip=2, count=9):
        f.y, f.u, f.v                                # np.uint8 planes [y, x]
    with YuvWriter("rec.yuv") as w:                  # appends frames
        w.write(frame)

A frame is ``Frame(y, u, v)`` of three 2-D planes; ``pad_frame`` extends one to the coded
size by replicating the last column and row (as HM's TVideoIOYuv does) and ``crop_frame``
cuts it back.  Every user error (missing file, a size that is not a whole number of frames,
more frames asked than the file holds, a .y4m that is not 8-bit 4:2:0) is a one-line
DlvcError that names the file.
"""
import os
from collections import namedtuple
from fractions import Fraction

import numpy as np

from dlvc.errors import DlvcError

__all__ = [
    "Frame", "VideoInfo", "VideoReader", "YuvWriter", "probe", "read_frames", "read_video",
    "write_yuv", "frame_bytes", "coded_size", "pad_frame", "crop_frame", "new_frame",
    "Y4M_CHROMA_420",
]

Frame = namedtuple("Frame", "y u v")
Frame.__doc__ = "One 4:2:0 picture: luma plane y (H x W) and chroma planes u, v (H/2 x W/2)."

VideoInfo = namedtuple("VideoInfo", "path width height fps frames kind")
VideoInfo.__doc__ = """What a video file holds.

fps: float (0.0 when unknown: a .yuv without a given rate); frames: number of whole
frames; kind: 'yuv' or 'y4m'."""

# Y4M colour spaces that mean 8-bit 4:2:0 (no C parameter means 420jpeg).
Y4M_CHROMA_420 = ("420", "420jpeg", "420mpeg2", "420paldv")
_Y4M_MAGIC = b"YUV4MPEG2"
_MAX_HEADER = 4096


def frame_bytes(width, height):
    """Bytes of one 8-bit 4:2:0 frame."""
    return width * height + 2 * ((width // 2) * (height // 2))


def _is_y4m(path):
    return os.fspath(path).lower().endswith(".y4m")


def _check_size(path, width, height):
    if width <= 0 or height <= 0:
        raise DlvcError(f"{path}: picture size {width}x{height} must be positive (give -wdt and -hgt for a .yuv)")
    if width % 2 or height % 2:
        raise DlvcError(f"{path}: picture size {width}x{height} is odd: 4:2:0 needs even sizes")


def _stat_size(path):
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DlvcError(f"{path}: no such file") from None
    except OSError as e:
        raise DlvcError(f"{path}: {e.strerror or e}") from None
    if not os.path.isfile(path):
        raise DlvcError(f"{path}: not a regular file")
    return st.st_size


def _parse_fps(path, token):
    num, _, den = token.partition(":")
    try:
        n, d = int(num), int(den or 1)
    except ValueError:
        raise DlvcError(f"{path}: bad y4m frame rate 'F{token}'") from None
    if n <= 0 or d <= 0:
        return 0.0
    return float(Fraction(n, d))


def _read_y4m_header(path, f):
    """-> (width, height, fps, header_length) from the stream header line."""
    head = f.read(_MAX_HEADER)
    if not head.startswith(_Y4M_MAGIC):
        raise DlvcError(f"{path}: not a y4m file (no YUV4MPEG2 signature)")
    end = head.find(b"\n")
    if end < 0:
        raise DlvcError(f"{path}: y4m header line is not terminated")
    tokens = head[:end].decode("ascii", "replace").split()[1:]
    width = height = None
    fps = 0.0
    chroma = "420jpeg"
    for t in tokens:
        tag, val = t[0], t[1:]
        try:
            if tag == "W":
                width = int(val)
            elif tag == "H":
                height = int(val)
        except ValueError:
            raise DlvcError(f"{path}: bad y4m header parameter '{t}'") from None
        if tag == "F":
            fps = _parse_fps(path, val)
        elif tag == "C":
            chroma = val
        elif tag == "I" and val not in ("p", "?"):
            raise DlvcError(f"{path}: interlaced y4m (I{val}) is not supported, only progressive")
    if width is None or height is None:
        raise DlvcError(f"{path}: y4m header lacks the picture size (W and H)")
    if chroma not in Y4M_CHROMA_420:
        raise DlvcError(f"{path}: y4m colour space C{chroma} is not supported (8-bit 4:2:0 only: "
                        + ", ".join("C" + c for c in Y4M_CHROMA_420) + ")")
    _check_size(path, width, height)
    return width, height, fps, end + 1


def _index_y4m(path, f, data_start, fsize, file_size):
    """Offsets of the frame data of every frame; DlvcError on a truncated/garbled frame."""
    offsets = []
    pos = data_start
    while pos < file_size:
        f.seek(pos)
        line = f.read(_MAX_HEADER)
        if not line.startswith(b"FRAME"):
            raise DlvcError(f"{path}: frame {len(offsets)} has no FRAME marker (corrupt y4m?)")
        end = line.find(b"\n")
        if end < 0:
            raise DlvcError(f"{path}: frame {len(offsets)} header is not terminated (truncated y4m?)")
        start = pos + end + 1
        if start + fsize > file_size:
            raise DlvcError(f"{path}: frame {len(offsets)} is truncated: the file ends "
                            f"{start + fsize - file_size} bytes short (not a whole number of frames)")
        offsets.append(start)
        pos = start + fsize
    return offsets


class VideoReader:
    """Random and sequential access to the frames of a .yuv or .y4m file.

    For a .yuv, width and height are required (fps is recorded as given).  For a .y4m they
    come from the header; a width/height/fps passed as well must agree (0 means "take the
    header's").  Use as a context manager, or call close().
    """

    def __init__(self, path, width=0, height=0, fps=0):
        self.path = os.fspath(path)
        file_size = _stat_size(self.path)
        try:
            self._f = open(self.path, "rb")
        except OSError as e:
            raise DlvcError(f"{self.path}: {e.strerror or e}") from None
        try:
            if _is_y4m(self.path):
                w, h, hfps, data_start = _read_y4m_header(self.path, self._f)
                if width and width != w or height and height != h:
                    raise DlvcError(f"{self.path}: the y4m header says {w}x{h}, "
                                    f"but {width or w}x{height or h} was given")
                if fps and hfps and abs(fps - hfps) > 1e-3 * hfps:
                    raise DlvcError(f"{self.path}: the y4m header says {hfps:g} fps, but {fps:g} was given")
                self.width, self.height, self.fps = w, h, float(hfps or fps or 0)
                self.kind = "y4m"
                self._fsize = frame_bytes(w, h)
                self._offsets = _index_y4m(self.path, self._f, data_start, self._fsize, file_size)
            else:
                _check_size(self.path, width, height)
                self.width, self.height, self.fps = int(width), int(height), float(fps or 0)
                self.kind = "yuv"
                self._fsize = frame_bytes(self.width, self.height)
                if file_size % self._fsize:
                    raise DlvcError(
                        f"{self.path}: file size {file_size} is not a whole number of "
                        f"{self.width}x{self.height} 4:2:0 frames ({self._fsize} bytes each); wrong -wdt/-hgt?")
                self._offsets = None
                self._count = file_size // self._fsize
        except BaseException:
            self._f.close()
            raise

    @property
    def num_frames(self):
        return len(self._offsets) if self._offsets is not None else self._count

    @property
    def info(self):
        return VideoInfo(self.path, self.width, self.height, self.fps, self.num_frames, self.kind)

    def _offset(self, index):
        return self._offsets[index] if self._offsets is not None else index * self._fsize

    def read(self, index):
        """Frame ``index`` (0-based) as a Frame of np.uint8 planes."""
        n = self.num_frames
        if not 0 <= index < n:
            raise DlvcError(f"{self.path}: frame {index} asked for, but the file holds {n} frames")
        self._f.seek(self._offset(index))
        data = self._f.read(self._fsize)
        if len(data) != self._fsize:  # the file shrank under us
            raise DlvcError(f"{self.path}: frame {index} is truncated")
        w, h = self.width, self.height
        buf = np.frombuffer(data, dtype=np.uint8)
        ys, cs = w * h, (w // 2) * (h // 2)
        y = buf[:ys].reshape(h, w).copy()
        u = buf[ys:ys + cs].reshape(h // 2, w // 2).copy()
        v = buf[ys + cs:].reshape(h // 2, w // 2).copy()
        return Frame(y, u, v)

    def check_range(self, skip=0, count=0):
        """-> the number of frames ``frames(skip, count)`` yields; DlvcError if too many asked."""
        n = self.num_frames
        if skip < 0 or count < 0:
            raise DlvcError(f"{self.path}: frame skip {skip} and count {count} must not be negative")
        avail = n - skip
        if count == 0:
            if avail <= 0:
                raise DlvcError(f"{self.path}: no frames to read: the file holds {n} frames"
                                + (f" and {skip} are skipped" if skip else ""))
            return avail
        if count > avail:
            raise DlvcError(f"{self.path}: {count} frames asked for" + (f" after skipping {skip}" if skip else "")
                            + f", but the file holds {n}")
        return count

    def frames(self, skip=0, count=0):
        """Yield ``count`` frames (0: all the rest) after skipping ``skip``.

        The range is checked before the first frame is yielded.
        """
        m = self.check_range(skip, count)
        return (self.read(skip + i) for i in range(m))

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __len__(self):
        return self.num_frames


def probe(path, width=0, height=0, fps=0):
    """VideoInfo of a .yuv (size given) or .y4m (size from the header)."""
    with VideoReader(path, width, height, fps) as r:
        return r.info


def read_frames(path, width=0, height=0, skip=0, count=0, fps=0):
    """Generator of Frames; all errors (including too few frames) raise before the first one."""
    r = VideoReader(path, width, height, fps)
    try:
        m = r.check_range(skip, count)
    except BaseException:
        r.close()
        raise

    def gen():
        with r:
            for i in range(m):
                yield r.read(skip + i)

    return gen()


def read_video(path, width=0, height=0, skip=0, count=0, fps=0):
    """-> (VideoInfo, [Frame, ...]) of the frames asked for."""
    with VideoReader(path, width, height, fps) as r:
        return r.info, list(r.frames(skip, count))


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

def _plane_u8(p, name):
    a = np.asarray(p)
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    if a.dtype.kind not in "iu":
        raise TypeError(f"plane {name}: integer samples expected, got {a.dtype}")
    if a.size and (a.min() < 0 or a.max() > 255):
        raise ValueError(f"plane {name}: samples outside 0..255 (min {a.min()}, max {a.max()})")
    return np.ascontiguousarray(a, dtype=np.uint8)


class YuvWriter:
    """Append 8-bit 4:2:0 frames to a .yuv (or .y4m) file.

    ``target`` is a path or a binary file object.  A path is truncated first unless
    ``append``.  Planes may be uint8 or any integer type within 0..255 (the codec's int16
    planes); with ``width``/``height`` given each frame is cropped to that size (a coded
    picture to the source size).  A .y4m path gets a header (needs width, height, fps).
    For all-or-nothing output wrap the path in ``dlvc.cli.common.atomic_output``.
    """

    def __init__(self, target, width=0, height=0, fps=0, append=False, y4m=None):
        self.width, self.height, self.fps = int(width), int(height), fps
        self.frames_written = 0
        if hasattr(target, "write"):
            self._f, self._own = target, False
            self.path = getattr(target, "name", "<stream>")
        else:
            self.path = os.fspath(target)
            self._f, self._own = open(self.path, "ab" if append else "wb"), True
        self.y4m = _is_y4m(self.path) if y4m is None else y4m
        if self.y4m and not (append and self._f.tell() > 0):
            if not (self.width and self.height and fps):
                raise ValueError("a .y4m output needs width, height and fps")
            fr = Fraction(fps).limit_denominator(1001)
            self._f.write(f"YUV4MPEG2 W{self.width} H{self.height} F{fr.numerator}:{fr.denominator} "
                          f"Ip A1:1 C420jpeg\n".encode("ascii"))

    def write(self, frame):
        y, u, v = frame
        if self.width and self.height:
            y, u, v = crop_frame(Frame(y, u, v), self.width, self.height)
        y, u, v = _plane_u8(y, "y"), _plane_u8(u, "u"), _plane_u8(v, "v")
        h, w = y.shape
        if u.shape != (h // 2, w // 2) or v.shape != (h // 2, w // 2):
            raise ValueError(f"chroma planes {u.shape}, {v.shape} do not match luma {y.shape} for 4:2:0")
        if self.y4m:
            self._f.write(b"FRAME\n")
        self._f.write(y.tobytes())
        self._f.write(u.tobytes())
        self._f.write(v.tobytes())
        self.frames_written += 1

    def close(self):
        if self._own:
            self._f.close()
        else:
            self._f.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_yuv(path, frames, width=0, height=0, append=False):
    """Write (or append) frames to a .yuv file; returns the number written."""
    with YuvWriter(path, width, height, append=append) as w:
        for f in frames:
            w.write(f)
        return w.frames_written


# ---------------------------------------------------------------------------------------------
# Coded size: padding and cropping
# ---------------------------------------------------------------------------------------------

def coded_size(width, height, min_cu=8):
    """(width, height) rounded up to a multiple of the minimum CU size."""
    return -(-width // min_cu) * min_cu, -(-height // min_cu) * min_cu


def new_frame(width, height, dtype=np.int16, value=0):
    """A Frame of constant planes (chroma half size)."""
    return Frame(np.full((height, width), value, dtype),
                 np.full((height // 2, width // 2), value, dtype),
                 np.full((height // 2, width // 2), value, dtype))


def pad_frame(frame, coded_width, coded_height, dtype=None):
    """Extend a frame to the coded size by repeating its last column and row (HM's padding).

    Returns C-contiguous planes of ``dtype`` (default: the input's).  A frame already of the
    coded size is returned converted but otherwise unchanged.
    """
    y, u, v = frame
    h, w = np.shape(y)
    if coded_width < w or coded_height < h or coded_width % 2 or coded_height % 2:
        raise ValueError(f"cannot pad {w}x{h} to {coded_width}x{coded_height}")

    def pad(p, pw, ph):
        p = np.asarray(p, dtype=dtype) if dtype is not None else np.asarray(p)
        ah, aw = p.shape
        if (aw, ah) != (pw, ph):
            p = np.pad(p, ((0, ph - ah), (0, pw - aw)), mode="edge")
        return np.ascontiguousarray(p)

    return Frame(pad(y, coded_width, coded_height),
                 pad(u, coded_width // 2, coded_height // 2),
                 pad(v, coded_width // 2, coded_height // 2))


def crop_frame(frame, width, height, dtype=None):
    """The top-left width x height picture of a (padded) frame; views unless dtype is given."""
    y, u, v = frame
    h, w = np.shape(y)
    if width > w or height > h or width % 2 or height % 2:
        raise ValueError(f"cannot crop {w}x{h} to {width}x{height}")
    out = (y[:height, :width], u[:height // 2, :width // 2], v[:height // 2, :width // 2])
    if dtype is not None:
        out = tuple(np.ascontiguousarray(p, dtype=dtype) for p in out)
    return Frame(*out)
