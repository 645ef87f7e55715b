"""The learned codecs' bitstream format (no torch here).

File = header (54 bytes) + one record per frame, in coding (= display) order::

    magic       4  b"DLVL"
    version     1  FORMAT_VERSION
    model       1  1 = SSF, 2 = DVC
    rate point  1  1..4
    weights    32  sha256 naming the weights (registry.stream_hash)
    width       2  picture width  (luma samples, big endian)
    height      2  picture height
    frames      4  frame count
    gop         2  I-frame period (0: only the first frame)
    fps_x1000   4  frame rate * 1000
    threads     1  torch threads the encoder used (the decoder uses as many by default:
                   float convolutions are summed in another order with another count)

    frame:  type (1 byte: 0 = I by the learned I-frame model, 1 = P, 2 = I by dlvc's
            HEVC intra coding), then for each of its strings (learned I: 2, SSF P: 4,
            DVC P: 3, HEVC I: 1 -- a complete HEVC Main stream of the one picture at the
            header's size: VPS, SPS, PPS, an IDR slice) a LEB128 length and the bytes.

Version 1 (no type 2) is still read.

``parse`` checks the whole file before anything is decoded: a truncated or padded
file, an unknown version or model is a one-line DlvcError.
"""
import struct
from dataclasses import dataclass, field

from dlvc.errors import DlvcError

MAGIC = b"DLVL"
FORMAT_VERSION = 2
READS = (1, 2)  # versions this dlvc decodes
I_LEARNED, P, I_HEVC = 0, 1, 2
_HEAD = struct.Struct(">4sBBB32sHHIHIB")
HEADER_BYTES = _HEAD.size
MODEL_IDS = {"ssf": 1, "dvc": 2}
MODEL_NAMES = {v: k for k, v in MODEL_IDS.items()}
N_STRINGS = {("ssf", 0): 2, ("ssf", 1): 4, ("ssf", 2): 1, ("dvc", 0): 2, ("dvc", 1): 3, ("dvc", 2): 1}


def is_learned_stream(first_bytes: bytes) -> bool:
    """True when the file starting with these bytes is a learned-codec stream."""
    return bytes(first_bytes[:4]) == MAGIC


@dataclass
class Header:
    model: str
    rate: int
    weights: bytes
    width: int
    height: int
    frames: int
    gop: int
    fps: float
    threads: int = 1

    def pack(self):
        return _HEAD.pack(MAGIC, FORMAT_VERSION, MODEL_IDS[self.model], self.rate, self.weights,
                          self.width, self.height, self.frames, self.gop,
                          int(round(self.fps * 1000)), self.threads)


@dataclass
class Stream:
    header: Header
    frames: list = field(default_factory=list)  # [(type, [bytes, ...])]


def _leb128(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def frame_record(ftype, strings):
    out = bytearray([ftype])
    for s in strings:
        out += _leb128(len(s))
        out += s
    return bytes(out)


def framing_bytes(ftype, strings):
    """Bytes of a frame record that are not entropy-coded payload (type + lengths)."""
    return 1 + sum(len(_leb128(len(s))) for s in strings)


def parse(data: bytes, name="stream") -> Stream:
    if len(data) < 4 or not is_learned_stream(data):
        raise DlvcError(f"{name}: not a dlvc learned-codec stream (bad magic)")
    if len(data) < HEADER_BYTES:
        raise DlvcError(f"{name}: truncated stream (header is {len(data)} of {HEADER_BYTES} bytes)")
    magic, ver, mid, rate, wh, w, h, n, gop, fps, threads = _HEAD.unpack_from(data, 0)
    if ver not in READS:
        raise DlvcError(f"{name}: learned stream format version {ver} is not supported "
                        f"(this dlvc reads versions {', '.join(map(str, READS))})")
    if mid not in MODEL_NAMES:
        raise DlvcError(f"{name}: unknown learned model id {mid}")
    if w == 0 or h == 0 or w % 2 or h % 2:
        raise DlvcError(f"{name}: bad picture size {w}x{h} in the header")
    if threads == 0:
        raise DlvcError(f"{name}: corrupt header (thread count 0)")
    hdr = Header(MODEL_NAMES[mid], rate, wh, w, h, n, gop, fps / 1000.0, threads)
    st = Stream(hdr)
    pos = HEADER_BYTES
    for i in range(n):
        if pos >= len(data):
            raise DlvcError(f"{name}: truncated stream: {i} of {n} frames present")
        ftype = data[pos]
        pos += 1
        if ftype not in ((I_LEARNED, P, I_HEVC) if ver >= 2 else (I_LEARNED, P)) or (i == 0 and ftype == P):
            raise DlvcError(f"{name}: corrupt stream: frame {i} has type {ftype}")
        strings = []
        for _ in range(N_STRINGS[(hdr.model, ftype)]):
            ln, shift = 0, 0
            while True:
                if pos >= len(data):
                    raise DlvcError(f"{name}: truncated stream in frame {i} of {n}")
                b = data[pos]
                pos += 1
                ln |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
                if shift > 35:
                    raise DlvcError(f"{name}: corrupt stream: bad length in frame {i}")
            if pos + ln > len(data):
                raise DlvcError(f"{name}: truncated stream in frame {i} of {n}")
            strings.append(bytes(data[pos:pos + ln]))
            pos += ln
        st.frames.append((ftype, strings))
    if pos != len(data):
        raise DlvcError(f"{name}: {len(data) - pos} bytes of garbage after the last frame")
    return st
