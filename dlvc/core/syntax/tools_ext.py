"""dlvc's tool signalling in the parameter sets and slice headers (DESIGN.md Principle 7).

SPS: with any normative dlvc tool on, sps_extension_present_flag = 1 and
sps_extension_4bits = 1; the sps_extension_data_flag bits then hold

    dlvc_tools_extension( ) {
        dlvc_magic                      u(8)     0x44 ("D")
        dlvc_num_tools                  ue(v)
        for( i = 0; i < dlvc_num_tools; i++ ) {
            dlvc_tool_id[ i ]           ue(v)    (dlvc/tools registry)
            dlvc_weights_hash[ i ]      u(8) x 4 (the first 4 bytes of the sha256 of
                                                   the weights file)
            dlvc_tool_param_bytes[ i ]  ue(v)
            dlvc_tool_param[ i ][ j ]   u(8) x dlvc_tool_param_bytes
        }
    }

The record is kept short (57 bits for the CNN filter) because an encoder re-sends the SPS
before every IRAP picture, as HM does: all-intra pays it on every picture.  Four bytes of
the hash tell the weights files dlvc holds apart; they are an identity check, not security.
HEVC decoders ignore sps_extension_data_flag, so the parameter sets stay decodable; the
CTU syntax of a tool that is on is not HEVC, so only dlvc-dec decodes such streams.
With every tool off nothing here is written: the stream is plain HEVC.

Slice header: the PPS sets num_extra_slice_header_bits = 6 and the slice header's
slice_reserved_flag[ i ] carry the CNN in-loop filter's (tool 1) slice syntax:

    slice_reserved_flag[ cIdx ], cIdx = 0..2   slice_cnnlf_flag[ cIdx ] (Y, Cb, Cr)
    slice_reserved_flag[ 3 ], [ 4 ]           slice_cnnlf_qp_offset_idx, two bits, the
                                              most significant first
    slice_reserved_flag[ 5 ]                  slice_cnnlf_all_ctbs_flag: every CTB of each
                                              component whose slice_cnnlf_flag is 1 takes
                                              the filtered samples, and no cnnlf_flag is
                                              coded (core/tool_syntax.py)
    slice_reserved_flag[ 6 ]                  slice_cnnlf_set_idx: the model set of a
                                              weights file of two (tools/cnnlf/codec.py);
                                              the PPS has this 7th bit only then

slice_cnnlf_qp_offset_idx selects CnnlfQpOffset = CNNLF_QP_OFFSETS[ idx ]; the filter runs
with the QP Clip3( 0, 51, SliceQpY + CnnlfQpOffset ) (its model choice and its QP input
plane: tools/cnnlf/codec.py).  A PPS with num_extra_slice_header_bits = 3 (streams before
the offset) means idx 0, one with fewer than 6 slice_cnnlf_all_ctbs_flag = 0, one with fewer
than 7 slice_cnnlf_set_idx = 0.  6 or 7 bits per slice (a slice header extension would cost
12 or more; at the low rates of small pictures
that is 1% of the stream).  HEVC decoders skip them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..bitstream import BitReader, BitstreamError, BitWriter

DLVC_MAGIC = 0x44
SPS_EXTENSION_4BITS_DLVC = 1
HASH_BYTES = 4
CNNLF_SLICE_BITS = 6
CNNLF_SET_BITS = 7                # ... and with slice_cnnlf_set_idx (weights of two model sets)
CNNLF_OFFSET_BITS = 5             # ... and with slice_cnnlf_qp_offset_idx
CNNLF_FLAG_BITS = 3               # slice_cnnlf_flag[ 0..2 ]: the PPS holds at least these
CNNLF_QP_OFFSETS = (0, -3, -6, -9)


@dataclass
class ToolRecord:
    tool_id: int
    weights_hash: bytes            # first HASH_BYTES bytes of the weights file's sha256
    params: bytes = b""


def write_tools_extension(records) -> list[int]:
    """The sps_extension_data_flag bits of dlvc_tools_extension()."""
    w = BitWriter()
    w.u(8, DLVC_MAGIC)
    w.ue(len(records))
    for rec in records:
        w.ue(rec.tool_id)
        assert len(rec.weights_hash) == HASH_BYTES
        for b in rec.weights_hash:
            w.u(8, b)
        w.ue(len(rec.params))
        for b in rec.params:
            w.u(8, b)
    w.u(1, 1)                      # a stop bit and zero padding, removed again below
    while w.bit_count % 8:
        w.u(1, 0)
    data = w.getvalue()
    bits = []
    for byte in data:
        bits.extend((byte >> (7 - i)) & 1 for i in range(8))
    # drop BitWriter's zero padding and our stop bit: exactly the payload bits
    while bits and bits[-1] == 0:
        bits.pop()
    bits.pop()
    return bits


def parse_tools_extension(bits) -> list[ToolRecord]:
    """Parse sps_extension_data_flag bits; BitstreamError when they are not dlvc's."""
    bits = list(bits) + [1]
    while len(bits) % 8:
        bits.append(0)
    data = bytes(int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits), 8))
    r = BitReader(data)
    try:
        if r.u(8) != DLVC_MAGIC:
            raise BitstreamError("SPS extension data is not a dlvc tools extension")
        n = r.ue()
        if n > 64:
            raise BitstreamError(f"dlvc_num_tools {n} > 64")
        out = []
        for _ in range(n):
            tid = r.ue()
            sha = bytes(r.u(8) for _ in range(HASH_BYTES))
            k = r.ue()
            if k > 255:
                raise BitstreamError(f"dlvc_tool_param_bytes {k} > 255")
            out.append(ToolRecord(tid, sha, bytes(r.u(8) for _ in range(k))))
    except (IndexError, EOFError) as e:
        raise BitstreamError(f"truncated dlvc tools extension ({e})") from None
    return out


