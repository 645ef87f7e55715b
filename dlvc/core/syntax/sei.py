"""SEI RBSP (7.3.2.4 sei_rbsp, 7.3.5 sei_message), decoded picture hash SEI (D.2.19 syntax,
D.3.19 semantics; payloadType 132, carried in a SUFFIX_SEI_NUT) and user data unregistered
(D.2.7, payloadType 5; HM and x265 write one with their version string).

Which samples are hashed (D.3.19): pictureData is built from the *decoded sample arrays* of the
picture with compWidth[0] = pic_width_in_luma_samples, compHeight[0] =
pic_height_in_luma_samples and compWidth/Height[1,2] = those divided by SubWidthC/SubHeightC,
i.e. the full coded picture size, BEFORE conformance-window cropping.  Samples are taken
row-major (i = y * compWidth + x), one byte each for bit depth 8, two bytes (low byte first)
for higher bit depths.  HM (TComPictureHash) and FFmpeg's verify_md5 hash the same region.
"""
from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass, field

import numpy as np

from ..bitstream import BitstreamError, BitWriter, SUFFIX_SEI_NUT, nal_unit

# payloadType values, D.2.1 / Table D.1 (the ones dlvc cares about)
SEI_BUFFERING_PERIOD = 0
SEI_PIC_TIMING = 1
SEI_USER_DATA_REGISTERED_ITU_T_T35 = 4
SEI_USER_DATA_UNREGISTERED = 5
SEI_RECOVERY_POINT = 6
SEI_ACTIVE_PARAMETER_SETS = 129
SEI_DECODED_PICTURE_HASH = 132

HASH_MD5 = 0
HASH_CRC = 1
HASH_CHECKSUM = 2


# ---------------------------------------------------------------------------------------------
# sei_rbsp / sei_message, 7.3.2.4 / 7.3.5
# ---------------------------------------------------------------------------------------------
def write_sei_rbsp(messages: list[tuple[int, bytes]]) -> bytes:
    """sei_rbsp(): each (payloadType, payload bytes) as sei_message(), then
    rbsp_trailing_bits()."""
    w = BitWriter()
    for ptype, payload in messages:
        for v in (ptype, len(payload)):                 # ff_byte ... last_payload_*_byte
            while v >= 255:
                w.u(8, 0xFF)
                v -= 255
            w.u(8, v)
        w.bytes(payload)
    w.rbsp_trailing_bits()
    return w.getvalue()


def parse_sei_messages(rbsp: bytes) -> list[tuple[int, bytes]]:
    """sei_rbsp() -> [(payloadType, payload bytes)], all messages, unknown ones included
    (callers skip what they do not use)."""
    d = bytes(rbsp)
    # more_rbsp_data(): stop at the byte holding the rbsp_stop_one_bit (0x80 when aligned)
    end = len(d)
    while end > 0 and d[end - 1] == 0:
        end -= 1
    if end == 0 or d[end - 1] != 0x80:
        raise BitstreamError("SEI RBSP does not end with rbsp_trailing_bits")
    end -= 1
    pos = 0
    out = []
    while pos < end:
        vals = []
        for what in ("payloadType", "payloadSize"):
            v = 0
            while True:
                if pos >= end:
                    raise BitstreamError(f"truncated SEI message ({what})")
                b = d[pos]
                pos += 1
                v += b
                if b != 0xFF:
                    break
            vals.append(v)
        ptype, size = vals
        if pos + size > end:
            raise BitstreamError(f"SEI payload type {ptype} size {size} runs past the RBSP end")
        out.append((ptype, d[pos:pos + size]))
        pos += size
    return out


# ---------------------------------------------------------------------------------------------
# decoded picture hash, D.2.19 / D.3.19
# ---------------------------------------------------------------------------------------------
@dataclass
class DecodedPictureHash:
    hash_type: int = HASH_MD5
    picture_md5: list[bytes] = field(default_factory=list)      # hash_type 0, 16 bytes each
    picture_crc: list[int] = field(default_factory=list)        # hash_type 1, u(16)
    picture_checksum: list[int] = field(default_factory=list)   # hash_type 2, u(32)

    @property
    def values(self) -> list:
        return [self.picture_md5, self.picture_crc, self.picture_checksum][self.hash_type]


def _picture_data(plane: np.ndarray, bit_depth: int) -> bytes:
    """pictureData[cIdx] of D.3.19: row-major; 1 byte per sample for 8 bits, else 2 bytes
    (low, high)."""
    a = np.ascontiguousarray(plane)
    if bit_depth <= 8:
        return a.astype(np.uint8).tobytes()
    return a.astype("<u2").tobytes()


def picture_md5(planes, bit_depth: int = 8) -> list[bytes]:
    """MD5 (RFC 1321) of each plane's pictureData (D.3.19).  `planes` are the decoded sample
    arrays [y, x] of the full coded size (not cropped), e.g. the np.int16 Y, Cb, Cr planes."""
    return [hashlib.md5(_picture_data(p, bit_depth)).digest() for p in planes]


def picture_crc(planes, bit_depth: int = 8) -> list[int]:
    """CRC of D.3.19: the bitwise CRC with polynomial 0x1021 and crc = 0xFFFF over pictureData
    followed by two zero bytes.  That augmented form with register 0xFFFF equals the direct
    (non-augmented) CCITT CRC with initial value 0x1D0F, which binascii.crc_hqx computes."""
    return [binascii.crc_hqx(_picture_data(p, bit_depth), 0x1D0F) for p in planes]


