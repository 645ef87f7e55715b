"""Sample adaptive offset: the sao() CTU syntax (7.3.8.3, written and parsed next to each
other) and the SAO process on a whole picture (8.7.3).

SAO parameters of a picture live in one array ``sao = new_sao_params(ctbs_h, ctbs_w)``,
``np.int32 [PicHeightInCtbsY, PicWidthInCtbsY, 3, SAO_NFIELDS]`` indexed [ry, rx, cIdx, field]:

* ``SAO_TYPE``: SaoTypeIdx (0 not applied, 1 band offset, 2 edge offset).  Cr always carries
  Cb's type (sao_type_idx_chroma is shared).
* ``SAO_AUX``: sao_band_position (band offset) or SaoEoClass (edge offset, 0 horizontal,
  1 vertical, 2 135 degrees, 3 45 degrees; Cr carries Cb's class).
* ``SAO_OFFSET + i`` (i = 0..3): SaoOffsetVal[cIdx][rx][ry][i + 1], signed (edge offset:
  i = 0, 1 >= 0 and i = 2, 3 <= 0; log2_sao_offset_scale is 0 in Main, |value| <= 7).
* ``SAO_MERGE`` (cIdx 0 only): 0, or 1 for sao_merge_left_flag, 2 for sao_merge_up_flag.
  A merged CTB also carries the copied parameters of its left / upper neighbour, so the
  SAO process reads fields 0..5 only.

``parse_sao`` fills a CTB's entry as the standard infers it (merges copied, absent
components 0); ``write_sao`` codes an entry (the encoder keeps merged entries equal to their
source).  The SAO process (``sao_picture``) reads the deblocked picture and writes a second
picture buffer; samples whose edge-offset neighbour lies outside the picture (or, across a
slice boundary, where slice_loop_filter_across_slices_enabled_flag forbids it) are left as
they are.
"""
import numpy as np
from ..jit import njit

from .cabac import (
    SAO_MERGE_FLAG, SAO_TYPE_IDX, decode_bypass, decode_bypass_bins, decode_decision, encode_bypass,
    encode_bypass_bins, encode_decision,
)
from .constants import BIT_DEPTH, MAX_SAMPLE
from .deblocking import LF_ACROSS_SLICES, LF_SAO_CHROMA, LF_SAO_LUMA

SAO_TYPE = 0
SAO_AUX = 1
SAO_OFFSET = 2
SAO_MERGE = 6
SAO_NFIELDS = 7

SAO_NOT_APPLIED = 0
SAO_BAND = 1
SAO_EDGE = 2

MERGE_LEFT = 1
MERGE_UP = 2

SAO_OFFSET_CMAX = (1 << (min(BIT_DEPTH, 10) - 5)) - 1    # cMax of sao_offset_abs (9.3.3.x): 7
BAND_SHIFT = BIT_DEPTH - 5

# Table 8-13 (hPos, vPos of the two neighbours) per SaoEoClass
EO_HPOS = np.array([[-1, 1], [0, 0], [-1, 1], [1, -1]], np.int64)
EO_VPOS = np.array([[0, 0], [-1, 1], [-1, 1], [-1, 1]], np.int64)


def new_sao_params(ctbs_h, ctbs_w):
    return np.zeros((ctbs_h, ctbs_w, 3, SAO_NFIELDS), np.int32)


# ------------------------------------------------------------------------------ syntax

@njit(cache=True, nogil=True)
def sao_merge_candidates(rx, ry, ctbs_w, slice_addr_rs):
    """7.3.8.3: (left, up) merge candidates present (same slice; one tile)."""
    addr = ry * ctbs_w + rx
    left = rx > 0 and addr - 1 >= slice_addr_rs
    up = ry > 0 and addr - ctbs_w >= slice_addr_rs
    return left, up


@njit(cache=True, nogil=True)
def write_sao(w, buf, ctx, sao, rx, ry, ctbs_w, slice_addr_rs, sao_luma, sao_chroma):
    """7.3.8.3 sao(rx, ry): codes the entry sao[ry, rx] (call it when slice_sao_luma_flag or
    slice_sao_chroma_flag, before coding_quadtree of the CTU)."""
    left, up = sao_merge_candidates(rx, ry, ctbs_w, slice_addr_rs)
    write_sao_params(w, buf, ctx, sao[ry, rx], left, up, sao_luma, sao_chroma)