def sps_tool_records(sps) -> list[ToolRecord]:
    """The dlvc tools an SPS switches on ([] for a plain HEVC SPS)."""
    if not (sps.sps_extension_present_flag and sps.sps_extension_4bits & SPS_EXTENSION_4BITS_DLVC):
        return []
    return parse_tools_extension(sps.sps_extension_data_flag)


def set_sps_tools(sps, records) -> None:
    """Write the records into an SPS (nothing when there are none)."""
    if not records:
        return
    sps.sps_extension_present_flag = 1
    sps.sps_extension_4bits = SPS_EXTENSION_4BITS_DLVC
    sps.sps_extension_data_flag = write_tools_extension(records)


CNNLF_OFF, CNNLF_CTU_FLAGS, CNNLF_ALL_CTBS = 0, 1, 2     # a component's mode in the CTU syntax


def set_cnnlf_slice_flags(sh, pps, on, qp_offset_idx=0, set_idx=0) -> None:
    """The slice syntax from the components' modes ``on`` (Y, Cb, Cr; CNNLF_OFF,
    CNNLF_CTU_FLAGS or CNNLF_ALL_CTBS, the last for all the components on or none),
    slice_cnnlf_qp_offset_idx and slice_cnnlf_set_idx, in the bits ``pps`` holds
    (CNNLF_SLICE_BITS, or CNNLF_SET_BITS with the set index)."""
    n = pps.num_extra_slice_header_bits
    assert n in (CNNLF_SLICE_BITS, CNNLF_SET_BITS) and 0 <= qp_offset_idx < len(CNNLF_QP_OFFSETS)
    assert set_idx in (0, 1) and (set_idx == 0 or n == CNNLF_SET_BITS)
    all_ctbs = int(any(m == CNNLF_ALL_CTBS for m in on))
    assert not all_ctbs or all(m != CNNLF_CTU_FLAGS for m in on)
    sh.slice_reserved_flag = ([int(m != CNNLF_OFF) for m in on] + [qp_offset_idx >> 1, qp_offset_idx & 1, all_ctbs]
                              + [set_idx] * (n == CNNLF_SET_BITS))


def cnnlf_slice_flags(sh, pps) -> tuple[np.ndarray, int, int]:
    """The components' modes (np.int32 [3]: CNNLF_OFF where slice_cnnlf_flag is 0, else
    CNNLF_ALL_CTBS or CNNLF_CTU_FLAGS by slice_cnnlf_all_ctbs_flag),
    slice_cnnlf_qp_offset_idx and slice_cnnlf_set_idx (absent syntax elements, in PPSs of
    fewer bits: 0)."""
    n = pps.num_extra_slice_header_bits
    if n < CNNLF_FLAG_BITS:
        raise BitstreamError(f"the PPS lacks the CNN loop filter's slice flags "
                             f"(num_extra_slice_header_bits < {CNNLF_FLAG_BITS})")
    f = sh.slice_reserved_flag
    idx = (f[3] << 1) | f[4] if n >= CNNLF_OFFSET_BITS else 0
    mode = CNNLF_ALL_CTBS if n >= CNNLF_SLICE_BITS and f[5] else CNNLF_CTU_FLAGS
    set_idx = f[6] if n >= CNNLF_SET_BITS else 0
    return np.array([mode if flag else CNNLF_OFF for flag in f[:CNNLF_FLAG_BITS]], np.int32), idx, set_idx
