"""The coding structure, exactly as HM 16.25 builds it (per picture, Python, not hot).

From the cfg (``GOPSize``, ``Frame1..FrameN``, ``IntraPeriod``, ``DecodingRefreshType``,
``QP``, ``IntraQPOffset``, ``LambdaFromQpEnable``) this module derives what HM does:

* the GOP entries, read as HM reads ``FrameN`` lines (TAppEncCfg ``operator>>(GOPEntry)``)::

      FrameN : Type POC QPoffset QPOffsetModelOff QPOffsetModelScale CbQPoffset CrQPoffset
               QPfactor tcOffsetDiv2 betaOffsetDiv2 temporal_id #ref_pics_active #ref_pics
               reference_pictures... predict [deltaRPS [#ref_idcs reference_idcs...]]

  (predict 0: explicit; 1: inter RPS prediction from the previous entry with deltaRPS and
  the idcs; 2: deltaRPS only, idcs derived) and HM's check of the structure, which adds an
  "extra" RPS for every picture of the first GOPs whose references do not exist yet
  (TAppEncCfg::xCheckParameter), and sets used_by_curr and the entries' refPic flags;
* the SPS's short-term RPS list (TEncTop::xInitRPS: GOPSize + extra sets + one empty set),
  sps_max_dec_pic_buffering / sps_max_num_reorder_pics / sub-layers, the PPS default
  num_ref_idx (the most frequent #ref_pics_active) and slice chroma QP offset presence;
* the pictures in coding order (TEncTop::encode / TEncGOP::compressGOP: POC 0 alone, then
  GOPs of GOPSize pictures, the last one possibly incomplete), each with HM's slice type, NAL
  unit type (IDR/CRA by IntraPeriod and DecodingRefreshType, RASL/RADL, TSA/STSA, _N for
  sub-layer non-reference pictures), temporal id, QP (TEncCfg::getQPForPicture), lambda
  (TEncSlice::calculateLambda), RPS (SPS index, or an explicit set built from the available
  pictures where some do not exist, e.g. at an IRAP picture or the end of the sequence:
  TComSlice::createExplicitReferencePictureSetFromReference), num_ref_idx_active and the
  reference POC lists as the decoder builds them (dlvc.core.dpb, 8.3.4).

Long-term reference pictures are not used (HM's cfg files do not use them either).
Lambda comes from dlvc.encoder.lambdas.hm_lambda (HM's calculateLambda incl.
LambdaFromQpEnable).

Without any ``FrameN`` entry (dlvc's default) the structure is all-intra, as HM's
``IntraPeriod : 1`` without a GOP table: every picture an I slice, IDR first, then TRAIL_R,
CRA or IDR pictures by DecodingRefreshType.

API::

    cs = CodingStructure(cfg, num_frames=33)
    for plan in cs:               # PicturePlan, coding order
        plan.poc, plan.slice_type, plan.nal_unit_type, plan.qp, plan.lam, plan.ref_pocs ...
        sh = plan.slice_header(sps, pps)    # the first slice's header fields HM would write
    cs.sps_st_rps_list()          # SPS st_ref_pic_set list
    cs.sps_max_dec_pic_buffering_minus1, cs.sps_max_num_reorder_pics, ...

``gop_config_error(cfg)`` is the cfg check of the FrameN lines (dlvc.config calls it);
``CodingStructure(cfg)`` checks the structure as HM does and raises DlvcError (one line,
naming the cfg file and line) for an invalid one.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

from ..core.bitstream import (CRA_NUT, IDR_N_LP, IDR_W_RADL, RADL_N, RADL_R, RASL_N, RASL_R,
                              STSA_N, STSA_R, TRAIL_N, TRAIL_R, TSA_N, TSA_R, is_irap,
                              is_sub_layer_non_reference)
from ..core.dpb import build_ref_pic_lists, rps_poc_lists
from ..core.syntax.slice_header import B_SLICE, I_SLICE, P_SLICE, SliceHeader
from ..core.syntax.st_rps import StRps, derive_st_rps, explicit_st_rps
from ..errors import DlvcError
from .lambdas import hm_lambda

__all__ = ["GopEntry", "parse_gop_entry", "gop_entries_from_cfg", "gop_config_error",
           "PicturePlan", "CodingStructure", "hm_qp", "MAX_GOP_ENTRIES"]

MAX_GOP_ENTRIES = 16          # dlvc's limit on GOPSize (HM: MAX_GOP = 64)
MAX_NUM_REF_PICS = 16         # HM's MAX_NUM_REF_PICS
MAX_TLAYER = 7                # HM's MAX_TLAYER
_SLICE_OF_CHAR = {"B": B_SLICE, "P": P_SLICE, "I": I_SLICE}


# ---------------------------------------------------------------------------------------------
# GOP entries
# ---------------------------------------------------------------------------------------------

@dataclass
class GopEntry:
    """One FrameN line (HM's GOPEntry).  ``used`` and ``ref_pic`` are set by the structure
    check (HM computes used_by_curr_pic from temporal ids: a reference of a higher temporal
    layer is kept but not used)."""
    type: str = "P"                     # 'B', 'P' or 'I'
    poc: int = -1                       # POC offset within the GOP, 1..GOPSize
    qp_offset: int = 0
    qp_offset_model_offset: float = 0.0
    qp_offset_model_scale: float = 0.0
    cb_qp_offset: int = 0
    cr_qp_offset: int = 0
    qp_factor: float = 0.0
    tc_offset_div2: int = 0
    beta_offset_div2: int = 0
    temporal_id: int = 0
    num_ref_pics_active: int = 0
    ref_pics: list[int] = field(default_factory=list)     # delta POCs, HM's order
    used: list[int] = field(default_factory=list)         # used_by_curr_pic per ref_pics
    predict: int = 0                    # inter RPS prediction: 0, 1 or 2
    delta_rps: int = 0
    ref_idcs: list[int] = field(default_factory=list)
    ref_pic: bool = False               # referenced by a picture of the same temporal layer


def _tokens_int(tok, name):
    try:
        return int(tok, 10)
    except ValueError:
        raise ValueError(f"{name} {tok!r} is not an integer") from None


def _tokens_float(tok, name):
    try:
        v = float(tok)
    except ValueError:
        raise ValueError(f"{name} {tok!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} {tok!r} is not a finite number")
    return v


def parse_gop_entry(text: str) -> GopEntry:
    """One ``FrameN`` value, in the order HM reads it; ValueError with a short message."""
    toks = str(text).split()
    pos = 0

    def take(name, conv):
        nonlocal pos
        if pos >= len(toks):
            raise ValueError(f"missing {name}")
        tok = toks[pos]
        pos += 1
        return conv(tok, name) if conv else tok

    e = GopEntry()
    e.type = take("Type", None)
    if e.type not in _SLICE_OF_CHAR:
        raise ValueError(f"Type {e.type!r} must be B, P or I")
    e.poc = take("POC", _tokens_int)
    e.qp_offset = take("QPoffset", _tokens_int)
    e.qp_offset_model_offset = take("QPOffsetModelOff", _tokens_float)
    e.qp_offset_model_scale = take("QPOffsetModelScale", _tokens_float)
    e.cb_qp_offset = take("CbQPoffset", _tokens_int)
    e.cr_qp_offset = take("CrQPoffset", _tokens_int)
    e.qp_factor = take("QPfactor", _tokens_float)
    e.tc_offset_div2 = take("tcOffsetDiv2", _tokens_int)
    e.beta_offset_div2 = take("betaOffsetDiv2", _tokens_int)
    e.temporal_id = take("temporal_id", _tokens_int)
    e.num_ref_pics_active = take("#ref_pics_active", _tokens_int)
    n = take("#ref_pics", _tokens_int)
    if not 0 <= n <= MAX_NUM_REF_PICS:
        raise ValueError(f"#ref_pics {n} out of range 0..{MAX_NUM_REF_PICS}")
    e.ref_pics = [take("reference picture", _tokens_int) for _ in range(n)]
    e.used = [0] * n
    e.predict = take("predict", _tokens_int)
    if e.predict == 1:
        e.delta_rps = take("deltaRPS", _tokens_int)
        k = take("#ref_idcs", _tokens_int)
        if not 0 <= k <= MAX_NUM_REF_PICS + 1:
            raise ValueError(f"#ref_idcs {k} out of range 0..{MAX_NUM_REF_PICS + 1}")
        e.ref_idcs = [take("reference idc", _tokens_int) for _ in range(k)]
    elif e.predict == 2:
        e.delta_rps = take("deltaRPS", _tokens_int)
    elif e.predict != 0:
        raise ValueError(f"predict {e.predict} must be 0, 1 or 2")
    if pos != len(toks):
        raise ValueError(f"unexpected {' '.join(toks[pos:])!r} after the entry")
    # per-entry ranges
    if not 0 <= e.temporal_id < MAX_TLAYER:
        raise ValueError(f"temporal_id {e.temporal_id} out of range 0..{MAX_TLAYER - 1}")
    if not 1 <= e.num_ref_pics_active <= 15:
        raise ValueError(f"#ref_pics_active {e.num_ref_pics_active} out of range 1..15")
    for key, v in (("CbQPoffset", e.cb_qp_offset), ("CrQPoffset", e.cr_qp_offset)):
        if abs(v) > 12:
            raise ValueError(f"{key} {v} out of range -12..12")
    for key, v in (("tcOffsetDiv2", e.tc_offset_div2), ("betaOffsetDiv2", e.beta_offset_div2)):
        if abs(v) > 6:
            raise ValueError(f"{key} {v} out of range -6..6")
    if 0 in e.ref_pics:
        raise ValueError("a reference picture delta POC is 0")
    neg = [d for d in e.ref_pics if d < 0]
    pos_ = [d for d in e.ref_pics if d > 0]
    if e.ref_pics != neg + pos_ or any(a <= b for a, b in zip(neg, neg[1:])) or \
            any(a >= b for a, b in zip(pos_, pos_[1:])):
        raise ValueError(f"reference pictures {' '.join(map(str, e.ref_pics))} must be the negative "
                         f"delta POCs in decreasing order, then the positive ones increasing")
    if e.predict and e.delta_rps == 0:
        raise ValueError("deltaRPS must not be 0")
    if any(i not in (0, 1, 2) for i in e.ref_idcs):
        raise ValueError("reference idcs must be 0, 1 or 2")
    return e


def _frame_key(i):
    return f"Frame{i}"


def _cfg_get(cfg, key, default=None):
    try:
        return cfg[key]
    except (KeyError, TypeError):
        return getattr(cfg, key, default)


def gop_entries_from_cfg(cfg) -> list[GopEntry]:
    """The cfg's GOP entries Frame1..FrameGOPSize (parsed; not yet checked as a structure).
    [] when no entry is given and GOPSize is 1 (all-intra)."""
    g = _cfg_get(cfg, "GOPSize", 1)
    texts = {i: _cfg_get(cfg, _frame_key(i), "") or "" for i in range(1, MAX_GOP_ENTRIES + 1)}
    if g == 1 and not any(texts.values()):
        return []
    if g > MAX_GOP_ENTRIES:
        raise ValueError(f"GOPSize={g}: dlvc supports up to {MAX_GOP_ENTRIES} GOP entries "
                         f"(Frame1..Frame{MAX_GOP_ENTRIES})")
    if g > 1 and g % 2:
        raise ValueError(f"GOPSize={g} must be a multiple of 2 (or 1), as in HM")
    out = []
    for i in range(1, g + 1):
        if not texts[i].strip():
            raise ValueError(f"GOPSize={g} needs the GOP entries Frame1..Frame{g}: Frame{i} is missing")
        try:
            out.append(parse_gop_entry(texts[i]))
        except ValueError as e:
            raise ValueError(f"Frame{i}: {e}") from None
    # the entries past GOPSize are read (HM reads them too) but not used; check their syntax
    for i in range(g + 1, MAX_GOP_ENTRIES + 1):
        if texts[i].strip():
            try:
                parse_gop_entry(texts[i])
            except ValueError as e:
                raise ValueError(f"Frame{i}: {e}") from None
    return out


def _located(cfg, msg: str) -> str:
    """Prefix a 'FrameN: ...' message with where FrameN was set (file:line)."""
    origin = getattr(cfg, "origin", None) or {}
    key = msg.split(":", 1)[0]
    return f"{origin[key]}: {msg}" if key in origin else msg


def gop_config_error(cfg) -> str | None:
    """The cfg check of the GOP entries (dlvc.config calls it): every given FrameN must parse
    (HM's format and ranges), GOPSize <= 16 and, when GOPSize > 1, Frame1..FrameGOPSize must
    be given.  A message or None.  Whether the entries form a valid structure (HM's
    xCheckParameter: every reference available) is checked by ``CodingStructure(cfg)``."""
    try:
        gop_entries_from_cfg(cfg)
    except ValueError as e:
        return _located(cfg, str(e))
    return None


# ---------------------------------------------------------------------------------------------
# The GOP structure check (TAppEncCfg::xCheckParameter) and the SPS sets (TEncTop::xInitRPS)
# ---------------------------------------------------------------------------------------------

class _GopStructure:
    """HM's GOP list after its structure check: ``entries`` = the GOPSize cfg entries followed
    by the extra entries (``poc`` of an extra entry is the absolute POC it was made for), the
    SPS sets, the DPB sizes."""

    def __init__(self, gop: list[GopEntry], gop_size: int, cb_qp_offset: int = 0, cr_qp_offset: int = 0):
        self.gop_size = g = gop_size
        entries = [copy.deepcopy(e) for e in gop]
        for e in entries:
            e.used = [0] * len(e.ref_pics)
            e.ref_pic = False
        pocs = sorted(e.poc for e in entries)
        if pocs != list(range(1, g + 1)):
            raise ValueError(f"Frame1: the GOP entries' POCs must be 1..{g} once each, got "
                             f"{' '.join(str(e.poc) for e in entries)}")
        for i, e in enumerate(entries):
            if e.poc == g and e.temporal_id != 0:
                raise ValueError(f"Frame{i + 1}: the last picture of the GOP (POC {g}) must have temporal_id 0")
            if abs(e.cb_qp_offset + cb_qp_offset) > 12 or abs(e.cr_qp_offset + cr_qp_offset) > 12:
                raise ValueError(f"Frame{i + 1}: chroma QP offset combined with the PPS offset exceeds -12..12")
        if entries[0].predict:
            raise ValueError("Frame1: the first GOP entry cannot use inter RPS prediction (predict 0)")
        self.entries = entries
        self._check_and_extend()
        self.num_extra = len(self.entries) - g
        self.sps_sets = self._init_rps()
        self._dpb_sizes()

    # --- TAppEncCfg::xCheckParameter, the "verifiedGOP" loop ---------------------------------
    def _check_and_extend(self):
        E, g = self.entries, self.gop_size
        ref_list = [0]
        is_ok = [False] * g
        num_ok = 0
        check = 1
        while True:
            cur = (check - 1) % g
            cur_poc = ((check - 1) // g) * g + E[cur].poc
            before_i = False
            for i, d in enumerate(E[cur].ref_pics):
                abs_poc = cur_poc + d
                if abs_poc < 0:
                    before_i = True
                    continue
                if abs_poc not in ref_list:
                    raise ValueError(f"Frame{cur + 1}: reference picture {d} is not available "
                                     f"(invalid GOP structure)")
                for k in range(g):
                    if abs_poc % g == E[k].poc % g:
                        if E[k].temporal_id == E[cur].temporal_id:
                            E[k].ref_pic = True
                        E[cur].used[i] = int(E[k].temporal_id <= E[cur].temporal_id)
            if not before_i:
                if not is_ok[cur]:
                    num_ok += 1
                    is_ok[cur] = True
                    if num_ok == g:
                        break
            else:
                if len(E) >= 64:
                    raise ValueError("Frame1: the GOP structure needs too many extra RPSs")
                new = copy.deepcopy(E[cur])
                refs, used = [], []
                for i, d in enumerate(E[cur].ref_pics):
                    if cur_poc + d >= 0:
                        refs.append(d)
                        used.append(E[cur].used[i])
                n_pref = E[cur].num_ref_pics_active
                for offset in range(-1, -check, -1):
                    off_gop = (check - 1 + offset) % g
                    off_poc = ((check - 1 + offset) // g) * g + E[off_gop].poc
                    if off_poc >= 0 and E[off_gop].temporal_id <= E[cur].temporal_id:
                        new_ref = off_poc in ref_list and (off_poc - cur_poc) not in refs
                        if new_ref:
                            if E[off_gop].temporal_id == E[cur].temporal_id:
                                E[off_gop].ref_pic = True
                            ins = len(refs)
                            for j, r in enumerate(refs):
                                if r < off_poc - cur_poc or r > 0:
                                    ins = j
                                    break
                            refs.insert(ins, off_poc - cur_poc)
                            used.insert(ins, int(E[off_gop].temporal_id <= E[cur].temporal_id))
                    if len(refs) >= n_pref:
                        break
                new.ref_pics, new.used = refs, used
                new.poc = cur_poc
                if len(E) == g:
                    new.predict, new.ref_idcs, new.delta_rps = 0, [], 0
                else:
                    ref = E[-1]
                    idcs = []
                    for i in range(len(ref.ref_pics) + 1):
                        d = ref.ref_pics[i] if i < len(ref.ref_pics) else 0
                        idc = 0
                        for j, r in enumerate(refs):
                            if ref.poc + d - cur_poc == r:
                                idc = 1 if used[j] else 2
                        idcs.append(idc)
                    new.predict, new.ref_idcs, new.delta_rps = 1, idcs, ref.poc - cur_poc
                E.append(new)
                cur = len(E) - 1
            ref_list = [cur_poc + d for d in E[cur].ref_pics if cur_poc + d >= 0] + [cur_poc]
            check += 1

    # --- TEncTop::xInitRPS ---------------------------------------------------------------------
    def _init_rps(self) -> list[StRps]:
        sets: list[StRps] = []
        for i, e in enumerate(self.entries):
            where = f"Frame{i + 1}" if i < self.gop_size else "Frame1"
            neg = [(d, u) for d, u in zip(e.ref_pics, e.used) if d < 0]
            pos = [(d, u) for d, u in zip(e.ref_pics, e.used) if d > 0]
            try:
                explicit = explicit_st_rps([d for d, _ in neg], [u for _, u in neg],
                                           [d for d, _ in pos], [u for _, u in pos])
            except ValueError as err:
                raise ValueError(f"{where}: {err}") from None
            rps = explicit
            if e.predict == 2:
                ref = sets[i - 1]
                delta = self.entries[i - 1].poc - e.poc
                ref_d = ref.DeltaPocS0 + ref.DeltaPocS1 + [0]
                mine = dict(zip(e.ref_pics, e.used))
                idcs = [(1 if mine[d + delta] else 2) if (d + delta) in mine else 0 for d in ref_d]
                if sum(1 for x in idcs if x) == len(e.ref_pics):
                    rps = _inter_rps(ref, delta, idcs, i, sets)
                # else: HM warns and codes the set explicitly
            elif e.predict == 1:
                ref = sets[i - 1]
                if len(e.ref_idcs) != ref.NumDeltaPocs + 1:
                    raise ValueError(f"{where}: #ref_idcs is {len(e.ref_idcs)}, the previous entry's "
                                     f"RPS needs {ref.NumDeltaPocs + 1}")
                rps = _inter_rps(ref, e.delta_rps, e.ref_idcs, i, sets)
                # HM warns and takes the inter RPS when the two differ; a different set of
                # delta POCs is most likely a typo in the cfg, so dlvc refuses it
                if rps.DeltaPocS0 + rps.DeltaPocS1 != explicit.DeltaPocS0 + explicit.DeltaPocS1:
                    raise ValueError(f"{where}: the inter RPS (deltaRPS {e.delta_rps}, idcs "
                                     f"{' '.join(map(str, e.ref_idcs))}) gives delta POCs "
                                     f"{rps.DeltaPocS0 + rps.DeltaPocS1}, not the listed "
                                     f"{explicit.DeltaPocS0 + explicit.DeltaPocS1}")
            sets.append(rps)
        sets.append(explicit_st_rps([], [], [], []))    # HM's createRPSList(GOPSize + extra + 1)
        return sets

    # --- TAppEncCfg: m_maxDecPicBuffering, m_numReorderPics, m_maxTempLayer ---------------------
    def _dpb_sizes(self):
        E, g = self.entries, self.gop_size
        self.max_temp_layer = max(1, max(e.temporal_id + 1 for e in E[:g]))
        dpb = [1] * MAX_TLAYER
        reorder = [0] * MAX_TLAYER
        for i in range(g):
            t = E[i].temporal_id
            dpb[t] = max(dpb[t], len(E[i].ref_pics) + 1)
            highest = 0
            for j in range(g):
                if E[j].poc <= E[i].poc:
                    highest = j
            n = sum(1 for j in range(highest)
                    if E[j].temporal_id <= t and E[j].poc > E[i].poc)
            reorder[t] = max(reorder[t], n)
        for i in range(MAX_TLAYER - 1):
            reorder[i + 1] = max(reorder[i + 1], reorder[i])
            if reorder[i] > dpb[i] - 1:
                dpb[i] = reorder[i] + 1
            dpb[i + 1] = max(dpb[i + 1], dpb[i])
        if reorder[-1] > dpb[-1] - 1:
            dpb[-1] = reorder[-1] + 1
        self.max_dec_pic_buffering = dpb
        self.num_reorder_pics = reorder


def _inter_rps(ref: StRps, delta_rps: int, idcs: list[int], idx: int, sets: list[StRps]) -> StRps:
    rps = StRps(inter_ref_pic_set_prediction_flag=1, delta_idx_minus1=0,
                delta_rps_sign=1 if delta_rps < 0 else 0, abs_delta_rps_minus1=abs(delta_rps) - 1,
                used_by_curr_pic_flag=[1 if x == 1 else 0 for x in idcs],
                use_delta_flag=[1 if x else 0 for x in idcs])
    return derive_st_rps(rps, idx, sets)


# ---------------------------------------------------------------------------------------------
# QP and lambda (TEncCfg::getQPForPicture, TEncSlice::calculateLambda)
# ---------------------------------------------------------------------------------------------

def hm_qp(base_qp: int, is_intra: bool, entry: GopEntry | None, intra_qp_offset: int = 0) -> int:
    """TEncCfg::getQPForPicture (8-bit, lossy): QP + IntraQPOffset for I slices, else
    QP + QPoffset + floor(clip(0, 3, qp * QPOffsetModelScale + QPOffsetModelOff + 0.5))."""
    qp = base_qp
    if is_intra:
        qp += intra_qp_offset
    elif entry is not None:
        qp += entry.qp_offset
        d = qp * entry.qp_offset_model_scale + entry.qp_offset_model_offset + 0.5
        qp += int(math.floor(min(max(d, 0.0), 3.0)))
    return min(max(qp, 0), 51)


def _hm_depth(poc: int, gop_size: int) -> int:
    """TEncSlice::initEncSlice: hierarchy depth of poc % GOPSize."""
    p = poc % gop_size
    if p == 0:
        return 0
    step, depth, i = gop_size, 0, gop_size >> 1
    while i >= 1:
        found = any(j == p for j in range(i, gop_size, step))
        step >>= 1
        depth += 1
        if found:
            break
        i >>= 1
    return depth


# ---------------------------------------------------------------------------------------------
# Per-picture plans
# ---------------------------------------------------------------------------------------------

@dataclass
class PicturePlan:
    """What HM decides for one picture (the values the slice header and the picture encoder
    need).  ``poc`` is HM's POC, the index of the frame in the input; the decoder's
    PicOrderCntVal is ``pic_order_cnt_val`` (relative to the last IDR picture).  ``ref_pocs``
    are HM POCs too (what HM's log prints); the decoder's lists are the same pictures.
    ``st_rps``: the derived short-term RPS in use (None for IDR); coded as SPS set
    ``short_term_ref_pic_set_idx`` when short_term_ref_pic_set_sps_flag is 1, else
    ``st_ref_pic_set`` is the explicit set for the slice header (derived with stRpsIdx =
    num_short_term_ref_pic_sets).  ``lam``: HM's lambda for the slice; ``depth``: HM's
    hierarchy depth of the picture; ``cb/cr_qp_offset``: slice chroma QP offsets (used when
    ``CodingStructure.slice_chroma_qp_offsets_present``); ``tc/beta_offset_div2``: the GOP
    entry's deblocking offsets, added to the base offsets when the slice overrides them."""
    coding_index: int
    poc: int
    gop_index: int                  # HM's iGOPid (0 for POC 0)
    slice_type: int                 # B_SLICE / P_SLICE / I_SLICE
    nal_unit_type: int
    temporal_id: int
    qp: int
    lam: float
    depth: int
    cb_qp_offset: int = 0           # slice_cb_qp_offset (when the PPS has slice chroma offsets)
    cr_qp_offset: int = 0
    tc_offset_div2: int = 0         # GOP entry's deblocking offsets (slice override, if enabled)
    beta_offset_div2: int = 0
    st_rps: StRps | None = None
    short_term_ref_pic_set_sps_flag: int = 0
    short_term_ref_pic_set_idx: int = 0
    st_ref_pic_set: StRps | None = None
    num_ref_idx_active: tuple = (0, 0)
    ref_pocs: tuple = ((), ())      # RefPicList0 / RefPicList1 POCs
    is_reference: bool = True       # not a sub-layer non-reference picture (7.4.2.2)
    collocated_from_l0_flag: int = 1
    collocated_ref_idx: int = 0
    mvd_l1_zero_flag: int = 0
    low_delay: bool = True          # HM's CheckLDC: no reference POC after the picture
    last_idr: int = 0               # POC of the last IDR picture (HM's m_iLastIDR)

    @property
    def pic_order_cnt_val(self) -> int:
        """PicOrderCntVal at the decoder: HM codes POCs relative to the last IDR picture
        (slice_pic_order_cnt_lsb = (POC - lastIDR) mod MaxPicOrderCntLsb)."""
        return self.poc - self.last_idr

    @property
    def is_intra(self) -> bool:
        return self.slice_type == I_SLICE

    @property
    def is_irap(self) -> bool:
        return is_irap(self.nal_unit_type)

    def slice_header(self, sps, pps) -> SliceHeader:
        """The first slice segment header with the fields this plan decides, as HM writes
        them (num_ref_idx_active_override_flag when the counts differ from the PPS defaults,
        slice_temporal_mvp_enabled_flag when the SPS enables TMVP).  Other fields keep their
        defaults for the caller to set."""
        n0, n1 = self.num_ref_idx_active
        sh = SliceHeader(first_slice_segment_in_pic_flag=1, slice_type=self.slice_type,
                         slice_pic_order_cnt_lsb=self.pic_order_cnt_val & (sps.MaxPicOrderCntLsb - 1),
                         short_term_ref_pic_set_sps_flag=self.short_term_ref_pic_set_sps_flag,
                         short_term_ref_pic_set_idx=self.short_term_ref_pic_set_idx,
                         st_ref_pic_set=self.st_ref_pic_set,
                         slice_qp_delta=self.qp - 26 - pps.init_qp_minus26)
        idr = self.nal_unit_type in (IDR_W_RADL, IDR_N_LP)
        if not idr:
            sh.slice_temporal_mvp_enabled_flag = int(bool(sps.sps_temporal_mvp_enabled_flag))
        sh.st_rps = None if idr else self.st_rps
        if self.slice_type != I_SLICE:
            sh.num_ref_idx_l0_active_minus1 = n0 - 1
            sh.num_ref_idx_l1_active_minus1 = (n1 - 1) if self.slice_type == B_SLICE \
                else pps.num_ref_idx_l1_default_active_minus1
            sh.num_ref_idx_active_override_flag = int(
                n0 - 1 != pps.num_ref_idx_l0_default_active_minus1 or
                (self.slice_type == B_SLICE and n1 - 1 != pps.num_ref_idx_l1_default_active_minus1))
            sh.collocated_from_l0_flag = self.collocated_from_l0_flag
            sh.collocated_ref_idx = self.collocated_ref_idx
            sh.mvd_l1_zero_flag = self.mvd_l1_zero_flag
        if pps.pps_slice_chroma_qp_offsets_present_flag:
            sh.slice_cb_qp_offset, sh.slice_cr_qp_offset = self.cb_qp_offset, self.cr_qp_offset
        return sh


class _EncPic:
    """HM's encoder-side view of a coded picture (TComPic in rcListPic)."""
    __slots__ = ("poc", "tid", "referenced", "used_by_curr", "qp")

    def __init__(self, poc, tid, qp):
        self.poc, self.tid, self.qp = poc, tid, qp
        self.referenced, self.used_by_curr = True, False


class CodingStructure:
    """HM's coding structure for ``num_frames`` pictures (default: cfg.FramesToBeEncoded).
    Iterating yields ``PicturePlan`` objects in coding order; ``plans`` is the list."""

    def __init__(self, cfg, num_frames: int | None = None):
        self.cfg = cfg
        n = num_frames if num_frames is not None else _cfg_get(cfg, "FramesToBeEncoded", 0)
        if not n or n < 1:
            raise DlvcError("CodingStructure needs the number of frames (num_frames)")
        self.num_frames = n
        self.base_qp = cfg.QP
        self.intra_qp_offset = _cfg_get(cfg, "IntraQPOffset", 0)
        self.lambda_from_qp = bool(_cfg_get(cfg, "LambdaFromQpEnable", False))
        self.drt = _cfg_get(cfg, "DecodingRefreshType", 0)
        try:
            gop = gop_entries_from_cfg(cfg)
            if gop:
                self.gop_size = cfg.GOPSize
                self.intra_period = _cfg_get(cfg, "IntraPeriod", -1)
                self.structure = _GopStructure(gop, self.gop_size, _cfg_get(cfg, "CbQpOffset", 0),
                                               _cfg_get(cfg, "CrQpOffset", 0))
        except ValueError as e:
            raise DlvcError(_located(cfg, str(e))) from None
        if not gop:
            # HM's IntraPeriod 1 without a GOP table: one default entry, every picture intra
            self.gop_size, self.intra_period = 1, 1
            st = _GopStructure.__new__(_GopStructure)
            st.gop_size = 1
            st.entries = [GopEntry(type="P", poc=1, qp_factor=1.0, num_ref_pics_active=4)]
            st.num_extra = 0
            st.sps_sets = [explicit_st_rps([], [], [], []), explicit_st_rps([], [], [], [])]
            st.max_temp_layer = 1
            st.max_dec_pic_buffering = [1] * MAX_TLAYER
            st.num_reorder_pics = [0] * MAX_TLAYER
            self.structure = st
        self.entries = self.structure.entries
        self._sps_sets = self.structure.sps_sets
        self.plans: list[PicturePlan] = self._plan_all()

    # --- sequence-level values --------------------------------------------------------------
    def sps_st_rps_list(self) -> list[StRps]:
        """The SPS st_ref_pic_set( i ) list (derived StRps), as HM writes it."""
        return list(self._sps_sets)

    @property
    def sps_max_sub_layers_minus1(self) -> int:
        return self.structure.max_temp_layer - 1

    @property
    def sps_temporal_id_nesting_flag(self) -> int:
        return int(self.structure.max_temp_layer == 1)

    @property
    def sps_max_dec_pic_buffering_minus1(self) -> list[int]:
        return [d - 1 for d in self.structure.max_dec_pic_buffering[:self.structure.max_temp_layer]]

    @property
    def sps_max_num_reorder_pics(self) -> list[int]:
        return list(self.structure.num_reorder_pics[:self.structure.max_temp_layer])

    @property
    def sps_max_latency_increase_plus1(self) -> list[int]:
        return [0] * self.structure.max_temp_layer

    @property
    def num_ref_idx_default_active(self) -> int:
        """PPS num_ref_idx_l0/l1_default_active (TEncTop::xInitPPS: the most frequent
        #ref_pics_active of the GOP entries, the smallest on a tie)."""
        hist = {}
        for e in self.entries[:self.gop_size]:
            hist[e.num_ref_pics_active] = hist.get(e.num_ref_pics_active, 0) + 1
        best = max(hist.values())
        return min(k for k, v in hist.items() if v == best)

    @property
    def slice_chroma_qp_offsets_present(self) -> bool:
        """PPS pps_slice_chroma_qp_offsets_present_flag as HM sets it."""
        return any(e.cb_qp_offset or e.cr_qp_offset for e in self.entries[:self.gop_size])

    def __iter__(self):
        return iter(self.plans)

    def __len__(self):
        return len(self.plans)

    # --- HM's picture loop --------------------------------------------------------------------
    def _is_intra_period_pic(self, poc: int) -> bool:
        # HM's IntraPeriod is unsigned: -1 never matches (except POC 0)
        return self.intra_period > 0 and poc % self.intra_period == 0

    def _nal_unit_type(self, poc: int, last_idr: int) -> int:
        """TEncGOP::getNalUnitType."""
        if poc == 0:
            return IDR_W_RADL
        if self._is_intra_period_pic(poc):
            if self.drt == 1:
                return CRA_NUT
            if self.drt == 2:
                return IDR_W_RADL
        if self.poc_cra > 0 and poc < self.poc_cra:
            return RASL_R
        if last_idr > 0 and poc < last_idr:
            return RADL_R
        return TRAIL_R

    def _coding_order(self):
        """(poc, gop_index, first) in HM's coding order."""
        yield 0, 0, True
        g, n = self.gop_size, self.num_frames
        base = 0
        while base + 1 < n:
            for gid in range(g):
                poc = base + self.entries[gid].poc
                if poc < n:
                    yield poc, gid, False
            base += g

    def _select_rps_idx(self, poc: int, gid: int) -> int:
        """TEncTop::selectReferencePictureSet."""
        idx = gid
        g = self.gop_size
        for k in range(g, len(self.entries)):
            if self.intra_period > 0 and self.drt > 0:
                p = poc % self.intra_period
                if p == 0:
                    p = self.intra_period
                if p == self.entries[k].poc:
                    idx = k
            elif poc == self.entries[k].poc:
                idx = k
        return idx

    def _plan_all(self) -> list[PicturePlan]:
        g = self.gop_size
        E = self.entries
        sets = self._sps_sets
        num_sets = len(sets)
        dpb: list[_EncPic] = []
        by_poc: dict[int, _EncPic] = {}
        plans = []
        self.poc_cra = 0
        refresh_pending = False
        last_idr = 0
        for k, (poc, gid, first) in enumerate(self._coding_order()):
            e = E[gid]
            depth = _hm_depth(poc, g)
            intra_init = first or self._is_intra_period_pic(poc)
            non_ref_flag = False if first else not e.ref_pic
            qp = hm_qp(self.base_qp, intra_init, e, self.intra_qp_offset)
            lam = hm_lambda(qp, intra_init, e.qp_factor, depth, g, self.lambda_from_qp)
            tid = 0 if intra_init else e.temporal_id
            slice_type = I_SLICE if intra_init else _SLICE_OF_CHAR[e.type]
            cb = cr = 0
            if self.slice_chroma_qp_offsets_present and not intra_init:
                pcb, pcr = _cfg_get(self.cfg, "CbQpOffset", 0), _cfg_get(self.cfg, "CrQpOffset", 0)
                cb = min(max(e.cb_qp_offset + pcb, -12), 12) - pcb
                cr = min(max(e.cr_qp_offset + pcr, -12), 12) - pcr
            # NAL unit type
            if self._nal_unit_type(poc, last_idr) == IDR_W_RADL:
                last_idr = poc
            nut = self._nal_unit_type(poc, last_idr)
            gop_size_now = 1 if first else g
            if non_ref_flag:
                if nut == TRAIL_R and not (gop_size_now == 1 and slice_type == I_SLICE):
                    nut = TRAIL_N
                elif nut == RADL_R:
                    nut = RADL_N
                elif nut == RASL_R:
                    nut = RASL_N
            # TComSlice::decodingRefreshMarking
            if nut in (IDR_W_RADL, IDR_N_LP):
                for p in dpb:
                    p.referenced = False
            else:
                if refresh_pending and poc > self.poc_cra:
                    for p in dpb:
                        if p.poc != self.poc_cra:
                            p.referenced = False
                    refresh_pending = False
                if nut == CRA_NUT:
                    refresh_pending = True
                    self.poc_cra = poc
            # RPS: SPS set, or explicit from the available pictures
            rps_idx = self._select_rps_idx(poc, gid)
            sps_rps = sets[rps_idx]
            deltas = sps_rps.DeltaPocS0 + sps_rps.DeltaPocS1
            useds = sps_rps.UsedByCurrPicS0 + sps_rps.UsedByCurrPicS1
            avail = {p.poc for p in dpb if p.referenced}
            irap = is_irap(nut)
            missing = any(poc + d not in avail and poc + d >= 0 for d in deltas)
            explicit = None
            if missing or irap:
                keep = [(d, u and not irap) for d, u in zip(deltas, useds) if poc + d in avail]
                neg = [(d, int(u)) for d, u in keep if d < 0]
                pos = [(d, int(u)) for d, u in keep if d > 0]
                if sps_rps.inter_ref_pic_set_prediction_flag:
                    ridx = rps_idx - sps_rps.delta_idx_minus1 - 1
                    ref = sets[ridx]
                    drps = (1 - 2 * sps_rps.delta_rps_sign) * (sps_rps.abs_delta_rps_minus1 + 1)
                    mine = dict(keep)
                    idcs = [((1 if mine[d + drps] else 2) if (d + drps) in mine else 0)
                            for d in ref.DeltaPocS0 + ref.DeltaPocS1 + [0]]
                    explicit = StRps(inter_ref_pic_set_prediction_flag=1,
                                     delta_idx_minus1=sps_rps.delta_idx_minus1 + num_sets - rps_idx,
                                     delta_rps_sign=sps_rps.delta_rps_sign,
                                     abs_delta_rps_minus1=sps_rps.abs_delta_rps_minus1,
                                     used_by_curr_pic_flag=[1 if x == 1 else 0 for x in idcs],
                                     use_delta_flag=[1 if x else 0 for x in idcs])
                    derive_st_rps(explicit, num_sets, sets)
                else:
                    explicit = explicit_st_rps([d for d, _ in neg], [u for _, u in neg],
                                               [d for d, _ in pos], [u for _, u in pos])
                st = explicit
            else:
                st = sps_rps
            # TComSlice::applyReferencePictureSet
            st_deltas = dict(zip(st.DeltaPocS0 + st.DeltaPocS1, st.UsedByCurrPicS0 + st.UsedByCurrPicS1))
            for p in dpb:
                if not p.referenced:
                    continue
                if p.poc - poc in st_deltas:
                    p.used_by_curr = bool(st_deltas[p.poc - poc])
                else:
                    p.referenced = False
                    p.used_by_curr = False
            dpb = [p for p in dpb if p.referenced]      # unreferenced pictures never come back
            # TSA / STSA
            if tid > 0 and nut not in (RADL_N, RADL_R, RASL_N, RASL_R):
                refs = [p for p in dpb if p.referenced]
                if all(p.tid < tid for p in refs) or self.sps_temporal_id_nesting_flag:
                    nut = TSA_N if non_ref_flag else TSA_R
                elif all(p.tid < tid for p in refs if p.used_by_curr):
                    if self._stsa_ok(gid, tid):
                        nut = STSA_N if non_ref_flag else STSA_R
            # reference lists
            n_pics = st.NumDeltaPocs if st is not None else 0
            if slice_type == I_SLICE:
                n0 = n1 = 0
                L0, L1 = [], []
            else:
                n0 = n1 = min(e.num_ref_pics_active, n_pics)
                rps = rps_poc_lists(poc, st)
                if slice_type == B_SLICE and n1 == 0:
                    slice_type = P_SLICE
                L0, L1, _, _ = build_ref_pic_lists(slice_type, rps.PocStCurrBefore, rps.PocStCurrAfter,
                                                   [], n0, n1)
                if slice_type == P_SLICE:
                    n1 = 0
            col_l0, mvd_zero, low_delay = 1, 0, True
            if slice_type == B_SLICE:
                col_l0 = int(by_poc[L0[0]].qp > by_poc[L1[0]].qp)
                low_delay = all(r <= poc for r in L0 + L1)
                mvd_zero = int(n0 == n1 and L0 == L1)
            idr = nut in (IDR_W_RADL, IDR_N_LP)
            if idr:
                st, explicit = None, None
            plan = PicturePlan(
                coding_index=k, poc=poc, gop_index=gid, slice_type=slice_type, nal_unit_type=nut,
                temporal_id=tid, qp=qp, lam=lam, depth=depth, cb_qp_offset=cb, cr_qp_offset=cr,
                tc_offset_div2=e.tc_offset_div2, beta_offset_div2=e.beta_offset_div2,
                st_rps=st,
                short_term_ref_pic_set_sps_flag=int(explicit is None and not idr),
                short_term_ref_pic_set_idx=rps_idx if (explicit is None and not idr) else 0,
                st_ref_pic_set=explicit, num_ref_idx_active=(n0, n1),
                ref_pocs=(tuple(L0), tuple(L1)),
                is_reference=not is_sub_layer_non_reference(nut),
                collocated_from_l0_flag=col_l0, mvd_l1_zero_flag=mvd_zero, low_delay=low_delay,
                last_idr=last_idr)
            plans.append(plan)
            pic = _EncPic(poc, tid, qp)
            dpb.append(pic)
            by_poc[poc] = pic
        return plans

    def _stsa_ok(self, gid: int, tid: int) -> bool:
        """The rest of TEncGOP's STSA test: no later GOP entry of the same temporal layer
        uses a picture of that layer or above."""
        E, g = self.entries, self.gop_size
        for ii in range(gid + 1, g):
            if E[ii].temporal_id != tid:
                continue
            s = self._sps_sets[ii]
            for d, u in zip(s.DeltaPocS0 + s.DeltaPocS1, s.UsedByCurrPicS0 + s.UsedByCurrPicS1):
                if not u:
                    continue
                t_poc = E[ii].poc + d
                kk = next((k for k in range(g) if E[k].poc == t_poc), g)
                t_tid = E[kk].temporal_id if kk < len(E) else 0
                if t_tid >= tid:
                    return False
        return True