@njit(cache=True, nogil=True)
def write_sao_params(w, buf, ctx, p, left, up, sao_luma, sao_chroma):
    """sao() for the parameters p = sao[ry, rx] ([3, SAO_NFIELDS]) given which merge
    candidates are present (also used by the encoder's rate estimation)."""
    merge = p[0, SAO_MERGE]
    if left:
        encode_decision(w, buf, ctx, SAO_MERGE_FLAG, 1 if merge == MERGE_LEFT else 0)   # sao_merge_left_flag
        if merge == MERGE_LEFT:
            return
    if up:
        encode_decision(w, buf, ctx, SAO_MERGE_FLAG, 1 if merge == MERGE_UP else 0)     # sao_merge_up_flag
        if merge == MERGE_UP:
            return
    for c in range(3):
        if not (sao_luma if c == 0 else sao_chroma):
            continue
        write_sao_offsets(w, buf, ctx, p, c)


@njit(cache=True, nogil=True)
def write_sao_offsets(w, buf, ctx, p, c):
    """The part of sao() for component c of p ([3, SAO_NFIELDS]): type, offsets, signs, band
    position, edge class."""
    t = p[1 if c == 2 else c, SAO_TYPE]
    if c < 2:
        # sao_type_idx_luma / _chroma: TR cMax 2, first bin context coded, second bypass
        encode_decision(w, buf, ctx, SAO_TYPE_IDX, 0 if t == SAO_NOT_APPLIED else 1)
        if t != SAO_NOT_APPLIED:
            encode_bypass(w, buf, 0 if t == SAO_BAND else 1)
    if t == SAO_NOT_APPLIED:
        return
    for i in range(4):
        # sao_offset_abs: TR, cMax 7, bypass
        a = abs(p[c, SAO_OFFSET + i])
        for k in range(a):
            encode_bypass(w, buf, 1)
        if a < SAO_OFFSET_CMAX:
            encode_bypass(w, buf, 0)
    if t == SAO_BAND:
        for i in range(4):
            v = p[c, SAO_OFFSET + i]
            if v != 0:
                encode_bypass(w, buf, 1 if v < 0 else 0)      # sao_offset_sign
        encode_bypass_bins(w, buf, p[c, SAO_AUX], 5)            # sao_band_position
    elif c < 2:
        encode_bypass_bins(w, buf, p[c, SAO_AUX], 2)            # sao_eo_class_luma / _chroma


@njit(cache=True, nogil=True)
def parse_sao(d, data, ctx, sao, rx, ry, ctbs_w, slice_addr_rs, sao_luma, sao_chroma):
    """7.3.8.3 sao(rx, ry) with the inference of 7.4.9.3: fills sao[ry, rx]."""
    left, up = sao_merge_candidates(rx, ry, ctbs_w, slice_addr_rs)
    if left and decode_decision(d, data, ctx, SAO_MERGE_FLAG):
        sao[ry, rx, :, :] = sao[ry, rx - 1, :, :]
        sao[ry, rx, 0, SAO_MERGE] = MERGE_LEFT
        return
    if up and decode_decision(d, data, ctx, SAO_MERGE_FLAG):
        sao[ry, rx, :, :] = sao[ry - 1, rx, :, :]
        sao[ry, rx, 0, SAO_MERGE] = MERGE_UP
        return
    sao[ry, rx, :, :] = 0
    for c in range(3):
        if not (sao_luma if c == 0 else sao_chroma):
            continue
        if c < 2:
            t = SAO_NOT_APPLIED
            if decode_decision(d, data, ctx, SAO_TYPE_IDX):
                t = SAO_EDGE if decode_bypass(d, data) else SAO_BAND
        else:
            t = sao[ry, rx, 1, SAO_TYPE]
        sao[ry, rx, c, SAO_TYPE] = t
        if t == SAO_NOT_APPLIED:
            continue
        for i in range(4):
            a = 0
            while a < SAO_OFFSET_CMAX and decode_bypass(d, data):
                a += 1
            sao[ry, rx, c, SAO_OFFSET + i] = a
        if t == SAO_BAND:
            for i in range(4):
                if sao[ry, rx, c, SAO_OFFSET + i] != 0 and decode_bypass(d, data):
                    sao[ry, rx, c, SAO_OFFSET + i] = -sao[ry, rx, c, SAO_OFFSET + i]
            sao[ry, rx, c, SAO_AUX] = decode_bypass_bins(d, data, 5)
        else:
            # 7.4.9.3.2: edge offsets 3 and 4 are negative
            sao[ry, rx, c, SAO_OFFSET + 2] = -sao[ry, rx, c, SAO_OFFSET + 2]
            sao[ry, rx, c, SAO_OFFSET + 3] = -sao[ry, rx, c, SAO_OFFSET + 3]
            if c < 2:
                sao[ry, rx, c, SAO_AUX] = decode_bypass_bins(d, data, 2)
            else:
                sao[ry, rx, c, SAO_AUX] = sao[ry, rx, 1, SAO_AUX]