def picture_crc_reference(data: bytes) -> int:
    """D.3.19 CRC, bit by bit as the spec writes it (slow; for tests)."""
    buf = bytes(data) + b"\x00\x00"
    crc = 0xFFFF
    for bitIdx in range(len(buf) * 8):
        dataByte = buf[bitIdx >> 3]
        crcMsb = (crc >> 15) & 1
        bitVal = (dataByte >> (7 - (bitIdx & 7))) & 1
        crc = (((crc << 1) + bitVal) & 0xFFFF) ^ (crcMsb * 0x1021)
    return crc


def picture_checksum(planes, bit_depth: int = 8) -> list[int]:
    """Checksum of D.3.19: sum over samples of (sample & 0xFF) ^ xorMask (plus (sample >> 8) ^
    xorMask above 8 bits), xorMask = (x & 0xFF) ^ (y & 0xFF) ^ (x >> 8) ^ (y >> 8), mod 2^32."""
    out = []
    for p in planes:
        a = np.asarray(p).astype(np.int64)
        h, w = a.shape
        y = np.arange(h, dtype=np.int64)[:, None]
        x = np.arange(w, dtype=np.int64)[None, :]
        mask = (x & 0xFF) ^ (y & 0xFF) ^ (x >> 8) ^ (y >> 8)
        s = int(((a & 0xFF) ^ mask).sum())
        if bit_depth > 8:
            s += int(((a >> 8) ^ mask).sum())
        out.append(s & 0xFFFFFFFF)
    return out


def compute_picture_hash(planes, hash_type: int = HASH_MD5, bit_depth: int = 8) -> DecodedPictureHash:
    h = DecodedPictureHash(hash_type=hash_type)
    if hash_type == HASH_MD5:
        h.picture_md5 = picture_md5(planes, bit_depth)
    elif hash_type == HASH_CRC:
        h.picture_crc = picture_crc(planes, bit_depth)
    elif hash_type == HASH_CHECKSUM:
        h.picture_checksum = picture_checksum(planes, bit_depth)
    else:
        raise ValueError(f"hash_type {hash_type}")
    return h


def write_decoded_picture_hash(h: DecodedPictureHash) -> bytes:
    """decoded_picture_hash( payloadSize ) payload bytes, D.2.19."""
    w = BitWriter()
    w.u(8, h.hash_type)
    for v in h.values:
        if h.hash_type == HASH_MD5:
            if len(v) != 16:
                raise ValueError("picture_md5 must be 16 bytes")
            w.bytes(bytes(v))
        elif h.hash_type == HASH_CRC:
            w.u(16, v)
        else:
            w.u(32, v)
    return w.getvalue()


def parse_decoded_picture_hash(payload: bytes, num_components: int = 3) -> DecodedPictureHash:
    """D.2.19; num_components = 1 when chroma_format_idc == 0, else 3."""
    p = bytes(payload)
    if not p:
        raise BitstreamError("empty decoded picture hash SEI")
    h = DecodedPictureHash(hash_type=p[0])
    size = {HASH_MD5: 16, HASH_CRC: 2, HASH_CHECKSUM: 4}.get(h.hash_type)
    if size is None:
        raise BitstreamError(f"unknown decoded picture hash_type {h.hash_type}")
    if len(p) < 1 + size * num_components:
        raise BitstreamError("decoded picture hash SEI too short")
    for c in range(num_components):
        chunk = p[1 + size * c:1 + size * (c + 1)]
        if h.hash_type == HASH_MD5:
            h.picture_md5.append(chunk)
        elif h.hash_type == HASH_CRC:
            h.picture_crc.append(int.from_bytes(chunk, "big"))
        else:
            h.picture_checksum.append(int.from_bytes(chunk, "big"))
    return h


def write_decoded_picture_hash_sei(digests, hash_type: int = HASH_MD5) -> bytes:
    """sei_rbsp() holding one decoded picture hash message.  digests: 16-byte MD5 digests (or
    CRC / checksum integers for hash_type 1 / 2), one per colour component.  Put the result
    in a SUFFIX_SEI_NUT NAL unit after the picture's slices (decoded_picture_hash_nal)."""
    h = DecodedPictureHash(hash_type=hash_type)
    [h.picture_md5, h.picture_crc, h.picture_checksum][hash_type].extend(digests)
    return write_sei_rbsp([(SEI_DECODED_PICTURE_HASH, write_decoded_picture_hash(h))])


def decoded_picture_hash_nal(planes, hash_type: int = HASH_MD5, bit_depth: int = 8,
                             temporal_id: int = 0) -> bytes:
    """Complete Annex-B SUFFIX_SEI NAL unit with the picture hash of `planes`."""
    h = compute_picture_hash(planes, hash_type, bit_depth)
    return nal_unit(SUFFIX_SEI_NUT, write_decoded_picture_hash_sei(h.values, hash_type),
                    temporal_id=temporal_id)


# ---------------------------------------------------------------------------------------------
# user data unregistered, D.2.7
# ---------------------------------------------------------------------------------------------
def parse_user_data_unregistered(payload: bytes) -> tuple[bytes, bytes]:
    """(uuid_iso_iec_11578 (16 bytes), user_data_payload_byte...)."""
    if len(payload) < 16:
        raise BitstreamError("user_data_unregistered SEI shorter than its 16-byte UUID")
    return bytes(payload[:16]), bytes(payload[16:])


def write_user_data_unregistered(uuid: bytes, data: bytes) -> bytes:
    if len(uuid) != 16:
        raise ValueError("uuid_iso_iec_11578 must be 16 bytes")
    return bytes(uuid) + bytes(data)
