"""Bit-level writer/reader, Exp-Golomb codes and NAL units (H.265 clauses 7.2, 7.3.1, 7.4.2,
9.2 and Annex B).

Everything here runs per parameter set / slice header / NAL unit, never per block, so it is
plain Python.  The CABAC slice data is produced elsewhere (dlvc/core/cabac.py) and appended
to the byte-aligned slice header by the caller.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BitstreamError", "BitWriter", "BitReader", "NalUnit", "nal_unit", "split_annexb",
    "emulation_prevent", "remove_emulation_prevention", "nal_type_name",
    "is_irap", "is_idr", "is_bla", "is_cra", "is_rasl", "is_radl", "is_vcl",
    "is_sub_layer_non_reference",
]


class BitstreamError(ValueError):
    """Malformed or truncated bitstream (reading past the end, over-long Exp-Golomb code,
    bad NAL header, ...)."""


# ---------------------------------------------------------------------------------------------
# NAL unit types, Table 7-1
# ---------------------------------------------------------------------------------------------
TRAIL_N = 0
TRAIL_R = 1
TSA_N = 2
TSA_R = 3
STSA_N = 4
STSA_R = 5
RADL_N = 6
RADL_R = 7
RASL_N = 8
RASL_R = 9
RSV_VCL_N10 = 10
RSV_VCL_R11 = 11
RSV_VCL_N12 = 12
RSV_VCL_R13 = 13
RSV_VCL_N14 = 14
RSV_VCL_R15 = 15
BLA_W_LP = 16
BLA_W_RADL = 17
BLA_N_LP = 18
IDR_W_RADL = 19
IDR_N_LP = 20
CRA_NUT = 21
RSV_IRAP_VCL22 = 22
RSV_IRAP_VCL23 = 23
VPS_NUT = 32
SPS_NUT = 33
PPS_NUT = 34
AUD_NUT = 35
EOS_NUT = 36
EOB_NUT = 37
FD_NUT = 38
PREFIX_SEI_NUT = 39
SUFFIX_SEI_NUT = 40

_NAL_NAMES = {v: k for k, v in dict(globals()).items()
              if isinstance(v, int) and k.isupper() and 0 <= v <= 40 and not k.startswith("_")}

__all__ += sorted(_NAL_NAMES.values())


def nal_type_name(t: int) -> str:
    """Spec name of a nal_unit_type (Table 7-1), e.g. 19 -> 'IDR_W_RADL'."""
    if t in _NAL_NAMES:
        return _NAL_NAMES[t]
    if 24 <= t <= 31:
        return f"RSV_VCL{t}"
    if 41 <= t <= 47:
        return f"RSV_NVCL{t}"
    return f"UNSPEC{t}"


def is_vcl(t: int) -> bool:
    return t < 32


def is_irap(t: int) -> bool:          # 3.73: BLA_W_LP..RSV_IRAP_VCL23
    return BLA_W_LP <= t <= RSV_IRAP_VCL23


def is_idr(t: int) -> bool:
    return t in (IDR_W_RADL, IDR_N_LP)


def is_bla(t: int) -> bool:
    return BLA_W_LP <= t <= BLA_N_LP


def is_cra(t: int) -> bool:
    return t == CRA_NUT


def is_rasl(t: int) -> bool:
    return t in (RASL_N, RASL_R)


def is_radl(t: int) -> bool:
    return t in (RADL_N, RADL_R)


def is_sub_layer_non_reference(t: int) -> bool:
    """7.4.2.2: TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N, RSV_VCL_N10/12/14."""
    return t <= RSV_VCL_R15 and t % 2 == 0


# ---------------------------------------------------------------------------------------------
# BitWriter
# ---------------------------------------------------------------------------------------------
class BitWriter:
    """MSB-first bit writer (7.2: u(n), ue(v), se(v); 7.3.2.11 rbsp_trailing_bits;
    7.3.2.12 byte_alignment)."""

    __slots__ = ("_buf", "_acc", "_nacc")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._acc = 0        # pending bits (fewer than 8)
        self._nacc = 0

    # -- fixed length ------------------------------------------------------------------------
    def u(self, n: int, v: int) -> None:
        """u(n): n-bit unsigned, MSB first."""
        v = int(v)
        if n < 0 or v < 0 or (n < 64 and v >> n):
            raise ValueError(f"value {v} does not fit in u({n})")
        if n == 0:
            return
        acc = (self._acc << n) | v
        nacc = self._nacc + n
        while nacc >= 8:
            nacc -= 8
            self._buf.append((acc >> nacc) & 0xFF)
        self._acc = acc & ((1 << nacc) - 1)
        self._nacc = nacc

    def flag(self, b) -> None:
        self.u(1, 1 if b else 0)

    def bytes(self, data: bytes) -> None:
        """Write whole bytes (any alignment)."""
        if self._nacc == 0:
            self._buf += data
        else:
            for b in data:
                self.u(8, b)

    # -- Exp-Golomb, 9.2 ---------------------------------------------------------------------
    def ue(self, v: int) -> None:
        v = int(v)
        if v < 0:
            raise ValueError(f"ue(v) of negative value {v}")
        if v > 0xFFFFFFFE:
            raise ValueError(f"ue(v) value {v} exceeds 2^32-2")
        x = v + 1
        nbits = x.bit_length()
        self.u(nbits - 1, 0)
        self.u(nbits, x)

    def se(self, v: int) -> None:
        """9.2.2: k>0 -> 2k-1, k<=0 -> -2k."""
        v = int(v)
        self.ue(2 * v - 1 if v > 0 else -2 * v)

    # -- alignment ---------------------------------------------------------------------------
    @property
    def is_byte_aligned(self) -> bool:
        return self._nacc == 0

    def byte_alignment(self) -> None:
        """7.3.2.12 byte_alignment(): alignment_bit_equal_to_one then zero bits."""
        self.u(1, 1)
        if self._nacc:
            self.u(8 - self._nacc, 0)

    def rbsp_trailing_bits(self) -> None:
        """7.3.2.11: rbsp_stop_one_bit then rbsp_alignment_zero_bits (same bits as
        byte_alignment)."""
        self.byte_alignment()

    def align_zero(self) -> None:
        """Pad with zero bits to the next byte boundary (e.g. cabac_zero / pcm alignment)."""
        if self._nacc:
            self.u(8 - self._nacc, 0)

    # -- output ------------------------------------------------------------------------------
    @property
    def bit_count(self) -> int:
        return 8 * len(self._buf) + self._nacc

    def __len__(self) -> int:
        return self.bit_count

    def getvalue(self) -> bytes:
        """The bytes written; raises if not byte aligned (call byte_alignment() /
        rbsp_trailing_bits() first)."""
        if self._nacc:
            raise BitstreamError(f"BitWriter.getvalue(): not byte aligned ({self.bit_count} bits)")
        return bytes(self._buf)


# ---------------------------------------------------------------------------------------------
# BitReader
# ---------------------------------------------------------------------------------------------
class BitReader:
    """MSB-first bit reader over RBSP bytes (emulation prevention already removed)."""

    __slots__ = ("_data", "_pos", "_nbits", "_end_bits")

    def __init__(self, data: bytes, pos_bytes: int = 0) -> None:
        self._data = bytes(data)
        self._pos = 8 * pos_bytes
        self._nbits = 8 * len(self._data)
        self._end_bits = None          # bit position of rbsp_stop_one_bit (lazy)

    # -- state -------------------------------------------------------------------------------
    @property
    def position(self) -> int:
        """Current position in bits from the start of the data."""
        return self._pos

    @property
    def bits_left(self) -> int:
        return self._nbits - self._pos

    @property
    def byte_aligned(self) -> bool:
        """7.2 byte_aligned()."""
        return (self._pos & 7) == 0

    @property
    def byte_position(self) -> int:
        """Byte offset of the next unread byte (position rounded up)."""
        return (self._pos + 7) >> 3

    @property
    def data(self) -> bytes:
        return self._data

    def _need(self, n: int, what: str) -> None:
        if self._pos + n > self._nbits:
            raise BitstreamError(
                f"read past end of data: {what} needs {n} bit(s) at bit {self._pos}, "
                f"only {self._nbits - self._pos} left")

    # -- fixed length ------------------------------------------------------------------------
    def u(self, n: int, what: str = "u(n)") -> int:
        if n == 0:
            return 0
        self._need(n, what)
        p = self._pos
        b0 = p >> 3
        b1 = (p + n + 7) >> 3
        v = int.from_bytes(self._data[b0:b1], "big")
        v = (v >> (8 * b1 - p - n)) & ((1 << n) - 1)
        self._pos = p + n
        return v

    def flag(self, what: str = "flag") -> int:
        self._need(1, what)
        p = self._pos
        self._pos = p + 1
        return (self._data[p >> 3] >> (7 - (p & 7))) & 1

    def peek(self, n: int) -> int:
        p = self._pos
        v = self.u(n, "peek")
        self._pos = p
        return v

    def skip(self, n: int) -> None:
        self._need(n, "skip")
        self._pos += n

    def read_bytes(self, n: int, what: str = "bytes") -> bytes:
        if self._pos & 7:
            return bytes(self.u(8, what) for _ in range(n))
        self._need(8 * n, what)
        b0 = self._pos >> 3
        self._pos += 8 * n
        return self._data[b0:b0 + n]

    # -- Exp-Golomb, 9.2 ---------------------------------------------------------------------
    def ue(self, what: str = "ue(v)") -> int:
        start = self._pos
        lz = 0
        while True:
            if self._pos >= self._nbits:
                raise BitstreamError(f"read past end of data in {what} (Exp-Golomb prefix at bit {start})")
            if self.flag(what):
                break
            lz += 1
            if lz > 32:
                raise BitstreamError(f"{what}: Exp-Golomb code longer than 32 bits at bit {start}")
        v = (1 << lz) - 1 + self.u(lz, what)
        if v > 0xFFFFFFFE:
            raise BitstreamError(f"{what}: Exp-Golomb value {v} out of range at bit {start}")
        return v

    def se(self, what: str = "se(v)") -> int:
        k = self.ue(what)
        return (k + 1) >> 1 if k & 1 else -(k >> 1)

    # -- RBSP structure ----------------------------------------------------------------------
    def _stop_bit_pos(self) -> int:
        if self._end_bits is None:
            d = self._data
            i = len(d) - 1
            while i >= 0 and d[i] == 0:     # cabac_zero_words / trailing zeros
                i -= 1
            if i < 0:
                self._end_bits = -1
            else:
                b = d[i]
                tz = (b & -b).bit_length() - 1
                self._end_bits = 8 * i + 7 - tz
        return self._end_bits

    def more_rbsp_data(self) -> bool:
        """7.2 more_rbsp_data(): true if there is data before the rbsp_stop_one_bit."""
        return self._pos < self._stop_bit_pos()

    def rbsp_trailing_bits(self) -> None:
        """7.3.2.11: read rbsp_stop_one_bit (1) then zero bits to alignment."""
        if self.flag("rbsp_stop_one_bit") != 1:
            raise BitstreamError(f"rbsp_stop_one_bit is 0 at bit {self._pos - 1}")
        while self._pos & 7:
            if self.flag("rbsp_alignment_zero_bit"):
                raise BitstreamError(f"rbsp_alignment_zero_bit is 1 at bit {self._pos - 1}")

    def byte_alignment(self) -> None:
        """7.3.2.12 byte_alignment(): alignment_bit_equal_to_one, then zeros."""
        if self.flag("alignment_bit_equal_to_one") != 1:
            raise BitstreamError(f"alignment_bit_equal_to_one is 0 at bit {self._pos - 1}")
        while self._pos & 7:
            if self.flag("alignment_bit_equal_to_zero"):
                raise BitstreamError(f"alignment_bit_equal_to_zero is 1 at bit {self._pos - 1}")


# ---------------------------------------------------------------------------------------------
# Emulation prevention, 7.4.2 / 7.3.1.1
# ---------------------------------------------------------------------------------------------
def emulation_prevent(rbsp: bytes) -> bytes:
    """RBSP -> EBSP: insert emulation_prevention_three_byte (0x03) after every 00 00 that is
    followed by a byte <= 0x03 (7.4.2), and append 0x03 when the RBSP ends in 0x00
    (cabac_zero_word case)."""
    rbsp = bytes(rbsp)
    if b"\x00\x00" not in rbsp:
        return rbsp
    out = bytearray()
    zeros = 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    if rbsp and rbsp[-1] == 0:
        out.append(3)
    return bytes(out)


def remove_emulation_prevention(ebsp: bytes) -> tuple[bytes, list[int]]:
    """EBSP -> RBSP (7.3.1.1).  Returns (rbsp, epb) where epb lists, for every removed
    emulation_prevention_three_byte, its byte offset in the *input* ebsp.  (Entry point
    offsets, 7.4.7.1, count these bytes, so slice data parsing with tiles/WPP needs them.)"""
    ebsp = bytes(ebsp)
    i = ebsp.find(b"\x00\x00\x03")
    if i < 0:
        return ebsp, []
    out = bytearray()
    epb = []
    start = 0
    while i >= 0:
        out += ebsp[start:i + 2]
        epb.append(i + 2)
        start = i + 3
        i = ebsp.find(b"\x00\x00\x03", start)
    out += ebsp[start:]
    return bytes(out), epb


# ---------------------------------------------------------------------------------------------
# NAL units, 7.3.1 and Annex B
# ---------------------------------------------------------------------------------------------
START_CODE = b"\x00\x00\x00\x01"


def nal_unit(nal_unit_type: int, rbsp: bytes, temporal_id: int = 0, layer_id: int = 0,
             start_code: bytes = START_CODE) -> bytes:
    """Annex-B byte stream NAL unit: start code (zero_byte + start_code_prefix_one_3bytes,
    B.2) + nal_unit_header (7.3.1.2) + emulation-prevented RBSP (7.3.1.1)."""
    if not 0 <= nal_unit_type < 64:
        raise ValueError(f"nal_unit_type {nal_unit_type} out of range")
    if not 0 <= layer_id < 64 or not 0 <= temporal_id < 7:
        raise ValueError(f"bad layer_id {layer_id} / temporal_id {temporal_id}")
    # forbidden_zero_bit f(1) | nal_unit_type u(6) | nuh_layer_id u(6) | nuh_temporal_id_plus1 u(3)
    hdr = (nal_unit_type << 9) | (layer_id << 3) | (temporal_id + 1)
    return start_code + hdr.to_bytes(2, "big") + emulation_prevent(rbsp)


@dataclass
class NalUnit:
    nal_unit_type: int
    nuh_layer_id: int
    nuh_temporal_id_plus1: int
    rbsp: bytes                 # payload after the 2-byte header, emulation prevention removed
    size: int                   # NAL unit size in bytes (header + EBSP, no start code/trailing zeros)
    offset: int = 0             # byte offset of the NAL unit header in the Annex-B stream
    epb: list[int] = field(default_factory=list)  # removed 0x03 positions, relative to payload (EBSP) start

    @property
    def temporal_id(self) -> int:
        return self.nuh_temporal_id_plus1 - 1

    @property
    def name(self) -> str:
        return nal_type_name(self.nal_unit_type)

    def ebsp_offset(self, rbsp_offset: int) -> int:
        """Map a byte offset in rbsp to the offset in the payload EBSP (counting the
        emulation prevention bytes before it)."""
        n = rbsp_offset
        for p in self.epb:
            # p is the ebsp position of a removed byte; the rbsp index that follows it is p - k
            if p <= n:
                n += 1
            else:
                break
        return n


def parse_nal_header(nal: bytes) -> tuple[int, int, int]:
    if len(nal) < 2:
        raise BitstreamError("NAL unit shorter than its 2-byte header")
    h = (nal[0] << 8) | nal[1]
    if h & 0x8000:
        raise BitstreamError("forbidden_zero_bit is 1")
    tid1 = h & 7
    if tid1 == 0:
        raise BitstreamError("nuh_temporal_id_plus1 is 0")
    return (h >> 9) & 0x3F, (h >> 3) & 0x3F, tid1


def split_annexb(stream: bytes) -> list[NalUnit]:
    """Split an Annex-B byte stream (B.2) into NAL units, removing emulation prevention."""
    stream = bytes(stream)
    units = []
    pos = stream.find(b"\x00\x00\x01")
    if pos < 0:
        if stream.strip(b"\x00"):
            raise BitstreamError("no start code found in byte stream")
        return units
    if stream[:pos].strip(b"\x00"):
        raise BitstreamError("garbage before the first start code")
    while pos >= 0:
        begin = pos + 3
        nxt = stream.find(b"\x00\x00\x01", begin)
        end = nxt if nxt >= 0 else len(stream)
        # trailing_zero_8bits / zero_byte of the next start code are not part of the NAL unit
        e = end
        while e > begin and stream[e - 1] == 0:
            e -= 1
        nal = stream[begin:e]
        if nal:
            t, lid, tid1 = parse_nal_header(nal)
            rbsp, epb = remove_emulation_prevention(nal[2:])
            units.append(NalUnit(t, lid, tid1, rbsp, len(nal), begin, epb))
        pos = nxt
    return units