# ------------------------------------------------------------------------------ process

@njit(cache=True, nogil=True)
def sao_ctb(src, dst, sao, rx, ry, c, log2c, lf, slice_map, multi_slice):
    """8.7.3.2: the CTB modification process of component c for CTB (rx, ry); src is the
    deblocked plane, dst the output plane (log2c: CTB size log2 of this component)."""
    hgt = src.shape[0]
    wdt = src.shape[1]
    size = 1 << log2c
    x0 = rx << log2c
    y0 = ry << log2c
    x1 = min(x0 + size, wdt)
    y1 = min(y0 + size, hgt)
    t = sao[ry, rx, c, SAO_TYPE]
    off = np.zeros(5, np.int32)       # SaoOffsetVal[0..4]
    for i in range(4):
        off[i + 1] = sao[ry, rx, c, SAO_OFFSET + i]
    if t == SAO_BAND:
        table = np.zeros(32, np.int32)
        pos = sao[ry, rx, c, SAO_AUX]
        for k in range(4):
            table[(k + pos) & 31] = k + 1
        for y in range(y0, y1):
            for x in range(x0, x1):
                v = np.int32(src[y, x])
                v += off[table[v >> BAND_SHIFT]]
                dst[y, x] = 0 if v < 0 else (MAX_SAMPLE if v > MAX_SAMPLE else v)
        return
    cls = sao[ry, rx, c, SAO_AUX]
    ha, hb = EO_HPOS[cls, 0], EO_HPOS[cls, 1]
    va, vb = EO_VPOS[cls, 0], EO_VPOS[cls, 1]
    cur_slice = slice_map[ry, rx]
    cur_addr = ry * slice_map.shape[1] + rx
    for y in range(y0, y1):
        for x in range(x0, x1):
            xa, ya, xb, yb = x + ha, y + va, x + hb, y + vb
            if xa < 0 or ya < 0 or xb < 0 or yb < 0 or xa >= wdt or xb >= wdt or ya >= hgt or yb >= hgt:
                dst[y, x] = src[y, x]
                continue
            if multi_slice and not (_across_ok(xa, ya, log2c, slice_map, lf, cur_slice, cur_addr)
                                    and _across_ok(xb, yb, log2c, slice_map, lf, cur_slice, cur_addr)):
                dst[y, x] = src[y, x]
                continue
            v = np.int32(src[y, x])
            a = np.int32(src[ya, xa])
            b = np.int32(src[yb, xb])
            e = 2 + (1 if v > a else (-1 if v < a else 0)) + (1 if v > b else (-1 if v < b else 0))
            if e <= 2:
                e = 0 if e == 2 else e + 1
            v += off[e]
            dst[y, x] = 0 if v < 0 else (MAX_SAMPLE if v > MAX_SAMPLE else v)


@njit(cache=True, nogil=True)
def _across_ok(xn, yn, log2c, slice_map, lf, cur_slice, cur_addr):
    """8.7.3.2: may the sample use neighbour (xn, yn) across a slice boundary?"""
    ny = yn >> log2c
    nx = xn >> log2c
    s = slice_map[ny, nx]
    if s == cur_slice:
        return True
    if ny * slice_map.shape[1] + nx < cur_addr:
        return lf[cur_slice, LF_ACROSS_SLICES] != 0
    return lf[s, LF_ACROSS_SLICES] != 0


@njit(cache=True, nogil=True)
def sao_picture(src, dst, sao, ctb_log2, lf, slice_map):
    """8.7.3.1: SAO on a whole picture.  src: the deblocked planes (Y, Cb, Cr), read only;
    dst: planes holding a copy of src on entry, the SAO output on return."""
    ctbs_h = slice_map.shape[0]
    ctbs_w = slice_map.shape[1]
    multi = False
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            if slice_map[ry, rx] != slice_map[0, 0]:
                multi = True
    for ry in range(ctbs_h):
        for rx in range(ctbs_w):
            s = slice_map[ry, rx]
            for c in range(3):
                if not (lf[s, LF_SAO_LUMA] if c == 0 else lf[s, LF_SAO_CHROMA]):
                    continue
                if sao[ry, rx, c, SAO_TYPE] == SAO_NOT_APPLIED:
                    continue
                sao_ctb(src[c], dst[c], sao, rx, ry, c, ctb_log2 if c == 0 else ctb_log2 - 1,
                        lf, slice_map, multi)
